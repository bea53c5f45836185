// What a lint rule is: an id that is never reused, a description whose examples are its tests, and a
// check over one compiled runbook that returns findings instead of printing them.

import RunbookSema
import RunbookSource

public enum RuleCategory: String, Sendable, CaseIterable {
    case rollback, timeouts, verification, safety, credentials, placeholders, metadata, expressions, shell, suppressions, history, alerts,
         configuration, documentation
}

/// What a rule needs beyond the runbook itself; such rules are tested on real repositories and rule files.
public enum RuleRequirement: String, Sendable {
    case runbook, gitHistory = "git history", alertRules = "alert rules"
}

/// An example runbook for a rule. `↓` marks where each finding must start and the next `↑` where it
/// must end (`↓↑` for an empty range); the marks are removed before compiling. Markdown examples
/// start with `---` or `#`.
public struct RuleExample: Sendable {
    public static let startMark: Character = "↓"
    public static let endMark: Character = "↑"

    public let source: String
    public let isMarkdown: Bool
    /// The `.rbc.yaml` a run would read, for rules about what a run needs.
    public var environment: RunEnvironment?

    public init(_ source: String, markdown: Bool = false) {
        self.source = source
        self.isMarkdown = markdown
    }

    /// The example as the user would write it: the marks removed.
    public var plainText: String { marked.text }

    /// The example without its marks, and the byte range in that text each `↓`…`↑` pair marks. A `↓`
    /// without its `↑`, or an `↑` without a `↓`, is a mistake in the example: `isWellFormed` is false.
    public var marked: (text: String, ranges: [Range<Int>], isWellFormed: Bool) {
        var text = ""
        var ranges: [Range<Int>] = []
        var open: Int?
        var isWellFormed = true
        for character in source {
            switch character {
            case Self.startMark:
                if open != nil { isWellFormed = false }
                open = text.utf8.count
            case Self.endMark:
                if let start = open { ranges.append(start..<text.utf8.count) } else { isWellFormed = false }
                open = nil
            default:
                text.append(character)
            }
        }
        return (text, ranges, isWellFormed && open == nil)
    }

    /// The same example, checked as if this configuration were beside it.
    public func with(_ environment: RunEnvironment) -> RuleExample {
        var copy = self
        copy.environment = environment
        return copy
    }

    /// A YAML runbook around step definitions, so examples show only what matters.
    public static func steps(_ steps: String, severity: String = "P3", extra: String = "") -> RuleExample {
        RuleExample("""
        runbook:
          name: "Example"
          severity: \(severity)
          owner: team-sre
          triggers: [{alert: Example}]
          escalation: "#sre-oncall"
        \(extra)  steps:
        \(steps)
        """)
    }
}

/// Which runbooks a rule speaks about: the ones rbc runs, pages written for people, or both.
/// A page for people is read under stress, not executed: timeouts, owners and verification steps
/// are the business of runbooks rbc runs; commands that parse and do no harm matter on both.
public enum RuleScope: String, Sendable, CaseIterable {
    case executable = "executable runbooks"
    case documentation = "pages for people"
    case both = "all runbooks"

    public func applies(toDocumentation isDocumentation: Bool) -> Bool {
        switch self {
        case .both: true
        case .executable: !isDocumentation
        case .documentation: isDocumentation
        }
    }
}

public struct RuleDescription: Sendable {
    public let id: String
    public let slug: String
    public let category: RuleCategory
    public let severity: Severity
    public let summary: String
    /// Why the rule exists and how to fix what it finds, in Markdown.
    public let rationale: String
    public let triggering: [RuleExample]
    public let nonTriggering: [RuleExample]
    public let requires: RuleRequirement
    public let scope: RuleScope
    /// The fix its findings carry where one is exact (see `Fix`); nil when it offers none.
    public let fix: FixApplicability?
    /// The rule reports what a runbook does not state (an owner, escalation, a review date, defaults,
    /// params, a rollback), which a Markdown page may state in its front matter: it is not run on a
    /// page whose front matter does not parse, where those findings are that error's consequences.
    public let answersFromFrontMatter: Bool

    public init(id: String, slug: String, category: RuleCategory, severity: Severity, scope: RuleScope = .both,
                summary: String, rationale: String, triggering: [RuleExample], nonTriggering: [RuleExample],
                requires: RuleRequirement = .runbook, fix: FixApplicability? = nil, answersFromFrontMatter: Bool = false) {
        self.fix = fix
        self.answersFromFrontMatter = answersFromFrontMatter
        self.requires = requires
        self.scope = scope
        self.id = id
        self.slug = slug
        self.category = category
        self.severity = severity
        self.summary = summary
        self.rationale = rationale
        self.triggering = triggering
        self.nonTriggering = nonTriggering
    }

    /// The diagnostic code this rule's findings carry.
    public var code: DiagnosticCode { DiagnosticCode(id, slug, severity, summary) }
}

public struct LintFinding: Sendable {
    public var message: String
    public var range: SourceRange?
    public var help: String?
    public var notes: [DiagnosticNote]
    /// Overrides the rule's severity for this finding (ShellCheck's own levels).
    public var severity: Severity?
    /// Edits of the runbook's file that resolve this finding (see `Fix`).
    public var fix: Fix?

    public init(_ message: String, at range: SourceRange?, help: String? = nil, notes: [DiagnosticNote] = [], severity: Severity? = nil,
                fix: Fix? = nil) {
        self.fix = fix
        self.message = message
        self.range = range
        self.help = help
        self.notes = notes
        self.severity = severity
    }
}

/// What every rule has: an id and a description whose examples are its tests. What a rule checks,
/// and the context it needs for it, is the protocol of its kind: `LintRule` (one runbook),
/// `SuppressionRule`, `ShellCheckFindingRule`, `HistoryRule`, `AlertCoverageRule`. Each kind's `check`
/// holds the rule's logic in the rule's own file; the code that gathers the context (a git walk,
/// the alert rules, a ShellCheck run) decides nothing a finding says.
public protocol DescribedRule: Sendable {
    static var description: RuleDescription { get }
}

/// A rule over one compiled runbook.
public protocol LintRule: DescribedRule {
    func check(_ context: LintContext) -> [LintFinding]
}
