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
    /// Kerb within this distance of a zone is its frontage: zones are built on the kerb, so only
    /// rounding separates them from it.
    static let onKerb = 1e-5

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

    func process(_ input: BlockInput) throws -> BlockResult {
        let block = try ctx.geometry(.polygon(input.polygon))
        let kerbs = Kerbs(block: input.polygon, frame: frame, streets: streets, cell: max(options.depthMetres, 10))
        let members = try makeMembers(input, block: block)
        let obstacles = try Obstacles(members.map(\.native))
        let walker = try SightWalker(ctx: ctx, kerbs: kerbs, depth: options.depthMetres, obstacles: obstacles, block: block)
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
            if m.clip { g = try CoverageCheck.polygonalPart(g.intersection(with: block)) }
            guard !g.isEmpty, try g.area > 1e-9 else { continue }
            members.append(Member(owner: m.owner, native: g, polygons: try g.polygonValues(), globalRings: m.footprint.flatMap(\.rings)))
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
        let union = try ctx.union(of: members.map(\.native))
        let closed = try union.buffer(by: half, quadrantSegments: 8).buffer(by: -half, quadrantSegments: 8)
        guard try closed.area - union.area > 1e-6 else { return }
        let near = try union.buffer(by: Self.touch, quadrantSegments: 2)
        let bridges = try StreetAssigner.lines(of: closed.boundary().difference(with: near).lineMerged())
        let inside = try closed.prepared()
        for line in bridges {
            guard case .lineString(var pts) = try line.value(), pts.count >= 2, try line.length > 10 * Self.touch else { continue }
            // Reach back over the margin cut off at each end, so a bridge meets the footprints it joins.
            let d0 = pts[0] - pts[1], d1 = pts[pts.count - 1] - pts[pts.count - 2]
            pts[0] = pts[0] + (Self.touch / d0.norm) * d0
            pts[pts.count - 1] = pts[pts.count - 1] + (Self.touch / d1.norm) * d1
            let a = pts[0], b = pts[1]
            let probe = 0.5 * (a + b) + (Self.touch / (b - a).norm) * (b - a).rightNormal
            let outward: Double = try inside.contains(ctx.geometry(.point(probe))) ? -1 : 1
            var env = line.envelope
            env = Envelope(minX: env.minX - half - 1, minY: env.minY - half - 1, maxX: env.maxX + half + 1, maxY: env.maxY + half + 1)
            let claimants = try obstacles.candidates(env).filter { try members[$0].native.distance(to: line) <= half + 2 * Self.touch }
            guard !claimants.isEmpty else { continue }
            try walker.walk(pts, closed: false, outward: outward, claimants: claimants, soft: true)
        }
    }

    /// Owned land per member and street side. Hard pieces belong to the unit they start from; soft
    /// pieces (corners, bridges) and whatever they overlap are split between the units claiming
    /// them on the line equidistant from those units.
    private func resolveOwnership(_ pieces: [SightPiece], members: [Member]) throws -> [(member: Int, key: KerbKey, zone: NativeGeometry, soft: Bool)] {
        guard !pieces.isEmpty else { return [] }
        let natives = try pieces.map { try ctx.geometry(.polygon(Polygon(exterior: $0.ring))) }
        let n = members.count
        var hardPieces = [[Int]](repeating: [], count: n)
        for (i, p) in pieces.enumerated() where !p.soft { hardPieces[p.claimants[0]].append(i) }
        let hard: [NativeGeometry?] = try hardPieces.map { idx in
            idx.isEmpty ? nil : idx.count == 1 ? natives[idx[0]] : try ctx.union(of: idx.map { natives[$0] })
        }
        let groups = try softGroups(pieces, natives)
        var extra = [[NativeGeometry]](repeating: [], count: n)
        var cut = [[NativeGeometry]](repeating: [], count: n)
        var softInvolved = [Bool](repeating: false, count: n)
        var claimedSoft = [[Int]](repeating: [], count: n)
        for group in groups {
            let x = group.count == 1 ? natives[group[0]] : try ctx.union(of: group.map { natives[$0] })
            var contestants = Set(group.flatMap { pieces[$0].claimants })
            for m in 0..<n where !contestants.contains(m) {
                guard let h = hard[m], h.envelope.intersects(x.envelope), try h.intersects(x) else { continue }
                if try h.intersection(with: x).area > 1e-6 { contestants.insert(m) }
            }
            let ordered = contestants.sorted()
            for m in ordered { softInvolved[m] = true }
            for i in group { for m in pieces[i].claimants { claimedSoft[m].append(i) } }
            if ordered.count == 1 {
                extra[ordered[0]].append(x)
                continue
            }
            var claims: [NativeGeometry] = []
            for m in ordered {
                var parts = group.filter { pieces[$0].claimants.contains(m) }.map { natives[$0] }
                if let h = hard[m], h.envelope.intersects(x.envelope) {
                    let inX = try CoverageCheck.polygonalPart(h.intersection(with: x))
                    if try inX.area > 1e-9 { parts.append(inX) }
                }
                claims.append(parts.isEmpty ? try ctx.geometry(.multiPolygon([])) : parts.count == 1 ? parts[0] : try ctx.union(of: parts))
            }
            let cells = try voronoiRegions(ordered, around: x, members: members)
            for (k, m) in ordered.enumerated() {
                cut[m].append(x)
                let claim = claims[k]
                guard !claim.isEmpty else { continue }
                let others = try ctx.union(of: claims.enumerated().filter { $0.offset != k }.map(\.element))
                var mine = claim
                if try claim.intersects(others) {
                    let contested = try claim.intersection(with: others)
                    let lost = try cells[m].map { try contested.difference(with: $0) } ?? contested
                    mine = try claim.difference(with: lost)
                }
                extra[m].append(mine)
            }
        }
        var out: [(member: Int, key: KerbKey, zone: NativeGeometry, soft: Bool)] = []
        for m in 0..<n {
            var parts: [NativeGeometry] = []
            if var h = hard[m] {
                if !cut[m].isEmpty { h = try h.difference(with: ctx.union(of: cut[m])) }
                parts.append(h)
            }
            parts += extra[m]
            guard !parts.isEmpty else { continue }
            let whole = parts.count == 1 ? parts[0] : try ctx.union(of: parts)
            // Split by street side: each side takes the pieces facing it, earlier sides first where they overlap.
            var byKey: [KerbKey: [Int]] = [:]
            for i in hardPieces[m] + claimedSoft[m] { byKey[pieces[i].key, default: []].append(i) }
            let keys = byKey.keys.sorted()
            if keys.count == 1 {
                out.append((m, keys[0], whole, softInvolved[m]))
                continue
            }
            var taken: NativeGeometry?
            for key in keys {
                let idx = byKey[key]!
                let facing = idx.count == 1 ? natives[idx[0]] : try ctx.union(of: idx.map { natives[$0] })
                let own = try taken.map { try facing.difference(with: $0) } ?? facing
                taken = try taken.map { try $0.union(with: facing) } ?? facing
                let zone = try CoverageCheck.polygonalPart(whole.intersection(with: own))
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
                guard root(pieces[i].group) != root(pieces[j].group), envelopes[a].intersects(envelopes[b]) else { continue }
                if try natives[i].intersects(natives[j]), try natives[i].intersection(with: natives[j]).area > 1e-6 {
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
    private func voronoiRegions(_ contestants: [Int], around x: NativeGeometry, members: [Member]) throws -> [Int: NativeGeometry] {
        let spacing = options.splitSpacingMetres
        let e = x.envelope
        let reach = options.depthMetres + 2 * spacing
        let box = Envelope(minX: e.minX - reach, minY: e.minY - reach, maxX: e.maxX + reach, maxY: e.maxY + reach)
        var sites: [Coordinate] = []
        var owners: [Int] = []
        for m in contestants {
            let others = contestants.filter { $0 != m }.map { members[$0].polygons.flatMap(\.rings) }
            for ring in members[m].polygons.flatMap(\.rings) {
                for p in Planar.densified(ring, spacing: spacing) where box.contains(p) {
                    if others.contains(where: { Planar.distance(from: p, toRings: $0) < 1e-6 || Planar.isInside(p, rings: $0) }) { continue }
                    sites.append(p)
                    owners.append(m)
                }
            }
        }
        guard Set(owners).count >= 2 else { return [:] }
        let extent = try ctx.geometry(.polygon(Polygon(exterior: [
            Coordinate(box.minX, box.minY), Coordinate(box.maxX, box.minY), Coordinate(box.maxX, box.maxY),
            Coordinate(box.minX, box.maxY), Coordinate(box.minX, box.minY),
        ])))
        let diagram = try ctx.geometry(.multiPoint(sites)).voronoiDiagram(extent: extent)
        let grid = SiteGrid(sites: sites, cell: max(spacing * 2, 0.1))
        var cells: [Int: [NativeGeometry]] = [:]
        for cell in diagram.parts where cell.envelope.intersects(e) {
            guard case .polygon(let p) = try cell.value(), p.exterior.count >= 4 else { continue }
            var c = Coordinate(0, 0)
            for v in p.exterior.dropLast() { c = c + v }
            c = (1 / Double(p.exterior.count - 1)) * c
            guard let s = grid.nearest(to: c) else { continue }
            cells[owners[s], default: []].append(cell)
        }
        var out: [Int: NativeGeometry] = [:]
        for m in cells.keys.sorted() { out[m] = try ctx.union(of: cells[m]!) }
        return out
    }

    /// Clips zones to the depth, drops dust and pieces that do not reach their kerb, cuts by unit,
    /// and measures frontage, depth and area; then what of each kerb no zone touches.
    private func measure(_ owned: [(member: Int, key: KerbKey, zone: NativeGeometry, soft: Bool)], members: [Member], kerbs: Kerbs,
                         obstacles: Obstacles) throws -> BlockResult {
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
                if depthZones[m] == nil { depthZones[m] = try members[m].native.buffer(by: options.depthMetres, quadrantSegments: 8) }
                z = try z.intersection(with: depthZones[m]!)
            }
            let parts = try CoverageCheck.polygons(of: z).filter {
                try $0.area >= options.minimumAreaSquareMetres && kerb.prepared.isWithinDistance(Self.touch, of: $0)
            }
            guard !parts.isEmpty else { continue }
            z = parts.count == 1 ? parts[0] : try ctx.collection(parts, kind: .multiPolygon)
            zonesByKey[key, default: []].append(z)
            for (unit, piece) in try cutByUnits(z, polygonal: true) {
                let value = try piece.value()
                let frontage = try kerb.line.intersection(with: piece.buffer(by: Self.onKerb, quadrantSegments: 1)).length
                result.zones.append(ZonePiece(owner: members[m].owner, key: key, unit: unit, frontageMetres: frontage,
                                              depthMetres: Self.greatestDistance(value, from: members[m].globalRings),
                                              areaSquareMetres: try piece.area, geometry: value))
            }
        }
        for key in kerbLines.keys.sorted() {
            let kerb = kerbLines[key]!
            var covering = zonesByKey[key] ?? []
            for c in obstacles.candidates(kerb.line.envelope) where try kerb.prepared.isWithinDistance(Self.onKerb, of: obstacles.natives[c]) {
                covering.append(obstacles.natives[c])
            }
            var rest = kerb.line
            if !covering.isEmpty { rest = try rest.difference(with: ctx.union(of: covering).buffer(by: Self.onKerb, quadrantSegments: 1)) }
            let pieces = try StreetAssigner.lines(of: rest).filter { try $0.length >= options.minimumUncoveredMetres }
            guard !pieces.isEmpty else { continue }
            let lines = pieces.count == 1 ? pieces[0] : try ctx.collection(pieces, kind: .multiLineString)
            for (unit, piece) in try cutByUnits(lines, polygonal: false) {
                result.uncovered.append(UncoveredPiece(key: key, unit: unit, lengthMetres: try piece.length, geometry: try piece.value()))
            }
        }
        return result
    }

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
            let piece = try keep(remaining.intersection(with: natives[c]))
            if try measure(piece) > tiny { out.append((gridCodes[c], piece)) }
            remaining = try keep(remaining.difference(with: natives[c]))
        }
        if !remaining.isEmpty, try measure(remaining) > tiny { out.append((nil, remaining)) }
        return out
    }
}
