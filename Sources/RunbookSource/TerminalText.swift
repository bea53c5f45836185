// Text rbc shows a person on a terminal, with the characters that would steer the terminal instead
// of being read made visible: a value holding a carriage return and "erase line" could write a
// harmless command over the one being approved, "conceal" could hide the rest of the line, and a
// right-to-left override could reverse it.

public enum TerminalText {
    /// Control characters (C0, DEL, C1) and bidirectional overrides as escapes (`\r`, `\e`,
    /// `\u{202E}`); with `keepingLineBreaks`, newlines and tabs stay (rbc's own multi-line text).
    public static func visible(_ text: String, keepingLineBreaks: Bool = true) -> String {
        guard text.unicodeScalars.contains(where: { steers($0, keepingLineBreaks: keepingLineBreaks) }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            guard steers(scalar, keepingLineBreaks: keepingLineBreaks) else { out.unicodeScalars.append(scalar); continue }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{1B}": out += "\\e"
            default: out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            }
        }
        return out
    }

    static func steers(_ scalar: Unicode.Scalar, keepingLineBreaks: Bool) -> Bool {
        if keepingLineBreaks, scalar == "\n" || scalar == "\t" { return false }
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        // Bidirectional embeddings, overrides and isolates, and the marks.
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}
