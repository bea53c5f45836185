// Alert ↔ runbook coverage on small fixtures and on the shared corpora: kube-prometheus alert rules
// against the prometheus-operator runbooks snapshot, whose missing pages must be found exactly.

import Foundation
import RunbookDriver
import Testing

@Suite struct AlertCoverageTests {
    @Test func fixturesCoverEveryCheck() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ name: String, _ text: String) throws {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        try write("runbooks/api/HighErrorRate.md", "---\nseverity: P2\nowner: t\ntriggers: [{alert: APIHighErrorRate}, {alert: APIOld}]\n---\n# High error rate\n\n## Steps\n\n### Check\n\n```bash {timeout=30s}\ncurl -s http://api.internal/health\n```\n")
        try write("rules/api.yaml", """
        groups:
          - name: api
            rules:
              - alert: APIHighErrorRate
                expr: rate(errors[5m]) > 1
                annotations:
                  runbook_url: https://runbooks.acme.invalid/api/higherrorrate#check
              - alert: APIDown
                expr: up == 0
                annotations:
                  runbook_url: https://runbooks.acme.invalid/api/down
              - alert: APISlow
                expr: latency > 1
              - alert: APIAnchor
                expr: x > 1
                annotations:
                  runbook_url: ../runbooks/api/HighErrorRate.md#no-such-section
              - alert: External
                expr: x > 1
                annotations:
                  runbook_url: https://wiki.other.invalid/page
        ---
        groups: []

        """)
        try write(".rbc.yaml", "alerts:\n  runbook_urls:\n    - base_url: \"https://runbooks.acme.invalid/\"\n      directory: runbooks\n")
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "rules", "--no-git", "--format", "concise"], in: dir.path)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("rules/api.yaml:11:24: error[RB023] runbook_url of alert `APIDown` is dead: no runbook at api/down under runbooks"), "\(run.stdout)")
        #expect(lines.contains("rules/api.yaml:12:16: error[RB022] alert `APISlow` has no `runbook_url` or `runbook` annotation"))
        #expect(lines.contains("rules/api.yaml:17:24: warning[RB034] runbook_url of alert `APIAnchor` links `#no-such-section`, which no heading of runbooks/api/HighErrorRate.md has: the page opens at its top"))
        #expect(lines.contains("runbooks/api/HighErrorRate.md:4:47: warning[RB024] trigger names alert `APIOld`, which no alerting rule defines"))
        #expect(lines.contains("rules/api.yaml:21:24: info[RB026] runbook links to https://wiki.other.invalid point outside this repository: not checked (1 alert)"))
        #expect(lines.count == 5, "the resolving link and its anchor are fine: \(run.stdout)")
        #expect(run.status == 1)
    }

    /// A repository of alert rules only (its runbooks live on a wiki) is checked like any other:
    /// its findings decide the exit code, not "no runbooks". `--alerts` takes one path per flag, so
    /// the path after it is what to check, and a rule file named twice is read once.
    @Test func alertRulesOnlyRepository() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([
            "rules/a.yaml": """
            groups:
              - name: g
                rules:
                  - alert: DiskFull
                    expr: up == 0
                    annotations:
                      runbook_url: TODO
                  - alert: CPUHigh
                    expr: up == 0
                    annotations:
                      runbook_url: https://wiki.example.invalid/CPUHigh

            """,
            ".rbc.yaml": "alerts:\n  rules: [rules, rules/a.yaml]\n",
        ], in: dir)
        let configured = try TestSupport.rbc(["check", "--no-git", "--format", "concise"], in: dir.path)
        #expect(configured.status == 1, "\(configured.stdout)\(configured.stderr)")
        #expect(!configured.stdout.contains("RB0005"), "\(configured.stdout)")
        #expect(configured.stdout.components(separatedBy: "error[RB022]").count == 2, "one finding per alert: \(configured.stdout)")
        #expect(configured.stdout.contains("not checked (1 alert)"), "\(configured.stdout)")

        try FileManager.default.removeItem(at: dir.appendingPathComponent(".rbc.yaml"))
        try Self.write(["runbooks/readme.txt": "the runbooks are on the wiki\n"], in: dir)
        // The path after `--alerts rules` is the tree to check, not a second rule path.
        let named = try TestSupport.rbc(["check", "--alerts", "rules", "runbooks", "--no-git", "--format", "concise"], in: dir.path)
        #expect(named.status == 2, "\(named.stdout)\(named.stderr)")
        #expect(named.stdout.contains("runbooks: error[RB0005] no runbooks found under runbooks"), "\(named.stdout)")
        #expect(!named.stdout.contains("no runbooks found under ."), "\(named.stdout)")
        let repeated = try TestSupport.rbc(["check", "--alerts", "rules", "--alerts", "rules/a.yaml", "rules", "--no-git", "--format", "concise"], in: dir.path)
        #expect(repeated.status == 1, "\(repeated.stdout)\(repeated.stderr)")
        #expect(repeated.stdout.components(separatedBy: "error[RB022]").count == 2, "\(repeated.stdout)")
    }

    /// Grafana's mixins keep one page of `## AlertName` sections of prose and link it through the
    /// repository browser (`https://github.com/…/blob/main/…/runbook.md#Alert`). `rbc init` maps that
    /// URL to this repository, and the linked page is checked as the alerts' runbook though nothing
    /// in it looks like one.
    @Test func pageLinkedThroughTheRepositoryBrowser() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([
            "mixin/runbook.md": """
            # Runbook

            ## DiskFull

            Free space on the volume, then see [the next section](#cpu-high).

            ## CPUHigh

            Scale the deployment up.

            """,
            "mixin/README.md": "# The mixin\n\nAlerts and dashboards.\n",
            "compiled/alerts.yaml": """
            groups:
              - name: g
                rules:
                  - alert: DiskFull
                    expr: up == 0
                    annotations:
                      runbook_url: https://github.com/acme/ops/blob/main/mixin/runbook.md#DiskFull
                  - alert: CPUHigh
                    expr: up == 0
                    annotations:
                      runbook_url: https://github.com/acme/ops/blob/main/mixin/runbook.md#cpuhigh
                  - alert: MemoryHigh
                    expr: up == 0
                    annotations:
                      runbook_url: https://github.com/acme/ops/blob/main/mixin/runbook.md#MemoryHigh

            """,
        ], in: dir)
        let initialised = try TestSupport.rbc(["init"], in: dir.path)
        #expect(initialised.status == 0, "\(initialised.stdout)\(initialised.stderr)")
        let configuration = try String(contentsOf: dir.appendingPathComponent(".rbc.yaml"), encoding: .utf8)
        #expect(configuration.contains("- base_url: \"https://github.com/acme/ops/blob/main/\"\n      directory: \".\""), "\(configuration)")
        let run = try TestSupport.rbc(["check", "--no-git", "--format", "concise"], in: dir.path)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("mixin/runbook.md:5:55: warning[RB031] no heading on this page has the anchor `#cpu-high`") }, "\(run.stdout)")
        #expect(lines.contains { $0.hasPrefix("compiled/alerts.yaml:15:24: warning[RB034] runbook_url of alert `MemoryHigh` links `#MemoryHigh`") }, "\(run.stdout)")
        #expect(lines.count == 2, "the README is no runbook; the other anchors resolve: \(run.stdout)")
        #expect(run.status == 0, "warnings only")
    }

    /// Thanos' generated rules link `runbook.md#alert-name-…` anchors its runbook page never had: one
    /// mistake of the generator, reported once with the number of alerts, not once per alert.
    @Test func anchorsAGeneratorInventedAreOneFinding() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rules = ["CompactHalted", "QueryDown", "StoreSlow"].map { name in
            "      - alert: \(name)\n        expr: up == 0\n        annotations:\n          runbook_url: ../mixin/runbook.md#alert-name-\(name.lowercased())\n"
        }.joined()
        try Self.write([
            "mixin/runbook.md": "# Alerts\n\n## compact\n\n| Name | Runbook |\n|---|---|\n| CompactHalted | … |\n\n## Steps\n\nRead the logs.\n",
            "rules/generated.yaml": "groups:\n  - name: g\n    rules:\n" + rules,
            "rules/handwritten.yaml": "groups:\n  - name: h\n    rules:\n      - alert: Stale\n        expr: up == 0\n        annotations:\n          runbook_url: ../mixin/runbook.md#nothing\n      - alert: Fine\n        expr: up == 0\n        annotations:\n          runbook_url: ../mixin/runbook.md#compact\n",
        ], in: dir)
        let run = try TestSupport.rbc(["check", "mixin", "--alerts", "rules", "--no-git", "--format", "concise"], in: dir.path)
        let lines = run.stdout.split(separator: "\n").map(String.init).filter { $0.contains("RB034") }
        #expect(lines == [
            "rules/generated.yaml:7:24: warning[RB034] runbook_url of all 3 alerts in this file that link mixin/runbook.md names an anchor no heading of it has (first `#alert-name-compacthalted`, of alert `CompactHalted`): each opens the page at its top",
            "rules/handwritten.yaml:7:24: warning[RB034] runbook_url of alert `Stale` links `#nothing`, which no heading of mixin/runbook.md has: the page opens at its top",
        ], "\(run.stdout)")
    }

    static func write(_ files: [String: String], in dir: URL) throws {
        for (name, text) in files {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    /// GitLab's layout: `runbook:` annotations holding repository-root paths, some templated by a
    /// label, rules nested deep below the root, and a `#` comment in a fence that is no anchor.
    @Test func gitLabStyleAnnotationsResolveFromTheRepositoryRoot() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([
            "docs/redis/README.md": "# Redis\n\n## Troubleshooting `redis-cli` & latency\n\n```bash\n# restart-everything\nredis-cli ping\n```\n",
            "docs/api/README.md": "# API\n\n<a name=\"saturation\"></a>\nText.\n",
            "mimir-rules/env/redis/alerts.yml": """
            groups:
            - name: redis
              rules:
              - alert: RedisDown
                labels: {severity: s1, type: redis}
                annotations:
                  runbook: docs/{{ $labels.type }}/README.md#troubleshooting-redis-cli--latency
              - alert: RedisLatency
                labels: {type: redis}
                annotations:
                  runbook: docs/{{ .Labels.type }}/README.md#restart-everything
              - alert: ServiceDown
                annotations:
                  runbook: docs/{{ $labels.type }}/README.md
              - alert: ServiceSlow
                annotations:
                  runbook: docs/{{ $labels.type }}/README.md
              - alert: APISaturated
                annotations:
                  runbook: docs/api/README.md#saturation
              - alert: APIGone
                annotations:
                  runbook: docs/api-v2/README.md
              - alert: Mimir1
                annotations:
                  runbook_url: https://grafana.com/docs/mimir/latest/runbooks/#one
              - alert: Mimir2
                annotations:
                  runbook_url: https://grafana.com/docs/mimir/latest/runbooks/#two

            """,
        ], in: dir)
        try "alerts:\n  rules: [mimir-rules]\n".write(to: dir.appendingPathComponent(".rbc.yaml"), atomically: true, encoding: .utf8)
        try Self.write(["docs/README.md": "---\nseverity: P3\nowner: t\n---\n# Index\n\n## Steps\n\n### Look\n\n```bash {timeout=30s}\nls\n```\n"], in: dir)
        let run = try TestSupport.rbc(["check", "docs/README.md", "--no-git", "--no-shellcheck", "--format", "concise"], in: dir.path)
        let lines = run.stdout.split(separator: "\n").map(String.init).filter { $0.contains("[RB02") || $0.contains("[RB034]") }
        let rules = "mimir-rules/env/redis/alerts.yml"
        #expect(lines == [
            "\(rules):11:16: warning[RB034] runbook of alert `RedisLatency` links `#restart-everything`, which no heading of docs/redis/README.md has: the page opens at its top",
            "\(rules):14:16: info[RB025] runbook link `docs/{{ $labels.type }}/README.md` has a template no label of the rule fills: not checked (2 alerts)",
            "\(rules):23:16: error[RB023] runbook of alert `APIGone` is dead: no runbook at docs/api-v2/README.md under .",
            "\(rules):26:20: info[RB026] runbook links to https://grafana.com point outside this repository: not checked (2 alerts)",
        ], "\(run.stdout)")
    }

    /// A runbook without `severity` takes the most severe alert linking to it; else `default_severity`.
    @Test func severityComesFromTheAlertsThatLinkTheRunbook() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = "# Disk full\n\nowner: storage\n\n## Mitigation\n\n### Free space\n\n```bash {timeout=30s}\ndf -h\n```\n"
        try Self.write([
            "runbooks/DiskFull.md": page,
            "runbooks/other/Unlinked.md": page,
            "rules/disk.yaml": """
            groups:
            - name: disk
              rules:
              - alert: DiskFilling
                labels: {severity: warning}
                annotations: {runbook_url: "https://runbooks.acme.invalid/diskfull"}
              - alert: DiskFull
                labels: {severity: critical}
                annotations: {runbook_url: "https://runbooks.acme.invalid/diskfull"}

            """,
            ".rbc.yaml": """
            alerts:
              rules: [rules]
              runbook_urls:
                - {base_url: "https://runbooks.acme.invalid/", directory: runbooks}
            default_severity:
              "runbooks/other/**": P2

            """,
        ], in: dir)
        let compiled = try TestSupport.rbc(["compile", "runbooks/DiskFull.md"], in: dir.path)
        let ir = try #require(try JSONSerialization.jsonObject(with: Data(compiled.stdout.utf8)) as? [String: Any], "\(compiled.stderr)")
        let runbook = try #require(ir["runbook"] as? [String: Any])
        #expect(runbook["severity"] as? String == "P1")
        let source = try #require(runbook["severitySource"] as? [String: String])
        #expect(source == ["kind": "alert-rule", "from": "DiskFull", "label": "critical", "file": "rules/disk.yaml"])
        let other = try TestSupport.rbc(["compile", "runbooks/other/Unlinked.md"], in: dir.path)
        let otherIR = try #require(try JSONSerialization.jsonObject(with: Data(other.stdout.utf8)) as? [String: Any], "\(other.stderr)")
        let otherRunbook = try #require(otherIR["runbook"] as? [String: Any])
        #expect(otherRunbook["severity"] as? String == "P2")
        #expect(otherRunbook["severitySource"] as? [String: String] == ["kind": "config-default", "from": "runbooks/other/**", "file": ".rbc.yaml"])
        let check = try TestSupport.rbc(["check", "runbooks", "--no-git", "--no-shellcheck", "--format", "concise"], in: dir.path)
        #expect(!check.stdout.contains("RB2004"), "\(check.stdout)")
    }

    /// A rule directory of a real repository holds more than rule files: Helm templates of the
    /// chart's Deployments, manifests, dashboards. Only a file that holds alerting rules is the rule
    /// check's business; a template that holds them (`{{- if … }}` lines, as Helm charts write rule
    /// files) is not YAML, and is said once per directory, with its alerts counted, not reported as a
    /// syntax error per file (these do not parse even with their actions blanked: both branches of an
    /// `{{ if }}` write `runbook_url`). A rule file with a real syntax error, and one named on the
    /// command line, are still reported.
    @Test func templatesAndOtherYAMLInRuleDirectories() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let helmRule = { (name: String) in """
            {{- if .Values.rules.create }}
            apiVersion: monitoring.coreos.com/v1
            kind: PrometheusRule
            metadata:
              name: {{ include "chart.fullname" . }}-\(name)
            spec:
              groups:
              - name: \(name)
                rules:
            {{- if not .Values.rules.disabled.\(name)Down }}
                - alert: \(name)Down
                  annotations:
            {{- if .Values.rules.runbookUrl }}
                    runbook_url: {{ .Values.rules.runbookUrl }}/\(name.lowercased())down
            {{- else }}
                    runbook_url: https://runbooks.example.invalid/\(name.lowercased())down
            {{- end }}
                  expr: up == 0
            {{- end }}
                - alert: \(name)Slow
                  expr: latency > 1
            {{- end }}

            """ }
        try Self.write([
            "deploy/chart/templates/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"chart.fullname\" . }}\nspec:\n{{- if .Values.replicas }}\n  replicas: {{ .Values.replicas }}\n{{- end }}\n",
            "deploy/chart/templates/rules/api.yaml": helmRule("API"),
            "deploy/chart/templates/rules/db.yaml": helmRule("DB"),
            "deploy/kustomize/broken.yaml": "data:\n  key: [unclosed\n",
            "deploy/rules/ok.yaml": "groups:\n  - name: g\n    rules:\n      - alert: Fine\n        expr: up == 0\n        annotations:\n          runbook_url: TODO\n",
            "deploy/rules/typo.yaml": "groups:\n  - name: g\n    rules:\n      - alert: Typo\n        expr: [up == 0\n",
            "runbooks/Fine.md": "# Fine\n\n## Mitigation\n\nRestart it.\n",
        ], in: dir)
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "deploy", "--no-git", "--format", "concise"], in: dir.path)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("deploy/rules/typo.yaml:") && $0.contains("error[RB1001]") }, "a rule file's syntax error: \(run.stdout)")
        #expect(lines.contains("deploy/rules/ok.yaml:4:16: error[RB022] alert `Fine` has no runbook: its `runbook_url` annotation is a placeholder (`TODO`)"), "\(run.stdout)")
        #expect(lines.contains("deploy/chart/templates/rules/api.yaml:11:14: info[RB025] 2 rule files in deploy/chart/templates/rules are templates (`{{ … }}` lines outside YAML values, as Helm writes them), not YAML: their 4 alerts are not checked"), "\(run.stdout)")
        #expect(!run.stdout.contains("deployment.yaml") && !run.stdout.contains("broken.yaml"), "not rule files: \(run.stdout)")
        #expect(lines.count == 3, "\(run.stdout)")
        #expect(run.status == 1)

        // Named on the command line, a file is always the rule check's: its syntax errors are reported,
        // a template's too (whoever names a template asks for it to be checked as YAML).
        let named = try TestSupport.rbc(["check", "runbooks", "--alerts", "deploy/kustomize/broken.yaml", "--alerts", "deploy/chart/templates/rules/db.yaml",
                                         "--no-git", "--format", "concise"], in: dir.path)
        #expect(named.stdout.contains("deploy/kustomize/broken.yaml:") && named.stdout.contains("error[RB1001]"), "\(named.stdout)")
        #expect(named.stdout.contains("deploy/chart/templates/rules/db.yaml:") && !named.stdout.contains("RB025"), "\(named.stdout)")
        #expect(named.stdout.split(separator: "\n").contains { $0.hasPrefix("deploy/chart/templates/rules/db.yaml:") && $0.contains("error[RB1001]") }, "\(named.stdout)")
        #expect(named.status == 1)

        // `rbc init` says where the templates are instead of "none found" or a rule directory it cannot read.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("deploy/rules"))
        let initialised = try TestSupport.rbc(["init", "--stdout"], in: dir.path)
        #expect(initialised.stdout.contains("""
            # Alert rules: none read. These rule files (4 alerts) are templates, not YAML
            # (`{{ … }}` lines outside YAML values, as Helm writes them):
            #   deploy/chart/templates/rules  2 files
            # Render them (`helm template …`) into a directory and point rbc at the output:
            """), "\(initialised.stdout)")
    }

    /// A plain rule file whose annotation block starts a line with a Prometheus template
    /// (`{{ $labels.instance }} is down` inside `description: |`) is YAML, not a Helm template: when it
    /// does not parse, its syntax error is reported (RB1001), not hidden behind a template note.
    @Test func templateTextInsideBlockScalarsIsNotAHelmTemplate() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([
            "rules/node.yaml": """
                groups:
                  - name: node
                    rules:
                      - alert: NodeDown
                        expr: up == 0
                        annotations:
                          description: |
                            {{ $labels.instance }} is down
                            {{ if gt $value 1.0 }}badly{{ end }}
                          runbook_url: ../runbooks/missing.md
                       summary: mis-indented
                      - alert: NodeSlow
                        expr: latency > 1

                """,
            "runbooks/Other.md": "# Other\n\n## Mitigation\n\nRestart it.\n",
        ], in: dir)
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "rules", "--no-git", "--format", "concise"], in: dir.path)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("rules/node.yaml:") && $0.contains("error[RB1001]") }, "\(run.stdout)")
        #expect(!run.stdout.contains("RB025"), "\(run.stdout)")
        #expect(run.status == 1, "\(run.stdout)")
    }

    /// The alert names of a templated rule file count for RB024 as Prometheus reads them: quotes are
    /// YAML's, not the name's, and a name that is itself a template (`{{ .Values.prefix }}Down`) is no name.
    /// The file is read in place (its `{{- if }}` lines blanked): its alerts, none linking a runbook, are RB022.
    @Test func templatedRuleFileAlertNamesAreUnquoted() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([
            "chart/templates/rules.yaml": """
                {{- if .Values.rules.create }}
                groups:
                  - name: app
                    rules:
                      - alert: "QuotedDown"
                        expr: up == 0
                      - alert: 'SingleQuoted'
                        expr: up == 0
                      - alert: {{ .Values.prefix }}Down
                        expr: up == 0
                {{- end }}

                """,
            "runbooks/Quoted.md": "---\nseverity: P2\nowner: t\ntriggers: [{alert: QuotedDown}, {alert: SingleQuoted}, {alert: \"{{\"}]\n---\n# Quoted\n\n## Mitigation\n\nRestart it.\n",
        ], in: dir)
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "chart", "--no-git", "--format", "concise"], in: dir.path)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(!lines.contains { $0.contains("RB024") && ($0.contains("QuotedDown") || $0.contains("SingleQuoted")) }, "\(run.stdout)")
        #expect(lines.contains { $0.contains("RB024") && $0.contains("`{{`") }, "a template is no alert name: \(run.stdout)")
        #expect(lines.filter { $0.hasPrefix("chart/templates/rules.yaml:") && $0.contains("error[RB022]") }.count == 3, "\(run.stdout)")
        #expect(!run.stdout.contains("RB025"), "read, not counted: \(run.stdout)")
    }

    /// Prometheus fills no template in an alert name: `{{ .Values.prefix }}FooDown` (Helm),
    /// `${PREFIX}BarDown` (envsubst), `%(prefix)sBazDown` (Jsonnet, Python) are rendered by another
    /// tool, and a runbook naming a rendered name (`AcmeFooDown`, `FooDown`) names an alert that
    /// exists. A name that is a template and nothing else (`{{ $name }}`, a `range` over values)
    /// can be any name: then no trigger is reported.
    @Test func templatedAlertNamesMatchTheirRenderedNames() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let triggers = ["AcmeFooDown", "FooDown", "AcmeBarDown", "BazDown", "ProdQuxHigh", "QuxDown", "FooDownAgain"]
        try Self.write([
            "chart/templates/rules.yaml": """
                groups:
                  - name: app
                    rules:
                      - alert: {{ .Values.prefix }}FooDown
                        expr: up == 0
                      - alert: {{ .Values.prefix }}Qux{{ .Values.suffix }}High  # by environment
                        expr: up == 0

                """,
            "rules/envsubst.yaml": "groups:\n  - name: e\n    rules:\n      - alert: ${PREFIX}BarDown\n        expr: up == 0\n      - alert: '%(prefix)sBazDown'\n        expr: up == 0\n",
            "runbooks/App.md": "---\nseverity: P2\nowner: t\ntriggers: [\(triggers.map { "{alert: \($0)}" }.joined(separator: ", "))]\n---\n# App\n\n## Mitigation\n\nRestart it.\n",
        ], in: dir)
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "chart", "--alerts", "rules", "--no-git", "--format", "concise"], in: dir.path)
        let unknown = run.stdout.split(separator: "\n").filter { $0.contains("RB024") }.map { String($0.split(separator: "`")[1]) }
        #expect(unknown == ["QuxDown", "FooDownAgain"], "\(run.stdout)")
        #expect(!run.stdout.contains("RB1001"), "a file whose alert names are Helm templates is a template: \(run.stdout)")
        // Read in place: its two alerts are checked (neither links a runbook), not counted.
        #expect(run.stdout.split(separator: "\n").filter { $0.hasPrefix("chart/templates/rules.yaml:") && $0.contains("error[RB022]") }.count == 2, "\(run.stdout)")
        #expect(!run.stdout.contains("is a template"), "\(run.stdout)")

        try Self.write(["rules/range.yaml": "groups:\n  - name: r\n    rules:\n      - alert: \"{{ $name }}\"\n        expr: up == 0\n"], in: dir)
        let ranged = try TestSupport.rbc(["check", "runbooks", "--alerts", "chart", "--alerts", "rules", "--no-git", "--format", "concise"], in: dir.path)
        #expect(!ranged.stdout.contains("RB024"), "any name can be rendered: \(ranged.stdout)")
    }

    /// Helm writes template actions as values too (`labels: {{- include "labels" . | nindent 4 }}`,
    /// `namespace: {{.Values.namespace}}`): such a rule file is a template, not a YAML error, and a
    /// repository of such rules only is no "no runbooks" (exit 2). Read in place, its alert is checked:
    /// it links no runbook (RB022).
    @Test func helmActionsAsValuesMakeATemplate() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([
            "helm/templates/app.rules.yml": """
                apiVersion: monitoring.coreos.com/v1
                kind: PrometheusRule
                metadata:
                  labels: {{- include "labels.common" . | nindent 4}}
                  namespace: {{.Values.namespace}}
                spec:
                  groups:
                    - name: app
                      rules:
                        - alert: AppDown
                          expr: up == 0
                          annotations:
                            summary: {{ $labels.instance }} is down

                """,
            "README.md": "# Rules\n\nAlerting rules, rendered by Helm.\n",
        ], in: dir)
        let run = try TestSupport.rbc(["check", ".", "--alerts", "helm", "--no-git", "--format", "concise"], in: dir.path)
        #expect(!run.stdout.contains("RB1001") && !run.stdout.contains("RB0005"), "\(run.stdout)")
        #expect(run.stdout.split(separator: "\n").map(String.init) == ["helm/templates/app.rules.yml:10:18: error[RB022] alert `AppDown` has no `runbook_url` or `runbook` annotation"],
                "\(run.stdout)")
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
    }

    /// A template only in a link's anchor or query (`Redis#Cluster_{{ $labels.job }}`,
    /// `page/?cluster={{ $labels.cluster }}`) leaves the page known: the page is checked (dead, or a
    /// site outside the repository), only the heading is not.
    @Test func templatesInAnchorsLeaveThePageChecked() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([
            "runbooks/redis.md": "# Redis\n\n## Cluster main\n\nRestart it.\n",
            "rules/redis.yaml": """
            groups:
              - name: redis
                rules:
                  - alert: RedisFull
                    expr: x > 1
                    annotations:
                      runbook: 'runbooks/redis.md#Cluster_{{ $labels.job }}'
                  - alert: RedisGone
                    expr: x > 1
                    annotations:
                      runbook: 'runbooks/redis-old.md#Cluster_{{ $labels.job }}'
                  - alert: RedisWiki
                    expr: x > 1
                    annotations:
                      runbook: 'https://wiki.acme.invalid/Redis#Cluster_{{ $labels.job }}'
                  - alert: RedisQuery
                    expr: x > 1
                    annotations:
                      runbook: 'runbooks/redis.md?cluster={{ $labels.cluster }}'

            """,
        ], in: dir)
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "rules", "--no-git", "--format", "concise"], in: dir.path)
        let lines = run.stdout.split(separator: "\n").map(String.init).filter { $0.contains("[RB02") || $0.contains("[RB034]") }
        #expect(lines == [
            "rules/redis.yaml:11:20: error[RB023] runbook of alert `RedisGone` is dead: no runbook at runbooks/redis-old.md under .",
            "rules/redis.yaml:15:20: info[RB026] runbook links to https://wiki.acme.invalid point outside this repository: not checked (1 alert)",
        ], "\(run.stdout)")
    }

    /// One missing page linked by many alerts of a file, each at its own anchor (`dora.md#lead-time-high`,
    /// `dora.md#rework-rate-high`), is one finding with the number of alerts, not one per anchor.
    @Test func aMissingPageIsOneFindingPerFileWhateverTheAnchors() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rules = "groups:\n  - name: g\n    rules:\n"
        for name in ["LeadTimeHigh", "ReworkRateHigh", "ReworkRateCritical"] {
            rules += "      - alert: \(name)\n        expr: up == 0\n        annotations:\n          runbook_url: docs/runbooks/dora.md#\(name.lowercased())\n"
        }
        rules += "      - alert: Other\n        expr: up == 0\n        annotations:\n          runbook_url: docs/runbooks/other.md\n"
        try Self.write(["docs/runbooks/health.md": "# Health\n\n## Mitigation\n\nRestart it.\n", "rules/dora.yaml": rules], in: dir)
        let run = try TestSupport.rbc(["check", "docs", "--alerts", "rules", "--no-git", "--format", "concise"], in: dir.path)
        let dead = run.stdout.split(separator: "\n").map(String.init).filter { $0.contains("RB023") }
        #expect(dead == [
            "rules/dora.yaml:7:24: error[RB023] runbook_url of alert `LeadTimeHigh` is dead: no runbook at docs/runbooks/dora.md under . (3 alerts in this file link this page, by 3 anchors or spellings)",
            "rules/dora.yaml:19:24: error[RB023] runbook_url of alert `Other` is dead: no runbook at docs/runbooks/other.md under .",
        ], "\(run.stdout)")
    }

    /// An alert whose documentation link has another name (Ceph's `documentation:`, a `playbook_url`)
    /// still has no runbook annotation, but the help says which annotation to count, and how.
    @Test func documentationUnderAnotherNameIsNamedInTheHelp() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([
            "runbooks/R.md": "# R\n\n## Mitigation\n\nRestart it.\n",
            "rules/ceph.yaml": """
            groups:
              - name: ceph
                rules:
                  - alert: CephMonDown
                    expr: x > 1
                    annotations:
                      documentation: https://docs.ceph.invalid/health-checks#mon-down
                      dashboard: https://grafana.invalid/d/ceph
                  - alert: CephHealthError
                    expr: x > 1
                    annotations:
                      dashboard: https://grafana.invalid/d/ceph

            """,
        ], in: dir)
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "rules", "--no-git"], in: dir.path)
        let helps = run.stdout.split(separator: "\n").filter { $0.contains("= help:") }.map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(helps == [
            "= help: it links `documentation`: if that is its runbook, read it with `alerts: {annotations: [runbook_url, runbook, documentation]}` in .rbc.yaml",
            "= help: add `annotations: {runbook_url: …}` linking the runbook for this alert",
        ], "\(run.stdout)")
    }

    /// A relative link that climbs out of the repository (`../../secret/page.md`, `../../../etc/passwd`)
    /// is never followed, nor a page whose symbolic link leads out: the page outside is not found,
    /// listed or read (for the anchor's headings), and one note says so per link. A link that
    /// climbs out of the rules' directory and stays inside (`../runbooks/App.md`) resolves as before.
    @Test func linksThatLeaveTheRepositoryAreNotFollowed() throws {
        let top = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: top) }
        let dir = top.appendingPathComponent("repo")
        let climbs = String(repeating: "../", count: 12) + "etc/passwd"
        try Self.write([
            "secret/page.md": "---\nseverity: P9\n---\n# Private\n\n## Steps\n\n### Look\n\n```bash\ncat $UNEXPLAINED_OUTSIDE\n```\n",
            "repo/runbooks/App.md": "---\nseverity: P2\nowner: t\n---\n# App\n\n## Mitigation\n\nRestart it.\n",
            "repo/pages/README.md": "Pages.\n",
            "repo/rules/app.yaml": """
            groups:
              - name: g
                rules:
                  - alert: Climbs
                    expr: up == 0
                    annotations:
                      runbook_url: ../../secret/page.md#nothing
                  - alert: ClimbsFar
                    expr: up == 0
                    annotations:
                      runbook_url: \(climbs)
                  - alert: Linked
                    expr: up == 0
                    annotations:
                      runbook_url: pages/linked.md
                  - alert: Inside
                    expr: up == 0
                    annotations:
                      runbook_url: ../runbooks/App.md

            """,
        ], in: top)
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("pages/linked.md").path,
                                                   withDestinationPath: top.appendingPathComponent("secret/page.md").path)
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "rules", "--no-git", "--format", "concise"], in: dir.path)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.contains("RB023") || $0.contains("RB026") } == [
            "rules/app.yaml:7:24: info[RB026] runbook link `../../secret/page.md#nothing` leads outside this repository: not followed (1 alert)",
            "rules/app.yaml:11:24: info[RB026] runbook link `\(climbs)` leads outside this repository: not followed (1 alert)",
            "rules/app.yaml:15:24: info[RB026] runbook link `pages/linked.md` leads outside this repository: not followed (1 alert)",
        ], "\(run.stdout)")
        #expect(!run.stdout.contains("RB034") && !run.stdout.contains("UNEXPLAINED_OUTSIDE") && !run.stdout.contains("P9"),
                "nothing outside the repository is read (its headings for the anchor, or as a runbook): \(run.stdout)")
    }

    /// Run from outside a checkout that has no `.git` or `.rbc.yaml` (absolute paths, another working
    /// directory), the runbook directory named on the command line is where the rules' links may lead:
    /// `../runbooks/App.md` resolves and `../runbooks/Missing.md` is dead, as in the checkout; a link
    /// climbing above both is still not followed.
    @Test func linksIntoTheRunbookDirectoryNamedResolveFromOutside() throws {
        let top = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: top) }
        try Self.write([
            "secret/page.md": "---\nseverity: P9\n---\n# Private\n",
            "elsewhere/README.md": "Not here.\n",
            "ops/runbooks/App.md": "---\nseverity: P2\nowner: t\n---\n# App\n\n## Mitigation\n\nRestart it.\n",
            "ops/rules/app.yaml": """
            groups:
              - name: g
                rules:
                  - alert: Inside
                    expr: up == 0
                    annotations:
                      runbook_url: ../runbooks/App.md
                  - alert: Dead
                    expr: up == 0
                    annotations:
                      runbook_url: ../runbooks/Missing.md
                  - alert: Climbs
                    expr: up == 0
                    annotations:
                      runbook_url: ../../secret/page.md

            """,
        ], in: top)
        let ops = top.appendingPathComponent("ops").path
        let run = try TestSupport.rbc(["check", ops + "/runbooks", "--alerts", ops + "/rules", "--no-git", "--format", "concise"],
                                      in: top.appendingPathComponent("elsewhere").path)
        let lines = run.stdout.split(separator: "\n").map(String.init).filter { $0.contains("RB023") || $0.contains("RB026") }
        #expect(lines.count == 2, "\(run.stdout)")
        #expect(lines.contains { $0.contains("RB023") && $0.contains("Missing.md") }, "\(run.stdout)")
        #expect(lines.contains { $0.contains("RB026") && $0.contains("../../secret/page.md") && $0.contains("leads outside") }, "\(run.stdout)")
        #expect(!run.stdout.contains("P9"), "\(run.stdout)")
    }

    /// A repository browser's URL names one path (`…/blob/main/docs/runbooks/HighErrors.md`): a page
    /// elsewhere with the same name (`docs/runbooks/app/HighErrors.md`) is not it, so `rbc init` maps
    /// no site from it that would make the dead links look alive. When the URL names this repository
    /// (the checkout's directory is `ops`, or `.git/config` names `acme/ops`) and a directory it has
    /// (`docs/runbooks/`), its links are this repository's dead links.
    @Test func initMapsNoBrowserURLToAnotherPath() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = "# Page\n\n## Meaning\n\nText.\n\n## Mitigation\n\nRestart it.\n"
        var rules = "groups:\n  - name: g\n    rules:\n"
        for name in ["HighErrors", "HighCost"] {
            rules += "      - alert: \(name)\n        expr: up == 0\n        annotations:\n          runbook_url: https://github.com/acme/ops/blob/main/docs/runbooks/\(name).md\n"
        }
        for repository in ["elsewhere", "ops", "checkout"] {
            try Self.write(["\(repository)/docs/runbooks/app/HighErrors.md": page, "\(repository)/docs/runbooks/app/HighCost.md": page,
                            "\(repository)/rules/all.yaml": rules], in: dir)
        }
        try Self.write(["checkout/.git/config": "[remote \"origin\"]\n\turl = git@github.com:acme/ops.git\n"], in: dir)
        let elsewhere = try TestSupport.rbc(["init", "--stdout"], in: dir.appendingPathComponent("elsewhere").path)
        #expect(elsewhere.status == 0, "\(elsewhere.stderr)")
        #expect(!elsewhere.stdout.contains("- base_url:"), "\(elsewhere.stdout)")
        #expect(elsewhere.stdout.contains("https://github.com  2 links"), "\(elsewhere.stdout)")
        for repository in ["ops", "checkout"] {
            let own = dir.appendingPathComponent(repository).path
            let initialised = try TestSupport.rbc(["init"], in: own)
            #expect(initialised.status == 0, "\(initialised.stderr)")
            let configuration = try String(contentsOfFile: own + "/.rbc.yaml", encoding: .utf8)
            #expect(configuration.contains("""
                    # 2 links; 0 name a runbook under ./; 2 name pages this repository lacks (its own browser URLs: dead links)
                    - base_url: "https://github.com/acme/ops/blob/main/"
                      directory: "."
                """), "\(configuration)")
            let run = try TestSupport.rbc(["check", "--no-git", "--format", "concise"], in: own)
            #expect(run.stdout.split(separator: "\n").filter { $0.contains("RB023") }.count == 2, "\(run.stdout)")
        }
    }

    /// A branch name may hold `/` (`…/blob/release/1.0/docs/runbooks/a.md`): the components before the
    /// page's path are more of the ref, and the site still maps to the pages here.
    @Test func initMapsBrowserURLsOfABranchWithASlash() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = "# Page\n\n## Meaning\n\nText.\n\n## Mitigation\n\nRestart it.\n"
        var rules = "groups:\n  - name: g\n    rules:\n"
        var files: [String: String] = [:]
        for name in ["a", "b", "c"] {
            rules += "      - alert: \(name)\n        expr: up == 0\n        annotations:\n          runbook_url: https://github.com/acme/ops/blob/release/1.0/docs/runbooks/\(name).md\n"
            files["docs/runbooks/\(name).md"] = page
        }
        files["rules/r.yaml"] = rules
        try Self.write(files, in: dir)
        let initialised = try TestSupport.rbc(["init", "--stdout"], in: dir.path)
        #expect(initialised.status == 0, "\(initialised.stderr)")
        #expect(initialised.stdout.contains("base_url: \"https://github.com/acme/ops/blob/release/1.0/\""), "\(initialised.stdout)")
        #expect(initialised.stdout.contains("3 links; 3 name a runbook under ./"), "\(initialised.stdout)")
        #expect(!initialised.stdout.contains("RB026"), "\(initialised.stdout)")
    }

    /// Links that another tool fills before Prometheus ever sees them — Go templates with other
    /// delimiters (`[[ .RunbookURL ]]`), envsubst's `${RUNBOOK_BASE}`, an unrendered Jsonnet or Python
    /// `%(base)s` — are not paths: one note per template (anchors aside), never a dead link. `rbc init`
    /// does not take them for a published site.
    @Test func linksOtherToolsFillAreNotDeadLinks() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([
            "runbooks/sop.md": "# SOP\n\n## Request errors\n\nLook at the logs.\n",
            "rules/operator.yaml": """
            groups:
              - name: g
                rules:
                  - alert: RequestErrors
                    expr: x > 1
                    annotations:
                      runbook_url: "[[ .RunbookURL ]]#Request-Errors"
                  - alert: RequestPanics
                    expr: x > 1
                    annotations:
                      runbook_url: "[[ .RunbookURL]]#Request-Panics"
                  - alert: Envsubst
                    expr: x > 1
                    annotations:
                      runbook_url: ${RUNBOOK_BASE}/envsubst
                  - alert: Unrendered
                    expr: x > 1
                    annotations:
                      runbook_url: "%(runbookURLPattern)s"
                  - alert: Branches
                    expr: x > 1
                    annotations:
                      runbook_url: '{{ if gt $value 1.0 }}https://github.com/acme/ops/blob/main/runbooks/sop.md{{ else }}https://github.com/acme/ops/blob/main/runbooks/sop.md#request-errors{{ end }}'
                  - alert: Plain
                    expr: x > 1
                    annotations:
                      runbook_url: https://github.com/acme/ops/blob/main/runbooks/sop.md#request-errors

            """,
        ], in: dir)
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "rules", "--no-git", "--format", "concise"], in: dir.path)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(!run.stdout.contains("RB023"), "\(run.stdout)")
        #expect(lines.contains("rules/operator.yaml:7:24: info[RB025] runbook link `[[ .RunbookURL ]]` is a template another tool fills: not checked (2 alerts)"), "\(run.stdout)")
        #expect(lines.contains("rules/operator.yaml:15:24: info[RB025] runbook link `${RUNBOOK_BASE}/envsubst` is a template another tool fills: not checked (1 alert)"), "\(run.stdout)")
        #expect(lines.contains("rules/operator.yaml:19:24: info[RB025] runbook link `%(runbookURLPattern)s` is a template another tool fills: not checked (1 alert)"), "\(run.stdout)")

        let initialised = try TestSupport.rbc(["init", "--stdout"], in: dir.path)
        #expect(initialised.status == 0, "\(initialised.stderr)")
        #expect(!initialised.stdout.contains("base_url: \"[[") && !initialised.stdout.contains("base_url: \"{{") && !initialised.stdout.contains("base_url: \"$"),
                "\(initialised.stdout)")
        #expect(initialised.stdout.contains("- base_url: \"https://github.com/acme/ops/blob/main/\""), "\(initialised.stdout)")
        #expect(initialised.stdout.contains("  # Links another tool fills (`[[ … ]]`, `${…}`, `%(…)s`), not checked (RB025): 4.\n"), "\(initialised.stdout)")
    }

    /// Alerting rules in other containers than `groups:` and `PrometheusRule`: OpenShift's
    /// `AlertingRule` and VictoriaMetrics' `VMRule` (the same `spec.groups`), a `kind: List` of them
    /// (`kubectl get -o yaml`), rule files kept as text in a `ConfigMap`, and Grafana's provisioned
    /// alert rules (`title`, `condition`).
    @Test func alertingRulesInOtherContainers() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rule = { (name: String, indent: String) in
            "\(indent)- alert: \(name)\n\(indent)  expr: up == 0\n\(indent)  annotations:\n\(indent)    runbook_url: runbooks/\(name).md\n"
        }
        try Self.write([
            "runbooks/Present.md": "# Present\n\n## Mitigation\n\nRestart it.\n",
            "rules/openshift.yaml": "apiVersion: monitoring.openshift.io/v1\nkind: AlertingRule\nmetadata: {name: a}\nspec:\n  groups:\n    - name: g\n      rules:\n" + rule("OpenShiftGone", "        "),
            "rules/vm.yaml": "apiVersion: operator.victoriametrics.com/v1beta1\nkind: VMRule\nmetadata: {name: v}\nspec:\n  groups:\n    - name: g\n      rules:\n" + rule("VMGone", "        ") + rule("Present", "        "),
            "rules/list.yaml": "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: monitoring.coreos.com/v1\n    kind: PrometheusRule\n    spec:\n      groups:\n        - name: g\n          rules:\n" + rule("ListedGone", "            "),
            "rules/configmap.yaml": """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: prometheus-rules}
            data:
              prometheus.yml: |
                global: {scrape_interval: 1m}
              disk.rules.yml: |
                groups:
                  - name: disk
                    rules:
                      - alert: ConfigMapGone
                        expr: up == 0
                        annotations:
                          runbook_url: runbooks/ConfigMapGone.md
              cpu.rules.yml: |
                groups:
                  - name: cpu
                    rules:
                      - alert: Present
                        expr: up == 0
                        annotations:
                          runbook_url: runbooks/Present.md

            """,
            "rules/grafana.yaml": """
            apiVersion: 1
            groups:
              - orgId: 1
                name: g
                folder: f
                rules:
                  - uid: a1
                    title: GrafanaGone
                    condition: A
                    data: []
                    annotations:
                      runbook_url: runbooks/GrafanaGone.md
                  - uid: a2
                    title: GrafanaNoLink
                    condition: A
                    data: []

            """,
        ], in: dir)
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "rules", "--no-git", "--format", "concise"], in: dir.path)
        let codes = run.stdout.split(separator: "\n").compactMap { line -> String? in
            guard let alert = line.split(separator: "`").dropFirst().first else { return nil }
            return "\(line.contains("RB023") ? "RB023" : line.contains("RB022") ? "RB022" : "?") \(alert)"
        }.sorted()
        #expect(codes == ["RB022 GrafanaNoLink", "RB023 ConfigMapGone", "RB023 GrafanaGone", "RB023 ListedGone", "RB023 OpenShiftGone", "RB023 VMGone"], "\(run.stdout)")
        // A rule file kept as text in a ConfigMap is placed on the file's own lines.
        #expect(run.stdout.contains("rules/configmap.yaml:14:28: error[RB023] runbook_url of alert `ConfigMapGone` is dead"), "\(run.stdout)")
    }

    /// `rbc init` maps a site to the directory its links' page paths name. A page name met again under
    /// another section (`…/runbooks/kafka-old/lagging/` while only `kafka/Lagging.md` exists) is a
    /// coincidence, not a second site: mapped, the dead links under it would open another section's page.
    @Test func initMapsNoSiteFromAPageNameCoincidence() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = "# Page\n\n## Meaning\n\nText.\n\n## Mitigation\n\nRestart it.\n"
        var rules = "groups:\n  - name: g\n    rules:\n"
        for (name, path) in [("A", "kafka/brokerdown"), ("B", "kafka/lagging"), ("C", "redis/down"), ("D", "redis/slow"),
                             ("E", "kafka-old/lagging"), ("F", "kafka-old/gone"), ("G", "kafka-old/missing")] {
            rules += "      - alert: \(name)\n        expr: up == 0\n        annotations:\n          runbook_url: https://acme.invalid/ops/runbooks/\(path)/\n"
        }
        try Self.write([
            "content/runbooks/kafka/BrokerDown.md": page, "content/runbooks/kafka/Lagging.md": page,
            "content/runbooks/redis/Down.md": page, "content/runbooks/redis/Slow.md": page,
            "rules/all.yaml": rules,
        ], in: dir)
        let initialised = try TestSupport.rbc(["init"], in: dir.path)
        #expect(initialised.status == 0, "\(initialised.stderr)")
        let configuration = try String(contentsOf: dir.appendingPathComponent(".rbc.yaml"), encoding: .utf8)
        #expect(configuration.contains("    # 7 links; 4 name a runbook under content/\n    - base_url: \"https://acme.invalid/ops/\"\n      directory: \"content\"\n"), "\(configuration)")
        #expect(!configuration.contains("kafka-old"), "\(configuration)")
        let run = try TestSupport.rbc(["check", "--no-git", "--format", "concise"], in: dir.path)
        let dead = run.stdout.split(separator: "\n").filter { $0.contains("RB023") }
        #expect(dead.count == 3 && dead.allSatisfy { $0.contains("runbooks/kafka-old/") }, "\(run.stdout)")
    }

    /// Rule files of the wrong shape or size: values of the wrong type are no alert or no link, a
    /// nesting no rule file has is no rule file, and a link of any length is quoted in one line.
    @Test func malformedRuleFilesAreReadWithoutSurprises() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([
            "runbooks/R.md": "# R\n\n## Mitigation\n\nRestart it.\n",
            "rules/types.yaml": """
            groups: "x"
            ---
            groups:
              - rules: 5
              - name: g
                rules:
                  - alert: [a, b]
                  - alert: {x: 1}
                  - alert: Listed
                    labels: [1, 2]
                    annotations: [runbook_url, x]
                  - alert: Mapped
                    annotations:
                      runbook_url: [a]
                      runbook: {x: 1}
                  - title: NoCondition
            ---
            - a
            ---
            kind: List
            items: 5

            """,
            "rules/deep.yaml": String(repeating: "[", count: 50_000) + "\n",
            "rules/long.yaml": "groups:\n- rules:\n  - alert: Long\n    annotations:\n      runbook_url: " + String(repeating: "a/", count: 50_000) + "\n",
        ], in: dir)
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "rules", "--no-git", "--format", "concise"], in: dir.path)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(lines.contains("rules/types.yaml:9:16: error[RB022] alert `Listed` has no `runbook_url` or `runbook` annotation"), "\(run.stdout)")
        #expect(lines.contains("rules/types.yaml:12:16: error[RB022] alert `Mapped` has no `runbook_url` or `runbook` annotation"), "\(run.stdout)")
        #expect(lines.contains { $0.hasPrefix("rules/long.yaml:5:20: error[RB023] runbook_url of alert `Long` is dead: no runbook at a/a/") && $0.count < 300 },
                "\(run.stdout.prefix(2_000))")
        #expect(lines.count == 3, "\(run.stdout.prefix(2_000))")
    }

    /// Exactly the links whose pages are missing from the snapshot, and nothing else.
    @Test func kubePrometheusAgainstPrometheusOperatorRunbooks() throws {
        let corpora = try TestSupport.sharedCorpora()
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let runbooks = corpora.appendingPathComponent("prometheus-operator-runbooks/content/runbooks").path
        try "alerts:\n  runbook_urls:\n    - base_url: \"https://runbooks.prometheus-operator.dev/runbooks/\"\n      directory: \"\(runbooks)\"\n"
            .write(to: dir.appendingPathComponent(".rbc.yaml"), atomically: true, encoding: .utf8)
        try "runbook:\n  name: placeholder\n  severity: P3\n  owner: t\n  steps:\n    - {id: a, action: wait, duration: 1s, timeout: 5s}\n"
            .write(to: dir.appendingPathComponent("r.yaml"), atomically: true, encoding: .utf8)
        let rules = corpora.appendingPathComponent("kube-prometheus-rules/manifests").path
        let run = try TestSupport.rbc(["check", "r.yaml", "--alerts", rules, "--no-git", "--format", "json"], in: dir.path)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.allSatisfy { $0["code"] as? String == "RB023" }, "only dead links: \(diagnostics.map { $0["message"] ?? "" })")
        let found = diagnostics.compactMap { entry -> String? in
            guard let file = entry["file"] as? String, let message = entry["message"] as? String,
                  let alert = message.split(separator: "`").dropFirst().first else { return nil }
            return "\((file as NSString).lastPathComponent) \(alert)"
        }.sorted()
        #expect(found == Self.missingPrometheusOperatorPages)
    }

    /// The kube-prometheus alerts whose runbook page the prometheus-operator snapshot lacks, by rule
    /// file; each was checked by hand (no file of that name, in any case, in the page's directory).
    static let missingPrometheusOperatorPages = [
            "alertmanager-prometheusRule.yaml AlertmanagerClusterFailedPeers",
            "grafana-prometheusRule.yaml GrafanaRequestsFailing",
            "kubernetesControlPlane-prometheusRule.yaml KubeAPIInstanceUnreachable",
            "kubernetesControlPlane-prometheusRule.yaml KubeControllerManagerInstanceUnreachable",
            "kubernetesControlPlane-prometheusRule.yaml KubeDeploymentRolloutStuck",
            "kubernetesControlPlane-prometheusRule.yaml KubeJobNotCompleted",
            "kubernetesControlPlane-prometheusRule.yaml KubeNodeEviction",
            "kubernetesControlPlane-prometheusRule.yaml KubeNodePressure",
            "kubernetesControlPlane-prometheusRule.yaml KubePdbNotEnoughHealthyPods",
            "kubernetesControlPlane-prometheusRule.yaml KubePersistentVolumeInodesFillingUp",
            "kubernetesControlPlane-prometheusRule.yaml KubeSchedulerInstanceUnreachable",
            "kubernetesControlPlane-prometheusRule.yaml KubeletInstanceUnreachable",
            "nodeExporter-prometheusRule.yaml NodeBondingDegraded",
            "nodeExporter-prometheusRule.yaml NodeCPUHighUsage",
            "nodeExporter-prometheusRule.yaml NodeDiskIOSaturation",
            "nodeExporter-prometheusRule.yaml NodeMemoryHighUtilization",
            "nodeExporter-prometheusRule.yaml NodeMemoryMajorPagesFaults",
            "nodeExporter-prometheusRule.yaml NodeSystemSaturation",
            "nodeExporter-prometheusRule.yaml NodeSystemdServiceCrashlooping",
            "nodeExporter-prometheusRule.yaml NodeSystemdServiceFailed",
            "prometheus-prometheusRule.yaml PrometheusHighQueryLoad",
            "prometheus-prometheusRule.yaml PrometheusKubernetesListWatchFailures",
            "prometheus-prometheusRule.yaml PrometheusSDRefreshFailure",
            "prometheus-prometheusRule.yaml PrometheusScrapeBodySizeLimitHit",
            "prometheus-prometheusRule.yaml PrometheusScrapeSampleLimitHit",
            "prometheusOperator-prometheusRule.yaml PrometheusOperatorStatusUpdateErrors",
    ]
}
