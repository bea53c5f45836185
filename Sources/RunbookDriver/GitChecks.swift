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

    static func check(_ repository: GitRepository, _ files: [(CompilationResult, String)], today: String,
                      review: ReviewSettings, beingCommitted: Bool = false) throws -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let states = Dictionary(files.map { ($0.1, repository.state(of: $0.1)) }, uniquingKeysWith: { first, _ in first })
        var watches: [String: [DriftWatch]] = [:]
        let head = try repository.headCommit()
        for (result, relative) in files where states[relative] != .untracked {
            guard let ir = result.lintableIR, let syntax = result.syntax, let file = result.file else { continue }
            var list = driftWatches(ir: ir, syntax: syntax, file: file)
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
        // One walk: every file's last change, and each drift watch's answers, newest commit first.
        var lastChanges: [String: GitCommitInfo] = [:]
        try GitHistory.walk(repository, paths: files.map(\.1)) { change in
            if lastChanges[change.path] == nil { lastChanges[change.path] = change.commit }
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
        for (result, relative) in files {
            guard let ir = result.lintableIR, let syntax = result.syntax, let file = result.file else { continue }
            let state = states[relative] ?? .unknown
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
            let lastChange = lastChanges[relative]
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
            for watch in watches[relative] ?? [] {
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
