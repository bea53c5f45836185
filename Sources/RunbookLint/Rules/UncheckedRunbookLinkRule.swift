// RB026 unchecked-runbook-link: runbook links to a site no `runbook_urls` mapping covers, reported once
// per site. Links are resolved once for every check (RunbookDriver/AlertCoverage).

import RunbookSource

struct UncheckedRunbookLinkRule: AlertCoverageRule {
    static let description = RuleDescription(
        id: "RB026", slug: "unchecked-runbook-link", category: .alerts, severity: .info, scope: .both,
        summary: "alerts link runbooks at an absolute URL outside every `runbook_urls` mapping, or by a path that leaves the repository, so the links are not checked",
        rationale: """
        rbc checks only links it can map to files: relative paths and URLs under a `base_url` of \
        `alerts: {runbook_urls: …}` in `.rbc.yaml`. Links to any other site are not fetched (rbc works \
        offline); rather than skip them silently, rbc says so once per site, at the first such link, with \
        the number of links. If the site is built from this repository, add a mapping and the links are \
        checked like the others; if it is a third party's, turn the note off with `rules: {RB026: off}`. \
        A relative link that climbs out of the repository (`../../other/runbook.md`) is not followed \
        either — nothing outside the repository is listed or read, nor a page whose symbolic link \
        leads out — and is noted once per link.
        """,
        triggering: [], nonTriggering: [], requires: .alertRules)

    func check(_ context: any AlertCoverageContext) -> [PlacedFinding] {
        var external: [String: (first: CoveredAlert, link: AlertLink, count: Int)] = [:]
        var outside: [String: (first: CoveredAlert, link: AlertLink, count: Int)] = [:]
        for alert in context.alerts {
            guard let link = alert.link else { continue }
            switch alert.resolution {
            case .external(let origin): external[origin, default: (alert, link, 0)].count += 1
            case .outsideRepository(let written): outside[written, default: (alert, link, 0)].count += 1
            default: continue
            }
        }
        let sites = external.sorted { $0.key < $1.key }.map { origin, entry in
            PlacedFinding(entry.first.file, LintFinding(
                "runbook links to \(AlertLink.quoted(origin)) point outside this repository: not checked (\(pluralized(entry.count, "alert")))",
                at: entry.link.range,
                help: "if that site is built from this repository, map it in .rbc.yaml: `alerts: {runbook_urls: [{base_url: \"\(origin)/…/\", directory: …}]}`"))
        }
        let climbing = outside.sorted { $0.key < $1.key }.map { written, entry in
            PlacedFinding(entry.first.file, LintFinding(
                "runbook link `\(AlertLink.quoted(written))` leads outside this repository: not followed (\(pluralized(entry.count, "alert")))",
                at: entry.link.range,
                help: "a relative link is a path from the repository root or the rule file's directory; link another repository's page by its URL"))
        }
        return sites + climbing
    }
}
