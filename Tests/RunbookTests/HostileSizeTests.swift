// Inputs sized to hurt, through the real binary: each must finish with diagnostics (or a clean
// result), never crash. How long they take is measured by `make bench`, not asserted here.

import Foundation
import Testing

@Suite struct HostileSizeTests {
    static func runbookFile(steps: String, params: String = "") -> String {
        "runbook:\n  name: big\n  severity: P3\n  owner: t\n\(params)  steps:\n\(steps)"
    }

    /// Runs `rbc check` on generated text; the result must be an ordinary exit, not a crash.
    static func check(_ text: String, _ arguments: [String] = []) throws -> TestSupport.Run {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try text.write(to: directory.appendingPathComponent("big.yaml"), atomically: true, encoding: .utf8)
        let run = try TestSupport.rbc(["check", "--no-shellcheck", "--no-git", "big.yaml"] + arguments, in: directory.path)
        #expect(run.status == 0 || run.status == 1, "rbc check ended with \(run.status): \(run.stderr.suffix(2000))")
        #expect(!run.stderr.contains("Crash") && !run.stderr.contains("Fatal error"))
        return run
    }

    @Test func thirtyThousandOperandsEndInADiagnostic() throws {
        let operands = (0..<30_000).map { "params.p == 'v\($0)'" }.joined(separator: " || ")
        let run = try Self.check(Self.runbookFile(steps: """
                - id: a
                  action: execute_command
                  command: "true"
                  readonly: true
                  timeout: 5s
                  when: "${{ \(operands) }}"

            """, params: "  params:\n    p: {type: string, default: x}\n"))
        #expect(run.status == 1)
        #expect(run.stdout.contains("error[RB3020]: expression has more than 1000 parts"), "\(run.stdout.prefix(2000))")
        #expect(!run.stdout.contains("RB3005"), "a parameter used by the unchecked expression is not reported unused")
    }

    @Test func deepMemberChainsAndNestingEndInADiagnostic() throws {
        let chain = "params.p" + String(repeating: ".x", count: 30_000)
        let nested = String(repeating: "(", count: 10_000) + "true" + String(repeating: ")", count: 10_000)
        let run = try Self.check(Self.runbookFile(steps: """
                - {id: a, action: execute_command, command: "echo ${{ \(chain) }}", readonly: true, timeout: 5s}
                - {id: b, action: execute_command, command: "true", readonly: true, timeout: 5s, when: "${{ \(nested) }}"}

            """, params: "  params:\n    p: {type: string, default: x}\n"))
        #expect(run.status == 1)
        #expect(run.stdout.contains("RB3020") && run.stdout.contains("nested too deeply"), "\(run.stdout.prefix(2000))")
    }

    @Test func sixteenThousandStepsAreChecked() throws {
        let steps = (0..<16_000).map { index in
            """
                - id: s\(index)
                  action: execute_command
                  command: 'echo \(index)\(index == 0 ? "" : " \"${{ steps.s\(index - 1).outputs.x }}\"")'
                  readonly: true
                  timeout: 5s
                  outputs: {x: {from: stdout}}

            """
        }.joined()
        let run = try Self.check(Self.runbookFile(steps: steps))
        #expect(run.status == 0, "\(run.stdout.prefix(2000))")
        #expect((run.stdout + run.stderr).contains("checked 1 runbook"))
        #expect(!run.stdout.contains("RB1004"), "a long runbook written out is no alias bomb")
    }

    @Test func oneHundredThousandExpressionsAreChecked() throws {
        let command = (0..<100).map { _ in "\"${{ params.p }}\"" }.joined(separator: " ")
        let steps = (0..<1000).map { "    - {id: s\($0), action: execute_command, command: 'echo \(command)', readonly: true, timeout: 5s}\n" }.joined()
        let run = try Self.check(Self.runbookFile(steps: steps, params: "  params:\n    p: {type: string, default: x}\n"))
        #expect(run.status == 0, "\(run.stdout.prefix(2000))")
    }

    @Test func shellCheckSaysWhatItDidNotAnalyse() throws {
        // A 4 MB command once kept ShellCheck busy for minutes at 1.2 GB; past 64 KiB it is not sent.
        let huge = String(repeating: "echo hello world; ", count: 6000)
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.runbookFile(steps: """
                - {id: big, action: execute_command, command: "\(huge)", readonly: true, timeout: 5s}
                - {id: small, action: execute_command, command: "echo $undefined_thing", readonly: true, timeout: 5s}

            """).write(to: directory.appendingPathComponent("big.yaml"), atomically: true, encoding: .utf8)
        let run = try TestSupport.rbc(["check", "--no-git", "big.yaml"], in: directory.path)
        #expect(run.status == 0 || run.status == 1)
        let output = run.stdout + run.stderr
        #expect(output.contains("1 shell command is larger than 64 KiB; ShellCheck did not analyse it"), "\(output.prefix(3000))")
        #expect(output.contains("SC2154"), "the other commands are still analysed")
    }

    @Test func aShellCheckThatNeverAnswersIsEndedAtTheBudget() throws {
        // ShellCheck is found on PATH. This one starts a child that keeps the output pipe open and
        // never answers: rbc must end the whole process group at `shellcheck: {timeout: 1s}` and say
        // which commands were not analysed, instead of waiting for the pipe to close.
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bin = directory.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let marker = directory.appendingPathComponent("started").path
        let fake = bin.appendingPathComponent("shellcheck")
        try "#!/bin/sh\necho $$ >> \(marker)\nsleep 300 &\necho $! >> \(marker)\nwait\n".write(to: fake, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
        try "shellcheck: {timeout: 1s}\n".write(to: directory.appendingPathComponent(".rbc.yaml"), atomically: true, encoding: .utf8)
        let steps = (0..<150).map { "    - {id: s\($0), action: execute_command, command: \"echo \($0)\", readonly: true, timeout: 5s}\n" }.joined()
        try Self.runbookFile(steps: steps).write(to: directory.appendingPathComponent("big.yaml"), atomically: true, encoding: .utf8)
        let path = bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let run = try TestSupport.rbc(["check", "--no-git", "big.yaml"], in: directory.path, environment: ["PATH": path])
        #expect(run.status == 0, "\(run.stdout.prefix(2000)) \(run.stderr.prefix(2000))")
        #expect(run.stdout.contains("big.yaml: info[RB016]: ShellCheck did not finish within 1 s; 150 of 150 shell commands in this file were not analysed"),
                "\(run.stdout.prefix(2000))")
        let started = (try? String(contentsOfFile: marker, encoding: .utf8)) ?? ""
        #expect(!started.isEmpty, "the fake shellcheck on PATH was the one run")
        // The fake and its `sleep` were ended with their group: none of them is left running (a
        // zombie not yet reaped by init is ended too).
        for pid in started.split(separator: "\n").compactMap({ Int32($0) }) {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            let state = stat.split(separator: ")").last?.split(separator: " ").first ?? "Z"
            #expect(state == "Z" || state == "X", "process \(pid) of the fake shellcheck still runs: \(stat)")
        }
    }

    @Test func aTaggedIntegerThatIsNoNumberIsRejected() throws {
        let run = try Self.check(Self.runbookFile(steps: """
                - {id: a, action: execute_command, command: "true", readonly: true, timeout: 5s, retries: !!int abc}

            """))
        #expect(run.status == 1)
        #expect(run.stdout.contains("error[RB2003]: `retries` must be an integer, found `abc`, which is not a number"), "\(run.stdout)")
    }

    @Test func nowMustBeADayThatExists() throws {
        for date in ["2026-13-45", "2026-02-30", "2026-1-01"] {
            let run = try TestSupport.rbc(["check", "--now", date, "examples/"])
            #expect(run.status == 2, "--now \(date) was accepted")
            #expect(run.stderr.contains("--now takes a date that exists"))
        }
        #expect(try TestSupport.rbc(["check", "--now", "2028-02-29", "--no-shellcheck", "examples/node-disk-full.yaml"]).status != 2)
    }
}
