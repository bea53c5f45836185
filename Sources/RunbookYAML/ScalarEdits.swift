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
        guard case .scalar(let value, let style) = node.kind, !edits.isEmpty else { return nil }
        let valueBytes = Array(value.utf8)
        let sorted = edits.sorted { $0.range < $1.range }
        var previousEnd = 0
        for edit in sorted {
            guard edit.range.start >= previousEnd, edit.range.end <= valueBytes.count,
                  !valueBytes[edit.range.start..<edit.range.end].contains(where: isLineBreak),
                  !edit.replacement.utf8.contains(where: isLineBreak) else { return nil }
            previousEnd = edit.range.end
        }
        guard node.range.end <= file.bytes.count else { return nil }
        switch style {
        case .literal:
            return literalEdits(sorted, valueBytes: valueBytes, node: node, file: file)
        case .plain, .singleQuoted, .doubleQuoted:
            return flowEdits(sorted, value: value, style: style, node: node, file: file)
        case .folded:
            return nil
        }
    }

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
    /// is found verbatim at the mapped place move by a constant.
    static func literalEdits(_ edits: [TextEdit], valueBytes: [UInt8], node: YAMLNode, file: SourceFile) -> [TextEdit]? {
        guard let value = String(validating: valueBytes, as: UTF8.self) else { return nil }
        let locator = ValueLocator(file: file, node: node, value: value)
        var result: [TextEdit] = []
        for edit in edits {
            var lineStart = edit.range.start
            while lineStart > 0, !isLineBreak(valueBytes[lineStart - 1]) { lineStart -= 1 }
            var lineEnd = edit.range.end
            while lineEnd < valueBytes.count, !isLineBreak(valueBytes[lineEnd]) { lineEnd += 1 }
            let sourceStart = locator.offset(lineStart)
            let length = lineEnd - lineStart
            guard sourceStart >= node.range.start, sourceStart + length <= node.range.end,
                  file.bytes[sourceStart..<(sourceStart + length)].elementsEqual(valueBytes[lineStart..<lineEnd]) else { return nil }
            result.append(TextEdit(SourceRange(start: sourceStart + edit.range.start - lineStart, end: sourceStart + edit.range.end - lineStart),
                                   edit.replacement))
        }
        return result
    }

    /// One-line plain and quoted scalars: escape the replacement for the style, then read the edited
    /// scalar back and compare its value and style with what the edit means.
    static func flowEdits(_ edits: [TextEdit], value: String, style: YAMLScalarStyle, node: YAMLNode, file: SourceFile) -> [TextEdit]? {
        let source = Array(file.bytes[node.range.start..<node.range.end])
        guard !source.contains(where: isLineBreak) else { return nil }
        let locator = ValueLocator(file: file, node: node, value: value)
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
            let end = edit.range.isEmpty ? start : (edit.range.end == value.utf8.count && style == .plain ? node.range.end : locator.offset(edit.range.end))
            guard start >= node.range.start, end <= node.range.end, start <= end else { return nil }
            result.append(TextEdit(SourceRange(start: start, end: end), replacement))
        }
        let shifted = result.map { TextEdit(SourceRange(start: $0.range.start - node.range.start, end: $0.range.end - node.range.start), $0.replacement) }
        guard let intended = TextEdits.apply(edits, to: value),
              let edited = TextEdits.apply(shifted, to: source) else { return nil }
        let probe = SourceFile(path: "", text: "k: " + String(decoding: edited, as: UTF8.self) + "\n")
        let document = YAMLReader.read(probe)
        guard document.diagnostics.isEmpty, let pairs = document.root?.mappingPairs, pairs.count == 1,
              case .scalar(let readBack, let readStyle) = pairs[0].value.kind,
              readBack == intended, readStyle == style else { return nil }
        return result
    }
}
