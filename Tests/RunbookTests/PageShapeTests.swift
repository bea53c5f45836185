// Markdown pages written for people, in the shapes teams write them (the seeds' structures, one
// page of per-alert sections, checklists, terminal transcripts, rollback sections): each is checked
// as `rbc check --no-git` prints it and compiled to the IR, both recorded as goldens beside the page;
// the tests after them say which part of each page must land where in the IR.

import Foundation
import RunbookDriver
import RunbookSema
import RunbookSource
import RunbookSyntax
import Testing

@Suite struct PageShapeTests {
    static let directory = "Tests/RunbookTests/Fixtures/pages"
    static let pages = TestSupport.files(in: directory, extension: "md")

    static func compiled(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> RunbookIR {
        let result = Compiler.compile(path: TestSupport.path("\(directory)/\(name)"), displayPath: name)
        return try #require(result.ir, "\(name) does not compile:\n\(TestSupport.rendered(result.diagnostics))",
                            sourceLocation: sourceLocation)
    }

    static func compile(_ text: String) -> CompilationResult {
        Compiler.compile(SourceFile(path: "page.md", text: text))
    }

    @Test func thePagesAreThere() {
        #expect(Self.pages.count >= 10)
    }

    /// Every finding on these pages must be worth a person's time: the recorded output is the whole
    /// check (compile, lint, ShellCheck), and the IR holds what a person reads off the page.
    @Test(arguments: pages)
    func pageChecksAndCompilesAsRecorded(_ name: String) throws {
        let stem = (name as NSString).deletingPathExtension
        var options = CheckOptions()
        options.today = "2026-12-05"
        options.git = false
        let report = CheckSession.run(paths: ["\(Self.directory)/\(name)"], options: options,
                                      configuration: Configuration.discover(from: TestSupport.root.path))
        TestSupport.assertGolden(TestSupport.rendered(report.diagnostics), "\(Self.directory)/\(stem).expected")
        let ir = try Self.compiled(name)
        TestSupport.assertGolden(String(decoding: try ir.jsonData(), as: UTF8.self), "\(Self.directory)/\(stem).ir.json")
    }

    /// `**Rollback**:` under a step is how pages for people say how to undo it: the rollback is in
    /// the IR, and the page stays a page for people (no timeouts, owners or verification asked of it).
    @Test func aStepRollbackDoesNotMakeThePageExecutable() throws {
        let ir = try Self.compiled("step-rollback-labels.md")
        #expect(ir.runbook.kind == .documentation)
        let drained = try #require(ir.steps.first { $0.id == "if-the-lag-still-grows" })
        #expect(drained.rollback?.action.command == "kubectl -n databases label pod \"$REPLICA\" role=replica --overwrite")
        let oneLine = Self.compile("# Restart\n\n## Steps\n\n### Restart the api\n```bash\nsystemctl restart api\n```\n**Rollback**: `systemctl stop api`\n")
        #expect(oneLine.ir?.runbook.kind == .documentation)
        #expect(oneLine.ir?.steps.first?.rollback?.action.command == "systemctl stop api")
        // What only rbc reads still declares one.
        let declared = Self.compile("# Restart\n\n## Steps\n\n### Restart the api\n```bash {timeout=1m}\nsystemctl restart api\n```\n**Rollback**: `systemctl stop api`\n")
        #expect(declared.recoveredIR?.runbook.kind == .executable)
    }

    /// `- [ ]` and `1. [ ]` items are a list's items (cmark-gfm types them apart): a numbered
    /// checklist is steps, a checklist under Escalation its entries.
    @Test func checklistItemsAreListItems() throws {
        let ir = try Self.compiled("numbered-checklist.md")
        #expect(ir.steps.map(\.id) == ["cordon-the-node-so-no", "clear-the-build-cache", "tell-builds-that-the-node"])
        #expect(ir.steps.map(\.action.command) == ["kubectl cordon build-node-7", "docker builder prune --force", nil])
        #expect(ir.steps[2].action.kind == .manual)
        #expect(ir.runbook.escalation == ["Ping @builds-oncall in #builds", "After 30 minutes, page the platform lead"])
    }

    /// One page of per-alert sections (`## AlertName`, then `### Diagnosis` / `### Mitigation`): each
    /// alert is a procedure with its steps, read-only under diagnosis words.
    @Test func perAlertSectionsAreProcedures() throws {
        let ir = try Self.compiled("per-alert-sections.md")
        #expect(ir.steps.isEmpty)
        #expect(ir.procedures.map(\.id) == ["volumefillingup", "volumeinodesexhausted"])
        let filling = ir.procedures[0]
        #expect(filling.name == "VolumeFillingUp")
        #expect(filling.description == "Severity: warning\n\nThe volume will be full within four days at the current rate.")
        #expect(filling.steps.map(\.readonly) == [true, false])
        #expect(filling.steps.map(\.action.command) == ["kubectl -n storage get pvc",
                                                        "kubectl -n storage patch pvc data-0 -p '{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"200Gi\"}}}}'"])
        #expect(ir.procedures[1].steps.last?.action.command == "find /var/lib/data/tmp -type f -mtime +7 -delete")
        #expect(ir.documentation.isEmpty, "nothing of the page is left over")
    }

    /// A section that describes tools, one of which is about troubleshooting, is no procedure: steps
    /// must be what the section is for.
    @Test func aSectionAboutToolsStaysDocumentation() throws {
        let page = """
        # Cache service

        ## What slows the cache down

        ### Dashboards

        The latency panel shows it first.

        ### Slow log

        Entries above 10 ms are logged.

        ### Troubleshooting tools

        ```bash
        cache-cli --latency
        ```

        ### Memory analyzer

        Reads a dump offline.

        ## Symptoms of a full cache

        ### Symptoms

        Evictions climb.

        ### Mitigation

        ```bash
        cache-cli config set maxmemory 8gb
        ```
        """
        let ir = try #require(Self.compile(page).ir)
        #expect(!ir.documentation.compactMap(\.title).filter { $0 == "What slows the cache down" }.isEmpty)
        #expect(ir.procedures.map(\.id) == ["symptoms-of-a-full-cache"])
        #expect(ir.procedures.first?.symptoms == "Evictions climb.")
        #expect(ir.procedures.first?.steps.map(\.action.command) == ["cache-cli config set maxmemory 8gb"])
    }

    /// A fence that names no language but opens with a prompt is a terminal transcript: its
    /// prompted lines are commands, the rest output. Without a prompt it stays text.
    @Test func promptedFenceWithoutLanguageIsATranscript() throws {
        let ir = try Self.compiled("transcript-fences.md")
        #expect(ir.steps.map(\.action.command) == ["redis-cli -h redis-sidekiq llen queue:default",
                                                   "sudo gitlab-ctl status sidekiq", "sudo gitlab-ctl restart sidekiq"])
        #expect(ir.steps[0].exampleOutput == "(integer) 48211\n")
        #expect(ir.steps[0].readonly)
        let plain = try #require(Self.compile("# Queue\n\n## Diagnosis\n\nThe log says:\n\n```\nERROR queue full\n```\n").ir)
        #expect(plain.steps.map(\.action.kind) == [.manual], "a fence of text is no command")
    }

    /// `## Undo` holds the runbook's rollback, as `## Rollback` and `## Revert` do.
    @Test func anUndoSectionIsTheRollback() throws {
        let ir = try Self.compiled("undo-section.md")
        #expect(ir.steps.map(\.id) == ["turn-the-flag-off"])
        #expect(ir.rollback.map(\.action.command) == ["flagctl set checkout.new-pricing on --env production"])
    }

    /// Procedure ids derived from headings are made unique across the page: a common issue and an
    /// alert's section of the same name (`### Disk full` under Common issues, `## Disk full` with its
    /// Diagnosis and Mitigation) are two procedures, not a duplicate id that refuses the page.
    @Test func derivedProcedureIDsAreUniqueAcrossThePage() throws {
        let page = """
        # Storage node

        ## Common issues

        ### Disk full

        1. Check the disk with `df -h`

        ### Disk full

        1. Look for large logs with `du -sh /var/log`

        ## Disk full

        ### Diagnosis

        ```bash
        df -h /var/lib/data
        ```

        ### Mitigation

        ```bash
        journalctl --vacuum-size=500M
        ```
        """
        let result = Self.compile(page)
        let ir = try #require(result.ir, "\(TestSupport.rendered(result.diagnostics))")
        #expect(ir.procedures.map(\.id) == ["disk-full", "disk-full-2", "disk-full-3"])
        #expect(ir.procedures.last?.steps.map(\.action.command) == ["df -h /var/lib/data", "journalctl --vacuum-size=500M"])
    }

    /// "Undo" is the page's rollback as the verb that undoes the change, not as a noun (a database's
    /// undo log) or the name of an operation (an API's "Undo favourite").
    @Test(arguments: [
        ("Undo", true), ("Undo the failover", true), ("How to undo it", true), ("Undoing the change", true), ("3. Undo", true),
        ("Undo changes", true), ("InnoDB Undo Space and Purging", false), ("Undo favourite of a status", false),
        ("Max undo log size", false), ("Undo tablespaces", false), ("Records per undo log page", false),
    ])
    func undoIsARollbackOnlyAsTheVerb(_ heading: String, _ rollback: Bool) {
        #expect((MarkdownRunbookParser.sectionKind(heading) == .rollback) == rollback, "\(heading)")
    }

    /// A table with a command column in a step section is a table of steps: one step per row, its
    /// command the row's code span; other columns are its description. Other tables are not steps.
    @Test func aTableOfStepsIsSteps() throws {
        let ir = try Self.compiled("table-of-steps.md")
        #expect(ir.steps.map(\.id) == ["check-expiry", "renew", "reload"])
        #expect(ir.steps.map(\.action.command) == [
            "openssl s_client -connect api.example.net:443 </dev/null 2>/dev/null | openssl x509 -noout -enddate",
            "certbot renew --cert-name api.example.net", "systemctl reload nginx"])
        #expect(ir.steps[0].description == "Expected: a date more than 14 days away")
        #expect(ir.rollback.map(\.action.command) == ["cp /etc/ssl/backup/api.example.net.pem /etc/ssl/api.example.net.pem\nsystemctl reload nginx"])
        let decisions = try #require(Self.compile("""
        # Mitigations

        ## Common mitigation actions

        | Action | When to use | How |
        |--------|-------------|-----|
        | Rollback | Bad deploy | Revert through the pipeline |
        | Restart | Stuck process | Rolling restart |
        """).ir)
        #expect(decisions.steps.count == 1, "a table of choices is one manual step's text, not a step per row")
    }

    /// Severity, owner and review date stated without bold labels: plain `Key: value` lines, a table
    /// row, a badge. A table of severity levels states none.
    @Test func metadataStatedWithoutBoldLabels() throws {
        let lines = try Self.compiled("table-of-steps.md")
        #expect(lines.runbook.severity == .p3)
        #expect(lines.runbook.owner == "team-edge")
        #expect(lines.runbook.description == nil)
        let table = try Self.compiled("metadata-table.md")
        #expect(table.runbook.severity == .p1)
        #expect(table.runbook.owner == "@payments-oncall")
        #expect(table.runbook.reviewed == "2026-10-01")
        let badge = try Self.compiled("severity-badge.md")
        #expect(badge.runbook.severity != nil)
        #expect(badge.runbook.description?.contains("img.shields.io") != true)
        let levels = try #require(Self.compile("""
        # Incident severities

        | Severity | Meaning |
        |----------|---------|
        | P0 | Outage |
        | P1 | Major |

        Severity: decide it within five minutes of the page.

        ## Steps

        1. Assess impact.
        """).ir)
        #expect(levels.runbook.severity == nil)
    }

    /// `## Escalation` as a table of levels: one entry per row.
    @Test func anEscalationTableIsItsEntries() throws {
        let ir = try Self.compiled("undo-section.md")
        #expect(ir.runbook.escalation == ["Level: 1, Who: @checkout-oncall, When: at once",
                                          "Level: 2, Who: Checkout engineering manager, When: after 30 minutes"])
    }
}
