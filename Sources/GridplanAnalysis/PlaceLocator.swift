import Foundation
import GridplanGeometry

/// A street piece near which a point may lie, in a metric CRS.
public struct LocatableStreet: Sendable {
    public var name: String?
    /// The unit leading the piece (from `assign streets`), nil when unknown.
    public var lead: String?
    public var geometry: Geometry

    public init(name: String?, lead: String?, geometry: Geometry) {
        self.name = name
        self.lead = lead
        self.geometry = geometry
    }
}

/// Who answers for one point (街乡吹哨: for a problem at a point, who is called).
public struct PlaceAnswer: Sendable {
    /// The unit holding the point at each level the locator has (absent: the level is not known;
    /// nil: the point lies in no unit of that level).
    public var units: [HierarchyLevel: UnitRef?]
    /// The nearest street piece within ``PlaceLocator/streetRadiusMetres``.
    public var street: NearStreet?
    /// When the point lies in no unit of the finest level: the nearest unit of that level (属地兜底).
    public var fallback: Fallback?
    /// The roster's people for every unit holding the point, the street, and the fallback unit.
    public var people: [(level: PostLevel, entry: RosterEntry)]

    public struct UnitRef: Sendable, Equatable {
        public var code: String
        public var name: String?
        public init(code: String, name: String?) {
            self.code = code
            self.name = name
        }
    }

    public struct NearStreet: Sendable, Equatable {
        public var name: String?
        public var lead: String?
        public var distanceMetres: Double
    }

    public struct Fallback: Sendable, Equatable {
        public var level: HierarchyLevel
        public var unit: UnitRef
        public var distanceMetres: Double
    }
}

/// Answers `locate` for many points: the unit at every level (each with ``PointLocator``, so a
/// point on a shared edge goes to the lower code, as in `assign points`, and an exclave's land to
/// the unit whose outline holds it, its owner), the nearest street, the fallback owner and the
/// people on the roster for each.
///
/// Everything is in one metric CRS. One locator per thread (it owns GEOS contexts).
public final class PlaceLocator {
    public let streetRadiusMetres: Double
    let levels: [(HierarchyLevel, PointLocator)]
    let streets: [LocatableStreet]
    let streetContext = GEOSContext()
    let streetNatives: [NativeGeometry]
    let streetIndex: SpatialIndex
    let unitPeople: [String: [RosterEntry]]
    let streetPeople: [String: [RosterEntry]]

    /// - Parameters:
    ///   - levels: the units of each level the store has (a level left out is unknown).
    ///   - roster: the people; a row with a street is the street's, else its unit's.
    public init(
        levels: [HierarchyLevel: [UnitInput]], streets: [LocatableStreet], roster: [RosterEntry],
        streetRadiusMetres: Double = 50
    ) throws {
        self.levels = try levels.keys.sorted().map {
            ($0, try PointLocator(units: levels[$0]!, edgeTolerance: PointAssigner.edgeToleranceMetres))
        }
        self.streets = streets
        self.streetRadiusMetres = streetRadiusMetres
        streetIndex = try SpatialIndex(context: streetContext)
        streetNatives = try streets.map { [streetContext] in try streetContext.geometry($0.geometry) }
        for n in streetNatives { try streetIndex.insert(n) }
        var up: [String: [RosterEntry]] = [:]
        var sp: [String: [RosterEntry]] = [:]
        for e in roster {
            if let s = e.street { sp[s, default: []].append(e) } else if let u = e.unit { up[u, default: []].append(e) }
        }
        unitPeople = up
        streetPeople = sp
    }

    /// The levels this locator knows, coarsest first.
    public var knownLevels: [HierarchyLevel] { levels.map(\.0) }

    public func answer(_ c: Coordinate) throws -> PlaceAnswer {
        var units: [HierarchyLevel: PlaceAnswer.UnitRef?] = [:]
        var people: [(level: PostLevel, entry: RosterEntry)] = []
        for (level, locator) in levels {
            if let k = locator.locate(c) {
                let u = locator.units[k]
                units[level] = .some(PlaceAnswer.UnitRef(code: u.code, name: u.name))
                for e in unitPeople[u.code] ?? [] { people.append((PostLevel(level), e)) }
            } else {
                units[level] = .some(nil)
            }
        }
        var fallback: PlaceAnswer.Fallback?
        if let (level, locator) = levels.last, units[level] == .some(nil), let (k, d) = try locator.nearest(to: c) {
            let u = locator.units[k]
            fallback = PlaceAnswer.Fallback(
                level: level, unit: PlaceAnswer.UnitRef(code: u.code, name: u.name), distanceMetres: d)
            for e in unitPeople[u.code] ?? [] { people.append((PostLevel(level), e)) }
        }
        let street = try nearestStreet(to: c)
        if let name = street?.name { for e in streetPeople[name] ?? [] { people.append((.street, e)) } }
        return PlaceAnswer(units: units, street: street, fallback: fallback, people: people)
    }

    /// The nearest street piece within the radius; equally near pieces go to the lower name, then the lower lead.
    func nearestStreet(to c: Coordinate) throws -> PlaceAnswer.NearStreet? {
        guard !streets.isEmpty else { return nil }
        let r = streetRadiusMetres
        let p = try streetContext.geometry(.point(c))
        var best: (Int, Double)?
        for k in try streetIndex.query(envelope: Envelope(minX: c.x - r, minY: c.y - r, maxX: c.x + r, maxY: c.y + r)) {
            let d = try streetNatives[k].distance(to: p)
            guard d <= r else { continue }
            if let (b, bd) = best {
                let tie = abs(d - bd) < 1e-9
                let lower =
                    (streets[k].name ?? "", streets[k].lead ?? "") < (streets[b].name ?? "", streets[b].lead ?? "")
                if d < bd && !tie || tie && lower { best = (k, d) }
            } else {
                best = (k, d)
            }
        }
        return best.map {
            PlaceAnswer.NearStreet(name: streets[$0.0].name, lead: streets[$0.0].lead, distanceMetres: $0.1)
        }
    }
}
