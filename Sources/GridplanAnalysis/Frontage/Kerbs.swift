import GridplanGeometry

/// One side of one street: what a kerb segment, a zone and an uncovered stretch are attributed to.
struct KerbKey: Hashable, Comparable, Sendable {
    var street: Int
    var side: StreetSide

    static func < (a: KerbKey, b: KerbKey) -> Bool { a.street != b.street ? a.street < b.street : a.side < b.side }
}

/// The street centrelines in plain Swift, shared read-only by every worker: which street and side
/// a kerb segment belongs to is decided by distances to them.
struct StreetModel: Sendable {
    struct Street: Sendable {
        var index: Int
        var parts: [[Coordinate]]
        var halfWidth: Double
        /// Per part: whether its first and last points are dead ends (no other street there).
        var freeStart: [Bool]
        var freeEnd: [Bool]
    }

    struct SegmentRef: Sendable {
        var street: Int
        var part: Int
        var seg: Int
    }

    var streets: [Street]
    var segments: [SegmentRef]
    var buckets: EnvelopeBuckets
    var maxHalfWidth: Double

    /// Two ends closer than this are joined.
    static let joinTolerance = 0.01

    init(streets input: [Street]) {
        var refs: [SegmentRef] = []
        var envelopes: [Envelope] = []
        var streets = input
        for (si, s) in input.enumerated() {
            for (pi, part) in s.parts.enumerated() {
                for k in 0..<(part.count - 1) {
                    refs.append(SegmentRef(street: si, part: pi, seg: k))
                    var e = Envelope.empty
                    e.expand(toInclude: part[k])
                    e.expand(toInclude: part[k + 1])
                    envelopes.append(e)
                }
            }
        }
        let meanLength = envelopes.reduce(0.0) { $0 + max($1.width, $1.height) } / Double(max(1, envelopes.count))
        let buckets = EnvelopeBuckets(envelopes: envelopes, cell: max(meanLength * 2, 20))
        func isJoined(_ p: Coordinate, street si: Int, part pi: Int, ownSeg: Int) -> Bool {
            let t = Self.joinTolerance
            for c in buckets.candidates(Envelope(minX: p.x - t, minY: p.y - t, maxX: p.x + t, maxY: p.y + t)) {
                let r = refs[c]
                if r.street == si && r.part == pi && r.seg == ownSeg { continue }
                let part = input[r.street].parts[r.part]
                if Planar.foot(of: p, on: part[r.seg], part[r.seg + 1]).distance <= t { return true }
            }
            return false
        }
        for (si, s) in input.enumerated() {
            streets[si].freeStart = s.parts.enumerated().map { pi, part in
                !isJoined(part[0], street: si, part: pi, ownSeg: 0)
            }
            streets[si].freeEnd = s.parts.enumerated().map { pi, part in
                !isJoined(part[part.count - 1], street: si, part: pi, ownSeg: part.count - 2)
            }
        }
        self.streets = streets
        self.segments = refs
        self.buckets = buckets
        self.maxHalfWidth = input.map(\.halfWidth).max() ?? 0
    }

    /// The street side a kerb segment from `a` to `b` lies on: the street whose carriageway edge
    /// passes closest to its midpoint (ties: the lower index); nil when no street is near.
    func key(ofKerbFrom a: Coordinate, to b: Coordinate) -> KerbKey? {
        let m = 0.5 * (a + b)
        let r = maxHalfWidth + 1
        var best: (score: Double, street: Int, side: StreetSide)?
        var nearestPerStreet: [Int: (d: Double, ref: SegmentRef, foot: Planar.SegmentFoot)] = [:]
        for c in buckets.candidates(Envelope(minX: m.x - r, minY: m.y - r, maxX: m.x + r, maxY: m.y + r)) {
            let ref = segments[c]
            let part = streets[ref.street].parts[ref.part]
            let f = Planar.foot(of: m, on: part[ref.seg], part[ref.seg + 1])
            if let old = nearestPerStreet[ref.street], old.d <= f.distance { continue }
            nearestPerStreet[ref.street] = (f.distance, ref, f)
        }
        for si in nearestPerStreet.keys.sorted() {
            let (d, ref, f) = nearestPerStreet[si]!
            let s = streets[si]
            let part = s.parts[ref.part]
            let a0 = part[ref.seg], a1 = part[ref.seg + 1]
            let dir = a1 - a0
            let dirLength = dir.norm
            guard dirLength > 0 else { continue }
            let offset = m - f.point
            let atStart = ref.seg == 0 && f.rawLambda <= 0 && s.freeStart[ref.part]
            let atEnd = ref.seg == part.count - 2 && f.rawLambda >= 1 && s.freeEnd[ref.part]
            let score: Double
            let side: StreetSide
            if (atStart || atEnd) && abs(offset.dot(dir) / dirLength) <= 1e-3 && d <= s.halfWidth + 1e-3 {
                // Across a flat dead end.
                score = 0
                side = .end
            } else {
                score = abs(d - s.halfWidth)
                side = dir.cross(offset) > 0 ? .left : .right
            }
            if best == nil || score < best!.score { best = (score, si, side) }
        }
        return best.map { KerbKey(street: streets[$0.street].index, side: $0.side) }
    }
}

/// The kerbs around one block of open land: its rings (less the frame around the whole area),
/// cut into segments that each know their street side, with a bucket index for nearest-point search.
struct Kerbs {
    /// A point of a kerb: the segment it lies on and its parameter there.
    struct Foot {
        var seg: Int
        var lambda: Double
        var point: Coordinate
        var distance: Double
    }

    var rings: [[Coordinate]]
    var ringBase: [Int]
    var cumulative: [[Double]]
    var segRing: [Int] = []
    var segPos: [Int] = []
    /// nil for segments on the frame (not a kerb).
    var segKey: [KerbKey?] = []
    var segEnvelope: [Envelope] = []
    var buckets: EnvelopeBuckets

    init(block: Polygon, frame: Envelope, streets: StreetModel, cell: Double) {
        rings = block.rings.filter { $0.count >= 4 }
        ringBase = []
        cumulative = []
        func onFrame(_ p: Coordinate) -> (Bool, Bool, Bool, Bool) {
            let t = 1e-6
            return (
                abs(p.x - frame.minX) < t, abs(p.x - frame.maxX) < t, abs(p.y - frame.minY) < t,
                abs(p.y - frame.maxY) < t
            )
        }
        for (r, ring) in rings.enumerated() {
            ringBase.append(segRing.count)
            var cum: [Double] = [0]
            for i in 0..<(ring.count - 1) {
                let a = ring[i], b = ring[i + 1]
                cum.append(cum[i] + (b - a).norm)
                segRing.append(r)
                segPos.append(i)
                let fa = onFrame(a), fb = onFrame(b)
                let frameEdge = (fa.0 && fb.0) || (fa.1 && fb.1) || (fa.2 && fb.2) || (fa.3 && fb.3)
                segKey.append(frameEdge ? nil : streets.key(ofKerbFrom: a, to: b))
                var e = Envelope.empty
                e.expand(toInclude: a)
                e.expand(toInclude: b)
                segEnvelope.append(e)
            }
            cumulative.append(cum)
        }
        let keys = segKey, envelopes = segEnvelope
        buckets = EnvelopeBuckets(envelopes: keys.indices.map { keys[$0] == nil ? .empty : envelopes[$0] }, cell: cell)
    }

    var segmentCount: Int { segRing.count }
    func start(_ s: Int) -> Coordinate { rings[segRing[s]][segPos[s]] }
    func end(_ s: Int) -> Coordinate { rings[segRing[s]][segPos[s] + 1] }

    /// The segment of the same ring that meets `s` at its end (or start); nil on the frame.
    func neighbour(of s: Int, atEnd: Bool) -> Int? {
        let r = segRing[s]
        let n = rings[r].count - 1
        let pos = (segPos[s] + (atEnd ? 1 : n - 1)) % n
        let t = ringBase[r] + pos
        return segKey[t] == nil ? nil : t
    }

    func foot(of p: Coordinate, on s: Int) -> Foot {
        let f = Planar.foot(of: p, on: start(s), end(s))
        return Foot(seg: s, lambda: f.lambda, point: f.point, distance: f.distance)
    }

    /// Kerb segments whose envelopes meet `e`, ascending.
    func candidates(_ e: Envelope) -> [Int] {
        buckets.candidates(e).filter { segKey[$0] != nil && segEnvelope[$0].intersects(e) }
    }

    /// The kerb path from `from` to `to` along their ring, the shorter way round: its points (both
    /// feet included, repeated points dropped), the segment under each step, and its length.
    /// nil when the feet lie on different rings.
    func path(from f1: Foot, to f0: Foot) -> (points: [Coordinate], segs: [Int], length: Double)? {
        let r = segRing[f1.seg]
        guard segRing[f0.seg] == r else { return nil }
        let cum = cumulative[r]
        let n = rings[r].count - 1
        let total = cum[n]
        guard total > 0 else { return nil }
        let i1 = segPos[f1.seg], i0 = segPos[f0.seg]
        let p1 = cum[i1] + f1.lambda * (cum[i1 + 1] - cum[i1])
        let p0 = cum[i0] + f0.lambda * (cum[i0 + 1] - cum[i0])
        var forward = (p0 - p1).truncatingRemainder(dividingBy: total)
        if forward < 0 { forward += total }
        let backward = total - forward
        var points = [f1.point]
        var segs: [Int] = []
        func add(_ p: Coordinate, _ seg: Int) {
            if (p - points[points.count - 1]).norm <= 1e-9 { return }
            points.append(p)
            segs.append(seg)
        }
        let base = ringBase[r]
        if forward <= backward {
            var pos = i1
            if i1 == i0 && f0.lambda >= f1.lambda {
                add(f0.point, f1.seg)
            } else {
                for _ in 0...n {
                    add(rings[r][pos + 1], base + pos)
                    pos = (pos + 1) % n
                    if pos == i0 {
                        add(f0.point, base + i0)
                        break
                    }
                }
            }
        } else {
            var pos = i1
            if i1 == i0 && f0.lambda <= f1.lambda {
                add(f0.point, f1.seg)
            } else {
                for _ in 0...n {
                    add(rings[r][pos], base + pos)
                    pos = (pos - 1 + n) % n
                    if pos == i0 {
                        add(f0.point, base + i0)
                        break
                    }
                }
            }
        }
        return (points, segs, min(forward, backward))
    }

    /// The kerb lines of each street side, as merged line strings.
    func lines() -> [KerbKey: [[Coordinate]]] {
        var out: [KerbKey: [[Coordinate]]] = [:]
        for s in 0..<segmentCount {
            guard let k = segKey[s] else { continue }
            let a = start(s), b = end(s)
            if var lines = out[k], let last = lines.last?.last, last == a {
                lines[lines.count - 1].append(b)
                out[k] = lines
            } else {
                out[k, default: []].append([a, b])
            }
        }
        return out
    }
}
