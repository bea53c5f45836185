// A hostile user's files through the real binary: names and values that try to forge output lines or
// steer a terminal, URIs a code-scanning dashboard must resolve to the right file, pages that make a
// library's cost explode, and files that are not files.

import Foundation
import Testing

@Suite struct HostileInputTests {
    static let runbook = "runbook:\n  name: y\n  severity: P9\n"

    static func directory(_ files: [String: String]) throws -> URL {
        let directory = try TestSupport.temporaryDirectory()
        for (name, text) in files {
            // FileManager would refuse some of these names; the bytes go to the file system as they are.
            let path = directory.path + "/" + name
            #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)), "\(name)")
        }
        return directory
    }

    /// A file name or a value holding a newline or an escape sequence: text and concise output show
    /// them as escapes, so no line starts with a runner's `::` command and no control reaches the terminal.
    @Test(arguments: ["text", "concise"])
    func namesAndValuesCannotForgeLinesOrSteerTheTerminal(_ format: String) throws {
        let forged = "evil\n::error file=x.yaml,line=1::pwned\n.yaml"
        let directory = try Self.directory([
            forged: Self.runbook,
            "c\u{1B}[2Kred.yaml": Self.runbook,
            // A quoted value that decodes to controls, and a raw escape on a line the parser points at.
            "value.yaml": "runbook:\n  name: \"a\\n::warning::b\\e]0;title\\a\"\n  severity: P9\n",
            "raw.yaml": "runbook:\n  name: x\u{1B}[8m\n",
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try TestSupport.rbc(["check", "--no-git", "--no-shellcheck", "--color", "never", "--format", format, "."], in: directory.path)
        #expect(run.status == 1, "\(run.stderr)")
        for line in run.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
            #expect(!line.hasPrefix("::"), "a forged line: \(line)")
        }
        #expect(!run.stdout.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || $0.value == 0x7F },
                "a control character reached the output: \(run.stdout.debugDescription)")
        #expect(run.stdout.contains("evil\\n::error file=x.yaml,line=1::pwned\\n.yaml:1:1: error[RB2004]"), "\(run.stdout)")
        #expect(run.stdout.contains("c\\e[2Kred.yaml:"))
        #expect(run.stdout.contains("a\\n::warning::b\\e]0;title\\u{7}"), "\(run.stdout)")
        if format == "text" {
            // The caret stays under the escaped character the parser points at.
            let lines = run.stdout.components(separatedBy: "\n")
            let source = try #require(lines.firstIndex { $0.contains("|   name: x\\e[8m") }, "\(run.stdout)")
            let caret = lines[source + 1]
            #expect(caret.firstIndex(of: "^").map { caret.distance(from: caret.startIndex, to: $0) }
                    == lines[source].firstIndex(of: "\\").map { lines[source].distance(from: lines[source].startIndex, to: $0) },
                    "\(lines[source])\n\(caret)")
        }
    }

    /// SARIF artifact URIs are URI references: a space, `#`, `%` or `?` in a file name is percent-encoded
    /// (unencoded, `#c` is a fragment and `%41` reads as `A`), and an absolute path is a `file://` URI.
    @Test func sarifURIsNameTheFileTheyMean() throws {
        let name = "a b#c%41?.yaml"
        let directory = try Self.directory([name: Self.runbook])
        defer { try? FileManager.default.removeItem(at: directory) }
        func uris(_ path: String) throws -> [(uri: String, base: String?)] {
            let run = try TestSupport.rbc(["check", "--no-git", "--format", "sarif", path], in: directory.path)
            #expect(run.status == 1, "\(run.stderr)")
            let log = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            let results = try #require((log["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])
            return results.compactMap { result in
                let location = ((result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["artifactLocation"] as? [String: Any]
                return (location?["uri"] as? String).map { ($0, location?["uriBaseId"] as? String) }
            }
        }
        let relative = try uris(".")
        #expect(!relative.isEmpty)
        for (uri, base) in relative {
            #expect(base == "%SRCROOT%")
            let url = try #require(URL(string: uri, relativeTo: URL(string: "file:///src/")), "not a URI reference: \(uri)")
            #expect(url.fragment == nil && url.query == nil, "\(uri)")
            #expect(url.path == "/src/" + name, "\(uri)")
        }
        let absolute = try uris(directory.path + "/" + name)
        for (uri, base) in absolute {
            #expect(base == nil)
            #expect(URL(string: uri)?.path == directory.path + "/" + name, "\(uri)")
            #expect(uri.hasPrefix("file:///"))
        }
    }

    /// cmark-gfm 0.29.0.gfm.6 (Debian 12) pads every body row to the header's width: this 16 KB page
    /// (a 2,000-column header, 4,000 one-word lines) asked for 8 billion cells and aborted rbc inside a
    /// 1 GB address space. The limit makes the test fail instead of swapping; it is not a timing.
    /// cmark-gfm ends a line at LF, CR or CRLF: a page with CR-only endings is held to the same budget
    /// (its table scan once saw one line, no delimiter row, and let cmark pad 4,000 rows to 2,000 cells).
    @Test(arguments: ["\n", "\r", "\r\n"])
    func aWideTableHeaderCannotMultiplyAPageIntoGigabytes(_ lineEnding: String) throws {
        let page = ("# Runbook: restart\n\n" + String(repeating: "|a", count: 2_000) + "|\n" + String(repeating: "|-", count: 2_000) + "|\n"
            + String(repeating: "x\n", count: 4_000)).replacingOccurrences(of: "\n", with: lineEnding)
        let directory = try Self.directory(["wide.md": page])
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
        process.arguments = ["--as=1500000000", TestSupport.rbcBinary, "check", "--no-git", "--no-cache", "--no-shellcheck", "wide.md"]
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && [0, 1].contains(process.terminationStatus), "\(stderr.prefix(400))")
    }

    /// `rbc check` of a whole repository reads each run journal's first line (a run naming an
    /// incident with no record). A journal that is a pipe used to be opened for reading, which waits
    /// for a writer: the check hung. Here the test plays the writer whenever someone reads the pipe,
    /// feeding a line naming an unknown incident, so reading it shows in the output instead of hanging.
    @Test func aJournalThatIsAPipeIsNotRead() throws {
        let directory = try Self.directory(["ok.yaml": Self.runbook])
        defer { try? FileManager.default.removeItem(at: directory) }
        let runs = directory.appendingPathComponent(".rbc/runs")
        try FileManager.default.createDirectory(at: runs, withIntermediateDirectories: true)
        let pipe = runs.appendingPathComponent("20261205T000000Z-ghost.jsonl").path
        #expect(mkfifo(pipe, 0o644) == 0)
        let line = #"{"event":"run_started","incident":"INC-GHOST","run":"ghost","seq":1}"# + "\n"
        let (status, text) = try TestSupport.runFeedingFIFO(pipe, with: line, executable: TestSupport.rbcBinary,
                                                            ["check", "--no-git", "--no-cache", "--no-shellcheck", "--format", "concise"], in: directory)
        #expect(status == 1, "\(text)")
        #expect(text.contains("ok.yaml:"), "\(text)")
        #expect(!text.contains("INC-GHOST"), "the pipe was read: \(text)")
    }

    /// Inputs rbc cannot use are refused with exit 2 and a reason a person can act on, not
    /// Foundation's `Error Domain=NSCocoaErrorDomain Code=257 "You don't have permission."` (said of
    /// a pipe) or a decoder's debug description; and a command that is not a run does not say
    /// "the runbook was not run".
    @Test func unusableInputsSayWhy() throws {
        let directory = try Self.directory(["ok.yaml": Self.runbook, "open.json": "{", "partial.json": "{\"version\": 1}\n", "list.json": "[]"])
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(mkfifo(directory.path + "/pipe.json", 0o644) == 0)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("folder.json"), withIntermediateDirectories: true)
        for (baseline, reason) in [("pipe.json", "it is not a regular file (a pipe, a device or a socket)"), ("folder.json", "it is a directory"),
                                   ("open.json", "it is not valid JSON"), ("partial.json", "`findings` is missing"),
                                   ("list.json", "the top level is not what a baseline holds")] {
            let run = try TestSupport.rbc(["check", "--no-git", "--no-shellcheck", "--baseline", baseline, "ok.yaml"], in: directory.path)
            #expect(run.status == 2)
            #expect(run.stderr.contains("rbc: error: baseline \(baseline) is not an rbc baseline: \(reason)\n"), "\(run.stderr)")
        }
        try "exlude: []\n".write(to: directory.appendingPathComponent(".rbc.yaml"), atomically: true, encoding: .utf8)
        let incidents = try TestSupport.rbc(["incident", "list"], in: directory.path)
        #expect(incidents.status == 2)
        #expect(incidents.stderr.contains("unknown key `exlude`") && incidents.stderr.contains("rbc: the incident command was not run: fix .rbc.yaml first"),
                "\(incidents.stderr)")
        #expect(!incidents.stderr.contains("runbook was not run"))
    }

    /// A runbook named with one character (`a`, in the working directory) or an output directory
    /// named so (`-o d`): Foundation's `deletingLastPathComponent` trapped on such a path, and every
    /// command that took the file's directory (check with git, compile, plan, history, report,
    /// export) died with SIGILL instead of answering.
    @Test func oneCharacterPathsAreAnsweredNotACrash() throws {
        let directory = try Self.directory(["a": "runbook:\n  name: a\n  severity: P3\n  owner: ops\n  steps:\n    - {id: s, action: execute_command, command: \"true\", readonly: true, timeout: 1m}\n"])
        defer { try? FileManager.default.removeItem(at: directory) }
        for arguments in [["init", "-q"], ["-c", "user.name=T", "-c", "user.email=t@example.invalid", "add", "a"],
                          ["-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "a"]] {
            let git = Process()
            git.executableURL = URL(fileURLWithPath: "/usr/bin/git")
            git.arguments = ["-C", directory.path] + arguments
            git.environment = ["HOME": directory.path, "GIT_CONFIG_NOSYSTEM": "1"]
            try git.run()
            git.waitUntilExit()
            #expect(git.terminationStatus == 0, "git \(arguments)")
        }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("d"), withIntermediateDirectories: true)
        let commands: [[String]] = [["check", "--no-shellcheck", "a"], ["compile", "a"], ["plan", "a"], ["history", "a"],
                                    ["history", "--rollbacks", "a"], ["report", "--format", "json", "--no-shellcheck", "a"],
                                    ["export", "ansible", "a", "-o", "p"]]
        for arguments in commands {
            let run = try TestSupport.rbc(arguments, in: directory.path)
            #expect(run.status == 0, "rbc \(arguments.joined(separator: " ")) ended with \(run.status): \(run.stderr.suffix(600))")
        }
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("p").path), "`-o p` writes the playbook p")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("callback_plugins/rbc_journal.py").path),
                "and its companions beside it")
        // An output that is a directory is a usage error that says so.
        for arguments in [["export", "ansible", "a", "-o", "d"], ["compile", "a", "-o", "d"]] {
            let run = try TestSupport.rbc(arguments, in: directory.path)
            #expect(run.status == 2, "rbc \(arguments.joined(separator: " ")) ended with \(run.status): \(run.stderr.suffix(600))")
            #expect(run.stderr.contains("cannot write d: it is a directory"), "\(run.stderr)")
        }
    }

    /// A pipe, a device or a link to one is no file to read: a directory walk passes over it (it used to
    /// wait forever on a pipe named `*.yaml`), and named explicitly it is refused with exit 2.
    @Test func pipesAndDevicesAreNotRead() throws {
        let directory = try Self.directory(["ok.yaml": Self.runbook])
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(mkfifo(directory.path + "/pipe.yaml", 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: directory.path + "/zero.md", withDestinationPath: "/dev/zero")
        try FileManager.default.createSymbolicLink(atPath: directory.path + "/input.yaml", withDestinationPath: "/dev/stdin")
        let walk = try TestSupport.rbc(["check", "--no-git", "--format", "concise", "."], in: directory.path)
        #expect(walk.status == 1, "\(walk.stderr)")
        #expect(walk.stdout.contains("ok.yaml:") && !walk.stdout.contains("pipe.yaml") && !walk.stdout.contains("zero.md"), "\(walk.stdout)")
        for name in ["pipe.yaml", "zero.md", "input.yaml"] {
            let named = try TestSupport.rbc(["check", "--no-git", "--format", "concise", name], in: directory.path)
            #expect(named.status == 2)
            #expect(named.stdout.contains("\(name): error[RB0001] not a regular file: \(name)"), "\(named.stdout)")
        }
    }

    /// A link under a runbook's name whose target is gone (a page moved, the link left behind) or that
    /// loops: the walk names it in a warning (RB0009) and checks the rest, exit as the rest decides —
    /// it was RB0001 "no such file" and exit 2, as if a path typed on the command line were wrong.
    /// Named on the command line it is still RB0001 and exit 2.
    @Test func aDanglingLinkInAWalkIsAWarningNamingIt() throws {
        let directory = try Self.directory(["ok.yaml": HostileCacheTests.clean])
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createSymbolicLink(atPath: directory.path + "/moved.md", withDestinationPath: "pages/gone.md")
        try FileManager.default.createSymbolicLink(atPath: directory.path + "/loop.md", withDestinationPath: "loop.md")
        let walk = try TestSupport.rbc(["check", "--no-git", "--no-cache", "--no-shellcheck", "--format", "concise", "."], in: directory.path)
        #expect(walk.stdout.split(separator: "\n").sorted() == [
            "loop.md: warning[RB0009] loop.md is a symbolic link to loop.md, which loops back on itself: it is not read",
            "moved.md: warning[RB0009] moved.md is a symbolic link to pages/gone.md, which does not exist: it is not read",
        ], "\(walk.stdout)")
        #expect(walk.status == 0, "a warning: \(walk.stdout)\(walk.stderr)")
        let named = try TestSupport.rbc(["check", "--no-git", "--no-cache", "--format", "concise", "moved.md"], in: directory.path)
        #expect(named.status == 2 && named.stdout.contains("RB0001"), "\(named.stdout)")
    }

    /// `.rbc.yaml` that is a directory is said to be one; it was "no such file: .rbc.yaml", which
    /// sends a person looking for a file that is missing.
    @Test func aConfigurationThatIsADirectoryIsSaidToBeOne() throws {
        let directory = try Self.directory(["ok.yaml": HostileCacheTests.clean])
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(atPath: directory.path + "/.rbc.yaml", withIntermediateDirectories: true)
        let run = try TestSupport.rbc(["check", "--no-git", "--no-cache", "--no-shellcheck", "--format", "concise", "ok.yaml"], in: directory.path)
        #expect(run.stdout.contains(".rbc.yaml: error[RB0001] .rbc.yaml is a directory, not a file"), "\(run.stdout)\(run.stderr)")
        #expect(!run.stdout.contains("no such file"), "\(run.stdout)")
        #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
    }
}

/// The check cache against a repository that brings its own `.rbc`: entries committed by someone else
/// never answer, and a `.rbc` that is a link to somewhere else is neither written nor cleaned.
@Suite struct HostileCacheTests {
    static let clean = "runbook:\n  name: ok\n  severity: P3\n  owner: ops\n  steps:\n    - {id: s, action: execute_command, command: \"true\", readonly: true, timeout: 1m}\n"
    static let broken = "runbook:\n  name: bad\n  severity: P9\n"

    static func check(_ directory: URL, cacheHome: String, _ extra: [String] = []) throws -> TestSupport.Run {
        try TestSupport.rbc(["check", "--no-git", "--no-shellcheck", "--now", "2026-12-04", "--format", "concise", "."] + extra,
                            in: directory.path, environment: ["XDG_CACHE_HOME": cacheHome])
    }

    static func entries(under directory: URL, containing part: String) -> Set<String> {
        let files = FileManager.default.enumerator(atPath: directory.path)?.compactMap { $0 as? String } ?? []
        return Set(files.filter { $0.contains(part) && !$0.hasSuffix("/") }.filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path, isDirectory: &isDirectory) && !isDirectory.boolValue
        })
    }

    /// Someone with the same rbc, the same path and the same date makes the broken runbook's entry hold
    /// the clean runbook's answer and commits `.rbc/cache`: for them the poisoned entry answers, for
    /// anyone else (another cache home: another user or machine) it is never found.
    @Test func entriesMadeElsewhereNeverAnswer() throws {
        let scratch = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let repository = scratch.appendingPathComponent("repo")
        try FileManager.default.createDirectory(at: repository, withIntermediateDirectories: true)
        try "rules: {}\n".write(to: repository.appendingPathComponent(".rbc.yaml"), atomically: true, encoding: .utf8)
        let runbook = repository.appendingPathComponent("r.yaml")
        let attacker = scratch.appendingPathComponent("attacker-home").path
        let cache = repository.appendingPathComponent(".rbc/cache")

        try Self.clean.write(to: runbook, atomically: true, encoding: .utf8)
        #expect(try Self.check(repository, cacheHome: attacker).status == 0)
        let cleanEntries = Self.entries(under: cache, containing: "check/")
        try Self.broken.write(to: runbook, atomically: true, encoding: .utf8)
        let honest = try Self.check(repository, cacheHome: attacker)
        #expect(honest.status == 1 && honest.stdout.contains("RB2005"), "\(honest.stdout)")
        let brokenEntries = Self.entries(under: cache, containing: "check/").subtracting(cleanEntries)
        let source = try #require(cleanEntries.first, "the clean runbook's entry")
        #expect(cleanEntries.count == 1 && brokenEntries.count == 1, "\(cleanEntries) \(brokenEntries)")
        for target in brokenEntries {
            try FileManager.default.removeItem(at: cache.appendingPathComponent(target))
            try FileManager.default.copyItem(at: cache.appendingPathComponent(source), to: cache.appendingPathComponent(target))
        }
        // The whole-answer entries would answer from the file's stat data; the poison is the per-file entry.
        for answer in Self.entries(under: cache, containing: "answer") { try FileManager.default.removeItem(at: cache.appendingPathComponent(answer)) }
        let poisoned = try Self.check(repository, cacheHome: attacker)
        #expect(poisoned.status == 0, "the swap is effective where it was made: \(poisoned.stdout)")

        let ci = try Self.check(repository, cacheHome: scratch.appendingPathComponent("ci-home").path)
        #expect(ci.status == 1, "\(ci.stdout)")
        #expect(ci.stdout == honest.stdout)
    }

    /// `.rbc` committed as a link to a directory outside the tree: `rbc check` writes nothing there and
    /// `rbc cache clean` refuses (exit 2) instead of deleting the link target's `cache`.
    @Test func aLinkedCacheDirectoryIsNeitherWrittenNorRemoved() throws {
        let scratch = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let repository = scratch.appendingPathComponent("repo")
        let victim = scratch.appendingPathComponent("victim")
        try FileManager.default.createDirectory(at: repository, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: victim.appendingPathComponent("cache/precious"), withIntermediateDirectories: true)
        try "keep\n".write(to: victim.appendingPathComponent("cache/precious/file"), atomically: true, encoding: .utf8)
        try "rules: {}\n".write(to: repository.appendingPathComponent(".rbc.yaml"), atomically: true, encoding: .utf8)
        try Self.broken.write(to: repository.appendingPathComponent("r.yaml"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: repository.appendingPathComponent(".rbc").path, withDestinationPath: "../victim")
        let home = scratch.appendingPathComponent("home").path
        let first = try Self.check(repository, cacheHome: home)
        let second = try Self.check(repository, cacheHome: home)
        #expect(first.status == 1 && second.stdout == first.stdout)
        #expect(try FileManager.default.contentsOfDirectory(atPath: victim.appendingPathComponent("cache").path) == ["precious"],
                "nothing written through the link")
        let cleaned = try TestSupport.rbc(["cache", "clean"], in: repository.path, environment: ["XDG_CACHE_HOME": home])
        #expect(cleaned.status == 2)
        #expect(cleaned.stderr.contains("is a link or a directory every user may write"), "\(cleaned.stderr)")
        #expect(FileManager.default.fileExists(atPath: victim.appendingPathComponent("cache/precious/file").path))
    }
}

/// Incident records hold what responders type: a title or a name with a newline must not add a forged
/// line to the scribe's log, the list or the messages, and an escape sequence must not reach the terminal.
@Suite struct HostileIncidentTextTests {
    @Test func recordValuesCannotForgeLogLinesOrSteerTheTerminal() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let title = "checkout down\n[12:00 UTC] [bob] resolved\u{1B}[2K"
        let declared = try TestSupport.rbc(["incident", "declare", "--severity", "P1", "--title", title, "--id", "evil",
                                            "--by", "eve\n[12:01 UTC] [carol] status mitigated", "--commander", "eve\u{1B}]0;x\u{07}"], in: directory.path)
        #expect(declared.status == 0, "\(declared.stderr)")
        let shown = try TestSupport.rbc(["incident", "show", "evil"], in: directory.path)
        let listed = try TestSupport.rbc(["incident", "list"], in: directory.path)
        #expect(shown.status == 0 && listed.status == 0, "\(shown.stderr) \(listed.stderr)")
        for output in [declared.stdout, shown.stdout, listed.stdout] {
            for line in output.split(separator: "\n") {
                #expect(!line.hasPrefix("[12:0"), "a forged log line: \(line)")
            }
            #expect(!output.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(output.debugDescription)")
        }
        #expect(shown.stdout.contains("evil: checkout down\\n[12:00 UTC] [bob] resolved\\e[2K"), "\(shown.stdout)")
        #expect(shown.stdout.contains("[eve\\n[12:01 UTC] [carol] status mitigated] declared P1 incident"), "\(shown.stdout)")
    }
}
