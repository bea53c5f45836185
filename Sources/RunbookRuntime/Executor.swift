// The one executor behind `rbc plan`, `rbc run`, `rbc rollback` and `rbc resume`, and its control
// flow: it consumes only the IR; every event is journaled (and fsync'd) before the action it
// announces; a plan runs the same code with no effect at all. Steps run in order; on failure the
// step's policy decides: abort rolls back what completed, newest first; halt stops; continue goes on.
// One step (condition, approval, attempts): StepExecution.swift; each action kind: Actions/; values
// into fields: Substitution.swift; what the world sees of it: ExecutorEffects.swift.

import Foundation
import RunbookSema
import RunbookSource
import Synchronization

// @unchecked: a run's state (results, completed, plan, approvals) belongs to the thread that runs it;
// the signal thread only calls `receive(signal:)`, which touches `signals` and `storedJournalFailure`
// (each a Mutex), the journal (its own lock) and the runner (its interrupt lock).
public final class Executor: @unchecked Sendable {
    let ir: RunbookIR
    let settings: ExecutionSettings
    let output: ExecutionOutput
    let prompter: Prompter
    let journal: (any EventJournal)?
    /// Processes, HTTP, stores and the clock: the real ones, or a unit test's fakes.
    let effects: ExecutorEffects
    var runner: any ProcessRunning { effects.processes }
    /// Secrets and every value computed from them, masked in everything rbc writes.
    let redactor: Redactor

    var results: [String: StepResult] = [:]
    /// Steps of a past run whose previous config value was masked in the journal (it held a secret).
    var unrestorable: Set<String> = []
    /// A resumed run's config changes not undone: a step run again finds its store already changed,
    /// and what the store held before the run is what these recorded.
    var priorConfigChanges: [String: ConfigChange] = [:]
    /// Who approved each step (`terminal`, `--yes`, `--approve STEP`): a manual step's record says so.
    var approvedBy: [String: String] = [:]
    /// Steps that completed, oldest first, with what is needed to undo them.
    var completed: [Completed] = []
    var plan: [PlanEntry] = []
    /// The run this executor runs, resumes or rolls back: every command it starts carries it (`RBC_RUN_ID`).
    var runID: String?
    /// Signals received, in order: the signal thread appends, the run thread reads.
    private let signals = Mutex<[String]>([])
    /// What signals ask of the action in flight: `rollingBack` while undos run (a signal then ends
    /// no undo unless it asks to skip the rest), `stopAction` set by a signal that ends the action in
    /// flight and cleared as each undo starts, `skipRequested` once a second SIGINT or SIGTERM came.
    private let signalState = Mutex<(rollingBack: Bool, stopAction: Bool, skipRequested: Bool)>((false, false, false))

    struct Completed {
        let list: StepList
        let step: StepIR
        /// For update_config: what the store held before.
        var configChange: ConfigChange?
    }

    /// `effects` defaults to the real ones (`ExecutorEffects.live`).
    public init(ir: RunbookIR, settings: ExecutionSettings, output: ExecutionOutput, prompter: Prompter, journal: (any EventJournal)?,
                effects: ExecutorEffects? = nil) {
        self.ir = ir
        self.settings = settings
        self.prompter = prompter
        self.journal = journal
        self.effects = effects ?? .live(gracePeriodMs: settings.gracePeriodMs)
        let secretNames = Set(ir.params.filter(\.secret).map(\.name))
        redactor = Redactor(secrets: settings.params.filter { secretNames.contains($0.key) }.map { RuntimeValue.from($0.value).text })
        // The commands inherit rbc's environment: a `set -x` trace or `curl -v` would print its tokens.
        for credential in settings.environmentCredentials { redactor.add(credential) }
        // A webhook's URL is a credential: a failed delivery's reason must not print it.
        for webhook in [settings.notifications, settings.tickets].compactMap({ $0 }) { redactor.add(credentialURL: webhook.url) }
        self.output = RedactingOutput(output, redactor: redactor)
        journal?.redactor = redactor
    }

    // MARK: - Signals

    /// Called from a signal handler: the first signal ends the current step and starts the rollback;
    /// a later one skips the remaining rollbacks (after asking, on a terminal).
    public func receive(signal name: String) {
        let count = signals.withLock { received in
            received.append(name)
            return received.count
        }
        // A hangup or a closed pipe is never a request to skip rollbacks; nor is the first signal.
        let skip = count >= 2 && (name == "SIGINT" || name == "SIGTERM" || name == "SIGQUIT")
        // While rolling back, the undo in flight runs to its end (a dropped SSH session must not
        // leave the system half rolled back), unless the signal asks to skip the rest.
        let stop = signalState.withLock { state in
            if skip { state.skipRequested = true }
            let stop = !state.rollingBack || skip
            if stop { state.stopAction = true }
            return stop
        }
        let text = skip ? "asked to skip the remaining rollbacks"
            : count == 1 && stop ? "stopping the current step, then rolling back" : "the rollback goes on"
        record(JournalEvent(.signal(.init(signal: name, text: text))))
        if stop { runner.interrupt() }
    }

    /// Whether a signal ended the action in flight (a request, a wait, a webhook).
    var actionStopped: Bool { signalState.withLock { $0.stopAction } }

    /// An undo starts: what an earlier signal asked of the step it stopped does not stop the undo.
    func startUndo() {
        signalState.withLock { $0.stopAction = false }
        runner.resetInterrupt()
    }

    public var signalCount: Int {
        signals.withLock { $0.count }
    }

    var firstSignal: String? {
        signals.withLock { $0.first }
    }

    // MARK: - Running

    /// Runs (or, with `dryRun`, plans) the runbook from its first step.
    public func run(runID: String) -> RunOutcome {
        self.runID = runID
        var started = JournalEvent.RunStarted()
        started.journalVersion = Journal.version
        started.rbcVersion = settings.rbcVersion
        started.run = runID
        started.runbook = settings.runbookPath
        started.commit = settings.commit
        started.dirty = settings.dirty
        started.contentHash = ir.contentHash
        started.ir = ir
        started.params = redactedParams()
        started.user = ProcessInfo.processInfo.environment["USER"] ?? NSUserName()
        started.host = ProcessInfo.processInfo.hostName
        started.pid = getpid()
        started.dryRun = settings.dryRun
        started.overriddenFindings = settings.overriddenFindings.isEmpty ? nil : settings.overriddenFindings
        if !settings.dryRun {
            started.workingDirectory = settings.workingDirectory
            started.root = settings.root
            started.incident = settings.incident
            started.stores = settings.stores.isEmpty ? nil : settings.stores.mapValues(\.path)
        }
        if !record(JournalEvent(.runStarted(started))) {
            var outcome = RunOutcome(runID: runID, status: .interrupted, journalPath: journal?.path, reason: "nothing ran", plan: [])
            outcome.journalFailure = journalFailure
            return outcome
        }
        if let selection = settings.selection, !settings.dryRun {
            record(JournalEvent(.message(.init(text: "partial run: \(selection)"))))
        }
        return proceed(runID: runID, from: 0)
    }


    /// Continues a past run from its first step that did not complete.
    public func resume(_ state: RunState) -> RunOutcome {
        runID = state.runID
        endLeftoverProcess(state)
        endEscapedProcesses(state)
        unrestorable = state.maskedConfigChanges
        priorConfigChanges = state.configChanges.filter { !state.undone.contains($0.key) }
        results = state.results
        completed = state.completedOrder.compactMap { id in
            state.step(id).map { Completed(list: .steps, step: $0, configChange: state.configChanges[id]) }
        }
        record(JournalEvent(.runResumed(.init(pid: getpid(), user: ProcessInfo.processInfo.environment["USER"] ?? NSUserName(),
                                              text: "resuming from step \(state.firstIncomplete.map { ir.steps[$0].id } ?? "(none)")"))))
        return proceed(runID: state.runID, from: state.firstIncomplete ?? ir.steps.count)
    }

    /// Undoes what a past run did and has not been undone yet, newest first: the steps it completed,
    /// the one it died in (it may have taken effect), and undos that failed before — so after
    /// `rollback_failed`, another `rbc rollback` retries exactly the undos that did not succeed.
    public func rollback(_ state: RunState) -> RunOutcome {
        runID = state.runID
        endLeftoverProcess(state)
        endEscapedProcesses(state)
        unrestorable = state.maskedConfigChanges
        results = state.results
        completed = state.pendingUndos.compactMap { id in
            state.step(id).map { Completed(list: .steps, step: $0, configChange: state.configChanges[id]) }
        }
        let ok = rollBack(reason: "rbc rollback \(state.runID)", runbookRollbacks: state.pendingRunbookRollbacks)
        let status: RunStatus = ok ? .rolledBack : .rollbackFailed
        finish(status, reason: "rolled back by rbc rollback")
        var outcome = RunOutcome(runID: state.runID, status: status, journalPath: journal?.path, reason: nil, plan: [])
        outcome.journalFailure = journalFailure
        return outcome
    }

    /// Room kept free for the journal while steps run: enough to journal the rollback of everything
    /// that may need it, so a filesystem that fills up stops the run with its way back intact.
    /// The files of the config stores a runbook may change (its steps and procedures, their
    /// rollbacks, the runbook-wide rollback), symlinks followed: what its run lock covers.
    public static func storeFiles(changedBy ir: RunbookIR, stores: [String: ConfigStore]) -> [String] {
        let steps = ir.steps + ir.postRunbook + ir.rollback + ir.procedures.flatMap(\.steps)
        let actions = steps.flatMap { [$0.action] + ($0.rollback.map { [$0.action] } ?? []) }
        let names = Set(actions.filter { $0.kind == .updateConfig }.map { $0.store ?? "default" })
        return Set(names.compactMap { stores[$0]?.target }).sorted()
    }

    public static func journalReserve(for ir: RunbookIR, undoing count: Int) -> Int {
        64 * 1024 + 16 * 1024 * (count + ir.rollback.count)
    }

    func proceed(runID: String, from startIndex: Int) -> RunOutcome {
        var failures = 0
        var stopped: (status: RunStatus, reason: String)?
        for index in ir.steps.indices where index >= startIndex {
            if let signal = firstSignal {
                stopped = (.interrupted, "interrupted by \(signal)")
                break
            }
            let step = ir.steps[index]
            if !journalCanHold(undoing: completed.count + 1) {
                stopped = (.rolledBack, "stopped before step \(step.id): \(journalFailure ?? "cannot write the journal")")
                break
            }
            let outcome = settings.stepMode && !settings.dryRun ? performStepByStep(step) : perform(step, list: .steps)
            if abortRequested {
                stopped = (.rolledBack, "aborted in step mode at step \(step.id)")
                break
            }
            if journalFailure != nil {
                stopped = (.rolledBack, "stopped at step \(step.id): \(journalFailure ?? "")")
                break
            }
            if outcome.succeeded { continue }
            if signalCount > 0 {
                stopped = (.interrupted, "interrupted by \(firstSignal ?? "a signal") during step \(step.id)")
                break
            }
            guard outcome.counts else { continue }
            switch step.onFailure {
            case .continue:
                failures += 1
            case .halt:
                stopped = (.halted, "step \(step.id) \(outcome.status?.rawValue ?? "planned"): halted, nothing rolled back")
            case .abort:
                stopped = (.rolledBack, "step \(step.id) \(outcome.status?.rawValue ?? "planned")")
            }
            if stopped != nil { break }
        }
        var status: RunStatus
        var reason: String?
        if let stopped, stopped.status == .rolledBack || stopped.status == .interrupted {
            let ok = rollBack(reason: stopped.reason)
            if stopped.status == .interrupted {
                status = ok && !rollbackSkipped ? .rolledBack : .interrupted
            } else {
                status = ok ? .rolledBack : .rollbackFailed
            }
            reason = stopped.reason
        } else if let stopped {
            status = stopped.status
            reason = stopped.reason
        } else {
            status = failures + failuresSkipped > 0 ? .completedWithFailures : .succeeded
        }
        if signalCount == 0, journalFailure == nil {
            for step in ir.postRunbook { _ = perform(step, list: .postRunbook) }
        }
        if settings.dryRun { status = .planned }
        finish(status, reason: reason)
        var outcome = RunOutcome(runID: runID, status: status, journalPath: journal?.path, reason: reason, plan: plan)
        outcome.signaled = signalCount > 0
        outcome.journalFailure = journalFailure
        return outcome
    }

    var rollbackSkipped = false

    /// Undoes completed steps newest first, then the runbook-wide rollback. A failing rollback is
    /// recorded and the others still run. Returns whether every rollback succeeded.
    func rollBack(reason: String, runbookRollbacks: [StepIR]? = nil) -> Bool {
        var ok = true
        if settings.dryRun {
            return true
        }
        let runbookRollbacks = runbookRollbacks ?? ir.rollback
        if !completed.isEmpty || !runbookRollbacks.isEmpty { output.note("rolling back: \(redact(reason))") }
        signalState.withLock { $0.rollingBack = true }
        defer { signalState.withLock { $0.rollingBack = false } }
        for entry in completed.reversed() {
            if skipRemainingRollbacks() { break }
            ok = undo(entry) && ok
        }
        completed.removeAll()
        for action in runbookRollbacks where !skipRemainingRollbacks() {
            startUndo()
            let outcome = perform(action, list: .rollback)
            ok = outcome.succeeded && ok
        }
        return ok
    }

    /// A second SIGINT or SIGTERM asks (on a terminal) whether to skip what is left of the rollback.
    func skipRemainingRollbacks() -> Bool {
        if rollbackSkipped { return true }
        guard signalState.withLock({ $0.skipRequested }) else { return false }
        let answer = prompter.confirm("Skip the remaining rollbacks and leave the system as it is?") ?? true
        if answer {
            rollbackSkipped = true
            record(JournalEvent(.signal(.init(signal: firstSignal, text: "remaining rollbacks skipped"))))
            output.note("remaining rollbacks skipped")
        }
        return answer
    }

    /// One step's undo: its rollback action, or the recorded previous value of an update_config.
    func undo(_ entry: Completed) -> Bool {
        let step = entry.step
        var started = JournalEvent.RollbackStarted(step: step.id, list: entry.list)
        if let rollback = step.rollback {
            started.action = rollback.action.kind
            started.command = rollback.action.command.map { display($0, field: "rollback.command", step: step) }
            guard record(JournalEvent(.rollbackStarted(started))) else { return notJournaled(step) }
            output.note("↩ rollback of \(step.id)")
            startUndo()
            let result = execute(rollback.action, step: step, fieldPrefix: "rollback.", timeoutMs: rollback.timeoutMs, attempt: 1)
            return finishRollback(step, result)
        }
        if let change = entry.configChange {
            // The journaled path: the store the run changed, wherever this rollback runs from.
            var store = change.path.map { ConfigStore(name: change.store, path: $0) } ?? settings.stores[change.store]
            store?.lockWaitMs = settings.lockWaitMs
            started.action = .updateConfig
            started.store = change.store
            started.path = store?.path
            started.key = change.undoKey
            started.value = change.previous
            started.text = "automatic: restore the value recorded before the step"
            guard record(JournalEvent(.rollbackStarted(started))) else { return notJournaled(step) }
            output.note("↩ rollback of \(step.id): restore \(change.undoKey)")
            if unrestorable.contains(step.id) {
                return finishRollback(step, AttemptResult(status: .failed, reason: "the previous value of \(change.undoKey) held a secret, so the journal masked it; restore it by hand"))
            }
            do {
                guard let store else { throw ConfigStore.Failure(description: "no config store `\(change.store)` is configured") }
                try effects.stores.restore(change, in: store)
                return finishRollback(step, AttemptResult(status: .succeeded, reason: nil))
            } catch {
                return finishRollback(step, AttemptResult(status: .failed, reason: "\(error)"))
            }
        }
        return true // read-only or irreversible: nothing to undo
    }

    /// An undo whose start cannot be journaled is not performed: it stays pending for `rbc rollback`.
    func notJournaled(_ step: StepIR) -> Bool {
        output.note("✘ rollback of \(step.id) not performed: the journal cannot be written; free space, then `rbc rollback`")
        return false
    }

    func finishRollback(_ step: StepIR, _ result: AttemptResult) -> Bool {
        record(JournalEvent(.rollbackFinished(.init(step: step.id, outcome: result.status, reason: result.reason.map(redact),
                                                    exitCode: result.exitCode, durationMs: result.durationMs))))
        if result.status != .succeeded { output.note("✘ rollback of \(step.id) \(result.status)\(result.reason.map { ": \(redact($0))" } ?? "")") }
        return result.status == .succeeded
    }

    func finish(_ status: RunStatus, reason: String?) {
        record(JournalEvent(.runFinished(.init(status: status, reason: reason.map(redact)))))
    }

    // MARK: - Step mode answers (StepMode.swift asks)

    /// Set when the person answers abort: the run stops and rolls back what completed.
    var abortRequested = false
    /// Steps the person chose to run in step mode: that answer is their approval.
    var stepModeApproved: Set<String> = []
    /// Failed steps the person chose to go on without: the run ends `completed_with_failures`.
    var failuresSkipped = 0

    // MARK: - The journal

    /// The first journal failure: from then on the run performs nothing new, only the rollback of
    /// what the journal records (each undo still journaled first, in the room kept for it).
    private(set) var journalFailure: String? {
        get { storedJournalFailure.withLock { $0 } }
        set { storedJournalFailure.withLock { $0 = newValue } }
    }
    /// Set by whichever thread's append fails first (the signal thread journals too).
    private let storedJournalFailure = Mutex<String?>(nil)

    /// Journals an event before what it announces; false (and the run stops) when it cannot.
    @discardableResult
    func record(_ event: JournalEvent) -> Bool {
        guard let journal else { return true }
        do {
            try journal.append(event)
            return true
        } catch {
            if journalFailure == nil {
                journalFailure = "\(error)"
                output.note("✘ \(error): stopping before anything else happens")
            }
            return false
        }
    }

    /// Whether the journal has room to go on: false once it failed, or when the room to journal the
    /// rollback of `count` steps cannot be set aside.
    func journalCanHold(undoing count: Int) -> Bool {
        guard journalFailure == nil else { return false }
        guard let journal else { return true }
        do {
            try journal.reserve(bytes: Self.journalReserve(for: ir, undoing: count))
            return true
        } catch {
            journalFailure = "\(error)"
            output.note("✘ \(error): stopping before the next step")
            return false
        }
    }

    /// Waits on the clock; a signal ends the wait (false).
    func sleep(milliseconds: Int) -> Bool {
        effects.clock.sleep(milliseconds: milliseconds) { actionStopped }
    }
}
