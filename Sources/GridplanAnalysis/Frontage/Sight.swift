import GridplanGeometry

/// A piece of the land in front of a unit, from a stretch of its outline to the kerb.
///
/// Hard pieces are swept by the segments from outline points to their nearest kerb points, which
/// never cross one another: hard pieces of different units cannot overlap. Soft pieces are the
/// rest — the corner land where the nearest kerb point jumps from one street to the next, and the
/// land in front of a gap bridged between units of a row — and may be contested.
struct SightPiece {
    var ring: [Coordinate]
    var key: KerbKey
    var soft: Bool
    /// Soft pieces from one corner or one bridge share a group; -1 for hard pieces.
    var group: Int
    /// The members (indices into the block's members) that claim the piece.
    var claimants: [Int]
}

/// The footprints of one block: every piece is checked against them (no zone behind or on a building).
final class Obstacles {
    let natives: [NativeGeometry]
    let prepared: [PreparedGeometry]
    let envelopes: [Envelope]
    let buckets: EnvelopeBuckets

    init(_ natives: [NativeGeometry]) throws {
        self.natives = natives
        prepared = try natives.map { try $0.prepared() }
        envelopes = natives.map(\.envelope)
        let mean = envelopes.reduce(0.0) { $0 + max($1.width, $1.height) } / Double(max(1, envelopes.count))
        buckets = EnvelopeBuckets(envelopes: envelopes, cell: max(mean * 2, 10))
    }

    func candidates(_ e: Envelope) -> [Int] { buckets.candidates(e).filter { envelopes[$0].intersects(e) } }
}

/// Walks outlines and collects the sight pieces between them and the kerbs of one block.
///
/// Along an outline, the nearest kerb segment is followed; where it changes, the exact switch
/// point is found by bisection. Between switches the nearest point moves either perpendicular to
/// one kerb segment (the piece is a trapezoid) or stays on one kerb vertex (a triangle), so depth
/// limits and blocking by other footprints are cut exactly, in the outline's own parameter.
///
/// Where the nearest kerb is hidden (behind the unit itself or another building) the stretch is
/// walked again towards the other street sides: a wall in an L-shaped building's notch faces the
/// side street even when the main street is nearer. Such sight lines are not shortest lines, so
/// they may cross other units' and are soft.
final class SightWalker {
    let ctx: GEOSContext
    let kerbs: Kerbs
    let depth: Double
    let obstacles: Obstacles
    let block: NativeGeometry
    let blockPrepared: PreparedGeometry
    /// Street sides tried for one stretch of outline, the nearest first.
    let maximumSides = 3
    /// Overlays snap to this grid when set (see ``FrontageWorker/robustGrid``).
    let grid: Double?
    /// Outline points at most this far apart are checked for a change of nearest kerb segment.
    let sampleSpacing = 1.0
    /// How far a piece's outline edge is pulled off the unit's wall before asking whether the
    /// piece meets a footprint (the wall always touches it; touching is not blocking).
    let shrink = 1e-4
    private(set) var pieces: [SightPiece] = []
    private var groupCount = 0
    /// Stretches of the outline being walked whose sight of the nearest kerb failed, and that kerb.
    private var hidden: [(a: Coordinate, b: Coordinate, key: KerbKey)] = []

    init(ctx: GEOSContext, kerbs: Kerbs, depth: Double, obstacles: Obstacles, block: NativeGeometry, grid: Double?)
        throws
    {
        self.ctx = ctx
        self.grid = grid
        self.kerbs = kerbs
        self.depth = depth
        self.obstacles = obstacles
        self.block = block
        blockPrepared = try block.prepared()
    }

    private func newGroup() -> Int {
        groupCount += 1
        return groupCount - 1
    }

    /// Walks a ring (`closed`) or an open line. `outward` is +1 when the land in front lies to the
    /// right of the line's direction, -1 to the left, 0 when unknown (blocking decides alone).
    /// `excluded` street sides are not looked at (they were hidden from this stretch).
    func walk(
        _ pts: [Coordinate], closed: Bool, outward: Double, claimants: [Int], soft: Bool, excluded: Set<KerbKey> = []
    ) throws {
        guard pts.count >= 2 else { return }
        var env = Envelope.empty
        for p in pts { env.expand(toInclude: p) }
        let box = Envelope(
            minX: env.minX - depth, minY: env.minY - depth, maxX: env.maxX + depth, maxY: env.maxY + depth)
        let cands = kerbs.candidates(box).filter { !excluded.contains(kerbs.segKey[$0]!) }
        guard !cands.isEmpty else { return }
        let group = soft ? newGroup() : -1
        let outer = hidden
        hidden = []
        defer { hidden = outer }
        let secondary = !excluded.isEmpty

        func nearest(_ p: Coordinate) -> (seg: Int, distance: Double) {
            var best = (seg: cands[0], distance: Double.infinity)
            for s in cands {
                let d = Planar.foot(of: p, on: kerbs.start(s), kerbs.end(s)).distance
                if d < best.distance { best = (s, d) }
            }
            return best
        }
        func isNearest(_ p: Coordinate, _ s: Int) -> Bool {
            Planar.foot(of: p, on: kerbs.start(s), kerbs.end(s)).distance <= nearest(p).distance + 1e-9
        }

        let startSeg = nearest(pts[0]).seg
        var cur = startSeg
        for i in 0..<(pts.count - 1) {
            let a = pts[i], b = pts[i + 1]
            let e = b - a
            let length = e.norm
            guard length > 1e-9 else { continue }
            let edge = Edge(a: a, b: b, outward: outward == 0 ? nil : (outward / length) * e.rightNormal)
            let n = max(1, Int((length / sampleSpacing).rounded(.up)))
            var runStart = 0.0
            var checked = 0.0
            for j in 1...n {
                let tj = j == n ? 1.0 : Double(j) / Double(n)
                var switches = 0
                while !isNearest(edge.at(tj), cur) && switches < 64 {
                    switches += 1
                    var lo = checked, hi = tj
                    while (hi - lo) * length > 1e-7 {
                        let mid = 0.5 * (lo + hi)
                        if isNearest(edge.at(mid), cur) { lo = mid } else { hi = mid }
                    }
                    let next = nearest(edge.at(hi)).seg
                    try run(edge, runStart, lo, cur, group: group, claimants: claimants, secondary: secondary)
                    try corner(
                        at: edge.at(lo), from: cur, to: next, outward: lo > 0 && lo < 1 ? edge.outward : nil,
                        group: soft ? group : nil, claimants: claimants, secondary: secondary)
                    cur = next
                    runStart = lo
                    checked = hi
                }
                checked = tj
            }
            try run(edge, runStart, 1, cur, group: group, claimants: claimants, secondary: secondary)
        }
        if closed && cur != startSeg {
            try corner(
                at: pts[0], from: cur, to: startSeg, outward: nil, group: soft ? group : nil, claimants: claimants,
                secondary: secondary)
        }
        // Hidden stretches look again, at the street sides not yet tried.
        guard excluded.count + 1 < maximumSides else { return }
        var k = 0
        while k < hidden.count {
            var h = hidden[k]
            // Join stretches that continue one another towards the same hidden kerb.
            while k + 1 < hidden.count && hidden[k + 1].key == h.key && (hidden[k + 1].a - h.b).norm < 1e-9
                && abs((h.b - h.a).cross(hidden[k + 1].b - hidden[k + 1].a)) < 1e-9
            {
                h.b = hidden[k + 1].b
                k += 1
            }
            k += 1
            guard (h.b - h.a).norm > 1e-6 else { continue }
            try walk(
                [h.a, h.b], closed: false, outward: outward, claimants: claimants, soft: true,
                excluded: excluded.union([h.key]))
        }
    }

    struct Edge {
        var a: Coordinate
        var b: Coordinate
        /// Unit normal towards the land in front, when known.
        var outward: Coordinate?

        func at(_ t: Double) -> Coordinate { t <= 0 ? a : t >= 1 ? b : a + t * (b - a) }
    }

    /// The stretch [t0, t1] of an edge whose nearest kerb segment is `seg`: cut where the nearest
    /// point leaves the segment's interior for one of its ends.
    private func run(
        _ edge: Edge, _ t0: Double, _ t1: Double, _ seg: Int, group: Int, claimants: [Int], secondary: Bool
    ) throws {
        guard t1 - t0 > 1e-12 else { return }
        let s = kerbs.start(seg), u = kerbs.end(seg) - s
        let uu = u.dot(u)
        guard uu > 0 else { return }
        func raw(_ t: Double) -> Double { (edge.at(t) - s).dot(u) / uu }
        let r0 = raw(t0), r1 = raw(t1)
        var cuts = [t0]
        for c in [0.0, 1.0] where (r0 - c) * (r1 - c) < 0 {
            cuts.append(t0 + (c - r0) / (r1 - r0) * (t1 - t0))
        }
        cuts.sort()
        cuts.append(t1)
        for k in 0..<(cuts.count - 1) where cuts[k + 1] - cuts[k] > 1e-12 {
            let mid = 0.5 * (cuts[k] + cuts[k + 1])
            let rm = raw(mid)
            let kind: Leaf = rm < 0 ? .fan(s) : rm > 1 ? .fan(kerbs.end(seg)) : .perpendicular
            // A sight line to a kerb vertex must meet it head on, in the vertex's normal cone: not
            // graze past the next segment of the ring (which a walk that excludes it cannot see).
            if rm < 0 || rm > 1, let next = kerbs.neighbour(of: seg, atEnd: rm > 1) {
                let q = kerbs.start(next), v = kerbs.end(next) - q
                let r = (edge.at(mid) - q).dot(v) / v.dot(v)
                if rm > 1 ? r > 0 : r < 1 { continue }
            }
            try leaf(edge, cuts[k], cuts[k + 1], seg, kind, group: group, claimants: claimants, secondary: secondary)
        }
    }

    enum Leaf {
        /// Nearest points move along the kerb segment's interior: rays all perpendicular to it.
        case perpendicular
        /// Every nearest point is this kerb vertex.
        case fan(Coordinate)
    }

    private func leaf(
        _ edge: Edge, _ ta: Double, _ tb: Double, _ seg: Int, _ kind: Leaf, group: Int, claimants: [Int],
        secondary: Bool
    ) throws {
        guard let key = kerbs.segKey[seg] else { return }
        let s = kerbs.start(seg), u = kerbs.end(seg) - s
        let ulen = u.norm
        let uhat = (1 / ulen) * u
        let nhat = uhat.rightNormal
        var lo = ta, hi = tb
        let foot: (Double) -> Coordinate
        switch kind {
        case .perpendicular:
            let uu = u.dot(u)
            foot = { t in s + ((edge.at(t) - s).dot(u) / uu) * u }
            // Signed distance to the kerb line is linear along the edge: keep where it is within the depth.
            let d0 = (edge.at(ta) - s).dot(nhat), d1 = (edge.at(tb) - s).dot(nhat)
            if d0 * d1 < 0 { return }  // the edge crosses the kerb line: it is on the carriageway
            let a0 = abs(d0), a1 = abs(d1)
            if a0 > depth && a1 > depth { return }
            if a0 > depth { lo = ta + (a0 - depth) / (a0 - a1) * (tb - ta) }
            if a1 > depth { hi = ta + (a0 - depth) / (a0 - a1) * (tb - ta) }
            if let out = edge.outward, -d0 - d1 == 0 || (-(d0 + d1) * nhat.dot(out)) <= 0 {
                hidden.append((edge.at(lo), edge.at(hi), key))
                return
            }
        case .fan(let v):
            foot = { _ in v }
            // |a(t) − v|² is a convex quadratic along the edge: keep where it is at most depth².
            let e = edge.b - edge.a, w = edge.a - v
            let qa = e.dot(e), qb = 2 * w.dot(e), qc = w.dot(w) - depth * depth
            let disc = qb * qb - 4 * qa * qc
            guard disc >= 0 else { return }
            let root = disc.squareRoot()
            lo = max(lo, (-qb - root) / (2 * qa))
            hi = min(hi, (-qb + root) / (2 * qa))
            if let out = edge.outward, (v - edge.at(0.5 * (lo + hi))).dot(out) <= 0 {
                if hi > lo { hidden.append((edge.at(lo), edge.at(hi), key)) }
                return
            }
        }
        guard hi - lo > 1e-12 else { return }
        func polygon(_ t0: Double, _ t1: Double) -> [Coordinate] {
            let p0 = edge.at(t0), p1 = edge.at(t1)
            switch kind {
            case .perpendicular: return [p0, p1, foot(t1), foot(t0), p0]
            case .fan(let v): return [p0, p1, v, p0]
            }
        }
        // Where along the edge a point of the piece is seen from: the inverse of the sweep.
        func parameter(of p: Coordinate) -> Double {
            switch kind {
            case .perpendicular:
                let sa = (edge.at(lo) - s).dot(uhat), sb = (edge.at(hi) - s).dot(uhat)
                return lo + ((p - s).dot(uhat) - sa) / (sb - sa) * (hi - lo)
            case .fan(let v):
                let w = p - v, e = edge.b - edge.a
                let den = e.cross(w)
                return abs(den) < 1e-15 ? lo : (v - edge.a).cross(w) / den
            }
        }
        let whole = polygon(lo, hi)
        guard abs(Ring.signedArea(whole)) > 1e-9 else { return }
        if case .perpendicular = kind {
            let sa = (edge.at(lo) - s).dot(uhat), sb = (edge.at(hi) - s).dot(uhat)
            guard abs(sb - sa) > 1e-9 else { return }
        }
        // The probe leaves the unit's own wall (which the piece always touches) but keeps its
        // sides exact: a neighbour reaching a hair across a sight line still blocks it.
        func offWall(_ p: Coordinate, _ towards: Coordinate) -> Coordinate {
            let d = (towards - p).norm
            return d > 4 * shrink ? p + (shrink / d) * (towards - p) : p
        }
        let p0 = edge.at(lo), p1 = edge.at(hi)
        let probe: [Coordinate]
        switch kind {
        case .perpendicular:
            probe = [offWall(p0, foot(lo)), offWall(p1, foot(hi)), foot(hi), foot(lo), offWall(p0, foot(lo))]
        case .fan(let v): probe = [offWall(p0, v), offWall(p1, v), v, offWall(p0, v)]
        }
        let free = try unblocked(whole, probe: probe, lo, hi, parameter, outsideBlocks: secondary)
        var at = lo
        for (t0, t1) in free {
            if t0 > at { hidden.append((edge.at(at), edge.at(t0), key)) }
            at = t1
            let ring = polygon(t0, t1)
            guard abs(Ring.signedArea(ring)) > 1e-9 else { continue }
            pieces.append(SightPiece(ring: ring, key: key, soft: group >= 0, group: group, claimants: claimants))
        }
        if hi > at { hidden.append((edge.at(at), edge.at(hi), key)) }
    }

    /// The parts of [lo, hi] whose sight lines meet no footprint: each footprint overlapping the
    /// piece blocks the range of parameters its overlap is seen from.
    /// With `outsideBlocks`, land off the block (carriageways) blocks too: only sight lines that
    /// are not the shortest can reach it.
    private func unblocked(
        _ ring: [Coordinate], probe probeRing: [Coordinate], _ lo: Double, _ hi: Double,
        _ parameter: (Coordinate) -> Double,
        outsideBlocks: Bool
    ) throws -> [(Double, Double)] {
        var env = Envelope.empty
        for p in ring { env.expand(toInclude: p) }
        let cands = obstacles.candidates(env)
        guard !cands.isEmpty || outsideBlocks else { return [(lo, hi)] }
        let probe = try ctx.geometry(.polygon(Polygon(exterior: probeRing)))
        var native: NativeGeometry?
        var overlaps: [NativeGeometry] = []
        for c in cands where try obstacles.prepared[c].intersects(probe) {
            if native == nil { native = try ctx.geometry(.polygon(Polygon(exterior: ring))) }
            overlaps.append(try native!.intersection(with: obstacles.natives[c], gridSize: grid))
        }
        if outsideBlocks, try !blockPrepared.covers(probe) {
            if native == nil { native = try ctx.geometry(.polygon(Polygon(exterior: ring))) }
            overlaps.append(try native!.difference(with: block, gridSize: grid))
        }
        var blocked: [(Double, Double)] = []
        for overlap in overlaps {
            for part in try overlap.polygonValues() {
                guard abs(Ring.signedArea(part.exterior)) > 1e-9 else { continue }
                var a = Double.infinity, b = -Double.infinity
                for p in part.exterior {
                    let t = parameter(p)
                    a = min(a, t)
                    b = max(b, t)
                }
                blocked.append((max(lo, a), min(hi, b)))
            }
        }
        guard !blocked.isEmpty else { return [(lo, hi)] }
        blocked.sort { $0.0 < $1.0 }
        var free: [(Double, Double)] = []
        var at = lo
        for (a, b) in blocked {
            if a > at { free.append((at, a)) }
            at = max(at, b)
        }
        if at < hi { free.append((at, hi)) }
        let edgeScale = max(hi - lo, 1e-12)
        return free.filter { ($0.1 - $0.0) / edgeScale > 1e-9 }
    }

    /// Where the nearest kerb point jumps from one segment to another (a street corner, seen from
    /// the unit's corner): the land between the two sight lines and the kerb path joining their
    /// feet, as soft pieces, one per street side along that path.
    private func corner(
        at p: Coordinate, from s0: Int, to s1: Int, outward: Coordinate?, group: Int?, claimants: [Int], secondary: Bool
    ) throws {
        let f0 = kerbs.foot(of: p, on: s0), f1 = kerbs.foot(of: p, on: s1)
        guard (f0.point - f1.point).norm > 1e-6 else { return }
        guard f0.distance > 1e-9, f1.distance > 1e-9, f0.distance <= depth + 1e-9, f1.distance <= depth + 1e-9 else {
            return
        }
        // A foot along the edge itself is facing: at a unit's corner one sight line runs along each wall.
        if let out = outward,
            (f0.point - p).dot(out) < -1e-6 * f0.distance || (f1.point - p).dot(out) < -1e-6 * f1.distance
        {
            return
        }
        guard let path = kerbs.path(from: f1, to: f0), path.length <= 3 * depth, path.points.count >= 2 else { return }
        let ring = [p] + path.points + [p]
        guard abs(Ring.signedArea(ring)) > 1e-9 else { return }
        let whole = try ctx.geometry(.polygon(Polygon(exterior: ring)))
        guard try whole.isValid else { return }
        let probe = try whole.buffer(by: -shrink, quadrantSegments: 1, join: .mitre)
        if !probe.isEmpty {
            for c in obstacles.candidates(whole.envelope) where try obstacles.prepared[c].intersects(probe) { return }
            if secondary, try !blockPrepared.covers(probe) { return }
        }
        let g = group ?? newGroup()
        // A fan from the corner point: consecutive kerb steps of one street side make one piece.
        var k = 0
        while k < path.segs.count {
            guard let key = kerbs.segKey[path.segs[k]] else {
                k += 1
                continue
            }
            var l = k
            while l + 1 < path.segs.count && kerbs.segKey[path.segs[l + 1]] == key { l += 1 }
            let fan = [p] + Array(path.points[k...(l + 1)]) + [p]
            if abs(Ring.signedArea(fan)) > 1e-9 {
                pieces.append(SightPiece(ring: fan, key: key, soft: true, group: g, claimants: claimants))
            }
            k = l + 1
        }
    }
}
