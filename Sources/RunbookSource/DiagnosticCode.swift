// The catalog of compiler diagnostic ids. Ids are stable: never renumber or reuse one.
// RB0001–0009 input, RB0010–0029 configuration (.rbc.yaml) and environment (git), RB1xxx YAML/Markdown syntax, RB2xxx runbook structure and types, RB3xxx expressions,
// RB4001–4099 incident records (`incidents/*.jsonl`) and the runs that name an incident.
// Lint rules (RB + 3 digits) live in the lint stage's registry.

public struct DiagnosticCode: Hashable, Sendable {
    public let id: String
    public let slug: String
    public let defaultSeverity: Severity
    public let summary: String

    public init(_ id: String, _ slug: String, _ severity: Severity, _ summary: String) {
        self.id = id
        self.slug = slug
        self.defaultSeverity = severity
        self.summary = summary
    }

    /// Whether `.rbc.yaml` `rules:` and inline `rbc:ignore` may turn it off or change its severity:
    /// every structure, type, expression and incident record diagnostic, but not unreadable input,
    /// YAML syntax, an expression that does not parse or an event line that is not JSON (nothing after
    /// those means what it says).
    public var isConfigurable: Bool {
        (id.hasPrefix("RB2") || id.hasPrefix("RB3") || id.hasPrefix("RB4"))
            && ![.invalidRoot, .expressionSyntax, .paramValue, .incidentMalformedLine].contains(self)
    }

    /// The invocation was wrong rather than a runbook: a path that does not exist, a directory with no
    /// runbooks, a file that is not a runbook (or empty). Every command exits 2 on these.
    public static let usageCodes: Set<DiagnosticCode> = [.fileNotFound, .noRunbooks, .notARunbook, .emptyFile]

    /// The compiler diagnostic an id or slug names, when it can be configured.
    public static func configurable(named name: String) -> DiagnosticCode? {
        compilerCatalog.first { ($0.id.caseInsensitiveCompare(name) == .orderedSame || $0.slug == name) && $0.isConfigurable }
    }

    public static func == (lhs: DiagnosticCode, rhs: DiagnosticCode) -> Bool { lhs.id == rhs.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}

extension DiagnosticCode {
    // Input
    public static let fileNotFound = DiagnosticCode("RB0001", "file-not-found", .error, "a named file or directory does not exist or cannot be read")
    public static let binaryFile = DiagnosticCode("RB0002", "binary-file", .error, "the file is not text (it contains NUL bytes or a UTF-16/UTF-32 byte-order mark)")
    public static let invalidUTF8 = DiagnosticCode("RB0003", "invalid-utf8", .error, "the file is not valid UTF-8")
    public static let fileTooLarge = DiagnosticCode("RB0004", "file-too-large", .error, "the file is larger than rbc's input limit")
    public static let noRunbooks = DiagnosticCode("RB0005", "no-runbooks", .error, "a directory holds no runbook files")
    public static let notARunbook = DiagnosticCode("RB0006", "not-a-runbook", .error, "a file named explicitly is not a runbook")
    public static let emptyFile = DiagnosticCode("RB0007", "empty-file", .error, "the file is empty or holds only comments")
    /// A warning, not a usage error: the rest of the tree is checked as usual.
    public static let unreadableFileName = DiagnosticCode("RB0008", "unreadable-file-name", .warning, "a file or directory a walk would read has a name that is not UTF-8, so it is not read")
    /// A warning too: a moved page leaves links behind, and the rest of the tree is checked.
    public static let danglingLink = DiagnosticCode("RB0009", "dangling-link", .warning, "a symbolic link a walk would read points to nothing (or loops), so it is not read")

    // RB0010–RB0029: rbc's own configuration (`.rbc.yaml`) and the environment around the runbooks.
    public static let configUnknownKey = DiagnosticCode("RB0010", "config-unknown-key", .error, "`.rbc.yaml` has a key (or names a rule) rbc does not know")
    public static let configTypeMismatch = DiagnosticCode("RB0011", "config-type-mismatch", .error, "a `.rbc.yaml` value has the wrong type for its key")
    public static let configMissingField = DiagnosticCode("RB0012", "config-missing-field", .error, "a `.rbc.yaml` entry lacks a key it needs")
    public static let configInvalidValue = DiagnosticCode("RB0013", "config-invalid-value", .error, "a `.rbc.yaml` value is not one of the allowed values")
    public static let configInvalidDuration = DiagnosticCode("RB0014", "config-invalid-duration", .error, "a `.rbc.yaml` duration is not written as `30s`, `5m`, `1h30m` or `2d`")
    public static let gitFailure = DiagnosticCode("RB0020", "git-failure", .info, "git could not read the repository or its history, so the history checks were skipped")

    /// The configuration's own code for a problem that the parsing helpers it shares with runbooks
    /// report with a runbook code (a `.rbc.yaml` typo is no runbook's `unknown-key`).
    public static func configuration(_ code: DiagnosticCode) -> DiagnosticCode {
        switch code {
        case .unknownKey: .configUnknownKey
        case .typeMismatch: .configTypeMismatch
        case .missingField: .configMissingField
        case .invalidValue: .configInvalidValue
        case .invalidDuration: .configInvalidDuration
        default: code
        }
    }

    // YAML syntax
    public static let yamlSyntax = DiagnosticCode("RB1001", "yaml-syntax", .error, "libyaml could not parse the file")
    public static let duplicateKey = DiagnosticCode("RB1002", "duplicate-key", .error, "a mapping repeats a key")
    public static let nestingTooDeep = DiagnosticCode("RB1003", "nesting-too-deep", .error, "collections are nested deeper than any runbook needs")
    public static let aliasExpansion = DiagnosticCode("RB1004", "alias-expansion", .error, "aliases expand the document beyond the size limit (an alias bomb)")
    public static let multipleDocuments = DiagnosticCode("RB1005", "multiple-documents", .error, "the file holds more than one YAML document")
    public static let undefinedAlias = DiagnosticCode("RB1006", "undefined-alias", .error, "an alias names an anchor that is not defined before it")
    public static let unsupportedTag = DiagnosticCode("RB1007", "unsupported-tag", .error, "a node carries an explicit YAML tag rbc does not interpret")
    public static let invalidMerge = DiagnosticCode("RB1008", "invalid-merge", .error, "a `<<` merge key's value is not a mapping or a list of mappings")

    // Runbook structure and types
    public static let invalidRoot = DiagnosticCode("RB2001", "invalid-root", .error, "the document's root mapping names `runbook` with a typo")
    public static let unknownKey = DiagnosticCode("RB2002", "unknown-key", .error, "a key that the runbook language does not define")
    public static let typeMismatch = DiagnosticCode("RB2003", "type-mismatch", .error, "a value has the wrong type for its key")
    public static let missingField = DiagnosticCode("RB2004", "missing-field", .error, "a required key is missing")
    public static let invalidValue = DiagnosticCode("RB2005", "invalid-value", .error, "a value is not one of the allowed values")
    public static let invalidDuration = DiagnosticCode("RB2006", "invalid-duration", .error, "a duration is not written as `30s`, `5m`, `1h30m`, `2d` or integer milliseconds")
    public static let durationOutOfRange = DiagnosticCode("RB2007", "duration-out-of-range", .error, "a duration is zero, negative or absurdly long")
    public static let duplicateStepID = DiagnosticCode("RB2008", "duplicate-step-id", .error, "two steps share an id")
    public static let emptySteps = DiagnosticCode("RB2009", "empty-steps", .error, "a runbook has no steps")
    public static let invalidRollback = DiagnosticCode("RB2010", "invalid-rollback", .error, "a rollback uses an action kind that cannot undo anything")
    public static let fieldNotApplicable = DiagnosticCode("RB2011", "field-not-applicable", .error, "a key belongs to a different action kind")
    public static let conflictingKeys = DiagnosticCode("RB2012", "conflicting-keys", .error, "two keys set the same thing")
    public static let invalidPattern = DiagnosticCode("RB2013", "invalid-pattern", .error, "a regular expression does not compile")
    public static let invalidDate = DiagnosticCode("RB2014", "invalid-date", .error, "a date is not an ISO 8601 calendar date (YYYY-MM-DD)")
    public static let invalidParam = DiagnosticCode("RB2015", "invalid-param", .error, "a parameter declaration is inconsistent")
    public static let invalidIdentifier = DiagnosticCode("RB2016", "invalid-identifier", .error, "a step id or parameter name is not a valid identifier")
    public static let numberOutOfRange = DiagnosticCode("RB2017", "number-out-of-range", .error, "a number is outside the range its key allows")

    // Expressions
    public static let expressionSyntax = DiagnosticCode("RB3001", "expression-syntax", .error, "a `${{ }}` expression or `when` condition does not parse")
    public static let unknownReference = DiagnosticCode("RB3002", "unknown-reference", .error, "an expression names a parameter, step, output or context that does not exist")
    public static let expressionType = DiagnosticCode("RB3003", "expression-type", .error, "an expression's types do not fit (comparison, operator, function argument, `when`)")
    public static let stepOrder = DiagnosticCode("RB3004", "step-order", .error, "an expression uses a step that has not run yet at that point")
    public static let unusedParam = DiagnosticCode("RB3005", "unused-param", .warning, "a declared parameter is used by no expression")
    public static let unknownFunction = DiagnosticCode("RB3006", "unknown-function", .error, "an expression calls an unknown function or passes the wrong number of arguments")
    public static let maybeSkipped = DiagnosticCode("RB3007", "maybe-skipped", .warning, "an expression reads a step that has a `when` condition and may not have run")
    public static let invalidOutput = DiagnosticCode("RB3008", "invalid-output", .error, "a step's output declaration is inconsistent")
    public static let paramValue = DiagnosticCode("RB3009", "param-value", .error, "a parameter value given with `--param` or `--params-file` does not fit its declaration")
    public static let secretUnmaskable = DiagnosticCode("RB3010", "secret-unmaskable", .error, "a secret (or a value computed from one) goes where it cannot be masked: a config key or a URL")
    public static let notTemplated = DiagnosticCode("RB3011", "not-templated", .error, "a `${{ }}` in a field that is not substituted at run time")
    public static let expressionTooLarge = DiagnosticCode("RB3020", "expression-too-large", .error, "an expression has more parts than rbc checks (1,000 operators, names and values, nested at most 64 deep)")

    // RB4001–RB4099: incident records (`incidents/<id>.jsonl`, checked by `rbc check`) and run journals naming an incident.
    public static let incidentMalformedLine = DiagnosticCode("RB4001", "incident-malformed-line", .error, "a line of an incident record is not an event: not one JSON object, a field of the wrong type or missing, a record of a newer format")
    public static let incidentTornLine = DiagnosticCode("RB4002", "incident-torn-line", .warning, "the record's last line is incomplete (rbc stopped mid-write): it never happened, and the next `rbc incident` command cuts it")
    public static let incidentUnknownKey = DiagnosticCode("RB4003", "incident-unknown-key", .warning, "an event has a field incident records do not define (a typo in a hand edit)")
    public static let incidentUnknownSeverity = DiagnosticCode("RB4004", "incident-unknown-severity", .error, "a severity is not P0, P1, P2 or P3")
    public static let incidentUnknownStatus = DiagnosticCode("RB4005", "incident-unknown-status", .error, "a status is not one of the lifecycle's (triage, investigating, identified, mitigating, mitigated, resolved)")
    public static let incidentUnknownEvent = DiagnosticCode("RB4006", "incident-unknown-event", .error, "an event's kind is not one rbc writes")
    public static let incidentInvalidTime = DiagnosticCode("RB4007", "incident-invalid-time", .error, "a time is not a UTC time (`2024-11-15T14:26:00Z`)")
    public static let incidentTimeOrder = DiagnosticCode("RB4008", "incident-time-order", .error, "a time goes backwards: an event before the one above it, impact starting after detection, detection after declaration")
    public static let incidentInvalidTransition = DiagnosticCode("RB4009", "incident-invalid-transition", .error, "a status change the lifecycle forbids (triage → investigating → identified → mitigating → mitigated → resolved)")
    public static let incidentRecordStructure = DiagnosticCode("RB4010", "incident-record-structure", .error, "the record's shape is wrong: not starting with `declared`, events out of number, an event without what its kind needs, a run that ends without starting")
    public static let incidentReviewOverdue = DiagnosticCode("RB4011", "incident-review-overdue", .warning, "a resolved incident's post-incident review is past its due date and not recorded as held")
    public static let incidentUnknownIncident = DiagnosticCode("RB4012", "incident-unknown-incident", .warning, "a run journal names an incident that has no record")

    /// Every compiler diagnostic id, in id order; docs/diagnostics.md is generated from it.
    public static let compilerCatalog: [DiagnosticCode] = [
        .fileNotFound, .binaryFile, .invalidUTF8, .fileTooLarge, .noRunbooks, .notARunbook, .emptyFile, .unreadableFileName, .danglingLink,
        .configUnknownKey, .configTypeMismatch, .configMissingField, .configInvalidValue, .configInvalidDuration, .gitFailure,
        .yamlSyntax, .duplicateKey, .nestingTooDeep, .aliasExpansion, .multipleDocuments, .undefinedAlias,
        .unsupportedTag, .invalidMerge,
        .invalidRoot, .unknownKey, .typeMismatch, .missingField, .invalidValue, .invalidDuration,
        .durationOutOfRange, .duplicateStepID, .emptySteps, .invalidRollback, .fieldNotApplicable,
        .conflictingKeys, .invalidPattern, .invalidDate, .invalidParam, .invalidIdentifier, .numberOutOfRange,
        .expressionSyntax, .unknownReference, .expressionType, .stepOrder, .unusedParam, .unknownFunction, .maybeSkipped,
        .invalidOutput, .paramValue, .secretUnmaskable, .notTemplated, .expressionTooLarge,
        .incidentMalformedLine, .incidentTornLine, .incidentUnknownKey, .incidentUnknownSeverity, .incidentUnknownStatus,
        .incidentUnknownEvent, .incidentInvalidTime, .incidentTimeOrder, .incidentInvalidTransition, .incidentRecordStructure,
        .incidentReviewOverdue, .incidentUnknownIncident,
    ]
}
