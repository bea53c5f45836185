// `rbc run --step`: before each step ask run / skip / abort (or which alternative), after a failure
// retry / skip / abort; every answer journaled.

import Foundation
import RunbookSema

extension Executor {
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
            var approval = JournalEvent.Approval(step: step.id)
            approval.by = "step mode"
            approval.text = answer
            if let number = Int(answer), let chosen = Self.choosing(original, number - 1) {
                step = chosen
                approval.text = "choose \(alternatives.options[number - 1].label)"
                answer = "run"
            }
            approval.decision = answer == "run" || answer == "retry" ? .approved : .refused
            guard record(JournalEvent(.approval(approval))) else { return StepOutcome(succeeded: false, status: .refused, counts: true) }
            switch answer {
            case "run", "retry":
                stepModeApproved.insert(step.id)
                let outcome = perform(step, list: .steps)
                if outcome.succeeded || signalCount > 0 || journalFailure != nil { return outcome }
                failed = outcome
                question = "Step \(step.id) \(outcome.status?.rawValue ?? "planned").\n[r]etry, [s]kip (go on without it), [a]bort (roll back)?"
            case "skip":
                // After a failure, skipping means the failure does not stop the run.
                if let failed {
                    failuresSkipped += 1
                    return StepOutcome(succeeded: false, status: failed.status, counts: false)
                }
                return finishStep(step, list: .steps, AttemptResult(status: .skipped, reason: "skipped in step mode"), counts: false)
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
}
