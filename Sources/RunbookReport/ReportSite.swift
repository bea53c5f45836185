// The static site of a report: an overview and a page per runbook, HTML with inline SVG and one
// embedded stylesheet, readable from file:// with no network, by keyboard and screen reader, on paper.

import Foundation
import RunbookSema
import RunbookSource

public struct ReportSite: Sendable {
    public let report: Report

    public init(report: Report) { self.report = report }

    /// Every page by its path relative to the site's root.
    public func pages() -> [(path: String, html: String)] {
        var pages = [("index.html", overview()), ("incidents.html", incidentsPage())]
        for entry in report.runbooks { pages.append((entry.page, runbookPage(entry))) }
        return pages
    }

    /// Writes the pages under `directory` (created if needed); returns how many.
    public func write(to directory: String) throws -> Int {
        let all = pages()
        let root = URL(fileURLWithPath: directory)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("runbooks"), withIntermediateDirectories: true)
        for (path, html) in all {
            try Data(html.utf8).write(to: root.appendingPathComponent(path), options: .atomic)
        }
        return all.count
    }

    // MARK: - Overview

    func overview() -> String {
        let totals = report.totals
        var body = "<h1>Runbook report</h1>\n<p class=\"muted\">\(report.totals.runbooks) runbooks, as of \(e(report.generated)).</p>\n"
        body += "<section aria-labelledby=\"summary\"><h2 id=\"summary\">Summary</h2>\n<dl class=\"cards\">"
        let cards: [(String, String, Int)] = [
            ("totals.runbooks", "Runbooks", totals.runbooks), ("totals.executable", "Executable", totals.executable),
            ("totals.documentation", "Documentation", totals.documentation), ("totals.broken", "Do not compile", totals.broken),
            ("totals.errors", "Errors", totals.errors), ("totals.warnings", "Warnings", totals.warnings),
            ("totals.stale", "Stale", totals.stale), ("totals.neverRun", "Never run", totals.neverRun),
            ("totals.lastRunRolledBack", "Last run rolled back", totals.lastRunRolledBack), ("totals.runs", "Runs", totals.runs),
        ]
        for (key, label, value) in cards {
            body += "<div><dt>\(label)</dt><dd data-metric=\"\(key)\">\(value)</dd></div>"
        }
        body += "</dl></section>\n"
        body += severitySection() + ownerSection() + findingsSection() + alertSection() + stalenessSection() + runsSection() + indexSection()
        return HTML.page(title: "Runbook report", root: "", body: body, generated: report.generated)
    }

    func severitySection() -> String {
        var body = "<section aria-labelledby=\"severity\"><h2 id=\"severity\">Runbooks by severity</h2>\n<figure>"
        body += Charts.bars(id: "severity-chart", title: "Runbooks by severity",
                            description: report.severities.map { "\($0.severity): \($0.runbooks)" }.joined(separator: ", "),
                            bars: report.severities.map { Charts.Bar(label: $0.severity, value: Double($0.runbooks), valueText: String($0.runbooks)) },
                            labelWidth: 80)
        body += "</figure>\n<table><caption class=\"muted\">Runbooks per severity (none: the runbook states no severity)</caption>"
        body += "<thead><tr><th scope=\"col\">Severity</th><th scope=\"col\" class=\"num\">Runbooks</th></tr></thead><tbody>"
        for count in report.severities {
            body += "<tr><th scope=\"row\">\(e(count.severity))</th><td class=\"num\" data-metric=\"severities.\(e(count.severity))\">\(count.runbooks)</td></tr>"
        }
        return body + "</tbody></table></section>\n"
    }

    func ownerSection() -> String {
        let columns = StepSeverity.allCases.map(\.rawValue) + ["none"]
        var body = "<section aria-labelledby=\"owners\"><h2 id=\"owners\">Runbooks by owner</h2>\n"
        body += "<table><thead><tr><th scope=\"col\">Owner</th><th scope=\"col\" class=\"num\">Runbooks</th>"
        body += columns.map { "<th scope=\"col\" class=\"num\">\($0)</th>" }.joined() + "</tr></thead><tbody>"
        for owner in report.owners {
            body += "<tr><th scope=\"row\">\(owner.owner.map(e) ?? "<span class=\"muted\">no owner</span>")</th><td class=\"num\">\(owner.runbooks)</td>"
            body += columns.map { "<td class=\"num\">\(owner.severities[$0] ?? 0)</td>" }.joined() + "</tr>"
        }
        return body + "</tbody></table></section>\n"
    }

    func findingsSection() -> String {
        var body = "<section aria-labelledby=\"findings\"><h2 id=\"findings\">Findings by rule</h2>\n"
        guard !report.findingsByRule.isEmpty else { return body + "<p>No findings.</p></section>\n" }
        let top = report.findingsByRule.prefix(15)
        body += "<figure>" + Charts.bars(id: "findings-chart", title: "Findings by rule (the \(top.count) most frequent)",
                                         description: top.map { "\($0.rule): \($0.count)" }.joined(separator: ", "),
                                         bars: top.map { Charts.Bar(label: $0.rule, value: Double($0.count), valueText: String($0.count),
                                                                    style: $0.severity == .error ? "bar-over" : ($0.severity == .warning ? "bar-warn" : "bar")) },
                                         labelWidth: 90) + "</figure>\n"
        body += "<table><thead><tr><th scope=\"col\">Rule</th><th scope=\"col\">Severity</th><th scope=\"col\" class=\"num\">Findings</th><th scope=\"col\">What it checks</th></tr></thead><tbody>"
        for rule in report.findingsByRule {
            body += "<tr><th scope=\"row\"><code>\(e(rule.rule))</code></th><td class=\"sev-\(e(rule.severity.rawValue))\">\(e(rule.severity.rawValue))</td>"
            body += "<td class=\"num\" data-metric=\"findingsByRule.\(e(rule.rule))\">\(rule.count)</td><td>\(HTML.prose(rule.summary ?? ""))</td></tr>"
        }
        body += "</tbody></table>\n"
        if !report.otherFindings.isEmpty {
            body += "<h3>Findings outside runbooks</h3>\n" + findingList(report.otherFindings, showPath: true)
        }
        return body + "</section>\n"
    }

    func alertSection() -> String {
        var body = "<section aria-labelledby=\"alerts\"><h2 id=\"alerts\">Alert coverage</h2>\n"
        guard let alerts = report.alerts else {
            return body + "<p>No alert rules were given (<code>--alerts</code>, or <code>alerts.rules</code> in <code>.rbc.yaml</code>).</p></section>\n"
        }
        body += "<dl class=\"cards\"><div><dt>Alerting rules</dt><dd data-metric=\"alerts.alerts\">\(alerts.alerts)</dd></div>"
        body += "<div><dt>Without runbook</dt><dd data-metric=\"alerts.withoutRunbook\">\(alerts.withoutRunbook.count)</dd></div>"
        body += "<div><dt>Dead links</dt><dd data-metric=\"alerts.deadLinks\">\(alerts.deadLinks.count)</dd></div>"
        body += "<div><dt>Triggers naming no alert</dt><dd data-metric=\"alerts.unknownTriggers\">\(alerts.unknownTriggers.count)</dd></div>"
        body += "<div><dt>Links not checked</dt><dd>\(alerts.unchecked)</dd></div></dl>\n"
        func alertTable(_ caption: String, _ references: [Report.AlertReference], problem: Bool) -> String {
            guard !references.isEmpty else { return "" }
            var table = "<h3>\(caption)</h3><table><thead><tr><th scope=\"col\">Alert</th><th scope=\"col\">Defined in</th>"
            table += (problem ? "<th scope=\"col\">Link</th><th scope=\"col\">Problem</th>" : "") + "</tr></thead><tbody>"
            for reference in references {
                table += "<tr><th scope=\"row\"><code>\(e(reference.alert))</code></th><td>\(e(reference.file)):\(reference.line)</td>"
                table += problem ? "<td><code>\(e(reference.link ?? ""))</code></td><td>\(e(reference.problem ?? ""))</td>" : ""
                table += "</tr>"
            }
            return table + "</tbody></table>\n"
        }
        body += alertTable("Alerts without a runbook", alerts.withoutRunbook, problem: false)
        body += alertTable("Dead runbook links", alerts.deadLinks, problem: true)
        if !alerts.unknownTriggers.isEmpty {
            body += "<h3>Runbook triggers that name no alert</h3><table><thead><tr><th scope=\"col\">Runbook</th><th scope=\"col\">Alert named</th></tr></thead><tbody>"
            for trigger in alerts.unknownTriggers {
                body += "<tr><td>\(runbookLink(path: trigger.runbook))</td><td><code>\(e(trigger.alert))</code></td></tr>"
            }
            body += "</tbody></table>\n"
        }
        return body + "</section>\n"
    }

    func stalenessSection() -> String {
        var body = "<section aria-labelledby=\"staleness\"><h2 id=\"staleness\">Staleness</h2>\n"
        let reviewed = report.runbooks.filter { $0.review != nil }
        guard !reviewed.isEmpty else { return body + "<p>No review dates or history (outside git, or <code>--no-git</code>).</p></section>\n" }
        // The most overdue first, relative to each runbook's own interval.
        let ordered = reviewed.sorted { left, right in
            let l = Double(left.review?.days ?? 0) / Double(max(1, left.review?.intervalDays ?? 1))
            let r = Double(right.review?.days ?? 0) / Double(max(1, right.review?.intervalDays ?? 1))
            return (l, right.path) > (r, left.path)
        }
        let shown = ordered.prefix(25)
        let stale = reviewed.filter { $0.review?.stale == true }.count
        body += "<p><span data-metric=\"totals.stale\">\(stale)</span> of \(reviewed.count) runbooks are past their review interval.</p>\n<figure>"
        body += Charts.bars(id: "staleness-chart", title: "Days since review (the \(shown.count) most overdue), review interval marked",
                            description: shown.map { "\($0.name): \($0.review?.days ?? 0) days, interval \($0.review?.intervalDays ?? 0)" }.joined(separator: "; "),
                            bars: shown.map { entry in
                                let review = entry.review
                                return Charts.Bar(label: entry.name, value: Double(max(0, review?.days ?? 0)), valueText: "\(review?.days ?? 0) d",
                                                  style: review?.stale == true ? "bar-over" : "bar",
                                                  mark: Double(review?.intervalDays ?? 0), markText: "review every \(review?.intervalDays ?? 0) days")
                            }, labelWidth: 230)
        body += "<figcaption>Bars: days since the last review (or last change when none is stamped); dashed line: the runbook's review interval.</figcaption></figure>\n"
        return body + "</section>\n"
    }

    func runsSection() -> String {
        var body = "<section aria-labelledby=\"runs\"><h2 id=\"runs\">Runs</h2>\n"
        let never = report.runbooks.filter { $0.kind == .executable && $0.runs.isEmpty }
        let rolledBack = report.runbooks.filter { $0.runs.first.map { ReportCollector.isRolledBack($0.status) } ?? false }
        body += "<h3>Last run rolled back (<span data-metric=\"totals.lastRunRolledBack\">\(rolledBack.count)</span>)</h3>\n"
        body += rolledBack.isEmpty ? "<p>None.</p>\n" : "<ul>" + rolledBack.map { "<li>\(runbookLink($0)) — \(e($0.runs.first?.started ?? ""))</li>" }.joined() + "</ul>\n"
        body += "<h3>Never run (<span data-metric=\"totals.neverRun\">\(never.count)</span>)</h3>\n"
        body += never.isEmpty ? "<p>None.</p>\n" : "<ul>" + never.prefix(200).map { "<li>\(runbookLink($0))</li>" }.joined()
            + (never.count > 200 ? "<li>… and \(never.count - 200) more</li>" : "") + "</ul>\n"
        body += "<h3>Latest runs</h3>\n" + runTable(Array(report.runs.prefix(25)), showRunbook: true)
        return body + "</section>\n"
    }

    func indexSection() -> String {
        var body = "<section aria-labelledby=\"all\"><h2 id=\"all\">All runbooks</h2>\n"
        body += "<table><thead><tr><th scope=\"col\">Runbook</th><th scope=\"col\">Severity</th><th scope=\"col\">Owner</th>"
        body += "<th scope=\"col\" class=\"num\">Errors</th><th scope=\"col\" class=\"num\">Warnings</th><th scope=\"col\">Review</th><th scope=\"col\">Last run</th></tr></thead><tbody>"
        for entry in report.runbooks {
            let errors = entry.findings.filter { $0.severity == .error }.count
            let warnings = entry.findings.filter { $0.severity == .warning }.count
            let review = entry.review.map { "\($0.days) d / \($0.intervalDays) d" + ($0.stale ? " (stale)" : "") } ?? "—"
            let lastRun = entry.runs.first.map { "<span class=\"status-\($0.status.rawValue)\">\(e($0.status.rawValue))</span>" } ?? "never"
            body += "<tr><th scope=\"row\">\(runbookLink(entry))<br><span class=\"muted\">\(e(entry.path))</span></th><td>\(e(entry.severity?.rawValue ?? "—"))</td>"
            body += "<td>\(e(entry.owner ?? "—"))</td><td class=\"num\">\(errors)</td><td class=\"num\">\(warnings)</td><td>\(e(review))</td><td>\(lastRun)</td></tr>"
        }
        return body + "</tbody></table></section>\n"
    }

    // MARK: - Runbook pages

    func runbookPage(_ entry: Report.RunbookEntry) -> String {
        var body = "<p><a href=\"../index.html\">Overview</a> › runbook</p>\n<h1>\(e(entry.name))</h1>\n"
        if let description = entry.description { body += "<p>\(e(description))</p>\n" }
        body += "<section aria-labelledby=\"metadata\"><h2 id=\"metadata\">Metadata</h2>\n<dl class=\"meta\">"
        var rows: [(String, String)] = [("File", "<code>\(e(entry.path))</code>")]
        rows.append(("Kind", e(entry.kind?.rawValue ?? "unknown") + (entry.compiles ? "" : " <span class=\"sev-error\">(does not compile)</span>")))
        rows.append(("Severity", e(entry.severity?.rawValue ?? "none") + (entry.severitySource.map { " <span class=\"muted\">(inferred from \(e($0.rawValue)))</span>" } ?? "")))
        rows.append(("Owner", e(entry.owner ?? "none")))
        if !entry.tags.isEmpty { rows.append(("Tags", entry.tags.map { "<code>\(e($0))</code>" }.joined(separator: " "))) }
        if !entry.alerts.isEmpty { rows.append(("Linked from alerts", entry.alerts.map { "<code>\(e($0))</code>" }.joined(separator: " "))) }
        if let review = entry.review {
            let basis = review.basis == "reviewed" ? "reviewed on" : "last changed on"
            rows.append(("Review", "\(basis) \(e(review.since)), \(review.days) days ago; review every \(review.intervalDays) days"
                         + (review.stale ? " <span class=\"sev-warning\">stale</span>" : "")))
        }
        body += rows.map { "<div><dt>\($0.0)</dt><dd>\($0.1)</dd></div>" }.joined() + "</dl></section>\n"
        if !entry.params.isEmpty {
            body += "<section aria-labelledby=\"params\"><h2 id=\"params\">Parameters</h2><table><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Type</th>"
            body += "<th scope=\"col\">Required</th><th scope=\"col\">Default</th><th scope=\"col\">Description</th></tr></thead><tbody>"
            for param in entry.params {
                let value = param.secret ? "<span class=\"muted\">secret: not shown</span>" : param.defaultValue.map { "<code>\(e($0))</code>" } ?? "—"
                body += "<tr><th scope=\"row\"><code>\(e(param.name))</code></th><td>\(e(param.type))</td><td>\(param.required ? "yes" : "no")</td>"
                body += "<td>\(value)</td><td>\(e(param.description ?? ""))</td></tr>"
            }
            body += "</tbody></table></section>\n"
        }
        body += "<section aria-labelledby=\"steps\"><h2 id=\"steps\">Steps</h2>\n<figure>"
        body += Charts.flow(steps: entry.steps, post: entry.postRunbook, rollback: entry.rollback, runbook: entry.name) + "</figure>\n"
        body += stepTable(entry) + "</section>\n"
        body += "<section aria-labelledby=\"budget\"><h2 id=\"budget\">Worst case against the severity budget</h2>\n<figure>"
        body += Charts.budget(worstCaseMs: entry.worstCaseMs, budgetMs: entry.budgetMs, severity: entry.severity)
        body += "<figcaption>The worst case adds every step's timeout (retries included) and every rollback's: what RB004 checks.</figcaption></figure></section>\n"
        body += "<section aria-labelledby=\"runbook-findings\"><h2 id=\"runbook-findings\">Findings (\(entry.findings.count))</h2>\n"
        body += entry.findings.isEmpty ? "<p>No findings.</p>" : findingList(entry.findings, showPath: false)
        body += "</section>\n"
        body += historySection(entry)
        body += "<section aria-labelledby=\"runbook-runs\"><h2 id=\"runbook-runs\">Runs</h2>\n"
        body += entry.runs.isEmpty ? "<p>Never run.</p>" : runTable(entry.runs, showRunbook: false)
        body += "</section>\n"
        return HTML.page(title: "\(entry.name) — runbook report", root: "../", body: body, generated: report.generated)
    }

    func stepTable(_ entry: Report.RunbookEntry) -> String {
        let lists: [(String, [Report.Step])] = [("Steps", entry.steps), ("After the run", entry.postRunbook), ("Runbook rollback", entry.rollback)]
        var body = ""
        for (title, steps) in lists where !steps.isEmpty {
            body += "<table><caption class=\"muted\">\(title)</caption><thead><tr><th scope=\"col\">Step</th><th scope=\"col\">Action</th>"
            body += "<th scope=\"col\">Timeout</th><th scope=\"col\">On failure</th><th scope=\"col\">Rollback</th></tr></thead><tbody>"
            for step in steps {
                var action = "<code>\(e(step.action.rawValue))</code><pre>\(e(step.summary))</pre>"
                if let condition = step.condition { action += "<div>when <code>\(e(condition))</code></div>" }
                if let irreversible = step.irreversible { action += "<div class=\"sev-warning\">irreversible: \(e(irreversible))</div>" }
                let rollback = step.rollback.map { "<code>\(e($0.action.rawValue))</code><pre>\(e($0.summary))</pre>" } ?? "—"
                body += "<tr><th scope=\"row\"><code>\(e(step.id))</code>\(step.name.map { "<br>\(e($0))" } ?? "")</th><td>\(action)</td>"
                body += "<td>\(DurationParser.format(milliseconds: step.timeoutMs))\(step.attempts > 1 ? ", \(step.attempts) tries" : "")</td>"
                body += "<td>\(e(step.onFailure.rawValue))\(step.confirm ? ", asks first" : "")</td><td>\(rollback)</td></tr>"
            }
            body += "</tbody></table>\n"
        }
        return body
    }

    func historySection(_ entry: Report.RunbookEntry) -> String {
        var body = "<section aria-labelledby=\"history\"><h2 id=\"history\">History</h2>\n"
        guard let history = entry.history else { return body + "<p>Not in a git repository (or <code>--no-git</code>).</p></section>\n" }
        if history.uncommitted { body += "<p class=\"sev-warning\">The file has uncommitted changes.</p>\n" }
        if let last = history.commits.first {
            body += "<p>Last change: <code>\(e(String(last.id.prefix(10))))</code> on \(e(last.date)) by \(e(last.author)).</p>\n"
        } else {
            body += "<p>Never committed.</p>\n"
        }
        if !history.rollbackDrift.isEmpty {
            body += "<h3>Rollback drift</h3><ul>" + history.rollbackDrift.map { "<li>\(e($0))</li>" }.joined() + "</ul>\n"
        }
        if !history.commits.isEmpty {
            body += "<table><caption class=\"muted\">Latest commits that changed this file</caption><thead><tr><th scope=\"col\">Commit</th>"
            body += "<th scope=\"col\">Date</th><th scope=\"col\">Author</th><th scope=\"col\">Summary</th></tr></thead><tbody>"
            for commit in history.commits {
                body += "<tr><th scope=\"row\"><code>\(e(String(commit.id.prefix(10))))</code></th><td>\(e(commit.date))</td><td>\(e(commit.author))</td><td>\(e(commit.summary))</td></tr>"
            }
            body += "</tbody></table>\n"
        }
        return body + "</section>\n"
    }

    // MARK: - Shared pieces

    func findingList(_ findings: [Report.Finding], showPath: Bool) -> String {
        var body = "<ul>"
        for finding in findings.prefix(500) {
            let position = finding.line.map { ":\($0)" + (finding.column.map { ":\($0)" } ?? "") } ?? ""
            body += "<li><span class=\"sev-\(e(finding.severity.rawValue))\">\(e(finding.severity.rawValue))</span> <code>\(e(finding.rule))</code> "
            body += "<span class=\"muted\">\(showPath ? e(finding.path) : "line")\(e(position))</span> \(HTML.prose(finding.message))"
            if let excerpt = finding.excerpt, !excerpt.isEmpty { body += "<pre>\(e(excerpt))</pre>" }
            if let help = finding.help { body += "<div class=\"muted\">help: \(HTML.prose(help))</div>" }
            body += "</li>"
        }
        if findings.count > 500 { body += "<li>… and \(findings.count - 500) more</li>" }
        return body + "</ul>\n"
    }

    func runTable(_ runs: [Report.Run], showRunbook: Bool) -> String {
        guard !runs.isEmpty else { return "<p>No runs.</p>\n" }
        var body = "<table><thead><tr><th scope=\"col\">Run</th>" + (showRunbook ? "<th scope=\"col\">Runbook</th>" : "")
        body += "<th scope=\"col\">Status</th><th scope=\"col\">Started</th><th scope=\"col\" class=\"num\">Duration</th><th scope=\"col\">Who</th><th scope=\"col\">Commit</th></tr></thead><tbody>"
        for run in runs {
            let duration = (run.finished ? "" : "≥ ") + DurationParser.format(milliseconds: max(1, run.durationMs))
            body += "<tr><th scope=\"row\"><code>\(e(run.run))</code>\(run.dryRun ? " (dry run)" : "")</th>"
            if showRunbook { body += "<td>\(runbookLink(path: run.runbook, fallback: run.runbookName))</td>" }
            let unauthenticated = run.authenticationProblem.map { " <strong class=\"unauthenticated\" title=\"\(e($0))\">journal not authenticated</strong>" } ?? ""
            body += "<td class=\"status-\(run.status.rawValue)\">\(e(run.status.rawValue))\(unauthenticated)</td><td>\(e(run.started))</td><td class=\"num\">\(e(duration))</td>"
            body += "<td>\(e(run.user ?? "—"))</td><td><code>\(e(run.commit.map { String($0.prefix(10)) } ?? "—"))</code></td></tr>"
        }
        return body + "</tbody></table>\n"
    }

    /// A link to a runbook's page from the overview.
    func runbookLink(_ entry: Report.RunbookEntry) -> String {
        "<a href=\"\(e(entry.page))\">\(e(entry.name))</a>"
    }

    func runbookLink(path: String, fallback: String? = nil) -> String {
        if let entry = runbooksByPath[path] ?? runbooksByName[fallback ?? ""] { return runbookLink(entry) }
        return e(fallback ?? path)
    }

    var runbooksByPath: [String: Report.RunbookEntry] {
        Dictionary(report.runbooks.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
    }

    var runbooksByName: [String: Report.RunbookEntry] {
        Dictionary(report.runbooks.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func e(_ text: String) -> String { HTML.escape(text) }
}
