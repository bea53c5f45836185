// RB021 uncommitted-runbook: its id, docs, examples and configuration. The check needs what one runbook
// cannot show, so it runs in GitChecks (RunbookDriver), from the working tree's state.

struct UncommittedRunbookRule: LintRule {
    static let description = RuleDescription(
        id: "RB021", slug: "uncommitted-runbook", category: .history, severity: .info, scope: .both,
        summary: "the runbook is untracked or has uncommitted changes",
        rationale: """
        What is checked is the working copy; what the team relies on is what is committed. An untracked \
        runbook or one with uncommitted changes is reported (as info) so that nobody mistakes a local \
        edit for the reviewed version. `rbc compile` records the same in the IR's provenance, and \
        `rbc run` refuses a dirty runbook unless told otherwise. Outside a git repository, one info line \
        says that the history checks were skipped.
        """,
        triggering: [], nonTriggering: [], requires: .gitHistory)

    func check(_ context: LintContext) -> [LintFinding] { [] }
}
