// RB018 review-stamp-outdated: a commit after the `reviewed:` date changed what the runbook runs.
// The history context reads only the commits newer than the stamp.

import RunbookSource

struct ReviewStampOutdatedRule: HistoryRule {
    static let description = RuleDescription(
        id: "RB018", slug: "review-stamp-outdated", category: .history, severity: .warning, scope: .both,
        summary: "a commit changed the runbook's steps after the date in `reviewed:`",
        rationale: """
        `reviewed: 2026-09-01` says a human checked the runbook that day. A later commit that changed \
        its steps — commands, actions, timeouts, rollbacks; not prose or whitespace — is not covered by \
        that review. Review the change and move the stamp forward.
        """,
        triggering: [], nonTriggering: [], requires: .gitHistory)

    func check(_ context: any HistoryContext) throws -> [LintFinding] {
        let todayDay = ReviewAge.day(context.today) ?? 0
        guard let reviewed = context.lint.ir.runbook.reviewed, let reviewedDay = ReviewAge.day(reviewed), reviewedDay <= todayDay,
              let lastChange = context.lastChange, let changeDay = ReviewAge.day(lastChange.date), changeDay > reviewedDay,
              let commit = try context.newestStepsChange(afterDay: reviewedDay) else { return [] }
        return [LintFinding("`reviewed: \(reviewed)` predates \(commit.shortID) (\(commit.date)), which changed the steps",
                            at: context.reviewAnchor, help: "review the change, then set `reviewed:` to the review's date",
                            notes: [DiagnosticNote("\(commit.shortID) by \(commit.author): \(commit.summary)")])]
    }
}
