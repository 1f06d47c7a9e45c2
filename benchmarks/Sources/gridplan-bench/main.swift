// Release-build benchmark driver: runs one gridplan operation on a file and prints its phase
// timings as JSON. benchmarks/run.py runs it (and the peers) repeatedly and takes medians.
//
// Besides GeoJSON read/write it measures the "floor" of each command: the GEOS primitives the
// command cannot avoid, done the cheapest way through gridplan's public API, and nothing else.
// Reading, projecting to the metric CRS, making geometries valid and building GEOS geometries
// from Swift values happen before the clock starts; only the primitives are timed (`floor_s`).
import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("gridplan-bench: \(message)\n".utf8))
    exit(2)
}

let usage = """
    usage: gridplan-bench geojson-read FILE | geojson-write FILE OUT
           | floor-check UNITS BOUNDARY | floor-partition COMMUNITIES STREETS
           | floor-assign-streets UNITS STREETS | floor-assign-points UNITS POINTS
           | floor-metrics UNITS BOUNDARY HOUSEHOLDS EVENTS STREETS
    """

// MARK: - Inputs (untimed)

/// Layers read and projected into the metric CRS gridplan would choose for the first layer.
struct Inputs {
    let metric: CRS
    var layers: [[Feature]]

    init(paths: [String]) throws {
        var read = try paths.map { try GeoJSONReader.read(path: $0).features }
        var e = Envelope.empty
        for f in read[0] { if let g = f.geometry { e.expand(toInclude: g.envelope) } }
        metric = CRS.metricCRS(for: e)
        let t = try Transformer(from: .wgs84, to: metric)
        for k in read.indices {
            for i in read[k].indices { read[k][i].geometry = try read[k][i].geometry.map { try t.transform($0) } }
        }
        layers = read
    }
}

/// The polygons of a geometry, each as its own geometry.
func polygons(of g: NativeGeometry) -> [NativeGeometry] {
    switch g.kind {
    case .polygon: return g.isEmpty ? [] : [g]
    case .multiPolygon, .geometryCollection: return g.parts.flatMap { polygons(of: $0) }
    default: return []
    }
}

/// A valid polygonal geometry (make-valid happens before timing, as part of preparing inputs).
func validPolygonal(_ value: Geometry, _ ctx: GEOSContext) throws -> NativeGeometry {
    let g = try ctx.geometry(value)
    if try g.isValid { return g }
    let ps = polygons(of: try g.madeValid().geometry)
    return ps.count == 1 ? ps[0] : try ctx.collection(ps, kind: .multiPolygon)
}

func polygonalUnits(_ features: [Feature], _ ctx: GEOSContext) throws -> [NativeGeometry] {
    try features.compactMap { f -> NativeGeometry? in
        guard let g = f.geometry else { return nil }
        switch g {
        case .polygon, .multiPolygon: return try validPolygonal(g, ctx)
        default: return nil
        }
    }
}

func lines(_ features: [Feature], _ ctx: GEOSContext, classes: Set<String>? = nil) throws -> [NativeGeometry] {
    try features.compactMap { f -> NativeGeometry? in
        guard let g = f.geometry else { return nil }
        if let classes, !classes.contains(f.properties["class"]?.text ?? "") { return nil }
        switch g {
        case .lineString(let cs) where cs.count >= 2: return try ctx.geometry(g)
        case .multiLineString: return try ctx.geometry(g)
        default: return nil
        }
    }
}

func points(_ features: [Feature], _ ctx: GEOSContext) throws -> [NativeGeometry] {
    try features.compactMap { f -> NativeGeometry? in
        if case .point? = f.geometry { return try ctx.geometry(f.geometry!) }
        return nil
    }
}

func emit(_ fields: [(String, Any)]) {
    let body = fields.map { k, v -> String in
        if let d = v as? Double { return "\"\(k)\":\(d.isFinite ? String(d) : "null")" }
        return "\"\(k)\":\(v)"
    }.joined(separator: ",")
    print("{" + body + "}")
}

/// Shared by the two floors that locate points in units: STR-tree candidates, prepared covers.
func locate(_ pts: [NativeGeometry], index: SpatialIndex, prepared: [PreparedGeometry]) throws -> Int {
    var found = 0
    for p in pts where try index.query(intersecting: p).contains(where: { try prepared[$0].covers(p) }) { found += 1 }
    return found
}

/// Mutable per-thread state for the parallel partition floor.
final class Chunk: @unchecked Sendable {
    let ctx = GEOSContext()
    var communities: [NativeGeometry] = []
    var streets: [NativeGeometry] = []
    var faces = 0
    var error: Error?
}

// MARK: - Operations

let args = Array(CommandLine.arguments.dropFirst())
guard let op = args.first else { fail(usage) }

do {
    switch op {
    case "geojson-read":
        guard args.count == 2 else { fail("geojson-read FILE") }
        let t0 = now()
        let c = try GeoJSONReader.read(path: args[1])
        let t1 = now()
        let coords = c.features.reduce(0) { $0 + ($1.geometry?.coordinateCount ?? 0) }
        print(#"{"read_s":\#(t1 - t0),"features":\#(c.features.count),"coordinates":\#(coords)}"#)
    case "geojson-write":
        guard args.count == 3 else { fail("geojson-write FILE OUT") }
        let c = try GeoJSONReader.read(path: args[1])
        let t0 = now()
        try GeoJSONWriter.write(c.features, to: args[2])
        let t1 = now()
        print(#"{"write_s":\#(t1 - t0),"features":\#(c.features.count)}"#)

    case "floor-check":
        // check (and repair) cannot avoid: an index of the units, an intersection test for every
        // candidate pair and the intersection of every overlapping pair, one cascaded union of all
        // units, and the boundary minus that union (the gaps).
        guard args.count == 3 else { fail("floor-check UNITS BOUNDARY") }
        let input = try Inputs(paths: [args[1], args[2]])
        let ctx = GEOSContext()
        let units = try polygonalUnits(input.layers[0], ctx)
        let boundaryParts = try polygonalUnits(input.layers[1], ctx)
        let boundary = boundaryParts.count == 1 ? boundaryParts[0] : try ctx.union(of: boundaryParts)
        let t0 = now()
        let index = try SpatialIndex(context: ctx)
        for u in units { try index.insert(u) }
        var candidatePairs = 0, overlapping = 0
        var overlapArea = 0.0
        for i in units.indices {
            let p = try units[i].prepared()
            for j in index.query(intersecting: units[i]) where j > i {
                candidatePairs += 1
                guard try p.intersects(units[j]) else { continue }
                let x = try units[i].intersection(with: units[j])
                let a = try x.area
                if a > 0 {
                    overlapping += 1
                    overlapArea += a
                }
            }
        }
        let union = try ctx.union(of: units)
        let gaps = try boundary.difference(with: union)
        let t1 = now()
        let gapPieces = try polygons(of: gaps).filter { try $0.area > 0.01 }
        emit([
            ("floor_s", t1 - t0), ("units", units.count), ("candidate_pairs", candidatePairs),
            ("overlapping_pairs", overlapping),
            ("overlap_area_m2", overlapArea), ("gaps", gapPieces.count), ("gap_area_m2", try gaps.area),
            ("metric_crs", "\"\(input.metric.identifier)\""),
        ])

    case "floor-partition":
        // partition cannot avoid: for every community, finding the street lines that cut it,
        // noding them with its outline and polygonizing the blocks (and keeping those inside).
        // Communities are independent: like `gridplan partition`, they run on every core, each
        // worker with its own GEOS context.
        guard args.count == 3 else { fail("floor-partition COMMUNITIES STREETS") }
        let input = try Inputs(paths: [args[1], args[2]])
        let cutting: Set<String> = ["arterial", "secondary"]
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunks = (0..<workers).map { _ in Chunk() }
        // Geometries are built into each worker's context before timing; each worker gets the
        // street lines whose envelopes meet one of its communities.
        let communityFeatures = input.layers[0].filter {
            if case .polygon? = $0.geometry { return true }
            if case .multiPolygon? = $0.geometry { return true }
            return false
        }
        let streetFeatures = input.layers[1].filter { cutting.contains($0.properties["class"]?.text ?? "") }
        let streetEnvelopes = streetFeatures.map { $0.geometry?.envelope ?? .empty }
        for (w, chunk) in chunks.enumerated() {
            let mine = stride(from: w, to: communityFeatures.count, by: workers).map { communityFeatures[$0] }
            chunk.communities = try polygonalUnits(mine, chunk.ctx)
            var e = Envelope.empty
            for c in chunk.communities { e.expand(toInclude: c.envelope) }
            let near = streetFeatures.indices.filter { streetEnvelopes[$0].intersects(e) }.map { streetFeatures[$0] }
            chunk.streets = try lines(near, chunk.ctx)
        }
        let t0 = now()
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let chunk = chunks[w]
            do {
                let ctx = chunk.ctx
                let index = try SpatialIndex(context: ctx)
                for s in chunk.streets { try index.insert(s) }
                for c in chunk.communities {
                    let prepared = try c.prepared()
                    let cutters = try index.query(intersecting: c).map { chunk.streets[$0] }.filter {
                        try prepared.intersects($0)
                    }
                    let noded = try ctx.collection([try c.boundary()] + cutters).unaryUnion()
                    for face in polygons(of: try ctx.polygonize(noded.parts))
                    where try prepared.contains(face.pointOnSurface) {
                        chunk.faces += 1
                    }
                }
            } catch {
                chunk.error = error
            }
        }
        let t1 = now()
        if let e = chunks.compactMap(\.error).first { throw e }
        emit([
            ("floor_s", t1 - t0), ("communities", chunks.reduce(0) { $0 + $1.communities.count }),
            ("blocks", chunks.reduce(0) { $0 + $1.faces }),
            ("workers", workers), ("metric_crs", "\"\(input.metric.identifier)\""),
        ])

    case "floor-assign-streets":
        // assign streets cannot avoid: an index of the units and, for every street, the
        // intersection of the line with each unit it meets.
        guard args.count == 3 else { fail("floor-assign-streets UNITS STREETS") }
        let input = try Inputs(paths: [args[1], args[2]])
        let ctx = GEOSContext()
        let units = try polygonalUnits(input.layers[0], ctx)
        let streets = try lines(input.layers[1], ctx)
        let t0 = now()
        let (index, prepared) = try indexedAndPrepared(units, ctx)
        var pieces = 0
        var length = 0.0
        for s in streets {
            for k in index.query(intersecting: s) where try prepared[k].intersects(s) {
                let x = try s.intersection(with: units[k])
                pieces += 1
                length += try x.length
            }
        }
        let t1 = now()
        emit([
            ("floor_s", t1 - t0), ("units", units.count), ("streets", streets.count), ("pieces", pieces),
            ("length_m", length),
        ])

    case "floor-assign-points":
        // assign points cannot avoid: an index of the units and a point-in-polygon test for
        // every point against its candidates.
        guard args.count == 3 else { fail("floor-assign-points UNITS POINTS") }
        let input = try Inputs(paths: [args[1], args[2]])
        let ctx = GEOSContext()
        let units = try polygonalUnits(input.layers[0], ctx)
        let pts = try points(input.layers[1], ctx)
        let t0 = now()
        let (index, prepared) = try indexedAndPrepared(units, ctx)
        let found = try locate(pts, index: index, prepared: prepared)
        let t1 = now()
        emit([("floor_s", t1 - t0), ("units", units.count), ("points", pts.count), ("assigned", found)])

    case "floor-metrics":
        // metrics cannot avoid: an index of the units, point-in-polygon for households and events,
        // line-in-polygon for streets, one cascaded union and its intersection with the boundary.
        guard args.count == 6 else { fail("floor-metrics UNITS BOUNDARY HOUSEHOLDS EVENTS STREETS") }
        let input = try Inputs(paths: Array(args[1...5]))
        let ctx = GEOSContext()
        let units = try polygonalUnits(input.layers[0], ctx)
        let boundaryParts = try polygonalUnits(input.layers[1], ctx)
        let boundary = boundaryParts.count == 1 ? boundaryParts[0] : try ctx.union(of: boundaryParts)
        let households = try points(input.layers[2], ctx)
        let events = try points(input.layers[3], ctx)
        let streets = try lines(input.layers[4], ctx)
        let t0 = now()
        let (index, prepared) = try indexedAndPrepared(units, ctx)
        let inHouseholds = try locate(households, index: index, prepared: prepared)
        let inEvents = try locate(events, index: index, prepared: prepared)
        var length = 0.0
        for s in streets {
            for k in index.query(intersecting: s) where try prepared[k].intersects(s) {
                length += try s.intersection(with: units[k]).length
            }
        }
        let union = try ctx.union(of: units)
        let owned = try union.intersection(with: boundary).area
        let t1 = now()
        emit([
            ("floor_s", t1 - t0), ("units", units.count), ("households_located", inHouseholds),
            ("events_located", inEvents),
            ("street_m", length), ("owned_area_m2", owned), ("boundary_area_m2", try boundary.area),
        ])

    default:
        fail("unknown operation \(op)\n\(usage)")
    }
} catch {
    fail("\(error)")
}

/// The STRtree of `units` and each unit prepared: the first primitives of every location floor.
func indexedAndPrepared(_ units: [NativeGeometry], _ ctx: GEOSContext) throws -> (SpatialIndex, [PreparedGeometry]) {
    let index = try SpatialIndex(context: ctx)
    for u in units { try index.insert(u) }
    return (index, try units.map { try $0.prepared() })
}
