// The expression parser: precedence climbing (a Pratt parser) over the lexer's tokens.
// Precedence, low to high: `||`, `&&`, `==` `!=`, `<` `<=` `>` `>=`, `+`, unary `!` `-`, postfix `.` `[]` `()`.

public struct ParsedExpression: Sendable {
    public let node: ExpressionNode?
    public let problems: [ExpressionProblem]
}

public enum ExpressionParser {
    /// Deeper nesting is refused: no useful condition needs it, and the parser recurses per level.
    static let maximumDepth = 64
    /// So are more parts (operators, names, values): `a || b || …` builds a tree as deep as it is
    /// long, and the checker and evaluator walk trees recursively. A real condition has a few dozen.
    public static let maximumParts = 1000

    public static func parse(_ text: String) -> ParsedExpression {
        var parser = Parser(tokens: ExpressionLexer.tokens(text))
        if text.allSatisfy({ $0.isWhitespace }) {
            return ParsedExpression(node: nil, problems: [ExpressionProblem(message: "empty expression", span: ExpressionSpan(start: 0, end: text.utf8.count),
                                                                             help: "write an expression such as `params.service`")])
        }
        let node = parser.expression(0, depth: 0)
        if case .invalid(let message) = parser.current.kind, parser.problems.isEmpty {
            parser.report(message, at: parser.current)
        } else if case .end = parser.current.kind {} else if parser.problems.isEmpty {
            parser.report("unexpected `\(parser.describe(parser.current))` after the expression", at: parser.current,
                          help: "combine conditions with `&&` or `||`")
        }
        return ParsedExpression(node: parser.problems.isEmpty ? node : nil, problems: parser.problems)
    }

    private static let binaryPrecedence: [String: Int] = [
        "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5,
    ]

    private struct Parser {
        let tokens: [ExpressionToken]
        var position = 0
        var problems: [ExpressionProblem] = []
        /// Parts built so far; past `maximumParts` the parse stops with one RB3020.
        var parts = 0
        var tooLarge = false

        init(tokens: [ExpressionToken]) {
            self.tokens = tokens
        }

        var current: ExpressionToken { tokens[min(position, tokens.count - 1)] }

        mutating func advance() { if position < tokens.count - 1 { position += 1 } }

        mutating func report(_ message: String, at token: ExpressionToken, help: String? = nil) {
            problems.append(ExpressionProblem(message: message, span: ExpressionSpan(start: token.start, end: max(token.end, token.start + 1)), help: help))
        }

        func describe(_ token: ExpressionToken) -> String {
            switch token.kind {
            case .identifier(let name): return name
            case .symbol(let symbol): return symbol
            case .keyword(let word): return word
            case .string(let value): return "'\(value)'"
            case .int(let value): return String(value)
            case .number(let value): return String(value)
            case .duration: return "duration"
            case .invalid: return "invalid token"
            case .end: return "end of expression"
            }
        }

        func isSymbol(_ symbol: String) -> Bool {
            if case .symbol(let s) = current.kind { return s == symbol }
            return false
        }

        /// Counts a part; false (after reporting once) when the expression has too many.
        mutating func countPart() -> Bool {
            parts += 1
            guard parts > maximumParts else { return true }
            if !tooLarge {
                tooLarge = true
                var problem = ExpressionProblem(message: "expression has more than \(maximumParts) parts; rbc does not check it",
                                                span: ExpressionSpan(start: current.start, end: max(current.end, current.start + 1)),
                                                help: "split the condition: compute parts in earlier steps' outputs, or match with a pattern")
                problem.isSizeLimit = true
                problems.append(problem)
            }
            return false
        }

        mutating func expression(_ minimumPrecedence: Int, depth: Int) -> ExpressionNode {
            guard depth < maximumDepth else {
                report("expression is nested too deeply", at: current)
                return .error(ExpressionSpan(start: current.start, end: current.end))
            }
            var left = unary(depth: depth)
            while !tooLarge, case .symbol(let symbol) = current.kind, let precedence = binaryPrecedence[symbol], precedence > minimumPrecedence {
                guard countPart() else { break }
                advance()
                let right = expression(precedence, depth: depth + 1)
                left = .binary(symbol, left, right, left.span.to(right.span))
            }
            return left
        }

        mutating func unary(depth: Int) -> ExpressionNode {
            guard depth < maximumDepth else {
                report("expression is nested too deeply", at: current)
                return .error(ExpressionSpan(start: current.start, end: current.end))
            }
            if case .symbol(let symbol) = current.kind, symbol == "!" || symbol == "-" {
                let start = current
                advance()
                let operand = unary(depth: depth + 1)
                return .unary(symbol, operand, ExpressionSpan(start: start.start, end: operand.span.end))
            }
            return postfix(primary(depth: depth), depth: depth)
        }

        mutating func primary(depth: Int) -> ExpressionNode {
            let token = current
            let span = ExpressionSpan(start: token.start, end: token.end)
            guard countPart() else { return .error(span) }
            switch token.kind {
            case .string(let value): advance(); return .string(value, span)
            case .int(let value): advance(); return .int(value, span)
            case .number(let value): advance(); return .number(value, span)
            case .duration(let ms): advance(); return .duration(ms, span)
            case .keyword("true"): advance(); return .bool(true, span)
            case .keyword("false"): advance(); return .bool(false, span)
            case .keyword: advance(); return .null(span)
            case .identifier(let name):
                advance()
                if isSymbol("(") { return call(name, start: token, depth: depth) }
                return .identifier(name, span)
            case .symbol("("):
                advance()
                let inner = expression(0, depth: depth + 1)
                if isSymbol(")") {
                    advance()
                } else {
                    report("missing `)`", at: current, help: "close the parenthesis opened at column \(token.start + 1)")
                }
                return inner
            case .invalid(let message):
                report(message, at: token)
                advance()
                return .error(span)
            case .end:
                report("expected a value, found the end of the expression", at: token)
                return .error(span)
            case .symbol(let symbol):
                report("expected a value, found `\(symbol)`", at: token)
                advance()
                return .error(span)
            }
        }

        mutating func call(_ name: String, start: ExpressionToken, depth: Int) -> ExpressionNode {
            advance() // (
            var arguments: [ExpressionNode] = []
            if !isSymbol(")") {
                while true {
                    arguments.append(expression(0, depth: depth + 1))
                    if isSymbol(",") { advance(); continue }
                    break
                }
            }
            let end = current
            if isSymbol(")") {
                advance()
            } else {
                report("missing `)` after the arguments of `\(name)`", at: current)
            }
            return .call(name, arguments, ExpressionSpan(start: start.start, end: end.end))
        }

        mutating func postfix(_ base: ExpressionNode, depth: Int) -> ExpressionNode {
            var node = base
            while !tooLarge {
                if isSymbol("."), countPart() {
                    advance()
                    guard case .identifier(let name) = current.kind else {
                        report("expected a name after `.`", at: current)
                        return node
                    }
                    node = .member(node, name, ExpressionSpan(start: node.span.start, end: current.end))
                    advance()
                } else if isSymbol("["), countPart() {
                    advance()
                    guard case .string(let key) = current.kind else {
                        report("expected a quoted name inside `[]`", at: current, help: "write `steps['check-health']`")
                        return node
                    }
                    advance()
                    let close = current
                    if isSymbol("]") { advance() } else { report("missing `]`", at: current) }
                    node = .member(node, key, ExpressionSpan(start: node.span.start, end: close.end))
                } else {
                    return node
                }
            }
            return node
        }
    }
}
