// `manual`: a person did it. A manual step's approval already asked (a person at the terminal, or a
// flag given in advance); a manual rollback asks here, because nobody has been asked about it yet.

import Foundation
import RunbookSema

extension Executor {
    func confirmManual(_ action: ActionIR, step: StepIR, fieldPrefix: String, timeoutMs: Int) throws -> AttemptResult {
        guard fieldPrefix.isEmpty else { return confirmManualRollback(action, step: step, field: fieldPrefix + "instructions") }
        let by = approvedBy[step.id] ?? "terminal"
        return AttemptResult(status: .succeeded, reason: by == "terminal" ? "confirmed by a person at the terminal"
                             : "approved by \(by) (no one confirmed at the terminal that it was done)")
    }

    /// The journal records only what happened: the instructions are shown and a person says it was
    /// done, or `--yes` said so in advance (and the record says nobody confirmed it); without either,
    /// the rollback is not done, and `rbc rollback` asks again later.
    func confirmManualRollback(_ action: ActionIR, step: StepIR, field: String) -> AttemptResult {
        let instructions = display(action.instructions ?? "", field: field, step: step)
        if settings.approveAll {
            output.note("  manual rollback of \(step.id): \(instructions)")
            return AttemptResult(status: .succeeded, reason: "approved by --yes (no one confirmed at the terminal that it was done)")
        }
        guard let done = prompter.confirm("Rollback of step \(step.id) is manual:\n  \(instructions)\nDone?") else {
            return AttemptResult(status: .failed, reason: "manual rollback not confirmed: no terminal to ask, and --yes was not given; "
                                 + "do it by hand, then `rbc rollback`")
        }
        return done ? AttemptResult(status: .succeeded, reason: "confirmed by a person at the terminal")
                    : AttemptResult(status: .failed, reason: "the person at the terminal said the manual rollback was not done")
    }
}
