import Foundation

/// Days from `since` to `until` (both `YYYY-MM-DD`, both included, either open), for counting the
/// events of a period.
public struct DateWindow: Sendable, Equatable {
    public var since: String?
    public var until: String?

    /// - Throws: ``DateWindowError`` for a day that is not `YYYY-MM-DD` or a window that ends
    ///   before it starts.
    public init(since: String?, until: String?) throws {
        for d in [since, until].compactMap({ $0 }) where !Self.isDay(d) {
            throw DateWindowError(message: "dates are YYYY-MM-DD, got '\(d)'")
        }
        if let since, let until, since > until {
            throw DateWindowError(message: "--since \(since) is after --until \(until)")
        }
        self.since = since
        self.until = until
    }

    /// Whether the window restricts anything.
    public var isBounded: Bool { since != nil || until != nil }

    /// Whether `day` (`YYYY-MM-DD`; ISO text compares in date order) lies in the window.
    public func contains(_ day: String) -> Bool {
        if let since, day < since { return false }
        if let until, day > until { return false }
        return true
    }

    /// The number of days in a closed window, nil when either end is open.
    public var days: Double? {
        guard let since, let until else { return nil }
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd"
        f.timeZone = TimeZone(identifier: "UTC")
        guard let a = f.date(from: since), let b = f.date(from: until) else { return nil }
        return b.timeIntervalSince(a) / 86400 + 1
    }

    /// Whether `s` reads as `YYYY-MM-DD`.
    public static func isDay(_ s: String) -> Bool {
        s.count == 10 && s.split(separator: "-").count == 3 && s.split(separator: "-").allSatisfy { Int($0) != nil }
    }
}

public struct DateWindowError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
