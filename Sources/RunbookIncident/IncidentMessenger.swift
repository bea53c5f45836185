// Stakeholder messages: seed 001's templates filled from the record, every secret rbc knows masked
// (the Redactor, as for every other sink), then posted to the notification webhook the runs use.

import Foundation
import RunbookRuntime

public struct IncidentMessenger: Sendable {
    public let settings: IncidentSettings
    private let redactor: Redactor

    public init(settings: IncidentSettings) {
        self.settings = settings
        redactor = settings.redactor()
    }

    /// A message as stakeholders will read it: filled in, secrets masked.
    public func compose(_ kind: MessageKind, _ incident: Incident, now: Date, values extra: [String: String] = [:]) -> String {
        var values = IncidentViews.messageValues(incident, policy: settings.policy, now: now)
        values.merge(extra) { $1 }
        return redactor.redact(settings.templates.render(kind, values))
    }

    /// Masks what the messenger knows to be secret.
    public func redact(_ text: String) -> String { redactor.redact(text) }

    public enum Delivery: Sendable, Equatable {
        case delivered(Int)
        case notConfigured
        case failed(String)

        /// As the record says it.
        public var text: String {
            switch self {
            case .delivered(let status): "delivered to the notification webhook (HTTP \(status))"
            case .notConfigured: "printed only: no notification webhook configured (`notifications:` in .rbc.yaml)"
            case .failed(let reason): "not delivered: \(reason)"
            }
        }
    }

    /// Posts a composed message: `{"text": …}` to a Slack webhook; a JSON webhook also gets the
    /// incident's id, message kind, severity and status.
    public func deliver(_ text: String, kind: MessageKind, incident: Incident, userAgent: String, timeoutMs: Int = 10_000) -> Delivery {
        guard let webhook = settings.notifications else { return .notConfigured }
        let payload: [String: Any] = webhook.format == .slack ? ["text": text]
            : ["type": "incident", "message": kind.rawValue, "incident": incident.id, "severity": incident.severity.rawValue,
               "status": incident.status.rawValue, "title": redactor.redact(incident.title), "text": text]
        do {
            let response = try HTTPClient.postJSON(webhook.url, payload, timeoutMs: timeoutMs, userAgent: userAgent)
            guard (200...299).contains(response.status) else { return .failed("the webhook answered HTTP \(response.status)") }
            return .delivered(response.status)
        } catch {
            return .failed(redactor.redact("\(error)"))
        }
    }
}
