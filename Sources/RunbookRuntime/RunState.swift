// A run as its journal tells it: what started, what completed, what was rolled back, how it ended —
// or that it did not end (killed), which `rbc runs` shows as interrupted.

import Foundation
import RunbookSema

public struct RunState: Sendable {
    public let runID: String
    public let path: String
    public let events: [JournalEvent]
    public let ir: RunbookIR
    public let runbookPath: String
    public let commit: String?
    public let params: [String: JSONValue]
    public let dryRun: Bool
    public let started: String
    /// What the run's first event recorded: who ran it where, with which parameters and stores.
    public let start: JournalEvent.RunStarted
    /// The last `run_finished` (a rollback or resume appends another), nil if the run never ended.
    public let finished: JournalEvent?
    /// Step id → its last outcome.
    public let stepStatus: [String: StepStatus]
    /// Main steps that succeeded, oldest first.
    public let completedOrder: [String]
    /// Steps whose undo succeeded (their last `rollback_finished` says so).
    public let undone: Set<String>
    public let configChanges: [String: ConfigChange]
    /// Steps that may have taken effect (they completed, or the run died during them) and whose
    /// undo has not succeeded yet, oldest first: what `rbc rollback` undoes, retried until it succeeds.
    public let pendingUndos: [String]
    /// The runbook-wide `rollback` actions that have not run successfully yet.
    public let pendingRunbookRollbacks: [StepIR]
    /// Where the run ran, and the root of its repository or `.rbc.yaml` (nil in older journals).
    public let workingDirectory: String?
    public let root: String?
    /// Config stores by name, with the absolute paths the run used.
    public let storePaths: [String: String]
    public let results: [String: StepResult]
    /// The process group of an attempt that never finished (the run was killed during it).
    public let leftoverProcess: (pid: Int32, startTicks: UInt64)?
    /// The kernel start time of the run's first journaled process: nothing the run started is older.
    public let earliestProcessTicks: UInt64?
    /// Steps whose config change replaced a value that held a secret: it was masked in the journal
    /// and cannot be restored from it.
    public let maskedConfigChanges: Set<String>
    /// A main step that started but never finished: the run died during it, and its effect is unknown.
    public let inFlight: String?
    /// Whether the journal's lines are the ones this user's rbc wrote (checked only when asked).
    public let authenticity: JournalAuthenticity

    /// Interrupted: the journal ends without the run's end (the process was killed), or it ended interrupted.
    public var status: RunStatus {
        guard case .runFinished(let fields)? = finished?.payload else { return .interrupted }
        return fields.status ?? .interrupted
    }

    /// The first step not in effect: it did not complete, or it completed and was rolled back since
    /// (a run killed while rolling back): a resumed run starts there, never after an undone step.
    public var firstIncomplete: Int? {
        ir.steps.firstIndex { step in
            let status = stepStatus[step.id]
            return !(status?.isSuccess ?? false) || undone.contains(step.id)
        }
    }

    public func step(_ id: String) -> StepIR? { ir.steps.first { $0.id == id } }

    public enum Failure: Error, CustomStringConvertible {
        case notARun(String)
        public var description: String {
            switch self {
            case .notARun(let path): "\(path) does not start with run_started"
            }
        }
    }

    public init(path: String) throws {
        try self.init(path: path, authenticatingWith: nil)
    }

    /// The run, with its journal's lines checked against `key` (see `authenticity`).
    public init(path: String, authenticatingWith key: Result<JournalKey, JournalKey.Problem>?) throws {
        let (events, authenticity) = try Journal.read(path, authenticatingWith: key)
        try self.init(path: path, events: events, authenticity: authenticity)
    }

    /// The run of a journal held open and locked: what is checked is what rollback and resume act on.
    public init(_ past: PastJournal, authenticatingWith key: Result<JournalKey, JournalKey.Problem>?) throws {
        let (events, authenticity) = try Journal.read(past.data, path: past.path, authenticatingWith: key)
        try self.init(path: past.path, events: events, authenticity: authenticity)
    }

    /// A run's journal read with this user's key, never making one (`rbc show`, `runs`, `timeline`,
    /// `report`): they only read, so they mark a journal that is not authenticated rather than refuse it.
    public static func checked(path: String) throws -> RunState {
        try RunState(path: path, authenticatingWith: JournalKey.forChecking())
    }

    private init(path: String, events: [JournalEvent], authenticity: JournalAuthenticity) throws {
        self.authenticity = authenticity
        guard let first = events.first, case .runStarted(let startedFields) = first.payload, let ir = startedFields.ir else {
            throw Failure.notARun(path)
        }
        self.path = path
        self.events = events
        self.ir = ir
        start = startedFields
        runID = startedFields.run ?? (path as NSString).lastPathComponent
        runbookPath = startedFields.runbook ?? ""
        commit = startedFields.commit
        params = startedFields.params ?? [:]
        dryRun = startedFields.dryRun ?? false
        started = first.time
        workingDirectory = startedFields.workingDirectory
        root = startedFields.root
        storePaths = startedFields.stores ?? [:]
        finished = events.last { $0.event == .runFinished }
        var status: [String: StepStatus] = [:]
        var completed: [String] = []
        var undone = Set<String>()
        var tookEffect: [String] = []
        var runbookRollbacksDone = Set<String>()
        var config: [String: ConfigChange] = [:]
        var masked = Set<String>()
        /// Steps whose recorded config change was undone since it was recorded.
        var restored = Set<String>()
        var results: [String: StepResult] = [:]
        var attempts: [String: JournalEvent.AttemptFinished] = [:]
        var running: (pid: Int32, startTicks: UInt64)?
        var earliestTicks: UInt64?
        var started: String?
        for event in events {
            switch event.payload {
            case .stepStarted(let fields):
                if fields.list == .steps || fields.list == nil, let step = fields.step {
                    started = step
                    tookEffect.removeAll { $0 == step }
                    tookEffect.append(step)
                    undone.remove(step)
                }
            case .processStarted(let fields):
                if let pid = fields.pid, let ticks = fields.startTicks {
                    running = (pid, ticks)
                    earliestTicks = min(earliestTicks ?? ticks, ticks)
                }
            case .attemptFinished(let fields):
                if let step = fields.step { attempts[step] = fields }
                running = nil
            case .configChanged(let fields):
                if let step = fields.step, let store = fields.store, let key = fields.key {
                    let change = ConfigChange(store: store, path: fields.path ?? startedFields.stores?[store], key: key, undoKey: fields.undoKey ?? key,
                                              previous: fields.previousPresent == true ? fields.previous : nil,
                                              previousSource: fields.previousSource)
                    // The same step changing the same key again, its first change not undone (a run
                    // resumed after rbc died during the step): the store held the first record's value
                    // before the run, the later one only what the first attempt wrote.
                    if let earlier = config[step], !restored.contains(step), earlier.key == change.key, earlier.path == change.path { continue }
                    config[step] = change
                    restored.remove(step)
                    if fields.previousMasked == true { masked.insert(step) } else { masked.remove(step) }
                }
            case .stepFinished(let fields):
                guard let step = fields.step, let outcome = fields.outcome else { continue }
                if started == step { started = nil }
                status[step] = outcome
                if fields.list == .steps || fields.list == nil {
                    completed.removeAll { $0 == step }
                    if outcome == .succeeded {
                        completed.append(step)
                    } else {
                        // A step that ended failed, refused or skipped is not undone (as in the run).
                        tookEffect.removeAll { $0 == step }
                    }
                } else if fields.list == .rollback, outcome == .succeeded {
                    runbookRollbacksDone.insert(step)
                }
                let attempt = attempts[step]
                results[step] = StepResult(status: outcome, exitCode: attempt?.exitCode.map(Int.init), httpStatus: attempt?.httpStatus,
                                           stdout: attempt?.stdout ?? "", stderr: attempt?.stderr ?? "", outputs: fields.outputs ?? [:])
            case .rollbackFinished(let fields):
                if let step = fields.step, fields.outcome == .succeeded {
                    undone.insert(step)
                    restored.insert(step)
                }
            default:
                continue
            }
        }
        stepStatus = status
        completedOrder = completed.filter { !undone.contains($0) }
        self.undone = undone
        configChanges = config
        pendingUndos = tookEffect.filter { id in
            !undone.contains(id) && (config[id] != nil || ir.steps.first { $0.id == id }?.rollback != nil)
        }
        pendingRunbookRollbacks = ir.rollback.filter { !runbookRollbacksDone.contains($0.id) }
        self.results = results
        leftoverProcess = running
        earliestProcessTicks = earliestTicks
        maskedConfigChanges = masked
        inFlight = finished == nil ? started : nil
    }

    /// Why the journal is not authenticated, nil when it is (or was not checked).
    public var authenticationProblem: String? {
        if case .notAuthenticated(let why) = authenticity { return why }
        return nil
    }

    /// Whether every line is authenticated by this user's key; nil when the journal was read unchecked.
    public var isAuthenticated: Bool? {
        switch authenticity {
        case .authentic: true
        case .notAuthenticated: false
        case .notChecked: nil
        }
    }

    /// Duration from the first to the last event, in milliseconds.
    public var durationMs: Int {
        guard let start = Self.date(events.first?.time), let end = Self.date(events.last?.time) else { return 0 }
        return Int(end.timeIntervalSince(start) * 1000)
    }

    static func date(_ text: String?) -> Date? {
        guard let text else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// What a journal without the run's end can say about why it ends: a kill and a journal failure
    /// that left nothing more on disk look the same, so it says both — unless an event written
    /// after the failure (in the room kept for the rollback) records that the journal could not be
    /// written. Nil for a journal with its end.
    public var unfinishedExplanation: String? {
        guard finished == nil else { return nil }
        if let failure = events.lazy.compactMap({ [$0.reason, $0.text].compactMap { $0 }.first(where: Journal.describesFailure) }).last {
            return "rbc could not write its journal any further, so the run stopped (exit 4, or 3): \(failure)"
        }
        return "rbc was killed, or could not write its journal any further (a full disk, an I/O error: the run then stopped, exit 4 or 3); the journal cannot tell which"
    }

    /// Every run journal in a directory, newest first; none when it cannot be listed (see `listing`).
    public static func list(in directory: String) -> [String] {
        (try? listing(in: directory)) ?? []
    }

    /// Every run journal in a directory, newest first (none when it does not exist). A `.rbc/runs`
    /// (or `.rbc`) that is a symbolic link is refused, not followed (`JournalError.unsafe`).
    public static func listing(in directory: String) throws -> [String] {
        let descriptor: Int32
        do { descriptor = try Journal.openDirectory(directory, create: false) } catch JournalError.missingDirectory { return [] }
        defer { close(descriptor) }
        return Journal.journalNames(in: descriptor).map { directory + "/" + $0 }
    }
}
