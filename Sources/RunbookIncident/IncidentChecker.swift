// `rbc check` on incident records, as on runbooks: every line of `incidents/<id>.jsonl` read with its
// position, then the record replayed through the same lifecycle rules the commands keep, so a hand
// edit or a bad merge is reported at the value it broke (RB4001–RB4012), never silently replayed.

import Foundation
import RunbookRuntime
import RunbookSema
import RunbookSource

public enum IncidentChecker {
    /// The fields an event may carry: `IncidentEvent`'s properties, which are its JSON keys.
    static let knownKeys: [String] = Mirror(reflecting: IncidentEvent(.note)).children.compactMap(\.label)
    static let timeKeys = ["time", "recorded", "startedAt", "detectedAt", "nextUpdateDue"]
    static let severityKeys = ["severity", "previousSeverity"]
    static let statusKeys = ["status", "previousStatus"]

    /// One line that holds an event, with where its fields are.
    struct Line {
        let number: Int
        let range: SourceRange
        let json: JSONLine
        /// A value on the line was reported already: what the replay says about its shape is a cascade.
        let reported: Bool
    }

    /// The findings in one record. `id` is its file name without `.jsonl`; `now` decides overdue reviews.
    public static func check(_ file: SourceFile, id: String, policy: IncidentPolicy, now: Date) -> [Diagnostic] {
        var bag = DiagnosticBag(file: file)
        var events: [IncidentEvent] = []
        var lines: [Line] = []
        var brokenAbove = false
        let decoder = JSONDecoder()
        let endsInNewline = file.bytes.last == 0x0A || file.bytes.last == 0x0D
        let lastLine = file.lineCount - (endsInNewline ? 1 : 0)
        for number in 1...max(1, lastLine) {
            let range = file.lineRange(number)
            guard range.end > range.start else { continue }
            let torn = number == lastLine && !endsInNewline
            let json: JSONLine
            switch JSONLine.scan(file.bytes, range) {
            case .failure(let failure):
                if torn {
                    bag.report(.incidentTornLine, "the last line is incomplete: rbc stopped while writing it", at: SourceRange(start: range.start, end: range.end),
                               help: "it never happened: the next `rbc incident` command on this incident cuts it")
                } else {
                    bag.report(.incidentMalformedLine, "not an incident event: \(failure.message)", at: .at(failure.offset),
                               help: "each line is one JSON object written by `rbc incident`; resolve a merge conflict by keeping both sides' lines in time order")
                    brokenAbove = true
                }
                continue
            case .success(let scanned): json = scanned
            }
            guard var object = try? JSONSerialization.jsonObject(with: Data(file.bytes[range.start..<range.end])) as? [String: Any] else {
                bag.report(.incidentMalformedLine, "not an incident event: the line is not valid JSON", at: range,
                           help: "each line is one JSON object written by `rbc incident`")
                brokenAbove = true
                continue
            }
            if events.isEmpty, !brokenAbove, let version = object["version"] as? String, version != IncidentLog.version {
                bag.report(.incidentMalformedLine, "the record is `\(version)`, written by a newer rbc", at: json.member("version")?.valueRange ?? range,
                           help: "upgrade rbc to check it (this rbc reads `\(IncidentLog.version)`)")
                return bag.diagnostics
            }
            // A value reported here is replaced by what it most likely meant (or dropped), so the replay
            // below still sees the event and does not report the same mistake again as a cascade.
            var reportedHere = false
            var lineIsEvent = true
            for member in json.members where !knownKeys.contains(member.key) {
                bag.report(.incidentUnknownKey, "unknown field `\(member.key)` in an incident event", at: member.keyRange,
                           help: Suggestions.closest(to: member.key, in: knownKeys).map { "did you mean `\($0)`?" } ?? "incident events are written by `rbc incident`; see docs/incidents.md")
            }
            for key in severityKeys {
                guard let value = object[key], let member = json.member(key) else { continue }
                if (value as? String).flatMap(StepSeverity.init(rawValue:)) == nil {
                    let meant = (value as? String).flatMap(SeveritySpelling.severity)
                    bag.report(.incidentUnknownSeverity, "`\(shown(value))` is not a severity", at: member.valueRange,
                               help: meant.map { "write `\($0.rawValue)`" } ?? "use P0, P1, P2 or P3")
                    object[key] = meant?.rawValue
                    reportedHere = true
                }
            }
            for key in statusKeys {
                guard let value = object[key], let member = json.member(key) else { continue }
                if (value as? String).flatMap(IncidentStatus.init(rawValue:)) == nil {
                    let names = IncidentStatus.allCases.map(\.rawValue)
                    bag.report(.incidentUnknownStatus, "`\(shown(value))` is not an incident status", at: member.valueRange,
                               help: Suggestions.closest(to: shown(value), in: names).map { "did you mean `\($0)`?" } ?? "statuses: \(names.joined(separator: ", "))")
                    object[key] = nil
                    reportedHere = true
                }
            }
            if let value = object["runStatus"], let member = json.member("runStatus"), (value as? String).flatMap(RunStatus.init(rawValue:)) == nil {
                let names = RunStatus.allCases.map(\.rawValue)
                bag.report(.incidentMalformedLine, "`\(shown(value))` is not a run status", at: member.valueRange,
                           help: Suggestions.closest(to: shown(value), in: names).map { "did you mean `\($0)`?" } ?? "run statuses: \(names.joined(separator: ", "))")
                object["runStatus"] = nil
                reportedHere = true
            }
            if let value = object["event"], let member = json.member("event"), (value as? String).flatMap(IncidentEventKind.init(rawValue:)) == nil {
                let names = IncidentEventKind.allCases.map(\.rawValue)
                bag.report(.incidentUnknownEvent, "`\(shown(value))` is not an incident event", at: member.valueRange,
                           help: Suggestions.closest(to: shown(value), in: names).map { "did you mean `\($0)`?" } ?? "events: \(names.joined(separator: ", "))")
                lineIsEvent = false
            }
            for key in timeKeys {
                guard let value = object[key], let member = json.member(key) else { continue }
                if (value as? String).flatMap(IncidentClock.date) == nil {
                    bag.report(.incidentInvalidTime, "`\(shown(value))` is not a UTC time", at: member.valueRange,
                               help: "write it as `2024-11-15T14:26:00Z`")
                    object[key] = key == "time" ? events.last?.time : nil
                    if key == "time" && events.isEmpty { lineIsEvent = false }
                    reportedHere = true
                }
            }
            guard lineIsEvent else {
                brokenAbove = true
                continue
            }
            do {
                let data = reportedHere ? try JSONSerialization.data(withJSONObject: object) : Data(file.bytes[range.start..<range.end])
                events.append(try decoder.decode(IncidentEvent.self, from: data))
                lines.append(Line(number: number, range: range, json: json, reported: reportedHere))
            } catch {
                let (message, key) = decodingProblem(error)
                bag.report(.incidentMalformedLine, "not an incident event: \(message)", at: key.flatMap { json.member($0)?.valueRange } ?? range,
                           help: "each line is one JSON object written by `rbc incident`")
                brokenAbove = true
            }
        }
        guard !events.isEmpty else {
            if !bag.hasErrors { bag.report(.incidentRecordStructure, "the record holds no event", at: .at(0), help: "declare incidents with `rbc incident declare`") }
            return bag.diagnostics
        }
        let incident = Incident(id: id, path: file.path, events: events)
        for problem in incident.problems {
            // A number out of step right after a line that is not an event says nothing new.
            if problem.kind == .sequence && brokenAbove { continue }
            let line = lines[min(problem.event, lines.count - 1)]
            if line.reported && (problem.kind == .structure || problem.kind == .invalidTime) { continue }
            let range = problem.field.flatMap { line.json.member($0)?.valueRange } ?? line.json.member("event")?.valueRange ?? .at(line.range.start)
            bag.report(code(problem.kind), problem.message, at: range, help: help(problem.kind))
        }
        if incident.reviewedAt == nil, let due = policy.reviewDueDate(incident), due < now,
           let index = incident.events.lastIndex(where: { $0.event == .resolved }) {
            let line = lines[index]
            bag.report(.incidentReviewOverdue,
                       "the post-incident review of \(id) was due \(IncidentClock.format(due)) (\(incident.severity.rawValue): \(IncidentClock.span(due.timeIntervalSince(incident.resolvedAt ?? due))) after resolution)",
                       at: line.json.member("time")?.valueRange ?? .at(line.range.start),
                       help: "hold the review (`rbc incident review \(id)` drafts it), then record it: `rbc incident review \(id) --held --link WHERE`")
        }
        return bag.diagnostics
    }

    /// A run journal whose `run_started` names an incident that has no record: the audit trail
    /// between the run and the incident is broken (a record deleted, renamed or never committed).
    /// Only the journal's first line is read, and only from a regular file: a pipe named like a
    /// journal would wait for a writer forever.
    public static func checkJournal(path: String, displayPath: String, knownIncidents: Set<String>) -> Diagnostic? {
        guard case .bytes(let head) = SourceLoader.readRegularFile(path, limit: 65_536) else { return nil }
        let firstLine = head.prefix { $0 != 0x0A }
        let file = SourceFile(path: displayPath, text: String(decoding: firstLine, as: UTF8.self))
        guard case .success(let json) = JSONLine.scan(file.bytes, SourceRange(start: 0, end: file.bytes.count)),
              let member = json.member("incident"),
              let object = try? JSONSerialization.jsonObject(with: Data(file.bytes)) as? [String: Any],
              object["event"] as? String == JournalEventKind.runStarted.rawValue,
              let incident = object["incident"] as? String, !knownIncidents.contains(incident) else { return nil }
        let run = (object["run"] as? String).map { "run \($0)" } ?? "the run"
        return Diagnostic(.incidentUnknownIncident, "\(run) names incident `\(incident)`, which has no record", file: file, range: member.valueRange,
                          help: "restore or commit incidents/\(incident).jsonl; `rbc incident list --all` lists the incidents there are")
    }

    static func code(_ kind: IncidentProblem.Kind) -> DiagnosticCode {
        switch kind {
        case .invalidTime: .incidentInvalidTime
        case .timeOrder: .incidentTimeOrder
        case .transition: .incidentInvalidTransition
        case .sequence, .structure: .incidentRecordStructure
        }
    }

    static func help(_ kind: IncidentProblem.Kind) -> String? {
        switch kind {
        case .timeOrder: "events are appended in time order; a scribe catching up uses `--at`, which must not be earlier than the last event"
        case .transition: "the lifecycle is triage → investigating → identified → mitigating → mitigated → resolved (docs/incidents.md)"
        case .sequence: "events are numbered 1, 2, 3, … in the order they were appended; keep both sides of a merge in time order and renumber"
        case .invalidTime, .structure: nil
        }
    }

    static func shown(_ value: Any) -> String {
        if let text = value as? String { return text }
        if value is NSNull { return "null" }
        return "\(value)"
    }

    /// What JSONDecoder disliked, and the field it was about.
    static func decodingProblem(_ error: Error) -> (String, String?) {
        switch error {
        case DecodingError.keyNotFound(let key, _): return ("`\(key.stringValue)` is missing", nil)
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context), DecodingError.dataCorrupted(let context):
            let key = context.codingPath.first?.stringValue
            return (key.map { "`\($0)` has the wrong type" } ?? context.debugDescription, key)
        default: return ("\(error)", nil)
        }
    }
}
