// Foundation's string answers without its round trip through NSString and UTF-16 (a profile of
// 10,000 runbooks spent 7 % of its time trimming and 6 % in `contains`). Each gives the same answer as
// the Foundation call it replaces: ASCII is decided here, anything else by Foundation itself.

import Foundation

extension StringProtocol {
    /// `trimmingCharacters(in: .whitespaces)`.
    public func trimmingWhitespace() -> String { Substring(self).trimmed(newlines: false) }

    /// `trimmingCharacters(in: .whitespacesAndNewlines)`.
    public func trimmingWhitespaceAndNewlines() -> String { Substring(self).trimmed(newlines: true) }

    /// `trimmingCharacters(in: .whitespacesAndNewlines).isEmpty`, without building the trimmed copy.
    public var isBlank: Bool { Substring(self).unicodeScalars.allSatisfy { Substring.isTrimmed($0, newlines: true) } }

    /// `trimmingCharacters(in: CharacterSet(charactersIn: characters))` for ASCII `characters`: such a
    /// set holds exactly those scalars, so no other scalar is ever trimmed and Foundation is not asked.
    public func trimmingASCII(_ characters: StaticString) -> String {
        let set = UnsafeBufferPointer(start: characters.utf8Start, count: characters.utf8CodeUnitCount)
        let scalars = Substring(self).unicodeScalars
        func trimmed(_ scalar: Unicode.Scalar) -> Bool { scalar.isASCII && set.contains(UInt8(scalar.value)) }
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, trimmed(scalars[start]) { start = scalars.index(after: start) }
        while end > start {
            let before = scalars.index(before: end)
            guard trimmed(scalars[before]) else { break }
            end = before
        }
        return String(Substring(scalars[start..<end]))
    }

    /// Whether the text is all ASCII: then Foundation's canonical-equivalence comparisons and
    /// Unicode case mappings agree with byte operations, and callers may take a byte path.
    public var isAllASCII: Bool {
        utf8.withContiguousStorageIfAvailable { $0.allSatisfy { $0 < 0x80 } } ?? utf8.allSatisfy { $0 < 0x80 }
    }

    /// Whether `needle`'s UTF-8 bytes occur in the text: a necessary condition for Foundation's or a
    /// regular expression's finding that literal text, used to skip them when it fails.
    public func containsUTF8(_ needle: String) -> Bool {
        guard !needle.isEmpty else { return true }
        return utf8.withContiguousStorageIfAvailable { ByteScan.contains($0, needle) }
            ?? Array(utf8).withUnsafeBufferPointer { ByteScan.contains($0, needle) }
    }

    /// `split(separator: "\n", omittingEmptySubsequences: false).map(String.init)`. A `\n` is a
    /// character of its own unless a `\r` comes before it (`\r\n` is one), so text without a `\r`
    /// is cut at its `\n` bytes; text with one is split by characters as before.
    public func splitAtNewlines() -> [String] {
        let cut: [String]? = utf8.withContiguousStorageIfAvailable { bytes in
            guard !bytes.contains(0x0D) else { return nil }
            var lines: [String] = []
            var start = 0
            for index in bytes.indices where bytes[index] == 0x0A {
                lines.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
                start = index + 1
            }
            lines.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self))
            return lines
        } ?? nil
        return cut ?? Substring(self).split(separator: Character("\n"), omittingEmptySubsequences: false).map(String.init)
    }

    /// Foundation's `contains(needle)`, for an ASCII needle: a byte scan says no in most cases, and
    /// only a byte match asks Foundation (whose comparison is by canonical equivalence, so a combining
    /// mark after the match can make it say no). Foundation never finds an ASCII needle whose bytes
    /// are absent, unless the needle holds a character with a canonical equivalent (`;`, `` ` ``, `K`).
    /// The scan is `memmem` on the contiguous bytes: a generic scan called from other modules is not
    /// specialized, and stepped through protocol witnesses byte by byte (3 % of a 10,000-runbook check).
    public func containsASCII(_ needle: String) -> Bool {
        guard !needle.isEmpty else { return contains(needle) }
        return containsUTF8(needle) && contains(needle)
    }
}

enum ByteScan {
    /// Whether `needle`'s UTF-8 bytes occur in `haystack`: `memchr` to each candidate first byte, `memcmp` there.
    static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: String) -> Bool {
        var needle = needle
        return needle.withUTF8 { bytes in
            guard let base = haystack.baseAddress, let wanted = bytes.baseAddress, let first = bytes.first, bytes.count <= haystack.count else {
                return bytes.isEmpty
            }
            var index = 0
            let last = haystack.count - bytes.count
            while index <= last {
                guard let hit = memchr(base + index, Int32(first), last - index + 1) else { return false }
                let offset = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if memcmp(base + offset, wanted, bytes.count) == 0 { return true }
                index = offset + 1
            }
            return false
        }
    }
}

extension Substring {
    fileprivate func trimmed(newlines: Bool) -> String {
        let scalars = unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, Self.isTrimmed(scalars[start], newlines: newlines) { start = scalars.index(after: start) }
        while end > start {
            let before = scalars.index(before: end)
            guard Self.isTrimmed(scalars[before], newlines: newlines) else { break }
            end = before
        }
        return String(Substring(scalars[start..<end]))
    }

    fileprivate static func isTrimmed(_ scalar: Unicode.Scalar, newlines: Bool) -> Bool {
        switch scalar.value {
        case 0x20, 0x09: return true
        case 0x0A...0x0D: return newlines
        case 0..<0x80: return false
        default: return (newlines ? CharacterSet.whitespacesAndNewlines : CharacterSet.whitespaces).contains(scalar)
        }
    }
}
