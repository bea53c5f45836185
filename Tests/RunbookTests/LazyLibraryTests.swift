// libgit2 and libcurl are opened when first needed, not at start (Sources/CGit2Loader, Sources/CCurl):
// loading them and the thirty-odd libraries they need was a tenth of a warm check's CPU. A run that
// reads no history and sends no request loads neither; one that reads history loads libgit2 and
// answers as before; an HTTP step loads libcurl. Seen by the dynamic loader itself (LD_DEBUG=files).

import Foundation
import Testing

@Suite struct LazyLibraryTests {
    /// The shared objects the dynamic loader opened during a run, by the name asked for
    /// (LD_DEBUG=files writes `file=NAME [0];  needed by …` or `… dynamically loaded by …` to stderr).
    static func loaded(_ run: TestSupport.Run) -> Set<String> {
        var names: Set<String> = []
        for line in run.stderr.split(separator: "\n") {
            guard let start = line.range(of: "file=") else { continue }
            let name = line[start.upperBound...].prefix { $0 != " " && $0 != "\t" && $0 != ";" }
            names.insert(String(name))
        }
        return names
    }

    static func opened(_ prefix: String, _ names: Set<String>) -> Bool { names.contains { $0.hasPrefix(prefix) } }

    @Test func neitherIsLinked() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["objdump", "-p", TestSupport.rbcBinary]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let header = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let needed = header.split(separator: "\n").filter { $0.contains("NEEDED") }
        #expect(process.terminationStatus == 0 && needed.contains { $0.contains("libc.so") }, "objdump -p: \(header.prefix(500))")
        #expect(!needed.contains { $0.contains("libgit2") || $0.contains("libcurl") }, "\(needed)")
    }

    @Test func aRunLoadsOnlyWhatItUses() throws {
        let repo = try TemporaryRepository()
        let xdg = repo.url.appendingPathComponent(".xdg").path
        try repo.write(".gitignore", ".xdg/\n.rbc/\n")
        try repo.write("ops/a.yaml", GitFixtures.runbook(reviewed: "2026-01-01"))
        try repo.commit("first", date: "2026-01-05T12:00:00Z")
        let environment = ["LD_DEBUG": "files", "XDG_CACHE_HOME": xdg]

        let plain = try TestSupport.rbc(["check", "--no-git", "--no-shellcheck", "--no-cache", "ops"], in: repo.path, environment: environment)
        #expect(plain.status == 0 || plain.status == 1, "\(plain.stderr.suffix(500))")
        #expect(Self.loaded(plain).contains { $0.hasPrefix("libc.so") }, "LD_DEBUG=files said nothing: \(plain.stderr.prefix(500))")
        #expect(!Self.opened("libgit2", Self.loaded(plain)) && !Self.opened("libcurl", Self.loaded(plain)), "\(Self.loaded(plain).sorted())")

        // With history: libgit2 is opened, and the answer is the one without LD_DEBUG (no side effect).
        let arguments = ["check", "--no-shellcheck", "--no-cache", "--now", "2026-12-04", "--format", "concise", "ops"]
        let history = try TestSupport.rbc(arguments, in: repo.path, environment: environment)
        let quiet = try TestSupport.rbc(arguments, in: repo.path, environment: ["XDG_CACHE_HOME": xdg])
        #expect(Self.opened("libgit2", Self.loaded(history)) && !Self.opened("libcurl", Self.loaded(history)), "\(Self.loaded(history).sorted())")
        #expect(history.stdout == quiet.stdout && history.status == quiet.status && quiet.stdout.contains("RB0"), "\(quiet.stdout)")

        // An HTTP step opens libcurl (the request itself fails: nothing listens on port 9 of loopback).
        let fixture = try RunFixture(runbook(httpStep("ping", url: "http://127.0.0.1:9/", timeout: "2s", extra: "      on_failure: continue\n")))
        let run = try TestSupport.rbc(["run", "rb.yaml"], in: fixture.path, environment: ["LD_DEBUG": "files"])
        #expect(Self.opened("libcurl", Self.loaded(run)), "\(run.status) \(Self.loaded(run).sorted())")
        let events = try fixture.events()
        #expect(events.contains { $0.event == .attemptFinished && $0.outcome == .failed }, "\(run.stderr.suffix(800))")
    }
}
