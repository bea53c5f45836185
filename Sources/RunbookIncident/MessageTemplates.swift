// The messages stakeholders receive, as seed 001's communication templates write them. `.rbc.yaml`
// may replace each (`incidents: templates:`); `{{name}}` is filled in, and an unknown name is kept as
// written so a typo shows in the message instead of vanishing.

import Foundation

public enum MessageKind: String, Sendable, CaseIterable, Codable {
    case declared, update, resolved

    /// How the message starts: `INCIDENT DECLARED`.
    public var heading: String {
        switch self {
        case .declared: "INCIDENT DECLARED"
        case .update: "INCIDENT UPDATE"
        case .resolved: "INCIDENT RESOLVED"
        }
    }
}

public struct MessageTemplates: Sendable {
    public var texts: [MessageKind: String] = MessageTemplates.defaults

    public init() {}

    /// Seed 001's Initial Alert, Status Update and Resolution Notification.
    public static let defaults: [MessageKind: String] = [
        .declared: """
        INCIDENT DECLARED: {{severity}} - {{title}}

        Impact: {{impact}}
        Start time: {{started}}
        Current status: {{status}}
        Incident Commander: {{commander}}
        Channel: {{channel}}

        Next update in {{next_update_in}}.
        """,
        .update: """
        INCIDENT UPDATE: {{severity}} - {{title}}

        Status: {{status}}
        Duration: {{duration}}
        Current state: {{current_state}}
        Actions taken: {{actions_taken}}
        Next steps: {{next_steps}}

        Next update in {{next_update_in}}.
        """,
        .resolved: """
        INCIDENT RESOLVED: {{severity}} - {{title}}

        Duration: {{duration}}
        Root cause: {{root_cause}}
        Resolution: {{resolution}}
        Customer impact: {{customer_impact}}
        Follow-up: Post-incident review scheduled for {{review_due}}.

        Monitoring for recurrence.
        """,
    ]

    /// The names each message can use.
    public static let fields: [MessageKind: [String]] = [
        .declared: ["id", "severity", "title", "impact", "started", "detected", "status", "commander", "channel", "alert", "next_update_in"],
        .update: ["id", "severity", "title", "status", "duration", "current_state", "actions_taken", "next_steps", "commander", "channel", "next_update_in"],
        .resolved: ["id", "severity", "title", "duration", "root_cause", "resolution", "customer_impact", "review_due", "commander", "channel"],
    ]

    public func render(_ kind: MessageKind, _ values: [String: String]) -> String {
        Self.fill(texts[kind] ?? Self.defaults[kind] ?? "", values)
    }

    /// Replaces `{{name}}` (spaces inside the braces allowed) in one pass: a value is never scanned again,
    /// so text a responder typed cannot expand into other fields.
    static func fill(_ template: String, _ values: [String: String]) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                rest = rest[open.lowerBound...]
                break
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            out += values[name] ?? String(rest[open.lowerBound..<close.upperBound])
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}
