import GridplanGeometry

/// A piece of land a boundary adjustment (区划调整) moved: from the unit that held it to the unit
/// that took it, in a metric CRS.
public struct BoundaryMove: Sendable {
    public var geometry: Geometry
    /// nil: land nobody held (a gap given to a unit), or a source that does not say.
    public var fromUnit: String?
    /// nil: a source that does not say (the land a unit lost, read from outlines).
    public var toUnit: String?

    public init(geometry: Geometry, fromUnit: String?, toUnit: String?) {
        self.geometry = geometry
        self.fromUnit = fromUnit
        self.toUnit = toUnit
    }
}

/// What a boundary adjustment moved: the pieces of land, and the codes of the units they move
/// between (those whose outline may have changed). A repair's change list gives both; two
/// versions of the same units give them through ``between(before:after:)``.
public struct BoundaryAdjustment: Sendable {
    public var moves: [BoundaryMove]
    /// The units the moves name, and any the source names beside them.
    public var units: Set<String>

    public init(moves: [BoundaryMove], units: some Sequence<String> = [String]()) {
        self.moves = moves
        self.units = Set(units).union(moves.flatMap { [$0.fromUnit, $0.toUnit] }.compactMap { $0 })
    }

    /// Land no wider than this on average (twice its area over its perimeter, m) is the rounding
    /// between two drawings of one edge, not land that moved: a CRS round trip leaves nanometres,
    /// grids written at 9 decimals of a degree (as partition writes them) sit within a tenth of
    /// a millimetre of their community's outline.
    public static let noiseWidthMetres = 1e-4

    /// Whether `land` is only rounding (see ``noiseWidthMetres``); empty land is.
    public static func isRounding(_ land: NativeGeometry) throws -> Bool {
        guard !land.isEmpty else { return true }
        return try 2 * land.area <= noiseWidthMetres * land.length
    }

    /// The adjustment from `before` to `after`, units matched by code: the land each unit lost
    /// (before − after) moves from it, the land it gained (after − before) to it. A unit only in
    /// `before` loses all its land, one only in `after` gains all of it; pieces under
    /// rounding (``isRounding(_:)``) are no move. Calls GEOS's overlay on each unit's two outlines.
    public static func between(before: [UnitInput], after: [UnitInput]) throws -> BoundaryAdjustment {
        let ctx = GEOSContext()
        func outlines(_ units: [UnitInput]) throws -> [String: NativeGeometry] {
            var byCode: [String: NativeGeometry] = [:]
            for u in units {
                let g = try CoverageModel.validPolygonal(u.geometry, in: ctx)
                byCode[u.code] = try byCode[u.code].map { try $0.union(with: g) } ?? g
            }
            return byCode
        }
        let was = try outlines(before), now = try outlines(after)
        let empty = try ctx.geometry(.multiPolygon([]))
        var moves: [BoundaryMove] = []
        for code in Set(was.keys).union(now.keys).sorted() {
            let old = was[code] ?? empty, new = now[code] ?? empty
            for (land, lost) in [(try old.difference(with: new), true), (try new.difference(with: old), false)] {
                let pieces = try CoverageCheck.polygons(of: land).filter { try !isRounding($0) }
                guard !pieces.isEmpty else { continue }
                let g = try ctx.collection(pieces, kind: .multiPolygon).value()
                moves.append(BoundaryMove(geometry: g, fromUnit: lost ? code : nil, toUnit: lost ? nil : code))
            }
        }
        return BoundaryAdjustment(moves: moves)
    }
}
