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
