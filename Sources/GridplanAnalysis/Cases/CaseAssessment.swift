import Foundation
import GridplanGeometry

/// A unit cases are counted in: its code (which gives its level and its ancestors by prefix),
/// name, and what the per-area and per-household figures divide by.
public struct AssessedUnit: Sendable {
    public var code: String
    public var name: String?
    public var areaSquareMetres: Double?
    public var households: Double?

    public init(code: String, name: String? = nil, areaSquareMetres: Double? = nil, households: Double? = nil) {
        self.code = code
        self.name = name
        self.areaSquareMetres = areaSquareMetres
        self.households = households
    }
}

/// What a score is made of, with its weight: `closure:0.7,external:0.3`.
public struct ScoreWeight: Sendable, Equatable {
    public enum Component: String, Sendable, CaseIterable {
        /// The closure rate, as a percentage.
        case closure
        /// The on-time rate, as a percentage.
        case onTime = "on_time"
        /// The score from the `--scores` file (a third-party check), as given.
        case external
    }

    public var component: Component
    public var weight: Double

    public init(_ component: Component, _ weight: Double) {
        self.component = component
        self.weight = weight
    }

    /// Parses `closure:0.7,external:0.3`.
    /// - Throws: a message naming the part that is wrong.
    public static func parse(_ text: String) throws -> [ScoreWeight] {
        var out: [ScoreWeight] = []
        for part in text.split(separator: ",") {
            let kv = part.split(separator: ":")
            guard kv.count == 2,
                let c = Component(
                    rawValue: kv[0].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "-", with: "_")),
                let w = Double(kv[1].trimmingCharacters(in: .whitespaces)), w.isFinite, w >= 0
            else {
                throw CaseInputError(
                    "--weights: '\(part)' is not COMPONENT:WEIGHT (components: \(Component.allCases.map(\.rawValue).joined(separator: ", ")); weights ≥ 0)"
                )
            }
            guard !out.contains(where: { $0.component == c }) else {
                throw CaseInputError("--weights: \(c.rawValue) is given twice")
            }
            out.append(ScoreWeight(c, w))
        }
        guard !out.isEmpty else { throw CaseInputError("--weights: no weights given") }
        return out
    }
}

/// A message about case data, for the user.
public struct CaseInputError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The figures of one unit in one period (see README, "Cases and assessment", for each).
public struct CaseFigures: Sendable {
    public var code: String
    public var name: String?
    public var level: HierarchyLevel
    public var period: CasePeriod
    /// Cases reported in the period (consistent ones only).
    public var cases = 0
    public var byClass: [String: Int] = [:]
    public var bySource: [String: Int] = [:]
    public var dispatched = 0
    /// Cases with a closed time, as of the data.
    public var closed = 0
    public var closedOnTime = 0
    /// Cases whose times contradict each other, counted apart from every other figure.
    public var inconsistent = 0
    /// Still open at the period's end (or at the data's as-of time, if earlier).
    public var backlog = 0
    /// Open and past their deadline at that time; nil when no case has a deadline.
    public var overdue: Int?
    public var medianHoursToClose: Double?
    public var areaSquareMetres: Double?
    public var households: Double?
    /// From the `--scores` file.
    public var external: Double?
    public var score: Double?
    /// 1 = best in its level and period; nil without a score.
    public var rank: Int?
    /// Places gained since the previous period (previous rank − rank); nil when either is missing.
    public var rankChange: Int?
    /// Whether the data has deadlines at all (else on-time figures are unknown, not zero).
    public var knowsDeadlines = true

    public init(code: String, name: String?, level: HierarchyLevel, period: CasePeriod) {
        self.code = code
        self.name = name
        self.level = level
        self.period = period
    }

    /// closed / cases; nil for a unit without cases.
    public var closureRate: Double? { cases > 0 ? Double(closed) / Double(cases) : nil }
    /// Closed no later than the deadline / cases; nil without cases or without deadlines.
    public var onTimeRate: Double? { cases > 0 && knowsDeadlines ? Double(closedOnTime) / Double(cases) : nil }
    public var casesPerSquareKilometre: Double? {
        areaSquareMetres.flatMap { $0 > 0 ? Double(cases) / ($0 / 1e6) : nil }
    }
    public var casesPerThousandHouseholds: Double? { households.flatMap { $0 > 0 ? Double(cases) / $0 * 1000 : nil } }
}

/// A case in no unit, with the unit that answers for it (属地兜底): the nearest.
public struct UnplacedCase: Sendable {
    public var record: CaseRecord
    public var fallbackOwner: String?
    public var distanceMetres: Double?
}

/// A case still open at the as-of time.
public struct OpenCase: Sendable {
    public var record: CaseRecord
    public var unit: String?
    public var hoursOpen: Double
    public var isOverdue: Bool
}

/// The whole assessment: rows for every unit (base level and each level above) in every period.
public struct CaseReport: Sendable {
    public var periods: [CasePeriod]
    /// Level by level (base first), then code, then period.
    public var rows: [CaseFigures]
    public var unplaced: [UnplacedCase]
    public var inconsistent: [(record: CaseRecord, kinds: [CaseInconsistency])]
    /// Open cases at the as-of time, the longest open first.
    public var longestOpen: [OpenCase]
    /// The time figures are computed as of: the latest time in the data unless given.
    public var asOf: Date?
    public var baseLevel: HierarchyLevel
    public var casesRead: Int
    public var casesInPeriods: Int
    public var casesOutsidePeriods: Int
    public var weights: [ScoreWeight]

    /// The rows of one level and period.
    public func rows(level: HierarchyLevel, period: CasePeriod) -> [CaseFigures] {
        rows.filter { $0.level == level && $0.period == period }
    }
}

/// Computes the 数字城管 assessment figures per unit and period, rolled up by code prefix.
///
/// Each case counts in the period of its `reportedAt` and in the unit it was placed in (the
/// caller places cases with ``PointAssigner``, so the lower-code rule for overlaps is the one of
/// `assign points`), then in every unit above by code prefix. Cases whose times contradict each
/// other (closed or due before reported) are counted apart, in `inconsistent` only.
public enum CaseAssessor {
    public struct Options: Sendable {
        public var period: PeriodKind = .month
        /// First instant assessed (local midnight of `--since`).
        public var since: Date?
        /// First instant not assessed (the local midnight after `--until`).
        public var until: Date?
        /// Figures as of this time; default the latest time in the data.
        public var asOf: Date?
        public var weights: [ScoreWeight] = [ScoreWeight(.closure, 1)]
        /// External scores: unit code → period label → score.
        public var external: [String: [String: Double]] = [:]
        /// Whether the data carries deadlines (a deadline field was found).
        public var knowsDeadlines = true
        /// The base units' level when their codes do not say it.
        public var baseLevel: HierarchyLevel?
        /// How many open cases to list.
        public var openListLimit = 20
        public init() {}
    }

    /// - Parameters:
    ///   - cases: every case read.
    ///   - placement: the code of the unit each case lies in (nil: in no unit).
    ///   - units: every unit cases may be placed in (with `--store`, those of every generation
    ///     used; a code drawn twice keeps its last description).
    ///   - fallback: the nearest unit and its distance, for each case in no unit.
    public static func run(
        cases: [CaseRecord], placement: [String?], units: [AssessedUnit],
        fallback: [Int: (code: String, distanceMetres: Double)],
        clock: CaseClock, options: Options
    ) -> CaseReport {
        precondition(cases.count == placement.count)
        var unitByCode: [String: AssessedUnit] = [:]
        var baseCodes: [String] = []
        for u in units {
            if unitByCode[u.code] == nil { baseCodes.append(u.code) }
            unitByCode[u.code] = u
        }
        baseCodes.sort()
        let levelOfLength = Dictionary(uniqueKeysWithValues: HierarchyLevel.allCases.map { ($0.codeLength, $0) })
        let baseLevel =
            options.baseLevel ?? baseCodes.first.flatMap { levelOfLength[$0.count] ?? ($0.count == 14 ? .grid : nil) }
            ?? .grid
        // Only codes of the base level's length roll up; others (#index names) stay alone.
        func ancestors(of code: String) -> [(HierarchyLevel, String)] {
            let own = levelOfLength[code.count] ?? (code.count == 14 ? .grid : nil)
            guard let own, own == baseLevel else { return [] }
            return baseLevel.ancestors.map { ($0, String(code.prefix($0.codeLength))) }
        }

        // The periods: from --since (or the first report) to --until (or the last report).
        let reports = cases.map(\.reportedAt)
        var periods: [CasePeriod] = []
        if let first = options.since ?? reports.min(),
            let lastExclusive = options.until ?? reports.max().map({ $0.addingTimeInterval(1e-3) }),
            first < lastExclusive
        {
            periods = clock.periods(options.period, from: first, through: lastExclusive.addingTimeInterval(-1e-3))
        }
        let asOf =
            options.asOf ?? cases.flatMap { [$0.reportedAt, $0.dispatchedAt, $0.closedAt].compactMap { $0 } }.max()

        struct Tally {
            var f: CaseFigures
            var hours: [Double] = []
        }
        // (level, code) → per-period tallies.
        var tallies: [String: [Tally]] = [:]
        var order: [(HierarchyLevel, String)] = []
        func key(_ level: HierarchyLevel, _ code: String) -> String { "\(level.rawValue):\(code)" }
        func ensure(_ level: HierarchyLevel, _ code: String) {
            let k = key(level, code)
            guard tallies[k] == nil else { return }
            order.append((level, code))
            tallies[k] = periods.map { p in
                var f = CaseFigures(
                    code: code, name: level == baseLevel ? unitByCode[code]?.name : nil, level: level, period: p)
                f.knowsDeadlines = options.knowsDeadlines
                if !options.knowsDeadlines { f.overdue = nil } else { f.overdue = 0 }
                return Tally(f: f)
            }
        }
        for code in baseCodes {
            ensure(baseLevel, code)
            for (l, c) in ancestors(of: code) { ensure(l, c) }
        }
        // Area and households: the base unit's, summed upwards (households only when every member has them).
        var memberCount: [String: Int] = [:]
        var householdMembers: [String: Int] = [:]
        var areaSum: [String: Double] = [:]
        var householdSum: [String: Double] = [:]
        for code in baseCodes {
            let u = unitByCode[code]!
            for (l, c) in [(baseLevel, code)] + ancestors(of: code) {
                let k = key(l, c)
                memberCount[k, default: 0] += 1
                if let a = u.areaSquareMetres { areaSum[k, default: 0] += a }
                if let h = u.households {
                    householdSum[k, default: 0] += h
                    householdMembers[k, default: 0] += 1
                }
            }
        }

        let periodStarts = periods.map(\.start)
        func periodIndex(_ d: Date) -> Int? {
            guard let firstStart = periodStarts.first, d >= firstStart, d < periods.last!.end else { return nil }
            var lo = 0, hi = periods.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if periodStarts[mid] <= d { lo = mid } else { hi = mid - 1 }
            }
            return lo
        }
        var inPeriods = 0
        var outside = 0
        var inconsistentList: [(record: CaseRecord, kinds: [CaseInconsistency])] = []
        for (n, r) in cases.enumerated() {
            let kinds = r.inconsistencies
            if !kinds.isEmpty { inconsistentList.append((r, kinds)) }
            guard let p = periodIndex(r.reportedAt) else {
                outside += 1
                continue
            }
            inPeriods += 1
            guard let code = placement[n], unitByCode[code] != nil else { continue }
            let cutoff = min(periods[p].end, asOf ?? periods[p].end)
            for (l, c) in [(baseLevel, code)] + ancestors(of: code) {
                let k = key(l, c)
                var t = tallies[k]![p]
                if !kinds.isEmpty {
                    t.f.inconsistent += 1
                } else {
                    t.f.cases += 1
                    t.f.byClass[r.caseClass ?? "", default: 0] += 1
                    t.f.bySource[r.source ?? "", default: 0] += 1
                    if r.dispatchedAt != nil { t.f.dispatched += 1 }
                    if let closed = r.closedAt {
                        t.f.closed += 1
                        t.hours.append(closed.timeIntervalSince(r.reportedAt) / 3600)
                    }
                    if r.isClosedOnTime { t.f.closedOnTime += 1 }
                    if r.isOpen(at: cutoff) {
                        t.f.backlog += 1
                        if let d = r.deadline, d < cutoff, options.knowsDeadlines {
                            t.f.overdue = (t.f.overdue ?? 0) + 1
                        }
                    }
                }
                tallies[k]![p] = t
            }
        }

        // Finish: medians, denominators, external scores, scores.
        var rows: [CaseFigures] = []
        let levels = [baseLevel] + baseLevel.ancestors
        let sortedOrder = order.sorted { a, b in
            let la = levels.firstIndex(of: a.0)!, lb = levels.firstIndex(of: b.0)!
            return la != lb ? la < lb : a.1 < b.1
        }
        var baseExternal: [String: [String: [Double]]] = [:]  // ancestor key → period → member scores
        for code in baseCodes {
            for (p, period) in periods.enumerated() {
                guard let e = options.external[code]?[period.label] else { continue }
                _ = p
                for (l, c) in ancestors(of: code) {
                    baseExternal[key(l, c), default: [:]][period.label, default: []].append(e)
                }
            }
        }
        for (l, c) in sortedOrder {
            let k = key(l, c)
            for var t in tallies[k]! {
                t.hours.sort()
                if !t.hours.isEmpty {
                    let m = t.hours.count
                    t.f.medianHoursToClose = m % 2 == 1 ? t.hours[m / 2] : (t.hours[m / 2 - 1] + t.hours[m / 2]) / 2
                }
                t.f.areaSquareMetres = areaSum[k]
                t.f.households = householdMembers[k] == memberCount[k] ? householdSum[k] : nil
                if let e = options.external[c]?[t.f.period.label] {
                    t.f.external = e
                } else if let members = baseExternal[k]?[t.f.period.label], !members.isEmpty {
                    t.f.external = members.reduce(0, +) / Double(members.count)
                }
                t.f.score = score(t.f, weights: options.weights)
                rows.append(t.f)
            }
        }
        rank(&rows, periods: periods)

        // Cases in no unit, with their fallback owner.
        var unplaced: [UnplacedCase] = []
        for (n, r) in cases.enumerated() where placement[n] == nil || unitByCode[placement[n]!] == nil {
            unplaced.append(
                UnplacedCase(record: r, fallbackOwner: fallback[n]?.code, distanceMetres: fallback[n]?.distanceMetres))
        }
        var open: [OpenCase] = []
        if let asOf {
            for (n, r) in cases.enumerated() where r.inconsistencies.isEmpty && r.isOpen(at: asOf) {
                open.append(
                    OpenCase(
                        record: r, unit: placement[n] ?? fallback[n]?.code,
                        hoursOpen: asOf.timeIntervalSince(r.reportedAt) / 3600,
                        isOverdue: r.deadline.map { $0 < asOf } ?? false))
            }
        }
        open.sort { $0.hoursOpen != $1.hoursOpen ? $0.hoursOpen > $1.hoursOpen : $0.record.id < $1.record.id }
        return CaseReport(
            periods: periods, rows: rows, unplaced: unplaced, inconsistent: inconsistentList,
            longestOpen: Array(open.prefix(options.openListLimit)),
            asOf: asOf, baseLevel: baseLevel, casesRead: cases.count, casesInPeriods: inPeriods,
            casesOutsidePeriods: outside, weights: options.weights)
    }

    /// Σ weight × component; nil when a weighted component is unknown.
    static func score(_ f: CaseFigures, weights: [ScoreWeight]) -> Double? {
        var total = 0.0
        for w in weights where w.weight > 0 {
            let x: Double?
            switch w.component {
            case .closure: x = f.closureRate.map { $0 * 100 }
            case .onTime: x = f.onTimeRate.map { $0 * 100 }
            case .external: x = f.external
            }
            guard let x else { return nil }
            total += w.weight * x
        }
        return total
    }

    /// Ranks each level's units within each period (best score first, ties share a rank, the
    /// next rank skips: 1, 1, 3), then the change from the previous period.
    static func rank(_ rows: inout [CaseFigures], periods: [CasePeriod]) {
        var groups: [String: [Int]] = [:]
        for (i, r) in rows.enumerated() where r.score != nil {
            groups["\(r.level.rawValue)|\(r.period.label)", default: []].append(i)
        }
        for (_, members) in groups {
            let sorted = members.sorted {
                rows[$0].score! != rows[$1].score! ? rows[$0].score! > rows[$1].score! : rows[$0].code < rows[$1].code
            }
            var previous: Double?
            var currentRank = 0
            for (n, i) in sorted.enumerated() {
                if previous == nil || abs(rows[i].score! - previous!) > 1e-9 { currentRank = n + 1 }
                previous = rows[i].score!
                rows[i].rank = currentRank
            }
        }
        let periodIndex = Dictionary(uniqueKeysWithValues: periods.enumerated().map { ($1.label, $0) })
        var rankOf: [String: Int] = [:]
        for r in rows {
            if let rank = r.rank { rankOf["\(r.level.rawValue)|\(r.code)|\(periodIndex[r.period.label]!)"] = rank }
        }
        for i in rows.indices {
            guard let rank = rows[i].rank, let p = periodIndex[rows[i].period.label], p > 0,
                let before = rankOf["\(rows[i].level.rawValue)|\(rows[i].code)|\(p - 1)"]
            else { continue }
            rows[i].rankChange = before - rank
        }
    }
}

extension AssessedUnit {
    /// Units (in a metric CRS) with their areas measured and their households where known.
    public static func measured(_ units: [UnitInput], households: [String: Double]) throws -> [AssessedUnit] {
        let ctx = GEOSContext()
        return try units.map { u in
            let g = try CoverageModel.validPolygonal(u.geometry, in: ctx)
            return AssessedUnit(
                code: u.code, name: u.name, areaSquareMetres: try g.area, households: households[u.code])
        }
    }

    /// Households per unit from weighted points, each in the unit ``PointAssigner`` gives it.
    public static func households(_ points: [(Coordinate, Double)], in units: [UnitInput]) throws -> [String: Double] {
        var out: [String: Double] = [:]
        for u in units { out[u.code] = 0 }
        for (k, w) in zip(try PointAssigner.run(points: points.map(\.0), units: units), points.map(\.1)) {
            if let k { out[units[k].code, default: 0] += w }
        }
        return out
    }
}
