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
        // Collected once for all the comments, not once per unused comment.
        var scalars: ScalarExtents?
        return context.suppressions.enumerated().compactMap { index, suppression in
            guard suppression.malformation == nil, !suppression.hasExpired(today: context.today), !context.matchedFinding(index) else { return nil }
            if scalars == nil { scalars = ScalarExtents(Self.scalarRanges(context.lint)) }
            return LintFinding("suppression of \(suppression.rules.joined(separator: ", ")) matches no finding", at: suppression.range,
                               help: "remove it", fix: scalars.flatMap { Self.removal(of: suppression, context: context.lint, scalars: $0) })
        }
    }

    /// Deleting an unused suppression that is a whole line of its own (safe, as ruff's unused `noqa`):
    /// the line and its line break go. Not offered for a comment after code on its line, or for a
    /// line inside a scalar's text (a `|` block, a Markdown fence), where it is content, not a comment.
    static func removal(of suppression: Suppression, context: LintContext, scalars: ScalarExtents) -> Fix? {
        let file = context.file
        let line = file.lineColumn(of: suppression.range.start).line
        let lineRange = file.lineRange(line)
        let before = file.slice(SourceRange(start: lineRange.start, end: suppression.range.start))
        let text = file.lineText(line).trimmingCharacters(in: .whitespaces)
        let markdownComment = text.hasPrefix("<!--") && text.hasSuffix("-->")
        guard before.allSatisfy({ $0 == " " || $0 == "\t" }), text.hasPrefix("#") || markdownComment else { return nil }
        guard !scalars.overlap(lineRange) else { return nil }
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

/// Scalar ranges sorted by start, with the furthest end reached so far: whether any of them overlaps
/// a line is one binary search, not a pass over every scalar for every unused comment.
struct ScalarExtents {
    private let starts: [Int]
    private let furthestEnd: [Int]

    init(_ ranges: [SourceRange]) {
        let sorted = ranges.sorted()
        starts = sorted.map(\.start)
        var furthest = Int.min
        furthestEnd = sorted.map { range in
            furthest = max(furthest, range.end)
            return furthest
        }
    }

    /// Whether a range starting before `range.end` ends after `range.start`.
    func overlap(_ range: SourceRange) -> Bool {
        var low = 0
        var high = starts.count
        while low < high {
            let middle = (low + high) / 2
            if starts[middle] < range.end { low = middle + 1 } else { high = middle }
        }
        return low > 0 && furthestEnd[low - 1] > range.start
    }
}
