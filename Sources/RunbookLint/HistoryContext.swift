// What the rules about a runbook's history (RB017–RB021) read: facts a git walk found about one
// file. The driver gathers them for every file in one walk (RunbookDriver/GitChecks); the rules, each
// in its own file, decide what the facts mean.

import Foundation
import RunbookSema
import RunbookSource

/// A commit as the history rules see it, copied out of git.
public struct HistoryCommit: Sendable, Equatable {
    public let id: String
    public let shortID: String
    /// The commit's UTC day, YYYY-MM-DD.
    public let date: String
    /// Committer time, seconds since 1970.
    public let time: Int64
    public let author: String
    public let summary: String

    public init(id: String, shortID: String, date: String, time: Int64, author: String, summary: String) {
        self.id = id
        self.shortID = shortID
        self.date = date
        self.time = time
        self.author = author
        self.summary = summary
    }
}

/// Where a runbook's working file stands against HEAD.
public enum WorkingState: Sendable, Equatable { case clean, modified, untracked, unknown }

/// Where a piece of a runbook's text last changed.
public enum TextOrigin: Sendable, Equatable {
    case uncommitted
    case commit(HistoryCommit)

    public var describe: String {
        switch self {
        case .uncommitted: "uncommitted changes"
        case .commit(let info): "\(info.shortID) (\(info.date))"
        }
    }
}

/// How often runbooks must be reviewed: `review:` in `.rbc.yaml`.
public struct ReviewSettings: Sendable {
    public var maxAgeDays = 90
    /// P0 and P1 runbooks rot faster than anything else is allowed to.
    public var maxAgeCriticalDays = 30

    public init() {}
}

/// One runbook's history, as a git walk found it.
public protocol HistoryContext {
    var lint: LintContext { get }
    /// The file's path inside its repository.
    var relativePath: String { get }
    var state: WorkingState { get }
    /// The last commit that changed the file; nil when none did.
    var lastChange: HistoryCommit? { get }
    /// YYYY-MM-DD.
    var today: String { get }
    /// Inside a pre-commit hook the runbooks are being committed: uncommitted is their normal state.
    var beingCommitted: Bool { get }
    var review: ReviewSettings { get }
    /// Where the lines (as `HistoryRule.watchedTexts` named them) last changed: the newest commit
    /// before which not all of them were in the file, or the working tree; nil when unknown.
    func origin(of lines: [String]) -> TextOrigin?
    /// The newest commit after the UTC day `day` (days since 1970) that changed what the runbook
    /// runs (not only its prose); nil when none did.
    func newestStepsChange(afterDay day: Int) throws -> HistoryCommit?
}

/// A rule over a runbook's history. `throws` is for git failing, never for what the runbook says.
public protocol HistoryRule: DescribedRule {
    /// Texts whose last change the history walk must find (each a list of source lines); most rules need none.
    func watchedTexts(_ context: LintContext) -> [[String]]
    func check(_ context: any HistoryContext) throws -> [LintFinding]
}

extension HistoryRule {
    public func watchedTexts(_ context: LintContext) -> [[String]] { [] }
}

/// How long ago a runbook was last reviewed, against how often it must be: RB017, RB019 and the
/// report read the same answer.
public struct ReviewAge: Sendable, Equatable {
    public enum Basis: Sendable, Equatable {
        /// `reviewed: DATE` in the runbook.
        case reviewStamp(String)
        /// Nobody stamped a review: the last commit that changed the file counts as one.
        case lastChange(HistoryCommit)

        public var describe: String {
            switch self {
            case .reviewStamp(let date): "reviewed on \(date)"
            case .lastChange(let commit): "last changed on \(commit.date) (\(commit.shortID))"
            }
        }

        /// The date the age counts from (YYYY-MM-DD).
        public var date: String {
            switch self {
            case .reviewStamp(let date): date
            case .lastChange(let commit): commit.date
            }
        }
    }

    public let basis: Basis
    /// Days from the review to today; negative for a review date in the future.
    public let days: Int
    /// The review interval: `review_every`, else `.rbc.yaml`'s `review:` for the severity.
    public let maxAgeDays: Int

    public var isStale: Bool { days >= 0 && days > maxAgeDays }

    /// The review interval of a runbook in days: its own `review_every`, else the configured one
    /// (shorter for P0 and P1).
    public static func intervalDays(_ ir: RunbookIR, review: ReviewSettings) -> Int {
        let critical = ir.runbook.severity == .p0 || ir.runbook.severity == .p1
        return ir.runbook.reviewEveryMs.map { $0 / 86_400_000 } ?? (critical ? review.maxAgeCriticalDays : review.maxAgeDays)
    }

    /// The review age of a runbook given its last change; nil when it has neither a review stamp
    /// nor a commit.
    public static func of(_ ir: RunbookIR, lastChange: HistoryCommit?, todayDay: Int, review: ReviewSettings) -> ReviewAge? {
        let basis: Basis
        let basisDay: Int
        if let reviewed = ir.runbook.reviewed, let reviewedDay = day(reviewed) {
            (basis, basisDay) = (.reviewStamp(reviewed), reviewedDay)
        } else if let lastChange, let changeDay = day(lastChange.date) {
            (basis, basisDay) = (.lastChange(lastChange), changeDay)
        } else {
            return nil
        }
        return ReviewAge(basis: basis, days: todayDay - basisDay, maxAgeDays: intervalDays(ir, review: review))
    }

    /// The review age a history context shows.
    public static func of(_ context: any HistoryContext) -> ReviewAge? {
        of(context.lint.ir, lastChange: context.lastChange, todayDay: day(context.today) ?? 0, review: context.review)
    }

    /// Days since 1970-01-01 of a YYYY-MM-DD date (UTC).
    public static func day(_ text: String) -> Int? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        guard let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])) else { return nil }
        return Int(date.timeIntervalSince1970 / 86_400)
    }
}

extension HistoryContext {
    /// Where findings about the review go: the `reviewed:` value, else the runbook's header.
    public var reviewAnchor: SourceRange {
        lint.syntax.metadata["reviewed"]?.value.range ?? lint.syntax.headerRange
    }
}
