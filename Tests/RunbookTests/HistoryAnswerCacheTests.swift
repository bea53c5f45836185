// The whole-answer entry with the history rules on (`rbc check` without `--no-git`), on a real
// temporary repository whose history, index and working tree change between runs: at every stage
// the cached run, and the run after it, print byte for byte what a run without the cache prints.

import Foundation
@testable import RunbookDriver
import Testing

@Suite struct HistoryAnswerCacheTests {
    @Test func theWholeAnswerWithHistoryNeverChangesAnAnswerWhileARepositoryChanges() throws {
        let repo = try TemporaryRepository()
        let xdg = repo.url.appendingPathComponent(".xdg").path
        try repo.write(".gitignore", ".xdg/\n")
        try repo.write("ops/a.yaml", GitFixtures.runbook(reviewed: "2026-01-01"))
        try repo.write("ops/b.yaml", GitFixtures.runbook(description: "B"))
        try repo.write("ops/c.yaml", GitFixtures.runbook(rollback: "kubectl scale deploy/api --replicas=2", description: "C"))
        try repo.write("ops/page.md", "# Disk full\n\n## Mitigation\n\n### clean\n\n```bash\nrm -rf /var/tmp/cache\n```\n")
        try repo.write("ops/notes.yaml", "title: not a runbook\n")
        try repo.write("README.md", "notes\n")
        try repo.commit("first", date: "2026-01-05T12:00:00Z")
        try repo.git("branch", "other")
        // The index written a second after the files, so its entries prove them clean by stat data
        // (as `git status` leaves it); then files and index settle (3 s), so stat data, not content,
        // is what vouches for them and for the files' states.
        Thread.sleep(forTimeInterval: 1.1)
        try repo.git("update-index", "-q", "--refresh")
        Thread.sleep(forTimeInterval: 3.2)
        var answers: Set<String> = []
        var uses: [String: [String]] = [:]
        func agree(_ stage: String, _ extra: [String] = [], now: String = "2026-12-04", environment: [String: String] = [:],
                   formats: [String] = ["text"]) throws {
            for format in formats {
                let arguments = ["ops", "--no-shellcheck", "--now", now, "--format", format] + extra
                let fresh = try Self.check(arguments + ["--no-cache"], in: repo.path, xdg: xdg, environment: environment)
                let cached = try Self.check(arguments, in: repo.path, xdg: xdg, environment: environment)
                #expect(cached.answer == fresh.answer, "\(stage), \(format): the cached answer differs:\n\(cached.answer)\n---\n\(fresh.answer)")
                let again = try Self.check(arguments, in: repo.path, xdg: xdg, environment: environment)
                #expect(again.answer == fresh.answer, "\(stage), \(format): the warm answer differs:\n\(again.answer)\n---\n\(fresh.answer)")
                uses[stage + " " + format] = [cached.use, again.use]
                answers.insert(fresh.answer)
            }
        }
        try agree("first commit", formats: ["text", "json"])
        #expect(uses["first commit text"] == ["none", "whole"], "the second run reads the whole answer: \(uses)")
        #expect(uses["first commit json"] == ["none", "whole"], "\(uses)")
        // History moves under unchanged files: HEAD differs, so the entry is not used.
        try repo.write("README.md", "more notes\n")
        try repo.commit("no runbook changed", date: "2026-03-01T12:00:00Z")
        try agree("a commit changing no runbook")
        try repo.write("ops/c.yaml", GitFixtures.runbook(rollback: "kubectl scale deploy/api --replicas=1", description: "C"))
        try repo.commit("the rollback of c", date: "2026-04-01T12:00:00Z")
        try agree("a new commit")
        try repo.git("commit", "-q", "--amend", "-m", "amended", date: "2026-05-01T12:00:00Z")
        try agree("the commit amended")
        // HEAD moves and the index stays: the files now differ from HEAD.
        try repo.git("reset", "-q", "--soft", "HEAD~1")
        try agree("HEAD moved back, the index kept")
        try repo.git("commit", "-q", "-m", "again", date: "2026-05-02T12:00:00Z")
        try agree("committed again")
        try repo.git("checkout", "-q", "other")
        try agree("another branch")
        try repo.git("checkout", "-q", "main")
        try agree("back on main")
        // The working tree and the index, under the same HEAD.
        try repo.write("ops/b.yaml", GitFixtures.runbook(description: "B, edited"))
        try agree("an uncommitted edit")
        try repo.git("add", "ops/b.yaml")
        try agree("the edit staged")
        try repo.git("rm", "-q", "--cached", "ops/b.yaml")
        try agree("removed from the index only")
        try repo.write(".gitignore", ".xdg/\nops/b.yaml\n")
        try agree("the untracked file ignored")
        try repo.write(".gitignore", ".xdg/\n")
        try repo.git("add", "ops/b.yaml")
        try repo.commit("b edited", date: "2026-06-01T12:00:00Z")
        try agree("committed")
        try repo.git("update-index", "--assume-unchanged", "ops/a.yaml")
        try repo.write("ops/a.yaml", GitFixtures.runbook(reviewed: "2026-02-01"))
        try agree("an edit the index is told to ignore")
        try repo.git("update-index", "--no-assume-unchanged", "ops/a.yaml")
        try agree("and told again")
        // Everything besides git that decides the answer.
        try agree("inside a pre-commit hook", environment: ["PRE_COMMIT": "1"])
        try agree("another day", now: "2027-06-01")
        let rule = "groups:\n- name: api\n  rules:\n  - alert: ApiDown\n    expr: up == 0\n    labels: {severity: critical}\n    annotations: {runbook_url: RUNBOOK}\n"
        try repo.write("rules/api.yaml", rule.replacingOccurrences(of: "RUNBOOK", with: "ops/a.yaml"))
        try agree("alert rules", ["--alerts", "rules/api.yaml"])
        try repo.write("rules/api.yaml", rule.replacingOccurrences(of: "RUNBOOK", with: "ops/missing.yaml"))
        try agree("an alert rule changed", ["--alerts", "rules/api.yaml"])
        // What resolving a link read, outside the checked files: a page's headings, a directory's entries.
        try repo.write("docs/other.md", "# Other\n\n## Restart\n\ntext\n")
        try repo.write("rules/api.yaml", rule.replacingOccurrences(of: "RUNBOOK", with: "docs/other.md#restart")
                       + "  - alert: ApiSlow\n    expr: up == 0\n    annotations: {runbook_url: docs/later}\n")
        Thread.sleep(forTimeInterval: 3.2)
        try agree("alert links into pages not checked", ["--alerts", "rules"])
        try repo.write("docs/other.md", "# Other\n\n## Something else\n\ntext\n")
        try agree("the linked page lost its anchor", ["--alerts", "rules"])
        try repo.write("docs/later.md", "# Later\n\n## Diagnosis\n\ntext\n")
        try agree("the page a link names appeared", ["--alerts", "rules"])
        try repo.write("rules/more.yaml", rule.replacingOccurrences(of: "ApiDown", with: "ApiGone").replacingOccurrences(of: "RUNBOOK", with: "ops/b.yaml"))
        try agree("a rule file added to the directory", ["--alerts", "rules"])
        // Parameters: given on the command line and read from a file.
        try repo.write("params.yaml", "replicas: 3\n")
        try agree("parameters", ["--param", "region=eu", "--params-file", "params.yaml"])
        try repo.write("params.yaml", "zone: b\n")
        try agree("the parameter file changed", ["--param", "region=eu", "--params-file", "params.yaml"])
        // A repository nested inside: the files under it now belong to another repository.
        try repo.git("init", "-q", "ops")
        try agree("a repository nested in the directory")
        try FileManager.default.removeItem(at: repo.url.appendingPathComponent("ops/.git"))
        try agree("and gone again")
        // History rewritten: the same files on a new root commit.
        try repo.git("checkout", "-q", "--orphan", "rewritten")
        try repo.commit("rewritten", date: "2026-07-01T12:00:00Z")
        try agree("rewritten history")
        // Alert rules and parameter files are trusted by their stat data only once it is 3 s old: the
        // stages that wrote one just before see a full run twice.
        let justWritten = ["alert rules", "an alert rule changed", "the linked page lost its anchor", "the page a link names appeared",
                           "a rule file added to the directory", "parameters", "the parameter file changed"]
        for (stage, use) in uses where !justWritten.contains(where: { stage.hasPrefix($0 + " ") }) {
            #expect(use.last == "whole", "\(stage): the run after a full one reads the whole answer (\(use))")
        }
        #expect(answers.count >= 10, "the stages changed the answer, so the comparisons compared something: \(answers.count)")
    }

    @Test func concurrentRunsWithHistoryKeepTheAnswer() throws {
        let repo = try TemporaryRepository()
        let xdg = repo.url.appendingPathComponent(".xdg").path
        try repo.write(".gitignore", ".xdg/\n")
        for index in 0..<6 {
            try repo.write("ops/rb-\(index).yaml", GitFixtures.runbook(description: "R\(index)"))
        }
        try repo.commit("first", date: "2026-01-05T12:00:00Z")
        let arguments = ["ops", "--no-shellcheck", "--now", "2026-12-04"]
        let path = repo.path
        let fresh = try Self.check(arguments + ["--no-cache"], in: repo.path, xdg: xdg)
        let answers = ConcurrentAnswers()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<2 { answers.add((try? Self.check(arguments, in: path, xdg: xdg).answer) ?? "failed") }
        }
        #expect(answers.all == Set([fresh.answer]), "parallel runs writing the same entries all answered as a run without the cache")
        // A commit while the entries exist: every later run, parallel or not, sees the new history.
        try repo.write("ops/rb-0.yaml", GitFixtures.runbook(rollback: "kubectl scale deploy/api --replicas=1", description: "R0"))
        try repo.commit("second", date: "2026-02-05T12:00:00Z")
        let moved = try Self.check(arguments + ["--no-cache"], in: repo.path, xdg: xdg)
        #expect(moved.answer != fresh.answer, "the commit changed the answer")
        let after = ConcurrentAnswers()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<2 { after.add((try? Self.check(arguments, in: path, xdg: xdg).answer) ?? "failed") }
        }
        #expect(after.all == Set([moved.answer]))
    }

    /// A later snapshot takes the states of files proven clean by stat data from the one before only
    /// while that proof holds: at every change it equals a snapshot taken from scratch.
    @Test func aSnapshotFromTheLastOneEqualsOneFromScratch() throws {
        let repo = try TemporaryRepository()
        let names = ["ops/a.yaml", "ops/b.yaml", "ops/sub/c.yaml", "d.yaml"]
        for name in names { try repo.write(name, GitFixtures.runbook(description: name)) }
        try repo.commit("first", date: "2026-01-05T12:00:00Z")
        try repo.write("ops/b.yaml", GitFixtures.runbook(description: "b, second"))
        try repo.commit("second", date: "2026-01-06T12:00:00Z")
        Thread.sleep(forTimeInterval: 1.1)
        try repo.git("update-index", "-q", "--refresh")
        Thread.sleep(forTimeInterval: 3.2)
        let paths = names.map { repo.path + "/" + $0 }
        func stamps() -> [String: FileStamp] {
            Dictionary(uniqueKeysWithValues: paths.compactMap { path in FileStamp.of(path).map { (path, $0) } })
        }
        let first = HistorySnapshot.of(paths)
        #expect(first.evidence.cleanByStat.count == names.count, "every file is proven clean by stat data: \(first.evidence.cleanByStat.keys)")
        var previous = first.evidence
        var seen: Set<[String]> = []
        func agree(_ stage: String) {
            let fromScratch = HistorySnapshot.of(paths)
            let fromLast = HistorySnapshot.of(paths, current: stamps(), previous: previous)
            #expect(fromLast.facts == fromScratch.facts, "\(stage):\n\(fromLast.facts)\n---\n\(fromScratch.facts)")
            seen.insert(fromScratch.facts)
            previous = fromLast.evidence
        }
        agree("unchanged")
        #expect(previous.cleanByStat.count == names.count, "the unchanged files' proofs carry over")
        try repo.write("ops/a.yaml", GitFixtures.runbook(description: "edited"))
        agree("an edit")
        try repo.git("reset", "-q", "--soft", "HEAD~1")
        agree("HEAD moved, the index kept")
        try repo.git("reset", "-q", "--soft", "ORIG_HEAD")
        agree("HEAD moved back")
        try repo.git("update-index", "--assume-unchanged", "ops/b.yaml")
        agree("an index flag")
        try repo.git("rm", "-q", "--cached", "ops/sub/c.yaml")
        agree("removed from the index")
        try repo.git("init", "-q", "ops/sub")
        agree("a repository nested inside")
        #expect(seen.count >= 4, "the stages changed the facts")
    }

    @Test func theDirectoryShortcutAgreesWithFoundation() {
        for path in ["a/b.yaml", "/a.yaml", "a.yaml", "a//b.yaml", "a/b/", "./a/b.yaml", "a/./b.yaml", "../x/y.yaml", "/", "", "//a", "a/b//c.yaml"] {
            #expect(HistorySnapshot.directory(of: path) == (path as NSString).deletingLastPathComponent, "\(path)")
        }
    }

    static func check(_ arguments: [String], in directory: String, xdg: String,
                      environment: [String: String] = [:]) throws -> (answer: String, use: String) {
        var environment = environment
        if environment["PRE_COMMIT"] == nil { environment["PRE_COMMIT"] = "" }
        environment["XDG_CACHE_HOME"] = xdg
        let run = try TestSupport.rbc(["check", "--timings"] + arguments, in: directory, environment: environment)
        #expect(run.status == 0 || run.status == 1, "\(run.stderr.suffix(2000))")
        let lines = run.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        let summary = lines.filter { $0.hasPrefix("checked ") }.joined(separator: "\n")
        let cacheLine = lines.first { $0.contains("answered from the cache") } ?? ""
        let use = cacheLine.contains("changed file") ? "spliced" : cacheLine.contains("whole answer") ? "whole" : "none"
        return ("status \(run.status)\n\(summary)\n\(run.stdout)", use)
    }
}
