// One attempt of an action: journaled before it starts and after it ends, dispatched to the action
// kind's own file, and failures of the transport (an HTTP timeout, a signal) turned into statuses.

import Foundation
import RunbookSema

extension Executor {
    func execute(_ action: ActionIR, step: StepIR, fieldPrefix: String, timeoutMs: Int, attempt: Int) -> AttemptResult {
        let started = JournalEvent.AttemptStarted(step: step.id, attempt: attempt, action: action.kind, timeoutMs: timeoutMs,
                                                  command: action.command.map { display($0, field: fieldPrefix + "command", step: step) })
        guard record(JournalEvent(.attemptStarted(started))) else {
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
        var finished = JournalEvent.AttemptFinished(step: step.id, attempt: attempt, outcome: result.status)
        finished.reason = result.reason.map(redact)
        finished.exitCode = result.exitCode
        finished.httpStatus = result.httpStatus
        finished.bodyBytes = result.bodyBytes
        finished.durationMs = result.durationMs
        finished.stdout = result.stdout.isEmpty ? nil : excerpt(result.stdout)
        finished.stderr = result.stderr.isEmpty ? nil : excerpt(result.stderr)
        record(JournalEvent(.attemptFinished(finished)))
        return result
    }

    func act(_ action: ActionIR, step: StepIR, fieldPrefix: String, timeoutMs: Int) throws -> AttemptResult {
        switch action.kind {
        case .executeCommand: try runCommand(action, step: step, fieldPrefix: fieldPrefix, timeoutMs: timeoutMs)
        case .httpRequest: try sendRequest(action, step: step, fieldPrefix: fieldPrefix, timeoutMs: timeoutMs)
        case .updateConfig: try updateConfig(action, step: step, fieldPrefix: fieldPrefix, timeoutMs: timeoutMs)
        case .sendNotification: try sendNotification(action, step: step, fieldPrefix: fieldPrefix, timeoutMs: timeoutMs)
        case .createTicket: try createTicket(action, step: step, fieldPrefix: fieldPrefix, timeoutMs: timeoutMs)
        case .wait: try wait(action, step: step, fieldPrefix: fieldPrefix, timeoutMs: timeoutMs)
        case .manual: try confirmManual(action, step: step, fieldPrefix: fieldPrefix, timeoutMs: timeoutMs)
        }
    }
}
