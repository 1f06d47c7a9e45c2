import Foundation

/// Where a post sits: a level of the hierarchy, or a named street (街巷长制).
public enum PostLevel: String, CaseIterable, Sendable, Comparable {
    case district
    case streetOffice = "street_office"
    case community, grid, street

    /// The hierarchy level, nil for streets.
    public var hierarchyLevel: HierarchyLevel? { HierarchyLevel(rawValue: rawValue) }

    public init(_ level: HierarchyLevel) { self = PostLevel(rawValue: level.rawValue)! }

    public static func < (a: PostLevel, b: PostLevel) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One readable roster row: a person in a role for a unit (any level) or a named street.
public struct RosterEntry: Sendable, Equatable {
    /// The roster line the row starts on (1 is the header).
    public var line: Int
    public var name: String
    public var role: String
    public var phone: String?
    /// A unit code at any level.
    public var unit: String?
    /// A street name.
    public var street: String?
    /// The name of the person this one reports to.
    public var superior: String?
    /// The tier as written, and as a number (1 the top tier).
    public var tierText: String?
    public var tier: Int?
    public var duties: String?

    public init(
        line: Int, name: String, role: String, phone: String? = nil, unit: String? = nil, street: String? = nil,
        superior: String? = nil, tierText: String? = nil, tier: Int? = nil, duties: String? = nil
    ) {
        self.line = line
        self.name = name
        self.role = role
        self.phone = phone
        self.unit = unit
        self.street = street
        self.superior = superior
        self.tierText = tierText
        self.tier = tier
        self.duties = duties
    }

    /// A tier as written: `1`, `2级`, `二级`; nil when it is none of these.
    public static func tier(fromText text: String) -> Int? { GradeRule.grade(fromText: text) }
}

/// `LEVEL:ROLE=N` or `LEVEL:ROLE>=N`: every unit of LEVEL (every named street) needs exactly, or
/// at least, N people in ROLE (网格六定 fixes a grid's staff; 片长制 one area chief per community).
public struct RoleRequirement: Sendable, Equatable, CustomStringConvertible {
    public var level: PostLevel
    public var role: String
    public var count: Int
    /// `=N` (exactly) rather than `>=N`.
    public var isExact: Bool

    public init(level: PostLevel, role: String, count: Int, isExact: Bool) {
        self.level = level
        self.role = role
        self.count = count
        self.isExact = isExact
    }

    /// - Throws: ``RosterRuleError`` naming what is wrong.
    public init(parsing text: String) throws {
        guard let colon = text.firstIndex(of: ":") else {
            throw RosterRuleError("--require \(text): write LEVEL:ROLE=N or LEVEL:ROLE>=N")
        }
        let levelText = String(text[..<colon]).trimmingCharacters(in: .whitespaces)
        guard let level = PostLevel(rawValue: levelText) else {
            throw RosterRuleError(
                "--require \(text): '\(levelText)' is not a level (\(PostLevel.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        let rest = text[text.index(after: colon)...]
        let exact: Bool
        let cut: Range<String.Index>
        if let r = rest.range(of: ">=") {
            exact = false
            cut = r
        } else if let r = rest.range(of: "=") {
            exact = true
            cut = r
        } else {
            // `--require community:片长>=1` unquoted: the shell took `>=1` as a redirection.
            throw RosterRuleError(
                "--require \(text): write LEVEL:ROLE=N or LEVEL:ROLE>=N (quote the rule in a shell, where > and < redirect)"
            )
        }
        let role = rest[..<cut.lowerBound].trimmingCharacters(in: .whitespaces)
        guard !role.isEmpty else { throw RosterRuleError("--require \(text): no role") }
        guard let n = Int(rest[cut.upperBound...].trimmingCharacters(in: .whitespaces)), n >= (exact ? 0 : 1) else {
            throw RosterRuleError("--require \(text): the count is a whole number (from 1 after >=)")
        }
        self.init(level: level, role: role, count: n, isExact: exact)
    }

    /// `=1` or `>=1`, as `missing` reports it.
    public var requiredText: String { (isExact ? "=" : ">=") + String(count) }

    public func isMet(by present: Int) -> Bool { isExact ? present == count : present >= count }

    public var description: String { "\(level.rawValue):\(role)\(requiredText)" }
}

/// `ROLE:km<=X`, `ROLE:households<=N` or `ROLE:grids<=N`: the most one person in ROLE may hold.
public struct RoleLimit: Sendable, Equatable, CustomStringConvertible {
    public enum Measure: String, Sendable, CaseIterable {
        /// Street length: the streets the person holds, and the street length their units lead.
        case km
        /// Households in the units the person holds.
        case households
        /// Unit grids in the units the person holds.
        case grids
    }

    public var role: String
    public var measure: Measure
    public var maximum: Double

    public init(role: String, measure: Measure, maximum: Double) {
        self.role = role
        self.measure = measure
        self.maximum = maximum
    }

    /// - Throws: ``RosterRuleError`` naming what is wrong.
    public init(parsing text: String) throws {
        guard let colon = text.lastIndex(of: ":"), let le = text[colon...].range(of: "<=") else {
            throw RosterRuleError("--limit \(text): write ROLE:km<=X, ROLE:households<=N or ROLE:grids<=N")
        }
        let role = text[..<colon].trimmingCharacters(in: .whitespaces)
        let measureText = text[text.index(after: colon)..<le.lowerBound].trimmingCharacters(in: .whitespaces)
        guard !role.isEmpty else { throw RosterRuleError("--limit \(text): no role") }
        guard let measure = Measure(rawValue: measureText) else {
            throw RosterRuleError("--limit \(text): '\(measureText)' is not km, households or grids")
        }
        guard let maximum = Double(text[le.upperBound...].trimmingCharacters(in: .whitespaces)), maximum.isFinite,
            maximum >= 0
        else {
            throw RosterRuleError("--limit \(text): the limit is a number from 0")
        }
        self.init(role: role, measure: measure, maximum: maximum)
    }

    public var description: String { "\(role):\(measure.rawValue)<=\(RosterCheck.format(maximum))" }
}

/// A requirement or limit that cannot be used.
public struct RosterRuleError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What the roster is checked against: the units of each level, the named streets, and the load
/// measures (street length, households, grids) taken from the store.
public struct RosterWorld: Sendable {
    /// Unit codes and names per level; a level with no units is absent from the store.
    public var units: [HierarchyLevel: [(code: String, name: String?)]]
    /// Each named street's length in metres.
    public var streetMetres: [String: Double]
    /// Households per unit code (any level; rolled up where a layer carries none).
    public var households: [String: Double]
    /// Every grid code (the latest generation).
    public var gridCodes: [String]
    /// Street length each unit leads, in metres, by the lead unit's code (from `assign streets`);
    /// nil when no assignment was recorded.
    public var leadMetres: [String: Double]?

    public init(
        units: [HierarchyLevel: [(code: String, name: String?)]], streetMetres: [String: Double],
        households: [String: Double],
        gridCodes: [String], leadMetres: [String: Double]?
    ) {
        self.units = units
        self.streetMetres = streetMetres
        self.households = households
        self.gridCodes = gridCodes
        self.leadMetres = leadMetres
    }

    /// The level of the unit `code`, nil when no unit has it.
    public func level(of code: String) -> HierarchyLevel? {
        levelIndex[code]
    }

    var levelIndex: [String: HierarchyLevel] {
        var out: [String: HierarchyLevel] = [:]
        for (level, us) in units { for u in us { out[u.code] = level } }
        return out
    }
}

/// What a roster check found.
public struct RosterReport: Sendable {
    /// A unit or named street short of a required role.
    public struct Missing: Sendable, Equatable {
        public var level: PostLevel
        /// The unit's code, or the street's name.
        public var unit: String
        public var unitName: String?
        public var role: String
        public var required: String
        public var present: Int
    }

    /// A person holding more than a limit allows.
    public struct OverLimit: Sendable, Equatable {
        public var name: String
        public var role: String
        public var measure: RoleLimit.Measure
        public var limit: Double
        public var value: Double
        /// The roster lines of the posts counted.
        public var lines: [Int]
    }

    /// A row naming a unit or street the store does not have.
    public struct Unknown: Sendable, Equatable {
        public var line: Int
        public var name: String
        public var role: String
        /// `unit` or `street`.
        public var kind: String
        public var value: String
        public var reason: String
    }

    /// A superior who is not on the roster, or of a lower tier than the person.
    public struct SuperiorProblem: Sendable, Equatable {
        public var line: Int
        public var name: String
        public var superior: String
        /// `missing` or `lower_tier`.
        public var problem: String
        public var tier: Int?
        public var superiorTier: Int?
    }

    public var missing: [Missing]
    public var overLimit: [OverLimit]
    public var unknown: [Unknown]
    public var superiors: [SuperiorProblem]
    /// Rows, distinct people, and posts per level.
    public var rows: Int
    public var people: Int
    public var postsByLevel: [PostLevel: Int]
    /// Notes on what could not be measured (street length led by units with no assignment recorded).
    public var notes: [String]
}

/// Checks a roster against the units and streets it answers for: every unit or named street
/// lacking a required role, people over a limit, rows naming a unit or street that does not
/// exist, superiors missing or of a lower tier.
public enum RosterCheck {
    /// The rows of a roster that concern the unit `prefix` (`--within`) of a world read for that
    /// unit only: rows for it, a unit inside it or one above it, and rows for the streets in it.
    /// The others (the rest of a district's roster) are passed over, not reported as unknown.
    public static func entries(_ entries: [RosterEntry], within prefix: String, world: RosterWorld) -> (
        kept: [RosterEntry], passedOver: Int
    ) {
        let kept = entries.filter { e in
            if let u = e.unit { return u.hasPrefix(prefix) || prefix.hasPrefix(u) }
            if let s = e.street { return world.streetMetres[s] != nil }
            return true
        }
        return (kept, entries.count - kept.count)
    }

    public static func run(
        _ entries: [RosterEntry], world: RosterWorld, requirements: [RoleRequirement], limits: [RoleLimit]
    ) -> RosterReport {
        let levelOf = world.levelIndex
        var unknown: [RosterReport.Unknown] = []
        var known: [RosterEntry] = []
        for e in entries {
            var ok = true
            if let u = e.unit, levelOf[u] == nil {
                ok = false
                let guess = HierarchyLevel.allCases.first { $0.codeLength == u.count || ($0 == .grid && u.count == 14) }
                let reason: String
                if let guess, (world.units[guess] ?? []).isEmpty {
                    reason = "no unit has this code: the store has no \(guess.rawValue) units"
                } else {
                    reason = "no unit at any level has this code"
                }
                unknown.append(.init(line: e.line, name: e.name, role: e.role, kind: "unit", value: u, reason: reason))
            }
            if let s = e.street, world.streetMetres[s] == nil {
                ok = false
                unknown.append(
                    .init(
                        line: e.line, name: e.name, role: e.role, kind: "street", value: s,
                        reason: "no street in the store has this name"))
            }
            if ok { known.append(e) }
        }

        // People per (post, role): distinct names.
        var unitRoles: [String: [String: Set<String>]] = [:]
        var streetRoles: [String: [String: Set<String>]] = [:]
        var postsByLevel: [PostLevel: Int] = [:]
        for e in known {
            if let s = e.street {
                streetRoles[s, default: [:]][e.role, default: []].insert(e.name)
                postsByLevel[.street, default: 0] += 1
            } else if let u = e.unit, let level = levelOf[u] {
                unitRoles[u, default: [:]][e.role, default: []].insert(e.name)
                postsByLevel[PostLevel(level), default: 0] += 1
            }
        }

        var missing: [RosterReport.Missing] = []
        for r in requirements {
            if r.level == .street {
                for name in world.streetMetres.keys.sorted() {
                    let n = streetRoles[name]?[r.role]?.count ?? 0
                    if !r.isMet(by: n) {
                        missing.append(
                            .init(
                                level: .street, unit: name, unitName: nil, role: r.role, required: r.requiredText,
                                present: n))
                    }
                }
            } else if let level = r.level.hierarchyLevel {
                for u in (world.units[level] ?? []).sorted(by: { $0.code < $1.code }) {
                    let n = unitRoles[u.code]?[r.role]?.count ?? 0
                    if !r.isMet(by: n) {
                        missing.append(
                            .init(
                                level: r.level, unit: u.code, unitName: u.name, role: r.role, required: r.requiredText,
                                present: n))
                    }
                }
            }
        }

        var notes: [String] = []
        var overLimit: [RosterReport.OverLimit] = []
        let gridCodes = world.gridCodes.sorted()
        func gridCount(_ code: String) -> Int {
            // Grids whose code starts with the unit's: the grids of a community, office or district.
            var lo = 0, hi = gridCodes.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if gridCodes[mid] < code { lo = mid + 1 } else { hi = mid }
            }
            var n = 0
            var i = lo
            while i < gridCodes.count, gridCodes[i].hasPrefix(code) {
                n += 1
                i += 1
            }
            return n
        }
        func ledMetres(_ code: String) -> Double {
            guard let lead = world.leadMetres else { return 0 }
            return lead.filter { $0.key.hasPrefix(code) }.sorted { $0.key < $1.key }.reduce(0) { $0 + $1.value }
        }
        var leadNoteNeeded = false
        for limit in limits {
            var posts: [String: [RosterEntry]] = [:]
            var order: [String] = []
            for e in known where e.role == limit.role {
                if posts[e.name] == nil { order.append(e.name) }
                posts[e.name, default: []].append(e)
            }
            for name in order {
                let held = posts[name]!
                var value = 0.0
                let streets = Set(held.compactMap(\.street))
                let units = Set(held.filter { $0.street == nil }.compactMap(\.unit))
                switch limit.measure {
                case .km:
                    value = streets.sorted().reduce(0) { $0 + (world.streetMetres[$1] ?? 0) } / 1000
                    if !units.isEmpty && world.leadMetres == nil { leadNoteNeeded = true }
                    value += units.sorted().reduce(0) { $0 + ledMetres($1) } / 1000
                case .households:
                    value = units.sorted().reduce(0) { $0 + (world.households[$1] ?? 0) }
                case .grids:
                    value = Double(units.sorted().reduce(0) { $0 + gridCount($1) })
                }
                if value > limit.maximum {
                    overLimit.append(
                        .init(
                            name: name, role: limit.role, measure: limit.measure, limit: limit.maximum, value: value,
                            lines: held.map(\.line)))
                }
            }
        }
        if leadNoteNeeded {
            notes.append(
                "no street assignment is recorded in the store: street length led by units is not counted (run gridplan assign streets --store)"
            )
        }

        // Superiors: each person's tier is their highest (smallest) tier on the roster.
        var tierOf: [String: Int] = [:]
        var names = Set<String>()
        for e in entries {
            names.insert(e.name)
            if let t = e.tier { tierOf[e.name] = min(tierOf[e.name] ?? t, t) }
        }
        var superiors: [RosterReport.SuperiorProblem] = []
        for e in entries {
            guard let s = e.superior else { continue }
            if !names.contains(s) {
                superiors.append(
                    .init(line: e.line, name: e.name, superior: s, problem: "missing", tier: e.tier, superiorTier: nil))
            } else if let t = e.tier, let st = tierOf[s], st > t {
                superiors.append(
                    .init(line: e.line, name: e.name, superior: s, problem: "lower_tier", tier: t, superiorTier: st))
            }
        }

        return RosterReport(
            missing: missing, overLimit: overLimit, unknown: unknown, superiors: superiors, rows: entries.count,
            people: names.count,
            postsByLevel: postsByLevel, notes: notes)
    }

    /// A number as the user wrote it: `3`, `2.5`.
    static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }
}
