// What `rbc incident show` and `list` print, and the values seed 001's messages are filled with:
// text for people, Codable rows for `--format json`. Every value from a record is shown on one line
// with its controls escaped (`TerminalText`): a title or a name holding a newline could otherwise
// add a forged `[12:00 UTC] [bob] …` line to the log, a message or the review draft, and an escape
// sequence would steer the terminal.

import Foundation
import RunbookSema
import RunbookSource

public enum IncidentViews {
    /// One line of the scribe's log, seed 002's `[HH:MM UTC] [who] text`.
    public static func logLine(_ event: IncidentEvent) -> String {
        let clock = IncidentClock.date(event.time).map(IncidentClock.clock) ?? event.time
        return "[\(line(clock)) UTC] [\(line(event.by))] \(line(describe(event)))"
    }

    /// What an event says, in a sentence.
    public static func describe(_ event: IncidentEvent) -> String {
        switch event.event {
        case .declared:
            var parts = ["declared \(event.severity?.rawValue ?? "?") incident: \(event.title ?? "")"]
            if let impact = event.impact { parts.append("impact: \(impact)") }
            if let started = event.startedAt { parts.append("impact started \(started)") }
            if let detected = event.detectedAt { parts.append("detected \(detected)") }
            if let alert = event.alert { parts.append("alert \(alert)") }
            if let commander = event.commander { parts.append("commander \(commander)") }
            if let channel = event.channel { parts.append("channel \(channel)") }
            return parts.joined(separator: "; ")
        case .status:
            return "status \(event.previousStatus?.rawValue ?? "?") → \(event.status?.rawValue ?? "?")\(event.reason.map { ": \($0)" } ?? "")"
        case .note:
            return event.text ?? ""
        case .severity:
            return "severity \(event.previousSeverity?.rawValue ?? "?") → \(event.severity?.rawValue ?? "?")\(event.reason.map { ": \($0)" } ?? "")"
        case .update:
            var text = "status update"
            if let status = event.status { text += " (\(status.rawValue))" }
            if let state = event.text { text += ": \(state)" }
            if let next = event.nextSteps { text += "; next: \(next)" }
            return text
        case .runStarted:
            let provenance = "\(event.runbookPath ?? event.runbook ?? "?")\(event.commit.map { " @ \($0.prefix(10))" } ?? "")"
            return "run \(event.run ?? "?") of \(event.runbook ?? "?") (\(provenance)) started"
        case .runFinished:
            return "run \(event.run ?? "?") of \(event.runbook ?? "?") ended \(event.runStatus?.rawValue ?? "?")\(event.reason.map { ": \($0)" } ?? "")"
        case .reviewed:
            return "post-incident review held\(event.review.map { ": \($0)" } ?? "")"
        case .resolved:
            return "resolved\(event.rootCause.map { "; root cause: \($0)" } ?? "")\(event.resolution.map { "; resolution: \($0)" } ?? "")"
        case .messageSent:
            return "\(event.message.flatMap(MessageKind.init).map(\.heading) ?? "message") message \(event.delivery ?? "?")"
        }
    }

    /// `rbc incident show`: the incident in a few lines, then its log.
    public static func show(_ incident: Incident, policy: IncidentPolicy, now: Date) -> String {
        var out = "\(line(incident.id)): \(line(incident.title))\n"
        out += "\(incident.severity.rawValue), \(incident.status.rawValue) (\(incident.status.phase)), commander \(line(incident.commander ?? "not assigned")), \(line(incident.channel))\n"
        let end = incident.resolvedAt ?? now
        let open = IncidentClock.span(end.timeIntervalSince(incident.declaredAt))
        out += "declared \(IncidentClock.format(incident.declaredAt)), "
            + (incident.resolvedAt.map { "resolved \(IncidentClock.format($0)) after \(open)" } ?? "open \(open)") + "\n"
        for warning in warnings(incident, policy: policy, now: now) { out += "! \(warning)\n" }
        out += "\n"
        var day = ""
        for event in incident.events {
            let eventDay = String(event.time.prefix(10))
            if eventDay != day {
                day = eventDay
                out += "— \(line(day)) —\n"
            }
            out += logLine(event) + "\n"
        }
        return out
    }

    /// What needs the commander's attention now: an overdue update, an escalation the seeds call for.
    public static func warnings(_ incident: Incident, policy: IncidentPolicy, now: Date) -> [String] {
        guard incident.isOpen else { return [] }
        var warnings: [String] = []
        let due = policy.nextUpdate(after: incident.lastCommunicationAt, severity: incident.severity)
        if now > due {
            warnings.append("update overdue by \(IncidentClock.span(now.timeIntervalSince(due))) (\(incident.severity.rawValue): every \(policy.cadenceText(incident.severity))): `rbc incident update \(incident.id)`")
        }
        if let rule = policy.escalationDue(incident, now: now) {
            warnings.append("\(incident.severity.rawValue) open \(IncidentClock.span(now.timeIntervalSince(incident.severitySince))) (over \(IncidentClock.span(TimeInterval(rule.afterSeconds)))): escalate to \(rule.to.rawValue) — `rbc incident severity \(incident.id) \(rule.to.rawValue) --reason …`")
        }
        return warnings
    }

    /// One row of `rbc incident list`.
    public struct ListRow: Codable, Sendable {
        public let id: String
        public let title: String
        public let severity: StepSeverity
        public let status: IncidentStatus
        public let commander: String?
        public let declared: String
        public let resolved: String?
        /// Seconds from declaration to resolution, or to now while open.
        public let openSeconds: Int
        public let nextUpdateDue: String?
        public let updateOverdue: Bool
        public let escalateTo: StepSeverity?
        public let warnings: [String]
    }

    public static func row(_ incident: Incident, policy: IncidentPolicy, now: Date) -> ListRow {
        let due = incident.isOpen ? policy.nextUpdate(after: incident.lastCommunicationAt, severity: incident.severity) : nil
        return ListRow(id: incident.id, title: incident.title, severity: incident.severity, status: incident.status, commander: incident.commander,
                       declared: IncidentClock.format(incident.declaredAt), resolved: incident.resolvedAt.map(IncidentClock.format),
                       openSeconds: Int((incident.resolvedAt ?? now).timeIntervalSince(incident.declaredAt)),
                       nextUpdateDue: due.map(IncidentClock.format), updateOverdue: due.map { now > $0 } ?? false,
                       escalateTo: policy.escalationDue(incident, now: now)?.to, warnings: warnings(incident, policy: policy, now: now))
    }

    public static func list(_ rows: [ListRow]) -> String {
        var out = ""
        for row in rows {
            let open = IncidentClock.span(TimeInterval(row.openSeconds))
            out += "\(row.id)  \(row.severity.rawValue)  \(row.status.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0))  \(open.padding(toLength: 7, withPad: " ", startingAt: 0))  \(line(row.title))\n"
            for warning in row.warnings { out += "    ! \(warning)\n" }
        }
        return out
    }

    // MARK: - Messages

    /// The values seed 001's messages are filled with.
    public static func messageValues(_ incident: Incident, policy: IncidentPolicy, now: Date) -> [String: String] {
        let end = incident.resolvedAt ?? now
        return [
            "id": incident.id,
            "severity": incident.severity.rawValue,
            "title": incident.title,
            "impact": incident.impact ?? "being assessed",
            "started": stamp(incident.startedAt) + (incident.startedAtGiven ? "" : " (when detected; onset not yet known)"),
            "detected": stamp(incident.detectedAt),
            "status": incident.status.title,
            "commander": incident.commander ?? "not assigned",
            "channel": incident.channel,
            "alert": incident.alert ?? "none",
            "next_update_in": policy.cadenceText(incident.severity),
            "duration": IncidentClock.span(end.timeIntervalSince(incident.startedAt)),
            "root_cause": incident.rootCause ?? "under investigation",
            "resolution": incident.resolution ?? "",
            "customer_impact": incident.customerImpact ?? incident.impact ?? "being assessed",
            "review_due": policy.reviewDueDate(incident).map(stamp) ?? "none required (\(incident.severity.rawValue))",
        ].mapValues(line)
    }

    /// The values an update's message adds: what the responders say, else what the record shows.
    public static func updateValues(_ incident: Incident, _ update: IncidentEvent) -> [String: String] {
        let lastNote = incident.events.last { $0.event == .note }?.text
        return [
            "current_state": update.text ?? lastNote ?? "\(incident.status.title); no change since the last update",
            "actions_taken": actionsTakenLine(update, incident),
            "next_steps": update.nextSteps ?? defaultNextSteps(incident.status),
        ].mapValues(line)
    }

    /// A record's value on one line, its newlines and terminal controls as escapes.
    static func line(_ text: String) -> String { TerminalText.visible(text, keepingLineBreaks: false) }

    /// Seed 001's "Actions taken: [What has been tried]": `--actions`, then the runs attached; a line that
    /// says so when nothing is recorded yet, so an empty field never reads like a lost value.
    static func actionsTakenLine(_ update: IncidentEvent, _ incident: Incident) -> String {
        let actions = [update.reason, actionsTaken(incident)].compactMap { $0 }.filter { !$0.isEmpty }
        return actions.isEmpty ? noActionsRecorded : actions.joined(separator: "; ")
    }

    /// What an update says under "Actions taken" before anything was tried or run.
    public static let noActionsRecorded = "none recorded yet"

    /// What has been tried, from the runs attached: `rollback-checkout-deploy (rolled back), …`.
    public static func actionsTaken(_ incident: Incident) -> String? {
        guard !incident.runs.isEmpty else { return nil }
        return incident.runs.map { "ran \($0.runbook) (\($0.status.map { $0.rawValue.replacingOccurrences(of: "_", with: " ") } ?? "running"))" }
            .joined(separator: "; ")
    }

    static func defaultNextSteps(_ status: IncidentStatus) -> String {
        switch status {
        case .triage: "assess impact and assign severity"
        case .investigating: "continue investigating: recent changes, logs, hypotheses tested one at a time"
        case .identified: "apply the mitigation"
        case .mitigating: "confirm the mitigation restores service"
        case .mitigated: "monitor for recurrence, then resolve"
        case .resolved: "post-incident review"
        }
    }

    /// `2024-11-15 14:22 UTC`
    public static func stamp(_ date: Date) -> String { "\(IncidentClock.day(date)) \(IncidentClock.clock(date)) UTC" }
}
