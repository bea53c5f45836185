// RB017 stale-runbook: a runbook whose last review (its `reviewed:` stamp, else its last commit) is
// older than its review interval. The history comes from one git walk for every file (GitChecks).

import RunbookSource

struct StaleRunbookRule: HistoryRule {
    static let description = RuleDescription(
        id: "RB017", slug: "stale-runbook", category: .history, severity: .warning, scope: .both,
        summary: "the runbook has not been reviewed or changed for longer than its review interval",
        rationale: """
        "Runbook rot": a runbook eighteen months old names services and commands that no longer exist. \
        The last review is the `reviewed:` date or, without one, the last commit that changed the file. \
        When it is older than `review_every` (or `review: {max_age: 90d}` in `.rbc.yaml`; P0 and P1 \
        runbooks default to `max_age_critical: 30d`), review the runbook and update `reviewed:`.
        """,
        triggering: [.steps("    - {id: a, action: wait, duration: 1s, timeout: 5s}", extra: "  reviewed: ↓2025-01-10↑\n  review_every: 90d\n")],
        nonTriggering: [], requires: .gitHistory, answersFromFrontMatter: true)

    func check(_ context: any HistoryContext) throws -> [LintFinding] {
        guard let age = ReviewAge.of(context), age.isStale else { return [] }
        var notes: [DiagnosticNote] = []
        if let lastChange = context.lastChange {
            notes.append(DiagnosticNote("last commit: \(lastChange.shortID) on \(lastChange.date) by \(lastChange.author): \(lastChange.summary)"))
        }
        return [LintFinding("runbook is stale: \(age.basis.describe), \(age.days) days ago (review every \(age.maxAgeDays) days)",
                            at: context.reviewAnchor, help: "review it against the systems it touches and set `reviewed: \(context.today)`",
                            notes: notes)]
    }
}
