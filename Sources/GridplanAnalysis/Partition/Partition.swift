import Foundation
import GridplanGeometry

/// A uniform bucket grid over envelopes, in plain Swift so many threads can read it at once.
struct EnvelopeBuckets: Sendable {
    let cell: Double
    var buckets: [Int64: [Int]] = [:]

    init(envelopes: [Envelope], cell: Double) {
        self.cell = cell
        // A local dictionary: appending through `self` inside the closure made Swift copy the whole
        // dictionary on every insert (quadratic; most of partition's time at 10,000 communities).
        var buckets: [Int64: [Int]] = [:]
        for (i, e) in envelopes.enumerated() where !e.isEmpty {
            Self.forEachKey(e, cell: cell) { buckets[$0, default: []].append(i) }
        }
        self.buckets = buckets
    }

    func forEachKey(_ e: Envelope, _ body: (Int64) -> Void) {
        Self.forEachKey(e, cell: cell, body)
    }

    /// The cells an envelope meets; none for an empty envelope (the envelope of an empty geometry).
    static func forEachKey(_ e: Envelope, cell: Double, _ body: (Int64) -> Void) {
        guard !e.isEmpty, e.minX.isFinite, e.maxX.isFinite, e.minY.isFinite, e.maxY.isFinite else { return }
        let x0 = Int64((e.minX / cell).rounded(.down)), x1 = Int64((e.maxX / cell).rounded(.down))
        let y0 = Int64((e.minY / cell).rounded(.down)), y1 = Int64((e.maxY / cell).rounded(.down))
        for x in x0...x1 { for y in y0...y1 { body((x << 32) ^ (y & 0xFFFF_FFFF)) } }
    }

    /// Items whose bucket cells meet `e`, ascending, without duplicates.
    func candidates(_ e: Envelope) -> [Int] {
        var seen = Set<Int>()
        forEachKey(e) { for i in buckets[$0] ?? [] { seen.insert(i) } }
        return seen.sorted()
    }
}

/// Partitions communities into unit grids (单元网格): street blocks grouped into contiguous grids
/// that tile each community, balanced within the target bounds, coded and kept stable across
/// regenerations. Communities are independent, so they are partitioned in parallel, each task
/// with its own GEOS context.
public enum Partitioner {
    /// - Parameters:
    ///   - households: weighted points (buildings with households).
    ///   - events: points counted as workload (events, components).
    ///   - previous: the previous generation, for code stability.
    ///   - usedCodes: every grid code ever issued (code history), never to be reused.
    public static func run(
        communities: [CommunityInput], streets: [StreetInput], households: [(Coordinate, Double)],
        events: [Coordinate] = [],
        previous: [PreviousGrid] = [], usedCodes: Set<String> = [], options: PartitionOptions = PartitionOptions(),
        progress: @Sendable (String) -> Void = { _ in }
    ) throws -> PartitionReport {
        guard !communities.isEmpty else { throw PartitionError.noCommunities }
        if options.target.quantity == .workload && events.isEmpty {
            throw PartitionError.badTarget(options.target.description, "a workload target needs events (--events)")
        }
        progress("partition: assigning points to \(communities.count) communities")
        let model = try CoverageModel(communities)
        let envelopes = model.natives.map(\.envelope)
        let meanSize = envelopes.reduce(0.0) { $0 + max($1.width, $1.height) } / Double(max(envelopes.count, 1))
        let pointsByCommunity = try communityPoints(model, households: households, events: events)

        let streetEnvelopes = streets.map(\.geometry.envelope)
        let streetBuckets = EnvelopeBuckets(envelopes: streetEnvelopes, cell: max(meanSize, 1))
        let previousEnvelopes = previous.map(\.geometry.envelope)
        let previousBuckets = EnvelopeBuckets(envelopes: previousEnvelopes, cell: max(meanSize, 1))

        let communityPoints = pointsByCommunity
        // Communities in parallel; each writes only its own slot.
        let results = ResultSlots<CommunityResult>(count: communities.count)
        let done = Counter()
        let total = communities.count
        DispatchQueue.concurrentPerform(iterations: communities.count) { k in
            let e = envelopes[k]
            let myStreets = streetBuckets.candidates(e).filter { streetEnvelopes[$0].intersects(e) }.map { streets[$0] }
            let myPrevious = previousBuckets.candidates(e).filter { previousEnvelopes[$0].intersects(e) }.map {
                previous[$0]
            }
            let outcome = Result {
                try partition(
                    community: communities[k], streets: myStreets, points: communityPoints[k], previous: myPrevious,
                    options: options)
            }
            results.set(k, outcome)
            let n = done.increment()
            if n % 50 == 0 || n == total { progress("partition: \(n)/\(total) communities") }
        }

        // Codes, community by community in input order (deterministic whatever the thread timing).
        var report = PartitionReport(grids: [], communities: [])
        var allPrevious = Set(previous.map(\.code))
        var sequence = GridSequence(issued: usedCodes.union(allPrevious))
        for k in communities.indices {
            let result = try results.get(k)
            report.communities.append(result.report)
            report.warnings += result.notes.map { "community \(communities[k].code): \($0)" }
            for var g in result.grids {
                if let kept = g.predecessor, g.status == .kept {
                    g.code = kept
                    allPrevious.remove(kept)
                    report.kept += 1
                } else {
                    let next = sequence.next(under: communities[k].code)
                    if next.wrapped {
                        report.warnings.append(
                            "community \(communities[k].code): more than 999 grid codes issued; sequence numbers wrap")
                    }
                    g.code = next.code
                    if g.status == .changed { report.changed += 1 } else { report.new += 1 }
                }
                report.grids.append(g)
            }
        }
        report.retired = allPrevious.sorted()
        if !previous.isEmpty {
            // A previous layer from another district or CRS matches nothing: say so, rather than
            // report every grid as changed without a reason.
            let ctx = model.context
            let union = try ctx.union(of: model.natives)
            let previousArea = try previous.reduce(0.0) { $0 + (try ctx.geometry($1.geometry).area) }
            let inside = try previous.reduce(0.0) {
                $0 + (try ctx.geometry($1.geometry).intersection(with: union).area)
            }
            if previousArea > 0 && inside < 0.5 * previousArea {
                report.warnings.append(
                    String(
                        format:
                            "only %.0f%% of the previous grids' area lies in these communities: is --previous for another district, or in another CRS?",
                        100 * inside / previousArea))
            }
        }
        if !previous.isEmpty {
            report.householdsChangingGrid = try householdsChangingGrid(
                households, previous: previous, grids: report.grids)
        }
        return report
    }

    /// Each point in exactly one community: the first (in input order) that covers it.
    static func communityPoints(_ model: CoverageModel, households: [(Coordinate, Double)], events: [Coordinate])
        throws -> [CommunityPoints]
    {
        var pointsByCommunity = [CommunityPoints](repeating: CommunityPoints(), count: model.natives.count)
        let rings = try model.rings
        func place(_ c: Coordinate, households hh: Double, events ev: Double) {
            guard let k = rings.areas(covering: c).first else { return }
            pointsByCommunity[k].coordinates.append(c)
            pointsByCommunity[k].households.append(hh)
            pointsByCommunity[k].events.append(ev)
        }
        for (c, w) in households { place(c, households: w, events: 0) }
        for c in events { place(c, households: 0, events: 1) }
        return pointsByCommunity
    }

    /// Households whose grid code differs between the previous and the new generation.
    static func householdsChangingGrid(
        _ households: [(Coordinate, Double)], previous: [PreviousGrid], grids: [GridOutput]
    ) throws -> Double {
        // The grids as they are (not made valid): the first in order covering a point holds it.
        let old = RingAreaIndex(previous.map { RingArea($0.geometry) })
        let new = RingAreaIndex(grids.map { RingArea($0.geometry) })
        var moved = 0.0
        for (c, w) in households {
            let a = old.areas(covering: c).first.map { previous[$0].code }
            let b = new.areas(covering: c).first.map { grids[$0].code }
            if a != b { moved += w }
        }
        return moved
    }

    struct CommunityResult: Sendable {
        var grids: [GridOutput]
        var report: CommunityReport
        var notes: [String]
    }

    /// One community: blocks (or cells), regions, the rebuilt grids in reading order, with
    /// predecessors matched. Codes are given by the caller.
    static func partition(
        community: CommunityInput, streets: [StreetInput], points: CommunityPoints, previous: [PreviousGrid],
        options: PartitionOptions
    ) throws -> CommunityResult {
        let ctx = GEOSContext()
        let shape = try CoverageModel.validPolygonal(community.geometry, in: ctx)
        var builder = BlockBuilder(ctx: ctx, options: options, points: points)
        var blocks: [Block]
        switch options.mode {
        case .blocks:
            blocks = try builder.blocks(of: shape, streets: streets)
        case .square, .hex:
            blocks = try cells(of: shape, options: options, builder: builder)
        }
        let q = options.target.quantity
        let quantities = blocks.map { $0.quantity(q) }
        let total = quantities.reduce(0, +)
        let adjacency = try adjacencyOf(blocks.map(\.geometry), context: ctx)

        // Previous grids whose blocks survive unchanged are kept as fixed regions.
        var fixed: [[Int]] = []
        var fixedPredecessor: [String] = []
        if !previous.isEmpty && options.mode == .blocks {
            let reps = try blocks.map { try $0.geometry.pointOnSurface }
            var claimed = Set<Int>()
            for p in previous {
                let pg = try ctx.geometry(p.geometry)
                let pp = try pg.prepared()
                let members = try blocks.indices.filter { b in try !claimed.contains(b) && pp.contains(reps[b]) }
                guard !members.isEmpty else { continue }
                let union = try ctx.union(of: members.map { blocks[$0].geometry })
                let shared = try union.intersection(with: pg).area
                let iou = shared / (try union.area + pg.area - shared)
                let sum = members.reduce(0) { $0 + quantities[$1] }
                guard iou >= options.keepOverlap, sum >= options.target.minimum, sum <= options.target.maximum,
                    isConnected(members, adjacency: adjacency)
                else { continue }
                fixed.append(members)
                fixedPredecessor.append(p.code)
                claimed.formUnion(members)
            }
        }
        var regionalizer = Regionalizer(
            quantities: quantities, centroids: blocks.map(\.centroid), adjacency: adjacency,
            objective: RegionObjective(minimum: options.target.minimum, maximum: options.target.maximum),
            seed: options.seed)
        regionalizer.fixed = fixed
        let regionOf = options.mode == .blocks ? regionalizer.run() : Array(blocks.indices)

        // Rebuild grids from the arrangement of all block outlines, so neighbours share every vertex.
        let regionCount = (regionOf.max() ?? -1) + 1
        let blockIndex = try SpatialIndex(context: ctx)
        for b in blocks { try blockIndex.insert(b.geometry) }
        let blockPrepared = try blocks.map { try $0.geometry.prepared() }
        func rebuild(gridSize: Double?) throws -> [NativeGeometry?] {
            let outlines = try ctx.collection(blocks.map { try $0.geometry.boundary() }).unaryUnion(gridSize: gridSize)
            let faces = try CoverageCheck.polygons(of: ctx.polygonize(outlines.parts)).filter { try $0.area > 0 }
            var facesOf = [[NativeGeometry]](repeating: [], count: regionCount)
            for f in faces {
                let p = try f.pointOnSurface
                if let b = try blockIndex.query(intersecting: p).first(where: { try blockPrepared[$0].contains(p) }) {
                    facesOf[regionOf[b]].append(f)
                }
            }
            return try facesOf.map { $0.isEmpty ? nil : try ctx.collection($0).coverageUnion() }
        }
        // Exact noding keeps the community's outline as it is. Where two cuts computed a shared edge
        // a hair apart (the noder's fallback can nudge vertices), a region whose blocks touch comes out
        // in pieces; snap-rounding at 1 µm merges such edges.
        var rebuilt = try rebuild(gridSize: nil)
        let splitApart = try rebuilt.indices.contains { r in
            guard let g = rebuilt[r] else { return false }
            let expected = Set(
                blocks.indices.filter { regionOf[$0] == r }.map { b in
                    componentOf(b, regionOf: regionOf, adjacency: adjacency)
                }
            ).count
            return try CoverageCheck.polygons(of: g).count > expected
        }
        if splitApart { rebuilt = try rebuild(gridSize: 1e-6) }
        var grids: [GridOutput] = []
        var notes = builder.notes
        for r in 0..<regionCount {
            let members = blocks.indices.filter { regionOf[$0] == r }
            guard !members.isEmpty, let g = rebuilt[r] else { continue }
            let area = try g.area
            let perimeter = try g.length
            let hh = members.reduce(0) { $0 + blocks[$1].households }
            let wl = members.reduce(0) { $0 + blocks[$1].workload }
            let value = members.reduce(0) { $0 + quantities[$1] }
            let within = value >= options.target.minimum - 1e-9 && value <= options.target.maximum + 1e-9
            var output = GridOutput(
                code: "", communityCode: community.code, geometry: try g.value(), areaSquareMetres: area,
                households: hh, workload: wl,
                compactness: Compactness.polsbyPopper(area: area, perimeter: perimeter), predecessor: nil,
                status: .new, withinBounds: within)
            if r < fixed.count {
                output.predecessor = fixedPredecessor[r]
                output.status = .kept
            }
            grids.append(output)
        }
        // Grids that were not kept as fixed regions may still match a previous grid.
        if !previous.isEmpty {
            let prevNatives = try previous.map { try ctx.geometry($0.geometry) }
            let keptCodes = Set(grids.compactMap { $0.status == .kept ? $0.predecessor : nil })
            for i in grids.indices where grids[i].status != .kept {
                let g = try ctx.geometry(grids[i].geometry)
                var best: (String, Double, Double)?
                for (p, pn) in zip(previous, prevNatives) where pn.envelope.intersects(g.envelope) {
                    let shared = try g.intersection(with: pn).area
                    guard shared > 0 else { continue }
                    let iou = shared / (grids[i].areaSquareMetres + (try pn.area) - shared)
                    if shared > (best?.1 ?? 0) { best = (p.code, shared, iou) }
                }
                guard let best else { continue }
                if best.2 >= options.keepOverlap && !keptCodes.contains(best.0)
                    && !grids.contains(where: { $0.predecessor == best.0 && $0.status == .kept })
                {
                    grids[i].status = .kept
                } else {
                    grids[i].status = .changed
                }
                grids[i].predecessor = best.0
            }
        }
        // Reading order for codes: rows north to south, west to east within a row.
        let rowHeight = max(
            1, (grids.reduce(0) { $0 + $1.areaSquareMetres } / Double(max(grids.count, 1))).squareRoot())
        let keys = try grids.map { g -> (Double, Double) in
            let c = try ctx.geometry(g.geometry).pointOnSurface.pointCoordinate
            return (-(c.y / rowHeight).rounded(.down), c.x)
        }
        let order = grids.indices.sorted {
            keys[$0] != keys[$1]
                ? (keys[$0].0 != keys[$1].0 ? keys[$0].0 < keys[$1].0 : keys[$0].1 < keys[$1].1) : $0 < $1
        }
        grids = order.map { grids[$0] }

        var infeasibility: String?
        let unit = q == .area ? "m²" : q.rawValue
        if total < options.target.minimum {
            infeasibility = String(
                format: "%.0f %@ in all, below the minimum %.0f", total, unit, options.target.minimum)
        } else if let big = quantities.max(), big > options.target.maximum {
            infeasibility = String(
                format: "an indivisible block holds %.0f %@, above the maximum %.0f", big, unit, options.target.maximum)
        } else if let part = componentTotals(adjacency: adjacency, quantities: quantities).first(where: {
            $0 < options.target.minimum
        }), quantities.count > 1 {
            infeasibility = String(
                format: "a detached part of the community holds %.0f %@, below the minimum %.0f", part, unit,
                options.target.minimum)
        } else if grids.contains(where: { !$0.withinBounds }) {
            let out = grids.filter { !$0.withinBounds }.count
            infeasibility =
                "\(out) of \(grids.count) grids outside the bounds: the blocks' \(unit) do not divide within them"
        }
        if grids.count > 999 { notes.append("\(grids.count) grids exceed the 3-digit sequence") }
        return CommunityResult(
            grids: grids,
            report: CommunityReport(
                code: community.code, grids: grids.count, total: total, blocks: blocks.count,
                infeasibility: infeasibility), notes: notes)
    }

    /// A representative block of the connected part of `b`'s region that `b` belongs to: blocks of
    /// one region reached from each other through shared borders give the same answer.
    static func componentOf(_ b: Int, regionOf: [Int], adjacency: [[(Int, Double)]]) -> Int {
        var seen: Set<Int> = [b]
        var stack = [b]
        while let x = stack.popLast() {
            for (nb, _) in adjacency[x] where regionOf[nb] == regionOf[b] && !seen.contains(nb) {
                seen.insert(nb)
                stack.append(nb)
            }
        }
        return seen.min()!
    }

    /// The quantity of each connected group of blocks (a community with an exclave has two).
    static func componentTotals(adjacency: [[(Int, Double)]], quantities: [Double]) -> [Double] {
        var seen = Set<Int>()
        var totals: [Double] = []
        for start in quantities.indices where !seen.contains(start) {
            var stack = [start]
            seen.insert(start)
            var total = 0.0
            while let b = stack.popLast() {
                total += quantities[b]
                for (nb, _) in adjacency[b] where !seen.contains(nb) {
                    seen.insert(nb)
                    stack.append(nb)
                }
            }
            totals.append(total)
        }
        return totals
    }

    static func isConnected(_ members: [Int], adjacency: [[(Int, Double)]]) -> Bool {
        guard let first = members.first else { return false }
        let set = Set(members)
        var seen: Set<Int> = [first]
        var stack = [first]
        while let b = stack.popLast() {
            for (nb, _) in adjacency[b] where set.contains(nb) && !seen.contains(nb) {
                seen.insert(nb)
                stack.append(nb)
            }
        }
        return seen.count == members.count
    }

    /// Blocks sharing a border of positive length (over a millimetre), with its length.
    static func adjacencyOf(_ geometries: [NativeGeometry], context ctx: GEOSContext) throws -> [[(Int, Double)]] {
        let index = try SpatialIndex(context: ctx)
        for g in geometries { try index.insert(g) }
        var adjacency = [[(Int, Double)]](repeating: [], count: geometries.count)
        let outlines = try geometries.map { try $0.boundary() }
        for i in geometries.indices {
            let grown = try geometries[i].buffer(by: 1e-4, quadrantSegments: 1)
            for j in index.query(intersecting: grown) where j > i {
                let shared = try outlines[j].intersection(with: grown).length
                if shared > 1e-3 {
                    adjacency[i].append((j, shared))
                    adjacency[j].append((i, shared))
                }
            }
        }
        return adjacency.map { $0.sorted { $0.0 < $1.0 } }
    }

    /// Regular cells clipped to the community; clipped pieces under the sliver share join the
    /// neighbour they share most border with.
    static func cells(of shape: NativeGeometry, options: PartitionOptions, builder: BlockBuilder) throws -> [Block] {
        let ctx = builder.ctx
        let e = shape.envelope
        let s = options.cellMetres
        var cellPolygons: [Geometry] = []
        switch options.mode {
        case .hex:
            // Flat-topped hexagons, `s` across flats, on a lattice anchored at the CRS origin.
            let r = s / 3.0.squareRoot()  // circumradius
            let dx = 1.5 * r, dy = s
            let i0 = Int((e.minX / dx).rounded(.down)) - 1, i1 = Int((e.maxX / dx).rounded(.up)) + 1
            for i in i0...i1 {
                let cx = Double(i) * dx
                let offset = i % 2 == 0 ? 0 : dy / 2
                let j0 = Int(((e.minY - offset) / dy).rounded(.down)) - 1,
                    j1 = Int(((e.maxY - offset) / dy).rounded(.up)) + 1
                for j in j0...j1 {
                    let cy = Double(j) * dy + offset
                    var ring = (0..<6).map { k -> Coordinate in
                        let a = Double(k) * .pi / 3
                        return Coordinate(cx + r * cos(a), cy + r * sin(a))
                    }
                    ring.append(ring[0])
                    cellPolygons.append(.polygon(Polygon(exterior: ring)))
                }
            }
        default:
            let i0 = Int((e.minX / s).rounded(.down)), i1 = Int((e.maxX / s).rounded(.down))
            let j0 = Int((e.minY / s).rounded(.down)), j1 = Int((e.maxY / s).rounded(.down))
            for i in i0...i1 {
                for j in j0...j1 {
                    let x = Double(i) * s, y = Double(j) * s
                    cellPolygons.append(
                        .polygon(
                            Polygon(exterior: [
                                Coordinate(x, y), Coordinate(x + s, y), Coordinate(x + s, y + s), Coordinate(x, y + s),
                                Coordinate(x, y),
                            ])))
                }
            }
        }
        let cellArea = try ctx.geometry(cellPolygons[0]).area
        let prepared = try shape.prepared()
        var pieces: [NativeGeometry] = []
        for c in cellPolygons {
            let cg = try ctx.geometry(c)
            guard try prepared.intersects(cg) else { continue }
            pieces += try CoverageCheck.polygons(of: shape.intersection(with: cg)).filter { try $0.area > 0 }
        }
        // Small pieces join their longest-border neighbour, smallest first.
        let alive = try SmallFaces.merging(pieces, below: options.sliverShare * cellArea, context: ctx)
        return try builder.makeBlocks(alive, candidates: Array(builder.points.coordinates.indices))
    }
}

extension CoverageModel {
    /// The communities to partition as a coverage model, in input order.
    convenience init(_ communities: [CommunityInput]) throws {
        try self.init(
            units: communities.enumerated().map { UnitInput(code: $1.code, geometry: $1.geometry, sourceIndex: $0) })
    }
}

/// Per-community results written from many threads, each to its own slot.
/// One result per slot, written from parallel workers (each slot by one worker) and read after.
final class ResultSlots<T>: @unchecked Sendable {
    private var slots: [Result<T, Error>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<T, Error>) { lock.withLock { slots[i] = r } }
    func get(_ i: Int) throws -> T { try lock.withLock { slots[i]! }.get() }
}

final class Counter: @unchecked Sendable {
    private var n = 0
    private let lock = NSLock()
    func increment() -> Int {
        lock.withLock {
            n += 1
            return n
        }
    }
}
