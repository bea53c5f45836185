// RB091 expired-suppression: a suppression past its `until=` date (SuppressionContext).

import RunbookSource
import RunbookSyntax

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
                ↓# rbc:ignore RB001 until=2020-01-31 -- waiting for the undo endpoint↑
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
