// The built `rbc` binary end to end: stdout, stderr and exit codes.

import Foundation
import Testing

@Suite struct CLITests {
    static let cleanExampleCount = TestSupport.files(in: "examples", extension: "yaml").count
        + TestSupport.files(in: "examples", extension: "md").count

    @Test func checkExamplesIsClean() throws {
        let run = try TestSupport.rbc(["check", "examples/", "--no-git", "--now", "2026-11-22"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("checked \(CLITests.cleanExampleCount) runbooks: 0 errors"), "\(run.stderr)")
    }

    @Test func checkBrokenExamplesExitsOneWithEveryFileReported() throws {
        let run = try TestSupport.rbc(["check", "examples/broken"])
        #expect(run.status == 1)
        for name in TestSupport.files(in: "examples/broken", extension: "yaml") {
            #expect(run.stdout.contains("examples/broken/\(name):"), "no diagnostics for \(name)")
        }
        // Output is sorted by file, whatever order the parallel workers finished in.
        let files = run.stdout.split(separator: "\n").filter { $0.hasPrefix("examples/broken/") }.map { String($0.split(separator: ":")[0]) }
        #expect(files == files.sorted())
    }

    @Test func checkWithNoPathChecksCurrentDirectoryAndFindsConfigAbove() throws {
        // From examples/, the repository's .rbc.yaml one level up excludes examples/broken/**.
        let run = try TestSupport.rbc(["check", "--no-git"], in: TestSupport.path("examples"))
        #expect(run.status == 0, "\(run.stdout)")
        #expect(run.stderr.contains("checked \(CLITests.cleanExampleCount) runbooks:"), "\(run.stderr)")
        let broken = try TestSupport.rbc(["check"], in: TestSupport.path("examples/broken"))
        #expect(broken.status == 1, "a directory that is itself excluded is checked when it is the one named")
        #expect(broken.stdout.contains("unknown-keys.yaml:4:3: error[RB2002]"))
    }

    @Test func configurationExcludesAndReportsItsOwnMistakes() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = "runbook:\n  name: ok\n  severity: P3\n  steps:\n    - {id: a, action: wait, duration: 5s}\n"
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("drafts/deep"), withIntermediateDirectories: true)
        try good.write(to: dir.appendingPathComponent("ok.yaml"), atomically: true, encoding: .utf8)
        try "runbook:\n  name: draft\n".write(to: dir.appendingPathComponent("drafts/deep/wip.yaml"), atomically: true, encoding: .utf8)
        try "exclude:\n  - \"drafts/**\"\n".write(to: dir.appendingPathComponent(".rbc.yaml"), atomically: true, encoding: .utf8)
        let excluded = try TestSupport.rbc(["check"], in: dir.path)
        #expect(excluded.status == 0, "\(excluded.stdout)")
        #expect(excluded.stderr.contains("checked 1 runbook:"))
        let named = try TestSupport.rbc(["check", "drafts/deep/wip.yaml"], in: dir.path)
        #expect(named.status == 1, "a file named explicitly is checked even when excluded")
        try "exclude: drafts\nexlude: []\n".write(to: dir.appendingPathComponent(".rbc.yaml"), atomically: true, encoding: .utf8)
        let malformed = try TestSupport.rbc(["check"], in: dir.path)
        #expect(malformed.status == 1)
        #expect(malformed.stdout.contains(".rbc.yaml:1:10: error[RB0011]: `exclude` must be a list of globs"), "\(malformed.stdout)")
        #expect(malformed.stdout.contains(".rbc.yaml:2:1: error[RB0010]: unknown key `exlude` in .rbc.yaml"))
        #expect(malformed.stdout.contains("did you mean `exclude`?"))
    }

    @Test func directoriesSkipOtherYAMLButExplicitFilesAreCompiled() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "apiVersion: v1\nkind: ConfigMap\n".write(to: dir.appendingPathComponent("configmap.yaml"), atomically: true, encoding: .utf8)
        try "runbook:\n  name: ok\n  severity: P3\n  steps:\n    - {id: a, action: wait, duration: 5s}\n"
            .write(to: dir.appendingPathComponent("ok.yml"), atomically: true, encoding: .utf8)
        let walked = try TestSupport.rbc(["check", dir.path])
        #expect(walked.status == 0, "\(walked.stdout)")
        #expect(walked.stderr.contains("checked 1 runbook:"))
        let explicit = try TestSupport.rbc(["check", dir.appendingPathComponent("configmap.yaml").path])
        #expect(explicit.status == 2)
        #expect(explicit.stdout.contains("error[RB0006]: not a runbook"))
    }

    @Test func missingFileAndEmptyDirectoryAreUsageErrors() throws {
        let missing = try TestSupport.rbc(["check", "does/not/exist.yaml"])
        #expect(missing.status == 2)
        #expect(missing.stdout == "does/not/exist.yaml: error[RB0001]: no such file or directory: does/not/exist.yaml\n")
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = try TestSupport.rbc(["check", dir.path])
        #expect(empty.status == 2)
        #expect(empty.stdout.contains("error[RB0005]: no runbooks found under"))
    }

    @Test func badFlagIsAUsageError() throws {
        let run = try TestSupport.rbc(["check", "--bogus"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("Unknown option '--bogus'"))
        let format = try TestSupport.rbc(["check", "--format", "xml", "examples"])
        #expect(format.status == 2)
    }

    @Test func jsonFormatCarriesTheSameDiagnostics() throws {
        let run = try TestSupport.rbc(["check", "--format", "json", "examples/broken/unknown-keys.yaml"])
        #expect(run.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
        // The four typos, and what the linter finds in the runbook as meant (`ower` read as `owner`, …).
        #expect(diagnostics.filter { $0["code"] as? String == "RB2002" || $0["code"] as? String == "RB2011" }.count == 4)
        #expect(!diagnostics.contains { $0["code"] as? String == "RB011" }, "`ower` is read as `owner`: no missing-owner finding")
        let first = try #require(diagnostics.first { $0["code"] as? String == "RB2002" })
        #expect(first["code"] as? String == "RB2002")
        #expect(first["line"] as? Int == 4)
        #expect(first["column"] as? Int == 3)
        #expect(first["endColumn"] as? Int == 7)
        #expect(first["help"] as? String == "did you mean `owner`?")
        #expect(run.stderr.isEmpty, "JSON mode keeps stderr quiet")
    }

    @Test func colourOnlyWhenAskedAndNeverWithNoColor() throws {
        let plain = try TestSupport.rbc(["check", "examples/broken/empty-steps.yaml"])
        #expect(!plain.stdout.contains("\u{1B}["), "stdout is a pipe: no colour")
        let forced = try TestSupport.rbc(["check", "--color", "always", "examples/broken/empty-steps.yaml"])
        #expect(forced.stdout.contains("\u{1B}[31m"))
        let never = try TestSupport.rbc(["check", "--color", "never", "examples/broken/empty-steps.yaml"], environment: ["TERM": "xterm"])
        #expect(!never.stdout.contains("\u{1B}["))
    }

    @Test func compileWritesValidIRToStdoutOrFile() throws {
        let run = try TestSupport.rbc(["compile", "examples/api-gateway-rate-limit.yaml"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["irVersion"] as? String == "rbc.ir/v1")
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("ir.json").path
        let toFile = try TestSupport.rbc(["compile", "examples/api-gateway-rate-limit.yaml", "-o", out])
        #expect(toFile.status == 0)
        #expect(toFile.stdout.isEmpty)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == run.stdout)
    }

    @Test func compileRefusesRunbooksWithErrors() throws {
        let run = try TestSupport.rbc(["compile", "examples/broken/bad-durations.yaml"])
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty, "no IR for a broken runbook")
        #expect(run.stderr.contains("error[RB2007]"))
        let missing = try TestSupport.rbc(["compile", "nope.yaml"])
        #expect(missing.status == 2)
    }

    @Test func versionAndHelp() throws {
        let version = try TestSupport.rbc(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout == "0.1.0\n")
        for command in [[], ["check"], ["compile"]] {
            let help = try TestSupport.rbc(command + ["--help"])
            #expect(help.status == 0)
            #expect(help.stdout.contains("Examples:"), "help of \(command) shows examples")
        }
    }

    /// Every runbook file named in a help text's examples exists, so a new user can paste it.
    @Test func helpExamplesNameFilesThatExist() throws {
        let commands = [[], ["check"], ["compile"], ["plan"], ["run"], ["rollback"], ["resume"], ["timeline"]]
        let pattern = try Regex(#"[A-Za-z0-9_./-]+\.(ya?ml|md)\b"#)
        var named = 0
        for command in commands {
            let help = try TestSupport.rbc(command + ["--help"]).stdout
            for fullLine in help.split(separator: "\n") where fullLine.contains("rbc ") {
                // Runbooks only: what follows `>` or `-o` is a file the example writes, and a params
                // file is the user's own.
                let line = (fullLine.split(separator: ">").first.map { $0.components(separatedBy: " -o ")[0] } ?? "")
                    .replacing(try Regex(#"--params-file \S+"#), with: "")
                for match in line.matches(of: pattern) where !line[match.range].hasPrefix(".rbc") {
                    let file = String(line[match.range])
                    named += 1
                    #expect(FileManager.default.fileExists(atPath: TestSupport.path(file)),
                            "`rbc \(command.joined(separator: " ")) --help` names \(file), which does not exist")
                }
            }
        }
        #expect(named > 0)
    }
}
