import GridplanGeometry

/// A street block (or a piece of one): the building stone of a grid.
struct Block {
    var geometry: NativeGeometry
    var area: Double
    /// Indices into the community's points.
    var points: [Int]
    var households: Double
    var workload: Double
    var centroid: Coordinate

    func quantity(_ q: PartitionTarget.Quantity) -> Double {
        switch q {
        case .households: return households
        case .area: return area
        case .workload: return workload
        }
    }
}

/// Cuts a polygon with lines: the lines are noded with its outline and polygonized, and the
/// faces inside the polygon returned. Faces share noded edges exactly.
///
/// Lines are clipped to a box a little larger than the polygon, not to the polygon itself: a
/// line clipped to the polygon ends at a computed point that can miss the outline by a rounding
/// error and then cuts nothing. Crossing points are computed once, by the noding.
func cut(_ polygon: NativeGeometry, with lines: [NativeGeometry], context ctx: GEOSContext) throws -> [NativeGeometry] {
    guard !lines.isEmpty else { return [polygon] }
    let e = polygon.envelope
    let margin = max(e.width, e.height) * 0.01 + 1
    let frame = try ctx.geometry(
        .polygon(
            Polygon(exterior: [
                Coordinate(e.minX - margin, e.minY - margin), Coordinate(e.maxX + margin, e.minY - margin),
                Coordinate(e.maxX + margin, e.maxY + margin), Coordinate(e.minX - margin, e.maxY + margin),
                Coordinate(e.minX - margin, e.minY - margin),
            ])))
    let prepared = try polygon.prepared()
    let clipped = try lines.filter { try prepared.intersects($0) }.map { try $0.intersection(with: frame) }.filter {
        !$0.isEmpty
    }
    guard !clipped.isEmpty else { return [polygon] }
    let linework = try ctx.collection([try polygon.boundary()] + clipped).unaryUnion()
    let faces = try CoverageCheck.polygons(of: ctx.polygonize(linework.parts))
    var inside: [NativeGeometry] = []
    for f in faces where try f.area > 0 {
        if try prepared.contains(f.pointOnSurface) { inside.append(f) }
    }
    return inside.isEmpty ? [polygon] : inside
}

/// Points (households and workload) of one community.
struct CommunityPoints: Sendable {
    var coordinates: [Coordinate] = []
    var households: [Double] = []
    var events: [Double] = []
}

/// Builds blocks for a community: cut by boundary-class streets, then any block above the
/// maximum by lesser streets, then by straight cuts that balance the quantity.
struct BlockBuilder {
    let ctx: GEOSContext
    let options: PartitionOptions
    let points: CommunityPoints
    var notes: [String] = []

    func makeBlock(_ g: NativeGeometry, candidates: [Int]) throws -> Block {
        // GEOS's prepared covers, on the block's rings: no GEOS point per point.
        let area = RingArea(try g.polygonValues())
        var mine: [Int] = []
        var hh = 0.0, wl = 0.0
        for i in candidates {
            if area.covers(points.coordinates[i]) {
                mine.append(i)
                hh += points.households[i]
                wl += points.events[i]
            }
        }
        return Block(
            geometry: g, area: try g.area, points: mine, households: hh, workload: wl,
            centroid: try g.centroid.pointCoordinate)
    }

    /// Assigns each point to exactly one block: the first that covers it.
    func makeBlocks(_ geometries: [NativeGeometry], candidates: [Int]) throws -> [Block] {
        var remaining = Set(candidates)
        var blocks: [Block] = []
        for g in geometries {
            let b = try makeBlock(g, candidates: candidates.filter { remaining.contains($0) })
            for i in b.points { remaining.remove(i) }
            blocks.append(b)
        }
        return blocks
    }

    mutating func blocks(of community: NativeGeometry, streets: [StreetInput]) throws -> [Block] {
        let boundaryLines = try streets.filter { options.boundaryClasses.contains($0.streetClass) }.map {
            try ctx.geometry($0.geometry)
        }
        let lesserLines = try streets.filter { !options.boundaryClasses.contains($0.streetClass) }.map {
            try ctx.geometry($0.geometry)
        }
        let all = Array(points.coordinates.indices)
        let faces = try mergingSlivers(
            try cut(community, with: boundaryLines, context: ctx), communityArea: try community.area)
        var result: [Block] = []
        for block in try makeBlocks(faces, candidates: all) {
            result += try split(block, lesser: lesserLines)
        }
        return result
    }

    /// Land below this (m²) in a community of `communityArea` is a sliver, not a block: 50 m² or
    /// 0.2% of the community, whichever is larger.
    static func sliverAreaSquareMetres(communityArea: Double) -> Double { max(50, 0.002 * communityArea) }

    /// Faces thinner than a street (a road drawn just inside the community edge leaves a strip
    /// between them) join the neighbour they share most border with: they are artefacts, not blocks.
    func mergingSlivers(_ faces: [NativeGeometry], communityArea: Double) throws -> [NativeGeometry] {
        try SmallFaces.merging(faces, below: Self.sliverAreaSquareMetres(communityArea: communityArea), context: ctx)
    }

    /// Splits a block above the maximum: along lesser streets first, then straight cuts.
    mutating func split(_ block: Block, lesser: [NativeGeometry]) throws -> [Block] {
        let q = options.target.quantity
        guard block.quantity(q) > options.target.maximum else { return [block] }
        var pieces = [block]
        let reach = block.geometry.envelope
        let prepared = try block.geometry.prepared()
        let nearby = try lesser.filter { try $0.envelope.intersects(reach) && prepared.intersects($0) }
        if !nearby.isEmpty {
            let faces = try cut(block.geometry, with: nearby, context: ctx)
            if faces.count > 1 { pieces = try makeBlocks(faces, candidates: block.points) }
        }
        var out: [Block] = []
        for p in pieces { out += try straightSplit(p, depth: 0) }
        return out
    }

    /// Halves a block across its longer side at the position that balances the quantity,
    /// recursively, until every piece is within the maximum or cannot be divided.
    mutating func straightSplit(_ block: Block, depth: Int) throws -> [Block] {
        let q = options.target.quantity
        let total = block.quantity(q)
        guard total > options.target.maximum else { return [block] }
        let env = block.geometry.envelope
        let vertical = env.width >= env.height
        // How many grids' worth this block holds decides where the first cut goes: split off
        // whole grids' worth where possible, so pieces can each make a grid.
        let parts = max(2, Int((total / options.target.middle).rounded()))
        let share = Double(parts / 2) / Double(parts)
        guard let position = try balancingPosition(block, vertical: vertical, share: share), depth < 24 else {
            notes.append(
                String(
                    format: "a block holds %.0f %@ that cannot be divided further (above the maximum %.0f)", total,
                    q.rawValue, options.target.maximum))
            return [block]
        }
        let big = max(env.width, env.height) + 10
        let line: Geometry =
            vertical
            ? .lineString([Coordinate(position, env.minY - big), Coordinate(position, env.maxY + big)])
            : .lineString([Coordinate(env.minX - big, position), Coordinate(env.maxX + big, position)])
        let faces = try cut(block.geometry, with: [try ctx.geometry(line)], context: ctx)
        guard faces.count > 1 else {
            notes.append(String(format: "a block holding %.0f %@ could not be cut", total, q.rawValue))
            return [block]
        }
        var out: [Block] = []
        for piece in try makeBlocks(faces, candidates: block.points) {
            if piece.quantity(q) >= total - 1e-9 && piece.area >= block.area * 0.999 { return [block] }
            out += try straightSplit(piece, depth: depth + 1)
        }
        return out
    }

    /// The coordinate (x for a vertical cut, y for a horizontal one) below which `share` of the
    /// block's quantity lies; nil when every unit of quantity sits at one position.
    func balancingPosition(_ block: Block, vertical: Bool, share: Double) throws -> Double? {
        let env = block.geometry.envelope
        let lo = vertical ? env.minX : env.minY
        let hi = vertical ? env.maxX : env.maxY
        switch options.target.quantity {
        case .area:
            // Bisection on the area left of the cut.
            var a = lo, b = hi
            for _ in 0..<40 {
                let m = (a + b) / 2
                let box: Geometry =
                    vertical
                    ? .polygon(
                        Polygon(exterior: [
                            Coordinate(env.minX - 1, env.minY - 1), Coordinate(m, env.minY - 1),
                            Coordinate(m, env.maxY + 1), Coordinate(env.minX - 1, env.maxY + 1),
                            Coordinate(env.minX - 1, env.minY - 1),
                        ]))
                    : .polygon(
                        Polygon(exterior: [
                            Coordinate(env.minX - 1, env.minY - 1), Coordinate(env.maxX + 1, env.minY - 1),
                            Coordinate(env.maxX + 1, m), Coordinate(env.minX - 1, m),
                            Coordinate(env.minX - 1, env.minY - 1),
                        ]))
                let left = try block.geometry.intersection(with: ctx.geometry(box)).area
                if left < share * block.area { a = m } else { b = m }
            }
            return (a + b) / 2
        case .households, .workload:
            let weights = block.points.map {
                options.target.quantity == .households ? points.households[$0] : points.events[$0]
            }
            let coords = block.points.map { vertical ? points.coordinates[$0].x : points.coordinates[$0].y }
            let order = coords.indices.sorted { coords[$0] < coords[$1] }
            let total = weights.reduce(0, +)
            var running = 0.0
            for (k, i) in order.enumerated() {
                running += weights[i]
                if running >= share * total {
                    // Cut halfway between this point and the next distinct one.
                    guard let next = order[(k + 1)...].first(where: { coords[$0] > coords[i] }) else {
                        // Everything from here on sits at one position: cut just before it instead.
                        guard let prev = order[..<k].last(where: { coords[$0] < coords[i] }) else { return nil }
                        return (coords[prev] + coords[i]) / 2
                    }
                    return (coords[i] + coords[next]) / 2
                }
            }
            return nil
        }
    }
}

/// Merges faces below an area into their neighbours, smallest first: each joins the neighbour it
/// shares most border with (ties: the earlier face), until none is left below the area or the
/// smallest has no neighbour. A border is measured as `Partitioner.adjacencyOf` measures it (the
/// later face's outline within the earlier face grown by 0.1 mm), but only around the face being
/// merged, so a merge costs its neighbours rather than a new adjacency of every face.
enum SmallFaces {
    static func merging(_ faces: [NativeGeometry], below threshold: Double, context ctx: GEOSContext) throws
        -> [NativeGeometry]
    {
        var faces = faces.map(Face.init)
        while faces.count > 1 {
            var areas: [Double] = []
            for k in faces.indices { areas.append(try faces[k].area()) }
            guard
                let small = areas.indices.filter({ areas[$0] < threshold }).min(by: {
                    areas[$0] != areas[$1] ? areas[$0] < areas[$1] : $0 < $1
                }),
                let target = try longestBorder(of: small, in: &faces)
            else { break }
            faces[target] = Face(try faces[target].geometry.union(with: faces[small].geometry))
            faces.remove(at: small)
        }
        return faces.map(\.geometry)
    }

    /// The neighbour sharing most border (over a millimetre) with face `i`; nil for none.
    static func longestBorder(of i: Int, in faces: inout [Face]) throws -> Int? {
        // The grown face reaches 0.1 mm out; a millimetre covers it.
        let reach = faces[i].envelope.expanded(by: 1e-3)
        var best: (face: Int, length: Double)?
        for j in faces.indices where j != i && faces[j].envelope.intersects(reach) {
            let (earlier, later) = i < j ? (i, j) : (j, i)
            let shared = try faces[later].outline().intersection(with: faces[earlier].grown()).length
            if shared > 1e-3 && shared > (best?.length ?? 0) { best = (j, shared) }
        }
        return best?.face
    }

    /// A face with what measuring its borders needs, made when first asked for.
    struct Face {
        let geometry: NativeGeometry
        let envelope: Envelope
        private var cachedArea: Double?
        private var cachedOutline: NativeGeometry?
        private var cachedGrown: NativeGeometry?

        init(_ geometry: NativeGeometry) {
            self.geometry = geometry
            envelope = geometry.envelope
        }

        mutating func area() throws -> Double {
            if let cachedArea { return cachedArea }
            let a = try geometry.area
            cachedArea = a
            return a
        }
        mutating func outline() throws -> NativeGeometry {
            if let cachedOutline { return cachedOutline }
            let o = try geometry.boundary()
            cachedOutline = o
            return o
        }
        mutating func grown() throws -> NativeGeometry {
            if let cachedGrown { return cachedGrown }
            let g = try geometry.buffer(by: 1e-4, quadrantSegments: 1)
            cachedGrown = g
            return g
        }
    }
}
