// Every corpus in ../shared/corpora linted as its team would lint it on day one — with only the
// `.rbc.yaml` that `rbc init` writes — and the findings compared with a golden file. Each finding in those files was reviewed by hand:
// it must be true and worth a person's time (docs/linting.md, "Corpus review").

import Foundation
import Testing

@Suite struct CorpusLintGoldenTests {
    struct Corpus: CustomTestStringConvertible, Sendable {
        let name: String
        /// What is checked: the whole repository, or the one page a repository consists of.
        var paths = ["."]
        var testDescription: String { name }
    }

    /// Every corpus that holds runbooks; the configuration is the one `rbc init` writes for it.
    static let corpora: [Corpus] = [
        Corpus(name: "prometheus-operator-runbooks"),
        Corpus(name: "kubernetes-mixin", paths: ["runbook.md"]),
        Corpus(name: "gitlab-com-runbooks"),
    ]

    /// The corpus copied into a temporary root with the `.rbc.yaml` `rbc init` writes there, so paths
    /// and globs read as in the team's own repository (directory walks do not follow symbolic links);
    /// nothing is written into ../shared.
    static func stage(_ corpus: Corpus, from corpora: URL) throws -> URL {
        let root = try TestSupport.temporaryDirectory()
        let source = corpora.appendingPathComponent(corpus.name)
        for entry in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            try FileManager.default.copyItem(at: source.appendingPathComponent(entry), to: root.appendingPathComponent(entry))
        }
        let initRun = try TestSupport.rbc(["init"], in: root.path)
        #expect(initRun.status == 0, "\(initRun.stderr)")
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
        #expect(!run.stdout.contains("[RB2004]"), "no runbook lacks a severity with init's configuration")
        let golden = "# rbc check on shared/corpora/\(corpus.name) with the .rbc.yaml `rbc init` writes.\n" + run.stdout
        TestSupport.assertGolden(golden, "Tests/RunbookTests/Golden/corpus-lint/\(corpus.name).txt")
    }
}
