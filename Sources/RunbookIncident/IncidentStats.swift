// `rbc stats`: the metrics the seeds say prove incident response works. Per severity: count, MTTD,
// MTTM, MTTR (seed 002's definitions) and the share mitigated within the severity's target; per
// runbook and per runbook commit: runs, success rate, rollback rate, mean duration; reviews overdue.
// The JSON (`rbc.stats/v1`) is a stable interface: `rbc report` and dashboards read it.

import Foundation
import RunbookRuntime
import RunbookSema

public struct IncidentStats: Codable, Sendable {
    public static let schema = "rbc.stats/v1"

    public var schema = IncidentStats.schema
    /// The time the figures were computed for (`--now`), and the start of the window (`--since`).
    public var generated: String
    public var since: String?
    public var incidents: IncidentTotals
    public var bySeverity: [SeverityFigures]
    /// One row per incident in the window, oldest first.
    public var incidentRows: [IncidentRow]
    public var runbooks: [RunbookFigures]
    public var overdueReviews: [OverdueReview]

    public struct IncidentTotals: Codable, Sendable {
        public var total: Int
        public var open: Int
        public var resolved: Int
        /// Records `rbc check` would report (unreadable, or replayed with problems): not counted above.
        public var unreadable: Int
    }

    /// Seed 002: MTTD = detected − impact started; MTTM = declared → service restored (`mitigated`);
    /// MTTR = impact started → resolved. Means in seconds over the incidents where each is known.
    public struct SeverityFigures: Codable, Sendable {
        public var severity: StepSeverity
        public var count: Int
        public var open: Int
        public var mttdSeconds: Int?
        public var mttmSeconds: Int?
        public var mttrSeconds: Int?
        public var mitigationTargetSeconds: Int?
        /// Incidents whose mitigation time is decided against the target: mitigated ones, and open
        /// ones already past the target unmitigated.
        public var measured: Int
        public var withinTarget: Int
        /// withinTarget / measured, four decimals; nil when nothing was measured.
        public var withinTargetShare: Double?
    }

    public struct IncidentRow: Codable, Sendable {
        public var id: String
        public var title: String
        public var severity: StepSeverity
        public var highestSeverity: StepSeverity
        public var status: IncidentStatus
        public var started: String
        public var detected: String
        public var declared: String
        public var mitigated: String?
        public var resolved: String?
        public var timeToDetectSeconds: Int?
        public var timeToMitigateSeconds: Int?
        public var timeToRecoverSeconds: Int?
        public var withinTarget: Bool?
        /// Runs attached, in order; `mitigatedBy` is the last succeeded run before mitigation.
        public var runs: [String]
        public var mitigatedBy: RunReference?
        public var reviewDue: String?
        public var reviewed: String?
    }

    public struct RunReference: Codable, Sendable {
        public var run: String
        public var runbook: String
        public var runbookPath: String
        public var commit: String?
    }

    public struct RunFigures: Codable, Sendable {
        public var runs: Int
        public var succeeded: Int
        public var rolledBack: Int
        public var rollbackFailed: Int
        /// halted, completed_with_failures
        public var otherFailures: Int
        /// The journal has no end (killed), or the run was interrupted.
        public var interrupted: Int
        /// succeeded / runs, four decimals.
        public var successRate: Double
        /// (rolled_back + rollback_failed) / runs, four decimals.
        public var rollbackRate: Double
        /// Over runs that ended; nil when none did.
        public var meanDurationSeconds: Double?
    }

    public struct CommitFigures: Codable, Sendable {
        public var commit: String
        public var figures: RunFigures
    }

    public struct RunbookFigures: Codable, Sendable {
        public var runbook: String
        public var path: String
        public var figures: RunFigures
        /// Per runbook commit, oldest run first; runs of an uncommitted runbook are under `uncommitted`.
        public var commits: [CommitFigures]
    }

    public struct OverdueReview: Codable, Sendable {
        public var incident: String
        public var severity: StepSeverity
        public var resolved: String
        public var due: String
        public var overdueSeconds: Int
    }

    /// The figures for incidents declared, and runs started, at or after `since`.
    public static func compute(incidents all: [Incident], unreadable: Int, runs allRuns: [RunState], policy: IncidentPolicy,
                               since: Date?, now: Date) -> IncidentStats {
        func inWindow(_ date: Date?) -> Bool { since.map { start in date.map { $0 >= start } ?? false } ?? true }
        let incidents = all.filter { inWindow($0.declaredAt) }
        let runs = allRuns.filter { !$0.dryRun && inWindow(IncidentClock.date($0.started)) }
        var rows: [IncidentRow] = []
        for incident in incidents {
            let ttm = incident.mitigatedAt.map { Int($0.timeIntervalSince(incident.declaredAt)) }
            let target = policy.mitigationTarget[incident.severity]
            var within: Bool?
            if let ttm, let target { within = ttm <= target }
            else if let target, incident.isOpen, now.timeIntervalSince(incident.declaredAt) > TimeInterval(target) { within = false }
            let mitigator = incident.runs.last { run in
                run.status == .succeeded
                    && (incident.mitigatedAt.map { end in (run.finished.flatMap(IncidentClock.date) ?? .distantFuture) <= end } ?? false)
            }
            rows.append(IncidentRow(
                id: incident.id, title: incident.title, severity: incident.severity, highestSeverity: incident.highestSeverity, status: incident.status,
                started: IncidentClock.format(incident.startedAt), detected: IncidentClock.format(incident.detectedAt),
                declared: IncidentClock.format(incident.declaredAt), mitigated: incident.mitigatedAt.map(IncidentClock.format),
                resolved: incident.resolvedAt.map(IncidentClock.format),
                timeToDetectSeconds: incident.startedAtGiven ? Int(incident.detectedAt.timeIntervalSince(incident.startedAt)) : nil,
                timeToMitigateSeconds: ttm,
                timeToRecoverSeconds: incident.resolvedAt.map { Int($0.timeIntervalSince(incident.startedAt)) },
                withinTarget: within, runs: incident.runs.map(\.run),
                mitigatedBy: mitigator.map { RunReference(run: $0.run, runbook: $0.runbook, runbookPath: $0.runbookPath, commit: $0.commit) },
                reviewDue: policy.reviewDueDate(incident).map(IncidentClock.format), reviewed: incident.reviewedAt.map(IncidentClock.format)))
        }
        let bySeverity = StepSeverity.allCases.compactMap { severity -> SeverityFigures? in
            let group = rows.filter { $0.severity == severity }
            guard !group.isEmpty else { return nil }
            let measured = group.compactMap(\.withinTarget)
            let within = measured.filter { $0 }.count
            return SeverityFigures(severity: severity, count: group.count, open: group.filter { $0.status != .resolved }.count,
                                   mttdSeconds: mean(group.compactMap(\.timeToDetectSeconds)),
                                   mttmSeconds: mean(group.compactMap(\.timeToMitigateSeconds)),
                                   mttrSeconds: mean(group.compactMap(\.timeToRecoverSeconds)),
                                   mitigationTargetSeconds: policy.mitigationTarget[severity], measured: measured.count, withinTarget: within,
                                   withinTargetShare: measured.isEmpty ? nil : share(within, measured.count))
        }
        var runbooks: [RunbookFigures] = []
        for path in Set(runs.map(\.runbookPath)).sorted() {
            let group = runs.filter { $0.runbookPath == path }.sorted { $0.started < $1.started }
            var commits: [CommitFigures] = []
            for run in group where !commits.contains(where: { $0.commit == (run.commit ?? "uncommitted") }) {
                let commit = run.commit ?? "uncommitted"
                commits.append(CommitFigures(commit: commit, figures: figures(group.filter { ($0.commit ?? "uncommitted") == commit })))
            }
            runbooks.append(RunbookFigures(runbook: group.last?.ir.runbook.name ?? path, path: path, figures: figures(group), commits: commits))
        }
        let overdue = incidents.compactMap { incident -> OverdueReview? in
            guard incident.reviewedAt == nil, let due = policy.reviewDueDate(incident), now > due, let resolved = incident.resolvedAt else { return nil }
            return OverdueReview(incident: incident.id, severity: incident.severity, resolved: IncidentClock.format(resolved),
                                 due: IncidentClock.format(due), overdueSeconds: Int(now.timeIntervalSince(due)))
        }
        return IncidentStats(generated: IncidentClock.format(now), since: since.map(IncidentClock.format),
                             incidents: IncidentTotals(total: incidents.count, open: incidents.filter(\.isOpen).count,
                                                       resolved: incidents.filter { !$0.isOpen }.count, unreadable: unreadable),
                             bySeverity: bySeverity, incidentRows: rows, runbooks: runbooks, overdueReviews: overdue)
    }

    static func figures(_ runs: [RunState]) -> RunFigures {
        func count(_ statuses: [RunStatus]) -> Int { runs.filter { statuses.contains($0.status) }.count }
        let succeeded = count([.succeeded])
        let rolledBack = count([.rolledBack])
        let rollbackFailed = count([.rollbackFailed])
        let interrupted = runs.filter { $0.finished == nil || $0.status == .interrupted }.count
        let ended = runs.filter { $0.finished != nil }
        let durations = ended.map { Double($0.durationMs) / 1000 }
        return RunFigures(runs: runs.count, succeeded: succeeded, rolledBack: rolledBack, rollbackFailed: rollbackFailed,
                          otherFailures: runs.count - succeeded - rolledBack - rollbackFailed - interrupted, interrupted: interrupted,
                          successRate: share(succeeded, runs.count) ?? 0, rollbackRate: share(rolledBack + rollbackFailed, runs.count) ?? 0,
                          meanDurationSeconds: durations.isEmpty ? nil : (durations.reduce(0, +) / Double(durations.count) * 10).rounded() / 10)
    }

    static func mean(_ values: [Int]) -> Int? {
        values.isEmpty ? nil : Int((Double(values.reduce(0, +)) / Double(values.count)).rounded())
    }

    static func share(_ part: Int, _ whole: Int) -> Double? {
        whole == 0 ? nil : (Double(part) / Double(whole) * 10_000).rounded() / 10_000
    }

    // MARK: - Text

    /// `rbc stats` for people: the same figures as the JSON, as tables.
    public func text() -> String {
        var out = "Incidents\(since.map { " declared since \($0)" } ?? ""): \(incidents.total) (\(incidents.open) open, \(incidents.resolved) resolved)"
        out += incidents.unreadable > 0 ? "; \(incidents.unreadable) unreadable (`rbc check`)\n" : "\n"
        func span(_ seconds: Int?) -> String { seconds.map { IncidentClock.span(TimeInterval($0)) } ?? "—" }
        if !bySeverity.isEmpty {
            out += "\n| Severity | Count | Open | MTTD | MTTM | MTTR | Mitigated within target |\n|---|---|---|---|---|---|---|\n"
            for row in bySeverity {
                let target = "\(row.withinTarget)/\(row.measured)\(row.withinTargetShare.map { " (\(Int(($0 * 100).rounded()))%)" } ?? "") of \(span(row.mitigationTargetSeconds))"
                out += "| \(row.severity.rawValue) | \(row.count) | \(row.open) | \(span(row.mttdSeconds)) | \(span(row.mttmSeconds)) | \(span(row.mttrSeconds)) | \(target) |\n"
            }
        }
        out += "\nRunbook runs\(since.map { " since \($0)" } ?? ""): \(runbooks.map(\.figures.runs).reduce(0, +))\n"
        if !runbooks.isEmpty {
            out += "\n| Runbook | Commit | Runs | Success | Rollback | Mean duration |\n|---|---|---|---|---|---|\n"
            func percent(_ value: Double) -> String { "\(Int((value * 100).rounded()))%" }
            func line(_ name: String, _ commit: String, _ figures: RunFigures) -> String {
                "| \(name) | \(commit) | \(figures.runs) | \(percent(figures.successRate)) | \(percent(figures.rollbackRate)) | \(figures.meanDurationSeconds.map { IncidentClock.span($0) } ?? "—") |\n"
            }
            for runbook in runbooks {
                out += line("\(runbook.runbook) (\(runbook.path))", "all", runbook.figures)
                for commit in runbook.commits { out += line("", String(commit.commit.prefix(10)), commit.figures) }
            }
        }
        if !overdueReviews.isEmpty {
            out += "\nPost-incident reviews overdue:\n"
            for review in overdueReviews {
                out += "- \(review.incident) (\(review.severity.rawValue)): due \(review.due), overdue by \(IncidentClock.span(TimeInterval(review.overdueSeconds)))\n"
            }
        }
        return out
    }
}
