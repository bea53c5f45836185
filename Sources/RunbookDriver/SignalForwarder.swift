// Signals during a run, rollback or resume: forwarded to the executor, which stops the step and
// rolls back. Process-wide state, so one forwarder lives at a time (the driver makes it per run).

import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RunbookRuntime

/// Forwards signals to the executor while it works. SIGINT, SIGTERM and SIGQUIT stop the step and roll back,
/// a second one skips the remaining rollbacks; SIGHUP (the terminal went away) and SIGPIPE (so does a
/// closed stdout, seen as EPIPE) stop the run the same way, once: they never skip a rollback.
/// rbc also becomes a child subreaper here, so a step's escaped processes come back to it.
///
/// The handlers are in place when `init` returns (a dispatch signal source registers later, on
/// another thread, and a signal that came first was lost): each only writes the signal's number to
/// a pipe, which is async-signal-safe, and a thread of its own reads the pipe and does the work.
final class SignalForwarder {
    // SIGQUIT (Ctrl-\) too: its default action ended rbc at once, with the step still running and nothing
    // rolled back (and, before rbc became undumpable, a core file holding the run's secrets).
    static let handled: [(Int32, String)] = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM"), (SIGQUIT, "SIGQUIT"), (SIGHUP, "SIGHUP"), (SIGPIPE, "SIGPIPE")]
    private let terminal: any RunTerminal

    init(_ executor: Executor, terminal: any RunTerminal) {
        self.terminal = terminal
        ProcessRunner.becomeChildSubreaper()
        let once = OnceSignals()
        let forward: @Sendable (String) -> Void = { name in
            if name == "SIGHUP" || name == "SIGPIPE" {
                guard once.first(name) else { return }
            }
            terminal.err("\nrbc: \(name) received\(executor.signalCount == 0 ? ": stopping the current step, then rolling back" + (name == "SIGHUP" || name == "SIGPIPE" ? "" : " (again to skip the rollback)") : "")\n")
            executor.receive(signal: name)
        }
        var ends: [Int32] = [-1, -1]
        _ = pipe(&ends)
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        signalPipeWriteEnd = ends[1]
        _ = fcntl(ends[1], F_SETFL, O_NONBLOCK)
        let reader = ends[0]
        Thread.detachNewThread {
            var number: UInt8 = 0
            while true {
                let count = read(reader, &number, 1)
                if count < 0, errno == EINTR { continue }
                guard count == 1 else { break }
                if let name = SignalForwarder.handled.first(where: { $0.0 == Int32(number) })?.1 { forward(name) }
            }
            close(reader)
        }
        var action = sigaction()
        action.__sigaction_handler.sa_handler = writeSignalNumber
        action.sa_flags = SA_RESTART
        sigemptyset(&action.sa_mask)
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        for (number, _) in Self.handled {
            var previous = sigaction()
            sigaction(number, nil, &previous)
            // `nohup rbc run …` asks for hangups to be ignored: so they are.
            if number == SIGHUP, unsafeBitCast(previous.__sigaction_handler, to: Int.self) == 1 /* SIG_IGN */ { continue }
            sigaction(number, &action, nil)
            sigaddset(&unblocked, number)
        }
        // Whoever started rbc may have blocked them (a mask is inherited); this thread takes them.
        pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
        terminal.onClosedOutput { forward("SIGPIPE") }
    }

    deinit {
        terminal.onClosedOutput(nil)
        // After the run, until rbc exits, signals change nothing any more.
        for (number, _) in Self.handled { signal(number, SIG_IGN) }
        let writeEnd = signalPipeWriteEnd
        signalPipeWriteEnd = -1
        close(writeEnd) // the reading thread sees the end and closes its side
    }
}

/// The write end of the forwarder's pipe, read by the signal handler (set before it is installed).
/// Unguarded on purpose: a signal handler may take no lock, and the value changes only while no
/// handler writes through it (set before `sigaction`, cleared after the handlers are ignored).
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// The signal handler: one byte into the pipe, errno preserved. Nothing else is safe here.
private func writeSignalNumber(_ number: Int32) {
    let saved = errno
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalPipeWriteEnd, &byte, 1)
    errno = saved
}

/// SIGHUP and SIGPIPE count once each: a hangup or a closed pipe repeats itself, it is no second request.
private final class OnceSignals: @unchecked Sendable {  // @unchecked: `seen` is only touched under `lock`
    private let lock = NSLock()
    private var seen: Set<String> = []

    func first(_ name: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return seen.insert(name).inserted
    }
}
