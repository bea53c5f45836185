// The Markdown front end: twins equal their YAML originals, the seed shapes compile, CommonMark's
// corner cases come out right, and every real runbook in the shared corpora compiles or is diagnosed.

import Foundation
import RunbookDriver
import RunbookSema
import RunbookSource
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
        #expect(ir.steps[0].location == IRLocation(file: "test.md", line: 12, column: 4))
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
