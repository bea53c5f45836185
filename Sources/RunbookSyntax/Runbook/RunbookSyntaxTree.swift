// The runbook AST: the structure of a runbook (metadata, steps, rollbacks) with every key and value
// still positioned. Front ends (YAML, Markdown) produce it; the type checker interprets its values.

import RunbookSource

public enum SourceFormat: String, Sendable, Codable {
    case yaml, markdown
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
}

public struct RollbackSyntax: Sendable {
    public let fields: MappingSyntax
    public let keyRange: SourceRange
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

    public init(file: SourceFile, format: SourceFormat, metadata: MappingSyntax, headerRange: SourceRange,
                steps: [StepSyntax], stepsField: FieldSyntax?, postRunbook: [StepSyntax]) {
        self.file = file
        self.format = format
        self.metadata = metadata
        self.headerRange = headerRange
        self.steps = steps
        self.stepsField = stepsField
        self.postRunbook = postRunbook
    }
}
