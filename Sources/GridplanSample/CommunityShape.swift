import Foundation
import GridplanGeometry

/// A community's outline, kept as the four side polylines of its lattice cell so defects can
/// edit one border at a time.
///
/// The *intended* shape is the legal boundary: lattice cells sharing identical borders, plus the
/// legal oddities (a tongue, an exclave, an enclave cut out as a hole). The *written* shape is what
/// `communities.geojson` holds: the intended shape with the digitising defects applied.
struct CommunityShape {
    /// The lattice cell, or nil for an enclave community.
    var cell: Int?
    /// Intended sides: bottom, right, top, left, counter-clockwise; each ends where the next begins.
    var sides: [[Coordinate]]
    /// The sides as written, when a digitising defect changed them.
    var writtenSides: [[Coordinate]]?
    /// The ring of an enclave community (which has no cell).
    var ring: [Coordinate]?
    var holes: [[Coordinate]] = []
    /// Exterior rings of detached parts (exclaves).
    var extraParts: [[Coordinate]] = []
    /// Places where this community's buildings must not go: land it does not hold as written,
    /// or holds only in dispute.
    var avoid: [[Coordinate]] = []
    /// Whether a legal change (a tongue) altered the lattice sides.
    var reshaped = false

    init(cell: Int?, sides: [[Coordinate]], ring: [Coordinate]? = nil) {
        self.cell = cell
        self.sides = sides
        self.ring = ring
    }

    static func ring(from sides: [[Coordinate]]) -> [Coordinate] {
        var r = sides[0]
        for s in sides.dropFirst() { r.append(contentsOf: s.dropFirst()) }
        return r
    }

    var intendedRing: [Coordinate] { ring ?? Self.ring(from: sides) }
    var writtenRing: [Coordinate] { ring ?? Self.ring(from: writtenSides ?? sides) }

    /// The outline as a geometry: a polygon, or a multipolygon when there are exclaves.
    func geometry(written: Bool) -> Geometry {
        let main = Polygon(rings: [written ? writtenRing : intendedRing] + holes)
        if extraParts.isEmpty { return .polygon(main) }
        return .multiPolygon([main] + extraParts.map { Polygon(rings: [$0]) })
    }

    /// Whether the community is a plain lattice cell, so its old grids can follow the lattice.
    var isPlainCell: Bool { cell != nil && holes.isEmpty && !reshaped }
}

/// Edits of one side polyline, each returning the new side and the exact piece of land it moves.
/// A side runs along a counter-clockwise ring, so "outward" is to its right.
enum SideEdit {
    /// The unit normal to the right of a → b.
    static func rightNormal(_ a: Coordinate, _ b: Coordinate) -> Coordinate {
        let dx = b.x - a.x, dy = b.y - a.y
        let l = (dx * dx + dy * dy).squareRoot()
        return Coordinate(dy / l, -dx / l)
    }

    /// The stretch of a side that defects may touch: clear of the corners.
    static func stretch(of side: [Coordinate]) -> (Int, Int) {
        let segments = side.count - 1
        let i0 = max(1, Int((Double(segments) * 0.22).rounded()))
        let i1 = min(segments - 1, Int((Double(segments) * 0.78).rounded()))
        return (i0, max(i0 + 1, i1))
    }

    /// The segment nearest the middle third's longest: where tongues and bow-ties go.
    static func middleSegment(of side: [Coordinate]) -> Int {
        let segments = side.count - 1
        let lo = segments / 3, hi = max(lo, segments - 1 - segments / 3)
        var best = lo
        for k in lo...hi where side[k].distance(to: side[k + 1]) > side[best].distance(to: side[best + 1]) { best = k }
        return best
    }

    /// Smooth 0 → 1 → 0 profile along a stretch, flat in the middle.
    static func bump(_ tau: Double) -> Double {
        let ramp = 0.15
        let x = tau < ramp ? tau / ramp : (tau > 1 - ramp ? (1 - tau) / ramp : 1)
        return x * x * (3 - 2 * x)
    }

    /// Pushes the stretch between vertices `i0` and `i1` outward (or inward) by up to `width`
    /// metres. Returns the new side and the ring of the land between old and new line.
    static func displaced(_ side: [Coordinate], from i0: Int, to i1: Int, width: Double, outward: Bool) -> (
        side: [Coordinate], region: [Coordinate]
    ) {
        var n = rightNormal(side[i0], side[i1])
        if !outward { n = Coordinate(-n.x, -n.y) }
        var cumulative = [0.0]
        for k in i0..<i1 { cumulative.append(cumulative.last! + side[k].distance(to: side[k + 1])) }
        let total = cumulative.last!
        let step = max(total / 40, min(8, total / 12))
        var moved: [Coordinate] = []
        for k in i0..<i1 {
            let a = side[k], b = side[k + 1]
            let s0 = cumulative[k - i0], s1 = cumulative[k - i0 + 1]
            if k > i0 {
                let h = width * bump(s0 / total)
                moved.append(Coordinate(a.x + h * n.x, a.y + h * n.y))
            }
            // Extra points keep the ramps smooth on long straight segments; samples between
            // vertices of the same segment never cut a corner, so old and new lines cannot cross.
            var s = (s0 / step).rounded(.down) * step + step
            while s < s1 - step * 0.25 {
                if s > s0 + step * 0.25 {
                    let f = (s - s0) / (s1 - s0)
                    let h = width * bump(s / total)
                    moved.append(Coordinate(a.x + f * (b.x - a.x) + h * n.x, a.y + f * (b.y - a.y) + h * n.y))
                }
                s += step
            }
        }
        let newSide = Array(side[...i0]) + moved + Array(side[i1...])
        let region = Array(side[i0...i1]) + moved.reversed() + [side[i0]]
        return (newSide, region)
    }

    /// A second digitisation of the side: every interior vertex moved by 0.15-0.6 m, and extra
    /// vertices of its own, so no vertex matches the neighbour's copy. Corners are kept.
    static func noisy(_ side: [Coordinate], rng: inout SplitMix64) -> [Coordinate] {
        let n = rightNormal(side[0], side[side.count - 1])
        var out = [side[0]]
        var flip = rng.chance(0.5) ? 1.0 : -1.0
        func offset() -> Double {
            flip = rng.chance(0.8) ? -flip : flip
            return flip * rng.uniform(0.15, 0.6)
        }
        for k in 0..<(side.count - 1) {
            let a = side[k], b = side[k + 1]
            if k > 0 {
                let h = offset()
                out.append(Coordinate(a.x + h * n.x, a.y + h * n.y))
            }
            let extra = 1 + rng.int(below: 2)
            for m in 1...extra {
                let f = (Double(m) + rng.uniform(-0.25, 0.25)) / Double(extra + 1)
                let h = offset()
                out.append(Coordinate(a.x + f * (b.x - a.x) + h * n.x, a.y + f * (b.y - a.y) + h * n.y))
            }
        }
        out.append(side[side.count - 1])
        return out
    }

    /// A mushroom-shaped tongue rising from the middle segment of the side: a neck about 7 m
    /// wide, then a bulb `2 × halfWidth` wide reaching `reach` metres across.
    static func tongue(_ side: [Coordinate], reach: Double, halfWidth bw: Double, rng: inout SplitMix64) -> (
        side: [Coordinate], region: [Coordinate]
    ) {
        let k = middleSegment(of: side)
        let p = side[k], q = side[k + 1]
        let length = p.distance(to: q)
        let d = Coordinate((q.x - p.x) / length, (q.y - p.y) / length)
        let n = rightNormal(p, q)
        // A neck narrower than check's default --neck-width (10 m), as interlocking land is.
        let w = min(3.5, 0.2 * length)
        let xc = length / 2 + rng.uniform(-0.08, 0.08) * length
        let r = reach
        var outline: [(Double, Double)] = [
            (xc - w, 0), (xc - w, 0.3 * r), (xc - bw, 0.45 * r), (xc - 1.1 * bw, 0.75 * r), (xc - 0.6 * bw, r),
            (xc + 0.3 * bw, 0.97 * r), (xc + bw, 0.8 * r), (xc + 0.9 * bw, 0.5 * r), (xc + w, 0.32 * r), (xc + w, 0),
        ]
        for m in 2...7 {
            outline[m].0 += rng.uniform(-0.08, 0.08) * bw
            outline[m].1 += rng.uniform(-0.04, 0.04) * r
        }
        let pts = outline.map { Coordinate(p.x + $0.0 * d.x + $0.1 * n.x, p.y + $0.0 * d.y + $0.1 * n.y) }
        return (Array(side[...k]) + pts + Array(side[(k + 1)...]), pts + [pts[0]])
    }

    /// A twist in the middle segment: the ring runs out, back across itself and on, leaving two
    /// triangular lobes outside the side that touch at the crossing (a bow-tie).
    static func bowTie(_ side: [Coordinate]) -> (side: [Coordinate], lobes: [[Coordinate]], crossing: Coordinate) {
        let k = middleSegment(of: side)
        let p = side[k], q = side[k + 1]
        let length = p.distance(to: q)
        let d = Coordinate((q.x - p.x) / length, (q.y - p.y) / length)
        let n = rightNormal(p, q)
        let h = min(5, 0.1 * length)
        func at(_ x: Double, _ y: Double) -> Coordinate { Coordinate(p.x + x * d.x + y * n.x, p.y + x * d.y + y * n.y) }
        let b = at(0.75 * length, h), c = at(0.25 * length, h)
        let x = at(0.5 * length, 2 * h / 3)
        let newSide = Array(side[...k]) + [b, c] + Array(side[(k + 1)...])
        return (newSide, [[p, q, x, p], [x, b, c, x]], x)
    }

    /// The middle vertex of the side written three times in a row.
    static func repeatedPoint(_ side: [Coordinate]) -> (side: [Coordinate], point: Coordinate) {
        let k = side.count / 2
        var s = side
        s.insert(contentsOf: [side[k], side[k]], at: k)
        return (s, side[k])
    }

    /// An irregular closed counter-clockwise ring around `center`.
    static func blob(center: Coordinate, radius: Double, vertices: Int, rng: inout SplitMix64) -> [Coordinate] {
        var ring: [Coordinate] = []
        for k in 0..<vertices {
            let angle = 2 * Double.pi * (Double(k) + rng.uniform(-0.2, 0.2)) / Double(vertices)
            let r = radius * rng.uniform(0.8, 1.15)
            ring.append(Coordinate(center.x + r * cos(angle), center.y + r * sin(angle)))
        }
        ring.append(ring[0])
        return ring
    }

    /// Unsigned shoelace area of a closed ring.
    static func area(_ ring: [Coordinate]) -> Double { abs(Ring.signedArea(ring)) }
}
