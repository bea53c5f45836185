// The expression type checker: names resolved against the runbook (params, earlier steps and their
// outputs, env, runbook), every operator and function argument typed, problems reported with spans.

import RunbookSource
import RunbookSyntax

/// What an expression may see of one step.
struct StepFacts: Sendable {
    let id: String
    let index: Int
    let kind: ActionKind
    let outputs: [String]
    let conditional: Bool
}

/// What an expression may name. Built once per list of steps and moved along it (`position`), so a
/// step's scope costs the same whether the runbook has ten steps or ten thousand.
struct ExpressionScope {
    var params: [String: ParamIR]
    /// Parameters were declared where nothing could be read (a front matter that does not parse).
    var paramsUnknown = false
    /// Steps of other lists that have all run before this list (the main steps, for `post_runbook`
    /// and `rollback`), by id.
    var earlier: [String: StepFacts]
    /// This list's steps by id (the first of a repeated id), and their positions in the list.
    var list: [String: (position: Int, facts: StepFacts)]
    /// The list's steps before this position have run.
    var position: Int
    /// A rollback runs after its step: the step itself has run too.
    var ownStep: StepFacts?
    /// For messages: where the expression is.
    var owner: String

    /// A step that has run before the expression is evaluated.
    func visible(_ id: String) -> StepFacts? {
        if let step = earlier[id] { return step }
        if let own = ownStep, own.id == id { return own }
        if let entry = list[id], entry.position < position { return entry.facts }
        return nil
    }

    /// A step of the same list that runs later (or is the step itself).
    func later(_ id: String) -> StepFacts? {
        guard visible(id) == nil, let entry = list[id], entry.position >= position else { return nil }
        return entry.facts
    }

    var knownStepIDs: [String] { Array(Set(earlier.keys).union(list.keys)).sorted() }
}

struct ExpressionFinding {
    let code: DiagnosticCode
    let message: String
    let span: ExpressionSpan
    let help: String?
    var severity: Severity? = nil
}

/// One function's signature: argument types (nil = any) and how the result type follows.
private struct FunctionSignature: Sendable {
    let minimumArguments: Int
    let maximumArguments: Int
    let summary: String
    let result: @Sendable ([ExpressionType]) -> ExpressionType
    let accepts: @Sendable (Int, ExpressionType) -> Bool
}

/// The expression language's functions, as the runtime needs to know them.
public enum ExpressionFunctions {
    /// How many arguments a function takes, so the evaluator can refuse a call the checker never saw.
    public static func argumentCount(of name: String) -> ClosedRange<Int>? {
        ExpressionChecker.argumentCount(of: name)
    }
}

struct ExpressionChecker {
    var scope: ExpressionScope
    var findings: [ExpressionFinding] = []
    var referencedParams: Set<String> = []
    var references: [String] = []
    /// `default(...)` guards a reference to a step that may have been skipped.
    private var insideDefault = 0

    init(scope: ExpressionScope) {
        self.scope = scope
    }

    static let functionNames = ["contains", "startsWith", "endsWith", "format", "default", "toJSON", "lower", "upper",
                                "length", "seconds", "duration"]

    private static let functions: [String: FunctionSignature] = [
        "contains": FunctionSignature(minimumArguments: 2, maximumArguments: 2, summary: "contains(string|list, value) → bool",
                                      result: { _ in .bool }, accepts: { index, type in index == 0 ? (type.isStringLike || type == .list || type == .any) : true }),
        "startsWith": FunctionSignature(minimumArguments: 2, maximumArguments: 2, summary: "startsWith(string, string) → bool",
                                        result: { _ in .bool }, accepts: { _, type in type.isStringLike || type == .any }),
        "endsWith": FunctionSignature(minimumArguments: 2, maximumArguments: 2, summary: "endsWith(string, string) → bool",
                                      result: { _ in .bool }, accepts: { _, type in type.isStringLike || type == .any }),
        "format": FunctionSignature(minimumArguments: 1, maximumArguments: 16, summary: "format(string, values…) → string",
                                    result: { _ in .string }, accepts: { index, type in index == 0 ? (type.isStringLike || type == .any) : type.isPrintable }),
        "default": FunctionSignature(minimumArguments: 2, maximumArguments: 2, summary: "default(value, fallback) → the value's type",
                                     result: { types in types[0] == .any || types[0] == .null ? types[1] : types[0] }, accepts: { _, _ in true }),
        "toJSON": FunctionSignature(minimumArguments: 1, maximumArguments: 1, summary: "toJSON(value) → string",
                                    result: { _ in .string }, accepts: { _, _ in true }),
        "lower": FunctionSignature(minimumArguments: 1, maximumArguments: 1, summary: "lower(string) → string",
                                   result: { _ in .string }, accepts: { _, type in type.isStringLike || type == .any }),
        "upper": FunctionSignature(minimumArguments: 1, maximumArguments: 1, summary: "upper(string) → string",
                                   result: { _ in .string }, accepts: { _, type in type.isStringLike || type == .any }),
        "length": FunctionSignature(minimumArguments: 1, maximumArguments: 1, summary: "length(string|list) → int",
                                    result: { _ in .int }, accepts: { _, type in type.isStringLike || type == .list || type == .any }),
        "seconds": FunctionSignature(minimumArguments: 1, maximumArguments: 1, summary: "seconds(duration) → number",
                                     result: { _ in .number }, accepts: { _, type in type == .duration || type == .any }),
        "duration": FunctionSignature(minimumArguments: 1, maximumArguments: 1, summary: "duration(string) → duration",
                                      result: { _ in .duration }, accepts: { _, type in type.isStringLike || type == .duration || type == .any }),
    ]

    static func argumentCount(of name: String) -> ClosedRange<Int>? {
        functions[name].map { $0.minimumArguments...$0.maximumArguments }
    }

    static let stepProperties: [String: ExpressionType] = [
        "stdout": .string, "stderr": .string, "exit_code": .int, "http_status": .int,
        "status": .enumeration(["succeeded", "failed", "timed_out", "skipped"]),
    ]

    mutating func report(_ code: DiagnosticCode, _ message: String, _ span: ExpressionSpan, help: String? = nil, severity: Severity? = nil) {
        findings.append(ExpressionFinding(code: code, message: message, span: span, help: help, severity: severity))
    }

    mutating func type(of node: ExpressionNode) -> ExpressionType {
        switch node {
        case .string: return .string
        case .int: return .int
        case .number: return .number
        case .bool: return .bool
        case .null: return .null
        case .duration: return .duration
        case .error: return .any
        case .identifier, .member:
            return pathType(node)
        case .call(let name, let arguments, let span):
            return callType(name, arguments, span)
        case .unary(let op, let operand, let span):
            let operandType = type(of: operand)
            if op == "!" {
                if operandType != .bool, operandType != .any {
                    report(.expressionType, "`!` needs a bool, found \(operandType)", operand.span)
                }
                return .bool
            }
            if !operandType.isNumeric, operandType != .duration, operandType != .any {
                report(.expressionType, "`-` needs a number or a duration, found \(operandType)", span)
            }
            return operandType
        case .binary(let op, let left, let right, _):
            return binaryType(op, left, right)
        }
    }

    private mutating func binaryType(_ op: String, _ left: ExpressionNode, _ right: ExpressionNode) -> ExpressionType {
        let leftType = type(of: left)
        let rightType = type(of: right)
        switch op {
        case "&&", "||":
            for (node, nodeType) in [(left, leftType), (right, rightType)] where nodeType != .bool && nodeType != .any {
                report(.expressionType, "`\(op)` needs bools, found \(nodeType)", node.span,
                       help: nodeType.isStringLike ? "compare it first, e.g. `… == 'value'`" : nil)
            }
            return .bool
        case "==", "!=":
            if !leftType.comparable(with: rightType) {
                report(.expressionType, "cannot compare \(leftType) with \(rightType)", left.span.to(right.span))
            } else {
                checkEnumLiteral(leftType, right)
                checkEnumLiteral(rightType, left)
            }
            return .bool
        case "<", "<=", ">", ">=":
            let ordered = (leftType.isNumeric && rightType.isNumeric) || (leftType == .duration && rightType == .duration)
                || (leftType == .string && rightType == .string) || leftType == .any || rightType == .any
            if !ordered {
                report(.expressionType, "`\(op)` cannot order \(leftType) and \(rightType)", left.span.to(right.span),
                       help: leftType == .duration || rightType == .duration ? "compare durations with durations, e.g. `5m`" : nil)
            }
            return .bool
        case "+":
            if leftType == .any || rightType == .any { return .any }
            if leftType == .int && rightType == .int { return .int }
            if leftType.isNumeric && rightType.isNumeric { return .number }
            if leftType == .duration && rightType == .duration { return .duration }
            if leftType.isStringLike && rightType.isStringLike { return .string }
            report(.expressionType, "cannot add \(leftType) and \(rightType)", left.span.to(right.span),
                   help: "use format('{0}{1}', a, b) to join values into a string")
            return .any
        default:
            return .any
        }
    }

    /// `params.env == 'prod'` when `env` only allows staging and production.
    private mutating func checkEnumLiteral(_ type: ExpressionType, _ node: ExpressionNode) {
        guard case .enumeration(let values) = type, case .string(let literal, let span) = node, !values.contains(literal) else { return }
        report(.expressionType, "'\(literal)' is not one of the allowed values (\(values.joined(separator: ", ")))", span,
               help: Suggestions.closest(to: literal, in: values).map { "did you mean '\($0)'?" })
    }

    private mutating func callType(_ name: String, _ arguments: [ExpressionNode], _ span: ExpressionSpan) -> ExpressionType {
        guard let signature = Self.functions[name] else {
            report(.unknownFunction, "unknown function `\(name)`", ExpressionSpan(start: span.start, end: span.start + name.utf8.count),
                   help: Suggestions.closest(to: name, in: Self.functionNames).map { "did you mean `\($0)`?" }
                       ?? "functions: \(Self.functionNames.joined(separator: ", "))")
            for argument in arguments { _ = type(of: argument) }
            return .any
        }
        if name == "default" { insideDefault += 1 }
        let types = arguments.map { type(of: $0) }
        if name == "default" { insideDefault -= 1 }
        if arguments.count < signature.minimumArguments || arguments.count > signature.maximumArguments {
            report(.unknownFunction, "`\(name)` takes \(signature.minimumArguments == signature.maximumArguments ? "\(signature.minimumArguments)" : "\(signature.minimumArguments) or more") argument\(signature.maximumArguments == 1 ? "" : "s"), found \(arguments.count)",
                   span, help: signature.summary)
            return signature.result(types.isEmpty ? [.any, .any] : types + [.any])
        }
        for (index, argumentType) in types.enumerated() where !signature.accepts(index, argumentType) {
            report(.expressionType, "argument \(index + 1) of `\(name)` cannot be \(argumentType)", arguments[index].span, help: signature.summary)
        }
        if name == "format", case .string(let pattern, let patternSpan) = arguments[0] {
            checkFormat(pattern, placeholders: arguments.count - 1, span: patternSpan)
        }
        return signature.result(types)
    }

    /// `format('{0} of {1}', a)` needs as many values as its highest placeholder.
    private mutating func checkFormat(_ pattern: String, placeholders count: Int, span: ExpressionSpan) {
        var highest = -1
        var index = pattern.startIndex
        while let open = pattern[index...].firstIndex(of: "{") {
            let rest = pattern[pattern.index(after: open)...]
            if let close = rest.firstIndex(of: "}"), let number = Int(rest[..<close]) { highest = max(highest, number) }
            index = pattern.index(after: open)
        }
        if highest >= count {
            report(.expressionType, "format string uses {\(highest)} but \(count) value\(count == 1 ? " is" : "s are") given", span)
        }
    }

    private mutating func pathType(_ node: ExpressionNode) -> ExpressionType {
        guard let path = node.path, let root = path.first else { return .any }
        let span = node.span
        references.append(path.joined(separator: "."))
        switch root {
        case "params":
            guard path.count >= 2 else {
                report(.unknownReference, "`params` is the set of parameters; name one", span, help: "write `params.NAME`")
                return .object
            }
            let name = path[1]
            guard let param = scope.params[name] else {
                if scope.paramsUnknown { return .any }
                report(.unknownReference, "unknown parameter `\(name)`", span,
                       help: Suggestions.closest(to: name, in: scope.params.keys).map { "did you mean `params.\($0)`?" }
                           ?? (scope.params.isEmpty ? "declare it under `params:`" : "parameters: \(scope.params.keys.sorted().joined(separator: ", "))"))
                return .any
            }
            referencedParams.insert(name)
            if path.count > 2 { report(.unknownReference, "parameter `\(name)` has no field `\(path[2])`", span) }
            return ExpressionType.of(param)
        case "steps":
            return stepPathType(path, span)
        case "env":
            guard path.count == 2 else {
                report(.unknownReference, "write `env.NAME` to read an environment variable", span)
                return .any
            }
            return .string
        case "runbook":
            let fields: [String: ExpressionType] = ["name": .string, "severity": .enumeration(["P0", "P1", "P2", "P3"])]
            guard path.count == 2, let fieldType = fields[path[1]] else {
                report(.unknownReference, "`runbook` has `name` and `severity`", span)
                return .any
            }
            return fieldType
        default:
            let roots = ["params", "steps", "env", "runbook"]
            report(.unknownReference, "unknown name `\(root)`", span,
                   help: Suggestions.closest(to: root, in: roots).map { "did you mean `\($0)`?" }
                       ?? "names start with `params.`, `steps.`, `env.` or `runbook.`; quote text as 'text'")
            return .any
        }
    }

    private mutating func stepPathType(_ path: [String], _ span: ExpressionSpan) -> ExpressionType {
        guard path.count >= 3 else {
            report(.unknownReference, "name a step and what to read from it", span, help: "write `steps.ID.outputs.NAME`, `steps.ID.stdout` or `steps.ID.status`")
            return .any
        }
        let id = path[1]
        guard let step = scope.visible(id) else {
            if let later = scope.later(id) {
                report(.stepOrder, "\(scope.owner) uses step `\(id)`, which has not run yet at this point", span,
                       help: later.id == id && scope.owner.hasSuffix("`\(id)`") ? "a step cannot read its own results; use a later step" : "move the step that produces it earlier")
            } else {
                let known = scope.knownStepIDs
                report(.unknownReference, "unknown step `\(id)`", span,
                       help: Suggestions.closest(to: id, in: known).map { "did you mean `steps.\($0)`?" })
            }
            return .any
        }
        if step.conditional, insideDefault == 0 {
            report(.maybeSkipped, "step `\(id)` has a `when` condition and may not have run", span,
                   help: "guard the value with default(…, fallback) or give this step the same condition", severity: .warning)
        }
        let property = path[2]
        if property == "outputs" {
            guard path.count == 4 else {
                report(.unknownReference, "name the output: `steps.\(id).outputs.NAME`", span)
                return .object
            }
            guard step.outputs.contains(path[3]) else {
                report(.unknownReference, "step `\(id)` has no output `\(path[3])`", span,
                       help: Suggestions.closest(to: path[3], in: step.outputs).map { "did you mean `\($0)`?" }
                           ?? "declare it under the step's `outputs:`")
                return .any
            }
            return .string
        }
        guard let propertyType = Self.stepProperties[property], path.count == 3 else {
            report(.unknownReference, "a step has no `\(path.dropFirst(2).joined(separator: "."))`", span,
                   help: "read `outputs.NAME`, `stdout`, `stderr`, `exit_code`, `http_status` or `status`")
            return .any
        }
        if property == "http_status", step.kind != .httpRequest {
            report(.unknownReference, "`http_status` is set by `http_request` steps; `\(id)` is `\(step.kind.rawValue)`", span)
        }
        if property == "exit_code" || property == "stdout" || property == "stderr", step.kind != .executeCommand {
            report(.unknownReference, "`\(property)` is set by `execute_command` steps; `\(id)` is `\(step.kind.rawValue)`", span)
        }
        return propertyType
    }
}
