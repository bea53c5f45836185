// The incidents and metrics page: `rbc stats` for the same moment, drawn. Every figure on it is
// read from the stats document the report embeds, so the page and `rbc stats --format json` agree.

import Foundation
import RunbookIncident
import RunbookSema

extension ReportSite {
    func incidentsPage() -> String {
        let stats = report.stats
        var body = "<h1>Incidents and metrics</h1>\n"
        body += "<p class=\"muted\">As of \(e(stats.generated))\(stats.since.map { ", incidents declared and runs started since \(e($0))" } ?? ""). "
        body += "MTTD: impact started → detected; MTTM: declared → mitigated; MTTR: impact started → resolved (means).</p>\n"
        body += "<section aria-labelledby=\"incident-totals\"><h2 id=\"incident-totals\">Incidents</h2>\n<dl class=\"cards\">"
        for (key, label, value) in [("stats.incidents.total", "Incidents", stats.incidents.total), ("stats.incidents.open", "Open", stats.incidents.open),
                                    ("stats.incidents.resolved", "Resolved", stats.incidents.resolved),
                                    ("stats.incidents.unreadable", "Unreadable records", stats.incidents.unreadable),
                                    ("stats.overdueReviews", "Reviews overdue", stats.overdueReviews.count),
                                    ("openIncidents.updateOverdue", "Updates overdue", report.openIncidents.filter(\.updateOverdue).count)] {
            body += "<div><dt>\(label)</dt><dd data-metric=\"\(key)\">\(value)</dd></div>"
        }
        body += "</dl></section>\n"
        body += severityFigures() + timeCharts() + openIncidentsSection() + overdueReviewsSection() + runbookRates()
        return HTML.page(title: "Incidents and metrics — runbook report", root: "", body: body, generated: report.generated)
    }

    /// A duration in seconds for people, with the exact value machine-readable beside it.
    func seconds(_ value: Int?, metric: String) -> String {
        guard let value else { return "<span class=\"muted\">—</span>" }
        return "<data data-metric=\"\(e(metric))\" value=\"\(value)\">\(e(IncidentClock.span(TimeInterval(value))))</data>"
    }

    func severityFigures() -> String {
        let rows = report.stats.bySeverity
        var body = "<section aria-labelledby=\"by-severity\"><h2 id=\"by-severity\">By severity</h2>\n"
        guard !rows.isEmpty else { return body + "<p>No incidents recorded.</p></section>\n" }
        body += "<table><thead><tr><th scope=\"col\">Severity</th><th scope=\"col\" class=\"num\">Incidents</th><th scope=\"col\" class=\"num\">Open</th>"
        body += "<th scope=\"col\" class=\"num\">MTTD</th><th scope=\"col\" class=\"num\">MTTM</th><th scope=\"col\" class=\"num\">MTTR</th>"
        body += "<th scope=\"col\" class=\"num\">Mitigation target</th><th scope=\"col\" class=\"num\">Mitigated within target</th></tr></thead><tbody>"
        for row in rows {
            let key = "stats.bySeverity.\(row.severity.rawValue)"
            let share = row.withinTargetShare.map { "<data data-metric=\"\(key).withinTargetShare\" value=\"\($0)\">\(Int(($0 * 100).rounded()))%</data>" } ?? "—"
            body += "<tr><th scope=\"row\">\(row.severity.rawValue)</th><td class=\"num\" data-metric=\"\(key).count\">\(row.count)</td>"
            body += "<td class=\"num\" data-metric=\"\(key).open\">\(row.open)</td>"
            body += "<td class=\"num\">\(seconds(row.mttdSeconds, metric: key + ".mttdSeconds"))</td><td class=\"num\">\(seconds(row.mttmSeconds, metric: key + ".mttmSeconds"))</td>"
            body += "<td class=\"num\">\(seconds(row.mttrSeconds, metric: key + ".mttrSeconds"))</td>"
            body += "<td class=\"num\">\(row.mitigationTargetSeconds.map { e(IncidentClock.span(TimeInterval($0))) } ?? "—")</td>"
            body += "<td class=\"num\">\(share) <span class=\"muted\">(<span data-metric=\"\(key).withinTarget\">\(row.withinTarget)</span> of <span data-metric=\"\(key).measured\">\(row.measured)</span>)</span></td></tr>"
        }
        body += "</tbody></table>\n<figure>"
        body += Charts.bars(id: "within-target", title: "Share of incidents mitigated within the target, per severity",
                            description: rows.map { "\($0.severity.rawValue): \($0.withinTarget) of \($0.measured)" }.joined(separator: ", "),
                            bars: rows.map { row in
                                let share = row.withinTargetShare ?? 0
                                return Charts.Bar(label: row.severity.rawValue, value: share * 100,
                                                  valueText: row.withinTargetShare.map { "\(Int(($0 * 100).rounded()))%" } ?? "none measured",
                                                  style: share >= 0.9 ? "bar" : (share >= 0.5 ? "bar-warn" : "bar-over"), mark: 100, markText: "100%")
                            }, labelWidth: 80)
        return body + "</figure></section>\n"
    }

    /// MTTD, MTTM and MTTR per severity by month of declaration, from the incident rows.
    func timeCharts() -> String {
        let rows = report.stats.incidentRows
        var body = "<section aria-labelledby=\"over-time\"><h2 id=\"over-time\">Over time</h2>\n"
        guard !rows.isEmpty else { return body + "<p>No incidents recorded.</p></section>\n" }
        let months = Array(Set(rows.map { String($0.declared.prefix(7)) })).sorted()
        let metrics: [(String, String, (IncidentStats.IncidentRow) -> Int?)] = [
            ("mttd", "Mean time to detect (MTTD)", \.timeToDetectSeconds),
            ("mttm", "Mean time to mitigate (MTTM)", \.timeToMitigateSeconds),
            ("mttr", "Mean time to recover (MTTR)", \.timeToRecoverSeconds),
        ]
        for (id, title, value) in metrics {
            var series: [Charts.Series] = []
            for severity in StepSeverity.allCases {
                let group = rows.filter { $0.severity == severity }
                guard !group.isEmpty else { continue }
                let points = months.map { month -> Double? in
                    let values = group.filter { $0.declared.hasPrefix(month) }.compactMap(value)
                    return values.isEmpty ? nil : Double(values.reduce(0, +)) / Double(values.count)
                }
                series.append(Charts.Series(name: severity.rawValue, points: points))
            }
            body += "<h3>\(title)</h3>\n<figure>" + Charts.lines(id: "chart-\(id)", title: "\(title) per severity, by month declared",
                                                                    labels: months, series: series) + "</figure>\n"
        }
        body += "<table><caption class=\"muted\">The charts' figures: means per month declared</caption><thead><tr><th scope=\"col\">Month</th>"
        body += "<th scope=\"col\">Severity</th><th scope=\"col\" class=\"num\">Incidents</th><th scope=\"col\" class=\"num\">MTTD</th>"
        body += "<th scope=\"col\" class=\"num\">MTTM</th><th scope=\"col\" class=\"num\">MTTR</th></tr></thead><tbody>"
        for month in months {
            for severity in StepSeverity.allCases {
                let group = rows.filter { $0.severity == severity && $0.declared.hasPrefix(month) }
                guard !group.isEmpty else { continue }
                func mean(_ value: (IncidentStats.IncidentRow) -> Int?) -> String {
                    let values = group.compactMap(value)
                    return values.isEmpty ? "—" : e(IncidentClock.span(Double(values.reduce(0, +)) / Double(values.count)))
                }
                body += "<tr><th scope=\"row\">\(e(month))</th><td>\(severity.rawValue)</td><td class=\"num\">\(group.count)</td>"
                body += "<td class=\"num\">\(mean(\.timeToDetectSeconds))</td><td class=\"num\">\(mean(\.timeToMitigateSeconds))</td><td class=\"num\">\(mean(\.timeToRecoverSeconds))</td></tr>"
            }
        }
        return body + "</tbody></table></section>\n"
    }

    func openIncidentsSection() -> String {
        var body = "<section aria-labelledby=\"open-incidents\"><h2 id=\"open-incidents\">Open incidents</h2>\n"
        guard !report.openIncidents.isEmpty else { return body + "<p>None.</p></section>\n" }
        body += "<table><thead><tr><th scope=\"col\">Incident</th><th scope=\"col\">Severity</th><th scope=\"col\">Status</th><th scope=\"col\">Commander</th>"
        body += "<th scope=\"col\">Declared</th><th scope=\"col\" class=\"num\">Open for</th><th scope=\"col\">Next update</th><th scope=\"col\">Attention</th></tr></thead><tbody>"
        for row in report.openIncidents {
            let next = row.nextUpdateDue.map { e($0) + (row.updateOverdue ? " <span class=\"sev-error\">overdue</span>" : "") } ?? "—"
            let attention = row.warnings.isEmpty ? "—" : "<ul>" + row.warnings.map { "<li>\(e($0))</li>" }.joined() + "</ul>"
            body += "<tr><th scope=\"row\"><code>\(e(row.id))</code><br>\(e(row.title))</th><td>\(row.severity.rawValue)</td><td>\(e(row.status.rawValue))</td>"
            body += "<td>\(e(row.commander ?? "—"))</td><td>\(e(row.declared))</td><td class=\"num\">\(e(IncidentClock.span(TimeInterval(row.openSeconds))))</td>"
            body += "<td>\(next)</td><td>\(attention)</td></tr>"
        }
        return body + "</tbody></table></section>\n"
    }

    func overdueReviewsSection() -> String {
        var body = "<section aria-labelledby=\"overdue-reviews\"><h2 id=\"overdue-reviews\">Post-incident reviews overdue</h2>\n"
        let overdue = report.stats.overdueReviews
        guard !overdue.isEmpty else { return body + "<p>None.</p></section>\n" }
        body += "<table><thead><tr><th scope=\"col\">Incident</th><th scope=\"col\">Severity</th><th scope=\"col\">Resolved</th><th scope=\"col\">Review due</th>"
        body += "<th scope=\"col\" class=\"num\">Overdue by</th></tr></thead><tbody>"
        for review in overdue {
            body += "<tr><th scope=\"row\"><code>\(e(review.incident))</code></th><td>\(review.severity.rawValue)</td><td>\(e(review.resolved))</td><td>\(e(review.due))</td>"
            body += "<td class=\"num\">\(seconds(review.overdueSeconds, metric: "stats.overdueReviews.\(review.incident).overdueSeconds"))</td></tr>"
        }
        return body + "</tbody></table></section>\n"
    }

    func runbookRates() -> String {
        var body = "<section aria-labelledby=\"runbook-rates\"><h2 id=\"runbook-rates\">Runbook success and rollback rates</h2>\n"
        let runbooks = report.stats.runbooks
        guard !runbooks.isEmpty else { return body + "<p>No runs.</p></section>\n" }
        func percent(_ value: Double, _ metric: String) -> String {
            "<data data-metric=\"\(e(metric))\" value=\"\(value)\">\(Int((value * 100).rounded()))%</data>"
        }
        body += "<table><thead><tr><th scope=\"col\">Runbook</th><th scope=\"col\">Commit</th><th scope=\"col\" class=\"num\">Runs</th>"
        body += "<th scope=\"col\" class=\"num\">Success</th><th scope=\"col\" class=\"num\">Rollback</th><th scope=\"col\" class=\"num\">Mean duration</th></tr></thead><tbody>"
        for runbook in runbooks {
            let key = "stats.runbooks.\(runbook.path)"
            let figures = runbook.figures
            body += "<tr><th scope=\"row\">\(runbookLink(path: runbook.path, fallback: runbook.runbook))<br><span class=\"muted\">\(e(runbook.path))</span></th><td>all</td>"
            body += "<td class=\"num\" data-metric=\"\(e(key)).runs\">\(figures.runs)</td><td class=\"num\">\(percent(figures.successRate, key + ".successRate"))</td>"
            body += "<td class=\"num\">\(percent(figures.rollbackRate, key + ".rollbackRate"))</td>"
            body += "<td class=\"num\">\(figures.meanDurationSeconds.map { e(IncidentClock.span($0)) } ?? "—")</td></tr>"
            for commit in runbook.commits where runbook.commits.count > 1 {
                body += "<tr><td></td><td><code>\(e(String(commit.commit.prefix(10))))</code></td><td class=\"num\">\(commit.figures.runs)</td>"
                body += "<td class=\"num\">\(Int((commit.figures.successRate * 100).rounded()))%</td><td class=\"num\">\(Int((commit.figures.rollbackRate * 100).rounded()))%</td>"
                body += "<td class=\"num\">\(commit.figures.meanDurationSeconds.map { e(IncidentClock.span($0)) } ?? "—")</td></tr>"
            }
        }
        body += "</tbody></table>\n"
        let shown = runbooks.sorted { ($0.figures.runs, $1.path) > ($1.figures.runs, $0.path) }.prefix(20)
        body += "<figure>" + Charts.bars(id: "success-rates", title: "Success rate of the \(shown.count) most run runbooks",
                                         description: shown.map { "\($0.runbook): \(Int(($0.figures.successRate * 100).rounded()))% of \($0.figures.runs) runs" }.joined(separator: "; "),
                                         bars: shown.map { runbook in
                                             Charts.Bar(label: runbook.runbook, value: runbook.figures.successRate * 100,
                                                        valueText: "\(Int((runbook.figures.successRate * 100).rounded()))% of \(runbook.figures.runs)",
                                                        style: runbook.figures.rollbackRate > 0 ? "bar-warn" : "bar")
                                         }, labelWidth: 230) + "</figure>\n"
        return body + "</section>\n"
    }
}
