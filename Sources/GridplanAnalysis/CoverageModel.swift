import Foundation
import GridplanGeometry

/// The units of one run, made once and asked many times (覆盖模型): each unit's valid polygonal
/// geometry in one GEOS context, its code, an STR-tree over them, their prepared geometries, the
/// borders they share and point location on coordinates with one tie rule.
///
/// check, repair, metrics, assign and partition build one of these (one per worker thread, since
/// it owns a GEOS context) instead of each making the units valid, indexing and preparing them
/// again. Everything beyond the valid geometry is made on first use.
///
/// ```swift
/// let model = try CoverageModel(units: communities)
/// let owner = model.locate(Coordinate(500_100, 4_400_200), tolerance: PointAssigner.edgeToleranceMetres)
/// let neighbours = try model.candidates(intersecting: street)
/// ```
public final class CoverageModel {
    /// The units, in the order every index refers to.
    public let units: [UnitInput]
    /// Each unit's code (``units``' codes, kept apart for the hot loops).
    public let codes: [String]
    /// The GEOS context every geometry of the model lives in.
    public let context: GEOSContext
    /// Each unit's valid polygonal geometry.
    public let natives: [NativeGeometry]

    /// Makes every unit valid (GEOS's structure method) and keeps its polygonal part.
    /// - Throws: `GeometryError` when GEOS cannot read or repair a unit's geometry.
    public convenience init(units: [UnitInput], context: GEOSContext = GEOSContext()) throws {
        let natives = try units.map { try Self.validPolygonal($0.geometry, in: context) }
        self.init(units: units, natives: natives, context: context)
    }

    /// A model over geometry the caller has already made valid (check, which reports what it
    /// repaired on the way). `natives[i]` is unit `i`'s geometry, in `context`.
    init(units: [UnitInput], natives: [NativeGeometry], context: GEOSContext) {
        precondition(units.count == natives.count, "one geometry per unit")
        self.units = units
        self.codes = units.map(\.code)
        self.context = context
        self.natives = natives
        preparedCache = Array(repeating: nil, count: natives.count)
    }

    /// The valid polygonal part of a geometry value: made valid (a valid input is copied as it
    /// is), then its polygons only, since make-valid can leave lines and points from collapsed rings.
    public static func validPolygonal(_ geometry: Geometry, in context: GEOSContext) throws -> NativeGeometry {
        try validPolygonal(context.geometry(geometry))
    }

    /// ``validPolygonal(_:in:)`` for a geometry already in GEOS.
    static func validPolygonal(_ native: NativeGeometry) throws -> NativeGeometry {
        try CoverageCheck.polygonalPart(native.madeValid().geometry)
    }

    // MARK: Index and prepared geometry

    private var indexCache: SpatialIndex?
    private var preparedCache: [PreparedGeometry?]
    private var ringsCache: RingAreaIndex?

    /// An STR-tree over the units, item `i` being unit `i`.
    public var index: SpatialIndex {
        get throws {
            if let indexCache { return indexCache }
            let index = try SpatialIndex(context: context)
            for n in natives { try index.insert(n) }
            indexCache = index
            return index
        }
    }

    /// Drops unit `i`'s prepared geometry (a worker moving across a large city lets go of the
    /// units behind it); ``prepared(_:)`` makes it again when asked.
    public func releasePrepared(_ i: Int) {
        preparedCache[i] = nil
    }

    /// Unit `i` prepared for repeated predicates.
    public func prepared(_ i: Int) throws -> PreparedGeometry {
        if let p = preparedCache[i] { return p }
        let p = try natives[i].prepared()
        preparedCache[i] = p
        return p
    }

    /// The units whose envelope meets `geometry`'s, ascending: candidates for a real predicate.
    public func candidates(intersecting geometry: NativeGeometry) throws -> [Int] {
        try index.query(intersecting: geometry)
    }

    /// The units' rings for locating points on coordinates (immutable: any thread may use it).
    public var rings: RingAreaIndex {
        get throws {
            if let ringsCache { return ringsCache }
            let rings = RingAreaIndex(try natives.map { RingArea(try $0.polygonValues()) })
            ringsCache = rings
            return rings
        }
    }

    // MARK: Points

    /// The units covering `c` (inside or on the boundary) or within `tolerance` of it, ascending.
    public func covering(_ c: Coordinate, tolerance: Double = 0) throws -> [Int] {
        try rings.areas(covering: c, tolerance: tolerance)
    }

    /// The unit `c` lies in by ``PointAssigner/tieRule``: among the units covering it or within
    /// `tolerance` of it, the lowest code (then the lowest index); nil outside every unit.
    public func locate(_ c: Coordinate, tolerance: Double = 0) throws -> Int? {
        Self.locate(c, in: try rings, codes: codes, tolerance: tolerance)
    }

    /// ``locate(_:tolerance:)`` for every point, in order, shared out between the cores.
    public func locate(_ points: [Coordinate], tolerance: Double = 0) throws -> [Int?] {
        Self.locate(points, in: try rings, codes: codes, tolerance: tolerance)
    }

    static func locate(_ points: [Coordinate], in rings: RingAreaIndex, codes: [String], tolerance: Double) -> [Int?] {
        let chunkSize = 16_384
        let chunks = (points.count + chunkSize - 1) / chunkSize
        guard chunks > 1 else { return points.map { Self.locate($0, in: rings, codes: codes, tolerance: tolerance) } }
        let slots = ResultSlots<[Int?]>(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { k in
            let part = points[(k * chunkSize)..<min(points.count, (k + 1) * chunkSize)]
            slots.set(k, .success(part.map { Self.locate($0, in: rings, codes: codes, tolerance: tolerance) }))
        }
        // Every slot holds a success: the work cannot fail.
        return (0..<chunks).flatMap { try! slots.get($0) }
    }

    static func locate(_ c: Coordinate, in rings: RingAreaIndex, codes: [String], tolerance: Double) -> Int? {
        rings.areas(covering: c, tolerance: tolerance).min {
            codes[$0] != codes[$1] ? codes[$0] < codes[$1] : $0 < $1
        }
    }

    /// The first unit in input order covering `c` (partition's rule: each point in exactly one
    /// community), nil outside every unit.
    public func firstCovering(_ c: Coordinate) throws -> Int? {
        try rings.areas(covering: c).first
    }

    /// The unit nearest to `c` and its distance (in the units' CRS), nil when there are no
    /// units. Units equally near (within `tieMetres`) go to the lowest code, as in ``locate(_:tolerance:)``.
    /// Calls `GEOSSTRtree_nearest_generic_r` and `GEOSDistance_r`.
    public func nearest(to c: Coordinate, tieMetres: Double = 1e-3) throws -> (index: Int, distance: Double)? {
        let p = try context.geometry(.point(c))
        let index = try self.index
        guard let first = try index.nearest(to: p) else { return nil }
        let d = try natives[first].distance(to: p)
        let r = d + tieMetres
        let window = Envelope(minX: c.x - r, minY: c.y - r, maxX: c.x + r, maxY: c.y + r)
        let tied = try index.query(envelope: window).filter { try natives[$0].distance(to: p) <= r }
        let best = (tied + [first]).min { codes[$0] != codes[$1] ? codes[$0] < codes[$1] : $0 < $1 }!
        return (best, d)
    }

    // MARK: Shared borders

    private var grownCache: [Int: NativeGeometry] = [:]

    /// Unit `i` grown by `toleranceMetres` (2 segments a quadrant), for tolerant border measurement.
    func grown(_ i: Int, by toleranceMetres: Double) throws -> NativeGeometry {
        if let g = grownCache[i] { return g }
        let g = try natives[i].buffer(by: toleranceMetres, quadrantSegments: 2)
        grownCache[i] = g
        return g
    }

    /// How much of `piece`'s outline each unit shares (within `toleranceMetres`, which absorbs
    /// digitising noise), longest first, ties to the lower code; units sharing no more than the
    /// tolerance are left out. One tolerance per model: the grown units are kept.
    func borders(of piece: NativeGeometry, toleranceMetres: Double, excluding: Set<Int> = []) throws -> [(
        unit: Int, length: Double
    )] {
        let outline = try piece.boundary()
        var result: [(Int, Double)] = []
        for j in try candidates(intersecting: try piece.buffer(by: toleranceMetres, quadrantSegments: 2))
        where !excluding.contains(j) {
            let shared = try outline.intersection(with: grown(j, by: toleranceMetres)).length
            if shared > toleranceMetres { result.append((j, shared)) }
        }
        return result.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : codes[$0.0] < codes[$1.0] }
    }
}
