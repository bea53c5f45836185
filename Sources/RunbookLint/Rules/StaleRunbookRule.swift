// RB017 stale-runbook: its id, docs, examples and configuration. The check needs what one runbook
// cannot show, so it runs in GitChecks (RunbookDriver), over one history walk for all files.

struct StaleRunbookRule: LintRule {
    static let description = RuleDescription(
        id: "RB017", slug: "stale-runbook", category: .history, severity: .warning, scope: .both,
        summary: "the runbook has not been reviewed or changed for longer than its review interval",
        rationale: """
        "Runbook rot": a runbook eighteen months old names services and commands that no longer exist. \
        The last review is the `reviewed:` date or, without one, the last commit that changed the file. \
        When it is older than `review_every` (or `review: {max_age: 90d}` in `.rbc.yaml`; P0 and P1 \
        runbooks default to `max_age_critical: 30d`), review the runbook and update `reviewed:`.
        """,
        triggering: [.steps("    - {id: a, action: wait, duration: 1s, timeout: 5s}", extra: "  reviewed: 2025-01-10\n  review_every: 90d\n")],
        nonTriggering: [], requires: .gitHistory)

    func check(_ context: LintContext) -> [LintFinding] { [] }
}
