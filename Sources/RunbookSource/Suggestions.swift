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
