// Golden files: every broken example and diagnostics fixture renders exactly as recorded, and
// every clean example compiles with no diagnostics to the recorded IR.

import Foundation
import RunbookDriver
import RunbookSema
import Testing

@Suite struct GoldenDiagnosticsTests {
    static let brokenExamples = TestSupport.files(in: "examples/broken", extension: "yaml") + TestSupport.files(in: "examples/broken", extension: "md")
    static let fixtures = TestSupport.files(in: "Tests/RunbookTests/Fixtures/diagnostics", extension: "yaml")
        + TestSupport.files(in: "Tests/RunbookTests/Fixtures/diagnostics", extension: "md")
    static let cleanExamples = TestSupport.files(in: "examples", extension: "yaml") + TestSupport.files(in: "examples", extension: "md")

    @Test func corporaAreNotEmpty() {
        #expect(Self.brokenExamples.count >= 8)
        #expect(Self.cleanExamples.count >= 5)
        #expect(Self.fixtures.count >= 5)
    }

    /// The whole check (compile, lint, ShellCheck, suppressions) as `rbc check FILE --now 2026-11-22` prints it.
    @Test(arguments: brokenExamples)
    func brokenExample(_ name: String) {
        let relative = "examples/broken/\(name)"
        var options = CheckOptions()
        options.today = "2026-11-22"
        let report = CheckSession.run(paths: [relative], options: options, configuration: Configuration.discover(from: TestSupport.root.path))
        #expect(report.errorCount > 0, "\(relative) is meant to be broken")
        TestSupport.assertGolden(TestSupport.rendered(report.diagnostics),
                                 "Tests/RunbookTests/Golden/broken/\((name as NSString).deletingPathExtension).expected")
    }

    @Test(arguments: fixtures)
    func diagnosticsFixture(_ name: String) {
        let relative = "Tests/RunbookTests/Fixtures/diagnostics/\(name)"
        let result = Compiler.compile(path: TestSupport.path(relative), displayPath: name)
        #expect(!result.diagnostics.isEmpty, "\(name) should produce diagnostics")
        TestSupport.assertGolden(TestSupport.rendered(result.diagnostics),
                                 "Tests/RunbookTests/Fixtures/diagnostics/\((name as NSString).deletingPathExtension).expected")
    }

    @Test(arguments: cleanExamples)
    func cleanExampleCompilesToRecordedIR(_ name: String) throws {
        let relative = "examples/\(name)"
        let result = Compiler.compile(path: TestSupport.path(relative), displayPath: relative)
        #expect(result.diagnostics.isEmpty, "\(relative):\n\(TestSupport.rendered(result.diagnostics))")
        let ir = try #require(result.ir)
        let json = String(decoding: try ir.jsonData(), as: UTF8.self)
        TestSupport.assertGolden(json, "Tests/RunbookTests/Golden/ir/\(name).json")
    }

    @Test func irIsDeterministicAndHashIgnoresLocations() throws {
        let first = try #require(Compiler.compile(path: TestSupport.path("examples/node-disk-full.yaml")).ir)
        let second = try #require(Compiler.compile(path: TestSupport.path("examples/node-disk-full.yaml")).ir)
        #expect(try first.jsonData() == second.jsonData())
        // The same runbook shifted down by comment lines means the same thing: same content hash.
        let text = try String(contentsOfFile: TestSupport.path("examples/node-disk-full.yaml"), encoding: .utf8)
        let shifted = try #require(TestSupport.compile("# moved\n# down\n" + text, path: "elsewhere.yaml").ir)
        #expect(shifted.contentHash == first.contentHash)
        #expect(shifted.steps[0].location != first.steps[0].location)
        #expect(shifted.source?.sha256 != first.source?.sha256)
    }

    /// A golden mismatch says which lines differ (not two walls of text), and ShellCheck's wording,
    /// which changes between its versions, is compared by code only.
    @Test func aMismatchShowsTheChangedLinesAndShellCheckTextIsMasked() {
        let golden = "a.yaml:1:1: error[RB2002] one\na.yaml:2:1: error[RB2003] two\na.yaml:3:1: info[RB003] three\n"
        let actual = "a.yaml:1:1: error[RB2002] one\na.yaml:2:1: error[RB2003] TWO\na.yaml:3:1: info[RB003] three\n"
        #expect(TestSupport.lineDiff(golden, actual) == "-2: a.yaml:2:1: error[RB2003] two\n+2: a.yaml:2:1: error[RB2003] TWO")
        #expect(TestSupport.lineDiff(golden, golden).isEmpty)
        let older = "r.yaml:9:5: warning[RB016] SC2086: Double quote to prevent globbing and word splitting. (in step `scale`)"
        let newer = "r.yaml:9:5: warning[RB016] SC2086: Double quote to prevent globbing and splitting (in step `scale`)"
        #expect(TestSupport.maskingShellCheckText(older) == "r.yaml:9:5: warning[RB016] SC2086: <ShellCheck's text> (in step `scale`)")
        #expect(TestSupport.maskingShellCheckText(older) == TestSupport.maskingShellCheckText(newer))
        #expect(TestSupport.maskingShellCheckText(older.replacingOccurrences(of: "SC2086", with: "SC2046"))
                != TestSupport.maskingShellCheckText(newer), "the code still counts")
    }
}
