// Nothing lost under faults, with the real binary: a filesystem that fills up under the journal (a
// real small tmpfs, or the fault hook where none can be mounted), torn last lines, rollback from
// another directory, retry after `rollback_failed`, and `last` among runs started together.

import Foundation
import RunbookRuntime
import RunbookSema
import Testing
import Yams
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
            #expect(state.status == .rolledBack)
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
        // The 5-step run the kill -9 test uses, commands and config changes each with an undo.
        let files = [Self.stores: Self.storesText, "flags.json": FaultInjectionTests.flags]
        let initialFlags = try JSONSerialization.jsonObject(with: Data(FaultInjectionTests.flags.utf8)) as? NSDictionary
        let complete = try RunFixture(FaultInjectionTests.runbookText, files: files)
        #expect(try complete.rbc(["run", "rb.yaml"]).status == 0)
        let total = try complete.events().count
        for failing in 2...total {
            let fixture = try RunFixture(FaultInjectionTests.runbookText, files: files)
            let run = try TestSupport.rbc(["run", "rb.yaml"], in: fixture.path, environment: ["RBC_FAULT_JOURNAL_FULL_AT_EVENT": "\(failing)"])
            #expect(run.status == 3 || run.status == 4, "event \(failing): exit \(run.status) \(run.stderr)")
            let journal = try #require(fixture.journals.first)
            try Self.expectReadable(journal, in: fixture.path)
            #expect(try Journal.read(journal).count == failing - 1, "event \(failing): only complete events remain")
            let state = try RunState(path: journal)
            // Nothing happened that the journal does not announce.
            for (file, step) in [("s1", "one"), ("s3", "three"), ("s5", "five")] where FileManager.default.fileExists(atPath: fixture.path + "/" + file) {
                #expect(state.events.contains { $0.event == .attemptStarted && $0.step == step }, "event \(failing): \(file) made unannounced")
            }
            let rollback = try fixture.rbc(["rollback", "last", "--yes"])
            #expect(rollback.status == 0, "event \(failing): \(rollback.stderr)")
            let (left, flags) = try FaultInjectionTests.snapshot(fixture)
            #expect(left.isEmpty, "event \(failing): left \(left)")
            #expect(flags == initialFlags, "event \(failing): \(fixture.read("flags.json"))")
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
        let started = try #require(try Journal.read(journal).first?.runStarted)
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
        #expect(try RunState(path: try #require(fixture.journals.first)).status == .rollbackFailed)
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
        #expect(state.status == .rolledBack)
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

    // MARK: - Config stores

    static let yamlStore = """
        # Feature flags for the gateway (owned by the edge team)
        defaults: &defaults
          timeout: 30s   # seconds, not ms
          retries: 3

        gateway:
          <<: *defaults
          zip: 012345
          enabled: yes
          version: 1.10
          rate_limit:
            max_requests: 1000 # raised in INC-1234
            burst: 2.5
          name: 'edge'
          scalar: 5
        list:
          - a
          - b
        flow: {x: 1, y: [1, 2]}
        # trailing comment, no newline at the end
        last: true
        """

    static let yamlSteps = """
        - id: raise
          action: update_config
          config_key: gateway.rate_limit.max_requests
          value: 2000
          timeout: 5s
        - id: add
          action: update_config
          config_key: gateway.new_flag
          value: true
          timeout: 5s
        - id: deepen
          action: update_config
          config_key: gateway.scalar.deep
          value: 1
          timeout: 5s
        - id: flow
          action: update_config
          config_key: flow.z
          value: "new value: with colon"
          timeout: 5s
        - id: fresh
          action: update_config
          config_key: brand.new.key
          value: 3.5
          timeout: 5s
        - id: zip
          action: update_config
          config_key: gateway.zip
          value: "x"
          timeout: 5s
        - id: merged
          action: update_config
          config_key: gateway.timeout
          value: "5s"
          timeout: 5s
        - id: at-end
          action: update_config
          config_key: last
          value: false
          timeout: 5s

    """

    /// A YAML store is edited at each value's bytes: comments, anchors, `012345`, `yes` and `1.10`
    /// stay as written, the values change as asked, and a rollback gives back the identical file.
    @Test func yamlStoresAreEditedInPlaceAndRollBackByteForByte() throws {
        let files = [Self.stores: "stores:\n  default: {file: flags.yaml}\n", "flags.yaml": Self.yamlStore]
        let fixture = try RunFixture(runbook(Self.yamlSteps), files: files)
        let run = try fixture.rbc(["run", "rb.yaml"])
        #expect(run.status == 0, "\(run.stderr)")
        let changed = fixture.read("flags.yaml")
        for kept in ["# Feature flags for the gateway (owned by the edge team)", "defaults: &defaults", "timeout: 30s   # seconds, not ms",
                     "<<: *defaults", "enabled: yes", "version: 1.10", "max_requests: 2000 # raised in INC-1234", "name: 'edge'",
                     "# trailing comment, no newline at the end"] {
            #expect(changed.contains(kept), "kept `\(kept)`:\n\(changed)")
        }
        let meaning = try #require(try Yams.load(yaml: changed) as? [String: Any])
        let gateway = try #require(meaning["gateway"] as? [String: Any])
        #expect((gateway["rate_limit"] as? [String: Any])?["max_requests"] as? Int == 2000)
        #expect(gateway["new_flag"] as? Bool == true)
        #expect((gateway["scalar"] as? [String: Any])?["deep"] as? Int == 1)
        #expect(gateway["zip"] as? String == "x")
        #expect(gateway["timeout"] as? String == "5s", "a key from a merge is overridden in the mapping itself")
        #expect(gateway["retries"] as? Int == 3, "the rest of the merge still applies")
        #expect((meaning["flow"] as? [String: Any])?["z"] as? String == "new value: with colon")
        #expect((((meaning["brand"] as? [String: Any])?["new"] as? [String: Any])?["key"] as? Double) == 3.5)
        #expect(meaning["last"] as? Bool == false)
        #expect((meaning["defaults"] as? [String: Any])?["timeout"] as? String == "30s", "the anchored mapping is untouched")

        let rollback = try fixture.rbc(["rollback", "last", "--yes"])
        #expect(rollback.status == 0, "\(rollback.stderr)")
        #expect(fixture.read("flags.yaml") == Self.yamlStore, "byte-identical after rollback:\n\(fixture.read("flags.yaml"))")

        // The same, rolled back by the run itself when a later step fails.
        let failing = try RunFixture(runbook(Self.yamlSteps + """
            - id: fail
              action: execute_command
              command: "exit 1"
              irreversible: "test"
              timeout: 5s

        """), files: files)
        #expect(try failing.rbc(["run", "rb.yaml"]).status == 1)
        #expect(failing.read("flags.yaml") == Self.yamlStore, "byte-identical after the run's own rollback")
    }

    /// Rolling back `a.b` where `a` was a scalar restores the scalar (not `"a": {}`), in JSON too;
    /// the file keeps its mode and owner; a symlinked store stays a link and its target changes.
    @Test func storesKeepModeOwnerAndLinksAndRestoreTheExactSubtree() throws {
        let original = "{\n  \"a\": 5,\n  \"keep\": [1, 2],\n  \"n\": {\"x\": 1}\n}\n"
        let steps = """
            - id: deepen
              action: update_config
              config_key: a.b
              value: 1
              timeout: 5s
            - id: create
              action: update_config
              config_key: n.y.z
              value: "v"
              timeout: 5s

        """
        for mode in [0o600, 0o444] {
            let fixture = try RunFixture(runbook(steps), files: [Self.stores: "stores:\n  default: {file: flags.json}\n"])
            try FileManager.default.createDirectory(atPath: fixture.path + "/real", withIntermediateDirectories: true)
            let target = fixture.path + "/real/flags.json"
            try original.write(toFile: target, atomically: true, encoding: .utf8)
            try FileManager.default.createSymbolicLink(atPath: fixture.path + "/flags.json", withDestinationPath: "real/flags.json")
            chmod(target, mode_t(mode))
            let owner: (uid_t, gid_t) = getuid() == 0 ? (4321, 4321) : (getuid(), getgid())
            chown(target, owner.0, owner.1)
            let run = try fixture.rbc(["run", "rb.yaml"])
            #expect(run.status == 0, "\(run.stderr)")
            var info = stat()
            #expect(lstat(fixture.path + "/flags.json", &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK, "the store is still a symbolic link")
            #expect(stat(target, &info) == 0)
            #expect(Int(info.st_mode & 0o7777) == mode, "mode \(String(info.st_mode & 0o7777, radix: 8)), was \(String(mode, radix: 8))")
            #expect(info.st_uid == owner.0 && info.st_gid == owner.1, "owner kept")
            let changed = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: target))) as? NSDictionary)
            #expect(changed == ["a": ["b": 1], "keep": [1, 2], "n": ["x": 1, "y": ["z": "v"]]] as NSDictionary, "\(changed)")
            let changes = try fixture.events().filter { $0.event == .configChanged }
            #expect(changes.first?.configChanged?.undoKey == "a" && changes.first?.configChanged?.previous == .int(5), "the scalar it replaced is journaled")
            #expect(changes.first?.configChanged?.path == target, "the link's target is journaled")
            let rollback = try fixture.rbc(["rollback", "last", "--yes"])
            #expect(rollback.status == 0, "\(rollback.stderr)")
            #expect((try? String(contentsOfFile: target, encoding: .utf8)) == original, "restored byte for byte")
            #expect(stat(target, &info) == 0 && Int(info.st_mode & 0o7777) == mode && info.st_uid == owner.0)
            #expect(!FileManager.default.fileExists(atPath: fixture.path + "/real/.flags.json.rbc-lock"), "no lock file left behind")
        }
    }

    // MARK: - Concurrent runs on one store

    /// A runbook of 100 update_config steps, each setting its own key.
    static func hundredKeys(_ prefix: String, extra: String = "") -> String {
        runbook((1...100).map { "    - {id: \(prefix)\($0), action: update_config, config_key: keys.\(prefix)\($0), value: \($0), timeout: 10s}\n" }.joined(),
                extra: extra)
    }

    /// Runs both commands at once; their results in order.
    static func together(_ first: [String], _ second: [String], in directory: String) -> [TestSupport.Run?] {
        nonisolated(unsafe) var results: [TestSupport.Run?] = [nil, nil]
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let run = try? TestSupport.rbc(index == 0 ? first : second, in: directory)
            lock.withLock { results[index] = run }
        }
        return results
    }

    static func keys(in fixture: RunFixture) throws -> [String: Any] {
        let store = try #require(try JSONSerialization.jsonObject(with: Data(fixture.read("flags.json").utf8)) as? [String: Any])
        return store["keys"] as? [String: Any] ?? [:]
    }

    /// Two runs on one store at once: the second waits for the first (every key of both survives)
    /// or, when the wait runs out, refuses before doing anything, with exit 5 and who holds the store.
    @Test func twoRunsOnOneStoreNeverInterleave() throws {
        let fixture = try RunFixture(runbook(loggedStep("x")), files: [Self.stores: Self.storesText, "flags.json": "{}\n",
                                                                       "a.yaml": Self.hundredKeys("a"), "b.yaml": Self.hundredKeys("b")])
        let results = Self.together(["run", "a.yaml"], ["run", "b.yaml"], in: fixture.path)
        let a = try #require(results[0])
        let b = try #require(results[1])
        let keys = try Self.keys(in: fixture)
        let refused = [a, b].filter { $0.status == 5 }
        #expect([a, b].allSatisfy { $0.status == 0 || $0.status == 5 }, "\(a.stderr)\n\(b.stderr)")
        #expect(refused.count <= 1)
        if refused.isEmpty {
            #expect(keys.count == 200, "every key of both runs survives: \(keys.count)")
        } else {
            let winner = a.status == 0 ? "a" : "b"
            #expect(refused[0].stderr.contains("is in use by another rbc"), "\(refused[0].stderr)")
            #expect(keys.count == 100 && keys.keys.allSatisfy { $0.hasPrefix(winner) }, "the refused run changed nothing")
            #expect(fixture.journals.count == 1, "the refused run left no journal")
        }
    }

    /// A runbook that allows concurrent runs takes no run lock, and the store's own lock (read to
    /// rename) still keeps every key of both.
    @Test func concurrentRunsTheRunbookAllowsKeepEveryKey() throws {
        let extra = "  concurrent_runs: true\n"
        let fixture = try RunFixture(runbook(loggedStep("x")), files: [Self.stores: Self.storesText, "flags.json": "{}\n",
                                                                       "a.yaml": Self.hundredKeys("a", extra: extra), "b.yaml": Self.hundredKeys("b", extra: extra)])
        let results = Self.together(["run", "a.yaml"], ["run", "b.yaml"], in: fixture.path)
        #expect(results.allSatisfy { $0?.status == 0 }, "\(results.map { $0?.stderr ?? "" })")
        let keys = try Self.keys(in: fixture)
        #expect(keys.count == 200, "every key of both runs survives: \(keys.count)")
        #expect(fixture.journals.count == 2)
    }

    /// While a run holds its store, another with `--lock-wait 0s` is refused at once — exit 5, the
    /// holder named, nothing run — and runs normally once the first has ended. A rollback of the
    /// run still going is refused too.
    @Test func aRunThatCannotHaveItsStoreIsRefusedAndNothingRuns() throws {
        let holding = runbook("""
            - id: set
              action: update_config
              config_key: held
              value: 1
              timeout: 5s
            - id: hold
              action: execute_command
              command: "while [ ! -f go ]; do sleep 0.05; done"
              readonly: true
              timeout: 60s

        """)
        let fixture = try RunFixture(holding, files: [Self.stores: Self.storesText, "flags.json": "{}\n",
                                                      "other.yaml": runbook(loggedStep("touching") + "    - {id: other, action: update_config, config_key: other, value: 2, timeout: 5s}\n")])
        let first = try fixture.start(["run", "rb.yaml"])
        defer {
            try? "".write(toFile: fixture.path + "/go", atomically: true, encoding: .utf8)
            first.waitUntilExit()
        }
        #expect(try fixture.waitFor { $0.event == .processStarted && $0.step == "hold" })
        let refused = try fixture.rbc(["run", "other.yaml", "--lock-wait", "0s"])
        #expect(refused.status == 5, "\(refused.stderr)")
        #expect(refused.stderr.contains("is in use by another rbc (rbc run of Test, pid \(first.processIdentifier)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("concurrent_runs: true"), "says how to allow it: \(refused.stderr)")
        #expect(!fixture.read("log").contains("touching"), "nothing of the refused run ran")
        #expect(fixture.journals.count == 1)
        // Its journal has one writer: a rollback of the run still going is refused, `show` reads it.
        let early = try fixture.rbc(["rollback", "last", "--yes"])
        #expect(early.status == 2 && early.stderr.contains("in use by another rbc"), "\(early.stderr)")
        #expect(try fixture.rbc(["show", "last"]).status == 0)
        try "".write(toFile: fixture.path + "/go", atomically: true, encoding: .utf8)
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        let after = try fixture.rbc(["run", "other.yaml", "--lock-wait", "0s"])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(fixture.read("log") == "touching\n")
    }

    // MARK: - In-place edits, case by case

    /// Each edit changes what it should, and restoring gives back the identical text.
    @Test(arguments: [
        ("flags.yaml", "a: |\n  line1\n  line2\nb: 1\n", "a", JSONValue.string("x"), nil as String?),
        ("flags.yaml", "a:\nb: 1\n", "a", .int(1), nil),
        ("flags.yaml", "a:\nb: 1\n", "a.c", .int(2), nil),
        ("flags.yaml", "list:\n  - 1\n  - 2\nz: 0\n", "list", .array([.int(3)]), nil),
        ("flags.yaml", "f: {a: 1}\n", "f.b", .string("v"), "f: {a: 1, b: \"v\"}\n"),
        ("flags.yaml", "f: {}\n", "f.b", .bool(false), "f: {b: false}\n"),
        ("flags.yaml", "a: 1\r\nb: 2\r\n", "c", .int(3), "a: 1\r\nb: 2\r\nc: 3\r\n"),
        ("flags.yaml", "\"odd key\": 1 # note\n", "odd key", .int(2), "\"odd key\": 2 # note\n"),
        ("flags.yaml", "a: # why\n  b: 1\n", "a", .int(5), "a: 5\n"),
        ("flags.yaml", "# only a comment\n", "new.key", .string("yes"), "# only a comment\nnew: {\"key\": \"yes\"}\n"),
        ("flags.yaml", "", "k", .double(1e20), "k: 1.0e+20\n"),
        ("flags.yaml", "n: 1\n", "yes", .int(1), "n: 1\n\"yes\": 1\n"),
        ("flags.json", "{\"a\":1,\"b\":{\"c\":2}}", "b.d", .bool(true), "{\"a\":1,\"b\":{\"c\":2, \"d\": true}}"),
        ("flags.json", "{\"a\":1,\"b\":{\"c\":2}}", "a", .string("s"), "{\"a\": \"s\",\"b\":{\"c\":2}}"),
        ("flags.json", "{\n  \"a\": 1\n}\n", "b", .int(2), "{\n  \"a\": 1,\n  \"b\": 2\n}\n"),
        ("flags.json", "{\n\t\"a\": 1\n}", "a", .int(2), "{\n\t\"a\": 2\n}"),
        ("flags.json", "{}", "a.b", .int(1), "{\"a\": {\"b\": 1}}"),
    ])
    func inPlaceEditsRoundTrip(name: String, original: String, key: String, value: JSONValue, expected: String?) throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent(name).path
        try original.write(toFile: path, atomically: true, encoding: .utf8)
        let store = ConfigStore(name: "default", path: path)
        var journaled: ConfigChange?
        let change = try store.set(key, to: value) { journaled = $0 }
        #expect(journaled != nil, "journaled before the write")
        let changed = try String(contentsOfFile: path, encoding: .utf8)
        if let expected { #expect(changed == expected) }
        #expect(try store.get(key) == value, "\(changed)")
        try store.restore(change)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == original)
    }

    /// Through an alias, or at a value carrying an anchor, an edit would change other places too:
    /// refused, and the file is untouched.
    @Test func editsThroughAnchorsAndAliasesAreRefused() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("flags.yaml").path
        let original = "base: &base {x: 1}\nuse: *base\nn: &n 5\n"
        try original.write(toFile: path, atomically: true, encoding: .utf8)
        let store = ConfigStore(name: "default", path: path)
        for key in ["use.x", "n", "base"] {
            #expect(throws: ConfigStore.Failure.self, "\(key)") { try store.set(key, to: .int(2)) { _ in } }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == original)
    }
}

extension DurabilityTests {
    // MARK: - A file-size limit: a real failing write, without root

    /// Step `two` prints enough that its journaled output cannot fit under the limit.
    static let limitedRunbook = runbook(loggedStep("one") + """
        - id: two
          action: execute_command
          command: "echo two >> log; head -c 200000 /dev/zero | tr '\\\\0' a"
          timeout: 10s
          rollback: {action: execute_command, command: "echo undo-two >> log", timeout: 10s}

    """ + loggedStep("three"))

    /// rbc under `prlimit --fsize` (RLIMIT_FSIZE): past the limit a write fails with EFBIG, as on a full disk.
    static func limited(_ bytes: Int, _ arguments: [String], in directory: String) throws -> TestSupport.Run {
        let prlimit = "/usr/bin/prlimit"
        try #require(FileManager.default.isExecutableFile(atPath: prlimit), "util-linux `prlimit` sets the file-size limit")
        let process = Process()
        // SIGXFSZ at its default action, as a shell gives it to rbc: a test runner may pass it on ignored.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["--default-signal=XFSZ", prlimit, "--fsize=\(bytes):\(bytes)", TestSupport.rbcBinary] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return TestSupport.Run(status: status, stdout: "", stderr: String(decoding: errors, as: UTF8.self))
    }

    /// A journal write past RLIMIT_FSIZE raised SIGXFSZ, whose default kills rbc with a core dump: the
    /// run died mid-step with nothing rolled back and no exit code of its own. Now the write fails, the
    /// run stops before anything it could not journal, exits 4 (3 if the rollback could not complete),
    /// and the journal reads; once the limit is gone, `rbc rollback` finishes the job, every undo
    /// performed announced by its `rollback_started`.
    @Test func aFileSizeLimitFailsTheJournalWithoutKillingRbc() throws {
        // Where the limit goes: just after step two's process started, so its attempt_finished fails.
        let complete = try RunFixture(Self.limitedRunbook)
        #expect(try complete.rbc(["run", "rb.yaml"]).status == 0)
        let lines = try String(contentsOfFile: try #require(complete.journals.first), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let started = try #require(lines.firstIndex { $0.contains(#""event":"process_started""#) && $0.contains(#""step":"two""#) })
        let limit = lines[...started].reduce(0) { $0 + $1.utf8.count + 1 } + 64

        let fixture = try RunFixture(Self.limitedRunbook)
        let run = try Self.limited(limit, ["run", "rb.yaml"], in: fixture.path)
        #expect(run.status == 4 || run.status == 3, "not killed by SIGXFSZ: exit \(run.status) \(run.stderr)")
        #expect(!fixture.read("log").contains("three"), "nothing after the failed write ran: \(fixture.read("log"))")
        if run.stderr.contains("nothing ran") {
            // A filesystem that checks the limit when room is reserved (tmpfs): the run never started.
            #expect(fixture.read("log").isEmpty && fixture.journals.isEmpty, "\(run.stderr)")
            return
        }
        let journal = try #require(fixture.journals.first)
        try Self.expectReadable(journal, in: fixture.path)
        let rollback = try fixture.rbc(["rollback", "last", "--yes"])
        #expect(rollback.status == 0, "\(rollback.stderr)")
        let log = fixture.read("log").split(separator: "\n").map(String.init)
        #expect(log.prefix(2) == ["one", "two"] && log.contains("undo-one") && log.contains("undo-two"), "\(log)")
        let events = try Journal.read(journal)
        for step in ["one", "two"] {
            let announced = events.filter { $0.event == .rollbackStarted && $0.step == step }.count
            #expect(log.filter { $0 == "undo-\(step)" }.count == announced, "undo of \(step) performed \(log.filter { $0 == "undo-\(step)" }.count)×, announced \(announced)×")
        }
        #expect(try RunState(path: journal).pendingUndos.isEmpty)
    }

    // MARK: - What is planted in the runs directory

    /// A FIFO under a journal's name (anyone who can write the runs directory can make one) is not a
    /// journal: rbc reads journals from one descriptor now, and never waits on it for a writer —
    /// `rbc runs` lists it as unreadable, `show`, `rollback` and `resume` refuse it (exit 2).
    @Test(.timeLimit(.minutes(1)))
    func aFIFOAmongTheJournalsHangsNothing() throws {
        let fixture = try RunFixture(runbook(loggedStep("one")))
        #expect(try fixture.rbc(["run", "rb.yaml"]).status == 0)
        let fifo = fixture.path + "/.rbc/runs/20990101T000000.000Z-ffff.jsonl"
        #expect(mkfifo(fifo, 0o600) == 0)
        let runs = try fixture.rbc(["runs", "--format", "json"])
        #expect(runs.status == 0, "\(runs.stderr)")
        #expect(runs.stdout.contains("20990101T000000.000Z-ffff.jsonl") && runs.stdout.contains("not a regular file"), "\(runs.stdout)")
        for arguments in [["show", fifo], ["rollback", fifo, "--yes"], ["resume", fifo, "--yes"]] {
            let result = try fixture.rbc(arguments)
            #expect(result.status == 2 && result.stderr.contains("not a regular file"), "\(arguments[0]): \(result.stderr)")
        }
    }

    /// A link planted at the runs directory's lock (`.rbc/runs/.lock`, which a repository can commit):
    /// rbc opened it with O_CREAT and so created the file it points to. It is refused, and nothing is made.
    @Test func aLinkAtTheRunsDirectorysLockIsNotFollowed() throws {
        let fixture = try RunFixture(runbook(loggedStep("one")))
        try FileManager.default.createDirectory(atPath: fixture.path + "/.rbc/runs", withIntermediateDirectories: true)
        #expect(symlink(fixture.path + "/planted-target", fixture.path + "/.rbc/runs/.lock") == 0)
        let run = try fixture.rbc(["run", "rb.yaml"])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains(".lock is a symbolic link"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fixture.path + "/planted-target"), "nothing made through the link")
        #expect(fixture.read("log").isEmpty, "nothing ran")
    }

    /// `.rbc/runs` or `.rbc` that is a symbolic link (a repository can commit one): rbc followed it and
    /// wrote the journal — what commands printed — wherever it pointed, and `rbc rollback last` read
    /// whatever was there. rbc refuses it before anything runs (exit 2), makes nothing through it, and
    /// the commands that read runs say so too.
    @Test(arguments: [".rbc/runs", ".rbc"])
    func aLinkedRunsDirectoryIsRefusedNotFollowed(_ linked: String) throws {
        let fixture = try RunFixture(runbook(loggedStep("one")))
        try FileManager.default.createDirectory(atPath: fixture.path + "/elsewhere/runs", withIntermediateDirectories: true)
        if linked == ".rbc/runs" { try FileManager.default.createDirectory(atPath: fixture.path + "/.rbc", withIntermediateDirectories: true) }
        try FileManager.default.createSymbolicLink(atPath: fixture.path + "/" + linked, withDestinationPath: fixture.path + (linked == ".rbc" ? "/elsewhere" : "/elsewhere/runs"))
        let run = try fixture.rbc(["run", "rb.yaml"])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("\(linked) is a symbolic link; rbc keeps journals only in a directory of its own"), "\(run.stderr)")
        #expect(fixture.read("log").isEmpty, "nothing ran")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.path + "/elsewhere/runs").isEmpty, "nothing made through the link")
        for arguments in [["runs"], ["show", "last"], ["rollback", "last", "--yes"], ["resume", "last", "--yes"]] {
            let read = try fixture.rbc(arguments)
            #expect(read.status == 2 && read.stderr.contains("is a symbolic link"), "\(arguments[0]): \(read.status) \(read.stderr)")
        }
    }

    /// A step swaps the runs directory during the run — removes `.rbc` and puts a link to another
    /// directory in its place, or moves `.rbc/runs` away and links another there. rbc wrote the
    /// journal again through the link, into the other directory. Now nothing is written through it:
    /// the journal fails (the run stops, exit 4 or 3), what was journaled stays where it was, and the
    /// other directory stays empty. The command swaps once its start is journaled; rbc checks the
    /// journal's place after that event while the command runs, and may make `.rbc/runs` again first
    /// (it was removed): the first swap repeats until the link is in place (rbc makes it again at
    /// most once, there being no other event until the command ends), and the second is refused
    /// either as a link or as another directory.
    @Test(arguments: ["until [ -L .rbc ]; do rm -rf .rbc; ln -sn elsewhere .rbc 2>/dev/null; done",
                      "mv .rbc/runs .rbc/moved && ln -s ../elsewhere/runs .rbc/runs"])
    func aRunsDirectorySwappedForALinkDuringTheRunIsNotWrittenThrough(_ swap: String) throws {
        let fixture = try RunFixture(runbook(loggedStep("one") + """
            - id: swap
              action: execute_command
              command: "until grep -q process_started.*swap .rbc/runs/*.jsonl; do :; done; \(swap)"
              timeout: 30s
              confirm: true
              irreversible: "a test"

        """ + loggedStep("two")))
        try FileManager.default.createDirectory(atPath: fixture.path + "/elsewhere/runs", withIntermediateDirectories: true)
        let run = try fixture.rbc(["run", "rb.yaml", "--yes"])
        #expect(run.status == 3 || run.status == 4, "\(run.stderr)")
        #expect(run.stderr.contains("is a symbolic link; rbc keeps journals only in a directory of its own")
                || (swap.hasPrefix("mv") && run.stderr.contains(".rbc/runs was replaced by another directory during the run")), "\(run.stderr)")
        #expect(!fixture.read("log").contains("two"), "the run stopped: \(fixture.read("log"))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.path + "/elsewhere/runs").isEmpty, "nothing written through the link")
        guard swap.hasPrefix("mv") else { return }
        // The journal moved away is whole, and rolls the run back from where it is.
        let moved = try #require(RunState.list(in: fixture.path + "/.rbc/moved").first)
        #expect(try [.processStarted, .attemptStarted].contains(Journal.read(moved).last?.event), "the swap's start, or its spawn when that check met the swap")
        let rollback = try fixture.rbc(["rollback", moved, "--yes"])
        #expect(rollback.status == 0, "\(rollback.stderr)")
        #expect(fixture.read("log") == "one\nundo-one\n", "\(fixture.read("log"))")
    }
}

extension DurabilityTests {
    /// The journal fails when a failed attempt's end is written: the run stops there. It waited out
    /// the step's backoff first (here the rest of its 20 s timeout) for an attempt it could not
    /// journal and so would not perform, and only then rolled back.
    @Test func aJournalFailureBetweenAttemptsStopsWithoutWaitingOutTheBackoff() throws {
        let fixture = try RunFixture(runbook(loggedStep("one") + """
            - id: flaky
              action: execute_command
              command: "echo flaky >> log; exit 1"
              timeout: 20s
              retries: {attempts: 3, backoff: 1h}
              irreversible: "a test"

        """))
        // run_started, then one's 5 events (step_started, attempt_started, process_started, attempt_finished, step_finished),
        // then flaky's step_started, attempt_started, process_started: its attempt_finished is event 10.
        let run = try TestSupport.rbc(["run", "rb.yaml"], in: fixture.path, environment: ["RBC_FAULT_JOURNAL_FULL_AT_EVENT": "10"])
        #expect(run.status == 3 || run.status == 4, "\(run.stderr)")
        #expect(!run.stderr.contains("retrying in"), "no wait for an attempt that cannot be journaled: \(run.stderr)")
        #expect(fixture.read("log") == "one\nflaky\n", "\(fixture.read("log"))")
        let events = try fixture.events()
        #expect(events.count == 9 && events.last?.event == .processStarted, "\(events.map(\.event))")
        #expect(try fixture.rbc(["rollback", "last", "--yes"]).status == 0)
        #expect(fixture.read("log") == "one\nflaky\nundo-one\n", "\(fixture.read("log"))")
    }
}

extension DurabilityTests {
    /// A rollback racing a run on the same store: `rbc rollback` of an earlier, killed run waits for
    /// the store the running run holds, then refuses (exit 5) with nothing undone and not one byte
    /// appended to (or lost from) the killed run's journal; once the run has ended, it rolls back.
    @Test func aRollbackRacingARunOnItsStoreIsRefusedAndLosesNothing() throws {
        let holding = runbook("""
            - id: set
              action: update_config
              config_key: held
              value: 1
              timeout: 5s
            - id: hold
              action: execute_command
              command: "while [ ! -f go ]; do sleep 0.05; done"
              readonly: true
              timeout: 60s

        """)
        let other = runbook(loggedStep("touching") + "    - {id: other, action: update_config, config_key: other, value: 2, timeout: 5s}\n")
        let files = [Self.stores: Self.storesText, "flags.json": "{}\n", "other.yaml": other]
        let complete = try RunFixture(holding, files: files)
        #expect(try complete.rbc(["run", "other.yaml"]).status == 0)
        let boundary = try #require(try complete.events().first { $0.stepFinished?.step == "other" }?.seq)
        let fixture = try RunFixture(holding, files: files)
        #expect(try TestSupport.rbc(["run", "other.yaml"], in: fixture.path, environment: ["RBC_FAULT_KILL_AFTER_EVENT": "\(boundary)"]).status == 9)
        let killed = try #require(fixture.journals.first)
        let before = try Data(contentsOf: URL(fileURLWithPath: killed))
        let first = try fixture.start(["run", "rb.yaml"])
        defer {
            try? "".write(toFile: fixture.path + "/go", atomically: true, encoding: .utf8)
            first.waitUntilExit()
        }
        #expect(try fixture.waitFor { $0.event == .processStarted && $0.step == "hold" })
        let refused = try fixture.rbc(["rollback", killed, "--yes", "--lock-wait", "0s"])
        #expect(refused.status == 5, "\(refused.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: killed)) == before, "the killed run's journal is as it was")
        #expect(fixture.read("log") == "touching\n" && fixture.read("flags.json").contains("\"other\""), "nothing undone")
        try "".write(toFile: fixture.path + "/go", atomically: true, encoding: .utf8)
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        let after = try fixture.rbc(["rollback", killed, "--yes"])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(fixture.read("log") == "touching\nundo-touching\n")
        let flags = try JSONSerialization.jsonObject(with: Data(fixture.read("flags.json").utf8)) as? [String: Any]
        #expect(flags?["other"] == nil && flags?["held"] as? Int == 1, "\(fixture.read("flags.json"))")
        #expect(try Journal.read(killed).count > boundary, "the rollback continued the journal")
    }
}

extension DurabilityTests {
    /// A step removes the runs directory (`rm -rf .rbc`, as `git clean -fdx` would): rbc went on
    /// writing a file nobody could open, and the run left no journal at all — nothing to show, roll
    /// back or resume. The journal is written again, whole, where it was, and the run's later events
    /// and rollback land in it, authenticated as before.
    @Test func aJournalRemovedDuringTheRunIsWrittenAgainWhereItWas() throws {
        let fixture = try RunFixture(runbook(loggedStep("one") + """
            - id: clean
              action: execute_command
              command: "rm -rf .rbc"
              timeout: 10s
              confirm: true
              irreversible: "a test"

        """ + loggedStep("two", fail: true)))
        let run = try fixture.rbc(["run", "rb.yaml", "--yes"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(fixture.read("log") == "one\ntwo\nundo-one\n")
        let journal = try #require(fixture.journals.first, "the run's journal is where it was")
        try Self.expectReadable(journal, in: fixture.path)
        let state = try RunState.checked(path: journal)
        #expect(state.authenticationProblem == nil, "\(state.authenticationProblem ?? "")")
        #expect(state.events.first?.event == .runStarted && state.status == .rolledBack && state.undone == ["one"])
        #expect(state.events.map(\.seq) == Array(1...state.events.count), "no event lost")
    }
}

extension DurabilityTests {
    /// A run cut short by its journal (exit 4 or 3: every write failed from event 7 on, so its end is
    /// not on disk) read in the review draft as "rbc was killed", which sends a person looking for
    /// who killed it. The journal cannot tell the two apart, and the draft says so; when an event
    /// written after the failure records it (here added as the room kept for the rollback would
    /// hold it), the draft says the journal could not be written, and quotes why.
    @Test func aRunCutShortByItsJournalIsNotSaidToBeKilled() throws {
        let fixture = try RunFixture(runbook(loggedStep("one") + loggedStep("two")))
        let run = try TestSupport.rbc(["run", "rb.yaml"], in: fixture.path, environment: ["RBC_FAULT_JOURNAL_FULL_AT_EVENT": "7"])
        #expect(run.status == 3 || run.status == 4, "\(run.stderr)")
        for format in ["md", "json"] {
            let timeline = try fixture.rbc(["timeline", "last", "--format", format])
            #expect(timeline.status == 0, "\(timeline.stderr)")
            #expect(!timeline.stdout.contains("rbc was killed;") && !timeline.stdout.contains("rbc was killed (")
                    && timeline.stdout.contains("rbc was killed, or could not write its journal any further"), "\(format): \(timeline.stdout)")
        }
        let journal = try #require(fixture.journals.first)
        let events = try Journal.read(journal)
        let recorded = #"{"event":"step_finished","outcome":"failed","reason":"not performed: cannot write the journal \#(journal): No space left on device","#
            + #""seq":\#(events.count + 1),"step":"two","time":"2026-12-06T00:00:00.000Z"}"# + "\n"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: journal))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(recorded.utf8))
        try handle.close()
        let timeline = try fixture.rbc(["timeline", "last", "--format", "md"])
        #expect(timeline.stdout.contains("rbc could not write its journal any further, so the run stopped (exit 4, or 3): not performed: cannot write the journal"),
                "\(timeline.stdout)")
        #expect(!timeline.stdout.contains("rbc was killed"), "\(timeline.stdout)")
    }
}
