// RB024 unknown-trigger-alert: its id, docs, examples and configuration. The check needs what one runbook
// cannot show, so it runs in AlertCoverage (RunbookDriver), over the alert rules and every runbook.

struct UnknownTriggerAlertRule: LintRule {
    static let description = RuleDescription(
        id: "RB024", slug: "unknown-trigger-alert", category: .alerts, severity: .warning, scope: .both,
        summary: "a runbook's trigger names an alert that no alerting rule defines",
        rationale: """
        `triggers: [{alert: KubePodCrashLooping}]` ties a runbook to the alert that pages for it. When \
        `rbc check --alerts` finds no alerting rule of that name, the alert was renamed or removed and \
        the runbook may never be reached.
        """,
        triggering: [], nonTriggering: [], requires: .alertRules)

    func check(_ context: LintContext) -> [LintFinding] { [] }
}
