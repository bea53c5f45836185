// The fix model: byte-range edits that leave every other byte unchanged, and how fixes are applied.

import Foundation
import RunbookDriver
import RunbookLint
import RunbookSource
import Testing

@Suite struct TextEditTests {
    @Test func appliesEditsInAnyOrderLeavingOtherBytes() throws {
        let text = "a: é 1\nb: 2\n"
        // "é" is two bytes: offsets 3..<5.
        let edits = [TextEdit(SourceRange(start: 11, end: 12), "20"), TextEdit(SourceRange(start: 3, end: 5), "e"),
                     .insert("# x\n", at: 0)]
        #expect(TextEdits.apply(edits, to: text) == "# x\na: e 1\nb: 20\n")
    }

    @Test func refusesOverlappingOrOutOfRangeEdits() {
        #expect(TextEdits.apply([TextEdit(SourceRange(start: 0, end: 3), "x"), TextEdit(SourceRange(start: 2, end: 4), "y")], to: "abcdef") == nil)
        #expect(TextEdits.apply([TextEdit(SourceRange(start: 5, end: 9), "x")], to: "abcdef") == nil)
    }

    @Test func fixesThatTouchOverlap() {
        let first = Fix.safe("a", TextEdit(SourceRange(start: 0, end: 3), "x"))
        let abutting = Fix.safe("b", .insert("y", at: 3))
        let apart = Fix.unsafe("c", TextEdit(SourceRange(start: 5, end: 6), "z"))
        #expect(first.overlaps(abutting))
        #expect(!first.overlaps(apart))
        #expect(apart.applicability == .unsafe)
        #expect(Fix("d", .safe, edits: [apart.edits[0], first.edits[0]]).edits.map(\.range.start) == [0, 5])
        #expect(Fix("d", .safe, edits: [apart.edits[0], first.edits[0]]).isWellFormed(byteCount: 6))
        #expect(!Fix("d", .safe, edits: [apart.edits[0], first.edits[0]]).isWellFormed(byteCount: 5))
    }
}

/// Every fix a rule offers on its own triggering examples: applied alone, the file still compiles, that
/// finding is gone, no other finding appears, and no byte outside the fix's edits changed. New rules
/// with fixes are covered by adding examples.
@Suite struct RuleFixTests {
    struct Linted {
        var compileErrors: [Diagnostic]
        var findings: [Diagnostic]
    }

    static func lint(_ text: String, _ example: RuleExample) -> Linted {
        let result = Compiler.compile(SourceFile(path: example.isMarkdown ? "example.md" : "example.yaml", text: text))
        let errors = result.diagnostics.filter { $0.severity == .error }
        guard let ir = result.lintableIR, let syntax = result.syntax else { return Linted(compileErrors: errors, findings: []) }
        let context = LintContext(ir: ir, syntax: syntax, settings: LintSettings(environment: example.environment))
        var configuration = LintConfiguration()
        configuration.settings = context.settings
        let findings = Suppressions.apply(Linter.findings(context, configuration: configuration), context: context, today: "2026-11-22")
        return Linted(compileErrors: errors, findings: findings)
    }

    /// Bytes outside the edits are the same, in order: the text between edits is copied unchanged.
    static func onlyEditedBytesChanged(_ original: [UInt8], _ edited: [UInt8], _ fix: Fix) -> Bool {
        var expected: [UInt8] = []
        var cursor = 0
        for edit in fix.edits {
            expected += original[cursor..<edit.range.start] + Array(edit.replacement.utf8)
            cursor = edit.range.end
        }
        return expected + original[cursor...] == edited
    }

    static var cases: [RuleCase] { RuleCase.all.filter(\.triggers) }

    @Test(arguments: cases)
    func fixesResolveTheirFinding(_ testCase: RuleCase) throws {
        let (text, _) = RuleExampleTests.strip(testCase.example.source)
        let before = Self.lint(text, testCase.example)
        let original = Array(text.utf8)
        let fixable = before.findings.filter { $0.fix != nil }
        for finding in fixable {
            let fix = try #require(finding.fix)
            #expect(fix.isWellFormed(byteCount: original.count), "\(fix)")
            #expect(!fix.title.isEmpty)
            let edited = try #require(TextEdits.apply(fix.edits, to: original))
            #expect(Self.onlyEditedBytesChanged(original, edited, fix))
            let after = Self.lint(String(decoding: edited, as: UTF8.self), testCase.example)
            let shown = "\(finding.code.id) at \(finding.start.map { "\($0.line):\($0.column)" } ?? "-"): \(fix.title)\n"
                + String(decoding: edited, as: UTF8.self)
            #expect(after.compileErrors.count <= before.compileErrors.count, "the fix broke the file: \(shown)\n\(TestSupport.rendered(after.compileErrors))")
            let codes = { (findings: [Diagnostic]) in Dictionary(grouping: findings, by: \.code.id).mapValues(\.count) }
            var expected = codes(before.findings)
            expected[finding.code.id, default: 0] -= 1
            #expect(codes(after.findings).filter { $0.value > 0 } == expected.filter { $0.value > 0 },
                    "the fix must remove its finding and add none: \(shown)\n\(TestSupport.rendered(after.findings))")
        }
        let rulesFixes = fixable.filter { $0.code.id == testCase.rule.id }
        if testCase.rule.fix == nil {
            #expect(rulesFixes.isEmpty, "\(testCase.rule.id) offers fixes: declare `fix:` in its description")
        }
        for finding in rulesFixes {
            #expect(finding.fix?.applicability == testCase.rule.fix, "\(testCase.rule.id) declares \(String(describing: testCase.rule.fix)) fixes")
        }
    }

    @Test func everyRuleDeclaringAFixOffersItOnAnExample() {
        for rule in RuleRegistry.descriptions where rule.fix != nil && rule.requires == .runbook && rule.id != RuleRegistry.shellcheckID {
            let offered = rule.triggering.contains { example in
                let (text, _) = RuleExampleTests.strip(example.source)
                return Self.lint(text, example).findings.contains { $0.code.id == rule.id && $0.fix != nil }
            }
            #expect(offered, "\(rule.id) declares a fix but none of its triggering examples gets one")
        }
    }
}

/// `rbc check --fix` end to end with the real binary on files in a temporary directory.
@Suite struct FixCommandTests {
    static let runbook = """
    runbook:
      name: "Example"   # keep me
      severity: P3
      owner: team-sre
      triggers: [{alert: Example}]
      escalation: "#sre-oncall"
      params:
        pod: {type: string, required: true}
      steps:
        - id: restart
          action: execute_command
          command: "sudo systemctl restart nginx && ssh web-1 sudo   true"
          timeout: 1m
          irreversible: "a restart is safe to repeat"
        - id: logs
          action: execute_command
          command: kubectl logs ${{ params.pod }} --tail=50
          timeout: 1m
        - id: block
          action: execute_command
          command: |
            sudo systemctl status nginx
            kubectl logs ${{ params.pod }}
          timeout: 1m

    """

    static func setUp() throws -> (directory: String, path: String) {
        let directory = try TestSupport.temporaryDirectory().path
        let path = directory + "/db.yaml"
        try runbook.write(toFile: path, atomically: true, encoding: .utf8)
        return (directory, path)
    }

    @Test func safeFixesAreAppliedReportedAndIdempotent() throws {
        let (directory, path) = try Self.setUp()
        let arguments = ["check", "--fix", "--no-git", "--no-shellcheck", "--format", "concise", "db.yaml"]
        let first = try TestSupport.rbc(arguments, in: directory)
        #expect(first.status == 0, "warnings remain, no errors: \(first.stderr)")
        let fixed = try String(contentsOfFile: path, encoding: .utf8)
        #expect(fixed == Self.runbook.replacingOccurrences(of: "logs ${{ params.pod }}", with: "logs \"${{ params.pod }}\""))
        #expect(first.stderr.contains("db.yaml:17:29: fixed RB014 (safe): quote `${{ params.pod }}`"), "\(first.stderr)")
        #expect(first.stderr.contains("fixed 2 findings in 1 file; 3 unsafe fixes not applied (--unsafe-fixes applies them)"), "\(first.stderr)")
        // What remains is reported as by `rbc check`: the three `sudo`s.
        #expect(first.stdout.components(separatedBy: "RB007").count - 1 == 3)
        #expect(!first.stdout.contains("RB014"))

        let second = try TestSupport.rbc(arguments, in: directory)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == fixed, "a second --fix changes nothing")
        #expect(second.stderr.contains("fixed 0 findings in 0 files"), "\(second.stderr)")
    }

    @Test func unsafeFixesNeedTheirFlag() throws {
        let (directory, path) = try Self.setUp()
        let run = try TestSupport.rbc(["check", "--fix", "--unsafe-fixes", "--no-git", "--no-shellcheck", "db.yaml"], in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        let fixed = try String(contentsOfFile: path, encoding: .utf8)
        #expect(fixed.contains(#"command: "sudo -n systemctl restart nginx && ssh web-1 sudo -n   true""#))
        #expect(fixed.contains("\n        sudo -n systemctl status nginx\n        kubectl logs \"${{ params.pod }}\"\n"))
        #expect(fixed.contains(#"name: "Example"   # keep me"#))
        #expect(run.stderr.contains("fixed 5 findings in 1 file\n"), "\(run.stderr)")
        let again = try TestSupport.rbc(["check", "--fix", "--unsafe-fixes", "--no-git", "--no-shellcheck", "db.yaml"], in: directory)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == fixed)
        #expect(again.stderr.contains("fixed 0 findings in 0 files"), "\(again.stderr)")

        let alone = try TestSupport.rbc(["check", "--unsafe-fixes", "db.yaml"], in: directory)
        #expect(alone.status == 2)
        #expect(alone.stderr.contains("--unsafe-fixes goes with --fix"))
    }

    /// As ruff marks them: `[*]` on what `--fix` fixes, the fix named under the finding, and a count of
    /// what `--fix` (and `--unsafe-fixes`) would fix after the summary.
    @Test func outputMarksFixableFindingsAndCountsThem() throws {
        let (directory, _) = try Self.setUp()
        let text = try TestSupport.rbc(["check", "--no-git", "--no-shellcheck", "db.yaml"], in: directory)
        #expect(text.stdout.contains("db.yaml:17:29: warning[RB014]: [*] `${{ params.pod }}` is unquoted"), "\(text.stdout)")
        #expect(text.stdout.contains("db.yaml:12:17: warning[RB007]: `sudo` in the command"), "unsafe fixes get no mark: \(text.stdout)")
        #expect(text.stdout.contains("  = fix (safe): quote `${{ params.pod }}` (`rbc check --fix`)\n"))
        #expect(text.stdout.contains("  = fix (unsafe): use `sudo -n` (`rbc check --fix --unsafe-fixes`)\n"))
        #expect(text.stderr.hasSuffix("checked 1 runbook: 0 errors, 5 warnings, 0 infos; 2 fixable with --fix (3 more with --unsafe-fixes)\n"), "\(text.stderr)")
        let concise = try TestSupport.rbc(["check", "--no-git", "--no-shellcheck", "--format", "concise", "db.yaml"], in: directory)
        #expect(concise.stdout.contains("db.yaml:17:29: warning[RB014] [*] `${{ params.pod }}` is unquoted"), "\(concise.stdout)")
        #expect(concise.stdout.contains("db.yaml:12:17: warning[RB007] `sudo`"), "\(concise.stdout)")
        let github = try TestSupport.rbc(["check", "--no-git", "--no-shellcheck", "--format", "github", "db.yaml"], in: directory)
        #expect(github.stdout.contains("%0Afix (safe): quote `${{ params.pod }}` (`rbc check --fix`)\n"), "\(github.stdout)")

        _ = try TestSupport.rbc(["check", "--fix", "--unsafe-fixes", "--no-git", "--no-shellcheck", "db.yaml"], in: directory)
        let clean = try TestSupport.rbc(["check", "--no-git", "--no-shellcheck", "db.yaml"], in: directory)
        #expect(clean.stderr.hasSuffix("checked 1 runbook: 0 errors, 0 warnings, 0 infos\n"), "nothing fixable, no count: \(clean.stderr)")
    }

    /// RB054 end to end: every millisecond spelling becomes the same duration with a unit, in YAML and
    /// on a Markdown fence; the IR is the same before and after, and a second run changes nothing.
    @Test func millisecondDurationsAreRewrittenToTheSameDuration() throws {
        let directory = try TestSupport.temporaryDirectory().path
        let yaml = """
        runbook:
          name: "Example"
          severity: P3
          owner: team-sre
          triggers: [{alert: Example, durationMs: 300000}]
          escalation: "#sre-oncall"
          defaults: {timeoutMs: 90500}
          steps:
            - id: settle   # keep me
              action: wait
              durationMs: 1500
              retries:
                attempts: 2
                backoffMs: 250

        """
        let markdown = """
        ---
        severity: P3
        owner: team-sre
        ---
        # Example

        ## Verify

        ```bash {id=pods timeoutMs=30000 readonly}
        kubectl get pods
        ```

        """
        try yaml.write(toFile: directory + "/a.yaml", atomically: true, encoding: .utf8)
        try markdown.write(toFile: directory + "/b.md", atomically: true, encoding: .utf8)
        func ir(_ name: String) throws -> String {
            let run = try TestSupport.rbc(["compile", name], in: directory)
            // Positions move when a value is spelt differently: only what the runbook means is compared.
            let positions = ["sha256", "\"column\"", "\"start\"", "\"end\""]
            return run.stdout.components(separatedBy: "\n").filter { line in !positions.contains { line.contains($0) } }.joined(separator: "\n")
        }
        let before = try (ir("a.yaml"), ir("b.md"))
        let first = try TestSupport.rbc(["check", "--fix", "--no-git", "--no-shellcheck", "a.yaml", "b.md"], in: directory)
        #expect(first.stderr.contains("fixed 5 findings in 2 files"), "\(first.stderr)")
        #expect(try String(contentsOfFile: directory + "/a.yaml", encoding: .utf8) == yaml
            .replacingOccurrences(of: "durationMs: 300000", with: "duration: 5m").replacingOccurrences(of: "timeoutMs: 90500", with: "timeout: 1m30s500ms")
            .replacingOccurrences(of: "durationMs: 1500", with: "duration: 1s500ms").replacingOccurrences(of: "backoffMs: 250", with: "backoff: 250ms"))
        #expect(try String(contentsOfFile: directory + "/b.md", encoding: .utf8) == markdown.replacingOccurrences(of: "timeoutMs=30000", with: "timeout=30s"))
        let after = try (ir("a.yaml"), ir("b.md"))
        #expect(after.0 == before.0 && after.1 == before.1, "the same runbook, spelt differently")
        let second = try TestSupport.rbc(["check", "--fix", "--no-git", "--no-shellcheck", "a.yaml", "b.md"], in: directory)
        #expect(second.stderr.contains("fixed 0 findings in 0 files"), "\(second.stderr)")
    }

    @Test func jsonCarriesTheEditsWithoutChangingTheFile() throws {
        let (directory, path) = try Self.setUp()
        let run = try TestSupport.rbc(["check", "--no-git", "--no-shellcheck", "--format", "json", "db.yaml"], in: directory)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == Self.runbook)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let diagnostics = try #require(document["diagnostics"] as? [[String: Any]])
        let quoting = try #require(diagnostics.first { $0["code"] as? String == "RB014" })
        let fix = try #require(quoting["fix"] as? [String: Any])
        #expect(fix["applicability"] as? String == "safe")
        let edits = try #require(fix["edits"] as? [[String: Any]])
        let bytes = Array(Self.runbook.utf8)
        let start = try #require(edits.first?["start"] as? Int)
        #expect(edits.count == 2 && edits.allSatisfy { $0["replacement"] as? String == "\"" && $0["start"] as? Int == $0["end"] as? Int })
        #expect(String(decoding: bytes[start..<(start + 3)], as: UTF8.self) == "${{")
        let sudo = try #require(diagnostics.first { $0["code"] as? String == "RB007" }?["fix"] as? [String: Any])
        #expect(sudo["applicability"] as? String == "unsafe")
    }
}

/// The compiler's fixes (unknown keys, durations) on every broken example and diagnostics fixture:
/// each one, applied alone, removes its diagnostic, adds no compiler diagnostic, and changes no
/// byte outside its edits. New fixes on these files are covered without new tests.
@Suite struct CompilerFixTests {
    static var files: [String] {
        ["examples/broken", "Tests/RunbookTests/Fixtures/diagnostics"].flatMap { directory in
            (TestSupport.files(in: directory, extension: "yaml") + TestSupport.files(in: directory, extension: "md")).map { directory + "/" + $0 }
        }
    }

    static func compilerCodes(_ text: String, path: String) -> [String: Int] {
        Dictionary(grouping: Compiler.compile(SourceFile(path: path, text: text)).diagnostics, by: \.code.id).mapValues(\.count)
    }

    @Test func fixesOnTheBrokenExamplesAndFixtures() throws {
        var fixed = 0
        for relative in Self.files {
            let path = TestSupport.path(relative)
            guard case .loaded(let file) = SourceLoader.load(path: path) else { continue }
            let before = Compiler.compile(file).diagnostics
            let codes = Dictionary(grouping: before, by: \.code.id).mapValues(\.count)
            for diagnostic in before {
                guard let fix = diagnostic.fix else { continue }
                fixed += 1
                #expect(fix.isWellFormed(byteCount: file.bytes.count))
                let edited = try #require(TextEdits.apply(fix.edits, to: file.bytes))
                #expect(RuleFixTests.onlyEditedBytesChanged(file.bytes, edited, fix))
                var expected = codes
                expected[diagnostic.code.id, default: 0] -= 1
                let after = Self.compilerCodes(String(decoding: edited, as: UTF8.self), path: path)
                for (code, count) in after {
                    #expect(count <= expected[code, default: 0],
                            "\(relative):\(diagnostic.start?.line ?? 0) \(fix.title): \(code) \(expected[code, default: 0]) → \(count)")
                }
            }
        }
        #expect(fixed >= 10, "the broken examples and fixtures exercise the compiler's fixes")
    }
}

/// ShellCheck's own fixes, placed on the runbook's bytes in every scalar style and in Markdown fences,
/// and withheld where the mapping is not exact.
@Suite struct ShellCheckFixTests {
    static let yaml = """
    runbook:
      name: "Example"
      severity: P3
      owner: team-sre
      triggers: [{alert: Example}]
      escalation: "#sre-oncall"
      steps:
        - id: plain
          action: execute_command
          command: for f in `ls /var/log`; do echo $f; done
          timeout: 1m
          readonly: true
        - id: quoted
          action: execute_command
          command: "echo $HOME `date` && echo \\"x\\" $PWD"
          timeout: 1m
          readonly: true
        - id: single
          action: execute_command
          command: 'echo $HOME'
          timeout: 1m
          readonly: true
        - id: block
          action: execute_command
          command: |
            echo `date`
            cat $HOME/x | grep <node>
          timeout: 1m
          readonly: true
        - id: folded
          action: execute_command
          command: >
            echo
            $HOME
          timeout: 1m
          readonly: true

    """

    static let markdown = """
    ---
    severity: "P2"
    owner: team-sre
    escalation: "#sre"
    triggers:
      - alert: Example
    ---
    # Example

    ## Steps

    ### look

    ```bash {timeout=30s readonly}
    for f in `ls /var/log`; do echo $f; done
    ```

    ### prompt

    ```console {timeout=30s readonly}
    $ echo $HOME
    /root
    ```

    """

    @Test func fixesLandOnTheRunbooksBytes() throws {
        try #require(ShellCheck.locate() != nil, "shellcheck is missing: `make deps` installs it")
        let directory = try TestSupport.temporaryDirectory().path
        try Self.yaml.write(toFile: directory + "/s.yaml", atomically: true, encoding: .utf8)
        try Self.markdown.write(toFile: directory + "/m.md", atomically: true, encoding: .utf8)
        let json = try TestSupport.rbc(["check", "--no-git", "--format", "json", "s.yaml"], in: directory)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let diagnostics = try #require(document["diagnostics"] as? [[String: Any]])
        let folded = diagnostics.filter { $0["code"] as? String == "RB016" && $0["line"] as? Int == 34 }
        #expect(!folded.isEmpty, "the folded command has a ShellCheck finding")
        #expect(folded.allSatisfy { $0["fix"] == nil }, "a folded scalar gets no fix")
        #expect(diagnostics.contains { ($0["fix"] as? [String: Any])?["applicability"] as? String == "unsafe" })

        let run = try TestSupport.rbc(["check", "--no-git", "--fix", "--unsafe-fixes", "s.yaml", "m.md"], in: directory)
        let fixedYAML = try String(contentsOfFile: directory + "/s.yaml", encoding: .utf8)
        #expect(fixedYAML == Self.yaml
            .replacingOccurrences(of: "for f in `ls /var/log`; do echo $f; done", with: "for f in $(ls /var/log); do echo \"$f\"; done")
            .replacingOccurrences(of: #""echo $HOME `date` && echo \"x\" $PWD""#, with: #""echo \"$HOME\" $(date) && echo \"x\" \"$PWD\"""#)
            .replacingOccurrences(of: "'echo $HOME'", with: "'echo \"$HOME\"'")
            .replacingOccurrences(of: "    echo `date`\n        cat $HOME/x", with: "    echo $(date)\n        cat \"$HOME\"/x"),
                "\(run.stderr)\n\(fixedYAML)")
        let fixedMarkdown = try String(contentsOfFile: directory + "/m.md", encoding: .utf8)
        #expect(fixedMarkdown == Self.markdown
            .replacingOccurrences(of: "for f in `ls /var/log`; do echo $f; done", with: "for f in $(ls /var/log); do echo \"$f\"; done")
            .replacingOccurrences(of: "$ echo $HOME", with: "$ echo \"$HOME\""), "\(run.stderr)\n\(fixedMarkdown)")
        let again = try TestSupport.rbc(["check", "--no-git", "--fix", "--unsafe-fixes", "s.yaml", "m.md"], in: directory)
        #expect(again.stderr.contains("fixed 0 findings in 0 files"), "\(again.stderr)")
    }
}
