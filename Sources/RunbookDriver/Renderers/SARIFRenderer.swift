// SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning, GitLab, Azure DevOps): every rule
// with its documentation, results with regions in Unicode code points, and fingerprints that stay
// stable when unrelated lines move.

import Foundation
import RunbookLint
import RunbookSource

public struct SARIFRenderer: DiagnosticRenderer {
    public let version: String

    public init(version: String) { self.version = version }

    struct Log: Encodable {
        let schema = "https://json.schemastore.org/sarif-2.1.0.json"
        let version = "2.1.0"
        let runs: [Run]

        enum CodingKeys: String, CodingKey { case schema = "$schema", version, runs }
    }

    struct Run: Encodable {
        let tool: Tool
        let results: [Result]
        let columnKind = "unicodeCodePoints"
        let originalUriBaseIds = ["%SRCROOT%": ArtifactLocation(uri: "./", uriBaseId: nil)]
    }

    struct Tool: Encodable { let driver: Driver }

    struct Driver: Encodable {
        let name = "rbc"
        let version: String
        let semanticVersion: String
        let rules: [Rule]
    }

    struct Rule: Encodable {
        let id: String
        let name: String
        let shortDescription: Text
        let fullDescription: Text
        let help: Help
        let defaultConfiguration: Configuration
        let properties: Properties
    }

    struct Text: Encodable { let text: String }
    struct Help: Encodable { let text: String; let markdown: String }
    struct Configuration: Encodable { let level: String }
    struct Properties: Encodable { let category: String; let tags: [String] }

    struct Result: Encodable {
        let ruleId: String
        let ruleIndex: Int
        let level: String
        let message: Text
        let locations: [Location]
        let partialFingerprints: [String: String]
        /// `new` or `unchanged` when checked against a baseline (`--baseline`); absent otherwise.
        var baselineState: String?
        /// The finding's fix, when it has one (SARIF §3.55): byte regions of the file and their replacements.
        var fixes: [SARIFFix]?
    }

    struct SARIFFix: Encodable {
        let description: Text
        let artifactChanges: [ArtifactChange]
        /// `safe` or `unsafe` (docs/fixes.md); SARIF has no word for it.
        let properties: [String: String]
    }

    struct ArtifactChange: Encodable {
        let artifactLocation: ArtifactLocation
        let replacements: [Replacement]
    }

    struct Replacement: Encodable {
        let deletedRegion: ByteRegion
        let insertedContent: Text
    }

    /// A region by UTF-8 byte offset into the file, as the edits are stored.
    struct ByteRegion: Encodable {
        let byteOffset: Int
        let byteLength: Int
    }

    struct Location: Encodable { let physicalLocation: PhysicalLocation }

    struct PhysicalLocation: Encodable {
        let artifactLocation: ArtifactLocation
        let region: Region?
    }

    struct ArtifactLocation: Encodable {
        let uri: String
        let uriBaseId: String?
    }

    struct Region: Encodable {
        let startLine: Int
        let startColumn: Int
        let endLine: Int
        let endColumn: Int
    }

    static func level(_ severity: Severity) -> String {
        switch severity {
        case .error: "error"
        case .warning: "warning"
        case .info: "note"
        }
    }

    /// Every id rbc can report: compiler diagnostics first, then lint rules.
    static var rules: [Rule] {
        let compiler = DiagnosticCode.compilerCatalog.map { code in
            Rule(id: code.id, name: code.slug, shortDescription: Text(text: code.summary), fullDescription: Text(text: code.summary),
                 help: Help(text: code.summary, markdown: "See [docs/diagnostics.md](docs/diagnostics.md)."),
                 defaultConfiguration: Configuration(level: level(code.defaultSeverity)),
                 properties: Properties(category: "compiler", tags: ["runbook", "compiler"]))
        }
        let lint = RuleRegistry.descriptions.map { rule in
            Rule(id: rule.id, name: rule.slug, shortDescription: Text(text: rule.summary), fullDescription: Text(text: rule.rationale),
                 help: Help(text: rule.rationale, markdown: rule.rationale),
                 defaultConfiguration: Configuration(level: level(rule.severity)),
                 properties: Properties(category: rule.category.rawValue, tags: ["runbook", rule.category.rawValue]))
        }
        return compiler + lint
    }

    public func render(_ diagnostics: [Diagnostic], summary: RenderSummary) -> String {
        render(diagnostics, states: nil)
    }

    public func render(_ comparison: BaselineComparison, summary: RenderSummary) -> String {
        render(comparison.all, states: comparison.states)
    }

    /// A path as a URI reference: relative ones against `%SRCROOT%`, absolute ones as `file://` URIs,
    /// every byte but unreserved ones and `/` percent-encoded, so a file named `a b#c%41.yaml` is
    /// found as itself (unencoded, `#` would start a fragment and `%41` read as `A`).
    static func artifactLocation(_ path: String) -> ArtifactLocation {
        guard !path.isEmpty else { return ArtifactLocation(uri: ".", uriBaseId: "%SRCROOT%") }
        var encoded = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                encoded += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return path.hasPrefix("/") ? ArtifactLocation(uri: "file://" + encoded, uriBaseId: nil) : ArtifactLocation(uri: encoded, uriBaseId: "%SRCROOT%")
    }

    func render(_ diagnostics: [Diagnostic], states: [BaselineState]?) -> String {
        let rules = Self.rules
        let index = Dictionary(rules.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        let results = diagnostics.enumerated().compactMap { position, diagnostic -> Result? in
            guard let ruleIndex = index[diagnostic.code.id] else { return nil }
            var region: Region?
            if let start = diagnostic.start, let end = diagnostic.end {
                region = Region(startLine: start.line, startColumn: start.column, endLine: end.line,
                                endColumn: end.line == start.line ? max(end.column, start.column + 1) : end.column)
            }
            var message = diagnostic.message
            if let help = diagnostic.help { message += " (help: \(help))" }
            let artifact = Self.artifactLocation(diagnostic.path)
            return Result(ruleId: diagnostic.code.id, ruleIndex: ruleIndex, level: Self.level(diagnostic.severity), message: Text(text: message),
                          locations: [Location(physicalLocation: PhysicalLocation(artifactLocation: artifact,
                                                                                 region: region))],
                          partialFingerprints: ["rbc/v1": Self.fingerprint(diagnostic)],
                          baselineState: states.map { $0[position].rawValue },
                          fixes: diagnostic.fix.map { fix in
                              [SARIFFix(description: Text(text: fix.title),
                                        artifactChanges: [ArtifactChange(artifactLocation: artifact,
                                                                         replacements: fix.edits.map { edit in
                                                                             Replacement(deletedRegion: ByteRegion(byteOffset: edit.range.start, byteLength: edit.range.length),
                                                                                         insertedContent: Text(text: edit.replacement))
                                                                         })],
                                        properties: ["applicability": fix.applicability.rawValue])]
                          })
        }
        let log = Log(runs: [Run(tool: Tool(driver: Driver(version: version, semanticVersion: version, rules: rules)), results: results)])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(log) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Rule, file, message and the flagged source text — not the line number — so a finding keeps its
    /// fingerprint when lines above it are added or removed.
    static func fingerprint(_ diagnostic: Diagnostic) -> String {
        var text = ""
        if let file = diagnostic.file, let range = diagnostic.range, let start = diagnostic.start {
            text = file.slice(range) + "\u{1}" + file.lineText(start.line).trimmingCharacters(in: .whitespaces)
        }
        let key = [diagnostic.code.id, diagnostic.path, diagnostic.message, text].joined(separator: "\u{0}")
        return String(SHA256.hex(Array(key.utf8)).prefix(32))
    }
}
