// RB004: the worst case of the whole runbook fits the time its severity allows.

import RunbookSema
import RunbookSource

struct SeverityBudgetRule: LintRule {
    static let description = RuleDescription(
        id: "RB004", slug: "severity-budget", category: .timeouts, severity: .warning, scope: .executable,
        summary: "the runbook's worst-case duration exceeds its severity's budget",
        rationale: """
        Severity sets how fast mitigation must come: by default 15 minutes for P0, 30 for P1, 2 hours \
        for P2 and 24 hours for P3 (configurable under `budgets:` in `.rbc.yaml`). The worst case adds \
        up every step's timeout (which bounds all of the step's attempts and the waits between them), \
        every rollback's timeout, and the runbook-wide rollback. A runbook that can legitimately run \
        longer than its severity allows needs shorter timeouts, or a split.
        """,
        triggering: [
            .steps("""
                - id: restart
                  action: execute_command
                  command: "kubectl rollout restart deploy/api"
                  timeout: 12m
                  retries: {attempts: 3, backoff: 1m}
                  rollback:
                    action: execute_command
                    command: "kubectl rollout undo deploy/api"
                    timeout: 5m
            """, severity: "↓P0↑"),
        ],
        nonTriggering: [
            .steps("""
                - id: restart
                  action: execute_command
                  command: "kubectl rollout restart deploy/api"
                  timeout: 2m
                  rollback:
                    action: execute_command
                    command: "kubectl rollout undo deploy/api"
                    timeout: 2m
            """, severity: "P0"),
        ])

    /// Worst case of one step: its timeout, which bounds all its attempts and the waits between them.
    static func worstCaseMs(_ step: StepIR) -> Int { step.timeoutMs }

    /// What the worst case is made of: every step's timeout, every step rollback's, and every
    /// runbook-wide rollback action's (a run that fails at the end undoes everything).
    static func worstCaseContributions(_ ir: RunbookIR) -> [(String, Int)] {
        var contributions: [(String, Int)] = ir.steps.map { ("step `\($0.id)`", Self.worstCaseMs($0)) }
        contributions += ir.steps.compactMap { step in step.rollback.map { ("rollback of `\(step.id)`", $0.timeoutMs) } }
        contributions += ir.rollback.map { ("rollback action `\($0.id)`", Self.worstCaseMs($0)) }
        return contributions
    }

    static func worstCaseMs(_ ir: RunbookIR) -> Int {
        worstCaseContributions(ir).reduce(0) { $0 + $1.1 }
    }

    func check(_ context: LintContext) -> [LintFinding] {
        let ir = context.ir
        guard let severity = ir.runbook.severity, let budget = context.settings.budgetsMs[severity] else { return [] }
        let contributions = Self.worstCaseContributions(ir)
        let total = contributions.reduce(0) { $0 + $1.1 }
        guard total > budget else { return [] }
        let largest = contributions.sorted { $0.1 > $1.1 }.prefix(3)
            .map { "\($0.0): \(DurationParser.format(milliseconds: $0.1))" }.joined(separator: ", ")
        let range = context.syntax.metadata["severity"]?.value.range ?? context.syntax.headerRange
        return [LintFinding(
            "worst case \(DurationParser.format(milliseconds: total)) exceeds the \(severity.rawValue) budget of \(DurationParser.format(milliseconds: budget))",
            at: range, help: "shorten timeouts or retries, or split the runbook",
            notes: [DiagnosticNote("largest parts: \(largest)")])]
    }
}

extension RunbookIR {
    /// The worst-case duration RB004 compares with the severity's budget (the report draws the same number).
    public var worstCaseMs: Int { SeverityBudgetRule.worstCaseMs(self) }
}
