// The runbook AST: the structure of a runbook (metadata, steps, rollbacks) with every key and value
// still positioned. Front ends (YAML, Markdown) produce it; the type checker interprets its values.

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

    public init(file: SourceFile, format: SourceFormat, metadata: MappingSyntax, headerRange: SourceRange,
                steps: [StepSyntax], stepsField: FieldSyntax?, postRunbook: [StepSyntax],
                rollback: [StepSyntax] = [], procedures: [ProcedureSyntax] = [],
                documentation: [DocumentationSyntax] = [], stepsAreDerived: Bool = false, kind: RunbookKind = .executable) {
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
    }
}
