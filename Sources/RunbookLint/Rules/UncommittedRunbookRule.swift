// RB021 uncommitted-runbook: the working file is untracked or differs from HEAD. Outside a
// repository the driver says once that the history checks were skipped (GitChecks).

import RunbookSource

struct UncommittedRunbookRule: HistoryRule {
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

    func check(_ context: any HistoryContext) throws -> [LintFinding] {
        guard !context.beingCommitted else { return [] }
        let header = context.lint.syntax.headerRange
        switch context.state {
        case .untracked:
            return [LintFinding("\(context.relativePath) is not committed", at: header, help: "commit it so that what is reviewed is what runs")]
        case .modified:
            return [LintFinding("\(context.relativePath) has uncommitted changes", at: header)]
        case .clean, .unknown:
            return []
        }
    }
}
