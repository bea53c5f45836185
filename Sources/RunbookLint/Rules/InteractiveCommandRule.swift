// RB008: commands that wait for a terminal cannot run unattended.

struct InteractiveCommandRule: LintRule {
    static let description = RuleDescription(
        id: "RB008", slug: "interactive-command", category: .safety, severity: .error, scope: .executable,
        summary: "an automated step runs an interactive command (an editor, a pager, `top`, `-it`)",
        rationale: """
        Editors (`vi`, `nano`), pagers (`less`, `more`), full-screen tools (`top`, `htop`, `watch`), \
        `kubectl edit`, `exec -it` and a bare `ssh host` wait for a person at a terminal; run by rbc they \
        hang until the timeout. Use the non-interactive form (`kubectl patch`, `top -b -n 1`, \
        `kubectl exec` without `-it`), or make the step `action: manual`.
        """,
        triggering: [
            .steps("""
                - id: edit
                  action: execute_command
                  command: "↓kubectl↑ edit deploy/api"
                  timeout: 5m
                  irreversible: "edits are reviewed"
                - id: look
                  action: execute_command
                  command: "journalctl -u api | ↓less↑"
                  timeout: 1m
            """),
        ],
        nonTriggering: [
            .steps("""
                - id: look
                  action: execute_command
                  command: "journalctl -u api --no-pager | tail -n 100"
                  timeout: 1m
                - id: top
                  action: execute_command
                  command: "top -b -n 1"
                  timeout: 1m
            """),
        ])

    static let interactivePrograms: Set<String> = ["vi", "vim", "nvim", "nano", "emacs", "less", "more", "htop", "watch", "man", "tmux", "screen", "iftop", "iotop"]

    func check(_ context: LintContext) -> [LintFinding] {
        var findings: [LintFinding] = []
        for view in context.allSteps {
            for (key, node) in commandNodes(view, context) {
                guard let command = node.scalarValue else { continue }
                for simple in context.commands(in: command) {
                    guard let first = simple.effective.first, let reason = Self.interactive(simple) else { continue }
                    findings.append(LintFinding("\(reason) in the \(key) of \(context.describe(view)) waits for a terminal",
                                                at: context.range(in: node, first.range.lowerBound, first.range.upperBound),
                                                help: "use a non-interactive form, or make the step `action: manual`"))
                }
            }
        }
        return findings
    }

    static func interactive(_ simple: SimpleCommand) -> String? {
        let program = simple.program
        let arguments = simple.arguments
        if interactivePrograms.contains(program) { return "`\(program)`" }
        if program == "top", !arguments.contains(where: { $0 == "-b" || $0.hasPrefix("-b") }) { return "`top` without `-b`" }
        if program == "kubectl" || program == "oc", arguments.first(where: { !$0.hasPrefix("-") }) == "edit" { return "`\(program) edit`" }
        if ["kubectl", "oc", "docker", "podman"].contains(program), arguments.contains(where: { ["exec", "run", "attach"].contains($0) }),
           arguments.contains(where: { ["-it", "-ti", "--tty", "-t"].contains($0) }) {
            return "`\(program)` with a terminal (`-it`)"
        }
        if program == "ssh", simple.words.count == simple.effective.count {
            // The expansion keeps only `ssh` in `effective` when a remote command follows.
            let hosts = arguments.filter { !$0.hasPrefix("-") }
            if hosts.count <= 1 { return "`ssh` without a remote command" }
        }
        return nil
    }
}
