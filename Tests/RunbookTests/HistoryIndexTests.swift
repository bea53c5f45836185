// The persisted last-change index on real temporary repositories: a later walk reads only the new
// commits and agrees with a walk from scratch across renames and new commits; an index of a commit
// that history no longer contains is never used; the git checks answer alike with and without it.

import Foundation
@testable import RunbookDriver
import RunbookGit
import RunbookLint
import Testing

/// Indexes in memory, with every read counted.
final class MemoryIndexStore: LastChangeIndexStore, @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: [UInt8]] = [:]
    private(set) var reads: [String] = []

    func read(_ name: String) -> [UInt8]? {
        lock.lock(); defer { lock.unlock() }
        reads.append(name)
        return entries[name]
    }

    func write(_ name: String, _ bytes: [UInt8]) {
        lock.lock(); defer { lock.unlock() }
        entries[name] = bytes
    }

    var names: [String] { lock.lock(); defer { lock.unlock() }; return Array(entries.keys) }

    /// Replaces one answer of a stored index, to see whether a walk takes it from there.
    func forge(commit: String, path: String, summary: String) throws {
        let name = "index " + commit
        let bytes = try #require(read(name))
        var entries = try #require(LastChangeIndex.decode(bytes))
        entries[path]?.lastChange = GitCommitInfo(id: String(repeating: "f", count: 40), time: 0, summary: summary, author: "index")
        write(name, LastChangeIndex.encode(entries))
    }
}

@Suite struct HistoryIndexTests {
    static let paths = ["ops/a.yaml", "ops/b.yaml", "c.yaml", "renamed.yaml", "never-committed.yaml"]

    static func lastChanges(_ repo: TemporaryRepository, index store: LastChangeIndexStore?) throws -> [String: String] {
        let repository = try #require(try GitRepository.discover(containing: repo.path))
        let index = store.map { LastChangeIndex(store: $0, repository: repository) }
        return try GitHistory.lastChanges(repository, paths: paths, index: index).mapValues(\.summary)
    }

    static func head(_ repo: TemporaryRepository) throws -> String {
        try repo.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aLaterWalkReadsOnlyNewCommitsAndAgreesWithAFullWalk() throws {
        let repo = try TemporaryRepository()
        try repo.write("ops/a.yaml", GitFixtures.runbook(description: "A"))
        try repo.write("ops/b.yaml", GitFixtures.runbook(description: "B"))
        try repo.write("old-name.yaml", GitFixtures.runbook(description: "R"))
        try repo.commit("add", date: "2026-01-01T12:00:00Z")
        try repo.write("ops/b.yaml", GitFixtures.runbook(description: "B changed"))
        try repo.commit("change b", date: "2026-01-02T12:00:00Z")
        let store = MemoryIndexStore()
        let first = try Self.lastChanges(repo, index: store)
        #expect(first == ["ops/a.yaml": "add", "ops/b.yaml": "change b"])
        let indexed = try Self.head(repo)
        #expect(store.names.contains("index " + indexed), "the walk stored HEAD's index: \(store.names)")

        // New commits: a pure rename, an edit, a new file, an unrelated change.
        try repo.git("mv", "old-name.yaml", "renamed.yaml")
        try repo.commit("rename", date: "2026-01-03T12:00:00Z")
        try repo.write("ops/a.yaml", GitFixtures.runbook(description: "A changed"))
        try repo.write("c.yaml", GitFixtures.runbook(description: "C"))
        try repo.commit("change a, add c", date: "2026-01-04T12:00:00Z")
        try repo.write("notes.txt", "notes\n")
        try repo.commit("notes", date: "2026-01-05T12:00:00Z")
        // renamed.yaml was asked for as its new name and was indexed under neither name: the walk
        // goes past the indexed commit for it alone, and still follows the rename.
        let expected = ["ops/a.yaml": "change a, add c", "ops/b.yaml": "change b", "c.yaml": "change a, add c", "renamed.yaml": "add"]
        #expect(try Self.lastChanges(repo, index: nil) == expected)
        #expect(try Self.lastChanges(repo, index: store) == expected)

        // The index answers instead of older history: a forged answer for ops/b.yaml shows through.
        try store.forge(commit: indexed, path: "ops/b.yaml", summary: "from the index")
        let forged = MemoryIndexStore()
        for name in store.names { forged.write(name, try #require(store.read(name))) }
        // The newest head's index (written by the last walk) would answer first: damaged, it reads as
        // no index, so the walk goes on to the old commit's.
        let newest = try Self.head(repo)
        forged.write("index " + newest, Array("not json".utf8))
        let answers = try Self.lastChanges(repo, index: forged)
        #expect(answers["ops/b.yaml"] == "from the index")
        #expect(answers["ops/a.yaml"] == "change a, add c", "changes newer than the index are read from history")
    }

    @Test func anIndexOfACommitNoLongerInHistoryIsNeverUsed() throws {
        let repo = try TemporaryRepository()
        try repo.write("ops/a.yaml", GitFixtures.runbook(description: "A"))
        try repo.write("ops/b.yaml", GitFixtures.runbook(description: "B"))
        try repo.commit("add", date: "2026-01-01T12:00:00Z")
        try repo.write("ops/b.yaml", GitFixtures.runbook(description: "B changed"))
        try repo.commit("change b", date: "2026-01-02T12:00:00Z")
        let store = MemoryIndexStore()
        _ = try Self.lastChanges(repo, index: store)
        let rewrittenAway = try Self.head(repo)
        try store.forge(commit: rewrittenAway, path: "ops/a.yaml", summary: "from the index")
        // Rewrite the last commit (amend), then start over on an orphan branch.
        try repo.write("ops/b.yaml", GitFixtures.runbook(description: "B amended"))
        try repo.git("add", "-A")
        try repo.git("commit", "-q", "--amend", "-m", "amended", date: "2026-01-03T12:00:00Z")
        let amended = try Self.lastChanges(repo, index: store)
        #expect(amended == ["ops/a.yaml": "add", "ops/b.yaml": "amended"])
        #expect(amended == (try Self.lastChanges(repo, index: nil)))
        try repo.git("checkout", "-q", "--orphan", "rewritten")
        try repo.commit("rewritten", date: "2026-01-04T12:00:00Z")
        let orphan = try Self.lastChanges(repo, index: store)
        #expect(orphan == ["ops/a.yaml": "rewritten", "ops/b.yaml": "rewritten"])
        #expect(orphan == (try Self.lastChanges(repo, index: nil)))
    }

    /// The stored form reads back as written (commits shared between files, origins, a file no
    /// commit changed), and damaged bytes read as no index: every truncation, and every byte flipped.
    @Test func theStoredIndexRoundTripsAndDamagedBytesReadAsNone() throws {
        let first = GitCommitInfo(id: String(repeating: "a", count: 40), time: -86_400, summary: "add — ünïcode", author: "Ann")
        let second = GitCommitInfo(id: String(repeating: "b", count: 40), time: 1_768_867_200, summary: "", author: "Bob")
        let entries: [String: LastChangeIndex.File] = [
            "ops/a.yaml": LastChangeIndex.File(lastChange: second, origins: ["key-1": first, "key-2": second]),
            "ops/b.yaml": LastChangeIndex.File(lastChange: first, origins: ["key-1": first]),
            "never-committed.yaml": LastChangeIndex.File(lastChange: nil),
        ]
        let bytes = LastChangeIndex.encode(entries)
        #expect(LastChangeIndex.decode(bytes) == entries)
        #expect(LastChangeIndex.decode(LastChangeIndex.encode([:])) == [:])
        for length in 0..<bytes.count {
            #expect(LastChangeIndex.decode(Array(bytes[..<length])) == nil, "truncated to \(length) bytes")
        }
        #expect(LastChangeIndex.decode(bytes + [0]) == nil, "trailing bytes")
        for position in bytes.indices {
            var damaged = bytes
            damaged[position] ^= 0xFF
            _ = LastChangeIndex.decode(damaged) // never crashes; a damaged length or number reads as nil
        }
        #expect(LastChangeIndex.decode(Array("[{\"path\":\"ops/a.yaml\"}]".utf8)) == nil, "an index of an older rbc (JSON) reads as none")
    }

    /// The notes of RB020 for r.yaml, checked through the driver with an index kept in `store`.
    static func driftNotes(_ repo: TemporaryRepository, index store: LastChangeIndexStore?) throws -> [String] {
        let repository = try #require(try GitRepository.discover(containing: repo.path))
        let result = Compiler.compile(path: repo.path + "/r.yaml")
        let checked = try GitChecks.check(repository, [(GitChecks.GitCheckFile(result), "r.yaml")], today: "2026-03-01", review: ReviewSettings(),
                                          index: store.map { LastChangeIndex(store: $0, repository: repository) })
        return checked.diagnostics.filter { $0.code.id == "RB020" }.flatMap { diagnostic in diagnostic.notes.map { $0.message } }
    }

    /// HEAD's index keeps where each watched text last changed: a later walk that meets the indexed
    /// commit with a rollback's text still unanswered takes the answer there instead of following
    /// the file back to its first commit (a forged answer shows through), and a rewritten history
    /// that no longer holds the indexed commit never uses it.
    @Test func watchOriginsComeFromTheIndexOfAnAncestor() throws {
        let repo = try TemporaryRepository()
        try repo.write("r.yaml", GitFixtures.runbook())
        try repo.commit("add", date: "2026-01-01T12:00:00Z")
        try repo.write("r.yaml", GitFixtures.runbook(command: "kubectl scale deploy/api --replicas=12"))
        try repo.commit("scale further", date: "2026-02-01T12:00:00Z")
        let store = MemoryIndexStore()
        let first = try Self.driftNotes(repo, index: store)
        #expect(first.contains { $0.hasPrefix("rollback last changed in") && $0.hasSuffix("(2026-01-01)") }, "\(first)")
        let indexed = try Self.head(repo)
        // Every stored origin is replaced by a commit no walk could find.
        let name = "index " + indexed
        let stored = try #require(store.read(name))
        var entries = try #require(LastChangeIndex.decode(stored))
        let origins = try #require(entries["r.yaml"]?.origins, "HEAD's index keeps the watches' origins: \(entries)")
        #expect(!origins.isEmpty, "HEAD's index keeps the watches' origins: \(entries)")
        let forged = GitCommitInfo(id: String(repeating: "f", count: 40), time: 1_768_867_200, summary: "forged", author: "index")
        entries["r.yaml"]?.origins = origins.mapValues { _ in forged }
        store.write(name, LastChangeIndex.encode(entries))

        // A new commit changes the step again: its origin is the new commit, the rollback's comes from the index.
        try repo.write("r.yaml", GitFixtures.runbook(command: "kubectl scale deploy/api --replicas=20"))
        try repo.commit("scale again", date: "2026-02-10T12:00:00Z")
        let withIndex = try Self.driftNotes(repo, index: store)
        #expect(withIndex.contains("rollback last changed in ffffffffff (2026-01-20)"), "\(withIndex)")
        #expect(withIndex.contains { $0.hasPrefix("step last changed in") && $0.hasSuffix("(2026-02-10)") }, "\(withIndex)")
        let withoutIndex = try Self.driftNotes(repo, index: nil)
        #expect(withoutIndex.contains { $0.hasPrefix("rollback last changed in") && $0.hasSuffix("(2026-01-01)") }, "\(withoutIndex)")

        // Start over on an orphan branch: the indexed commit is no ancestor, its answers are never read.
        try repo.git("checkout", "-q", "--orphan", "rewritten")
        try repo.commit("rewritten", date: "2026-02-20T12:00:00Z")
        let rewritten = try Self.driftNotes(repo, index: store)
        #expect(!rewritten.joined().contains("ffffffffff"), "\(rewritten)")
        #expect(rewritten == (try Self.driftNotes(repo, index: nil)))
    }

    /// `states(of:)` answers clean files from the index's stat data without asking libgit2's status:
    /// it must agree with the per-file status on every kind of file, including an edit that keeps
    /// the size and puts the modification time back (only the change time tells).
    @Test func theIndexShortcutAgreesWithStatus() throws {
        let repo = try TemporaryRepository()
        let names = ["clean.yaml", "ops/clean.yaml", "touched.yaml", "edited.yaml", "same-size.yaml", "staged.yaml", "staged-then-edited.yaml",
                     "old-name.yaml", "executable.yaml", "deleted-from-index.yaml"]
        for name in names { try repo.write(name, GitFixtures.runbook(description: name)) }
        try repo.write(".gitignore", "ignored.yaml\n")
        try repo.commit("add", date: "2026-01-01T12:00:00Z")
        // Files older than the index, as after any `git status` a second later: the shortcut applies.
        let past = Date(timeIntervalSinceNow: -86_400)
        for name in names {
            try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: repo.path + "/" + name)
        }
        try repo.git("update-index", "--refresh")
        // Touched, not changed: the stat data differs, the content hashes to the staged blob.
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: repo.path + "/touched.yaml")
        try repo.write("edited.yaml", GitFixtures.runbook(description: "edited, longer"))
        // Same bytes count, same modification time: in place, so the inode stays too.
        let sameSize = repo.path + "/same-size.yaml"
        let original = try #require(FileManager.default.contents(atPath: sameSize))
        let handle = try #require(FileHandle(forWritingAtPath: sameSize))
        try handle.write(contentsOf: Data(original.map { $0 == UInt8(ascii: "S") ? UInt8(ascii: "Z") : $0 }))
        try handle.close()
        try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: sameSize)
        try repo.write("staged.yaml", GitFixtures.runbook(description: "staged"))
        try repo.git("add", "staged.yaml")
        try repo.write("staged-then-edited.yaml", GitFixtures.runbook(description: "staged"))
        try repo.git("add", "staged-then-edited.yaml")
        try repo.write("staged-then-edited.yaml", GitFixtures.runbook(description: "staged-then-edited.yaml"))
        try repo.git("mv", "old-name.yaml", "new-name.yaml")
        try repo.git("update-index", "--chmod=+x", "executable.yaml")
        try repo.git("rm", "-q", "--cached", "deleted-from-index.yaml")
        try repo.write("untracked.yaml", GitFixtures.runbook(description: "untracked"))
        try repo.write("ignored.yaml", GitFixtures.runbook(description: "ignored"))
        let paths = names.filter { $0 != "old-name.yaml" } + ["new-name.yaml", "untracked.yaml", "ignored.yaml", "missing.yaml"]
        let repository = try #require(try GitRepository.discover(containing: repo.path))
        let states = repository.states(of: paths)
        for path in paths {
            #expect(states[path] == repository.state(of: path), "\(path): \(String(describing: states[path])) vs \(repository.state(of: path))")
        }
        #expect(states["clean.yaml"] == .clean && states["ops/clean.yaml"] == .clean && states["touched.yaml"] == .clean)
        #expect(states["same-size.yaml"] == .modified && states["staged.yaml"] == .modified && states["edited.yaml"] == .modified)
        #expect(states["untracked.yaml"] == .untracked && states["ignored.yaml"] == .ignored)
    }

    /// Through the binary: rollback drift, staleness and review stamps agree with and without the
    /// cache while commits change the step, the rollback and the file's name.
    @Test func gitChecksAgreeWithAndWithoutTheIndex() throws {
        let repo = try TemporaryRepository()
        try repo.write("r.yaml", GitFixtures.runbook())
        try repo.write("s.yaml", GitFixtures.runbook(reviewed: "2026-01-01", description: "S"))
        try repo.commit("add", date: "2026-01-01T12:00:00Z")
        var outputs: [String] = []
        func agree(_ stage: String, today: String) throws {
            let arguments = ["check", "--now", today, "--no-shellcheck", "--format", "concise", "."]
            let warm = try TestSupport.rbc(arguments, in: repo.path)
            let cold = try TestSupport.rbc(arguments + ["--no-cache"], in: repo.path)
            #expect(warm.stdout == cold.stdout, "\(stage):\n\(warm.stdout)\n---\n\(cold.stdout)")
            let again = try TestSupport.rbc(arguments + ["--timings"], in: repo.path)
            #expect(again.stdout == cold.stdout, "\(stage), second warm run")
            // Nothing changed since the last run: every file's history findings come from the cache,
            // so no runbook is compiled again.
            let count = try FileManager.default.contentsOfDirectory(atPath: repo.path).filter { $0.hasSuffix(".yaml") && $0 != ".rbc.yaml" }.count
            #expect(again.stderr.contains("\(count) of \(count) runbooks answered from the cache, the history findings of \(count)"), "\(stage): \(again.stderr)")
            outputs.append(cold.stdout)
        }
        try agree("first", today: "2026-01-02")
        try repo.write("r.yaml", GitFixtures.runbook(command: "kubectl scale deploy/api --replicas=12"))
        try repo.write("s.yaml", GitFixtures.runbook(reviewed: "2026-01-01", command: "kubectl scale deploy/api --replicas=9",
                                                        rollback: "kubectl scale deploy/api --replicas=4", description: "S"))
        try repo.commit("scale further", date: "2026-02-01T12:00:00Z")
        try agree("step changed", today: "2026-02-02")
        #expect(outputs.last?.contains("RB020") == true && outputs.last?.contains("RB018") == true, "\(outputs.last ?? "")")
        try repo.git("mv", "r.yaml", "moved.yaml")
        try repo.commit("rename", date: "2026-02-03T12:00:00Z")
        try agree("renamed", today: "2026-02-04")
        try repo.write("moved.yaml", GitFixtures.runbook(command: "kubectl scale deploy/api --replicas=12", rollback: "kubectl scale deploy/api --replicas=6"))
        try repo.commit("fix rollback", date: "2026-02-05T12:00:00Z")
        try agree("rollback fixed", today: "2026-02-06")
        #expect(outputs.last?.contains("RB020") == false, "\(outputs.last ?? "")")
        try agree("much later", today: "2026-09-01")
        #expect(outputs.last?.contains("moved.yaml:1:1: warning[RB017]") == true, "\(outputs.last ?? "")")
        #expect(Set(outputs).count == outputs.count, "every stage changed the answer")
        // The working tree changes under an unchanged HEAD: the stored index still answers the last
        // changes, so the answers stored for the whole set must not.
        try repo.write("s.yaml", GitFixtures.runbook(reviewed: "2026-01-01", command: "kubectl scale deploy/api --replicas=9",
                                                        rollback: "kubectl scale deploy/api --replicas=5", description: "S"))
        try agree("rollback edited, not committed", today: "2026-09-01")
        #expect(outputs.last?.contains("uncommitted") == true, "\(outputs.last ?? "")")
        try repo.git("add", "s.yaml")
        try agree("the edit staged", today: "2026-09-01")
        try repo.write("new.yaml", GitFixtures.runbook(description: "New"))
        try agree("an untracked runbook", today: "2026-09-01")
        try repo.write(".rbc.yaml", "review:\n  max_age: 30d\n")
        try agree("configuration changed", today: "2026-09-01")
    }
}
