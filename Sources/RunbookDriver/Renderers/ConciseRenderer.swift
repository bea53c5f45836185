// One line per diagnostic, for editors' problem matchers and quick scanning; `[*]` marks what `--fix` fixes.

import RunbookSource

public struct ConciseRenderer: DiagnosticRenderer {
    public init() {}

    public var rendersEachDiagnosticAlone: Bool { true }

    public func render(_ diagnostics: [Diagnostic], summary: RenderSummary) -> String {
        diagnostics.map { diagnostic in
            var location = diagnostic.path.isEmpty ? "rbc" : diagnostic.path
            if let start = diagnostic.start { location += ":\(start.line):\(start.column)" }
            return "\(location): \(diagnostic.severity.rawValue)[\(diagnostic.code.id)] \(diagnostic.fixMark)\(diagnostic.message)\n"
        }.joined()
    }
}
