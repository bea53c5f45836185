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
}
