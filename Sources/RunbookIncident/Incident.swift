// An incident as its record says it stands, replayed from the events in order, and the lifecycle
// rules every new event must keep: valid transitions, times that never go backwards.

import Foundation
import RunbookRuntime
import RunbookSema

public struct Incident: Sendable {
    public let id: String
    public let path: String
    public private(set) var events: [IncidentEvent] = []
    public private(set) var title = ""
    public private(set) var impact: String?
    public private(set) var alert: String?
    public private(set) var commander: String?
    public private(set) var channel = ""
    public private(set) var severity: StepSeverity = .p3
    /// When the current severity was set: escalation clocks run from here.
    public private(set) var severitySince = Date(timeIntervalSince1970: 0)
    /// The most severe level the incident held.
    public private(set) var highestSeverity: StepSeverity = .p3
    public private(set) var status: IncidentStatus = .triage
    public private(set) var declaredAt = Date(timeIntervalSince1970: 0)
    /// When impact began (seed 002: MTTD runs from here); the declaration time when not given.
    public private(set) var startedAt = Date(timeIntervalSince1970: 0)
    public private(set) var startedAtGiven = false
    /// When the alert fired or someone noticed; the declaration time when not given.
    public private(set) var detectedAt = Date(timeIntervalSince1970: 0)
    public private(set) var detectedAtGiven = false
    /// When service was restored: the last move to `mitigated` that held (a regression clears it).
    public private(set) var mitigatedAt: Date?
    public private(set) var resolvedAt: Date?
    /// The last time stakeholders were told (declaration, update, resolution): the update cadence runs from here.
    public private(set) var lastCommunicationAt = Date(timeIntervalSince1970: 0)
    public private(set) var rootCause: String?
    public private(set) var resolution: String?
    public private(set) var customerImpact: String?
    /// Runs attached with `rbc run --incident`, in the order they started.
    public private(set) var runs: [RunLink] = []
    /// When the post-incident review was held (`rbc incident review --held`), and where it is.
    public private(set) var reviewedAt: Date?
    public private(set) var review: String?
    /// Problems found replaying the record (a file edited by hand or merged badly); `rbc check` reports them.
    public private(set) var problems: [IncidentProblem] = []
    /// The last move the replay made was one the lifecycle refuses (already reported): the status it
    /// entered is doubtful, so the next move starts from the status its writer recorded leaving.
    private var lastMoveRefused = false

    public var isOpen: Bool { status != .resolved }
    /// The time of the last event: new events may not be earlier.
    public var lastEventTime: Date? { events.last.flatMap { IncidentClock.date($0.time) } }

    /// Replays a record's events. The first must be `declared`.
    public init(id: String, path: String, events: [IncidentEvent]) {
        self.id = id
        self.path = path
        for event in events { apply(event) }
        if let first = events.first, first.event != .declared { problems.append(IncidentProblem(.structure, event: 0, field: "event", "the record does not start with `declared`")) }
    }

    mutating func apply(_ event: IncidentEvent) {
        let index = events.count
        func problem(_ kind: IncidentProblem.Kind, _ field: String?, _ message: String) {
            problems.append(IncidentProblem(kind, event: index, field: field, message))
        }
        let time = IncidentClock.date(event.time)
        if time == nil { problem(.invalidTime, "time", "unreadable time `\(event.time)`") }
        if let time, let last = lastEventTime, time < last {
            problem(.timeOrder, "time", "time \(event.time) is earlier than the event before it (\(events.last?.time ?? ""))")
        }
        if event.seq != events.count + 1 { problem(.sequence, "seq", "event number \(event.seq) where \(events.count + 1) was expected") }
        let at = time ?? lastEventTime ?? Date(timeIntervalSince1970: 0)
        switch event.event {
        case .declared:
            guard events.isEmpty else {
                problem(.structure, "event", "a second `declared` event")
                break
            }
            title = event.title ?? ""
            impact = event.impact
            alert = event.alert
            commander = event.commander
            channel = event.channel ?? ""
            severity = event.severity ?? .p3
            highestSeverity = severity
            if event.severity == nil { problem(.structure, "event", "`declared` names no severity") }
            severitySince = at
            status = event.status ?? .triage
            declaredAt = at
            lastCommunicationAt = at
            detectedAt = event.detectedAt.flatMap(IncidentClock.date) ?? at
            detectedAtGiven = event.detectedAt != nil
            startedAt = event.startedAt.flatMap(IncidentClock.date) ?? detectedAt
            startedAtGiven = event.startedAt != nil
            if startedAt > detectedAt { problem(.timeOrder, "startedAt", "impact started (\(event.startedAt ?? "")) after it was detected (\(event.detectedAt ?? event.time))") }
            if detectedAt > at { problem(.timeOrder, "detectedAt", "detected (\(event.detectedAt ?? "")) after the incident was declared (\(event.time))") }
        case .status:
            guard let next = event.status else {
                problem(.structure, "event", "`status` names no status")
                break
            }
            if let refusal = moveRefusal(event, to: next) { problem(.transition, "status", refusal) }
            enter(next, at: at)
        case .severity:
            guard let next = event.severity else {
                problem(.structure, "event", "`severity` names no severity")
                break
            }
            severity = next
            severitySince = at
            if next.rank < highestSeverity.rank { highestSeverity = next }
        case .update:
            lastCommunicationAt = at
            if let next = event.status, next != status {
                if let refusal = moveRefusal(event, to: next) { problem(.transition, "status", refusal) }
                enter(next, at: at)
            }
        case .resolved:
            if let refusal = moveRefusal(event, to: .resolved) { problem(.transition, "event", refusal) }
            enter(.resolved, at: at)
            rootCause = event.rootCause
            resolution = event.resolution
            customerImpact = event.customerImpact
            lastCommunicationAt = at
        case .runStarted:
            runs.append(RunLink(started: event))
        case .runFinished:
            if let index = runs.lastIndex(where: { $0.run == event.run }) { runs[index].finish(event) } else {
                problem(.structure, "run", "run \(event.run ?? "?") finished but never started")
            }
        case .reviewed:
            if status != .resolved { problem(.transition, "event", "a review recorded while the incident is \(status.rawValue): review after resolution") }
            reviewedAt = at
            review = event.review
        case .note, .messageSent:
            break
        }
        events.append(event)
    }

    /// Why the event's move is invalid, or nil. Right after a refused move it is judged from the
    /// `previousStatus` the event wrote, not from the doubtful status the replay entered: one mistake
    /// in a record is one finding, not one more on every move that follows it.
    private mutating func moveRefusal(_ event: IncidentEvent, to next: IncidentStatus) -> String? {
        let from = lastMoveRefused ? event.previousStatus ?? status : status
        let refusal = Self.transitionRefusal(from: from, to: next)
        lastMoveRefused = refusal != nil
        return refusal
    }

    private mutating func enter(_ next: IncidentStatus, at time: Date) {
        if next == .mitigated { mitigatedAt = time }
        if next < .mitigated { mitigatedAt = nil } // the mitigation did not hold
        if next == .resolved {
            resolvedAt = time
            if mitigatedAt == nil { mitigatedAt = time }
        }
        status = next
    }

    /// Why `from → to` is not a valid move, or nil when it is. Forward moves may skip statuses, except
    /// that resolving needs service restored first (`mitigated`: MTTM ends there); backward moves stay
    /// inside the response (a hypothesis disproved, a mitigation that did not hold); triage happens
    /// once; nothing follows `resolved`.
    public static func transitionRefusal(from: IncidentStatus, to: IncidentStatus) -> String? {
        if from == to { return "the incident is already \(to.rawValue)" }
        if from == .resolved { return "the incident is resolved; nothing follows resolution (declare a new incident if it recurs)" }
        if to == .resolved, from != .mitigated {
            return "cannot resolve an incident that is \(from.rawValue): service must be restored first (`status mitigated`), so time to mitigate is known"
        }
        if to == .triage { return "cannot go back to triage from \(from.rawValue): re-classify with `rbc incident severity` instead" }
        return nil
    }

    /// The event's time must not be earlier than the last one nor later than now.
    func checkTime(_ time: Date, now: Date) throws(IncidentError) {
        if time > now.addingTimeInterval(1) {
            throw .refused("\(IncidentClock.format(time)) is in the future (now is \(IncidentClock.format(now)))")
        }
        if let last = lastEventTime, time < last {
            throw .refused("\(IncidentClock.format(time)) is earlier than the incident's last event (\(IncidentClock.format(last))); times never go backwards")
        }
    }
}

/// Something wrong in a record found by replaying it: which event (its index in the record), which
/// field, and what kind of problem, so `rbc check` can point at the value and give it its id.
public struct IncidentProblem: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A time that is not a UTC time.
        case invalidTime
        /// A time earlier than the event before it, impact after detection, detection after declaration.
        case timeOrder
        /// A move the lifecycle forbids.
        case transition
        /// Events out of number.
        case sequence
        /// The record's shape: `declared` first and once, what each event needs, runs that end after starting.
        case structure
    }

    public let kind: Kind
    /// The event's index in the record (0 for the first line that holds an event).
    public let event: Int
    /// The event's field the problem is about, when there is one.
    public let field: String?
    public let message: String

    public init(_ kind: Kind, event: Int, field: String?, _ message: String) {
        self.kind = kind
        self.event = event
        self.field = field
        self.message = message
    }
}

/// A run attached to an incident, as the record tells it.
public struct RunLink: Sendable {
    public let run: String
    public let runbook: String
    public let runbookPath: String
    public let commit: String?
    public let contentHash: String?
    public let journal: String?
    public let started: String
    public let startedBy: String
    /// The run's end status (`succeeded`, `rolled_back`, `rollback_failed`, …); nil until it ends.
    public private(set) var status: RunStatus?
    public private(set) var finished: String?

    init(started event: IncidentEvent) {
        run = event.run ?? "?"
        runbook = event.runbook ?? "?"
        runbookPath = event.runbookPath ?? ""
        commit = event.commit
        contentHash = event.contentHash
        journal = event.journal
        started = event.time
        startedBy = event.by
    }

    /// A run on its own, as its journal tells it (a review of one run, without an incident).
    init(_ state: RunState) {
        run = state.runID
        runbook = state.ir.runbook.name
        runbookPath = state.runbookPath
        commit = state.commit
        contentHash = state.ir.contentHash
        journal = state.path
        started = state.started
        startedBy = state.start.user ?? "?"
        status = state.finished == nil ? nil : state.status
        finished = state.finished?.time
    }

    mutating func finish(_ event: IncidentEvent) {
        status = event.runStatus
        finished = event.time
    }
}

/// Times in records and on the command line: UTC, to the second.
public enum IncidentClock {
    /// `2024-11-15T14:26:00Z`
    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// `14:26`
    public static func clock(_ date: Date) -> String { String(format(date).dropFirst(11).prefix(5)) }

    /// `2024-11-15`
    public static func day(_ date: Date) -> String { String(format(date).prefix(10)) }

    /// A time as records and journals write it (fractional seconds allowed).
    public static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// A time given on the command line, always UTC: `2024-11-15T14:22:00Z`, `2024-11-15T14:22`,
    /// `2024-11-15 14:22`, or `14:22` (today, by `now`). Nil when it is none of these.
    public static func parse(_ text: String, now: Date) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let date = date(trimmed) { return date }
        var candidate = trimmed.replacingOccurrences(of: " ", with: "T")
        if candidate.hasSuffix("Z") || candidate.hasSuffix("z") { candidate.removeLast() }
        if candidate.count == 5 || candidate.count == 8, candidate.dropFirst(2).first == ":" {
            candidate = day(now) + "T" + candidate
        }
        if candidate.count == 16 { candidate += ":00" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return candidate.count == 19 ? formatter.date(from: candidate) : nil
    }

    /// A span for people: `18m`, `2h 05m`, `3d 4h`.
    public static func span(_ seconds: TimeInterval) -> String {
        let total = max(0, Int(seconds.rounded()))
        let days = total / 86_400, hours = total % 86_400 / 3_600, minutes = total % 3_600 / 60
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(String(format: "%02d", minutes))m" }
        if minutes > 0 { return "\(minutes)m" }
        return "\(total)s"
    }
}

extension StepSeverity {
    /// 0 for P0, the most severe.
    var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}
