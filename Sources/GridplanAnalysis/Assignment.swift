import Foundation
import GridplanGeometry

/// A street feature to assign, in a metric CRS.
public struct StreetFeature: Sendable {
    public var id: String
    public var name: String?
    public var streetClass: String?
    /// The road's grade (1 the most important), when the data carries one (路长制 manages roads by grade).
    public var grade: Int?
    public var geometry: Geometry
    public var sourceIndex: Int
    public init(
        id: String, name: String?, streetClass: String?, grade: Int? = nil, geometry: Geometry, sourceIndex: Int
    ) {
        self.id = id
        self.name = name
        self.streetClass = streetClass
        self.grade = grade
        self.geometry = geometry
        self.sourceIndex = sourceIndex
    }
}

/// One piece of a street with exactly one lead owner (街巷长制).
public struct StreetSegment: Sendable {
    public var streetID: String
    public var streetName: String?
    public var streetClass: String?
    /// The street's grade, when known.
    public var grade: Int?
    public var geometry: Geometry
    public var lengthMetres: Double
    /// nil when the piece lies in no unit.
    public var lead: String?
    /// Units sharing a boundary street with the lead.
    public var coOwners: [String]
    public var isBoundary: Bool
    /// Which rule gave the lead, in words.
    public var rule: String
}

/// The result of assigning streets.
public struct StreetAssignment: Sendable {
    public var segments: [StreetSegment]
    public var skipped: [(index: Int, reason: String)]

    public var totalLengthMetres: Double { segments.reduce(0) { $0 + $1.lengthMetres } }
    public var unownedLengthMetres: Double { segments.filter { $0.lead == nil }.reduce(0) { $0 + $1.lengthMetres } }
}

/// Gives every street segment one lead unit.
///
/// Streets are cut where they cross unit boundaries. A piece inside a unit is led by that unit.
/// A piece running along a shared boundary (within the tolerance) is a boundary street: the
/// unit with the longer frontage on the whole street leads (ties: the lower code) and the others
/// are co-owners. Where units overlap, the lower code takes the piece, so no piece is led twice.
public enum StreetAssigner {
    public static let boundaryRule =
        "boundary street: the unit with the longer frontage on the whole street leads (ties: the lower code); the others are co-owners"
    public static let insideRule = "inside the unit"

    public static func run(
        streets: [StreetFeature], units: [UnitInput], toleranceMetres: Double = 5,
        progress: @Sendable (String) -> Void = { _ in }
    ) throws -> StreetAssignment {
        // Units in code order: where they overlap, the lower code takes the piece.
        let ordered = units.sorted { $0.code < $1.code }
        // Streets are independent: workers (one GEOS context and unit cache each) take chunks of
        // them in turn, in an order along the ground (so a worker keeps meeting the units it
        // has prepared, and can let go of the others); the segments are put back in input order,
        // so the result never depends on timing or on the order.
        let order = SpatialOrder.hilbert(streets.map(\.geometry.envelope))
        let chunkSize = 256
        let chunks = (streets.count + chunkSize - 1) / chunkSize
        @Sendable func chunk(_ c: Int) -> ArraySlice<Int> {
            order[(c * chunkSize)..<min(streets.count, (c + 1) * chunkSize)]
        }
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, chunks))
        let slots = ResultSlots<Worker.Part>(count: chunks)
        let next = Counter()
        let done = Counter()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            var worker: Worker?
            while true {
                let c = next.increment() - 1
                guard c < chunks else { break }
                slots.set(
                    c,
                    Result {
                        if worker == nil { worker = try Worker(units: ordered, tolerance: toleranceMetres) }
                        return try worker!.assign(chunk(c), of: streets)
                    })
                let n = done.increment()
                if n % 4 == 0 { progress("assign: street \(min(streets.count, n * chunkSize)) of \(streets.count)") }
            }
        }
        var parts: [Worker.Part] = []
        for c in 0..<chunks { parts.append(try slots.get(c)) }
        return inputOrder(parts, chunks: (0..<chunks).map(chunk), streets: streets)
    }

    /// The segments and skipped streets of the chunks, in the streets' input order.
    static func inputOrder(_ parts: [Worker.Part], chunks: [ArraySlice<Int>], streets: [StreetFeature])
        -> StreetAssignment
    {
        // Where each street's segments sit: its chunk, the first segment, how many.
        var place = [(part: Int32, start: Int32, count: Int32)](repeating: (0, 0, 0), count: streets.count)
        for (c, indices) in chunks.enumerated() {
            var start = 0
            for (k, i) in indices.enumerated() {
                let n = parts[c].counts[k]
                place[i] = (Int32(c), Int32(start), Int32(n))
                start += n
            }
        }
        var result = StreetAssignment(segments: [], skipped: [])
        // Sized once: growing by doubling would briefly hold the segments twice over.
        result.segments.reserveCapacity(parts.reduce(0) { $0 + $1.segments.count })
        for p in place where p.count > 0 {
            result.segments += parts[Int(p.part)].segments[Int(p.start)..<Int(p.start + p.count)]
        }
        result.skipped = parts.flatMap(\.skipped).sorted { $0.street < $1.street }.map {
            (streets[$0.street].sourceIndex, $0.reason)
        }
        return result
    }

    /// What one thread needs to assign streets: its coverage model (a GEOS context, the units in
    /// it, their index and prepared geometry) and the per-unit zones it has made so far.
    final class Worker {
        let ctx: GEOSContext
        let natives: [NativeGeometry]
        let codes: [String]
        let index: SpatialIndex
        let zones: UnitZones
        let toleranceMetres: Double

        init(units ordered: [UnitInput], tolerance: Double) throws {
            let model = try CoverageModel(units: ordered)
            ctx = model.context
            natives = model.natives
            codes = model.codes
            index = try model.index
            zones = UnitZones(model, tolerance: tolerance)
            toleranceMetres = tolerance
        }

        /// What a chunk of streets gave: their segments, street after street in the chunk's
        /// order, how many each street gave, and the streets skipped (index into the streets).
        struct Part {
            var segments: [StreetSegment] = []
            var counts: [Int] = []
            var skipped: [(street: Int, reason: String)] = []
        }

        /// How many of its own chunks a worker keeps a unit's prepared geometry and zones after
        /// last using them. Chunks follow the ground, so a unit left alone that long is behind
        /// the worker; without letting go, every worker would end up holding every unit's zones
        /// (over 2 GB each at 100,000 communities).
        static let keepChunks = 8

        func assign(_ indices: ArraySlice<Int>, of streets: [StreetFeature]) throws -> Part {
            var part = Part()
            part.counts.reserveCapacity(indices.count)
            for i in indices {
                let before = part.segments.count
                if let reason = try assign(streets[i], to: &part.segments) { part.skipped.append((i, reason)) }
                part.counts.append(part.segments.count - before)
            }
            zones.endChunk(keeping: Self.keepChunks)
            return part
        }

        /// Appends the segments of one street; returns why it was skipped, if it was.
        func assign(_ street: StreetFeature, to segments: inout [StreetSegment]) throws -> String? {
            let ctx = self.ctx, natives = self.natives, codes = self.codes, index = self.index, zones = self.zones,
                toleranceMetres = self.toleranceMetres
            let g: NativeGeometry
            switch street.geometry {
            case .lineString(let cs) where cs.count >= 2: g = try ctx.geometry(street.geometry)
            case .multiLineString: g = try ctx.geometry(street.geometry)
            default: return "a \(street.geometry.typeName) is not a street line"
            }
            let length = try g.length
            guard length > 0 else { return "zero-length street" }
            func make(_ piece: NativeGeometry, lead: String?, co: [String], boundary: Bool, rule: String) throws {
                for part in try lines(of: piece) {
                    let l = try part.length
                    guard l > 1e-6 else { continue }
                    segments.append(
                        StreetSegment(
                            streetID: street.id, streetName: street.name, streetClass: street.streetClass,
                            grade: street.grade, geometry: try part.value(),
                            lengthMetres: l, lead: lead, coOwners: co, isBoundary: boundary, rule: rule))
                }
            }
            // The units whose tolerance zone the street enters; no other unit can lead or share any of it.
            let e = g.envelope
            let box = Envelope(
                minX: e.minX - toleranceMetres, minY: e.minY - toleranceMetres, maxX: e.maxX + toleranceMetres,
                maxY: e.maxY + toleranceMetres)
            let near = try index.query(envelope: box).filter { try zones.grown($0).prepared.intersects(g) }.sorted()
            guard !near.isEmpty else {
                try make(g, lead: nil, co: [], boundary: false, rule: "in no unit")
                return nil
            }
            // The common case: a street well inside one unit, near no other.
            let edgeHits = try near.filter { try zones.edge($0).prepared.intersects(g) }
            if near.count == 1, edgeHits.isEmpty, try zones.unit(near[0]).covers(g) {
                try make(g, lead: codes[near[0]], co: [], boundary: false, rule: insideRule)
                return nil
            }
            // Frontage of a unit on this street: the street's length within the tolerance of the unit.
            var frontageCache: [Int: Double] = [:]
            func frontage(_ c: Int) throws -> Double {
                if let f = frontageCache[c] { return f }
                let f = try zones.grown(c).length(of: g, lineLength: length)
                frontageCache[c] = f
                return f
            }
            // The street within the tolerance of a unit's outline, and the rest: each zone takes its
            // share of what the earlier ones left, so the pieces never overlap (unioning overlapping
            // pieces cut by different zones would leave near-duplicates and count them twice).
            var alongPieces: [NativeGeometry] = []
            var inner = g
            for c in edgeHits where !inner.isEmpty {
                let zone = try zones.edge(c)
                // Two overlays only where the band cuts what is left: what it misses stays inner,
                // what it covers is along (a short street near a border often lies wholly in it).
                if try !zone.prepared.intersects(inner) { continue }
                if try zone.prepared.covers(inner) {
                    alongPieces += try lines(of: inner)
                    inner = try ctx.geometry(.multiLineString([]))
                    break
                }
                alongPieces += try lines(of: inner.intersection(with: zone.geometry))
                inner = try inner.difference(with: zone.geometry)
            }
            // Flat: GEOS's line merger does not look inside a collection's nested multi-lines.
            var along = try ctx.collection(alongPieces, kind: .multiLineString)
            // Short stretches in the zone are where the street crosses a boundary, not runs along it.
            var crossing: [NativeGeometry] = []
            var running: [NativeGeometry] = []
            for part in try lines(of: along.lineMerged()) {
                if try part.length < 4 * toleranceMetres { crossing.append(part) } else { running.append(part) }
            }
            if !crossing.isEmpty {
                inner = try ctx.union(of: [inner] + crossing)
                along = running.isEmpty ? try ctx.geometry(.multiLineString([])) : try ctx.union(of: running)
            }
            // Inside pieces: each to the unit containing it, lower codes first.
            var remaining = inner
            for c in near where !remaining.isEmpty {
                let unit = try zones.unit(c)
                guard try unit.intersects(remaining) else { continue }
                if try unit.covers(remaining) {
                    // All that is left lies in this unit: no overlay needed.
                    try make(remaining, lead: codes[c], co: [], boundary: false, rule: insideRule)
                    remaining = try ctx.geometry(.multiLineString([]))
                    break
                }
                let piece = try remaining.intersection(with: natives[c])
                if try piece.length > 0 {
                    try make(piece, lead: codes[c], co: [], boundary: false, rule: insideRule)
                    remaining = try remaining.difference(with: natives[c])
                }
            }
            // Boundary pieces: the units beside each piece; the larger frontage leads.
            for part in running {
                let partLength = try part.length
                let beside = try near.filter {
                    try zones.unit($0).isWithinDistance(toleranceMetres * 1.01, of: part)
                }
                .filter { try zones.grown($0).length(of: part, lineLength: partLength) > 0.5 * partLength }
                if beside.isEmpty {
                    remaining = try ctx.union(of: [remaining, part])
                    continue
                }
                if beside.count == 1 {
                    try make(
                        part, lead: codes[beside[0]], co: [], boundary: false, rule: "along the unit's outer edge")
                    continue
                }
                let fronts = try Dictionary(uniqueKeysWithValues: beside.map { ($0, try frontage($0)) })
                let ranked = beside.sorted {
                    fronts[$0]! != fronts[$1]! ? fronts[$0]! > fronts[$1]! : codes[$0] < codes[$1]
                }
                try make(
                    part, lead: codes[ranked[0]], co: ranked.dropFirst().map { codes[$0] }, boundary: true,
                    rule: boundaryRule)
            }
            if try remaining.length > 1e-6 {
                try make(remaining, lead: nil, co: [], boundary: false, rule: "in no unit")
            }
            return nil
        }
    }

    /// Per-unit geometry the assignment asks for again and again, made on first use: the unit
    /// prepared, the unit grown by the tolerance (frontage), and the band within the tolerance of
    /// its outline (where a street runs along the border rather than inside).
    final class UnitZones {
        struct Zone {
            var geometry: NativeGeometry
            var prepared: PreparedGeometry

            /// The length of `line` (whose whole length is `lineLength`) inside the zone; a line
            /// the zone covers needs no overlay.
            func length(of line: NativeGeometry, lineLength: Double) throws -> Double {
                try prepared.covers(line) ? lineLength : line.intersection(with: geometry).length
            }
        }

        let model: CoverageModel
        var natives: [NativeGeometry] { model.natives }
        let tolerance: Double
        private var grownZones: [Zone?]
        private var edgeZones: [Zone?]
        /// The chunks ended so far; each unit's last use on that clock (-1: nothing of it is
        /// held); the units holding anything made, which ``endChunk(keeping:)`` looks through.
        private var stamp = 0
        private var lastUse: [Int]
        private var held: [Int] = []

        init(_ model: CoverageModel, tolerance: Double) {
            self.model = model
            self.tolerance = tolerance
            grownZones = Array(repeating: nil, count: model.natives.count)
            edgeZones = Array(repeating: nil, count: model.natives.count)
            lastUse = Array(repeating: -1, count: model.natives.count)
        }

        private func use(_ i: Int) {
            if lastUse[i] < 0 { held.append(i) }
            lastUse[i] = stamp
        }

        /// Ends a chunk: lets go of the prepared geometry and zones of every unit not used in
        /// the last `keep` chunks (made again if asked for).
        func endChunk(keeping keep: Int) {
            stamp += 1
            let cutoff = stamp - keep
            held.removeAll { i in
                guard lastUse[i] < cutoff else { return false }
                grownZones[i] = nil
                edgeZones[i] = nil
                model.releasePrepared(i)
                lastUse[i] = -1
                return true
            }
        }

        func unit(_ i: Int) throws -> PreparedGeometry {
            use(i)
            return try model.prepared(i)
        }

        func grown(_ i: Int) throws -> Zone {
            use(i)
            if let z = grownZones[i] { return z }
            let g = try natives[i].buffer(by: tolerance, quadrantSegments: 4)
            let z = Zone(geometry: g, prepared: try g.prepared())
            grownZones[i] = z
            return z
        }

        func edge(_ i: Int) throws -> Zone {
            use(i)
            if let z = edgeZones[i] { return z }
            let g = try natives[i].boundary().buffer(by: tolerance, quadrantSegments: 4)
            let z = Zone(geometry: g, prepared: try g.prepared())
            edgeZones[i] = z
            return z
        }
    }

    static func lines(of g: NativeGeometry) throws -> [NativeGeometry] {
        switch g.kind {
        case .lineString, .linearRing: return g.isEmpty ? [] : [g]
        case .multiLineString, .geometryCollection: return try g.parts.flatMap { try lines(of: $0) }
        default: return []
        }
    }
}

/// Point-in-unit assignment with a stated tie rule.
public enum PointAssigner {
    public static let tieRule =
        "a point on a shared edge or vertex (within 1 mm in a metric CRS) goes to the unit with the lowest code among those that cover it"

    /// How near a point (in a metric CRS) must be to a unit to be on it: a point typed on an edge
    /// lands micrometres to either side once converted between CRSs, and must still count as on it.
    public static let edgeToleranceMetres = 0.001

    /// The index (into `units`) of the unit each point lies in, nil outside every unit.
    /// - Parameter edgeTolerance: distance (in the units' CRS) within which a point counts as on a
    ///   unit; ``edgeToleranceMetres`` in a metric CRS, 0 for exact tests in the CRS the points
    ///   were typed in.
    public static func run(points: [Coordinate], units: [UnitInput], edgeTolerance: Double = 0) throws -> [Int?] {
        try PointLocator(units: units, edgeTolerance: edgeTolerance).locate(points)
    }
}

/// Many points located in one set of units with ``PointAssigner/tieRule``: the point location
/// of a ``CoverageModel`` (the units made valid once, their rings indexed, each point tested
/// exactly on coordinates, no GEOS point per point) with a fixed edge tolerance.
///
/// ```swift
/// let locator = try PointLocator(units: communities)
/// let owners = locator.locate(points)               // index into `communities`, nil outside
/// let fallback = try locator.nearest(to: points[0]) // (index, distance) for 属地兜底
/// ```
public final class PointLocator {
    /// The units, in the order the indices refer to.
    public var units: [UnitInput] { model.units }
    /// The model the points are located in.
    public let model: CoverageModel
    /// The units' rings (immutable, shared by every thread).
    let rings: RingAreaIndex
    /// Distance within which a point counts as on a unit (see ``PointAssigner/edgeToleranceMetres``).
    public let edgeTolerance: Double

    /// - Throws: `GeometryError` when GEOS cannot make or repair a unit's geometry.
    public convenience init(units: [UnitInput], edgeTolerance: Double = 0) throws {
        try self.init(model: CoverageModel(units: units), edgeTolerance: edgeTolerance)
    }

    /// Locates points in the units of a model already built.
    public init(model: CoverageModel, edgeTolerance: Double = 0) throws {
        self.model = model
        self.edgeTolerance = edgeTolerance
        rings = try model.rings
    }

    /// The unit `c` lies in (on a shared edge or vertex, or where units overlap: the lowest
    /// code among those covering it or within ``edgeTolerance`` of it), nil outside every unit.
    public func locate(_ c: Coordinate) -> Int? {
        CoverageModel.locate(c, in: rings, codes: model.codes, tolerance: edgeTolerance)
    }

    /// ``locate(_:)`` for every point, in order; the points are shared out between the cores.
    public func locate(_ points: [Coordinate]) -> [Int?] {
        CoverageModel.locate(points, in: rings, codes: model.codes, tolerance: edgeTolerance)
    }

    /// The unit nearest to `c` and its distance (in the units' CRS), nil when there are no
    /// units. Units equally near (within a millimetre) go to the lowest code, as in ``locate(_:)``.
    public func nearest(to c: Coordinate) throws -> (index: Int, distance: Double)? {
        try model.nearest(to: c, tieMetres: 1e-3)
    }
}

/// A child unit placed in its parents.
public struct ChildPlacement: Sendable {
    public var child: String
    public var declaredParent: String?
    /// The parent holding the largest share of the child's area, nil when none.
    public var parent: String?
    public var share: Double
    /// Every parent holding part of the child, with its share, largest first.
    public var shares: [(code: String, share: Double)]
    public var isSplit: Bool
    public var disagrees: Bool { declaredParent != nil && parent != nil && declaredParent != parent }
}

/// Children (communities, grids) to the parent that holds most of their area.
public enum UnitAssigner {
    /// - Parameter splitThreshold: a child with less than this share in its main parent is "split".
    public static func run(children: [UnitInput], parents: [UnitInput], splitThreshold: Double = 0.99) throws
        -> [ChildPlacement]
    {
        let model = try CoverageModel(units: parents)
        let ctx = model.context
        let parentNatives = model.natives
        let index = try model.index
        return try children.map { child in
            let g = try CoverageModel.validPolygonal(child.geometry, in: ctx)
            let area = try g.area
            var shares: [(String, Double)] = []
            for p in index.query(intersecting: g) {
                let s = area > 0 ? try g.intersection(with: parentNatives[p]).area / area : 0
                if s > 1e-9 { shares.append((parents[p].code, s)) }
            }
            shares.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            return ChildPlacement(
                child: child.code, declaredParent: child.parentCode, parent: shares.first?.0,
                share: shares.first?.1 ?? 0,
                shares: shares.map { (code: $0.0, share: $0.1) },
                isSplit: (shares.first?.1 ?? 0) < splitThreshold && shares.count > 1)
        }
    }
}

/// The unit that answers for a point in no unit (属地兜底): the nearest one, and how far it is.
public enum FallbackOwner {
    /// For each point, the index (into `units`) of the nearest unit and the distance to it in
    /// the points' CRS units (metres in a metric CRS); nil when there are no units. Equal
    /// distances go to the lower code, as in ``PointAssigner``.
    public static func nearest(points: [Coordinate], units: [UnitInput]) throws -> [(index: Int, distance: Double)?] {
        guard !units.isEmpty else { return points.map { _ in nil } }
        let model = try CoverageModel(units: units)
        let ctx = model.context
        let natives = model.natives
        let index = try model.index
        return try points.map { c in
            let p = try ctx.geometry(.point(c))
            guard let k = try index.nearest(to: p) else { return nil }
            let d = try natives[k].distance(to: p)
            // Ties at the same distance: the lower code, among the units within a hair of it.
            let reach = d + 1e-6
            let box = Envelope(minX: c.x - reach, minY: c.y - reach, maxX: c.x + reach, maxY: c.y + reach)
            let best =
                try index.query(envelope: box).filter { try natives[$0].distance(to: p) <= reach }
                .min { units[$0].code != units[$1].code ? units[$0].code < units[$1].code : $0 < $1 } ?? k
            return (best, try natives[best].distance(to: p))
        }
    }
}
