// rbc under the real pre-commit framework (from PyPI, in a virtualenv): a commit with a broken
// runbook is blocked, a good one and a non-runbook YAML file pass. The hook comes from our own
// .pre-commit-hooks.yaml, so the test cannot drift from what users install.

import Foundation
import Testing

@Suite struct PreCommitTests {
    /// pre-commit from the Makefile's virtualenv; without it, a temporary virtualenv installs it from PyPI.
    static func preCommit(scratch: URL) throws -> String {
        if let path = ProcessInfo.processInfo.environment["RBC_PRE_COMMIT"], FileManager.default.isExecutableFile(atPath: path) { return path }
        let local = TestSupport.path(".build/venv/bin/pre-commit")
        if FileManager.default.isExecutableFile(atPath: local) { return local }
        let venv = scratch.appendingPathComponent("venv").path
        _ = try run("/usr/bin/env", ["python3", "-m", "venv", venv], in: scratch.path)
        _ = try run(venv + "/bin/pip", ["install", "-q", "pre-commit"], in: scratch.path)
        return venv + "/bin/pre-commit"
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], in directory: String, environment: [String: String] = [:]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func hookDefinitionValidatesAgainstTheSchema() throws {
        let schema = try TestSupport.sharedCorpora().appendingPathComponent("schemas/pre-commit-hooks.json")
        let validator = try #require(SchemaTests.validator, "check-jsonschema not installed: run `make test`")
        let (status, output) = try Self.run(validator, ["--schemafile", schema.path, TestSupport.path(".pre-commit-hooks.yaml")], in: TestSupport.root.path)
        #expect(status == 0, "\(output)")
    }

    @Test(.timeLimit(.minutes(5)))
    func commitsAreBlockedOrAccepted() throws {
        let repo = try TemporaryRepository()
        let scratch = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let preCommit = try Self.preCommit(scratch: scratch)
        // The hook as users install it, run from this build instead of a pre-commit-built copy.
        let hooks = try String(contentsOfFile: TestSupport.path(".pre-commit-hooks.yaml"), encoding: .utf8)
        let entry = try #require(hooks.split(separator: "\n").first { $0.hasPrefix("  entry: ") }).dropFirst("  entry: ".count)
        let files = try #require(hooks.split(separator: "\n").first { $0.hasPrefix("  files: ") }).dropFirst("  files: ".count)
        let types = try #require(hooks.split(separator: "\n").first { $0.hasPrefix("  types_or: ") }).dropFirst("  types_or: ".count)
        #expect(entry.hasPrefix("rbc check"))
        let command = TestSupport.rbcBinary + String(entry.dropFirst(3)) + " --no-git"
        try repo.write(".pre-commit-config.yaml", """
        repos:
          - repo: local
            hooks:
              - id: rbc
                name: rbc
                entry: \(command)
                language: unsupported
                files: '\(files)'
                types_or: \(types)

        """)
        let environment = ["PRE_COMMIT_HOME": scratch.appendingPathComponent("cache").path, "HOME": repo.path,
                           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
                           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"]
        let install = try Self.run(preCommit, ["install"], in: repo.path, environment: environment)
        #expect(install.0 == 0, "\(install.1)")
        func commit(_ message: String) throws -> (Int32, String) {
            try repo.git("add", "-A")
            return try Self.run("/usr/bin/env", ["git", "commit", "-m", message], in: repo.path, environment: environment)
        }
        try repo.write("runbooks/good.yaml", GitFixtures.runbook())
        try repo.write("deploy/manifest.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
        let good = try commit("a good runbook and a manifest")
        #expect(good.0 == 0, "\(good.1)")
        #expect(good.1.contains("rbc") && good.1.contains("Passed"))
        try repo.write("runbooks/bad.yaml", "runbook:\n  name: \"Broken\"\n  severity: P5\n  steps:\n    - id: a\n      action: execute_command\n      comand: \"true\"\n")
        let bad = try commit("a broken runbook")
        #expect(bad.0 != 0, "the commit must be blocked: \(bad.1)")
        #expect(bad.1.contains("runbooks/bad.yaml:3:13: error[RB2005]: unknown severity `P5`"), "\(bad.1)")
        #expect(bad.1.contains("did you mean `command`?"))
        let log = try repo.git("log", "--oneline")
        #expect(log.split(separator: "\n").count == 1, "only the good commit landed")

        // Incident records are checked too; other JSON Lines files pass through untouched.
        try repo.git("rm", "-q", "--cached", "runbooks/bad.yaml")
        try FileManager.default.removeItem(atPath: repo.path + "/runbooks/bad.yaml")
        let declare = try TestSupport.rbc(["incident", "declare", "--severity", "SEV2", "--title", "Checkout failure",
                                           "--by", "alice"], in: repo.path)
        #expect(declare.status == 0, "\(declare.stderr)")
        try repo.write("data/events.jsonl", "{\"not\": \"an incident\"}\n")
        let record = try #require(try FileManager.default.contentsOfDirectory(atPath: repo.path + "/incidents").first { $0.hasSuffix(".jsonl") })
        let declared = try commit("an incident record and a data file")
        #expect(declared.0 == 0, "\(declared.1)")
        let recordPath = repo.path + "/incidents/" + record
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: recordPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"seq\": 2, \"event\": \"status\", \"by\": \"alice\"}\n".utf8))
        try handle.close()
        let broken = try commit("an incident event without a time")
        #expect(broken.0 != 0, "the commit must be blocked: \(broken.1)")
        #expect(broken.1.contains("incidents/\(record):2:1: error[RB4001]"), "\(broken.1)")
        #expect(!broken.1.contains("data/events.jsonl"), "\(broken.1)")
    }
}
