// Kill rbc with SIGKILL right after each journal event of a 5-step run (commands and config
// changes, each with an undo); after every kill the journal parses, and `rbc rollback` leaves the
// system exactly as it was before the run.

import Foundation
import RunbookRuntime
import Testing

@Suite struct FaultInjectionTests {
    static let runbookText = runbook("""
        - id: one
          action: execute_command
          command: "touch s1"
          timeout: 5s
          rollback: {action: execute_command, command: "rm -f s1", timeout: 5s}
        - id: raise
          action: update_config
          config_key: a.b
          value: 2
          timeout: 5s
        - id: three
          action: execute_command
          command: "touch s3 && echo three >> journal-of-effects"
          timeout: 5s
          rollback: {action: execute_command, command: "rm -f s3 && echo undo-three >> journal-of-effects", timeout: 5s}
        - id: add
          action: update_config
          config_key: c
          value: "x"
          timeout: 5s
        - id: five
          action: execute_command
          command: "touch s5"
          timeout: 5s
          rollback: {action: execute_command, command: "rm -f s5", timeout: 5s}

    """)
    static let flags = "{\"a\": {\"b\": 1, \"keep\": [1, 2]}}"

    /// Files and flags as they are; the record of effects is left out (it only shows what ran).
    static func snapshot(_ fixture: RunFixture) throws -> ([String], NSDictionary?) {
        let names = try FileManager.default.contentsOfDirectory(atPath: fixture.path).filter { $0.hasPrefix("s") }.sorted()
        let flags = try JSONSerialization.jsonObject(with: Data(fixture.read("flags.json").utf8)) as? NSDictionary
        return (names, flags)
    }

    @Test(.timeLimit(.minutes(3)))
    func killAtEveryJournalEventThenRollBack() throws {
        // How many events a run writes, from an undisturbed run.
        let complete = try RunFixture(Self.runbookText, files: [".rbc.yaml": "stores:\n  default: {file: flags.json}\n", "flags.json": Self.flags])
        #expect(try complete.rbc(["run", "rb.yaml"]).status == 0)
        let total = try complete.events().count
        #expect(total >= 25)
        let initialFlags = try JSONSerialization.jsonObject(with: Data(Self.flags.utf8)) as? NSDictionary
        for boundary in 1...total {
            let fixture = try RunFixture(Self.runbookText, files: [".rbc.yaml": "stores:\n  default: {file: flags.json}\n", "flags.json": Self.flags])
            let run = try TestSupport.rbc(["run", "rb.yaml"], in: fixture.path, environment: ["RBC_FAULT_KILL_AFTER_EVENT": "\(boundary)"])
            #expect(run.status == 9 || boundary == total, "killed after event \(boundary)")
            let journal = try #require(fixture.journals.first)
            let state = try RunState(path: journal)
            #expect(state.events.count == boundary, "the journal holds exactly what was written before the kill")
            let rollback = try fixture.rbc(["rollback", "last", "--yes"])
            #expect(rollback.status == 0, "boundary \(boundary): \(rollback.stderr)")
            let (files, flags) = try Self.snapshot(fixture)
            #expect(files.isEmpty, "boundary \(boundary): left \(files)")
            #expect(flags == initialFlags, "boundary \(boundary): flags \(fixture.read("flags.json"))")
        }
    }
}

extension FaultInjectionTests {
    // MARK: - Killed while rolling back

    /// The 5-step run with its last step failing: it rolls back four steps (two of them config
    /// changes) in the run itself.
    static let failingText = runbookText.replacingOccurrences(of: "command: \"touch s5\"", with: "command: \"test -f go && touch s5\"")

    /// SIGKILL after each event of the run's own rollback (mid-rollback: an undo announced and not
    /// finished, or finished and the next not started), then `rbc rollback`: everything is as before
    /// the run, and no undo that the journal records as succeeded runs again.
    @Test(.timeLimit(.minutes(3)))
    func killAtEveryEventOfTheRollbackThenRollBackExactly() throws {
        let files = [".rbc.yaml": "stores:\n  default: {file: flags.json}\n", "flags.json": Self.flags]
        let complete = try RunFixture(Self.failingText, files: files)
        #expect(try complete.rbc(["run", "rb.yaml"]).status == 1)
        let events = try complete.events()
        let firstRollback = try #require(events.first { $0.event == .rollbackStarted }?.seq)
        #expect(complete.read("journal-of-effects") == "three\nundo-three\n")
        let initialFlags = try JSONSerialization.jsonObject(with: Data(Self.flags.utf8)) as? NSDictionary
        for boundary in firstRollback..<events.count {
            let fixture = try RunFixture(Self.failingText, files: files)
            let run = try TestSupport.rbc(["run", "rb.yaml"], in: fixture.path, environment: ["RBC_FAULT_KILL_AFTER_EVENT": "\(boundary)"])
            #expect(run.status == 9, "killed after event \(boundary)")
            let before = try RunState(path: try #require(fixture.journals.first))
            let rollback = try fixture.rbc(["rollback", "last", "--yes"])
            #expect(rollback.status == 0, "boundary \(boundary): \(rollback.stderr)")
            let (left, flags) = try Self.snapshot(fixture)
            #expect(left.isEmpty, "boundary \(boundary): left \(left)")
            #expect(flags == initialFlags, "boundary \(boundary): flags \(fixture.read("flags.json"))")
            // undo-three runs again only if the killed run had not journaled it as succeeded (an undo
            // killed mid-way is repeated: undos, like steps, are expected to be safe to repeat).
            let undos = fixture.read("journal-of-effects").components(separatedBy: "undo-three").count - 1
            #expect(before.undone.contains("three") ? undos == 1 : undos >= 1, "boundary \(boundary): \(fixture.read("journal-of-effects"))")
            let after = try fixture.events()
            let undoneAgain = after.filter { $0.seq > boundary && $0.event == .rollbackStarted }.compactMap(\.step)
            #expect(Set(undoneAgain).isDisjoint(with: before.undone), "boundary \(boundary): undone twice: \(undoneAgain) after \(before.undone)")
        }
    }

    /// Killed while rolling back, then resumed: the steps already undone are no longer in effect, so
    /// the resumed run starts at the first of them. It resumed at the step that failed, leaving the
    /// undone steps out (their effect gone, the run reporting success).
    @Test func aRunKilledWhileRollingBackResumesAtItsFirstUndoneStep() throws {
        let files = [".rbc.yaml": "stores:\n  default: {file: flags.json}\n", "flags.json": Self.flags]
        let complete = try RunFixture(Self.failingText, files: files)
        #expect(try complete.rbc(["run", "rb.yaml"]).status == 1)
        // After the undo of `three` finished, before the config change of `raise` is restored.
        let boundary = try #require(try complete.events().first { $0.event == .rollbackFinished && $0.step == "three" }?.seq)
        let fixture = try RunFixture(Self.failingText, files: files)
        #expect(try TestSupport.rbc(["run", "rb.yaml"], in: fixture.path, environment: ["RBC_FAULT_KILL_AFTER_EVENT": "\(boundary)"]).status == 9)
        #expect(!FileManager.default.fileExists(atPath: fixture.path + "/s3"), "three was undone")
        try "".write(toFile: fixture.path + "/go", atomically: true, encoding: .utf8)
        let resume = try fixture.rbc(["resume", "last", "--yes"])
        #expect(resume.status == 0, "\(resume.stderr)")
        let (made, flags) = try Self.snapshot(fixture)
        #expect(made == ["s1", "s3", "s5"], "every step in effect after the resumed run succeeded: \(made)")
        let flagsNow = try #require(flags)
        #expect((flagsNow["a"] as? NSDictionary)?["b"] as? Int == 2 && flagsNow["c"] as? String == "x", "\(fixture.read("flags.json"))")
        #expect(try fixture.events().last?.runFinished?.status == .succeeded)
    }
}

extension FaultInjectionTests {
    /// rbc died after a config step's change was written and before its end was journaled (the
    /// journal cut there, as a kill leaves it). `rbc resume` runs the step again: it found the store
    /// already changed and recorded that as the value to restore, so when the resumed run failed and
    /// rolled back, the store kept the run's value. The undo restores what the store held before the run.
    @Test func aConfigStepRunAgainByResumeUndoesToTheValueBeforeTheRun() throws {
        let text = runbook("""
            - id: raise
              action: update_config
              config_key: a.b
              value: 2
              timeout: 5s
            - id: check
              action: execute_command
              command: "echo check >> log; test -f healthy"
              timeout: 5s
              readonly: true

        """)
        let files = [".rbc.yaml": "stores:\n  default: {file: flags.json}\n", "flags.json": "{\"a\": {\"b\": 1}}\n"]
        let fixture = try RunFixture(text, files: files)
        let complete = try RunFixture(text, files: files)
        #expect(try complete.rbc(["run", "rb.yaml"]).status == 1)
        let written = try #require(try complete.events().first { $0.event == .attemptFinished && $0.step == "raise" }?.seq)
        #expect(try TestSupport.rbc(["run", "rb.yaml"], in: fixture.path, environment: ["RBC_FAULT_KILL_AFTER_EVENT": "\(written)"]).status == 9)
        #expect(fixture.read("flags.json") == "{\"a\": {\"b\": 2}}\n", "the change was made")
        // Cut after config_changed, at a line boundary: a kill between the write and its end leaves this.
        let journal = try #require(fixture.journals.first)
        let lines = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n")
        let cut = try #require(lines.firstIndex { $0.contains(#""event":"config_changed""#) })
        try (lines[...cut].joined(separator: "\n") + "\n").write(toFile: journal, atomically: false, encoding: .utf8)

        let resume = try fixture.rbc(["resume", "last", "--yes"])
        #expect(resume.status == 1, "the resumed run fails at check and rolls back: \(resume.stderr)")
        #expect(fixture.read("flags.json") == "{\"a\": {\"b\": 1}}\n", "restored to the value before the run: \(fixture.read("flags.json"))")
        #expect(try RunState(path: journal).configChanges["raise"]?.previous == .int(1))
        #expect(try fixture.events().filter { $0.event == .configChanged }.allSatisfy { $0.configChanged?.previous == .int(1) })
    }
}
