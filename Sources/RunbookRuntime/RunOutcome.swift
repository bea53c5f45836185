// What a run, a plan or a rollback ends with: its status, the exit code it maps to, and the plan's entries.

import Foundation
import RunbookSema

/// How a run ended: the journal's `status` on `run_finished` (schema/journal.schema.json lists the same values).
public enum RunStatus: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case succeeded
    case completedWithFailures = "completed_with_failures"
    case rolledBack = "rolled_back"
    case rollbackFailed = "rollback_failed"
    case halted
    case interrupted
    case planned

    public var description: String { rawValue }
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
    public var list: StepList
    public var step: String
    public var action: ActionKind
    public var detail: String
    public var condition: String?
    public var conditionValue: String?
    public var timeoutMs: Int
    /// Where the timeout comes from: the step, `defaults`, or rbc's built-in 10 minutes.
    public var timeoutSource: TimeoutSource?
    public var attempts: Int
    public var onFailure: FailurePolicy
    public var approval: String?
    public var rollback: String?
}
