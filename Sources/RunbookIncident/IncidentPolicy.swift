// What the seeds set per severity: how often stakeholders hear (seed 001's update cadence), how soon
// service must be restored (seed 002's mitigation targets), when an open incident should be escalated
// (seed 001's escalation rules) and when its post-incident review is due. `.rbc.yaml` may change each.

import Foundation
import RunbookRuntime
import RunbookSema

public struct IncidentPolicy: Sendable {
    /// Seconds between status updates: P0 every 15 minutes, P1 every 30, P2 every 2 hours, P3 daily.
    public var updateCadence: [StepSeverity: Int] = [.p0: 900, .p1: 1_800, .p2: 7_200, .p3: 86_400]
    /// Seconds from declaration to service restored: SEV1 (P0) 30 minutes, SEV2 (P1) 2 hours,
    /// SEV3 (P2) 24 hours, SEV4 (P3) a week.
    public var mitigationTarget: [StepSeverity: Int] = [.p0: 1_800, .p1: 7_200, .p2: 86_400, .p3: 604_800]
    /// An open incident held at a severity this long should be escalated: P2 after 4 hours to P1,
    /// P1 after 2 hours to P0.
    public var escalation: [StepSeverity: Escalation] = [.p2: Escalation(afterSeconds: 14_400, to: .p1),
                                                         .p1: Escalation(afterSeconds: 7_200, to: .p0)]
    /// Seconds from resolution to the post-incident review: 48 hours for P0 and P1, a week for P2;
    /// none required for P3.
    public var reviewDue: [StepSeverity: Int] = [.p0: 172_800, .p1: 172_800, .p2: 604_800]
    /// Seconds to watch for recurrence between service restored and resolved: 15 minutes for P0 and
    /// P1, 30 for P2 (seed 001's "Verify the Fix"); none asked for P3.
    public var monitoring: [StepSeverity: Int] = [.p0: 900, .p1: 900, .p2: 1_800]

    public struct Escalation: Sendable, Equatable {
        public var afterSeconds: Int
        public var to: StepSeverity

        public init(afterSeconds: Int, to: StepSeverity) {
            self.afterSeconds = afterSeconds
            self.to = to
        }
    }

    public init() {}

    /// When the next update is due after a communication at `time`.
    public func nextUpdate(after time: Date, severity: StepSeverity) -> Date {
        time.addingTimeInterval(TimeInterval(updateCadence[severity] ?? 86_400))
    }

    /// `15 minutes`, `2 hours`, `24 hours`: the cadence as seed 001's "Next update in …" says it.
    public func cadenceText(_ severity: StepSeverity) -> String {
        let seconds = updateCadence[severity] ?? 86_400
        if seconds % 3_600 == 0 { return seconds == 3_600 ? "1 hour" : "\(seconds / 3_600) hours" }
        if seconds % 60 == 0 { return seconds == 60 ? "1 minute" : "\(seconds / 60) minutes" }
        return "\(seconds) seconds"
    }

    /// The escalation an open incident is due for at `now`, if any.
    public func escalationDue(_ incident: Incident, now: Date) -> Escalation? {
        guard incident.isOpen, let rule = escalation[incident.severity],
              now.timeIntervalSince(incident.severitySince) > TimeInterval(rule.afterSeconds) else { return nil }
        return rule
    }

    /// Said when an incident was resolved sooner after service was restored than its severity's
    /// monitoring time: seed 002's example resolves at once, seed 001 asks to watch first. A note, not
    /// a refusal: the commander decides.
    public func monitoringNote(_ incident: Incident) -> String? {
        guard let resolved = incident.resolvedAt, let restored = incident.mitigatedAt, let seconds = monitoring[incident.severity] else { return nil }
        let watched = resolved.timeIntervalSince(restored)
        guard watched < TimeInterval(seconds) else { return nil }
        return "resolved \(IncidentClock.span(watched)) after service was restored; seed 001 asks to watch a \(incident.severity.rawValue) for \(IncidentClock.span(TimeInterval(seconds))) for recurrence first (`incidents: {monitoring: …}` in .rbc.yaml)"
    }

    /// When the incident's review is due (nil while open, and for severities that need none).
    public func reviewDueDate(_ incident: Incident) -> Date? {
        guard let resolved = incident.resolvedAt, let seconds = reviewDue[incident.severity] else { return nil }
        return resolved.addingTimeInterval(TimeInterval(seconds))
    }
}

/// Where incident records live and how incidents are handled: `.rbc.yaml`'s `incidents:`.
public struct IncidentSettings: Sendable {
    /// The records' directory (absolute): `incidents/` beside `.rbc.yaml` by default.
    public var directory: String
    public var policy = IncidentPolicy()
    public var templates = MessageTemplates()
    /// The notification webhook (`.rbc.yaml`'s `notifications:`) messages go to.
    public var notifications: Webhook?
    /// Values no message may carry: the webhook URLs, credentials in the environment.
    public var secrets: [String] = []

    public init(directory: String) { self.directory = directory }

    /// Masks the secrets in every record and message: each value in `secrets` whole, and of a webhook
    /// URL also its path, query and token-like path segments (a Slack webhook's token is its path).
    public func redactor() -> Redactor {
        let redactor = Redactor()
        for secret in secrets where secret.count >= 4 {
            redactor.add(secret)
            redactor.add(credentialURL: secret)
        }
        return redactor
    }
}
