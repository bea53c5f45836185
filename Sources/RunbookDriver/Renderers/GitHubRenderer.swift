// GitHub Actions workflow commands: each diagnostic becomes an annotation on the pull request's diff.

import RunbookSource

public struct GitHubRenderer: DiagnosticRenderer {
    public init() {}

    public var rendersEachDiagnosticAlone: Bool { true }

    public func render(_ diagnostics: [Diagnostic], summary: RenderSummary) -> String {
        diagnostics.map { diagnostic in
            let command = switch diagnostic.severity {
            case .error: "error"
            case .warning: "warning"
            case .info: "notice"
            }
            var properties: [String] = []
            if !diagnostic.path.isEmpty { properties.append("file=\(escapeProperty(diagnostic.path))") }
            if let start = diagnostic.start, let end = diagnostic.end {
                properties.append("line=\(start.line)")
                properties.append("col=\(start.column)")
                if end.line > start.line { properties.append("endLine=\(end.line)") } else { properties.append("endColumn=\(max(end.column, start.column + 1))") }
            }
            properties.append("title=\(escapeProperty("\(diagnostic.code.id) \(diagnostic.code.slug)"))")
            var message = diagnostic.message
            if let help = diagnostic.help { message += "\nhelp: \(help)" }
            if let fix = diagnostic.fix {
                message += "\nfix (\(fix.applicability.rawValue)): \(fix.title) (`rbc check --fix\(fix.applicability == .safe ? "" : " --unsafe-fixes")`)"
            }
            return "::\(command) \(properties.joined(separator: ","))::\(escapeData(message))\n"
        }.joined()
    }

    /// The escaping GitHub's runner applies to a command's message.
    func escapeData(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }

    /// Properties also escape `:` and `,`, which separate them.
    func escapeProperty(_ text: String) -> String {
        escapeData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
