// A run's journal as data (`rbc timeline RUN --format json`, `rbc show`): every event with its UTC
// time and date, what ran, what was rolled back and what failed to roll back, and time to mitigate.
// The Markdown review draft is RunbookIncident's, one renderer for a run and for an incident.

import Foundation
import RunbookSema

public enum Timeline {
    public struct Entry: Codable, Sendable {
        /// UTC with its date, as the journal has it (`2024-11-15T14:33:06.000Z`); `—` when the journal ends early.
        public let time: String
        public let event: String
        public let detail: String
    }

    public struct Document: Codable, Sendable {
        public let run: String
        public let runbook: String
        public let severity: String
        public let status: RunStatus
        public let started: String
        public let durationMs: Int
        /// From the start of the run to the end of the last step that changed something, only for a
        /// run that succeeded: a run that rolled back (or failed to) mitigated nothing.
        public let timeToMitigateMs: Int?
        public let stepsRun: [String]
        public let stepsRolledBack: [String]
        /// Steps whose undo failed and has not succeeded since: the system may be left partly changed.
        public let stepsRollbackFailed: [String]
        public let entries: [Entry]
        /// Whether every line of the journal is the one this user's rbc wrote (its key authenticates
        /// it; absent when it was not checked); when not, why — what the document says is then only
        /// what the file says.
        public let authenticated: Bool?
        public let authenticationProblem: String?
    }

    /// `changesSomething` says which steps count as a change for time to mitigate; the driver passes the
    /// lint rules' judgement (`readonly: true`, known read-only commands, `GET` requests), so a check after
    /// the fix does not move the time and `readonly: true` on `kubectl get` changes nothing.
    public static func document(_ state: RunState, changesSomething: (StepIR) -> Bool) -> Document {
        var entries: [Entry] = []
        var mitigatedAt: Date?
        let start = RunState.date(state.started)
        for event in state.events {
            let detail: String
            switch event.payload {
            case .runStarted(let fields):
                detail = "run of \(state.ir.runbook.name) (\(state.runbookPath)) by \(fields.user ?? "?") on \(fields.host ?? "?")\(fields.commit.map { " at \($0.prefix(10))" } ?? "")"
            case .stepStarted(let fields): detail = "step \(fields.step ?? "") started (\(fields.action?.rawValue ?? ""))"
            case .attemptStarted(let fields):
                detail = fields.command.map { "attempt \(fields.attempt ?? 1) of \(fields.step ?? ""): `\($0)`" } ?? "attempt \(fields.attempt ?? 1) of \(fields.step ?? "")"
            case .attemptFinished, .processStarted: continue
            case .stepFinished(let fields):
                detail = "step \(fields.step ?? "") \(fields.outcome?.rawValue ?? "")\(fields.reason.map { ": \($0)" } ?? "")"
                if fields.outcome == .succeeded, let id = fields.step, let step = state.step(id), changesSomething(step) {
                    mitigatedAt = RunState.date(event.time)
                }
            case .approval(let fields): detail = "step \(fields.step ?? "") \(fields.decision?.rawValue ?? "") (\(fields.by ?? ""))"
            case .configChanged(let fields): detail = "\(fields.key ?? "") changed in store \(fields.store ?? "")"
            case .message(let fields): detail = fields.text ?? ""
            case .signal(let fields): detail = "\(fields.signal ?? "signal") received\(fields.text.map { ": \($0)" } ?? "")"
            case .rollbackStarted(let fields): detail = "rollback of \(fields.step ?? "") started"
            case .rollbackFinished(let fields):
                detail = "rollback of \(fields.step ?? "") \(fields.outcome?.rawValue ?? "")\(fields.reason.map { ": \($0)" } ?? "")"
            case .runResumed(let fields): detail = "run resumed by \(fields.user ?? "?")"
            case .runFinished(let fields): detail = "run finished: \(fields.status?.rawValue ?? "")\(fields.reason.map { " (\($0))" } ?? "")"
            }
            entries.append(Entry(time: event.time, event: event.event.rawValue, detail: detail))
        }
        if let why = state.unfinishedExplanation {
            entries.append(Entry(time: "—", event: "interrupted", detail: "the journal ends here: \(why); `rbc rollback \(state.runID)` undoes what completed"))
        }
        let ran = state.ir.steps.filter { state.stepStatus[$0.id] == .succeeded }.map(\.id)
        let rolled = state.events.filter { $0.event == .rollbackFinished && $0.outcome == .succeeded }.compactMap(\.step)
        let succeeded = state.status == .succeeded
        return Document(run: state.runID, runbook: state.ir.runbook.name, severity: state.ir.runbook.severity?.rawValue ?? "unset", status: state.status,
                        started: state.started, durationMs: state.durationMs,
                        timeToMitigateMs: succeeded ? zip(start, mitigatedAt).map { Int($1.timeIntervalSince($0) * 1000) } : nil,
                        stepsRun: ran, stepsRolledBack: rolled, stepsRollbackFailed: state.rollbackFailedSteps,
                        entries: entries, authenticated: state.isAuthenticated, authenticationProblem: state.authenticationProblem)
    }
}

extension RunState {
    /// Steps whose undo failed and has not succeeded since, once each in the order they failed.
    public var rollbackFailedSteps: [String] {
        var seen = Set<String>()
        return events.filter { $0.event == .rollbackFinished && $0.outcome != .succeeded }.compactMap(\.step)
            .filter { !undone.contains($0) && seen.insert($0).inserted }
    }
}

private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
