// RB020 rollback-drift: a step's text changed after its rollback's, so the rollback may no longer
// undo it. The rule names the lines to follow back; one history walk finds where each last changed.

import Foundation
import RunbookSource

struct RollbackDriftRule: HistoryRule {
    static let description = RuleDescription(
        id: "RB020", slug: "rollback-drift", category: .history, severity: .warning, scope: .executable,
        summary: "a step's command changed in a later commit than its rollback",
        rationale: """
        When a step changes (`--replicas=6` becomes `--replicas=12`, a new flag, another resource) and its \
        rollback does not, the rollback may no longer undo the step. rbc blames the step's command lines \
        and the rollback's lines and reports when the command is newer; the note names both commits and \
        dates. Check the rollback, then touch it in the same commit (or suppress with a reason).
        """,
        triggering: [], nonTriggering: [], requires: .gitHistory)

    /// A step with a rollback: the source lines of its action and of its rollback.
    struct Pair {
        let label: String
        let stepLines: [String]
        let rollbackLines: [String]
        let rollbackRange: SourceRange
    }

    /// The step fields whose text is what the step does.
    static let actionKeys = ["command", "shell", "config_key", "value", "url", "method", "body", "headers", "channel", "message",
                             "title", "instructions", "duration", "durationMs"]

    static func pairs(_ context: LintContext) -> [Pair] {
        context.allSteps.compactMap { view -> Pair? in
            guard let rollback = view.syntax.rollback else { return nil }
            let stepLines = sourceLines(actionKeys.compactMap { view.field($0)?.value.range }, context.file)
            let rollbackLines = sourceLines(rollback.fields.fields.map(\.value.range), context.file)
            guard !stepLines.isEmpty, !rollbackLines.isEmpty, Set(stepLines) != Set(rollbackLines) else { return nil }
            return Pair(label: context.describe(view), stepLines: stepLines, rollbackLines: rollbackLines, rollbackRange: rollback.keyRange)
        }
    }

    /// The trimmed, non-empty source lines the ranges cover.
    static func sourceLines(_ ranges: [SourceRange], _ file: SourceFile) -> [String] {
        var lines: [String] = []
        for range in ranges {
            let first = file.lineIndex(of: range.start) + 1
            let last = file.lineIndex(of: max(range.start, range.end - 1)) + 1
            for line in first...max(first, last) {
                let text = trimmedLine(line, file)
                if !text.isEmpty, !lines.contains(text) { lines.append(text) }
            }
        }
        return lines
    }

    /// A line without the whitespace around it, as `trimmingCharacters(in: .whitespaces)` gives it:
    /// in ASCII that set is the space and the tab, so a line whose ends are ASCII is trimmed on its
    /// bytes (Foundation's trim was a tenth of making a file's watches); other ends go to Foundation.
    static func trimmedLine(_ line: Int, _ file: SourceFile) -> String {
        let range = file.lineRange(line)
        let bytes = file.bytes
        var (start, end) = (range.start, range.end)
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        if start < end, bytes[start] >= 0x80 || bytes[end - 1] >= 0x80 {
            return file.lineText(line).trimmingCharacters(in: .whitespaces)
        }
        return file.slice(SourceRange(start: start, end: end))
    }

    func watchedTexts(_ context: LintContext) -> [[String]] {
        Self.pairs(context).flatMap { [$0.stepLines, $0.rollbackLines] }
    }

    func check(_ context: any HistoryContext) throws -> [LintFinding] {
        Self.pairs(context.lint).compactMap { pair in
            guard let step = context.origin(of: pair.stepLines), let rollback = context.origin(of: pair.rollbackLines) else { return nil }
            let newer: Bool = switch (step, rollback) {
            case (.commit(let a), .commit(let b)): a.time > b.time
            case (.uncommitted, .commit): true
            default: false
            }
            guard newer else { return nil }
            return LintFinding("the rollback of \(pair.label) may no longer undo it: the step changed after its rollback", at: pair.rollbackRange,
                               help: "check that the rollback still reverses the step; update it in the same commit",
                               notes: [DiagnosticNote("step last changed in \(step.describe)"), DiagnosticNote("rollback last changed in \(rollback.describe)")])
        }
    }
}

/// The steps with a rollback whose texts RB020 compares (`rbc history --rollbacks` lists where each
/// last changed): the rule's own pairs, so the listing and the rule never disagree.
public enum RollbackDriftPairs {
    public struct Pair: Sendable {
        /// `step \`id\``, as the rule names it.
        public let label: String
        public let stepLines: [String]
        public let rollbackLines: [String]
    }

    public static func of(_ context: LintContext) -> [Pair] {
        RollbackDriftRule.pairs(context).map { Pair(label: $0.label, stepLines: $0.stepLines, rollbackLines: $0.rollbackLines) }
    }
}
