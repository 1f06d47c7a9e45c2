import Foundation
import GridplanGeometry

/// One block of open land (the land between carriageways) and the units in it: the unit of work.
struct BlockInput: Sendable {
    struct Member: Sendable {
        /// Index of the owner in the run's owner list.
        var owner: Int
        /// The owner's whole footprint.
        var footprint: [Polygon]
        /// Whether the footprint reaches out of the block (onto a carriageway) and must be cut to it.
        var clip: Bool
    }

    var polygon: Polygon
    var members: [Member]
}

/// A zone piece found in one block, before pieces of one owner in several blocks are joined.
struct ZonePiece: Sendable {
    var owner: Int
    var key: KerbKey
    var unit: String?
    var frontageMetres: Double
    var depthMetres: Double
    var areaSquareMetres: Double
    var geometry: Geometry
}

struct UncoveredPiece: Sendable {
    var key: KerbKey
    var unit: String?
    var lengthMetres: Double
    var geometry: Geometry
}

struct BlockResult: Sendable {
    var zones: [ZonePiece] = []
    var uncovered: [UncoveredPiece] = []
    /// Kerb length per street side in this block.
    var kerbMetres: [KerbKey: Double] = [:]
    /// Why the block could not be done, when it could not.
    var failure: String?
}

/// What one thread needs to work on blocks: its GEOS context, the streets, the grid units, and
/// the options. Blocks are independent: workers take them in turn and results go back by index.
final class FrontageWorker {
    let ctx = GEOSContext()
    let streets: StreetModel
    let frame: Envelope
    let options: FrontageOptions
    let gridCodes: [String]
    let gridValues: [Geometry]
    private var grids: (natives: [NativeGeometry], prepared: [PreparedGeometry], index: SpatialIndex)?

    /// Zones must touch their kerb within this distance; bridges reach this far back to their units.
    static let touch = 1e-3
    /// Land taken off other land is first grown by this much: a difference of two regions whose
    /// edges nearly coincide along a kerb leaves zero-width spikes that would count that kerb twice.
    static let apart = 2e-5
    /// A zone piece must touch its kerb along at least this length.
    static let minimumContact = 0.01
    /// A block whose floating-point overlays fail is done again with every overlay snapped to
    /// this grid (snap-rounding: robust, but GEOS 3.11 seeds a random device on every such call,
    /// which makes it several times slower).
    static let robustGrid = 1e-6
    /// The grid of the block being done: nil (floating point) unless it is being redone.
    private(set) var grid: Double?
    /// Kerb within this distance of a zone is its frontage: zones are built on the kerb, so only
    /// rounding separates them from it.
    static let onKerb = 1e-5
    /// How far a Voronoi site is moved off its outline point to break co-circular ties (see
    /// `voronoiRegions`): far below the split's own accuracy (``FrontageOptions/splitSpacingMetres``).
    static let siteNudge = 1e-4

    init(streets: StreetModel, frame: Envelope, options: FrontageOptions, grids: [(code: String, geometry: Geometry)]) {
        self.streets = streets
        self.frame = frame
        self.options = options
        gridCodes = grids.map(\.code)
        gridValues = grids.map(\.geometry)
    }

    /// One member of a block: an owner's footprint inside the block.
    struct Member {
        var owner: Int
        var native: NativeGeometry
        var polygons: [Polygon]
        /// The whole footprint's rings, for measuring depth.
        var globalRings: [[Coordinate]]
    }

    /// The zones and uncovered kerbs of one block. A GEOS failure stays in its block: the result
    /// then says so, and the other blocks go on.
    func process(_ input: BlockInput) -> BlockResult {
        defer { grid = nil }
        var failure = ""
        for g in [nil, Self.robustGrid] {
            grid = g
            do {
                return try processBlock(input)
            } catch {
                failure = "\(error)"
            }
        }
        var failed = BlockResult()
        failed.failure = failure
        return failed
    }

    private func processBlock(_ input: BlockInput) throws -> BlockResult {
        let block = try ctx.geometry(.polygon(input.polygon))
        let kerbs = Kerbs(block: input.polygon, frame: frame, streets: streets, cell: max(options.depthMetres, 10))
        let members = try makeMembers(input, block: block)
        let obstacles = try Obstacles(members.map(\.native))
        let walker = try SightWalker(
            ctx: ctx, kerbs: kerbs, depth: options.depthMetres, obstacles: obstacles, block: block, grid: grid)
        try walkOutlines(members, walker)
        if options.rowGapMetres > 0 && members.count >= 2 { try walkBridges(members, obstacles, walker) }
        let owned = try resolveOwnership(walker.pieces, members: members)
        return try measure(owned, members: members, kerbs: kerbs, obstacles: obstacles)
    }

    // MARK: Steps

    private func makeMembers(_ input: BlockInput, block: NativeGeometry) throws -> [Member] {
        var members: [Member] = []
        for m in input.members {
            let whole: Geometry = m.footprint.count == 1 ? .polygon(m.footprint[0]) : .multiPolygon(m.footprint)
            var g = try ctx.geometry(whole)
            if m.clip { g = try areal(g.intersection(with: block, gridSize: grid)) }
            guard !g.isEmpty, try g.area > 1e-9 else { continue }
            members.append(
                Member(
                    owner: m.owner, native: g, polygons: try g.polygonValues(),
                    globalRings: m.footprint.flatMap(\.rings)))
        }
        return members
    }

    /// Every ring of every footprint, with the land outside it in front.
    private func walkOutlines(_ members: [Member], _ walker: SightWalker) throws {
        for (i, m) in members.enumerated() {
            for p in m.polygons {
                for (r, ring) in p.rings.enumerated() {
                    let ccw = Ring.signedArea(ring) > 0
                    // Outside a counter-clockwise shell is its right; outside the polygon at a hole is the hole.
                    let outward: Double = (r == 0) == ccw ? 1 : -1
                    try walker.walk(ring, closed: true, outward: outward, claimants: [i], soft: false)
                }
            }
        }
    }

    /// Units closer than the row gap form a row: the closing of their footprints bridges the gaps,
    /// and the land in front of each bridge is claimed by the units it joins.
    private func walkBridges(_ members: [Member], _ obstacles: Obstacles, _ walker: SightWalker) throws {
        let half = options.rowGapMetres / 2
        let union = try areal(ctx.union(of: members.map(\.native), gridSize: grid))
        let closed = try union.buffer(by: half, quadrantSegments: 8).buffer(by: -half, quadrantSegments: 8)
        guard try closed.area - union.area > 1e-6 else { return }
        let near = try union.buffer(by: Self.touch, quadrantSegments: 2)
        let bridges = try StreetAssigner.lines(
            of: closed.boundary().difference(with: near, gridSize: grid).lineMerged())
        let inside = try closed.prepared()
        for line in bridges {
            guard case .lineString(var pts) = try line.value(), pts.count >= 2, try line.length > 10 * Self.touch else {
                continue
            }
            // Reach back over the margin cut off at each end, so a bridge meets the footprints it joins.
            let d0 = pts[0] - pts[1], d1 = pts[pts.count - 1] - pts[pts.count - 2]
            pts[0] = pts[0] + (Self.touch / d0.norm) * d0
            pts[pts.count - 1] = pts[pts.count - 1] + (Self.touch / d1.norm) * d1
            let a = pts[0], b = pts[1]
            let probe = 0.5 * (a + b) + (Self.touch / (b - a).norm) * (b - a).rightNormal
            let outward: Double = try inside.contains(ctx.geometry(.point(probe))) ? -1 : 1
            var env = line.envelope
            env = Envelope(
                minX: env.minX - half - 1, minY: env.minY - half - 1, maxX: env.maxX + half + 1,
                maxY: env.maxY + half + 1)
            let claimants = try obstacles.candidates(env).filter {
                try members[$0].native.distance(to: line) <= half + 2 * Self.touch
            }
            // A bridge spans a gap between units apart from each other; the closing also rounds
            // the notch where two touching units meet, and that is no gap.
            var spansGap = false
            for (k, a) in claimants.enumerated() where !spansGap {
                for b in claimants[(k + 1)...] where try members[a].native.distance(to: members[b].native) > Self.touch
                {
                    spansGap = true
                    break
                }
            }
            guard spansGap else { continue }
            try walker.walk(pts, closed: false, outward: outward, claimants: claimants, soft: true)
        }
    }

    /// Owned land per member and street side. Hard pieces belong to the unit they start from. Soft
    /// pieces (corners, bridged gaps, sight of a street beyond the nearest) take only land no hard
    /// piece holds; land several units claim that way is split on the line equidistant from them.
    private func resolveOwnership(_ pieces: [SightPiece], members: [Member]) throws -> [(
        member: Int, key: KerbKey, zone: NativeGeometry, soft: Bool
    )] {
        guard !pieces.isEmpty else { return [] }
        // A sweep round a tight bend of outline can cross itself; an overlay with it throws (in
        // floating point and snapped alike), which would lose the whole block.
        let natives = try pieces.map { piece -> NativeGeometry in
            let g = try ctx.geometry(.polygon(Polygon(exterior: piece.ring)))
            return try g.isValid ? g : areal(g.madeValid().geometry)
        }
        func joined(_ gs: [NativeGeometry]) throws -> NativeGeometry {
            gs.count == 1 ? gs[0] : try areal(ctx.union(of: gs, gridSize: grid))
        }
        let n = members.count
        // Land per member and street side, hard first.
        var land = [[KerbKey: [NativeGeometry]]](repeating: [:], count: n)
        let hardIndex = pieces.indices.filter { !pieces[$0].soft }
        for i in hardIndex { land[pieces[i].claimants[0]][pieces[i].key, default: []].append(natives[i]) }
        let hardBuckets = EnvelopeBuckets(
            envelopes: hardIndex.map { natives[$0].envelope }, cell: max(options.depthMetres, 10))
        var softInvolved = [Bool](repeating: false, count: n)
        for group in try softGroups(pieces, natives) {
            let claimants = Set(group.flatMap { pieces[$0].claimants }).sorted()
            for m in claimants { softInvolved[m] = true }
            var x = try joined(group.map { natives[$0] })
            // Land a unit sees from its nearest kerb stays that unit's: soft land fills the rest.
            var seen: [NativeGeometry] = []
            for k in hardBuckets.candidates(x.envelope) where natives[hardIndex[k]].envelope.intersects(x.envelope) {
                if try natives[hardIndex[k]].intersects(x) { seen.append(natives[hardIndex[k]]) }
            }
            if !seen.isEmpty {
                x = try areal(
                    x.difference(
                        with: joined(seen).buffer(by: Self.apart, quadrantSegments: 1, join: .mitre), gridSize: grid))
            }
            guard try x.area > 1e-9 else { continue }
            // Claimed by several (a bridged gap, overlapping corners): split on the equidistant line.
            var shares: [(member: Int, land: NativeGeometry)] = []
            if claimants.count == 1 {
                shares = [(claimants[0], x)]
            } else {
                let cells = try voronoiRegions(claimants, around: x, members: members)
                if cells.count < 2 {
                    // Only one claimant has outline near the land (or none): it is that one's, or the first's.
                    shares = [(cells.keys.first ?? claimants[0], x)]
                }
                for m in claimants where cells.count >= 2 {
                    guard let cell = cells[m] else { continue }
                    let part = try areal(x.intersection(with: cell, gridSize: grid))
                    if try part.area > 1e-9 { shares.append((m, part)) }
                }
            }
            // Each share by street side: the group's pieces facing each side, earlier sides first.
            let keys = Set(group.map { pieces[$0].key }).sorted()
            if keys.count == 1 {
                for (m, share) in shares { land[m][keys[0], default: []].append(share) }
                continue
            }
            var taken: NativeGeometry?
            for key in keys {
                let facing = try joined(group.filter { pieces[$0].key == key }.map { natives[$0] })
                let own = try taken.map { try areal(facing.difference(with: $0, gridSize: grid)) } ?? facing
                taken = try taken.map { try areal($0.union(with: facing, gridSize: grid)) } ?? facing
                for (m, share) in shares {
                    let part = try areal(share.intersection(with: own, gridSize: grid))
                    if try part.area > 1e-9 { land[m][key, default: []].append(part) }
                }
            }
        }
        var out: [(member: Int, key: KerbKey, zone: NativeGeometry, soft: Bool)] = []
        for m in 0..<n {
            var earlier: [NativeGeometry] = []
            for key in land[m].keys.sorted() {
                var zone = try joined(land[m][key]!)
                // Where one unit's land facing two sides overlaps (round a concave corner), the first side keeps it.
                let before = earlier.filter { $0.envelope.intersects(zone.envelope) }
                if !before.isEmpty, try zone.intersects(joined(before)) {
                    zone = try areal(
                        zone.difference(
                            with: joined(before).buffer(by: Self.apart, quadrantSegments: 1, join: .mitre),
                            gridSize: grid))
                }
                earlier.append(zone)
                if !zone.isEmpty { out.append((m, key, zone, softInvolved[m])) }
            }
        }
        return out
    }

    /// Soft pieces of one corner or bridge form a group; groups whose pieces overlap are joined.
    private func softGroups(_ pieces: [SightPiece], _ natives: [NativeGeometry]) throws -> [[Int]] {
        let soft = pieces.indices.filter { pieces[$0].soft }
        guard !soft.isEmpty else { return [] }
        var parent: [Int: Int] = [:]
        func root(_ g: Int) -> Int {
            var r = g
            while let p = parent[r], p != r { r = p }
            return r
        }
        func join(_ a: Int, _ b: Int) {
            let ra = root(a), rb = root(b)
            if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
        }
        for i in soft { parent[pieces[i].group] = parent[pieces[i].group] ?? pieces[i].group }
        let envelopes = soft.map { natives[$0].envelope }
        let buckets = EnvelopeBuckets(envelopes: envelopes, cell: max(options.depthMetres, 10))
        for (a, i) in soft.enumerated() {
            for b in buckets.candidates(envelopes[a]) where b > a {
                let j = soft[b]
                guard root(pieces[i].group) != root(pieces[j].group), envelopes[a].intersects(envelopes[b]) else {
                    continue
                }
                if try natives[i].intersects(natives[j]),
                    try natives[i].intersection(with: natives[j], gridSize: grid).area > 1e-6
                {
                    join(pieces[i].group, pieces[j].group)
                }
            }
        }
        var byRoot: [Int: [Int]] = [:]
        for i in soft { byRoot[root(pieces[i].group), default: []].append(i) }
        return byRoot.keys.sorted().map { byRoot[$0]! }
    }

    /// The land nearer to each contestant than to the others, around `x`: Voronoi cells of points
    /// along their outlines, joined per contestant. Points shared with another contestant's
    /// outline (a party wall) are left out, so the split there follows the wall.
    private func voronoiRegions(_ contestants: [Int], around x: NativeGeometry, members: [Member]) throws -> [Int:
        NativeGeometry]
    {
        let spacing = options.splitSpacingMetres
        let e = x.envelope
        // A site further from the contested land than its farthest point is from every contestant
        // is nobody's nearest there.
        var reach = 0.0
        let rings = contestants.map { members[$0].polygons.flatMap(\.rings) }
        let xRings = try x.polygonValues().flatMap(\.rings)
        for p in xRings.flatMap({ $0 }) {
            reach = max(reach, rings.map { Planar.distance(from: p, toRings: $0) }.min() ?? 0)
        }
        reach = min(reach, options.depthMetres) + 2 * spacing
        let box = Envelope(minX: e.minX - reach, minY: e.minY - reach, maxX: e.maxX + reach, maxY: e.maxY + reach)
        var sites: [Coordinate] = []
        var owners: [Int] = []
        for m in contestants {
            let others = contestants.filter { $0 != m }.map { members[$0].polygons.flatMap(\.rings) }
            for ring in members[m].polygons.flatMap(\.rings) {
                for p in Planar.densified(ring, spacing: spacing)
                where box.contains(p) && Planar.distance(from: p, toRings: xRings) <= reach {
                    if others.contains(where: {
                        Planar.distance(from: p, toRings: $0) < 1e-6 || Planar.isInside(p, rings: $0)
                    }) {
                        continue
                    }
                    // Outline points of a round unit (a point's disc) lie on one circle, and GEOS 3.11's
                    // diagram of co-circular sites can hand one site a cell reaching over its
                    // neighbour's: a nudge of 0.1 mm, fixed by the site's number, breaks the tie.
                    let n = Double(sites.count)
                    let turn = n * 2.399963229728653  // the golden angle, so nudges never line up
                    sites.append(p + Self.siteNudge * Coordinate(cos(turn), sin(turn)))
                    owners.append(m)
                }
            }
        }
        guard Set(owners).count >= 2 else { return owners.first.map { [$0: x] } ?? [:] }
        let extent = try ctx.geometry(
            .polygon(
                Polygon(exterior: [
                    Coordinate(box.minX, box.minY), Coordinate(box.maxX, box.minY), Coordinate(box.maxX, box.maxY),
                    Coordinate(box.minX, box.maxY), Coordinate(box.minX, box.minY),
                ])))
        let diagram = try ctx.geometry(.multiPoint(sites)).voronoiDiagram(extent: extent)
        let siteGrid = SiteGrid(sites: sites, cell: max(spacing * 8, 1))
        var cells: [Int: [NativeGeometry]] = [:]
        let inX = try x.prepared()
        for cell in diagram.parts where cell.envelope.intersects(e) {
            guard try inX.intersects(cell) else { continue }
            guard case .polygon(let p) = try cell.value(), p.exterior.count >= 4 else { continue }
            // A cell holds its own site and no other.
            guard let s = siteGrid.site(inside: p.exterior) else { continue }
            cells[owners[s], default: []].append(cell)
        }
        var out: [Int: NativeGeometry] = [:]
        for m in cells.keys.sorted() {
            // Voronoi cells share their edges exactly: a coverage union joins them fastest.
            // Sites a rounding error apart give cells that cross themselves; those are made valid
            // before an overlay joins them (snap-rounding fails on them: "unable to assign free hole").
            // The coverage union does not check its input, so such cells can also come out of it
            // as a polygon crossing itself, with no error: its result is used only when valid.
            if let joined = try? ctx.collection(cells[m]!, kind: .multiPolygon).coverageUnion(), try joined.isValid {
                out[m] = try areal(joined)
            } else {
                out[m] = try areal(ctx.union(of: cells[m]!.map { try areal($0.madeValid().geometry) }, gridSize: grid))
            }
        }
        return out
    }

    /// Clips zones to the depth, drops dust and pieces that do not reach their kerb, cuts by unit,
    /// and measures frontage, depth and area; then what of each kerb no zone touches.
    private func measure(
        _ owned: [(member: Int, key: KerbKey, zone: NativeGeometry, soft: Bool)], members: [Member], kerbs: Kerbs,
        obstacles: Obstacles
    ) throws -> BlockResult {
        var result = BlockResult()
        var kerbLines: [KerbKey: (line: NativeGeometry, prepared: PreparedGeometry)] = [:]
        for (key, lines) in kerbs.lines() {
            let line = try ctx.geometry(.multiLineString(lines)).lineMerged()
            kerbLines[key] = (line, try line.prepared())
            result.kerbMetres[key] = try line.length
        }
        var depthZones: [Int: NativeGeometry] = [:]
        var zonesByKey: [KerbKey: [NativeGeometry]] = [:]
        for (m, key, zone, soft) in owned {
            guard let kerb = kerbLines[key] else { continue }
            var z = zone
            if soft {
                if depthZones[m] == nil {
                    depthZones[m] = try members[m].native.buffer(by: options.depthMetres, quadrantSegments: 8)
                }
                z = try areal(z.intersection(with: depthZones[m]!, gridSize: grid))
            }
            // Floating-point overlays can leave a collapsed spike (an edge run out and back), which
            // would count its stretch of kerb twice.
            if try !z.isValid { z = try areal(z.madeValid().geometry) }
            func contact(_ g: NativeGeometry) throws -> Double {
                try kerb.line.intersection(with: g.buffer(by: Self.onKerb, quadrantSegments: 1), gridSize: grid).length
            }
            // A piece must reach its kerb along some length, not at a point or a sliver's tip.
            var parts: [NativeGeometry] = []
            var touching = 0.0
            for part in try CoverageCheck.polygons(of: z) {
                guard try part.area >= options.minimumAreaSquareMetres,
                    try kerb.prepared.isWithinDistance(Self.touch, of: part)
                else { continue }
                let c = try contact(part)
                guard c >= Self.minimumContact else { continue }
                parts.append(part)
                touching += c
            }
            guard !parts.isEmpty else { continue }
            z = parts.count == 1 ? parts[0] : try ctx.collection(parts, kind: .multiPolygon)
            zonesByKey[key, default: []].append(z)
            let pieces = try cutByUnits(z, polygonal: true)
            for (unit, piece) in pieces {
                let value = try piece.value()
                let frontage = pieces.count == 1 ? touching : try contact(piece)
                result.zones.append(
                    ZonePiece(
                        owner: members[m].owner, key: key, unit: unit, frontageMetres: frontage,
                        depthMetres: Self.greatestDistance(value, from: members[m].globalRings),
                        areaSquareMetres: try piece.area, geometry: value))
            }
        }
        for key in kerbLines.keys.sorted() {
            let kerb = kerbLines[key]!
            var covering = zonesByKey[key] ?? []
            for c in obstacles.candidates(kerb.line.envelope)
            where try kerb.prepared.isWithinDistance(Self.onKerb, of: obstacles.natives[c]) {
                covering.append(obstacles.natives[c])
            }
            var rest = kerb.line
            if !covering.isEmpty {
                rest = try rest.difference(
                    with: areal(ctx.union(of: covering, gridSize: grid)).buffer(by: Self.onKerb, quadrantSegments: 1),
                    gridSize: grid)
            }
            let pieces = try StreetAssigner.lines(of: rest).filter { try $0.length >= options.minimumUncoveredMetres }
            guard !pieces.isEmpty else { continue }
            let lines = pieces.count == 1 ? pieces[0] : try ctx.collection(pieces, kind: .multiLineString)
            for (unit, piece) in try cutByUnits(lines, polygonal: false) {
                result.uncovered.append(
                    UncoveredPiece(key: key, unit: unit, lengthMetres: try piece.length, geometry: try piece.value()))
            }
        }
        return result
    }

    /// The polygons of an overlay's result: snap-rounding can collapse slivers into lines.
    private func areal(_ g: NativeGeometry) throws -> NativeGeometry { try CoverageCheck.polygonalPart(g) }

    // MARK: Measures

    /// The greatest distance from the footprint to a vertex or edge midpoint of the zone.
    static func greatestDistance(_ zone: Geometry, from rings: [[Coordinate]]) -> Double {
        var best = 0.0
        func visit(_ ring: [Coordinate]) {
            for i in 0..<max(0, ring.count - 1) {
                best = max(best, Planar.distance(from: ring[i], toRings: rings))
                best = max(best, Planar.distance(from: 0.5 * (ring[i] + ring[i + 1]), toRings: rings))
            }
        }
        switch zone {
        case .polygon(let p): p.rings.forEach(visit)
        case .multiPolygon(let ps): ps.forEach { $0.rings.forEach(visit) }
        default: break
        }
        return best
    }

    /// `g` cut by the grid units (lower codes first where units overlap), with the part in none.
    private func cutByUnits(_ g: NativeGeometry, polygonal: Bool) throws -> [(String?, NativeGeometry)] {
        guard !gridCodes.isEmpty else { return [(nil, g)] }
        if grids == nil {
            let natives = try gridValues.map { try CoverageCheck.polygonalPart(ctx.geometry($0).madeValid().geometry) }
            let index = try SpatialIndex(context: ctx)
            for n in natives { try index.insert(n) }
            grids = (natives, try natives.map { try $0.prepared() }, index)
        }
        let (natives, prepared, index) = grids!
        func measure(_ x: NativeGeometry) throws -> Double { polygonal ? try x.area : try x.length }
        func keep(_ x: NativeGeometry) throws -> NativeGeometry {
            if polygonal { return try CoverageCheck.polygonalPart(x) }
            let ls = try StreetAssigner.lines(of: x)
            return ls.count == 1 ? ls[0] : try ctx.collection(ls, kind: .multiLineString)
        }
        let tiny = polygonal ? 1e-6 : 1e-6
        var out: [(String?, NativeGeometry)] = []
        var remaining = g
        for c in index.query(intersecting: g) {
            guard !remaining.isEmpty, try prepared[c].intersects(remaining) else { continue }
            if try prepared[c].covers(remaining) {
                out.append((gridCodes[c], remaining))
                remaining = try ctx.geometry(.geometryCollection([]))
                break
            }
            let piece = try keep(remaining.intersection(with: natives[c], gridSize: grid))
            if try measure(piece) > tiny { out.append((gridCodes[c], piece)) }
            remaining = try keep(remaining.difference(with: natives[c], gridSize: grid))
        }
        if !remaining.isEmpty, try measure(remaining) > tiny { out.append((nil, remaining)) }
        return out
    }
}
