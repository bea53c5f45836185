// Alert ↔ runbook coverage: every alerting rule links a runbook, every link that points into this
// repository resolves (anchor included), and every runbook trigger names an alert that exists.
// The same reading of the rules gives runbooks without a `severity` the severity of their alerts.

import Foundation
import RunbookLint
import RunbookSema
import RunbookSource
import RunbookSyntax

/// A published runbook site mapped back to the directory it is built from.
public struct RunbookURLMapping: Sendable, Equatable {
    public let baseURL: String
    /// Absolute path of the directory.
    public let directory: String

    public init(baseURL: String, directory: String) {
        self.baseURL = baseURL
        self.directory = directory
    }
}

/// How this repository's alert rules link runbooks: `alerts:` in `.rbc.yaml`.
public struct AlertSettings: Sendable {
    public static let defaultAnnotations = ["runbook_url", "runbook"]
    /// Prometheus' common `severity` values and GitLab's `s1`–`s4`.
    public static let defaultSeverityLevels: [String: StepSeverity] = [
        "critical": .p1, "page": .p1, "error": .p2, "warning": .p2, "info": .p3, "none": .p3,
        "s1": .p0, "s2": .p1, "s3": .p2, "s4": .p3,
    ]

    /// Rule files or directories checked when `--alerts` names none (absolute paths).
    public var rules: [String] = []
    /// Annotations that hold a runbook link, in the order they are read.
    public var annotations = AlertSettings.defaultAnnotations
    /// Published sites mapped to directories of this repository.
    public var links: [RunbookURLMapping] = []
    /// The directory relative links resolve from: the repository root (where `.rbc.yaml` is).
    public var root: String = FileManager.default.currentDirectoryPath
    /// Runbook directories named on the command line (absolute): a link may lead into them too, so
    /// `rbc check ops/runbooks --alerts ops/rules` run from outside a checkout with no `.git` or
    /// `.rbc.yaml` still resolves a rule's `../runbooks/x.md`.
    public var linkBoundaries: [String] = []
    /// The label that carries an alert's severity, and its values mapped to runbook severities.
    public var severityLabel = "severity"
    public var severityLevels = AlertSettings.defaultSeverityLevels

    public init() {}
}

/// Every alerting rule of the rule files, with its runbook link resolved once; coverage findings
/// and severity inference both read it.
public struct AlertIndex: Sendable {
    public struct AlertRule: Sendable {
        public let name: String
        let file: SourceFile
        let nameRange: SourceRange
        let labels: [String: String]
        var link: Link?
        /// Annotation and label keys that look like runbook links (`runbook`, `runbook_url`…), for `rbc init`.
        let runbookKeys: [String]
        var resolution: LinkResolution = .none
        /// Every annotation and label with a text value: the link is chosen again from these when
        /// other annotation names apply, without reading the rule file again.
        let annotationTexts: [String: Link]
        let labelTexts: [String: Link]
        /// Read from a Helm template whose actions may add annotations to this rule when rendered
        /// (`{{- toYaml $extra | nindent 8 }}` inside it): having no runbook link here proves nothing.
        var annotationsMayBeRendered = false
        /// Under a values block switched off (`enabled: false`): a chart's example that no default loads.
        var disabled = false

        /// The link under `annotations`, in their order: annotations first, then labels (some
        /// generators, GitLab's, put the runbook in a label).
        static func link(_ annotations: [String], annotationTexts: [String: Link], labelTexts: [String: Link]) -> Link? {
            annotations.lazy.compactMap { annotationTexts[$0] ?? labelTexts[$0] }.first
        }

        /// The link as written, before templates are expanded.
        public var linkText: String? { link?.value }
    }

    typealias Link = AlertLink
    typealias LinkResolution = AlertLinkResolution

    public private(set) var alerts: [AlertRule] = []
    public private(set) var diagnostics: [Diagnostic] = []
    /// Rule files written as templates (Helm's `{{- if … }}` lines): not YAML, so not read; RB025 counts them.
    public private(set) var templatedRuleFiles: [TemplatedRuleFile] = []
    /// The rule files that hold at least one alerting rule.
    public private(set) var ruleFiles: [String] = []
    private(set) var settings: AlertSettings
    /// Every file and directory whose bytes, entries or existence the index read (rule files, the
    /// directories walked for them, and what link resolution listed and read): the whole-answer cache
    /// keeps their stat data, so an answer that used the index is reused only while none changed.
    private(set) var reads: [String] = []

    /// Reads and resolves every alerting rule under `paths`.
    public init(paths: [String], settings: AlertSettings) {
        var files: [SourceFile] = []
        var failures: [Diagnostic] = []
        var reads = paths
        var named = Set<String>()
        for path in AlertIndex.alertFiles(paths, diagnostics: &failures, folders: &reads, named: &named) {
            reads.append(path)
            switch SourceLoader.load(path: path, displayPath: LinkResolver.display(path)) {
            case .failed(let diagnostic):
                // A rule directory's JSON is mostly dashboards (a mixin's): one too large or not text is
                // not the rule check's unless it was named.
                if path.lowercased().hasSuffix(".json") && !named.contains(LinkResolver.display(path)) { continue }
                failures.append(diagnostic)
            case .loaded(let file): files.append(file)
            }
        }
        self.init(files: files, named: named, settings: settings)
        diagnostics = failures + diagnostics
        self.reads = reads + self.reads
    }

    /// Reads and resolves every alerting rule of files already loaded (`rbc init` has read them).
    /// `named` holds the files named themselves (not found in a directory): those are the rule
    /// check's whatever they hold, so their syntax errors are always reported.
    public init(files: [SourceFile], named: Set<String> = [], settings: AlertSettings) {
        self.settings = settings
        var charts: [String: ChartValues?] = [:]
        for file in files {
            let read = AlertIndex.read(file, named: named.contains(file.path), settings: settings, diagnostics: &diagnostics,
                                       templates: &templatedRuleFiles, charts: &charts)
            if !read.isEmpty { ruleFiles.append(file.path) }
            alerts += read
        }
        // A chart's values fill its links: a change to them changes the answer.
        reads += Set(charts.values.compactMap { $0?.path }).sorted()
        resolveLinks()
    }

    /// The same rules under other settings (annotation names, site mappings): links are chosen and
    /// resolved again, nothing is read or parsed again.
    public func resolved(with settings: AlertSettings) -> AlertIndex {
        var index = self
        index.settings = settings
        index.alerts = alerts.map { alert in
            var alert = alert
            alert.link = AlertRule.link(settings.annotations, annotationTexts: alert.annotationTexts, labelTexts: alert.labelTexts)
            alert.resolution = .none
            return alert
        }
        index.resolveLinks()
        return index
    }

    private mutating func resolveLinks() {
        var resolver = LinkResolver(settings: settings)
        for index in alerts.indices {
            guard let link = alerts[index].link else { continue }
            alerts[index].resolution = resolver.resolve(link.value, labels: alerts[index].labels, ruleFile: alerts[index].file.path)
        }
        reads += resolver.reads
    }

    /// The Markdown pages of this repository that alert links resolve to (absolute, standardised paths).
    public var linkedPages: Set<String> {
        Set(alerts.compactMap { $0.resolution.runbook }.filter(Compiler.isMarkdown))
    }

    /// The severity of the most severe alert whose runbook link resolves to `path`, if any is mapped.
    public func severity(forRunbookAt path: String) -> InferredSeverity? {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var best: InferredSeverity?
        for alert in alerts where alert.resolution.runbook == absolute {
            guard let label = alert.labels[settings.severityLabel], let severity = settings.severityLevels[label.lowercased()] else { continue }
            let candidate = InferredSeverity(severity, source: SeveritySourceIR(kind: .alertRule, from: alert.name, label: label, file: alert.file.path))
            if let current = best, !(severity.rank < current.severity.rank) { continue }
            best = candidate
        }
        return best
    }

    /// An alerting rule as a coverage table shows it: where it is defined and where its link leads.
    public struct CoverageEntry: Sendable, Equatable {
        public enum Link: Sendable, Equatable {
            /// No runbook annotation (RB022).
            case missing
            /// A runbook of this repository (absolute, standardised path).
            case runbook(String)
            /// Points into this repository at nothing (RB023), with the reason.
            case dead(String)
            /// A template no label fills, or a site outside every mapping: not checked (RB025, RB026).
            case unchecked
        }

        public let alert: String
        public let file: String
        public let line: Int
        public let linkText: String?
        public let link: Link
    }

    /// Every alerting rule with its link resolved, in rule-file order.
    public var entries: [CoverageEntry] {
        alerts.map { alert in
            let link: CoverageEntry.Link = switch alert.resolution {
            case .none: alert.link == nil && !alert.annotationsMayBeRendered ? .missing : .unchecked
            case .placeholder: .missing
            case .resolved(let path): .runbook(path)
            case .missingAnchor(_, let shown, let anchor): .dead("\(shown) has no heading for `#\(anchor)`")
            case .dead(let problem): .dead(problem)
            case .unresolvable, .external, .outsideRepository: .unchecked
            }
            return CoverageEntry(alert: alert.name, file: alert.file.path, line: alert.file.lineColumn(of: alert.nameRange.start).line,
                                 linkText: alert.linkText, link: link)
        }
    }

    /// The alerts a runbook's triggers name that no alerting rule defines (RB024).
    public func unknownTriggerAlerts(_ ir: RunbookIR) -> [String] {
        let names = AlertNames(alerts.map(\.name) + templatedRuleFiles.flatMap(\.alertNames))
        return ir.runbook.triggers.compactMap(\.alert).filter { !names.contains($0) }
    }

    /// Coverage findings (RB022–RB026), each decided by its `AlertCoverageRule`, after the rule files' own read errors.
    public func coverage(runbooks: [CompilationResult], lint: LintConfiguration) -> [Diagnostic] {
        var diagnostics = self.diagnostics
        let context = Coverage(alerts: alerts.map { alert in
                                   CoveredAlert(name: alert.name, file: alert.file, nameRange: alert.nameRange, link: alert.link, resolution: alert.resolution,
                                                documentationAnnotations: alert.annotationTexts.filter { CoveredAlert.namesDocumentation($0.key) && AlertIndex.looksLikeLink($0.value.value) }
                                                    .keys.sorted(),
                                                annotationsMayBeRendered: alert.annotationsMayBeRendered, disabled: alert.disabled)
                               },
                               templatedRuleFiles: templatedRuleFiles,
                               annotations: settings.annotations,
                               runbooks: runbooks.compactMap { result in result.ir.flatMap { ir in result.file.map { CoveredRunbook(ir: ir, file: $0) } } })
        for rule in RuleRegistry.alertCoverageRules {
            let code = type(of: rule).description.code
            for placed in rule.check(context) {
                let finding = placed.finding
                diagnostics.append(Diagnostic(code, finding.message, severity: finding.severity, file: placed.file, range: finding.range,
                                              help: finding.help, notes: finding.notes, fix: finding.fix))
            }
        }
        return Linter.configure(diagnostics, configuration: lint)
    }

    /// Whether an annotation's text is a link (a URL, or a path such as `playbooks/disk-full.md`), not a sentence.
    static func looksLikeLink(_ text: String) -> Bool {
        guard !text.isEmpty, !text.contains(where: \.isWhitespace) else { return false }
        return text.contains("://") || text.contains("/") || Compiler.isMarkdown(text.split(separator: "#").first.map(String.init) ?? text)
    }

    struct Coverage: AlertCoverageContext {
        let alerts: [CoveredAlert]
        let templatedRuleFiles: [TemplatedRuleFile]
        let annotations: [String]
        let runbooks: [CoveredRunbook]
    }

    static func alertFiles(_ paths: [String], diagnostics: inout [Diagnostic]) -> [String] {
        var folders: [String] = []
        var named = Set<String>()
        return alertFiles(paths, diagnostics: &diagnostics, folders: &folders, named: &named)
    }

    /// The files under `paths`; `named` receives those named themselves (as `SourceLoader` shows them).
    static func alertFiles(_ paths: [String], diagnostics: inout [Diagnostic], folders: inout [String], named: inout Set<String>) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                diagnostics.append(Diagnostic(.fileNotFound, "no such alert rule file or directory: \(path)", displayPath: path))
                continue
            }
            if !isDirectory.boolValue { named.insert(LinkResolver.display(path)) }
            var unreadable: [RunbookDiscovery.UnreadableName] = []
            files += isDirectory.boolValue ? RunbookDiscovery.walk(path, folders: &folders, unreadable: &unreadable, accept: RuleFileText.isRuleFileName) : [path]
            diagnostics += unreadable.map(\.diagnostic)
        }
        // A file reached twice (`rules/` and `rules/a.yaml`, or `--alerts` beside `.rbc.yaml`) is read once:
        // each alert is one finding, and counts of alerts are counts of alerts.
        var seen = Set<String>()
        return files.filter { seen.insert(URL(fileURLWithPath: $0).standardizedFileURL.path).inserted }
    }

    /// Alerting rules of a plain rule file (`groups:`), of Kubernetes objects that hold rule groups under
    /// `spec.groups` (`PrometheusRule`, OpenShift's `AlertingRule`, VictoriaMetrics' `VMRule`), also in
    /// a `kind: List`, and Grafana's provisioned alert rules (`title`, `condition`), in every document.
    ///
    /// A file that does not parse is reported only when it is the rule check's: named itself, or
    /// holding an `alert:` line. A directory of rules also holds other YAML (a chart's Deployments,
    /// manifests), and a rule file written as a template (Helm's `{{- if … }}` lines) is no YAML
    /// at all: it goes to `templates`, for one note, instead of a syntax error.
    static func read(_ file: SourceFile, named: Bool = true, settings: AlertSettings, diagnostics: inout [Diagnostic],
                     templates: inout [TemplatedRuleFile], charts: inout [String: ChartValues?]) -> [AlertRule] {
        // JSON found beside rules is mostly dashboards and lock files: parsed only when it could hold rule groups.
        // Grafana's exported rules name the alert by `"title"` beside `"condition"`, with no `"alert"` key.
        if !named, file.path.lowercased().hasSuffix(".json"),
           !(file.text.contains("\"groups\"") && (file.text.contains("\"alert\"") || file.text.contains("\"condition\""))) { return [] }
        // A file named as a template (`alerts.yaml.tpl`, a chart's `_rules.tpl`, Ansible's `.j2`) is one
        // whatever it holds, named itself or found: it is counted, never parsed as YAML.
        if let suffix = RuleFileText.templateSuffix(file.path) {
            let alertLines = RuleFileText.alertNameRanges(file)
            if !alertLines.isEmpty {
                templates.append(TemplatedRuleFile(file: file, range: alertLines[0], alertNames: alertLines.map { RuleFileText.unquoted(file.slice($0)) },
                                                   alertCount: alertLines.count, templateSuffix: suffix))
            }
            return []
        }
        let document = YAMLReader.readAll(file)
        if !document.diagnostics.isEmpty {
            let alertLines = RuleFileText.alertNameRanges(file)
            let names = alertLines.map { RuleFileText.unquoted(file.slice($0)) }
            // A file named itself is the rule check's whatever it holds: its syntax errors are reported.
            // Prometheus fills no template in an alert name: `alert: {{ .Values.prefix }}Down` is
            // another tool's file, as much as one with `{{- if … }}` lines.
            if !named && (RuleFileText.hasTemplateLines(file) || names.contains { !TemplateText.spans(in: $0).isEmpty }) {
                // A chart's other templates (Deployments, Services) hold no alert: they are no rule files,
                // and do not count in the note's number of templated rule files.
                guard !alertLines.isEmpty else { return [] }
                // Read in place once its actions are blanked, when it then parses; counted otherwise.
                if let template = HelmRuleTemplate.reading(file) {
                    let read = rules(of: template.document, in: file, named: named, settings: settings, template: template, charts: &charts)
                    if !read.isEmpty { return read }
                }
                templates.append(TemplatedRuleFile(file: file, range: alertLines[0], alertNames: names, alertCount: alertLines.count))
                return []
            }
            guard named || !alertLines.isEmpty else { return [] }
        }
        diagnostics += document.diagnostics
        return rules(of: document, in: file, named: named, settings: settings, template: nil, charts: &charts)
    }

    /// The alerting rules of a parsed rule file; `template` when it was read from a Helm template.
    private static func rules(of document: YAMLDocument, in file: SourceFile, named: Bool, settings: AlertSettings, template: HelmRuleTemplate?,
                              charts: inout [String: ChartValues?]) -> [AlertRule] {
        var rules: [AlertRule] = []
        // Scalars as the file writes them (a template's `{{` given back); links as they render.
        func scalar(_ node: YAMLNode?) -> String? { template.map { $0.text(node) } ?? node?.scalarValue }
        var chart: ChartValues??
        func chartValues() -> ChartValues? {
            if chart == nil { chart = .some(ChartValues.of(file.path, cache: &charts)) }
            return chart ?? nil
        }
        func rendered(_ link: String) -> String {
            var link = AlertLink.unwrappingRawStrings(link)
            // `…/runbooks/{{ $alert }}.md` with the file's own `$alert := "…"`.
            if let template { link = template.alertName(link) }
            // `{{ printf "%s/%s.md" .Values.base "DiskFull" }}` when every part is known.
            link = HelmPrintf.filled(link, variables: template?.variables ?? [:]) { keys in chartValues()?.scalar(at: keys) }
            if link.contains(".Values."), let values = chartValues() { link = values.filled(link) }
            return link
        }
        func value(_ node: YAMLNode?, _ key: String) -> YAMLNode? {
            node?.mappingPairs?.first { $0.key.scalarValue == key }?.value
        }
        // Rules are found wherever they sit in a document (`RuleScan`): under `groups` at the top or in
        // `spec` (a `PrometheusRule`, a `kind: List` of them), in a chart's values, in rule files kept as text.
        var scan = RuleScan()
        let values = named || RuleScan.isValuesFile(file.path)
        for root in document.roots { scan.read(root, values: values, template: template != nil) }
        // Rule files kept as text (a `ConfigMap`'s `data: {alerts.yaml: |…}`, a Loki ruler's
        // `directories: {tenant: {rules.yaml: |…}}` in values) are read in place, one level deep, from a
        // copy of the file with everything else blanked.
        var found = [(scan, file)]
        if let inner = RuleFileText.embeddedRuleFiles(scan.blocks, in: file) {
            var innerScan = RuleScan()
            for root in YAMLReader.readAll(inner).roots { innerScan.read(root, values: false, template: false) }
            found.append((innerScan, inner))
        }
        for (scan, file) in found {
            // Where each rule's own text ends, for a template: at the next rule or group, else the file's end.
            let starts = (scan.rules.map(\.node.range.start) + scan.groupStarts).sorted()
            for (rule, disabled) in scan.rules {
                // Grafana's provisioned rules name the alert by `title` and query by `condition`/`data`.
                let grafanaTitle = value(rule, "condition") != nil || value(rule, "data") != nil ? value(rule, "title") : nil
                guard let alert = value(rule, "alert") ?? grafanaTitle, let written = scalar(alert), !written.isEmpty else { continue }
                let name = template?.alertName(written) ?? written
                var labels: [String: String] = [:]
                for pair in value(rule, "labels")?.mappingPairs ?? [] {
                    if let key = scalar(pair.key), let text = scalar(pair.value) { labels[key] = text }
                }
                let annotations = value(rule, "annotations")
                func texts(_ node: YAMLNode?) -> [String: Link] {
                    var texts: [String: Link] = [:]
                    for pair in node?.mappingPairs ?? [] {
                        guard let name = scalar(pair.key), texts[name] == nil, let text = scalar(pair.value),
                              !text.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                        texts[name] = Link(annotation: name, value: rendered(text.trimmingCharacters(in: .whitespacesAndNewlines)), range: pair.value.range)
                    }
                    return texts
                }
                let annotationTexts = texts(annotations)
                let labelTexts = texts(value(rule, "labels"))
                let link = AlertRule.link(settings.annotations, annotationTexts: annotationTexts, labelTexts: labelTexts)
                let runbookKeys = ((annotations?.mappingPairs ?? []) + (value(rule, "labels")?.mappingPairs ?? [])).compactMap { pair -> String? in
                    // A team's runbooks may be called playbooks (`playbook_url`, `playbook`), when the value is a link.
                    guard let key = scalar(pair.key), let text = scalar(pair.value), !text.isEmpty else { return nil }
                    guard key.lowercased().contains("runbook") || (key.lowercased().contains("playbook") && AlertIndex.looksLikeLink(text)) else { return nil }
                    return key
                }
                var read = AlertRule(name: name, file: file, nameRange: alert.range, labels: labels, link: link, runbookKeys: runbookKeys,
                                     annotationTexts: annotationTexts, labelTexts: labelTexts)
                read.disabled = disabled
                if let template {
                    let end = starts.first { $0 > rule.range.start } ?? file.bytes.count
                    read.annotationsMayBeRendered = template.writesText(from: rule.range.start, to: end)
                        || (annotations != nil && annotations?.mappingPairs == nil)
                        || (rule.mappingPairs ?? []).contains { template.rewritten.contains($0.key.range.start) }
                }
                rules.append(read)
            }
        }
        return rules
    }
}

/// Where a document's alerting rules sit. A rule file holds them at known places: `groups` at the top
/// or in `spec` (a `PrometheusRule`, a `VMRule`, a `kind: List` of them), a rule file kept as text in a
/// `ConfigMap`'s `data`, and a chart's rule kept alone in a template. Helm values hold them anywhere
/// (a chart's `prometheusRule.rules` list, a mapping of named rules, kube-prometheus-stack's
/// `additionalPrometheusRulesMap`, the prometheus chart's `serverFiles`, a Loki ruler's rule files
/// kept as text), so in values — a file whose name says so (`values.yaml`, `values-prod.yaml`, or its
/// directory's: `values/prometheus.yaml`), one
/// named itself, and what a `values`/`valuesObject` key holds (a Flux `HelmRelease`, an Argo CD
/// `Application`, helmfile) — a mapping with a scalar `alert` and an `expr` is a rule wherever it is,
/// and so is every item of a `groups[].rules` list. Elsewhere they are not looked for: a chart's unit
/// tests (`set:` values, asserted `content:`) hold rules that no Prometheus loads. A recording rule, an
/// Alertmanager route or RBAC `rules` holds neither shape.
struct RuleScan {
    /// Each rule's mapping in document order, and whether a values block switched off holds it.
    private(set) var rules: [(node: YAMLNode, disabled: Bool)] = []
    /// Where each rule group starts (a template rule's text ends at the next rule or group).
    private(set) var groupStarts: [Int] = []
    /// Literal block scalars that may hold rule files kept as text.
    private(set) var blocks: [YAMLNode] = []
    private var seen = Set<ObjectIdentifier>()
    /// Deeper than any chart's values nest; a hostile nesting is not walked further.
    static let maxDepth = 64
    /// Keys whose value is a chart's values (`spec.values`, `helm.valuesObject`, helmfile's `values:` list).
    static let valuesKeys: Set<String> = ["values", "valuesObject", "valuesInline"]

    /// Whether a file's name says it holds a chart's values: the word `values` in it (`values.yaml`,
    /// `values-prod.yaml`, `prod.values.yml`) or in its directory's (`values/prometheus.yaml`,
    /// `helm-values/loki.yaml`, as helmfile and GitOps repositories keep them).
    static func isValuesFile(_ path: String) -> Bool {
        let components = (path as NSString).pathComponents.suffix(2)
        return components.contains { $0.lowercased().split { !$0.isLetter && !$0.isNumber }.contains("values") }
    }

    /// Reads one document's root: everywhere when `values`, else at the known places and under values keys.
    mutating func read(_ root: YAMLNode, values: Bool, template: Bool) {
        if values {
            visit(root, depth: 0, disabled: false)
            return
        }
        // `kind: List` (what `kubectl get -o yaml` writes) holds the objects under `items`, one level down.
        let items = RuleScan.value(root.mappingPairs ?? [], "kind")?.scalarValue == "List" ? RuleScan.value(root.mappingPairs ?? [], "items")?.sequenceItems ?? [] : []
        for object in [root] + items {
            guard let pairs = object.mappingPairs else { continue }
            // A chart may keep one rule per file (`alert:`, `expr:` at the top), gathered by `.Files.Glob`.
            if template && RuleScan.isAlertingRule(pairs) { add(object, disabled: false) }
            groups(RuleScan.value(pairs, "groups"), disabled: false)
            groups(RuleScan.value(RuleScan.value(pairs, "spec")?.mappingPairs ?? [], "groups"), disabled: false)
            for pair in RuleScan.value(pairs, "data")?.mappingPairs ?? [] {
                if case .scalar(_, .literal) = pair.value.kind { blocks.append(pair.value) }
            }
        }
        valuesKeys(root, depth: 0)
    }

    /// Finds the values keys of a document that is not values itself, and reads what they hold as values.
    private mutating func valuesKeys(_ node: YAMLNode, depth: Int) {
        guard depth < RuleScan.maxDepth else { return }
        switch node.kind {
        case .alias, .scalar: return
        case .sequence(let items):
            for item in items { valuesKeys(item, depth: depth + 1) }
        case .mapping(let pairs):
            for pair in pairs {
                if let key = pair.key.scalarValue, RuleScan.valuesKeys.contains(key) {
                    visit(pair.value, depth: depth + 1, disabled: false)
                } else {
                    valuesKeys(pair.value, depth: depth + 1)
                }
            }
        }
    }

    private mutating func visit(_ node: YAMLNode, depth: Int, disabled: Bool) {
        guard depth < RuleScan.maxDepth, !seen.contains(ObjectIdentifier(node)) else { return }
        switch node.kind {
        // An alias is not followed: rules are read where they are written, and an alias bomb stays one node.
        case .alias, .scalar: return
        case .sequence(let items):
            for item in items { visit(item, depth: depth + 1, disabled: disabled) }
        case .mapping(let pairs):
            // A chart's values switch a block off with `enabled: false`: what it holds is an example no default loads.
            let off = disabled || RuleScan.switchedOff(pairs)
            if RuleScan.isAlertingRule(pairs) {
                add(node, disabled: off)
                return
            }
            groups(RuleScan.value(pairs, "groups"), disabled: off)
            for pair in pairs {
                if case .scalar(_, .literal) = pair.value.kind {
                    blocks.append(pair.value)
                } else {
                    visit(pair.value, depth: depth + 1, disabled: off)
                }
            }
        }
    }

    /// The rules of a `groups` list: every mapping under a group's `rules` (alerting rules, Grafana's by
    /// `title`; recording rules are passed over by the reader).
    private mutating func groups(_ node: YAMLNode?, disabled: Bool) {
        for group in node?.sequenceItems ?? [] {
            guard let groupPairs = group.mappingPairs, let rules = RuleScan.value(groupPairs, "rules")?.sequenceItems else { continue }
            groupStarts.append(group.range.start)
            for rule in rules {
                guard let rulePairs = rule.mappingPairs else { continue }
                add(rule, disabled: disabled || RuleScan.switchedOff(groupPairs) || RuleScan.switchedOff(rulePairs))
            }
        }
    }

    private mutating func add(_ rule: YAMLNode, disabled: Bool) {
        guard seen.insert(ObjectIdentifier(rule)).inserted else { return }
        rules.append((rule, disabled))
    }

    static func value(_ pairs: [YAMLPair], _ key: String) -> YAMLNode? {
        pairs.first { $0.key.scalarValue == key }?.value
    }

    /// `alert: Name` beside `expr:`: Prometheus' (and Loki's, vmalert's) alerting rule.
    static func isAlertingRule(_ pairs: [YAMLPair]) -> Bool {
        guard let name = value(pairs, "alert")?.scalarValue, !name.isEmpty else { return false }
        return value(pairs, "expr") != nil
    }

    static func switchedOff(_ pairs: [YAMLPair]) -> Bool {
        guard let enabled = value(pairs, "enabled"), enabled.scalarKind == .bool else { return false }
        return enabled.scalarValue?.lowercased() == "false"
    }
}

/// Resolves one runbook link to a file of this repository, remembering directory listings and
/// anchors so thousands of alerts linking the same pages cost one read each.
struct LinkResolver {
    let settings: AlertSettings
    private var anchorCache: [String: Set<String>?] = [:]
    private var repositoryTops: [String: String] = [:]
    private var pages: [String: PageLookup] = [:]
    /// The directories listed and the files read or tested (`AlertIndex.reads`).
    private(set) var reads: [String] = []

    init(settings: AlertSettings) { self.settings = settings }

    /// `{{ $labels.x }}` and `{{ .Labels.x }}` filled from the rule's own labels.
    static func expand(_ link: String, labels: [String: String]) -> String {
        let pattern = #"\{\{-?\s*(?:\$labels|\.Labels)\.([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}"#
        guard let regex = try? NSRegularExpression(pattern: pattern), link.contains("{{") else { return link }
        var result = link
        for match in regex.matches(in: link, range: NSRange(link.startIndex..., in: link)).reversed() {
            guard let whole = Range(match.range, in: link), let name = Range(match.range(at: 1), in: link),
                  let value = labels[String(link[name])] else { continue }
            let offset = link.distance(from: link.startIndex, to: whole.lowerBound)
            let start = result.index(result.startIndex, offsetBy: offset)
            let end = result.index(start, offsetBy: link.distance(from: whole.lowerBound, to: whole.upperBound))
            result.replaceSubrange(start..<end, with: value)
        }
        return result
    }

    mutating func resolve(_ rawLink: String, labels: [String: String], ruleFile: String) -> AlertIndex.LinkResolution {
        if AlertLinkResolution.isPlaceholder(rawLink) { return .placeholder }
        let link = LinkResolver.expand(rawLink, labels: labels)
        var target = link
        var anchor: String?
        if let hash = target.firstIndex(of: "#") {
            anchor = String(target[target.index(after: hash)...]).removingPercentEncoding
            target = String(target[..<hash])
        }
        if let query = target.firstIndex(of: "?") { target = String(target[..<query]) }
        if LinkResolver.holdsTemplate(target) { return .unresolvable(rawLink) }
        // A template only in the anchor (`Redis#Cluster_{{ $labels.job }}`) or the query leaves the
        // page known: it is checked, the heading it opens at cannot be.
        if let written = anchor, LinkResolver.holdsTemplate(written) { anchor = nil }
        target = target.removingPercentEncoding ?? target
        // Thousands of alerts link a few pages, each at its own anchor: a page is looked up once per
        // rule directory (what a relative link resolves from), not once per alert.
        let key = target + "\u{0}" + PathText.parent(of: ruleFile)
        let page: PageLookup
        if let known = pages[key] {
            page = known
        } else {
            page = lookUp(target, ruleFile: ruleFile)
            pages[key] = page
        }
        switch page {
        case .external(let origin): return .external(origin)
        case .outside: return .outsideRepository(rawLink)
        case .dead(let problem): return .dead(problem)
        case .file(let file):
            // A page rbc cannot read (too large, not text) has its anchors unchecked, not all missing.
            if let anchor, !anchor.isEmpty, Compiler.isMarkdown(file), let anchors = anchors(of: file), !anchors.contains(anchor.lowercased()) {
                return .missingAnchor(file: file, shown: LinkResolver.display(file), anchor: anchor)
            }
            return .resolved(file)
        }
    }

    /// Where a link's page (anchor and query cut, templates ruled out) leads.
    private enum PageLookup {
        /// A site under no mapping, by its origin (`https://host`, `mailto:`).
        case external(String)
        /// Out of the repository: not followed.
        case outside
        case dead(String)
        /// The file (absolute, standardised).
        case file(String)
    }

    private mutating func lookUp(_ target: String, ruleFile: String) -> PageLookup {
        var attempts: [(directory: String, relative: String)] = []
        // Where a link may lead: the repository root, the rule file's own repository, a mapped site's directory.
        var boundaries = [settings.root, repositoryTop(of: ruleFile)] + settings.linkBoundaries
        if let scheme = target.range(of: "://") {
            if let mapping = settings.links.first(where: { target.hasPrefix($0.baseURL) }) {
                attempts.append((mapping.directory, String(target.dropFirst(mapping.baseURL.count))))
                boundaries.append(mapping.directory)
            } else if let own = ownBrowserPath(target, ruleFile: ruleFile) {
                // This repository's own page by its browser URL: the checkout has it, or the link is dead.
                attempts.append(own)
            } else {
                let rest = target[scheme.upperBound...]
                return .external(String(target[..<scheme.upperBound]) + String(rest.prefix { $0 != "/" }))
            }
        } else if target.hasPrefix("mailto:") {
            return .external("mailto:")
        } else {
            // Repository-relative first (`docs/x/README.md`), then from the rule file (`../runbooks/x.md`).
            attempts.append((settings.root, target))
            if !target.hasPrefix("/") {
                let ruleDirectory = URL(fileURLWithPath: ruleFile).standardizedFileURL.deletingLastPathComponent().path
                attempts.append((ruleDirectory, target))
            }
        }
        // A link that climbs out of the repository (`../../etc/passwd`) is never followed: nothing
        // outside is listed or read, and a page reached through a symbolic link that leads out is not found.
        let inside = attempts.filter { LinkResolver.lies(LinkResolver.joined($0.directory, $0.relative), within: boundaries) }
        guard let firstInside = inside.first else { return .outside }
        var found: String?
        for attempt in inside {
            // Walked from the innermost directory that holds the target, so `..` lists nothing outside.
            let path = LinkResolver.joined(attempt.directory, attempt.relative)
            let base = ([attempt.directory] + boundaries).map { URL(fileURLWithPath: $0).standardizedFileURL.path }
                .filter { LinkResolver.lies(path, within: [$0]) }.max { $0.count < $1.count } ?? attempt.directory
            let rest = String(path.dropFirst(base.count))
            if let file = LinkResolver.findRunbook(directory: base, relative: rest, reads: &reads) {
                found = file
                break
            }
        }
        if let candidate = found, !LinkResolver.lies(URL(fileURLWithPath: candidate).resolvingSymlinksInPath().path,
                                                    within: boundaries.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }) {
            return .outside
        }
        guard let file = found.map({ URL(fileURLWithPath: $0).standardizedFileURL.path }) else {
            let shown = firstInside.relative.isEmpty ? "/" : firstInside.relative
            return .dead("no runbook at \(AlertLink.quoted(shown)) under \(LinkResolver.display(firstInside.directory))")
        }
        return .file(file)
    }

    /// A repository browser's URL of a file (`https://github.com/acme/ops/blob/main/runbooks/x.md`,
    /// GitLab's `…/group/ops/-/blob/main/…`) in the repository that holds the rule file — the one its
    /// `.git/config` names as a remote — read as that checkout's directory and the file's path there.
    /// The ref after `blob/` may hold `/` (`release/1.2`): the shortest reading whose next component
    /// the checkout has is taken (the first one when none has: the page is missing either way). Nil
    /// for any other URL, a `tree/` of a directory, or a checkout that names no such remote.
    private mutating func ownBrowserPath(_ target: String, ruleFile: String) -> (directory: String, relative: String)? {
        guard let scheme = target.range(of: "://") else { return nil }
        let afterScheme = target[scheme.upperBound...]
        let host = afterScheme.prefix { $0 != "/" }.lowercased()
        let path = afterScheme.drop { $0 != "/" }.split(separator: "/").map(String.init)
        guard let marker = path.indices.first(where: { $0 >= 2 && path[$0] == "blob" }), marker + 2 < path.count else { return nil }
        let repository = path[..<(path[marker - 1] == "-" ? marker - 1 : marker)].joined(separator: "/").lowercased()
        let top = repositoryTop(of: ruleFile)
        for checkout in [top, settings.root] where LinkResolver.remotes(ofCheckout: checkout, reads: &reads).contains(host + "/" + repository) {
            let rest = Array(path[(marker + 1)...])
            let entries = Set(((try? FileManager.default.contentsOfDirectory(atPath: checkout)) ?? []).map { $0.lowercased() })
            reads.append(checkout)
            let refLength = (1..<rest.count).first { entries.contains(rest[$0].lowercased()) } ?? 1
            return (checkout, rest[refLength...].joined(separator: "/"))
        }
        return nil
    }

    /// The remotes a checkout's `.git/config` names, as `host/owner/name` lower-cased (`git@github.com:acme/ops.git`,
    /// `https://github.com/acme/ops`, `ssh://git@gitlab.com/group/sub/ops.git`).
    static func remotes(ofCheckout checkout: String, reads: inout [String]) -> Set<String> {
        let config = checkout + "/.git/config"
        reads.append(config)
        guard let text = try? String(contentsOfFile: config, encoding: .utf8) else { return [] }
        var remotes = Set<String>()
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("url"), let equals = trimmed.firstIndex(of: "=") else { continue }
            var url = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces).lowercased()
            if url.hasSuffix(".git") { url = String(url.dropLast(4)) }
            while url.hasSuffix("/") { url = String(url.dropLast()) }
            if let scheme = url.range(of: "://") {
                url = String(url[scheme.upperBound...])
            } else if let colon = url.firstIndex(of: ":") {
                // scp-like `git@github.com:acme/ops`.
                url = url[..<colon] + "/" + url[url.index(after: colon)...]
            }
            if let at = url.firstIndex(of: "@"), !url[..<at].contains("/") { url = String(url[url.index(after: at)...]) }
            // A port (`ssh://git@host:22/acme/ops`) is no part of the browser's host.
            let host = url.prefix { $0 != "/" }
            let rest = url.dropFirst(host.count)
            remotes.insert(String(host.split(separator: ":").first ?? host[...]) + rest)
        }
        return remotes
    }

    /// `relative` read from `directory`, `..` and `.` applied without touching the file system.
    static func joined(_ directory: String, _ relative: String) -> String {
        var components = directory.split(separator: "/").map(String.init)
        for component in relative.split(separator: "/") where component != "." {
            if component == ".." { _ = components.popLast() } else { components.append(String(component)) }
        }
        return "/" + components.joined(separator: "/")
    }

    /// Whether `path` is one of `directories` or below one (both absolute).
    static func lies(_ path: String, within directories: [String]) -> Bool {
        directories.contains { directory in
            let top = URL(fileURLWithPath: directory).standardizedFileURL.path
            return path == top || path.hasPrefix(top == "/" ? "/" : top + "/")
        }
    }

    /// The top of the repository holding a rule file: its nearest directory with a `.git` or a
    /// `.rbc.yaml`, the rule file's own directory when none has (remembered per directory).
    private mutating func repositoryTop(of ruleFile: String) -> String {
        let directory = URL(fileURLWithPath: ruleFile).standardizedFileURL.deletingLastPathComponent().path
        if let known = repositoryTops[directory] { return known }
        var current = directory
        var top = directory
        while true {
            if [".git", ".rbc.yaml"].contains(where: { FileManager.default.fileExists(atPath: current + "/" + $0) }) {
                top = current
                break
            }
            let parent = PathText.parent(of: current)
            if parent == current || parent.isEmpty { break }
            current = parent
        }
        repositoryTops[directory] = top
        return top
    }

    /// Whether a link still holds a template after the rule's labels filled theirs: Alertmanager's
    /// `{{ … }}`, or one another tool fills before the rule is loaded — Go templates with other
    /// delimiters (`[[ .RunbookURL ]]`), envsubst's `${VAR}`, an unrendered Jsonnet or Python
    /// `%(name)s`, ERB's `<%= … %>`. None of those is a path or a URL yet.
    static func holdsTemplate(_ link: String) -> Bool {
        link.contains("{{") || !TemplateText.spans(in: link).isEmpty
    }

    /// Paths below the working directory are shown relative to it, as elsewhere in the output.
    static func display(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        if path == cwd { return "." }
        return path.hasPrefix(cwd + "/") ? String(path.dropFirst(cwd.count + 1)) : path
    }

    private mutating func anchors(of path: String) -> Set<String>? {
        if let cached = anchorCache[path] { return cached }
        reads.append(path)
        var result: Set<String>?
        if case .loaded(let file) = SourceLoader.load(path: path) {
            result = HeadingAnchors.anchors(inMarkdown: (ERBTemplate.isTemplate(path) ? ERBTemplate.masked(file) : file).text)
        }
        anchorCache[path] = .some(result)
        return result
    }

    /// The file a page path names: `a/b`, `a/b.md`, `a/b/_index.md`…, matched case-insensitively
    /// because site generators lowercase page paths.
    static func findRunbook(directory: String, relative: String, reads: inout [String]) -> String? {
        let components = relative.split(separator: "/").map(String.init).filter { !$0.isEmpty && $0 != "." }
        var current = directory
        for (index, component) in components.enumerated() {
            if component == ".." {
                current = PathText.parent(of: current)
                continue
            }
            reads.append(current)
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: current)) ?? []
            if index == components.count - 1 {
                let lower = component.lowercased()
                let names = [lower, lower + ".md", lower + ".markdown", lower + ".yaml", lower + ".yml"]
                guard let name = names.lazy.compactMap({ wanted in entries.first { $0.lowercased() == wanted } }).first else { return nil }
                let path = current + "/" + name
                reads.append(path)
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return path }
                current = path
                break
            }
            guard let name = entries.first(where: { $0 == component }) ?? entries.first(where: { $0.lowercased() == component.lowercased() }) else { return nil }
            current += "/" + name
        }
        reads.append(current)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: current)) ?? []
        return ["_index.md", "index.md", "readme.md"].compactMap { index in entries.first { $0.lowercased() == index } }.first.map { current + "/" + $0 }
    }
}

/// What a rule file's text shows before (or without) parsing it.
enum RuleFileText {
    /// File name endings of templates that other tools render into rule files: Helm's `.tpl`, Go's
    /// `.tmpl`/`.gotmpl`, Terraform's `.tftpl`, Jinja's `.j2`/`.jinja`/`.jinja2`, ERB's `.erb`.
    static let templateSuffixes = [".tpl", ".tmpl", ".gotmpl", ".tftpl", ".j2", ".jinja", ".jinja2", ".erb"]

    /// The template ending of a file's name, nil for any other file (a Markdown page kept as ERB is a page).
    static func templateSuffix(_ path: String) -> String? {
        let name = (path as NSString).lastPathComponent.lowercased()
        guard !Compiler.isMarkdown(name) else { return nil }
        return templateSuffixes.first { name.hasSuffix($0) && name.count > $0.count }
    }

    /// The files a rule directory is walked for: YAML, JSON (YAML too: rules compiled from Jsonnet are
    /// often kept so), and templates of rule files (counted, RB025).
    static func isRuleFileName(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return false }
        let ending = name[name.index(after: dot)...].lowercased()
        return ["yaml", "yml", "json"].contains(ending) || templateSuffix(name) != nil
    }

    /// Whether a line where YAML structure would be starts with a template action (`{{- if .Values.x }}`,
    /// `{{ end }}`, `{{ toYaml . | indent 4 }}`): YAML starts no such line with `{{`, Helm's templates do.
    /// Lines of a block scalar (`description: |` and the lines indented deeper than its key) are text,
    /// where a Prometheus rule's own `{{ $labels.instance }} is down` is at home; so is a `{{ … }}`
    /// line that is no action (a continued plain scalar): neither makes a file that does not parse a template.
    static func hasTemplateLines(_ file: SourceFile) -> Bool {
        var blockKeyColumn: Int?
        for line in lines(file) {
            let indent = indentation(line)
            let rest = line.dropFirst(indent)
            let blank = rest.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
            if let column = blockKeyColumn {
                if blank || indent > column { continue }
                blockKeyColumn = nil
            }
            if rest.starts(with: Array("{{".utf8)) {
                if isTemplateAction(String(decoding: rest.dropFirst(2), as: UTF8.self)) { return true }
                continue
            }
            if let value = templateValue(rest), isTemplateAction(value) { return true }
            blockKeyColumn = blockScalarKeyColumn(rest, indent: indent)
        }
        return false
    }

    /// The text after `{{` when a plain key's value starts with one (`labels: {{- include "labels" . }}`,
    /// `- namespace: {{ .Values.namespace }}`), where YAML would read a flow mapping.
    private static func templateValue(_ rest: ArraySlice<UInt8>) -> String? {
        var item = rest
        while item.starts(with: Array("- ".utf8)) { item = item.dropFirst(2).drop { $0 == UInt8(ascii: " ") } }
        let key = item.prefix { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || "_-./".utf8.contains(byte)
        }
        guard !key.isEmpty, item.dropFirst(key.count).first == UInt8(ascii: ":") else { return nil }
        let value = item.dropFirst(key.count + 1).drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard value.count < item.count - key.count - 1, value.starts(with: Array("{{".utf8)) else { return nil }
        return String(decoding: value.dropFirst(2), as: UTF8.self)
    }

    /// The offset of a `{{` that starts a value where YAML would read a flow mapping: a plain key's value
    /// (`namespace: {{ .Values.namespace }}`), a sequence item (`- {{ .name }}`), or the value after a
    /// templated key (`{{ $key }}: {{ $value }}`, the line's own `{{` being the caller's).
    static func templateValueStart(_ rest: ArraySlice<UInt8>) -> Int? {
        let open = Array("{{".utf8)
        if rest.starts(with: open) {
            let text = Array(rest)
            guard let colon = (0..<max(0, text.count - 3)).first(where: { index in
                text[index] == UInt8(ascii: "}") && text[index + 1] == UInt8(ascii: ":") && text[index + 2] == UInt8(ascii: " ")
            }) else { return nil }
            let value = rest.dropFirst(colon + 2).drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            return value.starts(with: open) ? value.startIndex : nil
        }
        var item = rest
        while item.starts(with: Array("- ".utf8)) { item = item.dropFirst(2).drop { $0 == UInt8(ascii: " ") } }
        if item.startIndex != rest.startIndex, item.starts(with: open) { return item.startIndex }
        let key = item.prefix { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || "_-./".utf8.contains(byte)
        }
        guard !key.isEmpty, item.dropFirst(key.count).first == UInt8(ascii: ":") else { return nil }
        let value = item.dropFirst(key.count + 1).drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard value.count < item.count - key.count - 1, value.starts(with: open) else { return nil }
        return value.startIndex
    }

    /// Whether the text after a line's `{{` is a Helm action rather than a value: `{{-`, a control
    /// word, an `include`/`toYaml`/`tpl` pipeline, a comment, a variable assignment or chart values.
    static func isTemplateAction(_ text: String) -> Bool {
        if text.hasPrefix("-") || text.hasPrefix("/*") { return true }
        let body = text.drop { $0 == " " || $0 == "\t" }
        let word = body.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "$" }
        let actions: Set<Substring> = ["if", "else", "end", "range", "with", "define", "include", "template", "block", "toYaml", "tpl"]
        if actions.contains(word) { return true }
        if word.hasPrefix(".Values.") || word.hasPrefix(".Release.") || word.hasPrefix(".Chart.") { return true }
        return word.hasPrefix("$") && body.dropFirst(word.count).drop { $0 == " " }.hasPrefix(":=")
    }

    /// The column whose deeper lines belong to the block scalar this line opens (`key: |`, `- key: >-`,
    /// `- |`), nil when it opens none.
    static func blockScalarKeyColumn(_ rest: ArraySlice<UInt8>, indent: Int) -> Int? {
        var text = Substring(String(decoding: rest, as: UTF8.self))
        if let comment = text.range(of: " #") { text = text[..<comment.lowerBound] }
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text = text.dropLast() }
        let indicators = text.reversed().prefix { "-+0123456789".contains($0) }.count
        let head = text.dropLast(indicators)
        guard let last = head.last, last == "|" || last == ">" else { return nil }
        let before = head.dropLast()
        var column = indent
        var item = Substring(before)
        while item.hasPrefix("- ") || item == "-" {
            let dropped = item.dropFirst().prefix { $0 == " " }.count + 1
            item = item.dropFirst(dropped)
            column += dropped
        }
        if item.isEmpty { return indent }
        return item.hasSuffix(": ") || item.hasSuffix(":\t") ? column : nil
    }

    /// A plain or quoted scalar's text (`"Foo"` and `'Foo'` are `Foo`).
    static func unquoted(_ text: String) -> String {
        guard text.count >= 2, let first = text.first, first == "\"" || first == "'", text.last == first else { return text }
        let inner = String(text.dropFirst().dropLast())
        return first == "'" ? inner.replacingOccurrences(of: "''", with: "'") : inner
    }

    /// The names of `alert: Name` / `- alert: Name` lines, read without parsing (the file does not parse).
    static func alertNameRanges(_ file: SourceFile) -> [SourceRange] {
        let key = Array("alert:".utf8)
        var ranges: [SourceRange] = []
        var offset = 0
        for line in lines(file) {
            defer { offset += line.count + 1 }
            var rest = line.dropFirst(indentation(line))
            if rest.first == UInt8(ascii: "-") { rest = rest.dropFirst().drop { $0 == UInt8(ascii: " ") } }
            guard rest.starts(with: key) else { continue }
            let value = rest.dropFirst(key.count)
            let name = value.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            guard let first = name.first, first != UInt8(ascii: "#"), first != UInt8(ascii: "\r") else { continue }
            // A plain name runs to a comment or the line's end (a templated one, `{{ .Values.prefix }}Down`, holds spaces).
            var end = name.indices.first { index in
                name[index] == UInt8(ascii: "\r") || (name[index] == UInt8(ascii: "#") && (name[index - 1] == UInt8(ascii: " ") || name[index - 1] == UInt8(ascii: "\t")))
            } ?? name.endIndex
            while end > name.startIndex, name[end - 1] == UInt8(ascii: " ") || name[end - 1] == UInt8(ascii: "\t") { end -= 1 }
            // A quoted name runs to its closing quote, spaces and all.
            if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'"), let close = name.dropFirst().firstIndex(of: first) { end = close + 1 }
            ranges.append(SourceRange(start: offset + (name.startIndex - line.startIndex), end: offset + (end - line.startIndex)))
        }
        return ranges
    }

    /// The literal block scalars (`alerts.yaml: |`) that hold rule files, as one copy of `file` in which
    /// every byte outside their lines is blanked (newlines kept) and each block's key line starts with
    /// `---`: every block is a document of its own, an indented rule file is still YAML, and offsets,
    /// lines and columns are the file's own. One copy for all blocks, so the cost is the file's size.
    /// Nil when no block holds one.
    static func embeddedRuleFiles(_ nodes: [YAMLNode], in file: SourceFile) -> SourceFile? {
        var kept: [Range<Int>] = []
        var separators: [Int] = []
        for node in nodes {
            guard node.scalarStyle == .literal, let text = node.scalarValue, text.contains("groups:"), text.contains("alert:"),
                  node.range.start < file.bytes.count else { continue }
            func lineStart(_ offset: Int) -> Int { file.bytes[..<offset].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0 }
            // The block's lines start on the line after its `|` indicator (the node's range may start
            // at either); the indicator's line becomes the separator.
            var contentStart = lineStart(node.range.start)
            if file.bytes[node.range.start] == UInt8(ascii: "|") {
                guard let newline = file.bytes[node.range.start...].firstIndex(of: UInt8(ascii: "\n")) else { continue }
                contentStart = newline + 1
            }
            guard contentStart > 0 else { continue }
            let separator = lineStart(contentStart - 1)
            guard contentStart - 1 - separator >= 3 else { continue }
            kept.append(contentStart..<min(max(contentStart, node.range.end), file.bytes.count))
            separators.append(separator)
        }
        guard !kept.isEmpty else { return nil }
        var bytes = file.bytes.map { $0 == UInt8(ascii: "\n") ? $0 : UInt8(ascii: " ") }
        for range in kept { bytes.replaceSubrange(range, with: file.bytes[range]) }
        for start in separators { bytes.replaceSubrange(start..<(start + 3), with: Array("---".utf8)) }
        return SourceFile(path: file.path, text: String(decoding: bytes, as: UTF8.self))
    }

    private static func lines(_ file: SourceFile) -> [ArraySlice<UInt8>] {
        file.bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    }

    private static func indentation(_ line: ArraySlice<UInt8>) -> Int {
        line.prefix { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }.count
    }
}

extension StepSeverity {
    /// P0 first: a smaller rank is more severe.
    var rank: Int { StepSeverity.allCases.firstIndex(of: self) ?? 0 }
}
