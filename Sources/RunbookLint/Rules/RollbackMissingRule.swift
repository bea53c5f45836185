// RB001: a step that changes something has a rollback, or says why it cannot have one.

import RunbookSema

struct RollbackMissingRule: LintRule {
    static let description = RuleDescription(
        id: "RB001", slug: "rollback-missing", category: .rollback, severity: .error, scope: .executable,
        summary: "a step that changes something has neither a rollback nor `irreversible`",
        rationale: """
        When a later step fails, rbc rolls back the steps that ran, newest first. A change without a \
        rollback stays in place, and the responder learns that at the worst moment. Write the command \
        that undoes the step under `rollback:`, or, when nothing can undo it, say so with \
        `irreversible: "reason"` so that the choice is reviewed.

        A step counts as a change unless it is `readonly: true`, a known read-only command \
        (`kubectl get/describe/logs`, `curl` without a write method, `grep`, `cat`…) whose output goes to \
        no file but `/dev/null` or `/tmp`, an HTTP `GET`, or a \
        notification, ticket, wait or manual step. `update_config` steps are exempt: rbc records the \
        previous value and restores it when no rollback is written.
        """,
        triggering: [
            .steps("""
                - id: ↓restart↑
                  action: execute_command
                  command: "kubectl rollout restart deploy/api"
                  timeout: 2m
            """),
            .steps("""
                - id: ↓purge↑
                  action: http_request
                  method: POST
                  url: "https://cdn.internal/purge"
                  timeout: 30s
            """),
            .steps("""
                - id: ↓pin-resolver↑
                  action: execute_command
                  command: "echo 'nameserver 10.0.0.2' >> /etc/resolv.conf"
                  timeout: 30s
            """),
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
                - id: pods
                  action: execute_command
                  command: "kubectl get pods -n api"
                  timeout: 30s
                - id: capture
                  action: execute_command
                  command: "kubectl logs deploy/api 2>&1 | tee /tmp/api.log | grep -c error >/dev/null"
                  timeout: 30s
                - id: vacuum
                  action: execute_command
                  command: "journalctl --vacuum-time=2d"
                  irreversible: "old logs are shipped before they are vacuumed"
                  timeout: 1m
            """),
        ], answersFromFrontMatter: true)

    func check(_ context: LintContext) -> [LintFinding] {
        context.sequences.joined().compactMap { view in
            let step = view.ir
            guard context.isChange(step), step.rollback == nil, step.irreversible == nil,
                  step.action.kind != .updateConfig else { return nil }
            return LintFinding("\(context.describe(view)) changes something but has no rollback", at: view.anchor,
                               help: context.hint(yaml: "add `rollback:` with the action that undoes it, or `irreversible: \"why it cannot be undone\"`",
                                                  markdown: "add `**Rollback**:` and a shell fence with the command that undoes it, or `**Irreversible**: why it cannot be undone`"))
        }
    }
}
