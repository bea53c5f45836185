// The `${{ }}` expression language's lexer: source text of one expression → tokens with offsets
// relative to the expression's first character. Errors become `.invalid` tokens, never a stop.

public enum ExpressionTokenKind: Equatable, Sendable {
    case identifier(String)
    case string(String)
    case int(Int)
    case number(Double)
    /// `5m`, `1h30m`: milliseconds.
    case duration(Int)
    case keyword(String) // true, false, null
    case symbol(String)  // . , ( ) [ ] ! == != < <= > >= && || +
    case invalid(String) // the message
    case end
}

public struct ExpressionToken: Equatable, Sendable {
    public let kind: ExpressionTokenKind
    public let start: Int
    public let end: Int
}

public enum ExpressionLexer {
    static let twoCharacterSymbols: Set<String> = ["==", "!=", "<=", ">=", "&&", "||"]
    static let oneCharacterSymbols: Set<Character> = [".", ",", "(", ")", "[", "]", "!", "<", ">", "+", "-"]

    public static func tokens(_ text: String) -> [ExpressionToken] {
        let scalars = Array(text.utf8)
        var tokens: [ExpressionToken] = []
        var index = 0
        func isIdentifierStart(_ byte: UInt8) -> Bool { (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 95 }
        func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
        while index < scalars.count {
            let byte = scalars[index]
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1; continue }
            let start = index
            if isIdentifierStart(byte) {
                // Identifiers may contain `-` (step ids such as `check-health`); the language has no binary minus.
                while index < scalars.count, isIdentifierStart(scalars[index]) || isDigit(scalars[index]) || scalars[index] == 0x2D { index += 1 }
                let word = String(decoding: scalars[start..<index], as: UTF8.self)
                let kind: ExpressionTokenKind = ["true", "false", "null"].contains(word) ? .keyword(word) : .identifier(word)
                tokens.append(ExpressionToken(kind: kind, start: start, end: index))
                continue
            }
            if isDigit(byte) {
                while index < scalars.count, isDigit(scalars[index]) || scalars[index] == 0x2E || scalars[index] == 0x5F { index += 1 }
                // A unit right after the digits makes it a duration: `5m`, `1h30m`, `250ms`.
                var end = index
                while end < scalars.count, isIdentifierStart(scalars[end]) || isDigit(scalars[end]) { end += 1 }
                let text = String(decoding: scalars[start..<end], as: UTF8.self)
                if end > index {
                    index = end
                    if let ms = durationMilliseconds(text) {
                        tokens.append(ExpressionToken(kind: .duration(ms), start: start, end: end))
                    } else {
                        tokens.append(ExpressionToken(kind: .invalid("`\(text)` is not a number or a duration"), start: start, end: end))
                    }
                    continue
                }
                let digits = text.replacingOccurrences(of: "_", with: "")
                if let value = Int(digits) {
                    tokens.append(ExpressionToken(kind: .int(value), start: start, end: index))
                } else if let value = Double(digits) {
                    tokens.append(ExpressionToken(kind: .number(value), start: start, end: index))
                } else {
                    tokens.append(ExpressionToken(kind: .invalid("`\(text)` is not a number"), start: start, end: index))
                }
                continue
            }
            if byte == 0x27 || byte == 0x22 { // ' or "
                let quote = byte
                index += 1
                var value: [UInt8] = []
                var closed = false
                while index < scalars.count {
                    let current = scalars[index]
                    if current == quote {
                        // `''` inside single quotes is a quote, as in YAML and GitHub Actions.
                        if quote == 0x27, index + 1 < scalars.count, scalars[index + 1] == 0x27 {
                            value.append(0x27)
                            index += 2
                            continue
                        }
                        closed = true
                        index += 1
                        break
                    }
                    if current == 0x5C, quote == 0x22, index + 1 < scalars.count { // backslash in "…"
                        let next = scalars[index + 1]
                        value.append(next == 0x6E ? 0x0A : next == 0x74 ? 0x09 : next)
                        index += 2
                        continue
                    }
                    value.append(current)
                    index += 1
                }
                let kind: ExpressionTokenKind = closed ? .string(String(decoding: value, as: UTF8.self)) : .invalid("unterminated string")
                tokens.append(ExpressionToken(kind: kind, start: start, end: index))
                continue
            }
            if index + 1 < scalars.count {
                let pair = String(decoding: scalars[index...index + 1], as: UTF8.self)
                if twoCharacterSymbols.contains(pair) {
                    tokens.append(ExpressionToken(kind: .symbol(pair), start: start, end: index + 2))
                    index += 2
                    continue
                }
            }
            let character = Character(Unicode.Scalar(byte))
            if byte < 0x80, oneCharacterSymbols.contains(character) {
                tokens.append(ExpressionToken(kind: .symbol(String(character)), start: start, end: index + 1))
                index += 1
                continue
            }
            // Skip a whole UTF-8 sequence so the error covers one character.
            index += 1
            while index < scalars.count, scalars[index] & 0xC0 == 0x80 { index += 1 }
            let shown = String(decoding: scalars[start..<index], as: UTF8.self)
            let hint = shown == "=" ? " (compare with `==`)" : shown == "&" ? " (use `&&`)" : shown == "|" ? " (use `||`)" : ""
            tokens.append(ExpressionToken(kind: .invalid("unexpected character `\(shown)`\(hint)"), start: start, end: index))
        }
        tokens.append(ExpressionToken(kind: .end, start: scalars.count, end: scalars.count))
        return tokens
    }

    /// `1h30m` → 5,400,000; nil when it is not a duration.
    static func durationMilliseconds(_ text: String) -> Int? {
        let units: [(String, Int)] = [("ms", 1), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        var rest = Substring(text)
        var total = 0
        var lastRank = -1
        let ranks = ["d": 0, "h": 1, "m": 2, "s": 3, "ms": 4]
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let number = Int(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let (suffix, ms) = units.first(where: { rest.hasPrefix($0.0) }), let rank = ranks[suffix], rank > lastRank else { return nil }
            lastRank = rank
            rest = rest.dropFirst(suffix.count)
            let (product, o1) = number.multipliedReportingOverflow(by: ms)
            let (sum, o2) = total.addingReportingOverflow(product)
            if o1 || o2 { return nil }
            total = sum
        }
        return total
    }
}
