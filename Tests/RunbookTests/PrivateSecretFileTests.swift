// The journal key and the check cache's secret are files only their owner may know: made exclusively
// 0600 in a 0700 directory, never read through a link, from a file others can open or change, from
// another user's file, or from something that is not a file at all (a FIFO planted at the name must
// be refused, not waited on).

import Foundation
import RunbookSource
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct PrivateSecretFileTests {
    func mode(_ path: String) -> mode_t {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & 0o777 : 0
    }

    @Test func aNewSecretIsTheOwnersAloneAndAnOldOneIsKept() throws {
        let root = try TestSupport.temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/state/rbc/key"
        let first = try PrivateSecretFile.readOrCreate(path, limit: 32) { Array("first".utf8) }
        #expect(first == Array("first".utf8))
        #expect(mode(path) == 0o600, "the file is the owner's alone")
        #expect(mode(root + "/state/rbc") == 0o700, "and its directory")
        // Made again (another process racing, or a second call): the first one stays.
        try PrivateSecretFile.create(path, contents: Array("second".utf8))
        #expect(try PrivateSecretFile.read(path, limit: 32) == Array("first".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/state/rbc") == ["key"], "no temporary file is left")
        #expect(try PrivateSecretFile.read(root + "/none", limit: 32) == nil, "no file: nil, nothing made")
        #expect(try PrivateSecretFile.read(path, limit: 2) == Array("fir".utf8), "at most one byte beyond the limit")
    }

    @Test(arguments: ["link", "readable", "writable", "fifo", "directory", "another user"])
    func aSecretOthersCouldKnowOrChangeIsRefused(_ kind: String) throws {
        let root = try TestSupport.temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/key"
        let target = root + "/target"
        try "k".write(toFile: target, atomically: false, encoding: .utf8)
        chmod(target, 0o600)
        switch kind {
        case "link": symlink(target, path)
        case "readable": try "k".write(toFile: path, atomically: false, encoding: .utf8); chmod(path, 0o640)
        case "writable": try "k".write(toFile: path, atomically: false, encoding: .utf8); chmod(path, 0o602)
        case "fifo": mkfifo(path, 0o600)
        case "directory": mkdir(path, 0o700)
        default:
            try "k".write(toFile: path, atomically: false, encoding: .utf8)
            chmod(path, 0o600)
            // Tests run as root here; as another user the file is someone else's anyway.
            if geteuid() == 0 { chown(path, 1, 1) } else { try FileManager.default.removeItem(atPath: path); symlink("/etc/passwd", path) }
        }
        #expect(throws: PrivateSecretFile.Problem.self) { try PrivateSecretFile.read(path, limit: 32) }
        #expect(throws: PrivateSecretFile.Problem.self) { try PrivateSecretFile.readOrCreate(path, limit: 32) { [1] } }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "k", "nothing was written through a link")
    }

    /// rbc started with a FIFO where the journal key should be: it says so and exits 2, instead of
    /// blocking in open(2) until someone writes to the FIFO; `rbc rollback`, which reads the key to
    /// authenticate the journal, refuses it as unauthenticated (exit 7). Bounded: a hang is ended
    /// and reported.
    @Test(arguments: [["run", "rb.yaml"], ["rollback", "last", "--yes"]])
    func aFIFOAsTheJournalKeyIsRefusedAtOnce(_ arguments: [String]) throws {
        let keys = try TestSupport.temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: keys) }
        let fixture = try RunFixture(runbook(loggedStep("one")))
        if arguments[0] == "rollback" {
            // A journal to roll back, made under a real key.
            let made = try TestSupport.rbc(["run", "rb.yaml"], in: fixture.path, environment: ["RBC_JOURNAL_KEY": keys + "/real.key"])
            #expect(made.status == 0, "\(made.stderr)")
        }
        let key = keys + "/journal.key"
        #expect(mkfifo(key, 0o600) == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.rbcBinary)
        process.arguments = arguments
        process.currentDirectoryURL = fixture.url
        process.environment = ProcessInfo.processInfo.environment.merging(["RBC_JOURNAL_KEY": key]) { $1 }
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let end = Date().addingTimeInterval(30)
        while process.isRunning, Date() < end { usleep(20_000) }
        let hung = process.isRunning
        if hung { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!hung, "rbc \(arguments[0]) waits on a FIFO planted as the journal key")
        if arguments[0] == "run" {
            #expect(process.terminationStatus == 2, "\(stderr)")
            #expect(stderr.contains(key) && stderr.contains("not a regular file"), "\(stderr)")
            #expect(fixture.read("log").isEmpty, "nothing ran")
        } else {
            #expect(process.terminationStatus == 7, "\(stderr)")
            #expect(stderr.contains("not a regular file"), "\(stderr)")
            #expect(fixture.read("log") == "one\n", "nothing was undone")
        }
    }
}
