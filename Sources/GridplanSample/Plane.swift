import GridplanGeometry

/// Small planar computations on metric coordinates, fast enough for millions of point tests
/// without a trip through GEOS.
enum Plane {
    /// Whether `p` is inside the closed ring (even-odd rule; points on the boundary may go
    /// either way, which the callers' margins make irrelevant).
    @inline(__always)
    static func contains(_ ring: [Coordinate], _ p: Coordinate) -> Bool {
        var inside = false
        var a = ring[ring.count - 1]
        for b in ring {
            if (a.y > p.y) != (b.y > p.y) {
                let x = a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x)
                if x > p.x { inside.toggle() }
            }
            a = b
        }
        return inside
    }

    /// Whether `p` is inside a polygon given as exterior ring plus holes.
    static func contains(rings: [[Coordinate]], _ p: Coordinate) -> Bool {
        var inside = false
        for r in rings where contains(r, p) { inside.toggle() }
        return inside
    }

    /// Distance from `p` to segment a–b.
    @inline(__always)
    static func distance(_ p: Coordinate, _ a: Coordinate, _ b: Coordinate) -> Double {
        let dx = b.x - a.x, dy = b.y - a.y
        let len2 = dx * dx + dy * dy
        var t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0
        t = min(1, max(0, t))
        let x = a.x + t * dx - p.x, y = a.y + t * dy - p.y
        return (x * x + y * y).squareRoot()
    }

    /// Whether `p` is at least `margin` from every segment of `line`.
    static func isClear(_ p: Coordinate, of line: [Coordinate], by margin: Double) -> Bool {
        guard line.count >= 2 else { return true }
        for k in 0..<(line.count - 1) where distance(p, line[k], line[k + 1]) < margin { return false }
        return true
    }

    /// The point `distance` metres along `line` (clamped to its ends), and the unit direction there.
    static func point(along line: [Coordinate], at distance: Double) -> (Coordinate, Coordinate) {
        var remaining = max(0, distance)
        for k in 0..<(line.count - 1) {
            let a = line[k], b = line[k + 1]
            let l = a.distance(to: b)
            if remaining <= l || k == line.count - 2 {
                let f = l > 0 ? min(1, remaining / l) : 0
                let d = l > 0 ? Coordinate((b.x - a.x) / l, (b.y - a.y) / l) : Coordinate(1, 0)
                return (Coordinate(a.x + f * (b.x - a.x), a.y + f * (b.y - a.y)), d)
            }
            remaining -= l
        }
        return (line[0], Coordinate(1, 0))
    }

    static func length(_ line: [Coordinate]) -> Double {
        var total = 0.0
        for k in 0..<max(0, line.count - 1) { total += line[k].distance(to: line[k + 1]) }
        return total
    }

    /// Area of a polygon given as rings (exterior first, then holes).
    static func area(rings: [[Coordinate]]) -> Double {
        guard let first = rings.first else { return 0 }
        return abs(Ring.signedArea(first)) - rings.dropFirst().reduce(0) { $0 + abs(Ring.signedArea($1)) }
    }

    /// Concatenates polylines that meet end to start, dropping the repeated joints.
    static func join(_ pieces: [[Coordinate]]) -> [Coordinate] {
        var out: [Coordinate] = []
        for p in pieces {
            if out.isEmpty { out = p } else { out.append(contentsOf: p.dropFirst()) }
        }
        return out
    }

    /// Whether segments a–b and c–d cross or touch.
    static func segmentsMeet(_ a: Coordinate, _ b: Coordinate, _ c: Coordinate, _ d: Coordinate) -> Bool {
        func orient(_ p: Coordinate, _ q: Coordinate, _ r: Coordinate) -> Double {
            (q.x - p.x) * (r.y - p.y) - (q.y - p.y) * (r.x - p.x)
        }
        let d1 = orient(c, d, a), d2 = orient(c, d, b), d3 = orient(a, b, c), d4 = orient(a, b, d)
        if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) { return true }
        return distance(a, c, d) == 0 || distance(b, c, d) == 0 || distance(c, a, b) == 0 || distance(d, a, b) == 0
    }

    /// Distance from a closed ring's area (0 inside it) to a polyline, or `limit` when both
    /// are further apart than that (a cheap envelope test skips far segments).
    static func distance(ring: [Coordinate], line: [Coordinate], limit: Double = .infinity) -> Double {
        var env = Envelope.empty
        for p in ring { env.expand(toInclude: p) }
        var best = limit
        for k in 0..<max(0, line.count - 1) {
            let a = line[k], b = line[k + 1]
            if min(a.x, b.x) > env.maxX + best || max(a.x, b.x) < env.minX - best || min(a.y, b.y) > env.maxY + best
                || max(a.y, b.y) < env.minY - best
            {
                continue
            }
            if contains(ring, a) { return 0 }
            for e in 0..<(ring.count - 1) {
                let p = ring[e], q = ring[e + 1]
                if segmentsMeet(p, q, a, b) { return 0 }
                best = min(best, distance(p, a, b), distance(a, p, q), distance(b, p, q))
            }
        }
        return best
    }

    /// Whether two convex closed rings are at least `gap` apart along some edge normal of
    /// either (the separating-axis test: for convex shapes an axis that separates them exists
    /// exactly when they do not meet, and the gap it shows is at most their distance).
    static func separated(_ a: [Coordinate], _ b: [Coordinate], by gap: Double) -> Bool {
        for ring in [a, b] {
            for e in 0..<(ring.count - 1) {
                let p = ring[e], q = ring[e + 1]
                let l = p.distance(to: q)
                guard l > 0 else { continue }
                let nx = -(q.y - p.y) / l, ny = (q.x - p.x) / l
                var aMin = Double.infinity, aMax = -Double.infinity, bMin = Double.infinity, bMax = -Double.infinity
                for c in a {
                    let t = c.x * nx + c.y * ny
                    aMin = min(aMin, t)
                    aMax = max(aMax, t)
                }
                for c in b {
                    let t = c.x * nx + c.y * ny
                    bMin = min(bMin, t)
                    bMax = max(bMax, t)
                }
                if bMin - aMax >= gap || aMin - bMax >= gap { return true }
            }
        }
        return false
    }
}
