// Nothing lost under faults, with the real binary: a filesystem that fills up under the journal (a
// real small tmpfs, or the fault hook where none can be mounted), torn last lines, rollback from
// another directory, retry after `rollback_failed`, and `last` among runs started together.

import Foundation
import RunbookRuntime
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A tmpfs of a few KiB mounted in a scratch directory (needs root); unmounted when released.
final class SmallFilesystem {
    let url: URL
    var path: String { url.path }

    /// Nil when no filesystem can be mounted here (not root, no mount namespace).
    init?(kilobytes: Int) {
        guard getuid() == 0, let directory = try? TestSupport.temporaryDirectory() else { return nil }
        url = directory
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", directory.path]
        mount.standardOutput = FileHandle.nullDevice
        mount.standardError = FileHandle.nullDevice
        guard (try? mount.run()) != nil else { return nil }
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else {
            try? FileManager.default.removeItem(at: directory)
            return nil
        }
    }

    deinit {
        let umount = Process()
        umount.executableURL = URL(fileURLWithPath: "/bin/umount")
        umount.arguments = [path]
        try? umount.run()
        umount.waitUntilExit()
        try? FileManager.default.removeItem(at: url)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: url.appendingPathComponent(name), atomically: false, encoding: .utf8)
    }

    /// Fills every free byte with a file of zeros.
    func fill(_ name: String = "filler") {
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "cat /dev/zero > \(name) 2>/dev/null"]
        shell.currentDirectoryURL = url
        try? shell.run()
        shell.waitUntilExit()
    }

    var freeBytes: Int {
        var info = statvfs()
        statvfs(path, &info)
        return Int(info.f_bavail) * Int(info.f_frsize)
    }
}

@Suite(.serialized) struct DurabilityTests {
    static let stores = ".rbc.yaml"
    static let storesText = "stores:\n  default: {file: flags.json}\n"

    /// Steps that each leave a file and a config change, all undoable; step `fill` fills the disk.
    static let fillingRunbook = runbook("""
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
        - id: fill
          action: execute_command
          command: "cat /dev/zero > filler 2>/dev/null; true"
          timeout: 10s
          rollback: {action: execute_command, command: "rm -f filler", timeout: 5s}
        - id: never
          action: execute_command
          command: "touch s4"
          timeout: 5s
          rollback: {action: execute_command, command: "rm -f s4", timeout: 5s}

    """)

    /// Every line of a journal is complete JSON, and `rbc show` reads it.
    static func expectReadable(_ journal: String, in directory: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let text = try String(contentsOfFile: journal, encoding: .utf8)
        #expect(text.isEmpty || text.hasSuffix("\n"), "no fragment at the end", sourceLocation: sourceLocation)
        for line in text.split(separator: "\n") {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "not JSON: \(line.prefix(80))", sourceLocation: sourceLocation)
        }
        let show = try TestSupport.rbc(["show", journal], in: directory)
        #expect(show.status == 0, "rbc show: \(show.stderr)", sourceLocation: sourceLocation)
    }

    // MARK: - A full filesystem

    /// The disk fills up during step 3: the run stops before step 4, rolls back steps 3 to 1 in the
    /// room it kept for that, and exits 4; the journal stays readable to the end.
    @Test func aFilesystemFillingUpStopsTheRunBeforeTheNextStepAndRollsBack() throws {
        if let disk = SmallFilesystem(kilobytes: 1024) {
            try disk.write("rb.yaml", Self.fillingRunbook)
            try disk.write(Self.stores, Self.storesText)
            try disk.write("flags.json", "{\"a\": {\"b\": 1}}")
            let run = try TestSupport.rbc(["run", "rb.yaml"], in: disk.path)
            #expect(run.status == 4, "\(run.stderr)")
            #expect(run.stderr.contains("No space left on device"), "\(run.stderr)")
            #expect(run.stderr.contains("stopped before step never"), "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: disk.path + "/s4"), "the step after the failure never ran")
            #expect(!FileManager.default.fileExists(atPath: disk.path + "/s1"), "rolled back")
            #expect(!FileManager.default.fileExists(atPath: disk.path + "/filler"), "rolled back")
            let flags = try JSONSerialization.jsonObject(with: Data(contentsOf: disk.url.appendingPathComponent("flags.json"))) as? NSDictionary
            #expect(flags == ["a": ["b": 1]])
            let journal = try #require(RunState.list(in: disk.path + "/.rbc/runs").first)
            try Self.expectReadable(journal, in: disk.path)
            let state = try RunState(path: journal)
            #expect(state.status == "rolled_back")
            #expect(state.pendingUndos.isEmpty)
        } else {
            // No small filesystem to fill here: the fault hook fails the append of event 20 and after.
            let fixture = try RunFixture(Self.fillingRunbook, files: [Self.stores: Self.storesText, "flags.json": "{\"a\": {\"b\": 1}}"])
            let run = try TestSupport.rbc(["run", "rb.yaml"], in: fixture.path, environment: ["RBC_FAULT_JOURNAL_FULL_AT_EVENT": "20"])
            #expect(run.status == 3 || run.status == 4, "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: fixture.path + "/s4"))
            try Self.expectReadable(try #require(fixture.journals.first), in: fixture.path)
        }
    }

    /// With no byte free, nothing runs, no empty journal stays behind, and the exit is 4, not 130.
    @Test func noRoomForTheJournalMeansNothingRuns() throws {
        let directory: String
        var environment: [String: String] = [:]
        let disk = SmallFilesystem(kilobytes: 256)
        let fixture = try RunFixture(Self.fillingRunbook, files: [Self.stores: Self.storesText, "flags.json": "{\"a\": {\"b\": 1}}"])
        if let disk {
            try disk.write("rb.yaml", Self.fillingRunbook)
            try disk.write(Self.stores, Self.storesText)
            try disk.write("flags.json", "{\"a\": {\"b\": 1}}")
            disk.fill()
            #expect(disk.freeBytes == 0)
            directory = disk.path
        } else {
            environment["RBC_FAULT_JOURNAL_FULL_AT_EVENT"] = "1"
            directory = fixture.path
        }
        let run = try TestSupport.rbc(["run", "rb.yaml"], in: directory, environment: environment)
        #expect(run.status == 4, "\(run.stderr)")
        #expect(run.stderr.contains("nothing ran"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/s1"))
        #expect(RunState.list(in: directory + "/.rbc/runs").isEmpty, "no journal without a run")
    }

    /// The journal fails at each event in turn (half a line written, as a filling disk does): no
    /// later effect happens, the journal is cut back to complete lines, and once there is room
    /// again `rbc rollback` leaves everything as it was before the run.
    @Test(.timeLimit(.minutes(3)))
    func aFailedAppendAtEveryEventStopsTheRunAndRollbackRestoresEverything() throws {
        let text = runbook("""
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
              command: "touch s3"
              timeout: 5s
              rollback: {action: execute_command, command: "rm -f s3", timeout: 5s}

        """)
        let files = [Self.stores: Self.storesText, "flags.json": "{\"a\": {\"b\": 1}}"]
        let complete = try RunFixture(text, files: files)
        #expect(try complete.rbc(["run", "rb.yaml"]).status == 0)
        let total = try complete.events().count
        for failing in 2...total {
            let fixture = try RunFixture(text, files: files)
            let run = try TestSupport.rbc(["run", "rb.yaml"], in: fixture.path, environment: ["RBC_FAULT_JOURNAL_FULL_AT_EVENT": "\(failing)"])
            #expect(run.status == 3 || run.status == 4, "event \(failing): exit \(run.status) \(run.stderr)")
            let journal = try #require(fixture.journals.first)
            try Self.expectReadable(journal, in: fixture.path)
            #expect(try Journal.read(journal).count == failing - 1, "event \(failing): only complete events remain")
            let state = try RunState(path: journal)
            // Nothing happened that the journal does not announce.
            let made = ["s1", "s3"].filter { FileManager.default.fileExists(atPath: fixture.path + "/" + $0) }
            for name in made {
                let step = name == "s1" ? "one" : "three"
                #expect(state.events.contains { $0.event == .attemptStarted && $0.step == step }, "event \(failing): \(name) made unannounced")
            }
            let rollback = try fixture.rbc(["rollback", "last", "--yes"])
            #expect(rollback.status == 0, "event \(failing): \(rollback.stderr)")
            #expect(!FileManager.default.fileExists(atPath: fixture.path + "/s1") && !FileManager.default.fileExists(atPath: fixture.path + "/s3"),
                    "event \(failing)")
            let flags = try JSONSerialization.jsonObject(with: Data(fixture.read("flags.json").utf8)) as? NSDictionary
            #expect(flags == ["a": ["b": 1]], "event \(failing): \(fixture.read("flags.json"))")
            try Self.expectReadable(journal, in: fixture.path)
        }
    }

    // MARK: - Torn last lines

    /// A crash leaves half a line: rollback and resume cut it off before appending, so the journal
    /// stays readable.
    @Test func aTornLastLineIsCutBeforeAppending() throws {
        for command in [["rollback", "last", "--yes"], ["resume", "last", "--yes"]] {
            let fixture = try RunFixture(runbook(loggedStep("one") + loggedStep("two")))
            let run = try TestSupport.rbc(["run", "rb.yaml"], in: fixture.path, environment: ["RBC_FAULT_KILL_AFTER_EVENT": "6"])
            #expect(run.status == 9)
            let journal = try #require(fixture.journals.first)
            let handle = try #require(FileHandle(forWritingAtPath: journal))
            handle.seekToEndOfFile()
            handle.write(Data("{\"event\":\"step_fin".utf8))
            try handle.close()
            let result = try fixture.rbc(command)
            #expect(result.status == 0, "\(command[0]): \(result.stderr)")
            try Self.expectReadable(journal, in: fixture.path)
            let events = try Journal.read(journal)
            #expect(events.last?.event == .runFinished, "\(command[0])")
            #expect(events.map(\.seq) == Array(1...events.count), "\(command[0]): numbering continues after the cut")
        }
    }

    // MARK: - Rollback from anywhere

    /// The journal records where the run ran and its stores' absolute paths: `rbc rollback` given
    /// the journal's path from another directory restores the right files.
    @Test func rollbackFromAnotherDirectoryRestoresTheRunsFiles() throws {
        let fixture = try RunFixture(runbook("""
            - id: make
              action: execute_command
              command: "touch made"
              timeout: 5s
              rollback: {action: execute_command, command: "rm -f made", timeout: 5s}
            - id: raise
              action: update_config
              config_key: a.b
              value: 2
              timeout: 5s

        """), files: [Self.stores: "stores:\n  default: {file: config/flags.json}\n"])
        try FileManager.default.createDirectory(atPath: fixture.path + "/config", withIntermediateDirectories: true)
        try "{\"a\": {\"b\": 1}}".write(toFile: fixture.path + "/config/flags.json", atomically: true, encoding: .utf8)
        #expect(try fixture.rbc(["run", "rb.yaml"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: fixture.path + "/made"))
        let journal = try #require(fixture.journals.first)
        let started = try #require(try Journal.read(journal).first)
        #expect(started.stores?["default"] == URL(fileURLWithPath: fixture.path + "/config/flags.json").standardizedFileURL.path)
        #expect(started.workingDirectory.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
                == URL(fileURLWithPath: fixture.path).resolvingSymlinksInPath().path)
        // Elsewhere: a directory with a store of the same relative name, which must stay untouched.
        let elsewhere = try RunFixture(runbook(loggedStep("x")), files: [Self.stores: "stores:\n  default: {file: config/flags.json}\n"])
        try FileManager.default.createDirectory(atPath: elsewhere.path + "/config", withIntermediateDirectories: true)
        try "{\"a\": {\"b\": 7}}".write(toFile: elsewhere.path + "/config/flags.json", atomically: true, encoding: .utf8)
        let rollback = try elsewhere.rbc(["rollback", journal, "--yes"])
        #expect(rollback.status == 0, "\(rollback.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fixture.path + "/made"), "the rollback command ran where the run ran")
        let flags = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture.path + "/config/flags.json"))) as? NSDictionary
        #expect(flags == ["a": ["b": 1]])
        #expect(elsewhere.read("config/flags.json") == "{\"a\": {\"b\": 7}}", "the other directory's store is untouched")
    }

    // MARK: - Retrying a failed rollback

    /// After `rollback_failed`, `rbc rollback` retries the undos that failed, and only those.
    @Test func aFailedRollbackCanBeRetriedUntilEveryUndoSucceeded() throws {
        let fixture = try RunFixture(runbook("""
            - id: first
              action: execute_command
              command: "touch s1"
              timeout: 5s
              rollback: {action: execute_command, command: "test -f fixed && rm -f s1", timeout: 5s}
            - id: second
              action: execute_command
              command: "echo second >> log"
              timeout: 5s
              rollback: {action: execute_command, command: "echo undo-second >> log", timeout: 5s}
            - id: fails
              action: execute_command
              command: "exit 1"
              irreversible: "test"
              timeout: 5s

        """))
        let run = try fixture.rbc(["run", "rb.yaml"])
        #expect(run.status == 3, "\(run.stderr)")
        #expect(try RunState(path: try #require(fixture.journals.first)).status == "rollback_failed")
        let again = try fixture.rbc(["rollback", "last", "--yes"])
        #expect(again.status == 3, "still failing: \(again.stderr)")
        #expect(again.stderr.contains("retries the undos that did not succeed"), "\(again.stderr)")
        try "".write(toFile: fixture.path + "/fixed", atomically: true, encoding: .utf8)
        let retry = try fixture.rbc(["rollback", "last", "--yes"])
        #expect(retry.status == 0, "\(retry.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fixture.path + "/s1"))
        #expect(fixture.read("log") == "second\nundo-second\n", "the undo that succeeded is not repeated")
        let done = try fixture.rbc(["rollback", "last", "--yes"])
        #expect(done.status == 0)
        #expect(done.stderr.contains("nothing to roll back"), "\(done.stderr)")
        let state = try RunState(path: try #require(fixture.journals.first))
        #expect(state.status == "rolled_back")
    }

    // MARK: - Run ids

    /// Runs started in the same second (or millisecond) get ids in the order they started, and
    /// `last` is the newest.
    @Test func runIdsOrderToTheMillisecondAndLastIsTheNewest() throws {
        let fixture = try RunFixture(runbook("    - {id: a, action: wait, duration: 1ms, timeout: 1s}\n"))
        var ids: [String] = []
        // Runs a few hundred milliseconds apart: several start in the same second.
        for _ in 0..<6 {
            let run = try fixture.rbc(["run", "rb.yaml"])
            #expect(run.status == 0)
            let id = try #require(run.stderr.split(separator: " ").dropFirst(2).first.map(String.init))
            ids.append(id)
        }
        #expect(ids == ids.sorted() && Set(ids).count == ids.count, "\(ids)")
        let show = try fixture.rbc(["show", "last"])
        #expect(show.stdout.hasPrefix("run \(ids[ids.count - 1]):"), "\(show.stdout.prefix(80))")
        // Two journals created at the same instant still order.
        let directory = fixture.path + "/same"
        let now = Date()
        let first = try Journal.create(in: directory, now: now)
        let second = try Journal.create(in: directory, now: now)
        #expect(first.id < second.id, "\(first.id) \(second.id)")
        #expect(first.id.contains("."), "milliseconds in the id: \(first.id)")
    }
}
