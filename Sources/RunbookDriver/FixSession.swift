// `rbc check --fix`: check, apply the fixes the user allowed (non-overlapping ones per file), check
// again, until nothing is left to fix or a bound is reached; then report what is left.

import Foundation
import RunbookSource
import RunbookSyntax

/// One fix applied to a file, with where its diagnostic was before the file changed.
public struct AppliedFix: Sendable {
    public var path: String
    public var position: LineColumn?
    public var code: String
    public var fix: Fix
}

public struct FixOutcome: Sendable {
    /// The check after the last round: what remains.
    public var report: CheckReport
    public var applied: [AppliedFix] = []
    /// Files that changed on disk.
    public var changedFiles: [String] = []
    /// Files whose fixes were not written: changed on disk while checking, or not writable.
    public var skipped: [(path: String, reason: String)] = []
    /// Still fixable after the last round (the bound was reached).
    public var unfinished = false
}

public enum FixSession {
    /// Rounds of check-and-fix. A second round catches fixes that overlapped one applied in the first;
    /// well-behaved fixes settle in two or three.
    public static let maximumRounds = 8

    /// Whether a diagnostic's fix may be applied under the chosen applicability.
    public static func applies(_ fix: Fix, unsafe: Bool) -> Bool {
        fix.applicability == .safe || unsafe
    }

    public static func run(paths: [String], options: CheckOptions, unsafe: Bool,
                           check: ([String], CheckOptions) -> CheckReport = { CheckSession.run(paths: $0, options: $1) }) -> FixOutcome {
        var report = check(paths, options)
        var outcome = FixOutcome(report: report)
        var changed = Set<String>()
        for round in 1...maximumRounds {
            let fixable = report.diagnostics.filter { diagnostic in
                diagnostic.file != nil && diagnostic.fix.map { applies($0, unsafe: unsafe) } == true
            }
            if fixable.isEmpty { break }
            if round == maximumRounds {
                outcome.unfinished = true
                break
            }
            var wroteSomething = false
            for (path, diagnostics) in Dictionary(grouping: fixable, by: \.path).sorted(by: { $0.key < $1.key }) {
                guard let file = diagnostics.first?.file else { continue }
                let chosen = choose(diagnostics, byteCount: file.bytes.count)
                let edits = chosen.flatMap { $0.fix?.edits ?? [] }
                guard !chosen.isEmpty, TextEdits.apply(edits, to: file.bytes) != nil else { continue }
                switch write(edits, to: path, expecting: file.bytes) {
                case .written:
                    wroteSomething = true
                    changed.insert(path)
                    outcome.applied += chosen.compactMap { diagnostic in
                        diagnostic.fix.map { AppliedFix(path: path, position: diagnostic.start, code: diagnostic.code.id, fix: $0) }
                    }
                case .failed(let reason):
                    outcome.skipped.append((path, reason))
                }
            }
            if !wroteSomething { break }
            report = check(paths, options)
        }
        outcome.report = report
        outcome.changedFiles = changed.sorted()
        return outcome
    }

    /// Fixes in output order, each taken when it touches none taken before (the rest wait for the next round).
    static func choose(_ diagnostics: [Diagnostic], byteCount: Int) -> [Diagnostic] {
        var chosen: [Diagnostic] = []
        var taken = TakenRanges()
        for diagnostic in diagnostics.sorted(by: Diagnostic.outputOrder) {
            guard let fix = diagnostic.fix, !fix.edits.isEmpty, fix.isWellFormed(byteCount: byteCount),
                  !fix.edits.contains(where: { taken.touches($0.range) }) else { continue }
            for edit in fix.edits { taken.insert(edit.range) }
            chosen.append(diagnostic)
        }
        return chosen
    }

    /// The ranges of the edits taken so far, sorted by start: asking whether a new edit touches one
    /// is a binary search, where comparing each fix with every one taken before was quadratic (a
    /// command with thousands of unquoted `${{ }}` has as many fixes in one file).
    struct TakenRanges {
        private var ranges: [SourceRange] = []

        /// Whether `range` touches or abuts a taken range (as `Fix.overlaps` decides). Taken ranges never
        /// overlap one another, so sorted by start they are sorted by end too, and the last one
        /// starting at or before `range`'s end is the only one that can reach it.
        func touches(_ range: SourceRange) -> Bool {
            let index = lastStarting(atOrBefore: range.end)
            return index >= 0 && ranges[index].end >= range.start
        }

        mutating func insert(_ range: SourceRange) {
            ranges.insert(range, at: lastStarting(atOrBefore: range.start) + 1)
        }

        private func lastStarting(atOrBefore offset: Int) -> Int {
            var low = 0, high = ranges.count
            while low < high {
                let mid = (low + high) / 2
                if ranges[mid].start <= offset { low = mid + 1 } else { high = mid }
            }
            return low - 1
        }
    }

    enum WriteResult { case written, failed(String) }

    /// Applies the edits to the file in place (keeping its mode) when it still holds what was checked;
    /// a byte-order mark the reader dropped is kept. An ERB page was checked with its tags masked
    /// (same offsets): the edits go into the file with its tags, and none may touch a tag.
    static func write(_ edits: [TextEdit], to path: String, expecting checked: [UInt8]) -> WriteResult {
        guard let current = FileManager.default.contents(atPath: path) else { return .failed("cannot read it again") }
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let prefix: [UInt8] = current.starts(with: bom) && !current.elementsEqual(checked) ? bom : []
        let base = [UInt8](current.dropFirst(prefix.count))
        // What the check read: the file, or for an ERB page checked as its reader sees it, the file
        // with its tags masked.
        let read = base == checked || !ERBTemplate.isTemplate(path) ? base
            : ERBTemplate.masked(SourceFile(path: path, text: String(decoding: base, as: UTF8.self))).bytes
        guard read == checked else { return .failed("it changed while being checked") }
        if read != base, edits.contains(where: { edit in (edit.range.start..<max(edit.range.end, edit.range.start + 1)).contains { $0 < base.count && base[$0] != read[$0] } }) {
            return .failed("a fix would change an ERB tag")
        }
        guard let edited = TextEdits.apply(edits, to: base) else { return .failed("its fixes overlap") }
        do {
            try Data(prefix + edited).write(to: URL(fileURLWithPath: path))
        } catch {
            return .failed("cannot write it: \(error.localizedDescription)")
        }
        return .written
    }
}

extension FixOutcome {
    /// What `--fix` changed, for standard error: one line per applied fix, then a total.
    public var description: String {
        func plural(_ count: Int, _ word: String) -> String { "\(count) \(word)\(count == 1 ? "" : "s")" }
        var text = ""
        for fix in applied {
            let position = fix.position.map { ":\($0.line):\($0.column)" } ?? ""
            text += "\(fix.path)\(position): fixed \(fix.code) (\(fix.fix.applicability.rawValue)): \(fix.fix.title)\n"
        }
        for skip in skipped {
            text += "\(skip.path): not fixed: \(skip.reason)\n"
        }
        text += "fixed \(plural(applied.count, "finding")) in \(plural(changedFiles.count, "file"))"
        let remainingUnsafe = report.diagnostics.filter { $0.fix?.applicability == .unsafe }.count
        if remainingUnsafe > 0 { text += "; \("\(remainingUnsafe) unsafe fix\(remainingUnsafe == 1 ? "" : "es")") not applied (--unsafe-fixes applies them)" }
        if unfinished { text += "; stopped after \(FixSession.maximumRounds) rounds with fixes left" }
        return text + "\n"
    }
}
