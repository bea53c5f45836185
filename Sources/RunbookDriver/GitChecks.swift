// The history the rules RB017–RB021 read, over libgit2: one history walk finds every file's last
// change and where the texts the rules watch last changed; the commits newer than a review stamp are
// read only when a rule asks. The rules (RunbookLint/Rules, `HistoryRule`) decide what it means.

import Foundation
import RunbookGit
import RunbookLint
import RunbookSema
import RunbookSource
import RunbookSyntax

public enum GitChecks {
    /// `beingCommitted`: inside a pre-commit hook the runbooks are uncommitted by definition, so RB021
    /// would only be noise.
    public static func run(_ results: [CompilationResult], today: String, review: ReviewSettings,
                           lint: LintConfiguration, beingCommitted: Bool = false) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        var outside: [String] = []
        var repositories: [String: (GitRepository, [(CompilationResult, String)])] = [:]
        for result in results where result.lintableIR != nil {
            let directory = (result.path as NSString).deletingLastPathComponent
            do {
                guard let repository = try GitRepository.discover(containing: directory.isEmpty ? "." : directory),
                      let relative = repository.relativePath(result.path) else {
                    outside.append(result.path)
                    continue
                }
                repositories[repository.workdir, default: (repository, [])].1.append((result, relative))
            } catch {
                diagnostics.append(Diagnostic(.gitFailure, "git checks skipped: \(error)",
                                              severity: .info, displayPath: result.path))
            }
        }
        if !outside.isEmpty {
            diagnostics.append(Diagnostic(RuleRegistry.uncommittedRunbook,
                                          "not in a git repository: history checks (RB017–RB021) skipped for \(outside.count) runbook\(outside.count == 1 ? "" : "s")",
                                          severity: .info, displayPath: "rbc"))
        }
        for (_, (repository, files)) in repositories.sorted(by: { $0.key < $1.key }) {
            do {
                diagnostics += try check(repository, files, today: today, review: review, beingCommitted: beingCommitted)
            } catch {
                diagnostics.append(Diagnostic(.gitFailure, "git checks failed: \(error)",
                                              severity: .info, displayPath: repository.workdir))
            }
        }
        return Linter.configure(diagnostics, configuration: lint)
    }

    /// How long ago a runbook was last reviewed (RB017 and the report read the same answer).
    public typealias ReviewAge = RunbookLint.ReviewAge

    /// The review age of a runbook given its last change; nil when it has neither a review stamp
    /// nor a commit.
    public static func reviewAge(_ ir: RunbookIR, lastChange: GitCommitInfo?, todayDay: Int, review: ReviewSettings) -> ReviewAge? {
        ReviewAge.of(ir, lastChange: lastChange.map(historyCommit), todayDay: todayDay, review: review)
    }

    static func historyCommit(_ info: GitCommitInfo) -> HistoryCommit {
        HistoryCommit(id: info.id, shortID: info.shortID, date: info.date, time: info.time, author: info.author, summary: info.summary)
    }

    /// Lines of a runbook a history rule watches, followed back until the commit that last changed them is known.
    struct LineWatch {
        let lines: [String]
        var origin: TextOrigin?
    }

    static func check(_ repository: GitRepository, _ files: [(CompilationResult, String)], today: String,
                      review: ReviewSettings, beingCommitted: Bool = false) throws -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let states = Dictionary(files.map { ($0.1, repository.state(of: $0.1)) }, uniquingKeysWith: { first, _ in first })
        var watches: [String: [LineWatch]] = [:]
        let head = try repository.headCommit()
        for (result, relative) in files where states[relative] != .untracked {
            guard let ir = result.lintableIR, let syntax = result.syntax else { continue }
            let context = LintContext(ir: ir, syntax: syntax)
            var seen: Set<[String]> = []
            var list = RuleRegistry.historyRules.flatMap { $0.watchedTexts(context) }.filter { seen.insert($0).inserted }.map { LineWatch(lines: $0) }
            // Text that HEAD does not have was changed in the working tree.
            if states[relative] == .modified, !list.isEmpty {
                let committed = try head?.blob(at: relative).map { String(decoding: $0, as: UTF8.self) } ?? ""
                for index in list.indices where !containsAll(committed, list[index].lines) { list[index].origin = .uncommitted }
            }
            if !list.isEmpty { watches[relative] = list }
        }
        // One walk: every file's last change, and each watch's answer, newest commit first.
        var lastChanges: [String: GitCommitInfo] = [:]
        try GitHistory.walk(repository, paths: files.map(\.1)) { change in
            if lastChanges[change.path] == nil { lastChanges[change.path] = change.commit }
            guard var list = watches[change.path], list.contains(where: { $0.origin == nil }) else { return false }
            let previous = change.previousContent().map { String(decoding: $0, as: UTF8.self) }
            for index in list.indices where list[index].origin == nil {
                if !(previous.map { containsAll($0, list[index].lines) } ?? false) { list[index].origin = .commit(historyCommit(change.commit)) }
            }
            watches[change.path] = list
            return list.contains { $0.origin == nil }
        }
        for (result, relative) in files {
            guard let ir = result.lintableIR, let syntax = result.syntax, let file = result.file else { continue }
            let state: WorkingState = switch states[relative] ?? .unknown {
            case .clean: .clean
            case .modified: .modified
            case .untracked: .untracked
            case .ignored, .unknown: .unknown
            }
            let history = RepositoryHistory(lint: LintContext(ir: ir, syntax: syntax), relativePath: relative, state: state,
                                            lastChange: lastChanges[relative].map(historyCommit), today: today, beingCommitted: beingCommitted,
                                            review: review, watches: watches[relative] ?? [], repository: repository)
            for rule in RuleRegistry.historyRules {
                let code = type(of: rule).description.code
                for finding in try rule.check(history) {
                    diagnostics.append(Diagnostic(code, finding.message, severity: finding.severity, file: file, range: finding.range,
                                                  help: finding.help, notes: finding.notes, fix: finding.fix))
                }
            }
        }
        return diagnostics
    }

    /// One file's history, from the walk; the commits newer than a review stamp are read when asked.
    struct RepositoryHistory: HistoryContext {
        let lint: LintContext
        let relativePath: String
        let state: WorkingState
        let lastChange: HistoryCommit?
        let today: String
        let beingCommitted: Bool
        let review: ReviewSettings
        let watches: [LineWatch]
        let repository: GitRepository

        func origin(of lines: [String]) -> TextOrigin? {
            watches.first { $0.lines == lines }?.origin
        }

        func newestStepsChange(afterDay day: Int) throws -> HistoryCommit? {
            let since = Int64(day + 1) * 86_400
            for version in try GitHistory.versions(repository, path: relativePath, since: since) {
                guard let commitDay = ReviewAge.day(version.commit.date), commitDay > day else { break }
                if stepsFingerprint(version.content, path: relativePath) != version.previous.map({ stepsFingerprint($0, path: relativePath) }) {
                    return historyCommit(version.commit)
                }
            }
            return nil
        }
    }

    /// memchr for the first byte, memcmp for the rest (glibc's memmem is not in Swift's Glibc module).
    static func bytes(_ text: UnsafeBufferPointer<UInt8>, contain pattern: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let textBase = text.baseAddress, let patternBase = pattern.baseAddress, pattern.count <= text.count else { return false }
        let first = Int32(patternBase.pointee)
        var offset = 0
        let lastStart = text.count - pattern.count
        while offset <= lastStart {
            guard let hit = memchr(textBase + offset, first, lastStart - offset + 1) else { return false }
            let position = UnsafeRawPointer(hit) - UnsafeRawPointer(textBase)
            if memcmp(textBase + position, patternBase, pattern.count) == 0 { return true }
            offset = position + 1
        }
        return false
    }

    /// A byte search: Foundation's `contains` converts to UTF-16 on every call and was a
    /// third of a history check's time. Both sides are UTF-8 from the same decoder, so bytes agree.
    static func containsAll(_ text: String, _ lines: [String]) -> Bool {
        var haystack = text
        return haystack.withUTF8 { textBytes in
            lines.allSatisfy { line in
                var needle = line
                return needle.withUTF8 { lineBytes in
                    guard lineBytes.count > 0 else { return true }
                    return Self.bytes(textBytes, contain: lineBytes)
                }
            }
        }
    }

    /// What runs, without prose and positions: equal for versions that differ only in text for people.
    static func stepsFingerprint(_ bytes: [UInt8], path: String) -> String {
        let result = Compiler.compile(path: path, bytes: bytes, hashing: false)
        guard var ir = result.ir?.withoutSourceInformation() else { return "raw:" + SHA256.hex(bytes) }
        func strip(_ step: StepIR) -> StepIR {
            var copy = step
            copy.name = nil
            copy.description = nil
            copy.rollback?.description = nil
            if copy.action.kind == .manual { copy.action.instructions = copy.action.instructions.map { _ in "" } }
            return copy
        }
        ir.steps = ir.steps.map(strip)
        ir.postRunbook = ir.postRunbook.map(strip)
        ir.rollback = ir.rollback.map(strip)
        ir.procedures = ir.procedures.map { var p = $0; p.description = nil; p.steps = p.steps.map(strip); return p }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let steps = (try? encoder.encode([ir.steps, ir.postRunbook, ir.rollback])).map { [UInt8]($0) } ?? []
        let procedures = (try? encoder.encode(ir.procedures)).map { [UInt8]($0) } ?? []
        return SHA256.hex(steps + procedures)
    }

    /// Days since 1970-01-01 of a YYYY-MM-DD date (UTC).
    public static func day(_ text: String) -> Int? { ReviewAge.day(text) }
}

extension GitChecks {
    /// The git provenance of a file: repository, path, HEAD, blob id and whether it is dirty; nil outside git.
    public static func provenance(of path: String) -> ProvenanceIR? {
        guard let repository = try? GitRepository.discover(containing: (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent),
              let relative = repository.relativePath(path) else { return nil }
        let head = (try? repository.headCommit())??.info.id
        let state = repository.state(of: relative)
        return ProvenanceIR(repository: repository.workdir, path: relative, head: head, blob: repository.blobID(ofWorkingFile: relative),
                            dirty: state != .clean)
    }
}

extension GitChecks {
    /// A runbook's place in git: its latest commits and whether the working file matches HEAD.
    public struct History: Sendable {
        /// Newest first, at most the limit asked for.
        public var commits: [GitCommitInfo] = []
        public var state: GitRepository.FileState = .unknown
    }

    /// The last `limit` commits that changed each file, in one history walk per repository (keyed
    /// by the path as given); files outside any repository are absent.
    public static func histories(_ paths: [String], limit: Int) -> [String: History] {
        var repositories: [String: GitRepository] = [:]
        var byDirectory: [String: GitRepository?] = [:]
        var grouped: [String: [(given: String, relative: String)]] = [:]
        for path in paths {
            let directory = (path as NSString).deletingLastPathComponent
            let repository: GitRepository?
            if let known = byDirectory[directory] {
                repository = known
            } else {
                repository = try? GitRepository.discover(containing: directory.isEmpty ? "." : directory)
                byDirectory[directory] = repository
            }
            guard let repository, let relative = repository.relativePath(path) else { continue }
            repositories[repository.workdir] = repository
            grouped[repository.workdir, default: []].append((path, relative))
        }
        var result: [String: History] = [:]
        for (workdir, files) in grouped {
            guard let repository = repositories[workdir] else { continue }
            var commits: [String: [GitCommitInfo]] = [:]
            try? GitHistory.walk(repository, paths: files.map(\.relative)) { change in
                commits[change.path, default: []].append(change.commit)
                return (commits[change.path]?.count ?? 0) < limit
            }
            for file in files {
                result[file.given] = History(commits: commits[file.relative] ?? [], state: repository.state(of: file.relative))
            }
        }
        return result
    }
}
