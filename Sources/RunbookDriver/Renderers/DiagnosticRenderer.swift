// One protocol for every output format; each format is its own file.

import RunbookSource

public struct RenderSummary: Sendable {
    public var filesChecked: Int
    public var errors: Int
    public var warnings: Int
    public var infos: Int

    public init(filesChecked: Int, diagnostics: [Diagnostic]) {
        self.filesChecked = filesChecked
        errors = diagnostics.filter { $0.severity == .error }.count
        warnings = diagnostics.filter { $0.severity == .warning }.count
        infos = diagnostics.filter { $0.severity == .info }.count
    }
}

public protocol DiagnosticRenderer: Sendable {
    /// The whole output for a set of diagnostics, already in output order.
    func render(_ diagnostics: [Diagnostic], summary: RenderSummary) -> String
    /// The output when checking against a baseline: formats that can mark findings (SARIF's
    /// `baselineState`) show all of them; the others show only the new ones.
    func render(_ comparison: BaselineComparison, summary: RenderSummary) -> String
}

extension DiagnosticRenderer {
    public func render(_ comparison: BaselineComparison, summary: RenderSummary) -> String {
        render(comparison.new, summary: summary)
    }
}

public enum OutputFormat: String, CaseIterable, Sendable {
    case text, concise, json, sarif, github

    public func renderer(color: Bool, version: String) -> DiagnosticRenderer {
        switch self {
        case .text: TextRenderer(color: color)
        case .concise: ConciseRenderer()
        case .json: JSONRenderer()
        case .sarif: SARIFRenderer(version: version)
        case .github: GitHubRenderer()
        }
    }
}
