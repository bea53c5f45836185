// RB023 dead-runbook-link: an alert's runbook link into this repository leads nowhere. Links are
// resolved once for every check (AlertCoverageContext, RunbookDriver/AlertCoverage).

import RunbookSource

struct DeadRunbookLinkRule: AlertCoverageRule {
    static let description = RuleDescription(
        id: "RB023", slug: "dead-runbook-link", category: .alerts, severity: .error, scope: .both,
        summary: "an alert's runbook link points at a runbook that does not exist here",
        rationale: """
        A runbook link that is a relative path, or starts with a base URL mapped to a directory in \
        `.rbc.yaml` (`alerts: {runbook_urls: [{base_url: …, directory: …}]}`), must resolve to a runbook \
        file in this repository. (A page that exists without the link's `#anchor` still opens the right \
        runbook: that is RB034, a warning.) Relative paths are read from the repository root (the directory of `.rbc.yaml`), then from the \
        rule file's directory. `{{ $labels.x }}` templates are filled from the rule's labels first \
        (RB025 when they cannot be). Site generators often lowercase page paths, so files match \
        case-insensitively. A dead link is found in review, not during the page.
        """,
        triggering: [], nonTriggering: [], requires: .alertRules)

    func check(_ context: any AlertCoverageContext) -> [PlacedFinding] {
        // Generated rule files repeat one link for many alerts, or one page with an anchor per alert
        // (`dora.md#lead-time-high`): a missing page is reported once per file.
        var dead: [String: (first: CoveredAlert, link: AlertLink, problem: String, count: Int, links: Set<String>)] = [:]
        var order: [String] = []
        for alert in context.alerts {
            guard let link = alert.link, case .dead(let problem) = alert.resolution else { continue }
            let key = alert.file.path + "\u{0}" + problem
            if dead[key] == nil { order.append(key) }
            dead[key, default: (alert, link, problem, 0, [])].count += 1
            dead[key]?.links.insert(link.value)
        }
        return order.compactMap { key in
            guard let entry = dead[key] else { return nil }
            let others = entry.count == 1 ? ""
                : entry.links.count == 1 ? " (\(entry.count) alerts in this file use this link)"
                : " (\(entry.count) alerts in this file link this page, by \(entry.links.count) anchors or spellings)"
            return PlacedFinding(entry.first.file, LintFinding("\(entry.link.annotation) of alert `\(entry.first.name)` is dead: \(entry.problem)\(others)",
                                                               at: entry.link.range, help: "write the runbook, or fix the link"))
        }
    }
}
