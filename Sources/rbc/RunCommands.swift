// `rbc plan`, `rbc run`, and what follows a run: `rbc runs`, `show`, `rollback`, `resume`, `timeline`.
// Thin: each parses flags, hands over to RunSession / the executor, prints, and maps the exit code.

import ArgumentParser
import Dispatch
import Foundation
import RunbookDriver
import RunbookRuntime
import RunbookSema
import RunbookSource

/// rbc's own lines go to standard error; commands' output to the matching stream, live.
struct ConsoleOutput: ExecutionOutput {
    func note(_ text: String) { Console.err(text + "\n") }
    func stream(_ chunk: String, isError: Bool) { isError ? Console.err(chunk) : Console.out(chunk) }
}

struct RunOptionGroup: ParsableArguments {
    @Option(name: .customLong("param"), help: ArgumentHelp("A parameter value (repeatable).", valueName: "name=value"))
    var params: [String] = []

    @Option(name: .customLong("params-file"), help: ArgumentHelp("A YAML or JSON file of parameter values.", valueName: "file"))
    var paramsFiles: [String] = []

    @Option(help: ArgumentHelp("Run this procedure (a Common Issue, an Emergency Procedure) instead of the main steps.", valueName: "name"))
    var procedure: String?

    @Option(name: .customLong("from"), help: ArgumentHelp("Start at this step; earlier ones are skipped (journaled as such).", valueName: "step"))
    var fromStep: String?

    @Option(name: .customLong("only"), parsing: .upToNextOption, help: ArgumentHelp("Run only these steps.", valueName: "step"))
    var onlySteps: [String] = []

    func options(dryRun: Bool) -> RunSession.Options {
        var options = RunSession.Options()
        options.paramArguments = params
        options.paramFiles = paramsFiles
        options.procedure = procedure
        options.fromStep = fromStep
        options.onlySteps = onlySteps
        options.dryRun = dryRun
        options.rbcVersion = RBC.version
        return options
    }
}

/// How long to wait for a config store another rbc holds (run, rollback, resume).
struct LockOptionGroup: ParsableArguments {
    @Option(name: .customLong("lock-wait"), help: ArgumentHelp("How long to wait for a config store another run holds, then refuse (exit 5).", valueName: "duration"))
    var lockWait: String = "10s"

    func milliseconds() throws -> Int {
        guard case .success(let wait) = DurationParser.milliseconds(lockWait) else { throw ValidationError("--lock-wait takes a duration such as 10s") }
        return wait
    }
}

/// Takes the run lock on a runbook's stores, or exits 5 saying who holds them.
func lockStores(_ ir: RunbookIR, _ settings: ExecutionSettings, alsoFiles: [String] = [], what: String) throws -> RunLock? {
    do {
        return try RunSession.lockStores(ir, settings: settings, alsoFiles: alsoFiles, what: what) { Console.err("rbc: \($0)\n") }
    } catch {
        throw refuse(error)
    }
}

/// Prints a refusal and exits with its code.
func refuse(_ refusal: RunSession.Refusal) -> ExitCode {
    switch refusal {
    case .diagnostics(let diagnostics, let code):
        let renderer = TextRenderer(color: isatty(2) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil)
        Console.err(renderer.render(diagnostics.sorted(by: Diagnostic.outputOrder), summary: RenderSummary(filesChecked: 1, diagnostics: diagnostics)))
        if code == RunSession.lintRefusalExitCode {
            Console.err("rbc: the linter reports errors, so the runbook was not run (fix them, or --force to run it anyway: the findings are journaled)\n")
        } else {
            Console.err("rbc: the runbook was not run\n")
        }
        return ExitCode(code)
    case .message(let text, let code):
        Console.err("rbc: error: \(text)\n")
        return ExitCode(code)
    }
}

/// Forwards signals to the executor while it works. SIGINT and SIGTERM stop the step and roll back,
/// a second one skips the remaining rollbacks; SIGHUP (the terminal went away) and SIGPIPE (so does a
/// closed stdout, seen as EPIPE) stop the run the same way, once: they never skip a rollback.
/// rbc also becomes a child subreaper here, so a step's escaped processes come back to it.
///
/// The handlers are in place when `init` returns (a dispatch signal source registers later, on
/// another thread, and a signal that came first was lost): each only writes the signal's number to
/// a pipe, which is async-signal-safe, and a thread of its own reads the pipe and does the work.
final class SignalForwarder {
    static let handled: [(Int32, String)] = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP"), (SIGPIPE, "SIGPIPE")]

    init(_ executor: Executor) {
        ProcessRunner.becomeChildSubreaper()
        let once = OnceSignals()
        let forward: @Sendable (String) -> Void = { name in
            if name == "SIGHUP" || name == "SIGPIPE" {
                guard once.first(name) else { return }
            }
            Console.err("\nrbc: \(name) received\(executor.signalCount == 0 ? ": stopping the current step, then rolling back" + (name == "SIGINT" || name == "SIGTERM" ? " (again to skip the rollback)" : "") : "")\n")
            executor.receive(signal: name)
        }
        var ends: [Int32] = [-1, -1]
        _ = pipe(&ends)
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        signalPipeWriteEnd = ends[1]
        _ = fcntl(ends[1], F_SETFL, O_NONBLOCK)
        let reader = ends[0]
        Thread.detachNewThread {
            var number: UInt8 = 0
            while true {
                let count = read(reader, &number, 1)
                if count < 0, errno == EINTR { continue }
                guard count == 1 else { break }
                if let name = SignalForwarder.handled.first(where: { $0.0 == Int32(number) })?.1 { forward(name) }
            }
            close(reader)
        }
        var action = sigaction()
        action.__sigaction_handler.sa_handler = writeSignalNumber
        action.sa_flags = SA_RESTART
        sigemptyset(&action.sa_mask)
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        for (number, _) in Self.handled {
            var previous = sigaction()
            sigaction(number, nil, &previous)
            // `nohup rbc run …` asks for hangups to be ignored: so they are.
            if number == SIGHUP, unsafeBitCast(previous.__sigaction_handler, to: Int.self) == 1 /* SIG_IGN */ { continue }
            sigaction(number, &action, nil)
            sigaddset(&unblocked, number)
        }
        // Whoever started rbc may have blocked them (a mask is inherited); this thread takes them.
        pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
        Console.onClosedOutput { forward("SIGPIPE") }
    }

    deinit {
        Console.onClosedOutput(nil)
        // After the run, until rbc exits, signals change nothing any more.
        for (number, _) in Self.handled { signal(number, SIG_IGN) }
        let writeEnd = signalPipeWriteEnd
        signalPipeWriteEnd = -1
        close(writeEnd) // the reading thread sees the end and closes its side
    }
}

/// The write end of the forwarder's pipe, read by the signal handler (set before it is installed).
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// The signal handler: one byte into the pipe, errno preserved. Nothing else is safe here.
private func writeSignalNumber(_ number: Int32) {
    let saved = errno
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalPipeWriteEnd, &byte, 1)
    errno = saved
}

/// SIGHUP and SIGPIPE count once each: a hangup or a closed pipe repeats itself, it is no second request.
private final class OnceSignals: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: Set<String> = []

    func first(_ name: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return seen.insert(name).inserted
    }
}

func printPlan(_ ir: RunbookIR, _ plan: [PlanEntry], json: Bool, missingParams: [String] = [], selection: String? = nil) {
    if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if let data = try? encoder.encode(plan) { Console.out(String(decoding: data, as: UTF8.self) + "\n") }
        return
    }
    var out = "Plan for \(ir.runbook.name) (\(ir.runbook.severity?.rawValue ?? "no severity"))\(selection.map { ", \($0)" } ?? "") — nothing below has run.\n"
    var list = ""
    var number = 0
    for entry in plan {
        if entry.list != list {
            list = entry.list
            out += "\n" + (list == "steps" ? "Steps" : list == "post_runbook" ? "After the steps" : "If the run aborts, after the steps' rollbacks") + ":\n"
        }
        number += 1
        let retries = entry.attempts > 1 ? ", up to \(entry.attempts) attempts" : ""
        let builtin = entry.timeoutSource == .builtin ? " (rbc's default: the step sets none)" : ""
        out += "\(number). \(entry.step)  [\(entry.action); timeout \(DurationParser.format(milliseconds: entry.timeoutMs))\(builtin)\(retries); on failure: \(entry.onFailure)]\n"
        if let condition = entry.condition { out += "   when \(condition)  → \(entry.conditionValue ?? "?")\n" }
        if let approval = entry.approval { out += "   \(approval)\n" }
        out += "   \(entry.detail)\n"
        if let rollback = entry.rollback { out += "   undo if a later step fails: \(rollback)\n" }
    }
    let undoable = plan.filter { $0.list == "steps" && $0.rollback != nil }.count
    let planned = plan.filter { $0.list == "steps" }.count
    out += "\n\(planned) step\(planned == 1 ? "" : "s"), \(undoable) with a rollback.\n"
    if selection == nil, !ir.procedures.isEmpty {
        out += "Procedures (`--procedure NAME` plans or runs one): "
            + ir.procedures.map { "\($0.id) (\($0.name), \($0.steps.count) step\($0.steps.count == 1 ? "" : "s"))" }.joined(separator: ", ") + "\n"
    }
    if !missingParams.isEmpty {
        out += "Not given: \(missingParams.map { "`\($0)`" }.joined(separator: ", ")) (shown as <params.NAME: not given>); `rbc run` needs "
            + "\(missingParams.count == 1 ? "it" : "them"): \(missingParams.map { "--param \($0)=…" }.joined(separator: " "))\n"
    }
    Console.out(out)
}

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show exactly what a run would do, without doing any of it (same as `rbc run --dry-run`).",
        discussion: """
        Every command after parameter substitution (secrets shown as ***), its timeout, retries and \
        condition, approvals, and the rollback that would undo each step if a later one failed. \
        Conditions on steps' results are decided at run time.

        Examples:
          rbc plan examples/postgres-connection-exhaustion.yaml --param cluster=orders-primary
          rbc plan examples/postgres-connection-exhaustion.yaml --params-file incident.yaml --format json
        """
    )

    @Argument(help: "The runbook file.") var file: String
    @OptionGroup var runOptions: RunOptionGroup
    @Option(help: "Output format: text or json.") var format: PlanFormat = .text

    enum PlanFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    func run() throws { try plan(file: file, options: runOptions.options(dryRun: true), json: format == .json) }
}

func plan(file: String, options: RunSession.Options, json: Bool) throws {
    let prepared: RunSession.Prepared
    do { prepared = try RunSession.prepare(file, options: options) } catch { throw refuse(error) }
    let executor = Executor(ir: prepared.ir, settings: prepared.settings, output: ConsoleOutput(), prompter: TerminalPrompter(), journal: nil)
    let outcome = executor.run(runID: "plan")
    // What the linter finds comes first: a run refuses its errors unless forced.
    let findings = prepared.lintFindings.filter { $0.severity == .error }
    if !findings.isEmpty {
        let rendered = TextRenderer(color: false).render(findings, summary: RenderSummary(filesChecked: 1, diagnostics: findings))
        let blocking = "rbc run refuses this runbook while these errors stand (--force overrides them, journaled)\n"
        if json { Console.err(rendered + blocking) } else { Console.out(rendered + blocking + "\n") }
    }
    printPlan(prepared.ir, outcome.plan, json: json, missingParams: prepared.settings.missingParams, selection: prepared.settings.selection)
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a runbook: each step with its timeout and retries; on failure, roll back what ran.",
        discussion: """
        Every event is appended to .rbc/runs/<run-id>.jsonl and fsync'd before the action it announces. \
        Steps with `confirm: true` and manual steps ask on the terminal; without one, they need --yes or \
        --approve STEP, or they fail (never approved on your behalf). Ctrl-C ends the current step and \
        rolls back; a second Ctrl-C skips the rollback (after asking). A runbook with uncommitted changes \
        is refused unless --allow-dirty.

        Exit codes: 0 succeeded; 1 failed (rolled back, halted, or steps failed with on_failure: continue); \
        2 not started (usage, compile or parameter errors, dirty); 3 a rollback failed: the system may be \
        partly changed; 4 the journal could not be written (full disk): the run stopped and rolled back; \
        5 not started: a config store is held by another run (--lock-wait); 6 not started: the linter reports errors (--force runs anyway); 130 interrupted.

        Examples:
          rbc run examples/postgres-connection-exhaustion.yaml --param cluster=orders-primary
          rbc run examples/postgres-connection-exhaustion.yaml --dry-run
          rbc run examples/order-service.md --procedure "Emergency Scale" --step
          rbc run examples/postgres-connection-exhaustion.yaml --from raise-pool-size --param cluster=orders-primary
          rbc run examples/postgres-connection-exhaustion.yaml --params-file incident.yaml --approve terminate-idle
        """
    )

    @Argument(help: "The runbook file.") var file: String
    @OptionGroup var runOptions: RunOptionGroup
    @Flag(help: "Plan only: show what would run (same as `rbc plan`).") var dryRun = false
    @Flag(help: "Approve every step that asks (confirm: true, manual steps).") var yes = false
    @Flag(name: .customLong("step"), help: "Step by step: show each exact command, then run, skip or abort; after a failure retry, skip or abort.")
    var stepMode = false
    @Option(name: .customLong("approve"), help: ArgumentHelp("Approve this step (repeatable).", valueName: "step")) var approve: [String] = []
    @Flag(help: "Run even though the runbook has uncommitted changes.") var allowDirty = false
    @Flag(help: "Run even though the linter reports errors (the overridden findings are journaled).") var force = false
    @Option(name: .customLong("kill-grace"), help: ArgumentHelp("Between SIGTERM and SIGKILL when a step times out.", valueName: "duration"))
    var killGrace: String = "5s"
    @Option(help: ArgumentHelp("Attach the run to this open incident: its record gets the run's start and end (docs/incidents.md).", valueName: "id"))
    var incident: String?
    @OptionGroup var lockOptions: LockOptionGroup

    func run() throws {
        var options = runOptions.options(dryRun: dryRun)
        if dryRun { return try plan(file: file, options: options, json: false) }
        options.approveAll = yes
        options.approvedSteps = Set(approve)
        options.allowDirty = allowDirty
        options.stepMode = stepMode
        options.force = force
        guard case .success(let grace) = DurationParser.milliseconds(killGrace) else {
            throw ValidationError("--kill-grace takes a duration such as 5s")
        }
        options.gracePeriodMs = grace
        let prepared: RunSession.Prepared
        do { prepared = try RunSession.prepare(file, options: options) } catch { throw refuse(error) }
        var runSettings = prepared.settings
        runSettings.lockWaitMs = try lockOptions.milliseconds()
        if let incident {
            do { runSettings.incident = try IncidentRunLink.check(incident: incident) } catch {
                Console.err("rbc: error: \(error); nothing ran\n")
                throw ExitCode(2)
            }
        }
        // Before the journal: a run that cannot have its stores leaves nothing behind.
        let runLock = try lockStores(prepared.ir, runSettings, what: "rbc run")
        defer { runLock?.release() }
        let runID: String
        let journal: Journal
        do {
            (runID, journal) = try Journal.create(in: prepared.runsDirectory, reserveBytes: Executor.journalReserve(for: prepared.ir, undoing: 1))
        } catch {
            // Nothing ran: without room for the journal, a run does not start.
            Console.err("rbc: error: \(error); nothing ran\n")
            throw ExitCode(error is JournalError ? 4 : 2)
        }
        let path = journal.path
        var incidentLink: IncidentRunLink?
        if let incident = runSettings.incident {
            // Before anything runs: the incident names the run, so a run killed mid-way is still in its timeline.
            do { incidentLink = try IncidentRunLink.begin(incident: incident, runID: runID, journalPath: path, ir: prepared.ir, settings: runSettings) } catch {
                unlink(path)
                Console.err("rbc: error: \(error); nothing ran\n")
                throw ExitCode(2)
            }
        }
        Console.err("rbc: run \(runID) of \(prepared.ir.runbook.name); journal \(path)\(incidentLink.map { " (incident \($0.incidentID))" } ?? "")\n")
        let executor = Executor(ir: prepared.ir, settings: runSettings, output: ConsoleOutput(), prompter: TerminalPrompter(), journal: journal)
        let forwarder = SignalForwarder(executor)
        let outcome = executor.run(runID: runID)
        withExtendedLifetime(forwarder) {}
        if outcome.journalFailure != nil, (try? Journal.read(path))?.isEmpty ?? false {
            // Not even the run's start could be journaled: nothing ran, and no empty journal stays behind.
            unlink(path)
            Console.err("rbc: error: \(outcome.journalFailure ?? ""); nothing ran\n")
            throw ExitCode(4)
        }
        Console.err("rbc: run \(runID) \(outcome.status.rawValue)\(outcome.reason.map { ": \($0)" } ?? "")\n")
        if let incidentLink {
            do { Console.err("rbc: \(try incidentLink.end(status: outcome.status, reason: outcome.reason))\n") } catch {
                Console.err("rbc: warning: the run's end could not be recorded in incident \(incidentLink.incidentID): \(error)\n")
            }
        }
        if outcome.journalFailure != nil {
            Console.err(outcome.status == .rolledBack
                ? "rbc: the journal could not be written, so the run stopped and what it had done was rolled back\n"
                : "rbc: the journal could not be written, so the run stopped; not everything was rolled back: free space, then `rbc rollback \(runID)`\n")
        }
        if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
    }
}

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List past runs, newest first, with their status and duration.",
        discussion: "A run whose journal has no end (rbc was killed) is listed as interrupted, its duration as ≥ the time to its last event.\n\nExamples:\n  rbc runs\n  rbc runs --format json")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }
    @Option(help: "Output format: text or json.") var format: Format = .text

    func run() throws {
        let directory = RunSession.runsDirectory()
        var rows: [[String: String]] = []
        for path in RunState.list(in: directory) {
            do {
                let state = try RunState(path: path)
                // A killed run's journal ends at its last event: it ran at least that long, how much longer is unknown.
                let duration = DurationParser.format(milliseconds: max(state.durationMs, 1))
                rows.append(["run": state.runID, "runbook": state.ir.runbook.name, "status": state.status, "started": state.started,
                             "duration": state.finished == nil ? "≥" + duration : duration, "path": path])
            } catch {
                rows.append(["run": (path as NSString).lastPathComponent, "runbook": "?", "status": "unreadable: \(error)", "started": "", "duration": "", "path": path])
            }
        }
        if format == .json {
            let data = (try? JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])) ?? Data()
            Console.out(String(decoding: data, as: UTF8.self) + "\n")
            return
        }
        if rows.isEmpty { Console.err("no runs in \(directory)\n") }
        for row in rows {
            Console.out("\(row["run"] ?? "")  \((row["status"] ?? "").padding(toLength: 23, withPad: " ", startingAt: 0))  \((row["duration"] ?? "").padding(toLength: 9, withPad: " ", startingAt: 0))  \(row["runbook"] ?? "")\n")
        }
    }
}

struct RunArgument: ParsableArguments {
    @Argument(help: "A run id (or its unique start), `last`, or a journal path.") var run: String

    func state() throws -> RunState {
        let path: String
        do { path = try RunSession.findRun(run) } catch { throw refuse(error) }
        do { return try RunState(path: path) } catch {
            Console.err("rbc: error: \(error)\n")
            throw ExitCode(2)
        }
    }
}

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a run's journal: every event, in order.",
        discussion: "Examples:\n  rbc show last\n  rbc show 20261122T1328")

    @OptionGroup var target: RunArgument

    func run() throws {
        let state = try target.state()
        var out = "run \(state.runID): \(state.ir.runbook.name) — \(state.status)\n"
        out += "runbook \(state.runbookPath)\(state.commit.map { " at \($0.prefix(10))" } ?? ""), started \(state.started)\n\n"
        for entry in Timeline.document(state).entries { out += "\(entry.time)  \(entry.detail)\n" }
        Console.out(out)
    }
}

struct TimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline", abstract: "Draft the post-incident review of a run from its journal.",
        discussion: "Examples:\n  rbc timeline last --format md > pir.md\n  rbc timeline last --format json")

    enum Format: String, ExpressibleByArgument, CaseIterable { case md, json }
    @OptionGroup var target: RunArgument
    @Option(help: "Output format: md or json.") var format: Format = .md

    func run() throws {
        let state = try target.state()
        if format == .json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = (try? encoder.encode(Timeline.document(state))) ?? Data()
            Console.out(String(decoding: data, as: UTF8.self) + "\n")
        } else {
            Console.out(Timeline.markdown(state))
        }
    }
}

/// Settings to continue or undo a past run: its journal's parameters, secrets given again. The
/// commands run where the run ran, and its stores are the files it changed, wherever rbc is
/// started from now.
func settings(for state: RunState, _ runOptions: RunOptionGroup, yes: Bool) throws -> ExecutionSettings {
    if let directory = state.workingDirectory {
        guard FileManager.default.changeCurrentDirectoryPath(directory) else {
            Console.err("rbc: error: the run's working directory \(directory) is gone; its commands cannot run where they ran\n")
            throw ExitCode(2)
        }
    }
    var settings = ExecutionSettings()
    var values = state.params
    let secrets = Set(state.ir.params.filter(\.secret).map(\.name))
    for name in secrets { values.removeValue(forKey: name) }
    let (given, problems) = ParamBinder.parse(arguments: runOptions.params)
    guard problems.isEmpty else { throw refuse(.diagnostics(problems, 2)) }
    for value in given { values[value.name] = ParamBinder.bind([value], to: state.ir, runbook: nil).values[value.name] ?? .string(value.node.scalarValue ?? "") }
    settings.params = values
    settings.approveAll = yes
    Configuration.discover().0.applyProviders(to: &settings)
    for (name, path) in state.storePaths { settings.stores[name] = ConfigStore(name: name, path: path) }
    settings.root = state.root
    settings.runbookPath = state.runbookPath
    settings.commit = state.commit
    settings.rbcVersion = RBC.version
    return settings
}

/// Asks on the terminal; exit 1 when declined, 2 when there is no terminal to ask on.
func confirm(_ question: String, refused: String) throws {
    let answer = TerminalPrompter().confirm(question)
    guard answer == true else {
        Console.err("rbc: \(refused) (\(answer == nil ? "no terminal: pass --yes" : "declined"))\n")
        throw ExitCode(answer == nil ? 2 : 1)
    }
}

/// A past run's journal, opened to append after its last complete event.
func reopenJournal(_ state: RunState) throws -> Journal {
    do { return try Journal.reopen(state.path, continuingAfter: state.events.last?.seq ?? 0) } catch {
        Console.err("rbc: error: \(error)\n")
        throw ExitCode(2)
    }
}

struct RollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback", abstract: "Undo the steps a past run completed, newest first, from its journal.",
        discussion: """
        Works on any run, including one killed mid-step. Each completed step's rollback runs (an \
        update_config without one restores the value recorded before it); undos that succeeded are \
        skipped, so after a failed rollback it retries exactly what failed. A journal path works from any \
        directory: rollback commands run where the run ran. Secret parameters are not in the journal: \
        give them again with --param. Exit codes: 0 everything undone, 3 an undo failed, 2 not found or busy.

        Examples:
          rbc rollback last
          rbc rollback 20261122T132800Z-4f2a --yes
        """)

    @OptionGroup var target: RunArgument
    @OptionGroup var runOptions: RunOptionGroup
    @Flag(help: "Do not ask for confirmation.") var yes = false
    @OptionGroup var lockOptions: LockOptionGroup

    func run() throws {
        let state = try target.state()
        let pending = state.pendingUndos + state.pendingRunbookRollbacks.map(\.id)
        guard !pending.isEmpty else {
            Console.err("rbc: run \(state.runID) has nothing to roll back\n")
            return
        }
        if !yes { try confirm("Roll back \((state.pendingUndos.reversed() + state.pendingRunbookRollbacks.map(\.id)).joined(separator: ", ")) of run \(state.runID)?", refused: "not rolled back") }
        let journal = try reopenJournal(state)
        var rollbackSettings = try settings(for: state, runOptions, yes: true)
        rollbackSettings.lockWaitMs = try lockOptions.milliseconds()
        let changed = state.pendingUndos.compactMap { state.configChanges[$0]?.path }
        let runLock = try lockStores(state.ir, rollbackSettings, alsoFiles: changed, what: "rbc rollback")
        defer { runLock?.release() }
        let executor = Executor(ir: state.ir, settings: rollbackSettings, output: ConsoleOutput(),
                                prompter: TerminalPrompter(), journal: journal)
        let forwarder = SignalForwarder(executor)
        let outcome = executor.rollback(state)
        withExtendedLifetime(forwarder) {}
        Console.err("rbc: run \(state.runID) \(outcome.status.rawValue)\n")
        if outcome.status != .rolledBack {
            Console.err("rbc: \(outcome.journalFailure.map { "\($0); " } ?? "")`rbc rollback \(state.runID)` retries the undos that did not succeed\n")
            throw ExitCode(3)
        }
    }
}

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Continue a past run from its first step that did not complete.",
        discussion: """
        A step that was running when the run stopped is run again from its start. Completed steps keep \
        their results (outputs included) for later expressions, and are rolled back if the run aborts. \
        Secret parameters are not in the journal: give them again with --param.

        Examples:
          rbc resume last --yes
        """)

    @OptionGroup var target: RunArgument
    @OptionGroup var runOptions: RunOptionGroup
    @Flag(help: "Do not ask for confirmation; approve steps that ask.") var yes = false
    @Option(name: .customLong("approve"), help: ArgumentHelp("Approve this step (repeatable).", valueName: "step")) var approve: [String] = []
    @OptionGroup var lockOptions: LockOptionGroup

    func run() throws {
        let state = try target.state()
        guard state.finished == nil || state.status == "interrupted" else {
            Console.err("rbc: run \(state.runID) ended (\(state.status)); nothing to resume\n")
            throw ExitCode(2)
        }
        guard let index = state.firstIncomplete else {
            Console.err("rbc: every step of run \(state.runID) completed\n")
            return
        }
        if !yes { try confirm("Resume run \(state.runID) at step \(state.ir.steps[index].id)?", refused: "not resumed") }
        let journal = try reopenJournal(state)
        var runSettings = try settings(for: state, runOptions, yes: yes)
        runSettings.approvedSteps = Set(approve)
        runSettings.lockWaitMs = try lockOptions.milliseconds()
        let runLock = try lockStores(state.ir, runSettings, what: "rbc resume")
        defer { runLock?.release() }
        let executor = Executor(ir: state.ir, settings: runSettings, output: ConsoleOutput(), prompter: TerminalPrompter(), journal: journal)
        let forwarder = SignalForwarder(executor)
        let outcome = executor.resume(state)
        withExtendedLifetime(forwarder) {}
        Console.err("rbc: run \(state.runID) \(outcome.status.rawValue)\(outcome.reason.map { ": \($0)" } ?? "")\n")
        if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
    }
}
