// What one journal line says: its sequence number and time, and a typed payload per kind of event
// (run_started, step_started, …), each with only the fields that kind carries. On disk every payload's
// fields sit beside `seq`, `time` and `event` in one flat JSON object, keys sorted: the format
// schema/journal.schema.json describes, unchanged, so journals written before these types read the same.

import Foundation
import RunbookSema

public enum JournalEventKind: String, Codable, Sendable, CaseIterable {
    case runStarted = "run_started"
    case stepStarted = "step_started"
    case attemptStarted = "attempt_started"
    case processStarted = "process_started"
    case attemptFinished = "attempt_finished"
    case stepFinished = "step_finished"
    case approval
    case configChanged = "config_changed"
    case message
    case signal
    case rollbackStarted = "rollback_started"
    case rollbackFinished = "rollback_finished"
    case runResumed = "run_resumed"
    case runFinished = "run_finished"
}

/// How a step, an attempt or a rollback ended: the journal's `outcome` (schema/journal.schema.json
/// lists the same values; rbc_runtime.py writes them for Ansible runs).
public enum StepStatus: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    case succeeded, failed, timedOut = "timed_out", interrupted, skipped, refused

    /// A skipped step is no failure; every other status but success is one.
    public var isSuccess: Bool { self == .succeeded || self == .skipped }

    public var description: String { rawValue }
}

/// Which list of the runbook a step belongs to: the journal's and the plan's `list`.
public enum StepList: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    case steps, postRunbook = "post_runbook", rollback

    public var description: String { rawValue }
}

/// What an approval decided: the journal's `decision`.
public enum ApprovalDecision: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    case approved, refused

    public var description: String { rawValue }
}

/// One journal line.
public struct JournalEvent: Codable, Sendable {
    public var seq: Int = 0
    public var time: String = ""
    public var payload: Payload

    public init(_ payload: Payload) { self.payload = payload }

    public var event: JournalEventKind { payload.kind }

    /// What happened, with the fields of its kind.
    public enum Payload: Sendable {
        case runStarted(RunStarted)
        case stepStarted(StepStarted)
        case attemptStarted(AttemptStarted)
        case processStarted(ProcessStarted)
        case attemptFinished(AttemptFinished)
        case stepFinished(StepFinished)
        case approval(Approval)
        case configChanged(ConfigChanged)
        case message(Message)
        case signal(SignalReceived)
        case rollbackStarted(RollbackStarted)
        case rollbackFinished(RollbackFinished)
        case runResumed(RunResumed)
        case runFinished(RunFinished)

        public var kind: JournalEventKind {
            switch self {
            case .runStarted: .runStarted
            case .stepStarted: .stepStarted
            case .attemptStarted: .attemptStarted
            case .processStarted: .processStarted
            case .attemptFinished: .attemptFinished
            case .stepFinished: .stepFinished
            case .approval: .approval
            case .configChanged: .configChanged
            case .message: .message
            case .signal: .signal
            case .rollbackStarted: .rollbackStarted
            case .rollbackFinished: .rollbackFinished
            case .runResumed: .runResumed
            case .runFinished: .runFinished
            }
        }
    }

    // MARK: - Payloads (every field optional: journals from older rbc and from Ansible runs omit some)

    public struct RunStarted: Codable, Sendable {
        public var journalVersion: String?
        public var rbcVersion: String?
        public var run: String?
        public var runbook: String?
        public var commit: String?
        public var dirty: Bool?
        public var contentHash: String?
        public var ir: RunbookIR?
        public var params: [String: JSONValue]?
        public var user: String?
        public var host: String?
        public var pid: Int32?
        public var dryRun: Bool?
        /// Lint errors `rbc run --force` ran despite.
        public var overriddenFindings: [String]?
        /// Where rbc ran (rollback commands run there again) and the root of the repository or
        /// `.rbc.yaml`, so `rbc rollback` from anywhere acts on the same files.
        public var workingDirectory: String?
        public var root: String?
        /// Each config store's absolute path.
        public var stores: [String: String]?
        /// The incident the run was attached to (`rbc run --incident`).
        public var incident: String?

        public init() {}
    }

    public struct StepStarted: Codable, Sendable {
        public var step: String?
        public var list: StepList?
        public var action: ActionKind?
        public var timeoutMs: Int?

        public init(step: String?, list: StepList?, action: ActionKind?, timeoutMs: Int?) {
            self.step = step
            self.list = list
            self.action = action
            self.timeoutMs = timeoutMs
        }
    }

    public struct AttemptStarted: Codable, Sendable {
        public var step: String?
        public var attempt: Int?
        public var action: ActionKind?
        public var timeoutMs: Int?
        public var command: String?

        public init(step: String?, attempt: Int?, action: ActionKind?, timeoutMs: Int?, command: String?) {
            self.step = step
            self.attempt = attempt
            self.action = action
            self.timeoutMs = timeoutMs
            self.command = command
        }
    }

    public struct ProcessStarted: Codable, Sendable {
        public var step: String?
        public var pid: Int32?
        /// The kernel's start time of the process (clock ticks since boot), so a reused pid is never
        /// mistaken for the step's process.
        public var startTicks: UInt64?

        public init(step: String?, pid: Int32?, startTicks: UInt64?) {
            self.step = step
            self.pid = pid
            self.startTicks = startTicks
        }
    }

    public struct AttemptFinished: Codable, Sendable {
        public var step: String?
        public var attempt: Int?
        public var outcome: StepStatus?
        public var reason: String?
        public var exitCode: Int32?
        public var httpStatus: Int?
        /// With an `http_request` attempt: bytes of the answer's body received, all of them (the
        /// excerpt keeps only the head and the tail), also when the request timed out or was ended.
        public var bodyBytes: Int?
        public var durationMs: Int?
        public var stdout: String?
        public var stderr: String?

        public init(step: String?, attempt: Int?, outcome: StepStatus?) {
            self.step = step
            self.attempt = attempt
            self.outcome = outcome
        }
    }

    public struct StepFinished: Codable, Sendable {
        public var step: String?
        public var list: StepList?
        public var outcome: StepStatus?
        public var reason: String?
        public var outputs: [String: String]?

        public init(step: String?, list: StepList?, outcome: StepStatus?, reason: String? = nil, outputs: [String: String]? = nil) {
            self.step = step
            self.list = list
            self.outcome = outcome
            self.reason = reason
            self.outputs = outputs
        }
    }

    public struct Approval: Codable, Sendable {
        public var step: String?
        public var decision: ApprovalDecision?
        public var by: String?
        public var reason: String?
        /// In step mode: the answer given (`run`, `skip`, `choose Option A`, …).
        public var text: String?

        public init(step: String?) { self.step = step }
    }

    public struct ConfigChanged: Codable, Sendable {
        public var step: String?
        public var store: String?
        /// The store's absolute path (the symlink's target when it is one).
        public var path: String?
        public var key: String?
        /// The key whose previous state is recorded when it differs from `key` (setting `a.b` where
        /// `a` was a scalar or absent replaces or creates `a` as a whole).
        public var undoKey: String?
        public var previous: JSONValue?
        public var previousPresent: Bool?
        /// The previous value held a secret and was masked: it cannot be restored from the journal.
        public var previousMasked: Bool?
        /// The step wrote a secret, so the value it replaced is taken for one too (a rotated token):
        /// kept here for the rollback, shown as `***` wherever the change is shown.
        public var previousSecret: Bool?
        /// In a YAML or JSON store: the previous value's exact source text, so a rollback puts back
        /// the same bytes (comments, quoting, `012345`, `yes`).
        public var previousSource: String?
        public var value: JSONValue?

        public init(step: String?, store: String?, key: String?) {
            self.step = step
            self.store = store
            self.key = key
        }
    }

    public struct Message: Codable, Sendable {
        public var step: String?
        /// A process group the message is about (one the journal named, ended or not).
        public var pid: Int32?
        public var text: String?

        public init(step: String? = nil, pid: Int32? = nil, text: String?) {
            self.step = step
            self.pid = pid
            self.text = text
        }
    }

    public struct SignalReceived: Codable, Sendable {
        public var signal: String?
        public var text: String?

        public init(signal: String?, text: String?) {
            self.signal = signal
            self.text = text
        }
    }

    public struct RollbackStarted: Codable, Sendable {
        public var step: String?
        public var list: StepList?
        public var action: ActionKind?
        public var command: String?
        /// An automatic undo of `update_config`: the store, its path, the key and the value it restores.
        public var store: String?
        public var path: String?
        public var key: String?
        public var value: JSONValue?
        public var text: String?

        public init(step: String?, list: StepList?) {
            self.step = step
            self.list = list
        }
    }

    public struct RollbackFinished: Codable, Sendable {
        public var step: String?
        public var outcome: StepStatus?
        public var reason: String?
        public var exitCode: Int32?
        public var durationMs: Int?

        public init(step: String?, outcome: StepStatus?, reason: String?, exitCode: Int32?, durationMs: Int?) {
            self.step = step
            self.outcome = outcome
            self.reason = reason
            self.exitCode = exitCode
            self.durationMs = durationMs
        }
    }

    public struct RunResumed: Codable, Sendable {
        public var pid: Int32?
        public var user: String?
        public var text: String?

        public init(pid: Int32?, user: String?, text: String?) {
            self.pid = pid
            self.user = user
            self.text = text
        }
    }

    public struct RunFinished: Codable, Sendable {
        /// How the run (or its rollback or resume) ended.
        public var status: RunStatus?
        public var reason: String?

        public init(status: RunStatus?, reason: String?) {
            self.status = status
            self.reason = reason
        }
    }

    // MARK: - The line on disk

    enum CodingKeys: String, CodingKey { case seq, time, event }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        seq = try container.decode(Int.self, forKey: .seq)
        time = try container.decode(String.self, forKey: .time)
        // The payload's fields are read from the same object; fields another kind carries are ignored.
        payload = switch try container.decode(JournalEventKind.self, forKey: .event) {
        case .runStarted: .runStarted(try RunStarted(from: decoder))
        case .stepStarted: .stepStarted(try StepStarted(from: decoder))
        case .attemptStarted: .attemptStarted(try AttemptStarted(from: decoder))
        case .processStarted: .processStarted(try ProcessStarted(from: decoder))
        case .attemptFinished: .attemptFinished(try AttemptFinished(from: decoder))
        case .stepFinished: .stepFinished(try StepFinished(from: decoder))
        case .approval: .approval(try Approval(from: decoder))
        case .configChanged: .configChanged(try ConfigChanged(from: decoder))
        case .message: .message(try Message(from: decoder))
        case .signal: .signal(try SignalReceived(from: decoder))
        case .rollbackStarted: .rollbackStarted(try RollbackStarted(from: decoder))
        case .rollbackFinished: .rollbackFinished(try RollbackFinished(from: decoder))
        case .runResumed: .runResumed(try RunResumed(from: decoder))
        case .runFinished: .runFinished(try RunFinished(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seq, forKey: .seq)
        try container.encode(time, forKey: .time)
        try container.encode(event, forKey: .event)
        // Into the same object: one flat line, as the schema has it.
        switch payload {
        case .runStarted(let fields): try fields.encode(to: encoder)
        case .stepStarted(let fields): try fields.encode(to: encoder)
        case .attemptStarted(let fields): try fields.encode(to: encoder)
        case .processStarted(let fields): try fields.encode(to: encoder)
        case .attemptFinished(let fields): try fields.encode(to: encoder)
        case .stepFinished(let fields): try fields.encode(to: encoder)
        case .approval(let fields): try fields.encode(to: encoder)
        case .configChanged(let fields): try fields.encode(to: encoder)
        case .message(let fields): try fields.encode(to: encoder)
        case .signal(let fields): try fields.encode(to: encoder)
        case .rollbackStarted(let fields): try fields.encode(to: encoder)
        case .rollbackFinished(let fields): try fields.encode(to: encoder)
        case .runResumed(let fields): try fields.encode(to: encoder)
        case .runFinished(let fields): try fields.encode(to: encoder)
        }
    }

    // MARK: - Fields several kinds share

    /// The step the event is about.
    public var step: String? {
        switch payload {
        case .stepStarted(let fields): fields.step
        case .attemptStarted(let fields): fields.step
        case .processStarted(let fields): fields.step
        case .attemptFinished(let fields): fields.step
        case .stepFinished(let fields): fields.step
        case .approval(let fields): fields.step
        case .configChanged(let fields): fields.step
        case .message(let fields): fields.step
        case .rollbackStarted(let fields): fields.step
        case .rollbackFinished(let fields): fields.step
        case .runStarted, .signal, .runResumed, .runFinished: nil
        }
    }

    /// How an attempt, a step or a rollback ended.
    public var outcome: StepStatus? {
        switch payload {
        case .attemptFinished(let fields): fields.outcome
        case .stepFinished(let fields): fields.outcome
        case .rollbackFinished(let fields): fields.outcome
        default: nil
        }
    }

    /// Why it ended as it did (a failure, a refusal, a skip, the run's end).
    public var reason: String? {
        switch payload {
        case .attemptFinished(let fields): fields.reason
        case .stepFinished(let fields): fields.reason
        case .approval(let fields): fields.reason
        case .rollbackFinished(let fields): fields.reason
        case .runFinished(let fields): fields.reason
        default: nil
        }
    }

    /// The event's free text (messages, signals, step-mode answers, resumption, automatic undos).
    public var text: String? {
        switch payload {
        case .approval(let fields): fields.text
        case .message(let fields): fields.text
        case .signal(let fields): fields.text
        case .rollbackStarted(let fields): fields.text
        case .runResumed(let fields): fields.text
        default: nil
        }
    }
}
