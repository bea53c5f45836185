// One input file as text, with the line table that turns stored byte offsets into line and column when rendering.

/// A half-open range of UTF-8 byte offsets into a `SourceFile`'s text.
public struct SourceRange: Hashable, Sendable, Comparable {
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = max(start, end)
    }

    public static func at(_ offset: Int) -> SourceRange { SourceRange(start: offset, end: offset) }

    public static func < (lhs: SourceRange, rhs: SourceRange) -> Bool {
        (lhs.start, lhs.end) < (rhs.start, rhs.end)
    }
}

/// A 1-based line and column; the column counts Unicode scalars, as SARIF's `unicodeCodePoints`.
public struct LineColumn: Hashable, Sendable, Comparable, Codable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: LineColumn, rhs: LineColumn) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

public final class SourceFile: Sendable {
    /// The path as the user named it; used verbatim in diagnostics.
    public let path: String
    /// The decoded text, without a byte-order mark.
    public let text: String
    public let bytes: [UInt8]
    /// Byte offset of the first byte of each line. Lines end at `\n`, `\r\n` or a lone `\r`.
    private let lineStarts: [Int]
    /// For text that is not all ASCII, the scalars that start before each block of
    /// `scalarBlockSize` bytes; nil when every byte is a scalar. Columns are then found in a block
    /// at most, not by counting from the line's start: thousands of diagnostics on one long line
    /// made sorting and rendering them quadratic.
    private let scalarsBeforeBlock: [Int]?
    static let scalarBlockShift = 8

    public init(path: String, text: String) {
        self.path = path
        self.text = text
        let bytes = Array(text.utf8)
        self.bytes = bytes
        var starts = [0]
        var index = 0
        var highBits: UInt8 = 0
        while index < bytes.count {
            let byte = bytes[index]
            highBits |= byte
            if byte == 0x0A {
                starts.append(index + 1)
            } else if byte == 0x0D {
                if index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
                starts.append(index + 1)
            }
            index += 1
        }
        self.lineStarts = starts
        if highBits & 0x80 == 0 {
            scalarsBeforeBlock = nil
        } else {
            var table: [Int] = []
            table.reserveCapacity((bytes.count >> Self.scalarBlockShift) + 1)
            var count = 0
            for (offset, byte) in bytes.enumerated() {
                if offset & ((1 << Self.scalarBlockShift) - 1) == 0 { table.append(count) }
                if byte & 0xC0 != 0x80 { count += 1 }
            }
            table.append(count)
            scalarsBeforeBlock = table
        }
    }

    public var lineCount: Int { lineStarts.count }

    /// Line (0-based) containing a byte offset; offsets outside the text are clamped to it.
    public func lineIndex(of offset: Int) -> Int {
        let clamped = min(max(0, offset), bytes.count)
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= clamped { low = mid } else { high = mid - 1 }
        }
        return low
    }

    public func lineColumn(of offset: Int) -> LineColumn {
        let clamped = min(max(0, offset), bytes.count)
        let line = lineIndex(of: clamped)
        return LineColumn(line: line + 1, column: scalarCount(from: lineStarts[line], to: clamped) + 1)
    }

    /// Byte range of a 1-based line, without its line terminator.
    public func lineRange(_ line: Int) -> SourceRange {
        guard line >= 1, line <= lineStarts.count else { return .at(bytes.count) }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] : bytes.count
        while end > start, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D { end -= 1 }
        return SourceRange(start: start, end: end)
    }

    public func lineText(_ line: Int) -> String {
        slice(lineRange(line))
    }

    public func slice(_ range: SourceRange) -> String {
        let start = min(max(0, range.start), bytes.count)
        let end = min(max(start, range.end), bytes.count)
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// Byte offset of a 1-based line and scalar column; clamps to the line's end.
    public func offset(line: Int, column: Int) -> Int {
        let range = lineRange(line)
        var offset = range.start
        var remaining = column - 1
        while remaining > 0, offset < range.end {
            offset += 1
            while offset < range.end, bytes[offset] & 0xC0 == 0x80 { offset += 1 }
            remaining -= 1
        }
        return offset
    }

    public func scalarCount(from start: Int, to end: Int) -> Int {
        guard start < end else { return 0 }
        guard scalarsBeforeBlock != nil else { return end - start }
        return scalarsBefore(end) - scalarsBefore(start)
    }

    /// Scalars that start in `bytes[0..<offset]`: the block's count, then the bytes of the block up to it.
    private func scalarsBefore(_ offset: Int) -> Int {
        guard let table = scalarsBeforeBlock else { return offset }
        let clamped = min(max(0, offset), bytes.count)
        let block = clamped >> Self.scalarBlockShift
        var count = table[block]
        var index = block << Self.scalarBlockShift
        while index < clamped {
            if bytes[index] & 0xC0 != 0x80 { count += 1 }
            index += 1
        }
        return count
    }
}
