// RB026: alerts link runbooks on a site that no `runbook_urls` mapping ties to this repository.

struct UncheckedRunbookLinkRule: LintRule {
    static let description = RuleDescription(
        id: "RB026", slug: "unchecked-runbook-link", category: .alerts, severity: .info, scope: .both,
        summary: "alerts link runbooks at an absolute URL outside every `runbook_urls` mapping, so the links are not checked",
        rationale: """
        rbc checks only links it can map to files: relative paths and URLs under a `base_url` of \
        `alerts: {runbook_urls: …}` in `.rbc.yaml`. Links to any other site are not fetched (rbc works \
        offline); rather than skip them silently, rbc says so once per site, at the first such link, with \
        the number of links. If the site is built from this repository, add a mapping and the links are \
        checked like the others; if it is a third party's, turn the note off with `rules: {RB026: off}`.
        """,
        triggering: [], nonTriggering: [], requires: .alertRules)

    func check(_ context: LintContext) -> [LintFinding] { [] }
}
