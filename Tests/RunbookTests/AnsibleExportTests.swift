// `rbc export ansible`: the lowered playbook, run by the real ansible-playbook (connection local,
// loopback only), does what `rbc run` does — same effects in the same order, journals alike — and
// fans out to several hosts with a journal and a rollback each. ansible-core and ansible-lint come
// from the Makefile's venv (or RBC_ANSIBLE_BIN); a missing tool fails, never skips. All cases run in
// ONE ansible-playbook invocation (several playbooks, one host alias per case) to keep CI cheap.

import Foundation
import Testing
@testable import RunbookAnsible

@Suite struct AnsibleExportTests {
    /// ansible-playbook and ansible-lint, from RBC_ANSIBLE_BIN or the Makefile's venv.
    static func ansibleBin() throws -> String {
        let bin = ProcessInfo.processInfo.environment["RBC_ANSIBLE_BIN"] ?? TestSupport.path(".build/venv/bin")
        try #require(FileManager.default.isExecutableFile(atPath: bin + "/ansible-playbook"),
                     "ansible-playbook is missing from \(bin): run `make venv` (or set RBC_ANSIBLE_BIN)")
        return bin
    }

    static func run(_ executable: String, _ arguments: [String], in directory: String, environment: [String: String] = [:]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    // MARK: - The embedded Python is the one in Resources/

    @Test func embeddedResourcesMatchTheirSources() throws {
        let directory = TestSupport.path("Sources/RunbookAnsible/Resources")
        let runtime = try String(contentsOfFile: directory + "/rbc_runtime.py", encoding: .utf8)
        let callback = try String(contentsOfFile: directory + "/rbc_journal.py", encoding: .utf8)
        let module = try String(contentsOfFile: directory + "/rbc_http_request.py", encoding: .utf8)
        #expect(!(runtime + callback + module).contains("\"\"\"#"))
        let generated = """
        // Generated from Resources/rbc_runtime.py, Resources/rbc_journal.py and Resources/rbc_http_request.py; do not
        // edit. Regenerate with `RBC_RECORD=1 swift test --filter AnsibleExportTests` (a test fails when this copy is stale).

        enum AnsibleResources {
            static let runtime = #\"\"\"
        \(runtime)
        \"\"\"#

            static let journalCallback = #\"\"\"
        \(callback)
        \"\"\"#

            static let httpRequestModule = #\"\"\"
        \(module)
        \"\"\"#
        }

        """
        let path = TestSupport.path("Sources/RunbookAnsible/AnsibleResources.swift")
        if ProcessInfo.processInfo.environment["RBC_RECORD"] == "1" {
            try generated.write(toFile: path, atomically: true, encoding: .utf8)
            Issue.record("rewrote \(path); run again without RBC_RECORD")
            return
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == generated, "AnsibleResources.swift is stale: RBC_RECORD=1 swift test --filter AnsibleExportTests")
        #expect(AnsibleResources.runtime == runtime)
        #expect(AnsibleResources.journalCallback == callback)
        #expect(AnsibleResources.httpRequestModule == module)
    }

    /// A container's random uid has no passwd entry and often no absolute $HOME. The callback must then say that the
    /// journal is not authenticated, as rbc does (JournalKey.location), not raise KeyError out of the key lookup:
    /// that left the host without a journal while its tasks went on running.
    @Test func aUserWithNoPasswdEntryGetsAKeyProblemNotACrash() throws {
        let bin = try Self.ansibleBin()
        let directory = TestSupport.path("Sources/RunbookAnsible/Resources")
        let script = """
        import os, pwd, sys
        sys.path.insert(0, sys.argv[1])
        import rbc_journal
        def no_entry(uid):
            raise KeyError("getpwuid(): uid not found: %d" % uid)
        pwd.getpwuid = no_entry
        for name in ("RBC_JOURNAL_KEY", "XDG_STATE_HOME", "HOME"):
            os.environ.pop(name, None)
        try:
            print("path", rbc_journal.journal_key_path())
        except rbc_journal.KeyProblem as problem:
            print("problem", problem.unsafe, problem)
        os.environ["HOME"] = "relative"
        try:
            rbc_journal.journal_key()
        except rbc_journal.KeyProblem as problem:
            print("problem", problem.unsafe, problem)
        """
        let (status, output) = try Self.run(bin + "/python3", ["-c", script, directory], in: NSTemporaryDirectory(),
                                            environment: ["PYTHONDONTWRITEBYTECODE": "1"])
        #expect(status == 0, "\(output)")
        #expect(output == """
        problem False no journal key at ~/.local/state/rbc/journal.key (no home directory)
        problem False no journal key at ~/.local/state/rbc/journal.key (no home directory)

        """, "\(output)")
    }

    // MARK: - Refusals

    /// Every construct the lowering refuses, one step each, among steps it lowers (an update_config and an
    /// http_request): the diagnostics name the step and the reason.
    @Test func refusalsNameTheStepAndTheReason() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
        runbook:
          name: "Refused constructs"
          severity: P3
          description: "Each step holds something the Ansible lowering refuses"
          owner: team
          steps:
            - id: set-flag
              action: update_config
              config_key: feature.enabled
              value: true
            - id: call-api
              action: http_request
              method: GET
              url: "http://127.0.0.1:9/health"
              readonly: true
            - id: choose
              action: execute_command
              command: |
                # Option A: restart
                echo restart
                # Option B: roll back
                echo rollback
              irreversible: "stand-in"
            - id: many-tries
              action: execute_command
              command: "true"
              readonly: true
              retries:
                attempts: 12
            - id: undo-by-hand
              action: execute_command
              command: "echo change"
              rollback:
                action: manual
                instructions: "undo it by hand"

        """.write(to: directory.appendingPathComponent("refused.yaml"), atomically: true, encoding: .utf8)
        let result = try TestSupport.rbc(["export", "ansible", "refused.yaml", "-o", "out/refused.yml", "--force", "--color", "never"], in: directory.path)
        #expect(result.status == 1)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("out/refused.yml").path), "a refused export writes nothing")
        TestSupport.assertGolden(result.stderr, "Tests/RunbookTests/Golden/ansible/refusals.expected")
    }

    /// Every example lowers; the Markdown and YAML forms of one runbook compile to the same IR (the same
    /// content hash, in the playbook's header) and lower to the same playbook, line for line but the
    /// source's path: the lowering reads only the IR.
    @Test func everyExampleLowers() throws {
        var playbooks: [String: String] = [:]
        for example in Self.examples {
            let result = try TestSupport.rbc(["export", "ansible", "examples/\(example)", "--color", "never"])
            #expect(result.status == 0, "\(example): \(result.stderr)")
            #expect(result.stdout.contains("ansible.builtin.set_fact"), "\(example)")
            let source = "examples/\(example)"
            #expect(result.stdout.contains("# Lowered by `rbc export ansible` from \(source)\n"), "\(example)")
            playbooks[example] = result.stdout.replacingOccurrences(of: "from \(source)\n", with: "from SOURCE\n")
        }
        let twins = Self.examples.filter { $0.hasSuffix(".md") && Self.examples.contains(String($0.dropLast(3)) + ".yaml") }
        #expect(twins.count == 5)
        for markdown in twins {
            let yaml = String(markdown.dropLast(3)) + ".yaml"
            #expect(playbooks[markdown] == playbooks[yaml], "\(markdown) and \(yaml) lower to different playbooks")
            #expect(playbooks[yaml]?.contains("(sha256:") == true)
        }
    }

    /// Why a `manual` rollback is refused (RB5007, docs/scale-out.md): rbc run, rolling one back, neither
    /// shows its instructions nor asks — with a terminal or without — yet journals it as confirmed by a
    /// person at the terminal. A playbook could only copy that record or ask where rbc run does not. If
    /// rbc run comes to ask (or to refuse), this test fails and the export should lower it as it does.
    @Test func manualRollbacksAskAPersonOrStayUndone() throws {
        let directory = try TestSupport.temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
        runbook:
          name: "Manual rollback"
          severity: P3
          description: "A change a person would undo"
          owner: team
          steps:
            - id: change
              action: execute_command
              command: "echo change >> effects.log"
              rollback:
                action: manual
                instructions: "put the old value back by hand"
            - id: fail
              action: execute_command
              command: "exit 3"
              readonly: true

        """.write(toFile: directory + "/manual.yaml", atomically: true, encoding: .utf8)
        try "".write(toFile: directory + "/.rbc.yaml", atomically: true, encoding: .utf8)
        try Self.terminalDriver.write(toFile: directory + "/terminal.py", atomically: true, encoding: .utf8)
        func finished(_ runs: Set<String>) throws -> (name: String, rollback: [String: Any], status: String?) {
            let names = try FileManager.default.contentsOfDirectory(atPath: directory + "/.rbc/runs").filter { $0.hasSuffix(".jsonl") && !runs.contains($0) }
            let name = try #require(names.first, "one new journal")
            let events = try Self.journal(directory + "/.rbc/runs/" + name)
            let rollback = try #require(events.first { $0["event"] as? String == "rollback_finished" })
            return (name, rollback, events.last?["status"] as? String)
        }
        // Without a terminal and without --yes, nobody can say it was done: the rollback stays undone.
        let plain = try TestSupport.rbc(["run", "manual.yaml", "--allow-dirty"], in: directory)
        #expect(plain.status == 3, "rollback incomplete: \(plain.stdout)\(plain.stderr)")
        let first = try finished([])
        #expect(first.rollback["outcome"] as? String == "failed", "\(first.rollback)")
        #expect((first.rollback["reason"] as? String)?.contains("no terminal to ask") == true, "\(first.rollback)")
        #expect(first.status == "rollback_failed")
        // A person at a terminal is shown the instructions and asked; "no" is recorded as not done.
        let (noStatus, terminal) = try Self.run("/usr/bin/env", ["RBC_TEST_PROMPT=Done?", "python3", directory + "/terminal.py", "no",
                                                                TestSupport.rbcBinary, "run", "manual.yaml", "--allow-dirty"], in: directory)
        #expect(terminal.contains("Rollback of step change is manual:") && terminal.contains("put the old value back by hand"), "\(terminal)")
        #expect(noStatus == 3, "\(terminal)")
        let second = try finished([first.name])
        #expect(second.rollback["reason"] as? String == "the person at the terminal said the manual rollback was not done", "\(second.rollback)")
        // "yes" at the terminal, and --yes given in advance (which the record says nobody confirmed).
        let (yesStatus, yes) = try Self.run("/usr/bin/env", ["RBC_TEST_PROMPT=Done?", "python3", directory + "/terminal.py", "yes",
                                                            TestSupport.rbcBinary, "run", "manual.yaml", "--allow-dirty"], in: directory)
        #expect(yesStatus == 1, "the run failed and was rolled back: \(yes)")
        let third = try finished([first.name, second.name])
        #expect(third.rollback["outcome"] as? String == "succeeded" && third.rollback["reason"] as? String == "confirmed by a person at the terminal", "\(third.rollback)")
        #expect(third.status == "rolled_back")
        let advance = try TestSupport.rbc(["run", "manual.yaml", "--allow-dirty", "--yes"], in: directory)
        let fourth = try finished([first.name, second.name, third.name])
        #expect(advance.stdout.contains("put the old value back by hand") || advance.stderr.contains("put the old value back by hand"))
        #expect(fourth.rollback["reason"] as? String == "approved by --yes (no one confirmed at the terminal that it was done)", "\(fourth.rollback)")
    }

    // MARK: - Rollback: a flat sequence, because nesting is bounded by Ansible

    /// Why rollback is not lowered as nested `block`/`rescue` (docs/scale-out.md): ansible-core cannot load
    /// blocks nested 200 deep (one level per step of a 200-step runbook; it recurses through every parent
    /// block), while the flat lowering of a 300-step runbook, whose depth does not grow with the steps, loads.
    @Test func longRunbooksLoadFlatWhereNestedRescuesCannot() throws {
        let bin = try Self.ansibleBin()
        let directory = try TestSupport.temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var runbook = "runbook:\n  name: \"Long\"\n  severity: P3\n  description: \"Many steps\"\n  owner: team\n  steps:\n"
        for index in 1...300 {
            runbook += "    - id: step-\(index)\n      action: execute_command\n      command: \"echo \(index)\"\n"
                + "      rollback:\n        action: execute_command\n        command: \"echo undo \(index)\"\n"
        }
        try runbook.write(toFile: directory + "/long.yaml", atomically: true, encoding: .utf8)
        let export = try TestSupport.rbc(["export", "ansible", "long.yaml", "--force", "-o", "long.yml"], in: directory)
        #expect(export.status == 0, "\(export.stderr)")
        // The nested form: step k's block holds step k+1's; its rescue undoes step k and fails again to unwind.
        func nested(_ depth: Int, _ level: Int = 1) -> [String] {
            let pad = String(repeating: " ", count: 2 + 4 * level)
            guard level <= depth else { return [pad + "- name: Last step fails", pad + "  ansible.builtin.fail:", pad + "    msg: failed"] }
            return [pad + "- name: Step \(level)", pad + "  block:", pad + "    - name: Step \(level) acts", pad + "      ansible.builtin.command: \"true\"",
                    pad + "      changed_when: true"] + nested(depth, level + 1)
                + [pad + "  rescue:", pad + "    - name: Rollback of step \(level)", pad + "      ansible.builtin.command: \"true\"", pad + "      changed_when: true",
                   pad + "    - name: Unwind", pad + "      ansible.builtin.fail:", pad + "        msg: unwinding"]
        }
        try (["---", "- name: Nested", "  hosts: all", "  gather_facts: false", "  tasks:"] + nested(200)).joined(separator: "\n")
            .write(toFile: directory + "/nested.yml", atomically: true, encoding: .utf8)
        let environment = ["ANSIBLE_LOCAL_TEMP": directory + "/.ansible-tmp", "ANSIBLE_NOCOLOR": "1"]
        let checks = try Self.runSideBySide(["long.yml", "nested.yml"].map { ([bin + "/ansible-playbook", "-i", "localhost,", "--syntax-check", $0], environment) }, in: directory)
        #expect(checks[0].status == 0, "the flat lowering of 300 steps does not load: \(checks[0].output)")
        #expect(checks[1].status != 0 && checks[1].output.contains("maximum recursion depth exceeded"),
                "ansible-core loads rescues nested 200 deep now: reconsider docs/scale-out.md's choice\n\(checks[1].output)")
    }

    // MARK: - Equivalence and fan-out: one ansible-playbook invocation

    /// A runbook of harmless stand-in commands with every construct the lowering handles: config changes
    /// to a YAML store (one replaced, one created in a flow mapping; both put back by the abort), a condition
    /// (false and true), an output read by a later step, retries with backoff, a timeout, a `continue`
    /// failure, a failing rollback among others, an abort, the runbook-wide rollback, post_runbook, a
    /// parameter full of shell syntax that must stay a value, and one tar would read as an option that
    /// runs a command (refused, the step fails and the run goes on).
    static let standIn = """
    runbook:
      name: "Stand-in steps"
      severity: P3
      description: "Every construct the Ansible lowering handles, with harmless commands"
      owner: team
      params:
        target:
          type: string
          required: true
        deep:
          type: bool
          default: false
        archive_option:
          type: string
          default: "--use-compress-program=touch pwned"
      defaults:
        timeout: 30s
      steps:
        - id: record
          action: execute_command
          command: "echo record \\"${{ params.target }}\\" >> effects.log; echo 'version: 1.2.3'; env | grep '^DEPLOY_API_TOKEN='"
          outputs:
            version: {from: stdout, pattern: "version: ([0-9.]+)"}
          rollback:
            action: execute_command
            command: "echo undo-record >> effects.log"
        - id: option-value
          action: execute_command
          command: "tar -cf backup.tar effects.log \\"${{ params.archive_option }}\\""
          readonly: true
          on_failure: continue
        - id: tune
          action: update_config
          store: settings
          config_key: "limits.max_conn"
          value: 80
        - id: add-flag
          action: update_config
          store: settings
          config_key: "features.new_flag.enabled"
          value: true
        - id: only-when-deep
          action: execute_command
          when: params.deep
          command: "echo deep >> effects.log"
          readonly: true
        - id: uses-output
          action: execute_command
          when: steps.record.outputs.version == '1.2.3'
          command: "echo version \\"${{ steps.record.outputs.version }}\\" >> effects.log"
          rollback:
            action: execute_command
            command: "echo undo-version-fails >> effects.log; exit 1"
        - id: flaky
          action: execute_command
          command: "n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo flaky $n >> effects.log; [ $n -ge 2 ]"
          retries:
            attempts: 3
            backoff: 200ms
          rollback:
            action: execute_command
            command: "echo undo-flaky >> effects.log"
        - id: slow
          action: execute_command
          command: "echo slow >> effects.log; sleep 20"
          timeout: 3s
          on_failure: continue
          readonly: true
        - id: broken
          action: execute_command
          command: "echo broken >> effects.log; exit 4"
          readonly: true
        - id: never-reached
          action: execute_command
          command: "echo never >> effects.log"
          readonly: true
      rollback:
        - action: execute_command
          command: "echo runbook-rollback >> effects.log"
      post_runbook:
        - action: send_notification
          channel: "#ops"
          message: "finished for ${{ params.target }}"

    """

    /// The value of `target`: shell syntax that must reach the command as one value, never as code.
    static let hostileTarget = #"a'b $(touch pwned) "c" `touch pwned2`; {{ 7*7 }}"#

    struct Case {
        var name: String
        var runbook: String
        var params: [String: String]
        /// `--yes` for rbc run, `rbc_approve_all` for the playbook; without it, approvals are refused
        /// (neither side has a terminal).
        var approveAll = true
    }

    struct Batch: Sendable {
        var root: String
        /// Every ansible-playbook invocation's output, one after the other.
        var ansibleOutput: String
        var lintStatus: Int32
        var lintOutput: String
        /// Each case's requests to its loopback server: rbc run's, then the playbook's.
        var requests: [String: (rbc: [String], ansible: [String])]
    }

    /// A secret parameter's value: it must appear in no ansible-playbook output (at -vvvv) and no journal,
    /// in any form; its `/`, blank and `+` make the JSON-escaped and URL-encoded forms differ from it.
    static let secretToken = "tok/SECRET 5150+x"

    /// A credential in the environment of both rbc run and ansible-playbook, which the stand-in's first
    /// command prints (`env`): masked in every journal and shown in no output, as rbc run masks it.
    static let environmentToken = "envT0ken/4711+deploy"

    /// Every example runbook (harmless stand-ins: programs are shims, URLs and webhooks point to a
    /// loopback server, waits last 300ms), a runbook of approvals no one gives, and the stand-in. An
    /// example written in both forms runs in its YAML form: its Markdown form lowers to the same
    /// playbook (`everyExampleLowers`), so running it again would test nothing more.
    static let cases: [Case] = [
        Case(name: "diskyaml", runbook: "node-disk-full.yaml", params: ["node": "node-7"]),
        Case(name: "orderrate", runbook: "order-service-error-rate.md", params: [:]),
        Case(name: "orderservice", runbook: "order-service.md", params: [:]),
        Case(name: "gatewayyaml", runbook: "api-gateway-rate-limit.yaml", params: [:]),
        Case(name: "kubeyaml", runbook: "kube-pod-crashlooping.yaml", params: ["deployment": "checkout-api"]),
        // orders-primary: the store holds its pool size, so the change replaces a value (payments-primary's is created).
        Case(name: "pgyaml", runbook: "postgres-connection-exhaustion.yaml", params: ["cluster": "orders-primary", "dba_token": secretToken]),
        Case(name: "tlsyaml", runbook: "tls-certificate-expiry.yaml", params: ["certificate": "edge-cert", "host": "127.0.0.1:PORT"]),
        Case(name: "approvals", runbook: "approvals.yaml", params: [:], approveAll: false),
        Case(name: "standin", runbook: "standin.yaml", params: ["target": hostileTarget]),
        Case(name: "http", runbook: "http.yaml", params: [:]),
    ]

    static let examples = ["node-disk-full.yaml", "node-disk-full.md", "order-service-error-rate.md", "order-service.md", "api-gateway-rate-limit.yaml",
                           "api-gateway-rate-limit.md", "kube-pod-crashlooping.yaml", "kube-pod-crashlooping.md", "postgres-connection-exhaustion.yaml",
                           "postgres-connection-exhaustion.md", "tls-certificate-expiry.yaml", "tls-certificate-expiry.md"]

    /// HTTP paths that go wrong, against the case's scripted server (PORT): an answer slower than the
    /// step's budget, nothing listening, an error status, an expected error status, an answer that
    /// misses a budget of 1.2 s by less than a second (ansible.builtin.uri's timeout, whole seconds
    /// rounded up, would have waited for it: a different outcome), redirects that drop (303) and keep (307) the body, explicit headers (a Host, an Authorization
    /// that stays with the first host when a redirect leads to another), and
    /// webhooks that answer 500 (notifications) or too late (tickets).
    static let httpRunbook = """
    runbook:
      name: "HTTP paths"
      severity: P3
      description: "Requests and webhooks that run out of time, find nothing listening or get an error status"
      owner: team
      defaults:
        timeout: 30s
      steps:
        - id: slow-answer
          action: http_request
          method: GET
          url: "http://127.0.0.1:PORT/slow/4000"
          timeout: 1500ms
          readonly: true
          on_failure: continue
        - id: nothing-listens
          action: http_request
          method: GET
          url: "http://127.0.0.1:9/health"
          readonly: true
          on_failure: continue
        - id: server-error
          action: http_request
          method: POST
          url: "http://127.0.0.1:PORT/status/503"
          body: "drain=1"
          readonly: true
          on_failure: continue
        - id: expected-404
          action: http_request
          method: GET
          url: "http://127.0.0.1:PORT/status/404"
          readonly: true
          expect:
            status: 404
        - id: sub-second
          action: http_request
          method: GET
          url: "http://127.0.0.1:PORT/slow/1900"
          timeout: 1200ms
          readonly: true
          on_failure: continue
        - id: redirected-post
          action: http_request
          method: POST
          url: "http://127.0.0.1:PORT/redirect/303"
          headers:
            X-Api-Token: "abc"
            Content-Type: "text/plain"
          body: "x=1"
          readonly: true
        - id: redirected-put
          action: http_request
          method: PUT
          url: "http://127.0.0.1:PORT/redirect/307"
          headers:
            Content-Type: "application/json"
          body: '{"replicas": 3}'
          readonly: true
        - id: redirected-elsewhere
          action: http_request
          method: POST
          url: "http://127.0.0.1:PORT/elsewhere/307"
          headers:
            Authorization: "Bearer stand-in"
            Host: "service.example"
            X-Kept: "kept"
          body: "z"
          readonly: true
        - id: notify
          action: send_notification
          channel: "#ops"
          message: "the webhook answers 500"
          on_failure: continue
        - id: ticket
          action: create_ticket
          title: "the webhook is slow"
          body: "no answer in time"
          # Under 4 s, the server's delay; a whole second and more above what a loaded machine takes to start
          # the task and send the request (with 1.5 s, a CI machine under load timed out before sending it).
          timeout: 3000ms
          on_failure: continue

    """

    /// Two confirmed steps: the first has a rollback. Without approvals both sides refuse the first.
    static let approvalsRunbook = """
    runbook:
      name: "Approvals"
      severity: P3
      description: "Steps a person approves"
      owner: team
      steps:
        - id: first
          action: execute_command
          command: "echo first >> effects.log"
          confirm: true
          rollback:
            action: execute_command
            command: "echo undo-first >> effects.log"
        - id: second
          action: execute_command
          command: "echo second >> effects.log"
          confirm: true
          readonly: true

    """

    /// Stand-ins for the programs the examples call: they record their arguments and succeed.
    static let shim = """
    #!/bin/sh
    echo "$(basename "$0") $*" >> effects.log
    case "$*" in
      *uncordon*) echo "node/$2 uncordoned" ;;
      *"group by state"*) echo "idle in transaction|3" ;;
    esac
    exit 0

    """

    /// An example as the test runs it: its URLs on the case's loopback server, its waits 300ms.
    static func standIn(example text: String, port: Int) -> String {
        text.replacingOccurrences(of: "https://pgbouncer-admin.internal.acme.net", with: "http://127.0.0.1:\(port)")
            .replacingOccurrences(of: "https://${{ params.host }}", with: "http://${{ params.host }}")
            .replacingOccurrences(of: "duration: 2m", with: "duration: 300ms")
            .replacingOccurrences(of: "duration: 1m", with: "duration: 300ms")
            .replacingOccurrences(of: "**Duration**: 2m", with: "**Duration**: 300ms")
            .replacingOccurrences(of: "durationMs: 60000", with: "durationMs: 300")
            .replacingOccurrences(of: "**Duration**: 60000ms", with: "**Duration**: 300ms")
    }

    /// A YAML store whose comments, quoting and layout every change and rollback must keep.
    static let settingsStore = """
    # Service settings (comments and layout survive every change)
    limits:
      max_conn: 50   # tuned in INC-12
      timeout: "30s"
    features: {old_flag: yes}
    notes: |
      kept as is

    """

    /// `.rbc.yaml` of a case: the config store beside it, webhooks on the case's loopback server.
    static func configuration(port: Int, notify: String = "/notify", ticket: String = "/ticket") -> String {
        "stores: {default: {file: config/flags.json}, settings: {file: config/settings.yaml}}\nnotifications: {url: \"http://127.0.0.1:\(port)\(notify)\", format: slack}\n"
            + "tickets: {url: \"http://127.0.0.1:\(port)\(ticket)\", format: json}\n"
    }

    /// The http case's webhooks: notifications answer 500, tickets answer after the step's budget.
    static func webhookPaths(_ name: String) -> (notify: String, ticket: String) {
        name == "http" ? ("/status/500", "/slow/4000") : ("/notify", "/ticket")
    }

    /// Exports every case, runs each with `rbc run` in its own directory, then runs the playbooks with
    /// ansible-playbook, each case in a directory of its own: the cases that end well (and the three-host
    /// fan-out) in two invocations, each that ends failed in one of its own (ansible-playbook stops at a
    /// play whose every host failed), the invocations side by side.
    static let batch: Result<Batch, any Error> = Result {
        let bin = try ansibleBin()
        let root = try TestSupport.temporaryDirectory().path
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/shims", withIntermediateDirectories: true)
        for program in ["kubectl", "ssh", "curl", "psql", "cmctl"] {
            try shim.write(toFile: root + "/shims/" + program, atomically: true, encoding: .utf8)
            chmod(root + "/shims/" + program, 0o755)
        }
        let path = root + "/shims:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let flags = try String(contentsOfFile: TestSupport.path("examples/config/flags.json"), encoding: .utf8)
        // One loopback server per case: rbc run's requests come first, the playbook's after.
        let servers: [String: PythonHTTPServer] = try Dictionary(uniqueKeysWithValues: cases.map {
            ($0.name, try ScriptedServer(lifetimeSeconds: 900) as PythonHTTPServer)
        })
        defer { servers.values.forEach { $0.stop() } }
        func port(_ name: String) -> Int { servers[name]?.port ?? 0 }
        // The export reads this .rbc.yaml: its webhooks are gatewayyaml's server (that case uses the
        // exported webhooks; the others override them with the host var `rbc_webhooks`).
        try configuration(port: port("gatewayyaml")).write(toFile: root + "/.rbc.yaml", atomically: true, encoding: .utf8)
        try fm.createDirectory(atPath: root + "/config", withIntermediateDirectories: true)
        try flags.write(toFile: root + "/config/flags.json", atomically: true, encoding: .utf8)
        try settingsStore.write(toFile: root + "/config/settings.yaml", atomically: true, encoding: .utf8)
        try standIn.write(toFile: root + "/standin.yaml", atomically: true, encoding: .utf8)
        try approvalsRunbook.write(toFile: root + "/approvals.yaml", atomically: true, encoding: .utf8)
        try fanOutRunbook.write(toFile: root + "/fanout.yaml", atomically: true, encoding: .utf8)
        var inventory = "all:\n  vars:\n    ansible_connection: local\n    ansible_python_interpreter: \(yamlQuote(bin + "/python"))\n  children:\n    cases:\n      hosts:\n"
        var runbooks: [String: (runbook: String, params: [String: String])] = [:]
        for item in cases {
            let serverPort = port(item.name)
            if examples.contains(item.runbook) {
                let text = try String(contentsOfFile: TestSupport.path("examples/" + item.runbook), encoding: .utf8)
                let name = item.name + "-" + item.runbook
                try standIn(example: text, port: serverPort).write(toFile: root + "/" + name, atomically: true, encoding: .utf8)
            }
            if item.name == "http" {
                try httpRunbook.replacingOccurrences(of: "PORT", with: String(serverPort)).write(toFile: root + "/http.yaml", atomically: true, encoding: .utf8)
            }
            let runbook = examples.contains(item.runbook) ? item.name + "-" + item.runbook : item.runbook
            let params = item.params.mapValues { $0.replacingOccurrences(of: "PORT", with: String(serverPort)) }
            runbooks[item.name] = (runbook, params)
            // rbc run's directory (a .rbc.yaml there keeps its journal and its store there), and the playbook's.
            let runDirectory = root + "/rbc-" + item.name
            try fm.createDirectory(atPath: runDirectory + "/config", withIntermediateDirectories: true)
            let hooks = webhookPaths(item.name)
            try configuration(port: serverPort, notify: hooks.notify, ticket: hooks.ticket).write(toFile: runDirectory + "/.rbc.yaml", atomically: true, encoding: .utf8)
            let ansibleDirectory = root + "/ansible-" + item.name
            try fm.createDirectory(atPath: ansibleDirectory + "/config", withIntermediateDirectories: true)
            for directory in [runDirectory, ansibleDirectory] {
                try flags.write(toFile: directory + "/config/flags.json", atomically: true, encoding: .utf8)
                try settingsStore.write(toFile: directory + "/config/settings.yaml", atomically: true, encoding: .utf8)
            }
            // A host alias for the case, working in its own directory.
            inventory += "        \(item.name):\n          rbc_working_directory: \(yamlQuote(ansibleDirectory))\n"
            inventory += "          rbc_stores: {default: config/flags.json, settings: config/settings.yaml}\n"
            if item.name != "gatewayyaml" {
                inventory += "          rbc_webhooks: {notifications: {url: \"http://127.0.0.1:\(serverPort)\(hooks.notify)\", format: slack}, "
                    + "tickets: {url: \"http://127.0.0.1:\(serverPort)\(hooks.ticket)\", format: json}}\n"
            }
            if item.approveAll { inventory += "          rbc_approve_all: true\n" }
            for (name, value) in params.sorted(by: { $0.key < $1.key }) { inventory += "          rbc_param_\(name): !unsafe \(yamlQuote(value))\n" }
        }
        // Each case's `rbc run` and export, the cases side by side (their servers and directories are their own).
        let given = runbooks
        nonisolated(unsafe) let shared = servers
        let outcomes = try concurrently(Self.cases) { item -> (status: Int32, requests: Int) in
            let (runbook, params) = given[item.name] ?? ("", [:])
            let arguments = params.sorted { $0.key < $1.key }.flatMap { ["--param", "\($0.key)=\($0.value)"] }
            let run = try TestSupport.rbc(["run", "../" + runbook, "--allow-dirty"] + (item.approveAll ? ["--yes"] : []) + arguments,
                                          in: root + "/rbc-" + item.name, environment: ["PATH": path, "DEPLOY_API_TOKEN": environmentToken])
            let requests = shared[item.name]?.requests().count ?? 0
            let export = try TestSupport.rbc(["export", "ansible", runbook, "--hosts", item.name, "-o", "playbooks/\(item.name).yml"], in: root)
            guard export.status == 0 else { throw ExportFailure(description: "export of \(item.runbook): \(export.stderr)") }
            // The stand-ins keep the runs short: an example whose wait was not shortened fails here, not slowly.
            let ir = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/playbooks/\(item.name).ir.json"))) as? [String: Any] ?? [:]
            let steps = ["steps", "postRunbook", "rollback"].flatMap { ir[$0] as? [[String: Any]] ?? [] }
            for step in steps {
                let actions = [step["action"], (step["rollback"] as? [String: Any])?["action"]].compactMap { $0 as? [String: Any] }
                if let wait = actions.first(where: { $0["kind"] as? String == "wait" && ($0["durationMs"] as? Int ?? 0) > 1000 }) {
                    throw ExportFailure(description: "\(item.runbook) waits \(wait["durationMs"] ?? ""): shorten it in standIn(example:)")
                }
            }
            return (run.status, requests)
        }
        var succeeding: [String] = []
        var failing: [(String, String)] = []
        var rbcRequests: [String: Int] = [:]
        for (item, outcome) in zip(cases, outcomes) {
            rbcRequests[item.name] = outcome.requests
            if outcome.status == 0 { succeeding.append("playbooks/\(item.name).yml") } else { failing.append((item.name, "playbooks/\(item.name).yml")) }
        }
        // The fan-out: three hosts, different host vars; web-2's command fails, so web-2 alone rolls back.
        let export = try TestSupport.rbc(["export", "ansible", "fanout.yaml", "--hosts", "fleet", "-o", "playbooks/fanout.yml"], in: root)
        guard export.status == 0 else { throw ExportFailure(description: "export of fanout.yaml: \(export.stderr)") }
        succeeding.append("playbooks/fanout.yml")
        inventory += "    fleet:\n      hosts:\n"
        for (host, code) in [("web-1", "0"), ("web-2", "3"), ("web-3", "0")] {
            let directory = root + "/fleet-" + host
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try fm.createDirectory(atPath: directory + "/config", withIntermediateDirectories: true)
            try flags.write(toFile: directory + "/config/flags.json", atomically: true, encoding: .utf8)
            inventory += "        \(host):\n          rbc_working_directory: \(yamlQuote(directory))\n          rbc_param_exit_code: \(code)\n          rbc_param_label: \(host)-label\n"
                + "          rbc_stores: {default: config/flags.json}\n"
        }
        try inventory.write(toFile: root + "/inventory.yml", atomically: true, encoding: .utf8)
        let environment = ["PATH": path, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_LOCAL_TEMP": root + "/.ansible-tmp",
                           "ANSIBLE_REMOTE_TEMP": root + "/.ansible-tmp", "DEPLOY_API_TOKEN": environmentToken]
        // Playbooks importing the others: ansible-playbook goes on to the next play unless every host of a
        // play failed, so each invocation ends with one case that fails and runs cases that end well before
        // it (each ansible-playbook start costs seconds of CPU; the invocations run side by side).
        var invocations: [[String]] = []
        let groups = max(1, failing.count)
        for group in 0..<groups {
            let plays = succeeding.enumerated().filter { $0.offset % groups == group }.map(\.element) + (group < failing.count ? [failing[group].1] : [])
            try ("---\n" + plays.map { "- name: \(($0 as NSString).lastPathComponent)\n  ansible.builtin.import_playbook: \(($0 as NSString).lastPathComponent)\n" }.joined())
                .write(toFile: root + "/playbooks/all-\(group).yml", atomically: true, encoding: .utf8)
            invocations.append(["playbooks/all-\(group).yml"])
        }
        // ansible-lint on every generated playbook, beside the playbook runs: their plays in one file (the
        // first one's header kept), so that ansible-lint loads and syntax-checks once, not once per playbook.
        var plays = ""
        for (index, name) in (cases.map(\.name) + ["fanout"]).enumerated() {
            let text = try String(contentsOfFile: root + "/playbooks/\(name).yml", encoding: .utf8)
            plays += index == 0 ? text : text.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("#") && $0 != "---" }.joined(separator: "\n")
        }
        try plays.write(toFile: root + "/playbooks/every-play.yml", atomically: true, encoding: .utf8)
        let lint = [bin + "/ansible-lint", "--offline", "--nocolor", "--profile", "production", "playbooks/every-play.yml"]
        // -vvvv: every task's result is printed, and a secret must be in none of them.
        let finished = try runSideBySide(invocations.map { ([bin + "/ansible-playbook", "-vvvv", "-i", "inventory.yml"] + $0, environment) }
                                         + [(lint, ["PATH": bin + ":" + path, "ANSIBLE_LOCAL_TEMP": root + "/.ansible-tmp"])], in: root)
        let outputs = finished.dropLast().map(\.output)
        let (lintStatus, lintOutput) = try #require(finished.last)
        var requests: [String: (rbc: [String], ansible: [String])] = [:]
        for item in cases {
            let all = (servers[item.name]?.requests() ?? []).map { request in
                // Every header in the order it arrived (Host, Accept, the step's, User-Agent, Content-Length, Content-Type).
                ["method", "path", "headers", "body"].map { "\($0)=\((request[$0] as? [String]).map { $0.joined(separator: " | ") } ?? request[$0] ?? "")" }.joined(separator: " ")
            }
            let split = min(rbcRequests[item.name] ?? 0, all.count)
            requests[item.name] = (Array(all[..<split]), Array(all[split...]))
        }
        return Batch(root: root, ansibleOutput: outputs.joined(separator: "\n"), lintStatus: lintStatus, lintOutput: lintOutput, requests: requests)
    }

    /// Runs the commands at the same time and waits for them all: their statuses and outputs, in order.
    static func runSideBySide(_ commands: [([String], [String: String])], in directory: String) throws -> [(status: Int32, output: String)] {
        var running: [(Process, URL)] = []
        for (command, environment) in commands {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: command[0])
            process.arguments = Array(command.dropFirst())
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            let log = URL(fileURLWithPath: directory).appendingPathComponent(".ansible-output-\(running.count).txt")
            try #require(FileManager.default.createFile(atPath: log.path, contents: nil), "cannot create \(log.path)")
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            process.standardInput = FileHandle.nullDevice
            try process.run()
            running.append((process, log))
        }
        return running.map { process, log in
            process.waitUntilExit()
            return (process.terminationStatus, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
        }
    }

    /// Runs `body` for every item at the same time (each on a thread of its own): the results, in order.
    static func concurrently<Item: Sendable, Value: Sendable>(_ items: [Item], _ body: @escaping @Sendable (Item) throws -> Value) throws -> [Value] {
        let results = ConcurrentResults<Value>()
        let group = DispatchGroup()
        for (index, item) in items.enumerated() {
            group.enter()
            Thread.detachNewThread {
                let value = Result { try body(item) }
                results.lock.withLock { results.values[index] = value }
                group.leave()
            }
        }
        group.wait()
        return try items.indices.map { index in
            guard let value = results.lock.withLock({ results.values[index] }) else { throw ExportFailure(description: "item \(index) left no result") }
            return try value.get()
        }
    }

    final class ConcurrentResults<Value>: @unchecked Sendable {
        let lock = NSLock()
        var values: [Int: Result<Value, any Error>] = [:]
    }

    struct ExportFailure: Error, CustomStringConvertible { let description: String }

    /// A YAML double-quoted scalar (JSON string escapes are YAML escapes).
    static func yamlQuote(_ value: String) -> String {
        String(decoding: (try? JSONEncoder().encode(value)) ?? Data("\"\"".utf8), as: UTF8.self)
    }

    static let fanOutRunbook = """
    runbook:
      name: "Fan-out"
      severity: P3
      description: "One playbook, three hosts, different host vars"
      owner: team
      params:
        exit_code:
          type: int
          required: true
        label:
          type: string
          required: true
      steps:
        - id: mark
          action: execute_command
          command: "echo mark \\"${{ params.label }}\\" >> effects.log"
          rollback:
            action: execute_command
            command: "echo unmark \\"${{ params.label }}\\" >> effects.log"
        - id: set-label
          action: update_config
          config_key: "fleet.label"
          value: "${{ params.label }}"
        - id: act
          action: execute_command
          command: "echo act >> effects.log; exit ${{ params.exit_code }}"
          readonly: true

    """

    /// A journal as a list of events, each a dictionary.
    static func journal(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    /// The journals in a runs directory, keyed by the host their run_started names.
    static func journals(in directory: String) throws -> [String: (path: String, events: [[String: Any]])] {
        var found: [String: (String, [[String: Any]])] = [:]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() where name.hasSuffix(".jsonl") {
            let events = try journal(directory + "/" + name)
            let host = events.first?["host"] as? String ?? ""
            found[host] = (directory + "/" + name, events)
        }
        return found
    }

    /// What two journals must agree on: each event's kind, step, list, attempt, outcome, decision,
    /// status, exit code, HTTP status, message text, and a config change's store, keys, values and the
    /// text it replaced. Times, durations, pids and reasons worded with measured times differ;
    /// `process_started` is rbc's own (Ansible does not report the pid).
    static func projection(_ events: [[String: Any]]) -> [String] {
        events.filter { event in
            // rbc's own process bookkeeping: the pid of a command, and the processes it ended after it.
            event["event"] as? String != "process_started"
                && !(event["event"] as? String == "message" && event["step"] != nil && (event["text"] as? String ?? "").hasPrefix("ended "))
        }.map { event in
            // A timed-out command has no exit code of its own (rbc: -1; coreutils timeout: 124).
            let keys = ["event", "step", "list", "attempt", "outcome", "decision", "by", "status", "httpStatus", "bodyBytes", "store", "key", "undoKey", "previousSource", "previousPresent"]
                + (event["outcome"] as? String == "timed_out" ? [] : ["exitCode"])
            return keys.compactMap { key in event[key].map { "\(key)=\($0)" } }.joined(separator: " ")
                + ((event["event"] as? String) == "message" ? " text=\(event["text"] ?? "")" : "")
                + (["config_changed", "rollback_started"].contains(event["event"] as? String ?? "") ? " value=\(json(event["value"])) previous=\(json(event["previous"]))" : "")
        }
    }

    static func json(_ value: Any?) -> String {
        guard let value else { return "absent" }
        return (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
    }

    /// `rbc timeline` as both sides must render it: the timeline's rows, with times, the run's id, who
    /// ran it and the runbook's path (`../x.yaml` for rbc run, `x.yaml` for the export) left out.
    static func timeline(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(of: "## Timeline (UTC)") else { return text }
        let end = lines[(start + 1)...].firstIndex { $0.hasPrefix("## ") } ?? lines.endIndex
        // rbc run's own rows: the processes it ended after a command (Ansible reports no pids).
        return lines[start..<end].filter { !$0.contains(" the command left running: ") }.map {
            $0.replacingOccurrences(of: #"^\| \d\d:\d\d:\d\d \|"#, with: "| TIME |", options: .regularExpression)
                .replacingOccurrences(of: #"\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{4}"#, with: "RUN", options: .regularExpression)
                .replacingOccurrences(of: #"\([^()]*, IR sha256:[0-9a-f]+\)"#, with: "(SOURCE)", options: .regularExpression)
                .replacingOccurrences(of: #"started by .*\|$"#, with: "started by USER |", options: .regularExpression)
                .replacingOccurrences(of: #"timed out after [0-9a-z]+"#, with: "timed out after DURATION", options: .regularExpression)
                // The HTTP libraries word their errors (libcurl, urllib) and measure the budget left apart.
                .replacingOccurrences(of: #"(https?://[^ |]+) failed: [^|]*"#, with: "$1 failed: ERROR ", options: .regularExpression)
                .replacingOccurrences(of: #"no complete answer within [0-9a-z]+"#, with: "no complete answer within DURATION", options: .regularExpression)
        }.joined(separator: "\n")
    }

    static func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "(missing)" }

    @Test func playbookRunMatchesRbcRun() throws {
        let batch = try Self.batch.get()
        #expect(batch.ansibleOutput.contains("PLAY RECAP"), "\(batch.ansibleOutput.suffix(3000))")
        let ansibleJournals = try Self.journals(in: batch.root + "/.rbc/runs")
        for item in Self.cases {
            let rbcEffects = Self.text(batch.root + "/rbc-\(item.name)/effects.log")
            let ansibleEffects = Self.text(batch.root + "/ansible-\(item.name)/effects.log")
            #expect(ansibleEffects == rbcEffects, "\(item.name): effects differ\n--- rbc run\n\(rbcEffects)--- ansible-playbook\n\(ansibleEffects)")
            // The same final config store, byte for byte, and the same requests to the loopback server, in order.
            for store in ["flags.json", "settings.yaml"] {
                let rbcStore = Self.text(batch.root + "/rbc-\(item.name)/config/\(store)")
                let ansibleStore = Self.text(batch.root + "/ansible-\(item.name)/config/\(store)")
                #expect(ansibleStore == rbcStore, "\(item.name): config stores differ\n--- rbc run\n\(rbcStore)--- ansible-playbook\n\(ansibleStore)")
            }
            let requests = try #require(batch.requests[item.name])
            #expect(requests.ansible == requests.rbc, "\(item.name): requests differ\n--- rbc run\n\(requests.rbc.joined(separator: "\n"))\n--- ansible-playbook\n\(requests.ansible.joined(separator: "\n"))")
            let rbcJournal = try Self.journals(in: batch.root + "/rbc-\(item.name)/.rbc/runs").values.first
            let ansibleJournal = ansibleJournals[item.name]
            let rbcEvents = try #require(rbcJournal, "\(item.name): rbc run left no journal").events
            let ansibleEvents = try #require(ansibleJournal, "\(item.name): the playbook left no journal for host \(item.name)\n\(batch.ansibleOutput.suffix(3000))").events
            #expect(Self.projection(ansibleEvents) == Self.projection(rbcEvents),
                    "\(item.name): journals differ\n--- rbc run\n\(Self.projection(rbcEvents).joined(separator: "\n"))\n--- ansible-playbook\n\(Self.projection(ansibleEvents).joined(separator: "\n"))")
            // rbc reads the playbook's journal as its own: show renders it, timeline renders it as rbc run's.
            let rbcTimeline = try TestSupport.rbc(["timeline", try #require(rbcJournal).path], in: batch.root)
            let ansibleTimeline = try TestSupport.rbc(["timeline", try #require(ansibleJournal).path], in: batch.root)
            #expect(ansibleTimeline.status == 0 && rbcTimeline.status == 0, "\(item.name): \(ansibleTimeline.stderr)\(rbcTimeline.stderr)")
            #expect(Self.timeline(ansibleTimeline.stdout) == Self.timeline(rbcTimeline.stdout),
                    "\(item.name): timelines differ\n--- rbc run\n\(Self.timeline(rbcTimeline.stdout))\n--- ansible-playbook\n\(Self.timeline(ansibleTimeline.stdout))")
            for command in [["show"], ["timeline", "--format", "json"]] {
                let rendered = try TestSupport.rbc(command + [try #require(ansibleJournal).path], in: batch.root)
                #expect(rendered.status == 0, "rbc \(command.joined(separator: " ")) of the playbook's journal: \(rendered.stderr)")
            }
        }
        // The hostile parameter reached the commands as one value, both ways, and ran nothing.
        for side in ["rbc-standin", "ansible-standin"] {
            #expect(Self.text(batch.root + "/\(side)/effects.log").contains("record \(Self.hostileTarget)\n"), "\(side)")
            #expect(!FileManager.default.fileExists(atPath: batch.root + "/\(side)/pwned"))
            #expect(!FileManager.default.fileExists(atPath: batch.root + "/\(side)/pwned2"))
        }
        // The stand-in run ended as rbc run ends it: rolled back after a failing rollback → rollback_failed.
        let standIn = try #require(ansibleJournals["standin"]).events
        #expect(standIn.last?["status"] as? String == "rollback_failed")
        // The value tar would read as an option was refused before tar ran (the pwned checks above: it ran nothing).
        #expect(standIn.contains { $0["event"] as? String == "step_finished" && $0["step"] as? String == "option-value" && $0["outcome"] as? String == "failed" })
        #expect(Self.text(batch.root + "/ansible-standin/effects.log").contains("slow\nbroken\nundo-flaky\nundo-version-fails\nundo-record\nrunbook-rollback\n"))
        // The examples did change the stores, the HTTP server and the webhooks (the comparisons above are not vacuous).
        #expect(Self.text(batch.root + "/ansible-gatewayyaml/config/flags.json").contains("\"2000\""))
        #expect(batch.requests["gatewayyaml"]?.ansible.contains { $0.contains("path=/notify") } == true)
        #expect(batch.requests["pgyaml"]?.ansible.contains { $0.contains("path=/v1/clusters/orders-primary/health") } == true)
        // The YAML store's changes were made and put back byte for byte (comments, quoting, flow mapping).
        #expect(Self.text(batch.root + "/ansible-standin/config/settings.yaml") == Self.settingsStore)
        let standInChanges = standIn.filter { $0["event"] as? String == "config_changed" }.map { "\($0["undoKey"] ?? $0["key"] ?? "") \($0["previousSource"] ?? "absent")" }
        #expect(standInChanges == ["limits.max_conn  50", "features.new_flag absent"])
        #expect(try #require(ansibleJournals["pgyaml"]).events.contains { $0["event"] as? String == "config_changed" && $0["previousSource"] as? String == " 50" })
    }

    /// The HTTP paths that go wrong end alike both ways (compared in full above, with the server's log of
    /// requests and their Content-Type); here, that they did go wrong as the runbook arranges.
    @Test func httpPathsThatGoWrongEndAsInRbcRun() throws {
        let batch = try Self.batch.get()
        let events = try #require(try Self.journals(in: batch.root + "/.rbc/runs")["http"]).events
        let outcomes = events.filter { $0["event"] as? String == "step_finished" }.map { "\($0["step"] ?? "") \($0["outcome"] ?? "")" }
        #expect(outcomes == ["slow-answer timed_out", "nothing-listens failed", "server-error failed", "expected-404 succeeded", "sub-second timed_out",
                             "redirected-post succeeded", "redirected-put succeeded", "redirected-elsewhere succeeded", "notify failed", "ticket timed_out"])
        #expect(events.filter { $0["event"] as? String == "attempt_finished" }.compactMap { $0["httpStatus"] as? Int } == [503, 404, 200, 200, 200, 500])
        #expect(events.last?["status"] as? String == "completed_with_failures")
        let requests = try #require(batch.requests["http"])
        #expect(requests.ansible.count == 12, "\(requests.ansible)")
        // rbc run's (libcurl's) Content-Type for a body without one, and its redirects: 303 drops the body
        // and keeps the method's name, 307 keeps both (compared header by header with rbc run's above).
        #expect(requests.ansible.contains { $0.contains("path=/status/503") && $0.contains("body=drain=1") && $0.contains("Content-Type: application/x-www-form-urlencoded") })
        #expect(requests.ansible.contains { $0.hasPrefix("method=POST path=/target/303 ") && $0.hasSuffix(" body=") && $0.contains("X-Api-Token: abc") })
        #expect(requests.ansible.contains { $0.hasPrefix("method=PUT path=/target/307 ") && $0.hasSuffix(#"body={"replicas": 3}"#) })
        // Led to another host: the step's Authorization and Host stay behind, its other headers and the body go on.
        #expect(requests.ansible.contains { $0.hasPrefix("method=POST path=/elsewhere/307 headers=Host: service.example | Accept: */* | Authorization: Bearer stand-in | X-Kept: kept") })
        #expect(requests.ansible.contains { $0.hasPrefix("method=POST path=/target/307 headers=Host: localhost:") && !$0.contains("Authorization") && $0.contains("X-Kept: kept") && $0.hasSuffix("body=z") })
    }

    /// A loopback server on two ports: plain HTTP (`/slow/MS` answers after MS milliseconds, `/drip` sends
    /// a 100-byte body a byte every 50 ms) and HTTPS with a certificate no one trusts (made here).
    static let boundsServer = #"""
    import datetime, http.server, ipaddress, os, ssl, sys, threading, time
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    directory = os.path.dirname(sys.argv[1])
    with open(os.path.join(directory, "cert.pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(directory, "key.pem"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def do_GET(self):
            parts = self.path.strip("/").split("/")
            try:
                if parts[0] == "drip":
                    self.send_response(200); self.send_header("Content-Length", "100"); self.end_headers()
                    for _ in range(100):
                        self.wfile.write(b"x"); self.wfile.flush(); time.sleep(0.05)
                    return
                if parts[0] == "slow":
                    time.sleep(int(parts[1]) / 1000)
                self.send_response(200); self.send_header("Content-Length", "6"); self.send_header("Connection", "close"); self.end_headers()
                self.wfile.write(b"answer")
            except OSError:
                pass
        def log_message(self, *args): pass
    plain = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    secure = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem"))
    secure.socket = context.wrap_socket(secure.socket, server_side=True)
    for server in (plain, secure):
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(plain.server_address[1], secure.server_address[1], flush=True)
    time.sleep(int(sys.argv[2]))
    """#

    /// The bound and the trust of rbc_http_request itself, beside rbc run's, on sub-second budgets the
    /// playbook run above cannot use reliably (Ansible's own time between tasks is spent from them): an
    /// answer 900 ms late for a budget of 500 ms, a body dripping past a budget of 450 ms (cut off with
    /// part of it received), an answer in time, and a certificate no one trusts. The module runs as
    /// ansible-playbook runs it (its own process, arguments in a file), with the venv's Python.
    @Test func httpModuleBoundsAndTrustAreRbcRuns() throws {
        let bin = try Self.ansibleBin()
        let directory = try TestSupport.temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try PythonHTTPServer(script: Self.boundsServer, lifetimeSeconds: 120, python: [bin + "/python"])
        defer { server.stop() }
        let (plain, secure) = (server.port, server.announced.last ?? 0)
        try #require(server.announced.count == 2 && secure > 0, "the server did not start: \(server.announced)")
        let steps: [(id: String, url: String, timeoutMs: Int)] = [
            ("sub-second", "http://127.0.0.1:\(plain)/slow/900", 500),
            ("drip", "http://127.0.0.1:\(plain)/drip", 450),
            ("in-time", "http://127.0.0.1:\(plain)/slow/50", 5000),
            ("untrusted", "https://127.0.0.1:\(secure)/", 5000),
        ]
        var runbook = "runbook:\n  name: \"Bounds\"\n  severity: P3\n  description: \"Budgets below a second and a certificate no one trusts\"\n  owner: team\n  steps:\n"
        for step in steps {
            runbook += "    - {id: \(step.id), action: http_request, method: GET, url: \"\(step.url)\", timeout: \(step.timeoutMs)ms, readonly: true, on_failure: continue}\n"
        }
        try runbook.write(toFile: directory + "/bounds.yaml", atomically: true, encoding: .utf8)
        try "".write(toFile: directory + "/.rbc.yaml", atomically: true, encoding: .utf8)
        let run = try TestSupport.rbc(["run", "bounds.yaml", "--allow-dirty"], in: directory)
        #expect(run.status == 1, "completed_with_failures: \(run.stdout)\(run.stderr)")
        let events = try #require(try Self.journals(in: directory + "/.rbc/runs").values.first).events
        let module = directory + "/rbc_http_request.py"
        try AnsibleResources.httpRequestModule.write(toFile: module, atomically: true, encoding: .utf8)
        for step in steps {
            let rbc = try #require(events.first { $0["event"] as? String == "attempt_finished" && $0["step"] as? String == step.id })
            let arguments: [String: Any] = ["ANSIBLE_MODULE_ARGS": ["url": step.url, "method": "GET", "headers": [String: String](), "timeout_ms": step.timeoutMs, "user_agent": "rbc/test"]]
            try JSONSerialization.data(withJSONObject: arguments).write(to: URL(fileURLWithPath: directory + "/\(step.id).json"))
            let (status, output) = try Self.run(bin + "/python", [module, directory + "/\(step.id).json"], in: directory)
            #expect(status == 0, "\(step.id): \(output)")
            let result = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(step.id): \(output)")
            let outcome = result["timed_out"] as? Bool == true ? "timed_out" : result["status"] is Int ? "succeeded" : "failed"
            #expect(outcome == rbc["outcome"] as? String, "\(step.id): rbc run \(rbc), module \(result)")
            let received = (rbc: rbc["bodyBytes"] as? Int ?? -1, module: result["body_bytes"] as? Int ?? -1)
            switch step.id {
            case "drip": #expect((1..<100).contains(received.rbc) && (1..<100).contains(received.module), "cut off with part of the body: \(received)")
            case "in-time": #expect(received == (6, 6) && result["content"] as? String == "answer" && rbc["httpStatus"] as? Int == 200)
            case "untrusted":
                #expect((rbc["reason"] as? String ?? "").contains("certificate"), "\(rbc)")
                #expect((result["error"] as? String ?? "").contains("CERTIFICATE_VERIFY_FAILED"), "\(result)")
            default: #expect(result["status"] == nil && received.module == 0)
            }
        }
    }

    /// No terminal and no approval given: the playbook refuses the step, as rbc run does.
    @Test func approvalsAreRefusedWithoutATerminal() throws {
        let batch = try Self.batch.get()
        let events = try #require(try Self.journals(in: batch.root + "/.rbc/runs")["approvals"]).events
        let approval = try #require(events.first { $0["event"] as? String == "approval" })
        #expect(approval["decision"] as? String == "refused")
        #expect(approval["by"] as? String == "no terminal")
        #expect(!FileManager.default.fileExists(atPath: batch.root + "/ansible-approvals/effects.log"), "a refused step ran")
    }

    /// Runs a command on a pseudo-terminal and answers each `Approve?` it asks, in order.
    static let terminalDriver = """
    import os, pty, select, sys, time
    answers, argv = sys.argv[1].split(","), sys.argv[2:]
    prompt = os.environ.get("RBC_TEST_PROMPT", "Approve?").encode()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    out, asked, deadline = b"", 0, time.time() + 600
    while time.time() < deadline:
        if select.select([fd], [], [], 0.5)[0]:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            while out.count(prompt) > asked and asked < len(answers):
                time.sleep(0.2)
                os.write(fd, (answers[asked] + "\\n").encode())
                asked += 1
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode("utf-8", "replace"))
    sys.exit(os.waitstatus_to_exitcode(status))

    """

    /// A person at a terminal answers the playbook's prompts (the `pause` task): yes to the first step,
    /// no to the second; the journal and the effects are rbc run's with the same answers.
    @Test func approvalsAskAPersonAtATerminal() throws {
        let bin = try Self.ansibleBin()
        let root = try TestSupport.temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "".write(toFile: root + "/.rbc.yaml", atomically: true, encoding: .utf8)
        try Self.approvalsRunbook.write(toFile: root + "/approvals.yaml", atomically: true, encoding: .utf8)
        try Self.terminalDriver.write(toFile: root + "/terminal.py", atomically: true, encoding: .utf8)
        for side in ["rbc", "ansible"] {
            try FileManager.default.createDirectory(atPath: root + "/" + side, withIntermediateDirectories: true)
        }
        try "".write(toFile: root + "/rbc/.rbc.yaml", atomically: true, encoding: .utf8)
        let export = try TestSupport.rbc(["export", "ansible", "approvals.yaml", "-o", "playbooks/approvals.yml"], in: root)
        #expect(export.status == 0, "\(export.stderr)")
        try "all:\n  hosts:\n    desk:\n      ansible_connection: local\n      ansible_python_interpreter: \(Self.yamlQuote(bin + "/python"))\n      rbc_working_directory: \(Self.yamlQuote(root + "/ansible"))\n"
            .write(toFile: root + "/inventory.yml", atomically: true, encoding: .utf8)
        let (rbcStatus, rbcOutput) = try Self.run("/usr/bin/env", ["python3", root + "/terminal.py", "yes,no", TestSupport.rbcBinary, "run", "../approvals.yaml", "--allow-dirty"],
                                                  in: root + "/rbc")
        #expect(rbcStatus == 1, "\(rbcOutput)")
        let (status, output) = try Self.run("/usr/bin/env", ["python3", root + "/terminal.py", "yes,no", bin + "/ansible-playbook", "-i", "inventory.yml", "playbooks/approvals.yml"], in: root,
                                            environment: ["ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCAL_TEMP": root + "/.ansible-tmp"])
        #expect(status != 0, "\(output)")
        #expect(Self.text(root + "/ansible/effects.log") == "first\nundo-first\n", "\(output.suffix(3000))")
        #expect(Self.text(root + "/rbc/effects.log") == "first\nundo-first\n", "\(rbcOutput)")
        let ansibleEvents = try #require(try Self.journals(in: root + "/.rbc/runs")["desk"]).events
        let rbcEvents = try #require(try Self.journals(in: root + "/rbc/.rbc/runs").values.first).events
        #expect(Self.projection(ansibleEvents) == Self.projection(rbcEvents),
                "--- rbc run\n\(Self.projection(rbcEvents).joined(separator: "\n"))\n--- ansible-playbook\n\(Self.projection(ansibleEvents).joined(separator: "\n"))")
        #expect(ansibleEvents.filter { $0["event"] as? String == "approval" }.map { "\($0["decision"] ?? "") by \($0["by"] ?? "")" } == ["approved by terminal", "refused by terminal"])
    }

    /// A secret parameter (`dba_token`, sent as an HTTP header) is in no ansible-playbook output — every
    /// invocation runs with -vvvv, which prints every task's result — and no journal, in any form the
    /// redactor knows: as given, upper and lower case, JSON-escaped, URL-encoded, base64.
    @Test func secretsStayOutOfOutputAndJournals() throws {
        let batch = try Self.batch.get()
        let token = Self.secretToken
        let encoded = token.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")) ?? token
        let forms = [token, token.uppercased(), token.lowercased(), token.replacingOccurrences(of: "/", with: "\\/"), encoded,
                     encoded.replacingOccurrences(of: "%20", with: "+"), "tok/SECRET", "SECRET 5150"]
            + [token, token + "\n"].map { Data($0.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "") }
        #expect(batch.ansibleOutput.contains("<pgyaml> ESTABLISH LOCAL CONNECTION"), "ansible-playbook did not run with -vvvv")
        var journals = try Self.journals(in: batch.root + "/.rbc/runs").values.map(\.path)
        journals += try Self.journals(in: batch.root + "/rbc-pgyaml/.rbc/runs").values.map(\.path)
        #expect(journals.count > 10)
        for form in forms {
            #expect(!batch.ansibleOutput.contains(form), "ansible-playbook's output holds the secret")
            for journal in journals { #expect(!Self.text(journal).contains(form), "\(journal) holds the secret") }
        }
        // The environment's credential, which the stand-in's command printed: masked, both ways.
        let standIn = [Self.text(try #require(try Self.journals(in: batch.root + "/.rbc/runs")["standin"]).path),
                       Self.text(try #require(try Self.journals(in: batch.root + "/rbc-standin/.rbc/runs").values.first).path)]
        for journal in standIn { #expect(journal.contains("DEPLOY_API_TOKEN=***"), "the command printed it: \(journal)") }
        for form in [Self.environmentToken, "envT0ken", "envT0ken\\/4711"] {
            #expect(!batch.ansibleOutput.contains(form), "ansible-playbook's output holds the environment's credential")
            for journal in journals + standIn { #expect(!Self.text(journal).contains(form), "\(journal) holds the environment's credential") }
        }
        // It was used: the header reached the server (recorded without it), and the journal masks it.
        #expect(try #require(try Self.journals(in: batch.root + "/.rbc/runs")["pgyaml"]).events.contains { ($0["params"] as? [String: Any])?["dba_token"] as? String == "***" })
    }

    @Test func fanOutJournalsAndRollsBackPerHost() throws {
        let batch = try Self.batch.get()
        let journals = try Self.journals(in: batch.root + "/.rbc/runs")
        for host in ["web-1", "web-2", "web-3"] {
            let events = try #require(journals[host], "no journal for \(host)\n\(batch.ansibleOutput.suffix(3000))").events
            let effects = Self.text(batch.root + "/fleet-\(host)/effects.log")
            let store = Self.text(batch.root + "/fleet-\(host)/config/flags.json")
            if host == "web-2" {
                #expect(events.last?["status"] as? String == "rolled_back")
                #expect(effects == "mark \(host)-label\nact\nunmark \(host)-label\n")
                #expect(store == Self.text(TestSupport.path("examples/config/flags.json")), "web-2's config change was not put back")
            } else {
                #expect(events.last?["status"] as? String == "succeeded")
                #expect(effects == "mark \(host)-label\nact\n")
                #expect(store.contains("\"fleet\": {\"label\": \"\(host)-label\"}"), "\(store)")
            }
            #expect((events.first?["params"] as? [String: Any])?["label"] as? String == "\(host)-label")
        }
        // Per host in the recap: web-2 failed, the others did not.
        #expect(batch.ansibleOutput.range(of: #"web-2\s+: ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=1"#, options: .regularExpression) != nil)
        #expect(batch.ansibleOutput.range(of: #"web-1\s+: ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0"#, options: .regularExpression) != nil)
        // `rbc runs` lists every host's run; `rbc rollback` undoes web-1's from its journal alone.
        let runs = try TestSupport.rbc(["runs"], in: batch.root)
        #expect(runs.status == 0)
        let web1 = try #require(journals["web-1"])
        let rollback = try TestSupport.rbc(["rollback", web1.path, "--yes"], in: batch.root + "/fleet-web-1")
        #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
        #expect(Self.text(batch.root + "/fleet-web-1/effects.log") == "mark web-1-label\nact\nunmark web-1-label\n")
        // The config change is undone from the playbook's journal too: the store is as it was, byte for byte.
        #expect(Self.text(batch.root + "/fleet-web-1/config/flags.json") == Self.text(TestSupport.path("examples/config/flags.json")))
    }

    /// The playbook's journals are rbc's format: every line of every host's journal fits schema/journal.schema.json.
    @Test func playbookJournalsFitTheJournalSchema() throws {
        let batch = try Self.batch.get()
        let validator = try #require(SchemaTests.validator, "check-jsonschema not installed: run `make venv`")
        let directory = batch.root + "/schema-lines"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var files: [String] = []
        for (host, journal) in try Self.journals(in: batch.root + "/.rbc/runs") {
            let lines = try String(contentsOfFile: journal.path, encoding: .utf8).split(separator: "\n")
            for (index, line) in lines.enumerated() {
                let path = directory + "/\(host)-\(index).json"
                try String(line).write(toFile: path, atomically: true, encoding: .utf8)
                files.append(path)
            }
        }
        #expect(files.count > 50)
        let (status, output) = try Self.run(validator, ["--schemafile", TestSupport.path("schema/journal.schema.json")] + files, in: directory)
        #expect(status == 0, "\(output)")
    }

    @Test func generatedPlaybooksPassAnsibleLintProductionProfile() throws {
        let batch = try Self.batch.get()
        #expect(batch.lintStatus == 0, "\(batch.lintOutput)")
        // Linted: one file holding every generated playbook's play.
        let plays = Self.text(batch.root + "/playbooks/every-play.yml").split(separator: "\n").filter { $0.hasPrefix("- name: ") }
        #expect(plays.count == Self.cases.count + 1, "\(plays)")
    }
}

/// A loopback server whose paths script its answers: `/status/N` answers N, `/slow/MS` answers after
/// MS milliseconds, `/redirect/N` answers N with `Location: /target/N` (`/elsewhere/N`: the same path on
/// another host name, `localhost`), any other path 200 with a JSON
/// document (the examples read `status.ready`). Each request is logged when it arrives — method, path,
/// every header in the order received, body — on a thread of its own.
final class ScriptedServer: PythonHTTPServer {
    init(lifetimeSeconds: Int) throws {
        try super.init(script: """
        import http.server, json, sys, threading, time
        log, lock = sys.argv[1], threading.Lock()
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                with lock, open(log, "a") as f:
                    f.write(json.dumps({"method": self.command, "path": self.path, "body": body, "agent": self.headers.get("User-Agent"),
                                        "type": self.headers.get("Content-Type"), "headers": ["%s: %s" % item for item in self.headers.items()]}) + "\\n")
                parts = self.path.strip("/").split("/")
                status = int(parts[1]) if parts[0] in ("status", "redirect", "elsewhere") else 200
                if parts[0] == "slow":
                    time.sleep(int(parts[1]) / 1000)
                data = ("answer %d" % status).encode() if parts[0] in ("status", "slow") else json.dumps({"status": {"ready": True}}).encode()
                try:
                    self.send_response(status)
                    if parts[0] == "redirect":
                        self.send_header("Location", "/target/%d" % status)
                    if parts[0] == "elsewhere":
                        self.send_header("Location", "http://localhost:%d/target/%d" % (self.server.server_address[1], status))
                    self.send_header("Content-Length", str(len(data))); self.send_header("Connection", "close"); self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(data)
                except OSError:
                    pass
                self.close_connection = True
            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = answer
            def log_message(self, *args): pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        print(server.server_address[1], flush=True)
        threading.Timer(int(sys.argv[2]), server.shutdown).start()
        server.serve_forever()
        """, lifetimeSeconds: lifetimeSeconds)
    }
}
