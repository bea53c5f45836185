// RB022 alert-without-runbook: an alerting rule with no runbook annotation. The alert rules are read
// once for every check (AlertCoverageContext, RunbookDriver/AlertCoverage).

import RunbookSource

struct AlertWithoutRunbookRule: AlertCoverageRule {
    static let description = RuleDescription(
        id: "RB022", slug: "alert-without-runbook", category: .alerts, severity: .error, scope: .both,
        summary: "an alerting rule has no runbook annotation (`runbook_url` or `runbook` by default)",
        rationale: """
        "A page without a runbook is an unfinished feature." With `rbc check --alerts rules/`, every \
        alerting rule (plain `groups:` files, Kubernetes `PrometheusRule` objects, a chart's values) must carry a \
        runbook annotation, so the responder is one click from the procedure. The annotation names are \
        `runbook_url` (Prometheus, kube-prometheus) and `runbook` (GitLab) unless `.rbc.yaml` sets \
        `alerts: {annotations: [...]}`. An annotation that holds a placeholder instead of a link \
        (`TODO`, `TBD: …`, `n/a`, `none`, `-`) is no runbook either, and is reported as such. A rule \
        read from a Helm template is reported only when no template action inside it could add the \
        annotation when the chart is rendered; one kept in a chart's values under `enabled: false` (an \
        example no default loads) is not reported.
        """,
        triggering: [], nonTriggering: [], requires: .alertRules)

    func check(_ context: any AlertCoverageContext) -> [PlacedFinding] {
        context.alerts.compactMap { alert in
            // A chart's example rule under `enabled: false` is loaded by no default.
            if alert.disabled { return nil }
            if let link = alert.link {
                guard alert.resolution == .placeholder else { return nil }
                return PlacedFinding(alert.file, LintFinding(
                    "alert `\(alert.name)` has no runbook: its `\(link.annotation)` annotation is a placeholder (`\(link.value)`)", at: alert.nameRange,
                    help: "write the runbook and link it from `\(link.annotation)`"))
            }
            // A chart's template may add the annotation when rendered (`{{- toYaml $extra | nindent 8 }}`).
            if alert.annotationsMayBeRendered { return nil }
            // A link under another name (Ceph's `documentation:`) may be the team's runbook: say how to count it.
            if let other = alert.documentationAnnotations.first {
                return PlacedFinding(alert.file, LintFinding(
                    "alert `\(alert.name)` has no \(context.annotationList) annotation", at: alert.nameRange,
                    help: "it links `\(other)`: if that is its runbook, read it with `alerts: {annotations: [\((context.annotations + [other]).joined(separator: ", "))]}` in .rbc.yaml"))
            }
            return PlacedFinding(alert.file, LintFinding("alert `\(alert.name)` has no \(context.annotationList) annotation", at: alert.nameRange,
                                                         help: "add `annotations: {\(context.annotations.first ?? "runbook_url"): …}` linking the runbook for this alert"))
        }
    }
}
