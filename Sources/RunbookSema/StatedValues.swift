// Review dates and intervals as pages for people state them in a bold label (`**Reviewed**: March
// 2024`, `**Review every**: quarterly`): read where the words leave no doubt, so that a page written
// for people is not told its plain English is an error.

import RunbookSource

public enum StatedValues {
    static let months = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
                         "october", "november", "december"]

    /// A calendar date (YYYY-MM-DD) from `2024-03-05 by Alice` (an ISO date, then a remark),
    /// `March 2024` (the month's last day: a review some time that month is not stale before it ends),
    /// `March 5, 2024` or `5 March 2024`. Nil for anything else, `05/03/2024` included (day or month
    /// first is the reader's guess).
    public static func date(_ text: String) -> String? {
        let trimmed = text.trimmingWhitespace()
        let head = String(trimmed.prefix(10))
        if trimmed.count > 10, TypeChecker.isCalendarDate(head), let next = trimmed.dropFirst(10).first, !next.isNumber, next != "-" {
            return head
        }
        let words = trimmed.lowercased().split { $0 == " " || $0 == "," || $0 == "." }.map(String.init)
        func month(_ word: String) -> Int? {
            guard word.count >= 3 else { return nil }
            return months.firstIndex { $0.hasPrefix(word) }.map { $0 + 1 }
        }
        func year(_ word: String) -> Int? { word.count == 4 ? Int(word).flatMap { (1970...2999).contains($0) ? $0 : nil } : nil }
        func day(_ word: String) -> Int? {
            let digits = word.hasSuffix("st") || word.hasSuffix("nd") || word.hasSuffix("rd") || word.hasSuffix("th") ? String(word.dropLast(2)) : word
            return Int(digits).flatMap { (1...31).contains($0) ? $0 : nil }
        }
        func iso(_ year: Int, _ month: Int, _ day: Int) -> String? {
            func padded(_ value: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(value).count)) + String(value) }
            let text = padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2)
            return TypeChecker.isCalendarDate(text) ? text : nil
        }
        switch words.count {
        case 2:
            guard let month = month(words[0]), let year = year(words[1]) else { return nil }
            return (28...31).reversed().lazy.compactMap { iso(year, month, $0) }.first
        case 3:
            if let month = month(words[0]), let day = day(words[1]), let year = year(words[2]) { return iso(year, month, day) }
            if let day = day(words[0]), let month = month(words[1]), let year = year(words[2]) { return iso(year, month, day) }
            return nil
        default:
            return nil
        }
    }

    /// Milliseconds of `quarterly`, `monthly`, `every 6 months`, `3 months`, `2 weeks`, `yearly`.
    public static func interval(_ text: String) -> Int? {
        let day = 86_400_000
        var words = text.lowercased().split { $0 == " " || $0 == "-" }.map(String.init)
        if words.first == "every" { words.removeFirst() }
        let named = ["daily": 1, "weekly": 7, "fortnightly": 14, "biweekly": 14, "monthly": 30, "bimonthly": 60, "quarterly": 90,
                     "biannually": 182, "semiannually": 182, "yearly": 365, "annually": 365, "annual": 365]
        let units = ["day": 1, "days": 1, "week": 7, "weeks": 7, "month": 30, "months": 30, "quarter": 90, "quarters": 90,
                     "year": 365, "years": 365]
        if words.count == 1, let days = named[words[0]] ?? units[words[0]] { return days * day }
        if words.count == 2, let count = Int(words[0]), (1...1000).contains(count), let days = units[words[1]] { return count * days * day }
        return nil
    }
}
