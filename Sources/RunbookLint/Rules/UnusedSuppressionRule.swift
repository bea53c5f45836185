// RB090 unused-suppression: a suppression that matches no finding. Suppressions are themselves
// checked, so they cannot quietly outlive their reason (SuppressionContext).

import RunbookSource
import RunbookSyntax

struct UnusedSuppressionRule: SuppressionRule {
    static let description = RuleDescription(
        id: "RB090", slug: "unused-suppression", category: .suppressions, severity: .warning, scope: .both,
        summary: "an `rbc:ignore` comment suppresses nothing",
        rationale: """
        A suppression that matches no finding is noise at best, and at worst hides a future finding \
        nobody reviewed. Remove it (`rbc check --fix` removes one that is a line of its own).
        """,
        triggering: [.steps("""
                ↓# rbc:ignore RB001 -- this step has a rollback after all↑
                - id: pods
                  action: execute_command
                  command: "kubectl get pods"
                  timeout: 30s
            """)],
        nonTriggering: [.steps("""
                # rbc:ignore RB001 -- restarts are safe and fast to repeat
                - id: restart
                  action: execute_command
                  command: "kubectl rollout restart deploy/api"
                  timeout: 2m
                  expect: {exit_code: 0}
            """)],
        fix: .safe)

    func check(_ context: any SuppressionContext) -> [LintFinding] {
        context.suppressions.enumerated().compactMap { index, suppression in
            guard suppression.malformation == nil, !suppression.hasExpired(today: context.today), !context.matchedFinding(index) else { return nil }
            return LintFinding("suppression of \(suppression.rules.joined(separator: ", ")) matches no finding", at: suppression.range,
                               help: "remove it", fix: Self.removal(of: suppression, context: context.lint))
        }
    }

    /// Deleting an unused suppression that is a whole line of its own (safe, as ruff's unused `noqa`):
    /// the line and its line break go. Not offered for a comment after code on its line, or for a
    /// line inside a scalar's text (a `|` block, a Markdown fence), where it is content, not a comment.
    static func removal(of suppression: Suppression, context: LintContext) -> Fix? {
        let file = context.file
        let line = file.lineColumn(of: suppression.range.start).line
        let lineRange = file.lineRange(line)
        let before = file.slice(SourceRange(start: lineRange.start, end: suppression.range.start))
        let text = file.lineText(line).trimmingCharacters(in: .whitespaces)
        let markdownComment = text.hasPrefix("<!--") && text.hasSuffix("-->")
        guard before.allSatisfy({ $0 == " " || $0 == "\t" }), text.hasPrefix("#") || markdownComment else { return nil }
        let insideText = scalarRanges(context).contains { $0.start < lineRange.end && lineRange.start < $0.end }
        guard !insideText else { return nil }
        let end = line < file.lineCount ? file.lineRange(line + 1).start : lineRange.end
        return Fix.safe("remove the unused suppression", .delete(SourceRange(start: lineRange.start, end: end)))
    }

    /// The source ranges of every scalar value of the runbook's metadata and steps.
    static func scalarRanges(_ context: LintContext) -> [SourceRange] {
        var ranges: [SourceRange] = []
        func collect(_ node: YAMLNode) {
            // Iterative: documents are bounded in depth by the reader, but no recursion is needed here.
            var pending = [node]
            while let next = pending.popLast() {
                switch next.kind {
                case .scalar: ranges.append(next.range)
                case .sequence(let items): pending.append(contentsOf: items)
                case .mapping(let pairs): pending.append(contentsOf: pairs.map(\.value))
                case .alias: break
                }
            }
        }
        context.syntax.metadata.fields.forEach { collect($0.value) }
        for view in context.allSteps {
            view.syntax.fields.fields.forEach { collect($0.value) }
            view.syntax.rollback?.fields.fields.forEach { collect($0.value) }
        }
        return ranges
    }
}
