// What `rbc plan`, `run`, `runs`, `show`, `timeline`, `rollback` and `resume` do, in one place: the
// CLI parses flags and hands over here; this wires RunSession, the Executor, the Journal, RunState
// and the parameters, writes through the CLI's terminal, and returns the exit code.

import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RunbookIncident
import RunbookLint
import RunbookRuntime
import RunbookSema
import RunbookSource

/// The CLI's output streams (write(2), a closed reader handled), as the driver needs them.
public protocol RunTerminal: Sendable {
    func out(_ text: String)
    func err(_ text: String)
    /// Called once, the first time a stream's reader is gone; nil removes the handler.
    func onClosedOutput(_ handler: (@Sendable () -> Void)?)
}

/// rbc's own lines go to standard error, never steering the terminal (a value in them could); commands'
/// output to the matching stream, live, as the command wrote it.
struct TerminalOutput: ExecutionOutput {
    let terminal: any RunTerminal
    func note(_ text: String) { terminal.err(TerminalText.visible(text) + "\n") }
    func stream(_ chunk: String, isError: Bool) { isError ? terminal.err(chunk) : terminal.out(chunk) }
}

extension RunSession.Refusal {
    /// The exit code a refusal ends rbc with.
    public var exitCode: Int32 {
        switch self {
        case .diagnostics(_, let code), .message(_, let code): code
        }
    }

    /// What rbc prints on standard error when it refuses; `outcome` says what did not happen (for a
    /// command that is not a run: an incident command refused for `.rbc.yaml`'s errors).
    public func rendered(color: Bool, outcome: String = "the runbook was not run") -> String {
        switch self {
        case .diagnostics(let diagnostics, let code):
            let renderer = TextRenderer(color: color)
            return renderer.render(diagnostics.sorted(by: Diagnostic.outputOrder), summary: RenderSummary(filesChecked: 1, diagnostics: diagnostics))
                + (code == RunSession.lintRefusalExitCode
                    ? "rbc: the linter reports errors, so the runbook was not run (fix them, or --force to run it anyway: the findings are journaled)\n"
                    : "rbc: \(outcome)\n")
        case .message(let text, _):
            return "rbc: error: \(text)\n"
        }
    }
}

public enum RunDriver {
    /// Exit code of `rbc rollback` / `rbc resume` refusing a journal its key does not authenticate.
    public static let unauthenticatedJournalExitCode: Int32 = 7

    /// `rbc plan` and `rbc run --dry-run`: the linter's errors first, then the plan.
    public static func plan(file: String, options: RunSession.Options, json: Bool, terminal: any RunTerminal) throws(RunSession.Refusal) {
        let prepared = try RunSession.prepare(file, options: options)
        let executor = Executor(ir: prepared.ir, settings: prepared.settings, output: TerminalOutput(terminal: terminal),
                                prompter: TerminalPrompter(), journal: nil)
        let outcome = executor.run(runID: "plan")
        // What the linter finds comes first: a run refuses its errors unless forced.
        let findings = prepared.lintFindings.filter { $0.severity == .error }
        if !findings.isEmpty {
            let rendered = TextRenderer(color: false).render(findings, summary: RenderSummary(filesChecked: 1, diagnostics: findings))
            let blocking = "rbc run refuses this runbook while these errors stand (--force overrides them, journaled)\n"
            if json { terminal.err(rendered + blocking) } else { terminal.out(rendered + blocking + "\n") }
        }
        if json {
            if let text = PlanText.json(outcome.plan) { terminal.out(text + "\n") }
        } else {
            // Values are shown with their controls escaped; a store's current value is read from its file.
            terminal.out(TerminalText.visible(PlanText.render(prepared.ir, outcome.plan, missingParams: prepared.settings.missingParams,
                                                              selection: prepared.settings.selection)))
        }
    }

    /// `rbc run`: lock the stores, open the journal, run with signals forwarded; the run's exit code.
    public static func run(file: String, options: RunSession.Options, lockWaitMs: Int, terminal: any RunTerminal) throws(RunSession.Refusal) -> Int32 {
        let prepared = try RunSession.prepare(file, options: options)
        var runSettings = prepared.settings
        runSettings.lockWaitMs = lockWaitMs
        if let incident = options.incident {
            do { runSettings.incident = try IncidentRunLink.check(incident: incident) } catch {
                throw .message("\(error); nothing ran", 2)
            }
        }
        // The journal's key: a key others could know is refused; with no key at all the run goes on, unauthenticated.
        var key: JournalKey?
        do { key = try JournalKey.load(create: true) } catch {
            if case .unsafe = error { throw .message("\(error); nothing ran", 2) }
            terminal.err("rbc: warning: \(error); this run's journal is not authenticated, so `rbc rollback` and `rbc resume` of it will need --trust-journal\n")
        }
        // Before the journal: a run that cannot have its stores leaves nothing behind.
        let runLock = try RunSession.lockStores(prepared.ir, settings: runSettings, what: "rbc run") { terminal.err("rbc: \($0)\n") }
        defer { runLock?.release() }
        let runID: String
        let journal: Journal
        do {
            (runID, journal) = try Journal.create(in: prepared.runsDirectory, reserveBytes: Executor.journalReserve(for: prepared.ir, undoing: 1),
                                                  key: key) { terminal.err("rbc: \($0)\n") }
        } catch {
            // Nothing ran: without room for the journal, a run does not start.
            terminal.err("rbc: error: \(error); nothing ran\n")
            if case JournalError.unsafe = error { return 2 }
            return error is JournalError ? 4 : 2
        }
        let path = journal.path
        var incidentLink: IncidentRunLink?
        if let incident = runSettings.incident {
            // Before anything runs: the incident names the run, so a run killed mid-way is still in its timeline.
            do { incidentLink = try IncidentRunLink.begin(incident: incident, runID: runID, journalPath: path, ir: prepared.ir, settings: runSettings) } catch {
                unlink(path)
                throw .message("\(error); nothing ran", 2)
            }
        }
        terminal.err("rbc: run \(runID) of \(prepared.ir.runbook.name); journal \(SourceLoader.shown(path))\(incidentLink.map { " (incident \($0.incidentID))" } ?? "")\n")
        let executor = Executor(ir: prepared.ir, settings: runSettings, output: TerminalOutput(terminal: terminal),
                                prompter: TerminalPrompter(), journal: journal)
        let forwarder = SignalForwarder(executor, terminal: terminal)
        let outcome = executor.run(runID: runID)
        withExtendedLifetime(forwarder) {}
        if outcome.journalFailure != nil, (try? Journal.read(path))?.isEmpty ?? false {
            // Not even the run's start could be journaled: nothing ran, and no empty journal stays behind.
            journal.discard()
            terminal.err("rbc: error: \(outcome.journalFailure ?? ""); nothing ran\n")
            return 4
        }
        terminal.err("rbc: run \(runID) \(outcome.status.rawValue)\(outcome.reason.map { ": \($0)" } ?? "")\n")
        if let incidentLink {
            do { terminal.err("rbc: \(try incidentLink.end(status: outcome.status, reason: outcome.reason))\n") } catch {
                terminal.err("rbc: warning: the run's end could not be recorded in incident \(incidentLink.incidentID): \(error)\n")
            }
        }
        if outcome.journalFailure != nil {
            terminal.err(outcome.status == .rolledBack
                ? "rbc: the journal could not be written, so the run stopped and what it had done was rolled back\n"
                : "rbc: the journal could not be written, so the run stopped; not everything was rolled back: free space, then `rbc rollback \(runID)`\n")
        }
        return outcome.exitCode
    }

    /// `rbc runs`: past runs, newest first.
    public static func listRuns(json: Bool, terminal: any RunTerminal) throws(RunSession.Refusal) {
        let directory = RunSession.runsDirectory()
        var rows: [[String: String]] = []
        let paths: [String]
        do { paths = try RunState.listing(in: directory) } catch { throw .message("\(error)", 2) }
        for path in paths {
            do {
                let state = try RunState.checked(path: path)
                // A killed run's journal ends at its last event: it ran at least that long, how much longer is unknown.
                let duration = DurationParser.format(milliseconds: max(state.durationMs, 1))
                rows.append(["run": state.runID, "runbook": state.ir.runbook.name, "status": state.status.rawValue, "started": state.started,
                             "duration": state.finished == nil ? "≥" + duration : duration, "path": path,
                             "journal": state.authenticationProblem.map { "not authenticated: \($0)" } ?? "authenticated"])
            } catch {
                rows.append(["run": (path as NSString).lastPathComponent, "runbook": "?", "status": "unreadable: \(error)", "started": "", "duration": "", "path": path,
                             "journal": "unreadable"])
            }
        }
        if json {
            let data = (try? JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])) ?? Data()
            terminal.out(String(decoding: data, as: UTF8.self) + "\n")
            return
        }
        if rows.isEmpty { terminal.err("no runs in \(directory)\n") }
        for row in rows {
            // What a journal that is not authenticated says may not be what happened: marked on its row.
            let mark = row["journal"]?.hasPrefix("not authenticated") == true ? "  [journal not authenticated]" : ""
            terminal.out(TerminalText.visible("\(row["run"] ?? "")  \((row["status"] ?? "").padding(toLength: 23, withPad: " ", startingAt: 0))  \((row["duration"] ?? "").padding(toLength: 9, withPad: " ", startingAt: 0))  \(row["runbook"] ?? "")\(mark)") + "\n")
        }
        if rows.contains(where: { $0["journal"]?.hasPrefix("not authenticated") == true }) {
            terminal.err("rbc: a journal marked [journal not authenticated] was not written as it stands by your rbc (edited, or by another user, machine or an older rbc); `rbc show RUN` says why\n")
        }
    }

    /// `rbc show`: a run's journal, every event in order.
    public static func show(run: String, terminal: any RunTerminal) throws(RunSession.Refusal) {
        let state = try Self.state(of: run)
        var out = ""
        if let problem = state.authenticationProblem {
            // Read, never refused: this is how a journal is read before `--trust-journal`.
            out += "NOT AUTHENTICATED: \(problem).\nWhat follows is what the file says, not necessarily what rbc did; `rbc rollback` and `rbc resume` refuse it without --trust-journal.\n\n"
            terminal.err("rbc: warning: the journal \(SourceLoader.shown(state.path)) is not authenticated: \(problem)\n")
        }
        out += "run \(state.runID): \(state.ir.runbook.name) — \(state.status)\n"
        out += "runbook \(state.runbookPath)\(state.commit.map { " at \($0.prefix(10))" } ?? ""), started \(state.started)\n\n"
        for entry in Timeline.document(state, changesSomething: StepClassification.isChange).entries {
            out += "\(entry.time == "—" ? "—" : String(entry.time.dropFirst(11).prefix(8)))  \(entry.detail)\n"
        }
        // A journal is input (its values, or an edited file): nothing in it steers the terminal.
        terminal.out(TerminalText.visible(out))
    }

    /// `rbc timeline`: the post-incident review's draft, Markdown or JSON.
    public static func timeline(run: String, json: Bool, terminal: any RunTerminal) throws(RunSession.Refusal) {
        let state = try Self.state(of: run)
        if let problem = state.authenticationProblem {
            terminal.err("rbc: warning: the journal \(SourceLoader.shown(state.path)) is not authenticated: \(problem); the review says what the file says\n")
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = (try? encoder.encode(Timeline.document(state, changesSomething: StepClassification.isChange))) ?? Data()
            terminal.out(String(decoding: data, as: UTF8.self) + "\n")
        } else {
            terminal.out(IncidentReview.markdown(run: state, changesSomething: StepClassification.isChange))
        }
    }

    /// `rbc rollback`: undo what a past run completed, newest first; 0 when everything is undone, 3 when not.
    public static func rollback(run: String, paramArguments: [String], yes: Bool, trustJournal: Bool = false, lockWaitMs: Int, rbcVersion: String,
                                terminal: any RunTerminal) throws(RunSession.Refusal) -> Int32 {
        let (state, key, past) = try authenticatedState(of: run, trustJournal: trustJournal, terminal: terminal)
        let pending = state.pendingUndos + state.pendingRunbookRollbacks.map(\.id)
        guard !pending.isEmpty else {
            return try endProcessesLeftRunning(state, past: past, key: key, paramArguments: paramArguments, yes: yes, rbcVersion: rbcVersion, terminal: terminal)
        }
        if !yes, let declined = confirm("Roll back \((state.pendingUndos.reversed() + state.pendingRunbookRollbacks.map(\.id)).joined(separator: ", ")) of run \(state.runID)?",
                                        refused: "not rolled back", terminal: terminal) {
            return declined
        }
        let journal = try reopenJournal(state, past: past, key: key)
        var rollbackSettings = try settings(for: state, paramArguments: paramArguments, yes: true, rbcVersion: rbcVersion)
        rollbackSettings.lockWaitMs = lockWaitMs
        let changed = state.pendingUndos.compactMap { state.configChanges[$0]?.path }
        let runLock = try RunSession.lockStores(state.ir, settings: rollbackSettings, alsoFiles: changed, what: "rbc rollback") { terminal.err("rbc: \($0)\n") }
        defer { runLock?.release() }
        let executor = Executor(ir: state.ir, settings: rollbackSettings, output: TerminalOutput(terminal: terminal),
                                prompter: TerminalPrompter(), journal: journal)
        let forwarder = SignalForwarder(executor, terminal: terminal)
        let outcome = executor.rollback(state)
        withExtendedLifetime(forwarder) {}
        terminal.err("rbc: run \(state.runID) \(outcome.status.rawValue)\n")
        if outcome.status != .rolledBack {
            terminal.err("rbc: \(outcome.journalFailure.map { "\($0); " } ?? "")`rbc rollback \(state.runID)` retries the undos that did not succeed\n")
            return 3
        }
        return 0
    }

    /// `rbc rollback` of a run with nothing to undo: what the killed run left running (its step's
    /// process group, processes that escaped it) is still ended, as a rollback would; 0.
    static func endProcessesLeftRunning(_ state: RunState, past: PastJournal, key: JournalKey?, paramArguments: [String], yes: Bool, rbcVersion: String,
                                        terminal: any RunTerminal) throws(RunSession.Refusal) -> Int32 {
        // The journal's lock is held (taken before it was read): a run that is still going owns its processes.
        let journal = try reopenJournal(state, past: past, key: key)
        guard Executor.leftProcessesRunning(state) else {
            terminal.err("rbc: run \(state.runID) has nothing to roll back\n")
            return 0
        }
        if !yes, let declined = confirm("Run \(state.runID) has nothing to undo but left processes running. End them?",
                                        refused: "not ended", terminal: terminal) {
            return declined
        }
        let executor = Executor(ir: state.ir, settings: try settings(for: state, paramArguments: paramArguments, yes: true, rbcVersion: rbcVersion),
                                output: TerminalOutput(terminal: terminal), prompter: TerminalPrompter(), journal: journal)
        executor.endProcessesLeftRunning(state)
        terminal.err("rbc: run \(state.runID) has nothing to roll back; the processes it left running were ended\n")
        return 0
    }

    /// `rbc resume`: continue a past run from its first step that did not complete; the run's exit code.
    public static func resume(run: String, paramArguments: [String], yes: Bool, approvedSteps: Set<String>, trustJournal: Bool = false, lockWaitMs: Int,
                              rbcVersion: String, terminal: any RunTerminal) throws(RunSession.Refusal) -> Int32 {
        let (state, key, past) = try authenticatedState(of: run, trustJournal: trustJournal, terminal: terminal)
        guard state.finished == nil || state.status == .interrupted else {
            terminal.err("rbc: run \(state.runID) ended (\(state.status)); nothing to resume\n")
            return 2
        }
        guard let index = state.firstIncomplete else {
            terminal.err("rbc: every step of run \(state.runID) completed\n")
            return 0
        }
        if !yes, let declined = confirm("Resume run \(state.runID) at step \(state.ir.steps[index].id)?", refused: "not resumed", terminal: terminal) {
            return declined
        }
        let journal = try reopenJournal(state, past: past, key: key)
        var runSettings = try settings(for: state, paramArguments: paramArguments, yes: yes, rbcVersion: rbcVersion)
        runSettings.approvedSteps = approvedSteps
        runSettings.lockWaitMs = lockWaitMs
        let runLock = try RunSession.lockStores(state.ir, settings: runSettings, what: "rbc resume") { terminal.err("rbc: \($0)\n") }
        defer { runLock?.release() }
        let executor = Executor(ir: state.ir, settings: runSettings, output: TerminalOutput(terminal: terminal),
                                prompter: TerminalPrompter(), journal: journal)
        let forwarder = SignalForwarder(executor, terminal: terminal)
        let outcome = executor.resume(state)
        withExtendedLifetime(forwarder) {}
        terminal.err("rbc: run \(state.runID) \(outcome.status.rawValue)\(outcome.reason.map { ": \($0)" } ?? "")\n")
        return outcome.exitCode
    }

    /// A past run by id, unique prefix, `last` or journal path, replayed from its journal and checked
    /// with this user's key (marked, not refused: reading acts on nothing).
    static func state(of run: String) throws(RunSession.Refusal) -> RunState {
        let path = try RunSession.findRun(run)
        do { return try RunState.checked(path: path) } catch { throw .message("\(error)", 2) }
    }

    /// Asks on the terminal: nil when approved, else the exit code (1 declined, 2 no terminal to ask on).
    static func confirm(_ question: String, refused: String, terminal: any RunTerminal) -> Int32? {
        let answer = TerminalPrompter().confirm(question)
        guard answer == true else {
            terminal.err("rbc: \(refused) (\(answer == nil ? "no terminal: pass --yes" : "declined"))\n")
            return answer == nil ? 2 : 1
        }
        return nil
    }

    /// A past run by id, unique prefix, `last` or journal path, for rollback or resume: they act on
    /// what its journal says (commands, URLs, parameters, paths, values to write back), so the journal
    /// must be the one this user's rbc wrote, unchanged — its lines authenticated by the user's key —
    /// unless `--trust-journal` accepts it as written (exit 7 otherwise, nothing done). The journal is
    /// locked before it is read and stays locked: no other rbc acts on it between the check (and the
    /// question to the person) and what follows, and what is checked is the file appended to.
    static func authenticatedState(of run: String, trustJournal: Bool, terminal: any RunTerminal) throws(RunSession.Refusal)
        -> (RunState, JournalKey?, PastJournal) {
        let path = try RunSession.findRun(run)
        let key = JournalKey.forChecking()
        let past: PastJournal
        let state: RunState
        do {
            past = try Journal.openPast(path)
            state = try RunState(past, authenticatingWith: key)
        } catch { throw .message("\(error)", 2) }
        if case .notAuthenticated(let why) = state.authenticity {
            let problem = "the journal \(SourceLoader.shown(path)) is not authenticated: \(why)"
            guard trustJournal else {
                throw .message("\(problem). rbc acts only on a journal as rbc wrote it; nothing was done. Read it (`rbc show \(state.runID)`): if every "
                               + "command, URL, parameter, path and value in it is what you expect, run again with --trust-journal", unauthenticatedJournalExitCode)
            }
            terminal.err("rbc: warning: \(problem); acting on it as written (--trust-journal)\n")
        }
        return (state, try? key.get(), past)
    }

    /// A past run's journal, opened to append after its last complete event; what is appended is
    /// authenticated when the journal was.
    static func reopenJournal(_ state: RunState, past: PastJournal, key: JournalKey?) throws(RunSession.Refusal) -> Journal {
        var lastMAC: String?
        if case .authentic(let mac) = state.authenticity { lastMAC = mac }
        do { return try Journal.reopen(past, continuingAfter: state.events.last?.seq ?? 0, key: key, lastMAC: lastMAC) } catch { throw .message("\(error)", 2) }
    }

    /// Settings to continue or undo a past run: its journal's parameters, secrets given again. The
    /// commands run where the run ran, and its stores are the files it changed, wherever rbc is
    /// started from now.
    static func settings(for state: RunState, paramArguments: [String], yes: Bool, rbcVersion: String) throws(RunSession.Refusal) -> ExecutionSettings {
        if let directory = state.workingDirectory {
            guard FileManager.default.changeCurrentDirectoryPath(directory) else {
                throw .message("the run's working directory \(directory) is gone; its commands cannot run where they ran", 2)
            }
        }
        var settings = ExecutionSettings()
        var values = state.params
        let secrets = Set(state.ir.params.filter(\.secret).map(\.name))
        for name in secrets { values.removeValue(forKey: name) }
        let (given, problems) = ParamBinder.parse(arguments: paramArguments)
        guard problems.isEmpty else { throw .diagnostics(problems, 2) }
        for value in given { values[value.name] = ParamBinder.bind([value], to: state.ir, runbook: nil).values[value.name] ?? .string(value.node.scalarValue ?? "") }
        settings.params = values
        settings.approveAll = yes
        Configuration.discover().0.applyProviders(to: &settings)
        for (name, path) in state.storePaths { settings.stores[name] = ConfigStore(name: name, path: path) }
        settings.root = state.root
        settings.runbookPath = state.runbookPath
        settings.commit = state.commit
        settings.rbcVersion = rbcVersion
        return settings
    }
}
