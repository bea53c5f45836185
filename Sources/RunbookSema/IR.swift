// The versioned intermediate representation (rbc.ir/v1): the only thing back ends consume.
// Everything is resolved: defaults applied, durations in milliseconds, severity normalised.

import Foundation
import RunbookSource
import RunbookSyntax

public enum JSONValue: Codable, Sendable, Equatable {
    case string(String), int(Int), double(Double), bool(Bool), null
    case array([JSONValue]), object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .null: try container.encodeNil()
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

/// Where an IR element was written: `range`, the UTF-8 byte offsets of the element in the source
/// file (a step's or trigger's mapping, a parameter's name, a substitution's whole `${{ … }}`), which
/// every consumer reads (lint, parameter binding, export); `line` and `column` are computed once
/// from `range.start` when the IR is built, for people and for readers without the source's bytes.
/// The JSON carries both: `start` and `end` (half-open); an IR written before rbc.ir/v1 gained them
/// has neither, and decodes with a nil `range`.
public struct IRLocation: Codable, Sendable, Equatable {
    public var file: String
    public var line: Int
    public var column: Int
    /// The bytes of the element in the source file; nil for an IR decoded from JSON without offsets.
    public var range: SourceRange?

    enum CodingKeys: String, CodingKey { case file, line, column, start, end }

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// The location of `range` in `file`.
    public init(_ range: SourceRange, in file: SourceFile) {
        let start = file.lineColumn(of: range.start)
        self.init(file: file.path, line: start.line, column: start.column)
        self.range = range
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        file = try container.decode(String.self, forKey: .file)
        line = try container.decode(Int.self, forKey: .line)
        column = try container.decode(Int.self, forKey: .column)
        if let start = try container.decodeIfPresent(Int.self, forKey: .start),
           let end = try container.decodeIfPresent(Int.self, forKey: .end), start >= 0, end >= start {
            range = SourceRange(start: start, end: end)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file, forKey: .file)
        try container.encode(line, forKey: .line)
        try container.encode(column, forKey: .column)
        try container.encodeIfPresent(range?.start, forKey: .start)
        try container.encodeIfPresent(range?.end, forKey: .end)
    }
}

public enum StepSeverity: String, Codable, Sendable, CaseIterable {
    case p0 = "P0", p1 = "P1", p2 = "P2", p3 = "P3"
}

public enum FailurePolicy: String, Codable, Sendable, CaseIterable {
    /// Stop and roll back the steps that completed, newest first.
    case abort
    /// Record the failure and go on with the next step.
    case `continue`
    /// Stop; roll back nothing.
    case halt
}

public enum ActionKind: String, Codable, Sendable, CaseIterable {
    case executeCommand = "execute_command"
    case updateConfig = "update_config"
    case sendNotification = "send_notification"
    case createTicket = "create_ticket"
    case httpRequest = "http_request"
    case wait
    case manual
}

public enum TimeoutSource: String, Codable, Sendable {
    case step, defaults, builtin
}

public struct ActionIR: Codable, Sendable, Equatable {
    public var kind: ActionKind
    public var command: String?
    public var shell: String?
    public var configKey: String?
    public var value: JSONValue?
    public var store: String?
    public var channel: String?
    public var message: String?
    public var title: String?
    public var labels: [String]?
    public var body: String?
    public var method: String?
    public var url: String?
    public var headers: [String: String]?
    public var durationMs: Int?
    public var instructions: String?
    /// The command with every `${{ }}` replaced by a quoted reference to its environment variable
    /// (see `StepIR.substitutions`): what the executor runs, so values are never spliced into shell text.
    public var commandTemplate: String?

    public init(kind: ActionKind) { self.kind = kind }
}

/// One `${{ }}` in a step's field, recorded structurally for the executor.
public struct SubstitutionIR: Codable, Sendable, Equatable {
    /// `command`, `message`, `url`, `headers.Authorization`, `rollback.command`, …
    public var field: String
    /// The expression's source text.
    public var expression: String
    public var type: String
    /// The names it reads: `params.service`, `steps.check.outputs.rate`.
    public var references: [String]
    /// The environment variable the executor sets to the value (commands read it through `commandTemplate`).
    public var variable: String
    /// For commands: where the expression sat in the shell text.
    public var quoting: ShellQuoting?
    /// It reads a secret parameter: plans, logs and journals show `***`.
    public var secret: Bool
    public var location: IRLocation?
    /// The checked expression: what the executor evaluates.
    public var tree: ExpressionIR?
}

/// A value a step publishes for later expressions: `steps.ID.outputs.NAME`.
public struct OutputIR: Codable, Sendable, Equatable {
    public var name: String
    /// `stdout`, `stderr` (commands) or `body` (HTTP requests).
    public var from: String
    /// A regular expression; its first capture group (or the whole match) is the value.
    public var pattern: String?
    /// A JSON path (`$.status.ready`) into the output parsed as JSON.
    public var json: String?
}

public struct RetryIR: Codable, Sendable, Equatable {
    /// Every try counts, the first one included.
    public var maxAttempts: Int
    public var backoffMs: Int
    public var multiplier: Double
}

public struct ExpectIR: Codable, Sendable, Equatable {
    public var exitCodes: [Int]?
    public var outputPattern: String?
    public var status: [Int]?
}

public struct RollbackIR: Codable, Sendable, Equatable {
    public var action: ActionIR
    public var description: String?
    public var timeoutMs: Int
    public var timeoutSource: TimeoutSource
    public var location: IRLocation?
}

public struct StepIR: Codable, Sendable, Equatable {
    public var id: String
    public var index: Int
    public var name: String?
    public var description: String?
    public var action: ActionIR
    public var timeoutMs: Int
    public var timeoutSource: TimeoutSource
    public var onFailure: FailurePolicy
    public var retry: RetryIR
    public var expect: ExpectIR?
    public var confirm: Bool
    public var readonly: Bool
    public var irreversible: String?
    /// What the command printed when the runbook was written (output lines of a Markdown console
    /// fence): kept for the reader, never run.
    public var exampleOutput: String?
    public var when: String?
    /// `when`, checked: what the executor evaluates.
    public var condition: ExpressionIR?
    public var outputs: [OutputIR]?
    public var substitutions: [SubstitutionIR]?
    /// Every templated field that holds `${{ }}`, as literal parts and substitutions.
    public var templates: [TemplateIR]?
    public var rollback: RollbackIR?
    public var location: IRLocation?
}

public struct TriggerIR: Codable, Sendable, Equatable {
    public var alert: String?
    public var metric: String?
    public var threshold: Double?
    public var durationMs: Int?
    public var description: String?
    public var location: IRLocation?
}

public enum ParamType: String, Codable, Sendable, CaseIterable {
    case string, int, number, bool, duration, `enum`
}

public struct ParamIR: Codable, Sendable, Equatable {
    public var name: String
    public var type: ParamType
    public var description: String?
    public var defaultValue: JSONValue?
    public var allowed: [JSONValue]?
    /// A regular expression the whole value must match (string parameters): a value of a known shape
    /// can go where text is interpreted again (`sh -c`, a config key segment).
    public var pattern: String?
    public var required: Bool
    public var secret: Bool
    public var location: IRLocation?

    enum CodingKeys: String, CodingKey {
        case name, type, description, defaultValue = "default", allowed, pattern, required, secret, location
    }
}

public struct MetadataIR: Codable, Sendable, Equatable {
    public var name: String
    /// `executable` (YAML, or Markdown that declares execution) or `documentation` (a page for people).
    public var kind: RunbookKind
    /// Nil when the runbook states none (documentation pages need not; `RB2004` turned off).
    public var severity: StepSeverity?
    public var description: String?
    public var owner: String?
    public var reviewed: String?
    public var reviewEveryMs: Int?
    public var tags: [String]
    public var escalation: [String]
    public var triggers: [TriggerIR]
    /// Where `severity` came from when the runbook does not state it; absent when it does.
    public var severitySource: SeveritySourceIR? = nil
    /// `concurrent_runs: true`: other runs may change the same config stores while this one runs
    /// (no run lock); absent means a run holds its stores for its whole length.
    public var concurrentRuns: Bool? = nil
}

/// A severity the runbook does not state, taken from the alert rule that links to it or from a
/// per-path default in `.rbc.yaml`, and where it came from (for the reader of the IR and of findings).
public struct SeveritySourceIR: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// The `severity` label of an alerting rule whose runbook annotation links to this runbook.
        case alertRule = "alert-rule"
        /// A `default_severity` glob in `.rbc.yaml` that matches this runbook's path.
        case configDefault = "config-default"
    }

    public var kind: Kind
    /// The alert's name, or the glob that matched.
    public var from: String
    /// The label value the severity was mapped from (`critical`, `s2`); nil for a config default.
    public var label: String?
    /// The alert rule file or the `.rbc.yaml` it was read from.
    public var file: String

    public init(kind: Kind, from: String, label: String? = nil, file: String) {
        self.kind = kind
        self.from = from
        self.label = label
        self.file = file
    }
}

/// A severity for a runbook that states none, decided outside the runbook (see `SeveritySourceIR`).
public struct InferredSeverity: Sendable, Equatable {
    public var severity: StepSeverity
    public var source: SeveritySourceIR

    public init(_ severity: StepSeverity, source: SeveritySourceIR) {
        self.severity = severity
        self.source = source
    }
}

public struct ProcedureIR: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var description: String?
    public var symptoms: String?
    public var diagnosis: String?
    public var steps: [StepIR]
    public var location: IRLocation?
}

/// Prose a front end kept (Markdown sections that are not runbook structure): never dropped.
public struct DocumentationIR: Codable, Sendable, Equatable {
    public var title: String?
    public var markdown: String
    public var location: IRLocation?
}

/// Where a compiled runbook came from in git: what `rbc run` records and refuses when dirty.
public struct ProvenanceIR: Codable, Sendable, Equatable {
    /// The repository's working directory.
    public var repository: String
    /// The path inside the repository.
    public var path: String
    /// HEAD when compiled; nil in a repository without commits.
    public var head: String?
    /// The blob id of the file as compiled.
    public var blob: String?
    /// The file is untracked or differs from what is committed.
    public var dirty: Bool

    public init(repository: String, path: String, head: String?, blob: String?, dirty: Bool) {
        self.repository = repository
        self.path = path
        self.head = head
        self.blob = blob
        self.dirty = dirty
    }
}

public struct SourceIR: Codable, Sendable, Equatable {
    public var path: String
    public var format: String
    /// SHA-256 of the file's bytes.
    public var sha256: String
}

public struct RunbookIR: Codable, Sendable, Equatable {
    public static let currentVersion = "rbc.ir/v1"

    public var irVersion: String
    public var runbook: MetadataIR
    public var params: [ParamIR]
    public var steps: [StepIR]
    public var postRunbook: [StepIR]
    /// Runbook-wide rollback: runs after the steps' own rollbacks when a run aborts.
    public var rollback: [StepIR]
    public var procedures: [ProcedureIR]
    public var documentation: [DocumentationIR]
    /// SHA-256 of the IR without source locations: equal for runbooks that mean the same.
    public var contentHash: String
    public var source: SourceIR?
    public var provenance: ProvenanceIR?

    /// Deterministic JSON: sorted keys, stable formatting.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    /// The IR with positions and file identity removed, for equivalence and the content hash.
    public func withoutSourceInformation() -> RunbookIR {
        var copy = self
        copy.source = nil
        copy.provenance = nil
        copy.contentHash = ""
        copy.runbook.triggers = copy.runbook.triggers.map { var t = $0; t.location = nil; return t }
        copy.params = copy.params.map { var p = $0; p.location = nil; return p }
        func strip(_ step: StepIR) -> StepIR {
            var s = step
            s.location = nil
            s.rollback?.location = nil
            s.substitutions = s.substitutions?.map { var sub = $0; sub.location = nil; return sub }
            return s
        }
        copy.steps = copy.steps.map(strip)
        copy.postRunbook = copy.postRunbook.map(strip)
        copy.rollback = copy.rollback.map(strip)
        copy.procedures = copy.procedures.map { var p = $0; p.location = nil; p.steps = p.steps.map(strip); return p }
        copy.documentation = copy.documentation.map { var d = $0; d.location = nil; return d }
        return copy
    }

    mutating func computeContentHash() {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = (try? encoder.encode(withoutSourceInformation())).map { [UInt8]($0) } ?? []
        contentHash = "sha256:" + SHA256.hex(bytes)
    }
}
