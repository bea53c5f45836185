// The checks only history can answer, over libgit2: staleness, review stamps, rollback drift and
// working-tree state. One history walk finds every file's last change; the stamp check reads only
// the commits newer than the stamp; blame reads the working copy.

import Foundation
import RunbookGit
import RunbookLint
import RunbookSema
import RunbookSource
import RunbookSyntax

public struct ReviewSettings: Sendable {
    public var maxAgeDays = 90
    /// P0 and P1 runbooks rot faster than anything else is allowed to.
    public var maxAgeCriticalDays = 30

    public init() {}
}

public enum GitChecks {
    /// `beingCommitted`: inside a pre-commit hook the runbooks are uncommitted by definition, so RB021
    /// would only be noise. `cache`: the check cache keeps each file's findings under its content and
    /// last change, and the per-commit last-change index, so an unchanged tree reads only new commits.
    public static func run(_ results: [CompilationResult], today: String, review: ReviewSettings,
                           lint: LintConfiguration, beingCommitted: Bool = false) -> [Diagnostic] {
        run(results.map { GitCheckFile($0) }, today: today, review: review, lint: lint, beingCommitted: beingCommitted, cache: nil).diagnostics
    }

    static func run(_ files: [GitCheckFile], today: String, review: ReviewSettings,
                    lint: LintConfiguration, beingCommitted: Bool = false, cache: CheckCache?) -> (diagnostics: [Diagnostic], answeredFromCache: Int) {
        var diagnostics: [Diagnostic] = []
        var answeredFromCache = 0
        var outside: [String] = []
        var repositories: [String: (GitRepository, [(GitCheckFile, String)])] = [:]
        var byDirectory: [String: GitRepository?] = [:]
        for file in files where file.mayBeLintable {
            let directory = (file.path as NSString).deletingLastPathComponent
            do {
                let repository: GitRepository?
                if let known = byDirectory[directory] {
                    repository = known
                } else {
                    repository = try GitRepository.discover(containing: directory.isEmpty ? "." : directory)
                    byDirectory[directory] = repository
                }
                guard let repository, let relative = repository.relativePath(file.path) else {
                    if file.compiled().lintableIR != nil { outside.append(file.path) }
                    continue
                }
                repositories[repository.workdir, default: (repository, [])].1.append((file, relative))
            } catch {
                guard file.compiled().lintableIR != nil else { continue }
                diagnostics.append(Diagnostic(.gitFailure, "git checks skipped: \(error)",
                                              severity: .info, displayPath: file.path))
            }
        }
        if !outside.isEmpty {
            diagnostics.append(Diagnostic(RuleRegistry.uncommittedRunbook,
                                          "not in a git repository: history checks (RB017–RB021) skipped for \(outside.count) runbook\(outside.count == 1 ? "" : "s")",
                                          severity: .info, displayPath: "rbc"))
        }
        for (_, (repository, files)) in repositories.sorted(by: { $0.key < $1.key }) {
            do {
                let findings = cache.map { FindingsCache(cache: $0, beingCommitted: beingCommitted) }
                let checked = try check(repository, files, today: today, review: review, beingCommitted: beingCommitted,
                                        index: cache.map { LastChangeIndex(store: $0.historyIndex, repository: repository) }, findings: findings)
                diagnostics += checked.diagnostics
                answeredFromCache += checked.answeredFromCache
            } catch {
                diagnostics.append(Diagnostic(.gitFailure, "git checks failed: \(error)",
                                              severity: .info, displayPath: repository.workdir))
            }
        }
        return (Linter.configure(diagnostics, configuration: lint), answeredFromCache)
    }

    /// A runbook for the git checks: compiled, or answered from the check cache and compiled only
    /// when its history findings are not cached either.
    final class GitCheckFile {
        let path: String
        let source: SourceFile?
        let settings: CompileSettings
        private var result: CompilationResult?

        init(_ result: CompilationResult, settings: CompileSettings = CompileSettings()) {
            (path, source, self.result, self.settings) = (result.path, result.file, result, settings)
        }

        init(uncompiled source: SourceFile, settings: CompileSettings) {
            (path, self.source, result, self.settings) = (source.path, source, nil, settings)
        }

        /// A compiled file without a lintable IR has no history findings; an uncompiled one may.
        var mayBeLintable: Bool { result.map { $0.lintableIR != nil } ?? true }

        func compiled() -> CompilationResult {
            if let result { return result }
            let compiled = source.map { Compiler.compile($0, hashing: false, settings: settings) }
                ?? CompilationResult(path: path, file: nil, ir: nil, diagnostics: [])
            result = compiled
            return compiled
        }
    }

    /// How long ago a runbook was last reviewed, against how often it must be: RB017 and the report
    /// read the same answer.
    public struct ReviewAge: Sendable, Equatable {
        public enum Basis: Sendable, Equatable {
            /// `reviewed: DATE` in the runbook.
            case reviewStamp(String)
            /// Nobody stamped a review: the last commit that changed the file counts as one.
            case lastChange(GitCommitInfo)

            var describe: String {
                switch self {
                case .reviewStamp(let date): "reviewed on \(date)"
                case .lastChange(let commit): "last changed on \(commit.date) (\(commit.shortID))"
                }
            }

            /// The date the age counts from (YYYY-MM-DD).
            public var date: String {
                switch self {
                case .reviewStamp(let date): date
                case .lastChange(let commit): commit.date
                }
            }
        }

        public let basis: Basis
        /// Days from the review to today; negative for a review date in the future.
        public let days: Int
        /// The review interval: `review_every`, else `.rbc.yaml`'s `review:` for the severity.
        public let maxAgeDays: Int

        public var isStale: Bool { days >= 0 && days > maxAgeDays }
    }

    /// The review interval of a runbook in days: its own `review_every`, else the configured one
    /// (shorter for P0 and P1).
    public static func reviewIntervalDays(_ ir: RunbookIR, review: ReviewSettings) -> Int {
        let critical = ir.runbook.severity == .p0 || ir.runbook.severity == .p1
        return ir.runbook.reviewEveryMs.map { $0 / 86_400_000 } ?? (critical ? review.maxAgeCriticalDays : review.maxAgeDays)
    }

    /// The review age of a runbook given its last change; nil when it has neither a review stamp
    /// nor a commit.
    public static func reviewAge(_ ir: RunbookIR, lastChange: GitCommitInfo?, todayDay: Int, review: ReviewSettings) -> ReviewAge? {
        let basis: ReviewAge.Basis
        let basisDay: Int
        if let reviewed = ir.runbook.reviewed, let reviewedDay = day(reviewed) {
            (basis, basisDay) = (.reviewStamp(reviewed), reviewedDay)
        } else if let lastChange, let changeDay = day(lastChange.date) {
            (basis, basisDay) = (.lastChange(lastChange), changeDay)
        } else {
            return nil
        }
        return ReviewAge(basis: basis, days: todayDay - basisDay, maxAgeDays: reviewIntervalDays(ir, review: review))
    }

    /// Where a step's or rollback's text last changed.
    enum Origin: Equatable {
        case uncommitted
        case commit(GitCommitInfo)

        var describe: String {
            switch self {
            case .uncommitted: "uncommitted changes"
            case .commit(let info): "\(info.shortID) (\(info.date))"
            }
        }
    }

    /// A step with a rollback, followed back through history until both texts' last changes are known.
    struct DriftWatch {
        let label: String
        let stepLines: [String]
        let rollbackLines: [String]
        let rollbackRange: SourceRange
        var step: Origin?
        var rollback: Origin?

        var resolved: Bool { step != nil && rollback != nil }
    }

    /// Each file's history findings, kept in the check cache under everything that decides them: the
    /// file (bytes, path, compile settings), its state in the work tree and its last change (a
    /// commit's history never changes), plus what every check-cache key holds (rbc build,
    /// `.rbc.yaml`, today).
    struct FindingsCache {
        let cache: CheckCache
        let beingCommitted: Bool

        func key(_ file: GitCheckFile, relative: String, state: GitRepository.FileState, lastChange: GitCommitInfo?) -> String? {
            guard let source = file.source else { return nil }
            return cache.historyKey(for: source, settings: file.settings,
                                    parts: [relative, "\(state)", lastChange?.id ?? "-", beingCommitted ? "being-committed" : ""])
        }
    }

    static func check(_ repository: GitRepository, _ files: [(GitCheckFile, String)], today: String,
                      review: ReviewSettings, beingCommitted: Bool = false, index: LastChangeIndex? = nil,
                      findings: FindingsCache? = nil) throws -> (diagnostics: [Diagnostic], answeredFromCache: Int) {
        var diagnostics: [Diagnostic] = []
        let states = Dictionary(files.map { ($0.1, repository.state(of: $0.1)) }, uniquingKeysWith: { first, _ in first })
        let byRelative = Dictionary(files.map { ($0.1, $0.0) }, uniquingKeysWith: { first, _ in first })
        var watches: [String: [DriftWatch]] = [:]
        var prepared: Set<String> = []
        let head = try repository.headCommit()
        // The drift watches of a file, from its compiled form (compiled now if the check cache answered it).
        func prepare(_ relative: String) throws {
            guard prepared.insert(relative).inserted, states[relative] != .untracked, let file = byRelative[relative] else { return }
            let result = file.compiled()
            guard let ir = result.lintableIR, let syntax = result.syntax, let source = result.file else { return }
            var list = driftWatches(ir: ir, syntax: syntax, file: source)
            // Text that HEAD does not have was changed in the working tree.
            if states[relative] == .modified, !list.isEmpty {
                let committed = try head?.blob(at: relative).map { String(decoding: $0, as: UTF8.self) } ?? ""
                for index in list.indices {
                    if !containsAll(committed, list[index].stepLines) { list[index].step = .uncommitted }
                    if !containsAll(committed, list[index].rollbackLines) { list[index].rollback = .uncommitted }
                }
            }
            if !list.isEmpty { watches[relative] = list }
        }
        // Findings read from the cache, and the keys of those to be kept, by path.
        var answered: [String: [Diagnostic]] = [:]
        var keys: [String: String] = [:]
        func answeredFromCache(_ relative: String, lastChange: GitCommitInfo?) -> Bool {
            guard let findings, let file = byRelative[relative], let source = file.source,
                  let key = findings.key(file, relative: relative, state: states[relative] ?? .unknown, lastChange: lastChange) else { return false }
            keys[relative] = key
            guard let found = findings.cache.historyDiagnostics(for: key, file: source) else { return false }
            answered[relative] = found
            return true
        }
        if findings == nil {
            for (_, relative) in files { try prepare(relative) }
        }
        // One walk: every file's last change, and each drift watch's answers, newest commit first. A
        // stored index answers the last change of files without drift watches; a file whose findings
        // are cached for its last change needs nothing older.
        var lastChanges: [String: GitCommitInfo] = [:]
        try GitHistory.walk(repository, paths: files.map(\.1), index: index, indexed: { path, lastChange in
            if let lastChange { lastChanges[path] = lastChange }
            if answeredFromCache(path, lastChange: lastChange) { return false }
            try prepare(path)
            return watches[path]?.contains { !$0.resolved } ?? false
        }) { change in
            if lastChanges[change.path] == nil {
                lastChanges[change.path] = change.commit
                if answeredFromCache(change.path, lastChange: change.commit) { return false }
                try prepare(change.path)
            }
            guard var list = watches[change.path], list.contains(where: { !$0.resolved }) else { return false }
            let previous = change.previousContent().map { String(decoding: $0, as: UTF8.self) }
            for index in list.indices where !list[index].resolved {
                if list[index].step == nil, !(previous.map { containsAll($0, list[index].stepLines) } ?? false) {
                    list[index].step = .commit(change.commit)
                }
                if list[index].rollback == nil, !(previous.map { containsAll($0, list[index].rollbackLines) } ?? false) {
                    list[index].rollback = .commit(change.commit)
                }
            }
            watches[change.path] = list
            return list.contains { !$0.resolved }
        }
        let todayDay = day(today) ?? 0
        for (file, relative) in files {
            // Files the walk never met (uncommitted ones): their key has no commit.
            if answered[relative] == nil, keys[relative] == nil { _ = answeredFromCache(relative, lastChange: lastChanges[relative]) }
            if let found = answered[relative] {
                diagnostics += found
                continue
            }
            try prepare(relative)
            let fileFindings = try findingsOf(file.compiled(), relative: relative, state: states[relative] ?? .unknown,
                                              lastChange: lastChanges[relative], watches: watches[relative] ?? [], repository: repository,
                                              today: today, todayDay: todayDay, review: review, beingCommitted: beingCommitted)
            if let findings, let key = keys[relative] { findings.cache.saveHistory(fileFindings, for: key) }
            diagnostics += fileFindings
        }
        return (diagnostics, answered.count)
    }

    /// One file's history findings, once its last change and drift answers are known.
    static func findingsOf(_ result: CompilationResult, relative: String, state: GitRepository.FileState, lastChange: GitCommitInfo?,
                           watches: [DriftWatch], repository: GitRepository, today: String, todayDay: Int,
                           review: ReviewSettings, beingCommitted: Bool) throws -> [Diagnostic] {
        guard let ir = result.lintableIR, let syntax = result.syntax, let file = result.file else { return [] }
        var diagnostics: [Diagnostic] = []
        let reviewedField = syntax.metadata["reviewed"]
        let anchor = reviewedField?.value.range ?? syntax.headerRange
        switch state {
        case .untracked where beingCommitted, .modified where beingCommitted:
            break
        case .untracked:
            diagnostics.append(Diagnostic(RuleRegistry.uncommittedRunbook, "\(relative) is not committed",
                                          file: file, range: syntax.headerRange, help: "commit it so that what is reviewed is what runs"))
        case .modified:
            diagnostics.append(Diagnostic(RuleRegistry.uncommittedRunbook, "\(relative) has uncommitted changes",
                                          file: file, range: syntax.headerRange))
        default: break
        }
        // Staleness: the last review, or the last change when nobody stamped one.
        let age = reviewAge(ir, lastChange: lastChange, todayDay: todayDay, review: review)
        if let reviewed = ir.runbook.reviewed, let age, case .reviewStamp = age.basis, age.days < 0 {
            diagnostics.append(Diagnostic(RuleRegistry.reviewDateInFuture, "`reviewed: \(reviewed)` is in the future",
                                          file: file, range: anchor, help: "write the date the review happened (today is \(today))"))
        }
        if let age, age.isStale {
            var notes: [DiagnosticNote] = []
            if let lastChange {
                notes.append(DiagnosticNote("last commit: \(lastChange.shortID) on \(lastChange.date) by \(lastChange.author): \(lastChange.summary)"))
            }
            diagnostics.append(Diagnostic(RuleRegistry.staleRunbook,
                                          "runbook is stale: \(age.basis.describe), \(age.days) days ago (review every \(age.maxAgeDays) days)",
                                          file: file, range: anchor,
                                          help: "review it against the systems it touches and set `reviewed: \(today)`", notes: notes))
        }
        // Review stamp: a later commit that changed what runs is not covered.
        if let reviewed = ir.runbook.reviewed, let reviewedDay = day(reviewed), reviewedDay <= todayDay,
           let lastChange, let changeDay = day(lastChange.date), changeDay > reviewedDay {
            let since = Int64(reviewedDay + 1) * 86_400
            for version in try GitHistory.versions(repository, path: relative, since: since) {
                guard let commitDay = day(version.commit.date), commitDay > reviewedDay else { break }
                if stepsFingerprint(version.content, path: relative) != version.previous.map({ stepsFingerprint($0, path: relative) }) {
                    diagnostics.append(Diagnostic(
                        RuleRegistry.reviewStampOutdated,
                        "`reviewed: \(reviewed)` predates \(version.commit.shortID) (\(version.commit.date)), which changed the steps",
                        file: file, range: anchor, help: "review the change, then set `reviewed:` to the review's date",
                        notes: [DiagnosticNote("\(version.commit.shortID) by \(version.commit.author): \(version.commit.summary)")]))
                    break
                }
            }
        }
        // Rollback drift: the step's text changed after its rollback's.
        for watch in watches {
            guard let step = watch.step, let rollback = watch.rollback else { continue }
            let newer: Bool = switch (step, rollback) {
            case (.commit(let a), .commit(let b)): a.time > b.time
            case (.uncommitted, .commit): true
            default: false
            }
            guard newer else { continue }
            diagnostics.append(Diagnostic(
                RuleRegistry.rollbackDrift,
                "the rollback of \(watch.label) may no longer undo it: the step changed after its rollback",
                file: file, range: watch.rollbackRange,
                help: "check that the rollback still reverses the step; update it in the same commit",
                notes: [DiagnosticNote("step last changed in \(step.describe)"), DiagnosticNote("rollback last changed in \(rollback.describe)")]))
        }
        return diagnostics
    }

    /// The steps with rollbacks, each with the source lines of its action and of its rollback.
    static func driftWatches(ir: RunbookIR, syntax: RunbookSyntax, file: SourceFile) -> [DriftWatch] {
        let context = LintContext(ir: ir, syntax: syntax)
        let actionKeys = ["command", "shell", "config_key", "value", "url", "method", "body", "headers", "channel", "message",
                          "title", "instructions", "duration", "durationMs"]
        return context.allSteps.compactMap { view -> DriftWatch? in
            guard let rollback = view.syntax.rollback else { return nil }
            let stepLines = sourceLines(actionKeys.compactMap { view.field($0)?.value.range }, file)
            let rollbackLines = sourceLines(rollback.fields.fields.map(\.value.range), file)
            guard !stepLines.isEmpty, !rollbackLines.isEmpty, Set(stepLines) != Set(rollbackLines) else { return nil }
            return DriftWatch(label: context.describe(view), stepLines: stepLines, rollbackLines: rollbackLines,
                              rollbackRange: rollback.keyRange)
        }
    }

    /// The trimmed, non-empty source lines the ranges cover.
    static func sourceLines(_ ranges: [SourceRange], _ file: SourceFile) -> [String] {
        var lines: [String] = []
        for range in ranges {
            let first = file.lineColumn(of: range.start).line
            let last = file.lineColumn(of: max(range.start, range.end - 1)).line
            for line in first...max(first, last) {
                let text = file.lineText(line).trimmingCharacters(in: .whitespaces)
                if !text.isEmpty, !lines.contains(text) { lines.append(text) }
            }
        }
        return lines
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
    public static func day(_ text: String) -> Int? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        guard let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])) else { return nil }
        return Int(date.timeIntervalSince1970 / 86_400)
    }
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
