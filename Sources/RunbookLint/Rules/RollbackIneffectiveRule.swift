// RB002: a rollback that repeats its step, or does nothing, undoes nothing.

import RunbookSema
import RunbookSource

struct RollbackIneffectiveRule: LintRule {
    static let description = RuleDescription(
        id: "RB002", slug: "rollback-ineffective", category: .rollback, severity: .error, scope: .both,
        summary: "a rollback is identical to its step, or does nothing",
        rationale: """
        A rollback that runs the same command as its step (a copy-paste left unfinished), or a command \
        that does nothing (`true`, `:`, an `echo`), looks like protection and is none. Write the action \
        that reverses the step. A command that is its own inverse is fine as its own rollback: \
        `kubectl rollout undo deploy/api` undone by the same command returns to the revision it left \
        (not with `--to-revision`, which goes to one fixed revision), and a `toggle` flips back.
        """,
        triggering: [
            .steps("""
                - id: scale
                  action: execute_command
                  command: "kubectl scale deploy/api --replicas=10"
                  timeout: 1m
                  rollback:
                    action: execute_command
                    command: ↓"kubectl scale deploy/api --replicas=10"↑
                    timeout: 1m
                - id: flag
                  action: update_config
                  config_key: features.v2
                  value: true
                  rollback:
                    action: update_config
                    config_key: features.v2
                    value: ↓true↑
                - id: drain
                  action: execute_command
                  command: "kubectl drain node-1 --ignore-daemonsets"
                  confirm: true
                  timeout: 5m
                  rollback:
                    action: execute_command
                    command: ↓"echo rolled back"↑
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
                - id: undo-release
                  action: execute_command
                  command: "kubectl rollout undo deploy/api"
                  timeout: 1m
                  rollback:
                    action: execute_command
                    command: "kubectl rollout undo deploy/api"
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
            if undo == step, !(action.kind == .executeCommand && Self.isSelfInverse(context.commands(in: action.command ?? ""))) {
                let key = action.kind == .executeCommand ? "command" : action.kind == .updateConfig ? "value" : "action"
                return LintFinding("the rollback of \(context.describe(view)) repeats the step itself", at: range(context, view, key),
                                   help: "write the action that reverses the step")
            }
            if action.kind == .executeCommand, let command = action.command, Self.doesNothing(context.commands(in: command)) {
                return LintFinding("the rollback of \(context.describe(view)) does nothing", at: range(context, view, "command"),
                                   help: "write the command that reverses the step, or mark the step `irreversible: \"reason\"`")
            }
            return nil
        }
    }

    func range(_ context: LintContext, _ view: StepView, _ key: String) -> SourceRange? {
        context.rollbackField(view, key)?.value.range ?? view.syntax.rollback?.keyRange
    }

    /// A command that undoes itself when run again: `kubectl rollout undo` goes back to the revision
    /// before, and undoing that undo restores the one after; a toggle flips back. Only when every
    /// command in the text is one of them.
    static func isSelfInverse(_ command: String) -> Bool { isSelfInverse(CommandAnalysis.commands(command)) }

    static func isSelfInverse(_ commands: [SimpleCommand]) -> Bool {
        return !commands.isEmpty && commands.allSatisfy { simple in
            let arguments = simple.arguments
            if ["kubectl", "oc"].contains(simple.program), arguments.contains("rollout"), arguments.contains("undo") {
                // `--to-revision=N` goes to one fixed revision: running it again changes nothing.
                return !arguments.contains { $0.hasPrefix("--to-revision") }
            }
            return arguments.contains { $0.lowercased() == "toggle" || $0.lowercased() == "--toggle" }
        }
    }

    /// `true`, `:`, `exit 0`, or only `echo`/`printf`.
    static func doesNothing(_ command: String) -> Bool { doesNothing(CommandAnalysis.commands(command)) }

    static func doesNothing(_ commands: [SimpleCommand]) -> Bool {
        if commands.isEmpty { return true }
        // `echo undo >> state` writes a file: a redirection is an effect.
        return commands.allSatisfy { simple in
            (["true", ":", "echo", "printf"].contains(simple.program) && !simple.words.contains { $0.text.hasPrefix(">") || $0.text.hasPrefix("1>") })
                || (simple.program == "exit" && simple.arguments == ["0"])
        }
    }
}
