// Process control with the real binary and real processes: a step's escaped descendants (setsid,
// double forks) are ended with it, its deadline never waits on a pipe they hold open, and SIGHUP,
// SIGPIPE and a closed stdout stop the run like SIGTERM (the step ended, rolled back, journaled).

import Foundation
import RunbookRuntime
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Programs started the way a shell or a service manager starts rbc: every signal at its default
/// disposition and unblocked. (The test runner ignores some signals, and ignoring is inherited, which
/// would hide what a signal does to an ordinary rbc.)
enum Spawned {
    struct Exit {
        /// The exit code, or 128 + the signal that killed it.
        let code: Int32
        let signaled: Bool
        /// The kernel wrote a core dump of it (to a file or a core_pattern pipe).
        var coreDumped = false
    }

    /// A Python parent that forks `argv[2:]`, waits for it, writes its peak resident memory (KiB) to
    /// `argv[1]` and ends as it ended. The peak of a program itself needs a parent this small:
    /// `ru_maxrss` of a child starts from its parent's high-water mark (the child begins as a copy of
    /// the parent's address space, through fork and posix_spawn's vfork alike, and the kernel carries
    /// that copy's peak into the child's), so a child of the test runner "peaks" at the test runner's
    /// size: ~355 MiB under the whole parallel suite, whatever the child does.
    static let peakMeasuringParent = """
        import os, signal, sys
        pid = os.fork()
        if pid == 0:
            os.execvp(sys.argv[2], sys.argv[2:])
        _, status, usage = os.wait4(pid, 0)
        with open(sys.argv[1], "w") as peak:
            peak.write(str(usage.ru_maxrss))
        if os.WIFSIGNALED(status):
            signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
            os.kill(os.getpid(), os.WTERMSIG(status))
        sys.exit(os.WEXITSTATUS(status))
        """


    /// `bash -c script` in a directory, output to /dev/null unless the script redirects it.
    static func bash(_ script: String, in directory: String, environment: [String: String] = [:]) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var merged = ProcessInfo.processInfo.environment
        merged["RBC"] = TestSupport.rbcBinary
        merged.merge(environment) { $1 }
        let arguments = ["/bin/bash", "-c", "cd \"$0\" || exit 99; " + script, directory]
        let env = merged.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        let status = posix_spawn(&pid, "/bin/bash", &actions, &attributes, argv, envp)
        guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: status) ?? .EINVAL) }
        return pid
    }

    /// Waits for a spawned process, at most `seconds`; nil (and the process killed) when it did not end.
    static func wait(_ pid: pid_t, seconds: Double) -> Exit? {
        let end = Date().addingTimeInterval(seconds)
        var status: Int32 = 0
        var usage = rusage()
        while Date() < end {
            if wait4(pid, &status, WNOHANG, &usage) == pid { return exit(status, usage) }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        _ = wait4(pid, &status, 0, &usage)
        return nil
    }

    private static func exit(_ status: Int32, _ usage: rusage) -> Exit {
        let signal = status & 0x7f
        return Exit(code: signal == 0 ? (status >> 8) & 0xff : 128 + signal, signaled: signal != 0, coreDumped: signal != 0 && status & 0x80 != 0)
    }
}

/// Living processes whose command line contains `marker` (what `pgrep -f` finds).
func processes(matching marker: String) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry -> pid_t? in
        guard let pid = pid_t(entry), pid != getpid(), isRunning(pid),
              let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
        let commandLine = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
        return commandLine.contains(marker) ? pid : nil
    }
}

/// Polls every 10 ms until `condition` holds, for at most `seconds`; whether it held.
func eventually(seconds: Double = 20, _ condition: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

/// A number no other test's `sleep` uses, so that looking for it finds only this test's processes.
func uniqueSleep() -> String { "\(Int.random(in: 40...90)).\(Int.random(in: 100_000...999_999))" }

@Suite(.serialized) struct ProcessControlTests {
    @Test func anEscapedProcessDoesNotHoldItsStep() throws {
        let marker = uniqueSleep()
        let fixture = try RunFixture(runbook("""
            - id: escape
              action: execute_command
              command: "setsid sleep \(marker) & echo $! > escaped; echo started"
              timeout: 2s
              readonly: true
            - id: after
              action: execute_command
              command: "echo after >> log"
              timeout: 5s
              readonly: true

        """))
        let run = try fixture.rbc(["run", "rb.yaml"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("started"))
        #expect(fixture.read("log") == "after\n")
        let escaped = try #require(pid_t(fixture.read("escaped").trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!isRunning(escaped), "the escaped process outlived its step")
        #expect(processes(matching: "sleep \(marker)").isEmpty)
        let events = try fixture.events()
        let attempt = try #require(events.first { $0.event == .attemptFinished && $0.step == "escape" })
        #expect((attempt.attemptFinished?.durationMs ?? .max) < 2000, "the step waited for the escaped process's pipe: \(attempt.attemptFinished?.durationMs ?? -1) ms")
        #expect(events.contains { $0.event == .message && $0.step == "escape" && ($0.text ?? "").contains("\(escaped)") },
                "ending a leftover process is journaled")
    }

    /// rbc killed with SIGKILL cannot end its step, and a process that left the step's process group
    /// was the subreaper's to end: rollback and resume find it by the run id it was started with.
    @Test(arguments: ["rollback", "resume"])
    func processesEscapedFromAKilledRunAreEndedByRollbackAndResume(_ command: String) throws {
        let marker = uniqueSleep()
        let fixture = try RunFixture(runbook("""
            - id: escape
              action: execute_command
              command: "[ -f resumed ] && exit 0; setsid sleep \(marker) & echo $! > escaped; sh -c 'sleep \(marker)' & sleep 60"
              timeout: 120s
              rollback:
                action: execute_command
                command: "touch undone"
                timeout: 10s

        """))
        let process = try fixture.start(["run", "rb.yaml"])
        defer { for pid in processes(matching: "sleep \(marker)") { kill(pid, SIGKILL) } }
        #expect(try fixture.waitFor { $0.event == .processStarted })
        // Killed only once the escapee has left the step's group (`$!` is known before setsid runs, and
        // one killed with the group would never be found by its run id) and the step's own background
        // sleep runs. Each wait stops when its condition holds: polling /proc on after that (as a
        // `for … where` loop does) took longer than the sleeps last on a loaded machine.
        var escaped: pid_t?
        #expect(eventually {
            escaped = pid_t(fixture.read("escaped").trimmingCharacters(in: .whitespacesAndNewlines))
            return escaped.map { ProcessRunner.livingMembers(of: $0) == [$0] } ?? false
        }, "the step never started its escaped process")
        let escapee = try #require(escaped)
        #expect(eventually { processes(matching: "sleep \(marker)").count >= 2 })
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let listing = processes(matching: "sleep \(marker)").map { pid in
            "\(pid): " + ((try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? "?")
        }.joined(separator: "\n")
        #expect(isRunning(escapee), "SIGKILL leaves the escaped process running: \(escapee) \(fixture.read("escaped"))\n\(listing)")
        #expect(ProcessRunner.livingMembers(of: escapee) == [escapee], "it leads a process group of its own")
        try "".write(to: fixture.url.appendingPathComponent("resumed"), atomically: true, encoding: .utf8)
        let after = try fixture.rbc([command, "last", "--yes"])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(processes(matching: "sleep \(marker)").isEmpty, "\(command) left the killed run's processes running: \(after.stderr)")
        #expect(after.stderr.contains("\(escapee)"), "\(after.stderr)")
        let events = try fixture.events()
        #expect(events.contains { $0.event == .message && ($0.text ?? "").contains("found by their RBC_RUN_ID") && ($0.text ?? "").contains("\(escapee)") },
                "ending them is journaled")
    }

    /// A killed run whose steps have nothing to undo (read-only, no rollback) still leaves its step's
    /// process group and what escaped it running: `rbc rollback` ends them too, and says so.
    @Test func aRollbackWithNothingToUndoStillEndsWhatTheKilledRunLeftRunning() throws {
        let marker = uniqueSleep()
        let fixture = try RunFixture(runbook("""
            - id: escape
              action: execute_command
              command: "setsid sleep \(marker) & echo $! > escaped; echo $$ > step; sleep \(marker)"
              timeout: 120s
              readonly: true

        """))
        let process = try fixture.start(["run", "rb.yaml"])
        defer { for pid in processes(matching: "sleep \(marker)") { kill(pid, SIGKILL) } }
        let (escapee, step) = try Self.waitForEscapeAndStep(in: fixture)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(isRunning(escapee) && isRunning(step), "SIGKILL leaves the step and the escaped process running")
        let refused = try fixture.rbc(["rollback", "last"])
        #expect(refused.status == 2 && refused.stderr.contains("--yes"), "no terminal to ask on: \(refused.stderr)")
        #expect(isRunning(escapee) && isRunning(step), "nothing is ended without a yes")
        let rollback = try fixture.rbc(["rollback", "last", "--yes"])
        #expect(rollback.status == 0, "\(rollback.stderr)")
        #expect(rollback.stderr.contains("nothing to roll back") && rollback.stderr.contains("\(escapee)"), "\(rollback.stderr)")
        #expect(processes(matching: "sleep \(marker)").isEmpty, "rbc rollback left the killed run's processes running")
        #expect(!isRunning(step))
        let events = try fixture.events()
        #expect(events.contains { $0.event == .message && ($0.text ?? "").contains("found by their RBC_RUN_ID") && ($0.text ?? "").contains("\(escapee)") },
                "ending them is journaled")
        let again = try fixture.rbc(["rollback", "last", "--yes"])
        #expect(again.status == 0 && again.stderr.contains("has nothing to roll back\n"), "\(again.stderr)")
    }

    /// Waits until the step's shell wrote its pid and the escaped process's, the escaped process
    /// left the step's process group (setsid runs in the child after `$!` is known), and rbc journaled
    /// the step's process: the child can write its files before the parent journals `process_started`,
    /// and a SIGKILL in between leaves a journal that names no process (seen under a loaded machine).
    static func waitForEscapeAndStep(in fixture: RunFixture) throws -> (escapee: pid_t, step: pid_t) {
        var found: (pid_t, pid_t)?
        _ = eventually {
            guard let escapee = pid_t(fixture.read("escaped").trimmingCharacters(in: .whitespacesAndNewlines)),
                  let step = pid_t(fixture.read("step").trimmingCharacters(in: .whitespacesAndNewlines)),
                  ProcessRunner.livingMembers(of: escapee) == [escapee],
                  (try? fixture.events())?.contains(where: { $0.event == .processStarted }) == true else { return false }
            found = (escapee, step)
            return true
        }
        let (escapee, step) = try #require(found, "the step never started its escaped process")
        return (escapee, step)
    }

    @Test func theTimeoutEndsEscapedProcessesThatIgnoreSIGTERM() throws {
        let marker = uniqueSleep()
        let fixture = try RunFixture(runbook("""
            - id: hang
              action: execute_command
              command: "setsid sh -c 'trap \\"\\" TERM; echo $$ > escaped; sleep \(marker)' & (sh -c 'sleep \(marker)' &) ; sleep \(marker)"
              timeout: 1s
              readonly: true

        """))
        let run = try fixture.rbc(["run", "rb.yaml", "--kill-grace", "1s"])
        #expect(run.status == 1, "\(run.stderr)")
        let escaped = try #require(pid_t(fixture.read("escaped").trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!isRunning(escaped))
        #expect(processes(matching: "sleep \(marker)").isEmpty, "pgrep finds a survivor")
        let attempt = try #require(try fixture.events().first { $0.event == .attemptFinished && $0.step == "hang" })
        #expect(attempt.outcome == .timedOut)
        // The guarantee is timeout + grace + 200 ms (`make bench` measures the overshoot); on a loaded
        // test machine this only tells a kept deadline from one that waited for the sleep (40 s or more).
        #expect((attempt.attemptFinished?.durationMs ?? .max) < 1000 + 1000 + 5000, "took \(attempt.attemptFinished?.durationMs ?? -1) ms")
    }

    @Test func sigtermWhileAnEscapedProcessHoldsThePipe() throws {
        let marker = uniqueSleep()
        let fixture = try RunFixture(runbook(loggedStep("one") + """
            - id: hold
              action: execute_command
              command: "setsid sleep \(marker) & sleep \(marker)"
              timeout: 120s
              readonly: true

        """))
        let pid = try Spawned.bash("exec \"$RBC\" run rb.yaml", in: fixture.path)
        #expect(try fixture.waitFor { $0.event == .processStarted && $0.step == "hold" })
        usleep(300_000)
        kill(pid, SIGTERM)
        let exit = try #require(Spawned.wait(pid, seconds: 15), "rbc did not stop on SIGTERM")
        #expect(exit.code == 130)
        #expect(fixture.read("log") == "one\nundo-one\n")
        #expect(processes(matching: "sleep \(marker)").isEmpty)
        let events = try fixture.events()
        #expect(events.first { $0.event == .stepFinished && $0.step == "hold" }?.outcome == .interrupted)
        #expect(events.last?.runFinished?.status == .rolledBack)
    }

    @Test(arguments: ["SIGHUP", "SIGPIPE"])
    func hangupAndBrokenPipeStopTheRunLikeSIGTERM(name: String) throws {
        let marker = uniqueSleep()
        let fixture = try RunFixture(runbook(loggedStep("one") + """
            - id: long
              action: execute_command
              command: "sleep \(marker)"
              timeout: 120s
              readonly: true

        """))
        let pid = try Spawned.bash("exec \"$RBC\" run rb.yaml", in: fixture.path)
        #expect(try fixture.waitFor { $0.event == .processStarted && $0.step == "long" })
        usleep(300_000)
        kill(pid, name == "SIGHUP" ? SIGHUP : SIGPIPE)
        let exit = try #require(Spawned.wait(pid, seconds: 15), "rbc did not stop on \(name)")
        #expect(!exit.signaled, "rbc died of \(name)")
        #expect(exit.code == 130)
        #expect(fixture.read("log") == "one\nundo-one\n", "the completed step is rolled back")
        #expect(processes(matching: "sleep \(marker)").isEmpty, "the step's process outlived rbc")
        let events = try fixture.events()
        #expect(events.contains { $0.signalReceived?.signal == name })
        #expect(events.first { $0.event == .stepFinished && $0.step == "long" }?.outcome == .interrupted)
        #expect(events.last?.runFinished?.status == .rolledBack)
    }

    @Test func aClosedStdoutStopsTheRunAndRollsBack() throws {
        let fixture = try RunFixture(runbook(loggedStep("one") + """
            - id: talk
              action: execute_command
              command: "for i in $(seq 1 400); do echo line-$i; sleep 0.05; done"
              timeout: 120s
              readonly: true

        """))
        // The reader goes away after three bytes: `rbc run … | head -c 3`.
        let pid = try Spawned.bash("\"$RBC\" run rb.yaml | head -c 3 > head.out; echo \"${PIPESTATUS[0]}\" > status", in: fixture.path)
        let exit = try #require(Spawned.wait(pid, seconds: 30), "the pipeline did not end")
        #expect(exit.code == 0)
        #expect(fixture.read("head.out") == "lin")
        #expect(fixture.read("status") == "130\n", "rbc exits 130, like on SIGTERM, instead of dying of SIGPIPE (141)")
        #expect(fixture.read("log") == "one\nundo-one\n")
        let events = try fixture.events()
        #expect(events.contains { $0.signalReceived?.signal == "SIGPIPE" })
        #expect(events.first { $0.event == .stepFinished && $0.step == "talk" }?.outcome == .interrupted)
        #expect(events.last?.runFinished?.status == .rolledBack)
        #expect(events.filter { $0.event == .signal }.count == 1, "a pipe that stays closed is one stop, not a second signal")
    }

    @Test func commandsThatPrintToAClosedStdoutDoNotKillRbc() throws {
        // Beyond runs: a compiled IR far larger than a pipe's buffer, into a reader that left.
        let steps = (1...400).map { "    - {id: s\($0), action: execute_command, command: \"echo \($0)\", readonly: true, timeout: 5s}\n" }.joined()
        let fixture = try RunFixture(runbook(steps))
        let pid = try Spawned.bash("\"$RBC\" compile rb.yaml | head -c 1 > /dev/null; echo \"${PIPESTATUS[0]}\" > status", in: fixture.path)
        let exit = try #require(Spawned.wait(pid, seconds: 60))
        #expect(exit.code == 0)
        #expect(fixture.read("status") == "0\n", "rbc compile | head -c 1: rbc exited \(fixture.read("status"))")
    }
}
