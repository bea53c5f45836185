// `execute_command`: the command template runs in its own process group with its values in the
// environment (never as shell text); output is streamed through the redactor, the process journaled
// before it can act, and the exit code and output checked against `expect`.

import Foundation
import RunbookSema

extension Executor {
    func runCommand(_ action: ActionIR, step: StepIR, fieldPrefix: String, timeoutMs: Int) throws -> AttemptResult {
        let expect = fieldPrefix.isEmpty ? step.expect : nil
        let (command, environment) = try commandToRun(action, step: step, field: fieldPrefix + "command")
        let shell = try action.shell.map { try resolve($0, field: fieldPrefix + "shell", step: step) } ?? "/bin/sh"
        // The author's shell is theirs; one a value chose must be a shell of the system's.
        if step.templates?.contains(where: { $0.field == fieldPrefix + "shell" }) == true { try ValueEncoding.checkShell(shell) }
        let sink = output
        // One redactor per stream: each holds back what may still become a secret.
        let streams = [StreamRedactor(redactor), StreamRedactor(redactor)]
        let journalStart: (pid_t) -> Void = { pid in
            let started = JournalEvent.ProcessStarted(step: step.id, pid: pid, startTicks: self.runner.startTicks(of: pid))
            // A process the journal does not know of must not go on: end it at once.
            if !self.record(JournalEvent(.processStarted(started))) { self.runner.interrupt() }
        }
        let run = try runner.run(command: command, shell: shell, environment: environment, timeoutMs: timeoutMs, started: journalStart) { chunk, isError in
            let text = streams[isError ? 1 : 0].feed(chunk)
            if !text.isEmpty { sink.stream(text, isError: isError) }
        }
        for (stream, isError) in zip(streams, [false, true]) {
            let rest = stream.flush()
            if !rest.isEmpty { sink.stream(rest, isError: isError) }
        }
        if !run.leftovers.isEmpty {
            // Background processes (in the command's group, or escaped from it) do not outlive their step.
            let text = "ended \(run.leftovers.count) process\(run.leftovers.count == 1 ? "" : "es") the command left running: \(run.leftovers.map(String.init).joined(separator: ", "))"
            record(JournalEvent(.message(.init(step: step.id, text: text))))
            output.note("  \(text)")
        }
        var result = AttemptResult(status: .succeeded, exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr, durationMs: run.durationMs)
        switch run.ending {
        case .timedOut:
            result.status = .timedOut
            result.reason = "timed out after \(DurationParser.format(milliseconds: max(1, timeoutMs))); its process group was ended"
        case .interrupted:
            result.status = .interrupted
            result.reason = "ended by \(firstSignal ?? "a signal")"
        case .signaled:
            result.status = .failed
            result.reason = "killed by signal \(run.exitCode - 128)"
        case .exited:
            let codes = expect?.exitCodes ?? [0]
            if !codes.contains(Int(run.exitCode)) {
                result.status = .failed
                result.reason = "exit code \(run.exitCode)\(codes == [0] ? "" : " (expected \(codes.map(String.init).joined(separator: ", ")))")"
            } else if let pattern = try expect?.outputPattern.map({ try resolve($0, field: "expect.output", step: step) }),
                      !Self.matches(pattern, run.stdout + "\n" + run.stderr) {
                result.status = .failed
                result.reason = "the output does not match /\(pattern)/"
            }
        }
        if result.status == .succeeded {
            result.outputs = Self.outputs(step.outputs ?? [], stdout: run.stdout, stderr: run.stderr, body: nil)
        }
        return result
    }
}
