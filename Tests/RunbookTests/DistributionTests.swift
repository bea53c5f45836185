// Installing rbc without Swift: the .deb that `make dist` builds (Swift runtime linked statically),
// the pre-commit variant that uses an installed rbc, and the GitHub Action. Each is exercised the
// way a user meets it: the package's files are unpacked into an empty root and its binary runs
// there; pre-commit clones a hooks repository and runs the hook; the Action's script runs with the
// environment a runner gives it, and action.yml validates against the Actions schema.

import Foundation
import Testing
import Yams

@Suite struct DistributionTests {
    /// The package `make test` builds through `make dist`. Missing it is a failure, not a skip:
    /// `swift test` alone cannot build a static release binary, `make test` does.
    static func debianPackage() throws -> String {
        let path = try #require(ProcessInfo.processInfo.environment["RBC_DEB"],
                                "RBC_DEB is not set: run the suite with `make test`, which builds the .deb first")
        try #require(FileManager.default.fileExists(atPath: path), "no package at \(path): run `make dist`")
        return path
    }

    /// Runs a program with exactly the given environment (nothing inherited), returning status and
    /// the combined output.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], in directory: String,
                    environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    static let plainEnvironment = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "LANG": "C.UTF-8"]

    @Test func debianPackageHasTheBinaryCompletionsAndDebianDependenciesOnly() throws {
        let deb = try Self.debianPackage()
        let contents = try Self.run("/usr/bin/dpkg-deb", ["--contents", deb], in: "/", environment: Self.plainEnvironment)
        #expect(contents.status == 0, "\(contents.output)")
        for file in ["./usr/bin/rbc", "./usr/share/bash-completion/completions/rbc",
                     "./usr/share/zsh/vendor-completions/_rbc", "./usr/share/fish/vendor_completions.d/rbc.fish"] {
            #expect(contents.output.contains(file), "\(file) missing from the package:\n\(contents.output)")
        }
        let depends = try Self.run("/usr/bin/dpkg-deb", ["--field", deb, "Depends"], in: "/", environment: Self.plainEnvironment)
        #expect(!depends.output.lowercased().contains("swift"), "the Swift runtime must be inside the binary: \(depends.output)")
        // Every dependency is a Debian package that exists (it is installed here, where rbc was built).
        let packages = depends.output.split(separator: ",").map { $0.split(separator: " ").first.map(String.init) ?? "" }
        // libgit2 and libcurl are opened on first use, not linked: the package names them all the same.
        #expect(packages.contains { $0.hasPrefix("libgit2") } && packages.contains { $0.hasPrefix("libcmark-gfm") }
                && packages.contains { $0.hasPrefix("libcurl") })
        for package in packages {
            let status = try Self.run("/usr/bin/dpkg-query", ["-W", "-f=${Status}", package], in: "/", environment: Self.plainEnvironment)
            #expect(status.output.contains("installed"), "dependency \(package) is not a Debian package here: \(status.output)")
        }
    }

    @Test func packagedBinaryRunsWithoutSwiftOnTheExamples() throws {
        let deb = try Self.debianPackage()
        let root = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let unpack = try Self.run("/usr/bin/dpkg-deb", ["-x", deb, root.path], in: "/", environment: Self.plainEnvironment)
        #expect(unpack.status == 0, "\(unpack.output)")
        let binary = root.appendingPathComponent("usr/bin/rbc").path
        let needed = try Self.run("/usr/bin/objdump", ["-p", binary], in: "/", environment: Self.plainEnvironment)
        #expect(needed.output.contains("NEEDED"))
        #expect(!needed.output.contains("libswift") && !needed.output.contains("libFoundation"),
                "the packaged binary must not need the Swift runtime:\n\(needed.output)")
        // No LD_LIBRARY_PATH, no Swift toolchain on PATH: what a fresh Debian machine has.
        let version = try Self.run(binary, ["--version"], in: root.path, environment: Self.plainEnvironment)
        #expect(version.status == 0 && !version.output.isEmpty, "\(version.output)")
        let check = try Self.run(binary, ["check", TestSupport.path("examples"), "--no-git", "--no-shellcheck"],
                                 in: TestSupport.root.path, environment: Self.plainEnvironment)
        #expect(check.status == 0, "\(check.output)")
        let broken = try Self.run(binary, ["check", TestSupport.path("examples/broken"), "--no-git", "--no-shellcheck"],
                                  in: TestSupport.root.path, environment: Self.plainEnvironment)
        #expect(broken.status == 1 && broken.output.contains("error[RB2002]"), "\(broken.output)")
        // The bash completion the package installs is valid bash and knows the subcommands.
        let completion = root.appendingPathComponent("usr/share/bash-completion/completions/rbc").path
        let syntax = try Self.run("/bin/bash", ["-n", completion], in: "/", environment: Self.plainEnvironment)
        #expect(syntax.status == 0, "\(syntax.output)")
        let script = try String(contentsOfFile: completion, encoding: .utf8)
        #expect(script.contains("check") && script.contains("rollback"))
    }

    /// `make dist` on a machine with a large library cache: build-deb.sh looks libgit2 and libcurl up
    /// in `ldconfig -p`. A reader that stopped at the first match killed ldconfig with SIGPIPE, and
    /// under pipefail the script exited 141 (CI, where `ldconfig -p` is longer than here). The shim
    /// prints the real cache fifty times, so the writer is certainly still writing when the match is found.
    @Test func packageBuildSurvivesALibraryCacheLargerThanAPipe() throws {
        let deb = try Self.debianPackage()
        let root = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(try Self.run("/usr/bin/dpkg-deb", ["-x", deb, root.path], in: "/", environment: Self.plainEnvironment).status == 0)
        let ldconfig = ["/usr/sbin/ldconfig", "/sbin/ldconfig"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let realLdconfig = try #require(ldconfig, "no ldconfig on this machine")
        let shims = root.appendingPathComponent("shims")
        try FileManager.default.createDirectory(at: shims, withIntermediateDirectories: true)
        let shim = shims.appendingPathComponent("ldconfig")
        try "#!/bin/sh\ni=0\nwhile [ $i -lt 50 ]; do i=$((i + 1)); \(realLdconfig) -p; done\n"
            .write(to: shim, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: shim.path)
        var environment = Self.plainEnvironment
        environment["PATH"] = "\(shims.path):/usr/sbin:/sbin:/usr/bin:/bin"
        let output = root.appendingPathComponent("dist").path
        // make runs the script with SIGPIPE at its default action; this test process ignores it, and an
        // ignored signal is inherited across exec, so the default is restored for the script.
        let build = try Self.run("/usr/bin/env", ["--default-signal=PIPE", "/bin/bash", TestSupport.path("packaging/build-deb.sh"),
                                               root.appendingPathComponent("usr/bin/rbc").path, "0.0.0-test", output],
                                 in: TestSupport.root.path, environment: environment)
        #expect(build.status == 0, "build-deb.sh failed with \(build.status):\n\(build.output)")
        let architecture = try Self.architecture()
        #expect(FileManager.default.fileExists(atPath: output + "/rbc_0.0.0-test_\(architecture).deb"), "\(build.output)")
    }

    static func architecture() throws -> String {
        try run("/usr/bin/dpkg", ["--print-architecture"], in: "/", environment: plainEnvironment)
            .output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func actionDefinitionValidatesAgainstTheActionsSchema() throws {
        let validator = try #require(SchemaTests.validator, "check-jsonschema not installed: run `make test`")
        let result = try Self.run(validator, ["--builtin-schema", "vendor.github-actions", TestSupport.path("action.yml")],
                                  in: TestSupport.root.path, environment: ProcessInfo.processInfo.environment)
        #expect(result.status == 0, "\(result.output)")
    }

    /// The Action's check step, run as a runner would: `${{ inputs.x }}` appears only in the step's
    /// `env:`, so the script is run unchanged with those variables set.
    @Test func actionScriptAnnotatesFindingsWritesSarifAndNeverRunsInputs() throws {
        let action = try #require(try Yams.load(yaml: String(contentsOfFile: TestSupport.path("action.yml"), encoding: .utf8)) as? [String: Any])
        let steps = try #require((action["runs"] as? [String: Any])?["steps"] as? [[String: Any]])
        let check = try #require(steps.first { $0["id"] as? String == "check" })
        let script = try #require(check["run"] as? String)
        #expect(!script.contains("${{"), "inputs must reach the script through env only")
        let environmentTemplate = try #require(check["env"] as? [String: String])

        let scratch = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        func runAction(paths: String, sarif: String) throws -> (status: Int32, output: String, outputs: String) {
            let outputFile = scratch.appendingPathComponent("github-output-\(UUID().uuidString)").path
            try #require(FileManager.default.createFile(atPath: outputFile, contents: nil), "cannot create \(outputFile)")
            let inputs = ["paths": paths, "args": "--no-git --no-shellcheck", "sarif": sarif, "rbc": TestSupport.rbcBinary]
            var environment = Self.plainEnvironment
            environment["GITHUB_ACTION_PATH"] = TestSupport.root.path
            environment["GITHUB_OUTPUT"] = outputFile
            for (name, template) in environmentTemplate {
                let input = template.replacingOccurrences(of: "${{ inputs.", with: "").replacingOccurrences(of: " }}", with: "")
                let value: String = try #require(inputs[input], "unknown input in \(template)")
                environment[name] = value
            }
            let result = try Self.run("/bin/bash", ["-c", script], in: TestSupport.root.path, environment: environment)
            return (result.status, result.output, try String(contentsOfFile: outputFile, encoding: .utf8))
        }

        let clean = try runAction(paths: "examples", sarif: "")
        #expect(clean.status == 0, "\(clean.output)")
        #expect(clean.outputs.contains("exit-code=0"))

        let sarifPath = scratch.appendingPathComponent("rbc.sarif").path
        let broken = try runAction(paths: "examples/broken", sarif: sarifPath)
        #expect(broken.status == 1, "\(broken.output)")
        #expect(broken.output.contains("::error file=examples/broken/"), "\(broken.output)")
        #expect(broken.outputs.contains("exit-code=1"))
        let sarif = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sarifPath))) as? [String: Any]
        #expect(sarif?["version"] as? String == "2.1.0")

        // A hostile input stays data: no command runs, the path is simply missing (exit 2).
        let marker = scratch.appendingPathComponent("pwned").path
        let hostile = try runAction(paths: "examples; touch \(marker) $(touch \(marker))", sarif: "")
        #expect(!FileManager.default.fileExists(atPath: marker), "an input ran as code: \(hostile.output)")
        #expect(hostile.status == 2, "\(hostile.output)")
    }

    /// The `rbc-system` hook from a real clone of a hooks repository, with rbc found on PATH: the
    /// variant for teams that install the .deb instead of building with Swift.
    @Test(.timeLimit(.minutes(5)))
    func systemHookUsesTheInstalledRbc() throws {
        let scratch = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let preCommit = try PreCommitTests.preCommit(scratch: scratch)

        // The hooks repository: our .pre-commit-hooks.yaml, committed, as pre-commit clones it.
        let hooks = try TemporaryRepository()
        try hooks.write(".pre-commit-hooks.yaml", String(contentsOfFile: TestSupport.path(".pre-commit-hooks.yaml"), encoding: .utf8))
        try hooks.git("add", "-A")
        try hooks.git("commit", "-q", "-m", "hooks")
        let rev = try hooks.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)

        // rbc "installed": only a bin directory on PATH that holds it.
        let bin = scratch.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent("rbc").path, withDestinationPath: TestSupport.rbcBinary)

        let repo = try TemporaryRepository()
        try repo.write(".pre-commit-config.yaml", """
        repos:
          - repo: \(hooks.path)
            rev: \(rev)
            hooks:
              - id: rbc-system
                args: [--no-git]

        """)
        let environment = ["PRE_COMMIT_HOME": scratch.appendingPathComponent("cache").path, "HOME": repo.path,
                           "PATH": bin.path + ":/usr/bin:/bin",
                           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
                           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"]
        let install = try PreCommitTests.run(preCommit, ["install"], in: repo.path, environment: environment)
        #expect(install.0 == 0, "\(install.1)")
        func commit(_ message: String) throws -> (Int32, String) {
            try repo.git("add", "-A")
            return try PreCommitTests.run("/usr/bin/env", ["git", "commit", "-m", message], in: repo.path, environment: environment)
        }
        try repo.write("runbooks/good.yaml", GitFixtures.runbook())
        let good = try commit("a good runbook")
        #expect(good.0 == 0, "\(good.1)")
        #expect(good.1.contains("installed rbc") && good.1.contains("Passed"), "\(good.1)")
        try repo.write("runbooks/bad.yaml", "runbook:\n  name: \"Broken\"\n  severity: P1\n  steps:\n    - id: a\n      action: execute_command\n      comand: \"true\"\n")
        let bad = try commit("a broken runbook")
        #expect(bad.0 != 0, "the commit must be blocked: \(bad.1)")
        #expect(bad.1.contains("did you mean `command`?"), "\(bad.1)")
    }
}
