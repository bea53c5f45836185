// RB013 trigger-missing: what pages for a P0/P1 runbook.

import RunbookSema
import RunbookSource

struct TriggerMissingRule: LintRule {
    static let description = RuleDescription(
        id: "RB013", slug: "trigger-missing", category: .metadata, severity: .warning, scope: .executable,
        summary: "a P0 or P1 runbook names no trigger",
        rationale: """
        "A page without a runbook is an unfinished feature" — and a P0/P1 runbook that names no alert \
        cannot be linked from the page. Add `triggers: [{alert: AlertName}]` so alert and runbook point \
        at each other (`rbc check --alerts` verifies both directions).
        """,
        triggering: [RuleExample("runbook:\n  name: ↓\"No trigger\"↑\n  severity: P0\n  owner: team-sre\n  escalation: \"#sre\"\n  steps:\n    - {id: a, action: wait, duration: 1s}\n")],
        nonTriggering: [.steps("    - {id: a, action: wait, duration: 1s}", severity: "P0")], answersFromFrontMatter: true)

    func check(_ context: LintContext) -> [LintFinding] {
        let runbook = context.ir.runbook
        guard let severity = runbook.severity, severity == .p0 || severity == .p1, runbook.triggers.isEmpty else { return [] }
        return [LintFinding("\(severity.rawValue) runbook `\(runbook.name)` names no trigger", at: nameRange(context),
                            help: context.hint(yaml: "add `triggers: [{alert: AlertName}]`", markdown: "add an `**Alert**: AlertName` line under the title"))]
    }
}
