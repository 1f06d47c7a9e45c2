/// A named street after assignment: its length, the length each unit leads, and its lead (the
/// unit leading the most length; ties: the lower code).
public struct StreetTotal: Sendable, Equatable {
    /// The street's name, or `#id` for a street without one.
    public var name: String
    public var lengthMetres: Double
    public var metresByUnit: [String: Double]
    public var lead: String?
}

/// What assign streets' segments add up to: per named street, per unit, per grade and per body
/// of the grade rule.
public struct StreetSummary: Sendable {
    /// Streets in the order they first appear.
    public var streets: [StreetTotal]
    /// Unit code → street name → metres the unit leads.
    public var metresByUnit: [String: [String: Double]]
    public var metresByGrade: [Int: Double]
    public var metresByBody: [String: Double]

    public init(segments: [StreetSegment], rule: GradeRule?) {
        var totals: [StreetTotal] = []
        var index: [String: Int] = [:]
        var byGrade: [Int: Double] = [:]
        var byBody: [String: Double] = [:]
        // A street's segments mostly come one after another: its name is looked up (hashing a
        // Chinese name is slow) only when it changes.
        var previous: (key: String, at: Int)?
        // By index: a copy of each segment (its strings, line and co-owners) would cost more
        // than the sums.
        for s in segments.indices {
            let length = segments[s].lengthMetres
            let key = segments[s].streetName ?? "#\(segments[s].streetID)"
            let at: Int
            if let p = previous, p.key == key {
                at = p.at
            } else if let i = index[key] {
                at = i
            } else {
                at = totals.count
                index[key] = at
                totals.append(StreetTotal(name: key, lengthMetres: 0, metresByUnit: [:], lead: nil))
            }
            previous = (key, at)
            totals[at].lengthMetres += length
            if let lead = segments[s].lead { totals[at].metresByUnit[lead, default: 0] += length }
            if let g = segments[s].grade {
                byGrade[g, default: 0] += length
                if let b = rule?.body(forGrade: g) { byBody[b, default: 0] += length }
            }
        }
        // Each unit's metres on a street are the street's metres by that unit: the same sums,
        // added in the same order.
        var units: [String: [String: Double]] = [:]
        for t in totals {
            for (lead, metres) in t.metresByUnit { units[lead, default: [:]][t.name] = metres }
        }
        streets = totals.map { t in
            var t = t
            t.lead = t.metresByUnit.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
            return t
        }
        metresByUnit = units
        metresByGrade = byGrade
        metresByBody = byBody
    }

    /// The streets a unit leads, in name order, and their length summed in that order (so the
    /// total has the same bits every run). Sorted once: Chinese names compare slowly.
    public func streets(ledBy unit: String) -> (byName: [(name: String, metres: Double)], metres: Double) {
        let byName = (metresByUnit[unit] ?? [:]).sorted { $0.key < $1.key }.map { (name: $0.key, metres: $0.value) }
        return (byName, byName.reduce(0) { $0 + $1.metres })
    }
}

/// One row of a street chiefs table (街巷长): the street by name or id, its chief, the chief's unit.
public struct ChiefEntry: Sendable, Equatable {
    public var street: String
    public var chief: String
    public var unit: String?
    /// The table's line (for messages).
    public var line: Int

    public init(street: String, chief: String, unit: String?, line: Int) {
        self.street = street
        self.chief = chief
        self.unit = unit
        self.line = line
    }
}

/// The street chiefs against the streets: streets without a chief, chiefs over the length limit,
/// chiefs sitting in another unit than the street's lead, and rows naming no street.
public struct ChiefReview: Sendable {
    public struct Elsewhere: Sendable, Equatable {
        public var chief: String
        public var street: String
        public var chiefUnit: String
        public var leadUnit: String
    }

    public var streetsWithoutChief: [String] = []
    /// Chiefs holding more than the limit, by name, with the metres they hold.
    public var overLimit: [(chief: String, metres: Double)] = []
    public var elsewhere: [Elsewhere] = []
    /// Rows whose street matches no street: (line, street).
    public var unmatched: [(line: Int, street: String)] = []

    public init(_ summary: StreetSummary, chiefs: [ChiefEntry], maxMetresPerChief: Double) {
        var chiefOf: [String: ChiefEntry] = [:]
        for c in chiefs { chiefOf[c.street] = c }
        var load: [String: Double] = [:]
        for s in summary.streets {
            guard let entry = chiefOf[s.name] ?? chiefOf[s.name.hasPrefix("#") ? String(s.name.dropFirst()) : s.name]
            else {
                streetsWithoutChief.append(s.name)
                continue
            }
            load[entry.chief, default: 0] += s.lengthMetres
            if let u = entry.unit, let lead = s.lead, u != lead {
                elsewhere.append(Elsewhere(chief: entry.chief, street: s.name, chiefUnit: u, leadUnit: lead))
            }
        }
        overLimit = load.filter { $0.value > maxMetresPerChief }.sorted { $0.key < $1.key }.map {
            (chief: $0.key, metres: $0.value)
        }
        let known = Set(summary.streets.map(\.name)).union(
            summary.streets.map { $0.name.hasPrefix("#") ? String($0.name.dropFirst()) : $0.name })
        unmatched = chiefs.filter { !known.contains($0.street) }.map { (line: $0.line, street: $0.street) }
    }
}
