// One step: skipped outside a partial run, its condition, alternatives and approval, then its
// attempts within one deadline with backoff between them; its end journaled and its result kept
// for later expressions.

import Foundation
import RunbookSema
import RunbookSource

extension Executor {
    struct StepOutcome {
        let succeeded: Bool
        /// Nil in a plan: the step was planned, not run.
        let status: StepStatus?
        /// A skipped step is not a failure; a refused or failed one is.
        let counts: Bool
    }

    struct AttemptResult {
        var status: StepStatus
        var reason: String?
        var exitCode: Int32?
        var httpStatus: Int?
        var bodyBytes: Int?
        var stdout = ""
        var stderr = ""
        var durationMs = 0
        var outputs: [String: String] = [:]
        var configChange: ConfigChange?
    }

    func perform(_ step: StepIR, list: StepList) -> StepOutcome {
        if list == .steps, let selected = settings.selectedSteps, !selected.contains(step.id) {
            // Not part of this partial run: journaled as skipped, left out of a plan.
            if settings.dryRun { return StepOutcome(succeeded: true, status: .skipped, counts: false) }
            return finishStep(step, list: list, AttemptResult(status: .skipped, reason: "not selected (\(settings.selection ?? "partial run"))"), counts: false)
        }
        if !record(JournalEvent(.stepStarted(.init(step: step.id, list: list, action: step.action.kind, timeoutMs: step.timeoutMs)))) {
            return StepOutcome(succeeded: false, status: .failed, counts: true)
        }

        var entry = PlanEntry(list: list, step: step.id, action: step.action.kind, detail: describe(step.action, step: step, prefix: ""),
                              condition: step.when, conditionValue: nil, timeoutMs: step.timeoutMs, timeoutSource: step.timeoutSource,
                              attempts: step.retry.maxAttempts,
                              onFailure: step.onFailure, approval: nil,
                              rollback: step.rollback.map { "\(describe($0.action, step: step, prefix: "rollback.")) (timeout \(DurationParser.format(milliseconds: $0.timeoutMs)))" }
                                ?? (step.action.kind == .updateConfig ? "restore the previous value of \(display(step.action.configKey ?? "", field: "config_key", step: step))" : nil))

        // The condition.
        if let when = step.when {
            do {
                guard let condition = step.condition else {
                    throw ExpressionEvaluator.Failure(description: "the IR holds no checked condition: recompile the runbook")
                }
                let value = try ExpressionEvaluator.evaluate(condition, in: context)
                if case .unknown = value {
                    entry.conditionValue = "decided at run time"
                } else {
                    entry.conditionValue = ExpressionEvaluator.truthy(value) ? "true" : "false"
                    if !ExpressionEvaluator.truthy(value) {
                        if settings.dryRun { entry.detail = "(skipped) " + entry.detail; plan.append(entry) }
                        return finishStep(step, list: list, AttemptResult(status: .skipped, reason: "condition `\(when)` is false"), counts: false)
                    }
                }
            } catch {
                return finishStep(step, list: list, AttemptResult(status: .failed, reason: "condition `\(when)`: \(error)"))
            }
        }
        // Alternatives in one command (`# Option A` … `# Option B` …): never both. Step mode asks which.
        let alternatives = step.action.kind == .executeCommand ? Alternatives.split(step.action.command ?? "").options : []
        if !alternatives.isEmpty {
            let labels = alternatives.map(\.label).joined(separator: "; ")
            entry.approval = "holds alternatives (\(labels)): rbc run refuses it; rbc run --step asks which one to run"
            if !settings.dryRun {
                return finishStep(step, list: list, AttemptResult(status: .refused,
                                                                  reason: "holds alternatives (\(labels)): rbc does not run both; `rbc run --step` asks which one"))
            }
        }
        // Approval: confirm: true, and manual steps (a person does them).
        if step.confirm || step.action.kind == .manual {
            entry.approval = step.action.kind == .manual ? "a person performs it and confirms" : "needs approval"
            if !settings.dryRun, !approve(step) {
                return finishStep(step, list: list, AttemptResult(status: .refused, reason: "not approved"))
            }
        }
        if settings.dryRun {
            // Nothing ran: later expressions that read this step stay unknown in the plan.
            plan.append(entry)
            return StepOutcome(succeeded: true, status: nil, counts: false)
        }
        output.note("▶ \(step.id)\(step.name.map { ": \($0)" } ?? "")")
        // Attempts, within the step's timeout, with backoff between them.
        let clock = effects.clock
        let deadline = clock.nanoseconds() + UInt64(step.timeoutMs) * 1_000_000
        var backoff = Double(step.retry.backoffMs)
        var result = AttemptResult(status: .failed)
        for attempt in 1...max(1, step.retry.maxAttempts) {
            let remaining = Int((Int64(deadline) - Int64(clock.nanoseconds())) / 1_000_000)
            if remaining <= 0 {
                result = AttemptResult(status: .timedOut, reason: "the step's timeout of \(DurationParser.format(milliseconds: step.timeoutMs)) ran out before attempt \(attempt)")
                break
            }
            runner.resetInterrupt()
            result = execute(step.action, step: step, fieldPrefix: "", timeoutMs: remaining, attempt: attempt)
            // A journal that failed stops the run at once: no wait for an attempt that cannot be journaled.
            if result.status == .succeeded || actionStopped || journalFailure != nil || attempt == step.retry.maxAttempts { break }
            // Wait, but never past the step's deadline.
            let left = Int((Int64(deadline) - Int64(clock.nanoseconds())) / 1_000_000)
            let wait = min(Int(backoff), max(0, left))
            output.note("  attempt \(attempt) \(result.status); retrying in \(DurationParser.format(milliseconds: max(wait, 1)))")
            if !sleep(milliseconds: wait) { break }
            backoff *= step.retry.multiplier
        }
        if result.status == .succeeded {
            results[step.id] = StepResult(status: .succeeded, exitCode: result.exitCode.map(Int.init), httpStatus: result.httpStatus,
                                          stdout: result.stdout, stderr: result.stderr, outputs: result.outputs)
            completed.append(Completed(list: list, step: step, configChange: result.configChange))
        } else {
            results[step.id] = StepResult(status: result.status, exitCode: result.exitCode.map(Int.init), httpStatus: result.httpStatus,
                                          stdout: result.stdout, stderr: result.stderr)
        }
        return finishStep(step, list: list, result)
    }

    func finishStep(_ step: StepIR, list: StepList, _ result: AttemptResult, counts: Bool = true) -> StepOutcome {
        record(JournalEvent(.stepFinished(.init(step: step.id, list: list, outcome: result.status, reason: result.reason.map(redact),
                                                outputs: result.outputs.isEmpty ? nil : result.outputs.mapValues(redact)))))
        if results[step.id] == nil { results[step.id] = StepResult(status: result.status) }
        if !settings.dryRun {
            let mark = result.status == .succeeded ? "✔" : result.status == .skipped ? "–" : "✘"
            output.note("\(mark) \(step.id) \(result.status)\(result.reason.map { ": \(redact($0))" } ?? "")")
        }
        return StepOutcome(succeeded: result.status.isSuccess, status: result.status, counts: counts)
    }

    func approve(_ step: StepIR) -> Bool {
        var event = JournalEvent.Approval(step: step.id)
        let question = step.action.kind == .manual
            ? "Step \(step.id) is manual:\n  \(display(step.action.instructions ?? "", field: "instructions", step: step))\nDone?"
            : "Run step \(step.id)?\n  \(describe(step.action, step: step, prefix: ""))\nApprove?"
        if stepModeApproved.contains(step.id) {
            event.decision = .approved
            event.by = "step mode"
        } else if settings.approveAll || settings.approvedSteps.contains(step.id) {
            event.decision = .approved
            event.by = settings.approveAll ? "--yes" : "--approve \(step.id)"
        } else if let answer = prompter.confirm(question) {
            event.decision = answer ? .approved : .refused
            event.by = "terminal"
        } else {
            // No terminal and no approval given: fail safe, never approve on anyone's behalf.
            event.decision = .refused
            event.by = "no terminal"
            event.reason = "no terminal to ask, and neither --yes nor --approve \(step.id) was given"
        }
        guard record(JournalEvent(.approval(event))) else { return false }
        if event.decision == .approved { approvedBy[step.id] = event.by }
        if event.decision != .approved { output.note("✘ \(step.id) not approved (\(event.by ?? ""))") }
        return event.decision == .approved
    }
}
