// RB005: after a change, something checks that it worked.

import RunbookSema

struct VerificationMissingRule: LintRule {
    static let description = RuleDescription(
        id: "RB005", slug: "verification-missing", category: .verification, severity: .warning, scope: .executable,
        summary: "a change is not followed by a check, or the runbook ends without verification",
        rationale: """
        "Provide verification after each step; do not proceed blindly." A step that changes something \
        either says what success looks like (`expect:` an exit code, an output pattern, an HTTP status) \
        or is followed by a step that checks: a read-only command, an HTTP `GET`, or a manual check. \
        A runbook that ends with a change ends without knowing whether it helped.
        """,
        triggering: [
            .steps("""
                - id: ↓restart↑
                  action: execute_command
                  command: "kubectl rollout restart deploy/api"
                  timeout: 2m
                  irreversible: "restarts are safe to repeat"
                - id: tell
                  action: send_notification
                  channel: "#ops"
                  message: "restarted"
            """),
        ],
        nonTriggering: [
            .steps("""
                - id: restart
                  action: execute_command
                  command: "kubectl rollout restart deploy/api"
                  timeout: 2m
                  irreversible: "restarts are safe to repeat"
                - id: status
                  action: execute_command
                  command: "kubectl rollout status deploy/api --timeout=5m"
                  timeout: 6m
                - id: scale
                  action: execute_command
                  command: "kubectl scale deploy/api --replicas=6"
                  timeout: 1m
                  irreversible: "scaling up is harmless"
                  expect: {exit_code: 0, output: "scaled"}
            """),
        ])

    func check(_ context: LintContext) -> [LintFinding] {
        var findings: [LintFinding] = []
        for sequence in context.sequences {
            // Each step is classified once and "is there a later check / change" is read from suffix flags:
            // rescanning the rest of the sequence for every change made this quadratic (16,000 steps: minutes).
            let isChange = sequence.map { context.isChange($0.ir) }
            let isCheck = sequence.map { context.isCheck($0.ir) }
            var checkAfter = [Bool](repeating: false, count: sequence.count + 1)
            var changeAfter = [Bool](repeating: false, count: sequence.count + 1)
            for index in stride(from: sequence.count - 1, through: 0, by: -1) {
                checkAfter[index] = checkAfter[index + 1] || isCheck[index]
                changeAfter[index] = changeAfter[index + 1] || isChange[index]
            }
            for (index, view) in sequence.enumerated() where isChange[index] && !StepClassification.hasExpect(view.ir) {
                guard !checkAfter[index + 1] else { continue }
                let isLast = !changeAfter[index + 1]
                let whole = view.procedure.map { "procedure `\($0)`" } ?? "the runbook"
                findings.append(LintFinding(
                    isLast ? "\(whole) ends with \(context.describe(view)), a change nothing verifies"
                        : "nothing verifies \(context.describe(view)) after it changes the system",
                    at: view.anchor,
                    help: context.hint(yaml: "add `expect:` to the step, or a later read-only step that checks the result",
                                      markdown: "add `**Expected**: `text`` to the step, or a later step under `## Verification` that checks the result")))
            }
        }
        return findings
    }
}
