// Generated documentation stays in step with the code.

import RunbookDriver
import RunbookSource
import Testing

@Suite struct DocsTests {
    @Test func diagnosticsReferenceIsCurrent() {
        TestSupport.assertGolden(DiagnosticsDocument.markdown(), "docs/diagnostics.md")
    }

    @Test func rulesReferenceIsCurrent() {
        TestSupport.assertGolden(RulesDocument.markdown(), "docs/rules.md")
    }

    @Test func catalogIdsAreUniqueAndWellFormed() {
        let ids = DiagnosticCode.compilerCatalog.map(\.id)
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.range(of: "^RB[0-9]{4}$", options: .regularExpression) != nil })
        #expect(ids == ids.sorted())
    }
}
