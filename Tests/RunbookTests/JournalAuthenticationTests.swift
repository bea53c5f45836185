// A journal is read back by `rbc rollback` and `rbc resume`, which act on what it says: the IR's
// commands and URLs, the parameters, the stores' paths, the values to write back. Each line is
// authenticated (HMAC-SHA256, chained, keyed by the user's journal key), so a journal edited after rbc
// wrote it — or written by someone else — is refused (exit 7) instead of being acted on as written.

import Foundation
import RunbookRuntime
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct JournalAuthenticationTests {
    static let text = runbook("""
        - id: set
          action: update_config
          config_key: a.b
          value: "${{ params.target }}"
          timeout: 10s
        - id: touch
          action: execute_command
          command: "echo touch-${{ params.target }} >> log"
          timeout: 10s
          rollback: {action: execute_command, command: "echo undo-touch >> log", timeout: 10s}
        - id: third
          action: execute_command
          command: "echo third-${{ params.target }} >> log"
          timeout: 10s
          irreversible: "a test"

    """, extra: "  params:\n    target: {type: string, required: true}\n")
    static let files = [".rbc.yaml": "stores:\n  default: {file: flags.json}\n", "flags.json": "{\"a\": {\"b\": \"old\"}}\n", "victim": victim]
    static let victim = "{\"a\": {\"b\": \"precious\"}}\n"

    /// A run killed right after its second step finished: `set` and `touch` to undo, `third` to resume.
    static func killedRun(environment: [String: String] = [:]) throws -> (RunFixture, String) {
        let complete = try RunFixture(text, files: files)
        let full = try TestSupport.rbc(["run", "rb.yaml", "--param", "target=one"], in: complete.path, environment: environment)
        #expect(full.status == 0, "\(full.stderr)")
        let boundary = try #require(try complete.events().first { $0.stepFinished?.step == "touch" }?.seq)
        let fixture = try RunFixture(text, files: files)
        let run = try TestSupport.rbc(["run", "rb.yaml", "--param", "target=one"], in: fixture.path,
                                      environment: environment.merging(["RBC_FAULT_KILL_AFTER_EVENT": "\(boundary)"]) { $1 })
        #expect(run.status == 9, "\(run.stderr)")
        #expect(fixture.read("log") == "touch-one\n")
        return (fixture, try #require(fixture.journals.first))
    }

    /// The edits an attacker who can write the journal (but not the runbook) would make, each of
    /// which would make rollback or resume do something of theirs.
    static let edits: [(name: String, apply: @Sendable (inout [String]) -> Void)] = [
        ("rollback command", { lines in lines[0] = lines[0].replacingOccurrences(of: "echo undo-touch >> log", with: "echo pwned >> log") }),
        ("resumed command", { lines in lines[0] = lines[0].replacingOccurrences(of: "echo third-", with: "echo pwned-") }),
        ("parameter", { lines in lines[0] = lines[0].replacingOccurrences(of: #""target":"one""#, with: #""target":"pwned""#) }),
        ("store path", { lines in lines = lines.map { $0.replacingOccurrences(of: "/flags.json\"", with: "/victim\"") } }),
        ("previous value", { lines in
            if let index = lines.firstIndex(where: { $0.contains(#""event":"config_changed""#) }) {
                lines[index] = lines[index].replacingOccurrences(of: #""previous":"old""#, with: #""previous":"pwned""#)
            }
        }),
        ("a removed line", { lines in lines.removeAll { $0.contains(#""event":"config_changed""#) } }),
        ("a line from elsewhere", { lines in lines.insert(lines[lines.count - 1], at: lines.count - 1) }),
    ]

    @Test(arguments: edits.indices)
    func anEditedJournalIsNeitherRolledBackNorResumed(_ index: Int) throws {
        let edit = Self.edits[index]
        for command in ["rollback", "resume"] {
            let (fixture, journal) = try Self.killedRun()
            var lines = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n").map(String.init)
            let original = lines
            edit.apply(&lines)
            #expect(lines != original, "\(edit.name): the edit applies")
            try (lines.joined(separator: "\n") + "\n").write(toFile: journal, atomically: false, encoding: .utf8)
            let before = try String(contentsOfFile: journal, encoding: .utf8)
            let result = try fixture.rbc([command, "last", "--yes"])
            #expect(result.status == 7, "\(edit.name), \(command): \(result.stdout)\(result.stderr)")
            #expect(result.stderr.contains("--trust-journal"), "\(edit.name), \(command): says how to go on: \(result.stderr)")
            #expect(fixture.read("log") == "touch-one\n", "\(edit.name), \(command): something ran: \(fixture.read("log"))")
            #expect(fixture.read("victim") == Self.victim && fixture.read("flags.json").contains("\"one\""),
                    "\(edit.name), \(command): a store was written: \(fixture.read("flags.json")) \(fixture.read("victim"))")
            #expect(try String(contentsOfFile: journal, encoding: .utf8) == before, "\(edit.name), \(command): the journal was appended to")
        }
    }

    /// The same run, not edited, rolls back and resumes: the refusal is the edit's doing.
    @Test(arguments: ["rollback", "resume"])
    func anUneditedJournalIsActedOn(_ command: String) throws {
        let (fixture, journal) = try Self.killedRun()
        let result = try fixture.rbc([command, "last", "--yes"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(fixture.read("log") == (command == "rollback" ? "touch-one\nundo-touch\n" : "touch-one\nthird-one\n"))
        // What rollback and resume appended is authenticated too: the journal can be acted on again.
        if command == "rollback" {
            let again = try fixture.rbc(["rollback", "last", "--yes"])
            #expect(again.status == 0 && again.stderr.contains("nothing to roll back"), "\(again.stderr)")
        }
        #expect(try Journal.read(journal).count > 3)
    }

    /// A journal without authentication (an older rbc wrote it, or it was written by hand) is refused
    /// the same way; `--trust-journal` acts on it as written, saying so.
    @Test func anUnauthenticatedJournalNeedsTrustJournal() throws {
        let (fixture, journal) = try Self.killedRun()
        let stripped = try String(contentsOfFile: journal, encoding: .utf8)
            .replacing(try Regex(#","mac":"[0-9a-f]{64}"\}"#), with: "}")
        #expect(!stripped.contains("\"mac\""))
        try stripped.write(toFile: journal, atomically: false, encoding: .utf8)
        let refused = try fixture.rbc(["rollback", "last", "--yes"])
        #expect(refused.status == 7, "\(refused.stderr)")
        #expect(refused.stderr.contains("not authenticated"), "\(refused.stderr)")
        let trusted = try fixture.rbc(["rollback", "last", "--yes", "--trust-journal"])
        #expect(trusted.status == 0, "\(trusted.stderr)")
        #expect(trusted.stderr.contains("--trust-journal"), "a warning names the override: \(trusted.stderr)")
        #expect(fixture.read("log") == "touch-one\nundo-touch\n")
        #expect(fixture.read("flags.json").contains("\"old\""))
    }

    /// Another user's (or machine's) key did not write it: refused as well.
    @Test func aJournalWrittenUnderAnotherKeyIsRefused() throws {
        let keys = try TestSupport.temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: keys) }
        let (fixture, _) = try Self.killedRun(environment: ["RBC_JOURNAL_KEY": keys + "/first.key"])
        let mine = try TestSupport.rbc(["rollback", "last", "--yes"], in: fixture.path, environment: ["RBC_JOURNAL_KEY": keys + "/second.key"])
        #expect(mine.status == 7, "\(mine.stderr)")
        #expect(fixture.read("log") == "touch-one\n")
        let theirs = try TestSupport.rbc(["rollback", "last", "--yes"], in: fixture.path, environment: ["RBC_JOURNAL_KEY": keys + "/first.key"])
        #expect(theirs.status == 0, "\(theirs.stderr)")
        var key = stat()
        #expect(stat(keys + "/first.key", &key) == 0 && key.st_mode & 0o777 == 0o600, "the key is the owner's alone")
    }

    /// A key file others can read (or write, or that is a link) may be known to them: rbc does not
    /// use it, and a run does not start.
    @Test(arguments: ["readable", "link"])
    func aKeyOthersCouldKnowIsRefused(_ kind: String) throws {
        let keys = try TestSupport.temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: keys) }
        let key = keys + "/journal.key"
        if kind == "readable" {
            try String(repeating: "ab", count: 32).write(toFile: key, atomically: false, encoding: .utf8)
            chmod(key, 0o644)
        } else {
            try String(repeating: "ab", count: 32).write(toFile: keys + "/target", atomically: false, encoding: .utf8)
            chmod(keys + "/target", 0o600)
            symlink(keys + "/target", key)
        }
        let fixture = try RunFixture(Self.text, files: Self.files)
        let run = try TestSupport.rbc(["run", "rb.yaml", "--param", "target=one"], in: fixture.path, environment: ["RBC_JOURNAL_KEY": key])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains(key), "\(run.stderr)")
        #expect(fixture.read("log").isEmpty && fixture.journals.isEmpty, "nothing ran")
    }
}

extension JournalAuthenticationTests {
    // MARK: - The runs directory

    /// An older rbc created `.rbc/runs` 0755 (or someone did by hand): journals keep what commands
    /// printed, so a runs directory of ours is tightened to 0700 the next time rbc writes in it.
    @Test func anOpenRunsDirectoryOfOursIsTightened() throws {
        let fixture = try RunFixture(runbook(loggedStep("one")))
        try FileManager.default.createDirectory(atPath: fixture.path + "/.rbc/runs", withIntermediateDirectories: true)
        chmod(fixture.path + "/.rbc/runs", 0o755)
        let run = try fixture.rbc(["run", "rb.yaml"])
        #expect(run.status == 0, "\(run.stderr)")
        var directory = stat()
        #expect(stat(fixture.path + "/.rbc/runs", &directory) == 0)
        #expect(directory.st_mode & 0o777 == 0o700, "runs directory mode \(String(directory.st_mode & 0o777, radix: 8))")
        #expect(run.stderr.contains("0755") && run.stderr.contains("0700"), "says what it did: \(run.stderr)")
        let second = try fixture.rbc(["run", "rb.yaml"])
        #expect(second.status == 0 && !second.stderr.contains("0755"), "once: \(second.stderr)")
    }
}

extension JournalAuthenticationTests {
    // MARK: - Reading commands check too

    /// `rbc show`, `runs`, `timeline` and `report` read a journal and acted on nothing, so they did not
    /// check it: an edited journal (a step's outcome changed, a failed run made to look like it
    /// succeeded) read exactly like one rbc wrote. They never refuse it — reading a journal is how a
    /// person decides on `--trust-journal` — but every one of them now marks it, and says why.
    @Test func readingCommandsMarkAJournalThatIsNotAuthenticated() throws {
        let (fixture, journal) = try Self.killedRun()
        // As rbc wrote it: nothing marked.
        let clean = try Self.readings(fixture)
        #expect(!clean.show.contains("NOT AUTHENTICATED") && !clean.runs.contains("not authenticated"), "\(clean.show)\(clean.runs)")
        #expect(clean.runsJSON.contains("\"journal\" : \"authenticated\""), "\(clean.runsJSON)")
        #expect(clean.timelineJSON.contains("\"authenticated\" : true") && !clean.timelineMarkdown.contains("not authenticated"))
        #expect(!clean.reportJSON.contains("authenticationProblem") && !clean.reportHTML.contains("journal not authenticated"))

        // One word of one line changed: the command a step ran now reads as another.
        let text = try String(contentsOfFile: journal, encoding: .utf8)
        try text.replacingOccurrences(of: "touch-one", with: "touch-two").write(toFile: journal, atomically: false, encoding: .utf8)
        let edited = try Self.readings(fixture)
        #expect(edited.show.hasPrefix("NOT AUTHENTICATED: line "), "\(edited.show)")
        #expect(edited.showErrors.contains("is not authenticated"), "\(edited.showErrors)")
        #expect(edited.runs.contains("[journal not authenticated]"), "\(edited.runs)")
        #expect(edited.runsJSON.contains("\"journal\" : \"not authenticated: line "), "\(edited.runsJSON)")
        #expect(edited.timelineJSON.contains("\"authenticated\" : false") && edited.timelineJSON.contains("\"authenticationProblem\" : \"line "),
                "\(edited.timelineJSON)")
        #expect(edited.timelineMarkdown.contains("**The run's journal is not authenticated**"), "\(edited.timelineMarkdown)")
        #expect(edited.reportJSON.contains("\"authenticationProblem\" : \"line "), "\(edited.reportJSON)")
        #expect(edited.reportHTML.contains("journal not authenticated"), "\(edited.reportHTML)")
        // Rollback still refuses it; --trust-journal is what acts on it.
        #expect(try fixture.rbc(["rollback", "last", "--yes"]).status == 7)
    }

    /// What each reading command prints for the fixture's last run.
    static func readings(_ fixture: RunFixture) throws -> (show: String, showErrors: String, runs: String, runsJSON: String, timelineJSON: String,
                                                           timelineMarkdown: String, reportJSON: String, reportHTML: String) {
        let show = try fixture.rbc(["show", "last"])
        let runs = try fixture.rbc(["runs"])
        let runsJSON = try fixture.rbc(["runs", "--format", "json"])
        let timelineJSON = try fixture.rbc(["timeline", "last", "--format", "json"])
        let timelineMarkdown = try fixture.rbc(["timeline", "last", "--format", "md"])
        let reportJSON = try fixture.rbc(["report", "rb.yaml", "--no-git", "--no-shellcheck", "--format", "json"])
        let site = fixture.path + "/site"
        let reportHTML = try fixture.rbc(["report", "rb.yaml", "--no-git", "--no-shellcheck", "-o", site])
        for result in [show, runs, runsJSON, timelineJSON, timelineMarkdown, reportJSON, reportHTML] {
            #expect(result.status == 0, "\(result.stderr)")
        }
        let pages = (try? FileManager.default.subpathsOfDirectory(atPath: site))?.filter { $0.hasSuffix(".html") } ?? []
        let html = pages.compactMap { try? String(contentsOfFile: site + "/" + $0, encoding: .utf8) }.joined()
        #expect(!html.isEmpty, "the report wrote pages")
        return (show.stdout, show.stderr, runs.stdout, runsJSON.stdout, timelineJSON.stdout, timelineMarkdown.stdout, reportJSON.stdout, html)
    }

    // MARK: - One rbc at a time, from the check to the end

    /// `rbc rollback` read the journal, asked the person, and only then locked it: while the question
    /// was on screen another `rbc rollback --yes` undid everything, and the answer "y" undid it all
    /// again from the stale reading. The journal is now locked before it is read and while the person
    /// is asked: the second rollback is refused (busy, exit 2) and every undo runs once.
    @Test func aRollbackWaitingForItsAnswerHoldsTheJournal() throws {
        let (fixture, _) = try Self.killedRun()
        let asking = try AskingRollback(in: fixture)
        let second = try fixture.rbc(["rollback", "last", "--yes"])
        #expect(second.status == 2 && second.stderr.contains("in use by another rbc"), "\(second.status) \(second.stderr)")
        let (status, screen) = try asking.answer("y")
        #expect(status == 0, "\(screen)")
        #expect(fixture.read("log") == "touch-one\nundo-touch\n", "every undo once: \(fixture.read("log"))")
        #expect(fixture.read("flags.json").contains("\"old\""))
    }

    /// The journal's name made a link to another file while the person is asked (anyone who can
    /// write the runs directory can): rbc opened the name again to append, so it cut that file's
    /// last line (as a torn one) and wrote the rollback's events into it. What rbc checked is what it
    /// continues: the journal it read, whatever its name now points to.
    @Test func aJournalSwappedForALinkWhileAskingIsNotWhatIsWritten() throws {
        let (fixture, journal) = try Self.killedRun()
        let victim = fixture.path + "/victim.txt"
        try "important\nunterminated tail".write(toFile: victim, atomically: false, encoding: .utf8)
        let asking = try AskingRollback(in: fixture)
        #expect(rename(journal, journal + ".moved") == 0 && symlink(victim, journal) == 0)
        let (status, screen) = try asking.answer("y")
        #expect(status == 0, "\(screen)")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "important\nunterminated tail", "the linked file is untouched")
        #expect(fixture.read("log") == "touch-one\nundo-touch\n")
        let continued = try Journal.read(journal + ".moved", authenticatingWith: JournalKey.forChecking())
        #expect(continued.events.last?.runFinished?.status == .rolledBack, "the journal it read was continued")
        var authentic = false
        if case .authentic = continued.authenticity { authentic = true }
        #expect(authentic, "and stays authenticated: \(continued.authenticity)")
    }
}

/// `rbc rollback last` on a terminal (a pty from util-linux `script`), stopped at its question.
final class AskingRollback {
    let process = Process()
    let input = Pipe()
    let screen = Pipe()
    var shown = Data()

    init(in fixture: RunFixture) throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "util-linux `script` provides the pty")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", "'\(TestSupport.rbcBinary)' rollback last", "/dev/null"]
        process.currentDirectoryURL = fixture.url
        process.standardInput = input
        process.standardOutput = screen
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The question is on the terminal: the rollback has read the journal and waits.
        while !String(decoding: shown, as: UTF8.self).contains("[y/N]") {
            let chunk = screen.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            shown.append(chunk)
        }
        #expect(String(decoding: shown, as: UTF8.self).contains("Roll back touch, set of run"), "\(String(decoding: shown, as: UTF8.self))")
    }

    /// Types the answer; the exit status and all the terminal showed.
    func answer(_ text: String) throws -> (Int32, String) {
        input.fileHandleForWriting.write(Data((text + "\n").utf8))
        try input.fileHandleForWriting.close()
        shown.append(screen.fileHandleForReading.readDataToEndOfFile())
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: shown, as: UTF8.self))
    }
}
