// The executor with real processes, real signals and a real loopback HTTP server: timeouts that end
// whole process trees, reverse-order rollback, failing rollbacks, retries, Ctrl-C, SIGKILL then
// `rbc rollback`, resume, webhooks, approvals without a terminal, secrets, the config store.

import Foundation
import RunbookRuntime
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A scratch directory (not a git repository) with a runbook in it.
final class RunFixture {
    let url: URL
    var path: String { url.path }

    init(_ runbook: String, files: [String: String] = [:]) throws {
        url = try TestSupport.temporaryDirectory()
        try runbook.write(to: url.appendingPathComponent("rb.yaml"), atomically: true, encoding: .utf8)
        for (name, text) in files { try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8) }
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func rbc(_ arguments: [String]) throws -> TestSupport.Run { try TestSupport.rbc(arguments, in: path) }

    func read(_ name: String) -> String { (try? String(contentsOf: url.appendingPathComponent(name), encoding: .utf8)) ?? "" }

    var journals: [String] { RunState.list(in: path + "/.rbc/runs") }

    func events() throws -> [JournalEvent] { try Journal.read(try #require(journals.first)) }

    /// Starts `rbc` without waiting for it.
    func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.rbcBinary)
        process.arguments = arguments
        process.currentDirectoryURL = url
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits (bounded) until the journal holds an event that matches.
    func waitFor(_ matches: (JournalEvent) -> Bool, seconds: Double = 20) throws -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if let path = journals.first, let events = try? Journal.read(path), events.contains(where: matches) { return true }
            usleep(20_000)
        }
        return false
    }
}

/// One kind's fields of a journal event, nil for an event of another kind.
extension JournalEvent {
    var runStarted: RunStarted? { if case .runStarted(let fields) = payload { fields } else { nil } }
    var stepFinished: StepFinished? { if case .stepFinished(let fields) = payload { fields } else { nil } }
    var runFinished: RunFinished? { if case .runFinished(let fields) = payload { fields } else { nil } }
    var approval: Approval? { if case .approval(let fields) = payload { fields } else { nil } }
    var configChanged: ConfigChanged? { if case .configChanged(let fields) = payload { fields } else { nil } }
    var processStarted: ProcessStarted? { if case .processStarted(let fields) = payload { fields } else { nil } }
    var attemptStarted: AttemptStarted? { if case .attemptStarted(let fields) = payload { fields } else { nil } }
    var attemptFinished: AttemptFinished? { if case .attemptFinished(let fields) = payload { fields } else { nil } }
    var signalReceived: SignalReceived? { if case .signal(let fields) = payload { fields } else { nil } }
}

func runbook(_ steps: String, extra: String = "") -> String {
    "runbook:\n  name: \"Test\"\n  severity: P3\n  owner: t\n\(extra)  steps:\n\(steps)"
}

/// A step that appends to a log, with a rollback that appends too.
func loggedStep(_ id: String, fail: Bool = false, rollbackFails: Bool = false) -> String {
    """
        - id: \(id)
          action: execute_command
          command: "echo \(id) >> log\(fail ? " && exit 1" : "")"
          timeout: 10s
          rollback:
            action: execute_command
            command: "echo undo-\(id) >> log\(rollbackFails ? " && exit 7" : "")"
            timeout: 10s

    """
}

/// Whether a process is still running (not gone, not a zombie).
func isRunning(_ pid: pid_t) -> Bool {
    guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return false }
    let text = String(decoding: data, as: UTF8.self)
    guard let close = text.lastIndex(of: ")") else { return false }
    let state = text[text.index(after: close)...].split(separator: " ").first ?? ""
    return state != "Z" && state != "X"
}

@Suite(.serialized) struct ExecutorTests {
    @Test func timeoutEndsTheWholeProcessTree() throws {
        let fixture = try RunFixture(runbook("""
            - id: hang
              action: execute_command
              command: "sh -c 'sleep 100 & echo $! >> pids; sleep 100' & echo $! >> pids; sleep 100 & echo $! >> pids; wait"
              timeout: 1s
              readonly: true

        """))
        let started = Date()
        let run = try fixture.rbc(["run", "rb.yaml", "--kill-grace", "2s"])
        #expect(run.status == 1)
        #expect(Date().timeIntervalSince(started) < 10)
        let pids = fixture.read("pids").split(separator: "\n").compactMap { pid_t($0) }
        #expect(pids.count == 3, "the tree had three processes: \(pids)")
        usleep(200_000)
        for pid in pids { #expect(!isRunning(pid), "process \(pid) survived the timeout") }
        let finished = try fixture.events().first { $0.event == .stepFinished }
        #expect(finished?.outcome == .timedOut)
        #expect(run.stderr.contains("✘ hang timed_out: timed out after"))
    }

    @Test func failureAtStepThreeRollsBackNewestFirst() throws {
        let steps = ["one", "two", "three", "four", "five"].map { loggedStep($0, fail: $0 == "three") }.joined()
        let fixture = try RunFixture(runbook(steps))
        let run = try fixture.rbc(["run", "rb.yaml"])
        #expect(run.status == 1)
        #expect(fixture.read("log") == "one\ntwo\nthree\nundo-two\nundo-one\n")
        let events = try fixture.events()
        #expect(events.filter { $0.event == .rollbackFinished }.map(\.step) == ["two", "one"])
        #expect(events.last?.event == .runFinished)
        #expect(events.last?.runFinished?.status == .rolledBack)
        #expect(events.map(\.seq) == Array(1...events.count), "every event numbered, in order")
    }

    @Test func aFailingRollbackDoesNotStopTheOthers() throws {
        let steps = loggedStep("one") + loggedStep("two", rollbackFails: true) + loggedStep("three") + loggedStep("four", fail: true)
        let fixture = try RunFixture(runbook(steps))
        let run = try fixture.rbc(["run", "rb.yaml"])
        #expect(run.status == 3, "a failed rollback leaves the system partly changed")
        #expect(fixture.read("log") == "one\ntwo\nthree\nfour\nundo-three\nundo-two\nundo-one\n")
        let events = try fixture.events()
        #expect(events.filter { $0.event == .rollbackFinished }.map(\.outcome) == [.succeeded, .failed, .succeeded])
        #expect(events.last?.runFinished?.status == .rollbackFailed)
    }

    @Test func retriesWithBackoffUntilSuccess() throws {
        let fixture = try RunFixture(runbook("""
            - id: flaky
              action: execute_command
              command: "echo x >> tries; [ $(wc -l < tries) -ge 3 ]"
              timeout: 20s
              readonly: true
              retries: {attempts: 4, backoff: 100ms, multiplier: 2}

        """))
        let run = try fixture.rbc(["run", "rb.yaml"])
        #expect(run.status == 0, "\(run.stderr)")
        let attempts = try fixture.events().filter { $0.event == .attemptFinished }
        #expect(attempts.map(\.outcome) == [.failed, .failed, .succeeded])
        #expect(attempts.map { $0.attemptFinished?.attempt } == [1, 2, 3])
    }

    @Test func theStepTimeoutBoundsEveryAttempt() throws {
        let fixture = try RunFixture(runbook("""
            - id: slow
              action: execute_command
              command: "sleep 5"
              timeout: 1500ms
              readonly: true
              retries: {attempts: 5, backoff: 100ms}

        """))
        let started = Date()
        let run = try fixture.rbc(["run", "rb.yaml", "--kill-grace", "1s"])
        #expect(run.status == 1)
        #expect(Date().timeIntervalSince(started) < 5, "five attempts share the 1.5s budget")
        #expect(try fixture.events().first { $0.event == .stepFinished }?.outcome == .timedOut)
    }

    @Test func ctrlCStopsTheStepAndRollsBack() throws {
        let fixture = try RunFixture(runbook(loggedStep("one") + """
            - id: long
              action: execute_command
              command: "sleep 30"
              timeout: 60s
              readonly: true

        """))
        let process = try fixture.start(["run", "rb.yaml"])
        #expect(try fixture.waitFor { $0.event == .attemptStarted && $0.step == "long" })
        usleep(100_000)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(fixture.read("log") == "one\nundo-one\n")
        let events = try fixture.events()
        #expect(events.contains { $0.signalReceived?.signal == "SIGINT" })
        #expect(events.first { $0.event == .stepFinished && $0.step == "long" }?.outcome == .interrupted)
        #expect(events.last?.runFinished?.status == .rolledBack)
    }

    @Test func sigkillThenRollbackFromTheJournal() throws {
        let fixture = try RunFixture(runbook(loggedStep("one") + loggedStep("two") + """
            - id: long
              action: execute_command
              command: "sleep 60"
              timeout: 120s
              readonly: true

        """))
        let process = try fixture.start(["run", "rb.yaml"])
        #expect(try fixture.waitFor { $0.event == .processStarted && $0.step == "long" })
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let leftover = try #require(try fixture.events().last { $0.event == .processStarted }?.processStarted?.pid)
        #expect(isRunning(leftover), "SIGKILL cannot end the step's process group: it is still running")
        #expect(fixture.read("log") == "one\ntwo\n")
        let runs = try fixture.rbc(["runs"])
        #expect(runs.stdout.contains("interrupted"), "\(runs.stdout)")
        let show = try fixture.rbc(["show", "last"])
        #expect(show.status == 0)
        #expect(show.stdout.contains("the journal ends here"))
        let refused = try fixture.rbc(["rollback", "last"])
        #expect(refused.status == 2, "no terminal, no --yes: nothing is rolled back")
        #expect(fixture.read("log") == "one\ntwo\n")
        let rollback = try fixture.rbc(["rollback", "last", "--yes"])
        #expect(rollback.status == 0, "\(rollback.stderr)")
        #expect(!isRunning(leftover), "rollback first ends what the killed run left running")
        #expect(rollback.stderr.contains("ended process group \(leftover)"))
        #expect(fixture.read("log") == "one\ntwo\nundo-two\nundo-one\n")
        let again = try fixture.rbc(["rollback", "last", "--yes"])
        #expect(again.stderr.contains("nothing to roll back"))
        #expect(fixture.read("log") == "one\ntwo\nundo-two\nundo-one\n", "a rollback is not repeated")
        let timeline = try fixture.rbc(["timeline", "last", "--format", "md"])
        #expect(timeline.stdout.hasPrefix("# Post-Incident Review: Test"))
        #expect(timeline.stdout.contains("| Time | Event |"))
        #expect(timeline.stdout.contains("Rolled back: `two`"), "\(timeline.stdout)")
    }

    /// Time to mitigate ends with the last step that changed something, as the lint rules judge it: a
    /// check after the fix (`grep`, not marked `readonly: true`) does not move it.
    @Test func timeToMitigateIgnoresReadOnlyCommandsWithoutTheirMarking() throws {
        let fixture = try RunFixture(runbook("""
            - id: fix
              action: execute_command
              command: "touch fixed"
              irreversible: "a test"
              timeout: 10s
            - id: check
              action: execute_command
              command: "sleep 0.2; ls fixed"
              timeout: 10s

        """))
        let run = try fixture.rbc(["run", "rb.yaml"])
        #expect(run.status == 0, "\(run.stderr)")
        let events = try fixture.events()
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let started = try #require(events.first { $0.event == .runStarted }.flatMap { formatter.date(from: $0.time) })
        let fixed = try #require(events.first { $0.event == .stepFinished && $0.step == "fix" }.flatMap { formatter.date(from: $0.time) })
        let checked = try #require(events.first { $0.event == .stepFinished && $0.step == "check" }.flatMap { formatter.date(from: $0.time) })
        #expect(checked > fixed)
        let timeline = try fixture.rbc(["timeline", "last", "--format", "json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(timeline.stdout.utf8)) as? [String: Any])
        #expect(document["timeToMitigateMs"] as? Int == Int(fixed.timeIntervalSince(started) * 1000), "\(timeline.stdout)")
    }

    @Test func resumeContinuesAfterAKillWithEarlierOutputs() throws {
        let fixture = try RunFixture(runbook("""
            - id: first
              action: execute_command
              command: "echo version=42"
              readonly: true
              timeout: 10s
              outputs: {version: {from: stdout, pattern: "version=(\\\\d+)"}}
            - id: second
              action: execute_command
              command: "[ -f go ] || sleep 30"
              readonly: true
              timeout: 60s
            - id: third
              action: execute_command
              command: "echo \\"v${{ steps.first.outputs.version }}\\" >> log"
              readonly: true
              timeout: 10s

        """))
        let process = try fixture.start(["run", "rb.yaml"])
        #expect(try fixture.waitFor { $0.event == .attemptStarted && $0.step == "second" })
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try "".write(to: fixture.url.appendingPathComponent("go"), atomically: true, encoding: .utf8)
        let resumed = try fixture.rbc(["resume", "last", "--yes"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(fixture.read("log") == "v42\n", "the first step's output survived in the journal")
        let events = try fixture.events()
        #expect(events.contains { $0.event == .runResumed })
        #expect(events.filter { $0.event == .stepStarted && $0.step == "first" }.count == 1, "completed steps are not run again")
        #expect(events.last?.runFinished?.status == .succeeded)
    }

    @Test func webhooksAndHTTPReachALoopbackServer() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let fixture = try RunFixture(runbook("""
            - id: health
              action: http_request
              url: "http://127.0.0.1:\(server.port)/health"
              readonly: true
              timeout: 10s
              expect: {status: 200}
              outputs: {ready: {from: body, json: "$.status.ready"}}
            - id: tell
              action: send_notification
              channel: "#ops"
              message: "ready=${{ steps.health.outputs.ready }} for ${{ runbook.name }}"
              timeout: 10s
            - id: follow-up
              action: create_ticket
              title: "Follow up"
              labels: [incident]
              timeout: 10s

        """), files: [".rbc.yaml": "notifications: {url: \"http://127.0.0.1:\(server.port)/notify\", format: slack}\ntickets: {url: \"http://127.0.0.1:\(server.port)/ticket\", format: json}\n"])
        let run = try fixture.rbc(["run", "rb.yaml"])
        #expect(run.status == 0, "\(run.stderr)")
        let requests = server.requests()
        #expect(requests.map { $0["path"] as? String } == ["/health", "/notify", "/ticket"])
        let notify = try #require(try JSONSerialization.jsonObject(with: Data(((requests[1]["body"] as? String) ?? "").utf8)) as? [String: Any])
        #expect(notify["text"] as? String == "ready=true for Test")
        #expect(notify["channel"] as? String == "#ops")
        let ticket = try #require(try JSONSerialization.jsonObject(with: Data(((requests[2]["body"] as? String) ?? "").utf8)) as? [String: Any])
        #expect(ticket["title"] as? String == "Follow up")
        #expect(ticket["labels"] as? [String] == ["incident"])
    }

    @Test func approvalIsRefusedWithoutATerminal() throws {
        let fixture = try RunFixture(runbook(loggedStep("one") + """
            - id: dangerous
              action: execute_command
              command: "echo dangerous >> log"
              confirm: true
              irreversible: "test"
              timeout: 10s

        """))
        let refused = try fixture.rbc(["run", "rb.yaml"])
        #expect(refused.status == 1)
        #expect(fixture.read("log") == "one\nundo-one\n", "never approved on anyone's behalf")
        let approval = try fixture.events().first { $0.event == .approval }
        #expect(approval?.approval?.decision == .refused)
        #expect(approval?.approval?.by == "no terminal")
        try "".write(to: fixture.url.appendingPathComponent("log"), atomically: true, encoding: .utf8)
        let approved = try fixture.rbc(["run", "rb.yaml", "--approve", "dangerous"])
        #expect(approved.status == 0, "\(approved.stderr)")
        #expect(fixture.read("log") == "one\ndangerous\n")
        let unknown = try fixture.rbc(["run", "rb.yaml", "--approve", "nosuchstep"])
        #expect(unknown.status == 2)
    }

    @Test func secretsNeverAppearInPlanJournalOrOutput() throws {
        let secret = "hunter2-\(UUID().uuidString.prefix(8))"
        let fixture = try RunFixture(runbook("""
            - id: use
              action: execute_command
              command: "printf 'token=%s\\\\n' \\"${{ params.token }}\\" && printf '%s' \\"${{ params.token }}\\" >&2"
              readonly: true
              timeout: 10s
            - id: tell
              action: send_notification
              channel: "#ops"
              message: "deployed with ${{ params.token }}"
              timeout: 10s

        """, extra: "  params:\n    token: {type: string, secret: true, required: true}\n"))
        let plan = try fixture.rbc(["plan", "rb.yaml", "--param", "token=\(secret)"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("***"))
        // Printing a secret is a lint error (RB015): forced, to see that the terminal masks it anyway.
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "token=\(secret)", "--force"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("token=***"), "the command saw the value; the terminal shows ***: \(run.stdout)")
        for text in [plan.stdout, plan.stderr, run.stdout, run.stderr, try String(contentsOfFile: try #require(fixture.journals.first), encoding: .utf8)] {
            #expect(!text.contains(secret))
        }
    }

    @Test func configStoreRollbackRestoresTheExactPreviousValue() throws {
        // 1 and 0 next to true: a restore must not turn the number 1 into the boolean true.
        let original = "{\n  \"gateway\" : {\n    \"rate_limit\" : {\n      \"max_requests\" : 1000,\n      \"burst\" : 2.5,\n      \"shards\" : 1\n    },\n    \"enabled\" : true,\n    \"zero\" : 0\n  }\n}"
        let fixture = try RunFixture(runbook("""
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
            - id: shards
              action: update_config
              config_key: gateway.rate_limit.shards
              value: 4
              timeout: 5s
            - id: fail
              action: execute_command
              command: "exit 1"
              irreversible: "test"
              timeout: 5s

        """), files: [".rbc.yaml": "stores:\n  default: {file: flags.json}\n", "flags.json": original])
        let run = try fixture.rbc(["run", "rb.yaml"])
        #expect(run.status == 1)
        let restored = try JSONSerialization.jsonObject(with: Data(fixture.read("flags.json").utf8)) as? NSDictionary
        let expected = try JSONSerialization.jsonObject(with: Data(original.utf8)) as? NSDictionary
        #expect(restored == expected, "values restored, and the key that did not exist removed: \(fixture.read("flags.json"))")
        let changes = try fixture.events().filter { $0.event == .configChanged }
        #expect(changes.map { $0.configChanged?.previousPresent } == [true, false, true])
        #expect(changes.last?.configChanged?.previous == .int(1), "journaled as the number it was")
        #expect(changes.first?.configChanged?.previous == .int(1000))
    }

    @Test func planHasNoSideEffects() throws {
        let fixture = try RunFixture(runbook("""
            - id: touch
              action: execute_command
              command: "touch touched"
              irreversible: "test"
              timeout: 5s
            - id: raise
              action: update_config
              config_key: a.b
              value: 2
              timeout: 5s

        """), files: [".rbc.yaml": "stores:\n  default: {file: flags.json}\n", "flags.json": "{\"a\": {\"b\": 1}}"])
        let plan = try fixture.rbc(["plan", "rb.yaml"])
        #expect(plan.status == 0)
        #expect(plan.stdout.contains("1. touch"))
        #expect(plan.stdout.contains("$ touch touched"))
        #expect(plan.stdout.contains("undo if a later step fails: restore the previous value of a.b"))
        #expect(!FileManager.default.fileExists(atPath: fixture.path + "/touched"))
        #expect(fixture.read("flags.json") == "{\"a\": {\"b\": 1}}")
        #expect(fixture.journals.isEmpty, "a plan writes no journal")
        let dry = try fixture.rbc(["run", "--dry-run", "rb.yaml"])
        #expect(dry.stdout == plan.stdout, "`run --dry-run` is `plan`")
    }

    @Test func brokenOrDirtyRunbooksNeverRun() throws {
        let fixture = try RunFixture("runbook:\n  name: x\n  severity: P9\n  steps:\n    - {id: a, action: execute_command, command: \"touch ran\"}\n")
        let broken = try fixture.rbc(["run", "rb.yaml"])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("the runbook was not run"))
        #expect(!FileManager.default.fileExists(atPath: fixture.path + "/ran"))
        let repo = try TemporaryRepository()
        try repo.write("rb.yaml", runbook("    - {id: a, action: execute_command, command: \"echo ran >> log\", readonly: true, timeout: 5s}\n"))
        try repo.commit("add", date: "2026-01-01T12:00:00Z")
        try repo.write("rb.yaml", runbook("    - {id: a, action: execute_command, command: \"echo changed >> log\", readonly: true, timeout: 5s}\n"))
        let dirty = try TestSupport.rbc(["run", "rb.yaml"], in: repo.path)
        #expect(dirty.status == 2)
        #expect(dirty.stderr.contains("has uncommitted changes"))
        let allowed = try TestSupport.rbc(["run", "rb.yaml", "--allow-dirty"], in: repo.path)
        #expect(allowed.status == 0, "\(allowed.stderr)")
        let journal = try #require(RunState.list(in: repo.path + "/.rbc/runs").first)
        let started = try #require(try Journal.read(journal).first?.runStarted)
        #expect(started.commit == (try repo.git("rev-parse", "HEAD")).trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(started.dirty == true)
    }

    /// Every line of real journals (success, rollback, config changes, signals) fits schema/journal.schema.json.
    @Test func journalsValidateAgainstTheJournalSchema() throws {
        let validator = try #require(SchemaTests.validator, "check-jsonschema not installed: run `make test`")
        let fixture = try RunFixture(runbook(loggedStep("one") + """
            - id: raise
              action: update_config
              config_key: a.b
              value: 2
              timeout: 5s
            - id: fail
              action: execute_command
              command: "exit 4"
              irreversible: "test"
              timeout: 5s

        """), files: [".rbc.yaml": "stores:\n  default: {file: flags.json}\n", "flags.json": "{}"])
        _ = try fixture.rbc(["run", "rb.yaml"])
        let lines = try String(contentsOfFile: try #require(fixture.journals.first), encoding: .utf8).split(separator: "\n")
        #expect(lines.count > 10)
        var files: [String] = []
        for (index, line) in lines.enumerated() {
            let path = fixture.path + "/line-\(index).json"
            try String(line).write(toFile: path, atomically: true, encoding: .utf8)
            files.append(path)
        }
        let (status, output) = try PreCommitTests.run(validator, ["--schemafile", TestSupport.path("schema/journal.schema.json")] + files, in: fixture.path)
        #expect(status == 0, "\(output)")
    }

    @Test func journalsFromANewerRbcAreRefused() throws {
        let fixture = try RunFixture(runbook("    - {id: a, action: wait, duration: 1ms, timeout: 1s}\n"))
        try FileManager.default.createDirectory(atPath: fixture.path + "/.rbc/runs", withIntermediateDirectories: true)
        try "{\"event\":\"run_started\",\"journalVersion\":\"rbc.journal/v9\",\"seq\":1,\"time\":\"2030-01-01T00:00:00.000Z\"}\n"
            .write(toFile: fixture.path + "/.rbc/runs/20300101T000000Z-0000.jsonl", atomically: true, encoding: .utf8)
        let show = try fixture.rbc(["show", "last"])
        #expect(show.status == 2)
        #expect(show.stderr.contains("written by a newer rbc (rbc.journal/v9)"))
    }
}

/// A real HTTP server on 127.0.0.1 (Python's http.server), recording what it receives.
final class LoopbackServer: PythonHTTPServer {
    /// `lifetimeSeconds`: how long it serves (a batch of ansible-playbook runs needs longer than a test).
    init(lifetimeSeconds: Int = 120) throws {
        try super.init(script: """
        import http.server, json, sys, time
        log = sys.argv[1]
        class Handler(http.server.BaseHTTPRequestHandler):
            def record(self, body):
                with open(log, "a") as f:
                    f.write(json.dumps({"method": self.command, "path": self.path, "body": body, "agent": self.headers.get("User-Agent")}) + "\\n")
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                self.record(body)
                self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
            def do_GET(self):
                self.record("")
                data = json.dumps({"status": {"ready": True}}).encode()
                self.send_response(200); self.send_header("Content-Type", "application/json"); self.end_headers(); self.wfile.write(data)
            def log_message(self, *args): pass
        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        server.timeout = 0.2
        print(server.server_address[1], flush=True)
        deadline = time.time() + int(sys.argv[2])
        while time.time() < deadline:
            server.handle_request()
        """, lifetimeSeconds: lifetimeSeconds)
    }
}
