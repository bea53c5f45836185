// One protocol for every output format; each format is its own file.

import RunbookSource

public struct RenderSummary: Sendable {
    public var filesChecked: Int
    public var errors: Int
    public var warnings: Int
    public var infos: Int
    /// Findings `rbc check --fix` would fix, and those only `--unsafe-fixes` would.
    public var safeFixes: Int
    public var unsafeFixes: Int

    public init(filesChecked: Int, diagnostics: [Diagnostic]) {
        self.filesChecked = filesChecked
        errors = diagnostics.filter { $0.severity == .error }.count
        warnings = diagnostics.filter { $0.severity == .warning }.count
        infos = diagnostics.filter { $0.severity == .info }.count
        safeFixes = diagnostics.filter { $0.fix?.applicability == .safe }.count
        unsafeFixes = diagnostics.filter { $0.fix?.applicability == .unsafe }.count
    }

    /// `2 fixable with --fix (1 more with --unsafe-fixes)`, as ruff says it; nil when nothing is fixable.
    public var fixHint: String? {
        switch (safeFixes, unsafeFixes) {
        case (0, 0): nil
        case (0, let unsafe): "\(unsafe) fixable with --fix --unsafe-fixes"
        case (let safe, 0): "\(safe) fixable with --fix"
        case (let safe, let unsafe): "\(safe) fixable with --fix (\(unsafe) more with --unsafe-fixes)"
        }
    }
}

extension Diagnostic {
    /// ruff's mark for a finding `rbc check --fix` fixes; unsafe fixes are named in the text format's `fix` line.
    var fixMark: String { fix?.applicability == .safe ? "[*] " : "" }
}

public protocol DiagnosticRenderer: Sendable {
    /// The whole output for a set of diagnostics, already in output order.
    func render(_ diagnostics: [Diagnostic], summary: RenderSummary) -> String
    /// The output when checking against a baseline: formats that can mark findings (SARIF's
    /// `baselineState`) show all of them; the others show only the new ones.
    func render(_ comparison: BaselineComparison, summary: RenderSummary) -> String
    /// The output is each diagnostic rendered alone, concatenated (nothing before, between or after):
    /// the whole-answer cache may then keep each file's part and splice in the parts that changed.
    var rendersEachDiagnosticAlone: Bool { get }
}

extension DiagnosticRenderer {
    public var rendersEachDiagnosticAlone: Bool { false }

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
