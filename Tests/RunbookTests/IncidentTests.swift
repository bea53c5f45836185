// Incidents as code with the real binary: records in a scratch repository, the seeds' lifecycle,
// the scribe's log, times that never go backwards, overdue updates and escalation hints.

import Foundation
import RunbookIncident
import RunbookRuntime
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A scratch directory with a `.rbc.yaml`, where incidents are declared and handled.
final class IncidentFixture {
    let url: URL
    var path: String { url.path }

    init(config: String = "", files: [String: String] = [:]) throws {
        url = try TestSupport.temporaryDirectory()
        try config.write(to: url.appendingPathComponent(".rbc.yaml"), atomically: true, encoding: .utf8)
        for (name, text) in files {
            let file = url.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func rbc(_ arguments: [String], environment: [String: String] = [:]) throws -> TestSupport.Run {
        try TestSupport.rbc(arguments, in: path, environment: environment)
    }

    func read(_ name: String) -> String { (try? String(contentsOf: url.appendingPathComponent(name), encoding: .utf8)) ?? "" }

    func events(_ id: String, directory: String = "incidents") throws -> [IncidentEvent] {
        try IncidentLog.read(path + "/\(directory)/\(id).jsonl")
    }

    /// Seed 002's checkout failure, declared at 14:26 by alice.
    @discardableResult
    func declareCheckout(_ extra: [String] = []) throws -> TestSupport.Run {
        let run = try rbc(["incident", "declare", "--severity", "SEV2", "--title", "Checkout failure", "--impact", "~8% of checkout requests fail",
                           "--started-at", "14:00", "--detected-at", "14:22", "--alert", "CheckoutErrorBudgetBurn", "--commander", "bob",
                           "--by", "alice", "--now", "2024-11-15T14:26:00Z"] + extra)
        #expect(run.status == 0, "\(run.stderr)")
        return run
    }
}

@Suite struct IncidentTests {
    static let id = "2024-11-15-checkout-failure"

    @Test func declarePrintsSeedOnesMessageAndWritesTheRecord() throws {
        let fixture = try IncidentFixture()
        let run = try fixture.declareCheckout()
        #expect(run.stdout == """
            INCIDENT DECLARED: P1 - Checkout failure

            Impact: ~8% of checkout requests fail
            Start time: 2024-11-15 14:00 UTC
            Current status: Triage
            Incident Commander: bob
            Channel: #incident-2024-11-15-checkout-failure

            Next update in 30 minutes.

            """)
        #expect(run.stderr.contains("incident \(Self.id) declared"))
        let events = try fixture.events(Self.id)
        #expect(events.count == 1)
        let declared = try #require(events.first)
        #expect(declared.event == .declared && declared.seq == 1 && declared.by == "alice" && declared.time == "2024-11-15T14:26:00Z")
        #expect(declared.severity == .p1 && declared.status == .triage && declared.version == IncidentLog.version)
        #expect(declared.startedAt == "2024-11-15T14:00:00Z" && declared.detectedAt == "2024-11-15T14:22:00Z")
        #expect(declared.alert == "CheckoutErrorBudgetBurn" && declared.commander == "bob")
        // One JSON object per line, keys sorted: reviewable in a pull request.
        let text = fixture.read("incidents/\(Self.id).jsonl")
        #expect(text.hasSuffix("}\n") && text.split(separator: "\n").count == 1)
        #expect(text.hasPrefix("{\"alert\":\"CheckoutErrorBudgetBurn\",\"by\":\"alice\""))
        // The same title the same day is another incident.
        let second = try fixture.rbc(["incident", "declare", "--severity", "P3", "--title", "Checkout failure", "--now", "2024-11-15T18:00:00Z"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("incident \(Self.id)-2 declared"))
    }

    @Test func declareRefusesImpossibleTimesAndBadInput() throws {
        let fixture = try IncidentFixture()
        let after = try fixture.rbc(["incident", "declare", "--severity", "P1", "--title", "x", "--started-at", "14:30", "--detected-at", "14:20", "--now", "2024-11-15T14:40:00Z"])
        #expect(after.status == 1)
        #expect(after.stderr.contains("--started-at 2024-11-15T14:30:00Z is after --detected-at 2024-11-15T14:20:00Z"))
        let future = try fixture.rbc(["incident", "declare", "--severity", "P1", "--title", "x", "--detected-at", "15:00", "--now", "2024-11-15T14:40:00Z"])
        #expect(future.status == 1)
        #expect(future.stderr.contains("in the future"))
        let severity = try fixture.rbc(["incident", "declare", "--severity", "P7", "--title", "x"])
        #expect(severity.status == 2)
        let time = try fixture.rbc(["incident", "declare", "--severity", "P1", "--title", "x", "--started-at", "yesterday"])
        #expect(time.status == 2)
        #expect(time.stderr.contains("--started-at takes a UTC time"))
        let id = try fixture.rbc(["incident", "declare", "--severity", "P1", "--title", "x", "--id", "../escape"])
        #expect(id.status == 2)
        #expect(!FileManager.default.fileExists(atPath: fixture.path + "/escape.jsonl"))
        #expect((try? FileManager.default.contentsOfDirectory(atPath: fixture.path + "/incidents"))?.isEmpty ?? true, "nothing refused was recorded")
    }

    @Test func statusFollowsTheLifecycle() throws {
        let fixture = try IncidentFixture()
        try fixture.declareCheckout()
        func status(_ value: String, _ now: String, _ extra: [String] = []) throws -> TestSupport.Run {
            try fixture.rbc(["incident", "status", "2024-11-15-checkout", value, "--by", "bob", "--now", "2024-11-15T\(now):00Z"] + extra)
        }
        let investigating = try status("investigating", "14:27")
        #expect(investigating.status == 0, "\(investigating.stderr)")
        #expect(investigating.stdout == "[14:27 UTC] [bob] status triage → investigating\n")
        let resolvedTooEarly = try status("resolved", "14:28")
        #expect(resolvedTooEarly.status == 1)
        #expect(resolvedTooEarly.stderr.contains("cannot resolve an incident that is investigating: service must be restored first"))
        let same = try status("investigating", "14:28")
        #expect(same.status == 1)
        #expect(same.stderr.contains("already investigating"))
        #expect(try status("mitigating", "14:33", ["--reason", "rollback to v3.1"]).status == 0)
        #expect(try status("mitigated", "14:35").status == 0)
        // The mitigation did not hold: back to investigating is a valid move, back to triage is not.
        let regressed = try status("investigating", "14:36", ["--reason", "errors back at 5%"])
        #expect(regressed.status == 0, "\(regressed.stderr)")
        let triage = try status("triage", "14:37")
        #expect(triage.status == 1)
        #expect(triage.stderr.contains("cannot go back to triage"))
        let unknown = try status("fixed", "14:37")
        #expect(unknown.status == 2)
        let events = try fixture.events(Self.id)
        #expect(events.map(\.status) == [.triage, .investigating, .mitigating, .mitigated, .investigating])
        #expect(events.map(\.seq) == [1, 2, 3, 4, 5], "refused transitions left nothing behind")
        #expect(events[2].reason == "rollback to v3.1" && events[2].previousStatus == .investigating)
    }

    @Test func timesNeverGoBackwardsNorIntoTheFuture() throws {
        let fixture = try IncidentFixture()
        try fixture.declareCheckout()
        let back = try fixture.rbc(["incident", "note", Self.id, "late", "--at", "14:20", "--now", "2024-11-15T14:40:00Z"])
        #expect(back.status == 1)
        #expect(back.stderr.contains("2024-11-15T14:20:00Z is earlier than the incident's last event (2024-11-15T14:26:00Z); times never go backwards"))
        let future = try fixture.rbc(["incident", "note", Self.id, "soon", "--at", "15:00", "--now", "2024-11-15T14:40:00Z"])
        #expect(future.status == 1)
        #expect(future.stderr.contains("is in the future"))
        // A scribe catching up records when it happened, and rbc keeps when it was written.
        let caught = try fixture.rbc(["incident", "note", Self.id, "paged IC bob; bob joins bridge", "--at", "14:27", "--by", "alice", "--now", "2024-11-15T14:40:00Z"])
        #expect(caught.status == 0, "\(caught.stderr)")
        #expect(caught.stdout == "[14:27 UTC] [alice] paged IC bob; bob joins bridge\n")
        let note = try #require(try fixture.events(Self.id).last)
        #expect(note.time == "2024-11-15T14:27:00Z" && note.recorded == "2024-11-15T14:40:00Z")
        let before = try fixture.rbc(["incident", "note", Self.id, "earlier still", "--at", "14:26:30", "--now", "2024-11-15T14:41:00Z"])
        #expect(before.status == 1)
        #expect(try fixture.events(Self.id).count == 2)
    }

    @Test func showPrintsTheScribesLogAndListFlagsWhatIsDue() throws {
        let fixture = try IncidentFixture()
        try fixture.declareCheckout()
        _ = try fixture.rbc(["incident", "note", Self.id, "Error rate 8%. All errors are NullPointerException in checkout/v3.2.", "--by", "alice", "--now", "2024-11-15T14:31:00Z"])
        let show = try fixture.rbc(["incident", "show", "2024-11-15", "--now", "2024-11-15T14:32:00Z"])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout == """
            2024-11-15-checkout-failure: Checkout failure
            P1, triage (Triage), commander bob, #incident-2024-11-15-checkout-failure
            declared 2024-11-15T14:26:00Z, open 6m

            — 2024-11-15 —
            [14:26 UTC] [alice] declared P1 incident: Checkout failure; impact: ~8% of checkout requests fail; impact started 2024-11-15T14:00:00Z; detected 2024-11-15T14:22:00Z; alert CheckoutErrorBudgetBurn; commander bob; channel #incident-2024-11-15-checkout-failure
            [14:31 UTC] [alice] Error rate 8%. All errors are NullPointerException in checkout/v3.2.

            """)
        let json = try fixture.rbc(["incident", "show", Self.id, "--format", "json"])
        let events = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(events.map { $0["event"] as? String } == ["declared", "note"])
        // 31 minutes after the declaration a P1's update is overdue; after 2 hours open, escalation is due.
        let onTime = try fixture.rbc(["incident", "list", "--now", "2024-11-15T14:50:00Z"])
        #expect(onTime.stdout == "2024-11-15-checkout-failure  P1  triage         24m      Checkout failure\n")
        let late = try fixture.rbc(["incident", "list", "--now", "2024-11-15T16:30:00Z"])
        #expect(late.stdout.contains("! update overdue by 1h 34m (P1: every 30 minutes): `rbc incident update 2024-11-15-checkout-failure`"), "\(late.stdout)")
        #expect(late.stdout.contains("! P1 open 2h 04m (over 2h 00m): escalate to P0 — `rbc incident severity 2024-11-15-checkout-failure P0 --reason …`"), "\(late.stdout)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(try fixture.rbc(["incident", "list", "--format", "json", "--now", "2024-11-15T16:30:00Z"]).stdout.utf8)) as? [[String: Any]])
        #expect(rows.first?["updateOverdue"] as? Bool == true)
        #expect(rows.first?["escalateTo"] as? String == "P0")
        #expect(rows.first?["nextUpdateDue"] as? String == "2024-11-15T14:56:00Z")
        let unknown = try fixture.rbc(["incident", "show", "2024-12"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no incident 2024-12 in"))
    }

    @Test func concurrentScribesAreSerialised() throws {
        let fixture = try IncidentFixture()
        try fixture.declareCheckout()
        let writers = (0..<6).map { index in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: TestSupport.rbcBinary)
            process.arguments = ["incident", "note", Self.id, "note \(index)", "--by", "scribe\(index)"]
            process.currentDirectoryURL = fixture.url
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            return process
        }
        for writer in writers { try writer.run() }
        for writer in writers { writer.waitUntilExit() }
        #expect(writers.allSatisfy { $0.terminationStatus == 0 })
        let events = try fixture.events(Self.id)
        #expect(events.map(\.seq) == Array(1...7))
        #expect(Set(events.compactMap(\.text)) == Set((0..<6).map { "note \($0)" }))
    }

    @Test func aTornLastLineIsIgnoredAndABadLineIsReported() throws {
        let fixture = try IncidentFixture()
        try fixture.declareCheckout()
        let path = fixture.path + "/incidents/\(Self.id).jsonl"
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("{\"by\":\"alice\",\"event\":\"no".utf8))
        try handle.close()
        let note = try fixture.rbc(["incident", "note", Self.id, "after a crash", "--now", "2024-11-15T14:30:00Z"])
        #expect(note.status == 0, "\(note.stderr)")
        // The torn line never completed: it was cut, and the note after it is an event of its own.
        #expect(try fixture.events(Self.id).map(\.event) == [.declared, .note])
        #expect(fixture.read("incidents/\(Self.id).jsonl").split(separator: "\n").count == 2)
        // A bad line inside the record (a botched merge) is reported with its line, never skipped.
        let text = fixture.read("incidents/\(Self.id).jsonl")
        let lines = text.split(separator: "\n")
        try ([String(lines[0]), "<<<<<<< HEAD", String(lines[1])].joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let show = try fixture.rbc(["incident", "show", Self.id])
        #expect(show.status == 2)
        #expect(show.stderr.contains("\(Self.id).jsonl:2: not an incident event"), "\(show.stderr)")
    }

    @Test func theDirectoryAndPolicyComeFromTheConfiguration() throws {
        let fixture = try IncidentFixture(config: "incidents:\n  directory: ops/incidents\n  update_cadence: {P1: 10m}\n")
        let run = try fixture.declareCheckout()
        #expect(run.stdout.contains("Next update in 10 minutes."))
        #expect(try fixture.events(Self.id, directory: "ops/incidents").count == 1)
        let bad = try IncidentFixture(config: "incidents:\n  directroy: x\n  update_cadence: {P9: 10m}\n")
        let refused = try bad.rbc(["incident", "list"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("unknown key `directroy` in `incidents`"))
        #expect(refused.stderr.contains("did you mean `directory`?"))
        #expect(refused.stderr.contains("`P9` is not a severity"))
    }
}

/// Update, re-classification, resolution, runs attached, and the messages on a real loopback webhook.
@Suite struct IncidentCommunicationTests {
    static let id = IncidentTests.id

    @Test func messagesReachTheWebhookAndNeverCarryASecret() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let hook = "http://127.0.0.1:\(server.port)/services/T0001/B0002/hooksecretXYZ123"
        let fixture = try IncidentFixture(config: "notifications: {url: \"\(hook)\", format: slack}\n")
        let secret = "s3cr3t-pager-token-42"
        let environment = ["PAGERDUTY_API_TOKEN": secret, "USER": "alice"]
        #expect(try fixture.rbc(["incident", "declare", "--severity", "P2", "--title", "Search down", "--impact", "search returns 503",
                                 "--now", "2024-11-15T10:00:00Z"], environment: environment).status == 0)
        let note = try fixture.rbc(["incident", "note", Self.id.replacingOccurrences(of: "checkout-failure", with: "search"),
                                    "curl -H 'Authorization: \(secret)' … works", "--now", "2024-11-15T10:05:00Z"], environment: environment)
        #expect(note.status == 0, "\(note.stderr)")
        #expect(note.stdout == "[10:05 UTC] [alice] curl -H 'Authorization: ***' … works\n")
        let update = try fixture.rbc(["incident", "update", "2024-11-15-search", "--state", "token \(secret) rotated; hook \(hook) muted",
                                      "--status", "investigating", "--next", "bisect the deploy", "--now", "2024-11-15T10:20:00Z"], environment: environment)
        #expect(update.status == 0, "\(update.stderr)")
        #expect(update.stdout == """
            INCIDENT UPDATE: P2 - Search down

            Status: Investigating
            Duration: 20m
            Current state: token *** rotated; hook *** muted
            Actions taken: none recorded yet
            Next steps: bisect the deploy

            Next update in 2 hours.

            """)
        #expect(update.stderr.contains("next update due 2024-11-15 12:20 UTC"))
        let severity = try fixture.rbc(["incident", "severity", "2024-11-15-search", "P1", "--reason", "all regions now", "--now", "2024-11-15T10:25:00Z"], environment: environment)
        #expect(severity.status == 0, "\(severity.stderr)")
        #expect(severity.stdout == "[10:25 UTC] [alice] severity P2 → P1: all regions now\n")
        #expect(severity.stderr.contains("updates now every 30 minutes"))
        let early = try fixture.rbc(["incident", "resolve", "2024-11-15-search", "--root-cause", "bad index", "--resolution", "reindexed", "--now", "2024-11-15T10:40:00Z"])
        #expect(early.status == 1)
        #expect(try fixture.rbc(["incident", "status", "2024-11-15-search", "mitigated", "--now", "2024-11-15T10:50:00Z"]).status == 0)
        let resolved = try fixture.rbc(["incident", "resolve", "2024-11-15-search", "--root-cause", "a bad index", "--resolution", "reindexed",
                                        "--now", "2024-11-15T11:00:00Z"], environment: environment)
        #expect(resolved.status == 0, "\(resolved.stderr)")
        #expect(resolved.stderr.contains("rbc: note: resolved 10m after service was restored; seed 001 asks to watch a P1 for 15m for recurrence first"), "\(resolved.stderr)")
        #expect(resolved.stdout == """
            INCIDENT RESOLVED: P1 - Search down

            Duration: 1h 00m
            Root cause: a bad index
            Resolution: reindexed
            Customer impact: search returns 503
            Follow-up: Post-incident review scheduled for 2024-11-17 11:00 UTC.

            Monitoring for recurrence.

            """)
        let bodies = server.requests().map { ($0["body"] as? String) ?? "" }
        #expect(bodies.count == 3)
        let texts = bodies.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.compactMap { $0["text"] as? String }
        #expect(texts.map { String($0.prefix(17)) } == ["INCIDENT DECLARED", "INCIDENT UPDATE: ", "INCIDENT RESOLVED"])
        let record = fixture.read("incidents/2024-11-15-search-down.jsonl")
        for sink in bodies + [record, update.stdout, update.stderr] {
            #expect(!sink.contains(secret) && !sink.contains("hooksecretXYZ123"), "a secret leaked: \(sink)")
        }
        let events = try fixture.events("2024-11-15-search-down")
        #expect(events.filter { $0.event == .messageSent }.map(\.delivery) == Array(repeating: "delivered to the notification webhook (HTTP 200)", count: 3))
        // Resolved is final.
        let after = try fixture.rbc(["incident", "note", "2024-11-15-search", "late", "--now", "2024-11-15T11:05:00Z"])
        #expect(after.status == 0, "notes after resolution are fine")
        #expect(try fixture.rbc(["incident", "status", "2024-11-15-search", "investigating", "--now", "2024-11-15T11:06:00Z"]).status == 1)
        #expect(try fixture.rbc(["incident", "update", "2024-11-15-search", "--now", "2024-11-15T11:06:00Z"]).status == 1)
    }

    @Test func anUndeliveredMessageIsRecordedAndFails() throws {
        // A port nothing listens on: the connection is refused.
        let fixture = try IncidentFixture(config: "notifications: {url: \"http://127.0.0.1:9/hook\", format: json}\n")
        let declare = try fixture.rbc(["incident", "declare", "--severity", "P1", "--title", "Checkout failure", "--now", "2024-11-15T14:26:00Z"])
        #expect(declare.status == 1, "recorded, not delivered")
        #expect(declare.stderr.contains("the INCIDENT DECLARED message was recorded but not delivered: POST *** failed"), "\(declare.stderr)")
        let update = try fixture.rbc(["incident", "update", Self.id, "--now", "2024-11-15T14:30:00Z"])
        #expect(update.status == 1)
        #expect(update.stdout.hasPrefix("INCIDENT UPDATE: P1 - Checkout failure"), "the message is printed to send by hand")
        #expect(update.stderr.contains("the INCIDENT UPDATE message was recorded but not delivered"))
        let events = try fixture.events(Self.id)
        #expect(events.map(\.event) == [.declared, .messageSent, .update, .messageSent])
        #expect(events.last?.delivery?.hasPrefix("not delivered") == true)
    }

    @Test func runsAttachToAnOpenIncidentOnly() throws {
        let fixture = try IncidentFixture(files: ["rb.yaml": runbook("""
                - id: one
                  action: execute_command
                  command: "true"
                  timeout: 10s

            """)])
        let unknown = try fixture.rbc(["run", "rb.yaml", "--incident", "2024-11-15-nothing"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no incident 2024-11-15-nothing"))
        let journals = ((try? FileManager.default.contentsOfDirectory(atPath: fixture.path + "/.rbc/runs")) ?? []).filter { $0.hasSuffix(".jsonl") }
        #expect(journals.isEmpty, "nothing ran")
        try fixture.declareCheckout()
        let run = try fixture.rbc(["run", "rb.yaml", "--incident", "2024-11-15-checkout"], environment: ["RBC_TEST_CLOCK": "2024-11-15T14:30:00Z", "USER": "alice"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("when service is restored: `rbc incident status \(Self.id) mitigated`"))
        let events = try fixture.events(Self.id)
        let started = try #require(events.first { $0.event == .runStarted })
        #expect(started.run == "20241115T143000.000Z-0000" && started.journal == ".rbc/runs/20241115T143000.000Z-0000.jsonl")
        #expect(started.runbook == "Test" && started.runbookPath == "rb.yaml" && started.contentHash?.hasPrefix("sha256:") == true)
        #expect(events.last?.event == .runFinished && events.last?.runStatus == .succeeded)
        let journal = try Journal.read(fixture.path + "/.rbc/runs/20241115T143000.000Z-0000.jsonl")
        #expect(journal.first?.runStarted?.incident == Self.id, "the journal names its incident")
        _ = try fixture.rbc(["incident", "status", Self.id, "mitigated", "--now", "2024-11-15T14:35:00Z"])
        _ = try fixture.rbc(["incident", "resolve", Self.id, "--root-cause", "x", "--resolution", "y", "--now", "2024-11-15T14:40:00Z"])
        let late = try fixture.rbc(["run", "rb.yaml", "--incident", Self.id])
        #expect(late.status == 2)
        #expect(late.stderr.contains("is resolved; a run for a recurrence belongs to a new incident"))
    }
}

/// The issue's "Done when": a whole incident with the real binary, against a loopback webhook; the
/// review and the stats compared with golden files (times fixed with --now and RBC_TEST_CLOCK).
@Suite struct IncidentEndToEndTests {
    @Test func aWholeIncidentFromDeclarationToReview() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let fixture = try IncidentFixture(config: """
            notifications: {url: "http://127.0.0.1:\(server.port)/hook", format: slack}
            stores:
              default: {file: config/checkout.json}

            """, files: [
                "config/checkout.json": "{\"checkout\": {\"version\": \"v3.2\"}}\n",
                "runbooks/rollback-checkout.yaml": """
                runbook:
                  name: "Roll back checkout"
                  severity: P1
                  owner: payments
                  steps:
                    - id: pin-version
                      action: update_config
                      config_key: checkout.version
                      value: "v3.1"
                      timeout: 10s
                    - id: verify
                      action: execute_command
                      command: "test -f healthy"
                      readonly: true
                      retries: 1
                      timeout: 10s

                """])
        let git = ["GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
                   "GIT_AUTHOR_DATE": "2024-11-15T13:00:00Z", "GIT_COMMITTER_DATE": "2024-11-15T13:00:00Z"]
        for arguments in [["init", "-q"], ["add", "runbooks"], ["commit", "-qm", "runbooks"]] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git"] + arguments
            process.currentDirectoryURL = fixture.url
            process.environment = ProcessInfo.processInfo.environment.merging(git) { $1 }
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        func rbc(_ arguments: [String], _ now: String, by: String = "alice", clock: String? = nil) throws -> TestSupport.Run {
            var environment = ["USER": by]
            if let clock { environment["RBC_TEST_CLOCK"] = "2024-11-15T\(clock)Z" }
            let run = try fixture.rbc(arguments + (clock == nil ? ["--now", "2024-11-15T\(now)Z", "--by", by] : []), environment: environment)
            return run
        }
        let id = "2024-11-15-checkout-failure"
        #expect(try rbc(["incident", "declare", "--severity", "SEV2", "--title", "Checkout failure", "--impact", "about 8% of checkouts fail",
                         "--started-at", "14:00", "--detected-at", "14:22", "--alert", "CheckoutSLOBurnRate", "--commander", "bob"], "14:26:00").status == 0)
        #expect(try rbc(["incident", "status", id, "investigating"], "14:27:00", by: "bob").status == 0)
        #expect(try rbc(["incident", "note", id, "Error rate 8%. All errors are NullPointerException in checkout/v3.2."], "14:31:00").status == 0)
        #expect(try rbc(["incident", "status", id, "mitigating", "--reason", "pin checkout to v3.1"], "14:32:00", by: "bob").status == 0)
        let failing = try rbc(["run", "runbooks/rollback-checkout.yaml", "--incident", id], "", clock: "14:33:00")
        #expect(failing.status == 1, "\(failing.stderr)")
        #expect(fixture.read("config/checkout.json") == "{\"checkout\": {\"version\": \"v3.2\"}}\n", "rolled back byte for byte")
        try "".write(to: fixture.url.appendingPathComponent("healthy"), atomically: true, encoding: .utf8)
        let mitigating = try rbc(["run", "runbooks/rollback-checkout.yaml", "--incident", id], "", clock: "14:36:00")
        #expect(mitigating.status == 0, "\(mitigating.stderr)")
        #expect(try rbc(["incident", "update", id, "--state", "error rate dropping: 5% → 1%", "--next", "monitor"], "14:37:00", by: "bob").status == 0)
        #expect(try rbc(["incident", "status", id, "mitigated"], "14:38:00", by: "bob").status == 0)
        let list = try fixture.rbc(["incident", "list", "--now", "2024-11-15T16:40:00Z"])
        #expect(list.stdout.contains("escalate to P0"), "\(list.stdout)")
        #expect(try rbc(["incident", "severity", id, "P0", "--reason", "open over 2 hours (seed 001)"], "16:40:00", by: "bob").status == 0)
        let resolve = try rbc(["incident", "resolve", id, "--root-cause", "NullPointerException in checkout v3.2",
                               "--resolution", "pinned checkout to v3.1"], "16:45:00", by: "bob")
        #expect(resolve.status == 0, "\(resolve.stderr)")
        #expect(!resolve.stderr.contains("note:"), "watched over two hours: \(resolve.stderr)")
        let review = try rbc(["incident", "review", id], "17:00:00", by: "bob")
        #expect(review.status == 0, "\(review.stderr)")
        TestSupport.assertGolden(review.stdout, "Tests/RunbookTests/Golden/incidents/checkout-failure.pir.md")
        let statsJSON = try fixture.rbc(["stats", "--format", "json", "--now", "2024-11-20T00:00:00Z"])
        #expect(statsJSON.status == 0, "\(statsJSON.stderr)")
        TestSupport.assertGolden(statsJSON.stdout, "Tests/RunbookTests/Golden/incidents/checkout-failure.stats.json")
        let statsText = try fixture.rbc(["stats", "--now", "2024-11-20T00:00:00Z"])
        TestSupport.assertGolden(statsText.stdout, "Tests/RunbookTests/Golden/incidents/checkout-failure.stats.txt")
        let messages = server.requests().compactMap { try? JSONSerialization.jsonObject(with: Data((($0["body"] as? String) ?? "").utf8)) as? [String: Any] }
            .compactMap { $0["text"] as? String }.map { String($0.prefix { $0 != "\n" }) }
        #expect(messages == ["INCIDENT DECLARED: P1 - Checkout failure", "INCIDENT UPDATE: P1 - Checkout failure", "INCIDENT RESOLVED: P0 - Checkout failure"])
        // What rbc wrote itself checks clean: the record, and the journals that name the incident.
        let check = try fixture.rbc(["check", "--now", "2024-11-16", "--no-git", "--format", "json"])
        let diagnostics = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])["diagnostics"] as? [[String: Any]]
        #expect(diagnostics?.filter { ($0["code"] as? String)?.hasPrefix("RB4") == true }.isEmpty == true, "\(check.stdout)")
        let records = try fixture.rbc(["check", "incidents", "--now", "2024-11-16"])
        #expect(records.status == 0 && records.stdout.isEmpty, "\(records.stdout)")
        #expect(records.stderr == "checked 0 runbooks and 1 incident record: 0 errors, 0 warnings, 0 infos\n")
    }
}

/// `rbc check` on incident records, with the real binary: hand-broken records are reported at the
/// value they broke (RB4001-RB4012), records rbc wrote itself check clean.
@Suite struct IncidentCheckTests {
    static let record = "incidents/2024-11-15-checkout-failure.jsonl"

    /// A record broken by hand in every way the issue lists, and a merge conflict marker.
    static let broken = [
        #"{"by":"alice","commander":"bob","event":"declared","id":"2024-11-15-checkout-failure","seq":1,"severity":"SEV2","status":"triage","time":"2024-11-15T14:26:00Z","title":"Checkout failure","version":"rbc.incident/v1"}"#,
        #"{"by":"bob","event":"status","previousStatus":"triage","seq":2,"status":"investigating","time":"2024-11-15T14:20:00Z"}"#,
        #"{"by":"bob","event":"status","previousStatus":"investigating","seq":3,"status":"resolved","time":"2024-11-15T14:40:00Z"}"#,
        #"{"by":"bob","event":"note","seq":4,"text":"x","time":"2024-11-15T14:41:00Z","txet":"y"}"#,
        #"{"by":"bob","event":"status","seq":5,"status":"fixed","time":"2024-11-15T14:42:00Z"}"#,
        "<<<<<<< HEAD",
        #"{"by":"bob","event":"note","seq":7,"text":"torn"#,
    ].joined(separator: "\n")

    @Test func handBrokenRecordsAreReportedAtTheValue() throws {
        let fixture = try IncidentFixture(files: [Self.record: Self.broken])
        let check = try fixture.rbc(["check", "--format", "concise"])
        #expect(check.status == 1)
        #expect(check.stdout == """
            incidents/2024-11-15-checkout-failure.jsonl:1:106: error[RB4004] `SEV2` is not a severity
            incidents/2024-11-15-checkout-failure.jsonl:2:96: error[RB4008] time 2024-11-15T14:20:00Z is earlier than the event before it (2024-11-15T14:26:00Z)
            incidents/2024-11-15-checkout-failure.jsonl:3:80: error[RB4009] cannot resolve an incident that is investigating: service must be restored first (`status mitigated`), so time to mitigate is known
            incidents/2024-11-15-checkout-failure.jsonl:4:77: warning[RB4003] unknown field `txet` in an incident event
            incidents/2024-11-15-checkout-failure.jsonl:5:47: error[RB4005] `fixed` is not an incident status
            incidents/2024-11-15-checkout-failure.jsonl:6:1: error[RB4001] not an incident event: expected `{`: each line is one JSON object
            incidents/2024-11-15-checkout-failure.jsonl:7:1: warning[RB4002] the last line is incomplete: rbc stopped while writing it

            """)
        // The text format shows the line and a caret under the value, with the help.
        let text = try fixture.rbc(["check", Self.record])
        #expect(text.stdout.contains("""
            incidents/2024-11-15-checkout-failure.jsonl:1:106: error[RB4004]: `SEV2` is not a severity
              |
            1 | …
            """), "\(text.stdout)")
        #expect(text.stdout.contains("= help: write `P1`"))
        #expect(text.stderr.contains("checked 0 runbooks and 1 incident record: 5 errors, 2 warnings, 0 infos"), "\(text.stderr)")
        // The directory named alone has no runbooks, and that is no usage error.
        let directory = try fixture.rbc(["check", "incidents", "--format", "concise"])
        #expect(directory.status == 1 && directory.stdout == check.stdout, "\(directory.stderr)")
    }

    /// A run's end status is one of the executor's (`RunStatus`): a hand-edited one is reported at the
    /// value with the status it most likely meant, and the rest of the record still replays.
    @Test func anUnknownRunStatusIsReportedAtTheValue() throws {
        let lines = [
            #"{"by":"alice","commander":"alice","event":"declared","id":"2024-11-15-checkout-failure","seq":1,"severity":"P2","status":"triage","time":"2024-11-15T14:26:00Z","title":"Checkout failure","version":"rbc.incident/v1"}"#,
            #"{"by":"alice","event":"run_started","run":"20241115T143000.000Z-0000","runbook":"Rollback","runbookPath":"rollback.yaml","seq":2,"time":"2024-11-15T14:30:00Z"}"#,
            #"{"by":"alice","event":"run_finished","run":"20241115T143000.000Z-0000","runStatus":"rolledback","seq":3,"time":"2024-11-15T14:31:00Z"}"#,
            #"{"by":"alice","event":"run_finished","run":"20241115T143000.000Z-0000","runStatus":"rolled_back","seq":4,"time":"2024-11-15T14:32:00Z"}"#,
        ]
        let fixture = try IncidentFixture(files: [Self.record: lines.joined(separator: "\n") + "\n"])
        let check = try fixture.rbc(["check", "--format", "concise"])
        #expect(check.status == 1)
        #expect(check.stdout == """
            incidents/2024-11-15-checkout-failure.jsonl:3:84: error[RB4001] `rolledback` is not a run status

            """, "\(check.stdout)\(check.stderr)")
        let text = try fixture.rbc(["check", Self.record])
        #expect(text.stdout.contains("= help: did you mean `rolled_back`?"), "\(text.stdout)")
    }

    /// One status hand-edited into an invalid move (line 2: triage → resolved). The events after it
    /// wrote the status they left (`previousStatus`), so the replay continues from there: one mistake,
    /// one RB4009, not a second one on line 3 for "nothing follows resolution".
    @Test func oneInvalidMoveIsOneFinding() throws {
        let record = [
            #"{"by":"alice","commander":"bob","event":"declared","id":"2024-11-15-checkout-failure","seq":1,"severity":"P1","status":"triage","time":"2024-11-15T14:26:00Z","title":"Checkout failure","version":"rbc.incident/v1"}"#,
            #"{"by":"bob","event":"status","previousStatus":"triage","seq":2,"status":"resolved","time":"2024-11-15T14:30:00Z"}"#,
            #"{"by":"bob","event":"status","previousStatus":"investigating","seq":3,"status":"mitigated","time":"2024-11-15T14:40:00Z"}"#,
            #"{"by":"bob","event":"resolved","previousStatus":"mitigated","resolution":"v3.1","rootCause":"v3.2","seq":4,"status":"resolved","time":"2024-11-15T15:00:00Z"}"#,
        ].joined(separator: "\n") + "\n"
        let fixture = try IncidentFixture(files: [Self.record: record])
        let check = try fixture.rbc(["check", "--format", "concise", "--now", "2024-11-15T16:00:00Z"])
        #expect(check.status == 1)
        #expect(check.stdout == """
            incidents/2024-11-15-checkout-failure.jsonl:2:73: error[RB4009] cannot resolve an incident that is triage: service must be restored first (`status mitigated`), so time to mitigate is known

            """, "\(check.stdout)")
    }

    @Test func anOverdueReviewIsAWarningFromNow() throws {
        let fixture = try IncidentFixture()
        try fixture.declareCheckout()
        let id = IncidentTests.id
        #expect(try fixture.rbc(["incident", "status", id, "mitigated", "--now", "2024-11-15T14:40:00Z"]).status == 0)
        #expect(try fixture.rbc(["incident", "resolve", id, "--root-cause", "v3.2", "--resolution", "v3.1", "--now", "2024-11-15T16:45:00Z"]).status == 0)
        let onTime = try fixture.rbc(["check", "--now", "2024-11-17T16:00:00Z"])
        #expect(onTime.status == 0 && onTime.stdout.isEmpty, "\(onTime.stdout)")
        let late = try fixture.rbc(["check", "--now", "2024-11-18", "--format", "concise"])
        #expect(late.status == 0, "a warning")
        #expect(late.stdout.hasPrefix("\(Self.record):3:136:"), "\(late.stdout)")
        #expect(late.stdout.contains("warning[RB4011] the post-incident review of \(id) was due 2024-11-17T16:45:00Z (P1: 2d 0h after resolution)"), "\(late.stdout)")
        #expect(try fixture.rbc(["check", "--now", "2024-11-18", "--strict"]).status == 1)
        // Recorded as held, it is not overdue.
        #expect(try fixture.rbc(["incident", "review", id, "--held", "--link", "docs/pir.md", "--now", "2024-11-18T09:00:00Z"]).status == 0)
        let held = try fixture.rbc(["check", "--now", "2024-11-20"])
        #expect(held.status == 0 && held.stdout.isEmpty, "\(held.stdout)")
    }

    @Test func aRunNamingAnUnknownIncidentIsReported() throws {
        let fixture = try IncidentFixture(files: [
            ".rbc/runs/20241115T143000.000Z-0000.jsonl":
                #"{"event":"run_started","incident":"2024-11-15-gone","run":"20241115T143000.000Z-0000","seq":1,"time":"2024-11-15T14:30:00Z"}"# + "\n",
        ])
        try fixture.declareCheckout()
        let check = try fixture.rbc(["check", "--format", "concise"])
        #expect(check.status == 0, "a warning")
        #expect(check.stdout == ".rbc/runs/20241115T143000.000Z-0000.jsonl:1:35: warning[RB4012] run 20241115T143000.000Z-0000 names incident `2024-11-15-gone`, which has no record\n")
    }

    @Test func incidentDiagnosticsAreConfigurable() throws {
        let fixture = try IncidentFixture(config: "rules:\n  RB4003: off\n  incident-torn-line: error\n", files: [Self.record: Self.broken])
        let check = try fixture.rbc(["check", "--format", "concise"])
        #expect(!check.stdout.contains("RB4003"), "\(check.stdout)")
        #expect(check.stdout.contains("7:1: error[RB4002]"), "\(check.stdout)")
        // A line that is not JSON always counts, as a runbook's syntax error does.
        let fixed = try IncidentFixture(config: "rules:\n  RB4001: off\n")
        let refused = try fixed.rbc(["check", "--format", "concise"])
        #expect(refused.stdout.contains("`RB4001` (incident-malformed-line) cannot be configured"), "\(refused.stdout)")
    }

    @Test func changedAndStagedRecordsAreCheckedToo() throws {
        let fixture = try IncidentFixture()
        try fixture.declareCheckout()
        let git = "git -c user.name=t -c user.email=t@example.org"
        #expect(try AdoptingDocTests.shell("git init -q && git add -A && \(git) commit -qm declared", in: fixture.url).isEmpty)
        let unchanged = try fixture.rbc(["check", "--changed-since", "HEAD"])
        #expect(unchanged.status == 0 && unchanged.stdout.isEmpty, "\(unchanged.stdout)")
        let path = fixture.path + "/" + Self.record
        let edit = #"{"by":"bob","event":"severity","previousSeverity":"P1","reason":"all regions","seq":2,"severity":"SEV0","time":"2024-11-15T14:30:00Z"}"#
        try (fixture.read(Self.record) + edit + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let changed = try fixture.rbc(["check", "--changed-since", "HEAD", "--format", "concise"])
        #expect(changed.status == 1)
        #expect(changed.stdout == "\(Self.record):2:98: error[RB4004] `SEV0` is not a severity\n", "\(changed.stdout)")
        #expect(try fixture.rbc(["check", "--changed-since", "HEAD", "--format", "concise", "incidents"]).stdout == changed.stdout)
        #expect(try fixture.rbc(["check", "--changed-since", "HEAD", "runbooks"]).stdout.isEmpty, "not under the named path")
        #expect(try fixture.rbc(["check", "--staged"]).stdout.isEmpty, "not staged yet")
        #expect(try AdoptingDocTests.shell("git add -A", in: fixture.url).isEmpty)
        let staged = try fixture.rbc(["check", "--staged", "--format", "concise"])
        #expect(staged.status == 1 && staged.stdout == changed.stdout, "\(staged.stdout)")
    }

    @Test func aWholeLastEventWithoutItsLineBreakIsKept() throws {
        let fixture = try IncidentFixture()
        try fixture.declareCheckout()
        let path = fixture.path + "/" + Self.record
        var text = fixture.read(Self.record)
        text.removeLast()
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try fixture.rbc(["check"]).stdout.isEmpty)
        #expect(try fixture.rbc(["incident", "note", IncidentTests.id, "after a hand edit", "--now", "2024-11-15T14:30:00Z"]).status == 0)
        #expect(try fixture.events(IncidentTests.id).map(\.event) == [.declared, .note], "the hand-edited event was ended, not cut")
    }
}

/// `rbc timeline RUN`: the run-level review draft shares the incident review's renderer, so the
/// defects the issue saw are gone (a failed rollback is no "time to mitigate", it has its section,
/// config changes show old → new, attempts are grouped, Five Whys and Lessons Learned are there) and
/// the JSON's times carry their date.
@Suite struct RunTimelineTests {
    static let steps = """
            - id: raise-limit
              action: update_config
              store: gateway
              config_key: gateway.limit
              value: 2000
              timeout: 10s
            - id: drain
              action: execute_command
              command: "touch drained"
              timeout: 10s
              rollback:
                action: execute_command
                command: "echo undo-drain >> log && exit 3"
                timeout: 10s
            - id: verify
              action: execute_command
              command: "test -f healthy"
              readonly: true
              retries: 1
              timeout: 10s

        """

    func fixture() throws -> IncidentFixture {
        try IncidentFixture(config: "stores:\n  gateway: {file: gateway.json}\n",
                            files: ["gateway.json": "{\"gateway\": {\"limit\": 1000}}\n", "rb.yaml": runbook(Self.steps)])
    }

    @Test func aFailedRollbackIsNoMitigation() throws {
        let fixture = try fixture()
        let run = try fixture.rbc(["run", "rb.yaml"], environment: ["RBC_TEST_CLOCK": "2024-11-15T14:33:00Z", "USER": "alice"])
        #expect(run.status == 3, "rollback incomplete: \(run.stderr)")
        let markdown = try fixture.rbc(["timeline", "last", "--format", "md"])
        #expect(markdown.status == 0, "\(markdown.stderr)")
        #expect(!markdown.stdout.contains("time to mitigate: "), "the issue's defect: a rollback_failed run reported a time to mitigate")
        TestSupport.assertGolden(markdown.stdout, "Tests/RunbookTests/Golden/incidents/run-rollback-failed.pir.md")
        let json = try fixture.rbc(["timeline", "last", "--format", "json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(document["timeToMitigateMs"] == nil || document["timeToMitigateMs"] is NSNull)
        #expect(document["stepsRollbackFailed"] as? [String] == ["drain"])
        let entries = try #require(document["entries"] as? [[String: Any]])
        #expect(entries.first?["time"] as? String == "2024-11-15T14:33:02.000Z", "times carry their date")
        // `rbc show` keeps its compact clock times.
        let show = try fixture.rbc(["show", "last"]).stdout
        #expect(show.contains("\n14:33:02  run of Test (rb.yaml) by alice"), "\(show)")
    }

    @Test func aSucceededRunHasItsTimeToMitigate() throws {
        let fixture = try fixture()
        try "".write(toFile: fixture.path + "/healthy", atomically: true, encoding: .utf8)
        let run = try fixture.rbc(["run", "rb.yaml"], environment: ["RBC_TEST_CLOCK": "2024-11-15T14:36:00Z", "USER": "alice"])
        #expect(run.status == 0, "\(run.stderr)")
        let markdown = try fixture.rbc(["timeline", "last", "--format", "md"])
        TestSupport.assertGolden(markdown.stdout, "Tests/RunbookTests/Golden/incidents/run-succeeded.pir.md")
    }
}

/// `rbc stats --format json` fits schema/stats.schema.json (check-jsonschema, a real validator): the
/// end-to-end golden, and a repository with an open incident, one without onset, an unattached run
/// of an uncommitted runbook and a window.
@Suite struct StatsSchemaTests {
    static let schema = "schema/stats.schema.json"

    @Test func statsValidateAgainstTheSchema() throws {
        let fixture = try IncidentFixture(files: ["rb.yaml": runbook("""
                - id: one
                  action: execute_command
                  command: "touch done"
                  timeout: 10s
                  rollback:
                    action: execute_command
                    command: "rm -f done"
                    timeout: 10s

            """)])
        try fixture.declareCheckout()
        #expect(try fixture.rbc(["incident", "declare", "--severity", "P2", "--title", "Search down", "--now", "2024-11-16T10:00:00Z"]).status == 0)
        #expect(try fixture.rbc(["incident", "status", "2024-11-16-search", "mitigated", "--now", "2024-11-16T10:30:00Z"]).status == 0)
        #expect(try fixture.rbc(["incident", "resolve", "2024-11-16-search", "--root-cause", "x", "--resolution", "y", "--now", "2024-11-16T11:00:00Z"]).status == 0)
        #expect(try fixture.rbc(["run", "rb.yaml"], environment: ["RBC_TEST_CLOCK": "2024-11-16T12:00:00Z"]).status == 0)
        let stats = try fixture.rbc(["stats", "--format", "json", "--since", "2024-11-01", "--now", "2024-11-30T00:00:00Z"])
        #expect(stats.status == 0, "\(stats.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
        #expect((document["incidentRows"] as? [Any])?.count == 2 && (document["runbooks"] as? [Any])?.count == 1 && document["since"] != nil)
        let file = fixture.url.appendingPathComponent("stats.json")
        try stats.stdout.write(to: file, atomically: true, encoding: .utf8)
        let result = try SchemaTests.validate(schema: Self.schema, files: [file.path, TestSupport.path("Tests/RunbookTests/Golden/incidents/checkout-failure.stats.json")])
        #expect(result.status == 0, "\(result.output)")
        // The schema is strict: a field it does not name fails, so the document cannot drift from it.
        let drifted = fixture.url.appendingPathComponent("drifted.json")
        try stats.stdout.replacingOccurrences(of: "\"overdueReviews\"", with: "\"overdue\" : [], \"overdueReviews\"").write(to: drifted, atomically: true, encoding: .utf8)
        #expect(try SchemaTests.validate(schema: Self.schema, files: [drifted.path]).status == 1)
    }
}
