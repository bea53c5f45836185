// `rbc incident …`: incidents as code. Thin: each subcommand parses flags, calls RunbookIncident
// through the configuration's settings, prints, and maps refusals to exit codes (1 refused by the
// lifecycle or the clock, 2 usage or I/O).

import ArgumentParser
import Foundation
import RunbookDriver
import RunbookIncident
import RunbookSema
import RunbookSource

struct IncidentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incident",
        abstract: "Declare and run an incident: its record in incidents/, status, notes, messages.",
        discussion: """
        Each incident is an append-only record, incidents/<id>.jsonl (one fsync'd JSON event per line: \
        when, who, what), meant to be committed and reviewed. Times are UTC.

        Exit codes: 0 done; 1 refused (an invalid transition, a time that goes backwards); 2 usage or I/O.

        Examples:
          rbc incident declare --severity P1 --title "Checkout failing" --impact "8% of checkouts fail"
          rbc incident status 2024-11-15-checkout-failing investigating
          rbc incident note 2024-11-15-checkout "deploy v3.2 at 14:00 is the likely cause"
          rbc incident list
          rbc incident show 2024-11-15-checkout
        """,
        subcommands: [DeclareCommand.self, StatusCommand.self, NoteCommand.self, UpdateCommand.self, SeverityCommand.self,
                      ResolveCommand.self, IncidentReviewCommand.self, ListCommand.self, IncidentShowCommand.self]
    )
}

/// `--now`: the clock every incident command and `rbc stats` read (tests, replaying an incident).
struct ClockOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Take this as the current time (UTC), e.g. 2024-11-15T14:26:00Z.", valueName: "time")) var now: String?

    /// `--now`, else the fixed time `RBC_TEST_CLOCK` gives (the test hook run journals use, so a
    /// replayed incident and its runs share one clock), else the real time.
    func clock() throws -> Date {
        guard let now else { return ProcessInfo.processInfo.environment["RBC_TEST_CLOCK"].flatMap(IncidentClock.date) ?? Date() }
        guard let date = IncidentClock.parse(now, now: Date()) else { throw ValidationError("--now takes a UTC time such as 2024-11-15T14:26:00Z") }
        return date
    }
}

/// Who acts and when: `--by` (default $USER) and the clock.
struct IncidentActorOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Who does or says this (default: $USER).", valueName: "name")) var by: String?
    @OptionGroup var clockOptions: ClockOptions

    var actor: String { by ?? ProcessInfo.processInfo.environment["USER"] ?? NSUserName() }

    func clock() throws -> Date { try clockOptions.clock() }

    /// A time given with another flag, read against the clock.
    func time(_ text: String?, flag: String) throws -> Date? {
        guard let text else { return nil }
        guard let date = IncidentClock.parse(text, now: try clock()) else {
            throw ValidationError("\(flag) takes a UTC time: 2024-11-15T14:22:00Z, 2024-11-15 14:22, or 14:22 (today)")
        }
        return date
    }
}

/// What every change to an incident's record takes: when it happened (`--at`), who, and the clock.
struct IncidentChangeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("When it happened (UTC; default now).", valueName: "time")) var at: String?
    @OptionGroup var actor: IncidentActorOptions

    var by: String { actor.actor }

    /// The configured store, the clock, and the event's time (`--at`; nil for now).
    func context() throws -> (store: IncidentStore, now: Date, at: Date?) {
        (try incidentStore(), try actor.clock(), try actor.time(at, flag: "--at"))
    }
}

/// The configured incident store; configuration errors stop the command.
func incidentStore() throws -> IncidentStore {
    let (config, diagnostics) = Configuration.discover()
    let errors = diagnostics.filter { $0.severity == .error }
    if !errors.isEmpty { throw refuse(.diagnostics(errors, 2), outcome: "the incident command was not run: fix \(Configuration.fileName) first") }
    return IncidentStore(settings: config.incidentSettings)
}

/// Runs an incident operation, printing a refusal and exiting with its code.
func incidentAction<T>(_ body: () throws(IncidentError) -> T) throws -> T {
    do { return try body() } catch {
        Console.err("rbc: error: \(error)\n")
        throw ExitCode(error.exitCode)
    }
}

extension IncidentStatus: ExpressibleByArgument {}

struct SeverityArgument: ExpressibleByArgument {
    let severity: StepSeverity
    init?(argument: String) {
        guard let severity = SeveritySpelling.severity(argument) else { return nil }
        self.severity = severity
    }
}

struct DeclareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "declare", abstract: "Declare an incident: write its record and print the INCIDENT DECLARED message.",
        discussion: """
        The id is the day and the title's first words (2024-11-15-checkout-failing), the channel \
        #incident-<id>. --started-at (impact began) and --detected-at (the alert fired) default to now; \
        MTTD is the gap between them.

        Examples:
          rbc incident declare --severity SEV2 --title "Checkout failing" --impact "8% of checkouts fail" \\
            --started-at 14:00 --detected-at 14:22 --alert CheckoutErrorBudgetBurn --commander bob
        """)

    @Option(help: ArgumentHelp("P0–P3 (SEV1–SEV4 work too).", valueName: "severity")) var severity: SeverityArgument
    @Option(help: "What is broken, in a few words.") var title: String
    @Option(help: "Who is affected and how.") var impact: String?
    @Option(name: .customLong("started-at"), help: ArgumentHelp("When impact began (UTC).", valueName: "time")) var startedAt: String?
    @Option(name: .customLong("detected-at"), help: ArgumentHelp("When the alert fired or someone noticed (UTC).", valueName: "time")) var detectedAt: String?
    @Option(help: "The alert that fired.") var alert: String?
    @Option(help: ArgumentHelp("The incident commander (default: --by).", valueName: "name")) var commander: String?
    @Option(help: ArgumentHelp("The incident channel (default: #incident-<id>).", valueName: "channel")) var channel: String?
    @Option(help: ArgumentHelp("The incident's id (default: the day and the title's first words).", valueName: "id")) var id: String?
    @Option(help: ArgumentHelp("The first status (default: triage).", valueName: "status")) var status: IncidentStatus = .triage
    @OptionGroup var actor: IncidentActorOptions

    func run() throws {
        let store = try incidentStore()
        var declaration = IncidentStore.Declaration(title: title, severity: severity.severity)
        declaration.impact = impact
        declaration.startedAt = try actor.time(startedAt, flag: "--started-at")
        declaration.detectedAt = try actor.time(detectedAt, flag: "--detected-at")
        declaration.alert = alert
        declaration.commander = commander
        declaration.channel = channel
        declaration.id = id
        declaration.status = status
        let now = try actor.clock()
        if status == .resolved { throw ValidationError("an incident cannot be declared resolved") }
        let incident = try incidentAction { () throws(IncidentError) in try store.declare(declaration, by: actor.actor, now: now) }
        Console.err("rbc: incident \(incident.id) declared; record \(SourceLoader.shown(incident.path))\n")
        try announce(.declared, incident, store: store, by: actor.actor, now: now)
    }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Move an incident through its lifecycle.",
        discussion: """
        triage → investigating → identified → mitigating → mitigated → resolved. Forward moves may skip \
        statuses; resolving needs `mitigated` first (and `rbc incident resolve`); a mitigation that did not \
        hold goes back to investigating, identified or mitigating; nothing goes back to triage or follows \
        resolved. --at records a past time, never earlier than the last event.

        Examples:
          rbc incident status 2024-11-15-checkout investigating
          rbc incident status 2024-11-15-checkout mitigated --at 14:35 --reason "rollback complete"
        """)

    @Argument(help: "The incident id (or its unique start).") var incident: String
    @Argument(help: "triage, investigating, identified, mitigating or mitigated.") var status: IncidentStatus
    @Option(help: "Why (shown in the log and the review).") var reason: String?
    @OptionGroup var change: IncidentChangeOptions

    func run() throws {
        let (store, now, time) = try change.context()
        let updated = try incidentAction { () throws(IncidentError) in
            try store.setStatus(incident, to: status, reason: reason, by: change.by, at: time, now: now)
        }
        Console.out((updated.events.last.map(IncidentViews.logLine) ?? "") + "\n")
    }
}

struct NoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "note", abstract: "Add to the scribe's log: [HH:MM UTC] [who] text.",
        discussion: """
        Examples:
          rbc incident note 2024-11-15-checkout "error rate 8%, all NullPointerException in checkout v3.2"
          rbc incident note 2024-11-15-checkout "paged IC bob" --at 14:27 --by alice
        """)

    @Argument(help: "The incident id (or its unique start).") var incident: String
    @Argument(help: "What happened, was found or was decided.") var text: String
    @OptionGroup var change: IncidentChangeOptions

    func run() throws {
        let (store, now, time) = try change.context()
        let (_, event) = try incidentAction { () throws(IncidentError) in try store.note(incident, text: text, by: change.by, at: time, now: now) }
        Console.out(IncidentViews.logLine(event) + "\n")
    }
}

/// Prints a message, posts it to the notification webhook, and records what was sent and how.
/// Exit 1 when it could not be delivered: the event is recorded, but stakeholders have not heard.
func announce(_ kind: MessageKind, _ incident: Incident, store: IncidentStore, values: [String: String] = [:], by: String, now: Date) throws {
    let messenger = IncidentMessenger(settings: store.settings)
    let text = messenger.compose(kind, incident, now: now, values: values)
    Console.out(text + "\n")
    let delivery = messenger.deliver(text, kind: kind, incident: incident, userAgent: "rbc/\(RBC.version)")
    // With no webhook there is nothing to audit: the event itself says stakeholders were to be told.
    if delivery == .notConfigured { return }
    _ = try incidentAction { () throws(IncidentError) in
        try store.messageSent(incident.id, kind: kind, text: text, delivery: delivery.text, by: by, now: max(now, incident.lastEventTime ?? now))
    }
    if case .failed(let reason) = delivery {
        Console.err("rbc: error: the \(kind.heading) message was recorded but not delivered: \(reason); send it by hand, or `rbc incident update \(incident.id)` again\n")
        throw ExitCode(1)
    }
}

struct UpdateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Send the INCIDENT UPDATE message (seed 001) and restart the update clock.",
        discussion: """
        Duration runs from when impact started; actions taken list the runs attached (`rbc run --incident`) \
        after --actions; the next update is due after the severity's cadence (P0 15 minutes, P1 30, P2 2 \
        hours, P3 daily). Without --state the last note is the current state.

        Examples:
          rbc incident update 2024-11-15-checkout --state "error rate back at baseline" --next "monitor 15 minutes"
          rbc incident update 2024-11-15-checkout --status mitigating --actions "rollback to v3.1 started"
        """)

    @Argument(help: "The incident id (or its unique start).") var incident: String
    @Option(help: "What is happening now.") var state: String?
    @Option(help: "What has been tried (runs attached are added).") var actions: String?
    @Option(name: .customLong("next"), help: "What will be done next.") var nextSteps: String?
    @Option(help: ArgumentHelp("Move to this status with the update.", valueName: "status")) var status: IncidentStatus?
    @OptionGroup var change: IncidentChangeOptions

    func run() throws {
        let (store, now, time) = try change.context()
        let (updated, event) = try incidentAction { () throws(IncidentError) in
            try store.update(incident, state: state, actions: actions, nextSteps: nextSteps, status: status, by: change.by, at: time, now: now)
        }
        try announce(.update, updated, store: store, values: IncidentViews.updateValues(updated, event), by: change.by, now: now)
        let due = store.settings.policy.nextUpdate(after: updated.lastCommunicationAt, severity: updated.severity)
        Console.err("rbc: next update due \(IncidentViews.stamp(due))\n")
    }
}

struct SeverityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "severity", abstract: "Re-classify an incident (escalate or downgrade), with the reason.",
        discussion: """
        The cadence and escalation clock follow the new severity from now. Seed 001: a P2 open over 4 \
        hours becomes P1, a P1 over 2 hours P0; `rbc incident list` says when one is due.

        Examples:
          rbc incident severity 2024-11-15-checkout P0 --reason "all checkouts failing"
        """)

    @Argument(help: "The incident id (or its unique start).") var incident: String
    @Argument(help: "The new severity: P0–P3 (SEV1–SEV4 work too).") var severity: SeverityArgument
    @Option(help: "Why (required: seed 001 asks for the reasoning).") var reason: String
    @OptionGroup var change: IncidentChangeOptions

    func run() throws {
        let (store, now, time) = try change.context()
        let updated = try incidentAction { () throws(IncidentError) in
            try store.reclassify(incident, to: severity.severity, reason: reason, by: change.by, at: time, now: now)
        }
        Console.out((updated.events.last.map(IncidentViews.logLine) ?? "") + "\n")
        Console.err("rbc: updates now every \(store.settings.policy.cadenceText(updated.severity)); tell stakeholders: `rbc incident update \(updated.id)`\n")
    }
}

struct ResolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve", abstract: "Resolve an incident and send the INCIDENT RESOLVED message (seed 001).",
        discussion: """
        Needs the incident mitigated (service restored). The message names \
        the review's due date: 48 hours after resolution for P0 and P1, a week for P2.

        Examples:
          rbc incident resolve 2024-11-15-checkout --root-cause "NullPointerException in checkout v3.2" \
            --resolution "rolled back to v3.1" --customer-impact "18 minutes of ~8% failed checkouts"
        """)

    @Argument(help: "The incident id (or its unique start).") var incident: String
    @Option(name: .customLong("root-cause"), help: "One sentence (\"under investigation\" is one).") var rootCause: String
    @Option(help: "What fixed it.") var resolution: String
    @Option(name: .customLong("customer-impact"), help: "What users saw (default: the declared impact).") var customerImpact: String?
    @OptionGroup var change: IncidentChangeOptions

    func run() throws {
        let (store, now, time) = try change.context()
        let resolved = try incidentAction { () throws(IncidentError) in
            try store.resolve(incident, rootCause: rootCause, resolution: resolution, customerImpact: customerImpact, by: change.by, at: time, now: now)
        }
        if let note = store.settings.policy.monitoringNote(resolved) { Console.err("rbc: note: \(note)\n") }
        try announce(.resolved, resolved, store: store, by: change.by, now: now)
    }
}

struct IncidentReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review", abstract: "Draft the post-incident review (seed 001's template), or record that it was held.",
        discussion: """
        The draft fills in what rbc knows: the timeline merged from the incident's events and the attached \
        runs' journals (one row per step outcome, config changes old → new, rollbacks and failed \
        rollbacks), MTTD / MTTM / MTTR, the runbook (path @ commit) that mitigated it, failed rollbacks, \
        action items for runs that failed; the rest are [marked prompts]. --held records that the review \
        took place (due 48 hours after resolution for P0/P1, a week for P2).

        Examples:
          rbc incident review 2024-11-15-checkout > pir.md
          rbc incident review 2024-11-15-checkout --held --link docs/pir/2024-11-15-checkout.md
        """)

    @Argument(help: "The incident id (or its unique start).") var incident: String
    @Flag(help: "The review took place: record it (overdue reviews are reported until then); without it, print the draft.") var held = false
    @Option(help: ArgumentHelp("Where the review is (a file, a link).", valueName: "where")) var link: String?
    @OptionGroup var change: IncidentChangeOptions

    func run() throws {
        let (store, now, time) = try change.context()
        guard held else {
            let draft = try incidentAction { () throws(IncidentError) in try IncidentReports.review(incident, now: now) }
            return Console.out(draft)
        }
        let reviewed = try incidentAction { () throws(IncidentError) in try store.reviewed(incident, review: link, by: change.by, at: time, now: now) }
        Console.out((reviewed.events.last.map(IncidentViews.logLine) ?? "") + "\n")
    }
}

enum IncidentFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

func printJSON<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    if let data = try? encoder.encode(value) { Console.out(String(decoding: data, as: UTF8.self) + "\n") }
}

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List open incidents, with overdue updates and escalations due.",
        discussion: """
        An update is overdue when the severity's cadence has passed since stakeholders last heard (P0 \
        15 minutes, P1 30, P2 2 hours, P3 daily); an escalation is due when a P2 stays open over 4 hours \
        (→ P1) or a P1 over 2 hours (→ P0). Both are configurable in .rbc.yaml (docs/incidents.md).

        Examples:
          rbc incident list
          rbc incident list --all --format json
        """)

    @Flag(help: "Resolved incidents too.") var all = false
    @Option(help: "Output format: text or json.") var format: IncidentFormat = .text
    @OptionGroup var clockOptions: ClockOptions

    func run() throws {
        let store = try incidentStore()
        let clock = try clockOptions.clock()
        let (incidents, unreadable) = store.all()
        for (id, error) in unreadable { Console.err("rbc: warning: incident \(id) is unreadable: \(error)\n") }
        let rows = incidents.filter { all || $0.isOpen }.map { IncidentViews.row($0, policy: store.settings.policy, now: clock) }
        if format == .json { return printJSON(rows) }
        if rows.isEmpty { Console.err(all ? "no incidents in \(store.directory)\n" : "no open incidents (--all lists resolved ones)\n") }
        Console.out(IncidentViews.list(rows))
    }
}

struct IncidentShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show an incident and its log, event by event.",
        discussion: "Examples:\n  rbc incident show 2024-11-15-checkout\n  rbc incident show 2024-11-15-checkout --format json")

    @Argument(help: "The incident id (or its unique start).") var incident: String
    @Option(help: "Output format: text (the log) or json (the events).") var format: IncidentFormat = .text
    @OptionGroup var clockOptions: ClockOptions

    func run() throws {
        let store = try incidentStore()
        let clock = try clockOptions.clock()
        let loaded = try incidentAction { () throws(IncidentError) in try store.load(incident) }
        if format == .json { return printJSON(loaded.events) }
        Console.out(IncidentViews.show(loaded, policy: store.settings.policy, now: clock))
    }
}

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Incident and runbook metrics: MTTD, MTTM, MTTR by severity, runbook success and rollback rates.",
        discussion: """
        Per severity (seed 002's definitions): MTTD = detected − impact started, MTTM = declared → \
        mitigated, MTTR = impact started → resolved, and the share mitigated within the severity's target \
        (P0 30 minutes, P1 2 hours, P2 24 hours, P3 a week). Per runbook and runbook commit, from every \
        journal in .rbc/runs: runs, success rate, rollback rate, mean duration. Reviews overdue. \
        `--format json` is the stable `rbc.stats/v1` document (docs/incidents.md#stats).

        Examples:
          rbc stats
          rbc stats --since 2024-11-01 --format json
        """)

    @Option(help: ArgumentHelp("Only incidents declared and runs started at or after this time (UTC).", valueName: "time")) var since: String?
    @Option(help: "Output format: text or json.") var format: IncidentFormat = .text
    @OptionGroup var clockOptions: ClockOptions

    func run() throws {
        let clock = try clockOptions.clock()
        var start: Date?
        if let since {
            guard let date = IncidentClock.parse(since, now: clock) ?? IncidentClock.parse(since + "T00:00:00Z", now: clock) else {
                throw ValidationError("--since takes a UTC date or time: 2024-11-01 or 2024-11-01T00:00:00Z")
            }
            start = date
        }
        let stats = IncidentReports.stats(since: start, now: clock)
        if format == .json { return printJSON(stats) }
        Console.out(stats.text())
    }
}
