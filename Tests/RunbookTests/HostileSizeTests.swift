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

    /// `rbc check` on one generated file under a CPU-time limit (`prlimit --cpu`, as the wide-table
    /// test bounds memory): an input whose cost grows with the square of its size is killed by the
    /// limit and fails the test instead of keeping CI busy for hours. It is a resource bound, not a
    /// timing: the inputs below take well under a second of CPU when the cost is linear, and many
    /// minutes when it is not.
    static func checkWithinCPULimit(_ text: String, name: String, _ arguments: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws -> TestSupport.Run {
        try checkWithinCPULimit(text, name: name, arguments, sourceLocation: sourceLocation) { _ in }
    }

    /// The same, handing the file as rbc left it to `inspect` (for `--fix`).
    static func checkWithinCPULimit(_ text: String, name: String, _ arguments: [String] = [], sourceLocation: SourceLocation = #_sourceLocation,
                                    inspect: (String) throws -> Void) throws -> TestSupport.Run {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        let run = try TestSupport.rbc(["--cpu=120", TestSupport.rbcBinary, "check", "--no-shellcheck", "--no-git", "--no-cache", "--format", "concise", name] + arguments,
                                      in: directory.path, executable: "/usr/bin/prlimit")
        #expect(run.status == 0 || run.status == 1, "rbc check \(name) ended with \(run.status) (24, SIGXCPU: the CPU limit): \(run.stderr.suffix(1000))",
                sourceLocation: sourceLocation)
        try inspect(try String(contentsOf: file, encoding: .utf8))
        return run
    }

    /// RB014's fix for each unquoted `${{ }}` located the command, scanned it and read the edited
    /// scalar back once per expression, and `--fix` compared each fix with every one taken before:
    /// thousands of expressions in one command were quadratic (8,000 took 20 s).
    @Test func manyUnquotedExpressionsInOneCommandAreFixed() throws {
        let count = 16_000
        let flow = (0..<count).map { _ in "${{ params.p }}" }.joined(separator: " ")
        let block = stride(from: 0, to: count, by: 8).map { _ in "        echo" + String(repeating: " ${{ params.p }}", count: 8) + "\n" }.joined()
        var fixed = ""
        let run = try Self.checkWithinCPULimit(Self.runbookFile(steps: """
                - {id: flow, action: execute_command, command: "echo \(flow)", readonly: true, timeout: 1m}
                - id: block
                  action: execute_command
                  readonly: true
                  timeout: 1m
                  command: |
            \(block)
            """, params: "  params:\n    p: {type: string, default: x}\n"), name: "quote.yaml", ["--fix"]) { fixed = $0 }
        #expect(run.stderr.contains("fixed \(2 * count) findings in 1 file"), "\(run.stderr.suffix(500))")
        #expect(!run.stdout.contains("RB014"), "\(run.stdout.prefix(500))")
        #expect(fixed.components(separatedBy: "\\\"${{ params.p }}\\\"").count - 1 == count, "every expression of the flow command is quoted")
        #expect(fixed.components(separatedBy: " \"${{ params.p }}\"").count - 1 == count, "every expression of the block is quoted")
    }

    /// A page of alert sections (`## AlertN` over `### Mitigation` and its prose, a manual step), with a
    /// `##` section between each two whose `### Custom build steps` holds no step (documentation): each
    /// section looked for its end among all the page's sections, and the builder, copied to take back a
    /// guess that comes to nothing and held by each `field(…, scalar(uniqueID(…)))` call, copied its
    /// tables of ids on each write: quadratic (16,000 alert sections took 20 s).
    @Test func manyAlertSectionsOnOnePage() throws {
        let sections = (0..<48_000).map {
            "## Alert\($0)\n### Mitigation\nAsk the on-call engineer.\n## Build \($0)\n### Custom build steps\n```go\nfunc main() {}\n```\n"
        }.joined()
        let run = try Self.checkWithinCPULimit("# Alerts\n\n" + sections, name: "alerts.md")
        #expect(run.status == 0 && run.stdout.isEmpty, "\(run.stdout.prefix(500))")
    }

    /// The same with a diagnosis command in each alert section (a read-only step of its own).
    @Test func manyAlertSectionsWithCommandsOnOnePage() throws {
        let sections = (0..<64_000).map { "## Alert\($0)\n### Diagnosis\nCheck the pods.\n```bash\nkubectl get pods -n ns\($0)\n```\n" }.joined()
        let run = try Self.checkWithinCPULimit("# Alerts\n\n" + sections, name: "alerts.md")
        #expect(run.status == 0 && run.stdout.isEmpty, "\(run.stdout.prefix(500))")
    }

    /// A page of `# AlertN` titles each over `## Mitigation`: whether the titles share their sections
    /// compared each title's with every other's.
    @Test func manyAlertTitlesOnOnePage() throws {
        let titles = (0..<32_000).map { "# Alert\($0)\n## Mitigation\nAsk the on-call engineer.\n" }.joined()
        let run = try Self.checkWithinCPULimit(titles, name: "alerts.md")
        #expect(run.status == 0 && run.stdout.isEmpty, "\(run.stdout.prefix(500))")
    }

    /// `rbc lsp` rebuilt the whole text and its line table for each change of a `didChange`
    /// (1 MB and 4,000 changes: 3.2 s); the changes now go through a rope (`EditRope`) and the text is
    /// built once. 100,000 lines and 80,000 changes spread over them, under the CPU limit; what the
    /// changes leave is checked against the old way in `LanguageServerTests`.
    @Test func manyChangesInOneDidChange() throws {
        func framed(_ json: String) -> String { "Content-Length: \(json.utf8.count)\r\n\r\n" + json }
        let lines = 100_000
        let text = (0..<lines).map { "# line \($0) of a long comment, é and 😀 included\\n" }.joined()
        let changes = (0..<80_000).map { index in
            let line = (index &* 7919) % lines
            return #"{"range":{"start":{"line":\#(line),"character":2},"end":{"line":\#(line),"character":6}},"text":"LINE"}"#
        }.joined(separator: ",")
        let uri = "file:///tmp/rbc-hostile-lsp/notes.yaml"
        let input = framed(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#)
            + framed(#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#)
            + framed(#"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"\#(uri)","languageId":"yaml","version":1,"text":"\#(text)"}}}"#)
            + framed(#"{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"\#(uri)","version":2},"contentChanges":[\#(changes)]}}"#)
            + framed(#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#)
            + framed(#"{"jsonrpc":"2.0","method":"exit"}"#)
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputFile = directory.appendingPathComponent("input")
        try input.write(to: inputFile, atomically: true, encoding: .utf8)
        let run = try TestSupport.rbc(["-c", #"exec /usr/bin/prlimit --cpu=120 "$0" lsp --stdio < "$1""#, TestSupport.rbcBinary, inputFile.path],
                                      in: directory.path, executable: "/bin/sh")
        #expect(run.status == 0, "rbc lsp ended with \(run.status) (152 = 128 + SIGXCPU: the CPU limit): \(run.stderr.suffix(1000))")
        #expect(run.stdout.contains(#""id":2"#), "the shutdown was answered: \(run.stdout.suffix(500))")
    }

    /// Each broken `#anchor` looked for the anchor among the page's lines inside code blocks by
    /// splitting the whole page again: 20,000 broken links took over a minute.
    @Test func manyBrokenAnchorsOnOnePage() throws {
        let count = 40_000
        let links = (0..<count).map { "[l](#nowhere-\($0))" }.joined(separator: " ")
        let run = try Self.checkWithinCPULimit("---\nseverity: P3\n---\n# Page\n\n## Diagnosis\n\(links)\n\n```\n## Nowhere 7\n```\n", name: "links.md")
        #expect(run.stdout.components(separatedBy: "warning[RB031]").count - 1 == count, "\(run.stdout.suffix(500))")
        #expect(run.stdout.contains("has the anchor `#nowhere-7`: `## Nowhere 7` on line 10 is inside a code block"), "\(run.stdout.prefix(500))")
    }

    /// "Did you mean" for each broken `#anchor` sorted the page's anchors and compared it with every
    /// one: 20,000 headings and 20,000 broken links made 400 million comparisons. The anchors are
    /// indexed by length once per page.
    @Test func manyBrokenAnchorsAmongManyHeadings() throws {
        let count = 20_000
        let headings = (0..<count).map { "## Step \($0)\n" }.joined()
        let links = (0..<count).map { "[l](#stepp-\($0))" }.joined(separator: " ")
        let run = try Self.checkWithinCPULimit("---\nseverity: P3\n---\n# Page\n\n## Diagnosis\n[r](#restore-the-primary-database-from-backups) \(links)\n\n"
            + "## Restore the primary database from backup\n" + headings, name: "headings.md")
        #expect(run.stdout.components(separatedBy: "warning[RB031]").count - 1 == count + 1, "\(run.stdout.suffix(500))")
    }

    /// Every diagnostic's line and column counted the scalars from its line's start: on one long
    /// line (a command holding 200,000 unclosed `${{`), sorting and rendering them was quadratic.
    @Test func manyDiagnosticsOnOneLongLine() throws {
        let run = try Self.checkWithinCPULimit(Self.runbookFile(steps: """
                - {id: s, action: execute_command, command: "echo \(String(repeating: "${{ ", count: 200_000))", readonly: true, timeout: 1m}

            """), name: "long.yaml")
        #expect(run.status == 1)
        #expect(run.stdout.contains("RB3001"), "\(run.stdout.prefix(500))")
    }

    /// Each suppression comment looked for the next line that is not a comment by reading every
    /// comment after it, and each finding was compared with every suppression.
    @Test func manySuppressionComments() throws {
        let comments = (0..<40_000).map { "  # rbc:ignore RB0\(10 + $0 % 80) -- reason\n" }.joined()
        let run = try Self.checkWithinCPULimit("runbook:\n  name: x\n  severity: P3\n  owner: o\n" + comments
            + "  steps:\n    - {id: s, action: execute_command, command: \"true\", readonly: true, timeout: 1m}\n", name: "comments.yaml")
        #expect(run.stdout.contains("RB09"), "the unused suppressions are reported: \(run.stdout.prefix(500))")
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

    /// `rbc` under a 1 GiB address-space limit (`prlimit --as`): an input read whole into memory
    /// fails the test instead of taking the machine's memory.
    static func rbcInBoundedMemory(_ arguments: [String], in directory: String) throws -> TestSupport.Run {
        try TestSupport.rbc(["--as=1073741824", TestSupport.rbcBinary] + arguments, in: directory, executable: "/usr/bin/prlimit")
    }

    /// A file of gigabytes under a journal's name (sparse: it costs no disk) is refused by its size,
    /// said so, exit 2 — for `rbc show` and for `rbc rollback`, before a byte is read. It was read
    /// whole into memory.
    @Test func aJournalOfGigabytesIsRefusedBySize() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let runs = directory.appendingPathComponent(".rbc/runs")
        try FileManager.default.createDirectory(at: runs, withIntermediateDirectories: true)
        let journal = runs.appendingPathComponent("20261205T000000.000Z-0000.jsonl").path
        #expect(FileManager.default.createFile(atPath: journal, contents: nil))
        #expect(truncate(journal, 3 << 30) == 0)
        for arguments in [["show", journal], ["rollback", journal, "--yes"]] {
            let run = try Self.rbcInBoundedMemory(arguments, in: directory.path)
            #expect(run.status == 2, "rbc \(arguments[0]) ended with \(run.status): \(run.stderr)")
            #expect(run.stderr.contains("\(journal) is larger than 512 MiB, more than any journal rbc writes; it is not read"), "\(run.stderr)")
        }
    }

    /// A page linked with an anchor that is no file to read — a link to `/dev/zero`, a pipe, a page
    /// of gigabytes — has its anchors left unchecked: RB031 read `/dev/zero` until memory ran out and
    /// waited on a pipe for a writer (here the test plays the writer, feeding a page without the
    /// heading, so reading it shows as RB031 instead of hanging), and alert coverage said a page over
    /// the input limit has no heading `#section` (RB034; it has).
    @Test func linkedPagesAreReadWithinTheInputLimit() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let page = "---\nseverity: P2\nowner: t\n---\n# Disk\n\n## Mitigation\n\nSee [zero](zero.md#section), [pipe](pipe.md#section) and [big](big.md#section).\n"
        try page.write(toFile: directory.path + "/page.md", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: directory.path + "/zero.md", withDestinationPath: "/dev/zero")
        let pipe = directory.path + "/pipe.md"
        #expect(mkfifo(pipe, 0o644) == 0)
        let big = directory.path + "/big.md"
        try "# Section\n".write(toFile: big, atomically: true, encoding: .utf8)
        #expect(truncate(big, 3 << 30) == 0)
        try FileManager.default.createDirectory(atPath: directory.path + "/rules", withIntermediateDirectories: true)
        try "groups:\n- name: g\n  rules:\n  - alert: DiskFull\n    expr: up == 0\n    annotations:\n      runbook_url: ../big.md#section\n"
            .write(toFile: directory.path + "/rules/disk.yaml", atomically: true, encoding: .utf8)
        let (status, text) = try TestSupport.runFeedingFIFO(pipe, with: "# Other\n", executable: "/usr/bin/prlimit",
                                                            ["--as=1073741824", TestSupport.rbcBinary, "check", "--no-git", "--no-cache", "--no-shellcheck",
                                                             "--format", "concise", "page.md", "--alerts", "rules"], in: directory)
        #expect(status == 0, "rbc check ended with \(status): \(text)")
        #expect(!text.contains("RB031") && !text.contains("RB034"), "\(text)")
    }

}
