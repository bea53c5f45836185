// Evaluates the expressions the type checker kept in the IR (`${{ }}` substitutions and `when`
// conditions) at run time; nothing is parsed again. In a plan, values that only a run produces
// (step results) are unknown.

import Foundation
import RunbookSema

public indirect enum RuntimeValue: Sendable, Equatable {
    case string(String), int(Int), number(Double), bool(Bool), duration(Int), null
    case list([RuntimeValue]), object([String: RuntimeValue])
    /// Known only once the run gets there (planning).
    case unknown(String)

    /// As text in a command, message or URL.
    public var text: String {
        switch self {
        case .string(let value): value
        case .int(let value): String(value)
        case .number(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        case .bool(let value): String(value)
        case .duration(let ms): DurationParser.format(milliseconds: ms)
        case .null: ""
        case .list, .object: json
        case .unknown(let what): "<\(what)>"
        }
    }

    var json: String {
        switch self {
        case .string(let value): (try? String(decoding: JSONEncoder().encode(value), as: UTF8.self)) ?? "\"\""
        case .list(let items): "[" + items.map(\.json).joined(separator: ",") + "]"
        case .object(let fields): "{" + fields.sorted { $0.key < $1.key }.map { "\(RuntimeValue.string($0.key).json):\($0.value.json)" }.joined(separator: ",") + "}"
        case .null: "null"
        default: text
        }
    }

    public static func from(_ value: JSONValue) -> RuntimeValue {
        switch value {
        case .string(let text): .string(text)
        case .int(let number): .int(number)
        case .double(let number): .number(number)
        case .bool(let flag): .bool(flag)
        case .null: .null
        case .array(let items): .list(items.map(from))
        case .object(let fields): .object(fields.mapValues(from))
        }
    }
}

/// What a finished step exposes to later expressions.
public struct StepResult: Sendable {
    public var status: StepStatus
    public var exitCode: Int?
    public var httpStatus: Int?
    public var stdout: String
    public var stderr: String
    public var outputs: [String: String]

    public init(status: StepStatus, exitCode: Int? = nil, httpStatus: Int? = nil, stdout: String = "", stderr: String = "", outputs: [String: String] = [:]) {
        self.status = status
        self.exitCode = exitCode
        self.httpStatus = httpStatus
        self.stdout = stdout
        self.stderr = stderr
        self.outputs = outputs
    }
}

public struct EvaluationContext: Sendable {
    public var params: [String: RuntimeValue]
    public var steps: [String: StepResult]
    public var runbookName: String
    public var severity: String
    /// In a plan, a step that has not run yet reads as unknown instead of missing.
    public var planning: Bool

    public init(params: [String: RuntimeValue] = [:], steps: [String: StepResult] = [:], runbookName: String = "", severity: String = "P3", planning: Bool = false) {
        self.params = params
        self.steps = steps
        self.runbookName = runbookName
        self.severity = severity
        self.planning = planning
    }
}

public enum ExpressionEvaluator {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Evaluates an expression the type checker kept (`StepIR.condition`, `SubstitutionIR.tree`).
    public static func evaluate(_ node: ExpressionIR, in context: EvaluationContext) throws -> RuntimeValue {
        switch node {
        case .string(let value): return .string(value)
        case .int(let value): return .int(value)
        case .number(let value): return .number(value)
        case .bool(let value): return .bool(value)
        case .null: return .null
        case .duration(let ms): return .duration(ms)
        case .path(let names):
            return try path(names, context)
        case .unary(let op, let operand):
            let value = try evaluate(operand, in: context)
            if case .unknown = value { return value }
            if op == "!" { return .bool(!truthy(value)) }
            switch value {
            // Wrapping, like `+`: -Int.min must not trap.
            case .int(let number): return .int(0 &- number)
            case .number(let number): return .number(-number)
            case .duration(let ms): return .duration(0 &- ms)
            default: throw Failure(description: "cannot negate \(value.text)")
            }
        case .binary(let op, let leftNode, let rightNode):
            let left = try evaluate(leftNode, in: context)
            if op == "&&", case .bool(false) = left { return .bool(false) }
            if op == "||", case .bool(true) = left { return .bool(true) }
            let right = try evaluate(rightNode, in: context)
            if case .unknown = left { return left }
            if case .unknown = right { return right }
            return try binary(op, left, right)
        case .call(let name, let arguments):
            // The type checker enforces arity; checking again keeps a hand-built IR from indexing past the end.
            guard let arity = ExpressionFunctions.argumentCount(of: name) else { throw Failure(description: "unknown function `\(name)`") }
            guard arity.contains(arguments.count) else { throw Failure(description: "`\(name)` takes \(arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "\(arity.lowerBound)–\(arity.upperBound)") arguments, got \(arguments.count)") }
            let values = try arguments.map { try evaluate($0, in: context) }
            if name == "default" {
                if case .unknown = values[0] { return values[0] }
                return values[0] == .null || values[0] == .string("") ? values[1] : values[0]
            }
            if let unknown = values.first(where: { if case .unknown = $0 { return true } else { return false } }) { return unknown }
            return try call(name, values)
        }
    }

    static func path(_ path: [String], _ context: EvaluationContext) throws -> RuntimeValue {
        guard let root = path.first else { throw Failure(description: "empty name") }
        switch root {
        case "params":
            guard path.count == 2 else { throw Failure(description: "write params.NAME") }
            return context.params[path[1]] ?? .null
        case "env":
            guard path.count == 2 else { throw Failure(description: "write env.NAME") }
            return ProcessInfo.processInfo.environment[path[1]].map(RuntimeValue.string) ?? .string("")
        case "runbook":
            return path.count == 2 && path[1] == "severity" ? .string(context.severity) : .string(context.runbookName)
        case "steps":
            guard path.count >= 3 else { throw Failure(description: "write steps.ID.…") }
            guard let step = context.steps[path[1]] else {
                if context.planning { return .unknown(path.joined(separator: ".")) }
                // A step that never ran (skipped by its condition, or after a failure) reads as null.
                return .null
            }
            switch path[2] {
            case "outputs": return path.count == 4 ? step.outputs[path[3]].map(RuntimeValue.string) ?? .null : .object(step.outputs.mapValues(RuntimeValue.string))
            case "stdout": return .string(step.stdout)
            case "stderr": return .string(step.stderr)
            case "exit_code": return step.exitCode.map(RuntimeValue.int) ?? .null
            case "http_status": return step.httpStatus.map(RuntimeValue.int) ?? .null
            case "status": return .string(step.status.rawValue)
            default: throw Failure(description: "a step has no `\(path[2])`")
            }
        default:
            throw Failure(description: "unknown name `\(root)`")
        }
    }

    static func truthy(_ value: RuntimeValue) -> Bool {
        switch value {
        case .bool(let flag): flag
        case .null: false
        case .string(let text): !text.isEmpty
        case .int(let number): number != 0
        default: true
        }
    }

    static func number(_ value: RuntimeValue) -> Double? {
        switch value {
        case .int(let number): Double(number)
        case .number(let number): number
        case .string(let text): Double(text.trimmingCharacters(in: .whitespacesAndNewlines))
        default: nil
        }
    }

    static func binary(_ op: String, _ left: RuntimeValue, _ right: RuntimeValue) throws -> RuntimeValue {
        switch op {
        case "&&": return .bool(truthy(left) && truthy(right))
        case "||": return .bool(truthy(left) || truthy(right))
        case "==", "!=":
            let equal: Bool
            if let a = number(left), let b = number(right), !(isString(left) && isString(right)) { equal = a == b } else { equal = left.text == right.text }
            return .bool(op == "==" ? equal : !equal)
        case "<", "<=", ">", ">=":
            let ordered: Bool
            if case .duration(let a) = left, case .duration(let b) = right {
                ordered = compare(Double(a), Double(b), op)
            } else if let a = number(left), let b = number(right) {
                ordered = compare(a, b, op)
            } else {
                let a = left.text, b = right.text
                ordered = op == "<" ? a < b : op == "<=" ? a <= b : op == ">" ? a > b : a >= b
            }
            return .bool(ordered)
        case "+":
            switch (left, right) {
            case (.int(let a), .int(let b)): return .int(a &+ b)
            case (.duration(let a), .duration(let b)): return .duration(a &+ b)
            default:
                if let a = number(left), let b = number(right), !isString(left), !isString(right) { return .number(a + b) }
                return .string(left.text + right.text)
            }
        default:
            throw Failure(description: "unknown operator \(op)")
        }
    }

    static func isString(_ value: RuntimeValue) -> Bool {
        if case .string = value { return true }
        return false
    }

    static func compare(_ a: Double, _ b: Double, _ op: String) -> Bool {
        switch op {
        case "<": a < b
        case "<=": a <= b
        case ">": a > b
        default: a >= b
        }
    }

    static func call(_ name: String, _ values: [RuntimeValue]) throws -> RuntimeValue {
        switch name {
        case "contains":
            if case .list(let items) = values[0] { return .bool(items.contains { $0.text == values[1].text }) }
            return .bool(values[0].text.contains(values[1].text))
        case "startsWith": return .bool(values[0].text.hasPrefix(values[1].text))
        case "endsWith": return .bool(values[0].text.hasSuffix(values[1].text))
        case "lower": return .string(values[0].text.lowercased())
        case "upper": return .string(values[0].text.uppercased())
        case "length":
            if case .list(let items) = values[0] { return .int(items.count) }
            return .int(values[0].text.count)
        case "toJSON": return .string(values[0].json)
        case "seconds":
            if case .duration(let ms) = values[0] { return .number(Double(ms) / 1000) }
            return .number(Double(values[0].text) ?? 0)
        case "duration":
            if case .duration = values[0] { return values[0] }
            guard case .success(let ms) = DurationParser.milliseconds(values[0].text) else { throw Failure(description: "`\(values[0].text)` is not a duration") }
            return .duration(ms)
        case "format":
            var text = values[0].text
            for (index, value) in values.dropFirst().enumerated() { text = text.replacingOccurrences(of: "{\(index)}", with: value.text) }
            return .string(text)
        default:
            throw Failure(description: "unknown function `\(name)`")
        }
    }
}
