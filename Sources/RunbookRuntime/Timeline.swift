// The post-incident review draft the seeds describe, from a run's journal: summary, a UTC timeline,
// what ran and what was rolled back, durations, and time to mitigate.

import Foundation
import RunbookSema

public enum Timeline {
    public struct Entry: Codable, Sendable {
        public let time: String
        public let event: String
        public let detail: String
    }

    public struct Document: Codable, Sendable {
        public let run: String
        public let runbook: String
        public let severity: String
        public let status: String
        public let started: String
        public let durationMs: Int
        /// From the start of the run to the end of the last step that changed something.
        public let timeToMitigateMs: Int?
        public let stepsRun: [String]
        public let stepsRolledBack: [String]
        public let entries: [Entry]
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
            switch event.event {
            case .runStarted: detail = "run of \(state.ir.runbook.name) (\(state.runbookPath)) by \(event.user ?? "?") on \(event.host ?? "?")\(event.commit.map { " at \($0.prefix(10))" } ?? "")"
            case .stepStarted: detail = "step \(event.step ?? "") started (\(event.action ?? ""))"
            case .attemptStarted: detail = event.command.map { "attempt \(event.attempt ?? 1) of \(event.step ?? ""): `\($0)`" } ?? "attempt \(event.attempt ?? 1) of \(event.step ?? "")"
            case .attemptFinished, .processStarted: continue
            case .stepFinished:
                detail = "step \(event.step ?? "") \(event.outcome?.rawValue ?? "")\(event.reason.map { ": \($0)" } ?? "")"
                if event.outcome == .succeeded, let id = event.step, let step = state.step(id), changesSomething(step) {
                    mitigatedAt = RunState.date(event.time)
                }
            case .approval: detail = "step \(event.step ?? "") \(event.decision ?? "") (\(event.by ?? ""))"
            case .configChanged: detail = "\(event.key ?? "") changed in store \(event.store ?? "")"
            case .message: detail = event.text ?? ""
            case .signal: detail = "\(event.signal ?? "signal") received\(event.text.map { ": \($0)" } ?? "")"
            case .rollbackStarted: detail = "rollback of \(event.step ?? "") started"
            case .rollbackFinished: detail = "rollback of \(event.step ?? "") \(event.outcome?.rawValue ?? "")\(event.reason.map { ": \($0)" } ?? "")"
            case .runResumed: detail = "run resumed by \(event.user ?? "?")"
            case .runFinished: detail = "run finished: \(event.status ?? "")\(event.reason.map { " (\($0))" } ?? "")"
            }
            entries.append(Entry(time: String(event.time.dropFirst(11).prefix(8)), event: event.event.rawValue, detail: detail))
        }
        if state.finished == nil {
            entries.append(Entry(time: "—", event: "interrupted", detail: "the journal ends here: rbc was killed; `rbc rollback \(state.runID)` undoes what completed"))
        }
        let ran = state.ir.steps.filter { state.stepStatus[$0.id] == .succeeded }.map(\.id)
        let rolled = state.events.filter { $0.event == .rollbackFinished && $0.outcome == .succeeded }.compactMap(\.step)
        return Document(run: state.runID, runbook: state.ir.runbook.name, severity: state.ir.runbook.severity?.rawValue ?? "unset", status: state.status,
                        started: state.started, durationMs: state.durationMs,
                        timeToMitigateMs: zip(start, mitigatedAt).map { Int($1.timeIntervalSince($0) * 1000) },
                        stepsRun: ran, stepsRolledBack: rolled, entries: entries)
    }

    public static func markdown(_ state: RunState, changesSomething: (StepIR) -> Bool) -> String {
        let document = document(state, changesSomething: changesSomething)
        let duration = DurationParser.format(milliseconds: max(document.durationMs, 0))
        var out = """
        # Post-Incident Review: \(document.runbook)

        **Date**: \(document.started.prefix(10)) | **Severity**: \(document.severity) | **Duration**: \(duration) | **Author**: [name]

        ## Summary
        Runbook `\(document.runbook)` ran as \(document.run) and ended **\(document.status)**. \
        \(document.stepsRun.count) step\(document.stepsRun.count == 1 ? "" : "s") completed\(document.stepsRolledBack.isEmpty ? "" : ", \(document.stepsRolledBack.count) rolled back")\
        \(document.timeToMitigateMs.map { "; time to mitigate: \(DurationParser.format(milliseconds: max($0, 0)))" } ?? "").
        [Add: what happened, the impact, the resolution.]

        ## Timeline (UTC)
        | Time | Event |
        |------|-------|

        """
        for entry in document.entries {
            out += "| \(entry.time) | \(entry.detail.replacingOccurrences(of: "|", with: "\\|")) |\n"
        }
        out += """

        ## What was run
        \(document.stepsRun.isEmpty ? "Nothing completed." : document.stepsRun.map { "- `\($0)`" }.joined(separator: "\n"))

        ## What was rolled back
        \(document.stepsRolledBack.isEmpty ? "Nothing." : document.stepsRolledBack.map { "- `\($0)`" }.joined(separator: "\n"))

        ## Impact
        [Users affected, duration, revenue/SLA impact, data impact.]

        ## Root Cause
        [Detailed technical explanation of what went wrong and why.]

        ## Action Items
        | Action | Owner | Priority | Due Date | Status |
        |--------|-------|----------|----------|--------|

        """
        return out
    }
}

private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
