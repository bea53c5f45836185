// RB019 review-date-in-future: a `reviewed:` stamp later than the check's date (`--now` sets it).

import RunbookSource

struct ReviewDateInFutureRule: HistoryRule {
    static let description = RuleDescription(
        id: "RB019", slug: "review-date-in-future", category: .history, severity: .error, scope: .both,
        summary: "`reviewed:` is a date in the future",
        rationale: """
        A review stamp from the future silences the staleness check for as long as it lies. Write the \
        date the review happened.
        """,
        triggering: [], nonTriggering: [], requires: .gitHistory)

    func check(_ context: any HistoryContext) throws -> [LintFinding] {
        guard let reviewed = context.lint.ir.runbook.reviewed, let age = ReviewAge.of(context), case .reviewStamp = age.basis,
              age.days < 0 else { return [] }
        return [LintFinding("`reviewed: \(reviewed)` is in the future", at: context.reviewAnchor,
                            help: "write the date the review happened (today is \(context.today))")]
    }
}
