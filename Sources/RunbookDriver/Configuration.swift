// `.rbc.yaml`, found by walking up from the working directory: which files a directory walk checks,
// rule severities, severity budgets and ShellCheck options. Mistakes are diagnostics against the file.

import Foundation
import RunbookLint
import RunbookRuntime
import RunbookSema
import RunbookSource
import RunbookSyntax

public struct Configuration: Sendable {
    public static let fileName = ".rbc.yaml"
    public static let keys = ["exclude", "include", "documentation", "rules", "budgets", "shellcheck", "review", "alerts", "default_severity", "stores", "notifications", "tickets", "unattended", "sections", "incidents"]

    /// The directory globs are relative to: the config file's, or the working directory's.
    public let directory: String
    public let file: String?
    private let excludes: [NSRegularExpression]
    /// When set, a directory walk checks only files matching one of these.
    private let includes: [NSRegularExpression]
    /// Markdown pages matching one of these are documentation (written for people), whatever they declare.
    var documentationGlobs: [NSRegularExpression] = []
    public var lint: LintConfiguration
    public var review = ReviewSettings()
    /// How alert rules link runbooks (`alerts:`); relative links resolve from `directory`.
    public var alerts = AlertSettings()
    /// `default_severity: {"docs/**": P3}`: the severity of a runbook that states none and that no
    /// alert rule gives one, by the first glob that matches its path.
    public var severityDefaults: [SeverityDefault] = []
    /// Config stores for `update_config`, by name (`default` when a step names none).
    public var stores: [String: ConfigStore] = [:]
    public var notifications: Webhook?
    public var tickets: Webhook?
    /// Runs happen with nobody at a terminal (CI, alert automation): `unattended: true`.
    public var unattended = false
    /// `incidents:`: where incident records live, the seeds' per-severity policy, message templates.
    public var incidents = IncidentOptions()

    init(directory: String, file: String?, excludes: [NSRegularExpression] = [], includes: [NSRegularExpression] = [],
         lint: LintConfiguration = LintConfiguration()) {
        self.directory = directory
        self.file = file
        self.excludes = excludes
        self.includes = includes
        self.lint = lint
    }

    /// The nearest `.rbc.yaml` at or above `start`, parsed; diagnostics point into it.
    public static func discover(from start: String = FileManager.default.currentDirectoryPath) -> (Configuration, [Diagnostic]) {
        var directory = URL(fileURLWithPath: start).standardizedFileURL
        while true {
            let candidate = directory.appendingPathComponent(fileName).path
            if FileManager.default.fileExists(atPath: candidate) {
                return load(path: candidate, directory: directory.path)
            }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { break }
            directory = parent
        }
        return (Configuration(directory: URL(fileURLWithPath: start).standardizedFileURL.path, file: nil), [])
    }

    /// `text`: the file's contents when they are not on disk yet (an editor's unsaved buffer).
    public static func load(path: String, directory: String, text: String? = nil) -> (Configuration, [Diagnostic]) {
        let file: SourceFile
        // Shown relative to the working directory when it is below it, as paths on the command line are.
        let cwd = FileManager.default.currentDirectoryPath
        let shown = path.hasPrefix(cwd + "/") ? String(path.dropFirst(cwd.count + 1)) : path
        let loaded = text.map { SourceLoader.decode(path: shown, bytes: Array($0.utf8)) } ?? SourceLoader.load(path: path, displayPath: shown)
        switch loaded {
        case .failed(let diagnostic): return (Configuration(directory: directory, file: path), [diagnostic])
        case .loaded(let loaded): file = loaded
        }
        let document = YAMLReader.read(file)
        var bag = DiagnosticBag(file: file)
        bag.append(contentsOf: document.diagnostics)
        var excludes: [NSRegularExpression] = []
        var includes: [NSRegularExpression] = []
        var lint = LintConfiguration()
        var documentationGlobs: [NSRegularExpression] = []
        var review = ReviewSettings()
        var alerts = AlertSettings()
        alerts.root = directory
        var severityDefaults: [SeverityDefault] = []
        var stores: [String: ConfigStore] = [:]
        var notifications: Webhook?
        var tickets: Webhook?
        var unattended = false
        var incidents = IncidentOptions()
        if let root = document.root, root.scalarKind != .null {
            if let mapping = RunbookParser.mapping(root, bag: &bag) {
                for field in mapping.fields where !keys.contains(field.key) {
                    bag.report(.unknownKey, "unknown key `\(field.key)` in \(fileName)", at: field.keyRange,
                               help: Suggestions.closest(to: field.key, in: keys).map { "did you mean `\($0)`?" } ?? "valid keys: \(keys.joined(separator: ", "))")
                }
                excludes = globs(mapping["exclude"], bag: &bag)
                includes = globs(mapping["include"], bag: &bag)
                documentationGlobs = globs(mapping["documentation"], bag: &bag)
                if let rules = mapping["rules"] { readRules(rules, into: &lint, bag: &bag) }
                if let budgets = mapping["budgets"] { readBudgets(budgets, into: &lint, bag: &bag) }
                if let shellcheck = mapping["shellcheck"] { readShellCheck(shellcheck, into: &lint, bag: &bag) }
                if let field = mapping["review"] { review = readReview(field, bag: &bag) }
                if let field = mapping["sections"] { lint.settings.sectionTemplates = readSections(field, directory: directory, bag: &bag) }
                if let field = mapping["alerts"] { readAlerts(field, directory: directory, into: &alerts, bag: &bag) }
                if let field = mapping["default_severity"] { severityDefaults = readSeverityDefaults(field, bag: &bag) }
                if let field = mapping["stores"] { stores = readStores(field, directory: directory, bag: &bag) }
                if let field = mapping["notifications"] { notifications = readWebhook(field, bag: &bag) }
                if let field = mapping["tickets"] { tickets = readWebhook(field, bag: &bag) }
                if let field = mapping["incidents"] { incidents = readIncidents(field, bag: &bag) }
                if let field = mapping["unattended"] {
                    if field.value.scalarKind == .bool, let text = field.value.scalarValue {
                        unattended = ["true", "yes", "on"].contains(text.lowercased())
                    } else {
                        bag.report(.typeMismatch, "`unattended` must be true or false", at: field.value.range)
                    }
                }
            } else {
                bag.report(.typeMismatch, "\(fileName) must be a mapping, found \(root.kindDescription)", at: root.range)
            }
        }
        var configuration = Configuration(directory: directory, file: path, excludes: excludes, includes: includes, lint: lint)
        configuration.review = review
        configuration.documentationGlobs = documentationGlobs
        configuration.alerts = alerts
        configuration.severityDefaults = severityDefaults
        configuration.stores = stores
        configuration.notifications = notifications
        configuration.tickets = tickets
        configuration.unattended = unattended
        configuration.incidents = incidents
        // Problems in .rbc.yaml carry the configuration's own ids (RB0010–RB0014), not the runbook
        // language's, whichever helper found them.
        let diagnostics = bag.diagnostics.map { diagnostic in
            var diagnostic = diagnostic
            diagnostic.code = DiagnosticCode.configuration(diagnostic.code)
            return diagnostic
        }
        return (configuration, diagnostics)
    }

    /// Reports the keys of an entry that it does not define, with the closest one it does: an entry
    /// read only for the keys it knows would otherwise drop a misspelt one without a word
    /// (`{url: …, fromat: slack}` posted JSON to a Slack webhook).
    static func reportUnknownKeys(_ mapping: MappingSyntax, allowed: [String], in context: String, bag: inout DiagnosticBag) {
        for field in mapping.fields where !allowed.contains(field.key) {
            bag.report(.unknownKey, "unknown key `\(field.key)` in \(context)", at: field.keyRange,
                       help: Suggestions.closest(to: field.key, in: allowed).map { "did you mean `\($0)`?" }
                           ?? "keys: \(allowed.joined(separator: ", "))")
        }
    }

    /// `stores: {default: {file: config/flags.json}}` (JSON or YAML files; paths relative to this file).
    static func readStores(_ field: FieldSyntax, directory: String, bag: inout DiagnosticBag) -> [String: ConfigStore] {
        guard let pairs = RunbookParser.mapping(field.value, bag: &bag) else {
            bag.report(.typeMismatch, "`stores` must map store names to `{file: path}`", at: field.value.range)
            return [:]
        }
        var stores: [String: ConfigStore] = [:]
        for entry in pairs.fields {
            guard let store = RunbookParser.mapping(entry.value, bag: &bag) else {
                bag.report(.missingField, "store `\(entry.key)` needs `file:`", at: entry.value.range, help: "write `\(entry.key): {file: config/flags.json}`")
                continue
            }
            reportUnknownKeys(store, allowed: ["file"], in: "store `\(entry.key)`", bag: &bag)
            guard let file = store["file"]?.value.scalarValue else {
                bag.report(.missingField, "store `\(entry.key)` needs `file:`", at: entry.value.range, help: "write `\(entry.key): {file: config/flags.json}`")
                continue
            }
            let ext = (file as NSString).pathExtension.lowercased()
            guard ["json", "yaml", "yml"].contains(ext) else {
                bag.report(.invalidValue, "a config store is a .json, .yaml or .yml file", at: store["file"]?.value.range ?? entry.value.range)
                continue
            }
            let path = file.hasPrefix("/") ? file : URL(fileURLWithPath: directory).appendingPathComponent(file).standardizedFileURL.path
            stores[entry.key] = ConfigStore(name: entry.key, path: path)
        }
        return stores
    }

    /// `notifications: {url: https://hooks.slack.com/…, format: slack}` (format: slack or json).
    static func readWebhook(_ field: FieldSyntax, bag: inout DiagnosticBag) -> Webhook? {
        let pairs = RunbookParser.mapping(field.value, bag: &bag)
        if let pairs { reportUnknownKeys(pairs, allowed: ["url", "format"], in: "`\(field.key)`", bag: &bag) }
        guard let pairs, let url = pairs["url"]?.value.scalarValue else {
            bag.report(.missingField, "`\(field.key)` needs `url:`", at: field.value.range, help: "write `\(field.key): {url: \"https://…\", format: slack}`")
            return nil
        }
        let formatText = pairs["format"]?.value.scalarValue ?? "json"
        guard let format = Webhook.Format(rawValue: formatText) else {
            bag.report(.invalidValue, "unknown webhook format `\(formatText)`", at: pairs["format"]?.value.range ?? field.value.range, help: "use slack or json")
            return nil
        }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            bag.report(.invalidValue, "`url` must be an http(s) URL", at: pairs["url"]?.value.range ?? field.value.range)
            return nil
        }
        return Webhook(url: url, format: format)
    }

    /// `sections: [{template: prometheus-operator, paths: ["content/runbooks/**"]}, {required: [Overview, Escalation]}]`;
    /// a single mapping, or just a template's name, works too.
    static func readSections(_ field: FieldSyntax, directory: String, bag: inout DiagnosticBag) -> [SectionTemplateSetting] {
        let names = SectionTemplate.builtIn.map(\.name)
        func template(named node: YAMLNode) -> SectionTemplate? {
            guard let name = node.scalarValue, let template = SectionTemplate.named(name) else {
                bag.report(.typeMismatch, "`\(node.scalarValue ?? node.kindDescription)` is not a built-in section template", at: node.range,
                           help: Suggestions.closest(to: node.scalarValue ?? "", in: names).map { "did you mean `\($0)`?" }
                               ?? "templates: \(names.joined(separator: ", ")); or list headings with `required: [Overview, Escalation]`")
                return nil
            }
            return template
        }
        let entries: [YAMLNode] = field.value.sequenceItems ?? [field.value]
        var settings: [SectionTemplateSetting] = []
        for entry in entries {
            if entry.scalarValue != nil {
                if let found = template(named: entry) { settings.append(SectionTemplateSetting(template: found, paths: [], root: directory)) }
                continue
            }
            guard let pairs = RunbookParser.mapping(entry, bag: &bag) else {
                bag.report(.typeMismatch, "a `sections` entry must be a template name or a mapping", at: entry.range,
                           help: "write `sections: [{template: prometheus-operator, paths: [\"runbooks/**\"]}]`")
                continue
            }
            var found: SectionTemplate?
            for pair in pairs.fields where !["template", "required", "paths"].contains(pair.key) {
                bag.report(.unknownKey, "unknown key `\(pair.key)` in `sections`", at: pair.keyRange,
                           help: Suggestions.closest(to: pair.key, in: ["template", "required", "paths"]).map { "did you mean `\($0)`?" } ?? "keys: template, required, paths")
            }
            if let node = pairs["template"]?.value { found = template(named: node) }
            if let required = pairs["required"] {
                if let items = required.value.sequenceItems, !items.isEmpty, items.allSatisfy({ $0.scalarValue != nil }) {
                    found = SectionTemplate(name: found?.name ?? "sections", sections: items.compactMap(\.scalarValue))
                } else {
                    bag.report(.typeMismatch, "`required` must be a list of headings", at: required.value.range, help: "write `required: [Overview, Escalation]`")
                }
            }
            guard let template = found else {
                if pairs["template"] == nil && pairs["required"] == nil {
                    bag.report(.missingField, "a `sections` entry needs `template` or `required`", at: entry.range)
                }
                continue
            }
            settings.append(SectionTemplateSetting(template: template, paths: globs(pairs["paths"], bag: &bag), root: directory))
        }
        return settings
    }

    /// `review: {max_age: 90d, max_age_critical: 30d}`.
    static func readReview(_ field: FieldSyntax, bag: inout DiagnosticBag) -> ReviewSettings {
        var review = ReviewSettings()
        guard let pairs = RunbookParser.mapping(field.value, bag: &bag) else {
            bag.report(.typeMismatch, "`review` must be a mapping", at: field.value.range, help: "write `review: {max_age: 90d, max_age_critical: 30d}`")
            return review
        }
        for entry in pairs.fields {
            guard entry.key == "max_age" || entry.key == "max_age_critical" else {
                bag.report(.unknownKey, "unknown key `\(entry.key)` in `review`", at: entry.keyRange,
                           help: Suggestions.closest(to: entry.key, in: ["max_age", "max_age_critical"]).map { "did you mean `\($0)`?" } ?? "keys: max_age, max_age_critical")
                continue
            }
            guard let text = entry.value.scalarValue, case .success(let ms) = DurationParser.milliseconds(text), ms >= 86_400_000 else {
                bag.report(.invalidDuration, "`\(entry.value.scalarValue ?? "")` is not a duration of at least a day", at: entry.value.range, help: "write `90d`")
                continue
            }
            if entry.key == "max_age" { review.maxAgeDays = ms / 86_400_000 } else { review.maxAgeCriticalDays = ms / 86_400_000 }
        }
        return review
    }

    static let alertKeys = ["rules", "annotations", "runbook_urls", "severity_label", "severities"]

    /// `alerts: {rules: [monitoring/], annotations: [runbook_url, runbook],
    /// runbook_urls: [{base_url: "https://runbooks.example.org/", directory: "docs/runbooks"}],
    /// severity_label: severity, severities: {critical: P1, warning: P2}}`. Paths are relative to this file.
    static func readAlerts(_ field: FieldSyntax, directory: String, into settings: inout AlertSettings, bag: inout DiagnosticBag) {
        guard let pairs = RunbookParser.mapping(field.value, bag: &bag) else {
            bag.report(.typeMismatch, "`alerts` must be a mapping", at: field.value.range)
            return
        }
        func absolute(_ path: String) -> String {
            path.hasPrefix("/") ? path : URL(fileURLWithPath: directory).appendingPathComponent(path).standardizedFileURL.path
        }
        func strings(_ entry: FieldSyntax) -> [String]? {
            guard let items = entry.value.sequenceItems, items.allSatisfy({ $0.scalarValue != nil }) else {
                bag.report(.typeMismatch, "`\(entry.key)` must be a list of strings", at: entry.value.range)
                return nil
            }
            return items.compactMap(\.scalarValue)
        }
        for entry in pairs.fields {
            switch entry.key {
            case "rules":
                if let paths = strings(entry) { settings.rules = paths.map(absolute) }
            case "annotations":
                if let names = strings(entry) { settings.annotations = names }
            case "severity_label":
                if let name = entry.value.scalarValue { settings.severityLabel = name } else {
                    bag.report(.typeMismatch, "`severity_label` must be a label name", at: entry.value.range)
                }
            case "severities":
                guard let levels = RunbookParser.mapping(entry.value, bag: &bag) else {
                    bag.report(.typeMismatch, "`severities` must map label values to P0…P3", at: entry.value.range,
                               help: "write `severities: {critical: P1, warning: P2, info: P3}`")
                    continue
                }
                for level in levels.fields {
                    guard let text = level.value.scalarValue, let severity = StepSeverity(rawValue: text.uppercased()) else {
                        bag.report(.invalidValue, "`\(level.value.scalarValue ?? level.value.kindDescription)` is not a severity", at: level.value.range,
                                   help: "use P0, P1, P2 or P3")
                        continue
                    }
                    settings.severityLevels[level.key.lowercased()] = severity
                }
            case "runbook_urls":
                guard let items = entry.value.sequenceItems else {
                    bag.report(.typeMismatch, "`runbook_urls` must be a list of `{base_url, directory}` entries, found \(entry.value.kindDescription)",
                               at: entry.value.range, help: "write `runbook_urls: [{base_url: \"https://runbooks.example.org/\", directory: docs/runbooks}]`")
                    continue
                }
                for item in items {
                    let map = RunbookParser.mapping(item, bag: &bag)
                    if let map { reportUnknownKeys(map, allowed: ["base_url", "directory"], in: "a `runbook_urls` entry", bag: &bag) }
                    guard let map, let base = map["base_url"]?.value.scalarValue,
                          let dir = map["directory"]?.value.scalarValue else {
                        bag.report(.missingField, "a `runbook_urls` entry needs `base_url` and `directory`", at: item.range)
                        continue
                    }
                    settings.links.append(RunbookURLMapping(baseURL: base, directory: absolute(dir)))
                }
            default:
                bag.report(.unknownKey, "unknown key `\(entry.key)` in `alerts`", at: entry.keyRange,
                           help: Suggestions.closest(to: entry.key, in: alertKeys).map { "did you mean `\($0)`?" } ?? "keys: \(alertKeys.joined(separator: ", "))")
            }
        }
    }

    /// `default_severity: {"docs/**": P3, "**": P3}`: globs relative to this file, first match wins.
    static func readSeverityDefaults(_ field: FieldSyntax, bag: inout DiagnosticBag) -> [SeverityDefault] {
        guard let pairs = RunbookParser.mapping(field.value, bag: &bag) else {
            bag.report(.typeMismatch, "`default_severity` must map path globs to P0…P3", at: field.value.range,
                       help: "write `default_severity: {\"runbooks/**\": P2}`")
            return []
        }
        var defaults: [SeverityDefault] = []
        for entry in pairs.fields {
            guard let regex = globRegex(entry.key) else {
                bag.report(.invalidValue, "`\(entry.key)` is not a glob", at: entry.keyRange)
                continue
            }
            guard let text = entry.value.scalarValue, let severity = StepSeverity(rawValue: text.uppercased()) else {
                bag.report(.invalidValue, "`\(entry.value.scalarValue ?? entry.value.kindDescription)` is not a severity", at: entry.value.range,
                           help: "use P0, P1, P2 or P3")
                continue
            }
            defaults.append(SeverityDefault(glob: entry.key, pattern: regex, severity: severity))
        }
        return defaults
    }

    static func globs(_ field: FieldSyntax?, bag: inout DiagnosticBag) -> [NSRegularExpression] {
        guard let field else { return [] }
        guard let items = field.value.sequenceItems else {
            bag.report(.typeMismatch, "`\(field.key)` must be a list of globs, found \(field.value.kindDescription)", at: field.value.range,
                       help: "write `\(field.key): [\"examples/broken/**\"]`")
            return []
        }
        var result: [NSRegularExpression] = []
        for item in items {
            guard let glob = item.scalarValue, let regex = globRegex(glob) else {
                bag.report(.typeMismatch, "an `\(field.key)` entry must be a glob string, found \(item.kindDescription)", at: item.range)
                continue
            }
            result.append(regex)
        }
        return result
    }

    /// `rules: {RB003: off, verification-missing: error}`.
    static func readRules(_ field: FieldSyntax, into lint: inout LintConfiguration, bag: inout DiagnosticBag) {
        guard let pairs = RunbookParser.mapping(field.value, bag: &bag) else {
            bag.report(.typeMismatch, "`rules` must map rule ids to off, error, warning or info", at: field.value.range)
            return
        }
        let configurable = DiagnosticCode.compilerCatalog.filter(\.isConfigurable)
        let names = RuleRegistry.descriptions.map(\.id) + RuleRegistry.descriptions.map(\.slug)
            + configurable.map(\.id) + configurable.map(\.slug)
        for entry in pairs.fields {
            // Lint rules and the compiler's structure, type and expression diagnostics (`RB2004: off`).
            guard let id = RuleRegistry.description(for: entry.key)?.id ?? DiagnosticCode.configurable(named: entry.key)?.id else {
                let fixed = DiagnosticCode.compilerCatalog.first { $0.id.caseInsensitiveCompare(entry.key) == .orderedSame || $0.slug == entry.key }
                if let fixed {
                    bag.report(.invalidValue, "`\(fixed.id)` (\(fixed.slug)) cannot be configured", at: entry.keyRange,
                               help: "unreadable input and syntax errors always stop compilation; fix the file")
                } else {
                    bag.report(.unknownKey, "unknown rule `\(entry.key)`", at: entry.keyRange,
                               help: Suggestions.closest(to: entry.key, in: names).map { "did you mean `\($0)`?" } ?? "`rbc rules` lists them")
                }
                continue
            }
            switch entry.value.scalarValue?.lowercased() {
            case "off", "false", "disabled": lint.severities[id] = .some(nil)
            case "error": lint.severities[id] = .error
            case "warning": lint.severities[id] = .warning
            case "info": lint.severities[id] = .info
            default:
                bag.report(.invalidValue, "`\(entry.value.scalarValue ?? entry.value.kindDescription)` is not a rule setting", at: entry.value.range,
                           help: "use off, error, warning or info")
            }
        }
    }

    /// `budgets: {P0: 15m, P1: 30m}`.
    static func readBudgets(_ field: FieldSyntax, into lint: inout LintConfiguration, bag: inout DiagnosticBag) {
        guard let pairs = RunbookParser.mapping(field.value, bag: &bag) else {
            bag.report(.typeMismatch, "`budgets` must map severities to durations", at: field.value.range, help: "write `budgets: {P0: 15m, P1: 30m}`")
            return
        }
        for entry in pairs.fields {
            guard let severity = StepSeverity(rawValue: entry.key) else {
                bag.report(.invalidValue, "`\(entry.key)` is not a severity", at: entry.keyRange, help: "use P0, P1, P2 or P3")
                continue
            }
            guard let text = entry.value.scalarValue, case .success(let ms) = DurationParser.milliseconds(text), ms > 0 else {
                bag.report(.invalidDuration, "`\(entry.value.scalarValue ?? "")` is not a duration", at: entry.value.range, help: "write `15m` or `2h`")
                continue
            }
            lint.settings.budgetsMs[severity] = ms
        }
    }

    /// `shellcheck: {enabled: true, exclude: [SC2086], timeout: 60s}`.
    static func readShellCheck(_ field: FieldSyntax, into lint: inout LintConfiguration, bag: inout DiagnosticBag) {
        guard let pairs = RunbookParser.mapping(field.value, bag: &bag) else {
            bag.report(.typeMismatch, "`shellcheck` must be a mapping", at: field.value.range, help: "write `shellcheck: {exclude: [SC2086]}`")
            return
        }
        for entry in pairs.fields {
            switch entry.key {
            case "enabled":
                guard entry.value.scalarKind == .bool, let text = entry.value.scalarValue else {
                    bag.report(.typeMismatch, "`enabled` must be true or false", at: entry.value.range)
                    continue
                }
                lint.shellcheck.enabled = ["true", "yes", "on"].contains(text.lowercased())
            case "exclude":
                guard let items = entry.value.sequenceItems else {
                    bag.report(.typeMismatch, "`exclude` must be a list of ShellCheck codes, found \(entry.value.kindDescription)", at: entry.value.range,
                               help: "write `exclude: [SC2086]`")
                    continue
                }
                for item in items {
                    guard let code = item.scalarValue, code.range(of: "^(SC)?[0-9]{4}$", options: .regularExpression) != nil else {
                        bag.report(.invalidValue, "`\(item.scalarValue ?? "")` is not a ShellCheck code", at: item.range, help: "write `SC2086`")
                        continue
                    }
                    lint.shellcheck.excluded.append(code.hasPrefix("SC") ? code : "SC" + code)
                }
            case "timeout":
                guard let text = entry.value.scalarValue, case .success(let ms) = DurationParser.milliseconds(text), ms > 0 else {
                    bag.report(.invalidDuration, "`\(entry.value.scalarValue ?? "")` is not a duration", at: entry.value.range, help: "write `60s` or `2m`")
                    continue
                }
                lint.shellcheck.timeLimitMs = ms
            default:
                bag.report(.unknownKey, "unknown key `\(entry.key)` in `shellcheck`", at: entry.keyRange,
                           help: Suggestions.closest(to: entry.key, in: ["enabled", "exclude", "timeout"]).map { "did you mean `\($0)`?" } ?? "keys: enabled, exclude, timeout")
            }
        }
    }

    /// Whether `.rbc.yaml` `documentation:` names this Markdown page as written for people.
    public func isDocumentation(_ path: String) -> Bool {
        guard !documentationGlobs.isEmpty, let relative = relativePath(path) else { return false }
        let range = NSRange(relative.startIndex..., in: relative)
        return documentationGlobs.contains { $0.firstMatch(in: relative, range: range) != nil }
    }

    /// What compiling a file needs from the configuration: compiler diagnostics' settings, whether
    /// the page is documentation by glob. `rbc check` infers severities from one alert index for all
    /// files; `withInferredSeverity` reads the alert rules for one file (`rbc compile`, `rbc run`).
    public func compileSettings(for path: String, withInferredSeverity: Bool = false) -> CompileSettings {
        var settings = CompileSettings()
        settings.rules = lint
        settings.documentation = isDocumentation(path)
        if withInferredSeverity { settings.inferredSeverity = inferredSeverity(for: path) }
        return settings
    }

    /// Whether a path found by walking a directory is skipped. Globs match paths relative to `directory`:
    /// `*` and `?` stay within one path segment, `**` crosses segments.
    public func isExcluded(_ path: String) -> Bool {
        guard !excludes.isEmpty || !includes.isEmpty, let relative = relativePath(path) else { return false }
        let range = NSRange(relative.startIndex..., in: relative)
        if !includes.isEmpty, !includes.contains(where: { $0.firstMatch(in: relative, range: range) != nil }) { return true }
        return excludes.contains { $0.firstMatch(in: relative, range: range) != nil }
    }

    /// The path relative to `directory`, or nil when it lies outside.
    func relativePath(_ path: String) -> String? {
        let absolute = StandardPath.absolute(path)
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        return absolute.hasPrefix(prefix) ? String(absolute.dropFirst(prefix.count)) : nil
    }

    /// The `default_severity` for a runbook at `path`, by the first glob that matches it.
    public func defaultSeverity(for path: String) -> InferredSeverity? {
        // Most trees set no `default_severity`: no path arithmetic per file then (7 % of a warm check).
        guard !severityDefaults.isEmpty, let relative = relativePath(path) else { return nil }
        let range = NSRange(relative.startIndex..., in: relative)
        guard let match = severityDefaults.first(where: { $0.pattern.firstMatch(in: relative, range: range) != nil }) else { return nil }
        return InferredSeverity(match.severity, source: SeveritySourceIR(kind: .configDefault, from: match.glob, file: Configuration.fileName))
    }

    /// The severity for a runbook that states none, as `rbc check` decides it: the most severe
    /// alert rule (of `alerts.rules`) linking to it, else `default_severity`.
    public func inferredSeverity(for path: String) -> InferredSeverity? {
        if !alerts.rules.isEmpty, let fromAlerts = AlertIndex(paths: alerts.rules, settings: alerts).severity(forRunbookAt: path) {
            return fromAlerts
        }
        return defaultSeverity(for: path)
    }

    static func globRegex(_ glob: String) -> NSRegularExpression? {
        var pattern = "^"
        var characters = Array(glob)
        if characters.first == "/" { characters.removeFirst() }
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character == "*" {
                if index + 1 < characters.count, characters[index + 1] == "*" {
                    // `**/` matches zero or more directories; a trailing `**` matches everything below.
                    if index + 2 < characters.count, characters[index + 2] == "/" {
                        pattern += "(?:.*/)?"
                        index += 3
                    } else {
                        pattern += ".*"
                        index += 2
                    }
                    continue
                }
                pattern += "[^/]*"
            } else if character == "?" {
                pattern += "[^/]"
            } else {
                pattern += NSRegularExpression.escapedPattern(for: String(character))
            }
            index += 1
        }
        return try? NSRegularExpression(pattern: pattern + "$")
    }
}

/// One `default_severity` entry.
public struct SeverityDefault: Sendable {
    public let glob: String
    let pattern: NSRegularExpression
    public let severity: StepSeverity
}

extension Configuration {
    /// What a run from here would find, for the rules that check a runbook against it.
    public var runEnvironment: RunEnvironment {
        RunEnvironment(configurationFile: file, stores: Set(stores.keys), notifications: notifications != nil, tickets: tickets != nil,
                       unattended: unattended)
    }

    /// The providers a run talks to (config stores, notification and ticket webhooks), as `.rbc.yaml` declares them.
    public func applyProviders(to settings: inout ExecutionSettings) {
        settings.stores = stores
        settings.notifications = notifications
        settings.tickets = tickets
    }
}
