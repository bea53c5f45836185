// The JSON Schemas hold: every example validates against schema/runbook.schema.json, every compiled IR
// against schema/ir.schema.json (with check-jsonschema, a real validator), and the schema names every
// key the type checker accepts.

import Foundation
import RunbookDriver
import RunbookSema
import RunbookSource
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

    /// Every `location` in `rbc compile`'s IR carries the bytes it was built from (`start`, `end`),
    /// and they agree with its `line` and `column`: a consumer reads the range instead of guessing it.
    @Test func compiledIRLocationsCarryTheirByteRange() throws {
        var locations = 0
        var substitutions = 0
        var params = 0
        for name in TestSupport.files(in: "examples", extension: "yaml") + TestSupport.files(in: "examples", extension: "md") {
            let path = "examples/\(name)"
            let run = try TestSupport.rbc(["compile", path])
            #expect(run.status == 0, "\(run.stderr)")
            let ir = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
            let file = SourceFile(path: path, text: try String(contentsOfFile: TestSupport.path(path), encoding: .utf8))
            func visit(_ value: Any) throws {
                if let array = value as? [Any] { for item in array { try visit(item) } }
                guard let object = value as? [String: Any] else { return }
                if let location = object["location"] as? [String: Any] {
                    locations += 1
                    let start = try #require(location["start"] as? Int, "\(path): \(location) has no start")
                    let end = try #require(location["end"] as? Int, "\(path): \(location) has no end")
                    let line = try #require(location["line"] as? Int), column = try #require(location["column"] as? Int)
                    #expect(location["file"] as? String == path)
                    #expect(0 <= start && start < end && end <= file.bytes.count, "\(path): \(location)")
                    #expect(file.offset(line: line, column: column) == start, "\(path): \(location): line and column are not where start is")
                    let text = String(decoding: file.bytes[min(start, file.bytes.count)..<min(max(start, end), file.bytes.count)], as: UTF8.self)
                    if object["expression"] != nil {
                        substitutions += 1
                        #expect(text.hasPrefix("${{") && text.hasSuffix("}}"), "\(path): a substitution's range is `\(text)`")
                    } else if let param = object["name"] as? String, object["type"] != nil, object["secret"] != nil {
                        params += 1
                        #expect(text == param, "\(path): parameter `\(param)`'s range is `\(text)`")
                    }
                }
                for (key, child) in object where key != "location" { try visit(child) }
            }
            try visit(ir)
        }
        #expect(locations > 100 && substitutions > 10 && params > 5, "\(locations) locations, \(substitutions) substitutions, \(params) parameters")
    }

    /// The offsets are an addition to rbc.ir/v1: an IR written before them still validates, and a
    /// location with half a range does not.
    @Test func irWithoutOffsetsStillValidatesAndHalfARangeDoesNot() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let journal = try String(contentsOfFile: TestSupport.path("Tests/RunbookTests/Fixtures/journals/rollback-failed-v1.jsonl"), encoding: .utf8)
        let started = try #require(journal.split(separator: "\n").first)
        let event = try #require(try JSONSerialization.jsonObject(with: Data(started.utf8)) as? [String: Any])
        let old = try #require(event["ir"] as? [String: Any])
        var params = try #require(old["params"] as? [[String: Any]])
        var location = try #require(params[0]["location"] as? [String: Any])
        #expect(location["start"] == nil && location["end"] == nil, "the fixture is an IR written before the offsets")
        let oldFile = dir.appendingPathComponent("old.json")
        try JSONSerialization.data(withJSONObject: old).write(to: oldFile)
        #expect(try Self.validate(schema: "schema/ir.schema.json", files: [oldFile.path]).status == 0)
        // The same IR decoded and written by this rbc is unchanged: a location without offsets stays so.
        let decoded = try JSONDecoder().decode(RunbookIR.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(decoded.params.allSatisfy { $0.location?.range == nil })
        var half = old
        location["start"] = 0
        params[0]["location"] = location
        half["params"] = params
        let halfFile = dir.appendingPathComponent("half.json")
        try JSONSerialization.data(withJSONObject: half).write(to: halfFile)
        #expect(try Self.validate(schema: "schema/ir.schema.json", files: [halfFile.path]).status == 1)
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
