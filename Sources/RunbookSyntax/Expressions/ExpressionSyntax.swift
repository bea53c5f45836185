// The expression AST: every node keeps its range within the expression text.

public indirect enum ExpressionNode: Sendable, Equatable {
    case string(String, ExpressionSpan)
    case int(Int, ExpressionSpan)
    case number(Double, ExpressionSpan)
    case bool(Bool, ExpressionSpan)
    case null(ExpressionSpan)
    case duration(Int, ExpressionSpan)
    /// A bare name at the start of a path: `params`, `steps`, `env`, `runbook`.
    case identifier(String, ExpressionSpan)
    /// `base.name` or `base['name']`.
    case member(ExpressionNode, String, ExpressionSpan)
    case call(String, [ExpressionNode], ExpressionSpan)
    case unary(String, ExpressionNode, ExpressionSpan)
    case binary(String, ExpressionNode, ExpressionNode, ExpressionSpan)
    /// Where the parser recovered from an error; the error is already reported.
    case error(ExpressionSpan)

    public var span: ExpressionSpan {
        switch self {
        case .string(_, let s), .int(_, let s), .number(_, let s), .bool(_, let s), .null(let s), .duration(_, let s),
             .identifier(_, let s), .member(_, _, let s), .call(_, _, let s), .unary(_, _, let s), .binary(_, _, _, let s),
             .error(let s):
            return s
        }
    }

    /// `steps.check.outputs.rate` → ["steps", "check", "outputs", "rate"]; nil for anything but a plain path.
    public var path: [String]? {
        switch self {
        case .identifier(let name, _): return [name]
        case .member(let base, let name, _): return base.path.map { $0 + [name] }
        default: return nil
        }
    }
}

/// Byte offsets within the expression text (the part between `${{` and `}}`, or a whole `when`).
public struct ExpressionSpan: Sendable, Equatable {
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = max(start, end)
    }

    public func to(_ other: ExpressionSpan) -> ExpressionSpan { ExpressionSpan(start: start, end: other.end) }
}

/// A problem found by the lexer or parser, at a span of the expression text.
public struct ExpressionProblem: Sendable, Equatable {
    public let message: String
    public let span: ExpressionSpan
    public let help: String?
    /// The expression exceeds the size rbc checks (not a syntax error: RB3020).
    public var isSizeLimit = false
}
