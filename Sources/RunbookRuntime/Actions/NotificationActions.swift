// `send_notification` and `create_ticket`: a JSON (or Slack) webhook, or printed and journaled
// when none is configured. Their texts are for people (a channel, a ticket tracker), never where a
// secret is sent: secrets in them are masked before they are posted, as everywhere rbc writes.

import Foundation
import RunbookSema

extension Executor {
    func sendNotification(_ action: ActionIR, step: StepIR, fieldPrefix: String, timeoutMs: Int) throws -> AttemptResult {
        let channel = redact(try resolve(action.channel ?? "", field: fieldPrefix + "channel", step: step))
        let message = redact(try resolve(action.message ?? "", field: fieldPrefix + "message", step: step))
        return try deliver(settings.notifications, what: "notification to \(channel)", timeoutMs: timeoutMs, payload: { format in
            format == .slack ? ["channel": channel, "text": message]
                : ["type": "notification", "channel": channel, "message": message, "runbook": self.ir.runbook.name, "step": step.id]
        }, fallback: "[notification to \(channel)] \(message)")
    }

    func createTicket(_ action: ActionIR, step: StepIR, fieldPrefix: String, timeoutMs: Int) throws -> AttemptResult {
        let title = redact(try resolve(action.title ?? "", field: fieldPrefix + "title", step: step))
        let body = redact(try action.body.map { try resolve($0, field: fieldPrefix + "body", step: step) } ?? "")
        let labels = try (action.labels ?? []).enumerated().map { redact(try resolve($1, field: "\(fieldPrefix)labels[\($0)]", step: step)) }
        return try deliver(settings.tickets, what: "ticket", timeoutMs: timeoutMs, payload: { format in
            format == .slack ? ["text": "New ticket: \(title)\n\(body)"]
                : ["type": "ticket", "title": title, "body": body, "labels": labels, "runbook": self.ir.runbook.name, "step": step.id]
        }, fallback: "[ticket] \(title)\(labels.isEmpty ? "" : " [\(labels.joined(separator: ", "))]")")
    }

    /// Posts to a webhook, or prints (and journals) when none is configured.
    func deliver(_ webhook: Webhook?, what: String, timeoutMs: Int, payload: (Webhook.Format) -> [String: Any], fallback: String) throws -> AttemptResult {
        guard let webhook else {
            guard record(JournalEvent(.message(.init(text: redact(fallback))))) else { return AttemptResult(status: .failed, reason: "not performed: \(journalFailure ?? "cannot write the journal")") }
            output.note("  \(redact(fallback))")
            return AttemptResult(status: .succeeded, reason: "no webhook configured: printed")
        }
        let response = try effects.http.postJSON(webhook.url, payload(webhook.format), timeoutMs: timeoutMs, userAgent: userAgent,
                                               cancelled: { [unowned self] in actionStopped })
        guard (200...299).contains(response.status) else {
            return AttemptResult(status: .failed, reason: "\(what): webhook answered HTTP \(response.status)", httpStatus: response.status)
        }
        return AttemptResult(status: .succeeded, httpStatus: response.status)
    }

    /// What HTTP requests and webhooks say they come from.
    var userAgent: String { settings.rbcVersion.isEmpty ? "rbc" : "rbc/\(settings.rbcVersion)" }
}
