// What the type checker keeps of every expression it checked, for the executor to evaluate: the
// expression as a tree (names resolved to paths, literals typed), and each templated field as its
// literal text and expressions with byte ranges. The executor never parses text again, so a plan and
// a run evaluate exactly what was checked.

import Foundation

public indirect enum ExpressionIR: Codable, Sendable, Equatable {
    case string(String), int(Int), number(Double), bool(Bool), null, duration(Int)
    /// A name: `params.service`, `steps.check.outputs.rate`.
    case path([String])
    case unary(String, ExpressionIR)
    case binary(String, ExpressionIR, ExpressionIR)
    case call(String, [ExpressionIR])

    private enum Key: String, CodingKey {
        case string, int, number, bool, null, duration, path, op, operand, left, right, function, arguments
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        if let value = try container.decodeIfPresent(String.self, forKey: .string) { self = .string(value) }
        else if let value = try container.decodeIfPresent(Int.self, forKey: .int) { self = .int(value) }
        else if let value = try container.decodeIfPresent(Double.self, forKey: .number) { self = .number(value) }
        else if let value = try container.decodeIfPresent(Bool.self, forKey: .bool) { self = .bool(value) }
        else if container.contains(.null) { self = .null }
        else if let value = try container.decodeIfPresent(Int.self, forKey: .duration) { self = .duration(value) }
        else if let value = try container.decodeIfPresent([String].self, forKey: .path) { self = .path(value) }
        else if let function = try container.decodeIfPresent(String.self, forKey: .function) {
            self = .call(function, try container.decode([ExpressionIR].self, forKey: .arguments))
        } else if let op = try container.decodeIfPresent(String.self, forKey: .op) {
            if let operand = try container.decodeIfPresent(ExpressionIR.self, forKey: .operand) {
                self = .unary(op, operand)
            } else {
                self = .binary(op, try container.decode(ExpressionIR.self, forKey: .left), try container.decode(ExpressionIR.self, forKey: .right))
            }
        } else {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "not an expression"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        switch self {
        case .string(let value): try container.encode(value, forKey: .string)
        case .int(let value): try container.encode(value, forKey: .int)
        case .number(let value): try container.encode(value, forKey: .number)
        case .bool(let value): try container.encode(value, forKey: .bool)
        case .null: try container.encodeNil(forKey: .null)
        case .duration(let value): try container.encode(value, forKey: .duration)
        case .path(let value): try container.encode(value, forKey: .path)
        case .unary(let op, let operand):
            try container.encode(op, forKey: .op)
            try container.encode(operand, forKey: .operand)
        case .binary(let op, let left, let right):
            try container.encode(op, forKey: .op)
            try container.encode(left, forKey: .left)
            try container.encode(right, forKey: .right)
        case .call(let function, let arguments):
            try container.encode(function, forKey: .function)
            try container.encode(arguments, forKey: .arguments)
        }
    }
}

/// One piece of a templated field: literal text, or the substitution (an index into the step's
/// `substitutions`) that fills it; `start`/`end` are byte offsets in the field's value.
public struct TemplatePartIR: Codable, Sendable, Equatable {
    public var text: String?
    public var substitution: Int?
    public var start: Int
    public var end: Int

    public init(text: String? = nil, substitution: Int? = nil, start: Int, end: Int) {
        self.text = text
        self.substitution = substitution
        self.start = start
        self.end = end
    }
}

/// A field whose value holds `${{ }}`: `url`, `headers.Authorization`, `rollback.command`, `expect.output`, …
public struct TemplateIR: Codable, Sendable, Equatable {
    public var field: String
    public var parts: [TemplatePartIR]

    public init(field: String, parts: [TemplatePartIR]) {
        self.field = field
        self.parts = parts
    }
}
