// RB007: `sudo` in automation must not wait for a password.

import RunbookSema
import RunbookSource
import RunbookSyntax

struct SudoPromptRule: LintRule {
    static let description = RuleDescription(
        id: "RB007", slug: "sudo-prompt", category: .safety, severity: .warning, scope: .executable,
        summary: "`sudo` without `-n` can hang waiting for a password",
        rationale: """
        When rbc runs a step there is no one to type a password: `sudo` without `-n` (non-interactive) \
        waits until the step times out. `sudo -n` fails at once instead, with a clear error.
        """,
        triggering: [
            .steps("""
                - id: restart
                  action: execute_command
                  command: "↓sudo↑ systemctl restart nginx"
                  timeout: 1m
                  irreversible: "a restart is safe to repeat"
                - id: restart-remote
                  action: execute_command
                  command: "ssh web-1 ↓sudo↑ systemctl restart nginx"
                  timeout: 1m
                  irreversible: "a restart is safe to repeat"
            """),
        ],
        nonTriggering: [
            .steps("""
                - id: restart
                  action: execute_command
                  command: "sudo -n systemctl restart nginx"
                  timeout: 1m
                  irreversible: "a restart is safe to repeat"
            """),
        ],
        fix: .unsafe)

    func check(_ context: LintContext) -> [LintFinding] {
        var findings: [LintFinding] = []
        for view in context.allSteps {
            for (key, node) in commandNodes(view, context) {
                guard let command = node.scalarValue else { continue }
                // `ssh host sudo …` is analysed twice (the ssh command and the remote one): one `sudo`, one finding.
                var reported: Set<Int> = []
                for simple in context.commands(in: command) {
                    guard let sudo = simple.words.first(where: { $0.text == "sudo" }),
                          reported.insert(sudo.range.lowerBound).inserted else { continue }
                    let flags = simple.words.drop { $0 != sudo }.dropFirst().prefix { $0.text.hasPrefix("-") }.map(\.text)
                    let nonInteractive = flags.contains { $0 == "-n" || $0 == "--non-interactive" || $0 == "-S" || ($0.hasPrefix("-") && !$0.hasPrefix("--") && $0.contains("n")) }
                    if !nonInteractive {
                        // Unsafe: run from a terminal, `sudo` could have asked for the password; `-n` makes it fail instead.
                        let fix = ScalarEdits.fileEdits([.insert(" -n", at: sudo.range.upperBound)], in: node, file: context.file)
                            .map { Fix("use `sudo -n`", .unsafe, edits: $0) }
                        findings.append(LintFinding("`sudo` in the \(key) of \(context.describe(view)) may prompt for a password",
                                                    at: context.range(in: node, sudo.range.lowerBound, sudo.range.upperBound),
                                                    help: "use `sudo -n` so it fails instead of hanging", fix: fix))
                    }
                }
            }
        }
        return findings
    }
}

/// The command of a step and of its rollback, with their syntax nodes.
func commandNodes(_ view: StepView, _ context: LintContext) -> [(String, YAMLNode)] {
    var nodes: [(String, YAMLNode)] = []
    if view.ir.action.kind == .executeCommand, let node = view.field("command")?.value { nodes.append(("command", node)) }
    if view.ir.rollback?.action.kind == .executeCommand, let node = context.rollbackField(view, "command")?.value { nodes.append(("rollback", node)) }
    return nodes
}
