// `rbc review` with the real binary: `reviewed:` set by one byte edit in YAML and Markdown, and the
// staleness findings it answers gone on a real repository.

import Foundation
import Testing

@Suite struct ReviewTests {
    /// Stamps `name` holding `text` and returns the run and the file afterwards.
    static func review(_ name: String, _ text: String, now: String = "2026-12-04") throws -> (TestSupport.Run, String) {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try TestSupport.rbc(["review", "--now", now, name], in: directory.path)
        return (run, try String(contentsOfFile: path, encoding: .utf8))
    }

    static let yaml = """
    runbook:
      name: "Scale"   # the name
      severity: P3
      owner: team-sre
      triggers: [{alert: Example}]
      escalation: "#sre-oncall"
      steps:
        - {id: a, action: wait, duration: 1s, timeout: 5s}

    """

    @Test func addsTheKeyBesideTheMetadataInYAML() throws {
        let (run, text) = try Self.review("a.yaml", Self.yaml)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(text == Self.yaml.replacingOccurrences(of: "  owner: team-sre\n", with: "  owner: team-sre\n  reviewed: 2026-12-04\n"))
        #expect(run.stderr == "a.yaml: added reviewed: 2026-12-04\n")
    }

    @Test func replacesTheDateKeepingQuotesAndComments() throws {
        let before = Self.yaml.replacingOccurrences(of: "  owner: team-sre\n", with: "  owner: team-sre\n  reviewed: \"2025-01-10\"   # last look\n")
        let (run, text) = try Self.review("a.yaml", before)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(text == before.replacingOccurrences(of: "\"2025-01-10\"", with: "\"2026-12-04\""))
        #expect(run.stderr == "a.yaml: reviewed: 2025-01-10 → 2026-12-04\n")
        let (again, same) = try Self.review("a.yaml", text)
        #expect(again.status == 0 && same == text && again.stderr.contains("already reviewed 2026-12-04"))
    }

    @Test func markdownFrontMatterWithCRLF() throws {
        let page = "---\r\nowner: team-sre\r\nreviewed: 2025-01-10\r\n---\r\n# Disk full\r\n\r\nRun `df -h`.\r\n"
        let (run, text) = try Self.review("p.md", page)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(text == page.replacingOccurrences(of: "2025-01-10", with: "2026-12-04"))
        let added = try Self.review("p.md", page.replacingOccurrences(of: "reviewed: 2025-01-10\r\n", with: ""))
        #expect(added.1 == page.replacingOccurrences(of: "2025-01-10", with: "2026-12-04"), "\(added.0.stderr)")
    }

    @Test func markdownWithoutFrontMatterGetsOne() throws {
        let page = "# Disk full\n\n## Mitigation\n\nRun `df -h`.\n"
        let (run, text) = try Self.review("p.md", page)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(text == "---\nreviewed: 2026-12-04\n---\n" + page)
    }

    @Test func flowStyleMetadataIsLeftToAPerson() throws {
        let flow = "runbook: {name: X, severity: P3, owner: a, triggers: [{alert: E}], escalation: \"#x\", steps: [{id: a, action: wait, duration: 1s, timeout: 5s}]}\n"
        let (run, text) = try Self.review("f.yaml", flow)
        #expect(run.status == 1)
        #expect(text == flow)
        #expect(run.stderr.contains("f.yaml: not stamped: cannot place `reviewed:` exactly"))
        let bad = try TestSupport.rbc(["review", "--now", "2026-02-30", "f.yaml"])
        #expect(bad.status == 2)
    }

    @Test func theStalenessFindingIsAnsweredOnARealRepository() throws {
        let repository = try TemporaryRepository()
        let stale = Self.yaml.replacingOccurrences(of: "  owner: team-sre\n", with: "  owner: team-sre\n  reviewed: 2025-01-10\n  review_every: 90d\n")
        try repository.write("db.yaml", stale)
        try repository.commit("add", date: "2025-01-10T12:00:00Z")
        let check = ["check", "--now", "2026-12-04", "--no-shellcheck", "--format", "concise", "db.yaml"]
        let before = try TestSupport.rbc(check, in: repository.path)
        #expect(before.stdout.contains("RB017"), "\(before.stdout)")
        let review = try TestSupport.rbc(["review", "--now", "2026-12-04", "db.yaml"], in: repository.path)
        #expect(review.status == 0, "\(review.stderr)")
        let after = try TestSupport.rbc(check, in: repository.path)
        #expect(!after.stdout.contains("RB017") && !after.stdout.contains("RB018"), "\(after.stdout)")
        let diff = try repository.git("diff", "--", "db.yaml")
        #expect(diff.contains("-  reviewed: 2025-01-10\n+  reviewed: 2026-12-04\n"), "\(diff)")
    }
}
