// `manual`: a person did it; the approval said so (a person at the terminal, or a flag given in advance).

import Foundation
import RunbookSema

extension Executor {
    func confirmManual(_ action: ActionIR, step: StepIR, fieldPrefix: String, timeoutMs: Int) throws -> AttemptResult {
        let by = approvedBy[step.id] ?? "terminal"
        return AttemptResult(status: .succeeded, reason: by == "terminal" ? "confirmed by a person at the terminal"
                             : "approved by \(by) (no one confirmed at the terminal that it was done)")
    }
}
