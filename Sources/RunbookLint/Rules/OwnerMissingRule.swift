// RB011 owner-missing: who owns a runbook.

import RunbookSema
import RunbookSource

struct OwnerMissingRule: LintRule {
    static let description = RuleDescription(
        id: "RB011", slug: "owner-missing", category: .metadata, severity: .warning, scope: .executable,
        summary: "the runbook names no `owner`",
        rationale: """
        A runbook without an owner is nobody's to fix when it rots. Name the team that maintains it: \
        `owner: team-checkout`.
        """,
        triggering: [RuleExample("runbook:\n  name: ↓\"No owner\"↑\n  severity: P3\n  steps:\n    - {id: a, action: wait, duration: 1s}\n")],
        nonTriggering: [.steps("    - {id: a, action: wait, duration: 1s}")], answersFromFrontMatter: true)

    func check(_ context: LintContext) -> [LintFinding] {
        guard context.ir.runbook.owner == nil else { return [] }
        return [LintFinding("runbook `\(context.ir.runbook.name)` names no owner", at: nameRange(context),
                            help: context.hint(yaml: "add `owner: team-name`", markdown: "add a `**Owner**: team-name` line under the title"))]
    }
}
