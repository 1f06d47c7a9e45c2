import Foundation

/// Timestamps of the case loop (数字城管): ISO 8601 with or without an offset, read in one local
/// time zone, and the periods (week, month, quarter) cut at local midnight.
///
/// A time without an offset is local time in ``timeZone`` (Asia/Shanghai by default); a date
/// without a time is local midnight, except for a deadline, which a date alone sets at the end
/// of that day (the next local midnight): a case due "2023-03-01" may be closed that evening.
///
/// ```swift
/// let clock = try CaseClock(timeZone: "Asia/Shanghai")
/// let t = try clock.instant("2023-03-01 09:30")      // 01:30 UTC
/// clock.period(of: t, .month).label                   // "2023-03"
/// ```
public struct CaseClock: Sendable {
    public let timeZone: TimeZone
    let calendar: Calendar

    /// - Throws: ``CaseTimeError/unknownTimeZone(_:)`` for a name the system does not know.
    public init(timeZone name: String = "Asia/Shanghai") throws {
        guard let tz = TimeZone(identifier: name) else { throw CaseTimeError.unknownTimeZone(name) }
        timeZone = tz
        var c = Calendar(identifier: .gregorian)
        c.timeZone = tz
        c.firstWeekday = 2  // weeks start on Monday (ISO 8601, and how Chinese bulletins count)
        c.minimumDaysInFirstWeek = 4
        calendar = c
    }

    /// Parses `text`: `YYYY-MM-DD`, then optionally `T` or a space, `HH:MM[:SS[.fff]]`, then
    /// optionally `Z`, `±HH:MM`, `±HHMM` or `±HH`. `/` is accepted as the date separator, as
    /// spreadsheets export it. Nil when `text` is none of these.
    /// - Parameter endOfDay: a date without a time means the end of that day (deadlines).
    public func instant(_ text: String, endOfDay: Bool = false) -> Date? {
        let s = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        var i = 0
        func number(_ digits: ClosedRange<Int>) -> Int? {
            var n = 0, count = 0
            while i < s.count, count < digits.upperBound, s[i] >= 48, s[i] <= 57 {
                n = n * 10 + Int(s[i] - 48)
                i += 1
                count += 1
            }
            return count >= digits.lowerBound ? n : nil
        }
        func take(_ c: UInt8) -> Bool {
            if i < s.count && s[i] == c {
                i += 1
                return true
            }
            return false
        }
        guard let year = number(4...4) else { return nil }
        let sep: UInt8 = i < s.count && s[i] == UInt8(ascii: "/") ? UInt8(ascii: "/") : UInt8(ascii: "-")
        guard take(sep), let month = number(1...2), take(sep), let day = number(1...2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= Self.days(inMonth: month, of: year) else { return nil }
        var hour = 0, minute = 0, second = 0
        var fraction = 0.0
        var hasTime = false
        if i < s.count && (s[i] == UInt8(ascii: "T") || s[i] == UInt8(ascii: " ")) {
            i += 1
            guard let h = number(2...2), take(UInt8(ascii: ":")), let m = number(2...2) else { return nil }
            hour = h
            minute = m
            if take(UInt8(ascii: ":")) {
                guard let sec = number(2...2) else { return nil }
                second = sec
                if take(UInt8(ascii: ".")) || take(UInt8(ascii: ",")) {
                    var scale = 0.1
                    let start = i
                    while i < s.count, s[i] >= 48, s[i] <= 57 {
                        fraction += Double(s[i] - 48) * scale
                        scale /= 10
                        i += 1
                    }
                    guard i > start else { return nil }
                }
            }
            guard hour <= 24, minute < 60, second <= 60, hour < 24 || (minute == 0 && second == 0) else { return nil }
            hasTime = true
        }
        var offsetSeconds: Int?
        if i < s.count {
            guard hasTime else { return nil }
            if take(UInt8(ascii: "Z")) || take(UInt8(ascii: "z")) {
                offsetSeconds = 0
            } else if s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") {
                let sign = s[i] == UInt8(ascii: "-") ? -1 : 1
                i += 1
                guard let oh = number(2...2) else { return nil }
                var om = 0
                if take(UInt8(ascii: ":")) {
                    guard let m = number(2...2) else { return nil }
                    om = m
                } else if let m = number(2...2) {
                    om = m
                }
                guard oh <= 18, om < 60 else { return nil }
                offsetSeconds = sign * (oh * 3600 + om * 60)
            } else {
                return nil
            }
            guard i == s.count else { return nil }
        }
        var parts = DateComponents()
        parts.year = year
        parts.month = month
        parts.day = day
        parts.hour = hour
        parts.minute = minute
        parts.second = second
        if let offsetSeconds {
            var utc = Calendar(identifier: .gregorian)
            utc.timeZone = TimeZone(secondsFromGMT: 0)!
            guard let d = utc.date(from: parts) else { return nil }
            return d.addingTimeInterval(fraction - Double(offsetSeconds))
        }
        guard let d = calendar.date(from: parts) else { return nil }
        if !hasTime && endOfDay { return nextMidnight(after: d) }
        return d.addingTimeInterval(fraction)
    }

    static func days(inMonth month: Int, of year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Local midnight at the start of the day holding `date`.
    public func startOfDay(_ date: Date) -> Date { calendar.startOfDay(for: date) }

    /// The first local midnight after `date`'s day began.
    public func nextMidnight(after date: Date) -> Date {
        calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: date))!
    }

    /// The period of `kind` holding `date`.
    public func period(of date: Date, _ kind: PeriodKind) -> CasePeriod {
        let start: Date
        switch kind {
        case .week:
            start = calendar.dateInterval(of: .weekOfYear, for: date)!.start
        case .month:
            start = calendar.dateInterval(of: .month, for: date)!.start
        case .quarter:
            let c = calendar.dateComponents([.year, .month], from: date)
            start = calendar.date(from: DateComponents(year: c.year, month: (c.month! - 1) / 3 * 3 + 1, day: 1))!
        }
        return makePeriod(kind, start: start)
    }

    /// The period after `p`.
    public func period(after p: CasePeriod) -> CasePeriod { period(of: p.end, p.kind) }

    /// Every period from the one holding `first` to the one holding `last`, in order.
    public func periods(_ kind: PeriodKind, from first: Date, through last: Date) -> [CasePeriod] {
        var out = [period(of: first, kind)]
        while out.last!.end <= last { out.append(period(after: out.last!)) }
        return out
    }

    /// The period a label names: `2023-W09`, `2023-03`, `2023-Q1`; nil when it is none of them.
    public func period(labelled label: String) -> CasePeriod? {
        let t = label.trimmingCharacters(in: .whitespaces).uppercased()
        let parts = t.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, let year = Int(parts[0]) else { return nil }
        let rest = parts[1]
        if rest.hasPrefix("W"), let w = Int(rest.dropFirst()), (1...53).contains(w) {
            var c = DateComponents()
            c.yearForWeekOfYear = year
            c.weekOfYear = w
            c.weekday = 2
            guard let d = calendar.date(from: c) else { return nil }
            let p = period(of: d, .week)
            return p.label == "\(year)-W\(w < 10 ? "0" : "")\(w)" ? p : nil
        }
        if rest.hasPrefix("Q"), let q = Int(rest.dropFirst()), (1...4).contains(q) {
            return period(
                of: calendar.date(from: DateComponents(year: year, month: (q - 1) * 3 + 1, day: 1))!, .quarter)
        }
        if let m = Int(rest), (1...12).contains(m) {
            return period(of: calendar.date(from: DateComponents(year: year, month: m, day: 1))!, .month)
        }
        return nil
    }

    func makePeriod(_ kind: PeriodKind, start: Date) -> CasePeriod {
        let end: Date
        let label: String
        switch kind {
        case .week:
            end = calendar.date(byAdding: .day, value: 7, to: start)!
            let c = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: start)
            label = "\(c.yearForWeekOfYear!)-W\(c.weekOfYear! < 10 ? "0" : "")\(c.weekOfYear!)"
        case .month:
            end = calendar.date(byAdding: .month, value: 1, to: start)!
            let c = calendar.dateComponents([.year, .month], from: start)
            label = "\(c.year!)-\(c.month! < 10 ? "0" : "")\(c.month!)"
        case .quarter:
            end = calendar.date(byAdding: .month, value: 3, to: start)!
            let c = calendar.dateComponents([.year, .month], from: start)
            label = "\(c.year!)-Q\((c.month! - 1) / 3 + 1)"
        }
        return CasePeriod(kind: kind, label: label, start: start, end: end)
    }

    /// `date` as ISO 8601 in the local time zone with its offset: `2023-03-01T09:30:00+08:00`.
    public func text(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let offset = timeZone.secondsFromGMT(for: date)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let sign = offset < 0 ? "-" : "+"
        let o = abs(offset)
        return
            "\(c.year!)-\(two(c.month!))-\(two(c.day!))T\(two(c.hour!)):\(two(c.minute!)):\(two(c.second!))\(sign)\(two(o / 3600)):\(two(o % 3600 / 60))"
    }

    /// `date`'s local calendar day, `YYYY-MM-DD`.
    public func dayText(_ date: Date) -> String { String(text(date).prefix(10)) }
}

/// How cases are grouped in time.
public enum PeriodKind: String, CaseIterable, Sendable {
    case week, month, quarter
}

/// A reporting period: `[start, end)`, both local midnights.
public struct CasePeriod: Sendable, Hashable, Comparable {
    public var kind: PeriodKind
    /// `2023-W09`, `2023-03` or `2023-Q1`.
    public var label: String
    public var start: Date
    public var end: Date

    public func contains(_ d: Date) -> Bool { d >= start && d < end }
    public static func < (a: CasePeriod, b: CasePeriod) -> Bool { a.start < b.start }
}

public enum CaseTimeError: Error, CustomStringConvertible, Sendable {
    case unknownTimeZone(String)

    public var description: String {
        switch self {
        case .unknownTimeZone(let n): return "unknown time zone '\(n)' (use an IANA name such as Asia/Shanghai or UTC)"
        }
    }
}
