// Parsing of durations (`30s`, `5m`, `1h30m`, `2d`, `250ms`) into milliseconds, with a fix for near misses.

import Foundation
import RunbookSource

public enum DurationParser {
    public enum Failure: Error, Equatable {
        case negative
        case malformed(suggestion: String?)
        case overflow
    }

    private static let unitMs: [(suffix: String, ms: Int)] = [("ms", 1), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]

    public static func milliseconds(_ text: String) -> Result<Int, Failure> {
        let trimmed = text.trimmingWhitespace()
        if trimmed.hasPrefix("-") { return .failure(.negative) }
        var rest = Substring(trimmed)
        var total = 0
        var lastRank = -1
        guard !rest.isEmpty else { return .failure(.malformed(suggestion: nil)) }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty else { return .failure(.malformed(suggestion: suggestion(for: trimmed))) }
            guard let number = Int(digits) else { return .failure(.overflow) }
            rest = rest.dropFirst(digits.count)
            // Units must appear largest first, each at most once: `1h30m`, not `30m1h`.
            guard let (rank, unit) = unitMs.enumerated().first(where: { rest.hasPrefix($0.element.suffix) }).map({ (rankOf($0.element.suffix), $0.element) }),
                  rank > lastRank else {
                return .failure(.malformed(suggestion: suggestion(for: trimmed)))
            }
            lastRank = rank
            rest = rest.dropFirst(unit.suffix.count)
            let (product, overflow1) = number.multipliedReportingOverflow(by: unit.ms)
            let (sum, overflow2) = total.addingReportingOverflow(product)
            if overflow1 || overflow2 { return .failure(.overflow) }
            total = sum
        }
        return .success(total)
    }

    private static func rankOf(_ suffix: String) -> Int {
        ["d", "h", "m", "s", "ms"].firstIndex(of: suffix) ?? 0
    }

    /// `5 minutes` → `5m`, `30 sec` → `30s`, `2 hours` → `2h`.
    static func suggestion(for text: String) -> String? {
        let words = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" })
        let parts: [Substring]
        if words.count == 2 {
            parts = words
        } else if words.count == 1 {
            let word = words[0]
            let digits = word.prefix { $0.isNumber }
            guard !digits.isEmpty, digits.count < word.count else { return nil }
            parts = [digits, word.dropFirst(digits.count)]
        } else {
            return nil
        }
        guard let number = Int(parts[0]) else { return nil }
        let unit: String
        switch parts[1] {
        case "ms", "msec", "msecs", "millisecond", "milliseconds": unit = "ms"
        case "s", "sec", "secs", "second", "seconds": unit = "s"
        case "m", "min", "mins", "minute", "minutes": unit = "m"
        case "h", "hr", "hrs", "hour", "hours": unit = "h"
        case "d", "day", "days": unit = "d"
        default: return nil
        }
        return "\(number)\(unit)"
    }

    /// Renders milliseconds back into the shortest duration literal.
    public static func format(milliseconds: Int) -> String {
        if milliseconds == 0 { return "0s" }
        var rest = milliseconds
        var out = ""
        for (suffix, ms) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] where rest >= ms {
            out += "\(rest / ms)\(suffix)"
            rest %= ms
        }
        return out
    }
}
