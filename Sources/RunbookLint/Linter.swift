// Runs the rules over one runbook with the configured severities; suppressions are applied after
// every finding of the file (rules and ShellCheck) is in.

import RunbookSema
import RunbookSource
import RunbookSyntax

public struct LintConfiguration: Sendable {
    /// Rule id → severity; a rule mapped to nil is off.
    public var severities: [String: Severity?] = [:]
    public var settings = LintSettings()
    public var shellcheck = ShellCheckOptions()

    public init() {}

    public func isEnabled(_ id: String) -> Bool {
        if let override = severities[id] { return override != nil }
        return true
    }

    public func severity(_ description: RuleDescription) -> Severity {
        if let override = severities[description.id], let severity = override { return severity }
        return description.severity
    }
}

public enum Linter {
    public static func findings(_ context: LintContext, configuration: LintConfiguration) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let isDocumentation = context.isDocumentation
        for rule in RuleRegistry.runbookRules {
            let description = type(of: rule).description
            guard configuration.isEnabled(description.id), description.scope.applies(toDocumentation: isDocumentation),
                  !(description.answersFromFrontMatter && context.syntax.frontMatterUnread) else { continue }
            let severity = configuration.severity(description)
            for finding in rule.check(context) {
                diagnostics.append(Diagnostic(description.code, finding.message, severity: finding.severity ?? severity,
                                              file: context.file, range: finding.range, help: finding.help, notes: finding.notes,
                                              fix: finding.fix))
            }
        }
        return diagnostics
    }

    /// Whether a rule reads files other than the runbook itself (RB031 follows relative links into
    /// other pages): such an answer depends on more than the runbook's bytes and is not cached.
    public static func readsOtherFiles(_ context: LintContext) -> Bool {
        guard let page = context.page else { return false }
        return page.links.contains { link in BrokenLinkRule.relativeTarget(link.destination).map { !$0.0.isEmpty } ?? false }
    }

    /// Lint findings in a step the compiler found an error in are consequences of that error (an
    /// unreadable timeout is "no timeout" in the recovered IR): the error is the one diagnostic.
    public static func droppingCascades(_ findings: [Diagnostic], compilerDiagnostics: [Diagnostic], context: LintContext) -> [Diagnostic] {
        let file = context.file
        let errorLines = compilerDiagnostics.compactMap { diagnostic -> Int? in
            guard diagnostic.severity == .error, let range = diagnostic.range, diagnostic.file?.path == file.path else { return nil }
            return file.lineColumn(of: range.start).line
        }
        guard !errorLines.isEmpty else { return findings }
        let broken = Suppressions.stepLineRanges(context).filter { span in errorLines.contains { span.contains($0) } }
        guard !broken.isEmpty else { return findings }
        return findings.filter { finding in
            guard let range = finding.range else { return true }
            let line = file.lineColumn(of: range.start).line
            return !broken.contains { $0.contains(line) }
        }
    }

    /// Applies configuration to findings made outside the rules: ShellCheck's (whose severity comes
    /// from ShellCheck's level) and the compiler's configurable diagnostics.
    public static func configure(_ diagnostics: [Diagnostic], configuration: LintConfiguration) -> [Diagnostic] {
        diagnostics.compactMap { diagnostic in
            guard configuration.isEnabled(diagnostic.code.id) else { return nil }
            var copy = diagnostic
            if let override = configuration.severities[diagnostic.code.id], let severity = override { copy.severity = severity }
            return copy
        }
    }
}
