// RB012 escalation-missing: whom a P0/P1 runbook escalates to.

import RunbookSema
import RunbookSource

struct EscalationMissingRule: LintRule {
    static let description = RuleDescription(
        id: "RB012", slug: "escalation-missing", category: .metadata, severity: .warning, scope: .executable,
        summary: "a P0 or P1 runbook says nothing about escalation",
        rationale: """
        When a P0 or P1 runbook does not work, the responder must know at once whom to call. Add \
        `escalation:` (YAML) or an `## Escalation` section (Markdown) naming the team, channel or pager.
        """,
        triggering: [RuleExample("runbook:\n  name: ↓\"No escalation\"↑\n  severity: P1\n  owner: team-sre\n  triggers: [{alert: A}]\n  steps:\n    - {id: a, action: wait, duration: 1s}\n")],
        nonTriggering: [.steps("    - {id: a, action: wait, duration: 1s}", severity: "P1"),
                        RuleExample("runbook:\n  name: \"P2 needs none\"\n  severity: P2\n  owner: team-sre\n  steps:\n    - {id: a, action: wait, duration: 1s}\n")], answersFromFrontMatter: true)

    func check(_ context: LintContext) -> [LintFinding] {
        let runbook = context.ir.runbook
        guard let severity = runbook.severity, severity == .p0 || severity == .p1, runbook.escalation.isEmpty else { return [] }
        return [LintFinding("\(severity.rawValue) runbook `\(runbook.name)` says nothing about escalation", at: nameRange(context),
                            help: context.syntax.format == .markdown ? "add an `## Escalation` section" : "add `escalation: \"#team-oncall, then the secondary\"`")]
    }
}
