// Runs the front end that fits a file and the type checker: one file in, IR and diagnostics out.

import Dispatch
import Foundation
import RunbookLint
import RunbookSema
import RunbookSource
import RunbookSyntax

/// What compiling one file takes from `.rbc.yaml`.
public struct CompileSettings: Sendable {
    /// `rules:` severities; compiler diagnostics that may be configured follow them too.
    public var rules = LintConfiguration()
    /// `documentation:` globs matched the file: a page for people whatever it declares.
    public var documentation = false
    /// Apply inline `rbc:ignore` to compiler diagnostics (`rbc compile`, `rbc run`); `rbc check`
    /// applies suppressions itself, once every finding is in.
    public var suppress = false
    /// Today as YYYY-MM-DD, for suppressions' `until=`.
    public var today = ""
    /// Used when the runbook states no `severity` (from the alert rule that links to it, or a
    /// per-path default in `.rbc.yaml`; see `SeverityInference`).
    public var inferredSeverity: InferredSeverity?

    public init() {}
}

public struct CompilationResult: Sendable {
    public let path: String
    public let file: SourceFile?
    /// The IR, only when nothing is wrong with the runbook: what `rbc compile` writes and `rbc run` executes.
    public var ir: RunbookIR? { compiled?.ir }
    /// The IR as far as it could be built, also when the runbook has errors: what the linter reads.
    public var recoveredIR: RunbookIR? {
        get { compiled?.recoveredIR }
        set { compiled = Compiled(ir: ir, recoveredIR: newValue, syntax: syntax) }
    }
    public var diagnostics: [Diagnostic]
    /// The AST, for the linter (which reads syntax and IR side by side).
    public var syntax: RunbookSyntax? {
        get { compiled?.syntax }
        set { compiled = Compiled(ir: ir, recoveredIR: recoveredIR, syntax: newValue) }
    }
    /// Seconds spent per phase on this file, for `--timings`.
    public var timings = PhaseTimings()
    /// The trees, behind one reference: a result is then a few words wide, so the arrays `rbc check`
    /// keeps of 10,000 finished files (their trees dropped) hold no room for trees inline.
    private var compiled: Compiled?

    private final class Compiled: Sendable {
        let ir: RunbookIR?
        let recoveredIR: RunbookIR?
        let syntax: RunbookSyntax?

        init?(ir: RunbookIR?, recoveredIR: RunbookIR?, syntax: RunbookSyntax?) {
            if ir == nil && recoveredIR == nil && syntax == nil { return nil }
            self.ir = ir
            self.recoveredIR = recoveredIR
            self.syntax = syntax
        }
    }

    public init(path: String, file: SourceFile?, ir: RunbookIR?, recoveredIR: RunbookIR? = nil, diagnostics: [Diagnostic],
                syntax: RunbookSyntax? = nil) {
        self.path = path
        self.file = file
        self.diagnostics = diagnostics
        compiled = Compiled(ir: ir, recoveredIR: recoveredIR, syntax: syntax)
    }

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Not a runbook at all (missing, empty, some other file): every command exits 2.
    public var isUsageError: Bool { diagnostics.contains { DiagnosticCode.usageCodes.contains($0.code) } }

    /// The IR to lint and check history against: the valid one, else the recovered one.
    public var lintableIR: RunbookIR? { ir ?? recoveredIR }
}

/// Seconds one file spent in each per-file phase (four numbers, not a dictionary per file).
public struct PhaseTimings: Sendable {
    public var read = 0.0
    public var parse = 0.0
    public var typecheck = 0.0
    public var lint = 0.0

    public init() {}

    /// The phases as `--timings` names them, in its order.
    public var named: [(String, Double)] { [("read", read), ("parse", parse), ("typecheck", typecheck), ("lint", lint)] }

    public mutating func add(_ other: PhaseTimings) {
        read += other.read
        parse += other.parse
        typecheck += other.typecheck
        lint += other.lint
    }
}

public enum Compiler {
    static let markdownExtensions: Set<String> = ["md", "markdown"]

    /// `.md`, `.markdown` (so `.html.md` too), and Markdown kept as an ERB template (`.html.md.erb`).
    /// `.mdx` is not read: its JSX and `{expressions}` are not Markdown.
    public static func isMarkdown(_ path: String) -> Bool {
        markdownExtensions.contains((path as NSString).pathExtension.lowercased()) || ERBTemplate.isTemplate(path)
    }

    public static func compile(path: String, displayPath: String? = nil, settings: CompileSettings = CompileSettings()) -> CompilationResult {
        switch SourceLoader.load(path: path, displayPath: displayPath) {
        case .failed(let diagnostic):
            return CompilationResult(path: diagnostic.path, file: diagnostic.file, ir: nil, diagnostics: [diagnostic])
        case .loaded(let file):
            return compile(file, settings: settings)
        }
    }

    /// Compiles bytes as if read from `path`: the same decoding checks as a file on disk.
    public static func compile(path: String, bytes: [UInt8], hashing: Bool = true) -> CompilationResult {
        switch SourceLoader.decode(path: path, bytes: bytes) {
        case .failed(let diagnostic):
            return CompilationResult(path: path, file: diagnostic.file, ir: nil, diagnostics: [diagnostic])
        case .loaded(let file):
            return compile(file, hashing: hashing)
        }
    }

    /// `hashing: false` for callers that never emit the IR (`rbc check`, history fingerprints).
    /// One missing or wrong value is one diagnostic: the type checker still builds the recovered IR
    /// for the linter. Configured severities and `off` apply to the compiler's own diagnostics; when
    /// no error is left, the recovered IR is the IR.
    public static func compile(_ source: SourceFile, hashing: Bool = true, settings: CompileSettings = CompileSettings()) -> CompilationResult {
        // An ERB page is read as the Markdown around its tags (same offsets): the Ruby is not the page's.
        let file = ERBTemplate.isTemplate(source.path) ? ERBTemplate.masked(source) : source
        let parseStart = Clock.now()
        let parsed = isMarkdown(file.path) ? MarkdownRunbookParser.parse(markdown: file) : RunbookParser.parse(yaml: file)
        let parseTime = Clock.since(parseStart)
        guard var syntax = parsed.syntax else {
            var result = CompilationResult(path: file.path, file: file, ir: nil, diagnostics: parsed.diagnostics)
            result.timings.parse = parseTime
            return result
        }
        if settings.documentation, syntax.format == .markdown { syntax.kind = .documentation }
        let checkStart = Clock.now()
        let checked = TypeChecker.check(syntax, hashing: hashing, inferredSeverity: settings.inferredSeverity)
        var diagnostics = Linter.configure(parsed.diagnostics + checked.diagnostics, configuration: settings.rules)
        if settings.suppress {
            diagnostics = Suppressions.removeSuppressed(diagnostics, context: LintContext(ir: checked.recovered, syntax: syntax), today: settings.today)
        }
        let hasErrors = diagnostics.contains { $0.severity == .error }
        var result = CompilationResult(path: file.path, file: file, ir: hasErrors ? nil : checked.recovered, recoveredIR: checked.recovered,
                                       diagnostics: diagnostics, syntax: syntax)
        result.timings.parse = parseTime
        result.timings.typecheck = Clock.since(checkStart)
        return result
    }
}

/// A monotonic clock in seconds, for `--timings`.
public enum Clock {
    public static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
    public static func since(_ start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds &- start) / 1e9 }
}
