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

    @Test(arguments: corpora)
    func findingsMatchTheReviewedGolden(_ corpus: Corpus) throws {
        let corpora = try TestSupport.sharedCorpora()
        let root = try Self.stage(corpus, from: corpora)
        defer { try? FileManager.default.removeItem(at: root) }
        let run = try TestSupport.rbc(["check"] + corpus.paths + ["--format", "concise", "--no-git", "--now", "2026-12-04"], in: root.path)
        #expect(run.status != 2, "\(run.stderr)")
        #expect(!run.stderr.contains("Fatal error"), "\(run.stderr)")
        // Snapshots are copies, not repositories, and GitLab's holds only part of its tree (SOURCE.txt's
        // path_filter): checked without git, as rbc checks any tree it cannot know is complete, a link to
        // a missing file is not judged (docs/linting.md, "Links lead somewhere").
        let golden = "# rbc check on shared/corpora/\(corpus.name) with the .rbc.yaml in CorpusLintGoldenTests.\n" + run.stdout
        TestSupport.assertGolden(golden, "Tests/RunbookTests/Golden/corpus-lint/\(corpus.name).txt")
    }
}
