// `rbc incident review ID`: the post-incident review draft in seed 001's template, with everything the
// record and the attached runs' journals know filled in, and what only people know left as marked
// prompts. The timeline merges incident events and journal events: one row per step outcome (attempts
// grouped), config changes as old → new, rollbacks and failed rollbacks, all with their date.

import Foundation
import RunbookRuntime
import RunbookSema

public enum IncidentReview {
    public struct Row: Sendable {
        public let time: Date
        public let text: String
    }

    /// The merged timeline: incident events, then every attached run's journal, in time order.
    public static func timeline(_ incident: Incident, runs: [String: RunState]) -> [Row] {
        var rows: [Row] = []
        if incident.startedAtGiven { rows.append(Row(time: incident.startedAt, text: "Impact started")) }
        if incident.detectedAtGiven {
            rows.append(Row(time: incident.detectedAt, text: incident.alert.map { "Alert fires: \($0)" } ?? "Detected"))
        }
        for event in incident.events {
            guard let time = IncidentClock.date(event.time) else { continue }
            switch event.event {
            case .messageSent, .runStarted, .runFinished: continue
            case .declared: rows.append(Row(time: time, text: "\(event.severity?.rawValue ?? "?") declared by \(event.by), \(event.channel ?? "")"))
            default: rows.append(Row(time: time, text: "[\(event.by)] \(IncidentViews.describe(event))"))
            }
        }
        for link in incident.runs {
            guard let state = runs[link.run] else {
                if let time = IncidentClock.date(link.started) {
                    rows.append(Row(time: time, text: "Run \(link.run) of `\(link.runbook)` started (journal not found)"))
                }
                if let finished = link.finished.flatMap(IncidentClock.date) {
                    rows.append(Row(time: finished, text: "Run \(link.run) of `\(link.runbook)` ended \(link.status ?? "?")"))
                }
                continue
            }
            rows += runRows(state, link: link)
        }
        return rows.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
    }

    /// A run's journal as a reader wants it: attempts grouped into the step's outcome, config changes
    /// with their old and new values, rollbacks, failed rollbacks.
    static func runRows(_ state: RunState, link: RunLink) -> [Row] {
        var rows: [Row] = []
        var attempts: [String: Int] = [:]
        for event in state.events {
            guard let time = IncidentClock.date(event.time) else { continue }
            let step = event.step ?? ""
            switch event.event {
            case .runStarted:
                rows.append(Row(time: time, text: "Run \(state.runID) of `\(state.ir.runbook.name)` (\(state.runbookPath)\(state.commit.map { " @ \($0.prefix(10))" } ?? ""), IR \(state.ir.contentHash.prefix(19))) started by \(event.user ?? link.startedBy)"))
            case .attemptStarted:
                attempts[step, default: 0] += 1
            case .stepFinished:
                let count = attempts[step] ?? 1
                let tries = count > 1 ? " after \(count) attempts" : ""
                rows.append(Row(time: time, text: "`\(step)` \(event.outcome?.rawValue ?? "?")\(tries)\(event.reason.map { ": \($0)" } ?? "")"))
            case .configChanged:
                let old = event.previousPresent == false ? "(absent)" : event.previousMasked == true ? "***" : event.previous.map(render) ?? "?"
                rows.append(Row(time: time, text: "`\(event.key ?? "?")`: \(old) → \(event.value.map(render) ?? "?") (store \(event.store ?? "default"))"))
            case .approval:
                rows.append(Row(time: time, text: "`\(step)` \(event.decision ?? "?") by \(event.by ?? "?")"))
            case .rollbackFinished:
                let failed = event.outcome != .succeeded
                rows.append(Row(time: time, text: "\(failed ? "**Rollback failed**" : "Rolled back"): `\(step)`\(event.reason.map { " (\($0))" } ?? "")"))
            case .signal:
                rows.append(Row(time: time, text: "\(event.signal ?? "signal") received"))
            case .runFinished:
                rows.append(Row(time: time, text: "Run \(state.runID) ended **\(event.status ?? "?")**"))
            default:
                continue
            }
        }
        if state.finished == nil, let last = state.events.last.flatMap({ IncidentClock.date($0.time) }) {
            rows.append(Row(time: last, text: "Run \(state.runID) journal ends here: rbc was killed (`rbc rollback \(state.runID)`)"))
        }
        return rows
    }

    static func render(_ value: JSONValue) -> String {
        let data = (try? JSONEncoder().encode(value)) ?? Data()
        return "`" + String(decoding: data, as: UTF8.self) + "`"
    }

    /// Steps whose undo failed, per run: the system may be left partly changed.
    static func failedRollbacks(_ state: RunState) -> [String] {
        state.events.filter { $0.event == .rollbackFinished && $0.outcome != .succeeded }.compactMap(\.step)
            .filter { !state.undone.contains($0) }
    }

    /// The draft, in seed 001's template.
    public static func markdown(_ incident: Incident, runs: [String: RunState], policy: IncidentPolicy, now: Date) -> String {
        let rows = timeline(incident, runs: runs)
        let sameDay = Set(rows.map { IncidentClock.day($0.time) }).count <= 1
        func when(_ date: Date) -> String { sameDay ? String(IncidentClock.format(date).dropFirst(11).prefix(8)) : IncidentViews.stamp(date) }
        func span(_ from: Date, _ to: Date?) -> String { to.map { IncidentClock.span($0.timeIntervalSince(from)) } ?? "—" }
        let end = incident.resolvedAt ?? now
        let target = policy.mitigationTarget[incident.severity]
        let ttm = incident.mitigatedAt.map { $0.timeIntervalSince(incident.declaredAt) }
        let mitigator = incident.runs.last { run in
            run.status == RunStatus.succeeded.rawValue && (incident.mitigatedAt.map { m in (run.finished.flatMap(IncidentClock.date) ?? .distantFuture) <= m } ?? false)
        }
        var out = """
        # Post-Incident Review: \(incident.title)

        **Date**: \(IncidentClock.day(incident.declaredAt)) | **Severity**: \(incident.severity.rawValue)\(incident.highestSeverity != incident.severity ? " (highest \(incident.highestSeverity.rawValue))" : "") | **Duration**: \(span(incident.startedAt, end)) | **Author**: [name]

        Incident `\(incident.id)`, commander \(incident.commander ?? "not assigned"), \(incident.channel); status **\(incident.status.rawValue)**.\(policy.reviewDueDate(incident).map { " Review due \(IncidentViews.stamp($0))." } ?? "")

        ## Summary
        \(incident.title) (\(incident.severity.rawValue)): \(incident.impact ?? "[impact: who was affected and how]"). \
        \(mitigator.map { "Mitigated by runbook `\($0.runbook)` (\($0.runbookPath)\($0.commit.map { " @ \($0.prefix(10))" } ?? "")), run \($0.run). " } ?? "")\
        \(incident.rootCause.map { "Root cause: \($0). " } ?? "")\(incident.resolution.map { "Resolution: \($0)." } ?? "")
        [Add 2-3 sentences: what happened, the impact, and the resolution.]

        | Measure | Value |
        |---------|-------|
        | Impact started | \(incident.startedAtGiven ? IncidentViews.stamp(incident.startedAt) : "[not recorded]") |
        | Time to detect (MTTD) | \(incident.startedAtGiven ? span(incident.startedAt, incident.detectedAt) : "[unknown: onset not recorded]") |
        | Time to mitigate (MTTM) | \(ttm.map { IncidentClock.span($0) } ?? "not mitigated")\(zipTarget(ttm, target)) |
        | Time to recover (MTTR) | \(incident.resolvedAt.map { IncidentClock.span($0.timeIntervalSince(incident.startedAt)) } ?? "not resolved") |

        ## Timeline (UTC)
        | Time | Event |
        |------|-------|

        """
        for row in rows { out += "| \(when(row.time)) | \(row.text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")) |\n" }
        out += "\n## Runbooks run\n"
        if incident.runs.isEmpty { out += "No runbook was run with `--incident`.\n" }
        var failed: [(RunLink, [String])] = []
        for link in incident.runs {
            let state = runs[link.run]
            out += "- `\(link.runbook)` (\(link.runbookPath)\(link.commit.map { " @ \($0.prefix(10))" } ?? ""), IR \(link.contentHash.map { String($0.prefix(19)) } ?? "?")), run \(link.run): **\(state?.status ?? link.status ?? "unknown")**\n"
            if let state, !failedRollbacks(state).isEmpty { failed.append((link, failedRollbacks(state))) }
        }
        out += "\n## Failed rollbacks\n"
        if failed.isEmpty { out += "None: every rollback that ran succeeded.\n" }
        for (link, steps) in failed {
            out += "- run \(link.run) of `\(link.runbook)`: the undo of \(steps.map { "`\($0)`" }.joined(separator: ", ")) failed; the system may be left partly changed. `rbc rollback \(link.run)` retries exactly what failed. [Say what state was left and how it was repaired.]\n"
        }
        out += """

        ## Impact
        \((incident.customerImpact ?? incident.impact).map { "\($0)\n[Add: users affected, revenue/SLA impact, data impact.]" } ?? "[Users affected, duration, revenue/SLA impact, data impact.]")

        ## Root Cause
        \(incident.rootCause ?? "[Detailed technical explanation of what went wrong and why.]")

        ## Five Whys
        1. **Why** \(incident.title.prefix(1).lowercased() + incident.title.dropFirst())? -> \(incident.rootCause ?? "[answer]")
        2. **Why** [that]? -> [answer]
        3. **Why** [that]? -> [answer]
        4. **Why** [that]? -> [answer]
        5. **Why** [that]? -> [answer]

        ## Action Items
        | Action | Owner | Priority | Due Date | Status |
        |--------|-------|----------|----------|--------|

        """
        for (link, steps) in failed {
            let owner = runs[link.run]?.ir.runbook.owner.map { "@\($0)" } ?? "[owner]"
            out += "| Fix the rollback of \(steps.map { "`\($0)`" }.joined(separator: ", ")) in \(link.runbookPath) | \(owner) | High | YYYY-MM-DD | TODO |\n"
        }
        for link in incident.runs where link.status == RunStatus.rolledBack.rawValue {
            let owner = runs[link.run]?.ir.runbook.owner.map { "@\($0)" } ?? "[owner]"
            out += "| Find why run \(link.run) of \(link.runbookPath) failed and rolled back; update the runbook | \(owner) | Medium | YYYY-MM-DD | TODO |\n"
        }
        out += "| [action] | [@owner] | [High/Medium/Low] | YYYY-MM-DD | TODO |\n"
        out += """

        ## Lessons Learned
        - What went well: \(ttm.map { value in target.map { Double($0) >= value ? "mitigated in \(IncidentClock.span(value)), within the \(IncidentClock.span(TimeInterval($0))) target; " : "" } ?? "" } ?? "")[e.g., quick detection, rapid team assembly]
        - What could improve: \(failed.isEmpty ? "" : "a rollback failed; ")\(incident.runs.contains { $0.status == RunStatus.rolledBack.rawValue } ? "a runbook run failed and rolled back before one mitigated; " : "")[e.g., rollback automation, test coverage]

        """
        return out
    }

    static func zipTarget(_ value: TimeInterval?, _ target: Int?) -> String {
        guard let target else { return "" }
        guard let value else { return " (target \(IncidentClock.span(TimeInterval(target))))" }
        return " (target \(IncidentClock.span(TimeInterval(target))): \(value <= TimeInterval(target) ? "met" : "missed"))"
    }
}
