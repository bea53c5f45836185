// "Did you mean" suggestions by edit distance, for unknown keys and names.

public enum Suggestions {
    /// Damerau–Levenshtein (optimal string alignment) distance over Unicode scalars, case-insensitive.
    public static func distance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs.lowercased().unicodeScalars)
        let b = Array(rhs.lowercased().unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    best = min(best, previousPrevious[j - 2] + 1)
                }
                current[j] = best
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }

    /// The closest candidate within a distance that scales with the word's length, or nil.
    public static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        let normalized = word.replacingOccurrences(of: "-", with: "_")
        var best: (String, Int)?
        for candidate in candidates {
            let d = distance(normalized, candidate.replacingOccurrences(of: "-", with: "_"))
            if let (bestCandidate, bestDistance) = best,
               d > bestDistance || (d == bestDistance && candidate >= bestCandidate) {
                continue
            }
            best = (candidate, d)
        }
        guard let (candidate, d) = best else { return nil }
        let limit = max(1, min(3, word.count / 3))
        return d <= limit ? candidate : nil
    }

    /// The candidate when it is the only one within the distance `closest` allows: a match certain
    /// enough for a fix to rename the word, not just for a "did you mean".
    public static func onlyClose(to word: String, in candidates: some Sequence<String>) -> String? {
        let normalized = word.replacingOccurrences(of: "-", with: "_")
        let limit = max(1, min(3, word.count / 3))
        let close = candidates.filter { distance(normalized, $0.replacingOccurrences(of: "-", with: "_")) <= limit }
        return close.count == 1 ? close[0] : nil
    }
}

extension Suggestions {
    /// Candidates indexed by length, for many "did you mean" questions against one list (every broken
    /// `#anchor` of a page against its headings). Two words whose lengths differ by more than the
    /// allowed distance cannot be within it, so only the lengths around the word are compared; a word
    /// with more candidates of about its length than `windowLimit`, or asked after the index has spent
    /// `budget` comparisons, gets no suggestion rather than a guess, so a page with thousands of
    /// headings and thousands of broken links costs a bounded number of comparisons, not their product.
    /// Below those limits the answer is the one `closest` gives.
    public struct Index: Sendable {
        private var byLength: [Int: [(candidate: String, normalized: String)]] = [:]
        private var budget: Int
        private let windowLimit: Int
        /// Words longer than this get no suggestion: each comparison costs the product of the lengths.
        static let longestWord = 160

        public init(_ candidates: some Sequence<String>, windowLimit: Int = 1_000, budget: Int = 200_000) {
            for candidate in Set(candidates).sorted() {
                let normalized = candidate.replacingOccurrences(of: "-", with: "_")
                byLength[normalized.lowercased().unicodeScalars.count, default: []].append((candidate, normalized))
            }
            self.windowLimit = windowLimit
            self.budget = budget
        }

        public mutating func closest(to word: String) -> String? {
            let normalized = word.replacingOccurrences(of: "-", with: "_")
            let length = normalized.lowercased().unicodeScalars.count
            guard length <= Self.longestWord else { return nil }
            let limit = max(1, min(3, word.count / 3))
            let window = (length - limit...length + limit).compactMap { byLength[$0] }
            let size = window.reduce(0) { $0 + $1.count }
            guard size <= windowLimit, size <= budget else { return nil }
            budget -= size
            var best: (String, Int)?
            for bucket in window {
                for (candidate, candidateNormalized) in bucket {
                    let d = distance(normalized, candidateNormalized)
                    if let (bestCandidate, bestDistance) = best, d > bestDistance || (d == bestDistance && candidate >= bestCandidate) { continue }
                    best = (candidate, d)
                }
            }
            guard let (candidate, d) = best, d <= limit else { return nil }
            return candidate
        }
    }
}
