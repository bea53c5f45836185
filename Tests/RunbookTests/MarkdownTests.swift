// The Markdown front end: twins equal their YAML originals, the seed shapes compile, CommonMark's
// corner cases come out right, and every real runbook in the shared corpora compiles or is diagnosed.

import Foundation
import RunbookDriver
import RunbookSema
import RunbookSource
import RunbookSyntax
import Testing

@Suite struct MarkdownTests {
    static let twins = TestSupport.files(in: "examples", extension: "yaml").map { ($0 as NSString).deletingPathExtension }

    static func compile(_ text: String, path: String = "test.md") -> CompilationResult {
        Compiler.compile(SourceFile(path: path, text: text))
    }

    /// The IR that must match between twins: all but where it was written and the prose Markdown keeps.
    static func comparable(_ ir: RunbookIR) -> RunbookIR {
        var copy = ir.withoutSourceInformation()
        copy.documentation = []
        return copy
    }

    @Test(arguments: twins)
    func markdownTwinCompilesToTheSameIR(_ name: String) throws {
        let yaml = try #require(Compiler.compile(path: TestSupport.path("examples/\(name).yaml")).ir)
        let markdown = Compiler.compile(path: TestSupport.path("examples/\(name).md"))
        #expect(markdown.diagnostics.isEmpty, "\(TestSupport.rendered(markdown.diagnostics))")
        let ir = try #require(markdown.ir)
        #expect(Self.comparable(ir) == Self.comparable(yaml))
        #expect(ir.source?.format == "markdown")
    }

    @Test func seed001ShapeCompiles() throws {
        let result = Compiler.compile(path: TestSupport.path("examples/order-service-error-rate.md"))
        #expect(result.diagnostics.isEmpty, "\(TestSupport.rendered(result.diagnostics))")
        let ir = try #require(result.ir)
        #expect(ir.runbook.name == "Order service error rate high")
        #expect(ir.runbook.severity == .p1)
        #expect(ir.runbook.triggers.map(\.alert) == ["OrderServiceErrorRateHigh"])
        #expect(ir.steps.map(\.id) == ["verify-the-problem", "apply-mitigation", "verify-resolution"])
        #expect(ir.steps[0].readonly && ir.steps[0].timeoutMs == 30_000)
        #expect(ir.steps[0].description?.hasPrefix("Expected: Error rate below 0.01") == true)
        #expect(ir.steps[1].confirm)
        #expect(ir.steps[1].rollback?.action.command == "kubectl rollout undo deployment/order-service -n orders")
        #expect(ir.steps[1].rollback?.timeoutMs == 120_000)
        #expect(ir.steps[2].action.kind == .manual)
        #expect(ir.runbook.escalation.first?.hasPrefix("If unresolved: escalate to #orders-oncall") == true)
        #expect(ir.documentation.map(\.title) == ["Prerequisites"])
        #expect(ir.documentation.first?.markdown.contains("`deployer`") == true)
    }

    @Test func seed003ShapeCompilesToProcedures() throws {
        let result = Compiler.compile(path: TestSupport.path("examples/order-service.md"))
        #expect(result.diagnostics.isEmpty, "\(TestSupport.rendered(result.diagnostics))")
        let ir = try #require(result.ir)
        #expect(ir.steps.isEmpty)
        #expect(ir.procedures.map(\.id) == ["high-memory-usage", "database-connection-exhaustion", "rollback", "emergency-scale"])
        let memory = ir.procedures[0]
        #expect(memory.symptoms == "Memory alerts, OOM kills")
        #expect(memory.diagnosis == "Check memory metrics, heap dumps")
        #expect(memory.steps.map(\.id) == ["restart-service-immediate-relief", "investigate-memory-leak", "scale-horizontally-if-needed"])
        #expect(memory.steps[0].action.command == "kubectl rollout restart deployment/order-service -n orders")
        #expect(memory.steps[1].action.kind == .manual)
        #expect(ir.procedures[3].steps.first?.action.command == "kubectl scale deployment/order-service -n orders --replicas=10")
        #expect(ir.documentation.map(\.title) == ["Key Metrics"])
        #expect(ir.runbook.description?.hasPrefix("The order service takes") == true)
    }

    @Test func commonMarkCornerCases() throws {
        let text = """
        ---
        severity: P2
        ---
        Setext title
        ============

        <!-- an HTML comment is not prose -->

        Steps
        -----

        1. Drain the node
           ```bash
           # TODO: this line is a shell comment, not a heading
           kubectl drain node-1
           ```
        2. Tell people

        | table | kept |
        |---|---|
        | as | documentation |

        """
        let result = Self.compile(text)
        #expect(result.diagnostics.isEmpty, "\(TestSupport.rendered(result.diagnostics))")
        let ir = try #require(result.ir)
        #expect(ir.runbook.name == "Setext title")
        #expect(ir.steps.map(\.id) == ["drain-the-node", "tell-people"])
        #expect(ir.steps[0].action.command == "# TODO: this line is a shell comment, not a heading\nkubectl drain node-1")
        #expect(ir.steps[1].action.kind == .manual)
        // The fence sits inside a list item: the step's location is the item's first line.
        let location = try #require(ir.steps[0].location)
        #expect([location.file, "\(location.line):\(location.column)"] == ["test.md", "12:4"])
    }

    @Test func consoleFencesKeepOnlyPromptedCommands() throws {
        let text = "---\nseverity: P3\n---\n# T\n\n## Steps\n\n### look\n\n```console\n$ kubectl get pods\nNAME READY\napi 1/1\n$ kubectl get svc\n```\n"
        let ir = try #require(Self.compile(text).ir)
        #expect(ir.steps[0].action.command == "kubectl get pods\nkubectl get svc")
    }

    @Test func crlfMarkdownKeepsPositions() throws {
        let text = "---\r\nseverity: P2\r\n---\r\n# T\r\n\r\n## Steps\r\n\r\n### a\r\n\r\n**Timeout**: 5 minutes\r\n\r\n```bash\r\ntrue\r\n```\r\n"
        let diagnostic = try #require(Self.compile(text).diagnostics.first)
        #expect(diagnostic.code.id == "RB2006")
        #expect(diagnostic.start == LineColumn(line: 10, column: 14))
    }

    /// Every Markdown runbook in ../shared/corpora compiles or is diagnosed: no crash, no hang, and no
    /// position outside the file.
    @Test func sharedCorporaCompileWithPositionsInRange() throws {
        let corpora = try TestSupport.sharedCorpora()
        let files = (FileManager.default.enumerator(atPath: corpora.path)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".md") }.sorted()
        #expect(files.count > 700)
        var compiled = 0
        for relative in files {
            let result = Compiler.compile(path: corpora.appendingPathComponent(relative).path, displayPath: relative)
            for diagnostic in result.diagnostics {
                guard let file = diagnostic.file, let range = diagnostic.range else { continue }
                #expect(TestSupport.isValidRange(range, in: file), "\(relative): \(diagnostic.code.id) \(diagnostic.message)")
            }
            if !result.diagnostics.isEmpty || result.ir != nil { compiled += 1 }
        }
        #expect(compiled == files.count)
    }
}

/// Faithful Markdown (issue 11): prompts, output, one step per fence, nothing dropped, readable ids,
/// discovery by the words of a heading.
@Suite struct MarkdownFidelityTests {
    static func ir(_ text: String, path: String = "test.md") throws -> RunbookIR {
        let result = MarkdownTests.compile(text, path: path)
        return try #require(result.lintableIR, "\(result.diagnostics.map(\.message))")
    }

    // What was seen: `$ ` prompts stayed in commands; console output became commands.
    @Test func promptsAreStrippedAndOutputKept() throws {
        let text = "# T\n\n## Diagnosis\n\nCheck the pods:\n\n```console\n$ kubectl get pods\nNAME READY\napi 1/1\n# kubectl get svc\n```\n\nIn scripts too:\n\n```sh\n$ kubectl logs api \\\n>   --tail=10\nline one\n```\n"
        let ir = try Self.ir(text)
        #expect(ir.steps.map(\.action.command) == ["kubectl get pods\nkubectl get svc", "kubectl logs api \\\n  --tail=10"])
        #expect(ir.steps[0].exampleOutput == "NAME READY\napi 1/1\n")
        #expect(ir.steps[1].exampleOutput == "line one\n")
    }

    @Test func consoleFenceWithoutPromptIsOutput() throws {
        let text = "# T\n\n## Diagnosis\n\nThe logs look like this:\n\n```console\nerror: connection refused\n```\n"
        let ir = try Self.ir(text)
        #expect(ir.steps.allSatisfy { $0.action.kind == .manual }, "\(ir.steps.map(\.action))")
    }

    @Test func nonShellFencesAreNeverCommands() throws {
        let text = "# T\n\n## Diagnosis\n\n```promql\nrate(x[5m]) > 1\n```\n\n```yaml\na: 1\n```\n\n```text\nlog line\n```\n"
        let ir = try Self.ir(text)
        #expect(!ir.steps.contains { $0.action.kind == .executeCommand })
    }

    // What was seen: several fences under one numbered step became one step (the rest description).
    @Test func severalFencesUnderOneItemAreSeveralSteps() throws {
        let text = "# T\n\n## Mitigation\n\n1. Restart the pods\n\n   ```bash\n   kubectl rollout restart deploy/api\n   ```\n\n   Then watch them come back:\n\n   ```bash\n   kubectl rollout status deploy/api\n   ```\n\n2. Tell the team\n"
        let ir = try Self.ir(text)
        #expect(ir.steps.map(\.id) == ["restart-the-pods", "then-watch-them-come-back", "tell-the-team"])
        #expect(ir.steps[1].action.command == "kubectl rollout status deploy/api")
    }

    @Test func rollbackFenceStaysWithItsStep() throws {
        let text = "---\nseverity: P2\n---\n# T\n\n## Steps\n\n### Restart\n\n```bash\nkubectl rollout restart deploy/api\n```\n\n**Rollback**:\n\n```bash\nkubectl rollout undo deploy/api\n```\n"
        let ir = try Self.ir(text)
        #expect(ir.steps.count == 1)
        #expect(ir.steps[0].rollback?.action.command == "kubectl rollout undo deploy/api")
    }

    // What was seen: about 8% of prose paragraphs were absent from the IR.
    @Test func noParagraphIsDropped() throws {
        let text = "# T\n\n## Mitigation\n\nThis alert is deprecated, ignore it.\n\nFirst look:\n\n```bash\nkubectl get pods\n```\n\n## Steps\n\nBefore the list.\n\n1. Do a thing\n\nAfter the list.\n"
        let ir = try Self.ir(text)
        let everything = (ir.documentation.map(\.markdown) + ir.steps.compactMap(\.description) + ir.steps.compactMap(\.action.instructions)).joined(separator: "\n")
        for sentence in ["This alert is deprecated, ignore it.", "Before the list.", "After the list."] {
            #expect(everything.contains(sentence), "\(sentence) missing from \(everything)")
        }
    }

    // What was seen: step ids were the first 64 characters of a sentence.
    @Test func stepIDsAreShortSlugs() {
        #expect(MarkdownRunbookParser.slug("Check the logs of the failing pod for connection errors to the database") == "check-the-logs-of-the")
        #expect(MarkdownRunbookParser.slug("Apply Mitigation") == "apply-mitigation")
        #expect(MarkdownRunbookParser.slug("restart-api") == "restart-api")
    }

    // What was seen: `## Diagnosis and mitigation`, `## Mitigating`, `## Troubleshooting` were missed and
    // `## Procedure Overview` was taken as a procedure.
    @Test(arguments: [
        ("Diagnosis and mitigation", MarkdownRunbookParser.SectionKind.steps), ("Mitigating", .steps), ("Mitigation", .steps),
        ("Troubleshooting", .steps), ("Resolution", .steps), ("Contain / Eradicate / Recover", .steps), ("Steps to check", .steps),
        ("When to Use", .description), ("Prerequisites", .documentation), ("Steps", .steps), ("Escalation", .escalation),
        ("Procedure Overview", .description), ("Communication Templates", .documentation), ("Diagnosis", .readOnlySteps),
        ("Investigation Methodology", .readOnlySteps), ("Common Issues", .commonIssues), ("Emergency Procedures", .emergencyProcedures),
        ("Triage Procedure", .steps), ("Severity Levels", .documentation),
    ])
    func sectionsByWords(_ heading: String, _ kind: MarkdownRunbookParser.SectionKind) {
        #expect(MarkdownRunbookParser.sectionKind(heading) == kind)
    }

    @Test func discoveryFindsRunbooksByTheirWords() throws {
        let directory = try TestSupport.temporaryDirectory()
        let pages = ["a.md": "# A\n\n## Diagnosis and mitigation\n\n```bash\nkubectl get pods\n```\n",
                     "b.md": "# B\n\n## Troubleshooting\n\nRestart it.\n",
                     "c.md": "# C\n\n## Procedure Overview\n\nWhat we do, in general.\n"]
        for (name, text) in pages { try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let run = try TestSupport.rbc(["check", "--no-git", "--no-shellcheck", "."], in: directory.path)
        #expect((run.stdout + run.stderr).contains("checked 2 runbooks"), "\(run.stdout)\(run.stderr)")
    }

    // What was seen: JSON in `--patch` and awk's `}}` gave `RB3001 stray }}`.
    @Test func bracesInCommandsAreNotExpressions() throws {
        let text = "# T\n\n## Mitigation\n\n```bash\nkubectl patch x --patch '{\"spec\":{\"logLevel\":\"Debug\"}}'\nawk '{ if ($1) { print $2 }}' f\n```\n"
        let result = MarkdownTests.compile(text)
        #expect(!result.diagnostics.contains { $0.code.id.hasPrefix("RB3") }, "\(result.diagnostics.map(\.message))")
    }

    // What was seen: columns were wrong for fences inside list items and on prompt lines.
    @Test func columnsInListItemsAndBehindPrompts() throws {
        let directory = try TestSupport.temporaryDirectory()
        let text = "---\nseverity: P2\ndefaults: {timeout: 1m}\n---\n# T\n\n## Steps\n\n1. Look\n\n   ```console\n   $ echo ${{ params.nope }}\n   ```\n"
        try text.write(to: directory.appendingPathComponent("r.md"), atomically: true, encoding: .utf8)
        let run = try TestSupport.rbc(["check", "--no-git", "--no-shellcheck", "r.md"], in: directory.path)
        // `params` starts at column 15: three spaces of indent, `$ `, `echo `, `${{ `.
        #expect(run.stdout.contains("r.md:12:15: error[RB3002]"), "\(run.stdout)")
    }

    /// Both front ends build the typed tree the type checker reads: each value with its meaning and
    /// where its text came from, never a YAML style standing in for a Markdown code span.
    @Test func bothFrontEndsBuildTheTypedTree() throws {
        let page = "---\nowner: \"team-sre\"\n---\n# Restart\n\n## Steps\n\n### Restart api\n\n**Confirm**: yes\n**Value**: `2000`\n\n```bash {timeout=5m}\nsystemctl restart api\n```\n"
        let markdown = try #require(MarkdownRunbookParser.parse(markdown: SourceFile(path: "r.md", text: page)).syntax?.tree)
        #expect(markdown.metadata["owner"]?.value.origin == .yaml(.doubleQuoted))
        #expect(markdown.metadata["name"]?.value.origin == .markdown(.heading))
        let step = try #require(markdown.steps.first)
        #expect(step.fields["command"]?.value.origin == .markdown(.fence))
        #expect(step.fields["action"]?.value.origin == .markdown(.implied))
        #expect(step.fields["confirm"]?.value.origin == .markdown(.labelText))
        #expect(step.fields["confirm"]?.value.scalarKind == .bool)
        #expect(step.fields["value"]?.value.origin == .markdown(.codeSpan))
        #expect(step.fields["value"]?.value.scalarKind == .string)
        #expect(step.fields["timeout"]?.value.origin == .markdown(.fenceAttribute(quoted: false)))
        let yaml = "runbook:\n  name: r\n  defaults: &d {timeout: 5m}\n  steps:\n    - id: a\n      action: wait\n      duration: 1m\n      retries: {<<: *d, attempts: \"2\"}\n"
        let tree = try #require(RunbookParser.parse(yaml: SourceFile(path: "r.yaml", text: yaml)).syntax?.tree)
        let retries = try #require(tree.steps.first?.fields["retries"]?.value.mapping)
        #expect(retries.fields.map(\.key) == ["attempts", "timeout"])
        #expect(retries["attempts"]?.value.origin == .yaml(.doubleQuoted))
        #expect(retries["attempts"]?.value.scalarKind == .string)
        #expect(retries.problems.isEmpty)
    }

    // What was seen (issue 14): a boolean written in a Markdown code span got YAML's help, "remove
    // the quotes", because the front end dressed the code span as a quoted YAML scalar. The typed tree
    // keeps where a value came from, so help speaks the author's front end.
    @Test func typeHelpSpeaksTheFrontEndTheValueWasWrittenIn() throws {
        let directory = try TestSupport.temporaryDirectory()
        let page = """
            # Restart the API

            **Severity**: P2

            ## Steps

            ### Restart the deployment

            **Confirm**: `yes`
            **Retries**: `2`
            **On failure**:
            **Timeout**: 300

            ```bash {readonly="true"}
            kubectl rollout restart deployment/api
            ```

            """
        let runbook = """
            runbook:
              name: Restart the API
              severity: P2
              steps:
                - id: restart
                  action: execute_command
                  command: kubectl rollout restart deployment/api
                  confirm: "yes"

            """
        try page.write(to: directory.appendingPathComponent("restart.md"), atomically: true, encoding: .utf8)
        try runbook.write(to: directory.appendingPathComponent("restart.yaml"), atomically: true, encoding: .utf8)
        let markdown = try TestSupport.rbc(["check", "--no-git", "--no-shellcheck", "--no-cache", "restart.md"], in: directory.path)
        #expect(markdown.status == 1, "\(markdown.stdout)\(markdown.stderr)")
        #expect(!markdown.stdout.contains("remove the quotes\n"), "\(markdown.stdout)")
        #expect(markdown.stdout.contains("""
            restart.md:9:15: error[RB2003]: `confirm` must be true or false, found a string
              |
            9 | **Confirm**: `yes`
              |               ^^^
              = help: remove the backticks: a code span is text, so write `**Confirm**: yes`
            """), "\(markdown.stdout)")
        #expect(markdown.stdout.contains("= help: remove the backticks: a code span is text, so write `**Retries**: 2`"), "\(markdown.stdout)")
        #expect(markdown.stdout.contains("= help: remove the quotes around the attribute's value: `readonly=true`"), "\(markdown.stdout)")
        // A label is named as written, and has no `timeoutMs` spelling to offer.
        #expect(markdown.stdout.contains("= help: write a value after `**On failure**:`"), "\(markdown.stdout)")
        #expect(markdown.stdout.contains("= help: write `300s` for seconds\n"), "\(markdown.stdout)")
        // YAML keeps its own words.
        let yaml = try TestSupport.rbc(["check", "--no-git", "--no-shellcheck", "--no-cache", "restart.yaml"], in: directory.path)
        #expect(yaml.stdout.contains("`confirm` must be true or false, found a string"), "\(yaml.stdout)")
        #expect(yaml.stdout.contains("= help: remove the quotes\n"), "\(yaml.stdout)")
    }
}
