// RB092 suppression-without-reason: a suppression that says no why (SuppressionContext).

import RunbookSource
import RunbookSyntax

struct SuppressionWithoutReasonRule: SuppressionRule {
    static let description = RuleDescription(
        id: "RB092", slug: "suppression-without-reason", category: .suppressions, severity: .warning, scope: .both,
        summary: "an `rbc:ignore` comment gives no reason",
        rationale: """
        Write why the finding does not apply after `--`: `# rbc:ignore RB001 -- restarts are idempotent`. \
        The reason is what a reviewer checks, and what tells the next author whether it still holds.
        """,
        triggering: [.steps("""
                ↓# rbc:ignore RB001↑
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
