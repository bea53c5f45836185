// RB016: ShellCheck's findings inside step commands, placed on the runbook's own lines.

struct ShellCheckRule: LintRule {
    static let description = RuleDescription(
        id: "RB016", slug: "shellcheck", category: .shell, severity: .warning, scope: .both,
        summary: "ShellCheck reports a problem in a step's command",
        rationale: """
        Every `execute_command` step and rollback is run through ShellCheck (Debian package \
        `shellcheck`) when it is installed, as `sh` unless the step names another `shell`. Each finding \
        carries its SC code and lands on the runbook's own line and column, inside YAML scalars and \
        Markdown fences. ShellCheck's levels map to rbc's: error → error, warning → warning, info and \
        style → info. `${{ }}` expressions are seen as quoted variables, as rbc runs them. Without \
        ShellCheck, `rbc check` says so once (info); `--no-shellcheck` turns the pass off, and \
        `shellcheck: {exclude: [SC2086]}` in `.rbc.yaml` skips codes. Where ShellCheck proposes a fix \
        and it maps exactly onto the runbook's bytes, the finding carries it (unsafe: quoting changes how \
        the shell reads the command).
        """,
        triggering: [],
        nonTriggering: [],
        fix: .unsafe)

    /// The pass runs outside the per-runbook rules (one batched ShellCheck run for every file).
    func check(_ context: LintContext) -> [LintFinding] { [] }
}
