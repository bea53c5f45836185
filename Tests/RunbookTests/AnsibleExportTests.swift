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
        #expect(!(runtime + callback).contains("\"\"\"#"))
        let generated = """
        // Generated from Resources/rbc_runtime.py and Resources/rbc_journal.py; do not edit. Regenerate with
        // `RBC_RECORD=1 swift test --filter AnsibleExportTests` (a test fails when this copy is stale).

        enum AnsibleResources {
            static let runtime = #\"\"\"
        \(runtime)
        \"\"\"#

            static let journalCallback = #\"\"\"
        \(callback)
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
    }

    // MARK: - Refusals

    /// Every construct the lowering refuses, one step each: the diagnostics name the step and the reason.
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
            - id: undo-by-notify
              action: execute_command
              command: "echo change"
              rollback:
                action: send_notification
                channel: "#ops"
                message: "undo by hand"

        """.write(to: directory.appendingPathComponent("refused.yaml"), atomically: true, encoding: .utf8)
        let result = try TestSupport.rbc(["export", "ansible", "refused.yaml", "-o", "out/refused.yml", "--force", "--color", "never"], in: directory.path)
        #expect(result.status == 1)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("out/refused.yml").path), "a refused export writes nothing")
        TestSupport.assertGolden(result.stderr, "Tests/RunbookTests/Golden/ansible/refusals.expected")
    }

    @Test func examplesThatCannotBeLoweredAreRefusedWithDiagnostics() throws {
        for (example, codes) in [("api-gateway-rate-limit.yaml", ["RB5001", "RB5007"]), ("postgres-connection-exhaustion.yaml", ["RB5001", "RB5002", "RB5007"]),
                                 ("tls-certificate-expiry.yaml", ["RB5002"])] {
            let result = try TestSupport.rbc(["export", "ansible", "examples/\(example)", "--color", "never"])
            #expect(result.status == 1, "\(example)")
            for code in codes { #expect(result.stderr.contains("error[\(code)]"), "\(example) should be refused with \(code)") }
            #expect(result.stdout.isEmpty)
        }
    }

    // MARK: - Equivalence and fan-out: one ansible-playbook invocation

    /// A runbook of harmless stand-in commands with every construct the lowering handles: a condition
    /// (false and true), an output read by a later step, retries with backoff, a timeout, a `continue`
    /// failure, a failing rollback among others, an abort, the runbook-wide rollback, post_runbook, and a
    /// parameter full of shell syntax that must stay a value.
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
      defaults:
        timeout: 30s
      steps:
        - id: record
          action: execute_command
          command: "echo record \\"${{ params.target }}\\" >> effects.log; echo 'version: 1.2.3'"
          outputs:
            version: {from: stdout, pattern: "version: ([0-9.]+)"}
          rollback:
            action: execute_command
            command: "echo undo-record >> effects.log"
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
          timeout: 1s
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
    }

    struct Batch: Sendable {
        var root: String
        var ansibleStatus: Int32
        var ansibleOutput: String
        var lintStatus: Int32
        var lintOutput: String
    }

    /// In the order the playbooks run. ansible-playbook stops at a play whose every host failed, so the
    /// one case that ends failed (the stand-in: rolled back) runs last, after the fan-out.
    static let cases: [Case] = [
        Case(name: "diskyaml", runbook: "node-disk-full.yaml", params: ["node": "node-7"]),
        Case(name: "diskmd", runbook: "node-disk-full.md", params: ["node": "node-7"]),
        Case(name: "orderservice", runbook: "order-service-error-rate.md", params: [:]),
        Case(name: "standin", runbook: "standin.yaml", params: ["target": hostileTarget]),
    ]

    /// Stand-ins for the programs the examples call: they record their arguments and succeed.
    static let shim = """
    #!/bin/sh
    echo "$(basename "$0") $*" >> effects.log
    case "$*" in *uncordon*) echo "node/$2 uncordoned" ;; esac
    exit 0

    """

    /// Exports every case, runs each with `rbc run` in its own directory, then runs all the playbooks
    /// (and the three-host fan-out) in one ansible-playbook invocation, each case in a directory of its own.
    static let batch: Result<Batch, any Error> = Result {
        let bin = try ansibleBin()
        let root = try TestSupport.temporaryDirectory().path
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/shims", withIntermediateDirectories: true)
        for program in ["kubectl", "ssh", "curl"] {
            try shim.write(toFile: root + "/shims/" + program, atomically: true, encoding: .utf8)
            chmod(root + "/shims/" + program, 0o755)
        }
        let path = root + "/shims:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        try "".write(toFile: root + "/.rbc.yaml", atomically: true, encoding: .utf8)
        try standIn.write(toFile: root + "/standin.yaml", atomically: true, encoding: .utf8)
        try fanOutRunbook.write(toFile: root + "/fanout.yaml", atomically: true, encoding: .utf8)
        for example in ["node-disk-full.yaml", "node-disk-full.md", "order-service-error-rate.md"] {
            try fm.copyItem(atPath: TestSupport.path("examples/" + example), toPath: root + "/" + example)
        }
        var playbooks: [String] = []
        // A YAML inventory: parameter values are `!unsafe`, so Ansible never templates them (a `{{` stays text).
        var inventory = "all:\n  vars:\n    ansible_connection: local\n    ansible_python_interpreter: \(yamlQuote(bin + "/python"))\n  children:\n    cases:\n      hosts:\n"
        for item in cases {
            // rbc run, in its own directory (a .rbc.yaml there keeps its journal there).
            let runDirectory = root + "/rbc-" + item.name
            try fm.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
            try "".write(toFile: runDirectory + "/.rbc.yaml", atomically: true, encoding: .utf8)
            let params = item.params.sorted { $0.key < $1.key }.flatMap { ["--param", "\($0.key)=\($0.value)"] }
            _ = try TestSupport.rbc(["run", "../" + item.runbook, "--yes", "--allow-dirty"] + params,
                                    in: runDirectory, environment: ["PATH": path])
            // The export, and a host alias for the case, working in a directory of its own.
            let export = try TestSupport.rbc(["export", "ansible", item.runbook, "--hosts", item.name, "-o", "playbooks/\(item.name).yml"], in: root)
            guard export.status == 0 else { throw ExportFailure(description: "export of \(item.runbook): \(export.stderr)") }
            playbooks.append("playbooks/\(item.name).yml")
            let ansibleDirectory = root + "/ansible-" + item.name
            try fm.createDirectory(atPath: ansibleDirectory, withIntermediateDirectories: true)
            inventory += "        \(item.name):\n          rbc_working_directory: \(yamlQuote(ansibleDirectory))\n"
            for (name, value) in item.params.sorted(by: { $0.key < $1.key }) { inventory += "          rbc_param_\(name): !unsafe \(yamlQuote(value))\n" }
        }
        // The fan-out: three hosts, different host vars; web-2's command fails, so web-2 alone rolls back.
        let export = try TestSupport.rbc(["export", "ansible", "fanout.yaml", "--hosts", "fleet", "-o", "playbooks/fanout.yml"], in: root)
        guard export.status == 0 else { throw ExportFailure(description: "export of fanout.yaml: \(export.stderr)") }
        playbooks.insert("playbooks/fanout.yml", at: playbooks.count - 1)
        inventory += "    fleet:\n      hosts:\n"
        for (host, code) in [("web-1", "0"), ("web-2", "3"), ("web-3", "0")] {
            let directory = root + "/fleet-" + host
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
            inventory += "        \(host):\n          rbc_working_directory: \(yamlQuote(directory))\n          rbc_param_exit_code: \(code)\n          rbc_param_label: \(host)-label\n"
        }
        try inventory.write(toFile: root + "/inventory.yml", atomically: true, encoding: .utf8)
        let environment = ["PATH": path, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_LOCAL_TEMP": root + "/.ansible-tmp",
                           "ANSIBLE_REMOTE_TEMP": root + "/.ansible-tmp"]
        // One playbook importing the others: ansible-playbook stops before the next playbook FILE after
        // any failed host, but goes on to the next play unless every host of a play failed.
        try ("---\n" + playbooks.map { "- name: \(($0 as NSString).lastPathComponent)\n  ansible.builtin.import_playbook: \(($0 as NSString).lastPathComponent)\n" }.joined())
            .write(toFile: root + "/playbooks/all.yml", atomically: true, encoding: .utf8)
        let (status, output) = try run(bin + "/ansible-playbook", ["-i", "inventory.yml", "-e", "rbc_approve_all=true", "playbooks/all.yml"], in: root, environment: environment)
        // ansible-lint, once, on every generated playbook (kube-pod-crashlooping too: it lowers, but its
        // two-minute `wait` keeps it out of the runs).
        try fm.copyItem(atPath: TestSupport.path("examples/kube-pod-crashlooping.yaml"), toPath: root + "/kube-pod-crashlooping.yaml")
        let kube = try TestSupport.rbc(["export", "ansible", "kube-pod-crashlooping.yaml", "-o", "playbooks/kube.yml"], in: root)
        guard kube.status == 0 else { throw ExportFailure(description: "export of kube-pod-crashlooping.yaml: \(kube.stderr)") }
        let (lintStatus, lintOutput) = try run(bin + "/ansible-lint", ["--offline", "--nocolor", "--profile", "production"] + playbooks + ["playbooks/kube.yml"], in: root,
                                               environment: ["PATH": bin + ":" + path, "ANSIBLE_LOCAL_TEMP": root + "/.ansible-tmp"])
        return Batch(root: root, ansibleStatus: status, ansibleOutput: output, lintStatus: lintStatus, lintOutput: lintOutput)
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
    /// status and message text. Times, durations, pids and reasons worded with measured times differ;
    /// `process_started` is rbc's own (Ansible does not report the pid).
    static func projection(_ events: [[String: Any]]) -> [String] {
        events.filter { event in
            // rbc's own process bookkeeping: the pid of a command, and the processes it ended after it.
            event["event"] as? String != "process_started"
                && !(event["event"] as? String == "message" && event["step"] != nil && (event["text"] as? String ?? "").hasPrefix("ended "))
        }.map { event in
            // A timed-out command has no exit code of its own (rbc: -1; coreutils timeout: 124).
            let keys = ["event", "step", "list", "attempt", "outcome", "decision", "status"] + (event["outcome"] as? String == "timed_out" ? [] : ["exitCode"])
            return keys.compactMap { key in event[key].map { "\(key)=\($0)" } }.joined(separator: " ")
                + ((event["event"] as? String) == "message" ? " text=\(event["text"] ?? "")" : "")
        }
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
            let rbcJournal = try Self.journals(in: batch.root + "/rbc-\(item.name)/.rbc/runs").values.first
            let ansibleJournal = ansibleJournals[item.name]
            let rbcEvents = try #require(rbcJournal, "\(item.name): rbc run left no journal").events
            let ansibleEvents = try #require(ansibleJournal, "\(item.name): the playbook left no journal for host \(item.name)\n\(batch.ansibleOutput.suffix(3000))").events
            #expect(Self.projection(ansibleEvents) == Self.projection(rbcEvents),
                    "\(item.name): journals differ\n--- rbc run\n\(Self.projection(rbcEvents).joined(separator: "\n"))\n--- ansible-playbook\n\(Self.projection(ansibleEvents).joined(separator: "\n"))")
            // rbc reads the playbook's journal as its own: show and timeline render it.
            for command in [["show"], ["timeline"], ["timeline", "--format", "json"]] {
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
        #expect(Self.text(batch.root + "/ansible-standin/effects.log").contains("slow\nbroken\nundo-flaky\nundo-version-fails\nundo-record\nrunbook-rollback\n"))
    }

    @Test func fanOutJournalsAndRollsBackPerHost() throws {
        let batch = try Self.batch.get()
        let journals = try Self.journals(in: batch.root + "/.rbc/runs")
        for host in ["web-1", "web-2", "web-3"] {
            let events = try #require(journals[host], "no journal for \(host)\n\(batch.ansibleOutput.suffix(3000))").events
            let effects = Self.text(batch.root + "/fleet-\(host)/effects.log")
            if host == "web-2" {
                #expect(events.last?["status"] as? String == "rolled_back")
                #expect(effects == "mark \(host)-label\nact\nunmark \(host)-label\n")
            } else {
                #expect(events.last?["status"] as? String == "succeeded")
                #expect(effects == "mark \(host)-label\nact\n")
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
    }
}
