// What the history rules (RB017–RB021) read from git besides a file's bytes, the configuration and
// the day, as the whole-answer cache compares it (CheckAnswerCache): which repository holds each
// file and at which path, the file's state against the index and HEAD, and each repository's HEAD
// commit with the files that can change the history behind one (shallow roots, grafts).
//
// Everything else the rules read follows from these: a commit's history is fixed by its id (the
// last change of each path, where watched texts last changed, the commits after a review stamp),
// and a modified file's text is compared with HEAD's blob. So two runs whose files, configuration,
// day and snapshots are equal give the same history findings. The snapshot is computed with the
// same calls the history checks make (`GitChecks.run`: discovery per directory, `RelativePaths`,
// `GitRepository.states`), so it cannot disagree with them about a file.

import Foundation
import RunbookGit

struct HistorySnapshot: Equatable, Sendable {
    /// One line per fact, in the candidates' order, then one per repository.
    var facts: [String]

    static func of(_ paths: [String]) -> HistorySnapshot {
        var facts: [String] = []
        var byDirectory: [String: GitRepository?] = [:]
        var resolvers: [String: GitRepository.RelativePaths] = [:]
        var repositories: [String: (repository: GitRepository, relatives: [String])] = [:]
        var placed: [(path: String, workdir: String, relative: String)] = []
        for path in paths {
            let directory = (path as NSString).deletingLastPathComponent
            let repository: GitRepository?
            if let known = byDirectory[directory] {
                repository = known
            } else {
                do {
                    repository = try GitRepository.discover(containing: directory.isEmpty ? "." : directory)
                } catch {
                    facts.append("unreadable \(path) \(error)")
                    continue
                }
                byDirectory[directory] = repository
            }
            guard let repository else {
                facts.append("outside \(path)")
                continue
            }
            let resolver = resolvers[repository.workdir] ?? GitRepository.RelativePaths(repository)
            resolvers[repository.workdir] = resolver
            guard let relative = resolver.relativePath(path) else {
                facts.append("outside \(path)")
                continue
            }
            repositories[repository.workdir, default: (repository, [])].relatives.append(relative)
            placed.append((path, repository.workdir, relative))
        }
        var states: [String: [String: GitRepository.FileState]] = [:]
        for (workdir, (repository, relatives)) in repositories.sorted(by: { $0.key < $1.key }) {
            states[workdir] = repository.states(of: relatives)
            let head: String
            do {
                head = try repository.headID() ?? "unborn"
            } catch {
                head = "unreadable \(error)"
            }
            // Shallow roots and grafts give a commit other parents than its id says: deepening a
            // shallow clone changes the history behind the same HEAD.
            let common = repository.commonDirectory
            let grafts = ["shallow", "info/grafts"].map { name in FileStamp.of(common + name).map { "\(name) \($0)" } ?? "no \(name)" }
            facts.append("repository \(workdir) head \(head) " + grafts.joined(separator: " "))
        }
        for file in placed {
            facts.append("file \(file.path) in \(file.workdir) at \(file.relative) \(states[file.workdir]?[file.relative].map { "\($0)" } ?? "unknown")")
        }
        return HistorySnapshot(facts: facts)
    }
}
