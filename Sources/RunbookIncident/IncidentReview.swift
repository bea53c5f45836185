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
                    rows.append(Row(time: finished, text: "Run \(link.run) of `\(link.runbook)` ended \(link.status?.rawValue ?? "?")"))
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
            switch event.payload {
            case .runStarted(let fields):
                rows.append(Row(time: time, text: "Run \(state.runID) of `\(state.ir.runbook.name)` (\(state.runbookPath)\(state.commit.map { " @ \($0.prefix(10))" } ?? ""), IR \(state.ir.contentHash.prefix(19))) started by \(fields.user ?? link.startedBy)"))
            case .attemptStarted:
                attempts[step, default: 0] += 1
            case .stepFinished(let fields):
                let count = attempts[step] ?? 1
                let tries = count > 1 ? " after \(count) attempts" : ""
                rows.append(Row(time: time, text: "`\(step)` \(fields.outcome?.rawValue ?? "?")\(tries)\(fields.reason.map { ": \($0)" } ?? "")"))
            case .configChanged(let fields):
                let old = fields.previousPresent == false ? "(absent)" : fields.previousMasked == true || fields.previousSecret == true ? "***" : fields.previous.map(render) ?? "?"
                rows.append(Row(time: time, text: "`\(fields.key ?? "?")`: \(old) → \(fields.value.map(render) ?? "?") (store \(fields.store ?? "default"))"))
            case .approval(let fields):
                rows.append(Row(time: time, text: "`\(step)` \(fields.decision?.rawValue ?? "?") by \(fields.by ?? "?")"))
            case .rollbackFinished(let fields):
                let failed = fields.outcome != .succeeded
                rows.append(Row(time: time, text: "\(failed ? "**Rollback failed**" : "Rolled back"): `\(step)`\(fields.reason.map { " (\($0))" } ?? "")"))
            case .signal(let fields):
                rows.append(Row(time: time, text: "\(fields.signal ?? "signal") received"))
            case .runFinished(let fields):
                rows.append(Row(time: time, text: "Run \(state.runID) ended **\(fields.status?.rawValue ?? "?")**"))
            default:
                continue
            }
        }
        if let why = state.unfinishedExplanation, let last = state.events.last.flatMap({ IncidentClock.date($0.time) }) {
            rows.append(Row(time: last, text: "Run \(state.runID) journal ends here: \(why) (`rbc rollback \(state.runID)`)"))
        }
        return rows
    }

    static func render(_ value: JSONValue) -> String {
        let data = (try? JSONEncoder().encode(value)) ?? Data()
        return "`" + String(decoding: data, as: UTF8.self) + "`"
    }

    /// Steps whose undo failed, per run: the system may be left partly changed.
    static func failedRollbacks(_ state: RunState) -> [String] { state.rollbackFailedSteps }

    /// What a draft says, whoever it is about: an incident with its runs, or one run on its own
    /// (`rbc timeline RUN --format md`). One renderer writes both, in seed 001's template.
    struct Draft {
        var title: String
        var date: Date
        var severity: String
        var duration: String
        /// The line under the header: what the draft is about.
        var context: String
        var summary: String
        var measures: [(String, String)]
        var rows: [Row]
        var runs: [(link: RunLink, state: RunState?)]
        var impact: String?
        var rootCause: String?
        /// The first of the Five Whys, asked of the symptom.
        var firstWhy: String
        /// Time to mitigate and its target, when both are known.
        var mitigation: (seconds: TimeInterval, target: Int)?
    }

    /// The incident's draft: the record and the attached runs' journals.
    public static func markdown(_ incident: Incident, runs: [String: RunState], policy: IncidentPolicy, now: Date) -> String {
        func span(_ from: Date, _ to: Date?) -> String { to.map { IncidentClock.span($0.timeIntervalSince(from)) } ?? "—" }
        let end = incident.resolvedAt ?? now
        let target = policy.mitigationTarget[incident.severity]
        let ttm = incident.mitigatedAt.map { $0.timeIntervalSince(incident.declaredAt) }
        let mitigator = incident.runs.last { run in
            run.status == .succeeded && (incident.mitigatedAt.map { m in (run.finished.flatMap(IncidentClock.date) ?? .distantFuture) <= m } ?? false)
        }
        let summary = """
            \(incident.title) (\(incident.severity.rawValue)): \(incident.impact ?? "[impact: who was affected and how]"). \
            \(mitigator.map { "Mitigated by runbook `\($0.runbook)` (\($0.runbookPath)\($0.commit.map { " @ \($0.prefix(10))" } ?? "")), run \($0.run). " } ?? "")\
            \(incident.rootCause.map { "Root cause: \($0). " } ?? "")\(incident.resolution.map { "Resolution: \($0)." } ?? "")
            """
        return render(Draft(
            title: incident.title, date: incident.declaredAt,
            severity: incident.severity.rawValue + (incident.highestSeverity != incident.severity ? " (highest \(incident.highestSeverity.rawValue))" : ""),
            duration: span(incident.startedAt, end),
            context: "Incident `\(incident.id)`, commander \(incident.commander ?? "not assigned"), \(incident.channel); status **\(incident.status.rawValue)**.\(policy.reviewDueDate(incident).map { " Review due \(IncidentViews.stamp($0))." } ?? "")",
            summary: summary,
            measures: [
                ("Impact started", incident.startedAtGiven ? IncidentViews.stamp(incident.startedAt) : "[not recorded]"),
                ("Time to detect (MTTD)", incident.startedAtGiven ? span(incident.startedAt, incident.detectedAt) : "[unknown: onset not recorded]"),
                ("Time to mitigate (MTTM)", (ttm.map { IncidentClock.span($0) } ?? "not mitigated") + zipTarget(ttm, target)),
                ("Time to recover (MTTR)", incident.resolvedAt.map { IncidentClock.span($0.timeIntervalSince(incident.startedAt)) } ?? "not resolved"),
            ],
            rows: timeline(incident, runs: runs),
            runs: incident.runs.map { ($0, runs[$0.run]) },
            impact: incident.customerImpact ?? incident.impact,
            rootCause: incident.rootCause,
            firstWhy: incident.title.prefix(1).lowercased() + incident.title.dropFirst() + "?",
            mitigation: zip(ttm, target)))
    }

    /// One run's draft, without an incident (`rbc timeline RUN --format md`): the same template,
    /// timeline and sections as an incident's; time to mitigate only when the run succeeded, ending
    /// with the last step `changesSomething` (the lint stage's judgement, passed by the driver).
    public static func markdown(run state: RunState, changesSomething: (StepIR) -> Bool) -> String {
        let link = RunLink(state)
        let document = Timeline.document(state, changesSomething: changesSomething)
        let started = IncidentClock.date(state.started) ?? Date(timeIntervalSince1970: 0)
        let ttm = document.timeToMitigateMs.map { TimeInterval($0) / 1000 }
        let undone = document.stepsRolledBack.count, failed = failedRollbacks(state).count
        let mitigation = ttm.map { IncidentClock.span($0) + " (run start → last change that held)" }
            ?? "not mitigated: the run ended **\(state.status)**\(state.status == .succeeded ? " without changing anything" : "")"
        return render(Draft(
            title: state.ir.runbook.name, date: started, severity: document.severity,
            duration: DurationParser.format(milliseconds: max(state.durationMs, 0)),
            context: (state.authenticationProblem.map { "**The run's journal is not authenticated** (\($0)): what follows is what the file says, not necessarily what rbc did. " } ?? "")
                + "Run \(state.runID) of \(state.runbookPath)\(state.commit.map { " @ \($0.prefix(10))" } ?? ""), ended **\(state.status)**. No incident: `rbc run FILE --incident ID` attaches a run, and `rbc incident review ID` drafts the incident's review from its record and runs.",
            summary: "Runbook `\(state.ir.runbook.name)` ran as \(state.runID) and ended **\(state.status)**: \(document.stepsRun.count) step\(document.stepsRun.count == 1 ? "" : "s") completed"
                + (undone > 0 ? ", \(undone) rolled back" : "") + (failed > 0 ? ", \(failed) rollback\(failed == 1 ? "" : "s") failed" : "") + ".",
            measures: [
                ("Run started", IncidentViews.stamp(started)),
                ("Time to mitigate", mitigation),
                ("Run duration", DurationParser.format(milliseconds: max(state.durationMs, 0))),
            ],
            rows: runRows(state, link: link),
            runs: [(link, state)],
            impact: nil, rootCause: nil,
            firstWhy: "was `\(state.ir.runbook.name)` run?",
            mitigation: nil))
    }

    /// The draft in seed 001's template (Summary, Timeline (UTC), Impact, Root Cause, Five Whys,
    /// Action Items, Lessons Learned), with the runs, their failed rollbacks and the measures.
    static func render(_ draft: Draft) -> String {
        let sameDay = Set(draft.rows.map { IncidentClock.day($0.time) } + [IncidentClock.day(draft.date)]).count <= 1
        func when(_ date: Date) -> String { sameDay ? String(IncidentClock.format(date).dropFirst(11).prefix(8)) : IncidentViews.stamp(date) }
        var out = """
        # Post-Incident Review: \(draft.title)

        **Date**: \(IncidentClock.day(draft.date)) | **Severity**: \(draft.severity) | **Duration**: \(draft.duration) | **Author**: [name]

        \(draft.context)

        ## Summary
        \(draft.summary)
        [Add 2-3 sentences: what happened, the impact, and the resolution.]

        | Measure | Value |
        |---------|-------|

        """
        for (name, value) in draft.measures { out += "| \(name) | \(value) |\n" }
        out += """

        ## Timeline (UTC)
        | Time | Event |
        |------|-------|

        """
        for row in draft.rows { out += "| \(when(row.time)) | \(row.text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")) |\n" }
        out += "\n## Runbooks run\n"
        if draft.runs.isEmpty { out += "No runbook was run with `--incident`.\n" }
        var failed: [(RunLink, [String])] = []
        for (link, state) in draft.runs {
            out += "- `\(link.runbook)` (\(link.runbookPath)\(link.commit.map { " @ \($0.prefix(10))" } ?? ""), IR \(link.contentHash.map { String($0.prefix(19)) } ?? "?")), run \(link.run): **\((state?.status ?? link.status)?.rawValue ?? "unknown")**\(state?.authenticationProblem.map { " — **journal not authenticated** (\($0)): what it says is only what the file says" } ?? "")\n"
            if let state, !failedRollbacks(state).isEmpty { failed.append((link, failedRollbacks(state))) }
        }
        out += "\n## Failed rollbacks\n"
        if failed.isEmpty { out += "None: every rollback that ran succeeded.\n" }
        for (link, steps) in failed {
            out += "- run \(link.run) of `\(link.runbook)`: the undo of \(steps.map { "`\($0)`" }.joined(separator: ", ")) failed; the system may be left partly changed. `rbc rollback \(link.run)` retries exactly what failed. [Say what state was left and how it was repaired.]\n"
        }
        let owners = Dictionary(draft.runs.map { ($0.link.run, $0.state?.ir.runbook.owner.map { "@\($0)" } ?? "[owner]") }) { first, _ in first }
        let rolledBack = draft.runs.filter { ($0.state?.status ?? $0.link.status) == .rolledBack }.map(\.link)
        out += """

        ## Impact
        \(draft.impact.map { "\($0)\n[Add: users affected, revenue/SLA impact, data impact.]" } ?? "[Users affected, duration, revenue/SLA impact, data impact.]")

        ## Root Cause
        \(draft.rootCause ?? "[Detailed technical explanation of what went wrong and why.]")

        ## Five Whys
        1. **Why** \(draft.firstWhy) -> \(draft.rootCause ?? "[answer]")
        2. **Why** [that]? -> [answer]
        3. **Why** [that]? -> [answer]
        4. **Why** [that]? -> [answer]
        5. **Why** [that]? -> [answer]

        ## Action Items
        | Action | Owner | Priority | Due Date | Status |
        |--------|-------|----------|----------|--------|

        """
        for (link, steps) in failed {
            out += "| Fix the rollback of \(steps.map { "`\($0)`" }.joined(separator: ", ")) in \(link.runbookPath) | \(owners[link.run] ?? "[owner]") | High | YYYY-MM-DD | TODO |\n"
        }
        for link in rolledBack {
            out += "| Find why run \(link.run) of \(link.runbookPath) failed and rolled back; update the runbook | \(owners[link.run] ?? "[owner]") | Medium | YYYY-MM-DD | TODO |\n"
        }
        out += "| [action] | [@owner] | [High/Medium/Low] | YYYY-MM-DD | TODO |\n"
        let wentWell = draft.mitigation.map { value in
            Double(value.target) >= value.seconds ? "mitigated in \(IncidentClock.span(value.seconds)), within the \(IncidentClock.span(TimeInterval(value.target))) target; " : ""
        } ?? ""
        out += """

        ## Lessons Learned
        - What went well: \(wentWell)[e.g., quick detection, rapid team assembly]
        - What could improve: \(failed.isEmpty ? "" : "a rollback failed; ")\(rolledBack.isEmpty ? "" : "a runbook run failed and rolled back\(draft.runs.count > 1 ? " before one mitigated" : ""); ")[e.g., rollback automation, test coverage]

        """
        return out
    }

    static func zipTarget(_ value: TimeInterval?, _ target: Int?) -> String {
        guard let target else { return "" }
        guard let value else { return " (target \(IncidentClock.span(TimeInterval(target))))" }
        return " (target \(IncidentClock.span(TimeInterval(target))): \(value <= TimeInterval(target) ? "met" : "missed"))"
    }
}

private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
