// An open document as the editor holds it: its text and version, edits applied in place, and the
// mapping between rbc's UTF-8 byte offsets and LSP's (line, UTF-16 code unit) positions.

import Foundation
import RunbookSource

/// Byte offsets ↔ LSP positions over one text: the compiler's `SourceFile` (its line table, so lines
/// end at `\n`, `\r\n` or a lone `\r` as in the LSP specification) plus UTF-16 columns.
public struct PositionMap: Sendable {
    public let file: SourceFile
    public var bytes: [UInt8] { file.bytes }

    public init(_ text: String) { self.init(file: SourceFile(path: "", text: text)) }

    public init(file: SourceFile) { self.file = file }

    public var lineCount: Int { file.lineCount }

    /// Byte range of a 0-based line without its terminator; empty at the end for lines past the last.
    public func lineBytes(_ line: Int) -> Range<Int> {
        guard line >= 0, line < file.lineCount else { return file.bytes.count..<file.bytes.count }
        let range = file.lineRange(line + 1)
        return range.start..<range.end
    }

    public func lineText(_ line: Int) -> String {
        String(decoding: file.bytes[lineBytes(line)], as: UTF8.self)
    }

    public func line(of offset: Int) -> Int { file.lineIndex(of: offset) }

    public func position(of offset: Int) -> Position {
        let bytes = file.bytes
        let clamped = min(max(0, offset), bytes.count)
        let line = line(of: clamped)
        let lineRange = lineBytes(line)
        let lineEnd = lineRange.upperBound
        var units = 0
        var index = lineRange.lowerBound
        while index < min(clamped, lineEnd) {
            let width = Self.sequenceLength(bytes[index])
            units += width == 4 ? 2 : 1
            index += width
        }
        return Position(line: line, character: units)
    }

    /// The byte offset of a position; a character past the line's end means its end, a line past
    /// the last means the end of the text (LSP asks servers to be lenient both ways).
    public func offset(of position: Position) -> Int {
        let bytes = file.bytes
        guard position.line >= 0 else { return 0 }
        guard position.line < file.lineCount else { return bytes.count }
        let range = lineBytes(position.line)
        var index = range.lowerBound
        var units = 0
        while index < range.upperBound, units < position.character {
            let width = Self.sequenceLength(bytes[index])
            units += width == 4 ? 2 : 1
            index = min(index + width, range.upperBound)
        }
        return index
    }

    public func range(_ start: Int, _ end: Int) -> LSPRange {
        LSPRange(start: position(of: start), end: position(of: end))
    }

    /// Bytes in the UTF-8 sequence a lead byte starts (1 for a stray continuation byte).
    static func sequenceLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0xF0...0xFF: 4
        case 0xE0..<0xF0: 3
        case 0xC0..<0xE0: 2
        default: 1
        }
    }
}

public struct TextDocument: Sendable {
    public let uri: String
    /// The file the URI names: what `.rbc.yaml`, git and diagnostics' paths see.
    public let path: String
    /// The text as a `SourceFile` (its path is `path`) and the positions over it, rebuilt on each change.
    public private(set) var map: PositionMap
    public var file: SourceFile { map.file }
    public var text: String { map.file.text }
    public var version: Int?
    /// Bumped on every change: analyses of older generations are never published.
    public private(set) var generation = 0

    public init(uri: String, text: String, version: Int?) {
        self.uri = uri
        let path = TextDocument.path(fromURI: uri)
        self.path = path
        self.map = PositionMap(file: SourceFile(path: path, text: text))
        self.version = version
    }

    /// Applies the client's changes in order: a range replaces those characters, no range the whole text.
    public mutating func apply(_ changes: [ContentChange], version: Int?) {
        var bytes = map.bytes
        var current = map
        for (index, change) in changes.enumerated() {
            if index > 0 { current = PositionMap(String(decoding: bytes, as: UTF8.self)) }
            if let range = change.range {
                let start = current.offset(of: range.start)
                let end = max(start, current.offset(of: range.end))
                bytes.replaceSubrange(start..<end, with: Array(change.text.utf8))
            } else {
                bytes = Array(change.text.utf8)
            }
        }
        map = PositionMap(file: SourceFile(path: path, text: String(decoding: bytes, as: UTF8.self)))
        self.version = version
        generation += 1
    }

    /// `file:///a%20b/c.yaml` → `/a b/c.yaml`; anything else is kept as it is (an untitled buffer).
    public static func path(fromURI uri: String) -> String {
        guard uri.hasPrefix("file://"), let url = URL(string: uri), url.isFileURL else { return uri }
        return url.path
    }
}
