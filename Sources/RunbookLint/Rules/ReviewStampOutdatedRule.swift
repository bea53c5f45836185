// RB018 review-stamp-outdated: its id, docs, examples and configuration. The check needs what one runbook
// cannot show, so it runs in GitChecks (RunbookDriver), reading only the commits newer than the stamp.

struct ReviewStampOutdatedRule: LintRule {
    static let description = RuleDescription(
        id: "RB018", slug: "review-stamp-outdated", category: .history, severity: .warning, scope: .both,
        summary: "a commit changed the runbook's steps after the date in `reviewed:`",
        rationale: """
        `reviewed: 2026-09-01` says a human checked the runbook that day. A later commit that changed \
        its steps — commands, actions, timeouts, rollbacks; not prose or whitespace — is not covered by \
        that review. Review the change and move the stamp forward.
        """,
        triggering: [], nonTriggering: [], requires: .gitHistory)

    func check(_ context: LintContext) -> [LintFinding] { [] }
}
