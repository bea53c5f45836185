// What the alert coverage rules (RB022–RB026) read: every alerting rule of the rule files with its
// runbook link resolved, and the runbooks checked. The driver reads and resolves them once
// (RunbookDriver/AlertCoverage); the rules, each in its own file, decide what is reported.

import RunbookSema
import RunbookSource

/// A runbook link as an alerting rule's annotation writes it.
public struct AlertLink: Sendable {
    public let annotation: String
    public let value: String
    public let range: SourceRange

    public init(annotation: String, value: String, range: SourceRange) {
        self.annotation = annotation
        self.value = value
        self.range = range
    }
}

/// Where an alert's runbook link leads.
public enum AlertLinkResolution: Sendable, Equatable {
    case none
    /// The runbook file it names (absolute, standardised).
    case resolved(String)
    /// The runbook file it names (absolute, and as messages show it), but no heading of it has the
    /// link's `#anchor`: the page opens at its top.
    case missingAnchor(file: String, shown: String, anchor: String)
    /// Leads to nothing in this repository, with the reason.
    case dead(String)
    /// Holds a placeholder (`TODO`, `TBD`, `n/a`), not a link: the alert has no runbook yet.
    case placeholder
    /// Still holds a `{{ … }}` template after expanding the rule's labels.
    case unresolvable(String)
    /// An absolute URL under no `runbook_urls` mapping, by its origin (`https://host`).
    case external(String)
    /// A relative link (as written) that climbs out of the repository (`../../etc/passwd`): not followed.
    case outsideRepository(String)
}

/// An alerting rule: where its name is, and its link.
public struct CoveredAlert: Sendable {
    public let name: String
    public let file: SourceFile
    public let nameRange: SourceRange
    public let link: AlertLink?
    public let resolution: AlertLinkResolution
    /// Other annotations whose names say they hold the alert's documentation (`documentation`,
    /// `playbook`, `sop_url`…) and that hold a link: a runbook under another name, for RB022's help.
    public let documentationAnnotations: [String]
    /// Read from a template (a Helm chart's) whose actions inside the rule may add annotations when it
    /// is rendered: no link here is no proof that the rendered rule has none.
    public let annotationsMayBeRendered: Bool
    /// Kept under a values block switched off (`enabled: false`, a chart's example rules): loaded by no
    /// default, so having no runbook is no finding; its link, when it has one, is still checked.
    public let disabled: Bool

    public init(name: String, file: SourceFile, nameRange: SourceRange, link: AlertLink?, resolution: AlertLinkResolution,
                documentationAnnotations: [String] = [], annotationsMayBeRendered: Bool = false, disabled: Bool = false) {
        self.name = name
        self.file = file
        self.nameRange = nameRange
        self.link = link
        self.resolution = resolution
        self.documentationAnnotations = documentationAnnotations
        self.annotationsMayBeRendered = annotationsMayBeRendered
        self.disabled = disabled
    }

    /// Annotation names that say they hold documentation for the alert.
    public static func namesDocumentation(_ annotation: String) -> Bool {
        let words = annotation.lowercased().split { !$0.isLetter }
        return words.contains { ["documentation", "docs", "doc", "playbook", "sop", "wiki", "troubleshooting", "howto"].contains($0) }
    }
}

/// A rule file written as a template (Helm's `{{- if … }}` lines, or a `.tpl` name): not YAML, so its alerts were not read.
public struct TemplatedRuleFile: Sendable {
    public let file: SourceFile
    /// The first `alert:` name in it (the file's start when it has none).
    public let range: SourceRange
    /// The names of its `alert:` lines, read without parsing, unquoted (templated ones as written: `AlertNames` matches them).
    public let alertNames: [String]
    /// How many `alert:` lines it has, templated names included.
    public let alertCount: Int
    /// The name's template ending (`.tpl`) when the name says it is one; nil when its text does.
    public let templateSuffix: String?

    public init(file: SourceFile, range: SourceRange, alertNames: [String], alertCount: Int? = nil, templateSuffix: String? = nil) {
        self.file = file
        self.range = range
        self.alertNames = alertNames
        self.alertCount = alertCount ?? alertNames.count
        self.templateSuffix = templateSuffix
    }
}

/// A checked runbook, for the rules that compare runbooks with the alerts.
public struct CoveredRunbook: Sendable {
    public let ir: RunbookIR
    public let file: SourceFile

    public init(ir: RunbookIR, file: SourceFile) {
        self.ir = ir
        self.file = file
    }
}

public protocol AlertCoverageContext {
    /// Every alerting rule, in rule-file order.
    var alerts: [CoveredAlert] { get }
    /// Rule files that are templates, not YAML, in the order they were read.
    var templatedRuleFiles: [TemplatedRuleFile] { get }
    /// The annotations that hold a runbook link, in the order they are read (`alerts: {annotations:}`).
    var annotations: [String] { get }
    var runbooks: [CoveredRunbook] { get }
}

/// A finding of a coverage rule: in an alert rule file or in a runbook.
public struct PlacedFinding: Sendable {
    public let file: SourceFile
    public let finding: LintFinding

    public init(_ file: SourceFile, _ finding: LintFinding) {
        self.file = file
        self.finding = finding
    }
}

/// A rule over the alert rules and the runbooks together (`rbc check --alerts`).
public protocol AlertCoverageRule: DescribedRule {
    func check(_ context: any AlertCoverageContext) -> [PlacedFinding]
}

extension AlertLinkResolution {
    /// The runbook file the link opens, with or without its anchor.
    public var runbook: String? {
        switch self {
        case .resolved(let file), .missingAnchor(let file, _, _): file
        default: nil
        }
    }

    /// What an annotation holds when the alert has no runbook yet: `TODO`, `TBD: write it`, `n/a`,
    /// `none`, `-`. Compared whole (or by a first word followed by `:`), so a path is never one.
    public static func isPlaceholder(_ text: String) -> Bool {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let words: Set<String> = ["todo", "tbd", "tba", "tbc", "fixme", "xxx", "n/a", "na", "none", "null", "nil", "-", "--", "?", "...", "…",
                                  "#", "placeholder", "missing", "unknown"]
        if words.contains(value) { return true }
        guard let colon = value.firstIndex(of: ":"), !value[colon...].hasPrefix("://") else { return false }
        return ["todo", "tbd", "fixme"].contains(String(value[..<colon]))
    }
}

extension AlertCoverageContext {
    /// `runbook_url` or `runbook`, as messages name the annotations.
    public var annotationList: String { annotations.map { "`\($0)`" }.joined(separator: " or ") }
}

extension AlertLink {
    /// Whether a link still holding a template waits for Alertmanager (`{{ $labels.type }}`, filled
    /// when the alert fires), not for another tool before the rules load: `[[ .RunbookURL ]]`,
    /// `${VAR}`, or Helm's `{{ .Values.runbookUrl }}` (a chart's value with no default).
    public static func waitsForAlertmanager(_ template: String) -> Bool {
        template.contains("{{") && ![".Values.", ".Release.", ".Chart.", ".Capabilities.", "include ", "template \""].contains(where: template.contains)
    }

    /// A link as messages quote it: whole up to 200 characters, else its start and end around `…`
    /// (a generated annotation can be any length; a message stays one readable line).
    public static func quoted(_ text: String) -> String {
        guard text.count > 200 else { return text }
        return String(text.prefix(120)) + "…" + String(text.suffix(40))
    }
}

/// "1 alert", "3 alerts".
func pluralized(_ count: Int, _ word: String) -> String { "\(count) \(word)\(count == 1 ? "" : "s")" }
