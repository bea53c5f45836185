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
// `GitRepository.states`), so it cannot disagree with them about a file; where `.git` can be read
// directly with certainty (`GitLocation`: the work tree and HEAD), it is, and libgit2 is opened only
// for what that cannot answer (`SnapshotRepository`).
//
// Asking every file's state costs an index lookup, an `lstat` and a tree lookup per file (a fifth
// of a warm run of 2,000 files). A later snapshot may take a file's state from the one before
// instead (`Evidence`), when that state was proven from stat data alone and none of it changed:
// the same HEAD, the same index file (stat data already old when it was read) and the same file
// (stat data already old, unchanged since). A clean-by-stat answer is a function of exactly those —
// the index entry, HEAD's tree entry and the file's stat data — so it is the answer git would give.

import Foundation
import RunbookGit
import RunbookSource

struct HistorySnapshot: Sendable {
    /// One line per fact, one per repository, then one per file in the candidates' order: compared whole.
    var facts: [String]
    /// How some facts were proven, for the next snapshot; not compared.
    var evidence = Evidence()
    /// Where each file was found and its state, and the repositories opened, as this snapshot read
    /// them (not stored: a snapshot read back from the cache has none): what `GitChecks.findingsKeys`
    /// needs to tell which files' history findings a new commit may have changed.
    var placements: [String: Placement] = [:]
    var repositories: [String: SnapshotRepository] = [:]
    /// Each repository's HEAD commit id as the facts hold it, by work tree (not stored either).
    var heads: [String: String] = [:]

    struct Placement {
        var workdir: String
        var relative: String
        var state: GitRepository.FileState
    }

    /// The facts that decide history findings beyond each file's own key (its path in the repository,
    /// its state and its last change, which `GitChecks.FindingsCache.key` holds): which repository
    /// holds each file at which path, and what could change the history behind a commit (shallow
    /// roots, grafts). Not the HEADs and not the states: two snapshots with equal skeletons give each
    /// file the history findings its key names.
    var skeleton: [String] {
        facts.compactMap { fact in
            if fact.hasPrefix("head ") { return nil }
            // "file PATH in WORKDIR at RELATIVE STATE": the state is one word.
            if fact.hasPrefix("file "), let space = fact.lastIndex(of: " ") { return String(fact[..<space]) }
            return fact
        }
    }

    struct Evidence: Sendable {
        struct Index: Sendable, Equatable {
            var head: String
            var stamp: FileStamp
        }

        struct CleanFile: Sendable, Equatable {
            var workdir: String
            var relative: String
            var stamp: FileStamp
        }

        /// When the snapshot was taken (wall clock, ns): stat data older than this by the margin of
        /// `FileStamp.settled` cannot have changed without changing.
        var taken = 0
        /// Each repository's HEAD and its index file's stat data, taken before the states were read, by work tree.
        var indexes: [String: Index] = [:]
        /// The files found clean from their index entry's stat data, with their own stat data taken
        /// before, by path as given.
        var cleanByStat: [String: CleanFile] = [:]

        /// How many files' states a later snapshot can take from this evidence while nothing
        /// changes: their stat data and their index's were already old when it was taken.
        var carriable: Int {
            cleanByStat.values.filter { file in
                file.stamp.settled(before: taken) && indexes[file.workdir].map { $0.stamp.settled(before: taken) } == true
            }.count
        }
    }

    /// `current`: the candidates' stat data as the caller just verified them (by path); `previous`:
    /// the evidence of an earlier snapshot, whose clean-by-stat answers are taken where it still holds.
    static func of(_ paths: [String], current: [String: FileStamp] = [:], previous: Evidence? = nil) -> HistorySnapshot {
        var facts: [String] = []
        var evidence = Evidence(taken: FileStamp.wallClockNanoseconds())
        evidence.cleanByStat.reserveCapacity(paths.count)
        var byDirectory: [String: SnapshotRepository?] = [:]
        var plainConfigurations: [String: Bool] = [:]
        var resolvers: [String: GitRepository.RelativePaths] = [:]
        // Repositories in the order first met, each with its files (indexes into `placed`): files come
        // grouped by directory, so a file's repository and resolver are mostly its predecessor's, and
        // per-file dictionaries keyed by path were most of the snapshot's time on an unchanged tree.
        var repositories: [(repository: SnapshotRepository, files: [Int])] = []
        var repositoryIndex: [String: Int] = [:]
        var placed: [(path: String, repository: Int, relative: String, prior: Evidence.CleanFile?)] = []
        placed.reserveCapacity(paths.count)
        /// The earlier clean-by-stat answer for a file, while the file's stat data is unchanged and was old then.
        func unchangedClean(_ path: String) -> Evidence.CleanFile? {
            guard let previous, let prior = previous.cleanByStat[path], current[path] == prior.stamp,
                  prior.stamp.settled(before: previous.taken) else { return nil }
            return prior
        }
        var last: (directory: String, repository: SnapshotRepository?, index: Int, resolver: GitRepository.RelativePaths?)?
        for path in paths {
            let directory = Self.directory(of: path)
            if last?.directory != directory {
                let repository: SnapshotRepository?
                if let known = byDirectory[directory] {
                    repository = known
                } else {
                    do {
                        repository = try SnapshotRepository.find(containing: directory.isEmpty ? "." : directory, plainConfigurations: &plainConfigurations)
                    } catch {
                        facts.append("unreadable \(path) \(error)")
                        last = nil
                        continue
                    }
                    byDirectory[directory] = repository
                }
                var index = -1
                var resolver: GitRepository.RelativePaths?
                if let repository {
                    index = repositoryIndex[repository.workdir] ?? repositories.count
                    if index == repositories.count {
                        repositoryIndex[repository.workdir] = index
                        repositories.append((repository, []))
                    }
                    resolver = resolvers[repository.workdir] ?? GitRepository.RelativePaths(workdir: repository.workdir)
                    resolvers[repository.workdir] = resolver
                }
                last = (directory, repository, index, resolver)
            }
            guard let group = last, let resolver = group.resolver else {
                facts.append("outside \(path)")
                continue
            }
            let prior = unchangedClean(path)
            // The same regular file as before, by stat data any replacement of its entry changes: no link.
            guard let relative = resolver.relativePath(path, regularFile: prior != nil) else {
                facts.append("outside \(path)")
                continue
            }
            repositories[group.index].files.append(placed.count)
            placed.append((path, group.index, relative, prior))
        }
        var states = [GitRepository.FileState?](repeating: nil, count: placed.count)
        var heads: [String: String] = [:]
        let found = repositories.filter { !$0.files.isEmpty }
        for (repository, files) in found.sorted(by: { $0.repository.workdir < $1.repository.workdir }) {
            let workdir = repository.workdir
            let head: String
            do {
                head = try repository.headID() ?? "unborn"
            } catch {
                head = "unreadable \(error)"
            }
            // The index's stat data before its entries are read: a later change shows as other stat data.
            let index = repository.indexPath.flatMap(FileStamp.of).map { Evidence.Index(head: head, stamp: $0) }
            let trusted = index != nil && previous?.indexes[workdir] == index && index.map { $0.stamp.settled(before: previous?.taken ?? 0) } == true
            var asked: [Int] = []
            for file in files {
                let entry = placed[file]
                if trusted, let prior = entry.prior, prior.workdir == workdir, prior.relative == entry.relative {
                    states[file] = .clean
                    evidence.cleanByStat[entry.path] = prior
                } else {
                    asked.append(file)
                }
            }
            if !asked.isEmpty {
                // Each file's stat data before its state is read, kept for the files proven clean by it.
                let before = asked.map { FileStamp.of(placed[$0].path) }
                var cleanByStat: Set<String> = []
                let opened = try? repository.opened()
                let answered = opened?.states(of: asked.map { placed[$0].relative }, cleanByStat: &cleanByStat) ?? [:]
                // A path proven clean from the last snapshot stays clean for every file at that path.
                let carried = Set(files.filter { states[$0] == .clean }.map { placed[$0].relative })
                for (file, stamp) in zip(asked, before) {
                    let entry = placed[file]
                    states[file] = carried.contains(entry.relative) ? .clean : answered[entry.relative]
                    if cleanByStat.contains(entry.relative), let stamp {
                        evidence.cleanByStat[entry.path] = Evidence.CleanFile(workdir: workdir, relative: entry.relative, stamp: stamp)
                    }
                }
            }
            if let index { evidence.indexes[workdir] = index }
            // Shallow roots and grafts give a commit other parents than its id says: deepening a
            // shallow clone changes the history behind the same HEAD.
            let common = repository.commonDirectory
            let grafts = ["shallow", "info/grafts"].map { name in FileStamp.of(common + name).map { "\(name) \($0)" } ?? "no \(name)" }
            facts.append("repository \(workdir) " + grafts.joined(separator: " "))
            facts.append("head \(workdir) \(head)")
            heads[workdir] = head
        }
        var placements: [String: Placement] = [:]
        placements.reserveCapacity(placed.count)
        facts.reserveCapacity(facts.count + placed.count)
        for (file, entry) in placed.enumerated() {
            let workdir = repositories[entry.repository].repository.workdir
            let state = states[file]
            facts.append("file \(entry.path) in \(workdir) at \(entry.relative) " + Self.name(state))
            placements[entry.path] = Placement(workdir: workdir, relative: entry.relative, state: state ?? .unknown)
        }
        return HistorySnapshot(facts: facts, evidence: evidence, placements: placements,
                               repositories: Dictionary(found.map { ($0.repository.workdir, $0.repository) }, uniquingKeysWith: { first, _ in first }),
                               heads: heads)
    }

    /// A file's directory, as the history checks group files (`PathText`: no Foundation bridge, and
    /// no trap on a one-character name).
    static func directory(of path: String) -> String { PathText.parent(of: path) }

    static func name(_ state: GitRepository.FileState?) -> String {
        switch state {
        case .clean: "clean"
        case .modified: "modified"
        case .untracked: "untracked"
        case .ignored: "ignored"
        case .unknown, nil: "unknown"
        }
    }
}

/// The repository of some snapshotted files: found from `.git` directly where that is certain
/// (`GitLocation`), and opened with libgit2 only for what that cannot answer (a file's state not
/// carried over from the last snapshot, a HEAD it cannot read): an unchanged tree then never
/// starts libgit2. Elsewhere it is libgit2's from the start.
// @unchecked: `repository` is set at most once, under `lock`; the rest is immutable.
final class SnapshotRepository: @unchecked Sendable {
    let workdir: String
    private let location: GitLocation?
    private let lock = NSLock()
    private var repository: GitRepository?

    private init(workdir: String, location: GitLocation?, repository: GitRepository?) {
        self.workdir = workdir
        self.location = location
        self.repository = repository
    }

    static func find(containing directory: String, plainConfigurations: inout [String: Bool]) throws -> SnapshotRepository? {
        if let location = GitLocation.find(containing: directory, plainConfigurations: &plainConfigurations) {
            return SnapshotRepository(workdir: location.workdir, location: location, repository: nil)
        }
        return try GitRepository.discover(containing: directory).map { SnapshotRepository(workdir: $0.workdir, location: nil, repository: $0) }
    }

    /// libgit2's handle, opened on first use from the work tree (where it finds the same `.git`).
    func opened() throws -> GitRepository? {
        lock.lock()
        defer { lock.unlock() }
        if let repository { return repository }
        repository = try GitRepository.discover(containing: workdir)
        return repository
    }

    func headID() throws -> String? {
        switch location?.head() {
        case .commit(let id): return id
        case .unborn: return nil
        case nil: return try opened()?.headID()
        }
    }

    var indexPath: String? { location?.indexPath ?? (try? opened())??.indexPath }
    var commonDirectory: String { location?.commonDirectory ?? (try? opened())??.commonDirectory ?? workdir + ".git/" }
}
