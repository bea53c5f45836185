// RB022 alert-without-runbook: its id, docs, examples and configuration. The check needs what one runbook
// cannot show, so it runs in AlertCoverage (RunbookDriver), over the alert rules and every runbook.

struct AlertWithoutRunbookRule: LintRule {
    static let description = RuleDescription(
        id: "RB022", slug: "alert-without-runbook", category: .alerts, severity: .error, scope: .both,
        summary: "an alerting rule has no runbook annotation (`runbook_url` or `runbook` by default)",
        rationale: """
        "A page without a runbook is an unfinished feature." With `rbc check --alerts rules/`, every \
        alerting rule (plain `groups:` files and Kubernetes `PrometheusRule` objects) must carry a \
        runbook annotation, so the responder is one click from the procedure. The annotation names are \
        `runbook_url` (Prometheus, kube-prometheus) and `runbook` (GitLab) unless `.rbc.yaml` sets \
        `alerts: {annotations: [...]}`.
        """,
        triggering: [], nonTriggering: [], requires: .alertRules)

    func check(_ context: LintContext) -> [LintFinding] { [] }
}
