// RB020 rollback-drift: its id, docs, examples and configuration. The check needs what one runbook
// cannot show, so it runs in GitChecks (RunbookDriver), over the history walk and blame.

struct RollbackDriftRule: LintRule {
    static let description = RuleDescription(
        id: "RB020", slug: "rollback-drift", category: .history, severity: .warning, scope: .executable,
        summary: "a step's command changed in a later commit than its rollback",
        rationale: """
        When a step changes (`--replicas=6` becomes `--replicas=12`, a new flag, another resource) and its \
        rollback does not, the rollback may no longer undo the step. rbc blames the step's command lines \
        and the rollback's lines and reports when the command is newer; the note names both commits and \
        dates. Check the rollback, then touch it in the same commit (or suppress with a reason).
        """,
        triggering: [], nonTriggering: [], requires: .gitHistory)

    func check(_ context: LintContext) -> [LintFinding] { [] }
}
