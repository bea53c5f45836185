// `rbc check` as a library call: discover, compile every file in parallel on all cores, and
// return the diagnostics in deterministic order.

import Dispatch
import Foundation
import RunbookSema
import RunbookSource

public struct CheckReport: Sendable {
    public var results: [CompilationResult]
    public var diagnostics: [Diagnostic]
    /// Set when the invocation itself was wrong: a missing path, nothing to check, a non-runbook named.
    public var usageError: Bool

    public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
    public var warningCount: Int { diagnostics.filter { $0.severity == .warning }.count }
    public var infoCount: Int { diagnostics.filter { $0.severity == .info }.count }

    /// 0 clean, 1 findings, 2 usage or internal failure.
    public var exitCode: Int32 {
        if usageError { return 2 }
        return errorCount > 0 ? 1 : 0
    }
}

public enum CheckSession {
    static let usageCodes: Set<DiagnosticCode> = [.fileNotFound, .noRunbooks, .notARunbook]

    /// Parameter values to check against every runbook (`--param`, `--params-file`); nil checks none.
    public struct ParamOptions: Sendable {
        public var arguments: [String]
        public var files: [String]

        public init(arguments: [String], files: [String]) {
            self.arguments = arguments
            self.files = files
        }
    }

    public static func run(paths: [String], configuration: (Configuration, [Diagnostic]) = Configuration.discover(),
                           params: ParamOptions? = nil) -> CheckReport {
        let (config, configDiagnostics) = configuration
        let discovery = RunbookDiscovery.candidates(for: paths.isEmpty ? ["."] : paths)
        // Excludes apply to what a directory walk finds. A file named on the command line is always
        // checked, and so is a directory that is itself excluded when it is named explicitly.
        let candidates = discovery.candidates.filter { candidate in
            guard !candidate.explicit, let root = candidate.walkRoot else { return true }
            return !config.isExcluded(candidate.path) || config.isExcluded(root + "/-")
        }
        let slots = ResultSlots(count: candidates.count)
        DispatchQueue.concurrentPerform(iterations: candidates.count) { index in
            slots.store(index, process(candidates[index]))
        }
        let results = slots.values.compactMap { $0 }
        var diagnostics = configDiagnostics + discovery.diagnostics + results.flatMap(\.diagnostics)
        if let params, !(params.arguments.isEmpty && params.files.isEmpty) {
            diagnostics += bindParams(params, results: results)
        }
        for directory in discovery.directories {
            let prefix = directory == "." ? "" : (directory.hasSuffix("/") ? directory : directory + "/")
            if !results.contains(where: { !$0.path.isEmpty && $0.path.hasPrefix(prefix) }) {
                diagnostics.append(Diagnostic(.noRunbooks, "no runbooks found under \(directory)", displayPath: directory,
                                              help: "runbooks are `.yaml`/`.yml` files whose first key is `runbook:`"))
            }
        }
        diagnostics.sort(by: Diagnostic.outputOrder)
        let usageError = diagnostics.contains { usageCodes.contains($0.code) }
        return CheckReport(results: results, diagnostics: diagnostics, usageError: usageError)
    }

    /// Checks the given values against each compiled runbook. A name that no runbook declares is
    /// reported once; names declared by some runbooks are not errors for the others.
    static func bindParams(_ options: ParamOptions, results: [CompilationResult]) -> [Diagnostic] {
        var (values, diagnostics) = ParamBinder.parse(arguments: options.arguments)
        for path in options.files {
            let (fileValues, fileDiagnostics) = ParamBinder.load(paramsFile: path)
            values += fileValues
            diagnostics += fileDiagnostics
        }
        let compiled = results.compactMap { result in result.ir.map { ($0, result.file) } }
        let declaredAnywhere = Set(compiled.flatMap { $0.0.params.map(\.name) })
        for (ir, file) in compiled {
            let relevant = compiled.count == 1 ? values : values.filter { declaredAnywhere.contains($0.name) }
            diagnostics += ParamBinder.bind(relevant, to: ir, runbook: file).diagnostics
        }
        if compiled.count > 1 {
            for value in values where !declaredAnywhere.contains(value.name) {
                diagnostics.append(Diagnostic(.paramValue, "no checked runbook declares parameter `\(value.name)`", file: value.file,
                                              range: value.keyRange, displayPath: value.file == nil ? value.origin : nil))
            }
        }
        return diagnostics
    }

    /// Compiles one candidate; nil for a directory file that turns out not to be a runbook.
    static func process(_ candidate: RunbookCandidate) -> CompilationResult? {
        switch SourceLoader.load(path: candidate.path) {
        case .failed(let diagnostic):
            // Unreadable files met while walking are still worth reporting: they might be runbooks.
            return CompilationResult(path: candidate.path, file: diagnostic.file, ir: nil, diagnostics: [diagnostic])
        case .loaded(let file):
            if !candidate.explicit, !RunbookDiscovery.looksLikeRunbook(file) { return nil }
            return Compiler.compile(file)
        }
    }
}

/// One slot per file, each written by exactly one worker: no two threads touch the same slot.
private final class ResultSlots: @unchecked Sendable {
    private(set) var values: [CompilationResult?]
    private let lock = NSLock()

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func store(_ index: Int, _ value: CompilationResult?) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }
}
