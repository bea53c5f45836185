// RB025 unresolvable-runbook-link: a runbook link whose template no label of its rule fills, reported
// once per template. Links are resolved once for every check (RunbookDriver/AlertCoverage).

import RunbookSource

struct UnresolvableRunbookLinkRule: AlertCoverageRule {
    static let description = RuleDescription(
        id: "RB025", slug: "unresolvable-runbook-link", category: .alerts, severity: .info, scope: .both,
        summary: "an alert's runbook link has a `{{ $labels.x }}` template that no label of the rule fills",
        rationale: """
        Links such as `docs/{{ $labels.type }}/README.md` are filled in by Alertmanager from the firing \
        series' labels. rbc expands `{{ $labels.x }}` and `{{ .Labels.x }}` from the rule's own `labels:`; \
        when a label comes only from the series, the page cannot be known before the alert fires, so \
        the link is not checked. This note is reported once per distinct link, not once per alert, and \
        is not a dead link. Set the label under the rule's `labels:` to have the link checked.
        """,
        triggering: [], nonTriggering: [], requires: .alertRules)

    func check(_ context: any AlertCoverageContext) -> [PlacedFinding] {
        var unresolvable: [String: (first: CoveredAlert, link: AlertLink, count: Int)] = [:]
        for alert in context.alerts {
            guard let link = alert.link, case .unresolvable(let template) = alert.resolution else { continue }
            unresolvable[template, default: (alert, link, 0)].count += 1
        }
        return unresolvable.sorted { $0.key < $1.key }.map { template, entry in
            PlacedFinding(entry.first.file, LintFinding(
                "runbook link `\(template)` has a template no label of the rule fills: not checked (\(pluralized(entry.count, "alert")))",
                at: entry.link.range, help: "set the label under the rule's `labels:` to have the link checked"))
        }
    }
}
