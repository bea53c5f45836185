// Runs the front end that fits a file and the type checker: one file in, IR and diagnostics out.

import Dispatch
import Foundation
import RunbookSema
import RunbookSource
import RunbookSyntax

public struct CompilationResult: Sendable {
    public let path: String
    public let file: SourceFile?
    public let ir: RunbookIR?
    public var diagnostics: [Diagnostic]
    /// The AST, for the linter (which reads syntax and IR side by side).
    public var syntax: RunbookSyntax? = nil
    /// Seconds spent per phase on this file (`parse`, `typecheck`, `lint`), for `--timings`.
    public var timings: [String: Double] = [:]

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

public enum Compiler {
    static let markdownExtensions: Set<String> = ["md", "markdown"]

    public static func isMarkdown(_ path: String) -> Bool {
        markdownExtensions.contains((path as NSString).pathExtension.lowercased())
    }

    public static func compile(path: String, displayPath: String? = nil, inferredSeverity: InferredSeverity? = nil) -> CompilationResult {
        switch SourceLoader.load(path: path, displayPath: displayPath) {
        case .failed(let diagnostic):
            return CompilationResult(path: diagnostic.path, file: diagnostic.file, ir: nil, diagnostics: [diagnostic])
        case .loaded(let file):
            return compile(file, inferredSeverity: inferredSeverity)
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
    /// `inferredSeverity` applies when the runbook states none (see `SeverityInference`).
    public static func compile(_ file: SourceFile, hashing: Bool = true, inferredSeverity: InferredSeverity? = nil) -> CompilationResult {
        let parseStart = Clock.now()
        let parsed = isMarkdown(file.path) ? MarkdownRunbookParser.parse(markdown: file) : RunbookParser.parse(yaml: file)
        let parseTime = Clock.since(parseStart)
        guard let syntax = parsed.syntax else {
            var result = CompilationResult(path: file.path, file: file, ir: nil, diagnostics: parsed.diagnostics)
            result.timings["parse"] = parseTime
            return result
        }
        let checkStart = Clock.now()
        let checked = TypeChecker.check(syntax, hashing: hashing, inferredSeverity: inferredSeverity)
        let diagnostics = parsed.diagnostics + checked.diagnostics
        let hasErrors = diagnostics.contains { $0.severity == .error }
        var result = CompilationResult(path: file.path, file: file, ir: hasErrors ? nil : checked.ir, diagnostics: diagnostics, syntax: syntax)
        result.timings = ["parse": parseTime, "typecheck": Clock.since(checkStart)]
        return result
    }
}

/// A monotonic clock in seconds, for `--timings`.
public enum Clock {
    public static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
    public static func since(_ start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds &- start) / 1e9 }
}
