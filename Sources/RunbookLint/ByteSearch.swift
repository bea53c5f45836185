// Substring tests on UTF-8 bytes, ignoring ASCII case, for the rules' cheap pre-checks: Foundation's
// `String.contains` converts to UTF-16 on every call, which profiled as a sixth of a large check.

import Foundation

enum ByteSearch {
    /// Whether `bytes` contains `needle` (lower-case ASCII), ignoring the case of ASCII letters.
    static func containsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, needle.count <= bytes.count else { return needle.isEmpty }
        let upperFirst = (first >= 0x61 && first <= 0x7A) ? first - 0x20 : first
        var index = 0
        let last = bytes.count - needle.count
        while index <= last {
            let byte = bytes[index]
            if byte == first || byte == upperFirst {
                var matched = true
                for offset in 1..<needle.count {
                    var candidate = bytes[index + offset]
                    if candidate >= 0x41 && candidate <= 0x5A { candidate += 0x20 }
                    if candidate != needle[offset] { matched = false; break }
                }
                if matched { return true }
            }
            index += 1
        }
        return false
    }

    /// Lower-case ASCII words looked for together, ignoring ASCII case, in one pass over the bytes
    /// (one scan per word made RB009's pre-check 4 % of a 10,000-runbook check).
    struct Words: Sendable {
        let words: [[UInt8]]
        /// For each lower-case byte, the words starting with it.
        private let byFirstByte: [[Int]]
        /// A bit per pair of lower-case bytes that begins some word (every pair after the first byte
        /// of a one-byte word): most positions in a text begin no word's first two bytes, and are
        /// passed over without looking at the words (the per-position word lists were most of RB009).
        private let pairs: [UInt64]

        init(_ words: [String]) {
            self.words = words.map { Array($0.utf8) }
            var buckets = [[Int]](repeating: [], count: 256)
            var pairs = [UInt64](repeating: 0, count: 256 * 256 / 64)
            for (index, word) in self.words.enumerated() {
                guard let first = word.first else { continue }
                buckets[Int(first)].append(index)
                let seconds = word.count > 1 ? [word[1]] : Array(0...255)
                for second in seconds {
                    let bit = Int(first) << 8 | Int(second)
                    pairs[bit >> 6] |= 1 << UInt64(bit & 63)
                }
            }
            byFirstByte = buckets
            self.pairs = pairs
        }

        /// Which words occur in `bytes`, by index. The same answer as `containsIgnoringCase` per word.
        func found(in bytes: UnsafeBufferPointer<UInt8>) -> [Bool] {
            var found = [Bool](repeating: false, count: words.count)
            var remaining = words.count
            let count = bytes.count
            for index in bytes.indices {
                var byte = bytes[index]
                if byte >= 0x41 && byte <= 0x5A { byte += 0x20 }
                if index + 1 < count {
                    var next = bytes[index + 1]
                    if next >= 0x41 && next <= 0x5A { next += 0x20 }
                    let bit = Int(byte) << 8 | Int(next)
                    if pairs[bit >> 6] & (1 << UInt64(bit & 63)) == 0 { continue }
                }
                for candidate in byFirstByte[Int(byte)] where !found[candidate] {
                    let word = words[candidate]
                    guard index + word.count <= bytes.count else { continue }
                    var offset = 1
                    while offset < word.count {
                        var next = bytes[index + offset]
                        if next >= 0x41 && next <= 0x5A { next += 0x20 }
                        if next != word[offset] { break }
                        offset += 1
                    }
                    if offset == word.count {
                        found[candidate] = true
                        remaining -= 1
                        if remaining == 0 { return found }
                    }
                }
            }
            return found
        }
    }
}

/// A necessary condition for a list of regular expressions, decided on bytes: each expression is
/// given with lower-case ASCII words that every match of it contains. Text in which no expression has
/// all its words cannot match any of them, and they need not run (ICU's search was the largest cost
/// of RB006 and RB010 even as one alternation). Text with a byte outside ASCII always may match: ICU's
/// case-insensitive matching folds some other characters to ASCII letters (the Kelvin sign to `k`).
struct RequiredWords: Sendable {
    private let words: ByteSearch.Words
    /// Per expression, the indices of its words in `words`.
    private let groups: [[Int]]

    init(_ groups: [[String]]) {
        var all: [String] = []
        self.groups = groups.map { group in
            group.map { word in
                if let index = all.firstIndex(of: word) { return index }
                all.append(word)
                return all.count - 1
            }
        }
        words = ByteSearch.Words(all)
    }

    /// False only when no expression can match `text`.
    func mayMatch(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable(mayMatch) ?? Array(text.utf8).withUnsafeBufferPointer(mayMatch)
    }

    private func mayMatch(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if bytes.contains(where: { $0 >= 0x80 }) { return true }
        let found = words.found(in: bytes)
        return groups.contains { group in group.allSatisfy { found[$0] } }
    }
}

extension NSRegularExpression {
    /// One expression matching wherever any of `expressions` matches (each in its own group, so its
    /// inline flags such as `(?i)` stay its own); nil if it cannot be built. A pre-check only: which
    /// one matched, and where, is still asked of each.
    static func anyOf(_ expressions: [NSRegularExpression]) -> NSRegularExpression? {
        try? NSRegularExpression(pattern: expressions.map { "(?:\($0.pattern))" }.joined(separator: "|"))
    }
}
