import Foundation
import GridplanGeometry

/// Re-partitions only the land a boundary adjustment moved (相对稳定): a street office that moved
/// one boundary wants the grids the move touched to change, and every other grid to stay as it
/// was, with its code.
///
/// For each community the adjustment names (or whose outline a moved piece overlaps):
/// 1. **Kept**: a previous grid coded under the community that lies inside its new outline and
///    that no land moved out of the community overlaps (both but for rounding,
///    ``BoundaryAdjustment/isRounding(_:)``) stays as it is: the same geometry, the same code.
/// 2. **Remainder**: the community's outline, its vertices snapped onto the kept grids' within
///    ``snapToleranceMetres``, less the kept grids: the land moved in and the grids the move cut
///    into. Pieces that are only rounding between two drawings of one edge are dropped.
/// 3. **Too small to stand**: a remainder piece holding less than the target's minimum, or smaller
///    than the sliver area blocks merge (``BlockBuilder/sliverAreaSquareMetres(communityArea:)``),
///    takes in the kept grid it shares most border with, which is then partitioned with it; again
///    until every piece can stand or borders no kept grid.
/// 4. The remainder is partitioned as a community of its own (blocks, regions, grids), and its
///    grids' vertices are snapped onto the kept grids' so every shared edge has the same vertices.
/// 5. Codes, as a full regeneration gives them: a remainder grid that overlaps one of the
///    community's replaced grids by at least ``PartitionOptions/keepOverlap`` of both areas keeps
///    its code (status kept, its land changed a little); the others take the community's next
///    codes in reading order (never a code issued before) and name the previous grid they overlap
///    most as their lastcode (changed), else none (new).
///
/// A community whose grids all stand, and every community the adjustment does not name, keeps
/// its grids as they were (``PartitionReport/carried``).
public enum IncrementalPartitioner {
    /// A new grid's vertex this close to a kept grid's vertex is that vertex (m): the rounding of
    /// ``BoundaryAdjustment/noiseWidthMetres``, and well below the millimetre or so that can part
    /// two vertices a repair leaves side by side (snapping across those would fold an edge).
    public static let snapToleranceMetres = 1e-4

    /// - Parameters:
    ///   - communities: the communities with their new outlines, metric CRS.
    ///   - previous: the grids before the adjustment, the same CRS.
    ///   - adjustment: the land that moved.
    ///   - usedCodes: every grid code ever issued (code history), never to be reused.
    /// - Returns: the re-partitioned communities' grids (kept ones with ``GridOutput/previousIndex``),
    ///   the others' under ``PartitionReport/carried``, and ``PartitionReport/incremental``.
    public static func run(
        communities: [CommunityInput], streets: [StreetInput], households: [(Coordinate, Double)],
        events: [Coordinate] = [], previous: [PreviousGrid], adjustment: BoundaryAdjustment,
        usedCodes: Set<String> = [], options: PartitionOptions = PartitionOptions(),
        progress: @Sendable (String) -> Void = { _ in }
    ) throws -> PartitionReport {
        guard !communities.isEmpty else { throw PartitionError.noCommunities }
        if options.target.quantity == .workload && events.isEmpty {
            throw PartitionError.badTarget(options.target.description, "a workload target needs events (--events)")
        }
        let model = try CoverageModel(communities)
        let points = try Partitioner.communityPoints(model, households: households, events: events)
        let owners = owner(of: previous, among: communities)
        let named = try named(by: adjustment, among: communities, model: model)
        progress("partition: \(named.count) communities the adjustment names")
        let outcomes = try outcomes(
            of: named, communities: communities, streets: streets, points: points, previous: previous,
            owners: owners, adjustment: adjustment, options: options, progress: progress)

        var report = PartitionReport(grids: [], communities: [])
        var summary = IncrementalSummary()
        let present = Set(communities.map(\.code))
        summary.absent = adjustment.units.filter { !present.contains($0) }.sorted()
        let ctx = GEOSContext()
        var sequence = GridSequence(issued: usedCodes.union(previous.map(\.code)))
        var repartitioned = Set<Int>()
        for (k, outcome) in zip(named, outcomes) {
            let code = communities[k].code
            guard outcome.repartitions else {
                summary.untouched.append(code)
                continue
            }
            repartitioned.insert(k)
            report.warnings += outcome.notes.map { "community \(code): \($0)" }
            report.communities.append(outcome.report)
            var mine = try outcome.kept.map {
                try describe(
                    previous[$0], index: $0, community: code, points: points[k], options: options, context: ctx)
            }
            for var g in outcome.grids {
                if g.status == .kept, let own = g.predecessor {
                    g.code = own
                } else {
                    let next = sequence.next(under: code)
                    if next.wrapped {
                        report.warnings.append(
                            "community \(code): more than 999 grid codes issued; sequence numbers wrap")
                    }
                    g.code = next.code
                }
                mine.append(g)
            }
            let reshaped = outcome.grids.filter { $0.status == .kept }
            let changed = outcome.grids.filter { $0.status == .changed }.count
            let stillIssued = Set(reshaped.compactMap(\.predecessor))
            summary.communities.append(
                IncrementalSummary.Community(
                    code: code, kept: outcome.kept.count, reshaped: reshaped.count, changed: changed,
                    new: outcome.grids.count - changed - reshaped.count,
                    retired: outcome.retired.map { previous[$0].code }.filter { !stillIssued.contains($0) }.sorted(),
                    joined: outcome.joined.map { previous[$0].code }.sorted()))
            summary.keptCodes.formUnion(outcome.kept.map { previous[$0].code })
            report.grids += mine.sorted { $0.code < $1.code }
        }
        report.kept = summary.communities.reduce(0) { $0 + $1.kept + $1.reshaped }
        report.changed = summary.communities.reduce(0) { $0 + $1.changed }
        report.new = summary.communities.reduce(0) { $0 + $1.new }
        report.retired = summary.communities.flatMap(\.retired).sorted()
        report.carried = try carried(
            previous, owners: owners, except: repartitioned, communities: communities, points: points,
            options: options, context: ctx)
        summary.carried = report.carried.count
        report.incremental = summary
        report.householdsChangingGrid = try Partitioner.householdsChangingGrid(
            households, previous: previous, grids: report.grids + report.carried)
        return report
    }

    /// The input community each previous grid is coded under (a grid code is its community's code
    /// and a sequence), nil for a grid coded under none of them.
    static func owner(of previous: [PreviousGrid], among communities: [CommunityInput]) -> [Int?] {
        var byCode: [Substring: Int] = [:]
        for (k, c) in communities.enumerated() where byCode[Substring(c.code)] == nil { byCode[Substring(c.code)] = k }
        let lengths = Set(communities.map(\.code.count)).sorted(by: >)
        return previous.map { g in
            lengths.lazy.filter { $0 < g.code.count }.compactMap { byCode[g.code.prefix($0)] }.first
        }
    }

    /// The communities (indices, in input order) the adjustment names or whose outline a moved
    /// piece overlaps by more than rounding.
    static func named(by adjustment: BoundaryAdjustment, among communities: [CommunityInput], model: CoverageModel)
        throws -> [Int]
    {
        var found = Set(communities.indices.filter { adjustment.units.contains(communities[$0].code) })
        let ctx = model.context
        let index = try model.index
        for move in adjustment.moves {
            let land = try CoverageModel.validPolygonal(move.geometry, in: ctx)
            for k in index.query(intersecting: land) where !found.contains(k) {
                if try !BoundaryAdjustment.isRounding(model.natives[k].intersection(with: land)) {
                    found.insert(k)
                }
            }
        }
        return found.sorted()
    }

    /// Each named community worked out in parallel, each task with its own GEOS context.
    static func outcomes(
        of named: [Int], communities: [CommunityInput], streets: [StreetInput], points: [CommunityPoints],
        previous: [PreviousGrid], owners: [Int?], adjustment: BoundaryAdjustment, options: PartitionOptions,
        progress: @Sendable (String) -> Void
    ) throws -> [Outcome] {
        let envelopes = communities.map(\.geometry.envelope)
        let meanSize = envelopes.reduce(0.0) { $0 + max($1.width, $1.height) } / Double(max(envelopes.count, 1))
        let streetEnvelopes = streets.map(\.geometry.envelope)
        let streetBuckets = EnvelopeBuckets(envelopes: streetEnvelopes, cell: max(meanSize, 1))
        let previousEnvelopes = previous.map(\.geometry.envelope)
        let previousBuckets = EnvelopeBuckets(envelopes: previousEnvelopes, cell: max(meanSize, 1))
        var ownBy: [Int: [Int]] = [:]
        for (i, k) in owners.enumerated() { if let k { ownBy[k, default: []].append(i) } }
        let own = ownBy
        let results = ResultSlots<Outcome>(count: named.count)
        let done = Counter()
        DispatchQueue.concurrentPerform(iterations: named.count) { i in
            let k = named[i]
            let e = envelopes[k]
            let community = communities[k]
            let task = CommunityTask(
                community: community,
                own: own[k] ?? [],
                nearby: previousBuckets.candidates(e).filter { previousEnvelopes[$0].intersects(e) },
                lost: adjustment.moves.filter { $0.fromUnit == community.code }.map(\.geometry),
                streets: streetBuckets.candidates(e).filter { streetEnvelopes[$0].intersects(e) }.map { streets[$0] },
                points: points[k], previous: previous, options: options)
            results.set(i, Result { try task.run() })
            let n = done.increment()
            if n % 50 == 0 || n == named.count { progress("partition: \(n)/\(named.count) communities") }
        }
        return try named.indices.map { try results.get($0) }
    }

    /// What became of one named community.
    struct Outcome: Sendable {
        /// Previous grids (indices) kept as they were.
        var kept: [Int]
        /// Previous grids the move did not touch, let go to take in a small remainder.
        var joined: [Int]
        /// The community's previous grids no grid keeps.
        var retired: [Int]
        /// The remainder's grids in reading order, without codes.
        var grids: [GridOutput]
        var report: CommunityReport
        var notes: [String]
        /// Whether anything changed: a remainder to partition, or a grid gone.
        var repartitions: Bool { !grids.isEmpty || !retired.isEmpty }
    }

    /// A previous grid as it stands, measured: its households and workload are the points of its
    /// community it covers.
    static func describe(
        _ grid: PreviousGrid, index: Int, community: String, points: CommunityPoints, options: PartitionOptions,
        context ctx: GEOSContext
    ) throws -> GridOutput {
        let g = try ctx.geometry(grid.geometry)
        let area = try g.area, perimeter = try g.length
        let rings = RingArea(grid.geometry)
        var households = 0.0, workload = 0.0
        for i in points.coordinates.indices where rings.covers(points.coordinates[i]) {
            households += points.households[i]
            workload += points.events[i]
        }
        let value: Double
        switch options.target.quantity {
        case .households: value = households
        case .area: value = area
        case .workload: value = workload
        }
        return GridOutput(
            code: grid.code, communityCode: community, geometry: grid.geometry, areaSquareMetres: area,
            households: households, workload: workload,
            compactness: Compactness.polsbyPopper(area: area, perimeter: perimeter), predecessor: grid.code,
            status: .kept,
            withinBounds: value >= options.target.minimum - 1e-9 && value <= options.target.maximum + 1e-9,
            previousIndex: index)
    }

    /// The previous grids of every community not re-partitioned (and those coded under no input
    /// community), as they were.
    static func carried(
        _ previous: [PreviousGrid], owners: [Int?], except repartitioned: Set<Int>, communities: [CommunityInput],
        points: [CommunityPoints], options: PartitionOptions, context: GEOSContext
    ) throws -> [GridOutput] {
        try previous.indices.compactMap { i in
            if let k = owners[i], repartitioned.contains(k) { return nil }
            return try describe(
                previous[i], index: i, community: owners[i].map { communities[$0].code } ?? "",
                points: owners[i].map { points[$0] } ?? CommunityPoints(), options: options, context: context)
        }
    }
}

/// One named community of an incremental partition: its kept grids, its remainder, and the
/// remainder's grids (the steps of ``IncrementalPartitioner``).
struct CommunityTask {
    let community: CommunityInput
    /// Its previous grids (indices into `previous`).
    let own: [Int]
    /// Previous grids near it, for lastcodes.
    let nearby: [Int]
    /// The land that moved out of it.
    let lost: [Geometry]
    let streets: [StreetInput]
    let points: CommunityPoints
    let previous: [PreviousGrid]
    let options: PartitionOptions
    let ctx = GEOSContext()

    /// An overlap smaller than this (m²) names no predecessor.
    static var noise: Double { MovedLand.minimumOverlapSquareMetres }

    func run() throws -> IncrementalPartitioner.Outcome {
        let shape = try CoverageModel.validPolygonal(community.geometry, in: ctx)
        let natives = try own.map { try CoverageModel.validPolygonal(previous[$0].geometry, in: ctx) }
        var kept = try standing(natives, in: shape)
        var joined: [Int] = []
        var remainder = try Remainder(of: shape, kept: kept.map { natives[$0] }, points: points)
        while let k = try remainder.gridToJoin(options: options, communityArea: shape.area) {
            joined.append(kept.remove(at: k))
            remainder = try Remainder(of: shape, kept: kept.map { natives[$0] }, points: points)
        }
        let keptSet = Set(kept)
        let retired = own.indices.filter { !keptSet.contains($0) }.map { own[$0] }
        let keptIndices = kept.map { own[$0] }
        guard !remainder.pieces.isEmpty else {
            return IncrementalPartitioner.Outcome(
                kept: keptIndices, joined: joined.map { own[$0] }, retired: retired, grids: [],
                report: CommunityReport(
                    code: community.code, grids: kept.count, total: try total(of: shape), blocks: 0,
                    infeasibility: nil), notes: [])
        }
        let result = try Partitioner.partition(
            community: CommunityInput(code: community.code, geometry: try remainder.land.value()), streets: streets,
            points: remainder.freePoints, previous: [], options: options)
        let snapped = try result.grids.map {
            try snappedOntoKept($0, kept: remainder.keptGrids, keptLand: remainder.keptLand)
        }
        let grids = try continuing(snapped, keeping: Set(keptIndices))
        var report = result.report
        report.grids += kept.count
        report.total = try total(of: shape)
        return IncrementalPartitioner.Outcome(
            kept: keptIndices, joined: joined.map { own[$0] }, retired: retired, grids: grids, report: report,
            notes: result.notes)
    }

    /// What the whole community holds of the balanced quantity.
    func total(of shape: NativeGeometry) throws -> Double {
        switch options.target.quantity {
        case .households: return points.households.reduce(0, +)
        case .workload: return points.events.reduce(0, +)
        case .area: return try shape.area
        }
    }

    /// The positions (in `own`) of the grids that stand: inside the new outline, and not
    /// overlapped by land that moved out.
    func standing(_ natives: [NativeGeometry], in shape: NativeGeometry) throws -> [Int] {
        let lostLand =
            try lost.isEmpty ? nil : ctx.union(of: lost.map { try CoverageModel.validPolygonal($0, in: ctx) })
        let prepared = try shape.prepared()
        return try natives.indices.filter { k in
            let g = natives[k]
            if try !prepared.covers(g), try !BoundaryAdjustment.isRounding(g.difference(with: shape)) { return false }
            guard let lostLand, lostLand.envelope.intersects(g.envelope) else { return true }
            return try BoundaryAdjustment.isRounding(g.intersection(with: lostLand))
        }
    }

    /// A remainder grid with its vertices snapped onto the kept grids' (unchanged when snapping
    /// would make it invalid, change its area by more than moving its outline by the snap
    /// tolerance could, or lay it over a kept grid).
    func snappedOntoKept(_ grid: GridOutput, kept: NativeGeometry?, keptLand: NativeGeometry?) throws -> GridOutput {
        guard let kept, let keptLand else { return grid }
        let g = try ctx.geometry(grid.geometry)
        let s = try g.snapped(to: kept, tolerance: IncrementalPartitioner.snapToleranceMetres)
        let bound = IncrementalPartitioner.snapToleranceMetres * (try g.length)
        guard try s.isValid, try abs(s.area - g.area) <= bound,
            try BoundaryAdjustment.isRounding(s.intersection(with: keptLand))
        else { return grid }
        var out = grid
        out.geometry = try s.value()
        out.areaSquareMetres = try s.area
        let perimeter = try s.length
        out.compactness = Compactness.polsbyPopper(area: out.areaSquareMetres, perimeter: perimeter)
        return out
    }

    /// The remainder's grids, each naming the replaced previous grid it overlaps most: one of the
    /// community's own that it overlaps by at least ``PartitionOptions/keepOverlap`` of both areas
    /// keeps that grid's code (status kept, its land changed: the rule of a full regeneration),
    /// the best such match first; others continue it under a new code (changed); a grid that
    /// overlaps none is new.
    func continuing(_ grids: [GridOutput], keeping kept: Set<Int>) throws -> [GridOutput] {
        let candidates = try nearby.filter { !kept.contains($0) }.map {
            ($0, try CoverageModel.validPolygonal(previous[$0].geometry, in: ctx))
        }
        var out = grids
        var matches: [(grid: Int, previous: Int, iou: Double)] = []
        for k in grids.indices {
            let g = try ctx.geometry(grids[k].geometry)
            var best: (previous: Int, shared: Double, area: Double)?
            for (i, p) in candidates where p.envelope.intersects(g.envelope) {
                let shared = try g.intersection(with: p).area
                if shared > max(best?.shared ?? 0, Self.noise) { best = (i, shared, try p.area) }
            }
            out[k].predecessor = best.map { previous[$0.previous].code }
            out[k].status = best == nil ? .new : .changed
            if let best, own.contains(best.previous) {
                matches.append((k, best.previous, best.shared / (grids[k].areaSquareMetres + best.area - best.shared)))
            }
        }
        var claimed = Set<Int>()
        for m in matches.sorted(by: { $0.iou != $1.iou ? $0.iou > $1.iou : $0.grid < $1.grid })
        where m.iou >= options.keepOverlap && claimed.insert(m.previous).inserted {
            out[m.grid].status = .kept
        }
        return out
    }
}

/// The land of a community left once its kept grids are taken out, with the points on it.
struct Remainder {
    /// The pieces to partition (noise dropped).
    let pieces: [NativeGeometry]
    /// The pieces as one geometry.
    let land: NativeGeometry
    /// The kept grids as one collection (nil when none are kept), for snapping, and their union.
    let keptGrids: NativeGeometry?
    let keptLand: NativeGeometry?
    let kept: [NativeGeometry]
    /// The community's points no kept grid covers.
    let freePoints: CommunityPoints

    /// - Parameters:
    ///   - shape: the community's new outline, valid.
    ///   - kept: the grids kept, valid.
    init(of shape: NativeGeometry, kept: [NativeGeometry], points: CommunityPoints) throws {
        let ctx = shape.context
        self.kept = kept
        guard !kept.isEmpty else {
            pieces = try CoverageCheck.polygons(of: shape).filter { try !BoundaryAdjustment.isRounding($0) }
            land = shape
            keptGrids = nil
            keptLand = nil
            freePoints = points
            return
        }
        let grids = try ctx.collection(kept)
        keptGrids = grids
        // The outline, drawn once with the grids and once on its own, meets them a few
        // nanometres apart after a CRS round trip (a tenth of a millimetre once written at 9
        // decimals): snapped onto them, it meets them exactly.
        let snapped = try shape.snapped(to: grids, tolerance: IncrementalPartitioner.snapToleranceMetres)
        let outline = try snapped.isValid ? snapped : shape
        let union = try grids.unaryUnion()
        keptLand = union
        let rest = try outline.difference(with: union)
        pieces = try CoverageCheck.polygons(of: rest).filter { try !BoundaryAdjustment.isRounding($0) }
        land = try ctx.collection(pieces, kind: .multiPolygon)
        let keptRings = try kept.map { RingArea(try $0.value()) }
        var free = CommunityPoints()
        for i in points.coordinates.indices where !keptRings.contains(where: { $0.covers(points.coordinates[i]) }) {
            free.coordinates.append(points.coordinates[i])
            free.households.append(points.households[i])
            free.events.append(points.events[i])
        }
        freePoints = free
    }

    /// The kept grid (its position in `kept`) a piece too small to stand should join: the one it
    /// shares most border with, for the first such piece that borders a kept grid; nil when every
    /// piece can stand.
    func gridToJoin(options: PartitionOptions, communityArea: Double) throws -> Int? {
        let sliver = BlockBuilder.sliverAreaSquareMetres(communityArea: communityArea)
        for piece in pieces {
            let area = try piece.area
            guard try area < sliver || quantity(of: piece, area: area, options.target.quantity) < options.target.minimum
            else { continue }
            let outline = try piece.boundary()
            var best: (Int, Double)?
            for (k, g) in kept.enumerated() where g.envelope.intersects(piece.envelope) {
                let shared = try outline.intersection(with: g.buffer(by: 1e-3, quadrantSegments: 1)).length
                if shared > max(best?.1 ?? 0, 1e-3) { best = (k, shared) }
            }
            if let best { return best.0 }
        }
        return nil
    }

    func quantity(of piece: NativeGeometry, area: Double, _ q: PartitionTarget.Quantity) throws -> Double {
        if q == .area { return area }
        let rings = RingArea(try piece.value())
        var total = 0.0
        for i in freePoints.coordinates.indices where rings.covers(freePoints.coordinates[i]) {
            total += q == .households ? freePoints.households[i] : freePoints.events[i]
        }
        return total
    }
}
