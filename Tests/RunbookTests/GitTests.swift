// The history checks on real temporary git repositories with fixed dates. The `git` CLI only builds
// the fixtures; rbc reads them through libgit2.

import Foundation
import RunbookDriver
import RunbookGit
import RunbookSource
import Testing

struct FixtureError: Error { let message: String }

/// A throwaway repository whose commits carry the dates the test gives them.
final class TemporaryRepository {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = try TestSupport.temporaryDirectory()
        try git("init", "-q", "-b", "main")
        try git("config", "user.name", "Test Author")
        try git("config", "user.email", "test@example.invalid")
        try git("config", "commit.gpgsign", "false")
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    @discardableResult
    func git(_ arguments: String..., date: String = "2026-01-01T12:00:00Z") throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = url
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_AUTHOR_DATE"] = date
        environment["GIT_COMMITTER_DATE"] = date
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["HOME"] = url.path
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus != 0 { throw FixtureError(message: "git \(arguments): \(output)") }
        return output
    }

    func write(_ name: String, _ text: String) throws {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
    }

    func commit(_ message: String, date: String) throws {
        try git("add", "-A")
        try git("commit", "-q", "-m", message, date: date)
    }
}

enum GitFixtures {
    static func runbook(reviewed: String? = nil, command: String = "kubectl scale deploy/api --replicas=6",
                        rollback: String = "kubectl scale deploy/api --replicas=3", description: String = "Scale out") -> String {
        """
        runbook:
          name: "Scale the API"
          severity: P2
          owner: team-api
        \(reviewed.map { "  reviewed: \($0)\n" } ?? "")  defaults: {timeout: 2m}
          steps:
            - id: scale
              description: "\(description)"
              action: execute_command
              command: "\(command)"
              expect: {exit_code: 0}
              rollback:
                action: execute_command
                command: "\(rollback)"

        """
    }

    static func check(_ repository: TemporaryRepository, _ paths: [String] = ["."], today: String) throws -> TestSupport.Run {
        try TestSupport.rbc(["check", "--now", today, "--format", "concise", "--no-shellcheck"] + paths, in: repository.path)
    }
}

@Suite struct GitHistoryTests {
    /// libgit2 frees a commit's, tree's or walk's memory with its repository: each wrapper keeps its
    /// repository alive, so one read after every other reference to the repository is gone is safe,
    /// and the repository is freed once the last of them goes.
    @Test func gitWrappersKeepTheirRepositoryAlive() throws {
        let fixture = try TemporaryRepository()
        try fixture.write("runbook.yaml", "hello\n")
        try fixture.commit("first", date: "2026-01-01T12:00:00Z")
        weak var released: GitRepository?
        var commit: GitCommit?
        var tree: GitTree?
        var walk: GitRevisionWalk?
        do {
            let repository = try #require(try GitRepository.discover(containing: fixture.path))
            released = repository
            commit = try repository.headCommit()
            tree = try commit?.tree()
            walk = try commit.map { try GitRevisionWalk(repository: repository, from: $0) }
        }
        #expect(released != nil, "the commit, its tree and the walk hold their repository")
        #expect(try commit?.blob(at: "runbook.yaml") == Data("hello\n".utf8))
        #expect(try walk?.next()?.info.summary == "first")
        commit = nil
        walk = nil
        #expect(released != nil && tree != nil, "the tree alone still holds it")
        tree = nil
        #expect(released == nil, "nothing holds the repository any more, so it was freed")
    }

    /// The calendar arithmetic behind commit dates matches Foundation's formatter, leap days and
    /// pre-1970 commits included.
    @Test func commitDatesMatchFoundation() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        var times: [Int64] = [0, -1, 86_399, 86_400, 951_782_400, 951_868_799, 4_107_542_399, -2_208_988_800, 1_795_305_600]
        var state: UInt64 = 42
        for _ in 0..<2000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            times.append(Int64(state >> 33) % 8_000_000_000 - 3_000_000_000)
        }
        for time in times {
            let info = GitCommitInfo(id: "0", time: time, summary: "", author: "")
            #expect(info.date == formatter.string(from: Date(timeIntervalSince1970: TimeInterval(time))), "time \(time)")
        }
    }

    @Test func lastChangesFollowPureRenamesInOneWalk() throws {
        let repo = try TemporaryRepository()
        try repo.write("a.yaml", GitFixtures.runbook())
        try repo.write("b.yaml", GitFixtures.runbook(description: "B"))
        try repo.commit("add a and b", date: "2026-01-01T12:00:00Z")
        try repo.write("b.yaml", GitFixtures.runbook(description: "B changed"))
        try repo.commit("change b", date: "2026-02-01T12:00:00Z")
        try repo.git("mv", "a.yaml", "renamed.yaml")
        try repo.commit("rename a", date: "2026-03-01T12:00:00Z")
        let repository = try #require(try GitRepository.discover(containing: repo.path))
        let changes = try GitHistory.lastChanges(repository, paths: ["renamed.yaml", "b.yaml", "never-committed.yaml"])
        #expect(changes["renamed.yaml"]?.summary == "add a and b", "a pure rename is not a change")
        #expect(changes["b.yaml"]?.summary == "change b")
        #expect(changes["b.yaml"]?.date == "2026-02-01")
        #expect(changes["never-committed.yaml"] == nil)
    }

    /// The walk compares trees only along watched directories: nested paths, a file moved to a new
    /// directory, a changed neighbour that is not watched, and a rename with edits.
    @Test func lastChangesInNestedDirectories() throws {
        let repo = try TemporaryRepository()
        try repo.write("ops/db/a.yaml", GitFixtures.runbook(description: "A"))
        try repo.write("ops/web/b.yaml", GitFixtures.runbook(description: "B"))
        try repo.write("ops/web/d.yaml", GitFixtures.runbook(description: "D"))
        try repo.write("c.yaml", GitFixtures.runbook(description: "C"))
        try repo.write("ops/db/notes.txt", "notes\n")
        try repo.commit("add everything", date: "2026-01-01T12:00:00Z")
        try repo.write("ops/db/a.yaml", GitFixtures.runbook(description: "A changed"))
        try repo.commit("change a", date: "2026-02-01T12:00:00Z")
        try repo.write("ops/web2/b.yaml", GitFixtures.runbook(description: "B"))
        try repo.git("rm", "-q", "ops/web/b.yaml")
        try repo.commit("move b", date: "2026-03-01T12:00:00Z")
        try repo.git("mv", "ops/web/d.yaml", "ops/d.yaml")
        try repo.write("ops/d.yaml", GitFixtures.runbook(description: "D, moved and edited"))
        try repo.commit("move and edit d", date: "2026-03-15T12:00:00Z")
        try repo.write("ops/db/notes.txt", "more notes\n")
        try repo.commit("change notes", date: "2026-04-01T12:00:00Z")
        try repo.write("c.yaml", GitFixtures.runbook(description: "C changed"))
        try repo.commit("change c", date: "2026-05-01T12:00:00Z")
        let repository = try #require(try GitRepository.discover(containing: repo.path))
        let changes = try GitHistory.lastChanges(repository, paths: ["ops/db/a.yaml", "ops/web2/b.yaml", "ops/d.yaml", "c.yaml"])
        #expect(changes["ops/db/a.yaml"]?.summary == "change a")
        #expect(changes["ops/web2/b.yaml"]?.summary == "add everything", "a pure move to a new directory is not a change")
        #expect(changes["ops/d.yaml"]?.summary == "move and edit d")
        #expect(changes["c.yaml"]?.summary == "change c")
    }

    /// The walk compares trees by walking both in git's order: names that sort around a directory
    /// (`ops.yaml` and `ops-x` beside `ops/`), a file replaced by a directory of the same name, a
    /// symbolic link retargeted, a mode change alone (not a change of content) and an unwatched
    /// neighbour. Every answer but the mode change's is also what `git log -1` says.
    @Test func lastChangesAcrossTreeOrderAndTypeChanges() throws {
        let repo = try TemporaryRepository()
        for path in ["ops.yaml", "ops-x/r.yaml", "ops/r.yaml", "ops/sub/r.yaml", "ops/sub.yaml", "x"] {
            try repo.write(path, GitFixtures.runbook(description: path))
        }
        try FileManager.default.createSymbolicLink(atPath: repo.path + "/link.yaml", withDestinationPath: "ops.yaml")
        try repo.commit("c1 add", date: "2026-01-01T12:00:00Z")
        try repo.write("ops/sub/r.yaml", GitFixtures.runbook(description: "changed"))
        try repo.commit("c2 change ops/sub/r.yaml", date: "2026-01-02T12:00:00Z")
        try repo.write("ops.yaml", GitFixtures.runbook(description: "changed"))
        try repo.write("ops-x/r.yaml", GitFixtures.runbook(description: "changed"))
        try repo.commit("c3 change ops.yaml and ops-x/r.yaml", date: "2026-01-03T12:00:00Z")
        try repo.git("rm", "-q", "x")
        try repo.write("x/r.yaml", "a file became a directory\n")
        try repo.commit("c4 x becomes a directory", date: "2026-01-04T12:00:00Z")
        try repo.git("update-index", "--chmod=+x", "ops/r.yaml")
        try FileManager.default.removeItem(atPath: repo.path + "/link.yaml")
        try FileManager.default.createSymbolicLink(atPath: repo.path + "/link.yaml", withDestinationPath: "ops/sub.yaml")
        try repo.commit("c5 mode of ops/r.yaml, retarget link.yaml", date: "2026-01-05T12:00:00Z")
        try repo.write("ops/sub.yaml", GitFixtures.runbook(description: "changed"))
        try repo.write("ops/notes.txt", "notes\n")
        try repo.commit("c6 change ops/sub.yaml", date: "2026-01-06T12:00:00Z")
        try repo.write("ops/notes.txt", "more notes\n")
        try repo.commit("c7 notes", date: "2026-01-07T12:00:00Z")
        let expected = ["ops.yaml": "c3", "ops-x/r.yaml": "c3", "ops/r.yaml": "c1", "ops/sub/r.yaml": "c2", "ops/sub.yaml": "c6",
                        "x/r.yaml": "c4", "link.yaml": "c5"]
        let repository = try #require(try GitRepository.discover(containing: repo.path))
        let changes = try GitHistory.lastChanges(repository, paths: Array(expected.keys)).mapValues { String($0.summary.prefix(2)) }
        #expect(changes == expected)
        for (path, commit) in expected where path != "ops/r.yaml" {
            #expect(try repo.git("log", "-1", "--format=%s", "--", path).hasPrefix(commit), "git log -1 -- \(path)")
        }
    }

    /// RB020 over many versions of two files whose changes interleave, searched on the second thread
    /// while the walk goes on: the answer is the newest commit before which a text was not in the
    /// file — here a rollback changed, then briefly replaced and restored, and a file renamed on the
    /// way — and warm (the stored index) and cold answer alike.
    @Test func rollbackDriftAcrossManyVersions() throws {
        let repo = try TemporaryRepository()
        for version in 1...20 {
            // r.yaml: the rollback changes in v4, is replaced in v8 and restored in v9; the step changes in v13.
            let rollback = version < 4 ? "--replicas=3" : version == 8 ? "--replicas=5" : "--replicas=4"
            let command = version < 13 ? "--replicas=6" : "--replicas=12"
            let name = version < 16 ? "r.yaml" : "renamed.yaml"
            if version == 16 { try repo.git("mv", "r.yaml", "renamed.yaml") }
            try repo.write(name, GitFixtures.runbook(command: "kubectl scale deploy/api " + command, rollback: "kubectl scale deploy/api " + rollback,
                                                     description: version == 16 ? "v15" : "v\(version)"))
            // s.yaml: the rollback never changes, the step changes in v18: followed back to v1.
            try repo.write("s.yaml", GitFixtures.runbook(command: version < 18 ? "kubectl scale deploy/web --replicas=2" : "kubectl scale deploy/web --replicas=9",
                                                         rollback: "kubectl scale deploy/web --replicas=1", description: "s v\(version)"))
            try repo.commit("v\(version)", date: String(format: "2026-01-%02dT12:00:00Z", version))
        }
        for cache in [["--no-cache"], [], []] {
            let run = try TestSupport.rbc(["check", "--now", "2026-02-01", "--no-shellcheck", "renamed.yaml", "s.yaml"] + cache, in: repo.path)
            let notes = run.stdout.split(separator: "\n").filter { $0.contains("last changed in") }.map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(notes.count == 4, "\(cache): \(run.stdout)")
            #expect(notes.filter { $0.hasPrefix("= note: step last changed in") && $0.hasSuffix("(2026-01-13)") }.count == 1, "\(cache): \(notes)")
            #expect(notes.filter { $0.hasPrefix("= note: rollback last changed in") && $0.hasSuffix("(2026-01-09)") }.count == 1, "\(cache): \(notes)")
            #expect(notes.filter { $0.hasPrefix("= note: step last changed in") && $0.hasSuffix("(2026-01-18)") }.count == 1, "\(cache): \(notes)")
            #expect(notes.filter { $0.hasPrefix("= note: rollback last changed in") && $0.hasSuffix("(2026-01-01)") }.count == 1, "\(cache): \(notes)")
        }
    }

    /// `rbc history` prints each runbook's last change (renames followed, edits in the working tree
    /// marked, untracked files said), skips YAML that is not a runbook in a directory walk, and with
    /// --rollbacks says where each step and its rollback last changed, marking the drift RB020 reports.
    @Test func historyCommandPrintsLastChangesAndRollbackOrigins() throws {
        let repo = try TemporaryRepository()
        try repo.write("ops/r.yaml", GitFixtures.runbook())
        try repo.write("old.yaml", GitFixtures.runbook(description: "Old"))
        try repo.write("edited.yaml", GitFixtures.runbook(description: "E"))
        try repo.write("config.yaml", "key: value\n")
        try repo.commit("add", date: "2026-01-01T12:00:00Z")
        try repo.write("ops/r.yaml", GitFixtures.runbook(command: "kubectl scale deploy/api --replicas=12"))
        try repo.commit("scale further", date: "2026-02-01T12:00:00Z")
        try repo.git("mv", "old.yaml", "renamed.yaml")
        try repo.commit("rename", date: "2026-02-10T12:00:00Z")
        try repo.write("edited.yaml", GitFixtures.runbook(description: "E, edited"))
        try repo.write("new.yaml", GitFixtures.runbook(description: "N"))
        let head = try repo.git("log", "--format=%h", "-n", "3", "--abbrev=10").split(separator: "\n").map(String.init)
        let (scaled, added) = (head[1], head[2])

        let run = try TestSupport.rbc(["history", "."], in: repo.path)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == """
            edited.yaml  2026-01-01  \(added)  Test Author: add (modified since)
            new.yaml  untracked
            ops/r.yaml  2026-02-01  \(scaled)  Test Author: scale further
            renamed.yaml  2026-01-01  \(added)  Test Author: add

            """, "\(run.stdout)")

        let rollbacks = try TestSupport.rbc(["history", "--rollbacks", "ops/r.yaml", "edited.yaml"], in: repo.path)
        #expect(rollbacks.stdout == """
            ops/r.yaml  2026-02-01  \(scaled)  Test Author: scale further
              step `scale`: step changed in \(scaled) (2026-02-01), rollback in \(added) (2026-01-01) — the step is newer (RB020)
            edited.yaml  2026-01-01  \(added)  Test Author: add (modified since)
              step `scale`: step changed in \(added) (2026-01-01), rollback in \(added) (2026-01-01)

            """, "\(rollbacks.stdout)")
        let check = try TestSupport.rbc(["check", "--now", "2026-02-11", "--no-shellcheck", "--format", "concise", "ops/r.yaml", "edited.yaml"], in: repo.path)
        #expect(check.stdout.contains("ops/r.yaml:12:7: warning[RB020]") && !check.stdout.contains("edited.yaml:12:7: warning[RB020]"), "\(check.stdout)")

        let missing = try TestSupport.rbc(["history", "no-such-dir"], in: repo.path)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no such file or directory: no-such-dir"), "\(missing.stderr)")
    }

    @Test func staleWhenNeitherReviewedNorChangedWithinTheInterval() throws {
        let repo = try TemporaryRepository()
        try repo.write("r.yaml", GitFixtures.runbook())
        try repo.commit("add", date: "2026-01-01T12:00:00Z")
        let fresh = try GitFixtures.check(repo, today: "2026-03-01")
        #expect(!fresh.stdout.contains("RB017"), "59 days < 90")
        let stale = try GitFixtures.check(repo, today: "2026-06-01")
        #expect(stale.stdout.contains("r.yaml:1:1: warning[RB017] runbook is stale: last changed on 2026-01-01"), "\(stale.stdout)")
        #expect(stale.status == 0, "a warning")
    }

    @Test func reviewStampCoversProseButNotStepChanges() throws {
        let repo = try TemporaryRepository()
        try repo.write("r.yaml", GitFixtures.runbook(reviewed: "2026-03-01"))
        try repo.commit("add", date: "2026-02-01T12:00:00Z")
        try repo.write("r.yaml", GitFixtures.runbook(reviewed: "2026-03-01", description: "Scale the API out"))
        try repo.commit("reword", date: "2026-03-10T12:00:00Z")
        let prose = try GitFixtures.check(repo, today: "2026-03-20")
        #expect(!prose.stdout.contains("RB018"), "\(prose.stdout)")
        try repo.write("r.yaml", GitFixtures.runbook(reviewed: "2026-03-01", command: "kubectl scale deploy/api --replicas=12", description: "Scale the API out"))
        try repo.commit("scale further", date: "2026-03-15T12:00:00Z")
        let steps = try GitFixtures.check(repo, today: "2026-03-20")
        #expect(steps.stdout.contains("r.yaml:5:13: warning[RB018] `reviewed: 2026-03-01` predates"), "\(steps.stdout)")
        #expect(steps.stdout.contains("(2026-03-15), which changed the steps"))
        let future = try GitFixtures.check(repo, today: "2026-02-20")
        #expect(future.stdout.contains("error[RB019] `reviewed: 2026-03-01` is in the future"))
        #expect(future.status == 1)
    }

    @Test func rollbackDriftNamesBothCommits() throws {
        let repo = try TemporaryRepository()
        try repo.write("r.yaml", GitFixtures.runbook())
        try repo.commit("add", date: "2026-01-01T12:00:00Z")
        try repo.write("r.yaml", GitFixtures.runbook(command: "kubectl scale deploy/api --replicas=12"))
        try repo.commit("scale further", date: "2026-02-01T12:00:00Z")
        let run = try TestSupport.rbc(["check", "--now", "2026-02-02", "--no-shellcheck", "r.yaml"], in: repo.path)
        #expect(run.stdout.contains("r.yaml:12:7: warning[RB020]: the rollback of step `scale` may no longer undo it"), "\(run.stdout)")
        #expect(run.stdout.contains("= note: step last changed in ") && run.stdout.contains("(2026-02-01)"))
        #expect(run.stdout.contains("= note: rollback last changed in ") && run.stdout.contains("(2026-01-01)"))
        try repo.write("r.yaml", GitFixtures.runbook(command: "kubectl scale deploy/api --replicas=12", rollback: "kubectl scale deploy/api --replicas=6"))
        try repo.commit("fix rollback", date: "2026-02-03T12:00:00Z")
        let fixed = try TestSupport.rbc(["check", "--now", "2026-02-04", "--no-shellcheck", "r.yaml"], in: repo.path)
        #expect(!fixed.stdout.contains("RB020"), "\(fixed.stdout)")
        // An uncommitted change to the command is newer than any commit.
        try repo.write("r.yaml", GitFixtures.runbook(command: "kubectl scale deploy/api --replicas=20", rollback: "kubectl scale deploy/api --replicas=6"))
        let dirty = try TestSupport.rbc(["check", "--now", "2026-02-04", "--no-shellcheck", "--format", "concise", "r.yaml"], in: repo.path)
        #expect(dirty.stdout.contains("warning[RB020]"))
        #expect(dirty.stdout.contains("info[RB021] r.yaml has uncommitted changes"))
    }

    /// A watched line holding U+FFFD is looked for in each older version decoded, where invalid
    /// UTF-8 reads as U+FFFD too: a rollback whose byte 0xFF became a written U+FFFD did not change.
    @Test func rollbackDriftSearchesDecodedVersionsForAReplacementCharacter() throws {
        let repo = try TemporaryRepository()
        func write(command: String, rollbackTail: [UInt8]) throws {
            let text = GitFixtures.runbook(command: command, rollback: "kubectl scale deploy/api --replicas=3 # MARK")
            let bytes = Array(text.utf8)
            let mark = Array("MARK".utf8)
            let at = try #require((0...(bytes.count - mark.count)).first { Array(bytes[$0..<($0 + mark.count)]) == mark })
            try Data(bytes[..<at] + rollbackTail + bytes[(at + mark.count)...]).write(to: repo.url.appendingPathComponent("r.yaml"))
        }
        try write(command: "kubectl scale deploy/api --replicas=6", rollbackTail: [0xFF])
        try repo.commit("invalid byte", date: "2026-01-01T12:00:00Z")
        try write(command: "kubectl scale deploy/api --replicas=6", rollbackTail: Array("\u{FFFD}".utf8))
        try repo.commit("written replacement character", date: "2026-01-15T12:00:00Z")
        try write(command: "kubectl scale deploy/api --replicas=12", rollbackTail: Array("\u{FFFD}".utf8))
        try repo.commit("scale further", date: "2026-02-01T12:00:00Z")
        for cache in [["--no-cache"], []] {
            let run = try TestSupport.rbc(["check", "--now", "2026-02-02", "--no-shellcheck", "r.yaml"] + cache, in: repo.path)
            #expect(run.stdout.contains("warning[RB020]"), "\(run.stdout)")
            #expect(run.stdout.contains("= note: rollback last changed in ") && run.stdout.contains("(2026-01-01)"), "\(run.stdout)")
        }
    }

    @Test func untrackedRunbooksAndNoRepository() throws {
        let repo = try TemporaryRepository()
        try repo.write("tracked.yaml", GitFixtures.runbook())
        try repo.commit("add", date: "2026-01-01T12:00:00Z")
        try repo.write("new.yaml", GitFixtures.runbook())
        let run = try GitFixtures.check(repo, today: "2026-01-02")
        #expect(run.stdout.contains("new.yaml:1:1: info[RB021] new.yaml is not committed"), "\(run.stdout)")
        #expect(run.status == 0)
        let outside = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: outside) }
        try GitFixtures.runbook().write(to: outside.appendingPathComponent("r.yaml"), atomically: true, encoding: .utf8)
        let none = try TestSupport.rbc(["check", "--format", "concise", "--no-shellcheck", "r.yaml"], in: outside.path)
        #expect(none.stdout == "rbc: info[RB021] not in a git repository: history checks (RB017–RB021) skipped for 1 runbook\n", "\(none.stdout)")
    }

    /// A repository git cannot read is the environment's failure (RB0020), not a lint finding about
    /// the runbook (it was reported as RB021 uncommitted-runbook).
    @Test func unreadableRepositoryIsAGitFailureNotALintFinding() throws {
        let repo = try TemporaryRepository()
        try repo.write("r.yaml", GitFixtures.runbook())
        try repo.commit("add", date: "2026-01-01T12:00:00Z")
        try "not a reference\n".write(toFile: repo.path + "/.git/HEAD", atomically: true, encoding: .utf8)
        let run = try GitFixtures.check(repo, today: "2026-01-02")
        #expect(run.stdout.contains("info[RB0020]"), "\(run.stdout)")
        #expect(!run.stdout.contains("RB021"), "\(run.stdout)")
    }

    @Test func changedSinceAndStagedCheckOnlyChangedRunbooks() throws {
        let repo = try TemporaryRepository()
        try repo.write("a.yaml", GitFixtures.runbook())
        try repo.write("b.yaml", GitFixtures.runbook())
        try repo.write("notes.md", "# Notes\n\nNot a runbook.\n")
        try repo.commit("add", date: "2026-01-01T12:00:00Z")
        try repo.git("tag", "base")
        try repo.write("b.yaml", GitFixtures.runbook(command: "kubectl scale deploy/api --replicas=9"))
        try repo.write("c.yaml", "runbook:\n  name: broken\n")
        let since = try TestSupport.rbc(["check", "--changed-since", "base", "--now", "2026-01-02", "--no-shellcheck"], in: repo.path)
        #expect(since.stderr.contains("checked 2 runbooks"), "b (modified) and c (untracked): \(since.stderr)")
        #expect(since.stdout.contains("c.yaml"))
        #expect(!since.stdout.contains("a.yaml"))
        #expect(since.status == 1, "c is broken")
        try repo.git("add", "b.yaml")
        let staged = try TestSupport.rbc(["check", "--staged", "--now", "2026-01-02", "--no-shellcheck"], in: repo.path)
        #expect(staged.stderr.contains("checked 1 runbook:"), "\(staged.stderr)")
        #expect(!staged.stdout.contains("c.yaml"))
        let nothing = try TestSupport.rbc(["check", "--changed-since", "HEAD", "--now", "2026-01-02", "a.yaml"], in: repo.path)
        #expect(nothing.status == 0, "nothing changed under the named path: \(nothing.stdout)")
        let badRef = try TestSupport.rbc(["check", "--changed-since", "no-such-ref"], in: repo.path)
        #expect(badRef.status == 2)
        #expect(badRef.stdout.contains("cannot resolve revision 'no-such-ref'"))
    }

    @Test func compileRecordsProvenance() throws {
        let repo = try TemporaryRepository()
        try repo.write("r.yaml", GitFixtures.runbook())
        try repo.commit("add", date: "2026-01-01T12:00:00Z")
        let head = try repo.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
        let blob = try repo.git("hash-object", "r.yaml").trimmingCharacters(in: .whitespacesAndNewlines)
        let clean = try TestSupport.rbc(["compile", "r.yaml"], in: repo.path)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(clean.stdout.utf8)) as? [String: Any])
        let provenance = try #require(object["provenance"] as? [String: Any])
        #expect(provenance["head"] as? String == head)
        #expect(provenance["blob"] as? String == blob)
        #expect(provenance["path"] as? String == "r.yaml")
        #expect(provenance["dirty"] as? Bool == false)
        try repo.write("r.yaml", GitFixtures.runbook(command: "kubectl scale deploy/api --replicas=7"))
        let dirty = try TestSupport.rbc(["compile", "r.yaml"], in: repo.path)
        let dirtyObject = try #require(try JSONSerialization.jsonObject(with: Data(dirty.stdout.utf8)) as? [String: Any])
        #expect((dirtyObject["provenance"] as? [String: Any])?["dirty"] as? Bool == true)
    }
}
