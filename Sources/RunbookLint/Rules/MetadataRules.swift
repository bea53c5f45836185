// RB011–RB013: who owns a runbook, whom to escalate to, and what pages for it.

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
        triggering: [RuleExample("runbook:\n  name: ↓\"No owner\"\n  severity: P3\n  steps:\n    - {id: a, action: wait, duration: 1s}\n")],
        nonTriggering: [.steps("    - {id: a, action: wait, duration: 1s}")])

    func check(_ context: LintContext) -> [LintFinding] {
        guard context.ir.runbook.owner == nil else { return [] }
        return [LintFinding("runbook `\(context.ir.runbook.name)` names no owner", at: nameRange(context),
                            help: context.hint(yaml: "add `owner: team-name`", markdown: "add a `**Owner**: team-name` line under the title"))]
    }
}

struct EscalationMissingRule: LintRule {
    static let description = RuleDescription(
        id: "RB012", slug: "escalation-missing", category: .metadata, severity: .warning, scope: .executable,
        summary: "a P0 or P1 runbook says nothing about escalation",
        rationale: """
        When a P0 or P1 runbook does not work, the responder must know at once whom to call. Add \
        `escalation:` (YAML) or an `## Escalation` section (Markdown) naming the team, channel or pager.
        """,
        triggering: [RuleExample("runbook:\n  name: ↓\"No escalation\"\n  severity: P1\n  owner: team-sre\n  triggers: [{alert: A}]\n  steps:\n    - {id: a, action: wait, duration: 1s}\n")],
        nonTriggering: [.steps("    - {id: a, action: wait, duration: 1s}", severity: "P1"),
                        RuleExample("runbook:\n  name: \"P2 needs none\"\n  severity: P2\n  owner: team-sre\n  steps:\n    - {id: a, action: wait, duration: 1s}\n")])

    func check(_ context: LintContext) -> [LintFinding] {
        let runbook = context.ir.runbook
        guard let severity = runbook.severity, severity == .p0 || severity == .p1, runbook.escalation.isEmpty else { return [] }
        return [LintFinding("\(severity.rawValue) runbook `\(runbook.name)` says nothing about escalation", at: nameRange(context),
                            help: context.syntax.format == .markdown ? "add an `## Escalation` section" : "add `escalation: \"#team-oncall, then the secondary\"`")]
    }
}

struct TriggerMissingRule: LintRule {
    static let description = RuleDescription(
        id: "RB013", slug: "trigger-missing", category: .metadata, severity: .warning, scope: .executable,
        summary: "a P0 or P1 runbook names no trigger",
        rationale: """
        "A page without a runbook is an unfinished feature" — and a P0/P1 runbook that names no alert \
        cannot be linked from the page. Add `triggers: [{alert: AlertName}]` so alert and runbook point \
        at each other (`rbc check --alerts` verifies both directions).
        """,
        triggering: [RuleExample("runbook:\n  name: ↓\"No trigger\"\n  severity: P0\n  owner: team-sre\n  escalation: \"#sre\"\n  steps:\n    - {id: a, action: wait, duration: 1s}\n")],
        nonTriggering: [.steps("    - {id: a, action: wait, duration: 1s}", severity: "P0")])

    func check(_ context: LintContext) -> [LintFinding] {
        let runbook = context.ir.runbook
        guard let severity = runbook.severity, severity == .p0 || severity == .p1, runbook.triggers.isEmpty else { return [] }
        return [LintFinding("\(severity.rawValue) runbook `\(runbook.name)` names no trigger", at: nameRange(context),
                            help: context.hint(yaml: "add `triggers: [{alert: AlertName}]`", markdown: "add an `**Alert**: AlertName` line under the title"))]
    }
}

/// The runbook's name as written (the `name` value, or the Markdown title).
func nameRange(_ context: LintContext) -> RunbookSource.SourceRange {
    context.syntax.metadata["name"]?.value.range ?? context.syntax.headerRange
}
