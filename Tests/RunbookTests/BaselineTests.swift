// `rbc check --baseline`: a team turns the gate on with its existing findings recorded, and fails only
// on new ones — across line moves, in every output format, with SARIF marking `baselineState`.

import Foundation
import Testing

@Suite struct BaselineTests {
    static let runbook = """
    runbook:
      name: Disk full
      severity: P2
      owner: team-storage
      triggers: [{alert: DiskFull}]
      escalation: "#sre"
      steps:
        - id: clean
          action: execute_command
          command: "rm -rf /var/tmp/cache"

    """

    static let newStep = """
        - id: purge
          action: execute_command
          command: "rm -rf /srv/old"

    """

    func check(_ arguments: [String], in dir: URL) throws -> TestSupport.Run {
        try TestSupport.rbc(["check", "disk.yaml", "--no-git", "--no-shellcheck"] + arguments, in: dir.path)
    }

    @Test func failsOnlyOnNewFindings() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("disk.yaml")
        try Self.runbook.write(to: file, atomically: true, encoding: .utf8)
        let before = try check(["--format", "concise"], in: dir)
        #expect(before.status == 1)
        #expect(before.stdout.split(separator: "\n").count == 4, "\(before.stdout)")

        let update = try check(["--baseline", ".rbc-baseline.json", "--update-baseline"], in: dir)
        #expect(update.status == 0)
        #expect(update.stderr == "wrote 4 findings of 1 runbook to .rbc-baseline.json\n")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(".rbc-baseline.json"))) as? [String: Any])
        #expect(document["version"] as? Int == 1)
        let findings = try #require(document["findings"] as? [[String: Any]])
        #expect(findings.map { $0["code"] as? String } == ["RB001", "RB003", "RB005", "RB006"])
        #expect(findings.allSatisfy { $0["file"] as? String == "disk.yaml" && $0["count"] as? Int == 1 && $0["line"] == nil })

        let clean = try check(["--baseline", ".rbc-baseline.json", "--format", "concise"], in: dir)
        #expect(clean.status == 0)
        #expect(clean.stdout.isEmpty)

        // Lines move: a comment block above everything shifts every finding down; nothing is new.
        try ("# Disk runbook\n# owned by storage\n\n" + Self.runbook).write(to: file, atomically: true, encoding: .utf8)
        let moved = try check(["--baseline", ".rbc-baseline.json"], in: dir)
        #expect(moved.status == 0, "\(moved.stdout)")
        #expect(moved.stderr == "checked 1 runbook: 0 errors, 0 warnings, 0 infos (new; 4 in the baseline not shown)\n")

        // A new step: only new findings are shown and fail the check — the new step's four, and `clean`
        // no longer being last turns its "ends with" finding (fixed) into "nothing verifies" (new).
        try ("# Disk runbook\n# owned by storage\n\n" + Self.runbook + Self.newStep).write(to: file, atomically: true, encoding: .utf8)
        let added = try check(["--baseline", ".rbc-baseline.json", "--format", "concise"], in: dir)
        #expect(added.status == 1)
        let lines = added.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "\(added.stdout)")
        #expect(lines.filter { $0.contains("`purge`") }.count == 4, "\(added.stdout)")
        #expect(lines.contains("disk.yaml:11:11: warning[RB005] nothing verifies step `clean` after it changes the system"), "\(added.stdout)")
        let text = try check(["--baseline", ".rbc-baseline.json"], in: dir)
        #expect(text.stderr.hasSuffix("(new; 3 in the baseline not shown, 1 fixed since: --update-baseline drops them)\n"), "\(text.stderr)")

        let json = try check(["--baseline", ".rbc-baseline.json", "--format", "json"], in: dir)
        let jsonObject = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((jsonObject["diagnostics"] as? [[String: Any]])?.count == 5)
        let github = try check(["--baseline", ".rbc-baseline.json", "--format", "github"], in: dir)
        #expect(github.stdout.split(separator: "\n").filter { $0.hasPrefix("::") }.count == 5, "\(github.stdout)")

        let sarif = try check(["--baseline", ".rbc-baseline.json", "--format", "sarif"], in: dir)
        let log = try #require(try JSONSerialization.jsonObject(with: Data(sarif.stdout.utf8)) as? [String: Any])
        let results = try #require(((log["runs"] as? [[String: Any]])?.first?["results"]) as? [[String: Any]])
        #expect(results.filter { $0["baselineState"] as? String == "new" }.count == 5)
        #expect(results.filter { $0["baselineState"] as? String == "unchanged" }.count == 3)
        #expect(sarif.status == 1)
    }

    /// The same destructive command copied into a second step is a new finding, not the old one.
    @Test func aCopiedCommandIsANewFinding() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("disk.yaml")
        let twoEscalations = Self.runbook.replacingOccurrences(of: "  escalation: \"#sre\"\n", with: "")
        try twoEscalations.write(to: file, atomically: true, encoding: .utf8)
        _ = try check(["--baseline", "b.json", "--update-baseline"], in: dir)
        let twice = twoEscalations + Self.newStep.replacingOccurrences(of: "purge", with: "clean2").replacingOccurrences(of: "/srv/old", with: "/var/tmp/cache")
        try twice.write(to: file, atomically: true, encoding: .utf8)
        let run = try check(["--baseline", "b.json", "--format", "concise"], in: dir)
        #expect(run.status == 1)
        let destructive = run.stdout.split(separator: "\n").filter { $0.contains("[RB006]") }
        #expect(destructive.count == 1 && destructive[0].contains("`clean2`"), "the same command in a second step is a new finding: \(run.stdout)")
    }

    @Test func usageErrors() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.runbook.write(to: dir.appendingPathComponent("disk.yaml"), atomically: true, encoding: .utf8)
        let missing = try check(["--baseline", "nope.json"], in: dir)
        #expect(missing.status == 2)
        #expect(missing.stderr == "rbc: error: baseline nope.json does not exist; write it with --update-baseline\n")
        let alone = try check(["--update-baseline"], in: dir)
        #expect(alone.status == 2)
        #expect(alone.stderr.contains("--update-baseline needs --baseline FILE"))
        try "{\"findings\": 3}".write(to: dir.appendingPathComponent("bad.json"), atomically: true, encoding: .utf8)
        let bad = try check(["--baseline", "bad.json"], in: dir)
        #expect(bad.status == 2)
        #expect(bad.stderr.hasPrefix("rbc: error: baseline bad.json is not an rbc baseline:"))
    }
}
