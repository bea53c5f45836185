// One line per diagnostic, for editors' problem matchers and quick scanning; `[*]` marks what `--fix` fixes.
// A file name or a value quoted in a message may hold a newline or a terminal control: shown as an
// escape, it can neither start a line of its own (a forged finding, a CI runner's `::` command) nor
// steer the terminal.

import RunbookSource

public struct ConciseRenderer: DiagnosticRenderer {
    public init() {}

    public var rendersEachDiagnosticAlone: Bool { true }

    public func render(_ diagnostics: [Diagnostic], summary: RenderSummary) -> String {
        diagnostics.map { diagnostic in
            var location = diagnostic.path.isEmpty ? "rbc" : TerminalText.visible(diagnostic.path, keepingLineBreaks: false)
            if let start = diagnostic.start { location += ":\(start.line):\(start.column)" }
            let message = TerminalText.visible(diagnostic.message, keepingLineBreaks: false)
            return "\(location): \(diagnostic.severity.rawValue)[\(diagnostic.code.id)] \(diagnostic.fixMark)\(message)\n"
        }.joined()
    }
}
