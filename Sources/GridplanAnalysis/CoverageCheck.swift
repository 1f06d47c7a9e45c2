import Foundation
import GridplanGeometry

/// A unit to analyse: its code and geometry in a metric CRS.
public struct UnitInput: Sendable {
    public var code: String
    public var name: String?
    public var parentCode: String?
    public var geometry: Geometry
    /// A point inside the unit's main part (its seat, 驻地), if known.
    public var seat: Coordinate?
    /// Index of the feature in its source, for messages.
    public var sourceIndex: Int

    public init(
        code: String, name: String? = nil, parentCode: String? = nil, geometry: Geometry, seat: Coordinate? = nil,
        sourceIndex: Int
    ) {
        self.code = code
        self.name = name
        self.parentCode = parentCode
        self.geometry = geometry
        self.seat = seat
        self.sourceIndex = sourceIndex
    }
}

/// Parameters of a coverage check, in metres.
public struct CheckOptions: Sendable {
    /// Gaps narrower than this are slivers, wider ones unmanaged zones.
    public var gapWidthMetres: Double = 2
    /// Pieces joined through necks narrower than this are interlocks.
    public var neckWidthMetres: Double = 10
    /// Findings smaller than this are numerical dust, not reported.
    public var minimumAreaSquareMetres: Double = 0.01
    /// Share of perimeter with one unit above which a unit is an enclave.
    public var enclaveShare: Double = 0.95
    /// Distance within which two borders count as shared (absorbs digitising noise).
    public var borderToleranceMetres: Double = 0.05
    public init() {}
}

/// What a check found.
public struct CoverageReport: Sendable {
    public var findings: [Finding]
    public var boundaryAreaSquareMetres: Double
    /// Area owned by at least one unit, inside the boundary.
    public var ownedAreaSquareMetres: Double
    /// owned / boundary area.
    public var coverageRatio: Double {
        boundaryAreaSquareMetres > 0 ? ownedAreaSquareMetres / boundaryAreaSquareMetres : 0
    }
    public var unitCount: Int
    /// Features left out of the analysis, with the reason.
    public var skipped: [(index: Int, reason: String)]
    /// Problems noticed that did not stop the analysis (duplicate codes, missing codes).
    public var warnings: [String]
}

/// Finds overlaps, gaps (slivers and unmanaged zones, inlets included), exclaves, enclaves,
/// interlocking pieces, parent mismatches, invalid geometries and area outside the boundary.
///
/// Every unit is made valid first (an `invalid` finding says what was wrong and where). Pairs of
/// units are found through an STR-tree, so the work grows with the number of neighbours, not the
/// square of the units.
public enum CoverageCheck {
    /// Runs the check. All geometries must be in one metric CRS.
    /// - Parameters:
    ///   - units: the units; non-polygonal or empty geometries are skipped and reported.
    ///   - parents: the parent units' polygons (street offices for communities), when known:
    ///     a unit whose land lies mostly in a parent other than its declared one is a mismatch.
    ///   - boundary: the territory the units should tile; nil takes the outer edge of their union.
    ///   - households: weighted points (buildings) to count households inside each finding.
    ///   - progress: called with a short message now and then.
    public static func run(
        units input: [UnitInput], boundary boundaryValue: Geometry?, households: [(Coordinate, Double)]? = nil,
        parents: [UnitInput] = [], options: CheckOptions = CheckOptions(), progress: (String) -> Void = { _ in }
    ) throws -> CoverageReport {
        progress("check: preparing \(input.count) units")
        let ctx = GEOSContext()
        let checked = try CheckedUnits(input, context: ctx)
        let model = CoverageModel(units: checked.units, natives: checked.natives, context: ctx)
        let subject = try CoverageSubject(
            model: model, boundary: boundaryValue, parents: parents, options: options, progress: progress)
        var placed: [PlacedFinding] = []
        for rule in CoverageRules.all(invalid: checked.invalid) {
            progress("check: \(rule.name)")
            placed += try rule.findings(in: subject)
        }
        var findings = placed.indices.sorted {
            placed[$0].place != placed[$1].place ? placed[$0].place < placed[$1].place : $0 < $1
        }.enumerated().map { n, k in
            var f = placed[k].finding
            f.id = n + 1
            return f
        }
        if let households {
            progress("check: households")
            let grid = PointGrid(points: households, cellSize: 200)
            for k in findings.indices where findings[k].kind != .invalid {
                let g = try ctx.geometry(findings[k].geometry)
                findings[k].households = try grid.sum(in: g, context: ctx)
            }
        }
        return CoverageReport(
            findings: findings, boundaryAreaSquareMetres: try subject.boundary.area,
            ownedAreaSquareMetres: try subject.union.intersection(with: subject.boundary).area,
            unitCount: checked.units.count, skipped: checked.skipped, warnings: checked.warnings)
    }

    // MARK: Pieces

    /// The polygons of a geometry, each as its own geometry.
    static func polygons(of g: NativeGeometry) throws -> [NativeGeometry] {
        switch g.kind {
        case .polygon: return g.isEmpty ? [] : [g]
        case .multiPolygon, .geometryCollection: return try g.parts.flatMap { try polygons(of: $0) }
        default: return []
        }
    }

    /// Only the polygonal parts (make-valid can leave lines and points from collapsed rings).
    static func polygonalPart(_ g: NativeGeometry) throws -> NativeGeometry {
        let ps = try polygons(of: g)
        if ps.count == 1 { return ps[0] }
        return try g.context.collection(ps, kind: .multiPolygon)
    }

    /// The union's outer edge: every exterior ring as a filled polygon.
    static func filledExterior(_ union: NativeGeometry) throws -> NativeGeometry {
        let shells = try polygons(of: union).map {
            try $0.context.geometry(.polygon(Polygon(exterior: try $0.value().exteriorRing)))
        }
        return try union.context.union(of: shells)
    }

    /// Pieces of `part` joined to its main body only through necks narrower than the neck width:
    /// an opening (shrink then grow by half the width) splits the part at such necks; every
    /// component but the largest, grown back and clipped to the part, is such a piece.
    static func interlocks(_ part: NativeGeometry, options: CheckOptions) throws -> [NativeGeometry] {
        let r = options.neckWidthMetres / 2
        let shrunk = try part.buffer(by: -r, quadrantSegments: 4)
        let cores = try polygons(of: shrunk)
        guard cores.count > 1 else { return [] }
        let areas = try cores.map { try $0.area }
        let main = areas.indices.max { areas[$0] < areas[$1] }!
        // Everything except the main body, grown back: the land beyond the neck.
        let body = try cores[main].buffer(by: r, quadrantSegments: 8)
        let rest = try part.difference(with: body)
        var pieces: [NativeGeometry] = []
        for piece in try polygons(of: rest) {
            // Keep pieces that hold a core (real lobes), not the thin rims an opening always shaves off.
            if try cores.indices.contains(where: { k in try k != main && piece.intersects(cores[k]) }) {
                pieces.append(piece)
            }
        }
        return pieces
    }

    /// Whether a unit (part) lies in the territory of a parent other than its declared one.
    ///
    /// With the parents' polygons, territory is where the part's area lies: more than half
    /// outside its declared parent and inside one other. Without them, a parent's territory is
    /// the union of its declared children, so the part's neighbours decide: it lies in parent Q's
    /// territory when Q's children border more than half of its outline and its own siblings
    /// less than a quarter.
    static func parentMismatch(
        unit i: Int, part: NativeGeometry, borders b: [(unit: Int, length: Double)], perimeter: Double,
        parentOf: [String?],
        parents: [(code: String, geometry: PreparedGeometry, native: NativeGeometry)]
    ) throws -> (declared: String, containing: String)? {
        guard let declared = parentOf[i], perimeter > 0 else { return nil }
        if !parents.isEmpty {
            let area = try part.area
            guard area > 0 else { return nil }
            var best: (String, Double)?
            var own = 0.0
            for p in parents where try p.geometry.intersects(part) {
                let share = try part.intersection(with: p.native).area / area
                if p.code == declared { own = share } else if share > (best?.1 ?? 0) { best = (p.code, share) }
            }
            guard let best, best.1 > 0.5, own < 0.5 else { return nil }
            return (declared, best.0)
        }
        var byParent: [String: Double] = [:]
        for (j, length) in b {
            guard let p = parentOf[j] else { continue }
            byParent[p, default: 0] += length
        }
        guard (byParent[declared] ?? 0) < 0.25 * perimeter,
            let (containing, length) = byParent.filter({ $0.key != declared }).max(by: {
                $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key
            }),
            length > 0.5 * perimeter
        else { return nil }
        return (declared, containing)
    }

    /// The first vertex written twice in a row in any ring or line, if any.
    static func firstRepeatedVertex(_ g: Geometry) -> Coordinate? {
        func scan(_ cs: [Coordinate]) -> Coordinate? {
            for k in 1..<max(cs.count, 1) where cs[k] == cs[k - 1] { return cs[k] }
            return nil
        }
        switch g {
        case .lineString(let cs): return scan(cs)
        case .multiLineString(let ls): return ls.lazy.compactMap(scan).first
        case .polygon(let p): return p.rings.lazy.compactMap(scan).first
        case .multiPolygon(let ps): return ps.lazy.flatMap(\.rings).compactMap(scan).first
        case .geometryCollection(let gs): return gs.lazy.compactMap(firstRepeatedVertex).first
        default: return nil
        }
    }
}

/// A uniform grid of weighted points for summing weights inside polygons.
struct PointGrid {
    let cellSize: Double
    var cells: [Int64: [(Coordinate, Double)]] = [:]

    init(points: [(Coordinate, Double)], cellSize: Double) {
        self.cellSize = cellSize
        for p in points { cells[key(p.0), default: []].append(p) }
    }

    func key(_ c: Coordinate) -> Int64 {
        (Int64((c.x / cellSize).rounded(.down)) << 32) ^ (Int64((c.y / cellSize).rounded(.down)) & 0xFFFF_FFFF)
    }

    func sum(in g: NativeGeometry, context: GEOSContext) throws -> Double {
        let e = g.envelope
        guard !e.isEmpty else { return 0 }
        // GEOS's prepared covers, on the piece's rings: no GEOS point per point.
        let area = RingArea(try g.polygonValues())
        var total = 0.0
        var x = (e.minX / cellSize).rounded(.down)
        while x * cellSize <= e.maxX {
            var y = (e.minY / cellSize).rounded(.down)
            while y * cellSize <= e.maxY {
                let k = (Int64(x) << 32) ^ (Int64(y) & 0xFFFF_FFFF)
                for (c, w) in cells[k] ?? [] where e.contains(c) {
                    if area.covers(c) { total += w }
                }
                y += 1
            }
            x += 1
        }
        return total
    }
}

extension Geometry {
    /// The exterior ring of a polygon value (empty for other types).
    var exteriorRing: [Coordinate] {
        if case .polygon(let p) = self { return p.exterior }
        return []
    }
}
