// The one executor behind `rbc plan`, `rbc run`, `rbc rollback` and `rbc resume`. It consumes only the
// IR. Every event is journaled (and fsync'd) before the action it announces; a plan runs the same code
// with no effect at all. Steps run in order with their timeout, retries and condition; on failure the
// step's policy decides: abort rolls back what completed, newest first; halt stops; continue goes on.

import Foundation
import RunbookSema
import RunbookSource

public struct ExecutionSettings: Sendable {
    public var dryRun = false
    /// Parameter values, defaults applied (secrets included: they never reach output or the journal).
    public var params: [String: JSONValue] = [:]
    public var approveAll = false
    public var approvedSteps: Set<String> = []
    public var gracePeriodMs = 5000
    public var stores: [String: ConfigStore] = [:]
    public var notifications: Webhook?
    public var tickets: Webhook?
    public var runbookPath = ""
    public var commit: String?
    public var dirty = false
    public var rbcVersion = ""
    /// Lint errors `--force` overrode, as `ID path:line:col: message`: journaled with the run.
    public var overriddenFindings: [String] = []
    /// Where the run's commands run, and the root of its repository or `.rbc.yaml`: journaled so a
    /// rollback from anywhere acts on the same files.
    public var workingDirectory = FileManager.default.currentDirectoryPath
    public var root: String?
    /// Required parameters a plan was made without: they read as marked placeholders (`rbc run` refuses without them).
    public var missingParams: [String] = []
    /// A partial run (`--from`, `--only`, `--procedure`): the main steps that run, and how they were chosen.
    /// Steps outside it are journaled as skipped.
    public var selectedSteps: Set<String>?
    public var selection: String?
    /// `--step`: before each step, show the exact command and ask run / skip / abort; after a failure,
    /// retry / skip / abort. Every answer is journaled.
    public var stepMode = false
    /// How long a store change waits for another rbc that holds the store.
    public var lockWaitMs = 10_000
    /// The incident this run works on (`rbc run --incident`), journaled with its start.
    public var incident: String?

    public init() {}
}

public enum RunStatus: String, Sendable, Codable {
    case succeeded
    case completedWithFailures = "completed_with_failures"
    case rolledBack = "rolled_back"
    case rollbackFailed = "rollback_failed"
    case halted
    case interrupted
    case planned
}

public struct RunOutcome: Sendable {
    public let runID: String
    public let status: RunStatus
    public let journalPath: String?
    public let reason: String?
    public let plan: [PlanEntry]
    /// A signal stopped the run (whatever the rollback achieved).
    public var signaled = false
    /// The journal could not be written (a full disk, an I/O error): the run stopped there.
    public var journalFailure: String?

    /// 0 succeeded, 1 failed (rolled back, halted or with failures), 3 a rollback failed, 4 the journal
    /// could not be written (the run stopped; what it journaled was rolled back), 130 interrupted.
    public var exitCode: Int32 {
        if status == .rollbackFailed { return 3 }
        if journalFailure != nil { return 4 }
        if signaled { return 130 }
        switch status {
        case .succeeded, .planned: return 0
        case .completedWithFailures, .rolledBack, .halted: return 1
        case .rollbackFailed: return 3
        case .interrupted: return 130
        }
    }
}

/// One action of a plan: what would run, with what bounds, and what would undo it.
public struct PlanEntry: Sendable, Codable {
    public var list: String
    public var step: String
    public var action: String
    public var detail: String
    public var condition: String?
    public var conditionValue: String?
    public var timeoutMs: Int
    /// Where the timeout comes from: the step, `defaults`, or rbc's built-in 10 minutes.
    public var timeoutSource: TimeoutSource?
    public var attempts: Int
    public var onFailure: String
    public var approval: String?
    public var rollback: String?
}

/// Where the executor's own lines and the commands' live output go.
public protocol ExecutionOutput: Sendable {
    func note(_ text: String)
    func stream(_ chunk: String, isError: Bool)
}

// @unchecked: a run's state (results, completed, plan, approvals) belongs to the thread that runs it;
// the signal thread only calls `receive(signal:)`, which goes through `signalLock`, `journalLock`, the
// journal's own lock and the runner's interrupt lock.
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
    /// Who approved each step (`terminal`, `--yes`, `--approve STEP`): a manual step's record says so.
    var approvedBy: [String: String] = [:]
    /// Steps that completed, oldest first, with what is needed to undo them.
    var completed: [Completed] = []
    var plan: [PlanEntry] = []
    /// The run this executor runs, resumes or rolls back: every command it starts carries it (`RBC_RUN_ID`).
    var runID: String?
    private let signalLock = NSLock()
    private var signals: [String] = []

    struct Completed {
        let list: String
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
        self.output = RedactingOutput(output, redactor: redactor)
        journal?.redactor = redactor
    }

    // MARK: - Signals

    /// Called from a signal handler: the first signal ends the current step and starts the rollback;
    /// a later one skips the remaining rollbacks (after asking, on a terminal).
    public func receive(signal name: String) {
        signalLock.lock()
        signals.append(name)
        let count = signals.count
        signalLock.unlock()
        var event = JournalEvent(.signal)
        event.signal = name
        event.text = count == 1 ? "stopping the current step, then rolling back" : "asked to skip the remaining rollbacks"
        record(event)
        runner.interrupt()
    }

    public var signalCount: Int {
        signalLock.lock()
        defer { signalLock.unlock() }
        return signals.count
    }

    var firstSignal: String? {
        signalLock.lock()
        defer { signalLock.unlock() }
        return signals.first
    }

    // MARK: - Running

    /// Runs (or, with `dryRun`, plans) the runbook from its first step.
    public func run(runID: String) -> RunOutcome {
        self.runID = runID
        var started = JournalEvent(.runStarted)
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
        if !record(started) {
            var outcome = RunOutcome(runID: runID, status: .interrupted, journalPath: journal?.path, reason: "nothing ran", plan: [])
            outcome.journalFailure = journalFailure
            return outcome
        }
        if let selection = settings.selection, !settings.dryRun {
            var event = JournalEvent(.message)
            event.text = "partial run: \(selection)"
            record(event)
        }
        return proceed(runID: runID, from: 0)
    }

    /// A run killed mid-step may have left that step's process group running: end it first, so that
    /// nothing acts while the old step still does.
    func endLeftoverProcess(_ state: RunState) {
        guard let leftover = state.leftoverProcess else { return }
        if let refusal = runner.refusalToSignal(group: leftover.pid, startTicks: leftover.startTicks) {
            // Gone is the usual case; anything else means the journal names a process that is not the step's.
            guard runner.startTicks(of: leftover.pid) != nil || leftover.pid <= 1 else { return }
            var event = JournalEvent(.message)
            event.pid = leftover.pid
            event.text = "did not signal process group \(leftover.pid) named by the journal: \(refusal)"
            record(event)
            output.note("rbc: did not signal process group \(leftover.pid) named by the journal: \(refusal)")
            return
        }
        guard runner.endLeftover(group: leftover.pid, startTicks: leftover.startTicks) else { return }
        var event = JournalEvent(.message)
        event.pid = leftover.pid
        event.text = "ended process group \(leftover.pid), left running by the killed run"
        record(event)
        output.note("ended process group \(leftover.pid), still running from the killed run")
    }

    /// Processes of a killed run that left its process groups (`setsid`, a double fork) were the
    /// subreaper's to end, and the subreaper is gone: find them by the run id they were started with.
    func endEscapedProcesses(_ state: RunState) {
        guard let earliest = state.earliestProcessTicks else { return }
        let pids = runner.processes(ofRun: state.runID, startedAtOrAfter: earliest)
        guard !pids.isEmpty else { return }
        let ended = runner.endProcesses(pids)
        guard !ended.isEmpty else { return }
        var event = JournalEvent(.message)
        event.text = "ended \(ended.count) process\(ended.count == 1 ? "" : "es") the killed run left running, found by their \(ProcessRunner.runIDVariable): \(ended.map(String.init).joined(separator: ", "))"
        record(event)
        output.note("rbc: \(event.text ?? "")")
    }

    /// Whether a killed run left processes running: its step's process group, or processes that
    /// escaped it (found by their `RBC_RUN_ID`).
    public static func leftProcessesRunning(_ state: RunState) -> Bool {
        if let leftover = state.leftoverProcess, ProcessRunner.refusalToSignal(group: leftover.pid, startTicks: leftover.startTicks) == nil,
           !ProcessRunner.livingMembers(of: leftover.pid).isEmpty {
            return true
        }
        guard let earliest = state.earliestProcessTicks else { return false }
        return !ProcessRunner.processes(ofRun: state.runID, startedAtOrAfter: earliest).isEmpty
    }

    /// Ends what a killed run left running when it has nothing to undo (its steps were read-only or
    /// had no rollback): a rollback ends a run's processes whether or not there is something to undo.
    public func endProcessesLeftRunning(_ state: RunState) {
        runID = state.runID
        endLeftoverProcess(state)
        endEscapedProcesses(state)
    }

    /// Continues a past run from its first step that did not complete.
    public func resume(_ state: RunState) -> RunOutcome {
        runID = state.runID
        endLeftoverProcess(state)
        endEscapedProcesses(state)
        unrestorable = state.maskedConfigChanges
        results = state.results
        completed = state.completedOrder.compactMap { id in
            state.step(id).map { Completed(list: "steps", step: $0, configChange: state.configChanges[id]) }
        }
        var event = JournalEvent(.runResumed)
        event.pid = getpid()
        event.user = ProcessInfo.processInfo.environment["USER"] ?? NSUserName()
        event.text = "resuming from step \(state.firstIncomplete.map { ir.steps[$0].id } ?? "(none)")"
        record(event)
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
            state.step(id).map { Completed(list: "steps", step: $0, configChange: state.configChanges[id]) }
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
            let outcome = settings.stepMode && !settings.dryRun ? performStepByStep(step) : perform(step, list: "steps")
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
            for step in ir.postRunbook { _ = perform(step, list: "post_runbook") }
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
        for entry in completed.reversed() {
            if skipRemainingRollbacks() { break }
            ok = undo(entry) && ok
        }
        completed.removeAll()
        for action in runbookRollbacks where !skipRemainingRollbacks() {
            let outcome = perform(action, list: "rollback")
            ok = outcome.succeeded && ok
        }
        return ok
    }

    /// A second signal asks (on a terminal) whether to skip what is left of the rollback.
    func skipRemainingRollbacks() -> Bool {
        if rollbackSkipped { return true }
        guard signalCount >= 2 else { return false }
        let answer = prompter.confirm("Skip the remaining rollbacks and leave the system as it is?") ?? true
        if answer {
            rollbackSkipped = true
            var event = JournalEvent(.signal)
            event.signal = firstSignal
            event.text = "remaining rollbacks skipped"
            record(event)
            output.note("remaining rollbacks skipped")
        }
        return answer
    }

    /// One step's undo: its rollback action, or the recorded previous value of an update_config.
    func undo(_ entry: Completed) -> Bool {
        let step = entry.step
        var started = JournalEvent(.rollbackStarted)
        started.step = step.id
        started.list = entry.list
        if let rollback = step.rollback {
            started.action = rollback.action.kind.rawValue
            started.command = rollback.action.command.map { display($0, field: "rollback.command", step: step) }
            guard record(started) else { return notJournaled(step) }
            output.note("↩ rollback of \(step.id)")
            runner.resetInterrupt()
            let result = execute(rollback.action, step: step, fieldPrefix: "rollback.", timeoutMs: rollback.timeoutMs, attempt: 1)
            return finishRollback(step, result)
        }
        if let change = entry.configChange {
            // The journaled path: the store the run changed, wherever this rollback runs from.
            var store = change.path.map { ConfigStore(name: change.store, path: $0) } ?? settings.stores[change.store]
            store?.lockWaitMs = settings.lockWaitMs
            started.action = "update_config"
            started.store = change.store
            started.path = store?.path
            started.key = change.undoKey
            started.value = change.previous
            started.text = "automatic: restore the value recorded before the step"
            guard record(started) else { return notJournaled(step) }
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
        var finished = JournalEvent(.rollbackFinished)
        finished.step = step.id
        finished.outcome = result.status
        finished.reason = result.reason.map(redact)
        finished.exitCode = result.exitCode
        finished.durationMs = result.durationMs
        record(finished)
        if result.status != .succeeded { output.note("✘ rollback of \(step.id) \(result.status)\(result.reason.map { ": \(redact($0))" } ?? "")") }
        return result.status == .succeeded
    }

    func finish(_ status: RunStatus, reason: String?) {
        var finished = JournalEvent(.runFinished)
        finished.status = status.rawValue
        finished.reason = reason.map(redact)
        record(finished)
    }

    // MARK: - Steps

    struct StepOutcome {
        let succeeded: Bool
        /// Nil in a plan: the step was planned, not run.
        let status: StepStatus?
        /// A skipped step is not a failure; a refused or failed one is.
        let counts: Bool
    }

    struct AttemptResult {
        var status: StepStatus
        var reason: String?
        var exitCode: Int32?
        var httpStatus: Int?
        var bodyBytes: Int?
        var stdout = ""
        var stderr = ""
        var durationMs = 0
        var outputs: [String: String] = [:]
        var configChange: ConfigChange?
    }

    func perform(_ step: StepIR, list: String) -> StepOutcome {
        if list == "steps", let selected = settings.selectedSteps, !selected.contains(step.id) {
            // Not part of this partial run: journaled as skipped, left out of a plan.
            if settings.dryRun { return StepOutcome(succeeded: true, status: .skipped, counts: false) }
            return finishStep(step, list: list, AttemptResult(status: .skipped, reason: "not selected (\(settings.selection ?? "partial run"))"), counts: false)
        }
        var started = JournalEvent(.stepStarted)
        started.step = step.id
        started.list = list
        started.action = step.action.kind.rawValue
        started.timeoutMs = step.timeoutMs
        if !record(started) {
            return StepOutcome(succeeded: false, status: .failed, counts: true)
        }

        var entry = PlanEntry(list: list, step: step.id, action: step.action.kind.rawValue, detail: describe(step.action, step: step, prefix: ""),
                              condition: step.when, conditionValue: nil, timeoutMs: step.timeoutMs, timeoutSource: step.timeoutSource,
                              attempts: step.retry.maxAttempts,
                              onFailure: step.onFailure.rawValue, approval: nil,
                              rollback: step.rollback.map { "\(describe($0.action, step: step, prefix: "rollback.")) (timeout \(DurationParser.format(milliseconds: $0.timeoutMs)))" }
                                ?? (step.action.kind == .updateConfig ? "restore the previous value of \(display(step.action.configKey ?? "", field: "config_key", step: step))" : nil))

        // The condition.
        if let when = step.when {
            do {
                guard let condition = step.condition else {
                    throw ExpressionEvaluator.Failure(description: "the IR holds no checked condition: recompile the runbook")
                }
                let value = try ExpressionEvaluator.evaluate(condition, in: context)
                if case .unknown = value {
                    entry.conditionValue = "decided at run time"
                } else {
                    entry.conditionValue = ExpressionEvaluator.truthy(value) ? "true" : "false"
                    if !ExpressionEvaluator.truthy(value) {
                        if settings.dryRun { entry.detail = "(skipped) " + entry.detail; plan.append(entry) }
                        return finishStep(step, list: list, AttemptResult(status: .skipped, reason: "condition `\(when)` is false"), counts: false)
                    }
                }
            } catch {
                return finishStep(step, list: list, AttemptResult(status: .failed, reason: "condition `\(when)`: \(error)"))
            }
        }
        // Alternatives in one command (`# Option A` … `# Option B` …): never both. Step mode asks which.
        let alternatives = step.action.kind == .executeCommand ? Alternatives.split(step.action.command ?? "").options : []
        if !alternatives.isEmpty {
            let labels = alternatives.map(\.label).joined(separator: "; ")
            entry.approval = "holds alternatives (\(labels)): rbc run refuses it; rbc run --step asks which one to run"
            if !settings.dryRun {
                return finishStep(step, list: list, AttemptResult(status: .refused,
                                                                  reason: "holds alternatives (\(labels)): rbc does not run both; `rbc run --step` asks which one"))
            }
        }
        // Approval: confirm: true, and manual steps (a person does them).
        if step.confirm || step.action.kind == .manual {
            entry.approval = step.action.kind == .manual ? "a person performs it and confirms" : "needs approval"
            if !settings.dryRun, !approve(step) {
                return finishStep(step, list: list, AttemptResult(status: .refused, reason: "not approved"))
            }
        }
        if settings.dryRun {
            // Nothing ran: later expressions that read this step stay unknown in the plan.
            plan.append(entry)
            return StepOutcome(succeeded: true, status: nil, counts: false)
        }
        output.note("▶ \(step.id)\(step.name.map { ": \($0)" } ?? "")")
        // Attempts, within the step's timeout, with backoff between them.
        let clock = effects.clock
        let deadline = clock.nanoseconds() + UInt64(step.timeoutMs) * 1_000_000
        var backoff = Double(step.retry.backoffMs)
        var result = AttemptResult(status: .failed)
        for attempt in 1...max(1, step.retry.maxAttempts) {
            let remaining = Int((Int64(deadline) - Int64(clock.nanoseconds())) / 1_000_000)
            if remaining <= 0 {
                result = AttemptResult(status: .timedOut, reason: "the step's timeout of \(DurationParser.format(milliseconds: step.timeoutMs)) ran out before attempt \(attempt)")
                break
            }
            runner.resetInterrupt()
            result = execute(step.action, step: step, fieldPrefix: "", timeoutMs: remaining, attempt: attempt)
            if result.status == .succeeded || signalCount > 0 || attempt == step.retry.maxAttempts { break }
            // Wait, but never past the step's deadline.
            let left = Int((Int64(deadline) - Int64(clock.nanoseconds())) / 1_000_000)
            let wait = min(Int(backoff), max(0, left))
            output.note("  attempt \(attempt) \(result.status); retrying in \(DurationParser.format(milliseconds: max(wait, 1)))")
            if !sleep(milliseconds: wait) { break }
            backoff *= step.retry.multiplier
        }
        if result.status == .succeeded {
            results[step.id] = StepResult(status: .succeeded, exitCode: result.exitCode.map(Int.init), httpStatus: result.httpStatus,
                                          stdout: result.stdout, stderr: result.stderr, outputs: result.outputs)
            completed.append(Completed(list: list, step: step, configChange: result.configChange))
        } else {
            results[step.id] = StepResult(status: result.status, exitCode: result.exitCode.map(Int.init), httpStatus: result.httpStatus,
                                          stdout: result.stdout, stderr: result.stderr)
        }
        return finishStep(step, list: list, result)
    }

    func finishStep(_ step: StepIR, list: String, _ result: AttemptResult, counts: Bool = true) -> StepOutcome {
        var finished = JournalEvent(.stepFinished)
        finished.step = step.id
        finished.list = list
        finished.outcome = result.status
        finished.reason = result.reason.map(redact)
        finished.outputs = result.outputs.isEmpty ? nil : result.outputs.mapValues(redact)
        record(finished)
        if results[step.id] == nil { results[step.id] = StepResult(status: result.status) }
        if !settings.dryRun {
            let mark = result.status == .succeeded ? "✔" : result.status == .skipped ? "–" : "✘"
            output.note("\(mark) \(step.id) \(result.status)\(result.reason.map { ": \(redact($0))" } ?? "")")
        }
        return StepOutcome(succeeded: result.status.isSuccess, status: result.status, counts: counts)
    }

    func approve(_ step: StepIR) -> Bool {
        var event = JournalEvent(.approval)
        event.step = step.id
        let question = step.action.kind == .manual
            ? "Step \(step.id) is manual:\n  \(display(step.action.instructions ?? "", field: "instructions", step: step))\nDone?"
            : "Run step \(step.id)?\n  \(describe(step.action, step: step, prefix: ""))\nApprove?"
        if stepModeApproved.contains(step.id) {
            event.decision = .approved
            event.by = "step mode"
        } else if settings.approveAll || settings.approvedSteps.contains(step.id) {
            event.decision = .approved
            event.by = settings.approveAll ? "--yes" : "--approve \(step.id)"
        } else if let answer = prompter.confirm(question) {
            event.decision = answer ? .approved : .refused
            event.by = "terminal"
        } else {
            // No terminal and no approval given: fail safe, never approve on anyone's behalf.
            event.decision = .refused
            event.by = "no terminal"
            event.reason = "no terminal to ask, and neither --yes nor --approve \(step.id) was given"
        }
        guard record(event) else { return false }
        if event.decision == .approved { approvedBy[step.id] = event.by }
        if event.decision != .approved { output.note("✘ \(step.id) not approved (\(event.by ?? ""))") }
        return event.decision == .approved
    }

    // MARK: - Step mode

    /// Set when the person answers abort: the run stops and rolls back what completed.
    var abortRequested = false
    /// Steps the person chose to run in step mode: that answer is their approval.
    var stepModeApproved: Set<String> = []
    /// Failed steps the person chose to go on without: the run ends `completed_with_failures`.
    var failuresSkipped = 0

    /// One step in step mode: ask before it (run / skip / abort) and after a failure (retry / skip / abort).
    func performStepByStep(_ original: StepIR) -> StepOutcome {
        var step = original
        let title = "Step \(step.id)\(step.name.map { ": \($0)" } ?? "")"
        var question = "\(title)\n  \(describe(step.action, step: step, prefix: ""))\n[r]un, [s]kip, [a]bort?"
        var options = ["run", "skip", "abort"]
        // Alternatives become a choice: each option with the lines every option shares.
        let alternatives = step.action.kind == .executeCommand ? Alternatives.split(step.action.command ?? "") : (preamble: step.action.command ?? "", options: [])
        if !alternatives.options.isEmpty {
            let listed = alternatives.options.enumerated().map { index, option in
                "  [\(index + 1)] \(option.label)\n" + redact(Alternatives.choose(option, preamble: alternatives.preamble))
                    .split(separator: "\n").map { "      $ \($0)" }.joined(separator: "\n")
            }
            question = "\(title) holds alternatives; rbc runs one:\n\(listed.joined(separator: "\n"))\n[1]-[\(alternatives.options.count)], [s]kip, [a]bort?"
            options = alternatives.options.indices.map { String($0 + 1) } + ["skip", "abort"]
        }
        var failed: StepOutcome?
        while true {
            var answer = prompter.choose(question, options: failed == nil ? options : ["retry", "skip", "abort"]) ?? "abort"
            var event = JournalEvent(.approval)
            event.step = step.id
            event.by = "step mode"
            event.text = answer
            if let number = Int(answer), let chosen = Self.choosing(original, number - 1) {
                step = chosen
                event.text = "choose \(alternatives.options[number - 1].label)"
                answer = "run"
            }
            event.decision = answer == "run" || answer == "retry" ? .approved : .refused
            guard record(event) else { return StepOutcome(succeeded: false, status: .refused, counts: true) }
            switch answer {
            case "run", "retry":
                stepModeApproved.insert(step.id)
                let outcome = perform(step, list: "steps")
                if outcome.succeeded || signalCount > 0 || journalFailure != nil { return outcome }
                failed = outcome
                question = "Step \(step.id) \(outcome.status?.rawValue ?? "planned").\n[r]etry, [s]kip (go on without it), [a]bort (roll back)?"
            case "skip":
                // After a failure, skipping means the failure does not stop the run.
                if let failed {
                    failuresSkipped += 1
                    return StepOutcome(succeeded: false, status: failed.status, counts: false)
                }
                return finishStep(step, list: "steps", AttemptResult(status: .skipped, reason: "skipped in step mode"), counts: false)
            default:
                abortRequested = true
                output.note("✘ aborted at step \(step.id)")
                return failed ?? StepOutcome(succeeded: false, status: .refused, counts: true)
            }
        }
    }

    /// A step that runs one of its command's alternatives (0-based), from the command and its template alike.
    static func choosing(_ step: StepIR, _ index: Int) -> StepIR? {
        let command = Alternatives.split(step.action.command ?? "")
        let template = Alternatives.split(step.action.commandTemplate ?? step.action.command ?? "")
        guard command.options.indices.contains(index), template.options.count == command.options.count else { return nil }
        var chosen = step
        chosen.action.command = Alternatives.choose(command.options[index], preamble: command.preamble)
        if step.action.commandTemplate != nil {
            chosen.action.commandTemplate = Alternatives.choose(template.options[index], preamble: template.preamble)
        }
        return chosen
    }

    // MARK: - Actions

    func execute(_ action: ActionIR, step: StepIR, fieldPrefix: String, timeoutMs: Int, attempt: Int) -> AttemptResult {
        var started = JournalEvent(.attemptStarted)
        started.step = step.id
        started.attempt = attempt
        started.action = action.kind.rawValue
        started.timeoutMs = timeoutMs
        started.command = action.command.map { display($0, field: fieldPrefix + "command", step: step) }
        guard record(started) else {
            return AttemptResult(status: .failed, reason: "not performed: \(journalFailure ?? "cannot write the journal")")
        }
        var result: AttemptResult
        let began = effects.clock.nanoseconds()
        do {
            result = try act(action, step: step, fieldPrefix: fieldPrefix, timeoutMs: timeoutMs)
        } catch let failure as HTTPClient.Failure {
            // A request that ran out of time counts as a timeout, one a signal ended as interrupted.
            let status: StepStatus = failure.kind == .timedOut ? .timedOut : failure.kind == .interrupted ? .interrupted : .failed
            result = AttemptResult(status: status, reason: failure.kind == .interrupted ? "ended by \(firstSignal ?? "a signal")" : "\(failure)",
                                   durationMs: Int((effects.clock.nanoseconds() - began) / 1_000_000))
            if action.kind == .httpRequest { result.bodyBytes = failure.bodyBytes }
        } catch {
            result = AttemptResult(status: .failed, reason: "\(error)")
        }
        var finished = JournalEvent(.attemptFinished)
        finished.step = step.id
        finished.attempt = attempt
        finished.outcome = result.status
        finished.reason = result.reason.map(redact)
        finished.exitCode = result.exitCode
        finished.httpStatus = result.httpStatus
        finished.bodyBytes = result.bodyBytes
        finished.durationMs = result.durationMs
        finished.stdout = result.stdout.isEmpty ? nil : excerpt(result.stdout)
        finished.stderr = result.stderr.isEmpty ? nil : excerpt(result.stderr)
        record(finished)
        return result
    }

    func act(_ action: ActionIR, step: StepIR, fieldPrefix: String, timeoutMs: Int) throws -> AttemptResult {
        let expect = fieldPrefix.isEmpty ? step.expect : nil
        switch action.kind {
        case .executeCommand:
            let (command, environment) = try commandToRun(action, step: step, field: fieldPrefix + "command")
            let shell = try action.shell.map { try resolve($0, field: fieldPrefix + "shell", step: step) } ?? "/bin/sh"
            let sink = output
            // One redactor per stream: each holds back what may still become a secret.
            let streams = [StreamRedactor(redactor), StreamRedactor(redactor)]
            let journalStart: (pid_t) -> Void = { pid in
                var event = JournalEvent(.processStarted)
                event.step = step.id
                event.pid = pid
                event.startTicks = self.runner.startTicks(of: pid)
                // A process the journal does not know of must not go on: end it at once.
                if !self.record(event) { self.runner.interrupt() }
            }
            let run = try runner.run(command: command, shell: shell, environment: environment, timeoutMs: timeoutMs, started: journalStart) { chunk, isError in
                let text = streams[isError ? 1 : 0].feed(chunk)
                if !text.isEmpty { sink.stream(text, isError: isError) }
            }
            for (stream, isError) in zip(streams, [false, true]) {
                let rest = stream.flush()
                if !rest.isEmpty { sink.stream(rest, isError: isError) }
            }
            if !run.leftovers.isEmpty {
                // Background processes (in the command's group, or escaped from it) do not outlive their step.
                var event = JournalEvent(.message)
                event.step = step.id
                event.text = "ended \(run.leftovers.count) process\(run.leftovers.count == 1 ? "" : "es") the command left running: \(run.leftovers.map(String.init).joined(separator: ", "))"
                record(event)
                output.note("  \(event.text ?? "")")
            }
            var result = AttemptResult(status: .succeeded, exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr, durationMs: run.durationMs)
            switch run.ending {
            case .timedOut:
                result.status = .timedOut
                result.reason = "timed out after \(DurationParser.format(milliseconds: max(1, timeoutMs))); its process group was ended"
            case .interrupted:
                result.status = .interrupted
                result.reason = "ended by \(firstSignal ?? "a signal")"
            case .signaled:
                result.status = .failed
                result.reason = "killed by signal \(run.exitCode - 128)"
            case .exited:
                let codes = expect?.exitCodes ?? [0]
                if !codes.contains(Int(run.exitCode)) {
                    result.status = .failed
                    result.reason = "exit code \(run.exitCode)\(codes == [0] ? "" : " (expected \(codes.map(String.init).joined(separator: ", ")))")"
                } else if let pattern = try expect?.outputPattern.map({ try resolve($0, field: "expect.output", step: step) }),
                          !Self.matches(pattern, run.stdout + "\n" + run.stderr) {
                    result.status = .failed
                    result.reason = "the output does not match /\(pattern)/"
                }
            }
            if result.status == .succeeded {
                result.outputs = Self.outputs(step.outputs ?? [], stdout: run.stdout, stderr: run.stderr, body: nil)
            }
            return result
        case .httpRequest:
            let url = try resolve(action.url ?? "", field: fieldPrefix + "url", step: step)
            var headers: [String: String] = [:]
            for (name, value) in action.headers ?? [:] { headers[name] = try resolve(value, field: "\(fieldPrefix)headers.\(name)", step: step) }
            let body = try action.body.map { try resolve($0, field: fieldPrefix + "body", step: step) }
            let start = effects.clock.nanoseconds()
            let response = try effects.http.send(method: action.method ?? "GET", url: url, headers: headers, body: body, timeoutMs: timeoutMs, userAgent: userAgent,
                                               cancelled: { [unowned self] in signalCount > 0 })
            var result = AttemptResult(status: .succeeded, httpStatus: response.status, stdout: response.body,
                                       durationMs: Int((effects.clock.nanoseconds() - start) / 1_000_000))
            result.bodyBytes = response.bodyBytes
            let expected = expect?.status
            if let expected, !expected.contains(response.status) {
                result.status = .failed
                result.reason = "HTTP \(response.status) (expected \(expected.map(String.init).joined(separator: ", ")))"
            } else if expected == nil, !(200...299).contains(response.status) {
                result.status = .failed
                result.reason = "HTTP \(response.status)"
            } else if let pattern = try expect?.outputPattern.map({ try resolve($0, field: "expect.output", step: step) }),
                      !Self.matches(pattern, response.body) {
                result.status = .failed
                result.reason = "the response body does not match /\(pattern)/"
            }
            if result.status == .succeeded { result.outputs = Self.outputs(step.outputs ?? [], stdout: "", stderr: "", body: response.body) }
            return result
        case .updateConfig:
            let storeName = action.store ?? "default"
            guard var store = settings.stores[storeName] else {
                return AttemptResult(status: .failed, reason: "no config store `\(storeName)`: configure `stores: {\(storeName): {file: …}}` in .rbc.yaml")
            }
            store.lockWaitMs = settings.lockWaitMs
            let key = try resolve(action.configKey ?? "", field: fieldPrefix + "config_key", step: step)
            let value = try configValue(action, step: step, field: fieldPrefix + "value")
            // What the store held is on disk before the store changes: the automatic rollback needs it.
            let change = try effects.stores.set(key, to: value, in: store) { change in
                var event = JournalEvent(.configChanged)
                event.step = step.id
                event.store = storeName
                event.path = change.path
                event.key = key
                event.undoKey = change.undoKey == key ? nil : change.undoKey
                event.previous = change.previous
                event.previousPresent = change.previous != nil
                event.previousSource = change.previousSource
                event.value = value
                guard self.record(event) else { throw ConfigStore.Failure(description: "not changed: \(self.journalFailure ?? "cannot write the journal")") }
            }
            // When a shallower key was replaced or created, this key itself did not exist before.
            let previous = change.undoKey == key ? change.previous : nil
            output.note("  \(key) = \(RuntimeValue.from(value).text) (was \(previous.map { RuntimeValue.from($0).text } ?? "unset")) in \(SourceLoader.shown(store.path))")
            var result = AttemptResult(status: .succeeded)
            result.configChange = change
            return result
        case .sendNotification:
            let channel = try resolve(action.channel ?? "", field: fieldPrefix + "channel", step: step)
            let message = try resolve(action.message ?? "", field: fieldPrefix + "message", step: step)
            return try deliver(settings.notifications, what: "notification to \(channel)", timeoutMs: timeoutMs, payload: { format in
                format == .slack ? ["channel": channel, "text": message]
                    : ["type": "notification", "channel": channel, "message": message, "runbook": self.ir.runbook.name, "step": step.id]
            }, fallback: "[notification to \(channel)] \(message)")
        case .createTicket:
            let title = try resolve(action.title ?? "", field: fieldPrefix + "title", step: step)
            let body = try action.body.map { try resolve($0, field: fieldPrefix + "body", step: step) } ?? ""
            let labels = try (action.labels ?? []).enumerated().map { try resolve($1, field: "\(fieldPrefix)labels[\($0)]", step: step) }
            return try deliver(settings.tickets, what: "ticket", timeoutMs: timeoutMs, payload: { format in
                format == .slack ? ["text": "New ticket: \(title)\n\(body)"]
                    : ["type": "ticket", "title": title, "body": body, "labels": labels, "runbook": self.ir.runbook.name, "step": step.id]
            }, fallback: "[ticket] \(title)\(labels.isEmpty ? "" : " [\(labels.joined(separator: ", "))]")")
        case .wait:
            let duration = min(action.durationMs ?? 0, timeoutMs)
            output.note("  waiting \(DurationParser.format(milliseconds: max(1, duration)))")
            let completed = sleep(milliseconds: duration)
            return AttemptResult(status: completed ? .succeeded : .interrupted, reason: completed ? nil : "ended by \(firstSignal ?? "a signal")",
                                 durationMs: duration)
        case .manual:
            // Done is what the approval said: a person at the terminal, or a flag given in advance.
            let by = approvedBy[step.id] ?? "terminal"
            return AttemptResult(status: .succeeded, reason: by == "terminal" ? "confirmed by a person at the terminal"
                                 : "approved by \(by) (no one confirmed at the terminal that it was done)")
        }
    }

    /// Posts to a webhook, or prints (and journals) when none is configured.
    func deliver(_ webhook: Webhook?, what: String, timeoutMs: Int, payload: (Webhook.Format) -> [String: Any], fallback: String) throws -> AttemptResult {
        guard let webhook else {
            var event = JournalEvent(.message)
            event.text = redact(fallback)
            guard record(event) else { return AttemptResult(status: .failed, reason: "not performed: \(journalFailure ?? "cannot write the journal")") }
            output.note("  \(redact(fallback))")
            return AttemptResult(status: .succeeded, reason: "no webhook configured: printed")
        }
        let response = try effects.http.postJSON(webhook.url, payload(webhook.format), timeoutMs: timeoutMs, userAgent: userAgent,
                                               cancelled: { [unowned self] in signalCount > 0 })
        guard (200...299).contains(response.status) else {
            return AttemptResult(status: .failed, reason: "\(what): webhook answered HTTP \(response.status)", httpStatus: response.status)
        }
        return AttemptResult(status: .succeeded, httpStatus: response.status)
    }

    /// What HTTP requests and webhooks say they come from.
    var userAgent: String { settings.rbcVersion.isEmpty ? "rbc" : "rbc/\(settings.rbcVersion)" }

    // MARK: - Substitution

    var context: EvaluationContext {
        var params = settings.params.mapValues(RuntimeValue.from)
        for name in settings.missingParams where settings.dryRun { params[name] = .unknown("params.\(name): not given") }
        return EvaluationContext(params: params, steps: results, runbookName: ir.runbook.name,
                                 severity: ir.runbook.severity?.rawValue ?? "", planning: settings.dryRun)
    }

    /// The command the shell runs and the variables it reads: values never become shell text.
    func commandToRun(_ action: ActionIR, step: StepIR, field: String) throws -> (String, [String: String]) {
        var environment: [String: String] = [:]
        if let runID { environment[ProcessRunner.runIDVariable] = runID }
        for substitution in (step.substitutions ?? []) where substitution.field == field {
            let value = try evaluate(substitution).text
            // Taint: a value computed from a secret is a secret.
            if substitution.secret { redactor.add(value, derived: true) }
            environment[substitution.variable] = value
        }
        return (action.commandTemplate ?? action.command ?? "", environment)
    }

    /// A substitution's value, from the tree the type checker kept.
    func evaluate(_ substitution: SubstitutionIR) throws -> RuntimeValue {
        guard let tree = substitution.tree else {
            throw ExpressionEvaluator.Failure(description: "`${{ \(substitution.expression) }}` has no checked expression in the IR: recompile the runbook")
        }
        return try ExpressionEvaluator.evaluate(tree, in: context)
    }

    /// The template the type checker kept for a field; nil when the field holds no `${{ }}`.
    func template(_ field: String, step: StepIR, text: String) throws -> TemplateIR? {
        if let template = step.templates?.first(where: { $0.field == field }) { return template }
        // An IR without templates (hand-written, or from an older rbc) must not run `${{ }}` as text.
        if text.contains("${{") { throw ExpressionEvaluator.Failure(description: "`\(field)` holds `${{ }}` the IR does not describe: recompile the runbook") }
        return nil
    }

    /// A string field with its expressions evaluated (for messages, URLs, keys: not shell text), from
    /// the parts the type checker kept: literal text as written, each value encoded for where it goes.
    func resolve(_ text: String, field: String, step: StepIR) throws -> String {
        guard let template = try template(field, step: step, text: text) else { return text }
        let bareField = field.hasPrefix("rollback.") ? String(field.dropFirst(9)) : field
        var out = ""
        for part in template.parts {
            guard let index = part.substitution else { out += part.text ?? ""; continue }
            guard let substitution = step.substitutions?[safe: index] else {
                throw ExpressionEvaluator.Failure(description: "`\(field)` names substitution \(index), which the IR does not hold")
            }
            let evaluated = try evaluate(substitution)
            var value = evaluated.text
            if substitution.secret { redactor.add(value, derived: true) }
            if case .unknown = evaluated { out += value; continue }
            // Encoded for where it goes: never more than the one value the author put there.
            switch bareField {
            case "url": value = try ValueEncoding.encode(value, in: ValueEncoding.urlPart(after: out))
            case "config_key": if !declaresShape(substitution) { try ValueEncoding.checkKeySegment(value) }
            case "expect.output": value = NSRegularExpression.escapedPattern(for: value)
            default: break
            }
            out += value
        }
        if bareField == "config_key" { try ValueEncoding.checkKey(out) }
        return out
    }

    /// Whether a field reads something a plan does not know (a step's result, a parameter not given).
    func isPlaceholder(_ text: String, field: String, step: StepIR) -> Bool {
        guard let template = try? template(field, step: step, text: text) else { return text.contains("${{") }
        return template.parts.contains { part in
            guard let index = part.substitution else { return false }
            guard let substitution = step.substitutions?[safe: index], let value = try? evaluate(substitution) else { return true }
            if case .unknown = value { return true }
            return false
        }
    }

    /// The expression is a parameter whose `pattern:` declares the value's shape (which may hold dots).
    func declaresShape(_ substitution: SubstitutionIR?) -> Bool {
        guard let substitution, substitution.references.count == 1, let reference = substitution.references.first,
              reference.hasPrefix("params."), substitution.expression == reference else { return false }
        return ir.params.first { $0.name == String(reference.dropFirst(7)) }?.pattern != nil
    }

    /// The value an update_config writes: a string is a template.
    func configValue(_ action: ActionIR, step: StepIR, field: String) throws -> JSONValue {
        guard case .string(let text) = action.value ?? .null else { return action.value ?? .null }
        return .string(try resolve(text, field: field, step: step))
    }

    /// What a person sees: values filled in, secrets as `***`.
    func display(_ text: String, field: String, step: StepIR) -> String {
        redact((try? resolve(text, field: field, step: step)) ?? text)
    }

    /// What the store holds now under a step's key, for plans and approvals.
    func currentConfigValue(store storeName: String, key template: String, step: StepIR, prefix: String) -> String {
        guard let store = settings.stores[storeName] else { return "(store `\(storeName)` is not configured: the run would fail here)" }
        guard let key = try? resolve(template, field: prefix + "config_key", step: step), !isPlaceholder(template, field: prefix + "config_key", step: step) else {
            return "(current value: read at run time)"
        }
        do {
            return try effects.stores.get(key, in: store).map { redact(Self.jsonText($0)) } ?? "(unset)"
        } catch {
            return "(cannot read \(store.path): \(error))"
        }
    }

    static func jsonText(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
    }

    func describe(_ action: ActionIR, step: StepIR, prefix: String) -> String {
        switch action.kind {
        case .executeCommand:
            let shell = action.shell.map { "  (shell \(display($0, field: prefix + "shell", step: step)))" } ?? ""
            return "$ " + display(action.command ?? "", field: prefix + "command", step: step) + shell
        case .updateConfig:
            // Current → new, as `ansible --check --diff` shows it: the plan reads the store, changes nothing.
            let storeName = action.store ?? "default"
            var new = action.value ?? .null
            if case .string(let text) = new { new = .string(display(text, field: prefix + "value", step: step)) }
            let key = display(action.configKey ?? "", field: prefix + "config_key", step: step)
            // A rollback runs after its step changed the value: what the store holds now says nothing about then.
            if !prefix.isEmpty { return "set \(key) = \(redact(Self.jsonText(new))) in store \(storeName)" }
            return "set \(key) in store \(storeName): \(currentConfigValue(store: storeName, key: action.configKey ?? "", step: step, prefix: prefix)) → \(redact(Self.jsonText(new)))"
        case .sendNotification: return "notify \(display(action.channel ?? "", field: prefix + "channel", step: step)): \(display(action.message ?? "", field: prefix + "message", step: step))"
        case .createTicket: return "ticket: \(display(action.title ?? "", field: prefix + "title", step: step))"
        case .httpRequest: return "\(action.method ?? "GET") \(display(action.url ?? "", field: prefix + "url", step: step))"
        case .wait: return "wait \(DurationParser.format(milliseconds: action.durationMs ?? 0))"
        case .manual: return "manual: \(display(action.instructions ?? "", field: prefix + "instructions", step: step))"
        }
    }

    func redact(_ text: String) -> String { redactor.redact(text) }

    func redactedParams() -> [String: JSONValue] {
        var values = settings.params
        for param in ir.params where param.secret && values[param.name] != nil { values[param.name] = .string("***") }
        return values
    }

    // MARK: - Helpers

    /// The first journal failure: from then on the run performs nothing new, only the rollback of
    /// what the journal records (each undo still journaled first, in the room kept for it).
    private(set) var journalFailure: String? {
        get { journalLock.withLock { storedJournalFailure } }
        set { journalLock.withLock { storedJournalFailure = newValue } }
    }
    private var storedJournalFailure: String?
    private let journalLock = NSLock()

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
        effects.clock.sleep(milliseconds: milliseconds) { signalCount > 0 }
    }

    static func matches(_ pattern: String, _ text: String) -> Bool {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return false }
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// What the journal keeps of an output: masked before it is cut, and where the capture already
    /// dropped its middle, the halves of a secret on either side of the gap masked too.
    func excerpt(_ text: String) -> String {
        var masked = text
        if let gap = text.range(of: #"\n\[… \d+ bytes not kept …\]\n"#, options: .regularExpression) {
            masked = redactor.redact(cutText: text, marker: String(text[gap]))
        }
        return redactor.excerpt(masked)
    }

    /// Values a step publishes: a regex's first group (or whole match), or a JSON path.
    static func outputs(_ declarations: [OutputIR], stdout: String, stderr: String, body: String?) -> [String: String] {
        var values: [String: String] = [:]
        for output in declarations {
            let source = output.from == "stderr" ? stderr : output.from == "body" ? (body ?? "") : stdout
            if let pattern = output.pattern, let regex = try? NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]),
               let match = regex.firstMatch(in: source, range: NSRange(source.startIndex..., in: source)) {
                let range = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
                values[output.name] = Range(range, in: source).map { String(source[$0]) } ?? ""
            } else if let path = output.json, let data = source.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) {
                values[output.name] = jsonPath(path, object).map { ConfigStore.jsonValue($0) }.map { RuntimeValue.from($0).text } ?? ""
            } else if output.pattern == nil && output.json == nil {
                values[output.name] = source.trimmingCharacters(in: .whitespacesAndNewlines)
            } else {
                values[output.name] = ""
            }
        }
        return values
    }

    static func jsonPath(_ path: String, _ object: Any) -> Any? {
        var current: Any? = object
        var rest = Substring(path.dropFirst())
        while !rest.isEmpty, let value = current {
            if rest.hasPrefix(".") {
                rest = rest.dropFirst()
                let name = rest.prefix { $0 != "." && $0 != "[" }
                rest = rest.dropFirst(name.count)
                current = (value as? [String: Any])?[String(name)]
            } else if rest.hasPrefix("[") {
                let number = rest.dropFirst().prefix { $0 != "]" }
                rest = rest.dropFirst(number.count + 2)
                guard let index = Int(number), let array = value as? [Any], index < array.count else { return nil }
                current = array[index]
            } else {
                return nil
            }
        }
        return current
    }
}

extension Array {
    /// The element at `index`, nil outside the array (IR from a journal is input like any other).
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
