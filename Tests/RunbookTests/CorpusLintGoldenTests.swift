// Every corpus in ../shared/corpora linted as its team would lint it — with the `.rbc.yaml` they
// would realistically keep (what `rbc init` writes, plus the section template their pages follow) —
// and the findings compared with a golden file. Each finding in those files was reviewed by hand:
// it must be true and worth a person's time (docs/linting.md, "Corpus review").

import Foundation
import Testing

@Suite struct CorpusLintGoldenTests {
    struct Corpus: CustomTestStringConvertible, Sendable {
        let name: String
        /// The `.rbc.yaml` at the corpus root.
        let configuration: String
        /// What is checked: the whole repository, or the one page a repository consists of.
        var paths = ["."]
        var testDescription: String { name }
    }

    static let corpora: [Corpus] = [
        Corpus(name: "prometheus-operator-runbooks", configuration: """
        default_severity:
          "content/**": P3
        sections:
          - template: prometheus-operator
            paths: ["content/runbooks/*/*.md"]

        """),
        Corpus(name: "kubernetes-mixin", configuration: """
        default_severity:
          "**": P3

        """, paths: ["runbook.md"]),
        Corpus(name: "gitlab-com-runbooks", configuration: """
        default_severity:
          "**": P3
        sections:
          - template: gitlab-alert-playbook
            paths: ["docs/*/alerts/*.md"]

        """),
    ]

    /// The corpus copied into a temporary root beside its `.rbc.yaml`, so paths and globs read as in
    /// the team's own repository (directory walks do not follow symbolic links); nothing is written
    /// into ../shared.
    static func stage(_ corpus: Corpus, from corpora: URL) throws -> URL {
        let root = try TestSupport.temporaryDirectory()
        let source = corpora.appendingPathComponent(corpus.name)
        for entry in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            try FileManager.default.copyItem(at: source.appendingPathComponent(entry), to: root.appendingPathComponent(entry))
        }
        try corpus.configuration.write(to: root.appendingPathComponent(".rbc.yaml"), atomically: true, encoding: .utf8)
        return root
    }

    /// GitLab's snapshot holds only the Markdown under docs/, on-call/ and incidents/ (its SOURCE.txt
    /// path_filter): whether a link to anything else resolves cannot be judged from it.
    static func isOutsideSnapshot(_ line: String, corpus: String) -> Bool {
        guard corpus == "gitlab-com-runbooks", line.contains("[RB031]"), line.contains("leads to no file"),
              let open = line.range(of: "the link to `"), let close = line[open.upperBound...].firstIndex(of: "`") else { return false }
        let target = String(line[open.upperBound..<close])
        let page = String(line.prefix { $0 != ":" })
        let resolved = URL(fileURLWithPath: "/r/" + page).deletingLastPathComponent().appendingPathComponent(target).standardizedFileURL.path
        let markdown = resolved.hasSuffix(".md") || !resolved.split(separator: "/").last!.contains(".")
        return !markdown || !["/r/docs/", "/r/on-call/", "/r/incidents/"].contains { resolved.hasPrefix($0) }
    }

    @Test(arguments: corpora)
    func findingsMatchTheReviewedGolden(_ corpus: Corpus) throws {
        let corpora = try TestSupport.sharedCorpora()
        let root = try Self.stage(corpus, from: corpora)
        defer { try? FileManager.default.removeItem(at: root) }
        let run = try TestSupport.rbc(["check"] + corpus.paths + ["--format", "concise", "--no-git", "--now", "2026-12-04"], in: root.path)
        #expect(run.status != 2, "\(run.stderr)")
        #expect(!run.stderr.contains("Fatal error"), "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        let unjudged = lines.filter { Self.isOutsideSnapshot($0, corpus: corpus.name) }
        let kept = lines.filter { !Self.isOutsideSnapshot($0, corpus: corpus.name) }
        var golden = "# rbc check on shared/corpora/\(corpus.name) with the .rbc.yaml in CorpusLintGoldenTests.\n"
        if !unjudged.isEmpty {
            golden += "# \(unjudged.count) links to files outside the snapshot's path_filter are not judged here.\n"
        }
        golden += kept.joined(separator: "\n") + "\n"
        TestSupport.assertGolden(golden, "Tests/RunbookTests/Golden/corpus-lint/\(corpus.name).txt")
    }
}
