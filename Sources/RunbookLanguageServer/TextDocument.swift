// An open document as the editor holds it: its text and version, edits applied in place, and the
// mapping between rbc's UTF-8 byte offsets and LSP's (line, UTF-16 code unit) positions.

import Foundation

/// Byte offsets ↔ LSP positions over one text. Lines end at `\n`, `\r\n` or a lone `\r`, as in
/// `SourceFile` and the LSP specification.
public struct PositionMap: Sendable {
    public let bytes: [UInt8]
    private let lineStarts: [Int]

    public init(_ text: String) {
        bytes = Array(text.utf8)
        var starts = [0]
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x0A {
                starts.append(index + 1)
            } else if bytes[index] == 0x0D {
                if index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
                starts.append(index + 1)
            }
            index += 1
        }
        lineStarts = starts
    }

    public var lineCount: Int { lineStarts.count }

    /// Byte range of a 0-based line without its terminator; empty at the end for lines past the last.
    public func lineBytes(_ line: Int) -> Range<Int> {
        guard line >= 0, line < lineStarts.count else { return bytes.count..<bytes.count }
        let start = lineStarts[line]
        var end = line + 1 < lineStarts.count ? lineStarts[line + 1] : bytes.count
        while end > start, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D { end -= 1 }
        return start..<end
    }

    public func lineText(_ line: Int) -> String {
        String(decoding: bytes[lineBytes(line)], as: UTF8.self)
    }

    public func line(of offset: Int) -> Int {
        let clamped = min(max(0, offset), bytes.count)
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= clamped { low = mid } else { high = mid - 1 }
        }
        return low
    }

    public func position(of offset: Int) -> Position {
        let clamped = min(max(0, offset), bytes.count)
        let line = line(of: clamped)
        let lineEnd = lineBytes(line).upperBound
        var units = 0
        var index = lineStarts[line]
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
        guard position.line >= 0 else { return 0 }
        guard position.line < lineStarts.count else { return bytes.count }
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
    public private(set) var text: String
    public private(set) var map: PositionMap
    public var version: Int?
    /// Bumped on every change: analyses of older generations are never published.
    public private(set) var generation = 0

    public init(uri: String, text: String, version: Int?) {
        self.uri = uri
        self.path = TextDocument.path(fromURI: uri)
        self.text = text
        self.map = PositionMap(text)
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
        text = String(decoding: bytes, as: UTF8.self)
        map = PositionMap(text)
        self.version = version
        generation += 1
    }

    /// `file:///a%20b/c.yaml` → `/a b/c.yaml`; anything else is kept as it is (an untitled buffer).
    public static func path(fromURI uri: String) -> String {
        guard uri.hasPrefix("file://"), let url = URL(string: uri), url.isFileURL else { return uri }
        return url.path
    }
}
