// The ways teams write a severity, mapped to rbc's four: P0–P3, SEV1–SEV4 (`SEV-1`, `Sev 1`),
// S1–S4 (GitLab's `severity::1`), and Prometheus' alert levels (`critical`, `warning`, `info`).

import Foundation
import RunbookSource

public enum SeveritySpelling {
    /// Prometheus' and common prose levels. `critical` alerts page someone now: P1, since P0 is a
    /// total outage no single alert can state; teams that mean otherwise write P0.
    static let words: [String: StepSeverity] = [
        "critical": .p1, "high": .p1, "page": .p1,
        "warning": .p2, "warn": .p2, "medium": .p2, "major": .p1, "minor": .p3,
        "info": .p3, "informational": .p3, "low": .p3,
        // Alertmanager label values some teams use; the same as alert-rule inference reads them.
        "error": .p2, "none": .p3,
    ]

    /// The words offered in "did you mean" help; a number out of range (`P7`, `SEV5`) gets the list instead.
    static let suggestedWords = ["critical", "warning", "info", "high", "medium", "low", "major", "minor"]

    /// The severity a spelling names, case-insensitively; nil when it names none.
    /// `P0`–`P3` as written; `SEV1`/`SEV-1`/`Sev 1`/`sev_1` and `S1`–`S4` count from 1 (= P0); `SEV0` is P0.
    public static func severity(_ text: String) -> StepSeverity? {
        let lower = text.trimmingWhitespace().lowercased()
        if let word = words[lower] { return word }
        // Letters, then an optional separator, then one digit.
        let letters = String(lower.prefix { $0.isLetter })
        let rest = lower.dropFirst(letters.count).drop { " -_:".contains($0) }
        guard rest.count == 1, let digit = rest.first?.wholeNumberValue else { return nil }
        switch letters {
        case "p": return digit <= 3 ? StepSeverity.allCases[digit] : nil
        case "sev", "s", "severity":
            if digit == 0, letters == "sev" { return .p0 }
            return (1...4).contains(digit) ? StepSeverity.allCases[digit - 1] : nil
        default: return nil
        }
    }

    /// The severity a page for people states in words around it: a spelling followed by a remark
    /// (`Critical (page immediately)`, `P1 - page the on-call`, `SEV-2, customer facing`), or
    /// alternatives (`High/Critical`, `P2 or P3`) of which the most severe holds. Nil when the words
    /// name none, or a remark comes first.
    public static func stated(_ text: String) -> StepSeverity? {
        if let whole = severity(text) { return whole }
        var head = Substring(text.trimmingWhitespace())
        for separator in [" (", "(", " - ", " – ", " — ", ",", ";", ":", ". "] {
            if let range = head.range(of: separator), range.lowerBound > head.startIndex { head = head[..<range.lowerBound] }
        }
        if let first = severity(String(head)) { return first }
        let alternatives = head.replacingOccurrences(of: " or ", with: "/").split(separator: "/").map { String($0) }
        guard alternatives.count > 1 else { return nil }
        let read = alternatives.compactMap { severity($0) }
        guard read.count == alternatives.count else { return nil }
        return read.min { $0.rawValue < $1.rawValue }
    }

    /// A close spelling for a near miss (`critcal` → `critical`, `SEV5` → none), for help text.
    public static func suggestion(for text: String) -> String? {
        guard text.count >= 4, text.allSatisfy(\.isLetter) else { return nil }
        return Suggestions.closest(to: text, in: suggestedWords)
    }
}

import Foundation
