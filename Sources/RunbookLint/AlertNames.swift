// The alert names the rule files define, as RB024 and the report compare runbook triggers with them.
// Prometheus never fills a template in an alert name, so a name that holds one (`{{ .Values.prefix
// }}FooDown`, `${PREFIX}Down`, `%(prefix)sDown`) is filled by another tool (Helm, envsubst, Jsonnet)
// before Prometheus reads the file: only its literal parts are known.

import Foundation

/// Spans of text another tool fills: Go templates (`{{ … }}`, `[[ … ]]`), envsubst's `${…}`, Python's
/// and Jsonnet's `%(…)s`, ERB's `<%= … %>`.
public enum TemplateText {
    private static let delimiters: [(open: [UInt8], close: [UInt8])] = [
        ("{{", "}}"), ("[[", "]]"), ("${", "}"), ("%(", ")s"), ("<%", "%>"),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    /// The byte ranges of `text` that are templates, in order, not overlapping. An opener with no
    /// closer after it is text; once a closer is missing it is not searched for again, so the cost
    /// stays linear in the text's length whatever it holds.
    public static func spans(in text: String) -> [Range<Int>] {
        let bytes = Array(text.utf8)
        var spans: [Range<Int>] = []
        var closed = Array(repeating: true, count: delimiters.count)
        var index = 0
        scan: while index < bytes.count {
            for (kind, delimiter) in delimiters.enumerated() where closed[kind] && bytes[index...].starts(with: delimiter.open) {
                guard let end = firstIndex(of: delimiter.close, in: bytes, from: index + delimiter.open.count) else {
                    closed[kind] = false
                    continue
                }
                spans.append(index..<end)
                index = end
                continue scan
            }
            index += 1
        }
        return spans
    }

    private static func firstIndex(of needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + needle.count <= bytes.count {
            if bytes[index] == needle[0] && bytes[index..<(index + needle.count)].elementsEqual(needle) { return index + needle.count }
            index += 1
        }
        return nil
    }
}

/// Every alert name of the rule files: exact names, and names with templates matched by their
/// literal parts in order (`{{ .Values.prefix }}FooDown` matches `AcmeFooDown`; a name that is a
/// template and nothing else matches any name).
public struct AlertNames: Sendable {
    private let exact: Set<String>
    /// Each templated name's literal parts, and whether it starts and ends with one.
    private let patterns: [(literals: [String], anchoredStart: Bool, anchoredEnd: Bool)]

    public init<Names: Sequence>(_ names: Names) where Names.Element == String {
        var exact = Set<String>()
        var patterns: [(literals: [String], anchoredStart: Bool, anchoredEnd: Bool)] = []
        for name in names {
            let spans = TemplateText.spans(in: name)
            guard !spans.isEmpty else {
                exact.insert(name)
                continue
            }
            let bytes = Array(name.utf8)
            var literals: [String] = []
            var start = 0
            for span in spans + [bytes.count..<bytes.count] {
                let piece = String(decoding: bytes[start..<span.lowerBound], as: UTF8.self)
                if !piece.isEmpty { literals.append(piece) }
                start = span.upperBound
            }
            patterns.append((literals, spans[0].lowerBound > 0 && !literals.isEmpty, spans[spans.count - 1].upperBound < bytes.count && !literals.isEmpty))
        }
        self.exact = exact
        self.patterns = patterns
    }

    /// The names written without templates (for "did you mean" suggestions).
    public var exactNames: Set<String> { exact }

    /// Whether an alert of this name can exist: written so, or rendered from a templated name.
    public func contains(_ name: String) -> Bool {
        exact.contains(name) || patterns.contains { Self.matches(name, $0.literals, anchoredStart: $0.anchoredStart, anchoredEnd: $0.anchoredEnd) }
    }

    private static func matches(_ name: String, _ literals: [String], anchoredStart: Bool, anchoredEnd: Bool) -> Bool {
        var rest = Substring(name)
        for (index, literal) in literals.enumerated() {
            if index == 0 && anchoredStart {
                guard rest.hasPrefix(literal) else { return false }
                rest = rest.dropFirst(literal.count)
            } else if index == literals.count - 1 && anchoredEnd {
                return rest.hasSuffix(literal)
            } else {
                guard let found = rest.range(of: literal) else { return false }
                rest = rest[found.upperBound...]
            }
        }
        return true
    }
}
