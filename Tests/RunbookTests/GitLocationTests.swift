// `GitLocation` reads a repository's work tree and HEAD from `.git` without libgit2, for the warm
// check. On real temporary repositories it must answer as libgit2 does wherever it answers (loose
// and packed refs, a detached HEAD, a symbolic ref to another, a branch with no commit yet, a
// directory deep inside or reached through a link), and decline (nil: libgit2 is asked) wherever
// it cannot be sure (a `.git` file of a linked worktree, a corrupt ref, a bare or moved work tree,
// an included configuration). And the warm `rbc check` must answer byte for byte as a run without
// the cache while HEAD is read those ways and changes.

import Foundation
@testable import RunbookDriver
@testable import RunbookGit
import Testing

@Suite struct GitLocationTests {
    /// libgit2's answer for a directory: the work tree and HEAD's commit (nil: unborn).
    static func libgit2(_ directory: String) throws -> (workdir: String, head: String?)? {
        guard let repository = try GitRepository.discover(containing: directory) else { return nil }
        return (repository.workdir, try repository.headID())
    }

    static func agree(_ directory: String, _ stage: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let location = GitLocation.find(containing: directory)
        #expect(location != nil, "\(stage): the plain case is answered", sourceLocation: sourceLocation)
        let expected = try libgit2(directory)
        #expect(location?.workdir == expected?.workdir, "\(stage): \(String(describing: location)) vs \(String(describing: expected))", sourceLocation: sourceLocation)
        let head = location?.head()
        #expect(head != nil, "\(stage): HEAD is read", sourceLocation: sourceLocation)
        let read: String? = switch head {
        case .commit(let id): id
        case .unborn, nil: nil
        }
        #expect(read == expected?.head, "\(stage): HEAD \(String(describing: head)) vs \(String(describing: expected?.head))", sourceLocation: sourceLocation)
    }

    @Test func readsTheWorkTreeAndHeadAsLibgit2Does() throws {
        let repo = try TemporaryRepository()
        try Self.agree(repo.path, "no commit yet")
        #expect(GitLocation.find(containing: repo.path)?.head() == .unborn)
        try repo.write("ops/deep/a.yaml", GitFixtures.runbook())
        try repo.commit("first", date: "2026-01-05T12:00:00Z")
        try Self.agree(repo.path, "a loose branch")
        try Self.agree(repo.path + "/ops/deep", "a directory deep inside")
        try Self.agree(repo.path + "/ops/deep/../deep/.", "a path with dot components")
        let link = repo.url.deletingLastPathComponent().appendingPathComponent(repo.url.lastPathComponent + "-link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: repo.path + "/ops")
        defer { try? FileManager.default.removeItem(atPath: link) }
        try Self.agree(link, "through a link")
        try repo.git("pack-refs", "--all")
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/.git/refs/heads/main"), "the branch is only packed now")
        try Self.agree(repo.path, "a packed branch")
        try repo.write("ops/b.yaml", GitFixtures.runbook(description: "B"))
        try repo.commit("second", date: "2026-01-06T12:00:00Z")
        try Self.agree(repo.path, "a loose branch over a packed one")
        try repo.git("tag", "-a", "v1", "-m", "tagged")
        try repo.git("pack-refs", "--all")
        try Self.agree(repo.path, "packed with a peeled tag")
        try repo.git("checkout", "-q", "--detach", "HEAD~1")
        try Self.agree(repo.path, "a detached HEAD")
        try repo.git("checkout", "-q", "main")
        try repo.git("symbolic-ref", "refs/heads/alias", "refs/heads/main")
        try repo.git("symbolic-ref", "HEAD", "refs/heads/alias")
        try Self.agree(repo.path, "a symbolic ref to a symbolic ref")
        try repo.git("symbolic-ref", "HEAD", "refs/heads/nothing-yet")
        try Self.agree(repo.path, "a branch with no commit")
        #expect(GitLocation.find(containing: repo.path)?.head() == .unborn)
    }

    @Test func declinesWhatItCannotBeSureOf() throws {
        let repo = try TemporaryRepository()
        try repo.write("ops/a.yaml", GitFixtures.runbook())
        try repo.commit("first", date: "2026-01-05T12:00:00Z")
        let outside = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: outside) }
        // A linked worktree: `.git` is a file.
        let worktree = outside.appendingPathComponent("wt").path
        try repo.git("worktree", "add", "-q", worktree)
        #expect(GitLocation.find(containing: worktree) == nil, "a .git file is left to libgit2")
        #expect(try Self.libgit2(worktree)?.workdir == worktree + "/", "which finds the linked worktree")
        #expect(GitRepository.workdir(containing: worktree) == worktree + "/", "and the work tree is libgit2's there")
        // A corrupt ref: libgit2 reports it; the direct reading declines.
        let ref = repo.path + "/.git/refs/heads/main"
        let good = try String(contentsOfFile: ref, encoding: .utf8)
        try "not an object id\n".write(toFile: ref, atomically: false, encoding: .utf8)
        #expect(GitLocation.find(containing: repo.path)?.head() == nil, "a corrupt ref is left to libgit2")
        #expect(throws: (any Error).self) { try Self.libgit2(repo.path) }
        try good.write(toFile: ref, atomically: false, encoding: .utf8)
        try repo.git("pack-refs", "--all")
        let packed = try String(contentsOfFile: repo.path + "/.git/packed-refs", encoding: .utf8)
        try (packed + "garbage line\n").write(toFile: repo.path + "/.git/packed-refs", atomically: false, encoding: .utf8)
        #expect(GitLocation.find(containing: repo.path)?.head() == nil, "a malformed packed-refs is left to libgit2")
        try packed.write(toFile: repo.path + "/.git/packed-refs", atomically: false, encoding: .utf8)
        try Self.agree(repo.path, "repaired")
        // Configuration that moves or removes the work tree, or reads another file.
        for (key, value) in [("core.bare", "true"), ("core.worktree", outside.path), ("include.path", "other.config"), ("extensions.noop", "true")] {
            try repo.git("config", key, value)
            #expect(GitLocation.find(containing: repo.path + "/ops") == nil, "\(key) is left to libgit2")
            try repo.git("config", "--unset", key)
            #expect(GitLocation.find(containing: repo.path + "/ops") != nil, "\(key) removed")
        }
        // Outside any repository, and a directory that could itself be a bare repository.
        #expect(GitLocation.find(containing: outside.path) == nil)
        try "ref: refs/heads/main\n".write(to: outside.appendingPathComponent("HEAD"), atomically: false, encoding: .utf8)
        let inner = outside.appendingPathComponent("inner")
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        #expect(GitLocation.find(containing: inner.path) == nil)
    }

    /// The warm check reads HEAD and the work tree without libgit2; at every stage it answers as a
    /// run without the cache, and an unchanged stage is answered whole.
    @Test func theWarmAnswerFollowsHeadReadEveryWay() throws {
        let repo = try TemporaryRepository()
        let xdg = repo.url.appendingPathComponent(".xdg").path
        try repo.write(".gitignore", ".xdg/\n.rbc/\n")
        try repo.write("ops/a.yaml", GitFixtures.runbook(reviewed: "2026-01-01"))
        try repo.write("ops/b.yaml", GitFixtures.runbook(rollback: "kubectl scale deploy/api --replicas=2", description: "B"))
        try repo.commit("first", date: "2026-01-05T12:00:00Z")
        try repo.write("ops/b.yaml", GitFixtures.runbook(rollback: "kubectl scale deploy/api --replicas=1", description: "B"))
        try repo.commit("second", date: "2026-03-05T12:00:00Z")
        Thread.sleep(forTimeInterval: 1.1)
        try repo.git("update-index", "-q", "--refresh")
        Thread.sleep(forTimeInterval: 3.2)
        var answers: Set<String> = []
        var uses: [String: [String]] = [:]
        func agree(_ stage: String, in directory: String? = nil) throws {
            let arguments = ["ops", "--no-shellcheck", "--now", "2026-12-04"]
            let place = directory ?? repo.path
            let fresh = try HistoryAnswerCacheTests.check(arguments + ["--no-cache"], in: place, xdg: xdg)
            let cached = try HistoryAnswerCacheTests.check(arguments, in: place, xdg: xdg)
            #expect(cached.answer == fresh.answer, "\(stage): the cached answer differs:\n\(cached.answer)\n---\n\(fresh.answer)")
            let again = try HistoryAnswerCacheTests.check(arguments, in: place, xdg: xdg)
            #expect(again.answer == fresh.answer, "\(stage): the warm answer differs:\n\(again.answer)\n---\n\(fresh.answer)")
            uses[stage] = [cached.use, again.use]
            answers.insert(fresh.answer)
        }
        try agree("loose refs")
        try repo.git("pack-refs", "--all")
        try agree("packed refs")
        try repo.git("checkout", "-q", "--detach", "HEAD~1")
        try agree("detached at the first commit")
        try repo.git("checkout", "-q", "main")
        try agree("back on the packed branch")
        try repo.git("symbolic-ref", "refs/heads/alias", "refs/heads/main")
        try repo.git("symbolic-ref", "HEAD", "refs/heads/alias")
        try agree("HEAD through a symbolic ref")
        try repo.git("update-ref", "refs/heads/main", "HEAD~1")
        try agree("the branch behind it moved (packed and loose)")
        try repo.git("symbolic-ref", "HEAD", "refs/heads/main")
        let ref = repo.path + "/.git/refs/heads/main"
        let good = try String(contentsOfFile: ref, encoding: .utf8)
        try "not an object id\n".write(toFile: ref, atomically: false, encoding: .utf8)
        try agree("a corrupt ref")
        try good.write(toFile: ref, atomically: false, encoding: .utf8)
        try agree("repaired")
        let outside = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: outside) }
        let worktree = outside.appendingPathComponent("wt").path
        try repo.git("worktree", "add", "-q", "--detach", worktree, "main")
        try agree("a linked worktree", in: worktree)
        try repo.git("symbolic-ref", "HEAD", "refs/heads/unborn")
        try agree("a branch with no commit")
        for (stage, use) in uses where stage != "a corrupt ref" {
            #expect(use.last == "whole", "\(stage): the run after a full one reads the whole answer (\(use))")
        }
        #expect(answers.count >= 3, "the stages changed the answer: \(answers.count)")
    }
}
