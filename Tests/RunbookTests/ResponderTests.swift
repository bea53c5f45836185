// The on-call engineer's day with the real binary: `rbc check` finds what `rbc run` would (stores,
// webhooks, unattended approvals), credentials in their common forms, honest records and messages,
// plans that show the change, and running parts of a runbook.

import Foundation
import RunbookRuntime
import Testing

@Suite(.serialized) struct ResponderTests {
    static let storeStep = """
        - id: shed-load
          action: update_config
          store: flgs
          config_key: gateway.rate_limit
          value: 500
          timeout: 30s

    """

    @Test func checkFindsAMisspeltStoreThatRunWouldFailOn() throws {
        let fixture = try RunFixture(runbook(Self.storeStep), files: [".rbc.yaml": "stores:\n  flags: {file: flags.json}\n", "flags.json": "{}"])
        let check = try fixture.rbc(["check", "rb.yaml", "--no-git"])
        #expect(check.status == 1, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("RB050"), "\(check.stdout)")
        #expect(check.stdout.contains("did you mean `flags`?"), "\(check.stdout)")
        // What the check predicts is what a run meets.
        let run = try fixture.rbc(["run", "rb.yaml", "--allow-dirty"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("no config store `flgs`"), "\(run.stderr)")
    }

    @Test func checkFindsUpdateConfigWithNoStoreConfigured() throws {
        let fixture = try RunFixture(runbook(Self.storeStep.replacingOccurrences(of: "      store: flgs\n", with: "")),
                                     files: [".rbc.yaml": "exclude: []\n"])
        let check = try fixture.rbc(["check", "rb.yaml", "--no-git"])
        #expect(check.status == 1, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("RB050") && check.stdout.contains("configures no store"), "\(check.stdout)")
        let configured = try RunFixture(runbook(Self.storeStep.replacingOccurrences(of: "store: flgs", with: "store: flags")),
                                        files: [".rbc.yaml": "stores:\n  flags: {file: flags.json}\n"])
        let clean = try configured.rbc(["check", "rb.yaml", "--no-git"])
        #expect(!clean.stdout.contains("RB050"), "\(clean.stdout)")
    }

    @Test func checkWarnsOfUnattendedNotificationsThatWouldOnlyBePrinted() throws {
        let steps = """
            - id: tell
              action: send_notification
              channel: "#incidents"
              message: "shedding load"
              timeout: 30s

        """
        let fixture = try RunFixture(runbook(steps), files: [".rbc.yaml": "unattended: true\n"])
        let check = try fixture.rbc(["check", "rb.yaml", "--no-git"])
        #expect(check.stdout.contains("RB051"), "\(check.stdout)")
        // Attended, the responder reads the printed message: nothing to report.
        let attended = try RunFixture(runbook(steps), files: [".rbc.yaml": "exclude: []\n"])
        #expect(!(try attended.rbc(["check", "rb.yaml", "--no-git"])).stdout.contains("RB051"))
        let configured = try RunFixture(runbook(steps), files: [".rbc.yaml": "unattended: true\nnotifications: {url: \"http://127.0.0.1:9/hook\", format: slack}\n"])
        #expect(!(try configured.rbc(["check", "rb.yaml", "--no-git"])).stdout.contains("RB051"))
    }

    @Test func checkRefusesManualStepsWhereRunsAreUnattended() throws {
        let steps = """
            - id: page-dba
              action: manual
              instructions: "Call the DBA on duty"

        """
        let fixture = try RunFixture(runbook(steps), files: [".rbc.yaml": "unattended: true\n"])
        let check = try fixture.rbc(["check", "rb.yaml", "--no-git"])
        #expect(check.status == 1, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("RB052"), "\(check.stdout)")
        let attended = try RunFixture(runbook(steps), files: [".rbc.yaml": "unattended: false\n"])
        #expect(!(try attended.rbc(["check", "rb.yaml", "--no-git"])).stdout.contains("RB052"))
    }
}

@Suite struct CredentialFormTests {
    /// The eight forms an on-call engineer writes, each caught once and never printed in clear.
    @Test(arguments: [
        ("PGPASSWORD=Sup3rS3cret psql -h db -c 'select 1'", "Sup3rS3cret"),
        ("mysql -u root -pSup3rS3cret -e 'show processlist'", "Sup3rS3cret"),
        ("mysql -u root --password=Sup3rS3cret -e 'show processlist'", "Sup3rS3cret"),
        ("AWS_SECRET_ACCESS_KEY=kq7Vw2Lr9Pz3Xn8Ty5Bm1Hc6Jd4Gf0Sa7Ue2Wi9O aws s3 ls", "kq7Vw2Lr9Pz3Xn8Ty5Bm1Hc6Jd4Gf0Sa7Ue2Wi9O"),
        ("curl -X POST https://hooks.slack.com/services/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 -d '{}'", "q8Rt7Yu6Io5Pa4Sd3Fg2Hj1K"),
        ("redis-cli -h cache -a Sup3rS3cret info", "Sup3rS3cret"),
        ("curl -u admin:Sup3rS3cret https://api.internal/health", "Sup3rS3cret"),
        ("VAULT_TOKEN=hvs.CAESIJx8Qm2Lr9Pz3Xn8Ty5Bm1Hc vault status", "hvs.CAESIJx8Qm2Lr9Pz3Xn8Ty5Bm1Hc"),
    ])
    func commonFormIsCaught(_ line: String, _ secret: String) throws {
        let fixture = try RunFixture(runbook("""
            - id: step
              action: execute_command
              command: |
                \(line)
              timeout: 1m

        """))
        let check = try fixture.rbc(["check", "rb.yaml", "--no-git", "--no-shellcheck", "--format", "json"])
        let findings = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])["diagnostics"] as? [[String: Any]]
        #expect(findings?.filter { $0["code"] as? String == "RB009" }.count == 1, "\(check.stdout)")
        let text = try fixture.rbc(["check", "rb.yaml", "--no-git", "--no-shellcheck"])
        let shown = text.stdout.components(separatedBy: "\n").filter { $0.contains("RB009") }.joined()
        #expect(!shown.contains(secret), "the message masks the credential: \(shown)")
    }

    /// References, placeholders and documented dummy values are not credentials.
    @Test func referencesAndDummiesAreNotCredentials() throws {
        let fixture = try RunFixture(runbook("""
            - id: step
              action: execute_command
              command: |
                PGPASSWORD="$PGPASS" psql -h db -c 'select 1'
                AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY aws s3 ls
                mysql -u root -p -e 'show processlist'
                redis-cli -a "${REDIS_PASSWORD}" info
                curl -u "admin:<password>" https://api.internal/health
                curl -u 'xxx:yyy' https://api.internal/health
                redis-cli -a "${{ params.token }}" ping
              timeout: 1m

        """, extra: "  params:\n    token: {type: string, secret: true, required: true}\n"))
        let check = try fixture.rbc(["check", "rb.yaml", "--no-git", "--no-shellcheck"])
        #expect(!check.stdout.contains("RB009"), "\(check.stdout)")
    }

    /// RB015 is about secrets leaving rbc's control (echoed, posted, in URLs). A header is the channel
    /// it recommends, so `Authorization: Bearer ${{ secret }}` and `X-Tok: ${{ secret }}` are treated alike.
    @Test func bearerAndCustomHeadersAreTreatedAlike() throws {
        func findings(_ header: String) throws -> [String] {
            let fixture = try RunFixture(runbook("""
                - id: call
                  action: http_request
                  url: "https://api.internal/v1/flush"
                  headers: {\(header)}
                  timeout: 30s
                  readonly: true
                - id: curl
                  action: execute_command
                  command: 'curl -H "\(header.replacingOccurrences(of: "\"", with: ""))" https://api.internal/v1/flush'
                  timeout: 30s
                  readonly: true

            """, extra: "  params:\n    token: {type: string, secret: true, required: true}\n"))
            let check = try fixture.rbc(["check", "rb.yaml", "--no-git", "--no-shellcheck"])
            return check.stdout.components(separatedBy: "\n").compactMap { line in
                line.range(of: #"\[RB[0-9]+\]"#, options: .regularExpression).map { String(line[$0]) }
            }.sorted()
        }
        let bearer = try findings("Authorization: \"Bearer ${{ params.token }}\"")
        let custom = try findings("X-Tok: \"${{ params.token }}\"")
        #expect(bearer == custom)
        #expect(!bearer.contains("[RB009]"))
    }
}

@Suite(.serialized) struct HonestRecordTests {
    func codes(_ output: String) -> [String] {
        output.components(separatedBy: "\n").compactMap { line in
            line.range(of: #"\[RB[0-9]+\]"#, options: .regularExpression).map { String(line[$0].dropFirst().dropLast()) }
        }
    }

    @Test func noLintRunsNoHistoryRules() throws {
        let repository = try TemporaryRepository()
        try repository.write("rb.yaml", GitFixtures.runbook(reviewed: "2025-01-01"))
        try repository.commit("old runbook", date: "2025-01-01T12:00:00Z")
        try repository.write("rb.yaml", GitFixtures.runbook(reviewed: "2025-01-01", description: "Scale out more"))
        let linted = try TestSupport.rbc(["check", "rb.yaml", "--now", "2026-12-01"], in: repository.path)
        #expect(codes(linted.stdout).contains { ["RB017", "RB018", "RB021"].contains($0) }, "\(linted.stdout)")
        let compiled = try TestSupport.rbc(["check", "rb.yaml", "--now", "2026-12-01", "--no-lint"], in: repository.path)
        #expect(codes(compiled.stdout).isEmpty, "\(compiled.stdout)")
        #expect(compiled.status == 0)
    }

    @Test func uncommittedIsNotReportedInsideAPreCommitHook() throws {
        let repository = try TemporaryRepository()
        try repository.write("rb.yaml", GitFixtures.runbook())
        try repository.commit("runbook", date: "2026-11-30T12:00:00Z")
        try repository.write("rb.yaml", GitFixtures.runbook(description: "Scale out more"))
        try repository.git("add", "rb.yaml")
        let plain = try TestSupport.rbc(["check", "rb.yaml", "--now", "2026-12-01"], in: repository.path)
        #expect(codes(plain.stdout).contains("RB021"), "\(plain.stdout)")
        let staged = try TestSupport.rbc(["check", "--staged", "--now", "2026-12-01"], in: repository.path)
        #expect(!codes(staged.stdout).contains("RB021"), "\(staged.stdout)")
        let hook = try TestSupport.rbc(["check", "rb.yaml", "--now", "2026-12-01"], in: repository.path, environment: ["PRE_COMMIT": "1"])
        #expect(!codes(hook.stdout).contains("RB021"), "\(hook.stdout)")
    }

    @Test func sudoOverSSHIsReportedOnce() throws {
        let fixture = try RunFixture(runbook("""
            - id: restart
              action: execute_command
              command: "ssh web-1 sudo systemctl restart nginx"
              timeout: 1m
              irreversible: "a restart is safe to repeat"

        """))
        let check = try fixture.rbc(["check", "rb.yaml", "--no-git", "--no-shellcheck"])
        #expect(codes(check.stdout).filter { $0 == "RB007" }.count == 1, "\(check.stdout)")
    }

    @Test func markdownRunbooksGetMarkdownFixes() throws {
        let fixture = try RunFixture(runbook(""))
        try """
        # Restart the API

        **Severity**: P3

        ## Steps

        ### Check

        **Timeout**: 1m

        ```bash
        kubectl get pods
        ```

        ### Restart

        ```bash
        kubectl rollout restart deploy/api
        ```
        """.write(to: fixture.url.appendingPathComponent("rb.md"), atomically: true, encoding: .utf8)
        let check = try fixture.rbc(["check", "rb.md", "--no-git", "--no-shellcheck"])
        let helps = check.stdout.components(separatedBy: "\n").filter { $0.contains("help:") }
        #expect(helps.contains { $0.contains("`**Timeout**: 2m`") }, "\(check.stdout)")
        #expect(helps.contains { $0.contains("`**Owner**: team-name`") }, "\(check.stdout)")
        #expect(!helps.contains { $0.contains("`timeout: 2m`") || $0.contains("`owner: team-name`") || $0.contains("`rollback:`") }, "\(check.stdout)")
    }

    @Test func yesIsRecordedAsYesNotAsAPerson() throws {
        let fixture = try RunFixture(runbook("""
            - id: page-dba
              action: manual
              instructions: "Call the DBA on duty"

        """))
        let run = try fixture.rbc(["run", "rb.yaml", "--yes"])
        #expect(run.status == 0, "\(run.stderr)")
        let finished = try fixture.events().first { $0.event == .stepFinished && $0.step == "page-dba" }
        #expect(finished?.reason?.contains("approved by --yes") == true, "\(String(describing: finished?.reason))")
        #expect(finished?.reason?.contains("confirmed by a person") == false)
    }

    @Test func aKilledRunIsNotShownAsShorterThanItWas() throws {
        let fixture = try RunFixture(runbook("""
            - id: slow
              action: execute_command
              command: "sleep 30"
              timeout: 1m
              readonly: true

        """))
        let process = try fixture.start(["run", "rb.yaml"])
        #expect(try fixture.waitFor { $0.event == .processStarted })
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let runs = try fixture.rbc(["runs"])
        #expect(runs.stdout.contains("interrupted"), "\(runs.stdout)")
        #expect(runs.stdout.contains("≥"), "a killed run's duration is a lower bound: \(runs.stdout)")
        if let pid = try fixture.events().first(where: { $0.event == .processStarted })?.processStarted?.pid { kill(-pid, SIGKILL) }
    }

    @Test func planShowsTheDefaultTimeout() throws {
        let fixture = try RunFixture(runbook("""
            - id: pods
              action: execute_command
              command: "kubectl get pods"
              readonly: true

        """))
        let plan = try fixture.rbc(["plan", "rb.yaml"])
        #expect(plan.stdout.contains("timeout 10m (rbc's default: the step sets none)"), "\(plan.stdout)")
    }

    @Test func httpRequestsSayWhoCalls() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let fixture = try RunFixture(runbook("""
            - id: health
              action: http_request
              url: "http://127.0.0.1:\(server.port)/health"
              readonly: true
              timeout: 10s
            - id: tell
              action: send_notification
              channel: "#ops"
              message: "hello"
              timeout: 10s

        """), files: [".rbc.yaml": "notifications: {url: \"http://127.0.0.1:\(server.port)/notify\", format: slack}\n"])
        let run = try fixture.rbc(["run", "rb.yaml"])
        #expect(run.status == 0, "\(run.stderr)")
        let version = try fixture.rbc(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!version.isEmpty)
        #expect(server.requests().map { $0["agent"] as? String } == ["rbc/\(version)", "rbc/\(version)"])
    }
}

@Suite struct PlanChangeTests {
    static let steps = """
        - id: raise-pool
          action: update_config
          config_key: "pgbouncer.${{ params.cluster }}.default_pool_size"
          value: 80
          timeout: 30s
        - id: new-flag
          action: update_config
          config_key: "gateway.shed_load"
          value: "on"
          timeout: 30s
        - id: check
          action: execute_command
          command: 'psql -h "${{ params.cluster }}" -c "select 1"'
          timeout: 30s
          readonly: true

    """
    static let extra = "  params:\n    cluster: {type: string, required: true}\n"

    @Test func planShowsCurrentAndNewConfigValues() throws {
        let fixture = try RunFixture(runbook(Self.steps, extra: Self.extra),
                                     files: [".rbc.yaml": "stores:\n  default: {file: flags.json}\n", "flags.json": "{\"pgbouncer\": {\"orders\": {\"default_pool_size\": 50}}}"])
        let plan = try fixture.rbc(["plan", "rb.yaml", "--param", "cluster=orders"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("set pgbouncer.orders.default_pool_size in store default: 50 → 80"), "\(plan.stdout)")
        #expect(plan.stdout.contains("set gateway.shed_load in store default: (unset) → \"on\""), "\(plan.stdout)")
        #expect(fixture.read("flags.json") == "{\"pgbouncer\": {\"orders\": {\"default_pool_size\": 50}}}", "a plan changes nothing")
    }

    @Test func planShowsMissingParametersAsPlaceholdersAndRunStillRefuses() throws {
        let fixture = try RunFixture(runbook(Self.steps, extra: Self.extra),
                                     files: [".rbc.yaml": "stores:\n  default: {file: flags.json}\n", "flags.json": "{}"])
        let plan = try fixture.rbc(["plan", "rb.yaml"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("psql -h \"<params.cluster: not given>\""), "\(plan.stdout)")
        #expect(plan.stdout.contains("Not given: `cluster`"), "\(plan.stdout)")
        #expect(plan.stdout.contains("(current value: read at run time) → 80"), "\(plan.stdout)")
        let run = try fixture.rbc(["run", "rb.yaml"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("required parameter `cluster` has no value"), "\(run.stderr)")
        #expect(fixture.journals.isEmpty, "nothing ran")
    }
}

/// Runs `rbc` with answers piped to its standard input, as a person would type them.
func answering(_ answers: String, _ arguments: [String], in fixture: RunFixture) throws -> TestSupport.Run {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: TestSupport.rbcBinary)
    process.arguments = arguments
    process.currentDirectoryURL = fixture.url
    let input = Pipe()
    let err = Pipe()
    process.standardInput = input
    process.standardOutput = FileHandle.nullDevice
    process.standardError = err
    try process.run()
    input.fileHandleForWriting.write(Data(answers.utf8))
    try input.fileHandleForWriting.close()
    let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return TestSupport.Run(status: process.terminationStatus, stdout: "", stderr: errText)
}

/// Running part of a runbook: a procedure, from a step, only some steps, and step by step.
@Suite(.serialized) struct PartialRunTests {
    /// Seed 003's service runbook shape: Common Issues with Resolution lists, Emergency Procedures.
    static let serviceRunbook = """
    ---
    severity: P2
    owner: team-orders
    defaults:
      timeout: 1m
    ---
    # Order Service Runbook

    ## Common Issues

    ### Issue 1: High Memory Usage
    **Symptoms**: Memory alerts, OOM kills
    **Resolution**:
    1. Restart service (immediate relief)
       ```bash
       echo restart >> log
       ```
       **Irreversible**: a restart is safe to repeat
    2. Drop caches
       ```bash
       echo drop-caches >> log
       ```
       **Irreversible**: caches refill

    ## Emergency Procedures

    ### Rollback
    ```bash
    echo rollback >> log
    ```
    **Irreversible**: this is the rollback

    ### Emergency Scale
    ```bash
    echo scale-up >> log
    ```
    **Rollback**: `echo scale-down >> log`
    """

    func fixture() throws -> RunFixture {
        let fixture = try RunFixture(runbook(loggedStep("one") + loggedStep("two") + loggedStep("three")))
        try Self.serviceRunbook.write(to: fixture.url.appendingPathComponent("service.md"), atomically: true, encoding: .utf8)
        return fixture
    }

    @Test func aServiceRunbooksProceduresCanBePlannedAndRun() throws {
        let fixture = try fixture()
        let overview = try fixture.rbc(["plan", "service.md"])
        #expect(overview.stdout.contains("emergency-scale (Emergency Scale, 1 step)"), "\(overview.stdout)")
        let plan = try fixture.rbc(["plan", "service.md", "--procedure", "Emergency Scale"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("$ echo scale-up >> log"), "\(plan.stdout)")
        #expect(plan.stdout.contains("1 step, 1 with a rollback"), "\(plan.stdout)")
        let run = try fixture.rbc(["run", "service.md", "--procedure", "high-memory-usage"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(fixture.read("log") == "restart\ndrop-caches\n")
        let note = try fixture.events().first { $0.event == .message }
        #expect(note?.text == "partial run: --procedure high-memory-usage")
        let unknown = try fixture.rbc(["run", "service.md", "--procedure", "Emergency Scael"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("emergency-scale (Emergency Scale)"), "\(unknown.stderr)")
    }

    @Test func fromAndOnlyRunPartOfTheSteps() throws {
        let fixture = try fixture()
        let from = try fixture.rbc(["run", "rb.yaml", "--from", "two"])
        #expect(from.status == 0, "\(from.stderr)")
        #expect(fixture.read("log") == "two\nthree\n")
        let skipped = try fixture.events().first { $0.event == .stepFinished && $0.step == "one" }
        #expect(skipped?.outcome == .skipped)
        #expect(skipped?.reason == "not selected (--from two)")
        try FileManager.default.removeItem(at: fixture.url.appendingPathComponent(".rbc"))
        try "".write(to: fixture.url.appendingPathComponent("log"), atomically: true, encoding: .utf8)
        let only = try fixture.rbc(["run", "rb.yaml", "--only", "one", "three"])
        #expect(only.status == 0, "\(only.stderr)")
        #expect(fixture.read("log") == "one\nthree\n")
        let plan = try fixture.rbc(["plan", "rb.yaml", "--only", "three"])
        #expect(plan.stdout.contains("--only three") && plan.stdout.contains("1 step,") && !plan.stdout.contains("echo one"), "\(plan.stdout)")
        let unknown = try fixture.rbc(["run", "rb.yaml", "--from", "four"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no step `four`"), "\(unknown.stderr)")
    }

    @Test func stepModeShowsEachCommandAndJournalsEveryAnswer() throws {
        let fixture = try RunFixture(runbook(loggedStep("one") + """
            - id: flaky
              action: execute_command
              command: "echo flaky >> log; test -f ok"
              timeout: 10s
              irreversible: "test"

        """ + loggedStep("three")))
        // Run one; run flaky (fails); an answer that is no option is asked again; retry (fails again);
        // go on without it; skip three. The failure the person skipped is still a failure.
        let run = try answering("r\nr\nzzz\nr\ns\ns\n", ["run", "rb.yaml", "--step"], in: fixture)
        #expect(run.status == 1, "\(run.stderr)")
        #expect(try fixture.events().last { $0.event == .runFinished }?.runFinished?.status == .completedWithFailures)
        #expect(run.stderr.contains("$ echo flaky >> log; test -f ok"), "the exact command is shown: \(run.stderr)")
        #expect(fixture.read("log") == "one\nflaky\nflaky\n")
        let answers = try fixture.events().filter { $0.approval?.by == "step mode" }.map { "\($0.step ?? ""):\($0.text ?? "")" }
        #expect(answers == ["one:run", "flaky:run", "flaky:retry", "flaky:skip", "three:skip"], "\(answers)")
    }

    /// On a real terminal (a pty from util-linux `script`): the questions go to /dev/tty and the answers
    /// come from it, as a person at the keyboard gives them.
    @Test func stepModeOnATerminal() throws {
        let fixture = try RunFixture(runbook(loggedStep("one") + loggedStep("two")))
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "util-linux `script` provides the pty")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", "'\(TestSupport.rbcBinary)' run rb.yaml --step", "/dev/null"]
        process.currentDirectoryURL = fixture.url
        let input = Pipe()
        let out = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Typed ahead: the terminal keeps the lines until rbc reads them.
        input.fileHandleForWriting.write(Data("r\ns\n".utf8))
        try input.fileHandleForWriting.close()
        let screen = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(screen)")
        #expect(screen.contains("$ echo two >> log") && screen.contains("[r]un, [s]kip, [a]bort?"), "\(screen)")
        #expect(fixture.read("log") == "one\n")
        let answers = try fixture.events().filter { $0.approval?.by == "step mode" }.map { $0.text ?? "" }
        #expect(answers == ["run", "skip"])
    }

    @Test func stepModeAbortRollsBack() throws {
        let fixture = try RunFixture(runbook(loggedStep("one") + loggedStep("two")))
        let run = try answering("r\na\n", ["run", "rb.yaml", "--step"], in: fixture)
        #expect(run.status == 1, "\(run.stderr)")
        #expect(fixture.read("log") == "one\nundo-one\n")
        let finished = try fixture.events().last { $0.event == .runFinished }
        #expect(finished?.reason == "aborted in step mode at step two")
        // The end of the answers is an abort too: nothing runs unasked.
        try FileManager.default.removeItem(at: fixture.url.appendingPathComponent(".rbc"))
        try "".write(to: fixture.url.appendingPathComponent("log"), atomically: true, encoding: .utf8)
        let silent = try answering("", ["run", "rb.yaml", "--step"], in: fixture)
        #expect(silent.status == 1)
        #expect(fixture.read("log") == "")
    }
}

/// Seed 001's own example: `# Option A: Restart` and `# Option B: Rollback` in one fence.
@Suite(.serialized) struct AlternativesTests {
    static let seedShaped = """
    ---
    severity: P2
    owner: team-orders
    defaults:
      timeout: 1m
    ---
    # High error rate

    ## Steps

    ### 1. Apply Mitigation
    ```bash
    echo shared >> log
    # Option A: Restart
    echo restart >> log
    # Option B: Rollback
    echo rollback >> log
    ```
    **Irreversible**: a restart or a rollback is safe to repeat
    """

    func fixture() throws -> RunFixture {
        let fixture = try RunFixture(runbook(loggedStep("one")))
        try Self.seedShaped.write(to: fixture.url.appendingPathComponent("rb.md"), atomically: true, encoding: .utf8)
        return fixture
    }

    @Test func checkReportsAlternativesAndRunRefusesToRunBoth() throws {
        let fixture = try fixture()
        let check = try fixture.rbc(["check", "rb.md", "--no-git", "--no-shellcheck"])
        #expect(check.stdout.contains("[RB053]"), "\(check.stdout)")
        let plan = try fixture.rbc(["plan", "rb.md"])
        #expect(plan.stdout.contains("holds alternatives (Option A: Restart; Option B: Rollback)"), "\(plan.stdout)")
        let run = try fixture.rbc(["run", "rb.md", "--force"])
        #expect(run.status != 0, "\(run.stderr)")
        #expect(fixture.read("log") == "", "neither option ran, let alone both")
        let finished = try fixture.events().first { $0.event == .stepFinished }
        #expect(finished?.outcome == .refused)
        #expect(finished?.reason?.contains("rbc does not run both") == true, "\(String(describing: finished?.reason))")
    }

    @Test func stepModeOffersTheChoiceAndRunsOnlyTheChosenOption() throws {
        let fixture = try fixture()
        let run = try answering("2\n", ["run", "rb.md", "--step", "--force"], in: fixture)
        let stderr = run.stderr
        #expect(run.status == 0, "\(stderr)")
        #expect(stderr.contains("[1] Option A: Restart") && stderr.contains("[2] Option B: Rollback"), "\(stderr)")
        #expect(fixture.read("log") == "shared\nrollback\n")
        let choice = try fixture.events().first { $0.approval?.by == "step mode" }
        #expect(choice?.text == "choose Option B: Rollback")
    }
}
