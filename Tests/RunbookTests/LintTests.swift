// The linter end to end: output formats (golden files, SARIF against the real schema), configuration,
// suppressions, thresholds, and ShellCheck findings on the runbook's own lines in YAML and Markdown.

import Foundation
import RunbookDriver
import RunbookLint
import RunbookSource
import Testing

@Suite struct OutputFormatTests {
    static let sample = "examples/broken/lint-rules.yaml"

    @Test(arguments: ["text", "concise", "json", "sarif", "github"])
    func formatMatchesGolden(_ format: String) throws {
        let run = try TestSupport.rbc(["check", Self.sample, "--now", "2026-11-22", "--format", format, "--color", "never"])
        #expect(run.status == 1)
        TestSupport.assertGolden(run.stdout, "Tests/RunbookTests/Golden/formats/lint-rules.\(format)")
    }

    @Test func sarifValidatesAgainstTheSARIFSchema() throws {
        let schema = try TestSupport.sharedCorpora().appendingPathComponent("schemas/sarif-2.1.0.json")
        let run = try TestSupport.rbc(["check", Self.sample, "examples/broken/missing-fields.yaml", "--format", "sarif"])
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("rbc.sarif")
        try run.stdout.write(to: output, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(SchemaTests.validator, "check-jsonschema not installed: run `make test`"))
        process.arguments = ["--schemafile", schema.path, output.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        // Every result's rule is declared, and fingerprints do not depend on line numbers.
        let log = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let runs = try #require(log["runs"] as? [[String: Any]])
        #expect(runs.first?["columnKind"] as? String == "unicodeCodePoints")
        // The sample's fixes are there, as byte regions that rebuild the fix applied to the file.
        let results = runs.first?["results"] as? [[String: Any]] ?? []
        let fixes = results.compactMap { ($0["fixes"] as? [[String: Any]])?.first }
        #expect(fixes.count >= 2, "the sample has a safe and an unsafe fix")
        let original = Array(try String(contentsOfFile: TestSupport.path(Self.sample), encoding: .utf8).utf8)
        for fix in fixes {
            let change = try #require((fix["artifactChanges"] as? [[String: Any]])?.first)
            #expect((change["artifactLocation"] as? [String: Any])?["uri"] as? String == Self.sample)
            let edits = try (change["replacements"] as? [[String: Any]] ?? []).map { replacement in
                let region = try #require(replacement["deletedRegion"] as? [String: Int])
                let start = try #require(region["byteOffset"])
                let text = try #require((replacement["insertedContent"] as? [String: String])?["text"])
                return TextEdit(SourceRange(start: start, end: start + (region["byteLength"] ?? 0)), text)
            }
            #expect(!edits.isEmpty && TextEdits.apply(edits, to: original) != nil)
            #expect(["safe", "unsafe"].contains((fix["properties"] as? [String: String])?["applicability"] ?? ""))
        }
    }

    @Test func fingerprintsSurviveInsertedLines() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = try String(contentsOfFile: TestSupport.path(Self.sample), encoding: .utf8)
        let moved = dir.appendingPathComponent("lint-rules.yaml")
        func fingerprints(_ text: String) throws -> Set<String> {
            try text.write(to: moved, atomically: true, encoding: .utf8)
            let run = try TestSupport.rbc(["check", moved.path, "--format", "sarif", "--no-shellcheck"], in: dir.path)
            let log = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            let results = (log["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]] ?? []
            return Set(results.compactMap { ($0["partialFingerprints"] as? [String: String])?["rbc/v1"] })
        }
        let before = try fingerprints(original)
        let after = try fingerprints("# a comment\n# and another\n" + original)
        #expect(!before.isEmpty)
        #expect(before == after)
    }

    @Test func githubAnnotationsEscapeTheirProperties() {
        let file = SourceFile(path: "a,b:c.yaml", text: "runbook: x\n")
        let diagnostic = Diagnostic(.typeMismatch, "100% wrong\nsecond line", file: file, range: SourceRange(start: 9, end: 10))
        let text = GitHubRenderer().render([diagnostic], summary: RenderSummary(filesChecked: 1, diagnostics: [diagnostic]))
        #expect(text == "::error file=a%2Cb%3Ac.yaml,line=1,col=10,endColumn=11,title=RB2003 type-mismatch::100%25 wrong%0Asecond line\n")
    }
}

@Suite struct LintConfigurationTests {
    static func write(_ files: [String: String]) throws -> URL {
        let dir = try TestSupport.temporaryDirectory()
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return dir
    }

    static let runbook = """
    runbook:
      name: "Config"
      severity: P1
      owner: team
      escalation: "#team"
      triggers: [{alert: A}]
      steps:
        - id: pods
          action: execute_command
          command: "kubectl get pods"
          timeout: 20m

    """

    @Test func rulesBudgetsAndThresholds() throws {
        let dir = try Self.write(["r.yaml": Self.runbook])
        defer { try? FileManager.default.removeItem(at: dir) }
        let plain = try TestSupport.rbc(["check", "r.yaml"], in: dir.path)
        #expect(plain.status == 0, "warnings do not fail by default")
        #expect(!plain.stdout.contains("RB004"), "20m fits the default P1 budget of 30m")
        try "budgets: {P1: 10m}\n".write(to: dir.appendingPathComponent(".rbc.yaml"), atomically: true, encoding: .utf8)
        let strict = try TestSupport.rbc(["check", "r.yaml", "--strict"], in: dir.path)
        #expect(strict.status == 1)
        #expect(strict.stdout.contains("warning[RB004]: worst case 20m exceeds the P1 budget of 10m"), "\(strict.stdout)")
        let threshold = try TestSupport.rbc(["check", "r.yaml", "--severity-threshold", "warning"], in: dir.path)
        #expect(threshold.status == 1)
        try "budgets: {P1: 10m}\nrules: {severity-budget: error}\n".write(to: dir.appendingPathComponent(".rbc.yaml"), atomically: true, encoding: .utf8)
        let promoted = try TestSupport.rbc(["check", "r.yaml"], in: dir.path)
        #expect(promoted.status == 1)
        #expect(promoted.stdout.contains("error[RB004]"))
        try "budgets: {P1: 10m}\nrules: {RB004: off}\n".write(to: dir.appendingPathComponent(".rbc.yaml"), atomically: true, encoding: .utf8)
        let off = try TestSupport.rbc(["check", "r.yaml", "--strict"], in: dir.path)
        #expect(off.status == 0, "\(off.stdout)")
    }

    @Test func malformedConfigurationIsDiagnosedWithPositions() throws {
        let dir = try Self.write(["r.yaml": Self.runbook, ".rbc.yaml": "rules:\n  RB04: off\n  RB003: loud\nbudgets: {P7: 5m, P0: soon}\nshellcheck: {exclude: [2086, bogus], enable: false}\n"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try TestSupport.rbc(["check", "r.yaml", "--format", "concise"], in: dir.path)
        #expect(run.status == 1)
        #expect(run.stdout.contains(".rbc.yaml:2:3: error[RB0010] unknown rule `RB04`"), "\(run.stdout)")
        #expect(run.stdout.contains(".rbc.yaml:3:10: error[RB0013] `loud` is not a rule setting"))
        #expect(run.stdout.contains(".rbc.yaml:4:11: error[RB0013] `P7` is not a severity"))
        #expect(run.stdout.contains(".rbc.yaml:4:23: error[RB0014] `soon` is not a duration"))
        #expect(run.stdout.contains(".rbc.yaml:5:30: error[RB0013] `bogus` is not a ShellCheck code"))
        #expect(run.stdout.contains(".rbc.yaml:5:38: error[RB0010] unknown key `enable` in `shellcheck`"))
        #expect(run.stdout.hasPrefix(".rbc.yaml:2:3:"), "the config path is shown relative to the working directory")
        // What was seen: .rbc.yaml problems borrowed the runbook language's ids (RB2002, RB2003…).
        let configLines = run.stdout.split(separator: "\n").filter { $0.hasPrefix(".rbc.yaml:") }
        #expect(configLines.count == 6)
        #expect(configLines.allSatisfy { $0.contains("[RB001") }, "\(configLines)")
    }

    @Test func suppressionsApplyToTheirLineOrStep() throws {
        let text = """
        runbook:
          name: "Suppressed"
          severity: P3
          owner: team
          steps:
            # rbc:ignore RB001 RB003 -- restarts are idempotent and fast
            - id: restart
              action: execute_command
              command: "kubectl rollout restart deploy/api"
              expect: {exit_code: 0}
            - id: scale  # rbc:ignore RB001 until=2999-12-31 -- reverted by the autoscaler
              action: execute_command
              command: "kubectl scale deploy/api --replicas=3"
              timeout: 1m
              expect: {exit_code: 0}

        """
        let result = TestSupport.compile(text)
        let context = LintContext(ir: try #require(result.ir), syntax: try #require(result.syntax))
        let findings = Suppressions.apply(Linter.findings(context, configuration: LintConfiguration()), context: context, today: "2026-11-22")
        #expect(findings.map(\.code.id) == [], "\(TestSupport.rendered(findings))")
        let later = Suppressions.apply(Linter.findings(context, configuration: LintConfiguration()), context: context, today: "3000-01-01")
        #expect(later.map(\.code.id).sorted() == ["RB001", "RB091"], "an expired suppression stops applying and is reported: \(TestSupport.rendered(later))")
    }

    @Test func noShellCheckAndMissingShellCheck() throws {
        let run = try TestSupport.rbc(["check", "examples/broken/lint-rules.yaml", "--no-shellcheck", "--format", "concise"])
        #expect(!run.stdout.contains("RB016"))
        let missing = try TestSupport.rbc(["check", "examples/broken/lint-rules.yaml", "--format", "concise"], environment: ["PATH": "/nonexistent"])
        #expect(missing.stdout.contains("rbc: info[RB016] shellcheck is not installed; 7 shell commands were not analysed"), "\(missing.stdout)")
        #expect(missing.status == 1, "the runbook's own findings still fail the check")
        // Again: an answer from the check cache must not drop the run-level note.
        let again = try TestSupport.rbc(["check", "examples/broken/lint-rules.yaml", "--format", "concise"], environment: ["PATH": "/nonexistent"])
        #expect(again.stdout.contains("rbc: info[RB016] shellcheck is not installed; 7 shell commands were not analysed"), "\(again.stdout)")
    }
}

@Suite struct ShellCheckMappingTests {
    /// `make deps` installs ShellCheck, so its absence is a failure, never a skip.
    static func requireShellCheck() throws {
        try #require(ShellCheck.locate() != nil, "shellcheck is not on PATH: `make deps` installs it")
    }

    static func findings(_ text: String, path: String) -> [Diagnostic] {
        let result = TestSupport.compile(text, path: path)
        guard let ir = result.ir, let syntax = result.syntax else { return result.diagnostics }
        return ShellCheck.run(ShellCheck.jobs(LintContext(ir: ir, syntax: syntax)), options: ShellCheckOptions())
    }

    static func position(_ diagnostics: [Diagnostic], _ code: String) -> LineColumn? {
        diagnostics.first { $0.message.hasPrefix(code) }?.start
    }

    @Test
    func findingsLandInsideYAMLScalars() throws {
        try ShellCheckMappingTests.requireShellCheck()
        let text = """
        runbook:
          name: s
          severity: P3
          params:
            dir: {type: string}
          steps:
            - id: block
              action: execute_command
              command: |
                for f in $(ls "${{ params.dir }}"); do
                  cat $f
                done
            - id: quoted
              action: execute_command
              command: "echo \\"${{ params.dir }}\\" && [ $x == 1 ]"
            - id: single
              action: execute_command
              command: 'echo ''a'' $y'

        """
        let diagnostics = Self.findings(text, path: "s.yaml")
        #expect(Self.position(diagnostics, "SC2045") == LineColumn(line: 10, column: 18))
        #expect(diagnostics.contains { $0.message.hasPrefix("SC2086") && $0.start == LineColumn(line: 11, column: 15) })
        #expect(diagnostics.contains { $0.message.hasPrefix("SC2086") && $0.start == LineColumn(line: 15, column: 49) }, "after `\\\"` escapes")
        #expect(Self.position(diagnostics, "SC3014") == LineColumn(line: 15, column: 52))
        #expect(diagnostics.contains { $0.message.hasPrefix("SC2154") && $0.start == LineColumn(line: 18, column: 28) }, "\(TestSupport.rendered(diagnostics))")
        // `${{ }}` is seen as a quoted variable: no SC2086 for the expression itself.
        #expect(!diagnostics.contains { $0.start?.line == 10 && $0.message.hasPrefix("SC2086") })
    }

    @Test
    func findingsLandInsideMarkdownFences() throws {
        try ShellCheckMappingTests.requireShellCheck()
        let text = """
        ---
        severity: P3
        ---
        # ShellCheck in Markdown

        ## Diagnosis

        1. List files
           ```bash {timeout=1m}
           for f in $(ls /tmp); do
             cat $f
           done
           ```

        ### after
        ```sh {timeout=1m}
        echo `date`
        ```
        """
        let diagnostics = Self.findings(text, path: "s.md")
        #expect(Self.position(diagnostics, "SC2045") == LineColumn(line: 10, column: 13))
        #expect(Self.position(diagnostics, "SC2086") == LineColumn(line: 11, column: 10))
        #expect(Self.position(diagnostics, "SC2006") == LineColumn(line: 17, column: 6))
    }
}

@Suite struct CommandAnalysisTests {
    @Test(arguments: [
        "echo 'nameserver 10.0.0.2' >> /etc/resolv.conf",
        "echo 1 > /proc/sys/vm/drop_caches",
        "cat new.conf >/etc/app.conf",
        "printf '%s' x 2> errors.log",
        "kubectl get cm app -o yaml &> /srv/app.yaml",
        "echo x >| /etc/motd",
        "kubectl get pods | tee pods.txt",
        "ssh db1 'echo off > /sys/kernel/mm/transparent_hugepage/enabled'",
    ])
    func outputRedirectionsToFilesAreChanges(_ command: String) {
        #expect(!CommandAnalysis.isReadOnly(command: command))
    }

    @Test(arguments: [
        "kubectl logs deploy/api 2>&1 | grep error",
        "kubectl get pods >/dev/null 2>&1",
        "curl -s https://api.internal/health > /dev/null",
        "echo broken >&2",
        "kubectl get deploy/api -o yaml > /tmp/api-before.yaml",
        "kubectl logs api | tee /dev/stderr | grep -c panic",
        "echo '>' not a redirection",
        "[[ a > b ]]",
    ])
    func readsWithoutFileOutputStayReadOnly(_ command: String) {
        #expect(CommandAnalysis.isReadOnly(command: command))
    }
}
