// RB026 unchecked-runbook-link: runbook links to a site no `runbook_urls` mapping covers, reported once
// per site. Links are resolved once for every check (RunbookDriver/AlertCoverage).

import RunbookSource

struct UncheckedRunbookLinkRule: AlertCoverageRule {
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

    func check(_ context: any AlertCoverageContext) -> [PlacedFinding] {
        var external: [String: (first: CoveredAlert, link: AlertLink, count: Int)] = [:]
        for alert in context.alerts {
            guard let link = alert.link, case .external(let origin) = alert.resolution else { continue }
            external[origin, default: (alert, link, 0)].count += 1
        }
        return external.sorted { $0.key < $1.key }.map { origin, entry in
            PlacedFinding(entry.first.file, LintFinding(
                "runbook links to \(AlertLink.quoted(origin)) point outside this repository: not checked (\(pluralized(entry.count, "alert")))",
                at: entry.link.range,
                help: "if that site is built from this repository, map it in .rbc.yaml: `alerts: {runbook_urls: [{base_url: \"\(origin)/…/\", directory: …}]}`"))
        }
    }
}
