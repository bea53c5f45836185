// Bad input never crashes or hangs: each case gets a clear diagnostic with a position inside the file.

import Foundation
import RunbookDriver
import RunbookSource
import Testing

@Suite struct BadInputTests {
    static func check(_ bytes: [UInt8], name: String = "input.yaml") -> CompilationResult {
        Compiler.compile(path: name, bytes: bytes)
    }

    static func codes(_ text: String) -> [String] { check(Array(text.utf8)).diagnostics.map(\.code.id) }

    /// Every diagnostic with a position points inside the file.
    static func assertInRange(_ result: CompilationResult, sourceLocation: SourceLocation = #_sourceLocation) {
        for diagnostic in result.diagnostics {
            guard let file = diagnostic.file, let range = diagnostic.range else { continue }
            #expect(TestSupport.isValidRange(range, in: file), "\(diagnostic.code.id) at \(range.start)..<\(range.end) of \(file.bytes.count) bytes",
                    sourceLocation: sourceLocation)
        }
    }

    @Test func notYAMLAtAll() {
        let result = Self.check(Array("runbook: [unclosed, \"flow\n  steps: {\n".utf8))
        #expect(result.diagnostics.map(\.code.id) == ["RB1001"])
        Self.assertInRange(result)
    }

    @Test func binaryData() {
        #expect(Self.check([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x00, 0x00]).diagnostics.map(\.code.id) == ["RB0002"])
        #expect(Self.check([0xFF, 0xFE, 0x72, 0x00]).diagnostics.map(\.code.id) == ["RB0002"])
    }

    @Test func invalidUTF8PointsAtTheByte() throws {
        let result = Self.check(Array("runbook:\n  name: \"caf".utf8) + [0xE9] + Array("\"\n".utf8))
        let diagnostic = try #require(result.diagnostics.first)
        #expect(diagnostic.code.id == "RB0003")
        #expect(diagnostic.start == LineColumn(line: 2, column: 13))
    }

    @Test func emptyAndCommentOnlyFiles() {
        #expect(Self.codes("") == ["RB0007"])
        #expect(Self.codes("# nothing here\n\n") == ["RB0007"])
        #expect(Self.codes("---\n...\n") == ["RB0007"])
    }

    /// Some other file, not a broken runbook: the same RB0006 as a mapping without `runbook:`.
    @Test func rootIsAListOrAScalar() {
        #expect(Self.codes("- a\n- b\n") == ["RB0006"])
        #expect(Self.codes("just text\n") == ["RB0006"])
        #expect(Self.codes("42\n") == ["RB0006"])
        #expect(Self.codes("runbok:\n  name: x\n") == ["RB2001"])
    }

    @Test func tenMegabyteFileIsRefused() {
        let big = Array("runbook:\n  description: \"".utf8) + [UInt8](repeating: 0x61, count: 10 * 1024 * 1024)
        #expect(Self.check(big).diagnostics.map(\.code.id) == ["RB0004"])
    }

    @Test func tenThousandDeepNesting() {
        let flow = "runbook: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let flowResult = Self.check(Array(flow.utf8))
        // Said as for block nesting, not as libyaml's "Maximum nesting level reached, set with yaml_set_max_nest_level()".
        #expect(flowResult.diagnostics.map(\.code.id) == ["RB1003"], "\(flowResult.diagnostics.map(\.message))")
        #expect(!flowResult.diagnostics.contains { $0.message.contains("yaml_set_max_nest_level") })
        Self.assertInRange(flowResult)
        let block = "runbook:\n  " + String(repeating: "- ", count: 10_000) + "x\n"
        let blockResult = Self.check(Array(block.utf8))
        #expect(blockResult.diagnostics.map(\.code.id) == ["RB1003"])
    }

    @Test func aliasBomb() {
        var lines = ["a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]"]
        for (name, previous) in zip(["b", "c", "d", "e", "f", "g", "h", "i"], ["a", "b", "c", "d", "e", "f", "g", "h"]) {
            lines.append("\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]")
        }
        lines.append("runbook: *i")
        let result = Self.check(Array(lines.joined(separator: "\n").utf8))
        #expect(result.diagnostics.map(\.code.id) == ["RB1004"])
        Self.assertInRange(result)
    }

    @Test func stepThatIsAString() {
        #expect(Self.codes("runbook:\n  name: x\n  severity: P2\n  steps:\n    - restart the api\n") == ["RB2003"])
    }

    @Test(arguments: [("-5s", "RB2007"), ("5 minutes", "RB2006"), ("99999d", "RB2007"), ("30", "RB2006"), ("0s", "RB2007"),
                      ("999999999999999999d", "RB2007"), ("1m30h", "RB2006"), ("", "RB2003")])
    func badTimeouts(_ timeout: String, _ code: String) {
        let text = "runbook:\n  name: x\n  severity: P2\n  steps:\n    - id: a\n      action: wait\n      duration: 5s\n      timeout: \(timeout)\n"
        #expect(Self.codes(text) == [code], "timeout: \(timeout)")
    }

    @Test func everyPrefixOfAnExampleIsDiagnosedWithoutCrashing() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestSupport.path("examples/kube-pod-crashlooping.yaml"))))
        for length in stride(from: 0, to: bytes.count, by: 7) {
            let result = Self.check(Array(bytes[0..<length]))
            Self.assertInRange(result)
        }
    }

    @Test func crlfAndLoneCRLineEndsKeepLinesRight() throws {
        let crlf = Self.check(Array("runbook:\r\n  name: x\r\n  severity: P7\r\n".utf8))
        #expect(crlf.diagnostics.first { $0.code.id == "RB2005" }?.start == LineColumn(line: 3, column: 13))
    }
}

/// `.rbc.yaml` entries read for the keys they know: a misspelt key beside them, or a list written as
/// one value, was dropped without a word (a webhook's `fromat: slack` posted JSON to Slack; a
/// `shellcheck: {exclude: SC2086}` excluded nothing).
@Suite struct ConfigurationBadInputTests {
    static func diagnostics(_ text: String) -> [(code: String, message: String, help: String?)] {
        Configuration.load(path: "/nonexistent/.rbc.yaml", directory: "/nonexistent", text: text).1.map { ($0.code.id, $0.message, $0.help) }
    }

    @Test(arguments: [
        ("notifications: {url: \"https://hooks.example.org/x\", fromat: slack}\n", "unknown key `fromat` in `notifications`", "did you mean `format`?"),
        ("tickets: {url: \"https://t.example.org/\", formt: json}\n", "unknown key `formt` in `tickets`", "did you mean `format`?"),
        ("stores:\n  default: {file: flags.json, fiel: other.json}\n", "unknown key `fiel` in store `default`", "did you mean `file`?"),
        ("alerts:\n  runbook_urls:\n    - {base_url: \"https://r.example.org/\", directory: docs, base_ulr: x}\n",
         "unknown key `base_ulr` in a `runbook_urls` entry", "did you mean `base_url`?"),
        ("incidents:\n  escalation:\n    P2: {after: 4h, to: P1, too: P0}\n", "unknown key `too` in the escalation of P2", "did you mean `to`?"),
    ])
    func aMisspeltKeyInAnEntrySaysWhatItMeant(_ text: String, _ message: String, _ help: String) {
        let found = Self.diagnostics(text)
        #expect(found.contains { $0.code == "RB0010" && $0.message == message && $0.help == help }, "\(found)")
    }

    @Test(arguments: [
        ("shellcheck: {exclude: SC2086}\n", "`exclude` must be a list of ShellCheck codes, found a string"),
        ("alerts:\n  runbook_urls: {base_url: \"https://r.example.org/\", directory: docs}\n",
         "`runbook_urls` must be a list of `{base_url, directory}` entries, found a mapping"),
    ])
    func aListWrittenAsOneValueIsATypeMismatch(_ text: String, _ message: String) {
        let found = Self.diagnostics(text)
        #expect(found.contains { $0.code == "RB0011" && $0.message == message }, "\(found)")
    }

    @Test func wellFormedEntriesSayNothing() {
        let text = """
            notifications: {url: "https://hooks.example.org/x", format: slack}
            stores: {default: {file: flags.json}}
            shellcheck: {exclude: [SC2086]}
            alerts: {runbook_urls: [{base_url: "https://r.example.org/", directory: docs}]}
            incidents: {escalation: {P2: {after: 4h, to: P1}, P3: off}}

            """
        #expect(Self.diagnostics(text).isEmpty, "\(Self.diagnostics(text))")
    }
}
