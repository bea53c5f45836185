// The incidents directory and every change to a record: each command reads the record under its
// lock, replays it, checks the new event against the lifecycle and the clock, and appends it.

import Foundation
import RunbookRuntime
import RunbookSema

public struct IncidentStore: Sendable {
    public let settings: IncidentSettings
    public var directory: String { settings.directory }

    public init(settings: IncidentSettings) { self.settings = settings }

    /// What `rbc incident declare` was given.
    public struct Declaration: Sendable {
        public var title: String
        public var severity: StepSeverity
        public var impact: String?
        public var startedAt: Date?
        public var detectedAt: Date?
        public var alert: String?
        public var commander: String?
        public var channel: String?
        public var id: String?
        public var status: IncidentStatus = .triage

        public init(title: String, severity: StepSeverity) {
            self.title = title
            self.severity = severity
        }
    }

    public func path(of id: String) -> String { directory + "/" + id + ".jsonl" }

    /// Every incident id in the directory, oldest first (ids start with their date).
    public func ids() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".jsonl") && !$0.hasPrefix(".") }.map { String($0.dropLast(6)) }.sorted()
    }

    /// An incident by id or the unique start of one.
    public func resolve(_ name: String) throws(IncidentError) -> String {
        let all = ids()
        if all.contains(name) { return name }
        let matches = all.filter { $0.hasPrefix(name) }
        guard matches.count == 1, let match = matches.first else {
            throw .usage(matches.isEmpty ? "no incident \(name) in \(directory) (`rbc incident list --all` lists them)"
                                         : "\(name) matches \(matches.count) incidents (\(matches.joined(separator: ", "))); give more of the id")
        }
        return match
    }

    public func load(_ name: String) throws(IncidentError) -> Incident {
        let id = try resolve(name)
        return Incident(id: id, path: path(of: id), events: try IncidentLog.read(path(of: id)))
    }

    /// Every readable incident, oldest first, and the records that could not be read.
    public func all() -> (incidents: [Incident], unreadable: [(id: String, error: IncidentError)]) {
        var incidents: [Incident] = []
        var unreadable: [(String, IncidentError)] = []
        for id in ids() {
            do { incidents.append(Incident(id: id, path: path(of: id), events: try IncidentLog.read(path(of: id)))) } catch {
                unreadable.append((id, error))
            }
        }
        return (incidents, unreadable)
    }

    // MARK: - Changes

    /// Declares an incident: a new record whose first event says everything known so far.
    public func declare(_ declaration: Declaration, by: String, now: Date) throws(IncidentError) -> Incident {
        let title = declaration.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty else { throw .usage("--title must say what is broken") }
        if let started = declaration.startedAt, started > now { throw .refused("--started-at \(IncidentClock.format(started)) is in the future") }
        if let detected = declaration.detectedAt, detected > now { throw .refused("--detected-at \(IncidentClock.format(detected)) is in the future") }
        if let started = declaration.startedAt, let detected = declaration.detectedAt, started > detected {
            throw .refused("--started-at \(IncidentClock.format(started)) is after --detected-at \(IncidentClock.format(detected)): impact starts before anyone can detect it")
        }
        if let id = declaration.id, !Self.isValidID(id) {
            throw .usage("--id `\(id)` must be 1 to 80 lower-case letters, digits and dashes")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .io("cannot create \(directory): \(error.localizedDescription)")
        }
        let base = declaration.id ?? IncidentClock.day(now) + "-" + Self.slug(title)
        var id = base
        var log: IncidentLog?
        for suffix in 1...100 {
            id = suffix == 1 ? base : "\(base)-\(suffix)"
            if FileManager.default.fileExists(atPath: path(of: id)) {
                if declaration.id != nil { throw .refused("incident \(id) exists already") }
                continue
            }
            log = try? IncidentLog.create(path(of: id))
            if log != nil { break }
        }
        guard let log else { throw .io("cannot create a record for \(base) in \(directory)") }
        var event = IncidentEvent(.declared)
        event.seq = 1
        event.time = IncidentClock.format(now)
        event.by = by
        event.version = IncidentLog.version
        let redactor = settings.redactor()
        event.id = id
        event.title = title
        event.severity = declaration.severity
        event.status = declaration.status
        event.impact = Self.text(declaration.impact)
        event.startedAt = declaration.startedAt.map(IncidentClock.format)
        event.detectedAt = declaration.detectedAt.map(IncidentClock.format)
        event.alert = Self.text(declaration.alert)
        event.commander = Self.text(declaration.commander) ?? by
        event.channel = Self.text(declaration.channel) ?? "#incident-\(id)"
        event = Self.redacted(event, redactor)
        do {
            try log.append(event)
        } catch {
            unlink(log.path)
            throw error
        }
        return Incident(id: id, path: log.path, events: [event])
    }

    /// Appends the event `build` makes from the incident as it stands, at `at` (default `now`), after
    /// checking that time: never before the last event, never in the future.
    public func record(_ name: String, by: String, at: Date?, now: Date,
                       _ build: (Incident) throws(IncidentError) -> IncidentEvent) throws(IncidentError) -> (Incident, IncidentEvent) {
        let id = try resolve(name)
        let log = try IncidentLog.open(path(of: id))
        var incident = Incident(id: id, path: log.path, events: try IncidentLog.read(log.path))
        let time = at ?? now
        try incident.checkTime(time, now: now)
        var event = try build(incident)
        event.seq = incident.events.count + 1
        event.time = IncidentClock.format(time)
        if at != nil, IncidentClock.format(now) != event.time { event.recorded = IncidentClock.format(now) }
        event.by = by
        event = Self.redacted(event, settings.redactor())
        try log.append(event)
        incident.apply(event)
        return (incident, event)
    }

    /// Every text a person typed, with the secrets rbc knows masked: a record is committed, so a
    /// credential pasted into a note must never reach it.
    static func redacted(_ event: IncidentEvent, _ redactor: Redactor) -> IncidentEvent {
        var event = event
        for path in [\IncidentEvent.title, \.impact, \.alert, \.commander, \.text, \.reason, \.nextSteps, \.rootCause,
                     \.resolution, \.customerImpact, \.review, \.delivery] {
            if let value = event[keyPath: path] { event[keyPath: path] = redactor.redact(value) }
        }
        return event
    }

    /// `rbc incident status`: a lifecycle transition.
    public func setStatus(_ name: String, to status: IncidentStatus, reason: String?, by: String, at: Date?, now: Date) throws(IncidentError) -> Incident {
        try record(name, by: by, at: at, now: now) { incident throws(IncidentError) in
            if let refusal = Incident.transitionRefusal(from: incident.status, to: status) { throw .refused(refusal) }
            if status == .resolved { throw .refused("resolve with `rbc incident resolve \(incident.id) --root-cause … --resolution …`: the resolution message needs both") }
            var event = IncidentEvent(.status)
            event.status = status
            event.previousStatus = incident.status
            event.reason = Self.text(reason)
            return event
        }.0
    }

    /// `rbc incident note`: the scribe's log.
    public func note(_ name: String, text: String, by: String, at: Date?, now: Date) throws(IncidentError) -> (Incident, IncidentEvent) {
        guard let text = Self.text(text) else { throw .usage("a note needs text") }
        return try record(name, by: by, at: at, now: now) { _ in
            var event = IncidentEvent(.note)
            event.text = text
            return event
        }
    }

    /// `rbc incident update`: the status update stakeholders receive; optionally a new status with it.
    public func update(_ name: String, state: String?, actions: String?, nextSteps: String?, status: IncidentStatus?,
                       by: String, at: Date?, now: Date) throws(IncidentError) -> (Incident, IncidentEvent) {
        try record(name, by: by, at: at, now: now) { incident throws(IncidentError) in
            guard incident.isOpen else { throw .refused("incident \(incident.id) is resolved; its last message was the resolution") }
            if let status, status != incident.status {
                if let refusal = Incident.transitionRefusal(from: incident.status, to: status) { throw .refused(refusal) }
                if status == .resolved { throw .refused("resolve with `rbc incident resolve \(incident.id) --root-cause … --resolution …`") }
            }
            var event = IncidentEvent(.update)
            event.status = status
            event.previousStatus = status.map { _ in incident.status }
            event.text = Self.text(state)
            event.reason = Self.text(actions)
            event.nextSteps = Self.text(nextSteps)
            return event
        }
    }

    /// `rbc incident severity`: a re-classification, with its reason (seed 001: "document the
    /// severity and reasoning").
    public func reclassify(_ name: String, to severity: StepSeverity, reason: String, by: String, at: Date?, now: Date) throws(IncidentError) -> Incident {
        guard let reason = Self.text(reason) else { throw .usage("--reason must say why the severity changes") }
        return try record(name, by: by, at: at, now: now) { incident throws(IncidentError) in
            guard incident.isOpen else { throw .refused("incident \(incident.id) is resolved; correct its severity in the review") }
            guard severity != incident.severity else { throw .refused("incident \(incident.id) is \(severity.rawValue) already") }
            var event = IncidentEvent(.severity)
            event.severity = severity
            event.previousSeverity = incident.severity
            event.reason = reason
            return event
        }.0
    }

    /// `rbc incident resolve`: the end of the incident, with what caused it and what fixed it.
    public func resolve(_ name: String, rootCause: String, resolution: String, customerImpact: String?,
                        by: String, at: Date?, now: Date) throws(IncidentError) -> Incident {
        guard let rootCause = Self.text(rootCause) else { throw .usage("--root-cause needs a sentence (\"under investigation\" is one)") }
        guard let resolution = Self.text(resolution) else { throw .usage("--resolution must say what fixed it") }
        return try record(name, by: by, at: at, now: now) { incident throws(IncidentError) in
            if let refusal = Incident.transitionRefusal(from: incident.status, to: .resolved) { throw .refused(refusal) }
            var event = IncidentEvent(.resolved)
            event.status = .resolved
            event.previousStatus = incident.status
            event.rootCause = rootCause
            event.resolution = resolution
            event.customerImpact = Self.text(customerImpact)
            return event
        }.0
    }

    /// `rbc incident review --held`: the post-incident review took place.
    public func reviewed(_ name: String, review: String?, by: String, at: Date?, now: Date) throws(IncidentError) -> Incident {
        try record(name, by: by, at: at, now: now) { incident throws(IncidentError) in
            guard !incident.isOpen else { throw .refused("incident \(incident.id) is not resolved yet; review it after resolution") }
            guard incident.reviewedAt == nil else { throw .refused("the review of \(incident.id) is recorded already") }
            var event = IncidentEvent(.reviewed)
            event.review = Self.text(review)
            return event
        }.0
    }

    /// What a run attached to an incident says of itself.
    public struct RunInfo: Sendable {
        public var run: String
        public var runbook: String
        public var runbookPath: String
        public var commit: String?
        public var contentHash: String?
        public var journal: String?

        public init(run: String, runbook: String, runbookPath: String, commit: String?, contentHash: String?, journal: String?) {
            self.run = run
            self.runbook = runbook
            self.runbookPath = runbookPath
            self.commit = commit
            self.contentHash = contentHash
            self.journal = journal
        }
    }

    /// The check before `rbc run --incident` starts anything: the incident exists and is open.
    public func attachable(_ name: String) throws(IncidentError) -> Incident {
        let incident = try load(name)
        guard incident.isOpen else { throw .refused("incident \(incident.id) is resolved; a run for a recurrence belongs to a new incident") }
        return incident
    }

    /// `rbc run --incident`: the run starts, recorded in the incident with its runbook's commit and IR hash.
    public func runStarted(_ name: String, _ info: RunInfo, by: String, now: Date) throws(IncidentError) -> Incident {
        try record(name, by: by, at: nil, now: now) { incident throws(IncidentError) in
            guard incident.isOpen else { throw .refused("incident \(incident.id) is resolved; a run for a recurrence belongs to a new incident") }
            var event = IncidentEvent(.runStarted)
            Self.describe(info, in: &event)
            return event
        }.0
    }

    /// The attached run ended.
    public func runFinished(_ name: String, _ info: RunInfo, status: RunStatus, reason: String?, by: String, now: Date) throws(IncidentError) -> Incident {
        try record(name, by: by, at: nil, now: now) { _ in
            var event = IncidentEvent(.runFinished)
            Self.describe(info, in: &event)
            event.runStatus = status
            event.reason = Self.text(reason)
            return event
        }.0
    }

    static func describe(_ info: RunInfo, in event: inout IncidentEvent) {
        event.run = info.run
        event.runbook = info.runbook
        event.runbookPath = info.runbookPath
        event.commit = info.commit
        event.contentHash = info.contentHash
        event.journal = info.journal
    }

    /// After a message went out (or could not): what was sent, exactly as sent (secrets masked), and how.
    public func messageSent(_ name: String, kind: MessageKind, text: String, delivery: String, by: String, now: Date) throws(IncidentError) {
        _ = try record(name, by: by, at: nil, now: now) { _ in
            var event = IncidentEvent(.messageSent)
            event.message = kind.rawValue
            event.text = text
            event.delivery = delivery
            return event
        }
    }

    // MARK: - Names

    /// `2024-11-15-checkout-failure`: the day, then the title's first words (seed 001's channel names).
    static func slug(_ title: String) -> String {
        let words = title.lowercased().split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }.prefix(5)
        var slug = ""
        for word in words where slug.count + word.count < 40 { slug += (slug.isEmpty ? "" : "-") + word }
        return slug.isEmpty ? "incident" : slug
    }

    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 80 && !id.hasPrefix("-") && id.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
    }

    /// Trimmed text, nil when nothing is left.
    static func text(_ value: String?) -> String? {
        guard let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return trimmed
    }
}
