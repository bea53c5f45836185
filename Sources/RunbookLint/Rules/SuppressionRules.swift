// RB090–RB093: suppressions are themselves checked, so they cannot quietly outlive their reason.
// Each reads the file's suppression comments and which of them matched a finding (SuppressionContext).

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
                ↓# rbc:ignore RB001 -- this step has a rollback after all
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

struct ExpiredSuppressionRule: SuppressionRule {
    static let description = RuleDescription(
        id: "RB091", slug: "expired-suppression", category: .suppressions, severity: .error, scope: .both,
        summary: "an `rbc:ignore … until=DATE` comment has expired",
        rationale: """
        `# rbc:ignore RB005 until=2027-01-31 -- reason` suppresses a finding until a date. After it the \
        suppression no longer applies — the finding is reported again — and the comment itself is \
        reported so it is fixed or renewed on purpose.
        """,
        triggering: [.steps("""
                ↓# rbc:ignore RB001 until=2020-01-31 -- waiting for the undo endpoint
                - id: restart
                  action: execute_command
                  command: "kubectl rollout restart deploy/api"
                  timeout: 2m
                  expect: {exit_code: 0}
            """)],
        nonTriggering: [.steps("""
                # rbc:ignore RB001 until=2999-01-31 -- waiting for the undo endpoint
                - id: restart
                  action: execute_command
                  command: "kubectl rollout restart deploy/api"
                  timeout: 2m
                  expect: {exit_code: 0}
            """)])

    func check(_ context: any SuppressionContext) -> [LintFinding] {
        context.suppressions.compactMap { suppression in
            guard suppression.malformation == nil, suppression.hasExpired(today: context.today), let until = suppression.until else { return nil }
            return LintFinding("suppression of \(suppression.rules.joined(separator: ", ")) expired on \(until)", at: suppression.range,
                               help: "fix what it suppressed, or renew it with a new date and reason")
        }
    }
}

struct SuppressionWithoutReasonRule: SuppressionRule {
    static let description = RuleDescription(
        id: "RB092", slug: "suppression-without-reason", category: .suppressions, severity: .warning, scope: .both,
        summary: "an `rbc:ignore` comment gives no reason",
        rationale: """
        Write why the finding does not apply after `--`: `# rbc:ignore RB001 -- restarts are idempotent`. \
        The reason is what a reviewer checks, and what tells the next author whether it still holds.
        """,
        triggering: [.steps("""
                ↓# rbc:ignore RB001
                - id: restart
                  action: execute_command
                  command: "kubectl rollout restart deploy/api"
                  timeout: 2m
                  expect: {exit_code: 0}
            """)],
        nonTriggering: [])

    func check(_ context: any SuppressionContext) -> [LintFinding] {
        context.suppressions.compactMap { suppression in
            guard suppression.malformation == nil, suppression.reason == nil else { return nil }
            return LintFinding("suppression of \(suppression.rules.joined(separator: ", ")) gives no reason", at: suppression.range,
                               help: "add `-- why the finding does not apply`")
        }
    }
}

struct UnknownSuppressionRule: SuppressionRule {
    static let description = RuleDescription(
        id: "RB093", slug: "malformed-suppression", category: .suppressions, severity: .error, scope: .both,
        summary: "an `rbc:ignore` comment names no known rule or has a bad date",
        rationale: """
        `rbc:ignore` takes rule ids (`RB001`) or names (`rollback-missing`), an optional \
        `until=YYYY-MM-DD`, and `-- reason`. A typo in the id suppresses nothing and would otherwise go \
        unnoticed.
        """,
        triggering: [.steps("""
                ↓# rbc:ignore RB999 -- no such rule
                - id: a
                  action: wait
                  duration: 1s
            """)],
        nonTriggering: [])

    func check(_ context: any SuppressionContext) -> [LintFinding] {
        context.suppressions.compactMap { suppression in
            suppression.malformation.map { problem in
                LintFinding("suppression \(problem)", at: suppression.range,
                            help: "write `rbc:ignore RB001 until=2027-01-31 -- reason`; `rbc rules` lists the ids")
            }
        }
    }
}
