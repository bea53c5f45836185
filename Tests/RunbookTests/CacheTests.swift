// The check cache may make rbc faster and must never change an answer: warm output is compared
// byte for byte with a run that computes everything, on the shared corpora and on a repository whose
// files, history and configuration change between runs.

import Dispatch
import Foundation
@testable import RunbookDriver
import RunbookSource
import Testing

@Suite struct CacheTests {
    /// Field names of a value, as Swift stores them.
    static func fieldNames(_ value: Any) -> [String] { Mirror(reflecting: value).children.compactMap(\.label) }

    @Test func theEncodingStoresEveryFieldOfADiagnostic() throws {
        let file = SourceFile(path: "a.yaml", text: "runbook:\n  name: x\n")
        let code = DiagnosticCode("RB999", "test-code", .warning, "a test code")
        let fix = Fix("replace x", .unsafe, edits: [TextEdit(SourceRange(start: 16, end: 17), "y"), .insert("z", at: 2)])
        let diagnostic = Diagnostic(code, "message", severity: .error, file: file, range: SourceRange(start: 16, end: 17),
                                    displayPath: "shown", help: "help", notes: [DiagnosticNote("note", at: SourceRange(start: 0, end: 7)), DiagnosticNote("bare")],
                                    fix: fix)
        // A field added to one of these types must be added to the cache encoding too (and here).
        #expect(Self.fieldNames(diagnostic) == DiagnosticCoding.fields["Diagnostic"])
        #expect(Self.fieldNames(code) == DiagnosticCoding.fields["DiagnosticCode"])
        #expect(Self.fieldNames(diagnostic.notes[0]) == DiagnosticCoding.fields["DiagnosticNote"])
        #expect(Self.fieldNames(fix) == DiagnosticCoding.fields["Fix"])
        #expect(Self.fieldNames(fix.edits[0]) == DiagnosticCoding.fields["TextEdit"])
        #expect(Self.fieldNames(SourceRange(start: 0, end: 1)) == DiagnosticCoding.fields["SourceRange"])

        let bare = Diagnostic(code, "no file", displayPath: "rbc")
        var writer = CacheWriter()
        DiagnosticCoding.encode([diagnostic, bare], into: &writer)
        var reader = CacheReader(writer.bytes)
        let decoded = try #require(DiagnosticCoding.decode(from: &reader, file: file))
        #expect(reader.atEnd)
        #expect(decoded.count == 2)
        let first = decoded[0]
        #expect(first.code == code && first.severity == .error && first.message == "message" && first.file === file)
        #expect(first.range == diagnostic.range && first.displayPath == "shown" && first.help == "help")
        #expect(first.notes.map(\.message) == ["note", "bare"] && first.notes.map(\.range) == [SourceRange(start: 0, end: 7), nil])
        #expect(first.fix == fix)
        #expect(decoded[1].file == nil && decoded[1].range == nil && decoded[1].fix == nil && decoded[1].help == nil)
        // Every truncation of the payload is a miss, never a crash or a wrong answer.
        for length in 0..<writer.bytes.count {
            var truncated = CacheReader(Array(writer.bytes.prefix(length)))
            #expect(DiagnosticCoding.decode(from: &truncated, file: file) == nil, "a payload cut at \(length) bytes decoded")
        }
    }

    @Test func aDamagedEntryReadsAsAMiss() throws {
        let root = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = ContentCache(root: root.path)
        let key = ContentCache.key(["a", "b"])
        #expect(key != ContentCache.key(["ab"]), "parts are length-prefixed")
        cache.put("check", key, Array("payload".utf8))
        #expect(cache.get("check", key) == Array("payload".utf8))
        let path = "\(cache.directory)/check/\(key.prefix(2))/\(key.dropFirst(2))"
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[14] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect(cache.get("check", key) == nil)
        try Data(bytes.prefix(20)).write(to: URL(fileURLWithPath: path))
        #expect(cache.get("check", key) == nil)
        #expect(try String(contentsOfFile: root.appendingPathComponent(".gitignore").path, encoding: .utf8).contains("*"))
    }

    /// `rbc check` output and how many runbooks the cache answered (from `--timings`).
    static func check(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws -> (output: String, cached: Int, checked: Int) {
        let run = try TestSupport.rbc(["check", "--format", "json", "--timings"] + arguments, in: directory, environment: environment)
        #expect(run.status == 0 || run.status == 1, "\(run.stderr.suffix(2000))")
        let line = run.stderr.split(separator: "\n").first { $0.contains("answered from the cache") } ?? ""
        let numbers = line.split(separator: " ").compactMap { Int($0) }
        return (run.stdout, numbers.first ?? -1, numbers.dropFirst().first ?? -1)
    }

    @Test(arguments: CorpusLintGoldenTests.corpora)
    func warmOutputIsColdOutputOnTheCorpora(_ corpus: CorpusLintGoldenTests.Corpus) throws {
        let root = try CorpusLintGoldenTests.stage(corpus, from: try TestSupport.sharedCorpora())
        defer { try? FileManager.default.removeItem(at: root) }
        let arguments = corpus.paths + ["--no-git", "--now", "2026-12-04"]
        let cold = try Self.check(arguments, in: root.path)
        #expect(cold.cached == 0)
        let owners = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(".rbc/cache/v1").path)) ?? []
        #expect(owners.contains { FileManager.default.fileExists(atPath: root.appendingPathComponent(".rbc/cache/v1/\($0)/check").path) },
                "the cache sits beside .rbc.yaml, under this user's name")
        let warm = try Self.check(arguments, in: root.path)
        #expect(warm.checked > 0 && warm.cached > 0, "the warm run read the cache: \(warm.cached) of \(warm.checked)")
        #expect(warm.output == cold.output)
        let uncached = try Self.check(arguments + ["--no-cache"], in: root.path)
        #expect(uncached.cached == 0 && uncached.output == cold.output)
    }

    @Test func aCacheNeverChangesAnAnswerWhileARepositoryChanges() throws {
        let repo = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: repo) }
        func git(_ arguments: String...) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
            process.arguments = ["-C", repo.path, "-c", "user.name=T", "-c", "user.email=t@example.invalid"] + arguments
            process.environment = ["GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z", "HOME": repo.path]
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "git \(arguments)")
        }
        func write(_ name: String, _ text: String) throws {
            let url = repo.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let yaml = """
            runbook:
              name: restart api
              severity: P2
              owner: team-api
              steps:
                - id: restart
                  action: execute_command
                  command: "kubectl rollout restart deploy/api -n $ns"
                  timeout: 2m
                  rollback: {action: execute_command, command: "kubectl rollout undo deploy/api", timeout: 2m}

            """
        try write("runbooks/api.yaml", yaml)
        try write("runbooks/page.md", "# Disk full\n\nSee [the api runbook](other.md#restart).\n\n## Mitigation\n\n### clean\n\n```bash\nrm -rf /var/tmp/$dir\n```\n")
        try write("runbooks/other.md", "# Other\n\n## Restart\n\ntext\n")
        try git("init", "-q", "-b", "main")
        try git("add", "-A")
        try git("commit", "-q", "-m", "first")
        var seen: [String] = []
        /// The cached run and a run that computes everything must agree at every stage.
        func agree(_ stage: String, now: String = "2026-12-04") throws {
            let arguments = ["runbooks", "--now", now]
            let cached = try Self.check(arguments, in: repo.path)
            let fresh = try Self.check(arguments + ["--no-cache"], in: repo.path)
            #expect(cached.output == fresh.output, "\(stage): the cached answer differs:\n\(cached.output)\n---\n\(fresh.output)")
            seen.append(cached.output)
            let again = try Self.check(arguments, in: repo.path)
            #expect(again.output == fresh.output, "\(stage): the warm answer differs")
        }
        try agree("first commit")
        let warm = try Self.check(["runbooks", "--now", "2026-12-04"], in: repo.path)
        // The page with a relative link depends on another file, so it is always checked afresh (the
        // page it links to is no runbook, only a link target).
        #expect(warm.checked == 2 && warm.cached == 1, "every other runbook is answered from the cache (\(warm.cached) of \(warm.checked))")
        // The linked page loses the anchor the first page points at: RB031 must appear.
        try write("runbooks/other.md", "# Other\n\n## Something else\n\ntext\n")
        try agree("a linked page changed")
        #expect(seen.last?.contains("RB031") == true, "\(seen.last ?? "")")
        // The configuration turns a rule off, then the date moves on.
        try write(".rbc.yaml", "rules:\n  RB016: off\n")
        try agree("rules changed")
        try agree("another day", now: "2027-06-01")
        // History moves: a commit, then history rewritten to another first commit.
        try git("add", "-A")
        try git("commit", "-q", "-m", "second")
        try agree("a new commit")
        try write("runbooks/api.yaml", yaml.replacingOccurrences(of: "timeout: 2m\n      rollback", with: "timeout: 3m\n      rollback"))
        try agree("an uncommitted edit")
        try git("checkout", "-q", "--orphan", "rewritten")
        try git("add", "-A")
        try git("commit", "-q", "-m", "rewritten")
        try agree("rewritten history")
        #expect(Set(seen).count > 2, "the stages changed the answer, so the comparisons compared something")
    }

    /// A plain `rbc check` run in the text or JSON format: stdout, stderr's summary line, the exit
    /// status and how the whole-answer entry served it (from `--timings`).
    static func plainCheck(_ arguments: [String], in directory: String, xdg: String) throws -> (answer: String, use: String) {
        let run = try TestSupport.rbc(["check", "--timings"] + arguments, in: directory, environment: ["XDG_CACHE_HOME": xdg])
        #expect(run.status == 0 || run.status == 1, "\(run.stderr.suffix(2000))")
        let lines = run.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        let summary = lines.filter { $0.hasPrefix("checked ") }.joined(separator: "\n")
        let cacheLine = lines.first { $0.contains("answered from the cache") } ?? ""
        let use = cacheLine.contains("changed file") ? "spliced" : cacheLine.contains("whole answer") ? "whole" : "none"
        return ("status \(run.status)\n\(summary)\n\(run.stdout)", use)
    }

    @Test func theWholeAnswerEntryNeverChangesAnAnswerWhileATreeChanges() throws {
        let root = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let tree = root.appendingPathComponent("tree")
        let xdg = root.appendingPathComponent("xdg").path
        func write(_ name: String, _ text: String) throws {
            let url = tree.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: false, encoding: .utf8)
        }
        func runbook(_ name: String, command: String, severity: String = "P2") -> String {
            """
            runbook:
              name: \(name)
              severity: \(severity)
              owner: team-api
              steps:
                - id: act
                  action: execute_command
                  command: "\(command)"
                  timeout: 2m

            """
        }
        for index in 0..<6 {
            try write("runbooks/team-\(index % 2)/rb-\(index).yaml", runbook("restart \(index)", command: "kubectl rollout restart deploy/api-\(index) -n $ns"))
        }
        try write("runbooks/notes.yaml", "title: not a runbook\n")
        try write("runbooks/page.md", "# Disk full\n\n## Mitigation\n\n### clean\n\n```bash\nrm -rf /var/tmp/$dir\n```\n")
        // Files written within 3 s of a run are checked by content; older ones by their stat data alone.
        // Waiting once makes the first files old, so the stat comparison itself is what is tested.
        Thread.sleep(forTimeInterval: 3.2)
        var answers: Set<String> = []
        var uses: [String: [String]] = [:]
        /// Warm and cold agree in both kinds of entry (text keeps each file's part, JSON the whole output).
        func agree(_ stage: String, _ extra: [String] = [], now: String = "2026-12-04") throws {
            for format in ["text", "json"] {
                let arguments = ["runbooks", "--no-git", "--now", now, "--format", format] + extra
                let fresh = try Self.plainCheck(arguments + ["--no-cache"], in: tree.path, xdg: xdg)
                let cached = try Self.plainCheck(arguments, in: tree.path, xdg: xdg)
                #expect(cached.answer == fresh.answer, "\(stage), \(format): the cached answer differs:\n\(cached.answer)\n---\n\(fresh.answer)")
                let again = try Self.plainCheck(arguments, in: tree.path, xdg: xdg)
                #expect(again.answer == fresh.answer, "\(stage), \(format): the warm answer differs")
                uses[stage + " " + format] = [cached.use, again.use]
                answers.insert(fresh.answer)
            }
        }
        try agree("first run")
        #expect(uses["first run text"] == ["none", "whole"], "the second run reads the whole answer: \(uses)")
        #expect(uses["first run json"] == ["none", "whole"], "\(uses)")
        // One runbook changes: its part is checked again and spliced in (text), or everything runs (JSON).
        try write("runbooks/team-0/rb-2.yaml", runbook("restart 2", command: "kubectl delete pod api-2 -n $ns"))
        try agree("one file changed")
        #expect(uses["one file changed text"]?.first == "spliced", "\(uses)")
        // The same size, and the modification time put back: the change time still differs.
        let edited = tree.appendingPathComponent("runbooks/team-1/rb-3.yaml").path
        var before = stat()
        #expect(stat(edited, &before) == 0)
        let original = try String(contentsOfFile: edited, encoding: .utf8)
        try write("runbooks/team-1/rb-3.yaml", original.replacingOccurrences(of: "severity: P2", with: "severity: P9"))
        let times = [before.st_atim, before.st_mtim]
        #expect(utimensat(AT_FDCWD, edited, times, 0) == 0)
        var after = stat()
        #expect(stat(edited, &after) == 0)
        #expect(after.st_size == before.st_size && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec && after.st_ino == before.st_ino)
        try agree("same-size edit, mtime put back")
        #expect(answers.count >= 3, "the edits changed the answer")
        // Touched, not changed; a file added, one removed, a non-runbook becoming one and back.
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: tree.appendingPathComponent("runbooks/team-0/rb-0.yaml").path)
        try agree("touched")
        try write("runbooks/team-1/rb-new.yaml", runbook("new", command: "true"))
        try agree("a file added")
        try FileManager.default.removeItem(at: tree.appendingPathComponent("runbooks/team-0/rb-4.yaml"))
        try agree("a file removed")
        try write("runbooks/notes.yaml", runbook("notes", command: "sudo rm -rf /tmp/x"))
        try agree("a non-runbook became one")
        try write("runbooks/notes.yaml", "title: not a runbook again\n")
        try agree("and back")
        // The answer depends on more than the files: the configuration, the date, the options.
        try write(".rbc.yaml", "rules:\n  RB016: off\n")
        try agree("configuration", ["--no-shellcheck"])
        try write(".rbc.yaml", "rules:\n  RB016: off\nexclude: [\"runbooks/team-1/**\"]\n")
        try agree("configuration excludes a directory", ["--no-shellcheck"])
        try FileManager.default.removeItem(at: tree.appendingPathComponent(".rbc.yaml"))
        try agree("another day", now: "2027-06-01")
        try agree("strict", ["--strict"])
        // A page with a relative link reads the page it leads to: such an answer is never kept whole.
        try write("runbooks/linked.md", "# Linked\n\nSee [the other page](other.md#restart).\n\n## Mitigation\n\n### restart\n\n```bash\nsystemctl restart api\n```\n")
        try write("runbooks/other.md", "# Other\n\n## Restart\n\ntext\n")
        try agree("a page with a relative link")
        #expect(uses["a page with a relative link text"] == ["none", "none"], "\(uses)")
        try write("runbooks/other.md", "# Other\n\n## Something else\n\ntext\n")
        try agree("the linked page lost its anchor")
        #expect(answers.contains { $0.contains("RB031") })
        // Alert coverage reads the rule files: such a run is never answered from the entry.
        let rule = "groups:\n- name: api\n  rules:\n  - alert: ApiDown\n    expr: up == 0\n    labels: {severity: critical}\n    annotations: {runbook_url: RUNBOOK}\n"
        try write("rules/api.yaml", rule.replacingOccurrences(of: "RUNBOOK", with: "runbooks/team-0/rb-0.yaml"))
        try agree("alert rules", ["--alerts", "rules/api.yaml"])
        try write("rules/api.yaml", rule.replacingOccurrences(of: "RUNBOOK", with: "runbooks/missing.yaml"))
        try agree("an alert rule changed", ["--alerts", "rules/api.yaml"])
        #expect(uses["an alert rule changed text"] == ["none", "none"], "\(uses)")
        #expect(answers.count >= 10, "the stages changed the answer, so the comparisons compared something")
    }

    /// Spliced answers keep the output's order when the walk's order is not it (roots named in
    /// reverse, a file named alone), and files replaced in ways only the inode or ctime tells are
    /// checked again (a file renamed over another, a directory swapped for a copy).
    @Test func splicedAnswersKeepTheOrderAndSeeReplacedFiles() throws {
        let root = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let tree = root.appendingPathComponent("tree")
        let xdg = root.appendingPathComponent("xdg").path
        func write(_ name: String, _ text: String) throws {
            let url = tree.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: false, encoding: .utf8)
        }
        func runbook(_ name: String, command: String) -> String {
            "runbook:\n  name: \(name)\n  severity: P2\n  owner: ops\n  steps:\n    - {id: act, action: execute_command, command: \"\(command)\", timeout: 2m}\n"
        }
        for team in ["a", "b", "c"] {
            for index in 0..<4 {
                try write("\(team)/rb-\(index).yaml", runbook("\(team) \(index)", command: "rm -rf /tmp/$x\(index)"))
            }
        }
        try write("top.yaml", runbook("top", command: "kubectl delete ns $ns"))
        Thread.sleep(forTimeInterval: 3.2)
        // Walk order c, a, then top.yaml named alone; the output is ordered by path (a, c, top).
        let arguments = ["c", "a", "top.yaml", "--no-git", "--no-shellcheck", "--now", "2026-12-04"]
        var answers: Set<String> = []
        func agree(_ stage: String, expecting use: String?) throws {
            for format in ["text", "concise", "github"] {
                let fresh = try Self.plainCheck(arguments + ["--format", format, "--no-cache"], in: tree.path, xdg: xdg)
                let cached = try Self.plainCheck(arguments + ["--format", format], in: tree.path, xdg: xdg)
                #expect(cached.answer == fresh.answer, "\(stage), \(format): the cached answer differs:\n\(cached.answer)\n---\n\(fresh.answer)")
                if let use { #expect(cached.use == use, "\(stage), \(format): \(cached.use)") }
                answers.insert(fresh.answer)
            }
        }
        try agree("first run", expecting: "none")
        try agree("unchanged", expecting: "whole")
        try write("c/rb-2.yaml", runbook("c 2", command: "true"))
        try agree("a file of the first root changed", expecting: "spliced")
        try write("top.yaml", runbook("top", command: "true"))
        try write("a/rb-1.yaml", runbook("a 1", command: "kubectl delete deploy api"))
        try agree("the named file and one of the second root changed", expecting: "spliced")
        // A file renamed over another of the same size, with the same modification time: only the
        // inode tells (and the ctime of the renamed file).
        let target = tree.appendingPathComponent("a/rb-3.yaml").path
        var before = stat()
        #expect(stat(target, &before) == 0)
        try write("a/rb-3.new", runbook("a 3", command: "sudo rm -rf /$x"))
        var replacement = stat()
        #expect(stat(tree.appendingPathComponent("a/rb-3.new").path, &replacement) == 0 && replacement.st_size == before.st_size)
        #expect(utimensat(AT_FDCWD, tree.appendingPathComponent("a/rb-3.new").path, [before.st_atim, before.st_mtim], 0) == 0)
        #expect(rename(tree.appendingPathComponent("a/rb-3.new").path, target) == 0)
        try agree("a file renamed over another", expecting: "spliced")
        // A directory swapped for a changed copy: every file in it has a new inode.
        try FileManager.default.copyItem(at: tree.appendingPathComponent("c"), to: tree.appendingPathComponent("c-copy"))
        try runbook("c 0", command: "kubectl delete pod web-0").write(to: tree.appendingPathComponent("c-copy/rb-0.yaml"), atomically: false, encoding: .utf8)
        try FileManager.default.removeItem(at: tree.appendingPathComponent("c"))
        try FileManager.default.moveItem(at: tree.appendingPathComponent("c-copy"), to: tree.appendingPathComponent("c"))
        try agree("a directory swapped for a changed copy", expecting: "spliced")
        try agree("unchanged again", expecting: "whole")
        #expect(answers.count >= 10, "the edits changed the answer in every format")
        // Parallel runs after a change: each checks the changed file again or reads another's entry.
        try write("a/rb-0.yaml", runbook("a 0", command: "shutdown -h now"))
        let fresh = try Self.plainCheck(arguments + ["--no-cache"], in: tree.path, xdg: xdg)
        let parallel = ConcurrentAnswers()
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            parallel.add((try? Self.plainCheck(arguments, in: tree.path, xdg: xdg).answer) ?? "failed")
        }
        #expect(parallel.all == Set([fresh.answer]))
    }

    /// The whole-answer entry as stored: any truncation or flipped byte of its payload reads as a
    /// miss (rbc then checks everything), never as a crash or another answer.
    @Test func aDamagedAnswerEntryIsAMiss() throws {
        let root = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let xdg = root.appendingPathComponent("xdg").path
        for index in 0..<3 {
            try "runbook:\n  name: r\(index)\n  severity: P3\n  owner: ops\n  steps:\n    - {id: s, action: execute_command, command: \"rm -rf /tmp/$x\", timeout: 1m}\n"
                .write(to: root.appendingPathComponent("rb-\(index).yaml"), atomically: true, encoding: .utf8)
        }
        let arguments = [".", "--no-git", "--no-shellcheck", "--now", "2026-12-04"]
        let fresh = try Self.plainCheck(arguments + ["--no-cache"], in: root.path, xdg: xdg)
        _ = try Self.plainCheck(arguments, in: root.path, xdg: xdg)
        // Entries are filed under this user's name (`CacheTrust`): the one directory there.
        let versioned = xdg + "/rbc/" + ContentCache.formatVersion
        let owners = try FileManager.default.contentsOfDirectory(atPath: versioned)
        #expect(owners.count == 1, "\(owners)")
        let answerDirectory = versioned + "/" + (owners.first ?? "") + "/answer"
        let entries = try #require(FileManager.default.enumerator(atPath: answerDirectory)?.compactMap { $0 as? String }.filter { $0.contains("/") })
        #expect(entries.count == 1)
        let path = answerDirectory + "/" + entries[0]
        let original = try #require(FileManager.default.contents(atPath: path))
        #expect(try Self.plainCheck(arguments, in: root.path, xdg: xdg).use == "whole", "the entry is read")
        for damage in [Data(original.prefix(original.count / 2)), Data(original.prefix(30)),
                       { var bytes = original; bytes[bytes.count / 2] ^= 0x40; return bytes }()] {
            try damage.write(to: URL(fileURLWithPath: path))
            let run = try Self.plainCheck(arguments, in: root.path, xdg: xdg)
            #expect(run.answer == fresh.answer && run.use == "none")
        }
    }

    @Test func concurrentRunsAndCleaningKeepTheAnswer() throws {
        let root = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let xdg = root.appendingPathComponent("xdg").path
        for index in 0..<8 {
            let text = "runbook:\n  name: r\(index)\n  severity: P3\n  owner: ops\n  steps:\n    - {id: s, action: execute_command, command: \"rm -rf /tmp/$x\(index)\", timeout: 1m}\n"
            try text.write(to: root.appendingPathComponent("rb-\(index).yaml"), atomically: true, encoding: .utf8)
        }
        let arguments = [".", "--no-git", "--no-shellcheck", "--now", "2026-12-04"]
        let fresh = try Self.plainCheck(arguments + ["--no-cache"], in: root.path, xdg: xdg)
        #expect(!FileManager.default.fileExists(atPath: xdg), "--no-cache writes nothing")
        let answers = ConcurrentAnswers()
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            for _ in 0..<2 { answers.add((try? Self.plainCheck(arguments, in: root.path, xdg: xdg).answer) ?? "failed") }
        }
        #expect(answers.all == Set([fresh.answer]), "parallel runs writing the same entries all answered as a cold run")
        let clean = try TestSupport.rbc(["cache", "clean"], in: root.path, environment: ["XDG_CACHE_HOME": xdg])
        #expect(clean.status == 0 && !FileManager.default.fileExists(atPath: xdg + "/rbc"), "\(clean.stderr)")
        let afterClean = try Self.plainCheck(arguments, in: root.path, xdg: xdg)
        #expect(afterClean.answer == fresh.answer && afterClean.use == "none")
    }

}

/// Answers collected from several threads.
// @unchecked: `answers` is touched only under `lock`.
final class ConcurrentAnswers: @unchecked Sendable {
    private var answers: Set<String> = []
    private let lock = NSLock()

    func add(_ answer: String) {
        lock.lock()
        answers.insert(answer)
        lock.unlock()
    }

    var all: Set<String> {
        lock.lock()
        defer { lock.unlock() }
        return answers
    }
}
