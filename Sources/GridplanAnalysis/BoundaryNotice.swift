import GridplanGeometry

/// One unit's line of a boundary-adjustment notice (调整公示): what it held before and after.
///
/// Areas are the unit's own outline (so land two units both claimed counts in both before an
/// overlap is settled); households, population and grids are counted once each, in the unit
/// the shared location rule puts them (``PointAssigner/tieRule``), so what one unit loses
/// another gains, or ``BoundaryNotice/noUnit`` does.
public struct NoticeRow: Sendable, Equatable {
    /// The unit's code, or ``BoundaryNotice/noUnit`` for what lies in no unit.
    public var unit: String
    public var name: String?
    /// m²; nil for the no-unit row.
    public var areaBefore: Double?
    public var areaAfter: Double?
    public var householdsBefore: Double?
    public var householdsAfter: Double?
    public var populationBefore: Double?
    public var populationAfter: Double?
    /// Grids whose inner point lies in the unit.
    public var gridsBefore: Int?
    public var gridsAfter: Int?

    public var areaChange: Double? { areaAfter.flatMap { a in areaBefore.map { a - $0 } } }
    public var householdsChange: Double? { householdsAfter.flatMap { a in householdsBefore.map { a - $0 } } }
    public var populationChange: Double? { populationAfter.flatMap { a in populationBefore.map { a - $0 } } }
    public var gridsChange: Int? { gridsAfter.flatMap { a in gridsBefore.map { a - $0 } } }
}

/// A building or household point that changes unit, so registrations (户籍, schools, insurance)
/// can follow the land.
public struct HouseholdMove: Sendable, Equatable {
    /// Index of the point in the households input.
    public var index: Int
    public var location: Coordinate
    public var households: Double
    public var population: Double?
    /// nil: it lay in no unit.
    public var fromUnit: String?
    public var toUnit: String?
}

/// What a boundary adjustment does to each unit: the notice's rows and every household that moves.
public enum BoundaryNotice {
    /// The row of what lies in no unit (land nobody managed, households outside every unit).
    public static let noUnit = "(none)"

    /// The notice of an adjustment from `before` to `after` (the same units, in the same order,
    /// in a metric CRS).
    ///
    /// - Parameters:
    ///   - before: the units as they were.
    ///   - after: their geometries after the adjustment, nil where a unit was dropped.
    ///   - households: household points (or buildings with their households), metric CRS.
    ///   - population: the same points' population, when the buildings carry it.
    ///   - grids: grids to count per unit, by an inner point of each.
    /// - Returns: a row per unit in code order, then the no-unit row when anything lies in no
    ///   unit; and the moves in point order.
    public static func compute(
        before: [UnitInput], after: [Geometry?], households: [(Coordinate, Double)]?, population: [Double]? = nil,
        grids: [Geometry]? = nil
    ) throws -> (rows: [NoticeRow], moves: [HouseholdMove]) {
        precondition(before.count == after.count, "one after-geometry per unit")
        let ctx = GEOSContext()
        let afterUnits = zip(before, after).compactMap { u, g -> UnitInput? in
            guard let g else { return nil }
            return UnitInput(code: u.code, name: u.name, geometry: g, sourceIndex: u.sourceIndex)
        }
        var rows: [String: NoticeRow] = [:]
        func row(_ code: String?) -> String { code ?? noUnit }
        for u in before {
            rows[u.code] = NoticeRow(
                unit: u.code, name: u.name, areaBefore: try area(u.geometry, ctx), areaAfter: 0,
                householdsBefore: households.map { _ in 0 }, householdsAfter: households.map { _ in 0 },
                populationBefore: population.map { _ in 0 }, populationAfter: population.map { _ in 0 },
                gridsBefore: grids.map { _ in 0 }, gridsAfter: grids.map { _ in 0 })
        }
        for u in afterUnits { rows[u.code]!.areaAfter = try area(u.geometry, ctx) }
        var moves: [HouseholdMove] = []
        if let households {
            let points = households.map(\.0)
            let was = try PointAssigner.run(points: points, units: before).map { $0.map { before[$0].code } }
            let now = try PointAssigner.run(points: points, units: afterUnits).map { $0.map { afterUnits[$0].code } }
            for i in points.indices {
                let h = households[i].1, p = population?[i]
                for (code, isBefore) in [(was[i], true), (now[i], false)] {
                    let key = row(code)
                    if rows[key] == nil {
                        rows[key] = NoticeRow(
                            unit: noUnit, householdsBefore: 0, householdsAfter: 0,
                            populationBefore: population.map { _ in 0 }, populationAfter: population.map { _ in 0 },
                            gridsBefore: grids.map { _ in 0 }, gridsAfter: grids.map { _ in 0 })
                    }
                    if isBefore {
                        rows[key]!.householdsBefore! += h
                        if let p { rows[key]!.populationBefore! += p }
                    } else {
                        rows[key]!.householdsAfter! += h
                        if let p { rows[key]!.populationAfter! += p }
                    }
                }
                if was[i] != now[i] {
                    moves.append(
                        HouseholdMove(
                            index: i, location: points[i], households: h, population: p, fromUnit: was[i],
                            toUnit: now[i]))
                }
            }
        }
        if let grids {
            let seats = try grids.map { try ctx.geometry($0).pointOnSurface.value() }.map { g -> Coordinate in
                if case .point(let c) = g { return c }
                return Coordinate(.nan, .nan)
            }
            let was = try PointAssigner.run(points: seats, units: before).map { $0.map { before[$0].code } }
            let now = try PointAssigner.run(points: seats, units: afterUnits).map { $0.map { afterUnits[$0].code } }
            for (w, n) in zip(was, now) {
                for (code, isBefore) in [(w, true), (n, false)] {
                    let key = row(code)
                    if rows[key] == nil {
                        rows[key] = NoticeRow(unit: noUnit, gridsBefore: 0, gridsAfter: 0)
                    }
                    if isBefore { rows[key]!.gridsBefore! += 1 } else { rows[key]!.gridsAfter! += 1 }
                }
            }
        }
        let ordered = rows.values.filter { $0.unit != noUnit }.sorted { $0.unit < $1.unit }
        return (ordered + (rows[noUnit].map { [$0] } ?? []), moves)
    }

    static func area(_ g: Geometry, _ ctx: GEOSContext) throws -> Double {
        try CoverageModel.validPolygonal(g, in: ctx).area
    }
}

/// What lies in each piece of land a repair moves: the grids it cuts into and the events and
/// components on it, so the people who answer for them hear of the move.
public struct MovedLandContents: Sendable, Equatable {
    /// Codes of the grids the land overlaps (by more than ``MovedLand/minimumOverlapSquareMetres``).
    public var grids: [String]
    public var events: Int
    public var components: Int
}

public enum MovedLand {
    /// Grid overlaps below this are edge noise, not a grid the move touches (m²).
    public static let minimumOverlapSquareMetres = 0.01

    /// The contents of each change's land, in change order (all inputs in the metric CRS).
    public static func contents(
        of changes: [Change], grids: [UnitInput], events: [Coordinate], components: [Coordinate]
    ) throws -> [MovedLandContents] {
        let ctx = GEOSContext()
        let gridNatives = try grids.map {
            try CoverageModel.validPolygonal($0.geometry, in: ctx)
        }
        let index = try SpatialIndex(context: ctx)
        for g in gridNatives { try index.insert(g) }
        let pieces = changes.enumerated().map { k, c in
            UnitInput(code: String(format: "%09d", k), geometry: c.geometry, sourceIndex: k)
        }
        func counts(_ points: [Coordinate]) throws -> [Int] {
            var n = [Int](repeating: 0, count: changes.count)
            for i in try PointAssigner.run(points: points, units: pieces).compactMap({ $0 }) { n[i] += 1 }
            return n
        }
        let eventCounts = try counts(events), componentCounts = try counts(components)
        return try changes.enumerated().map { k, c in
            let land = try ctx.geometry(c.geometry)
            var touched: [String] = []
            for g in index.query(intersecting: land) where try gridNatives[g].intersects(land) {
                if try gridNatives[g].intersection(with: land).area > minimumOverlapSquareMetres {
                    touched.append(grids[g].code)
                }
            }
            return MovedLandContents(
                grids: touched.sorted(), events: eventCounts[k], components: componentCounts[k])
        }
    }
}
