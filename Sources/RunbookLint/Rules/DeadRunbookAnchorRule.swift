// RB034 dead-runbook-anchor: an alert's runbook link opens a page of this repository, but no heading
// of it has the link's `#anchor`. Links are resolved once for every check (RunbookDriver/AlertCoverage).

import RunbookSource

struct DeadRunbookAnchorRule: AlertCoverageRule {
    static let description = RuleDescription(
        id: "RB034", slug: "dead-runbook-anchor", category: .alerts, severity: .warning, scope: .both,
        summary: "an alert's runbook link opens a runbook of this repository, but not at its `#anchor`",
        rationale: """
        `runbook: docs/api/README.md#alerts` on a page with no `Alerts` heading still opens the right \
        runbook, at its top: the responder scrolls. That is worth fixing (link the heading the alert is \
        about, or drop the anchor) but is not a missing runbook, so it is a warning of its own, as a \
        dead `#anchor` inside a page is (RB031); a link to a page that does not exist is RB023, an \
        error. An anchor counts when any common host would resolve it: GitHub's and GitLab's heading \
        slugs (repeats as `-1`, `-2`), MkDocs' (`_1`, folded to ASCII), `{#id}` attributes, and `id` or \
        `name` attributes of HTML elements. Generated rule files repeat one link for many alerts: it is \
        reported once per file; and when every alert of a file that links a page names an anchor the \
        page lacks (three links or more: the generator's anchors and the page's headings disagree), \
        that is reported once, with the number of alerts.
        """,
        triggering: [], nonTriggering: [], requires: .alertRules)

    func check(_ context: any AlertCoverageContext) -> [PlacedFinding] {
        var missing: [String: (first: CoveredAlert, link: AlertLink, page: String, anchor: String, count: Int)] = [:]
        var order: [String] = []
        // Per rule file and page: how many alerts link the page at all, and which links miss.
        var linking: [String: Int] = [:]
        var missingByPage: [String: [String]] = [:]
        for alert in context.alerts {
            switch alert.resolution {
            case .resolved(let file): linking[alert.file.path + "\u{0}" + file, default: 0] += 1
            case .missingAnchor(let file, _, _): linking[alert.file.path + "\u{0}" + file, default: 0] += 1
            default: break
            }
            guard let link = alert.link, case .missingAnchor(let file, let page, let anchor) = alert.resolution else { continue }
            let key = alert.file.path + "\u{0}" + link.value
            if missing[key] == nil {
                order.append(key)
                missingByPage[alert.file.path + "\u{0}" + file, default: []].append(key)
            }
            missing[key, default: (alert, link, page, anchor, 0)].count += 1
        }
        // A generator that writes anchors the page never had (every alert of the file that links the
        // page, three links or more) is one mistake: one finding, at its first link, not one per alert.
        var grouped: [String: (keys: [String], alerts: Int)] = [:]
        for (pageKey, keys) in missingByPage where keys.count >= 3 {
            let alerts = keys.reduce(0) { $0 + (missing[$1]?.count ?? 0) }
            if alerts == linking[pageKey] { grouped[keys[0]] = (keys, alerts) }
        }
        let folded = Set(grouped.values.flatMap { $0.keys.dropFirst() })
        return order.compactMap { key in
            guard let entry = missing[key], !folded.contains(key) else { return nil }
            if let alerts = grouped[key]?.alerts {
                return PlacedFinding(entry.first.file, LintFinding(
                    "\(entry.link.annotation) of all \(alerts) alerts in this file that link \(entry.page) names an anchor no heading of it has (first `#\(AlertLink.quoted(entry.anchor))`, of alert `\(entry.first.name)`): each opens the page at its top",
                    at: entry.link.range, help: "give the page a heading per alert (or `<a id>`s), or drop the anchors from the links"))
            }
            let others = entry.count > 1 ? " (\(entry.count) alerts in this file use this link)" : ""
            return PlacedFinding(entry.first.file, LintFinding(
                "\(entry.link.annotation) of alert `\(entry.first.name)` links `#\(AlertLink.quoted(entry.anchor))`, which no heading of \(entry.page) has: the page opens at its top\(others)",
                at: entry.link.range, help: "link a heading of that page, or drop the anchor"))
        }
    }
}
