// The type checker: interprets every value of the runbook AST against the language, reports every
// problem in one pass, and builds the IR with defaults resolved.

import Foundation
import RunbookSource
import RunbookSyntax

public struct CheckedRunbook: Sendable {
    /// Nil when the runbook has errors: nothing may execute a half-valid IR.
    public let ir: RunbookIR?
    /// The IR as far as it could be built: what could not be read is left out or at its default.
    /// The linter reads it so one missing field does not hide every other finding.
    public let recovered: RunbookIR
    public let diagnostics: [Diagnostic]
}

public enum TypeChecker {
    /// What a step gets when neither it nor `defaults` names a timeout; the linter flags reliance on it.
    public static let builtinTimeoutMs = 10 * 60_000
    public static let defaultBackoffMs = 5000
    public static let defaultMultiplier = 2.0

    /// `hashing: false` leaves `contentHash` and `source.sha256` empty: a check that never emits the
    /// IR skips encoding it (profiled: a tenth of `rbc check`).
    /// `inferredSeverity` is used when the runbook states no `severity` (from the alert rule that
    /// links to it, or a `.rbc.yaml` default); the IR records where it came from.
    public static func check(_ syntax: RunbookSyntax, hashing: Bool = true, inferredSeverity: InferredSeverity? = nil) -> CheckedRunbook {
        var checker = Checker(syntax: syntax, inferredSeverity: inferredSeverity)
        let ir = checker.run(hashing: hashing)
        return CheckedRunbook(ir: checker.bag.hasErrors ? nil : ir, recovered: ir, diagnostics: checker.bag.diagnostics)
    }
}

/// Per-key limits, so an absurd value is caught where it is written.
private enum Limits {
    static let timeoutMs = 1...(24 * 3_600_000)
    static let waitMs = 1...(24 * 3_600_000)
    static let triggerDurationMs = 1...(7 * 86_400_000)
    static let backoffMs = 0...3_600_000
    static let reviewEveryMs = 86_400_000...(730 * 86_400_000)
    static let attempts = 1...20
    static let retries = 0...19
}

/// A context's allowed keys with their lookup set (`<key>Ms` spellings included), built once per
/// context rather than once per mapping: rebuilding the sets was a tenth of type checking.
private struct AllowedKeys {
    let keys: [String]
    let set: Set<String>
    /// The keys that also take a `<key>Ms` spelling, in `keys` order.
    let millisecondKeys: [String]

    init(_ keys: [String]) {
        self.keys = keys
        millisecondKeys = keys.filter { LanguageKeys.millisecondVariants.contains($0) }
        set = Set(keys + millisecondKeys.map { $0 + "Ms" })
    }

    static let runbook = AllowedKeys(LanguageKeys.runbook)
    static let trigger = AllowedKeys(LanguageKeys.trigger)
    static let param = AllowedKeys(LanguageKeys.param)
    static let defaults = AllowedKeys(LanguageKeys.defaults)
    static let procedure = AllowedKeys(LanguageKeys.procedure)
    static let output = AllowedKeys(LanguageKeys.output)
    static let retries = AllowedKeys(LanguageKeys.retries)
    static let expect = AllowedKeys(LanguageKeys.expect)

    /// A step's or rollback's keys: the common ones and its action's (every action's when the kind is unknown).
    static func step(_ kind: ActionKind?) -> AllowedKeys { kind.flatMap { steps[$0] } ?? stepAnyAction }
    static func rollback(_ kind: ActionKind?) -> AllowedKeys { kind.flatMap { rollbacks[$0] } ?? rollbackAnyAction }

    private static func actionKeys(_ kind: ActionKind) -> [String] {
        let fields = LanguageKeys.actionFields(kind)
        return fields.required + fields.optional
    }
    private static let steps = Dictionary(uniqueKeysWithValues: ActionKind.allCases.map { ($0, AllowedKeys(LanguageKeys.stepCommon + actionKeys($0))) })
    private static let rollbacks = Dictionary(uniqueKeysWithValues: ActionKind.allCases.map { ($0, AllowedKeys(LanguageKeys.rollbackCommon + actionKeys($0))) })
    private static let stepAnyAction = AllowedKeys(LanguageKeys.stepCommon + LanguageKeys.allActionFields)
    private static let rollbackAnyAction = AllowedKeys(LanguageKeys.rollbackCommon + LanguageKeys.allActionFields)
    /// Every key a step may hold under some action.
    static let everyStepKey = Set(LanguageKeys.stepCommon + LanguageKeys.allActionFields)
}

private struct Defaults {
    var timeoutMs: Int?
    var onFailure: FailurePolicy = .abort
    var retry = RetryIR(maxAttempts: 1, backoffMs: TypeChecker.defaultBackoffMs, multiplier: TypeChecker.defaultMultiplier)
}

private struct Checker {
    let syntax: RunbookSyntax
    /// What the type checker reads: the typed tree (the rest of `syntax` is its file, format, kind and header).
    var tree: RunbookSyntaxTree { syntax.tree }
    let inferredSeverity: InferredSeverity?
    var bag: DiagnosticBag
    var file: SourceFile { syntax.file }
    /// Values of misspelt keys read under the key they were meant as (`timout` → `timeout`), so the
    /// recovered IR and the linter see what the author meant; their own problems are not reported twice.
    var correctedValueRanges: [SourceRange] = []

    init(syntax: RunbookSyntax, inferredSeverity: InferredSeverity? = nil) {
        self.syntax = syntax
        self.inferredSeverity = inferredSeverity
        self.bag = DiagnosticBag(file: syntax.file)
    }

    // MARK: - Runbook

    mutating func run(hashing: Bool) -> RunbookIR {
        let forPeople = syntax.kind == .documentation
        // Markdown front matter also carries site generators' keys (Hugo's `weight`, `layout`, GitLab's
        // `owner_slack`): a warning on executable pages, nothing at all on pages written for people.
        let meta = checkKeys(forPeople ? SyntaxMapping(fields: tree.metadata.fields.filter { LanguageKeys.runbook.contains($0.key) },
                                                       range: tree.metadata.range) : tree.metadata,
                             allowed: .runbook, context: "runbook", unknownSeverity: syntax.format == .markdown ? .warning : nil)

        // Without a name the recovered IR is named by its file, so findings can still say which runbook.
        let name = requiredString(meta, "name", in: "runbook", at: syntax.headerRange) ?? MarkdownRunbookParser.nameFromPath(file.path)
        let inferred = meta["severity"] == nil ? inferredSeverity : nil
        // A front matter that does not parse may have stated it: its error is the one finding.
        let severity = inferred?.severity ?? severityValue(meta, required: !forPeople && !syntax.frontMatterUnread)
        let description = optionalString(meta, "description")
        let owner = optionalString(meta, "owner", nonEmpty: true)
        let reviewed = meta["reviewed"].flatMap { date($0) }
        // A page for people writes `**Review every**: quarterly` or `3 months`.
        let statedInterval = syntax.format == .markdown ? meta["review_every"].flatMap { $0.value.scalarValue }.flatMap(StatedValues.interval) : nil
        let reviewEvery = statedInterval.flatMap { Limits.reviewEveryMs.contains($0) ? $0 : nil }
            ?? duration(meta, "review_every", limits: Limits.reviewEveryMs)
        let tags = meta["tags"].flatMap { stringList($0) } ?? []
        let escalation = meta["escalation"].flatMap { stringOrList($0) } ?? []
        let triggers = meta["triggers"].map { triggerList($0) } ?? []
        let params = meta["params"].map { paramList($0) } ?? []
        let defaults = meta["defaults"].map { defaultsValue($0) } ?? Defaults()
        let concurrentRuns = meta["concurrent_runs"].flatMap { bool($0) }

        if syntax.stepsAreDerived {
            if tree.steps.isEmpty, tree.procedures.isEmpty, !forPeople {
                bag.report(.emptySteps, "runbook has no steps", at: syntax.headerRange,
                           help: "add a `## Steps` section with a `### …` heading (or a numbered list) per step")
            }
        } else if tree.stepsField == nil {
            if tree.procedures.isEmpty {
                bag.report(.missingField, "runbook has no `steps`", at: syntax.headerRange,
                           help: "add `steps:` with at least one step (`- id: …`, `action: …`)")
            }
        } else if let field = tree.stepsField, field.value.listItems?.isEmpty ?? (field.value.scalarKind == .null) {
            bag.report(.emptySteps, "runbook has no steps", at: field.value.range.start == field.value.range.end ? field.keyRange : field.value.range,
                       help: "add at least one step; a runbook without steps cannot be run or checked")
        }

        var seenIDs: [String: SourceRange] = [:]
        let steps = tree.steps.enumerated().map { stepValue($1, index: $0, idPrefix: nil, defaults: defaults, seenIDs: &seenIDs) }
        let post = tree.postRunbook.enumerated().map { stepValue($1, index: $0, idPrefix: "post", defaults: defaults, seenIDs: &seenIDs) }
        let rollback = tree.rollback.enumerated().map { stepValue($1, index: $0, idPrefix: "rollback", defaults: defaults, seenIDs: &seenIDs) }
        var procedureIDs: [String: SourceRange] = [:]
        let procedures = tree.procedures.enumerated().map { procedureValue($1, index: $0, defaults: defaults, seenIDs: &procedureIDs) }
        let documentation = syntax.documentation.map { DocumentationIR(title: $0.title, markdown: $0.markdown, location: location($0.range)) }

        var ir = RunbookIR(
            irVersion: RunbookIR.currentVersion,
            runbook: MetadataIR(name: name, kind: syntax.kind, severity: severity, description: description, owner: owner,
                                reviewed: reviewed, reviewEveryMs: reviewEvery, tags: tags, escalation: escalation,
                                triggers: triggers, severitySource: inferred?.source, concurrentRuns: concurrentRuns == true ? true : nil),
            params: params, steps: steps, postRunbook: post, rollback: rollback, procedures: procedures,
            documentation: documentation, contentHash: "",
            source: SourceIR(path: file.path, format: syntax.format.rawValue, sha256: hashing ? SHA256.hex(file.bytes) : ""))
        // Expressions need every step's id, kind, outputs and condition: they are checked on the IR.
        var expressions = ExpressionPass(file: file, params: params, bag: bag)
        expressions.paramsUnknown = syntax.frontMatterUnread
        expressions.run(tree, &ir)
        bag = expressions.bag
        let corrected = correctedValueRanges
        bag.removeAll { diagnostic in
            guard diagnostic.code != .unknownKey, let range = diagnostic.range else { return false }
            return corrected.contains { $0.start <= range.start && range.end <= $0.end }
        }
        if hashing { ir.computeContentHash() }
        return ir
    }

    /// The runbook's severity in any spelling teams use (`P1`, `SEV-2`, `S3`, `critical`); pages
    /// for people need not state one.
    mutating func severityValue(_ meta: SyntaxMapping, required: Bool) -> StepSeverity? {
        guard let field = meta["severity"] else {
            if required {
                bag.report(.missingField, "runbook has no `severity`", at: syntax.headerRange,
                           help: syntax.format == .markdown
                               ? "add `severity: P1` to the front matter, or a `**Severity**: P1` line under the title"
                               : "add `severity: P0` … `P3` (or `SEV1` … `SEV4`, `S1` … `S4`, `critical`/`warning`/`info`)")
            }
            return nil
        }
        guard let text = scalarString(field) else { return nil }
        if let severity = SeveritySpelling.severity(text) { return severity }
        // A page for people states it in words: `**Severity**: Critical (page immediately)`.
        if syntax.format == .markdown, let severity = SeveritySpelling.stated(text) { return severity }
        bag.report(.invalidValue, "unknown severity `\(text)`", at: field.value.range,
                   help: SeveritySpelling.suggestion(for: text).map { "did you mean `\($0)`?" }
                       ?? "use P0–P3, SEV1–SEV4 or S1–S4 (1 = P0), or critical, warning, info")
        return nil
    }

    mutating func triggerList(_ field: SyntaxField) -> [TriggerIR] {
        guard let items = list(field) else { return [] }
        var triggers: [TriggerIR] = []
        for item in items {
            guard let mapping = readMapping(item) else {
                bag.report(.typeMismatch, "a trigger must be a mapping (`alert: Name` or `metric: …`), found \(item.kindDescription)",
                           at: item.range, help: "write `- alert: KubePodCrashLooping`")
                continue
            }
            checkKeys(mapping, allowed: .trigger, context: "trigger")
            let alert = optionalString(mapping, "alert", nonEmpty: true)
            let metric = optionalString(mapping, "metric", nonEmpty: true)
            if alert == nil, metric == nil, mapping["alert"] == nil, mapping["metric"] == nil {
                bag.report(.missingField, "trigger names neither an `alert` nor a `metric`", at: mapping.range,
                           help: "add `alert: AlertName` (the alert that pages for this runbook) or `metric: …` with `threshold`")
            }
            triggers.append(TriggerIR(
                alert: alert, metric: metric, threshold: mapping["threshold"].flatMap { number($0) },
                durationMs: duration(mapping, "duration", limits: Limits.triggerDurationMs),
                description: optionalString(mapping, "description"), location: location(mapping.range)))
        }
        return triggers
    }

    mutating func paramList(_ field: SyntaxField) -> [ParamIR] {
        guard let mapping = readMapping(field.value) else {
            if field.value.scalarKind != .null {
                bag.report(.typeMismatch, "`params` must be a mapping of name to declaration, found \(field.value.kindDescription)",
                           at: field.value.range, help: "write `params:` then `service: {type: string, required: true}`")
            }
            return []
        }
        var params: [ParamIR] = []
        for entry in mapping.fields {
            if !IdentifierSpelling.isIdentifier(entry.key) {
                bag.report(.invalidIdentifier, "parameter name `\(entry.key)` is not an identifier", at: entry.keyRange,
                           help: "use letters, digits and `_`, starting with a letter, so `${{ params.NAME }}` can name it")
            }
            params.append(paramValue(entry))
        }
        return params
    }

    mutating func paramValue(_ entry: SyntaxField) -> ParamIR {
        var param = ParamIR(name: entry.key, type: .string, required: false, secret: false, location: location(entry.keyRange))
        // `service: string` is shorthand for `service: {type: string}`.
        if entry.value.isScalar {
            if let text = scalarString(entry), let type = paramType(text, at: entry.value.range) { param.type = type }
            return param
        }
        guard let decl = readMapping(entry.value) else {
            bag.report(.typeMismatch, "parameter `\(entry.key)` must be a type name or a mapping, found \(entry.value.kindDescription)",
                       at: entry.value.range)
            return param
        }
        checkKeys(decl, allowed: .param, context: "parameter")
        param.description = optionalString(decl, "description")
        param.required = decl["required"].flatMap { bool($0) } ?? false
        param.secret = decl["secret"].flatMap { bool($0) } ?? false
        if let allowedField = decl["allowed"], let items = list(allowedField) {
            param.allowed = items.compactMap { scalarJSON($0) }
            if items.isEmpty {
                bag.report(.invalidParam, "`allowed` is empty, so no value is valid", at: allowedField.value.range)
            }
        }
        if let patternField = decl["pattern"], let text = scalarString(patternField) {
            if !RegexValidity.isValid(text) {
                bag.report(.invalidParam, "`pattern` of `\(param.name)` is not a valid regular expression", at: patternField.value.range)
            } else {
                param.pattern = text
            }
        }
        if let typeField = decl["type"] {
            if let text = scalarString(typeField), let type = paramType(text, at: typeField.value.range) { param.type = type }
        } else if param.allowed != nil {
            param.type = .enum
        } else if let value = decl["default"]?.value.scalarKind {
            param.type = value == .int ? .int : value == .float ? .number : value == .bool ? .bool : .string
        }
        if param.type == .enum, param.allowed == nil {
            bag.report(.invalidParam, "enum parameter `\(param.name)` lists no `allowed` values", at: decl["type"]?.value.range ?? decl.range,
                       help: "add `allowed: [a, b]`")
        }
        if let defaultField = decl["default"] {
            param.defaultValue = paramDefault(defaultField, param: param)
            if param.required {
                bag.report(.invalidParam, "parameter `\(param.name)` is required but has a default, so it is never missing",
                           at: defaultField.keyRange, help: "remove `required: true` or the default", severity: .warning)
            }
            if param.secret {
                bag.report(.invalidParam, "secret parameter `\(param.name)` has a default, which puts the secret in git",
                           at: defaultField.value.range, help: "remove the default and pass the value with `--param` or `--params-file` at run time")
            }
        }
        return param
    }

    mutating func paramType(_ text: String, at range: SourceRange) -> ParamType? {
        if let type = ParamType(rawValue: text) { return type }
        let names = ParamType.allCases.map(\.rawValue)
        let aliases = ["str": "string", "integer": "int", "float": "number", "boolean": "bool", "choice": "enum"]
        bag.report(.invalidValue, "unknown parameter type `\(text)`", at: range,
                   help: (aliases[text] ?? Suggestions.closest(to: text, in: names)).map { "did you mean `\($0)`?" }
                       ?? "use one of \(names.joined(separator: ", "))")
        return nil
    }

    mutating func paramDefault(_ field: SyntaxField, param: ParamIR) -> JSONValue? {
        guard let value = scalarJSON(field.value) else {
            bag.report(.typeMismatch, "a parameter default must be a scalar, found \(field.value.kindDescription)", at: field.value.range)
            return nil
        }
        var matches: Bool
        switch (param.type, value) {
        case (.string, .string), (.int, .int), (.number, .int), (.number, .double), (.bool, .bool): matches = true
        case (.duration, .string(let text)):
            matches = (try? DurationParser.milliseconds(text).get()) != nil
        case (.enum, _): matches = param.allowed?.contains(value) ?? true
        default: matches = false
        }
        if param.type == .string, case .int = value { matches = true }
        if !matches {
            let expected = param.type == .enum ? "one of the allowed values" : "a \(param.type.rawValue)"
            bag.report(.invalidParam, "default of `\(param.name)` is not \(expected)", at: field.value.range)
        }
        return value
    }

    mutating func defaultsValue(_ field: SyntaxField) -> Defaults {
        var defaults = Defaults()
        guard let mapping = readMapping(field.value) else {
            bag.report(.typeMismatch, "`defaults` must be a mapping, found \(field.value.kindDescription)", at: field.value.range,
                       help: "write `defaults: {timeout: 5m, on_failure: abort}`")
            return defaults
        }
        checkKeys(mapping, allowed: .defaults, context: "defaults")
        defaults.timeoutMs = duration(mapping, "timeout", limits: Limits.timeoutMs)
        if let policy = mapping["on_failure"].flatMap({ failurePolicy($0) }) { defaults.onFailure = policy }
        if let retries = mapping["retries"] { defaults.retry = retry(retries, base: defaults.retry) }
        return defaults
    }

    // MARK: - Procedures

    mutating func procedureValue(_ procedure: ProcedureNode, index: Int, defaults: Defaults,
                                 seenIDs: inout [String: SourceRange]) -> ProcedureIR {
        let fields = procedure.fields
        checkKeys(fields, allowed: .procedure, context: "procedure")
        var id = "procedure-\(index + 1)"
        if let idField = fields["id"], let text = scalarString(idField) {
            id = text
            if let first = seenIDs[text] {
                bag.report(.duplicateStepID, "duplicate procedure id `\(text)`", at: idField.value.range,
                           notes: [DiagnosticNote("first used here", at: first)])
            } else {
                seenIDs[text] = idField.value.range
            }
        } else if fields["id"] == nil {
            bag.report(.missingField, "procedure has no `id`", at: procedure.range, help: "add `id: high-memory`")
        }
        let name = requiredString(fields, "name", in: "procedure `\(id)`", at: procedure.range) ?? id
        if procedure.steps.isEmpty {
            bag.report(.emptySteps, "procedure `\(id)` has no steps", at: fields["name"]?.value.range ?? procedure.range,
                       help: "list the resolution as steps")
        }
        // Step ids are unique within their procedure.
        var stepIDs: [String: SourceRange] = [:]
        let steps = procedure.steps.enumerated().map { stepValue($1, index: $0, idPrefix: nil, defaults: defaults, seenIDs: &stepIDs) }
        return ProcedureIR(id: id, name: name, description: optionalString(fields, "description"),
                           symptoms: optionalString(fields, "symptoms"), diagnosis: optionalString(fields, "diagnosis"),
                           steps: steps, location: location(procedure.range))
    }

    // MARK: - Steps

    /// A step. With `idPrefix` the id is optional and defaults to `<prefix>-<n>` (post-runbook and rollback actions).
    mutating func stepValue(_ step: StepNode, index: Int, idPrefix: String?, defaults: Defaults,
                            seenIDs: inout [String: SourceRange]) -> StepIR {
        let owner = idPrefix.map { $0 == "post" ? "post_runbook action" : "\($0) action" } ?? "step"
        let kind = actionKind(step.fields, owner: owner, at: step.range)
        let fields = checkKeys(step.fields, allowed: .step(kind), context: owner, actionKind: kind)
        let post = idPrefix != nil

        var id = "\(idPrefix ?? "step")-\(index + 1)"
        if let idField = fields["id"] {
            if let text = scalarString(idField) {
                id = text
                if !IdentifierSpelling.isStepID(text) {
                    bag.report(.invalidIdentifier, "step id `\(text)` is not a valid id", at: idField.value.range,
                               help: "use letters, digits, `-`, `_` and `.`, starting with a letter or digit, e.g. `restart-api`")
                } else if let first = seenIDs[text] {
                    bag.report(.duplicateStepID, "duplicate step id `\(text)`", at: idField.value.range,
                               help: "give each step its own id; rollbacks, outputs and the journal refer to steps by id",
                               notes: [DiagnosticNote("first used here", at: first)])
                } else {
                    seenIDs[text] = idField.value.range
                }
            }
        } else if !post {
            bag.report(.missingField, "step has no `id`", at: step.range,
                       help: "add `id: \(suggestedID(fields))`; the journal and rollbacks refer to steps by id")
        }

        let action = kind.map { actionValue($0, fields, owner: "step `\(id)`", at: step.range) } ?? ActionIR(kind: .manual)
        let timeout = duration(fields, "timeout", limits: Limits.timeoutMs)
        let onFailure = fields["on_failure"].flatMap { failurePolicy($0) } ?? defaults.onFailure
        let retry = fields["retries"].map { self.retry($0, base: defaults.retry) } ?? defaults.retry
        let expect = fields["expect"].flatMap { expectValue($0, kind: kind) }
        let readonly = fields["readonly"].flatMap { bool($0) } ?? false
        var irreversible: String?
        if let field = fields["irreversible"] {
            irreversible = scalarString(field)
            if irreversible?.trimmingCharacters(in: .whitespaces).isEmpty == true {
                bag.report(.invalidValue, "`irreversible` needs the reason the step cannot be undone", at: field.value.range,
                           help: "write `irreversible: \"deleted pods are recreated by their ReplicaSet\"`")
            }
        }
        if let field = fields["when"], let text = scalarString(field), text.trimmingCharacters(in: .whitespaces).isEmpty {
            bag.report(.invalidValue, "`when` is empty", at: field.value.range, help: "write a condition, or remove `when`")
        }

        var rollback: RollbackIR?
        if let syntax = step.rollback {
            rollback = rollbackValue(syntax, stepID: id, defaults: defaults)
        }
        return StepIR(
            id: id, index: index, name: optionalString(fields, "name"), description: optionalString(fields, "description"),
            action: action, timeoutMs: timeout ?? defaults.timeoutMs ?? TypeChecker.builtinTimeoutMs,
            timeoutSource: timeout != nil ? .step : defaults.timeoutMs != nil ? .defaults : .builtin,
            onFailure: onFailure, retry: retry, expect: expect,
            confirm: fields["confirm"].flatMap { bool($0) } ?? false, readonly: readonly, irreversible: irreversible,
            exampleOutput: optionalString(fields, "example_output"),
            when: fields["when"].flatMap { scalarString($0) }, outputs: fields["outputs"].flatMap { outputsValue($0, kind: kind) },
            substitutions: nil, rollback: rollback, location: location(step.range))
    }

    /// `outputs: {rate: {from: stdout, pattern: "rate=(\\S+)"}}` or `{status: {from: body, json: "$.status"}}`.
    mutating func outputsValue(_ field: SyntaxField, kind: ActionKind?) -> [OutputIR]? {
        guard let mapping = readMapping(field.value) else {
            bag.report(.typeMismatch, "`outputs` must be a mapping of output names, found \(field.value.kindDescription)", at: field.value.range,
                       help: "write `outputs: {rate: {from: stdout, pattern: \"rate=(\\\\S+)\"}}`")
            return nil
        }
        var outputs: [OutputIR] = []
        for entry in mapping.fields {
            if !IdentifierSpelling.isIdentifier(entry.key) {
                bag.report(.invalidIdentifier, "output name `\(entry.key)` is not an identifier", at: entry.keyRange)
            }
            guard let decl = readMapping(entry.value) else {
                bag.report(.typeMismatch, "output `\(entry.key)` must be a mapping with `from`", at: entry.value.range)
                continue
            }
            checkKeys(decl, allowed: .output, context: "output")
            let sources: [String] = kind == .httpRequest ? ["body"] : kind == .executeCommand ? ["stdout", "stderr"] : []
            var from = sources.first ?? "stdout"
            if let fromField = decl["from"], let text = scalarString(fromField) {
                if kind != nil, !sources.contains(text) {
                    let allowed = sources.isEmpty ? "no outputs (only commands and HTTP requests have them)" : sources.joined(separator: " or ")
                    bag.report(.invalidOutput, "output `\(entry.key)` reads `\(text)`, but this step has \(allowed)", at: fromField.value.range)
                }
                from = text
            } else if sources.isEmpty, kind != nil {
                bag.report(.invalidOutput, "`\(kind?.rawValue ?? "")` steps have no outputs", at: entry.keyRange)
            }
            var output = OutputIR(name: entry.key, from: from)
            if let patternField = decl["pattern"], let pattern = scalarString(patternField) {
                if !RegexValidity.isValid(pattern) {
                    bag.report(.invalidPattern, "`pattern` of output `\(entry.key)` is not a valid regular expression", at: patternField.value.range)
                }
                output.pattern = pattern
            }
            if let jsonField = decl["json"], let path = scalarString(jsonField) {
                if path.range(of: #"^\$(\.[A-Za-z_][A-Za-z0-9_-]*|\[[0-9]+\])*$"#, options: .regularExpression) == nil {
                    bag.report(.invalidOutput, "`\(path)` is not a JSON path", at: jsonField.value.range,
                               help: "write `$.field.sub[0]`")
                }
                output.json = path
            }
            if output.pattern != nil, output.json != nil {
                bag.report(.conflictingKeys, "output `\(entry.key)` sets both `pattern` and `json`", at: entry.keyRange, help: "keep one of them")
            }
            outputs.append(output)
        }
        return outputs
    }

    func suggestedID(_ fields: SyntaxMapping) -> String {
        let source = fields["name"]?.value.scalarValue ?? fields["description"]?.value.scalarValue ?? "restart-api"
        let slug = source.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        let collapsed = String(slug).split(separator: "-").prefix(4).joined(separator: "-")
        return collapsed.isEmpty ? "restart-api" : collapsed
    }

    mutating func rollbackValue(_ syntax: RollbackNode, stepID: String, defaults: Defaults) -> RollbackIR? {
        let kind = actionKind(syntax.fields, owner: "rollback", at: syntax.keyRange)
        let fields = checkKeys(syntax.fields, allowed: .rollback(kind), context: "rollback", actionKind: kind)
        if kind == .wait, let actionField = fields["action"] {
            bag.report(.invalidRollback, "a `wait` cannot be the rollback of step `\(stepID)`: waiting undoes nothing",
                       at: actionField.value.range,
                       help: "roll back with the command, config update or manual step that reverses `\(stepID)`, or mark the step `irreversible: \"reason\"`")
        }
        let timeout = duration(fields, "timeout", limits: Limits.timeoutMs)
        let action = kind.map { actionValue($0, fields, owner: "rollback of `\(stepID)`", at: syntax.keyRange) } ?? ActionIR(kind: .manual)
        return RollbackIR(action: action, description: optionalString(fields, "description"),
                          timeoutMs: timeout ?? defaults.timeoutMs ?? TypeChecker.builtinTimeoutMs,
                          timeoutSource: timeout != nil ? .step : defaults.timeoutMs != nil ? .defaults : .builtin,
                          location: location(syntax.keyRange))
    }

    mutating func actionKind(_ fields: SyntaxMapping, owner: String, at range: SourceRange) -> ActionKind? {
        guard let field = fields["action"] else {
            let guess = ActionKind.allCases.first { kind in LanguageKeys.actionFields(kind).required.allSatisfy { fields[$0] != nil } }
            bag.report(.missingField, "\(owner) has no `action`", at: fields.fields.first?.keyRange ?? range,
                       help: guess.map { "add `action: \($0.rawValue)`" }
                           ?? "add `action:` with one of \(ActionKind.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        guard let text = scalarString(field) else { return nil }
        if let kind = ActionKind(rawValue: text) { return kind }
        let names = ActionKind.allCases.map(\.rawValue)
        let aliases = ["shell": "execute_command", "command": "execute_command", "run": "execute_command",
                       "notify": "send_notification", "http": "http_request", "sleep": "wait", "ticket": "create_ticket"]
        // A misspelling with one close action is safe to correct; a synonym (`shell`) is a guess.
        let fix = Suggestions.onlyClose(to: text, in: names).flatMap { valueFix(field.value, $0, .safe) }
            ?? aliases[text.lowercased()].flatMap { valueFix(field.value, $0, .unsafe) }
        bag.report(.invalidValue, "unknown action `\(text)`", at: field.value.range,
                   help: (Suggestions.closest(to: text, in: names) ?? aliases[text.lowercased()]).map { "did you mean `\($0)`?" }
                       ?? "use one of \(names.joined(separator: ", "))", fix: fix)
        return nil
    }

    mutating func actionValue(_ kind: ActionKind, _ fields: SyntaxMapping, owner: String, at range: SourceRange) -> ActionIR {
        var action = ActionIR(kind: kind)
        let allKeys = AllowedKeys.everyStepKey
        for key in LanguageKeys.actionFields(kind).required where fields[key] == nil && fields[key + "Ms"] == nil {
            // `comand:` is already reported as "did you mean `command`"; do not also call it missing.
            let misspelt = fields.fields.contains { !allKeys.contains($0.key) && Suggestions.closest(to: $0.key, in: [key]) != nil }
            if misspelt { continue }
            bag.report(.missingField, "\(owner) (`\(kind.rawValue)`) has no `\(key)`", at: fields["action"]?.keyRange ?? range,
                       help: "add `\(key): …`")
        }
        switch kind {
        case .executeCommand:
            action.command = optionalString(fields, "command", nonEmpty: true)
            action.shell = optionalString(fields, "shell", nonEmpty: true)
        case .updateConfig:
            action.configKey = optionalString(fields, "config_key", nonEmpty: true)
            if let field = fields["value"] {
                action.value = scalarJSON(field.value)
                if action.value == nil {
                    bag.report(.typeMismatch, "`value` must be a scalar, found \(field.value.kindDescription)", at: field.value.range)
                }
            }
            action.store = optionalString(fields, "store", nonEmpty: true)
        case .sendNotification:
            action.channel = optionalString(fields, "channel", nonEmpty: true)
            action.message = optionalString(fields, "message", nonEmpty: true)
        case .createTicket:
            action.title = optionalString(fields, "title", nonEmpty: true)
            action.labels = fields["labels"].flatMap { stringList($0) }
            action.body = optionalString(fields, "body")
        case .httpRequest:
            action.url = optionalString(fields, "url", nonEmpty: true)
            if let url = action.url, let field = fields["url"], !url.contains("${{"),
               !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                bag.report(.invalidValue, "`url` must be an absolute http:// or https:// URL", at: field.value.range)
            }
            action.method = "GET"
            if let field = fields["method"], let method = scalarString(field) {
                let methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
                if methods.contains(method) {
                    action.method = method
                } else {
                    bag.report(.invalidValue, "unknown HTTP method `\(method)`", at: field.value.range,
                               help: methods.contains(method.uppercased()) ? "write `\(method.uppercased())`" : "use one of \(methods.joined(separator: ", "))")
                }
            }
            action.body = optionalString(fields, "body")
            action.headers = fields["headers"].flatMap { stringMap($0) }
        case .wait:
            action.durationMs = duration(fields, "duration", limits: Limits.waitMs)
        case .manual:
            action.instructions = optionalString(fields, "instructions", nonEmpty: true)
        }
        return action
    }

    mutating func failurePolicy(_ field: SyntaxField) -> FailurePolicy? {
        guard let text = scalarString(field) else { return nil }
        if let policy = FailurePolicy(rawValue: text) { return policy }
        let names = FailurePolicy.allCases.map(\.rawValue)
        let aliases = ["rollback": "abort", "stop": "halt", "ignore": "continue", "fail": "abort"]
        // What to do on failure is the author's call: even the closest policy is only offered (unsafe).
        let fix = (aliases[text.lowercased()] ?? Suggestions.onlyClose(to: text, in: names)).flatMap { valueFix(field.value, $0, .unsafe) }
        bag.report(.invalidValue, "unknown failure policy `\(text)`", at: field.value.range,
                   help: (aliases[text.lowercased()] ?? Suggestions.closest(to: text, in: names)).map { "did you mean `\($0)`? (abort rolls back, halt stops, continue goes on)" }
                       ?? "use abort (stop and roll back), continue or halt (stop, roll back nothing)", fix: fix)
        return nil
    }

    mutating func retry(_ field: SyntaxField, base: RetryIR) -> RetryIR {
        var retry = base
        if field.value.isScalar {
            if let count = int(field, limits: Limits.retries) { retry.maxAttempts = count + 1 }
            return retry
        }
        guard let mapping = readMapping(field.value) else {
            bag.report(.typeMismatch, "`retries` must be a count or a mapping, found \(field.value.kindDescription)", at: field.value.range,
                       help: "write `retries: 2` or `retries: {attempts: 3, backoff: 10s}`")
            return retry
        }
        checkKeys(mapping, allowed: .retries, context: "retries")
        if let attempts = mapping["attempts"].flatMap({ int($0, limits: Limits.attempts) }) { retry.maxAttempts = attempts }
        if let backoff = duration(mapping, "backoff", limits: Limits.backoffMs) { retry.backoffMs = backoff }
        if let field = mapping["multiplier"], let multiplier = number(field) {
            if (1.0...10.0).contains(multiplier) {
                retry.multiplier = multiplier
            } else {
                bag.report(.numberOutOfRange, "`multiplier` must be between 1 and 10, found \(formatNumber(multiplier))", at: field.value.range)
            }
        }
        return retry
    }

    mutating func expectValue(_ field: SyntaxField, kind: ActionKind?) -> ExpectIR? {
        guard let mapping = readMapping(field.value) else {
            bag.report(.typeMismatch, "`expect` must be a mapping, found \(field.value.kindDescription)", at: field.value.range,
                       help: "write `expect: {exit_code: 0, output: \"ready\"}`")
            return nil
        }
        checkKeys(mapping, allowed: .expect, context: "expect")
        var expect = ExpectIR()
        if let exit = mapping["exit_code"] {
            if let kind, kind != .executeCommand {
                bag.report(.fieldNotApplicable, "`exit_code` applies to `execute_command` steps, not `\(kind.rawValue)`", at: exit.keyRange)
            }
            expect.exitCodes = intOrList(exit, limits: 0...255)
        }
        if let status = mapping["status"] {
            if let kind, kind != .httpRequest {
                bag.report(.fieldNotApplicable, "`status` applies to `http_request` steps, not `\(kind.rawValue)`", at: status.keyRange)
            }
            expect.status = intOrList(status, limits: 100...599)
        }
        if let output = mapping["output"], let pattern = scalarString(output) {
            if let kind, kind != .executeCommand, kind != .httpRequest {
                bag.report(.fieldNotApplicable, "`output` applies to commands and HTTP requests, not `\(kind.rawValue)`", at: output.keyRange)
            }
            do {
                // A template: the pattern is checked with each `${{ }}` standing for a literal.
                let scanned = TemplateScanner.scan(pattern)
                let literal = scanned.hasExpressions ? scanned.parts.map { $0.kind == .literal ? $0.text : "x" }.joined() : pattern
                guard RegexValidity.isValid(literal) else { throw RegexValidity.Invalid() }
                expect.outputPattern = pattern
            } catch {
                bag.report(.invalidPattern, "`output` is not a valid regular expression", at: output.value.range,
                           help: "escape regex metacharacters such as `(`, `[` and `*` with a backslash")
            }
        }
        return expect
    }

    // MARK: - Keys

    /// Reports unknown keys, keys of another action kind, and `timeout` + `timeoutMs` conflicts.
    /// Returns the mapping as meant: a misspelt key whose suggestion is not also written is read as
    /// the suggested key (the diagnostic stands; only the recovered IR uses it).
    @discardableResult
    mutating func checkKeys(_ mapping: SyntaxMapping, allowed allowedKeys: AllowedKeys, context: String, actionKind: ActionKind? = nil,
                            unknownSeverity: Severity? = nil) -> SyntaxMapping {
        var meant = mapping.fields
        let allowed = allowedKeys.keys
        for field in mapping.fields where !allowedKeys.set.contains(field.key) {
            if let actionKind, LanguageKeys.allActionFields.contains(field.key) {
                let owners = ActionKind.allCases.filter { let f = LanguageKeys.actionFields($0); return (f.required + f.optional).contains(field.key) }
                bag.report(.fieldNotApplicable, "`\(field.key)` does not apply to `\(actionKind.rawValue)` actions", at: field.keyRange,
                           help: "`\(field.key)` belongs to \(owners.map { "`\($0.rawValue)`" }.joined(separator: ", ")); remove it or change `action`")
                continue
            }
            let candidates = allowed.filter { $0 != "rollback" || context == "step" }
            let suggestion = Suggestions.closest(to: field.key, in: candidates)
            let fallback = unknownSeverity == .warning
                ? "rbc ignores keys it does not know in Markdown front matter; valid keys: \(candidates.sorted().joined(separator: ", "))"
                : "valid keys here: \(candidates.sorted().joined(separator: ", "))"
            // Renaming to the one close key: safe where the runbook cannot compile as written; unsafe in
            // Markdown front matter, where the unknown key is ignored and the rename makes it count.
            var fix: Fix?
            if let only = Suggestions.onlyClose(to: field.key, in: candidates), mapping[only] == nil,
               let edit = ScalarEdits.renamingKey(field.key, at: field.keyRange, to: only, file: file) {
                fix = Fix("rename `\(field.key)` to `\(only)`", unknownSeverity == .warning ? .unsafe : .safe, edits: [edit])
            }
            bag.report(.unknownKey, "unknown key `\(field.key)` in \(context)", at: field.keyRange,
                       help: suggestion.map { "did you mean `\($0)`?" } ?? fallback, severity: unknownSeverity, fix: fix)
            if let suggestion, mapping[suggestion] == nil, let index = meant.firstIndex(where: { $0.key == field.key && $0.keyRange == field.keyRange }) {
                meant[index] = SyntaxField(key: suggestion, keyRange: field.keyRange, value: field.value)
                correctedValueRanges.append(field.value.range)
            }
        }
        for key in allowedKeys.millisecondKeys {
            if let plain = mapping[key], mapping[key + "Ms"] != nil {
                bag.report(.conflictingKeys, "both `\(key)` and `\(key)Ms` are set", at: plain.keyRange,
                           help: "keep one of them")
            }
        }
        return SyntaxMapping(fields: meant, range: mapping.range)
    }

    // MARK: - Values

    /// A fix that replaces a scalar's whole value, when `ScalarEdits` can place it exactly.
    func valueFix(_ value: SyntaxValue, _ replacement: String, _ applicability: FixApplicability) -> Fix? {
        value.replacingValue(with: replacement, in: file).map { Fix("write `\(replacement)`", applicability, edits: [$0]) }
    }

    /// A mapping value as the front end read it, its unreadable entries reported; nil for a scalar or list.
    mutating func readMapping(_ value: SyntaxValue) -> SyntaxMapping? {
        guard let mapping = value.mapping else { return nil }
        for problem in mapping.problems {
            switch problem.kind {
            case .keyNotAString(let found):
                bag.report(.typeMismatch, "a key must be a plain string, found \(found)", at: problem.range)
            case .mergeOfNonMapping(let found):
                bag.report(.invalidMerge, "`<<` merges mappings, found \(found)", at: problem.range,
                           help: "write `<<: *anchor` where the anchor names a mapping")
            }
        }
        return mapping
    }

    /// How to write a value so it is read as `meant` (a boolean or number written as text), in the
    /// author's front end: YAML quotes, a Markdown code span or a quoted fence attribute.
    func asWrittenHelp(_ field: SyntaxField, meant: String) -> String? {
        switch field.value.origin {
        case .yaml(let style?) where style.isQuoted:
            return "remove the quotes"
        case .markdown(.codeSpan):
            // A code span is always text: the label's value is written bare.
            return "remove the backticks: a code span is text, so write `\(keyAsWritten(field)) \(meant)`"
        case .markdown(.fenceAttribute(quoted: true)):
            return "remove the quotes around the attribute's value: `\(field.key)=\(meant)`"
        default:
            return nil
        }
    }

    /// How the author wrote a field's key, for help lines: `timeout:` in YAML, `**Timeout**:` as a
    /// Markdown label, `timeout=` among a fence's attributes.
    func keyAsWritten(_ field: SyntaxField) -> String {
        switch field.value.origin {
        case .markdown(.labelText), .markdown(.codeSpan):
            let label = file.slice(field.keyRange).trimmingCharacters(in: .whitespaces)
            guard label.hasPrefix("**") || label.hasPrefix("__") else { return "\(field.key):" }
            return label.hasSuffix(":**") || label.hasSuffix(":__") ? label : label + ":"
        case .markdown(.fenceAttribute):
            return "\(field.key)="
        default:
            return "\(field.key):"
        }
    }

    /// The value's text when, written bare, it would mean one of `kinds`.
    func writtenAs(_ value: SyntaxValue, _ kinds: [YAMLScalarKind]) -> String? {
        value.scalarValue.flatMap { kinds.contains(YAMLNode.plainScalarKind($0)) ? $0 : nil }
    }

    func location(_ range: SourceRange) -> IRLocation {
        IRLocation(range, in: file)
    }

    /// Any non-null scalar as text; reports lists, mappings and nulls.
    mutating func scalarString(_ field: SyntaxField) -> String? {
        let value = field.value
        guard let text = value.scalarValue else {
            bag.report(.typeMismatch, "`\(field.key)` must be a string, found \(value.kindDescription)", at: value.range)
            return nil
        }
        if value.scalarKind == .null {
            bag.report(.typeMismatch, "`\(field.key)` has no value", at: field.keyRange, help: "write a value after `\(keyAsWritten(field))`")
            return nil
        }
        return text
    }

    /// Keys whose trailing newlines are noise (from `|` blocks and Markdown fences) and are trimmed.
    static let trimmedKeys: Set<String> = ["command", "description", "instructions", "message", "name", "symptoms", "diagnosis", "title"]

    mutating func optionalString(_ mapping: SyntaxMapping, _ key: String, nonEmpty: Bool = false) -> String? {
        guard let field = mapping[key], var text = scalarString(field) else { return nil }
        if Self.trimmedKeys.contains(key) {
            while text.last == "\n" || text.last == "\r" { text.removeLast() }
        }
        if nonEmpty, text.isBlank {
            bag.report(.invalidValue, "`\(key)` is empty", at: field.value.range)
            return nil
        }
        return text
    }

    mutating func requiredString(_ mapping: SyntaxMapping, _ key: String, in owner: String, at range: SourceRange) -> String? {
        guard mapping[key] != nil else {
            bag.report(.missingField, "\(owner) has no `\(key)`", at: range, help: "add `\(key): …`")
            return nil
        }
        return optionalString(mapping, key, nonEmpty: true)
    }

    mutating func bool(_ field: SyntaxField) -> Bool? {
        guard field.value.scalarKind == .bool, let text = field.value.scalarValue else {
            bag.report(.typeMismatch, "`\(field.key)` must be true or false, found \(field.value.kindDescription)", at: field.value.range,
                       help: asWrittenHelp(field, meant: writtenAs(field.value, [.bool]) ?? "true"))
            return nil
        }
        return ["true", "yes", "on", "y"].contains(text.lowercased())
    }

    mutating func int(_ field: SyntaxField, limits: ClosedRange<Int>) -> Int? {
        guard field.value.scalarKind == .int, let text = field.value.scalarValue, let value = Self.integer(text) else {
            // `!!int abc` claims an integer it is not: say so rather than guess at digits.
            let found = field.value.scalarKind == .int ? "`\(field.value.scalarValue ?? "")`, which is not a number" : field.value.kindDescription
            bag.report(.typeMismatch, "`\(field.key)` must be an integer, found \(found)", at: field.value.range,
                       help: field.value.origin == .markdown(.codeSpan) ? asWrittenHelp(field, meant: writtenAs(field.value, [.int]) ?? "2") : nil)
            return nil
        }
        guard limits.contains(value) else {
            bag.report(.numberOutOfRange, "`\(field.key)` must be between \(limits.lowerBound) and \(limits.upperBound), found \(value)",
                       at: field.value.range)
            return nil
        }
        return value
    }

    mutating func intOrList(_ field: SyntaxField, limits: ClosedRange<Int>) -> [Int]? {
        if let items = field.value.listItems {
            let values = items.compactMap { int(SyntaxField(key: field.key, keyRange: field.keyRange, value: $0), limits: limits) }
            return values.count == items.count ? values : nil
        }
        return int(field, limits: limits).map { [$0] }
    }

    mutating func number(_ field: SyntaxField) -> Double? {
        guard let kind = field.value.scalarKind, kind == .int || kind == .float, let text = field.value.scalarValue,
              let value = Double(Self.withoutUnderscores(text)) else {
            bag.report(.typeMismatch, "`\(field.key)` must be a number, found \(field.value.kindDescription)", at: field.value.range,
                       help: asWrittenHelp(field, meant: writtenAs(field.value, [.int, .float]) ?? "1"))
            return nil
        }
        return value
    }

    func formatNumber(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// A duration under `key` (a string such as `5m`) or `<key>Ms` (integer milliseconds), within limits.
    mutating func duration(_ mapping: SyntaxMapping, _ key: String, limits: ClosedRange<Int>) -> Int? {
        if let field = mapping[key + "Ms"], LanguageKeys.millisecondVariants.contains(key) {
            guard let value = int(field, limits: Int.min...Int.max) else { return nil }
            return checkRange(value, limits: limits, field: field, written: "\(value)ms")
        }
        guard let field = mapping[key] else { return nil }
        guard let text = field.value.scalarValue, field.value.scalarKind != .null else {
            bag.report(.typeMismatch, "`\(key)` must be a duration such as `30s` or `5m`, found \(field.value.kindDescription)", at: field.value.range)
            return nil
        }
        if field.value.scalarKind == .int || field.value.scalarKind == .float {
            // A Markdown label has no `Ms` spelling; YAML and fence attributes do.
            let labelled = field.value.origin == .markdown(.labelText) || field.value.origin == .markdown(.codeSpan)
            let variant = LanguageKeys.millisecondVariants.contains(key) && !labelled
                ? ", or `\(field.value.origin == .markdown(.fenceAttribute(quoted: false)) ? "\(key)Ms=\(text)" : "\(key)Ms: \(text)")` for milliseconds" : ""
            // Unsafe: seconds is a guess (the author may have meant milliseconds).
            let seconds = "\(text)s"
            let fix = field.value.scalarKind == .int && (try? DurationParser.milliseconds(seconds).get()).map(limits.contains) == true
                ? field.value.replacingValue(with: seconds, in: file).map { Fix("write `\(seconds)`", .unsafe, edits: [$0]) } : nil
            bag.report(.invalidDuration, "`\(key): \(text)` has no unit", at: field.value.range,
                       help: "write `\(text)s` for seconds\(variant)", fix: fix)
            return nil
        }
        switch DurationParser.milliseconds(text) {
        case .success(let ms):
            return checkRange(ms, limits: limits, field: field, written: text)
        case .failure(.negative):
            bag.report(.durationOutOfRange, "`\(key)` is negative (`\(text)`)", at: field.value.range,
                       help: "durations count forward: write a positive value such as `\(text.dropFirst())`")
        case .failure(.overflow):
            bag.report(.durationOutOfRange, "`\(key)` is too large to represent (`\(text)`)", at: field.value.range)
        case .failure(.malformed(let suggestion)):
            // `5 minutes` → `5m` says the same thing: safe.
            let fix = suggestion.flatMap { field.value.replacingValue(with: $0, in: file) }.map { Fix("write `\(suggestion ?? "")`", .safe, edits: [$0]) }
            bag.report(.invalidDuration, "`\(text)` is not a duration", at: field.value.range,
                       help: suggestion.map { "write `\($0)`" } ?? "write a number and unit: `30s`, `5m`, `1h30m`, `2d`, `500ms`", fix: fix)
        }
        return nil
    }

    mutating func checkRange(_ ms: Int, limits: ClosedRange<Int>, field: SyntaxField, written: String) -> Int? {
        if limits.contains(ms) { return ms }
        let bound = ms < limits.lowerBound ? limits.lowerBound : limits.upperBound
        let relation = ms < limits.lowerBound ? "at least" : "at most"
        let reason = ms <= 0 ? "is not positive" : ms < limits.lowerBound ? "is too short" : "is absurdly long"
        bag.report(.durationOutOfRange, "`\(field.key)` \(reason) (`\(written)`)", at: field.value.range,
                   help: "`\(field.key)` must be \(relation) \(DurationParser.format(milliseconds: max(bound, 1)))")
        return nil
    }

    /// An integer as YAML 1.1 writes one: decimal with `_` separators, or `0x`/`0o` with their digits.
    static func integer(_ text: String) -> Int? {
        let cleaned = withoutUnderscores(text)
        if let value = Int(cleaned) { return value }
        var body = Substring(cleaned.lowercased())
        var sign = 1
        if body.hasPrefix("-") { sign = -1; body = body.dropFirst() } else if body.hasPrefix("+") { body = body.dropFirst() }
        if body.hasPrefix("0x") { return Int(body.dropFirst(2), radix: 16).map { sign * $0 } }
        if body.hasPrefix("0o") { return Int(body.dropFirst(2), radix: 8).map { sign * $0 } }
        return nil
    }

    /// `text.replacingOccurrences(of: "_", with: "")`; the text itself when it holds no `_` byte
    /// (Foundation cannot find one then), which is almost always: the bridge was 6 % of type checking.
    static func withoutUnderscores(_ text: String) -> String {
        text.utf8.contains(UInt8(ascii: "_")) ? text.replacingOccurrences(of: "_", with: "") : text
    }

    mutating func date(_ field: SyntaxField) -> String? {
        guard let text = scalarString(field) else { return nil }
        if TypeChecker.isCalendarDate(text) { return text }
        // A page for people writes `**Reviewed**: March 2024` or `2024-03-05 by Alice`.
        if syntax.format == .markdown, let stated = StatedValues.date(text) { return stated }
        bag.report(.invalidDate, "`\(text)` is not a date", at: field.value.range,
                   help: "write the date as YYYY-MM-DD, e.g. `2026-11-01`")
        return nil
    }

    mutating func list(_ field: SyntaxField) -> [SyntaxValue]? {
        if let items = field.value.listItems { return items }
        if field.value.scalarKind == .null { return [] }
        bag.report(.typeMismatch, "`\(field.key)` must be a list, found \(field.value.kindDescription)", at: field.value.range,
                   help: "write each entry on its own line starting with `- `, or `[a, b]`")
        return nil
    }

    mutating func stringList(_ field: SyntaxField) -> [String]? {
        guard let items = list(field) else { return nil }
        return items.compactMap { scalarString(SyntaxField(key: field.key + " entry", keyRange: $0.range, value: $0)) }
    }

    mutating func stringOrList(_ field: SyntaxField) -> [String]? {
        if field.value.listItems == nil, field.value.scalarValue != nil {
            return scalarString(field).map { [$0] }
        }
        return stringList(field)
    }

    mutating func stringMap(_ field: SyntaxField) -> [String: String]? {
        guard let mapping = readMapping(field.value) else {
            bag.report(.typeMismatch, "`\(field.key)` must be a mapping of names to strings, found \(field.value.kindDescription)", at: field.value.range)
            return nil
        }
        var result: [String: String] = [:]
        for entry in mapping.fields {
            if let text = scalarString(entry) { result[entry.key] = text }
        }
        return result
    }

    func scalarJSON(_ node: SyntaxValue) -> JSONValue? {
        guard let text = node.scalarValue, let kind = node.scalarKind else { return nil }
        switch kind {
        case .null: return .null
        case .bool: return .bool(["true", "yes", "on", "y"].contains(text.lowercased()))
        case .int: return Int(Self.withoutUnderscores(text)).map(JSONValue.int) ?? .string(text)
        case .float: return Double(Self.withoutUnderscores(text)).map(JSONValue.double) ?? .string(text)
        case .string: return .string(text)
        }
    }
}

extension TypeChecker {
    /// `YYYY-MM-DD` naming a day that exists (`2026-02-30` and `2026-13-45` do not).
    public static func isCalendarDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month) else { return false }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day)) else { return false }
        return calendar.component(.day, from: date) == day && calendar.component(.month, from: date) == month
    }
}

/// Whether ICU accepts a regular expression. Most patterns in runbooks are words (`ready`,
/// `restarted`): a text of printable ASCII without a metacharacter is a literal, which ICU always
/// accepts; anything else is compiled (compiling every `expect.output` was 5 % of type checking).
public enum RegexValidity {
    struct Invalid: Error {}

    public static func isValid(_ pattern: String) -> Bool {
        if !pattern.isEmpty, pattern.utf8.allSatisfy(isLiteral) { return true }
        return (try? NSRegularExpression(pattern: pattern)) != nil
    }

    /// Printable ASCII that means itself anywhere outside a character class.
    private static func isLiteral(_ byte: UInt8) -> Bool {
        guard byte >= 0x20, byte < 0x7F else { return false }
        switch byte {
        case UInt8(ascii: "\\"), UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "|"), UInt8(ascii: "?"), UInt8(ascii: "*"),
             UInt8(ascii: "+"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"):
            return false
        default:
            return true
        }
    }
}

/// The two spellings names must have, checked byte by byte: a regular expression compiled per step
/// was a noticeable share of checking a runbook with thousands of steps.
enum IdentifierSpelling {
    /// `^[A-Za-z_][A-Za-z0-9_]*$`: parameter and output names.
    static func isIdentifier(_ text: String) -> Bool {
        var bytes = text.utf8.makeIterator()
        guard let first = bytes.next(), isLetter(first) || first == UInt8(ascii: "_") else { return false }
        while let byte = bytes.next() {
            guard isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_") else { return false }
        }
        return true
    }

    /// `^[A-Za-z0-9][A-Za-z0-9_.-]*$`: step ids.
    static func isStepID(_ text: String) -> Bool {
        var bytes = text.utf8.makeIterator()
        guard let first = bytes.next(), isLetter(first) || isDigit(first) else { return false }
        while let byte = bytes.next() {
            guard isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") else { return false }
        }
        return true
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
}
