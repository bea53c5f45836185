// RB093 malformed-suppression: a suppression naming no known rule or with a bad date (SuppressionContext).

import RunbookSource
import RunbookSyntax

struct UnknownSuppressionRule: SuppressionRule {
    static let description = RuleDescription(
        id: "RB093", slug: "malformed-suppression", category: .suppressions, severity: .error, scope: .both,
        summary: "an `rbc:ignore` comment names no known rule or has a bad date",
        rationale: """
        `rbc:ignore` takes rule ids (`RB001`) or names (`rollback-missing`), an optional \
        `until=YYYY-MM-DD`, and `-- reason`. A typo in the id suppresses nothing and would otherwise go \
        unnoticed.
        """,
        triggering: [.steps("""
                ↓# rbc:ignore RB999 -- no such rule↑
                - id: a
                  action: wait
                  duration: 1s
            """)],
        nonTriggering: [])

    func check(_ context: any SuppressionContext) -> [LintFinding] {
        context.suppressions.compactMap { suppression in
            suppression.malformation.map { problem in
                LintFinding("suppression \(problem)", at: suppression.range,
                            help: "write `rbc:ignore RB001 until=2027-01-31 -- reason`; `rbc rules` lists the ids")
            }
        }
    }
}
