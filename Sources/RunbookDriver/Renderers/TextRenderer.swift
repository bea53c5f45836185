// Human output: `path:line:col: severity[ID]: message` (`[*]` before the message when `--fix` fixes
// it), the source line under a gutter, a caret under the exact span, then notes, help and the fix.
// Everything from the input (the path, values quoted in messages, the source line) is shown with its
// newlines and terminal controls as escapes: a file named `a\n::error::x` or a line holding
// "erase line" cannot forge a finding, a CI runner's `::` command or what the terminal shows.

import RunbookSource

public struct TextRenderer: DiagnosticRenderer {
    public let color: Bool

    public init(color: Bool) { self.color = color }

    public var rendersEachDiagnosticAlone: Bool { true }

    public func render(_ diagnostics: [Diagnostic], summary: RenderSummary) -> String {
        // Appended in place: no array of every diagnostic's text beside the whole.
        var out = ""
        for diagnostic in diagnostics { out += render(diagnostic) }
        return out
    }

    public func render(_ diagnostic: Diagnostic) -> String {
        var out = ""
        let severityColor = color(for: diagnostic.severity)
        var header = diagnostic.path.isEmpty ? "rbc" : visible(diagnostic.path)
        if let start = diagnostic.start { header += ":\(start.line):\(start.column)" }
        out += paint(header + ":", bold) + " " + paint("\(diagnostic.severity.rawValue)[\(diagnostic.code.id)]", severityColor + bold)
        out += paint(": \(diagnostic.fixMark)\(visible(diagnostic.message))", bold) + "\n"
        if let file = diagnostic.file, let range = diagnostic.range {
            out += excerpt(file: file, range: range, caretColor: severityColor)
        }
        for note in diagnostic.notes {
            var where_ = ""
            if let file = diagnostic.file, let range = note.range {
                let position = file.lineColumn(of: range.start)
                where_ = " (\(visible(diagnostic.path)):\(position.line):\(position.column))"
            }
            out += "  = " + paint("note", bold) + ": \(visible(note.message))\(where_)\n"
        }
        if let help = diagnostic.help {
            out += "  = " + paint("help", cyan + bold) + ": \(visible(help))\n"
        }
        if let fix = diagnostic.fix {
            let how = fix.applicability == .safe ? "rbc check --fix" : "rbc check --fix --unsafe-fixes"
            out += "  = " + paint("fix", cyan + bold) + " (\(fix.applicability.rawValue)): \(visible(fix.title)) (`\(how)`)\n"
        }
        return out
    }

    func excerpt(file: SourceFile, range: SourceRange, caretColor: String) -> String {
        let start = file.lineColumn(of: range.start)
        let lineRange = file.lineRange(start.line)
        let gutter = String(start.line)
        let pad = String(repeating: " ", count: gutter.count)
        let text = file.slice(lineRange)
        // Expand tabs so the caret lines up with what a terminal shows.
        let prefix = file.slice(SourceRange(start: lineRange.start, end: min(range.start, lineRange.end)))
        let spanEnd = min(max(range.end, range.start), lineRange.end)
        let span = file.slice(SourceRange(start: min(range.start, lineRange.end), end: spanEnd))
        // Tabs expanded and controls escaped: the caret counts what the terminal shows.
        var caretOffset = Self.display(prefix).count
        var caretWidth = max(1, Self.display(prefix + span).count - caretOffset)
        var shown = Self.display(text)
        // A minified or generated line can be megabytes long: show a window around the caret.
        if shown.count > Self.maximumExcerptWidth {
            let start = max(0, min(caretOffset - 40, shown.count - Self.maximumExcerptWidth))
            let end = min(shown.count, start + Self.maximumExcerptWidth)
            let lead: [Unicode.Scalar] = start > 0 ? ["…"] : []
            let trail: [Unicode.Scalar] = end < shown.count ? ["…"] : []
            shown = lead + shown[start..<end] + trail
            caretOffset = caretOffset - start + lead.count
            caretWidth = max(1, min(caretWidth, end - (caretOffset - lead.count + start)))
        }
        var line = ""
        line.unicodeScalars.append(contentsOf: shown)
        var out = paint(pad + " |", blue) + "\n"
        out += paint(gutter + " |", blue) + " " + line + "\n"
        out += paint(pad + " |", blue) + " " + String(repeating: " ", count: caretOffset)
            + paint(String(repeating: "^", count: caretWidth), caretColor + bold) + "\n"
        return out
    }

    static let maximumExcerptWidth = 120

    static func expandTabs(_ text: String) -> String {
        var out = ""
        var column = 0
        for scalar in text.unicodeScalars {
            if scalar == "\t" {
                let spaces = 4 - column % 4
                out += String(repeating: " ", count: spaces)
                column += spaces
            } else {
                out.unicodeScalars.append(scalar)
                column += 1
            }
        }
        return out
    }

    /// A source line's scalars as shown: tabs expanded, controls escaped.
    static func display(_ text: String) -> [Unicode.Scalar] {
        Array(TerminalText.visible(expandTabs(text), keepingLineBreaks: false).unicodeScalars)
    }

    /// Input text on one line with its controls visible.
    private func visible(_ text: String) -> String { TerminalText.visible(text, keepingLineBreaks: false) }

    // ANSI styling, only when asked: the CLI decides from the terminal and NO_COLOR.
    private let bold = "\u{1B}[1m"
    private let red = "\u{1B}[31m"
    private let yellow = "\u{1B}[33m"
    private let cyan = "\u{1B}[36m"
    private let blue = "\u{1B}[34m"
    private let reset = "\u{1B}[0m"

    private func color(for severity: Severity) -> String {
        switch severity {
        case .error: red
        case .warning: yellow
        case .info: cyan
        }
    }

    private func paint(_ text: String, _ style: String) -> String {
        color ? style + text + reset : text
    }
}
