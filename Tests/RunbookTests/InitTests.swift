// `rbc init` on every shared corpus (goldens), its refusal to overwrite, and the adoption promise:
// with only the `.rbc.yaml` it writes, `rbc check` finds the true dead links and no missing severity.

import Foundation
import Testing

@Suite struct InitTests {
    /// Every folder of shared/corpora, so a new corpus needs a golden too.
    static func corpusNames() throws -> [String] {
        let corpora = try TestSupport.sharedCorpora()
        return try FileManager.default.contentsOfDirectory(atPath: corpora.path).filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: corpora.appendingPathComponent(name).path, isDirectory: &isDirectory) && isDirectory.boolValue
        }.sorted()
    }

    @Test func initOnEveryCorpusMatchesItsGolden() throws {
        let corpora = try TestSupport.sharedCorpora()
        let names = try Self.corpusNames()
        #expect(names.count >= 5)
        for name in names {
            let run = try TestSupport.rbc(["init", corpora.appendingPathComponent(name).path, "--stdout"])
            #expect(run.status == 0, "\(name): \(run.stderr)")
            #expect(!run.stdout.contains(corpora.path), "paths in the configuration are relative to the repository")
            TestSupport.assertGolden(run.stdout, "Tests/RunbookTests/Golden/init/\(name).rbc.yaml")
        }
    }

    /// Copies corpora into one temporary repository: `[corpus: subdirectory]` ("" for the root).
    static func repository(_ parts: [String: String]) throws -> URL {
        let corpora = try TestSupport.sharedCorpora()
        let dir = try TestSupport.temporaryDirectory()
        for (corpus, subdirectory) in parts {
            let target = subdirectory.isEmpty ? dir : dir.appendingPathComponent(subdirectory)
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            for entry in try FileManager.default.contentsOfDirectory(atPath: corpora.appendingPathComponent(corpus).path) {
                try FileManager.default.copyItem(at: corpora.appendingPathComponent(corpus).appendingPathComponent(entry),
                                                 to: target.appendingPathComponent(entry))
            }
        }
        return dir
    }

    static func diagnostics(_ run: TestSupport.Run) throws -> [[String: Any]] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stderr)")
        return try #require(object["diagnostics"] as? [[String: Any]])
    }

    @Test func writesOnceAndRefusesToOverwrite() throws {
        let dir = try Self.repository(["kube-prometheus-rules": ""])
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try TestSupport.rbc(["init"], in: dir.path)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr == "wrote .rbc.yaml\n", "\(first.stderr)")
        let written = try String(contentsOf: dir.appendingPathComponent(".rbc.yaml"), encoding: .utf8)
        try "# mine\n".write(to: dir.appendingPathComponent(".rbc.yaml"), atomically: true, encoding: .utf8)
        let second = try TestSupport.rbc(["init"], in: dir.path)
        #expect(second.status == 2)
        #expect(second.stderr.contains("exists; rbc init does not replace it (use --force"), "\(second.stderr)")
        #expect(try String(contentsOf: dir.appendingPathComponent(".rbc.yaml"), encoding: .utf8) == "# mine\n")
        let forced = try TestSupport.rbc(["init", "--force"], in: dir.path)
        #expect(forced.status == 0)
        #expect(try String(contentsOf: dir.appendingPathComponent(".rbc.yaml"), encoding: .utf8) == written)
        let missing = try TestSupport.rbc(["init", "no-such-dir"], in: dir.path)
        #expect(missing.status == 2)
    }

    /// prometheus-operator's runbooks with kube-prometheus' rules vendored in: init maps the site to
    /// the directory it is built from, and check finds exactly the 26 pages the snapshot lacks.
    @Test func kubePrometheusRulesAgainstPrometheusOperatorRunbooks() throws {
        let dir = try Self.repository(["prometheus-operator-runbooks": "", "kube-prometheus-rules": "kube-prometheus-rules"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let initRun = try TestSupport.rbc(["init"], in: dir.path)
        #expect(initRun.status == 0, "\(initRun.stderr)")
        let config = try String(contentsOf: dir.appendingPathComponent(".rbc.yaml"), encoding: .utf8)
        #expect(config.contains("    - base_url: \"https://runbooks.prometheus-operator.dev/\"\n      directory: \"content\"\n"), "\(config)")
        let run = try TestSupport.rbc(["check", "--no-git", "--no-shellcheck", "--format", "json"], in: dir.path)
        #expect(run.status == 1 || run.status == 0, "no crash, no usage error: \(run.stderr)")
        let diagnostics = try Self.diagnostics(run)
        #expect(!diagnostics.contains { ($0["message"] as? String)?.contains("no `severity`") == true }, "every runbook has a severity")
        #expect(!diagnostics.contains { ($0["file"] as? String) == ".rbc.yaml" }, "the written configuration is valid")
        let dead = diagnostics.filter { $0["code"] as? String == "RB023" }.compactMap { entry -> String? in
            guard let file = entry["file"] as? String, let message = entry["message"] as? String,
                  let alert = message.split(separator: "`").dropFirst().first else { return nil }
            return "\((file as NSString).lastPathComponent) \(alert)"
        }.sorted()
        #expect(dead == AlertCoverageTests.missingPrometheusOperatorPages)
        #expect(!diagnostics.contains { ["RB022", "RB025", "RB026"].contains($0["code"] as? String) })
    }

    /// GitLab's runbooks with its Mimir rules: `runbook:` annotations and labels, repository-root
    /// paths, `{{ $labels.type }}` templates. No link is dead; 28 distinct `README.md#alerts` links
    /// open their page but not at the anchor (RB034, each checked by hand: those pages have an
    /// `**Alerts**:` list item, no such heading); the 8 alerts without a runbook are true too.
    @Test func gitLabRulesAgainstItsDocs() throws {
        let dir = try Self.repository(["gitlab-com-runbooks": ""])
        defer { try? FileManager.default.removeItem(at: dir) }
        let initRun = try TestSupport.rbc(["init"], in: dir.path)
        #expect(initRun.status == 0, "\(initRun.stderr)")
        let run = try TestSupport.rbc(["check", "--no-git", "--no-shellcheck", "--format", "json"], in: dir.path)
        #expect(run.status == 1 || run.status == 0, "\(run.stderr)")
        let diagnostics = try Self.diagnostics(run)
        #expect(!diagnostics.contains { ($0["message"] as? String)?.contains("no `severity`") == true })
        #expect(!diagnostics.contains { $0["code"] as? String == "RB023" })
        let anchors = diagnostics.filter { $0["code"] as? String == "RB034" }.compactMap { $0["message"] as? String }
        #expect(anchors.count == 28)
        #expect(anchors.allSatisfy { $0.range(of: #"links `#alerts`, which no heading of docs/[a-z0-9-]+/README\.md has"#, options: .regularExpression) != nil }, "\(anchors)")
        let missing = diagnostics.filter { $0["code"] as? String == "RB022" }.compactMap { $0["message"] as? String }.sorted()
        #expect(missing == [
            "alert `GitalySnapshotVerificationDelayed` has no `runbook` or `runbook_url` annotation",
            "alert `GitalySnapshotVerificationNoRecentChanges` has no `runbook` or `runbook_url` annotation",
            "alert `KafkaConsumerGroupLagTooHigh` has no `runbook` or `runbook_url` annotation",
            "alert `RunnerJobDurationSpikeDetected` has no `runbook` or `runbook_url` annotation",
            "alert `RunwayJobFailure` has no `runbook` or `runbook_url` annotation",
            "alert `SSLErrorsTooHigh` has no `runbook` or `runbook_url` annotation",
            "alert `VectorErrorsTooHigh` has no `runbook` or `runbook_url` annotation",
            "alert `CloudflareExporterStaleData` has no `runbook` or `runbook_url` annotation",
        ].sorted())
        let notes = diagnostics.filter { ["RB025", "RB026"].contains($0["code"] as? String) }.compactMap { $0["message"] as? String }.sorted()
        #expect(notes == [
            "runbook link `docs/{{ $labels.type }}/README.md` has a template no label of the rule fills: not checked (266 alerts)",
            "runbook links to https://grafana.com point outside this repository: not checked (73 alerts)",
        ])
    }
}
