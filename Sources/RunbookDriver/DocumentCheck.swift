// One editor buffer checked as `rbc check FILE` checks that file on disk: the same compiler, lint
// rules, ShellCheck, `.rbc.yaml` severities and suppressions, on text that need not be saved yet.

import Foundation
import RunbookLint
import RunbookSource

public struct DocumentCheckOptions: Sendable {
    /// Today as YYYY-MM-DD, for suppressions' `until=` and history rules.
    public var today = CheckOptions.currentDate()
    public var shellcheck = true
    /// History checks read the file's git history and working copy: only meaningful once the buffer
    /// is saved (the language server runs them on open and on save).
    public var git = false
    /// Alert rules read once per configuration, for runbooks that state no severity.
    public var alertIndex: AlertIndex?

    public init() {}
}

extension CheckSession {
    /// Checks `text` as the runbook at `path` (an absolute path: it selects `.rbc.yaml`'s per-path
    /// settings and the git repository). Diagnostics point into a `SourceFile` holding `text`.
    public static func check(text: String, path: String, configuration: Configuration,
                             options: DocumentCheckOptions = DocumentCheckOptions()) -> CompilationResult {
        let file: SourceFile
        switch SourceLoader.decode(path: path, bytes: Array(text.utf8)) {
        case .failed(let diagnostic): return CompilationResult(path: path, file: diagnostic.file, ir: nil, diagnostics: [diagnostic])
        case .loaded(let loaded): file = loaded
        }
        var lint = configuration.lint
        lint.settings.environment = configuration.runEnvironment
        lint.shellcheck.enabled = lint.shellcheck.enabled && options.shellcheck
        var settings = configuration.compileSettings(for: path)
        settings.inferredSeverity = options.alertIndex?.severity(forRunbookAt: path) ?? configuration.defaultSeverity(for: path)
        var (result, lintedWith) = compileAndLintKeepingContext(file, lint: lint, settings: settings)
        if let context = lintedWith ?? lintContext(result) {
            let findings = Linter.configure(ShellCheck.run(ShellCheck.jobs(context), options: lint.shellcheck), configuration: lint)
            // Notes about ShellCheck itself (not installed, failed) have no file: shown at the top.
            let aboutShellCheck = findings.filter { $0.file == nil }.map { note in
                var placed = note
                placed.file = file
                placed.range = .at(0)
                return placed
            }
            result.diagnostics = Suppressions.apply(result.diagnostics + findings.filter { $0.file != nil }, context: context, today: options.today)
                + aboutShellCheck
        }
        if options.git {
            result.diagnostics += GitChecks.run([result], today: options.today, review: configuration.review, lint: lint)
        }
        result.diagnostics.sort(by: Diagnostic.outputOrder)
        return result
    }
}

extension GitChecks {
    /// The rules only history answers: an editor keeps their findings from the last save while the
    /// buffer changes.
    public static var ruleIDs: [String] {
        [RuleRegistry.staleRunbook, RuleRegistry.reviewStampOutdated, RuleRegistry.reviewDateInFuture,
         RuleRegistry.rollbackDrift, RuleRegistry.uncommittedRunbook].map(\.id)
    }
}
