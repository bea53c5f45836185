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

    // MARK: - Leftovers of adoption (session 9)

    /// A front matter that does not parse is one error. What it may have stated (severity, owner,
    /// escalation, triggers, reviewed, defaults, params) is unknown, so "no severity", "no owner"
    /// and the like are its consequences, not findings; the page's own labels and tables are still read.
    @Test func aBrokenFrontMatterIsOneErrorWithoutConsequences() throws {
        let page = """
        ---
        severity: P1
        owner: team-storage
        tags: [disk
        ---
        # Disk full

        | Field | Value |
        |---|---|
        | Severity | P1 |

        ## Steps

        ### Check the disk
        ```bash {readonly timeout=30s}
        df -h /var/lib/data
        ```

        ### Free space
        ```bash {timeout=5m}
        journalctl --vacuum-size=500M
        ```

        ### Check again
        ```bash {readonly timeout=30s}
        df -h /var/lib/data
        ```
        """
        let run = try RealRepositoryTests.run(["page.md": page], ["check", "page.md", "--no-git", "--no-shellcheck", "--format", "concise"])
        let findings = run.stdout.split(separator: "\n").filter { $0.contains("[RB") }
        #expect(findings.count == 1 && findings.first?.contains("error[RB1001]") == true, "\(run.stdout)")
        let result = Self.compile(page)
        #expect(result.recoveredIR?.runbook.severity == .p1, "the table under the title is still read")
        // Without the error those findings are true.
        let fixed = page.replacingOccurrences(of: "tags: [disk\n", with: "").replacingOccurrences(of: "severity: P1\nowner: team-storage\n", with: "x-note: none\n")
        let clean = try RealRepositoryTests.run(["page.md": fixed], ["check", "page.md", "--no-git", "--no-shellcheck", "--format", "concise"])
        #expect(clean.stdout.contains("[RB011]"), "\(clean.stdout)")
    }

    /// A page of several `# AlertName` sections, each with its `## Diagnosis` / `## Mitigation`,
    /// compiles as the alerts it shows (one procedure each), as a page of `## AlertName` sections
    /// with `###` runbook sections does; the steps of one are not merged into the first.
    @Test func severalAlertTitlesAreSeveralProcedures() throws {
        let page = """
        # DiskFillingUp

        The data volume fills within a day.

        ## Diagnosis

        ```bash
        df -h /var/lib/data
        ```

        ## Mitigation

        ```bash
        journalctl --vacuum-size=500M
        ```

        # InodesExhausted

        No inodes are left on the data volume.

        ## Diagnosis

        ```bash
        df -i /var/lib/data
        ```

        ## Mitigation

        1. Remove old temporary files
           ```bash
           find /var/lib/data/tmp -type f -mtime +7 -delete
           ```
        """
        let result = Self.compile(page)
        let ir = try #require(result.ir, "\(TestSupport.rendered(result.diagnostics))")
        #expect(ir.steps.isEmpty)
        #expect(ir.procedures.map(\.id) == ["diskfillingup", "inodesexhausted"])
        #expect(ir.procedures.first?.description == "The data volume fills within a day.")
        #expect(ir.procedures.map { $0.steps.map(\.action.command) } == [
            ["df -h /var/lib/data", "journalctl --vacuum-size=500M"],
            ["df -i /var/lib/data", "find /var/lib/data/tmp -type f -mtime +7 -delete"]])
        #expect(ir.procedures.map { $0.steps.map(\.readonly) } == [[true, false], [true, false]])
        // A page title over alert titles stays the page's name; an H1 that holds no runbook sections
        // (an appendix) stays documentation.
        let titled = try #require(Self.compile("# Storage alerts\n\nAlerts of the data volume.\n\n" + page + "\n\n# Appendix\n\nSee the storage handbook.\n").ir)
        #expect(titled.runbook.name == "Storage alerts")
        #expect(titled.procedures.map(\.id) == ["diskfillingup", "inodesexhausted"])
        #expect(titled.documentation.contains { $0.title == "Appendix" })
        // A `#` over sections that are no alert's (a playbook's parts) shows one page: a shell comment
        // left outside its fence is a `#` heading too, and no alert's title.
        let playbook = try #require(Self.compile("""
        # Playbook: API keys leaked

        ## Scope

        Which keys were used.

        ## Part 1: Contain

        ```bash
        keyctl list --created-after "$SINCE"
        ```

        # Then disable every key listed above

        ## Part 2: Eradicate

        ```bash
        keyctl disable "$KEY_ID"
        ```

        # Keep the list for the report

        ## Part 3: Recover

        ```bash
        keyctl create --plan default
        ```
        """).ir)
        #expect(playbook.procedures.isEmpty)
        #expect(playbook.steps.count == 3)
        // One H1 with its sections is one runbook, as before.
        let single = try #require(Self.compile(page.components(separatedBy: "# InodesExhausted")[0]).ir)
        #expect(single.runbook.name == "DiskFillingUp")
        #expect(single.steps.map(\.action.command) == ["df -h /var/lib/data", "journalctl --vacuum-size=500M"])
    }

    /// A label's value is read from its text: emphasis, a code span or a link around it is how the
    /// page shows it, not part of the severity, owner, date, tags or alert name.
    @Test func inlineFormattingInALabelValueIsNotTheValue() throws {
        let page = """
        # Disk full

        **Severity:** _critical_
        **Owner:** *team-storage*
        **Reviewed:** [2026-10-01](https://wiki.example.com/reviews)
        **Review every:** **90d**
        **Tags:** `disk`, `storage`
        **Alert:** [DiskFull](https://prometheus.example.com/alerts)

        ## Steps

        1. Check the disk
           ```bash
           df -h
           ```
        """
        let result = Self.compile(page)
        #expect(result.diagnostics.isEmpty, "\(TestSupport.rendered(result.diagnostics))")
        let ir = try #require(result.ir)
        #expect(ir.runbook.severity == .p1)
        #expect(ir.runbook.owner == "team-storage")
        #expect(ir.runbook.reviewed == "2026-10-01")
        #expect(ir.runbook.tags == ["disk", "storage"])
        #expect(ir.runbook.triggers.map(\.alert) == ["DiskFull"])
        // A value that is not a severity is still one error, quoted without its emphasis.
        let wrong = Self.compile("# Disk full\n\n**Severity:** _whenever_\n\n## Steps\n\n1. Check\n")
        #expect(wrong.diagnostics.map(\.message) == ["unknown severity `whenever`"])
    }

    /// `## Rollback procedure`, `## Rollback steps`, `## Roll back the release`, `## Steps to roll
    /// back` hold the page's rollback: the rollback word says which steps these are. A heading that
    /// names two kinds of work (`Mitigation or rollback`) and verifying a rollback stay steps.
    @Test(arguments: [
        ("Rollback procedure", true), ("Rollback steps", true), ("Roll back", true), ("Roll back the release", true),
        ("Steps to roll back", true), ("Rolling back a release", true), ("Revert procedure", true), ("Rollback instructions", true),
        ("How to roll back", true), ("Back out the change", true), ("4. Rollback Procedure", true),
        ("Mitigation or rollback", false), ("Verify the rollback", false), ("Rollback procedure overview", false),
        ("Procedure", false), ("Why we cannot roll back", false),
    ])
    func rollbackHeadingsWithStepWordsAreTheRollback(_ heading: String, _ rollback: Bool) {
        #expect((MarkdownRunbookParser.sectionKind(heading) == .rollback) == rollback, "\(heading): \(MarkdownRunbookParser.sectionKind(heading))")
    }

    @Test func aRollbackProcedureSectionIsTheRollback() throws {
        let ir = try #require(Self.compile("""
        # Pricing flag

        ## Steps

        1. Turn the flag off
           ```bash
           flagctl set checkout.new-pricing off
           ```

        ## Rollback procedure

        1. Turn the flag back on
           ```bash
           flagctl set checkout.new-pricing on
           ```
        """).ir)
        #expect(ir.steps.map(\.action.command) == ["flagctl set checkout.new-pricing off"])
        #expect(ir.rollback.map(\.action.command) == ["flagctl set checkout.new-pricing on"])
    }

    /// Owner and review date stated in the introduction's sentences, when the sentence says nothing
    /// else: `Owned by the Storage team.`, `Maintainer: @alice`, `Last reviewed: 2026-03-01` (also
    /// in italics, and at the foot of the page). A sentence that only mentions owning or a review is
    /// no statement of either.
    @Test func ownerAndReviewDateInProse() throws {
        func runbook(_ intro: String, footer: String = "") throws -> MetadataIR {
            let page = "# Disk full\n\n\(intro)\n\n## Steps\n\n1. Check the disk\n   ```bash\n   df -h\n   ```\n" + footer
            let result = Self.compile(page)
            return try #require(result.ir, "\(TestSupport.rendered(result.diagnostics))").runbook
        }
        #expect(try runbook("Owned by the Storage team.").owner == "Storage team")
        #expect(try runbook("This runbook is owned by @storage-oncall.").owner == "@storage-oncall")
        #expect(try runbook("Maintainer: @alice").owner == "@alice")
        #expect(try runbook("Maintained by the Storage team. Last reviewed: 2026-03-01.").reviewed == "2026-03-01")
        #expect(try runbook("_Last reviewed: 2026-03-01_").reviewed == "2026-03-01")
        #expect(try runbook("The disk fills.", footer: "\n---\n\n_Last reviewed: 2026-03-01 by @alice_\n").reviewed == "2026-03-01")
        // Only mentions: no statement.
        #expect(try runbook("The volume is owned by the database user, so run the commands as postgres.").owner == nil)
        #expect(try runbook("Ask the team that owned it last quarter.").owner == nil)
        #expect(try runbook("Owned by whoever deployed the service last; ask in #storage before you change anything here.").owner == nil)
        #expect(try runbook("The disk fills.", footer: "\nThe alert was last reviewed: see the dashboard 2 panels down.\n").reviewed == nil)
    }
}
