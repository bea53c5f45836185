// `--now DATE` is read by calendar arithmetic (`CheckOptions.CalendarDay`) instead of Foundation's
// calendar and ISO 8601 formatter: it must accept exactly the dates Foundation accepts and give the
// same moment, and leave everything else (times, other years, invalid dates) to the old reading.

import Foundation
@testable import RunbookDriver
import RunbookIncident
import RunbookSema
import Testing

@Suite struct NowDateTests {
    /// The reading before the shortcut.
    static func foundation(_ text: String) -> Date? {
        TypeChecker.isCalendarDate(text) ? IncidentClock.date(text + "T00:00:00Z") : nil
    }

    @Test func calendarArithmeticAgreesWithFoundation() {
        var texts: [String] = []
        // Every day of some years around the ones that matter (leap years, century rules), and the first of each month elsewhere.
        for year in [1900, 1969, 1970, 1999, 2000, 2004, 2023, 2024, 2026, 2100, 2400] {
            for month in 1...12 {
                for day in 0...32 { texts.append(String(format: "%04d-%02d-%02d", year, month, day)) }
            }
        }
        for year in stride(from: 1900, through: 9999, by: 37) {
            for month in [0, 1, 2, 6, 12, 13] { texts.append(String(format: "%04d-%02d-01", year, month)) }
            texts.append(String(format: "%04d-02-29", year))
        }
        texts += ["1899-12-31", "0001-01-01", "1582-10-10", "2026-1-01", "2026-01-1", "2026/01/01", "2026-01-01 ", " 2026-01-01",
                  "2026-01-01T00:00", "２０２６-01-01", "+026-01-01", "2026-0a-01", ""]
        var accepted = 0
        for text in texts {
            let fast = CheckOptions.CalendarDay(text)?.start
            if let fast {
                accepted += 1
                #expect(fast == Self.foundation(text), "\(text): \(fast) vs \(String(describing: Self.foundation(text)))")
            } else if let year = Int(text.prefix(4)), year >= 1900, text.count == 10 {
                #expect(Self.foundation(text) == nil, "\(text) is a date Foundation accepts but the shortcut refused")
            }
            let moment = CheckOptions.moment(text)
            #expect(moment?.now == Self.foundation(text) ?? moment?.now, "\(text): --now reads the same moment")
            if Self.foundation(text) != nil { #expect(moment?.today == text) }
        }
        #expect(accepted > 4_000, "the comparison compared dates: \(accepted)")
    }
}

extension NowDateTests {
    @Test func todayIsWhatTheFormatterSays() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        let before = formatter.string(from: Date())
        let today = CheckOptions.currentDate()
        let after = formatter.string(from: Date())
        #expect(today == before || today == after, "\(today) vs \(before)")
    }
}
