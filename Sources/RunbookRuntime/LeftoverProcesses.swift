// What a killed run left running: its step's process group (journaled with its start time, so a
// reused pid is never signalled) and processes that escaped it, found by their `RBC_RUN_ID`.

import Foundation
import RunbookSema

extension Executor {
    /// A run killed mid-step may have left that step's process group running: end it first, so that
    /// nothing acts while the old step still does.
    func endLeftoverProcess(_ state: RunState) {
        guard let leftover = state.leftoverProcess else { return }
        if let refusal = runner.refusalToSignal(group: leftover.pid, startTicks: leftover.startTicks) {
            // Gone is the usual case; anything else means the journal names a process that is not the step's.
            guard runner.startTicks(of: leftover.pid) != nil || leftover.pid <= 1 else { return }
            record(JournalEvent(.message(.init(pid: leftover.pid, text: "did not signal process group \(leftover.pid) named by the journal: \(refusal)"))))
            output.note("rbc: did not signal process group \(leftover.pid) named by the journal: \(refusal)")
            return
        }
        guard runner.endLeftover(group: leftover.pid, startTicks: leftover.startTicks) else { return }
        record(JournalEvent(.message(.init(pid: leftover.pid, text: "ended process group \(leftover.pid), left running by the killed run"))))
        output.note("ended process group \(leftover.pid), still running from the killed run")
    }

    /// Processes of a killed run that left its process groups (`setsid`, a double fork) were the
    /// subreaper's to end, and the subreaper is gone: find them by the run id they were started with.
    func endEscapedProcesses(_ state: RunState) {
        guard let earliest = state.earliestProcessTicks else { return }
        let pids = runner.processes(ofRun: state.runID, startedAtOrAfter: earliest)
        guard !pids.isEmpty else { return }
        let ended = runner.endProcesses(pids)
        guard !ended.isEmpty else { return }
        let text = "ended \(ended.count) process\(ended.count == 1 ? "" : "es") the killed run left running, found by their \(ProcessRunner.runIDVariable): \(ended.map(String.init).joined(separator: ", "))"
        record(JournalEvent(.message(.init(text: text))))
        output.note("rbc: \(text)")
    }

    /// Whether a killed run left processes running: its step's process group, or processes that
    /// escaped it (found by their `RBC_RUN_ID`).
    public static func leftProcessesRunning(_ state: RunState) -> Bool {
        if let leftover = state.leftoverProcess, ProcessRunner.refusalToSignal(group: leftover.pid, startTicks: leftover.startTicks) == nil,
           !ProcessRunner.livingMembers(of: leftover.pid).isEmpty {
            return true
        }
        guard let earliest = state.earliestProcessTicks else { return false }
        return !ProcessRunner.processes(ofRun: state.runID, startedAtOrAfter: earliest).isEmpty
    }

    /// Ends what a killed run left running when it has nothing to undo (its steps were read-only or
    /// had no rollback): a rollback ends a run's processes whether or not there is something to undo.
    public func endProcessesLeftRunning(_ state: RunState) {
        runID = state.runID
        endLeftoverProcess(state)
        endEscapedProcesses(state)
    }
}
