// RB025: an alert's runbook link holds a template that the rule's own labels do not fill.

struct UnresolvableRunbookLinkRule: LintRule {
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

    func check(_ context: LintContext) -> [LintFinding] { [] }
}
