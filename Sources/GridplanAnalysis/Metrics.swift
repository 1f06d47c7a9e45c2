import Foundation
import GridplanGeometry

/// The levels of the management hierarchy, known by code length (shared/domain.md):
/// district 6 digits, street office 9, community 12, grid 15 (legacy grids 14).
public enum HierarchyLevel: String, CaseIterable, Sendable, Comparable {
    case district
    case streetOffice = "street_office"
    case community, grid

    public var codeLength: Int {
        switch self {
        case .district: return 6
        case .streetOffice: return 9
        case .community: return 12
        case .grid: return 15
        }
    }

    var rank: Int { HierarchyLevel.allCases.firstIndex(of: self)! }
    public static func < (a: HierarchyLevel, b: HierarchyLevel) -> Bool { a.rank < b.rank }

    /// The levels above this one, nearest first.
    public var ancestors: [HierarchyLevel] { HierarchyLevel.allCases.filter { $0 < self }.reversed() }
}

/// A unit's metrics at one level.
public struct UnitMetrics: Sendable {
    public var level: HierarchyLevel
    public var code: String
    public var name: String?
    public var areaSquareMetres: Double
    public var households: Double
    public var population: Double?
    public var grids: Int
    /// Households per grid over the grids in the unit.
    public var householdsPerGrid: (mean: Double, cv: Double, min: Double, max: Double)?
    public var events: Int
    public var components: Int
    public var streetMetres: Double
    /// Street length in the unit per road grade (streets with no grade left out).
    public var streetMetresByGrade: [Int: Double] = [:]
    /// Street length in the unit per responsible body of the grade rule (`city`, `street_office` ...).
    public var streetMetresByBody: [String: Double] = [:]
    public var chiefs: Int
    /// Polsby-Popper of the unit's territory, 1 for a circle.
    public var compactness: Double
    /// The unit's polygon (a rolled-up unit's is the union of its members), metric CRS.
    public var geometry: Geometry

    public var areaSquareKilometres: Double { areaSquareMetres / 1e6 }
    public var householdsPerSquareKilometre: Double { areaSquareMetres > 0 ? households / areaSquareKilometres : 0 }
    public var populationPerSquareKilometre: Double? {
        population.map { areaSquareMetres > 0 ? $0 / areaSquareKilometres : 0 }
    }
    public var eventsPerSquareKilometre: Double { areaSquareMetres > 0 ? Double(events) / areaSquareKilometres : 0 }
    public var componentsPerSquareKilometre: Double {
        areaSquareMetres > 0 ? Double(components) / areaSquareKilometres : 0
    }
    public var gridsPerSquareKilometre: Double { areaSquareMetres > 0 ? Double(grids) / areaSquareKilometres : 0 }
    public var streetMetresPerChief: Double? { chiefs > 0 ? streetMetres / Double(chiefs) : nil }
}

/// What a metrics run found, every level included.
public struct MetricsReport: Sendable {
    /// The chosen level first, then each level above it.
    public var units: [UnitMetrics]
    public var boundaryAreaSquareMetres: Double
    /// Owned area inside the boundary / boundary area.
    public var coverageRatio: Double
    /// Area claimed by two or more units / boundary area.
    public var doublyClaimedRatio: Double
    public var eventsOutsideShare: Double?
    public var componentsOutsideShare: Double?
    public var eventsInPeriod: Int
    /// Length of the events period in days, when bounded by dates.
    public var periodDays: Double?
}

/// Coverage and density metrics per unit, rolled up the hierarchy by code prefix.
public enum MetricsCalculator {
    public struct Inputs: Sendable {
        public var units: [UnitInput]
        /// Households already known per unit (by code), used when there are no household points.
        public var declaredHouseholds: [String: Double] = [:]
        public var declaredPopulation: [String: Double] = [:]
        public var households: [(Coordinate, Double)]?
        public var grids: [UnitInput]?
        public var events: [Coordinate] = []
        public var components: [Coordinate] = []
        public var streets: [Geometry] = []
        /// The grade of each of `streets` (empty when the streets carry none).
        public var streetGrades: [Int?] = []
        /// Who keeps each grade, for street length per responsible body.
        public var gradeRule: GradeRule?
        /// Chiefs per unit code.
        public var chiefs: [String: Int] = [:]
        public var boundary: Geometry?
        public var periodDays: Double?
        public init(units: [UnitInput]) { self.units = units }
    }

    public static func run(_ input: Inputs, level: HierarchyLevel, progress: (String) -> Void = { _ in }) throws
        -> MetricsReport
    {
        let units = input.units
        let model = try CoverageModel(units: units)
        let ctx = model.context
        let natives = model.natives
        let index = try model.index
        // Points go to units as `assign points` places them (PointAssigner's tie rule).
        let locator = try PointLocator(model: model, edgeTolerance: PointAssigner.edgeToleranceMetres)
        progress("metrics: points")
        var households = [Double](repeating: 0, count: units.count)
        if let points = input.households {
            for (k, w) in zip(locator.locate(points.map(\.0)), points.map(\.1)) { if let k { households[k] += w } }
        } else {
            for (k, u) in units.enumerated() { households[k] = input.declaredHouseholds[u.code] ?? 0 }
        }
        var events = [Int](repeating: 0, count: units.count)
        var eventsOutside = 0
        for k in locator.locate(input.events) { if let k { events[k] += 1 } else { eventsOutside += 1 } }
        var components = [Int](repeating: 0, count: units.count)
        var componentsOutside = 0
        for k in locator.locate(input.components) {
            if let k { components[k] += 1 } else { componentsOutside += 1 }
        }
        progress("metrics: streets")
        var streetMetres = [Double](repeating: 0, count: units.count)
        var byGrade = [[Int: Double]](repeating: [:], count: units.count)
        var byBody = [[String: Double]](repeating: [:], count: units.count)
        for (i, s) in input.streets.enumerated() {
            let g = try ctx.geometry(s)
            let grade = i < input.streetGrades.count ? input.streetGrades[i] : nil
            let body = grade.flatMap { input.gradeRule?.body(forGrade: $0) }
            for k in index.query(intersecting: g) where try model.prepared(k).intersects(g) {
                let metres = try g.intersection(with: natives[k]).length
                streetMetres[k] += metres
                if let grade { byGrade[k][grade, default: 0] += metres }
                if let body { byBody[k][body, default: 0] += metres }
            }
        }
        // Grids per unit, with their households, by where each grid lies.
        var gridHouseholds = [[Double]](repeating: [], count: units.count)
        if level == .grid {
            for k in units.indices { gridHouseholds[k] = [households[k]] }
        } else if let grids = input.grids {
            let gridNatives = try grids.map { try ctx.geometry($0.geometry) }
            var perGrid = [Double](repeating: 0, count: grids.count)
            if let points = input.households {
                let gridLocator = try PointLocator(units: grids, edgeTolerance: PointAssigner.edgeToleranceMetres)
                for (g, w) in zip(gridLocator.locate(points.map(\.0)), points.map(\.1)) { if let g { perGrid[g] += w } }
            } else {
                for (g, grid) in grids.enumerated() { perGrid[g] = input.declaredHouseholds[grid.code] ?? 0 }
            }
            for (g, gn) in gridNatives.enumerated() {
                if let k = locator.locate(try gn.pointOnSurface.pointCoordinate) {
                    gridHouseholds[k].append(perGrid[g])
                }
            }
        }

        func stats(_ values: [Double]) -> (Double, Double, Double, Double)? {
            guard !values.isEmpty else { return nil }
            let mean = values.reduce(0, +) / Double(values.count)
            let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
            return (mean, mean > 0 ? sd / mean : 0, values.min()!, values.max()!)
        }
        func compactness(_ g: NativeGeometry) throws -> Double {
            try Compactness.polsbyPopper(area: g.area, perimeter: g.length)
        }
        func population(_ codes: [String]) -> Double? {
            let known = codes.compactMap { input.declaredPopulation[$0] }
            return known.isEmpty ? nil : known.reduce(0, +)
        }

        var out: [UnitMetrics] = []
        for (k, u) in units.enumerated() {
            out.append(
                UnitMetrics(
                    level: level, code: u.code, name: u.name, areaSquareMetres: try natives[k].area,
                    households: households[k],
                    population: population([u.code]), grids: gridHouseholds[k].count,
                    householdsPerGrid: stats(gridHouseholds[k]),
                    events: events[k], components: components[k], streetMetres: streetMetres[k],
                    streetMetresByGrade: byGrade[k], streetMetresByBody: byBody[k],
                    chiefs: input.chiefs[u.code] ?? 0,
                    compactness: try compactness(natives[k]), geometry: try natives[k].value()))
        }
        // Roll up by code prefix to every level above.
        progress("metrics: rolling up")
        for ancestor in level.ancestors {
            var order: [String] = []
            var members: [String: [Int]] = [:]
            for (k, u) in units.enumerated() where u.code.count >= ancestor.codeLength {
                let prefix = String(u.code.prefix(ancestor.codeLength))
                if members[prefix] == nil { order.append(prefix) }
                members[prefix, default: []].append(k)
            }
            for prefix in order {
                let m = members[prefix]!
                let union = try ctx.union(of: m.map { natives[$0] })
                let chiefCount = input.chiefs[prefix] ?? m.reduce(0) { $0 + (input.chiefs[units[$1].code] ?? 0) }
                out.append(
                    UnitMetrics(
                        level: ancestor, code: prefix, name: nil,
                        areaSquareMetres: m.reduce(0) { $0 + ((try? natives[$1].area) ?? 0) },
                        households: m.reduce(0) { $0 + households[$1] },
                        population: population(m.map { units[$0].code }),
                        grids: m.reduce(0) { $0 + gridHouseholds[$1].count },
                        householdsPerGrid: stats(m.flatMap { gridHouseholds[$0] }),
                        events: m.reduce(0) { $0 + events[$1] }, components: m.reduce(0) { $0 + components[$1] },
                        streetMetres: m.reduce(0) { $0 + streetMetres[$1] },
                        streetMetresByGrade: m.reduce(into: [:]) { sum, k in
                            for (g, v) in byGrade[k] { sum[g, default: 0] += v }
                        },
                        streetMetresByBody: m.reduce(into: [:]) { sum, k in
                            for (b, v) in byBody[k] { sum[b, default: 0] += v }
                        },
                        chiefs: chiefCount,
                        compactness: try compactness(union), geometry: try union.value()))
            }
        }
        // Coverage against the boundary (the union's outer edge by default).
        let union = try ctx.union(of: natives)
        let boundary: NativeGeometry =
            try input.boundary.map { try CoverageModel.validPolygonal($0, in: ctx) }
            ?? CoverageCheck.filledExterior(union)
        let boundaryArea = try boundary.area
        let owned = try union.intersection(with: boundary).area
        let claimedTwice = max(0, try natives.reduce(0.0) { $0 + (try $1.area) } - union.area)
        return MetricsReport(
            units: out, boundaryAreaSquareMetres: boundaryArea,
            coverageRatio: boundaryArea > 0 ? owned / boundaryArea : 0,
            doublyClaimedRatio: boundaryArea > 0 ? claimedTwice / boundaryArea : 0,
            eventsOutsideShare: input.events.isEmpty ? nil : Double(eventsOutside) / Double(input.events.count),
            componentsOutsideShare: input.components.isEmpty
                ? nil : Double(componentsOutside) / Double(input.components.count),
            eventsInPeriod: input.events.count, periodDays: input.periodDays)
    }
}

/// How compact a shape is.
public enum Compactness {
    /// Polsby-Popper, 4πA / P²: 1 for a disc, about 0.785 for a square, near 0 for a thin strip;
    /// 0 when there is no perimeter.
    public static func polsbyPopper(area: Double, perimeter: Double) -> Double {
        perimeter > 0 ? 4 * .pi * area / (perimeter * perimeter) : 0
    }
}
