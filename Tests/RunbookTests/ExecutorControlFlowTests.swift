// The executor's control flow with fake effects and a fake clock: retries and backoff, one deadline
// over all attempts, conditions, failure policies, rollback order, signals and journal-before-action,
// in milliseconds and without spawning a process. ExecutorTests keeps the same behaviour end to end.

import Foundation
import RunbookDriver
import RunbookRuntime
import RunbookSema
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Everything the fakes did, in order: journal appends and actions side by side, so a test can check
/// that each action was journaled before it happened.
final class EffectLog: @unchecked Sendable { // @unchecked: `entries` is only touched under `lock`
    private let lock = NSLock()
    private var stored: [String] = []

    func add(_ entry: String) { lock.withLock { stored.append(entry) } }
    var entries: [String] { lock.withLock { stored } }
    /// The actions alone (journal lines left out).
    var actions: [String] { entries.filter { !$0.hasPrefix("journal ") } }

    func index(of entry: String) -> Int? { entries.firstIndex(of: entry) }
}

/// A clock that moves only when a fake process runs or the executor waits.
final class FakeClock: RunClock, @unchecked Sendable { // @unchecked: `now` and `waits` are only touched under `lock`
    private let lock = NSLock()
    private var now: UInt64 = 1_000_000_000
    private var waited: [Int] = []

    func nanoseconds() -> UInt64 { lock.withLock { now } }
    func advance(milliseconds: Int) { lock.withLock { now += UInt64(milliseconds) * 1_000_000 } }
    /// The waits between attempts, in milliseconds.
    var waits: [Int] { lock.withLock { waited } }

    func sleep(milliseconds: Int, interrupted: () -> Bool) -> Bool {
        if interrupted() { return false }
        lock.withLock { waited.append(milliseconds) }
        advance(milliseconds: milliseconds)
        return !interrupted()
    }
}

/// What a fake command does: exits with a code after some time, printing something.
struct FakeCommand {
    var exitCode: Int32 = 0
    var stdout = ""
    var takesMs = 10
}

/// Runs nothing: each command is answered by `script`, takes its time on the fake clock, and is
/// ended as interrupted when a signal arrived while it "ran".
final class FakeProcesses: ProcessRunning, @unchecked Sendable { // @unchecked: `interrupted` is only touched under `lock`; the rest is set before a run
    private let lock = NSLock()
    private var interrupted = false
    let log: EffectLog
    let clock: FakeClock
    var script: (String) -> FakeCommand = { command in
        // `… && exit N` fails with N, as the shell would.
        if let range = command.range(of: #"exit (\d+)"#, options: .regularExpression),
           let code = Int32(command[range].dropFirst(5)) { return FakeCommand(exitCode: code) }
        return FakeCommand()
    }
    /// Called while a command runs (to send the executor a signal, say).
    var during: (String) -> Void = { _ in }
    private(set) var timeouts: [Int] = []

    init(log: EffectLog, clock: FakeClock) {
        self.log = log
        self.clock = clock
    }

    func run(command: String, shell: String, environment: [String: String], timeoutMs: Int,
             started: ((pid_t) -> Void)?, echo: (@Sendable ([UInt8], Bool) -> Void)?) throws -> ProcessResult {
        timeouts.append(timeoutMs)
        started?(4242)
        log.add("run \(command)")
        during(command)
        let answer = script(command)
        echo?(Array(answer.stdout.utf8), false)
        clock.advance(milliseconds: min(answer.takesMs, timeoutMs))
        let ending: ProcessResult.Ending = lock.withLock { interrupted } ? .interrupted : answer.takesMs >= timeoutMs ? .timedOut : .exited
        return ProcessResult(ending: ending, exitCode: ending == .exited ? answer.exitCode : -1, stdout: answer.stdout, stderr: "",
                             durationMs: min(answer.takesMs, timeoutMs), processGroup: 4242)
    }

    func interrupt() { lock.withLock { interrupted = true } }
    func resetInterrupt() { lock.withLock { interrupted = false } }
    func startTicks(of pid: pid_t) -> UInt64? { 1 }
    func refusalToSignal(group: pid_t, startTicks: UInt64) -> String? { "fake" }
    func endLeftover(group: pid_t, startTicks: UInt64) -> Bool { false }
    func processes(ofRun runID: String, startedAtOrAfter earliest: UInt64) -> [pid_t] { [] }
    func endProcesses(_ pids: [pid_t]) -> [pid_t] { [] }
}

/// Answers every request with `status`.
final class FakeHTTP: HTTPTransport, @unchecked Sendable { // @unchecked: `status` is set before a run
    let log: EffectLog
    var status = 200

    init(log: EffectLog) { self.log = log }

    func send(method: String, url: String, headers: [String: String], body: String?, timeoutMs: Int,
              userAgent: String, cancelled: (@Sendable () -> Bool)?) throws -> HTTPResponse {
        log.add("http \(method) \(url)\(body.map { " \($0)" } ?? "")")
        return HTTPResponse(status: status, body: "", bodyBytes: 0)
    }
}

/// Stores as dictionaries of dotted keys.
final class FakeStores: ConfigStoreAccess, @unchecked Sendable { // @unchecked: `values` is only touched under `lock`
    private let lock = NSLock()
    private var values: [String: JSONValue] = [:]
    let log: EffectLog

    init(log: EffectLog, values: [String: JSONValue] = [:]) {
        self.log = log
        self.values = values
    }

    func value(_ key: String) -> JSONValue? { lock.withLock { values[key] } }

    func get(_ key: String, in store: ConfigStore) throws -> JSONValue? { value(key) }

    func set(_ key: String, to value: JSONValue, in store: ConfigStore, journal: (ConfigChange) throws -> Void) throws -> ConfigChange {
        let change = ConfigChange(store: store.name, path: store.path, key: key, undoKey: key, previous: self.value(key), previousSource: nil)
        try journal(change)
        log.add("store set \(key)")
        lock.withLock { values[key] = value }
        return change
    }

    func restore(_ change: ConfigChange, in store: ConfigStore) throws {
        log.add("store restore \(change.undoKey)")
        lock.withLock { values[change.undoKey] = change.previous }
    }
}

/// Keeps events in memory; `failing` says which appends fail (an I/O error, a full disk).
final class FakeJournal: EventJournal, @unchecked Sendable { // @unchecked: `events` is only touched under `lock`; the rest is set before a run
    private let lock = NSLock()
    private var stored: [JournalEvent] = []
    let log: EffectLog
    let path = "/fake/journal.jsonl"
    var redactor: Redactor?
    var failing: (JournalEvent) -> Bool = { _ in false }

    init(log: EffectLog) { self.log = log }

    var events: [JournalEvent] { lock.withLock { stored } }

    func append(_ event: JournalEvent) throws -> JournalEvent {
        if failing(event) { throw JournalError.writeFailed("cannot write the journal \(path): No space left on device") }
        log.add("journal \(event.event.rawValue)\(event.step.map { " \($0)" } ?? "")")
        return lock.withLock {
            var stamped = event
            stamped.seq = stored.count + 1
            stored.append(stamped)
            return stamped
        }
    }

    func reserve(bytes: Int) throws {}
}

/// Answers yes or no to every confirmation (nil: no terminal).
struct FakePrompter: Prompter {
    var answer: Bool?
    func confirm(_ question: String) -> Bool? { answer }
}

final class CollectedOutput: ExecutionOutput, @unchecked Sendable { // @unchecked: `lines` is only touched under `lock`
    private let lock = NSLock()
    private var stored: [String] = []
    var notes: [String] { lock.withLock { stored } }
    func note(_ text: String) { lock.withLock { stored.append(text) } }
    func stream(_ chunk: String, isError: Bool) {}
}

/// One executor on fakes.
final class FakeRun {
    let log = EffectLog()
    let clock = FakeClock()
    let processes: FakeProcesses
    let http: FakeHTTP
    let stores: FakeStores
    let journal: FakeJournal
    let output = CollectedOutput()
    var prompter = FakePrompter(answer: nil)
    var settings = ExecutionSettings()

    init() {
        processes = FakeProcesses(log: log, clock: clock)
        http = FakeHTTP(log: log)
        stores = FakeStores(log: log)
        journal = FakeJournal(log: log)
    }

    func executor(_ source: String) throws -> Executor {
        let compiled = Compiler.compile(path: "rb.yaml", bytes: Array(source.utf8))
        let ir = try #require(compiled.ir, "\(compiled.diagnostics.map(\.message))")
        return Executor(ir: ir, settings: settings, output: output, prompter: prompter, journal: journal,
                        effects: ExecutorEffects(processes: processes, http: http, stores: stores, clock: clock))
    }

    func run(_ source: String) throws -> RunOutcome { try executor(source).run(runID: "test-run") }

    /// The journal's events of one kind, for one step.
    func events(_ kind: JournalEventKind, step: String? = nil) -> [JournalEvent] {
        journal.events.filter { $0.event == kind && (step == nil || $0.step == step) }
    }

    var finished: JournalEvent? { events(.runFinished).last }
}

/// A step whose command is just its id (the fake answers it), with a rollback `undo-ID`.
func fakeStep(_ id: String, _ fields: String = "", timeout: String = "10s", rollback: String? = "undo-\u{0}") -> String {
    var text = """
        - id: \(id)
          action: execute_command
          command: "\(id)"
          timeout: \(timeout)

    """
    for line in fields.split(separator: "\n") { text += "      \(line)\n" }
    if let rollback {
        text += """
              rollback:
                action: execute_command
                command: "\(rollback.replacingOccurrences(of: "\u{0}", with: id))"
                timeout: 10s

        """
    }
    return text
}

@Suite struct ExecutorControlFlowTests {
    @Test func retriesWaitWithGrowingBackoffUntilAnAttemptSucceeds() throws {
        let fake = FakeRun()
        var failuresLeft = 2
        fake.processes.script = { _ in
            failuresLeft -= 1
            return FakeCommand(exitCode: failuresLeft >= 0 ? 1 : 0)
        }
        let outcome = try fake.run(runbook(fakeStep("flaky", "retries: {attempts: 4, backoff: 1s, multiplier: 3}", timeout: "1h", rollback: nil)))
        #expect(outcome.status == .succeeded)
        #expect(outcome.exitCode == 0)
        #expect(fake.clock.waits == [1000, 3000])
        #expect(fake.events(.attemptFinished, step: "flaky").map(\.outcome) == [.failed, .failed, .succeeded])
        #expect(fake.events(.attemptStarted, step: "flaky").map { $0.attemptStarted?.attempt } == [1, 2, 3])
    }

    @Test func oneDeadlineBoundsEveryAttemptAndTheWaitsBetweenThem() throws {
        let fake = FakeRun()
        fake.processes.script = { _ in FakeCommand(exitCode: 1, takesMs: 2000) }
        let outcome = try fake.run(runbook(fakeStep("slow", "retries: {attempts: 5, backoff: 3s, multiplier: 2}", rollback: nil)))
        // 10s: attempt 1 (2s), wait 3s, attempt 2 with the 5s left (2s), a 6s wait cut to the 3s left, no attempt 3.
        #expect(fake.processes.timeouts == [10_000, 5000])
        #expect(fake.clock.waits == [3000, 3000])
        let finished = try #require(fake.events(.stepFinished, step: "slow").first)
        #expect(finished.outcome == .timedOut)
        #expect(finished.reason == "the step's timeout of 10s ran out before attempt 3")
        #expect(outcome.status == .rolledBack)
    }

    @Test func anAttemptThatOutlastsTheDeadlineTimesOut() throws {
        let fake = FakeRun()
        fake.processes.script = { _ in FakeCommand(takesMs: 60_000) }
        _ = try fake.run(runbook(fakeStep("hangs", rollback: nil)))
        #expect(fake.events(.attemptFinished, step: "hangs").map(\.outcome) == [.timedOut])
        #expect(fake.events(.stepFinished, step: "hangs").first?.reason == "timed out after 10s; its process group was ended")
    }

    @Test func aFalseConditionSkipsTheStepWithoutActing() throws {
        let fake = FakeRun()
        fake.settings.params = ["env": .string("staging")]
        let outcome = try fake.run(runbook(fakeStep("prod-only", "when: params.env == 'prod'")
                                               + fakeStep("staging-only", "when: params.env == 'staging'"),
                                           extra: "  params:\n    env: {type: string, default: staging}\n"))
        #expect(outcome.status == .succeeded)
        #expect(fake.log.actions == ["run staging-only"])
        let skipped = try #require(fake.events(.stepFinished, step: "prod-only").first)
        #expect(skipped.outcome == .skipped)
        #expect(fake.events(.stepStarted, step: "prod-only").count == 1)
    }

    @Test func continueRecordsTheFailureAndGoesOn() throws {
        let fake = FakeRun()
        let outcome = try fake.run(runbook(fakeStep("a") + failing("b", "on_failure: continue") + fakeStep("c")))
        #expect(outcome.status == .completedWithFailures)
        #expect(outcome.exitCode == 1)
        #expect(fake.log.actions == ["run a", "run b && exit 1", "run c"])
    }

    @Test func haltStopsAndRollsNothingBack() throws {
        let fake = FakeRun()
        let outcome = try fake.run(runbook(fakeStep("a") + failing("b", "on_failure: halt") + fakeStep("c")))
        #expect(outcome.status == .halted)
        #expect(outcome.exitCode == 1)
        #expect(fake.log.actions == ["run a", "run b && exit 1"])
        #expect(fake.events(.rollbackStarted).isEmpty)
    }

    @Test func abortUndoesCompletedStepsNewestFirst() throws {
        let fake = FakeRun()
        let outcome = try fake.run(runbook(fakeStep("a") + fakeStep("b") + fakeStep("c") + failing("d")))
        #expect(outcome.status == .rolledBack)
        #expect(outcome.exitCode == 1)
        // The failed step completed nothing, so its own rollback does not run.
        #expect(fake.log.actions == ["run a", "run b", "run c", "run d && exit 1", "run undo-c", "run undo-b", "run undo-a"])
        #expect(fake.events(.rollbackFinished).map(\.step) == ["c", "b", "a"])
    }

    @Test func aFailingRollbackDoesNotStopTheOthers() throws {
        let fake = FakeRun()
        let outcome = try fake.run(runbook(fakeStep("a") + fakeStep("b", rollback: "undo-b && exit 7") + failing("c")))
        #expect(outcome.status == .rollbackFailed)
        #expect(outcome.exitCode == 3)
        #expect(fake.log.actions == ["run a", "run b", "run c && exit 1", "run undo-b && exit 7", "run undo-a"])
        #expect(fake.events(.rollbackFinished).map(\.outcome) == [.failed, .succeeded])
    }

    @Test func theRunbookWideRollbackFollowsTheStepsUndosAndPostRunbookRunsLast() throws {
        let extra = """
          rollback:
            - action: execute_command
              command: "runbook-undo"
          post_runbook:
            - action: execute_command
              command: "post"

        """
        let failed = FakeRun()
        _ = try failed.run(runbook(fakeStep("a") + failing("b"), extra: extra))
        #expect(failed.log.actions == ["run a", "run b && exit 1", "run undo-a", "run runbook-undo", "run post"])

        let succeeded = FakeRun()
        let outcome = try succeeded.run(runbook(fakeStep("a"), extra: extra))
        #expect(outcome.status == .succeeded)
        #expect(succeeded.log.actions == ["run a", "run post"])
    }

    @Test func aSignalEndsTheStepAndRollsBackWhatCompleted() throws {
        let fake = FakeRun()
        let source = runbook(fakeStep("a") + fakeStep("b") + fakeStep("c"))
        let executor = try fake.executor(source)
        fake.processes.during = { [unowned executor] command in
            if command == "b" { executor.receive(signal: "SIGINT") }
        }
        let outcome = executor.run(runID: "test-run")
        #expect(outcome.status == .rolledBack)
        #expect(outcome.signaled)
        #expect(outcome.exitCode == 130)
        #expect(fake.log.actions == ["run a", "run b", "run undo-a"])
        #expect(fake.events(.stepFinished, step: "b").first?.outcome == .interrupted)
        #expect(fake.events(.signal).first?.signalReceived?.signal == "SIGINT")
        #expect(fake.finished?.runFinished?.status == .rolledBack)
    }

    @Test func aSecondSignalSkipsTheRemainingRollbacksWhenConfirmed() throws {
        let fake = FakeRun()
        fake.prompter = FakePrompter(answer: true)
        let executor = try fake.executor(runbook(fakeStep("a") + fakeStep("b") + fakeStep("c")))
        fake.processes.during = { [unowned executor] command in
            if command == "c" || command == "undo-b" { executor.receive(signal: "SIGINT") }
        }
        let outcome = executor.run(runID: "test-run")
        // The second signal came during undo-b: undo-a is skipped, and the run stays interrupted.
        #expect(fake.log.actions == ["run a", "run b", "run c", "run undo-b"])
        #expect(outcome.status == .interrupted)
        #expect(outcome.exitCode == 130)
        #expect(fake.events(.signal).map(\.text).last == "remaining rollbacks skipped")
    }

    @Test func aSignalDuringABackoffWaitEndsTheRetries() throws {
        let fake = FakeRun()
        let executor = try fake.executor(runbook(fakeStep("a") + failing("b", "retries: {attempts: 3, backoff: 1s}")))
        fake.processes.during = { [unowned executor] command in
            if command.hasPrefix("b") { executor.receive(signal: "SIGTERM") }
        }
        let outcome = executor.run(runID: "test-run")
        #expect(fake.events(.attemptStarted, step: "b").count == 1)
        #expect(fake.clock.waits.isEmpty)
        #expect(outcome.exitCode == 130)
        #expect(fake.log.actions.last == "run undo-a")
    }

    @Test func nothingActsWhenTheRunsStartCannotBeJournaled() throws {
        let fake = FakeRun()
        fake.journal.failing = { _ in true }
        let outcome = try fake.run(runbook(fakeStep("a")))
        #expect(fake.log.actions.isEmpty)
        #expect(outcome.exitCode == 4)
        #expect(outcome.reason == "nothing ran")
    }

    @Test func anAttemptThatCannotBeJournaledIsNotPerformed() throws {
        let fake = FakeRun()
        fake.journal.failing = { $0.event == .attemptStarted && $0.step == "b" }
        let outcome = try fake.run(runbook(fakeStep("a") + fakeStep("b") + fakeStep("c")))
        #expect(fake.log.actions == ["run a", "run undo-a"])
        #expect(outcome.exitCode == 4)
        #expect(outcome.journalFailure != nil)
    }

    @Test func everyActionFollowsTheEventThatAnnouncesIt() throws {
        let fake = FakeRun()
        fake.settings.stores = ["default": ConfigStore(name: "default", path: "/fake/store.yaml")]
        let source = runbook(fakeStep("a") + """
            - id: limit
              action: update_config
              config_key: "gateway.limit"
              value: 2000
              timeout: 10s

        """ + failing("c"))
        _ = try fake.run(source)
        let entries = fake.log.entries
        func before(_ event: String, _ action: String) throws -> Bool {
            try #require(entries.firstIndex(of: event)) < #require(entries.firstIndex(of: action))
        }
        #expect(try before("journal attempt_started a", "run a"))
        #expect(try before("journal rollback_started a", "run undo-a"))
        #expect(try before("journal config_changed limit", "store set gateway.limit"))
        #expect(try before("journal rollback_started limit", "store restore gateway.limit"))
        // The automatic rollback put back what the store held (nothing), newest first.
        #expect(fake.stores.value("gateway.limit") == nil)
        #expect(fake.log.actions == ["run a", "store set gateway.limit", "run c && exit 1", "store restore gateway.limit", "run undo-a"])
    }

    @Test func notificationsGoToTheWebhookAndHTTPStatusesAreChecked() throws {
        let fake = FakeRun()
        fake.settings.notifications = Webhook(url: "http://hooks.invalid/notify", format: .slack)
        fake.http.status = 503
        let outcome = try fake.run(runbook("""
            - id: tell
              action: send_notification
              channel: "#ops"
              message: "hello"
              timeout: 10s

        """))
        #expect(fake.log.actions == [##"http POST http://hooks.invalid/notify {"channel":"#ops","text":"hello"}"##])
        #expect(fake.events(.stepFinished, step: "tell").first?.reason == "notification to #ops: webhook answered HTTP 503")
        #expect(outcome.status == .rolledBack)
    }

    @Test func aRefusedApprovalActsOnNothing() throws {
        let fake = FakeRun()
        fake.prompter = FakePrompter(answer: false)
        let outcome = try fake.run(runbook(fakeStep("a") + fakeStep("b", "confirm: true")))
        #expect(fake.log.actions == ["run a", "run undo-a"])
        #expect(fake.events(.approval, step: "b").first?.approval?.decision == .refused)
        #expect(outcome.status == .rolledBack)
    }
}

/// A step that fails (`exit 1`), with a rollback.
func failing(_ id: String, _ fields: String = "") -> String {
    fakeStep(id, fields).replacingOccurrences(of: "command: \"\(id)\"", with: "command: \"\(id) && exit 1\"")
}
