// The types of the expression language.

public indirect enum ExpressionType: Sendable, Equatable, CustomStringConvertible {
    case string, int, number, bool, duration, null, object, list, any
    /// A string limited to known values: an enum parameter, a step's status, the severity.
    case enumeration([String])

    public var description: String {
        switch self {
        case .string: "string"
        case .int: "int"
        case .number: "number"
        case .bool: "bool"
        case .duration: "duration"
        case .null: "null"
        case .object: "object"
        case .list: "list"
        case .any: "any"
        case .enumeration(let values): "enum(\(values.joined(separator: ", ")))"
        }
    }

    var isNumeric: Bool { self == .int || self == .number }
    var isStringLike: Bool {
        if case .enumeration = self { return true }
        return self == .string
    }

    /// Whether values of the two types can be compared with `==`.
    func comparable(with other: ExpressionType) -> Bool {
        if self == .any || other == .any || self == .null || other == .null { return true }
        if isNumeric && other.isNumeric { return true }
        if isStringLike && other.isStringLike { return true }
        return self == other
    }

    /// Whether a value of this type can be put into a string.
    var isPrintable: Bool { self != .object && self != .list }

    static func of(_ param: ParamIR) -> ExpressionType {
        switch param.type {
        case .string: return .string
        case .int: return .int
        case .number: return .number
        case .bool: return .bool
        case .duration: return .duration
        case .enum:
            let values = (param.allowed ?? []).map { value -> String in
                switch value {
                case .string(let text): return text
                case .int(let number): return String(number)
                case .double(let number): return String(number)
                case .bool(let flag): return String(flag)
                default: return "null"
                }
            }
            return .enumeration(values)
        }
    }
}
