// What the server knows about one version of a document: `rbc check`'s diagnostics for it, and the
// symbols (parameters, steps, outputs) that navigation, hover and completion read.

import Foundation
import RunbookDriver
import RunbookSema
import RunbookSource
import RunbookSyntax

public enum DocumentKind: Sendable {
    case yamlRunbook, markdownRunbook, configuration

    public init(path: String) {
        if (path as NSString).lastPathComponent == Configuration.fileName {
            self = .configuration
        } else {
            self = Compiler.isMarkdown(path) ? .markdownRunbook : .yamlRunbook
        }
    }
}

public struct DocumentAnalysis: Sendable {
    public let generation: Int
    public let kind: DocumentKind
    /// The text analysed, for mapping this analysis' byte offsets to positions.
    public let map: PositionMap
    public let diagnostics: [Diagnostic]
    public let syntax: RunbookSyntax?
    public let ir: RunbookIR?
    public let symbols: RunbookSymbols

    /// Checks the text as `rbc check` would check the file: `.rbc.yaml` found from the file's
    /// directory, suppressions applied; `git` adds the history checks (the buffer is saved).
    public static func analyze(_ document: TextDocument, git: Bool, today: String? = nil, shellcheck: Bool = true) -> DocumentAnalysis {
        let kind = DocumentKind(path: document.path)
        let directory = PathText.parent(of: document.path)
        let map = document.map
        switch kind {
        case .configuration:
            let (_, diagnostics) = Configuration.load(path: document.path, directory: directory, text: document.text)
            return DocumentAnalysis(generation: document.generation, kind: kind, map: map,
                                    // Shown relative to the working directory, as `rbc check` shows it; not those
                                    // about files it names (alert rules, section templates).
                                    diagnostics: diagnostics.filter { diagnostic in
                                        diagnostic.file.map { URL(fileURLWithPath: $0.path).standardizedFileURL.path == document.path } ?? false
                                    },
                                    syntax: nil, ir: nil, symbols: RunbookSymbols())
        case .yamlRunbook, .markdownRunbook:
            let (configuration, _) = Configuration.discover(from: directory.isEmpty ? "." : directory)
            var options = DocumentCheckOptions()
            options.git = git
            options.shellcheck = shellcheck
            if let today { options.today = today }
            let result = CheckSession.check(text: document.text, path: document.path, configuration: configuration, options: options)
            return DocumentAnalysis(generation: document.generation, kind: kind, map: map,
                                    diagnostics: result.diagnostics.filter { $0.path == document.path },
                                    syntax: result.syntax, ir: result.lintableIR,
                                    symbols: RunbookSymbols(syntax: result.syntax, ir: result.lintableIR, bytes: map.bytes))
        }
    }

    /// Compiles only (no lint, no ShellCheck): what navigation needs when the last full analysis is
    /// older than the text.
    public static func parseOnly(_ document: TextDocument) -> DocumentAnalysis {
        let kind = DocumentKind(path: document.path)
        guard kind != .configuration else {
            return DocumentAnalysis(generation: document.generation, kind: kind, map: document.map, diagnostics: [], syntax: nil, ir: nil, symbols: RunbookSymbols())
        }
        let result = Compiler.compile(document.file, hashing: false)
        return DocumentAnalysis(generation: document.generation, kind: kind, map: document.map, diagnostics: result.diagnostics,
                                syntax: result.syntax, ir: result.lintableIR,
                                symbols: RunbookSymbols(syntax: result.syntax, ir: result.lintableIR, bytes: document.map.bytes))
    }

    /// The diagnostics as LSP shows them: the same id, severity, message and help as `rbc check`.
    public func lspDiagnostics(uri: String) -> [LSPDiagnostic] {
        diagnostics.map { diagnostic in
            let range = diagnostic.range.map { map.range($0.start, $0.end) } ?? LSPRange(start: Position(line: 0, character: 0), end: Position(line: 0, character: 0))
            var message = diagnostic.message
            if let help = diagnostic.help { message += "\nhelp: \(help)" }
            var related: [DiagnosticRelatedInformation] = []
            for note in diagnostic.notes {
                if let noteRange = note.range {
                    related.append(DiagnosticRelatedInformation(location: Location(uri: uri, range: map.range(noteRange.start, noteRange.end)), message: note.message))
                } else {
                    message += "\nnote: \(note.message)"
                }
            }
            let severity: DiagnosticSeverityValue = switch diagnostic.severity {
            case .error: .error
            case .warning: .warning
            case .info: .information
            }
            return LSPDiagnostic(range: range, severity: severity, code: diagnostic.code.id, message: message,
                                 relatedInformation: related.isEmpty ? nil : related)
        }
    }
}

/// Where parameters, steps and step outputs are declared and where expressions read them.
public struct RunbookSymbols: Sendable {
    public enum Target: Hashable, Sendable {
        case param(String)
        case step(String)
        case output(step: String, name: String)
    }

    public struct Occurrence: Sendable {
        public let target: Target
        /// Bytes of the name itself.
        public let range: Range<Int>
        public let isDeclaration: Bool
    }

    public private(set) var occurrences: [Occurrence] = []
    /// Declared names in source order, with what the IR says of them.
    public private(set) var params: [(name: String, ir: ParamIR?)] = []
    public private(set) var steps: [(id: String, ir: StepIR?, outputs: [String])] = []

    public init() {}

    init(syntax: RunbookSyntax?, ir: RunbookIR?, bytes: [UInt8]) {
        guard let syntax else { return }
        let paramIRs = Dictionary((ir?.params ?? []).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let allStepIRs = (ir.map { $0.steps + $0.postRunbook + $0.rollback + $0.procedures.flatMap(\.steps) } ?? [])
        let stepIRs = Dictionary(allStepIRs.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for pair in syntax.metadata["params"]?.value.mappingPairs ?? [] {
            guard let name = pair.key.scalarValue else { continue }
            params.append((name, paramIRs[name]))
            occurrences.append(Occurrence(target: .param(name), range: pair.key.range.start..<pair.key.range.end, isDeclaration: true))
        }
        let allSteps = syntax.steps + syntax.postRunbook + syntax.rollback + syntax.procedures.flatMap(\.steps)
        var expressionRegions: [Range<Int>] = []
        for step in allSteps {
            if let when = step.fields["when"]?.value { expressionRegions.append(when.range.start..<when.range.end) }
            guard let idNode = step.fields["id"]?.value, let id = idNode.scalarValue else { continue }
            var outputs: [String] = []
            occurrences.append(Occurrence(target: .step(id), range: Self.nameRange(id, in: idNode.range, bytes: bytes), isDeclaration: true))
            for pair in step.fields["outputs"]?.value.mappingPairs ?? [] {
                guard let name = pair.key.scalarValue else { continue }
                outputs.append(name)
                occurrences.append(Occurrence(target: .output(step: id, name: name), range: pair.key.range.start..<pair.key.range.end, isDeclaration: true))
            }
            steps.append((id, stepIRs[id], outputs))
        }
        expressionRegions += Self.templateRegions(bytes)
        for region in expressionRegions { occurrences += Self.references(in: region, bytes: bytes) }
    }

    /// A scalar's range includes its quotes: the name is the part of it that spells the id.
    static func nameRange(_ name: String, in range: SourceRange, bytes: [UInt8]) -> Range<Int> {
        let start = min(max(0, range.start), bytes.count)
        let end = min(max(start, range.end), bytes.count)
        let needle = Array(name.utf8)
        guard !needle.isEmpty, end - start >= needle.count else { return start..<end }
        for candidate in start...(end - needle.count) where bytes[candidate..<(candidate + needle.count)].elementsEqual(needle) {
            return candidate..<(candidate + needle.count)
        }
        return start..<end
    }

    /// Every `${{ … }}` in the text (one linear scan; an unclosed one runs to its line's end).
    static func templateRegions(_ bytes: [UInt8]) -> [Range<Int>] {
        var regions: [Range<Int>] = []
        var index = 0
        while index + 2 < bytes.count {
            guard bytes[index] == UInt8(ascii: "$"), bytes[index + 1] == UInt8(ascii: "{"), bytes[index + 2] == UInt8(ascii: "{") else {
                index += 1
                continue
            }
            var cursor = index + 3
            while cursor < bytes.count, bytes[cursor] != 0x0A,
                  !(bytes[cursor] == UInt8(ascii: "}") && cursor + 1 < bytes.count && bytes[cursor + 1] == UInt8(ascii: "}")) {
                cursor += 1
            }
            regions.append((index + 3)..<cursor)
            index = cursor
        }
        return regions
    }

    static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F || byte == 0x2D
    }

    /// `params.X`, `steps.X` and `steps.X.outputs.Y` within a region of the text.
    static func references(in region: Range<Int>, bytes: [UInt8]) -> [Occurrence] {
        var found: [Occurrence] = []
        let end = min(region.upperBound, bytes.count)
        var index = max(0, region.lowerBound)
        func word(at start: Int) -> Range<Int> {
            var cursor = start
            while cursor < end, isIdentifierByte(bytes[cursor]) { cursor += 1 }
            return start..<cursor
        }
        func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        while index < end {
            guard isIdentifierByte(bytes[index]), index == region.lowerBound || !(isIdentifierByte(bytes[index - 1]) || bytes[index - 1] == UInt8(ascii: ".")) else {
                index += 1
                continue
            }
            let root = word(at: index)
            index = root.upperBound
            let rootName = text(root)
            guard rootName == "params" || rootName == "steps", index < end, bytes[index] == UInt8(ascii: ".") else { continue }
            let name = word(at: index + 1)
            guard !name.isEmpty else { continue }
            index = name.upperBound
            if rootName == "params" {
                found.append(Occurrence(target: .param(text(name)), range: name, isDeclaration: false))
                continue
            }
            let stepID = text(name)
            found.append(Occurrence(target: .step(stepID), range: name, isDeclaration: false))
            guard index < end, bytes[index] == UInt8(ascii: ".") else { continue }
            let member = word(at: index + 1)
            guard text(member) == "outputs", member.upperBound < end, bytes[member.upperBound] == UInt8(ascii: ".") else { continue }
            let output = word(at: member.upperBound + 1)
            guard !output.isEmpty else { continue }
            found.append(Occurrence(target: .output(step: stepID, name: text(output)), range: output, isDeclaration: false))
            index = output.upperBound
        }
        return found
    }

    /// The occurrence whose name holds the offset (its end included: the cursor right after a name).
    public func occurrence(at offset: Int) -> Occurrence? {
        occurrences.first { $0.range.contains(offset) || $0.range.upperBound == offset }
    }

    public func declaration(of target: Target) -> Occurrence? {
        occurrences.first { $0.target == target && $0.isDeclaration }
    }

    public func occurrences(of target: Target) -> [Occurrence] {
        occurrences.filter { $0.target == target }.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }
}
