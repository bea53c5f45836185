// `rbc check` as a library call: discover, compile every file in parallel on all cores, and
// return the diagnostics in deterministic order.

import Dispatch
import Foundation
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

    public static func run(paths: [String], configuration: (Configuration, [Diagnostic]) = Configuration.discover()) -> CheckReport {
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
