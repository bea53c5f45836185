// The runbook AST, in two views both front ends (YAML, Markdown) produce: `RunbookSyntaxTree`, the
// typed tree the type checker reads (every value parsed, with its meaning and where its text came
// from), and the positioned YAML view beside it (fields holding `YAMLNode`s) that lint rules and the
// language server read.

import RunbookSource

public enum SourceFormat: String, Sendable, Codable {
    case yaml, markdown
}

/// Who a runbook is written for. A Markdown page that declares nothing for rbc to run (no step
/// labels, fence attributes, `yaml rbc` blocks or execution keys in its front matter) is written
/// for people: it has steps to read, no required severity, and lint rules scope themselves by it.
public enum RunbookKind: String, Sendable, Codable {
    case executable, documentation
}

/// One `key: value` entry, kept with the key's own range for diagnostics.
public struct FieldSyntax: Sendable {
    public let key: String
    public let keyRange: SourceRange
    public let value: YAMLNode

    public init(key: String, keyRange: SourceRange, value: YAMLNode) {
        self.key = key
        self.keyRange = keyRange
        self.value = value
    }
}

/// A mapping after `<<` merges are applied, in source order.
public struct MappingSyntax: Sendable {
    public let fields: [FieldSyntax]
    public let range: SourceRange

    public init(fields: [FieldSyntax], range: SourceRange) {
        self.fields = fields
        self.range = range
    }

    public subscript(key: String) -> FieldSyntax? {
        fields.first { $0.key == key }
    }
}

public struct StepSyntax: Sendable {
    /// The step's own keys, `rollback` excluded.
    public let fields: MappingSyntax
    public let rollback: RollbackSyntax?
    public let range: SourceRange

    public init(fields: MappingSyntax, rollback: RollbackSyntax?, range: SourceRange) {
        self.fields = fields
        self.rollback = rollback
        self.range = range
    }
}

public struct RollbackSyntax: Sendable {
    public let fields: MappingSyntax
    public let keyRange: SourceRange

    public init(fields: MappingSyntax, keyRange: SourceRange) {
        self.fields = fields
        self.keyRange = keyRange
    }
}

/// A named procedure (seed "Common Issues": one per issue), with its own steps.
public struct ProcedureSyntax: Sendable {
    /// The procedure's own keys (`id`, `name`, `symptoms`, `diagnosis`, `description`), `steps` excluded.
    public let fields: MappingSyntax
    public let steps: [StepSyntax]
    public let range: SourceRange

    public init(fields: MappingSyntax, steps: [StepSyntax], range: SourceRange) {
        self.fields = fields
        self.steps = steps
        self.range = range
    }
}

/// Prose a front end keeps as documentation (Markdown sections that are not runbook structure).
public struct DocumentationSyntax: Sendable {
    public let title: String?
    public let markdown: String
    public let range: SourceRange

    public init(title: String?, markdown: String, range: SourceRange) {
        self.title = title
        self.markdown = markdown
        self.range = range
    }
}

/// The typed runbook tree: the runbook's structure (metadata, steps, rollbacks, procedures) with every
/// value read to the end — lists, mappings with merges applied, scalars with their meaning — and the
/// origin of its text (`ValueOrigin`). The type checker reads only this; it never reads YAML nodes as
/// structure or guesses a value's source from a YAML style.
public struct RunbookSyntaxTree: Sendable {
    /// The keys under `runbook:` (or a Markdown page's front matter and derived fields) other than
    /// the step lists and procedures.
    public let metadata: SyntaxMapping
    public let steps: [StepNode]
    /// The `steps` key, when present.
    public let stepsField: SyntaxField?
    public let postRunbook: [StepNode]
    public let rollback: [StepNode]
    public let procedures: [ProcedureNode]
}

public struct StepNode: Sendable {
    /// The step's own keys, `rollback` excluded.
    public let fields: SyntaxMapping
    public let rollback: RollbackNode?
    public let range: SourceRange
}

public struct RollbackNode: Sendable {
    public let fields: SyntaxMapping
    public let keyRange: SourceRange
}

public struct ProcedureNode: Sendable {
    /// The procedure's own keys, `steps` excluded.
    public let fields: SyntaxMapping
    public let steps: [StepNode]
    public let range: SourceRange
}

extension RunbookSyntaxTree {
    /// The tree of a runbook whose structure the grammar split into positioned fields.
    init(metadata: MappingSyntax, steps: [StepSyntax], stepsField: FieldSyntax?, postRunbook: [StepSyntax],
         rollback: [StepSyntax], procedures: [ProcedureSyntax], markdown: MarkdownValueOrigins?) {
        var reader = SyntaxValueReader(markdown: markdown)
        func stepNodes(_ steps: [StepSyntax]) -> [StepNode] {
            steps.map { step in
                StepNode(fields: reader.read(step.fields),
                         rollback: step.rollback.map { RollbackNode(fields: reader.read($0.fields), keyRange: $0.keyRange) },
                         range: step.range)
            }
        }
        self.metadata = reader.read(metadata)
        self.steps = stepNodes(steps)
        self.stepsField = stepsField.map { SyntaxField(key: $0.key, keyRange: $0.keyRange, value: reader.read($0.value)) }
        self.postRunbook = stepNodes(postRunbook)
        self.rollback = stepNodes(rollback)
        self.procedures = procedures.map { ProcedureNode(fields: reader.read($0.fields), steps: stepNodes($0.steps), range: $0.range) }
    }
}

public struct RunbookSyntax: Sendable {
    public let file: SourceFile
    public let format: SourceFormat
    /// The keys under `runbook:` other than `steps` and `post_runbook`.
    public let metadata: MappingSyntax
    /// Where `runbook:` is, for diagnostics about the whole runbook.
    public let headerRange: SourceRange
    public let steps: [StepSyntax]
    /// The `steps` key, when present.
    public let stepsField: FieldSyntax?
    public let postRunbook: [StepSyntax]
    /// Runbook-wide rollback, run after the steps' own rollbacks when a run aborts.
    public let rollback: [StepSyntax]
    public let procedures: [ProcedureSyntax]
    public let documentation: [DocumentationSyntax]
    /// Whether the steps come from a front end that derives them (Markdown) rather than a `steps:` key.
    public let stepsAreDerived: Bool
    /// YAML runbooks are executable; a Markdown page is documentation unless it declares execution.
    /// The driver may mark a page documentation (`.rbc.yaml` `documentation:` globs).
    public var kind: RunbookKind
    /// The typed tree of the same runbook, for the type checker.
    public let tree: RunbookSyntaxTree
    /// A Markdown page's front matter did not parse (its error is reported): what it may have said
    /// (severity, owner, defaults, params…) is unknown, so its absence is no finding.
    public var frontMatterUnread = false

    public init(file: SourceFile, format: SourceFormat, metadata: MappingSyntax, headerRange: SourceRange,
                steps: [StepSyntax], stepsField: FieldSyntax?, postRunbook: [StepSyntax],
                rollback: [StepSyntax] = [], procedures: [ProcedureSyntax] = [],
                documentation: [DocumentationSyntax] = [], stepsAreDerived: Bool = false, kind: RunbookKind = .executable) {
        self.init(file: file, format: format, metadata: metadata, headerRange: headerRange, steps: steps, stepsField: stepsField,
                  postRunbook: postRunbook, rollback: rollback, procedures: procedures, documentation: documentation,
                  stepsAreDerived: stepsAreDerived, kind: kind, markdown: nil)
    }

    /// `markdown`: what the Markdown front end decided about the values it derived.
    init(file: SourceFile, format: SourceFormat, metadata: MappingSyntax, headerRange: SourceRange,
         steps: [StepSyntax], stepsField: FieldSyntax?, postRunbook: [StepSyntax],
         rollback: [StepSyntax], procedures: [ProcedureSyntax],
         documentation: [DocumentationSyntax], stepsAreDerived: Bool, kind: RunbookKind, markdown: MarkdownValueOrigins?) {
        self.file = file
        self.format = format
        self.metadata = metadata
        self.headerRange = headerRange
        self.steps = steps
        self.stepsField = stepsField
        self.postRunbook = postRunbook
        self.rollback = rollback
        self.procedures = procedures
        self.documentation = documentation
        self.stepsAreDerived = stepsAreDerived
        self.kind = kind
        self.tree = RunbookSyntaxTree(metadata: metadata, steps: steps, stepsField: stepsField, postRunbook: postRunbook,
                                      rollback: rollback, procedures: procedures, markdown: markdown)
    }
}
