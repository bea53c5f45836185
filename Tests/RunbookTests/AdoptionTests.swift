// Existing runbook repositories on day one (issue 11): a missing or wrong field is one diagnostic and
// the rest is still checked, compiler diagnostics are configurable and suppressible, severities are
// read as teams write them, and a file that is not a runbook is a usage error in every command.

import Foundation
import RunbookDriver
import RunbookSema
import RunbookSource
import Testing

@Suite struct AdoptionTests {
    /// A prometheus-operator page: `# AlertName`, `## Meaning / Impact / Diagnosis / Mitigation`,
    /// Hugo front matter, no severity.
    static let alertPage = """
        ---
        title: Kube Pod Crash Looping
        weight: 20
        layout: runbook
        owner_slack: "#g_kube"
        ---

        # KubePodCrashLooping

        ## Meaning

        Pod is in CrashLoop.

        ## Diagnosis

        ```bash
        kubectl -n $NAMESPACE describe pod $POD
        ```

        ## Mitigation

        ```bash
        kubectl -n $NAMESPACE delete pod $POD
        ```

        """

    static func write(_ files: [String: String]) throws -> URL {
        let directory = try TestSupport.temporaryDirectory()
        for (name, text) in files {
            let url = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return directory
    }

    static func codes(_ output: String) -> [String] {
        output.split(separator: "\n").compactMap { line in
            guard let open = line.range(of: "["), let close = line.range(of: "]:"), open.upperBound < close.lowerBound else { return nil }
            return String(line[open.upperBound..<close.lowerBound])
        }
    }

    // What was seen: every per-alert runbook failed with RB2004 and nothing else was linted.
    @Test func alertPageWithoutSeverityIsLintedNotStopped() throws {
        let directory = try Self.write(["runbooks/KubePodCrashLooping.md": Self.alertPage])
        let run = try TestSupport.rbc(["check", "--no-git", "runbooks/KubePodCrashLooping.md"], in: directory.path)
        let codes = Self.codes(run.stdout)
        #expect(!codes.contains("RB2004"), "\(run.stdout)")
        #expect(!codes.contains("RB2002"), "site generators' front matter is no noise on a page for people:\n\(run.stdout)")
        #expect(!codes.contains("RB2009"))
        // The linter ran: the delete in the mitigation is found.
        #expect(codes.contains { $0.hasPrefix("RB0") && $0.count == 5 }, "\(run.stdout)")

        let compiled = try TestSupport.rbc(["compile", "runbooks/KubePodCrashLooping.md"], in: directory.path)
        #expect(compiled.status == 0, "\(compiled.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(compiled.stdout.utf8)) as? [String: Any])
        let runbook = try #require(object["runbook"] as? [String: Any])
        #expect(runbook["kind"] as? String == "documentation")
        #expect(runbook["severity"] == nil)
        #expect(runbook["name"] as? String == "KubePodCrashLooping")
    }

    @Test func kindFollowsWhatThePageDeclares() throws {
        let people = try #require(MarkdownTests.compile(Self.alertPage).ir)
        #expect(people.runbook.kind == .documentation)
        let executable = "---\nseverity: P2\n---\n# T\n\n## Steps\n\n### restart\n\n```bash {timeout=1m}\nsystemctl restart api\n```\n"
        #expect(try #require(MarkdownTests.compile(executable).ir).runbook.kind == .executable)
        let labelled = "# T\n\n**Severity**: P2\n\n## Steps\n\n### restart\n\n**Timeout**: 1m\n\n```bash\nsystemctl restart api\n```\n"
        #expect(try #require(MarkdownTests.compile(labelled).ir).runbook.kind == .executable)
        let yaml = "runbook:\n  name: x\n  severity: P2\n  steps:\n    - id: a\n      action: wait\n      duration: 1s\n"
        #expect(try #require(TestSupport.compile(yaml).ir).runbook.kind == .executable)
    }

    // What was seen: a documentation page with no steps got `RB2009 runbook has no steps` when named explicitly.
    @Test func documentationPageWithoutStepsIsClean() throws {
        let directory = try Self.write(["docs/overview.md": "---\nlayout: page\nparent: Home\nsection: ops\n---\n# Overview\n\nHow the service works.\n\n## Architecture\n\nThree tiers.\n"])
        let run = try TestSupport.rbc(["check", "--no-git", "docs/overview.md"], in: directory.path)
        #expect(!Self.codes(run.stdout).contains { $0.hasPrefix("RB2") }, "\(run.stdout)")
        #expect(run.status == 0, "\(run.stdout)")
    }

    /// `documentation:` globs in `.rbc.yaml` make a page documentation whatever it declares.
    @Test func documentationGlobsMarkPagesForPeople() throws {
        let page = "# T\n\n## Steps\n\n### restart\n\n**Timeout**: 1m\n\n```bash\nsystemctl restart api\n```\n"
        let directory = try Self.write([".rbc.yaml": "documentation:\n  - \"docs/**\"\n", "docs/page.md": page, "runbooks/page.md": page])
        let people = try TestSupport.rbc(["compile", "docs/page.md"], in: directory.path)
        #expect(people.status == 0, "\(people.stderr)")
        #expect(people.stdout.contains("\"kind\" : \"documentation\""))
        let executable = try TestSupport.rbc(["compile", "runbooks/page.md"], in: directory.path)
        #expect(executable.status == 1)
        #expect(Self.codes(executable.stderr) == ["RB2004"], "\(executable.stderr)")
    }

    // What was seen: `rules: {RB2004: off}` was rejected.
    @Test func compilerDiagnosticsAreConfigurable() throws {
        let yaml = "runbook:\n  name: x\n  steps:\n    - id: a\n      action: wait\n      duration: 1s\n"
        let directory = try Self.write([".rbc.yaml": "rules:\n  RB2004: off\n  invalid-value: warning\n", "r.yaml": yaml])
        let compiled = try TestSupport.rbc(["compile", "r.yaml"], in: directory.path)
        #expect(compiled.status == 0, "\(compiled.stderr)")
        #expect(!compiled.stdout.contains("\"severity\""))
        let checked = try TestSupport.rbc(["check", "--no-git", "r.yaml"], in: directory.path)
        #expect(!Self.codes(checked.stdout).contains("RB2004"), "\(checked.stdout)")
        #expect(!checked.stdout.contains("unknown rule"), "\(checked.stdout)")
        #expect(!checked.stderr.contains("unknown rule"), "\(checked.stderr)")
    }

    /// Syntax errors cannot be turned off: the setting itself is reported.
    @Test func syntaxErrorsAreNotConfigurable() throws {
        let directory = try Self.write([".rbc.yaml": "rules:\n  RB1001: off\n  RB3001: off\n", "r.yaml": "runbook:\n  name: x\n"])
        let run = try TestSupport.rbc(["check", "--no-git", "r.yaml"], in: directory.path)
        #expect(run.stdout.contains("`RB1001` (yaml-syntax) cannot be configured"), "\(run.stdout)")
        #expect(run.stdout.contains("`RB3001` (expression-syntax) cannot be configured"), "\(run.stdout)")
    }

    @Test func compilerDiagnosticsAreSuppressible() throws {
        let page = "---\nseverity: P9\ndefaults: {timeout: 1m}\n---\n# T\n\n## Steps\n\n### a\n\n```bash\ntrue\n```\n"
        // A `#` comment in the front matter covers the line after it.
        let suppressed = "---\n# rbc:ignore RB2005 -- migrated from the old tracker's levels\nseverity: P9\ndefaults: {timeout: 1m}\n---\n# T\n\n## Steps\n\n### a\n\n```bash\ntrue\n```\n"
        let directory = try Self.write(["open.md": page, "suppressed.md": suppressed])
        let open = try TestSupport.rbc(["check", "--no-git", "--no-shellcheck", "open.md"], in: directory.path)
        #expect(Self.codes(open.stdout).contains("RB2005"))
        let run = try TestSupport.rbc(["check", "--no-git", "--no-shellcheck", "suppressed.md"], in: directory.path)
        #expect(!Self.codes(run.stdout).contains("RB2005"), "\(run.stdout)")
        #expect(!Self.codes(run.stdout).contains("RB090"), "the suppression is used:\n\(run.stdout)")
        let compiled = try TestSupport.rbc(["compile", "suppressed.md"], in: directory.path)
        #expect(compiled.status == 0, "\(compiled.stderr)")
    }

    // What was seen: Prometheus-style `severity: critical` was rejected.
    @Test(arguments: [
        ("P1", StepSeverity.p1), ("p2", .p2), ("SEV1", .p0), ("SEV-2", .p1), ("Sev 3", .p2), ("sev_4", .p3), ("SEV0", .p0),
        ("S1", .p0), ("s4", .p3), ("severity::2", .p1), ("critical", .p1), ("Warning", .p2), ("info", .p3), ("high", .p1),
        ("low", .p3),
    ])
    func severitySpellings(_ text: String, _ expected: StepSeverity) {
        #expect(SeveritySpelling.severity(text) == expected)
    }

    @Test(arguments: ["P4", "P7", "SEV5", "S0", "S5", "urgent", "critcal", "", "1"])
    func notSeverities(_ text: String) {
        #expect(SeveritySpelling.severity(text) == nil)
    }

    @Test func severityNearMissSuggests() throws {
        let result = TestSupport.compile("runbook:\n  name: x\n  severity: warnign\n  steps:\n    - id: a\n      action: wait\n      duration: 1s\n")
        let diagnostic = try #require(result.diagnostics.first { $0.code == .invalidValue })
        #expect(diagnostic.help == "did you mean `warning`?")
        let outOfRange = TestSupport.compile("runbook:\n  name: x\n  severity: SEV5\n  steps:\n    - id: a\n      action: wait\n      duration: 1s\n")
        #expect(outOfRange.diagnostics.first { $0.code == .invalidValue }?.help?.hasPrefix("use P0–P3") == true)
    }

    /// A misspelt key is one diagnostic: the recovered IR reads it as meant, so no "no owner"/"no timeout" follows.
    @Test func typoIsOneDiagnostic() throws {
        let run = try TestSupport.rbc(["check", "--no-git", "--no-shellcheck", "examples/broken/unknown-keys.yaml"])
        let codes = Self.codes(run.stdout)
        #expect(!codes.contains("RB011"), "\(run.stdout)")
        #expect(!run.stdout.contains("step `restart` has no timeout"), "\(run.stdout)")
    }

    // What was seen: the same "not a runbook" situation exited 1 or 2 depending on the file.
    @Test(arguments: [("notes.txt", "plain text\n", "RB0006"), ("list.yaml", "- a\n- b\n", "RB0006"),
                      ("other.yaml", "apiVersion: v1\nkind: ConfigMap\n", "RB0006"), ("x.json", "{\"a\": 1}\n", "RB0006"),
                      ("empty.md", "", "RB0007"), ("empty.yaml", "# only a comment\n", "RB0007")])
    func notARunbookIsAUsageErrorEverywhere(_ name: String, _ text: String, _ code: String) throws {
        let directory = try Self.write([name: text])
        for command in ["check", "compile", "plan"] {
            let run = try TestSupport.rbc([command, name], in: directory.path)
            #expect(run.status == 2, "\(command) \(name): \(run.stdout)\(run.stderr)")
            #expect(Self.codes(run.stdout + run.stderr) == [code], "\(command) \(name): \(run.stdout)\(run.stderr)")
        }
    }

    /// Untitled pages are named by their file; `README.md` by its directory.
    @Test func untitledPagesAreNamedByFile() throws {
        let page = "## Steps to check\n\n1. Look at the dashboard\n"
        let plain = try #require(MarkdownTests.compile(page, path: "docs/monitoring/prometheus-is-down.md").ir)
        #expect(plain.runbook.name == "prometheus-is-down")
        let readme = try #require(MarkdownTests.compile(page, path: "docs/patroni/README.md").ir)
        #expect(readme.runbook.name == "patroni")
    }

    /// Every Markdown file of the shared corpora compiles to a recovered IR, none stops at RB2004.
    @Test func sharedCorporaNeverStopAtAMissingField() throws {
        let corpora = try TestSupport.sharedCorpora()
        let files = (FileManager.default.enumerator(atPath: corpora.path)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".md") }.sorted()
        #expect(files.count > 700)
        for relative in files {
            let result = Compiler.compile(path: corpora.appendingPathComponent(relative).path, displayPath: relative)
            if result.isUsageError { continue }
            #expect(result.lintableIR != nil, "\(relative): \(result.diagnostics.map(\.message))")
            #expect(!result.diagnostics.contains { $0.code == .missingField }, "\(relative): \(result.diagnostics.map(\.message))")
        }
    }
}
