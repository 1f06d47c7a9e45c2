import GridplanGeometry

// Plane arithmetic on coordinates for the frontage walk: the hot loops measure millions of
// point-to-segment distances, which stay in Swift rather than in GEOS calls.

extension Coordinate {
    static func + (a: Coordinate, b: Coordinate) -> Coordinate { Coordinate(a.x + b.x, a.y + b.y) }
    static func - (a: Coordinate, b: Coordinate) -> Coordinate { Coordinate(a.x - b.x, a.y - b.y) }
    static func * (k: Double, a: Coordinate) -> Coordinate { Coordinate(k * a.x, k * a.y) }

    func dot(_ o: Coordinate) -> Double { x * o.x + y * o.y }
    func cross(_ o: Coordinate) -> Double { x * o.y - y * o.x }
    var norm: Double { (x * x + y * y).squareRoot() }
    /// This vector turned a quarter clockwise: the right-hand normal of a direction.
    var rightNormal: Coordinate { Coordinate(y, -x) }
}

enum Planar {
    /// The point of segment `a`–`b` nearest to `p`: its parameter along the segment (unclamped and
    /// clamped to [0, 1]), the point and the distance.
    struct SegmentFoot {
        var rawLambda: Double
        var lambda: Double
        var point: Coordinate
        var distance: Double
    }

    static func foot(of p: Coordinate, on a: Coordinate, _ b: Coordinate) -> SegmentFoot {
        let u = b - a
        let len2 = u.dot(u)
        let raw = len2 > 0 ? (p - a).dot(u) / len2 : 0
        let l = min(1, max(0, raw))
        let q = l == 0 ? a : l == 1 ? b : a + l * u
        return SegmentFoot(rawLambda: raw, lambda: l, point: q, distance: (p - q).norm)
    }

    /// Distance from `p` to the nearest edge of any of `rings`.
    static func distance(from p: Coordinate, toRings rings: [[Coordinate]]) -> Double {
        var best = Double.infinity
        for r in rings where r.count >= 2 {
            for i in 0..<(r.count - 1) { best = min(best, foot(of: p, on: r[i], r[i + 1]).distance) }
        }
        return best
    }

    /// Whether `p` lies inside a polygon given by its rings (even-odd rule; boundary undecided).
    static func isInside(_ p: Coordinate, rings: [[Coordinate]]) -> Bool {
        var inside = false
        for r in rings where r.count >= 4 {
            for i in 0..<(r.count - 1) {
                let a = r[i], b = r[i + 1]
                if (a.y > p.y) != (b.y > p.y) {
                    let x = a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x)
                    if x > p.x { inside.toggle() }
                }
            }
        }
        return inside
    }

    /// Points along a closed ring, at most `spacing` apart, plus a point close to each vertex on
    /// both sides (so that the Voronoi split near a corner follows the corner, not the spacing).
    static func densified(_ ring: [Coordinate], spacing: Double) -> [Coordinate] {
        var out: [Coordinate] = []
        for i in 0..<max(0, ring.count - 1) {
            let a = ring[i], b = ring[i + 1]
            let len = (b - a).norm
            guard len > 0 else { continue }
            let n = max(1, Int((len / spacing).rounded(.up)))
            out.append(a)
            let nearVertex = min(spacing / 10, len / 4) / len
            out.append(a + nearVertex * (b - a))
            for k in 1..<n { out.append(a + (Double(k) / Double(n)) * (b - a)) }
            out.append(a + (1 - nearVertex) * (b - a))
        }
        return out
    }
}

/// Nearest-site lookup over points in a uniform grid (for naming the site of each Voronoi cell).
struct SiteGrid {
    let cell: Double
    let sites: [Coordinate]
    private var buckets: [Int64: [Int]] = [:]

    init(sites: [Coordinate], cell: Double) {
        self.cell = cell
        self.sites = sites
        var b: [Int64: [Int]] = [:]
        for (i, s) in sites.enumerated() {
            b[Self.key(Int64((s.x / cell).rounded(.down)), Int64((s.y / cell).rounded(.down))), default: []].append(i)
        }
        buckets = b
    }

    private static func key(_ x: Int64, _ y: Int64) -> Int64 { (x << 32) ^ (y & 0xFFFF_FFFF) }

    /// The site inside a convex ring (a Voronoi cell holds exactly its own); the site nearest the
    /// ring's vertex mean when rounding puts none strictly inside.
    func site(inside ring: [Coordinate]) -> Int? {
        var e = Envelope.empty
        for v in ring { e.expand(toInclude: v) }
        let x0 = Int64((e.minX / cell).rounded(.down)), x1 = Int64((e.maxX / cell).rounded(.down))
        let y0 = Int64((e.minY / cell).rounded(.down)), y1 = Int64((e.maxY / cell).rounded(.down))
        var found: Int?
        for x in x0...x1 {
            for y in y0...y1 {
                for i in buckets[Self.key(x, y)] ?? []
                where e.contains(sites[i]) && Planar.isInside(sites[i], rings: [ring]) {
                    if found == nil || i < found! { found = i }
                }
            }
        }
        if let found { return found }
        var c = Coordinate(0, 0)
        for v in ring.dropLast() { c = c + v }
        return nearest(to: (1 / Double(max(1, ring.count - 1))) * c)
    }

    /// The index of the site nearest to `p` (ties: the lower index).
    func nearest(to p: Coordinate) -> Int? {
        guard !sites.isEmpty else { return nil }
        let cx = Int64((p.x / cell).rounded(.down)), cy = Int64((p.y / cell).rounded(.down))
        var best = -1
        var bestD = Double.infinity
        func visit(_ x: Int64, _ y: Int64) {
            for i in buckets[Self.key(x, y)] ?? [] {
                let d = (sites[i] - p).norm
                if d < bestD || (d == bestD && i < best) {
                    bestD = d
                    best = i
                }
            }
        }
        var r: Int64 = 0
        while r <= 1 << 20 {
            // The ring of cells at Chebyshev distance r around p's cell.
            if r == 0 {
                visit(cx, cy)
            } else {
                for x in (cx - r)...(cx + r) {
                    visit(x, cy - r)
                    visit(x, cy + r)
                }
                for y in (cy - r + 1)...(cy + r - 1) {
                    visit(cx - r, y)
                    visit(cx + r, y)
                }
            }
            // Every site within r cells has been seen; one nearer than r × cell cannot lie further out.
            if best >= 0 && bestD <= Double(r) * cell { return best }
            r += 1
        }
        return best >= 0 ? best : nil
    }
}
