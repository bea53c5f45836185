// `rbc report` with the real binary: the examples, and a real git repository with history and
// real runs; the site's numbers against its own JSON, untrusted text escaped, secrets absent.

import Foundation
import Testing

/// A repository with three runbooks, two commits and two real runs: one succeeded, one rolled back;
/// one runbook is never run and stale. Text in it tries to inject markup.
final class ReportFixture {
    static let secretValue = "hunter2-secret-value"
    static let today = "2026-12-04"
    let repository: TemporaryRepository
    var path: String { repository.path }

    /// `hostile`: names, descriptions, owners, commands and commit messages try to inject markup.
    /// `examples`: the repository's examples are committed beside the fixture's runbooks.
    init(hostile: Bool = true, examples: Bool = false) throws {
        repository = try TemporaryRepository()
        let name = hostile ? "Restart <script>alert(1)</script> worker" : "Restart the worker"
        let description = hostile ? "Restarts the worker </title><script>alert(2)</script>" : "Restarts the queue worker"
        let owner = hostile ? "team-<b>ops</b>" : "team-ops"
        if examples {
            let source = TestSupport.path("examples")
            for file in try FileManager.default.contentsOfDirectory(atPath: source) where file.hasSuffix(".yaml") || file.hasSuffix(".md") {
                try repository.write("runbooks/examples/" + file, try String(contentsOfFile: source + "/" + file, encoding: .utf8))
            }
        }
        try repository.write("runbooks/ok.yaml", """
        runbook:
          name: "\(name)"
          description: "\(description)"
          severity: P2
          owner: "\(owner)"
          params:
            token: {type: string, secret: true}
          defaults: {timeout: 1m}
          steps:
            - id: check-token
              action: execute_command
              command: "test -n \\"${{ params.token }}\\""
              readonly: true
              when: "${{ params.token != '' }}"
            - id: restart
              action: execute_command
              command: "\(hostile ? "echo '<script>alert(3)</script>'" : "echo restarted")"
              expect: {exit_code: 0}
              rollback:
                action: execute_command
                command: "echo undo-restart"

        """)
        try repository.write("runbooks/fails.yaml", """
        runbook:
          name: "Failing fix"
          severity: P1
          owner: team-ops
          defaults: {timeout: 1m}
          steps:
            - id: prepare
              action: execute_command
              command: "true"
              expect: {exit_code: 0}
              rollback:
                action: execute_command
                command: "echo undo-prepare"
            - id: break
              action: execute_command
              command: "false"
              expect: {exit_code: 0}

        """)
        try repository.write("runbooks/never.yaml", """
        runbook:
          name: "Never used"
          severity: P3
          reviewed: 2025-01-10
          defaults: {timeout: 1m}
          steps:
            - id: look
              action: execute_command
              command: "uptime"
              readonly: true

        """)
        try repository.commit(hostile ? "First <b>runbooks</b>" : "First runbooks", date: "2026-01-05T10:00:00Z")
        try repository.write("runbooks/ok.yaml", try String(contentsOfFile: path + "/runbooks/ok.yaml", encoding: .utf8)
            .replacingOccurrences(of: "echo undo-restart", with: "echo undo-restart-worker"))
        try repository.commit("Say what is undone", date: "2026-11-21T10:00:00Z")
        // --force: the fixture's lint findings are the point, they must not stop the runs.
        let succeeded = try TestSupport.rbc(["run", "runbooks/ok.yaml", "--param", "token=\(Self.secretValue)", "--yes", "--force"], in: path)
        guard succeeded.status == 0 else { throw FixtureError(message: "run ok.yaml: \(succeeded.status) \(succeeded.stderr)") }
        let failed = try TestSupport.rbc(["run", "runbooks/fails.yaml", "--yes", "--force"], in: path)
        guard failed.status == 1 else { throw FixtureError(message: "run fails.yaml: \(failed.status) \(failed.stderr)") }
    }

    func report(_ arguments: [String]) throws -> TestSupport.Run {
        try TestSupport.rbc(["report", "--now", Self.today, "--no-shellcheck"] + arguments, in: path)
    }

    func json() throws -> [String: Any] {
        let run = try report(["--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }
}

enum ReportPages {
    /// Every `data-metric="key">value<` on a page.
    static func metrics(_ html: String) -> [String: Int] {
        var result: [String: Int] = [:]
        let pattern = #"data-metric="([^"]+)">(-?[0-9]+)<"#
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return result }
        for match in regex.matches(in: html, range: NSRange(html.startIndex..., in: html)) {
            guard let key = Range(match.range(at: 1), in: html), let value = Range(match.range(at: 2), in: html) else { continue }
            result[String(html[key])] = Int(html[value])
        }
        return result
    }

    /// Every file of a written site, by relative path.
    static func read(_ directory: URL) throws -> [String: String] {
        var pages: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        while let relative = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.path + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            pages[relative] = try String(contentsOfFile: directory.path + "/" + relative, encoding: .utf8)
        }
        return pages
    }

    /// The numbers the overview shows equal the JSON's.
    static func expectOverviewMatches(_ html: String, _ json: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) {
        let shown = metrics(html)
        let totals = json["totals"] as? [String: Int] ?? [:]
        #expect(!totals.isEmpty, sourceLocation: sourceLocation)
        for (key, value) in totals where shown["totals." + key] != nil {
            #expect(shown["totals." + key] == value, "totals.\(key)", sourceLocation: sourceLocation)
        }
        for key in ["runbooks", "stale", "neverRun", "lastRunRolledBack", "runs", "errors", "warnings"] {
            #expect(shown["totals." + key] != nil, "the overview shows totals.\(key)", sourceLocation: sourceLocation)
        }
        for entry in json["severities"] as? [[String: Any]] ?? [] {
            let severity = entry["severity"] as? String ?? ""
            #expect(shown["severities." + severity] == entry["runbooks"] as? Int, "severities.\(severity)", sourceLocation: sourceLocation)
        }
        for entry in json["findingsByRule"] as? [[String: Any]] ?? [] {
            let rule = entry["rule"] as? String ?? ""
            #expect(shown["findingsByRule." + rule] == entry["count"] as? Int, "findingsByRule.\(rule)", sourceLocation: sourceLocation)
        }
    }
}

@Suite struct ReportTests {
    @Test func examplesReportHasAPagePerRunbookAndItsNumbersAreTheJSONs() throws {
        let site = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: site) }
        let written = try TestSupport.rbc(["report", "examples", "-o", site.path, "--now", "2026-12-04", "--no-shellcheck"])
        #expect(written.status == 0, "\(written.stderr)")
        let json = try TestSupport.rbc(["report", "examples", "--format", "json", "--now", "2026-12-04", "--no-shellcheck"])
        #expect(json.status == 0)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(report["reportVersion"] as? String == "rbc.report/v1")
        let runbooks = try #require(report["runbooks"] as? [[String: Any]])
        let pages = try ReportPages.read(site)
        #expect(runbooks.count >= 10)
        #expect(Set(runbooks.compactMap { $0["page"] as? String }).count == runbooks.count, "one page per runbook")
        for runbook in runbooks {
            let page = try #require(runbook["page"] as? String)
            let html = try #require(pages[page], "no page \(page)")
            #expect(html.contains("<svg role=\"img\" aria-labelledby=\"flow-title flow-desc\""), "\(page) draws its steps")
            #expect(html.contains("aria-labelledby=\"budget-title budget-desc\""), "\(page) draws its budget")
        }
        ReportPages.expectOverviewMatches(try #require(pages["index.html"]), report)
    }

    @Test func aRepositoryWithHistoryAndRuns() throws {
        let fixture = try ReportFixture()
        let report = try fixture.json()
        let totals = try #require(report["totals"] as? [String: Int])
        #expect(totals["runbooks"] == 3)
        #expect(totals["runs"] == 2)
        #expect(totals["neverRun"] == 1)
        #expect(totals["lastRunRolledBack"] == 1)
        #expect(totals["stale"] == 2, "never.yaml (reviewed long ago) and fails.yaml (P1: 30 days)")
        let runbooks = try #require(report["runbooks"] as? [[String: Any]])
        func runbook(_ path: String) throws -> [String: Any] { try #require(runbooks.first { $0["path"] as? String == path }) }
        let ok = try runbook("runbooks/ok.yaml")
        let okRuns = try #require(ok["runs"] as? [[String: Any]])
        #expect(okRuns.map { $0["status"] as? String } == ["succeeded"])
        #expect(okRuns.first?["commit"] as? String != nil && okRuns.first?["user"] as? String != nil)
        let okHistory = try #require(ok["history"] as? [String: Any])
        #expect((okHistory["commits"] as? [[String: Any]])?.map { $0["summary"] as? String } == ["Say what is undone", "First <b>runbooks</b>"])
        #expect((ok["review"] as? [String: Any])?["basis"] as? String == "last-change")
        #expect((ok["review"] as? [String: Any])?["days"] as? Int == 13)
        let params = try #require(ok["params"] as? [[String: Any]])
        #expect(params.first?["secret"] as? Bool == true)
        let fails = try runbook("runbooks/fails.yaml")
        #expect((fails["runs"] as? [[String: Any]])?.first?["status"] as? String == "rolled_back")
        #expect(fails["budgetMs"] as? Int == 1_800_000)
        #expect(fails["worstCaseMs"] as? Int == 180_000)
        let never = try runbook("runbooks/never.yaml")
        #expect((never["runs"] as? [Any])?.isEmpty == true)
        #expect((never["review"] as? [String: Any])?["stale"] as? Bool == true)
        #expect((never["review"] as? [String: Any])?["intervalDays"] as? Int == 90)

        let site = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: site) }
        let written = try fixture.report(["-o", site.path])
        #expect(written.status == 0, "\(written.stderr)")
        let pages = try ReportPages.read(site)
        #expect(pages.count == 4)
        ReportPages.expectOverviewMatches(try #require(pages["index.html"]), report)
        let failsPage = try #require(pages["runbooks/fails-yaml.html"])
        #expect(failsPage.contains("rolled_back"))
        #expect(failsPage.contains("undo: execute_command"), "the flow draws the rollback")
    }

    /// Runbook text, commit messages and owners are untrusted: nothing in them becomes markup, and
    /// a secret given to a run appears nowhere.
    @Test func untrustedTextIsEscapedAndSecretsNeverAppear() throws {
        let fixture = try ReportFixture()
        let site = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: site) }
        #expect(try fixture.report(["-o", site.path]).status == 0)
        let json = try fixture.report(["--format", "json"])
        #expect(!json.stdout.contains(ReportFixture.secretValue))
        let pages = try ReportPages.read(site)
        for (path, html) in pages {
            #expect(!html.lowercased().contains("<script"), "\(path) holds a script element")
            #expect(!html.contains("<b>"), "\(path) lets markup through")
            #expect(!html.contains(ReportFixture.secretValue), "\(path) shows the secret")
        }
        let okPage = try #require(pages["runbooks/ok-yaml.html"])
        #expect(okPage.contains("<title>Restart &lt;script&gt;alert(1)&lt;/script&gt; worker — runbook report</title>"))
        #expect(okPage.contains("&lt;/title&gt;&lt;script&gt;alert(2)&lt;/script&gt;"))
        #expect(okPage.contains("echo &#39;&lt;script&gt;alert(3)&lt;/script&gt;&#39;"))
        #expect(okPage.contains("team-&lt;b&gt;ops&lt;/b&gt;"))
        #expect(okPage.contains("secret: not shown"))
    }

    /// Alert coverage reuses `rbc check --alerts`: alerts without a runbook, dead links, triggers
    /// naming no alert, and which alerts link each runbook.
    @Test func alertCoverage() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try AlertCoverageTests.write([
            "runbooks/api/HighErrorRate.md": "---\nseverity: P2\nowner: t\ntriggers: [{alert: APIHighErrorRate}, {alert: APIOld}]\n---\n# High error rate\n\n## Steps\n\n### Check\n\n```bash {timeout=30s}\ncurl -s http://api.internal/health\n```\n",
            "rules/api.yaml": """
            groups:
              - name: api
                rules:
                  - alert: APIHighErrorRate
                    expr: rate(errors[5m]) > 1
                    annotations:
                      runbook_url: ../runbooks/api/HighErrorRate.md
                  - alert: APIDown
                    expr: up == 0
                    annotations:
                      runbook_url: ../runbooks/api/down.md
                  - alert: <i>APISlow</i>
                    expr: latency > 1

            """,
        ], in: dir)
        let run = try TestSupport.rbc(["report", "runbooks", "--alerts", "rules", "--no-git", "--format", "json", "--now", "2026-12-04"], in: dir.path)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let alerts = try #require(report["alerts"] as? [String: Any])
        #expect(alerts["alerts"] as? Int == 3)
        #expect((alerts["withoutRunbook"] as? [[String: Any]])?.map { $0["alert"] as? String } == ["<i>APISlow</i>"])
        #expect((alerts["deadLinks"] as? [[String: Any]])?.map { $0["alert"] as? String } == ["APIDown"])
        #expect((alerts["unknownTriggers"] as? [[String: Any]])?.map { $0["alert"] as? String } == ["APIOld"])
        let runbook = try #require((report["runbooks"] as? [[String: Any]])?.first)
        #expect(runbook["alerts"] as? [String] == ["APIHighErrorRate"])
        let site = dir.appendingPathComponent("site")
        #expect(try TestSupport.rbc(["report", "runbooks", "--alerts", "rules", "--no-git", "-o", site.path], in: dir.path).status == 0)
        let index = try String(contentsOf: site.appendingPathComponent("index.html"), encoding: .utf8)
        let shown = ReportPages.metrics(index)
        #expect(shown["alerts.withoutRunbook"] == 1 && shown["alerts.deadLinks"] == 1 && shown["alerts.unknownTriggers"] == 1 && shown["alerts.alerts"] == 3)
        #expect(index.contains("&lt;i&gt;APISlow&lt;/i&gt;") && !index.contains("<i>"))
    }

    @Test func usageErrors() throws {
        let missing = try TestSupport.rbc(["report", "no/such/dir", "--format", "json"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no/such/dir"))
        let noDirectory = try TestSupport.rbc(["report", "examples"])
        #expect(noDirectory.status == 2)
        #expect(noDirectory.stderr.contains("-o DIR"))
    }
}
