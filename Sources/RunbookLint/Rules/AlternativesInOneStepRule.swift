// RB053: alternatives written into one command (`# Option A` … `# Option B` …): a run would do both.

import RunbookSema

struct AlternativesInOneStepRule: LintRule {
    static let description = RuleDescription(
        id: "RB053", slug: "alternatives-in-one-step", category: .safety, severity: .error, scope: .executable,
        summary: "a command holds alternatives (`# Option A` … `# Option B` …) that a run would perform one after the other",
        rationale: """
        Runbooks written for people often offer a choice in one code block: `# Option A: Restart`, then \
        its commands, `# Option B: Rollback`, then others. A person runs one; a shell runs the block top \
        to bottom, so both happen — a restart immediately followed by a rollback. `rbc run` refuses such \
        a step; `rbc run --step` asks which option to run. Split the options into steps of their own \
        (with `when:` conditions on a parameter), or into procedures.
        """,
        triggering: [
            .steps("""
                - id: mitigate
                  action: execute_command
                  command: |
                    # Option A: Restart
                    kubectl rollout restart deployment/order-service
                    ↓#↑ Option B: Rollback
                    kubectl rollout undo deployment/order-service
                  timeout: 5m
                  irreversible: "a restart or rollback is safe to repeat"
            """),
        ],
        nonTriggering: [
            .steps("""
                - id: restart
                  action: execute_command
                  command: |
                    # Option A only: restart (rollback is its own step)
                    kubectl rollout restart deployment/order-service
                  timeout: 5m
                  irreversible: "a restart is safe to repeat"
            """),
        ])

    func check(_ context: LintContext) -> [LintFinding] {
        var findings: [LintFinding] = []
        for view in context.allSteps {
            for (key, node) in commandNodes(view, context) {
                guard let command = node.scalarValue else { continue }
                let options = Alternatives.split(command).options
                guard !options.isEmpty else { continue }
                let labels = options.map { "`\($0.label)`" }.joined(separator: ", ")
                // One finding, where the second option starts: from there on, the run does what the first did not choose.
                for option in options.dropFirst().prefix(1) {
                    let start = command.utf8.index(command.startIndex, offsetBy: option.offset)
                    let lineEnd = command[start...].firstIndex(of: "\n") ?? command.endIndex
                    let hash = command[start..<lineEnd].firstIndex(of: "#") ?? start
                    let from = command.utf8.distance(from: command.startIndex, to: hash)
                    findings.append(LintFinding("the \(key) of \(context.describe(view)) holds alternatives (\(labels)): a run would perform all of them",
                                                at: context.range(in: node, from, from + 1),
                                                help: "split the options into steps (with `when:`) or procedures; `rbc run --step` asks which one to run"))
                }
            }
        }
        return findings
    }
}
