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
    /// Each change's positions are in the text the changes before it left (`EditRope`); the
    /// `SourceFile` is built once, for the text they all leave.
    public mutating func apply(_ changes: [ContentChange], version: Int?) {
        var rope = EditRope(map.bytes)
        for change in changes {
            if let range = change.range {
                let start = rope.offset(of: range.start)
                let end = max(start, rope.offset(of: range.end))
                rope.replace(start..<end, with: Array(change.text.utf8))
            } else {
                rope = EditRope(Array(change.text.utf8))
            }
        }
        map = PositionMap(file: SourceFile(path: path, text: String(decoding: rope.bytes, as: UTF8.self)))
        self.version = version
        generation += 1
    }

    /// `file:///a%20b/c.yaml` → `/a b/c.yaml`; anything else is kept as it is (an untitled buffer).
    public static func path(fromURI uri: String) -> String {
        guard uri.hasPrefix("file://"), let url = URL(string: uri), url.isFileURL else { return uri }
        return url.path
    }
}

/// The text while one `didChange` is applied: byte chunks in a treap ordered by position, each node
/// keeping its subtree's byte, line-break and UTF-16 counts. A change finds its line start, its
/// UTF-16 column and its bytes by descending the tree, and replaces them by splitting and merging it,
/// so thousands of changes in one notification cost about their own size each, where rebuilding
/// the whole text and its line table per change was quadratic (1 MB and 4,000 changes: 3.2 s).
/// Line breaks are the `SourceFile`'s (`\n`, `\r\n`, a lone `\r`); a `\r\n` may straddle two chunks,
/// so each subtree also keeps its first and last byte.
struct EditRope {
    private struct Node {
        var bytes: [UInt8]
        var priority: UInt64
        var left = -1
        var right = -1
        /// This chunk's own line breaks (counted at each `\r`, and at each `\n` not after a `\r`) and UTF-16 units.
        var ownBreaks = 0
        var ownUnits = 0
        /// The subtree's totals.
        var size = 0
        var breaks = 0
        var units = 0
        var first: UInt8 = 0
        var last: UInt8 = 0
    }

    /// Bytes per chunk the text and each change's new text are cut into: a change scans a few chunks
    /// (tests use tiny ones).
    let chunkSize: Int
    private static let cr: UInt8 = 0x0D
    private static let lf: UInt8 = 0x0A

    private var nodes: [Node] = []
    private var free: [Int] = []
    private var root = -1
    private var seed: UInt64

    init(_ bytes: [UInt8], chunkSize: Int = 256) {
        self.chunkSize = max(1, chunkSize)
        var system = SystemRandomNumberGenerator()
        seed = system.next() | 1
        root = build(bytes[...])
    }

    var count: Int { size(root) }

    /// The whole text, in order.
    var bytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(count)
        var stack: [Int] = []
        var node = root
        while node >= 0 || !stack.isEmpty {
            while node >= 0 { stack.append(node); node = nodes[node].left }
            node = stack.removeLast()
            result.append(contentsOf: nodes[node].bytes)
            node = nodes[node].right
        }
        return result
    }

    /// Replaces `range` (byte offsets, inside the text) with `text`.
    mutating func replace(_ range: Range<Int>, with text: [UInt8]) {
        let (before, rest) = split(root, range.lowerBound)
        let (removed, after) = split(rest, range.count)
        release(removed)
        root = merge(merge(before, build(text[...])), after)
    }

    /// The byte offset of an LSP position, as `PositionMap.offset(of:)` answers it: a character past
    /// the line's end means its end, a line past the last the end of the text, and a character inside
    /// a surrogate pair the end of that character.
    func offset(of position: Position) -> Int {
        let total = count
        guard position.line >= 0 else { return 0 }
        var start = 0
        if position.line > 0 {
            guard let terminator = breakPosition(position.line) else { return total }
            start = terminator + (byte(at: terminator) == Self.cr && terminator + 1 < total && byte(at: terminator + 1) == Self.lf ? 2 : 1)
        }
        let end = breakPosition(position.line + 1) ?? total
        guard position.character > 0, start < end else { return start }
        guard let lead = byteReaching(units: units(before: start) + position.character), lead < end else { return end }
        return min(lead + PositionMap.sequenceLength(byte(at: lead)), end)
    }

    // MARK: - Queries

    private func size(_ node: Int) -> Int { node < 0 ? 0 : nodes[node].size }

    /// A subtree's line breaks when the byte before it is `previous` (a `\n` right after a `\r` is no new break).
    private func breaks(_ node: Int, after previous: UInt8) -> Int {
        guard node >= 0, nodes[node].size > 0 else { return 0 }
        return nodes[node].breaks - (previous == Self.cr && nodes[node].first == Self.lf ? 1 : 0)
    }

    /// Where the `k`-th line break (1-based) starts: its `\r` or its lone `\n`; nil when there are fewer.
    private func breakPosition(_ k: Int) -> Int? {
        var node = root
        var wanted = k
        var base = 0
        var previous: UInt8 = 0
        while node >= 0 {
            let left = nodes[node].left
            let leftBreaks = breaks(left, after: previous)
            if wanted <= leftBreaks { node = left; continue }
            wanted -= leftBreaks
            if size(left) > 0 { previous = nodes[left].last }
            base += size(left)
            let found: Int? = nodes[node].bytes.withUnsafeBufferPointer { chunk in
                for index in 0..<chunk.count {
                    let byte = chunk[index]
                    if byte == Self.cr || (byte == Self.lf && previous != Self.cr) {
                        wanted -= 1
                        if wanted == 0 { return index }
                    }
                    previous = byte
                }
                return nil
            }
            if let found { return base + found }
            base += nodes[node].bytes.count
            node = nodes[node].right
        }
        return nil
    }

    private func byte(at offset: Int) -> UInt8 {
        var node = root
        var offset = offset
        while node >= 0 {
            let leftSize = size(nodes[node].left)
            if offset < leftSize { node = nodes[node].left; continue }
            offset -= leftSize
            if offset < nodes[node].bytes.count { return nodes[node].bytes[offset] }
            offset -= nodes[node].bytes.count
            node = nodes[node].right
        }
        return 0
    }

    /// UTF-16 units of the text before `offset`.
    private func units(before offset: Int) -> Int {
        var node = root
        var offset = offset
        var units = 0
        while node >= 0, offset > 0 {
            let left = nodes[node].left
            if offset <= size(left) { node = left; continue }
            offset -= size(left)
            units += left >= 0 ? nodes[left].units : 0
            let chunkCount = nodes[node].bytes.count
            if offset < chunkCount {
                return nodes[node].bytes.withUnsafeBufferPointer { chunk in
                    for index in 0..<offset { units += Self.units(chunk[index]) }
                    return units
                }
            }
            units += nodes[node].ownUnits
            offset -= chunkCount
            node = nodes[node].right
        }
        return units
    }

    /// The first byte at which the text's UTF-16 units, counted through it, reach `target` (a lead byte); nil past the end.
    private func byteReaching(units target: Int) -> Int? {
        var node = root
        var wanted = target
        var base = 0
        while node >= 0 {
            let left = nodes[node].left
            let leftUnits = left >= 0 ? nodes[left].units : 0
            if wanted <= leftUnits { node = left; continue }
            wanted -= leftUnits
            base += size(left)
            let found: Int? = nodes[node].bytes.withUnsafeBufferPointer { chunk in
                for index in 0..<chunk.count {
                    wanted -= Self.units(chunk[index])
                    if wanted <= 0 { return index }
                }
                return nil
            }
            if let found { return base + found }
            base += nodes[node].bytes.count
            node = nodes[node].right
        }
        return nil
    }

    /// A byte's UTF-16 units when the character it starts is counted at its lead byte.
    private static func units(_ byte: UInt8) -> Int {
        byte & 0xC0 == 0x80 ? 0 : (byte >= 0xF0 ? 2 : 1)
    }

    // MARK: - The treap

    private mutating func nextPriority() -> UInt64 {
        // xorshift64: priorities only need to be unpredictable to the client, not cryptographic.
        seed ^= seed << 13
        seed ^= seed >> 7
        seed ^= seed << 17
        return seed
    }

    private mutating func makeNode(_ bytes: [UInt8]) -> Int {
        var node = Node(bytes: bytes, priority: nextPriority())
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == Self.cr || (byte == Self.lf && previous != Self.cr) { node.ownBreaks += 1 }
            node.ownUnits += Self.units(byte)
            previous = byte
        }
        if let index = free.popLast() {
            nodes[index] = node
            update(index)
            return index
        }
        nodes.append(node)
        update(nodes.count - 1)
        return nodes.count - 1
    }

    private mutating func update(_ index: Int) {
        let left = nodes[index].left, right = nodes[index].right
        var size = 0, breaks = 0, units = 0
        var first: UInt8 = 0, last: UInt8 = 0
        func add(_ partSize: Int, _ partBreaks: Int, _ partUnits: Int, _ partFirst: UInt8, _ partLast: UInt8) {
            guard partSize > 0 else { return }
            if size == 0 { first = partFirst } else if last == Self.cr, partFirst == Self.lf { breaks -= 1 }
            size += partSize
            breaks += partBreaks
            units += partUnits
            last = partLast
        }
        if left >= 0 { add(nodes[left].size, nodes[left].breaks, nodes[left].units, nodes[left].first, nodes[left].last) }
        let chunk = nodes[index].bytes
        if let chunkFirst = chunk.first, let chunkLast = chunk.last {
            add(chunk.count, nodes[index].ownBreaks, nodes[index].ownUnits, chunkFirst, chunkLast)
        }
        if right >= 0 { add(nodes[right].size, nodes[right].breaks, nodes[right].units, nodes[right].first, nodes[right].last) }
        nodes[index].size = size
        nodes[index].breaks = breaks
        nodes[index].units = units
        nodes[index].first = first
        nodes[index].last = last
    }

    /// A treap of `bytes` in chunks (merged in order; each merge descends only the right spine).
    private mutating func build(_ bytes: ArraySlice<UInt8>) -> Int {
        var tree = -1
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = min(start + chunkSize, bytes.endIndex)
            tree = merge(tree, makeNode(Array(bytes[start..<end])))
            start = end
        }
        return tree
    }

    /// The first `offset` bytes and the rest; a chunk the cut falls inside becomes two.
    private mutating func split(_ node: Int, _ offset: Int) -> (Int, Int) {
        guard node >= 0 else { return (-1, -1) }
        let left = nodes[node].left
        let leftSize = size(left)
        if offset <= leftSize {
            let (a, b) = split(left, offset)
            nodes[node].left = b
            update(node)
            return (a, node)
        }
        let chunkCount = nodes[node].bytes.count
        if offset >= leftSize + chunkCount {
            let (a, b) = split(nodes[node].right, offset - leftSize - chunkCount)
            nodes[node].right = a
            update(node)
            return (node, b)
        }
        let cut = offset - leftSize
        let chunk = nodes[node].bytes
        let tail = makeNode(Array(chunk[cut...]))
        let head = makeNode(Array(chunk[..<cut]))
        nodes[head].left = left
        update(head)
        let right = nodes[node].right
        release(single: node)
        return (head, merge(tail, right))
    }

    private mutating func merge(_ a: Int, _ b: Int) -> Int {
        if a < 0 { return b }
        if b < 0 { return a }
        if nodes[a].priority > nodes[b].priority {
            nodes[a].right = merge(nodes[a].right, b)
            update(a)
            return a
        }
        nodes[b].left = merge(a, nodes[b].left)
        update(b)
        return b
    }

    private mutating func release(single node: Int) {
        nodes[node].bytes = []
        nodes[node].left = -1
        nodes[node].right = -1
        free.append(node)
    }

    /// Frees a removed subtree's nodes for reuse (and their bytes).
    private mutating func release(_ node: Int) {
        var stack = node >= 0 ? [node] : []
        while let index = stack.popLast() {
            if nodes[index].left >= 0 { stack.append(nodes[index].left) }
            if nodes[index].right >= 0 { stack.append(nodes[index].right) }
            release(single: index)
        }
    }
}
