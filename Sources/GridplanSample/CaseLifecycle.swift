/// The case loop of a sample event (发现 → 派遣 → 结案): when it was reported, dispatched and
/// closed, its deadline (处置时限), status and source, drawn from a stream of its own so the
/// events' places, classes and dates are those of a city generated without it.
///
/// Times are local (Asia/Shanghai, +08:00, no daylight saving) and counted in minutes from
/// 1 January of ``SampleConfiguration/eventYear``; the data is a snapshot taken at
/// ``snapshotMinute`` (1 January of the next year, 00:00), so a case that would close later is
/// still open, and one that would be dispatched later was never dispatched.
public struct SampleLifecycle: Sendable, Equatable {
    /// How the case stands in the snapshot.
    public enum Outcome: String, Sendable, CaseIterable {
        case closedOnTime = "closed_on_time"
        case closedLate = "closed_late"
        case open
        case neverDispatched = "never_dispatched"
    }

    public var reportedMinute: Int
    public var dispatchedMinute: Int?
    public var closedMinute: Int?
    public var deadlineMinute: Int
    /// patrol (监督员巡查), hotline (12345), public (APP and 随手拍).
    public var source: String
    public var outcome: Outcome

    /// `reported` (立案, not yet dispatched), `dispatched` (处置中) or `closed` (已结案).
    public var status: String {
        closedMinute != nil ? "closed" : dispatchedMinute != nil ? "dispatched" : "reported"
    }

    /// The snapshot time: 1 January 00:00 of the year after the events.
    public static let snapshotMinute = 365 * 1440
    /// The offset written on every time.
    public static let offset = "+08:00"

    /// Hours allowed to close a case of each class (a **default** local rule, not a standard).
    public static let deadlineHours: [String: Int] = [
        "突发事件": 2, "街面秩序": 4, "市容环境": 8, "宣传广告": 24, "施工管理": 48, "其他": 72,
    ]

    /// Draws the lifecycle of an event of `eventClass` reported on day `day` (0-based in the year).
    static func draw(day: Int, eventClass: String, rng: inout SplitMix64) -> SampleLifecycle {
        let source = rng.pick([("patrol", 0.6), ("hotline", 0.3), ("public", 0.1)])
        // Patrollers report in working hours, the public from early to late.
        let minuteOfDay = source == "patrol" ? 8 * 60 + rng.int(below: 10 * 60) : 6 * 60 + rng.int(below: 17 * 60)
        let reported = day * 1440 + minuteOfDay
        let limit = (deadlineHours[eventClass] ?? 24) * 60
        let deadline = reported + limit
        let wanted = rng.pick([
            (Outcome.closedOnTime, 0.81), (.closedLate, 0.12), (.open, 0.05), (.neverDispatched, 0.02),
        ])
        // Dispatch within a few minutes to two hours, but well inside the deadline.
        let delay = max(1, min(Int(Double(limit) * 0.3), 5 + rng.int(below: 115)))
        let dispatched = reported + delay
        var closed: Int?
        switch wanted {
        case .closedOnTime: closed = dispatched + max(1, Int(Double(deadline - dispatched) * rng.uniform(0.2, 1.0)))
        case .closedLate: closed = deadline + max(1, Int(Double(limit) * rng.uniform(0.1, 3.0)))
        case .open, .neverDispatched: closed = nil
        }
        var life = SampleLifecycle(
            reportedMinute: reported, dispatchedMinute: wanted == .neverDispatched ? nil : dispatched,
            closedMinute: closed,
            deadlineMinute: deadline, source: source, outcome: wanted)
        // The snapshot: what had not happened yet has not happened.
        if let c = life.closedMinute, c > snapshotMinute {
            life.closedMinute = nil
            life.outcome = .open
        }
        if let d = life.dispatchedMinute, d > snapshotMinute {
            life.dispatchedMinute = nil
            life.outcome = .neverDispatched
        }
        return life
    }

    /// `minute` as ISO 8601 with the +08:00 offset: `2023-03-01T09:30:00+08:00`.
    public static func text(_ minute: Int) -> String {
        var day = minute / 1440
        let m = minute % 1440
        var year = SampleConfiguration.eventYear
        var month = 0
        func days(_ month: Int, _ year: Int) -> Int {
            month == 1
                ? (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28)
                : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month]
        }
        while day >= days(month, year) {
            day -= days(month, year)
            month += 1
            if month == 12 {
                month = 0
                year += 1
            }
        }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month + 1))-\(two(day + 1))T\(two(m / 60)):\(two(m % 60)):00\(offset)"
    }
}

/// Case counts of one community as the generator made them, for truth.json.
public struct SampleCaseCounts: Sendable, Equatable {
    public var cases = 0
    public var dispatched = 0
    public var closed = 0
    public var closedOnTime = 0
    public var closedLate = 0
    public var open = 0
    public var neverDispatched = 0

    mutating func add(_ life: SampleLifecycle) {
        cases += 1
        if life.dispatchedMinute != nil { dispatched += 1 }
        switch life.outcome {
        case .closedOnTime:
            closed += 1
            closedOnTime += 1
        case .closedLate:
            closed += 1
            closedLate += 1
        case .open: open += 1
        case .neverDispatched: neverDispatched += 1
        }
    }
}
