// The YAML a lowered playbook is written in: a small tree and one deterministic emitter. Every
// string is double-quoted (JSON escapes are YAML escapes), so no value is ever read as another type;
// text from the runbook is tagged `!unsafe`, so Ansible never templates it (a `{{` in a command stays
// text); only the playbook's own expressions (`jinja`) are templated.

import Foundation

indirect enum PlaybookNode {
    /// Text from the runbook: never templated by Ansible.
    case unsafe(String)
    /// The playbook's own text, or a Jinja expression it evaluates.
    case text(String)
    case bool(Bool)
    case int(Int)
    case list([PlaybookNode])
    case map([(String, PlaybookNode)])

    static func jinja(_ expression: String) -> PlaybookNode { .text("{{ \(expression) }}") }
}

enum PlaybookYAML {
    static func render(_ root: PlaybookNode, header: [String]) -> String {
        var out = "---\n" + header.map { "# \($0)\n" }.joined()
        write(root, indent: 0, into: &out, inSequence: false)
        return out
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                    || scalar.value == 0x2028 || scalar.value == 0x2029 || scalar.value == 0xFEFF {
                    out += String(format: "\\u%04X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Longer scalars are folded (ansible-lint's yaml[line-length] allows 160 columns).
    static let foldWidth = 100

    /// A double-quoted scalar folded over lines: an escaped line break joins the lines with nothing
    /// between them, and each line after the first starts where the text goes on with no blank (a
    /// continuation line's leading blanks are not part of the value).
    static func folded(_ text: String, indent: Int) -> String {
        guard text.unicodeScalars.count > foldWidth else { return quoted(text) }
        var chunks: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if current.count >= foldWidth, scalar != " ", scalar != "\t" {
                chunks.append(String(current))
                current = String.UnicodeScalarView()
            }
            current.append(scalar)
        }
        chunks.append(String(current))
        let pad = String(repeating: " ", count: indent + 2)
        return chunks.map { String(quoted($0).dropFirst().dropLast()) }.joined(separator: "\\\n" + pad).wrappedInQuotes
    }

    static func scalar(_ node: PlaybookNode, indent: Int = 0) -> String? {
        switch node {
        case .unsafe(let text): "!unsafe " + folded(text, indent: indent)
        case .text(let text): folded(text, indent: indent)
        case .bool(let flag): flag ? "true" : "false"
        case .int(let number): String(number)
        case .list(let items) where items.isEmpty: "[]"
        case .map(let entries) where entries.isEmpty: "{}"
        default: nil
        }
    }

    private static func write(_ node: PlaybookNode, indent: Int, into out: inout String, inSequence: Bool) {
        let pad = String(repeating: " ", count: indent)
        switch node {
        case .list(let items) where !items.isEmpty:
            for item in items {
                out += pad + "- "
                if let text = scalar(item, indent: indent) {
                    out += text + "\n"
                } else {
                    write(item, indent: indent + 2, into: &out, inSequence: true)
                }
            }
        case .map(let entries) where !entries.isEmpty:
            for (index, (key, value)) in entries.enumerated() {
                // The first key of a sequence item follows its dash on the same line.
                if !(inSequence && index == 0) { out += pad }
                out += key + ":"
                if let text = scalar(value, indent: indent) {
                    out += " " + text + "\n"
                } else {
                    out += "\n"
                    write(value, indent: indent + 2, into: &out, inSequence: false)
                }
            }
        default:
            out += (scalar(node) ?? "") + "\n"
        }
    }
}

extension String {
    fileprivate var wrappedInQuotes: String { "\"" + self + "\"" }
}
