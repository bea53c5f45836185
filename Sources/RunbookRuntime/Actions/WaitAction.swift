// `wait`: sleeps on the run's clock within the step's timeout; a signal ends it.

import Foundation
import RunbookSema

extension Executor {
    func wait(_ action: ActionIR, step: StepIR, fieldPrefix: String, timeoutMs: Int) throws -> AttemptResult {
        let duration = min(action.durationMs ?? 0, timeoutMs)
        output.note("  waiting \(DurationParser.format(milliseconds: max(1, duration)))")
        let completed = sleep(milliseconds: duration)
        return AttemptResult(status: completed ? .succeeded : .interrupted, reason: completed ? nil : "ended by \(firstSignal ?? "a signal")",
                             durationMs: duration)
    }
}
