// Shared by the libFuzzer targets (built only by `make fuzz`, with RBC_FUZZ=1 and
// `-sanitize=fuzzer,address`). SwiftPM renames an executable's `main` on Linux, which replaces
// libFuzzer's own, so each target's main hands control to libFuzzer through LLVMFuzzerRunDriver.

import Foundation
import RunbookDriver
import RunbookLint
import RunbookRuntime
import RunbookSema
import RunbookSource
import RunbookSyntax

@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

public enum Fuzzing {
    /// Runs libFuzzer with the process's own arguments (`-max_total_time=60 corpus/ seeds/` …).
    public static func run(_ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, testOneInput))
    }

    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// The whole front end a user's file goes through in `rbc check` (minus git and ShellCheck),
    /// plus the invariants a crash-free run could still break: every diagnostic points inside its
    /// file, every renderer copes, and a compiled IR encodes.
    public static func checkRunbook(path: String, bytes: [UInt8]) {
        var result = Compiler.compile(path: path, bytes: bytes)
        if let ir = result.ir, let syntax = result.syntax {
            let lint = LintConfiguration()
            result.diagnostics += Linter.findings(LintContext(ir: ir, syntax: syntax, settings: lint.settings), configuration: lint)
            if (try? ir.jsonData()) == nil { invariantBroken("a compiled IR does not encode") }
        }
        if result.ir == nil, result.diagnostics.isEmpty { invariantBroken("no IR and no diagnostic") }
        for diagnostic in result.diagnostics {
            guard let file = diagnostic.file, let range = diagnostic.range else { continue }
            if range.start < 0 || range.end > file.bytes.count || range.start > range.end {
                invariantBroken("\(diagnostic.code.id) range \(range.start)..<\(range.end) outside a \(file.bytes.count)-byte file")
            }
        }
        let summary = RenderSummary(filesChecked: 1, diagnostics: result.diagnostics)
        for format in OutputFormat.allCases {
            _ = format.renderer(color: true, version: "fuzz").render(result.diagnostics, summary: summary)
        }
    }

    /// The expression language alone: lexer, parser, template scanner and the evaluator the
    /// executor uses, against an empty context and a planning context.
    public static func checkExpression(_ text: String) {
        _ = ExpressionLexer.tokens(text)
        let parsed = ExpressionParser.parse(text)
        // A problem at the end of input gets a one-byte caret just past it.
        for problem in parsed.problems where problem.span.start < 0 || problem.span.end > text.utf8.count + 1 {
            invariantBroken("problem span \(problem.span.start)..<\(problem.span.end) outside \(text.utf8.count) bytes")
        }
        _ = TemplateScanner.scan(text)
        if let tree = ExpressionIR.parse(text) {
            _ = try? ExpressionEvaluator.evaluate(tree, in: EvaluationContext())
            _ = try? ExpressionEvaluator.evaluate(tree, in: EvaluationContext(planning: true))
        }
    }

    /// A broken invariant is a finding: trap so libFuzzer saves the input.
    static func invariantBroken(_ message: String) -> Never {
        FileHandle.standardError.write(Data("fuzz invariant broken: \(message)\n".utf8))
        abort()
    }
}
