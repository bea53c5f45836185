// RB022 alert-without-runbook: an alerting rule with no runbook annotation. The alert rules are read
// once for every check (AlertCoverageContext, RunbookDriver/AlertCoverage).

import RunbookSource

struct AlertWithoutRunbookRule: AlertCoverageRule {
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

    func check(_ context: any AlertCoverageContext) -> [PlacedFinding] {
        context.alerts.filter { $0.link == nil }.map { alert in
            PlacedFinding(alert.file, LintFinding("alert `\(alert.name)` has no \(context.annotationList) annotation", at: alert.nameRange,
                                                  help: "add `annotations: {\(context.annotations.first ?? "runbook_url"): …}` linking the runbook for this alert"))
        }
    }
}
