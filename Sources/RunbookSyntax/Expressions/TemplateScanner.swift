// Finds `${{ … }}` in a string value: literal text and expressions, with byte offsets in the value,
// and the mistake of the delimiters themselves (an unterminated `${{`). Only `${{` opens an expression:
// a `}}` alone is text (JSON in `--patch`, awk's `{ print $2 }}`, Go templates), never an error.

public struct TemplatePart: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case literal, expression }
    public let kind: Kind
    /// The literal text, or the expression's source text between the delimiters.
    public let text: String
    /// For an expression: offset of its text (after `${{`) in the value; for a literal: of the text.
    public let offset: Int
    /// For an expression: the whole `${{ … }}` in the value.
    public let outer: Range<Int>
}

public struct ScannedTemplate: Sendable {
    public let parts: [TemplatePart]
    public let problems: [(message: String, range: Range<Int>, help: String?)]

    public var hasExpressions: Bool { parts.contains { $0.kind == .expression } }
}

public enum TemplateScanner {
    public static func scan(_ value: String) -> ScannedTemplate {
        let bytes = Array(value.utf8)
        var parts: [TemplatePart] = []
        var problems: [(String, Range<Int>, String?)] = []
        var literalStart = 0
        var index = 0
        func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "$"), index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "{"), bytes[index + 2] == UInt8(ascii: "{") {
                // The expression ends at the first `}}` outside a quoted string.
                var cursor = index + 3
                var quote: UInt8?
                var close: Int?
                while cursor < bytes.count {
                    let byte = bytes[cursor]
                    if let open = quote {
                        if byte == open { quote = nil }
                    } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                        quote = byte
                    } else if byte == UInt8(ascii: "}"), cursor + 1 < bytes.count, bytes[cursor + 1] == UInt8(ascii: "}") {
                        close = cursor
                        break
                    } else if byte == UInt8(ascii: "$"), cursor + 2 < bytes.count, bytes[cursor + 1] == UInt8(ascii: "{"), bytes[cursor + 2] == UInt8(ascii: "{") {
                        break
                    }
                    cursor += 1
                }
                guard let close else {
                    problems.append(("unterminated `${{`", index..<(index + 3), "close the expression with `}}`"))
                    index += 3
                    continue
                }
                if literalStart < index {
                    parts.append(TemplatePart(kind: .literal, text: text(literalStart..<index), offset: literalStart, outer: literalStart..<index))
                }
                parts.append(TemplatePart(kind: .expression, text: text((index + 3)..<close), offset: index + 3, outer: index..<(close + 2)))
                index = close + 2
                literalStart = index
                continue
            }
            index += 1
        }
        if literalStart < bytes.count {
            parts.append(TemplatePart(kind: .literal, text: text(literalStart..<bytes.count), offset: literalStart, outer: literalStart..<bytes.count))
        }
        return ScannedTemplate(parts: parts, problems: problems)
    }
}
