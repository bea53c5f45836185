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

    /// After a new commit (or an amend, a rewrite, a merge, a reset, an edit) the entry is spliced:
    /// only the files whose bytes or history key changed are checked again. At every stage the
    /// cached run prints byte for byte what a run without the cache prints, and it really splices
    /// where it should (so the comparison tests the splice, not a full run).
    @Test func aNewCommitChecksAgainOnlyWhatItTouched() throws {
        let repo = try TemporaryRepository()
        let xdg = repo.url.appendingPathComponent(".xdg").path
        try repo.write(".gitignore", ".xdg/\n")
        try repo.write("ops/a.yaml", GitFixtures.runbook(reviewed: "2026-01-01"))
        try repo.write("ops/b.yaml", GitFixtures.runbook(description: "B"))
        try repo.write("ops/c.yaml", GitFixtures.runbook(rollback: "kubectl scale deploy/api --replicas=2", description: "C"))
        try repo.write("ops/d.yaml", GitFixtures.runbook(command: "kubectl scale deploy/web --replicas=4", description: "D"))
        try repo.write("ops/page.md", "# Disk full\n\n## Mitigation\n\n### clean\n\n```bash\nrm -rf /var/tmp/cache\n```\n")
        try repo.write("ops/notes.yaml", "title: not a runbook\n")
        try repo.write("README.md", "notes\n")
        try repo.commit("first", date: "2026-01-05T12:00:00Z")
        Thread.sleep(forTimeInterval: 1.1)
        try repo.git("update-index", "-q", "--refresh")
        Thread.sleep(forTimeInterval: 3.2)
        var answers: Set<String> = []
        var uses: [String: [String]] = [:]
        func agree(_ stage: String, _ extra: [String] = [], formats: [String] = ["text"], now: String = "2026-12-04") throws {
            for format in formats {
                let arguments = ["ops", "--no-shellcheck", "--now", now, "--format", format] + extra
                let fresh = try Self.check(arguments + ["--no-cache"], in: repo.path, xdg: xdg)
                let cached = try Self.check(arguments, in: repo.path, xdg: xdg)
                #expect(cached.answer == fresh.answer, "\(stage), \(format): the cached answer differs:\n\(cached.answer)\n---\n\(fresh.answer)")
                let again = try Self.check(arguments, in: repo.path, xdg: xdg)
                #expect(again.answer == fresh.answer, "\(stage), \(format): the warm answer differs:\n\(again.answer)\n---\n\(fresh.answer)")
                uses[stage + (format == "text" ? "" : " " + format)] = [cached.use, again.use]
                answers.insert(fresh.answer)
            }
        }
        try agree("first commit")
        try repo.write("README.md", "more notes\n")
        try repo.commit("no runbook changed", date: "2026-03-01T12:00:00Z")
        try agree("a commit changing no runbook")
        try repo.write("ops/c.yaml", GitFixtures.runbook(rollback: "kubectl scale deploy/api --replicas=1", description: "C"))
        try repo.commit("the rollback of c", date: "2026-04-01T12:00:00Z")
        try agree("a new commit changing a rollback")
        // The same bytes, another commit: only c's last change differs.
        try repo.git("commit", "-q", "--amend", "-m", "amended", date: "2026-05-01T12:00:00Z")
        try agree("the commit amended")
        try repo.write("ops/d.yaml", GitFixtures.runbook(command: "kubectl scale deploy/web --replicas=5", description: "D"))
        try repo.commit("d's step", date: "2026-05-02T12:00:00Z")
        try repo.write("ops/b.yaml", GitFixtures.runbook(description: "B, not committed"))
        try agree("a new commit and an uncommitted edit")
        try repo.git("checkout", "-q", "ops/b.yaml")
        try repo.git("reset", "-q", "--hard", "HEAD~1")
        try agree("reset back a commit")
        // A merge: its first-parent diff names what the side branch changed.
        try repo.git("checkout", "-q", "-b", "side")
        try repo.write("ops/a.yaml", GitFixtures.runbook(reviewed: "2026-06-01"))
        try repo.commit("reviewed a", date: "2026-06-01T12:00:00Z")
        try repo.git("checkout", "-q", "main")
        try repo.write("README.md", "notes on main\n")
        try repo.commit("main moves", date: "2026-06-02T12:00:00Z")
        try repo.git("merge", "-q", "--no-ff", "-m", "merge side", "side", date: "2026-06-03T12:00:00Z")
        try agree("a merge")
        try agree("another day", now: "2027-02-01")
        try repo.write("ops/c.yaml", GitFixtures.runbook(rollback: "kubectl scale deploy/api --replicas=3", description: "C"))
        try repo.commit("c again", date: "2026-07-01T12:00:00Z")
        try agree("a commit, as JSON (never spliced)", formats: ["json"])
        try repo.write("ops/b.yaml", GitFixtures.runbook(description: "B, staged"))
        try repo.git("add", "ops/b.yaml")
        try agree("an edit staged")
        try repo.commit("b", date: "2026-07-02T12:00:00Z")
        try agree("committed")
        try repo.git("mv", "ops/d.yaml", "ops/e.yaml")
        try repo.commit("renamed d", date: "2026-07-03T12:00:00Z")
        try agree("a file renamed")
        let rule = "groups:\n- name: api\n  rules:\n  - alert: ApiDown\n    expr: up == 0\n    labels: {severity: critical}\n    annotations: {runbook_url: ops/a.yaml}\n"
        try repo.write("rules/api.yaml", rule)
        try repo.commit("alert rules", date: "2026-07-04T12:00:00Z")
        Thread.sleep(forTimeInterval: 3.2)
        try agree("alert rules", ["--alerts", "rules"])
        try repo.write("ops/c.yaml", GitFixtures.runbook(rollback: "kubectl scale deploy/api --replicas=4", description: "C"))
        try repo.write("rules/api.yaml", rule.replacingOccurrences(of: "ops/a.yaml", with: "ops/c.yaml"))
        try repo.commit("c and the rules", date: "2026-07-05T12:00:00Z")
        try agree("a commit with alert rules (never spliced)", ["--alerts", "rules"])
        try repo.write(".rbc.yaml", "rules:\n  RB017: error\n  RB003: off\n")
        try repo.commit("configuration", date: "2026-07-06T12:00:00Z")
        try agree("configuration added")
        try repo.write("ops/b.yaml", GitFixtures.runbook(description: "B, once more"))
        try repo.commit("b once more", date: "2026-07-07T12:00:00Z")
        try agree("a commit under the configuration")
        try repo.git("checkout", "-q", "--orphan", "rewritten")
        try repo.commit("rewritten", date: "2026-08-01T12:00:00Z")
        try agree("rewritten history")
        let spliced = ["a commit changing no runbook", "a new commit changing a rollback", "the commit amended", "a new commit and an uncommitted edit",
                       "reset back a commit", "a merge", "an edit staged", "committed", "a commit under the configuration", "rewritten history"]
        for stage in spliced {
            #expect(uses[stage]?.first == "spliced", "\(stage): the run after a commit splices the stored answer (\(uses[stage] ?? []))")
        }
        for stage in ["a commit, as JSON (never spliced) json", "a commit with alert rules (never spliced)", "configuration added", "another day", "a file renamed"] {
            #expect(uses[stage]?.first == "none", "\(stage): a full run (\(uses[stage] ?? []))")
        }
        // Alert rule files are trusted by their stat data only once it is 3 s old.
        for (stage, use) in uses where !stage.hasPrefix("a commit with alert rules") {
            #expect(use.last == "whole", "\(stage): the run after reads the whole answer (\(use))")
        }
        #expect(answers.count >= 10, "the stages changed the answer, so the comparisons compared something: \(answers.count)")
    }

    /// A history rewritten under many files (past a quarter of them changed in commits the stored
    /// index does not answer) is a full run, not a walk for keys paid on top of one; a commit
    /// touching a few of the same files is spliced. Both answer as a run without the cache.
    @Test func aRewriteOfManyFilesIsAFullRun() throws {
        let repo = try TemporaryRepository()
        let xdg = repo.url.appendingPathComponent(".xdg").path
        try repo.write(".gitignore", ".xdg/\n")
        for index in 0..<20 { try repo.write("ops/rb-\(index).yaml", GitFixtures.runbook(description: "R\(index)")) }
        try repo.commit("first", date: "2026-01-05T12:00:00Z")
        let arguments = ["ops", "--no-shellcheck", "--now", "2026-12-04"]
        func agree(_ stage: String, use expected: String) throws {
            let fresh = try Self.check(arguments + ["--no-cache"], in: repo.path, xdg: xdg)
            let cached = try Self.check(arguments, in: repo.path, xdg: xdg)
            #expect(cached.answer == fresh.answer, "\(stage): the cached answer differs:\n\(cached.answer)\n---\n\(fresh.answer)")
            #expect(cached.use == expected, "\(stage): \(cached.use)")
        }
        try agree("first", use: "none")
        for index in 0..<3 { try repo.write("ops/rb-\(index).yaml", GitFixtures.runbook(rollback: "kubectl scale deploy/api --replicas=1", description: "R\(index)")) }
        try repo.commit("three", date: "2026-02-05T12:00:00Z")
        try agree("a commit touching three files", use: "spliced")
        try repo.git("checkout", "-q", "--orphan", "rewritten")
        try repo.commit("rewritten", date: "2026-03-05T12:00:00Z")
        try agree("every file's history rewritten", use: "none")
    }

    /// `--staged` (a pre-commit hook) and `--changed-since REV` (a CI gate) read the whole-answer
    /// entry too: the candidates come from a diff, which the entry's list of files must match.
    @Test func changedFilesRunsUseTheWholeAnswerAndNeverChangeIt() throws {
        let repo = try TemporaryRepository()
        let xdg = repo.url.appendingPathComponent(".xdg").path
        try repo.write(".gitignore", ".xdg/\n")
        try repo.write("ops/a.yaml", GitFixtures.runbook(reviewed: "2026-01-01"))
        try repo.write("ops/b.yaml", GitFixtures.runbook(description: "B"))
        try repo.write("ops/c.yaml", GitFixtures.runbook(description: "C"))
        try repo.commit("first", date: "2026-01-05T12:00:00Z")
        try repo.git("branch", "base")
        try repo.write("ops/a.yaml", GitFixtures.runbook(reviewed: "2026-01-01", command: "kubectl scale deploy/api --replicas=7"))
        try repo.commit("a changed", date: "2026-02-05T12:00:00Z")
        try repo.write("ops/b.yaml", GitFixtures.runbook(description: "B, edited"))
        try repo.git("add", "ops/b.yaml")
        Thread.sleep(forTimeInterval: 1.1)
        try repo.git("update-index", "-q", "--refresh")
        Thread.sleep(forTimeInterval: 3.2)
        var uses: [String: [String]] = [:]
        var answers: Set<String> = []
        func agree(_ stage: String) throws {
            for mode in [["--staged"], ["--changed-since", "base"], ["--changed-since", "base", "--no-git"], ["--staged", "--format", "json"]] {
                let arguments = ["ops", "--no-shellcheck", "--now", "2026-12-04"] + mode
                let fresh = try Self.check(arguments + ["--no-cache"], in: repo.path, xdg: xdg)
                let cached = try Self.check(arguments, in: repo.path, xdg: xdg)
                let again = try Self.check(arguments, in: repo.path, xdg: xdg)
                #expect(cached.answer == fresh.answer, "\(stage) \(mode): the cached answer differs:\n\(cached.answer)\n---\n\(fresh.answer)")
                #expect(again.answer == fresh.answer, "\(stage) \(mode): the warm answer differs:\n\(again.answer)\n---\n\(fresh.answer)")
                uses["\(stage) \(mode)"] = [cached.use, again.use]
                answers.insert(fresh.answer)
            }
        }
        try agree("one file staged, one committed since base")
        try repo.write("ops/b.yaml", GitFixtures.runbook(description: "B, edited again"))
        try agree("the staged file edited again, unstaged")
        try repo.git("add", "ops/b.yaml")
        try agree("and staged")
        try repo.git("reset", "-q", "ops/b.yaml")
        try agree("unstaged: nothing staged")
        try repo.write("ops/c.yaml", GitFixtures.runbook(description: "C, edited"))
        try repo.git("add", "ops/c.yaml")
        try agree("another file staged")
        try repo.commit("c changed", date: "2026-03-05T12:00:00Z")
        try agree("committed")
        try repo.git("branch", "-f", "base", "HEAD~1")
        try agree("the base moved")
        for (stage, use) in uses {
            #expect(use.last == "whole", "\(stage): the run after a full one reads the whole answer (\(use))")
        }
        #expect(answers.count >= 6, "the stages changed the answer: \(answers.count)")
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
