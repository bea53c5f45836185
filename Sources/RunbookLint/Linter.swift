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
        for rule in RuleRegistry.rules {
            let description = type(of: rule).description
            guard configuration.isEnabled(description.id), description.scope.applies(toDocumentation: isDocumentation) else { continue }
            let severity = configuration.severity(description)
            for finding in rule.check(context) {
                diagnostics.append(Diagnostic(description.code, finding.message, severity: finding.severity ?? severity,
                                              file: context.file, range: finding.range, help: finding.help, notes: finding.notes))
            }
        }
        return diagnostics
    }

    /// Applies configuration to ShellCheck's findings (whose severity comes from ShellCheck's level).
    public static func configure(_ diagnostics: [Diagnostic], configuration: LintConfiguration) -> [Diagnostic] {
        diagnostics.compactMap { diagnostic in
            guard configuration.isEnabled(diagnostic.code.id) else { return nil }
            var copy = diagnostic
            if let override = configuration.severities[diagnostic.code.id], let severity = override { copy.severity = severity }
            return copy
        }
    }
}
