// RB052: a manual step in a repository whose runs are unattended: nobody is there to do it.

struct ManualUnattendedRule: LintRule {
    static let description = RuleDescription(
        id: "RB052", slug: "manual-unattended", category: .configuration, severity: .error, scope: .executable,
        summary: "a manual step where runs are unattended: no one can perform or confirm it",
        rationale: """
        With `unattended: true` in `.rbc.yaml` (runs started by CI or alert automation, no terminal), a \
        `manual` step can never be done: without a terminal it is refused and the run rolls back, and \
        `--yes` would approve work that no person did. Steps with `confirm: true` are fine: CI approves \
        them by name with `--approve STEP`. Make the step a command, or run this runbook attended.
        """,
        triggering: [
            .steps("""
                - id: ↓page-dba↑
                  action: manual
                  instructions: "Call the DBA on duty and agree on the failover"
            """).with(RunEnvironment(unattended: true)),
        ],
        nonTriggering: [
            .steps("""
                - id: page-dba
                  action: manual
                  instructions: "Call the DBA on duty and agree on the failover"
            """).with(RunEnvironment(unattended: false)),
        ])

    func check(_ context: LintContext) -> [LintFinding] {
        guard let environment = context.settings.environment, environment.unattended else { return [] }
        return context.allSteps.filter { $0.ir.action.kind == .manual || $0.ir.rollback?.action.kind == .manual }.map { view in
            LintFinding("\(context.describe(view)) is manual, but .rbc.yaml says runs are unattended", at: view.anchor,
                        help: "nobody can perform it in an unattended run; make it a command, or run this runbook attended")
        }
    }
}
