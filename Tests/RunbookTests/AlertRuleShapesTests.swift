// Alert rule files in the shapes real repositories keep them: templates named as such (`.tpl`,
// `.tmpl`, `.j2`), JSON, charts whose other templates hold no alert, file names that are not UTF-8,
// browser URLs of a branch whose name holds `/`, playbooks instead of runbooks, and inputs of odd
// shape or size that must neither crash nor hang.

import Foundation
import Glibc
import Testing

@Suite struct AlertRuleShapesTests {
    static func write(_ files: [String: String], in dir: URL) throws {
        for (name, text) in files {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    static let page = "# Page\n\n## Meaning\n\nText.\n\n## Mitigation\n\nRestart it.\n"

    /// A chart keeps its rule groups in a file named as a template (`src/alerts.yaml.tpl` read with
    /// `tpl (.Files.Get …)`, a `_rules.tpl` helper of `define` blocks, Terraform's `.tmpl`): it is a
    /// template by its name, so it is counted in the RB025 note (never a YAML error, even named on the
    /// command line) and its alert names count for RB024. A `.tpl` helper without alerts is no rule file.
    @Test func rulesInFilesNamedAsTemplatesAreCounted() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([
            "chart/src/alerts.yaml.tpl": """
                ---
                groups:
                  - name: "storage_alerts"
                    rules:
                {{- with .Values.monitoring.rules }}
                {{- if not .disabled.StoreRequestErrors }}
                      - alert: "StoreRequestErrors"
                        annotations:
                          summary: |
                            {{`{{`}} $labels.job {{`}}`}} has errors.
                        expr: sum(rate(errors[{{ .lookback }}])) > {{ .threshold }}
                {{- end }}
                      - alert: StorePanics
                        expr: panics > 0
                {{- end }}

                """,
            "chart/templates/_helpers.tpl": "{{- define \"store.name\" -}}\n{{ .Chart.Name }}\n{{- end }}\n",
            "chart/templates/_rules.tpl": """
                {{- define "store.extraRules" }}
                - alert: StoreCompactionLag
                  expr: lag > 100
                {{- end }}

                """,
            "deploy/node.rules.tmpl": """
                groups:
                - name: nodes
                  rules:
                %{ for node in nodes ~}
                  - alert: NodeDown${node.name}
                    expr: up{instance="${node.address}"} == 0
                %{ endfor ~}

                """,
            "runbooks/Store.md": "---\nseverity: P2\nowner: t\ntriggers: [{alert: StoreRequestErrors}, {alert: StoreCompactionLag}, {alert: NodeDownWeb1}, {alert: StoreGone}]\n---\n# Store\n\n## Mitigation\n\nRestart it.\n",
        ], in: dir)
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "chart", "--alerts", "deploy", "--no-git", "--no-shellcheck", "--format", "concise"],
                                      in: dir.path)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("chart/src/alerts.yaml.tpl:7:16: info[RB025] 1 rule file in chart/src is a template (named `.tpl`), not YAML: its 2 alerts are not checked"),
                "\(run.stdout)")
        #expect(lines.contains { $0.hasPrefix("chart/templates/_rules.tpl:2:10: info[RB025] 1 rule file in chart/templates is a template") && $0.contains("its 1 alert is not checked") },
                "\(run.stdout)")
        #expect(lines.contains { $0.hasPrefix("deploy/node.rules.tmpl:") && $0.contains("(named `.tmpl`)") }, "\(run.stdout)")
        // Only the trigger no file defines: the rendered `NodeDown${node.name}` matches `NodeDownWeb1`.
        #expect(lines.filter { $0.contains("RB024") }.map { $0.split(separator: "`")[1] } == ["StoreGone"], "\(run.stdout)")
        #expect(!run.stdout.contains("RB1001") && !run.stdout.contains("_helpers.tpl"), "\(run.stdout)")
        #expect(lines.count == 4, "\(run.stdout)")

        let named = try TestSupport.rbc(["check", "runbooks", "--alerts", "chart/src/alerts.yaml.tpl", "--no-git", "--no-shellcheck", "--format", "concise"], in: dir.path)
        #expect(named.stdout.contains("info[RB025] 1 rule file in chart/src is a template (named `.tpl`)"), "\(named.stdout)")
        #expect(!named.stdout.contains("RB1001"), "a file named as a template is one: \(named.stdout)")

        // `rbc init` finds them too and says why they are templates.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("deploy"))
        let initialised = try TestSupport.rbc(["init", "--stdout"], in: dir.path)
        #expect(initialised.stdout.contains("# Alert rules: none read. These rule files (3 alerts) are templates, not YAML\n# (`{{ … }}` lines outside YAML values, as Helm writes them, or named `.tpl`):"),
                "\(initialised.stdout)")
        #expect(initialised.stdout.contains("#   chart  2 files"), "\(initialised.stdout)")
    }

    /// A Helm chart's rule templates are read in place: action lines (`{{- if }}`, `{{- include … }}`,
    /// a `{{- /* … */}}` comment over lines) are blanked and values that start with `{{` kept from
    /// reading as YAML flow mappings, with the file's own lines and columns. A link takes the chart's
    /// default for `{{ .Values.x }}` (`values.yaml` beside `Chart.yaml`) and the text of a Go raw
    /// string (`{{`…`}}`); a rule kept alone in a file (`alert:` at the top, gathered by
    /// `.Files.Glob`) names itself through the file's `$alert := "…"`. An alert without a runbook link
    /// is reported only when no action that writes text (`{{ toYaml $extra | indent 8 }}`) could add one.
    @Test func helmTemplatedRulesAreReadInPlace() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([
            "chart/Chart.yaml": "apiVersion: v2\nname: ops\nversion: 1.0.0\n",
            "chart/values.yaml": "rules:\n  enabled: true\n  runbookUrl: https://runbooks.acme.invalid/runbooks\n  extraAnnotations: {}\n",
            "chart/templates/rules.yaml": """
                {{- /*
                Generated from the mixin: edit the mixin, not this file.
                */ -}}
                {{- if .Values.rules.enabled }}
                apiVersion: monitoring.coreos.com/v1
                kind: PrometheusRule
                metadata:
                  name: {{ include "ops.fullname" . }}-rules
                  labels:
                    {{- include "ops.labels" . | nindent 4 }}
                spec:
                  groups:
                  - name: disk
                    rules:
                    - alert: DiskFull
                      annotations:
                        runbook_url: {{ .Values.rules.runbookUrl }}/disk/diskfull
                        description: 'Disk {{`{{ $labels.device }}`}} is full.'
                      expr: disk > 0.9
                    - alert: DiskSlow
                      annotations:
                        runbook_url: '{{`https://runbooks.acme.invalid/runbooks/disk/diskslow?host={{ $labels.host }}`}}'
                      expr: latency > 1
                    - alert: DiskGone
                      expr: absent(disk)
                      labels:
                        severity: warning
                    - alert: DiskNoisy
                      expr: rate(errors[5m]) > 1
                      annotations:
                {{- with .Values.rules.extraAnnotations }}
                {{ toYaml . | indent 8 }}
                {{- end }}
                        summary: noisy
                {{- end }}

                """,
            "chart/rules/ha.yaml": """
                {{- $alert := "ClusterHACritical" -}}
                {{- if not (has $alert .excludeRules) -}}
                alert: {{ $alert }}
                annotations:
                  summary: no standby
                  runbook_url: runbooks/disk/ClusterHACritical.md
                expr: |
                  replicas{namespace="{{ .namespace }}"} < 1
                labels:
                  severity: critical
                  namespace: {{ .namespace }}
                {{- range $key, $val := .additionalLabels }}
                  {{ $key }}: {{ $val | toString | quote }}
                {{- end }}
                {{- end -}}

                """,
            "runbooks/disk/DiskFull.md": "---\nseverity: P2\nowner: t\ntriggers: [{alert: DiskFull}, {alert: ClusterHACritical}, {alert: DiskMissing}]\n---\n# Disk full\n\n## Mitigation\n\nRestart it.\n",
            "runbooks/disk/DiskSlow.md": Self.page,
            ".rbc.yaml": "alerts:\n  runbook_urls:\n    - base_url: \"https://runbooks.acme.invalid/runbooks/\"\n      directory: runbooks\n",
        ], in: dir)
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "chart", "--no-git", "--no-shellcheck", "--format", "concise"], in: dir.path)
        let lines = run.stdout.split(separator: "\n").map(String.init).filter { $0.contains("[RB02") }
        #expect(lines.sorted() == [
            "chart/rules/ha.yaml:6:16: error[RB023] runbook_url of alert `ClusterHACritical` is dead: no runbook at runbooks/disk/ClusterHACritical.md under .",
            "chart/templates/rules.yaml:24:14: error[RB022] alert `DiskGone` has no `runbook_url` or `runbook` annotation",
            "runbooks/disk/DiskFull.md:4:67: warning[RB024] trigger names alert `DiskMissing`, which no alerting rule defines",
        ], "\(run.stdout)")
        #expect(run.status == 1)

        // Without a default for the value the link waits for Helm: one note per value, not per alert.
        try Self.write(["chart/values.yaml": "rules:\n  enabled: true\n"], in: dir)
        let unset = try TestSupport.rbc(["check", "runbooks", "--alerts", "chart", "--no-git", "--no-shellcheck", "--format", "concise"], in: dir.path)
        #expect(unset.stdout.contains("info[RB025] runbook link `{{ .Values.rules.runbookUrl }}/…` is a template another tool fills: not checked (1 alert)"), "\(unset.stdout)")
    }

    /// A chart's other templates (a DaemonSet, a Service) in the same directory as its templated
    /// PrometheusRule hold no alert: the note counts the one rule file, not the directory's templates,
    /// and points at it rather than at the first template in the directory. (The rule file does not
    /// parse even with its actions blanked: both branches of its `{{ if }}` write `severity`.)
    @Test func templatesWithoutAlertsAreNoRuleFiles() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([
            "chart/templates/daemonset.yaml": "{{- $top := . }}\napiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: {{ include \"x.name\" . }}\n",
            "chart/templates/service.yaml": "{{- if .Values.service.enabled }}\napiVersion: v1\nkind: Service\n{{- end }}\n",
            "chart/templates/prometheusrule.yaml": """
                {{- if .Values.rules.enabled }}
                apiVersion: monitoring.coreos.com/v1
                kind: PrometheusRule
                spec:
                  groups:
                    - name: disks
                      rules:
                        - alert: DiskFailing
                          expr: smart_failed > 0
                          labels:
                {{- if .Values.rules.critical }}
                            severity: critical
                {{- else }}
                            severity: warning
                {{- end }}
                {{- end }}

                """,
            "runbooks/Disk.md": Self.page,
        ], in: dir)
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "chart", "--no-git", "--no-shellcheck", "--format", "concise"], in: dir.path)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines == ["chart/templates/prometheusrule.yaml:8:18: info[RB025] 1 rule file in chart/templates is a template (`{{ … }}` lines outside YAML values, as Helm writes them), not YAML: its 1 alert is not checked"],
                "\(run.stdout)")
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    }

    /// Rules kept as JSON (YAML's subset: rule files compiled from Jsonnet) are read from a rule
    /// directory, beside the mixin's dashboards, which are no rule files.
    @Test func jsonRuleFilesInADirectoryAreRead() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([
            "mixin/out/alerts.json": #"{"groups": [{"name": "g", "rules": [{"alert": "QueueFull", "expr": "q > 1", "annotations": {"runbook_url": "../../runbooks/QueueFull.md"}}, {"alert": "QueueStuck", "expr": "q > 2", "annotations": {"runbook_url": "../../runbooks/QueueStuck.md"}}]}]}"#,
            "mixin/out/dashboard.json": #"{"title": "Queue", "panels": [{"alert": {"name": "legacy"}, "targets": []}]}"#,
            "mixin/out/broken.json": #"{"title": "half a dashboard", "panels": ["#,
            "runbooks/QueueFull.md": Self.page,
        ], in: dir)
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "mixin", "--no-git", "--no-shellcheck", "--format", "concise"], in: dir.path)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 1, "\(run.stdout)")
        #expect(lines.first?.contains("error[RB023] runbook_url of alert `QueueStuck` is dead") == true, "\(run.stdout)")
        #expect(run.status == 1)
    }

    /// A browser URL of this repository on a branch whose name holds `/` (`blob/release/1.2/…`) at a
    /// page the repository lacks: `rbc init` maps the whole ref, so `rbc check` reports the dead
    /// links (RB023) instead of taking github.com for another site (RB026).
    @Test func ownBrowserURLsOfABranchWithASlashAreThisRepository() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rules = "groups:\n  - name: g\n    rules:\n"
        for name in ["HighErrors", "HighCost"] {
            rules += "      - alert: \(name)\n        expr: up == 0\n        annotations:\n          runbook_url: https://github.com/acme/ops/blob/release/1.2/docs/runbooks/\(name).md\n"
        }
        try Self.write(["ops/docs/runbooks/app/HighErrors.md": Self.page, "ops/docs/runbooks/app/HighCost.md": Self.page, "ops/rules/all.yaml": rules], in: dir)
        let own = dir.appendingPathComponent("ops").path
        let initialised = try TestSupport.rbc(["init"], in: own)
        #expect(initialised.status == 0, "\(initialised.stderr)")
        let configuration = try String(contentsOfFile: own + "/.rbc.yaml", encoding: .utf8)
        #expect(configuration.contains("""
                # 2 links; 0 name a runbook under ./; 2 name pages this repository lacks (its own browser URLs: dead links)
                - base_url: "https://github.com/acme/ops/blob/release/1.2/"
                  directory: "."
            """), "\(configuration)")
        let run = try TestSupport.rbc(["check", "--no-git", "--no-shellcheck", "--format", "concise"], in: own)
        #expect(run.stdout.split(separator: "\n").filter { $0.contains("error[RB023]") && $0.contains("no runbook at docs/runbooks/High") }.count == 2, "\(run.stdout)")
        #expect(!run.stdout.contains("RB026"), "\(run.stdout)")
    }

    /// Without `rbc init`, a rule linking a page of this very repository by its browser URL
    /// (`https://github.com/acme/ops/blob/main/runbooks/X.md`, the checkout's `origin` in `.git/config`)
    /// has the link checked against the checkout: a missing page is RB023, not a site noted by RB026.
    /// Another repository's browser URLs, and `tree/` links to a directory, stay RB026 notes.
    @Test func ownBrowserURLsAreCheckedWithoutInit() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rules = "groups:\n  - name: g\n    rules:\n"
        for (name, link) in [("Present", "https://github.com/acme/ops/blob/main/runbooks/Present.md#mitigation"),
                             ("Missing", "https://github.com/Acme/ops/blob/main/runbooks/Missing.md"),
                             ("Directory", "https://github.com/acme/ops/tree/main/runbooks"),
                             ("Elsewhere", "https://github.com/acme/other/blob/main/runbooks/Present.md")] {
            rules += "      - alert: \(name)\n        expr: up == 0\n        annotations:\n          runbook_url: \(link)\n"
        }
        try Self.write(["ops/runbooks/Present.md": Self.page, "ops/rules/all.yaml": rules,
                        "ops/.git/config": "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = git@github.com:acme/ops.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n"], in: dir)
        let own = dir.appendingPathComponent("ops").path
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "rules", "--no-git", "--no-shellcheck", "--format", "concise"], in: own)
        #expect(run.stdout.split(separator: "\n").map(String.init) == [
            "rules/all.yaml:11:24: error[RB023] runbook_url of alert `Missing` is dead: no runbook at runbooks/Missing.md under .",
            "rules/all.yaml:15:24: info[RB026] runbook links to https://github.com point outside this repository: not checked (2 alerts)",
        ], "\(run.stdout)\(run.stderr)")
        #expect(run.status == 1)
    }

    /// A team whose runbooks are called playbooks links them from a `playbook` annotation: `rbc init`
    /// reads that annotation, so the links are checked (one page is missing: RB023) instead of every
    /// alert being one without a runbook. Without `.rbc.yaml`, RB022 says which annotation to read.
    @Test func playbookAnnotationsAreLearnedByInit() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rules = "groups:\n- name: g\n  rules:\n"
        for (alert, page) in [("DiskFull", "disk-full"), ("CPUHigh", "cpu-high"), ("MemHigh", "mem-high")] {
            rules += "  - alert: \(alert)\n    expr: up == 0\n    annotations:\n      playbook: playbooks/\(page).md\n      playbook_owner: the storage team\n"
        }
        try Self.write(["playbooks/disk-full.md": Self.page, "playbooks/cpu-high.md": Self.page, "rules/a.yaml": rules], in: dir)
        let unconfigured = try TestSupport.rbc(["check", "playbooks", "--alerts", "rules", "--no-git", "--no-shellcheck", "--format", "text"], in: dir.path)
        #expect(unconfigured.stdout.contains("it links `playbook`: if that is its runbook, read it with `alerts: {annotations: [runbook_url, runbook, playbook]}` in .rbc.yaml"),
                "\(unconfigured.stdout)")
        let initialised = try TestSupport.rbc(["init", "--stdout"], in: dir.path)
        #expect(initialised.stdout.contains("  annotations: [\"playbook\"]\n"), "\(initialised.stdout)")
        _ = try TestSupport.rbc(["init"], in: dir.path)
        let run = try TestSupport.rbc(["check", "--no-git", "--no-shellcheck", "--format", "concise"], in: dir.path)
        let lines = run.stdout.split(separator: "\n").map(String.init).filter { $0.contains("[RB02") }
        #expect(lines == ["rules/a.yaml:17:17: error[RB023] playbook of alert `MemHigh` is dead: no runbook at playbooks/mem-high.md under ."], "\(run.stdout)")
    }

    /// A file or directory whose name is not UTF-8 (Latin-1 from an old system) cannot be opened by a
    /// Unicode path: the walk says so (RB0008, a warning) instead of reporting a file that does not
    /// exist (RB0001, exit 2) or skipping the directory silently. The rest is checked as usual, and a
    /// name met by both the runbook and the rule walk is said once.
    @Test func namesThatAreNotUTF8AreSaidNotSkipped() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([
            "runbooks/ok.md": "---\nseverity: P2\nowner: t\n---\n# Disk\n\n## Mitigation\n\nRestart it.\n",
            "runbooks/rules/ok.yaml": "groups:\n- name: g\n  rules:\n  - alert: Ok\n    expr: up\n    annotations:\n      runbook_url: ../ok.md\n",
        ], in: dir)
        // Foundation's paths are Unicode: such names are made with the C calls, from bytes.
        func create(_ components: [[UInt8]], directory: Bool, text: String = "") {
            let path = (Array(dir.path.utf8) + components.flatMap { [UInt8(ascii: "/")] + $0 }).map { CChar(bitPattern: $0) } + [0]
            if directory {
                #expect(mkdir(path, 0o755) == 0)
            } else {
                let descriptor = open(path, O_CREAT | O_WRONLY, 0o644)
                #expect(descriptor >= 0)
                let bytes = Array(text.utf8)
                #expect(Glibc.write(descriptor, bytes, bytes.count) == bytes.count)
                close(descriptor)
            }
        }
        let latin = Array("caf".utf8) + [0xE9]
        create([Array("runbooks".utf8), latin + Array(".md".utf8)], directory: false, text: "# Caf\n\n## Mitigation\n\nx\n")
        create([Array("runbooks".utf8), latin + Array(".png".utf8)], directory: false)
        create([Array("runbooks".utf8), latin], directory: true)
        create([Array("runbooks".utf8), latin, Array("inner.md".utf8)], directory: false, text: "# Inner\n")
        create([Array("runbooks".utf8), Array("rules".utf8), Array("r".utf8) + [0xE9] + Array(".yaml".utf8)], directory: false, text: "groups: []\n")

        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "runbooks/rules", "--no-git", "--no-shellcheck", "--format", "concise"], in: dir.path)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.sorted() == [
            #"runbooks/caf\xE9.md: warning[RB0008] file name is not UTF-8: runbooks/caf\xE9.md is not read"#,
            #"runbooks/caf\xE9: warning[RB0008] directory name is not UTF-8: runbooks/caf\xE9 is not read, nor anything in it"#,
            #"runbooks/rules/r\xE9.yaml: warning[RB0008] file name is not UTF-8: runbooks/rules/r\xE9.yaml is not read"#,
        ].sorted(), "\(run.stdout)")
        #expect(!run.stdout.contains("RB0001") && !run.stdout.contains(".png"), "\(run.stdout)")
        #expect(run.status == 0, "a warning: \(run.stdout)\(run.stderr)")
        let strict = try TestSupport.rbc(["check", "runbooks", "--no-git", "--no-shellcheck", "--strict", "--format", "concise"], in: dir.path)
        #expect(strict.status == 1, "\(strict.stdout)")
    }

    /// A rule file named by one character in the working directory (`--alerts a`) is a path like any
    /// other: its links are looked up from `.` (Foundation's path arithmetic traps on such a name).
    @Test func aRuleFileWithAOneCharacterName() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([
            "a": "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    annotations:\n      runbook_url: runbooks/missing.md\n",
            "runbooks/x.md": "---\nseverity: P2\n---\n# X\n\n## Mitigation\n\nRestart it.\n",
        ], in: dir)
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "a", "--no-git", "--no-shellcheck", "--format", "concise"], in: dir.path)
        #expect(run.stdout.split(separator: "\n").map(String.init) == ["a:7:20: error[RB023] runbook_url of alert `A` is dead: no runbook at runbooks/missing.md under ."],
                "\(run.stdout)\(run.stderr)")
        #expect(run.status == 1)
    }

    /// Rule groups kept in a Helm chart's values (kube-prometheus-stack's `additionalPrometheusRulesMap`,
    /// the prometheus chart's `serverFiles: {alerting_rules.yml: …}`, a chart's `prometheusRule.rules`
    /// list, a mapping of named rules, a Loki ruler's rule file kept as text) are read wherever they
    /// sit: a rule is a mapping with `alert` and `expr`, or an item of a `groups[].rules` list. So are
    /// a `HelmRelease`'s `spec.values`. Other YAML (an Alertmanager route, RBAC `rules`, recording
    /// rules, a chart's unit test that sets rules) is none. A rule under `enabled:
    /// false` (a chart's example, loaded by no default) counts for triggers and its link is checked,
    /// but having no runbook is not reported.
    @Test func rulesInChartValuesAreRead() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([
            "deploy/values.yaml": """
                alertmanager:
                  config:
                    route:
                      receiver: "null"
                    receivers:
                      - name: "null"
                rbac:
                  rules:
                    - apiGroups: [""]
                      resources: [pods]
                      verbs: [get]
                additionalPrometheusRulesMap:
                  api-rules:
                    groups:
                      - name: api
                        rules:
                          - alert: ApiHighLatency
                            expr: latency > 1
                            annotations:
                              runbook_url: runbooks/HighLatency.md
                          - record: job:latency:rate5m
                            expr: rate(latency[5m])
                prometheus:
                  serverFiles:
                    alerting_rules.yml:
                      groups:
                        - name: queue
                          rules:
                            - alert: QueueBacklog
                              expr: backlog > 100
                              labels:
                                severity: warning
                exporter:
                  prometheusRule:
                    enabled: true
                    rules:
                      - alert: ExporterDown
                        expr: up == 0
                        annotations:
                          runbook_url: runbooks/ExporterDown.md
                  smartRules:
                    deviceErrors:
                      enabled: true
                      alert: DeviceMediaErrors
                      expr: media_errors != 0
                      annotations:
                        runbook_url: runbooks/QueueFull.md
                examples:
                  rules:
                    enabled: false
                    additionalRules:
                      - alert: ExampleDiskFull
                        expr: disk > 0.9
                      - alert: ExampleDiskGone
                        expr: absent(disk)
                        annotations:
                          runbook_url: runbooks/DiskGone.md
                loki:
                  ruler:
                    directories:
                      tenant_a:
                        rules.yaml: |
                          groups:
                            - name: logs
                              rules:
                                - alert: LogErrors
                                  expr: sum(rate({app="api"} |= "error" [5m])) > 10

                """,
            // A Flux `HelmRelease` holds values under `spec.values`.
            "deploy/release.yaml": """
                apiVersion: helm.toolkit.fluxcd.io/v2
                kind: HelmRelease
                metadata:
                  name: api
                spec:
                  chart:
                    spec:
                      chart: api
                  values:
                    prometheusRule:
                      rules:
                        - alert: ReleaseAlert
                          expr: up == 0
                          annotations:
                            runbook_url: runbooks/Release.md

                """,
            // Values kept in a directory of values, under any name.
            "deploy/values/loki.yaml": "loki:\n  rules:\n    - alert: LokiValuesAlert\n      expr: up == 0\n      annotations:\n        runbook_url: runbooks/QueueFull.md#nowhere\n",
            // A chart's unit test sets rules and asserts them: no Prometheus loads them.
            "deploy/tests/rules_test.yaml": """
                suite: rules
                templates: [prometheusrule.yaml]
                tests:
                  - it: renders extra rules
                    set:
                      prometheusRule:
                        rules:
                          - alert: UnitTestAlert
                            expr: vector(1)
                    asserts:
                      - contains:
                          path: spec.groups[0].rules
                          content:
                            alert: UnitTestAlert
                            expr: vector(1)

                """,
            "runbooks/HighLatency.md": Self.page,
            "runbooks/QueueFull.md": Self.page,
            "runbooks/Disk.md": "---\nseverity: P2\nowner: t\ntriggers: [{alert: ExampleDiskFull}, {alert: LogErrors}, {alert: Nowhere}]\n---\n# Disk\n\n## Mitigation\n\nRestart it.\n",
        ], in: dir)
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "deploy", "--no-git", "--no-shellcheck", "--format", "concise"], in: dir.path)
        let lines = run.stdout.split(separator: "\n").map(String.init).sorted()
        #expect(lines == [
            "deploy/release.yaml:15:26: error[RB023] runbook_url of alert `ReleaseAlert` is dead: no runbook at runbooks/Release.md under .",
            "deploy/values.yaml:29:22: error[RB022] alert `QueueBacklog` has no `runbook_url` or `runbook` annotation",
            "deploy/values.yaml:40:24: error[RB023] runbook_url of alert `ExporterDown` is dead: no runbook at runbooks/ExporterDown.md under .",
            "deploy/values.yaml:57:24: error[RB023] runbook_url of alert `ExampleDiskGone` is dead: no runbook at runbooks/DiskGone.md under .",
            "deploy/values.yaml:66:26: error[RB022] alert `LogErrors` has no `runbook_url` or `runbook` annotation",
            "deploy/values/loki.yaml:6:22: warning[RB034] runbook_url of alert `LokiValuesAlert` links `#nowhere`, which no heading of runbooks/QueueFull.md has: the page opens at its top",
            "runbooks/Disk.md:4:66: warning[RB024] trigger names alert `Nowhere`, which no alerting rule defines",
        ], "\(run.stdout)\(run.stderr)")
        #expect(run.status == 1)
    }

    /// A chart that builds its links with `printf` of literals, chart values with a default and the
    /// file's own `$name := "…"` has them filled as Helm would (`%s`, `%v`, `%%` only), so they are
    /// checked; one whose parts are not known (a value without a default, another verb) is an RB025
    /// note, one for every alert that differs only in a literal part, not one per alert.
    @Test func helmPrintfLinksAreFilledWhenExact() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([
            "chart/Chart.yaml": "apiVersion: v2\nname: ops\nversion: 1.0.0\n",
            "chart/values.yaml": "runbooks:\n  base: runbooks\nsite: {}\n",
            "chart/templates/rules.yaml": """
                {{- $alert := "VarAlert" }}
                {{- if .Values.rules }}
                apiVersion: monitoring.coreos.com/v1
                kind: PrometheusRule
                spec:
                  groups:
                    - name: a
                      rules:
                        - alert: Present
                          expr: up == 0
                          annotations:
                            runbook_url: {{ printf "%s/%s.md" .Values.runbooks.base "Present" }}
                        - alert: Gone
                          expr: up == 0
                          annotations:
                            runbook_url: '{{ printf "%s/%v.md" $.Values.runbooks.base "Gone" }}'
                        - alert: VarAlert
                          expr: up == 0
                          annotations:
                            runbook_url: "{{ printf \\\"%s/%s.md\\\" .Values.runbooks.base $alert }}"
                        - alert: SiteA
                          expr: up == 0
                          annotations:
                            runbook_url: {{ printf "%s/%s" .Values.site.url "SiteA" }}
                        - alert: SiteB
                          expr: up == 0
                          annotations:
                            runbook_url: {{ printf "%s/%s" .Values.site.url "SiteB" }}
                        - alert: Numbered
                          expr: up == 0
                          annotations:
                            runbook_url: {{ printf "%s/%d.md" .Values.runbooks.base 5 }}
                {{- end }}

                """,
            "runbooks/Present.md": Self.page,
            "runbooks/VarAlert.md": Self.page,
        ], in: dir)
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "chart", "--no-git", "--no-shellcheck", "--format", "concise"], in: dir.path)
        #expect(run.stdout.split(separator: "\n").map(String.init) == [
            "chart/templates/rules.yaml:16:26: error[RB023] runbook_url of alert `Gone` is dead: no runbook at runbooks/Gone.md under .",
            "chart/templates/rules.yaml:24:26: info[RB025] runbook link `{{ printf \"%s/%s\" .Values.site.url … }}` is a template another tool fills: not checked (2 alerts)",
            "chart/templates/rules.yaml:32:26: info[RB025] runbook link `{{ printf \"%s/%d.md\" .Values.runbooks.base 5 }}` is a template another tool fills: not checked (1 alert)",
        ], "\(run.stdout)\(run.stderr)")
        #expect(run.status == 1)
    }

    /// Grafana's alert rules exported as JSON (`title`, `condition`, `data`; no `alert` key) are read
    /// from a directory, their `runbook_url` checked like any other.
    @Test func grafanaRulesExportedAsJSONAreRead() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([
            "grafana/alerting/api.json": #"{"apiVersion": 1, "groups": [{"orgId": 1, "name": "api", "folder": "ops", "interval": "1m", "rules": [{"uid": "a1", "title": "ApiErrors", "condition": "C", "data": [{"refId": "A", "model": {"expr": "errors"}}], "annotations": {"runbook_url": "runbooks/ApiErrors.md"}}, {"uid": "a2", "title": "ApiSlow", "condition": "C", "data": [], "annotations": {"runbook_url": "runbooks/QueueFull.md"}}]}]}"#,
            "grafana/dashboards/api.json": #"{"title": "API", "panels": [{"title": "errors", "targets": [{"expr": "errors"}]}]}"#,
            "runbooks/QueueFull.md": Self.page,
        ], in: dir)
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "grafana", "--no-git", "--no-shellcheck", "--format", "concise"], in: dir.path)
        #expect(run.stdout.split(separator: "\n").map(String.init)
                    == [#"grafana/alerting/api.json:1:243: error[RB023] runbook_url of alert `ApiErrors` is dead: no runbook at runbooks/ApiErrors.md under ."#],
                "\(run.stdout)\(run.stderr)")
        #expect(run.status == 1)
    }

    /// Alert rule files of every odd shape — wrong types where lists and mappings belong, many
    /// documents, a `kind: List` of odd items, a link of 400 KB, a nesting 50,000 deep, 30,000 alerts
    /// linking one page at as many anchors — end with findings or nothing, never a crash or a hang.
    @Test func oddAlertFileShapesNeitherCrashNorHang() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var many = "groups:\n- name: g\n  rules:\n"
        for index in 0..<30_000 { many += "  - alert: A\(index)\n    expr: up\n    annotations:\n      runbook_url: ../runbooks/ok.md#section-\(index)\n" }
        try Self.write([
            "runbooks/ok.md": "# OK\n\n## Mitigation\n\nRestart it.\n",
            "rules/types.yaml": """
                groups:
                  - name: g
                    rules:
                      - alert: [a, b]
                        expr: up
                      - alert: Typed
                        labels: "text"
                        annotations: [runbook_url]
                      - "a string rule"
                      - alert: MappedLink
                        annotations:
                          runbook_url: {page: ok.md}
                  - "a string group"
                  - name: h
                    rules: {a: b}
                ---
                groups: text
                ---
                spec:
                  groups: 5
                ---
                - 1
                ---
                kind: List
                items: text
                ---
                kind: List
                items:
                  - kind: ConfigMap
                    data: 5
                  - data: {a: 5, b: [1]}

                """,
            "rules/deep.yaml": "groups: " + String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000) + "\n",
            "rules/long.yaml": "groups:\n- name: g\n  rules:\n  - alert: Long\n    annotations:\n      runbook_url: " + String(repeating: "a/", count: 200_000) + "x.md\n",
            "rules/many.yaml": many,
        ], in: dir)
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "rules", "--no-git", "--no-shellcheck", "--format", "concise"], in: dir.path)
        #expect(run.status == 1, "\(run.stdout.prefix(2000))\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("RB023") && $0.contains("`Long`") && $0.count < 1_000 }, "\(run.stdout.prefix(2000))")
        #expect(lines.contains { $0.contains("RB022") && $0.contains("`Typed`") }, "\(run.stdout.prefix(2000))")
        // The 30,000 anchors name no heading of a page that exists: one warning for the file, no dead link.
        let manyLines = lines.filter { $0.hasPrefix("rules/many.yaml:") }
        #expect(manyLines.count == 1 && manyLines[0].contains("warning[RB034]") && manyLines[0].contains("all 30000 alerts"), "\(manyLines.prefix(3))")
    }
}
