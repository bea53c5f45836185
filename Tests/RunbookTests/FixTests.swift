// The fix model: byte-range edits that leave every other byte unchanged, and how fixes are applied.

import Foundation
import RunbookSource
import Testing

@Suite struct TextEditTests {
    @Test func appliesEditsInAnyOrderLeavingOtherBytes() throws {
        let text = "a: é 1\nb: 2\n"
        // "é" is two bytes: offsets 3..<5.
        let edits = [TextEdit(SourceRange(start: 11, end: 12), "20"), TextEdit(SourceRange(start: 3, end: 5), "e"),
                     .insert("# x\n", at: 0)]
        #expect(TextEdits.apply(edits, to: text) == "# x\na: e 1\nb: 20\n")
    }

    @Test func refusesOverlappingOrOutOfRangeEdits() {
        #expect(TextEdits.apply([TextEdit(SourceRange(start: 0, end: 3), "x"), TextEdit(SourceRange(start: 2, end: 4), "y")], to: "abcdef") == nil)
        #expect(TextEdits.apply([TextEdit(SourceRange(start: 5, end: 9), "x")], to: "abcdef") == nil)
    }

    @Test func fixesThatTouchOverlap() {
        let first = Fix.safe("a", TextEdit(SourceRange(start: 0, end: 3), "x"))
        let abutting = Fix.safe("b", .insert("y", at: 3))
        let apart = Fix.unsafe("c", TextEdit(SourceRange(start: 5, end: 6), "z"))
        #expect(first.overlaps(abutting))
        #expect(!first.overlaps(apart))
        #expect(apart.applicability == .unsafe)
        #expect(Fix("d", .safe, edits: [apart.edits[0], first.edits[0]]).edits.map(\.range.start) == [0, 5])
        #expect(Fix("d", .safe, edits: [apart.edits[0], first.edits[0]]).isWellFormed(byteCount: 6))
        #expect(!Fix("d", .safe, edits: [apart.edits[0], first.edits[0]]).isWellFormed(byteCount: 5))
    }
}
