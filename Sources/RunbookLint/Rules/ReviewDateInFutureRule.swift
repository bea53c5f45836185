// RB019 review-date-in-future: its id, docs, examples and configuration. The check needs what one runbook
// cannot show, so it runs in GitChecks (RunbookDriver), against the check's date.

struct ReviewDateInFutureRule: LintRule {
    static let description = RuleDescription(
        id: "RB019", slug: "review-date-in-future", category: .history, severity: .error, scope: .both,
        summary: "`reviewed:` is a date in the future",
        rationale: """
        A review stamp from the future silences the staleness check for as long as it lies. Write the \
        date the review happened.
        """,
        triggering: [], nonTriggering: [], requires: .gitHistory)

    func check(_ context: LintContext) -> [LintFinding] { [] }
}
