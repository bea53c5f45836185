// What a rule sees of one runbook: the IR, each step paired with its syntax, the settings, and helpers
// that turn offsets inside a value into positions in the file.

import Foundation
import RunbookSema
import RunbookSource
import RunbookSyntax

/// One step with both views: its resolved IR and the syntax it was written as. A class: every rule
/// walks every step, and copying the two large values out for each was 3 % of linting.
public final class StepView: Sendable {
    public enum List: String, Sendable { case steps, postRunbook = "post_runbook", rollback, procedure }
    public let ir: StepIR
    public let syntax: StepSyntax
    public let list: List
    /// Position in its list.
    public let position: Int
    public let procedure: String?

    init(ir: StepIR, syntax: StepSyntax, list: List, position: Int, procedure: String?) {
        self.ir = ir
        self.syntax = syntax
        self.list = list
        self.position = position
        self.procedure = procedure
    }

    /// Where the step is: its `id` value, or the step's start.
    public var anchor: SourceRange {
        syntax.fields["id"]?.value.range ?? SourceRange(start: syntax.range.start, end: syntax.range.start + 1)
    }

    public func field(_ key: String) -> FieldSyntax? { syntax.fields[key] }
}

/// What a run would find around the runbook: the `.rbc.yaml` it would read. Rules that check a run
/// has what it needs (stores, webhooks, someone to approve) read it; nil means unknown, and they stay quiet.
public struct RunEnvironment: Sendable {
    /// The configuration file's path; nil when there is none.
    public var configurationFile: String?
    public var stores: Set<String>
    public var notifications: Bool
    public var tickets: Bool
    /// Runs happen without anyone at a terminal (CI, alert automation): `unattended: true`.
    public var unattended: Bool

    public init(configurationFile: String? = ".rbc.yaml", stores: Set<String> = [], notifications: Bool = false, tickets: Bool = false,
                unattended: Bool = false) {
        self.configurationFile = configurationFile
        self.stores = stores
        self.notifications = notifications
        self.tickets = tickets
        self.unattended = unattended
    }
}

public struct LintSettings: Sendable {
    /// Worst-case time from the first step to the end of the rollbacks, per severity.
    public var budgetsMs: [StepSeverity: Int]
    public var environment: RunEnvironment?
    /// The section templates of `.rbc.yaml`'s `sections:`, each for the paths it names.
    public var sectionTemplates: [SectionTemplateSetting] = []
    /// The complete file list of the repository being checked; nil when unknown (no repository,
    /// `--no-git`), and then a link to a missing file is not reported (RB031).
    public var repositoryTree: RepositoryTree?

    public static let defaultBudgetsMs: [StepSeverity: Int] = [.p0: 15 * 60_000, .p1: 30 * 60_000, .p2: 2 * 3_600_000, .p3: 24 * 3_600_000]

    public init(budgetsMs: [StepSeverity: Int] = LintSettings.defaultBudgetsMs, environment: RunEnvironment? = nil) {
        self.budgetsMs = budgetsMs
        self.environment = environment
    }
}

public struct LintContext: Sendable {
    public let ir: RunbookIR
    public let syntax: RunbookSyntax
    public let settings: LintSettings
    public var file: SourceFile { syntax.file }

    /// Headings, links and anchors of a Markdown runbook; nil for YAML.
    public let page: PageOutline?

    public init(ir: RunbookIR, syntax: RunbookSyntax, settings: LintSettings = LintSettings()) {
        self.ir = ir
        self.syntax = syntax
        self.settings = settings
        self.page = syntax.format == .markdown ? PageOutline(file: syntax.file) : nil
        // Built once: every rule walks these, and rebuilding them per rule was a tenth of a large runbook's check.
        let steps = Self.views(ir.steps, syntax.steps, .steps, nil)
        let procedures = zip(ir.procedures, syntax.procedures).map { Self.views($0.steps, $1.steps, .procedure, $0.id) }
        self.steps = steps
        self.allSteps = steps + Self.views(ir.postRunbook, syntax.postRunbook, .postRunbook, nil)
            + Self.views(ir.rollback, syntax.rollback, .rollback, nil) + procedures.flatMap { $0 }
        self.sequences = ([steps] + procedures).filter { !$0.isEmpty }
    }

    /// Whether this runbook is a page written for people to read rather than one rbc runs: the IR's
    /// `runbook.kind`, decided by the front end (and `.rbc.yaml` `documentation:` globs). Rules
    /// declare which of the two they apply to (`RuleScope`).
    public var isDocumentation: Bool { ir.runbook.kind == .documentation }

    /// The main steps, in order.
    public let steps: [StepView]

    /// Every step of every list: main steps, post-runbook actions, runbook-wide rollback, procedures.
    public let allSteps: [StepView]

    /// The step lists that run in order: the main steps, then each procedure on its own.
    public let sequences: [[StepView]]

    static func views(_ steps: [StepIR], _ syntax: [StepSyntax], _ list: StepView.List, _ procedure: String?) -> [StepView] {
        zip(steps, syntax).enumerated().map { StepView(ir: $1.0, syntax: $1.1, list: list, position: $0, procedure: procedure) }
    }

    /// The source range of `value[start..<end]` for a scalar node.
    public func range(in node: YAMLNode, _ start: Int, _ end: Int) -> SourceRange {
        guard let value = node.scalarValue else { return node.range }
        return ValueLocator(file: file, node: node, value: value).range(start, end)
    }

    /// Where a regex match of a step field's value is, in the file.
    public func range(of match: Range<String.Index>, in node: YAMLNode) -> SourceRange {
        guard let value = node.scalarValue else { return node.range }
        let start = value.utf8.distance(from: value.startIndex, to: match.lowerBound)
        let end = value.utf8.distance(from: value.startIndex, to: match.upperBound)
        return range(in: node, start, end)
    }

    /// The simple commands of a shell text (`CommandAnalysis.commands`), read once per text: several
    /// rules (RB016, RB022, RB023, RB014) read the same command.
    public func commands(in text: String) -> [SimpleCommand] { shellReadings.commands(in: text) }
    private let shellReadings = ShellReadings()

    /// `CommandAnalysis.isReadOnly(command:)` on the commands read once per text.
    public func isReadOnly(command: String) -> Bool {
        let parsed = commands(in: command)
        return !parsed.isEmpty && parsed.allSatisfy(CommandAnalysis.isReadOnly)
    }

    /// `StepClassification.isChange` / `isCheck`, reading each command once for every rule that asks (RB004, RB005).
    public func isChange(_ step: StepIR) -> Bool { StepClassification.isChange(step, commandIsReadOnly: isReadOnly(command:)) }
    public func isCheck(_ step: StepIR) -> Bool { StepClassification.isCheck(step, commandIsReadOnly: isReadOnly(command:)) }

    /// The rollback's fields, if the step has one.
    public func rollbackField(_ view: StepView, _ key: String) -> FieldSyntax? { view.syntax.rollback?.fields[key] }

    /// A fix in the syntax the runbook is written in: Markdown runbooks get labels and fence attributes, not YAML keys.
    public func hint(yaml: String, markdown: String) -> String {
        syntax.format == .markdown ? markdown : yaml
    }

    public func describe(_ view: StepView) -> String {
        switch view.list {
        case .steps: "step `\(view.ir.id)`"
        case .postRunbook: "post_runbook action `\(view.ir.id)`"
        case .rollback: "rollback action `\(view.ir.id)`"
        case .procedure: "step `\(view.ir.id)` of procedure `\(view.procedure ?? "")`"
        }
    }
}

/// The runbook's name as written (the `name` value, or the Markdown title): where findings about
/// the runbook as a whole go (RB011–RB013).
func nameRange(_ context: LintContext) -> RunbookSource.SourceRange {
    context.syntax.metadata["name"]?.value.range ?? context.syntax.headerRange
}

/// The `${{ … }}` of a substitution in the file (RB014, RB015).
func expressionRange(_ context: LintContext, _ substitution: SubstitutionIR) -> SourceRange? {
    substitution.location?.range
}

/// Each shell text's simple commands, kept for the context's rules.
// @unchecked: `read` is used only under `lock`.
private final class ShellReadings: @unchecked Sendable {
    private let lock = NSLock()
    private var read: [String: [SimpleCommand]] = [:]

    func commands(in text: String) -> [SimpleCommand] {
        lock.lock()
        defer { lock.unlock() }
        if let known = read[text] { return known }
        let commands = CommandAnalysis.commands(text)
        read[text] = commands
        return commands
    }
}
