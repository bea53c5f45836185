// RB003: every step and rollback runs with a time bound its author chose.

import RunbookSema

struct TimeoutMissingRule: LintRule {
    static let description = RuleDescription(
        id: "RB003", slug: "timeout-missing", category: .timeouts, severity: .warning, scope: .executable,
        summary: "a step or rollback has no timeout of its own or from `defaults`",
        rationale: """
        Every mitigation needs a time bound: a command that hangs holds the incident open. Without a \
        `timeout` on the step (or the rollback) or in `defaults`, rbc falls back to 10 minutes — a number \
        nobody chose for this step. Set one that fits what the step does.
        """,
        triggering: [
            .steps("""
                - id: ↓pods↑
                  action: execute_command
                  command: "kubectl get pods"
                  readonly: true
                - id: restart
                  action: execute_command
                  command: "kubectl rollout restart deploy/api"
                  timeout: 2m
                  ↓rollback↑:
                    action: execute_command
                    command: "kubectl rollout undo deploy/api"
            """),
        ],
        nonTriggering: [
            .steps("""
                - id: pods
                  action: execute_command
                  command: "kubectl get pods"
                  readonly: true
            """, extra: "  defaults: {timeout: 1m}\n"),
        ], answersFromFrontMatter: true)

    func check(_ context: LintContext) -> [LintFinding] {
        var findings: [LintFinding] = []
        for view in context.allSteps {
            if view.ir.timeoutSource == .builtin, view.ir.action.kind != .manual {
                findings.append(LintFinding("\(context.describe(view)) has no timeout", at: view.anchor,
                                            help: context.hint(yaml: "add `timeout: 2m` (or whatever fits) to the step, or `timeout` under `defaults`",
                                                              markdown: "add `**Timeout**: 2m` (or `{timeout=2m}` on the fence) to the step, or `defaults: {timeout: 2m}` to the front matter")))
            }
            if let rollback = view.ir.rollback, rollback.timeoutSource == .builtin, rollback.action.kind != .manual {
                findings.append(LintFinding("the rollback of \(context.describe(view)) has no timeout", at: view.syntax.rollback?.keyRange,
                                            help: context.hint(yaml: "add `timeout:` under `rollback:`", markdown: "put `{timeout=2m}` on the rollback's fence")))
            }
        }
        return findings
    }
}
