// HTTP steps against a real loopback server: the step's timeout, to the millisecond, bounds the
// whole request (a slow answer, a body that drips), a huge body is captured head and tail within a
// bounded memory, and a signal ends a request in flight.

import Foundation
import RunbookRuntime
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A threaded loopback server: `/delay/MS` answers after MS milliseconds, `/big/BYTES` streams a body
/// of BYTES bytes ("BEGIN", then x…, then "END"), `/drip` sends a byte every 100 ms for 20 s.
final class SlowServer {
    let process = Process()
    let port: Int
    private let directory: URL

    init() throws {
        directory = try TestSupport.temporaryDirectory()
        let script = directory.appendingPathComponent("server.py")
        try """
        import http.server, socketserver, sys, time
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def do_GET(self):
                try:
                    parts = self.path.strip("/").split("/")
                    if parts[0] == "delay":
                        time.sleep(int(parts[1]) / 1000)
                        body = b"waited " + parts[1].encode()
                        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
                    elif parts[0] == "big":
                        total = int(parts[1])
                        self.send_response(200); self.send_header("Content-Length", str(total)); self.end_headers()
                        self.wfile.write(b"BEGIN")
                        left = total - 8
                        chunk = b"x" * (1 << 20)
                        while left > 0:
                            n = min(left, len(chunk))
                            self.wfile.write(chunk[:n])
                            left -= n
                        self.wfile.write(b"END")
                    elif parts[0] == "drip":
                        self.send_response(200); self.send_header("Content-Length", "200"); self.end_headers()
                        for _ in range(200):
                            self.wfile.write(b"."); self.wfile.flush(); time.sleep(0.1)
                except (BrokenPipeError, ConnectionResetError):
                    pass
            def log_message(self, *args): pass
        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
        server = Server(("127.0.0.1", 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """.write(to: script, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// SIGKILL: the test runner ignores SIGTERM, and its children inherit that.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}

func httpStep(_ id: String, url: String, timeout: String, extra: String = "") -> String {
    """
        - id: \(id)
          action: http_request
          url: "\(url)"
          readonly: true
          timeout: \(timeout)
    \(extra)
    """
}

@Suite(.serialized) struct HTTPRequestTests {
    @Test func millisecondTimeoutsAreKept() throws {
        let server = try SlowServer()
        defer { server.stop() }
        let fixture = try RunFixture(runbook(
            httpStep("quick", url: server.url("/delay/100"), timeout: "900ms")
            + httpStep("slower", url: server.url("/delay/1400"), timeout: "2s")))
        let run = try fixture.rbc(["run", "rb.yaml"])
        #expect(run.status == 0, "900 ms is enough for 100 ms and 2 s for 1.4 s, not rounded down to seconds: \(run.stderr)")
        let events = try fixture.events()
        #expect(events.filter { $0.event == .stepFinished }.map(\.outcome) == [.succeeded, .succeeded])
    }

    @Test func theTimeoutBoundsTheWholeRequest() throws {
        let server = try SlowServer()
        defer { server.stop() }
        let fixture = try RunFixture(runbook(
            httpStep("late", url: server.url("/delay/6000"), timeout: "2s", extra: "      on_failure: continue\n")
            + httpStep("drip", url: server.url("/drip"), timeout: "1500ms", extra: "      on_failure: continue\n")))
        let run = try fixture.rbc(["run", "rb.yaml"])
        #expect(run.status == 1)
        let events = try fixture.events()
        let finished = events.filter { $0.event == .attemptFinished }
        #expect(finished.map(\.outcome) == [.timedOut, .timedOut], "\(run.stderr)")
        let late = try #require(finished.first?.attemptFinished?.durationMs)
        let drip = try #require(finished.last?.attemptFinished?.durationMs)
        // Each attempt's deadline as journaled (what is left of the step's timeout when it starts);
        // libcurl's clock may fire a few ms early, seconds rounded down would be hundreds of ms early.
        let deadlines = events.filter { $0.event == .attemptStarted }.compactMap { $0.attemptStarted?.timeoutMs }
        #expect(deadlines.count == 2 && late >= deadlines[0] - 100 && drip >= deadlines[1] - 100, "failed before the deadline: \(late), \(drip) ms of \(deadlines)")
        // Kept, not waited out: the answer would take 6 s, the drip 20 s.
        #expect(late < 5000 && drip < 5000, "late \(late) ms, drip \(drip) ms")
    }

    @Test func aHugeBodyIsCapturedHeadAndTailInBoundedMemory() throws {
        let server = try SlowServer()
        defer { server.stop() }
        let gib = 1 << 30
        let fixture = try RunFixture(runbook(
            httpStep("eight-mib", url: server.url("/big/\(8 << 20)"), timeout: "20s",
                     extra: "      outputs: {first: {from: body, pattern: \"^(BEGIN)\"}, last: {from: body, pattern: \"(END)$\"}}\n")
            + httpStep("one-gib", url: server.url("/big/\(gib)"), timeout: "120s")
            + httpStep("one-gib-in-two-seconds", url: server.url("/big/\(gib)"), timeout: "2s", extra: "      on_failure: continue\n")),
            files: ["peak.py": Spawned.peakMeasuringParent])
        let pid = try Spawned.bash("exec python3 peak.py peak \"$RBC\" run rb.yaml", in: fixture.path)
        let exit = try #require(Spawned.wait(pid, seconds: 180), "rbc did not end")
        #expect(!exit.signaled)
        let events = try fixture.events()
        let eight = try #require(events.first { $0.event == .stepFinished && $0.step == "eight-mib" })
        #expect(eight.outcome == .succeeded)
        #expect(eight.stepFinished?.outputs == ["first": "BEGIN", "last": "END"], "the head and the tail are kept")
        let attempt = try #require(events.first { $0.event == .attemptFinished && $0.step == "eight-mib" })
        let excerpt = attempt.attemptFinished?.stdout ?? ""
        #expect(excerpt.hasPrefix("BEGIN") && excerpt.hasSuffix("END") && excerpt.utf8.count < 16 * 1024, "an excerpt of the head and the tail")
        #expect(attempt.attemptFinished?.bodyBytes == 8 << 20)
        // The whole GiB went through rbc, so a capture that kept the body could not stay under the bound.
        let whole = try #require(events.first { $0.event == .attemptFinished && $0.step == "one-gib" })
        #expect(whole.outcome == .succeeded && whole.attemptFinished?.bodyBytes == gib, "\(whole.outcome?.rawValue ?? "-"): \(whole.attemptFinished?.bodyBytes ?? -1) bytes, \(whole.reason ?? "")")
        let peak = try #require(Int(fixture.read("peak")), "no peak measured")
        #expect(peak < 256 * 1024, "a 1 GiB body took \(peak / 1024) MiB")
        // The deadline holds while a huge body streams in.
        let cut = try #require(events.first { $0.event == .attemptFinished && $0.step == "one-gib-in-two-seconds" })
        #expect(cut.outcome == .timedOut || cut.outcome == .succeeded)
        #expect((cut.attemptFinished?.durationMs ?? .max) < 2000 + 3000, "the 2 s deadline held: \(cut.attemptFinished?.durationMs ?? -1) ms")
        #expect(cut.attemptFinished?.bodyBytes ?? 0 > 0, "the body was streaming when the deadline came")
    }

    @Test func aSignalEndsARequestInFlight() throws {
        let server = try SlowServer()
        defer { server.stop() }
        let fixture = try RunFixture(runbook(loggedStep("one") + httpStep("wait", url: server.url("/delay/30000"), timeout: "60s")))
        let pid = try Spawned.bash("exec \"$RBC\" run rb.yaml", in: fixture.path)
        #expect(try fixture.waitFor { $0.event == .attemptStarted && $0.step == "wait" })
        usleep(300_000)
        kill(pid, SIGTERM)
        let exit = try #require(Spawned.wait(pid, seconds: 15), "rbc waited for the answer")
        #expect(exit.code == 130)
        #expect(fixture.read("log") == "one\nundo-one\n")
        let events = try fixture.events()
        #expect(events.first { $0.event == .stepFinished && $0.step == "wait" }?.outcome == .interrupted)
        #expect(events.last?.runFinished?.status == .rolledBack)
    }
}
