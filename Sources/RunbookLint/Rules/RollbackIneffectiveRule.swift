// RB002: a rollback that repeats its step, or does nothing, undoes nothing.

import RunbookSema
import RunbookSource

struct RollbackIneffectiveRule: LintRule {
    static let description = RuleDescription(
        id: "RB002", slug: "rollback-ineffective", category: .rollback, severity: .error,
        summary: "a rollback is identical to its step, or does nothing",
        rationale: """
        A rollback that runs the same command as its step (a copy-paste left unfinished), or a command \
        that does nothing (`true`, `:`, an `echo`), looks like protection and is none. Write the action \
        that reverses the step.
        """,
        triggering: [
            .steps("""
                - id: scale
                  action: execute_command
                  command: "kubectl scale deploy/api --replicas=10"
                  timeout: 1m
                  rollback:
                    action: execute_command
                    command: ↓"kubectl scale deploy/api --replicas=10"
                    timeout: 1m
                - id: flag
                  action: update_config
                  config_key: features.v2
                  value: true
                  rollback:
                    action: update_config
                    config_key: features.v2
                    value: ↓true
                - id: drain
                  action: execute_command
                  command: "kubectl drain node-1 --ignore-daemonsets"
                  confirm: true
                  timeout: 5m
                  rollback:
                    action: execute_command
                    command: ↓"echo rolled back"
                    timeout: 1m
            """),
        ],
        nonTriggering: [
            .steps("""
                - id: scale
                  action: execute_command
                  command: "kubectl scale deploy/api --replicas=10"
                  timeout: 1m
                  rollback:
                    action: execute_command
                    command: "kubectl scale deploy/api --replicas=3"
                    timeout: 1m
            """),
        ])

    func check(_ context: LintContext) -> [LintFinding] {
        context.allSteps.compactMap { view in
            guard let rollback = view.ir.rollback else { return nil }
            let action = rollback.action
            var step = view.ir.action
            step.commandTemplate = nil
            var undo = action
            undo.commandTemplate = nil
            if undo == step {
                let key = action.kind == .executeCommand ? "command" : action.kind == .updateConfig ? "value" : "action"
                return LintFinding("the rollback of \(context.describe(view)) repeats the step itself", at: range(context, view, key),
                                   help: "write the action that reverses the step")
            }
            if action.kind == .executeCommand, let command = action.command, Self.doesNothing(command) {
                return LintFinding("the rollback of \(context.describe(view)) does nothing", at: range(context, view, "command"),
                                   help: "write the command that reverses the step, or mark the step `irreversible: \"reason\"`")
            }
            return nil
        }
    }

    func range(_ context: LintContext, _ view: StepView, _ key: String) -> SourceRange? {
        context.rollbackField(view, key)?.value.range ?? view.syntax.rollback?.keyRange
    }

    /// `true`, `:`, `exit 0`, or only `echo`/`printf`.
    static func doesNothing(_ command: String) -> Bool {
        let commands = CommandAnalysis.commands(command)
        if commands.isEmpty { return true }
        // `echo undo >> state` writes a file: a redirection is an effect.
        return commands.allSatisfy { simple in
            (["true", ":", "echo", "printf"].contains(simple.program) && !simple.words.contains { $0.text.hasPrefix(">") || $0.text.hasPrefix("1>") })
                || (simple.program == "exit" && simple.arguments == ["0"])
        }
    }
}
