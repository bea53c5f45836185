// Turns an edit of a scalar's value (what a rule reasons about) into an edit of the file (what a
// fix applies), and refuses whenever the two cannot be made to agree exactly: a fix that might touch
// another byte, or leave YAML that reads differently, is not offered.

import Foundation
import RunbookSource

public enum ScalarEdits {
    /// File edits for `edits` given in byte offsets of `node`'s value; nil unless each one is exact.
    ///
    /// Exact means: for `|` blocks and Markdown fences (literal scalars), the edited value line is
    /// found byte for byte in the source and neither the edit nor its replacement spans a line; for
    /// one-line plain and quoted scalars, the replacement is escaped for the scalar's style and the
    /// edited scalar, read back by the YAML reader, has the intended value in the same style. Folded
    /// (`>`) and multi-line flow scalars, and values reached through an alias, get no edit.
    public static func fileEdits(_ edits: [TextEdit], in node: YAMLNode, file: SourceFile) -> [TextEdit]? {
        fileEdits(each: [edits], in: node, file: file)[0]
    }

    /// `fileEdits` for several independent fixes of one scalar at once (each an array of value
    /// edits; the answer for each is nil unless it is exact on its own). The scalar is located once,
    /// and the flow styles' read-back checks all the fixes together, splitting the set in halves only
    /// where it fails: a command with thousands of `${{ }}` to quote costs a few reads of it rather
    /// than one per fix (with up to 32 fixes the budget is never reached). Past `readBackBudget`
    /// read-backs (a long scalar in which many fixes fail), the fixes not yet decided get none.
    public static func fileEdits(each fixes: [[TextEdit]], in node: YAMLNode, file: SourceFile) -> [[TextEdit]?] {
        var answers = [[TextEdit]?](repeating: nil, count: fixes.count)
        guard case .scalar(let value, let style) = node.kind, node.range.end <= file.bytes.count, style != .folded else { return answers }
        let valueBytes = Array(value.utf8)
        var candidates: [(index: Int, edits: [TextEdit])] = []
        for (index, edits) in fixes.enumerated() where !edits.isEmpty {
            let sorted = edits.sorted { $0.range < $1.range }
            var previousEnd = 0
            var exact = true
            for edit in sorted {
                guard edit.range.start >= previousEnd, edit.range.end <= valueBytes.count,
                      !valueBytes[edit.range.start..<edit.range.end].contains(where: isLineBreak),
                      !edit.replacement.utf8.contains(where: isLineBreak) else { exact = false; break }
                previousEnd = edit.range.end
            }
            if exact { candidates.append((index, sorted)) }
        }
        guard !candidates.isEmpty else { return answers }
        switch style {
        case .literal:
            guard var literal = LiteralLines(valueBytes: valueBytes, node: node, file: file) else { return answers }
            for candidate in candidates {
                answers[candidate.index] = literal.edits(candidate.edits)
            }
        case .plain, .singleQuoted, .doubleQuoted:
            let flow = FlowScalar(value: value, valueBytes: valueBytes, style: style, node: node, file: file)
            guard flow.isOneLine else { return answers }
            let mapped = candidates.compactMap { candidate in flow.fileEdits(candidate.edits).map { (candidate.index, candidate.edits, $0) } }
            var budget = readBackBudget
            flow.decide(mapped[...], budget: &budget) { index, edits in answers[index] = edits }
        case .folded:
            break
        }
        return answers
    }

    /// Read-backs of a whole scalar one `fileEdits(each:)` call may spend.
    static let readBackBudget = 64

    /// One replacement of a whole scalar's value (a key's name, say).
    public static func replacingValue(of node: YAMLNode, with replacement: String, file: SourceFile) -> TextEdit? {
        guard let value = node.scalarValue else { return nil }
        return fileEdits([TextEdit(SourceRange(start: 0, end: value.utf8.count), replacement)], in: node, file: file)?.first
    }

    /// Renames a mapping key written plainly in the file (`comand:` → `command:`); nil when the key's
    /// bytes are not its name as written (quoted, or a Markdown label) or the new name is no plain word.
    public static func renamingKey(_ key: String, at keyRange: SourceRange, to name: String, file: SourceFile) -> TextEdit? {
        let isWord = !name.isEmpty && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
        guard isWord, keyRange.end <= file.bytes.count, file.slice(keyRange) == key else { return nil }
        return TextEdit(keyRange, name)
    }

    static func isLineBreak(_ byte: UInt8) -> Bool { byte == 0x0A || byte == 0x0D }

    /// Each value line of a literal block is a source line minus indentation: edits inside a line that
    /// is found verbatim at the mapped place move by a constant. Each line is compared once.
    struct LiteralLines {
        let valueBytes: [UInt8]
        let file: SourceFile
        let node: YAMLNode
        let locator: ValueLocator
        /// Where each value line starts (after every `\n` and `\r`, as an edit's line is found).
        let lineStarts: [Int]
        /// For each value line asked about: where it is in the source, or nil when it is not there verbatim.
        var verified: [Int: Int?] = [:]

        init?(valueBytes: [UInt8], node: YAMLNode, file: SourceFile) {
            guard let value = String(validating: valueBytes, as: UTF8.self) else { return nil }
            self.valueBytes = valueBytes
            self.file = file
            self.node = node
            locator = ValueLocator(file: file, node: node, value: value)
            var starts = [0]
            for (index, byte) in valueBytes.enumerated() where isLineBreak(byte) { starts.append(index + 1) }
            lineStarts = starts
        }

        /// The source offset of a value line, when the line is there verbatim.
        mutating func sourceStart(ofLine line: Int) -> Int? {
            if let known = verified[line] { return known }
            let lineStart = lineStarts[line]
            var lineEnd = lineStart
            while lineEnd < valueBytes.count, !isLineBreak(valueBytes[lineEnd]) { lineEnd += 1 }
            let sourceStart = locator.offset(lineStart)
            let length = lineEnd - lineStart
            let found = sourceStart >= node.range.start && sourceStart + length <= node.range.end
                && file.bytes[sourceStart..<(sourceStart + length)].elementsEqual(valueBytes[lineStart..<lineEnd])
            verified[line] = .some(found ? sourceStart : nil)
            return found ? sourceStart : nil
        }

        mutating func edits(_ edits: [TextEdit]) -> [TextEdit]? {
            var result: [TextEdit] = []
            for edit in edits {
                // The last line starting at or before the edit: edits never span a line break.
                var low = 0, high = lineStarts.count - 1
                while low < high {
                    let mid = (low + high + 1) / 2
                    if lineStarts[mid] <= edit.range.start { low = mid } else { high = mid - 1 }
                }
                guard let sourceStart = sourceStart(ofLine: low) else { return nil }
                let shift = sourceStart - lineStarts[low]
                result.append(TextEdit(SourceRange(start: edit.range.start + shift, end: edit.range.end + shift), edit.replacement))
            }
            return result
        }
    }

    /// One-line plain and quoted scalars: escape the replacement for the style, then read the edited
    /// scalar back and compare its value and style with what the edits mean.
    struct FlowScalar {
        let value: String
        let valueBytes: [UInt8]
        let style: YAMLScalarStyle
        let node: YAMLNode
        let source: [UInt8]
        let locator: ValueLocator

        init(value: String, valueBytes: [UInt8], style: YAMLScalarStyle, node: YAMLNode, file: SourceFile) {
            self.value = value
            self.valueBytes = valueBytes
            self.style = style
            self.node = node
            source = Array(file.bytes[node.range.start..<node.range.end])
            locator = ValueLocator(file: file, node: node, value: value)
        }

        var isOneLine: Bool { !source.contains(where: isLineBreak) }

        /// The file edits for value edits, before the read-back; nil when one cannot be placed.
        func fileEdits(_ edits: [TextEdit]) -> [TextEdit]? {
            var result: [TextEdit] = []
            for edit in edits {
                let replacement: String
                switch style {
                case .doubleQuoted:
                    replacement = edit.replacement.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                case .singleQuoted:
                    replacement = edit.replacement.replacingOccurrences(of: "'", with: "''")
                default:
                    // A plain scalar may sit in a flow collection (`[a, b]`), where these would end it.
                    guard !edit.replacement.contains(where: { ",[]{}#".contains($0) }) else { return nil }
                    replacement = edit.replacement
                }
                let start = edit.range.start == 0 && style == .plain ? node.range.start : locator.offset(edit.range.start)
                let end = edit.range.isEmpty ? start : (edit.range.end == valueBytes.count && style == .plain ? node.range.end : locator.offset(edit.range.end))
                guard start >= node.range.start, end <= node.range.end, start <= end else { return nil }
                result.append(TextEdit(SourceRange(start: start, end: end), replacement))
            }
            return result
        }

        /// Whether the scalar with all these edits reads back, in the same style, as the value with
        /// the value edits applied.
        func readsBack(_ fixes: ArraySlice<(Int, [TextEdit], [TextEdit])>) -> Bool {
            let valueEdits = fixes.flatMap(\.1)
            let shifted = fixes.flatMap(\.2).map { TextEdit(SourceRange(start: $0.range.start - node.range.start, end: $0.range.end - node.range.start), $0.replacement) }
            guard let intended = TextEdits.apply(valueEdits, to: valueBytes),
                  let edited = TextEdits.apply(shifted, to: source) else { return false }
            let probe = SourceFile(path: "", text: "k: " + String(decoding: edited, as: UTF8.self) + "\n")
            let document = YAMLReader.read(probe)
            guard document.diagnostics.isEmpty, let pairs = document.root?.mappingPairs, pairs.count == 1,
                  case .scalar(let readBack, let readStyle) = pairs[0].value.kind,
                  readStyle == style else { return false }
            return readBack.utf8.elementsEqual(intended)
        }

        /// Accepts every fix of a set that reads back whole; otherwise decides each half on its own.
        func decide(_ fixes: ArraySlice<(Int, [TextEdit], [TextEdit])>, budget: inout Int, accept: (Int, [TextEdit]) -> Void) {
            guard !fixes.isEmpty, budget > 0 else { return }
            budget -= 1
            if readsBack(fixes) {
                for fix in fixes { accept(fix.0, fix.2) }
                return
            }
            guard fixes.count > 1 else { return }
            let middle = fixes.startIndex + fixes.count / 2
            decide(fixes[..<middle], budget: &budget, accept: accept)
            decide(fixes[middle...], budget: &budget, accept: accept)
        }
    }
}
