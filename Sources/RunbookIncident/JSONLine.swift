// The members of one JSON object written on one line (an incident event, a journal event), with the
// byte range of each key and value, so a diagnostic can point at the exact value in the `.jsonl` file.
// It only finds where members are; JSONSerialization and JSONDecoder judge what they hold.

import RunbookSource

public struct JSONLine: Sendable {
    public struct Member: Sendable {
        public let key: String
        public let keyRange: SourceRange
        public let valueRange: SourceRange
    }

    public let members: [Member]

    public func member(_ key: String) -> Member? { members.first { $0.key == key } }

    /// Where a line stops being a JSON object, and why.
    public struct Failure: Error, Sendable {
        public let offset: Int
        public let message: String
    }

    /// Scans `bytes[range]`, offsets relative to the whole file. Nesting is skipped with a counter,
    /// not recursion, so no line can exhaust the stack.
    public static func scan(_ bytes: [UInt8], _ range: SourceRange) -> Result<JSONLine, Failure> {
        var index = range.start
        let end = min(range.end, bytes.count)
        func skipSpace() { while index < end, [0x20, 0x09, 0x0D, 0x0A].contains(bytes[index]) { index += 1 } }
        func fail(_ message: String) -> Result<JSONLine, Failure> { .failure(Failure(offset: min(index, end), message: message)) }
        /// Moves past a string starting at `index` (a quote); false when it never ends.
        func skipString() -> Bool {
            index += 1
            while index < end {
                switch bytes[index] {
                case 0x5C: index += 2
                case 0x22:
                    index += 1
                    return true
                default: index += 1
                }
            }
            return false
        }
        skipSpace()
        guard index < end, bytes[index] == 0x7B else { return fail("expected `{`: each line is one JSON object") }
        index += 1
        var members: [Member] = []
        skipSpace()
        if index < end, bytes[index] == 0x7D {
            index += 1
        } else {
            while true {
                skipSpace()
                guard index < end, bytes[index] == 0x22 else { return fail("expected a key in quotes") }
                let keyStart = index
                guard skipString() else { return fail("a string that never ends") }
                let keyRange = SourceRange(start: keyStart, end: index)
                let key = String(decoding: bytes[(keyStart + 1)..<(index - 1)], as: UTF8.self)
                skipSpace()
                guard index < end, bytes[index] == 0x3A else { return fail("expected `:` after the key") }
                index += 1
                skipSpace()
                let valueStart = index
                guard index < end else { return fail("expected a value") }
                switch bytes[index] {
                case 0x22:
                    guard skipString() else { return fail("a string that never ends") }
                case 0x7B, 0x5B:
                    var depth = 0
                    repeat {
                        switch bytes[index] {
                        case 0x22:
                            guard skipString() else { return fail("a string that never ends") }
                            continue
                        case 0x7B, 0x5B: depth += 1
                        case 0x7D, 0x5D: depth -= 1
                        default: break
                        }
                        index += 1
                    } while index < end && depth > 0
                    guard depth == 0 else { return fail("a `{` or `[` that is never closed") }
                default:
                    while index < end, ![0x2C, 0x7D, 0x5D, 0x20, 0x09, 0x0D].contains(bytes[index]) { index += 1 }
                    guard index > valueStart else { return fail("expected a value") }
                }
                members.append(Member(key: key, keyRange: keyRange, valueRange: SourceRange(start: valueStart, end: index)))
                skipSpace()
                guard index < end else { return fail("the object is not closed with `}`") }
                if bytes[index] == 0x2C {
                    index += 1
                    continue
                }
                guard bytes[index] == 0x7D else { return fail("expected `,` or `}`") }
                index += 1
                break
            }
        }
        skipSpace()
        guard index == end else { return fail("text after the object: one JSON object per line") }
        return .success(JSONLine(members: members))
    }
}
