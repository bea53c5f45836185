// `.rbc.yaml`'s `incidents:`: where incident records live and the seeds' per-severity policy
// (update cadence, mitigation targets, escalation, review due dates) and message templates, each
// defaulting to the seeds.

import Foundation
import RunbookGit
import RunbookIncident
import RunbookRuntime
import RunbookSema
import RunbookSource
import RunbookSyntax

/// What `incidents:` says; the directory is resolved against the configuration's own directory.
public struct IncidentOptions: Sendable {
    public var directory: String?
    public var policy = IncidentPolicy()
    public var templates = MessageTemplates()
}

extension Configuration {
    static let incidentKeys = ["directory", "update_cadence", "mitigation_targets", "escalation", "review_due", "monitoring", "templates"]

    /// `incidents: {directory: incidents, update_cadence: {P1: 30m}, mitigation_targets: {P1: 2h},
    /// escalation: {P2: {after: 4h, to: P1}}, review_due: {P1: 48h}, templates: {declared: "…"}}`.
    static func readIncidents(_ field: FieldSyntax, bag: inout DiagnosticBag) -> IncidentOptions {
        var options = IncidentOptions()
        guard let pairs = RunbookParser.mapping(field.value, bag: &bag) else {
            bag.report(.typeMismatch, "`incidents` must be a mapping", at: field.value.range, help: "write `incidents: {directory: incidents}`")
            return options
        }
        for entry in pairs.fields {
            switch entry.key {
            case "directory":
                guard let text = entry.value.scalarValue, !text.isEmpty else {
                    bag.report(.typeMismatch, "`directory` must be a path", at: entry.value.range)
                    continue
                }
                options.directory = text
            case "update_cadence":
                options.policy.updateCadence.merge(severityDurations(entry, bag: &bag)) { $1 }
            case "mitigation_targets":
                options.policy.mitigationTarget.merge(severityDurations(entry, bag: &bag)) { $1 }
            case "review_due":
                options.policy.reviewDue.merge(severityDurations(entry, bag: &bag)) { $1 }
            case "monitoring":
                options.policy.monitoring.merge(severityDurations(entry, bag: &bag)) { $1 }
            case "escalation":
                readEscalation(entry, into: &options.policy, bag: &bag)
            case "templates":
                guard let templates = RunbookParser.mapping(entry.value, bag: &bag) else {
                    bag.report(.typeMismatch, "`templates` must map a message (declared, update, resolved) to its text", at: entry.value.range)
                    continue
                }
                let names = MessageKind.allCases.map(\.rawValue)
                for template in templates.fields {
                    guard let kind = MessageKind(rawValue: template.key) else {
                        bag.report(.unknownKey, "unknown message `\(template.key)` in `templates`", at: template.keyRange,
                                   help: Suggestions.closest(to: template.key, in: names).map { "did you mean `\($0)`?" } ?? "messages: \(names.joined(separator: ", "))")
                        continue
                    }
                    guard let text = template.value.scalarValue, !text.isEmpty else {
                        bag.report(.typeMismatch, "a template is text", at: template.value.range)
                        continue
                    }
                    options.templates.texts[kind] = text
                }
            default:
                bag.report(.unknownKey, "unknown key `\(entry.key)` in `incidents`", at: entry.keyRange,
                           help: Suggestions.closest(to: entry.key, in: incidentKeys).map { "did you mean `\($0)`?" } ?? "keys: \(incidentKeys.joined(separator: ", "))")
            }
        }
        return options
    }

    /// `{P0: 15m, P1: 30m}`: seconds per severity.
    static func severityDurations(_ field: FieldSyntax, bag: inout DiagnosticBag) -> [StepSeverity: Int] {
        guard let pairs = RunbookParser.mapping(field.value, bag: &bag) else {
            bag.report(.typeMismatch, "`\(field.key)` must map severities to durations", at: field.value.range, help: "write `\(field.key): {P1: 30m}`")
            return [:]
        }
        var result: [StepSeverity: Int] = [:]
        for entry in pairs.fields {
            guard let severity = SeveritySpelling.severity(entry.key) else {
                bag.report(.invalidValue, "`\(entry.key)` is not a severity", at: entry.keyRange, help: "use P0, P1, P2 or P3")
                continue
            }
            guard let text = entry.value.scalarValue, case .success(let ms) = DurationParser.milliseconds(text), ms >= 1_000 else {
                bag.report(.invalidDuration, "`\(entry.value.scalarValue ?? "")` is not a duration of at least a second", at: entry.value.range, help: "write `30m`, `2h` or `7d`")
                continue
            }
            result[severity] = ms / 1_000
        }
        return result
    }

    /// `escalation: {P2: {after: 4h, to: P1}}`; `P2: off` removes a rule.
    static func readEscalation(_ field: FieldSyntax, into policy: inout IncidentPolicy, bag: inout DiagnosticBag) {
        guard let pairs = RunbookParser.mapping(field.value, bag: &bag) else {
            bag.report(.typeMismatch, "`escalation` must map severities to `{after: 4h, to: P1}`", at: field.value.range)
            return
        }
        for entry in pairs.fields {
            guard let from = SeveritySpelling.severity(entry.key) else {
                bag.report(.invalidValue, "`\(entry.key)` is not a severity", at: entry.keyRange, help: "use P0, P1, P2 or P3")
                continue
            }
            if entry.value.scalarValue == "off" {
                policy.escalation[from] = nil
                continue
            }
            let mapping = RunbookParser.mapping(entry.value, bag: &bag)
            if let mapping { reportUnknownKeys(mapping, allowed: ["after", "to"], in: "the escalation of \(entry.key)", bag: &bag) }
            guard let rule = mapping,
                  let afterText = rule["after"]?.value.scalarValue, case .success(let ms) = DurationParser.milliseconds(afterText),
                  let toText = rule["to"]?.value.scalarValue, let to = SeveritySpelling.severity(toText) else {
                bag.report(.invalidValue, "an escalation is `{after: DURATION, to: SEVERITY}` or `off`", at: entry.value.range, help: "write `\(entry.key): {after: 4h, to: P1}`")
                continue
            }
            policy.escalation[from] = IncidentPolicy.Escalation(afterSeconds: ms / 1_000, to: to)
        }
    }

    /// Where incident records live and how incidents are handled, as this configuration says:
    /// `incidents/` beside `.rbc.yaml`, else at the repository's root, else in the working directory.
    public var incidentSettings: IncidentSettings {
        var base = directory
        if file == nil, let workdir = GitRepository.workdir(containing: FileManager.default.currentDirectoryPath) {
            base = String(workdir.dropLast(workdir.hasSuffix("/") ? 1 : 0))
        }
        let relative = incidents.directory ?? "incidents"
        let path = relative.hasPrefix("/") ? relative : URL(fileURLWithPath: base).appendingPathComponent(relative).standardizedFileURL.path
        var settings = IncidentSettings(directory: path)
        settings.policy = incidents.policy
        settings.templates = incidents.templates
        settings.notifications = notifications
        settings.secrets = [notifications?.url, tickets?.url].compactMap { $0 } + Self.credentialsInEnvironment()
        return settings
    }

    /// Values of environment variables named as credentials (the Redactor's rule, shared with runs).
    static func credentialsInEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        Redactor.credentialsInEnvironment(environment)
    }
}
