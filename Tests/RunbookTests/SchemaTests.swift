// The JSON Schemas hold: every example validates against schema/runbook.schema.json, every compiled IR
// against schema/ir.schema.json (with check-jsonschema, a real validator), and the schema names every
// key the type checker accepts.

import Foundation
import RunbookDriver
import RunbookSema
import Testing

@Suite struct SchemaTests {
    /// check-jsonschema from the Makefile's virtualenv (or PATH). Missing it is a failure in CI.
    static var validator: String? {
        if let path = ProcessInfo.processInfo.environment["RBC_CHECK_JSONSCHEMA"], FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        let local = TestSupport.path(".build/venv/bin/check-jsonschema")
        return FileManager.default.isExecutableFile(atPath: local) ? local : nil
    }

    static func validate(schema: String, files: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(validator, "check-jsonschema not installed: run `make test`"))
        process.arguments = ["--schemafile", TestSupport.path(schema)] + files
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func examplesValidateAgainstTheRunbookSchema() throws {
        let files = TestSupport.files(in: "examples", extension: "yaml").map { TestSupport.path("examples/\($0)") }
        let result = try Self.validate(schema: "schema/runbook.schema.json", files: files)
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func schemaRejectsBrokenExamples() throws {
        for name in ["unknown-keys.yaml", "wrong-types.yaml", "bad-durations.yaml", "empty-steps.yaml", "invalid-rollback.yaml"] {
            let result = try Self.validate(schema: "schema/runbook.schema.json", files: [TestSupport.path("examples/broken/\(name)")])
            #expect(result.status == 1, "schema accepted broken \(name)")
        }
    }

    @Test func compiledIRValidatesAgainstTheIRSchema() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [String] = []
        for name in TestSupport.files(in: "examples", extension: "yaml") + TestSupport.files(in: "examples", extension: "md") {
            let ir = try #require(Compiler.compile(path: TestSupport.path("examples/\(name)")).ir)
            let out = dir.appendingPathComponent(name + ".json")
            try ir.jsonData().write(to: out)
            files.append(out.path)
        }
        let result = try Self.validate(schema: "schema/ir.schema.json", files: files)
        #expect(result.status == 0, "\(result.output)")
    }

    /// Every key the type checker accepts is in the schema, so editors never flag valid runbooks.
    @Test func schemaNamesEveryLanguageKey() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestSupport.path("schema/runbook.schema.json")))
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let definitions = try #require(schema["definitions"] as? [String: Any])
        func properties(_ name: String) throws -> Set<String> {
            let definition = try #require(definitions[name] as? [String: Any], "definition \(name)")
            if let props = definition["properties"] as? [String: Any] { return Set(props.keys) }
            let options = try #require(definition["oneOf"] as? [[String: Any]])
            return Set(options.compactMap { $0["properties"] as? [String: Any] }.flatMap(\.keys))
        }
        #expect(Set(LanguageKeys.runbook).isSubset(of: try properties("runbook")))
        #expect(Set(LanguageKeys.stepCommon + LanguageKeys.allActionFields).isSubset(of: try properties("step")))
        #expect(Set(LanguageKeys.rollbackCommon + LanguageKeys.allActionFields).isSubset(of: try properties("rollback")))
        #expect(Set(LanguageKeys.trigger).isSubset(of: try properties("trigger")))
        #expect(Set(LanguageKeys.param).isSubset(of: try properties("param")))
        #expect(Set(LanguageKeys.retries).isSubset(of: try properties("retries")))
        #expect(Set(LanguageKeys.expect).isSubset(of: try properties("expect")))
        let actionEnum = try #require(((definitions["step"] as? [String: Any])?["properties"] as? [String: Any])?["action"] as? [String: Any])
        #expect(Set(actionEnum["enum"] as? [String] ?? []) == Set(ActionKind.allCases.map(\.rawValue)))
    }
}
