// Every rule's examples are its tests: a triggering example reports exactly the ranges its `↓`…`↑` marks enclose, a
// non-triggering one reports nothing (SwiftLint's habit: the documentation cannot drift from the code).

import Foundation
import RunbookDriver
import RunbookLint
import RunbookSource
import Testing

struct RuleCase: CustomTestStringConvertible, Sendable {
    let rule: RuleDescription
    let example: RuleExample
    let triggers: Bool
    let number: Int

    var testDescription: String { "\(rule.id) \(triggers ? "triggering" : "non-triggering") #\(number)" }

    static var all: [RuleCase] {
        RuleRegistry.descriptions.filter { $0.requires != .alertRules }.flatMap { rule in
            rule.triggering.enumerated().map { RuleCase(rule: rule, example: $1, triggers: true, number: $0 + 1) }
                + rule.nonTriggering.enumerated().map { RuleCase(rule: rule, example: $1, triggers: false, number: $0 + 1) }
        }
    }
}

@Suite struct RuleExampleTests {
    /// The example's text without marks, and the byte ranges its `↓`…`↑` pairs mark.
    static func strip(_ source: String) -> (String, [Range<Int>]) {
        let marked = RuleExample(source).marked
        return (marked.text, marked.ranges)
    }

    @Test(arguments: RuleCase.all)
    func example(_ testCase: RuleCase) throws {
        let marked = testCase.example.marked
        #expect(marked.isWellFormed, "every ↓ is closed by one ↑ before the next ↓")
        let text = marked.text
        let result = Compiler.compile(SourceFile(path: testCase.example.isMarkdown ? "example.md" : "example.yaml", text: text))
        #expect(!result.hasErrors, "the example must compile:\n\(TestSupport.rendered(result.diagnostics))")
        let ir = try #require(result.ir)
        let syntax = try #require(result.syntax)
        let context = LintContext(ir: ir, syntax: syntax, settings: LintSettings(environment: testCase.example.environment))
        var configuration = LintConfiguration()
        configuration.settings = context.settings
        var findings = Suppressions.apply(Linter.findings(context, configuration: configuration), context: context, today: "2026-11-22")
            .filter { $0.code.id == testCase.rule.id }
        // A history rule's example is read as a clean file that no commit changed.
        if let rule = RuleRegistry.historyRules.first(where: { type(of: $0).description.id == testCase.rule.id }) {
            findings += try rule.check(ExampleHistory(lint: context)).map { Diagnostic(testCase.rule.code, $0.message, file: context.file, range: $0.range) }
        }
        // Start and end: a finding that starts right but underlines too much or too little is wrong too.
        let ranges = findings.compactMap { $0.range.map { $0.start..<$0.end } }.sorted { ($0.lowerBound, $0.upperBound) < ($1.lowerBound, $1.upperBound) }
        if testCase.triggers {
            #expect(!marked.ranges.isEmpty, "a triggering example marks each finding from ↓ to ↑")
            #expect(ranges.count == findings.count, "every finding has a range")
            #expect(ranges == marked.ranges.sorted { ($0.lowerBound, $0.upperBound) < ($1.lowerBound, $1.upperBound) },
                    "the findings, marked as they are:\n\(Self.marking(text, ranges))\n\(TestSupport.rendered(findings))")
        } else {
            #expect(findings.isEmpty, "\(TestSupport.rendered(findings))")
        }
    }

    /// The text with `↓`…`↑` around the given ranges: what the example should say.
    static func marking(_ text: String, _ ranges: [Range<Int>]) -> String {
        var bytes = Array(text.utf8)
        let marks = ranges.flatMap { [($0.upperBound, "↑"), ($0.lowerBound, "↓")] }.sorted { $0.0 > $1.0 }
        for (offset, mark) in marks { bytes.insert(contentsOf: Array(mark.utf8), at: offset) }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func everyRuleIsDocumentedAndTested() {
        let ids = RuleRegistry.descriptions.map(\.id)
        #expect(Set(ids).count == ids.count, "rule ids are unique")
        #expect(ids.allSatisfy { $0.range(of: "^RB[0-9]{3}$", options: .regularExpression) != nil })
        let slugs = RuleRegistry.descriptions.map(\.slug)
        #expect(Set(slugs).count == slugs.count)
        for rule in RuleRegistry.descriptions where rule.id != RuleRegistry.shellcheckID && rule.requires == .runbook {
            #expect(!rule.triggering.isEmpty, "\(rule.id) has a triggering example")
        }
        // Lint ids (three digits) never collide with compiler ids (four digits).
        #expect(Set(ids).isDisjoint(with: DiagnosticCode.compilerCatalog.map(\.id)))
    }
}

/// The history a rule example is checked with: committed, unchanged since, never changed by a commit.
struct ExampleHistory: HistoryContext {
    let lint: LintContext
    var relativePath = "example.yaml"
    var state = WorkingState.clean
    var lastChange: HistoryCommit? = nil
    var today = "2026-11-22"
    var beingCommitted = false
    var review = ReviewSettings()

    func origin(of lines: [String]) -> TextOrigin? { nil }
    func newestStepsChange(afterDay day: Int) throws -> HistoryCommit? { nil }
}
