// RB090–RB093: suppressions are themselves checked, so they cannot quietly outlive their reason.

struct UnusedSuppressionRule: LintRule {
    static let description = RuleDescription(
        id: "RB090", slug: "unused-suppression", category: .suppressions, severity: .warning, scope: .both,
        summary: "an `rbc:ignore` comment suppresses nothing",
        rationale: """
        A suppression that matches no finding is noise at best, and at worst hides a future finding \
        nobody reviewed. Remove it (`rbc check --fix` removes one that is a line of its own).
        """,
        triggering: [.steps("""
                ↓# rbc:ignore RB001 -- this step has a rollback after all
                - id: pods
                  action: execute_command
                  command: "kubectl get pods"
                  timeout: 30s
            """)],
        nonTriggering: [.steps("""
                # rbc:ignore RB001 -- restarts are safe and fast to repeat
                - id: restart
                  action: execute_command
                  command: "kubectl rollout restart deploy/api"
                  timeout: 2m
                  expect: {exit_code: 0}
            """)],
        fix: .safe)

    func check(_ context: LintContext) -> [LintFinding] { [] }
}

struct ExpiredSuppressionRule: LintRule {
    static let description = RuleDescription(
        id: "RB091", slug: "expired-suppression", category: .suppressions, severity: .error, scope: .both,
        summary: "an `rbc:ignore … until=DATE` comment has expired",
        rationale: """
        `# rbc:ignore RB005 until=2027-01-31 -- reason` suppresses a finding until a date. After it the \
        suppression no longer applies — the finding is reported again — and the comment itself is \
        reported so it is fixed or renewed on purpose.
        """,
        triggering: [.steps("""
                ↓# rbc:ignore RB001 until=2020-01-31 -- waiting for the undo endpoint
                - id: restart
                  action: execute_command
                  command: "kubectl rollout restart deploy/api"
                  timeout: 2m
                  expect: {exit_code: 0}
            """)],
        nonTriggering: [.steps("""
                # rbc:ignore RB001 until=2999-01-31 -- waiting for the undo endpoint
                - id: restart
                  action: execute_command
                  command: "kubectl rollout restart deploy/api"
                  timeout: 2m
                  expect: {exit_code: 0}
            """)])

    func check(_ context: LintContext) -> [LintFinding] { [] }
}

struct SuppressionWithoutReasonRule: LintRule {
    static let description = RuleDescription(
        id: "RB092", slug: "suppression-without-reason", category: .suppressions, severity: .warning, scope: .both,
        summary: "an `rbc:ignore` comment gives no reason",
        rationale: """
        Write why the finding does not apply after `--`: `# rbc:ignore RB001 -- restarts are idempotent`. \
        The reason is what a reviewer checks, and what tells the next author whether it still holds.
        """,
        triggering: [.steps("""
                ↓# rbc:ignore RB001
                - id: restart
                  action: execute_command
                  command: "kubectl rollout restart deploy/api"
                  timeout: 2m
                  expect: {exit_code: 0}
            """)],
        nonTriggering: [])

    func check(_ context: LintContext) -> [LintFinding] { [] }
}

struct UnknownSuppressionRule: LintRule {
    static let description = RuleDescription(
        id: "RB093", slug: "malformed-suppression", category: .suppressions, severity: .error, scope: .both,
        summary: "an `rbc:ignore` comment names no known rule or has a bad date",
        rationale: """
        `rbc:ignore` takes rule ids (`RB001`) or names (`rollback-missing`), an optional \
        `until=YYYY-MM-DD`, and `-- reason`. A typo in the id suppresses nothing and would otherwise go \
        unnoticed.
        """,
        triggering: [.steps("""
                ↓# rbc:ignore RB999 -- no such rule
                - id: a
                  action: wait
                  duration: 1s
            """)],
        nonTriggering: [])

    func check(_ context: LintContext) -> [LintFinding] { [] }
}
