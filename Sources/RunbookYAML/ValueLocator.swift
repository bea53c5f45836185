// Where a scalar's value bytes were written: YAML quoting, escapes, folding and block indentation
// make a value differ from its source, and diagnostics, fixes and IR locations need the source bytes.

import RunbookSource

/// Maps byte offsets in a scalar's value to byte offsets in the source file. Quoting, escapes, folding
/// and block indentation make the two differ. In order: a value written verbatim maps directly; a
/// value whose lines are the source's lines minus indentation (block scalars, Markdown fences) maps
/// line by line; otherwise offsets are anchored on each `${{` (the k-th `${{` of the value is the k-th
/// of the source), and on the value's start.
public struct ValueLocator: Sendable {
    let nodeRange: SourceRange
    let valueAnchors: [Int]
    let sourceAnchors: [Int]
    /// Where the value starts in the source when it appears there verbatim.
    let verbatimStart: Int?
    /// For each value line: (value offset of its start, source offset of its start), when lines align.
    let lineStarts: [(value: Int, source: Int)]?
    /// For quoted and multi-line plain scalars: the source offset of every value byte.
    let table: [Int]?

    public init(file: SourceFile, node: YAMLNode, value: String) {
        nodeRange = node.range
        let valueBytes = Array(value.utf8)
        let sourceBytes = Array(file.bytes[min(node.range.start, file.bytes.count)..<min(node.range.end, file.bytes.count)])
        valueAnchors = Self.anchors(valueBytes)
        sourceAnchors = Self.anchors(sourceBytes).map { $0 + node.range.start }
        verbatimStart = Self.find(valueBytes, in: sourceBytes).map { $0 + node.range.start }
        let style = node.scalarStyle
        if verbatimStart == nil, let style, style == .plain || style.isQuoted {
            table = Self.unescape(valueBytes, sourceBytes, base: node.range.start, style: style)
        } else {
            table = nil
        }
        lineStarts = verbatimStart == nil && table == nil ? Self.alignLines(valueBytes, sourceBytes, base: node.range.start) : nil
    }

    /// Walks a flow scalar's source as YAML reads it — escapes in "…", `''` in '…', line folding —
    /// recording where each value byte came from. Nil when the walk loses its way.
    static func unescape(_ value: [UInt8], _ source: [UInt8], base: Int, style: YAMLScalarStyle) -> [Int]? {
        var table: [Int] = []
        table.reserveCapacity(value.count + 1)
        var j = style.isQuoted ? 1 : 0
        let end = style.isQuoted ? max(j, source.count - 1) : source.count
        func isBreak(_ byte: UInt8) -> Bool { byte == 0x0A || byte == 0x0D }
        while table.count < value.count, j < end {
            let byte = source[j]
            if style == .doubleQuoted, byte == UInt8(ascii: "\\"), j + 1 < end {
                let escape = source[j + 1]
                if isBreak(escape) {
                    j += 2
                    while j < end, source[j] == 0x20 || source[j] == 0x09 || isBreak(source[j]) { j += 1 }
                    continue
                }
                let length: Int
                var decoded = 1
                switch escape {
                case UInt8(ascii: "x"): length = 4; decoded = utf8Length(source, j + 2, 2)
                case UInt8(ascii: "u"): length = 6; decoded = utf8Length(source, j + 2, 4)
                case UInt8(ascii: "U"): length = 10; decoded = utf8Length(source, j + 2, 8)
                case UInt8(ascii: "N"), UInt8(ascii: "_"): length = 2; decoded = 2
                case UInt8(ascii: "L"), UInt8(ascii: "P"): length = 2; decoded = 3
                default: length = 2
                }
                for _ in 0..<decoded where table.count < value.count { table.append(base + j) }
                j += length
                continue
            }
            if style == .singleQuoted, byte == UInt8(ascii: "'"), j + 1 < end, source[j + 1] == UInt8(ascii: "'") {
                table.append(base + j)
                j += 2
                continue
            }
            let wanted = value[table.count]
            if isBreak(byte) {
                // A folded line break: one space, or a newline per blank line, in the value.
                if wanted == 0x20 || wanted == 0x0A { table.append(base + j) }
                j += 1
                while j < end, source[j] == 0x20 || source[j] == 0x09 { j += 1 }
                if j < end, isBreak(source[j]), table.count < value.count, value[table.count] == 0x0A { continue }
                continue
            }
            if wanted == byte {
                table.append(base + j)
                j += 1
                continue
            }
            j += 1 // whitespace YAML trimmed
        }
        guard table.count == value.count else { return nil }
        table.append(base + min(j, end))
        return table
    }

    /// How many UTF-8 bytes the code point written as `digits` hex digits at `start` takes.
    static func utf8Length(_ source: [UInt8], _ start: Int, _ digits: Int) -> Int {
        guard start + digits <= source.count,
              let value = UInt32(String(decoding: source[start..<(start + digits)], as: UTF8.self), radix: 16),
              let scalar = Unicode.Scalar(value) else { return 1 }
        return UTF8.width(scalar)
    }

    /// Each value line found, in order, inside successive source lines (indentation stripped).
    static func alignLines(_ value: [UInt8], _ source: [UInt8], base: Int) -> [(value: Int, source: Int)]? {
        func lines(_ bytes: [UInt8]) -> [Range<Int>] {
            var result: [Range<Int>] = []
            var start = 0
            for (index, byte) in bytes.enumerated() where byte == 0x0A {
                result.append(start..<index)
                start = index + 1
            }
            if start < bytes.count { result.append(start..<bytes.count) }
            return result
        }
        let valueLines = lines(value)
        let sourceLines = lines(source)
        guard valueLines.count >= 2, valueLines.count <= sourceLines.count else { return nil }
        var result: [(Int, Int)] = []
        var sourceIndex = 0
        for valueLine in valueLines {
            var line = Array(value[valueLine])
            while line.last == 0x0D { line.removeLast() }
            var found: Int?
            while sourceIndex < sourceLines.count {
                let candidate = Array(source[sourceLines[sourceIndex]])
                sourceIndex += 1
                if line.isEmpty { found = sourceLines[sourceIndex - 1].lowerBound; break }
                if let at = find(line, in: candidate) { found = sourceLines[sourceIndex - 1].lowerBound + at; break }
            }
            guard let start = found else { return nil }
            result.append((valueLine.lowerBound, base + start))
        }
        return result
    }

    static func anchors(_ bytes: [UInt8]) -> [Int] {
        guard bytes.count >= 3 else { return [] }
        return (0..<(bytes.count - 2)).filter { bytes[$0] == UInt8(ascii: "$") && bytes[$0 + 1] == UInt8(ascii: "{") && bytes[$0 + 2] == UInt8(ascii: "{") }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard !needle.isEmpty, needle.count <= haystack.count else { return needle.isEmpty ? 0 : nil }
        let first = needle[0]
        for start in 0...(haystack.count - needle.count) where haystack[start] == first {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
        }
        return nil
    }

    public func offset(_ valueOffset: Int) -> Int {
        if let verbatimStart { return verbatimStart + valueOffset }
        if let table { return table[min(max(0, valueOffset), table.count - 1)] }
        // Both lists are in ascending order: a binary search, since a rule may ask once per `${{ }}`.
        if let lineStarts, let index = Self.lastIndex(in: lineStarts.count, atOrBefore: valueOffset, { lineStarts[$0].value }) {
            let line = lineStarts[index]
            return min(line.source + (valueOffset - line.value), nodeRange.end)
        }
        if let anchor = Self.lastIndex(in: valueAnchors.count, atOrBefore: valueOffset, { valueAnchors[$0] }), anchor < sourceAnchors.count {
            return min(sourceAnchors[anchor] + (valueOffset - valueAnchors[anchor]), nodeRange.end)
        }
        return min(nodeRange.start + valueOffset, nodeRange.end)
    }

    /// The last of `count` ascending keys that is at most `target`.
    static func lastIndex(in count: Int, atOrBefore target: Int, _ key: (Int) -> Int) -> Int? {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if key(mid) <= target { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : low - 1
    }

    public func range(_ start: Int, _ end: Int) -> SourceRange {
        let from = offset(start)
        return SourceRange(start: from, end: max(from + 1, offset(end)))
    }
}
