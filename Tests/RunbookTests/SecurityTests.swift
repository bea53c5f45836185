// `rbc run` pointed at production, tried as an attacker and as a careless author would: secrets in
// every sink and every form, parameters that try to become code, values that try to escape their
// place in a URL or a config key, and journals that name processes rbc never started. Every test runs
// the real binary against real processes (and a loopback HTTP server where HTTP is involved).

import Foundation
import RunbookRuntime
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A secret with characters that JSON escapes, so its JSON-escaped form differs from it.
func makeSecret() -> String { "Zq\"t0k\\en-\(UUID().uuidString.prefix(8).lowercased())" }

/// The forms of a secret a leak would take: as given, upper-case, JSON-escaped, and each half.
func leakForms(_ secret: String) -> [String] {
    let json = String(decoding: try! JSONEncoder().encode(secret), as: UTF8.self).dropFirst().dropLast()
    let half = secret.count / 2
    return [secret, secret.uppercased(), String(json), String(secret.prefix(half)), String(secret.suffix(secret.count - half))]
}

/// A shell fragment that prints the value of `expression` one byte per write, pausing between them,
/// so each byte arrives in its own read.
func slowPrint(_ expression: String) -> String {
    #"s=\"${{ \#(expression) }}\"; i=1; while [ $i -le ${#s} ]; do printf '%s' \"$(printf '%s' \"$s\" | cut -c$i)\"; sleep 0.01; i=$((i+1)); done; echo"#
}

func expectNoLeak(_ texts: [(String, String)], of secret: String, sourceLocation: SourceLocation = #_sourceLocation) {
    for (sink, text) in texts {
        for form in leakForms(secret) where text.contains(form) {
            Issue.record("\(sink) leaks `\(form)`:\n\(text)", sourceLocation: sourceLocation)
        }
    }
}

@Suite(.serialized) struct SecurityTests {
    // MARK: - Secrets

    @Test func secretSweepOverEverySink() throws {
        let secret = makeSecret()
        let fixture = try RunFixture(runbook("""
            - id: slow
              action: execute_command
              command: "\(slowPrint("params.token"))"
              readonly: true
              timeout: 30s
            - id: derived
              action: execute_command
              command: "\(slowPrint("upper(params.token)")) && \(slowPrint("toJSON(params.token)"))"
              readonly: true
              timeout: 30s
            - id: store
              action: update_config
              config_key: auth.token
              value: "${{ params.token }}"
              timeout: 5s
            - id: fail
              action: execute_command
              command: "exit 3"
              irreversible: "test"
              timeout: 5s

        """, extra: "  params:\n    token: {type: string, secret: true, required: true}\n"),
            files: [".rbc.yaml": "stores:\n  default: {file: flags.json}\n", "flags.json": "{\"auth\": {\"token\": \"old\"}}",
                    "values.yaml": "token: \(String(decoding: try JSONEncoder().encode(secret), as: UTF8.self))\ntokn: \"\(secret.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\"\n"])
        let plan = try fixture.rbc(["plan", "rb.yaml", "--param", "token=\(secret)"])
        #expect(plan.status == 0, "\(plan.stderr)")
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "token=\(secret)"])
        #expect(run.status == 1, "the last step fails and the run rolls back: \(run.stderr)")
        #expect(run.stdout.contains("***"), "the command printed the secret; the terminal shows ***: \(run.stdout)")
        #expect(fixture.read("flags.json").contains("old"), "the config store was restored")
        let journal = try String(contentsOfFile: try #require(fixture.journals.first), encoding: .utf8)
        let show = try fixture.rbc(["show", "last"])
        let markdown = try fixture.rbc(["timeline", "last", "--format", "md"])
        let json = try fixture.rbc(["timeline", "last", "--format", "json"])
        let planJSON = try fixture.rbc(["plan", "rb.yaml", "--param", "token=\(secret)", "--format", "json"])
        var sinks = [("plan", plan.stdout + plan.stderr), ("plan json", planJSON.stdout + planJSON.stderr), ("run stdout", run.stdout),
                     ("run stderr", run.stderr), ("journal", journal), ("show", show.stdout + show.stderr),
                     ("timeline md", markdown.stdout), ("timeline json", json.stdout)]
        for format in ["text", "json", "sarif", "github"] {
            let check = try fixture.rbc(["check", "rb.yaml", "--params-file", "values.yaml", "--format", format, "--no-shellcheck"])
            #expect(check.status == 1, "the misspelt `tokn` is reported: \(check.stdout)\(check.stderr)")
            sinks.append(("check \(format)", check.stdout + check.stderr))
        }
        expectNoLeak(sinks, of: secret)
    }

    @Test func secretInAConfigKeyOrURLIsACompileError() throws {
        let fixture = try RunFixture(runbook("""
            - id: store
              action: update_config
              config_key: "auth.${{ params.token }}"
              value: 1
              timeout: 5s
            - id: call
              action: http_request
              url: "http://127.0.0.1:9/v1/${{ upper(params.token) }}"
              readonly: true
              timeout: 5s

        """, extra: "  params:\n    token: {type: string, secret: true, required: true}\n"))
        let check = try fixture.rbc(["check", "rb.yaml", "--no-shellcheck"])
        #expect(check.status == 1)
        #expect(check.stdout.components(separatedBy: "RB3010").count == 3, "both places: \(check.stdout)")
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "token=abc"])
        #expect(run.status != 0)
        #expect(fixture.journals.isEmpty, "never started")
    }

    @Test func aSecretCutByTheJournalExcerptIsNotHalfStored() throws {
        let secret = makeSecret()
        // The secret straddles the excerpt's cut (its first 2000 characters).
        let fixture = try RunFixture(runbook("""
            - id: long
              action: execute_command
              command: "printf 'x%.0s' $(seq 1995); printf '%s' \\"$T\\"; printf 'y%.0s' $(seq 4000)"
              readonly: true
              timeout: 30s

        """.replacingOccurrences(of: "$T", with: "${{ params.token }}"), extra: "  params:\n    token: {type: string, secret: true, required: true}\n"))
        // Printing a secret is a lint error (RB015): forced, to see what the journal keeps anyway.
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "token=\(secret)", "--force"])
        #expect(run.status == 0, "\(run.stderr)")
        let journal = try String(contentsOfFile: try #require(fixture.journals.first), encoding: .utf8)
        #expect(journal.contains("[…]"), "the output was cut")
        expectNoLeak([("journal", journal), ("terminal", run.stdout)], of: secret)
    }

    /// A secret written as a program's argument is expanded onto that program's command line, which
    /// every local user can read while it runs: RB041 says so. Handed over in the environment, it is
    /// on no command line.
    @Test func aSecretOnAProgramsCommandLineIsReported() throws {
        let secret = "ArgvT0ken-\(UUID().uuidString.prefix(8).lowercased())"
        let fixture = try RunFixture(runbook("""
            - id: visible
              action: execute_command
              command: "sh -c 'sleep 3' visible \\"${{ params.token }}\\""
              readonly: true
              timeout: 30s
            - id: hidden
              action: execute_command
              command: "TOKEN=\\"${{ params.token }}\\" sh -c 'sleep 3; test -n \\"$TOKEN\\"'"
              readonly: true
              timeout: 30s

        """, extra: "  params:\n    token: {type: string, secret: true, required: true}\n"))
        let check = try fixture.rbc(["check", "rb.yaml", "--no-shellcheck", "--format", "concise"])
        let reported = check.stdout.split(separator: "\n").filter { $0.contains("RB041") }
        #expect(reported.count == 1 && reported.first?.contains("`sh`") == true && reported.first?.contains("step `visible`") == true, "\(check.stdout)")
        let run = try fixture.start(["run", "rb.yaml", "--param", "token=\(secret)"])
        defer { run.waitUntilExit() }
        #expect(try fixture.waitFor { $0.processStarted?.step == "visible" })
        #expect(eventually { !processes(matching: secret).isEmpty }, "the argument is on show in /proc/PID/cmdline")
        #expect(try fixture.waitFor { $0.processStarted?.step == "hidden" })
        #expect(eventually { processes(matching: "sleep 3; test").count > 0 }, "the hidden step runs")
        #expect(processes(matching: secret).isEmpty, "in the environment it is on no command line")
    }

    // MARK: - Injection

    /// Each command hands a parameter to a second interpreter; the value tries to create `pwned`.
    static let injections: [(command: String, shell: String?, value: String)] = [
        (#"sh -c \"echo ${{ params.p }}\""#, nil, "x; touch pwned"),
        (#"bash -c \"echo ${{ params.p }}\""#, nil, "x; touch pwned"),
        (#"eval \"echo ${{ params.p }}\""#, nil, "x; touch pwned"),
        (#"[[ ${{ params.p }} -gt 1 ]] && echo big"#, "/bin/bash", "a[$(touch pwned)]"),
        (#"echo $(( ${{ params.p }} + 1 ))"#, "/bin/bash", "a[$(touch pwned)]"),
    ]

    @Test(arguments: 0..<5)
    func parametersNeverBecomeCode(_ index: Int) throws {
        let injection = Self.injections[index]
        let fixture = try RunFixture(runbook("""
            - id: go
              action: execute_command
              command: "\(injection.command)"
              \(injection.shell.map { "shell: \($0)" } ?? "")
              readonly: true
              timeout: 10s

        """, extra: "  params:\n    p: {type: string, required: true}\n"))
        let check = try fixture.rbc(["check", "rb.yaml", "--no-shellcheck"])
        #expect(check.stdout.contains("RB040"), "\(check.stdout)")
        let plan = try fixture.rbc(["plan", "rb.yaml", "--param", "p=\(injection.value)"])
        #expect(plan.stdout.contains("RB040"), "plan prints the lint errors above itself: \(plan.stdout)")
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "p=\(injection.value)"])
        #expect(run.status == 6, "\(run.stderr)")
        #expect(run.stderr.contains("--force"))
        #expect(!FileManager.default.fileExists(atPath: fixture.path + "/pwned"), "the parameter ran as code")
        #expect(fixture.journals.isEmpty)
    }

    @Test func sshAndMarkdownFencesAreAnalysedToo() throws {
        let fixture = try RunFixture("""
        ---
        severity: P3
        owner: t
        params:
          host: {type: string, required: true}
          n: {type: int, required: true}
        ---
        # Remote

        ## Steps

        ### restart

        ```bash {timeout=1m}
        ssh web-1 "sudo systemctl restart ${{ params.host }}"
        ```

        ### scale

        ```bash {timeout=1m}
        sh -c "kubectl scale deploy/api --replicas=${{ params.n }}"
        ```
        """, files: [:])
        try FileManager.default.moveItem(atPath: fixture.path + "/rb.yaml", toPath: fixture.path + "/rb.md")
        let check = try fixture.rbc(["check", "rb.md", "--no-shellcheck", "--format", "json"])
        #expect(check.stdout.components(separatedBy: "\"RB040\"").count == 2, "only the string reaching the remote shell: \(check.stdout)")
    }

    @Test func everySecondInterpreterIsFoundAndNothingElse() throws {
        let reinterpreting = [
            #"su - app -c \"restart ${{ params.p }}\""#,
            #"find . -name x | xargs sh -c \"rm ${{ params.p }}\""#,
            #"watch \"kubectl get pod ${{ params.p }}\""#,
            #"let n=${{ params.p }}+1"#,
            #"(( ${{ params.p }} > 1 )) && echo big"#,
            #"sudo -n bash -ec \"systemctl restart ${{ params.p }}\""#,
            #"kubectl exec deploy/api -- sh -c \"kill ${{ params.p }}\""#,
            #"psql <<SQL\nselect * from t where name = '${{ params.p }}';\nSQL"#,
            #"echo \"${{ params.p }}\" | xargs -I{} sh -c 'kill {}'"#,
            #"jq -r '.items[] | select(.name == \"${{ params.p }}\")' pods.json"#,
            #"find /var/log -name '*.log' -exec awk '/${{ params.p }}/' {} +"#,
            #"kubectl exec deploy/api -- jq '.${{ params.p }}' /etc/app.json"#,
            #"env -S \"kubectl delete pod ${{ params.p }}\""#,
        ]
        let safe = [
            #"ssh \"${{ params.p }}\" uptime"#,
            #"kubectl logs \"${{ params.p }}\" --tail=20"#,
            #"[[ \"${{ params.p }}\" == api* ]] && echo api"#,
            #"echo $(( 1 + 2 )) \"${{ params.p }}\""#,
            #"env P=\"${{ params.p }}\" bash -c 'echo \"$P\"'"#,
            #"sh -c \"echo ${{ params.n }}\""#,
            #"jq -r --arg name \"${{ params.p }}\" '.items[] | select(.name == $name)' pods.json"#,
            #"find /var/log -name \"${{ params.p }}*\" -exec grep -c error {} +"#,
            #"kubectl get pods -l app=\"${{ params.p }}\" -o name | xargs -I{} sh -c 'kubectl delete {}'"#,
            #"echo \"${{ params.p }}\" | xargs -I{} kubectl delete pod {}"#,
            #"kubectl exec deploy/api -- cat \"/etc/${{ params.p }}\""#,
            #"env -i PATH=/bin kubectl get pod \"${{ params.p }}\""#,
        ]
        for (commands, expected) in [(reinterpreting, reinterpreting.count), (safe, 0)] {
            let steps = commands.enumerated().map { index, command in
                "    - id: s\(index)\n      action: execute_command\n      command: \"\(command)\"\n      readonly: true\n      timeout: 1m\n"
            }.joined()
            let fixture = try RunFixture(runbook(steps, extra: "  params:\n    p: {type: string, required: true}\n    n: {type: int, required: true}\n"))
            let check = try fixture.rbc(["check", "rb.yaml", "--no-shellcheck", "--format", "json"])
            #expect(check.stdout.components(separatedBy: "\"RB040\"").count - 1 == expected, "\(check.stdout)")
        }
    }

    @Test func forceRunsAndJournalsTheOverriddenFindings() throws {
        let fixture = try RunFixture(runbook("""
            - id: go
              action: execute_command
              command: "sh -c \\"echo ${{ params.p }}\\""
              readonly: true
              timeout: 10s

        """, extra: "  params:\n    p: {type: string, required: true}\n"))
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "p=hello", "--force"])
        #expect(run.status == 0, "\(run.stderr)")
        let started = try #require(try fixture.events().first?.runStarted)
        #expect(started.overriddenFindings?.contains { $0.hasPrefix("RB040 ") } == true, "\(started.overriddenFindings ?? [])")
    }

    @Test func urlValuesAreEncodedForTheirComponent() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let fixture = try RunFixture(runbook("""
            - id: search
              action: http_request
              url: "http://127.0.0.1:\(server.port)/items/${{ params.item }}?q=${{ params.q }}"
              readonly: true
              timeout: 10s

        """, extra: "  params:\n    q: {type: string, required: true}\n    item: {type: string, required: true}\n"))
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "q=x&admin=1#frag", "--param", "item=../admin"])
        #expect(run.status == 0, "\(run.stderr)")
        let paths = server.requests().compactMap { $0["path"] as? String }
        #expect(paths == ["/items/..%2Fadmin?q=x%26admin%3D1%23frag"], "\(paths)")
    }

    @Test func configKeyValuesAreOneSegment() throws {
        let fixture = try RunFixture(runbook("""
            - id: set
              action: update_config
              config_key: "flags.${{ params.name }}.enabled"
              value: true
              timeout: 5s

        """, extra: "  params:\n    name: {type: string, required: true}\n"),
            files: [".rbc.yaml": "stores:\n  default: {file: flags.json}\n", "flags.json": "{\"flags\": {}}"])
        for value in ["a.b", "", "x..y"] {
            let run = try fixture.rbc(["run", "rb.yaml", "--param", "name=\(value)"])
            #expect(run.status == 1, "`\(value)`: \(run.stderr)")
            #expect(run.stderr.contains("config key"), "\(run.stderr)")
        }
        #expect(fixture.read("flags.json") == "{\"flags\": {}}", "nothing was written")
        let ok = try fixture.rbc(["run", "rb.yaml", "--param", "name=checkout"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(fixture.read("flags.json").contains("checkout"))
    }

    @Test func planShowsTheValuesTheRunUses() throws {
        let fixture = try RunFixture(runbook("""
            - id: set
              action: update_config
              config_key: "limits.${{ params.name }}"
              value: "${{ params.limit }}"
              timeout: 5s

        """, extra: "  params:\n    name: {type: string, required: true}\n    limit: {type: string, required: true}\n"),
            files: [".rbc.yaml": "stores:\n  default: {file: flags.json}\n", "flags.json": "{}"])
        let plan = try fixture.rbc(["plan", "rb.yaml", "--param", "name=api", "--param", "limit=250"])
        #expect(plan.stdout.contains("set limits.api"), "\(plan.stdout)")
        #expect(plan.stdout.contains("250"), "\(plan.stdout)")
        #expect(!plan.stdout.contains("${{"))
    }

    @Test func shellInstructionsAndExpectOutputAreSubstituted() throws {
        let fixture = try RunFixture(runbook("""
            - id: which
              action: execute_command
              command: "echo \\"shell=$0 ready=3 (x)\\""
              shell: "${{ params.shell }}"
              expect: {output: "ready=${{ params.n }} ${{ params.paren }}"}
              readonly: true
              timeout: 10s
            - id: look
              action: manual
              instructions: "Check the dashboard of ${{ params.service }}"
              timeout: 10m

        """, extra: "  params:\n    shell: {type: string, required: true}\n    n: {type: int, required: true}\n    paren: {type: string, required: true}\n    service: {type: string, required: true}\n"))
        let args = ["--param", "shell=/bin/bash", "--param", "n=3", "--param", "paren=(x)", "--param", "service=checkout"]
        let plan = try fixture.rbc(["plan", "rb.yaml"] + args)
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("(shell /bin/bash)"), "\(plan.stdout)")
        #expect(plan.stdout.contains("Check the dashboard of checkout"), "\(plan.stdout)")
        #expect(!plan.stdout.contains("${{"), "\(plan.stdout)")
        let run = try fixture.rbc(["run", "rb.yaml", "--approve", "look"] + args)
        #expect(run.status == 0, "the shell and the expected output were substituted (`(x)` matched literally): \(run.stderr)")
        #expect(run.stdout.contains("shell=/bin/bash"), "\(run.stdout)")
    }

    @Test func expressionsInFieldsThatAreNotSubstitutedAreRejected() throws {
        let fixture = try RunFixture(runbook("""
            - id: set
              action: update_config
              store: "${{ params.store }}"
              config_key: a.b
              value: 1
              timeout: 5s

        """, extra: "  params:\n    store: {type: string, required: true}\n"))
        let check = try fixture.rbc(["check", "rb.yaml", "--no-shellcheck"])
        #expect(check.stdout.contains("RB3011"), "\(check.stdout)")
        #expect(check.stdout.contains("`store` is not substituted at run time"), "\(check.stdout)")
    }

    // MARK: - Journals are input

    /// Runs a step that sleeps, SIGKILLs rbc, and rewrites the journaled process to `pid` / `ticks`.
    func killedRun(pointingAt pid: pid_t, ticks: UInt64) throws -> (RunFixture, pid_t) {
        let fixture = try RunFixture(runbook("""
            - id: long
              action: execute_command
              command: "sleep 60"
              timeout: 120s
              rollback:
                action: execute_command
                command: "touch undone"
                timeout: 10s

        """))
        let process = try fixture.start(["run", "rb.yaml"])
        #expect(try fixture.waitFor { $0.event == .processStarted })
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let path = try #require(fixture.journals.first)
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let index = try #require(lines.firstIndex { $0.contains("\"process_started\"") })
        var object = try #require(try JSONSerialization.jsonObject(with: Data(lines[index].utf8)) as? [String: Any])
        let original = try #require(object["pid"] as? Int)
        object["pid"] = Int(pid)
        object["startTicks"] = Int(ticks)
        lines[index] = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return (fixture, pid_t(original))
    }

    @Test func aJournalNamingPidOneSignalsNothing() throws {
        let ticks = try #require(ProcessRunner.startTicks(of: 1), "pid 1 exists")
        let (fixture, sleeper) = try killedRun(pointingAt: 1, ticks: ticks)
        defer { kill(-sleeper, SIGKILL) }
        // The edited journal is refused unless trusted (JournalAuthenticationTests); trusted as written,
        // the pids it names are still checked.
        let rollback = try fixture.rbc(["rollback", "last", "--yes", "--trust-journal"])
        #expect(rollback.stderr.contains("did not signal process group 1"), "\(rollback.stderr)")
        // The run's own process is still found and ended — by the run id it was started with, which
        // a rewritten pid does not change.
        #expect(!isRunning(sleeper), "\(rollback.stderr)")
        #expect(rollback.stderr.contains("found by their RBC_RUN_ID: \(sleeper)"), "\(rollback.stderr)")
    }

    @Test func aJournalNamingAnotherUsersProcessSignalsNothing() throws {
        guard getuid() == 0 else {
            Issue.record("needs root to start a process as another user")
            return
        }
        // A process of user 65534 leading its own group (setsid forks; the child prints its pid).
        let other = Process()
        other.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        other.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "setsid", "-f", "sh", "-c", "echo $$; exec sleep 60 >/dev/null"]
        let pipe = Pipe()
        other.standardOutput = pipe
        try other.run()
        var data = Data()
        while !data.contains(0x0A) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            data.append(chunk)
        }
        let line = String(decoding: data, as: UTF8.self)
        let victim = try #require(pid_t(line.trimmingCharacters(in: .whitespacesAndNewlines)), "\(line)")
        defer { kill(victim, SIGKILL) }
        #expect(ProcessRunner.owner(of: victim) == 65534)
        let ticks = try #require(ProcessRunner.startTicks(of: victim))
        let (fixture, sleeper) = try killedRun(pointingAt: victim, ticks: ticks)
        defer { kill(-sleeper, SIGKILL) }
        #expect(isRunning(victim), "the victim runs before the rollback")
        let rollback = try fixture.rbc(["rollback", "last", "--yes", "--trust-journal"])
        #expect(isRunning(victim), "another user's process survives: \(rollback.stderr)")
        #expect(rollback.stderr.contains("belongs to another user"), "\(rollback.stderr)")
    }
}

@Suite struct RedactorTests {
    @Test func aStreamFedOneByteAtATimeNeverShowsASecret() {
        let secret = "s3cr\"et-value"
        let redactor = Redactor(secrets: [secret])
        let stream = StreamRedactor(redactor)
        let text = "before \(secret) middle \(secret.uppercased()) é after \(secret.prefix(5))"
        var shown = ""
        for byte in Array(text.utf8) { shown += stream.feed([byte]) }
        shown += stream.flush()
        #expect(shown == "before *** middle *** é after \(secret.prefix(5))", "a prefix alone at the end is not the secret")
    }

    @Test func theHalvesAtACutAreMasked() {
        let secret = "abcdefghij"
        let redactor = Redactor(secrets: [secret])
        let marker = "\n[… 10 bytes not kept …]\n"
        #expect(redactor.redact(cutText: "x abcde" + marker + "fghij y", marker: marker) == "x ***" + marker + "*** y")
    }

    @Test func derivedFormsAreMasked() {
        let redactor = Redactor(secrets: ["to ken/1"])
        for form in ["to ken/1", "TO KEN/1", "to%20ken%2F1", "to+ken%2F1", Data("to ken/1".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")] {
            #expect(redactor.redact("[\(form)]") == "[***]", "\(form)")
        }
        redactor.add("ab", derived: true)
        #expect(redactor.redact("ab") == "ab", "a derived value too short to carry the secret is left alone")
    }
}
