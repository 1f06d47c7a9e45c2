/// Where a point lies relative to an area: inside it, on its boundary or outside.
public enum AreaLocation: Sendable, Equatable {
    case interior, boundary, exterior
}

/// One polygonal area's rings, laid out for exact point location on coordinates: no GEOS point is
/// made per point.
///
/// The test is GEOS 3.11's own, in plain Swift: `RayCrossingCounter` (the point is on the
/// boundary when it equals a vertex, lies on a horizontal segment or is collinear with a segment
/// its ray crosses; inside when the ray crosses an odd number of segments over all rings) with
/// `CGAlgorithmsDD::orientationIndex` (Shewchuk's filter, then double-double arithmetic), so
/// ``location(of:)`` answers what `GEOSPreparedCovers_r` does. The segments are kept in horizontal
/// bands, so a point only meets the segments its ray can cross.
///
/// ```swift
/// let square = RingArea([Polygon(exterior: [.init(0, 0), .init(10, 0), .init(10, 10), .init(0, 10), .init(0, 0)])])
/// square.location(of: Coordinate(10, 5))  // .boundary
/// square.covers(Coordinate(5, 5))         // true
/// ```
public struct RingArea: Sendable {
    /// The bounding box of every ring (empty for an empty area).
    public let envelope: Envelope
    /// Vertices of every ring, rings one after another (each closed, as GEOS keeps them).
    private let xs: [Double]
    private let ys: [Double]
    /// Where each ring starts in `xs`/`ys`, with the end as a last entry.
    private let ringStarts: [Int]
    private let ringEnvelopes: [Envelope]
    /// Segments by band: band `b` holds `bandSegments[bandStarts[b]..<bandStarts[b + 1]]`, each
    /// the index of a segment's first vertex.
    private let bandStarts: [Int32]
    private let bandSegments: [Int32]
    private let bandCount: Int
    private let bandHeight: Double

    /// - Parameter polygons: the area's polygons (a polygon's first ring is its shell), valid as
    ///   GEOS's make-valid leaves them.
    public init(_ polygons: [Polygon]) {
        var xs: [Double] = []
        var ys: [Double] = []
        var starts: [Int] = []
        var ringEnvelopes: [Envelope] = []
        var envelope = Envelope.empty
        for p in polygons {
            for ring in p.rings where !ring.isEmpty {
                starts.append(xs.count)
                var e = Envelope.empty
                for c in ring {
                    xs.append(c.x)
                    ys.append(c.y)
                    e.expand(toInclude: c)
                }
                ringEnvelopes.append(e)
                envelope.expand(toInclude: e)
            }
        }
        starts.append(xs.count)
        self.xs = xs
        self.ys = ys
        self.ringStarts = starts
        self.ringEnvelopes = ringEnvelopes
        self.envelope = envelope
        let segmentCount = max(0, xs.count - (starts.count - 1))
        let bands = envelope.isEmpty || envelope.height == 0 ? 1 : max(1, min(1024, segmentCount / 4))
        bandCount = bands
        bandHeight = bands == 1 ? 1 : envelope.height / Double(bands)
        var counts = [Int32](repeating: 0, count: bands + 1)
        var spans: [(first: Int, last: Int)] = []
        spans.reserveCapacity(segmentCount)
        let minY = envelope.minY
        func band(_ y: Double, _ bands: Int, _ height: Double) -> Int {
            Self.band(y, minY: minY, height: height, count: bands)
        }
        for r in 0..<(starts.count - 1) where starts[r + 1] - starts[r] >= 2 {
            for s in starts[r]..<(starts[r + 1] - 1) {
                let lo = Swift.min(ys[s], ys[s + 1])
                let hi = Swift.max(ys[s], ys[s + 1])
                let span = (band(lo, bands, bandHeight), band(hi, bands, bandHeight))
                spans.append(span)
                for b in span.0...span.1 { counts[b + 1] += 1 }
            }
        }
        for b in 0..<bands { counts[b + 1] += counts[b] }
        var fill = counts
        var segments = [Int32](repeating: 0, count: Int(counts[bands]))
        var k = 0
        for r in 0..<(starts.count - 1) where starts[r + 1] - starts[r] >= 2 {
            for s in starts[r]..<(starts[r + 1] - 1) {
                let span = spans[k]
                k += 1
                for b in span.first...span.last {
                    segments[Int(fill[b])] = Int32(s)
                    fill[b] += 1
                }
            }
        }
        bandStarts = counts
        bandSegments = segments
    }

    /// The area of a geometry value: its polygons (a collection's polygonal members; other types give an empty area).
    public init(_ geometry: Geometry) {
        switch geometry {
        case .polygon(let p): self.init([p])
        case .multiPolygon(let ps): self.init(ps)
        case .geometryCollection(let gs):
            self.init(
                gs.flatMap { g -> [Polygon] in
                    switch g {
                    case .polygon(let p): return [p]
                    case .multiPolygon(let ps): return ps
                    default: return []
                    }
                })
        default: self.init([Polygon]())
        }
    }

    /// Whether the area has no rings.
    public var isEmpty: Bool { envelope.isEmpty }

    private func band(of y: Double) -> Int {
        Self.band(y, minY: envelope.minY, height: bandHeight, count: bandCount)
    }

    /// The band holding `y`, clamped to the bands there are. Monotonic in `y`, so a segment
    /// listed in the bands of its lowest and highest y is in the band of every y between.
    @inline(__always)
    private static func band(_ y: Double, minY: Double, height: Double, count: Int) -> Int {
        if count == 1 { return 0 }
        let b = ((y - minY) / height).rounded(.down)
        if !(b > 0) { return 0 }
        return b >= Double(count - 1) ? count - 1 : Int(b)
    }

    /// Where `c` lies: GEOS's `IndexedPointInAreaLocator` answer (a ray crossing count over every
    /// ring, so an area's holes and its several polygons count as in GEOS).
    public func location(of c: Coordinate) -> AreaLocation {
        guard envelope.contains(c) else { return .exterior }
        let b = band(of: c.y)
        var crossings = 0
        var onSegment = false
        xs.withUnsafeBufferPointer { xs in
            ys.withUnsafeBufferPointer { ys in
                for k in Int(bandStarts[b])..<Int(bandStarts[b + 1]) {
                    let s = Int(bandSegments[k])
                    switch RayCrossing.count(
                        x1: xs[s], y1: ys[s], x2: xs[s + 1], y2: ys[s + 1], px: c.x, py: c.y)
                    {
                    case .none: break
                    case .crossing: crossings += 1
                    case .onSegment: onSegment = true
                    }
                    if onSegment { return }
                }
            }
        }
        if onSegment { return .boundary }
        return crossings % 2 == 1 ? .interior : .exterior
    }

    /// Whether `c` lies inside the area or on its boundary (GEOS's prepared `covers` for a point).
    public func covers(_ c: Coordinate) -> Bool { location(of: c) != .exterior }

    /// Whether `c` lies within `distance` of the area (`GEOSPreparedDistanceWithin_r` for a point):
    /// inside it, or within `distance` of a segment by GEOS's `Distance::pointToSegment`.
    /// Only segments whose band lies within the distance (with a margin far wider than rounding)
    /// are measured.
    public func isWithinDistance(_ distance: Double, of c: Coordinate) -> Bool {
        guard !isEmpty else { return false }
        let pointEnvelope = Envelope(minX: c.x, minY: c.y, maxX: c.x, maxY: c.y)
        guard Self.distance(envelope, pointEnvelope) <= distance else { return false }
        if location(of: c) != .exterior { return 0 <= distance }
        return isNearBoundary(c, within: distance)
    }

    /// Whether a segment lies within `distance` of `c`, for a point already known to be outside.
    func isNearBoundary(_ c: Coordinate, within distance: Double) -> Bool {
        let reach = distance + Swift.max(distance, 1e-6 * Swift.max(1, abs(c.x), abs(c.y)))
        let first = band(of: c.y - reach)
        let last = band(of: c.y + reach)
        for b in first...last {
            for k in Int(bandStarts[b])..<Int(bandStarts[b + 1]) {
                let s = Int(bandSegments[k])
                if Self.pointToSegment(c, Coordinate(xs[s], ys[s]), Coordinate(xs[s + 1], ys[s + 1])) <= distance {
                    return true
                }
            }
        }
        return false
    }

    /// GEOS's `Envelope::distance`, in its own order of operations.
    static func distance(_ a: Envelope, _ b: Envelope) -> Double {
        let dx = Swift.max(
            0.0, Swift.max(a.maxX, b.maxX) - Swift.min(a.minX, b.minX) - (a.maxX - a.minX) - (b.maxX - b.minX))
        let dy = Swift.max(
            0.0, Swift.max(a.maxY, b.maxY) - Swift.min(a.minY, b.minY) - (a.maxY - a.minY) - (b.maxY - b.minY))
        return (dx * dx + dy * dy).squareRoot()
    }

    /// GEOS 3.11's `Distance::pointToSegment`, in its own order of operations.
    static func pointToSegment(_ p: Coordinate, _ a: Coordinate, _ b: Coordinate) -> Double {
        func pointDistance(_ q: Coordinate) -> Double {
            let dx = p.x - q.x
            let dy = p.y - q.y
            return (dx * dx + dy * dy).squareRoot()
        }
        if a == b { return pointDistance(a) }
        let len2 = (b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)
        let r = ((p.x - a.x) * (b.x - a.x) + (p.y - a.y) * (b.y - a.y)) / len2
        if r <= 0 { return pointDistance(a) }
        if r >= 1 { return pointDistance(b) }
        let s = ((a.y - p.y) * (b.x - a.x) - (a.x - p.x) * (b.y - a.y)) / len2
        return abs(s) * len2.squareRoot()
    }
}

/// GEOS 3.11's `RayCrossingCounter::countSegment` and the orientation test it uses.
enum RayCrossing {
    enum Outcome { case none, crossing, onSegment }

    /// What segment (x1, y1)–(x2, y2) does to the ray from (px, py) in the +x direction.
    @inline(__always)
    static func count(x1: Double, y1: Double, x2: Double, y2: Double, px: Double, py: Double) -> Outcome {
        if x1 < px && x2 < px { return .none }
        if px == x2 && py == y2 { return .onSegment }
        if y1 == py && y2 == py {
            let minX = Swift.min(x1, x2)
            let maxX = Swift.max(x1, x2)
            return px >= minX && px <= maxX ? .onSegment : .none
        }
        // An upward edge includes its start and excludes its end; a downward edge the reverse.
        guard (y1 > py && y2 <= py) || (y2 > py && y1 <= py) else { return .none }
        var sign = orientationIndex(x1, y1, x2, y2, px, py)
        if sign == 0 { return .onSegment }
        if y2 < y1 { sign = -sign }
        return sign > 0 ? .crossing : .none
    }

    /// `CGAlgorithmsDD::orientationIndex`: 1 when q is left of p1→p2, -1 right, 0 on the line.
    static func orientationIndex(
        _ p1x: Double, _ p1y: Double, _ p2x: Double, _ p2y: Double, _ qx: Double, _ qy: Double
    ) -> Int {
        if let index = orientationIndexFilter(p1x, p1y, p2x, p2y, qx, qy) { return index }
        let dx1 = DoubleDouble(p2x) + DoubleDouble(-p1x)
        let dy1 = DoubleDouble(p2y) + DoubleDouble(-p1y)
        let dx2 = DoubleDouble(qx) + DoubleDouble(-p2x)
        let dy2 = DoubleDouble(qy) + DoubleDouble(-p2y)
        let d = dx1 * dy2 - dy1 * dx2
        return d.sign
    }

    /// Shewchuk's fast filter as GEOS writes it; nil when the sign is not certain.
    @inline(__always)
    static func orientationIndexFilter(
        _ pax: Double, _ pay: Double, _ pbx: Double, _ pby: Double, _ pcx: Double, _ pcy: Double
    ) -> Int? {
        let detLeft = (pax - pcx) * (pby - pcy)
        let detRight = (pay - pcy) * (pbx - pcx)
        let det = detLeft - detRight
        let detSum: Double
        if detLeft > 0 {
            if detRight <= 0 { return orientation(det) }
            detSum = detLeft + detRight
        } else if detLeft < 0 {
            if detRight >= 0 { return orientation(det) }
            detSum = -detLeft - detRight
        } else {
            return orientation(det)
        }
        let errorBound = 1e-15 * detSum
        if det >= errorBound || -det >= errorBound { return orientation(det) }
        return nil
    }

    @inline(__always)
    static func orientation(_ x: Double) -> Int { x < 0 ? -1 : x > 0 ? 1 : 0 }
}

/// GEOS's `math::DD` (double-double) for the three operations the orientation test needs, in
/// GEOS's order of operations so the same inputs give the same sign.
struct DoubleDouble {
    var hi: Double
    var lo: Double

    init(_ x: Double) {
        hi = x
        lo = 0
    }

    init(hi: Double, lo: Double) {
        self.hi = hi
        self.lo = lo
    }

    var sign: Int {
        if hi < 0 || (hi == 0 && lo < 0) { return -1 }
        if hi > 0 || (hi == 0 && lo > 0) { return 1 }
        return 0
    }

    static func + (x: DoubleDouble, y: DoubleDouble) -> DoubleDouble {
        let hi = x.hi
        let lo = x.lo
        let yhi = y.hi
        let ylo = y.lo
        let S = hi + yhi
        let T = lo + ylo
        var e = S - hi
        let f = T - lo
        var s = S - e
        var t = T - f
        s = (yhi - e) + (hi - s)
        t = (ylo - f) + (lo - t)
        e = s + T
        let H = S + e
        let h = e + (S - H)
        e = t + h
        let zhi = H + e
        let zlo = e + (H - zhi)
        return DoubleDouble(hi: zhi, lo: zlo)
    }

    static func - (x: DoubleDouble, y: DoubleDouble) -> DoubleDouble {
        x + DoubleDouble(hi: -1 * y.hi, lo: -1 * y.lo)
    }

    static func * (x: DoubleDouble, y: DoubleDouble) -> DoubleDouble {
        let split = 134_217_729.0  // 2^27 + 1
        let hi = x.hi
        let lo = x.lo
        let yhi = y.hi
        let ylo = y.lo
        var C = split * hi
        var hx = C - hi
        var c = split * yhi
        hx = C - hx
        let tx = hi - hx
        var hy = c - yhi
        C = hi * yhi
        hy = c - hy
        let ty = yhi - hy
        c = ((((hx * hy - C) + hx * ty) + tx * hy) + tx * ty) + (hi * ylo + lo * yhi)
        let zhi = C + c
        hx = C - zhi
        let zlo = c + hx
        return DoubleDouble(hi: zhi, lo: zlo)
    }
}

/// Many areas (units) for locating many points on coordinates: a uniform grid of cells over their
/// envelopes picks the few areas whose envelope holds a point, then ``RingArea`` tests each
/// exactly. Plain Swift and immutable, so one index serves every thread.
///
/// The candidates are those whose envelope intersects the point's box, as a GEOS STRtree query
/// gives them, so ``areas(covering:tolerance:)`` answers what an STRtree query followed by
/// `GEOSPreparedCovers_r` (and, with a tolerance, `GEOSPreparedDistanceWithin_r`) answers.
///
/// ```swift
/// let index = RingAreaIndex(units.map { RingArea($0.geometry) })
/// index.areas(covering: Coordinate(100, 50))   // indices of the areas holding the point
/// ```
public struct RingAreaIndex: Sendable {
    public let areas: [RingArea]
    private let origin: Coordinate
    private let cellSize: Double
    private let columns: Int
    private let rows: Int
    /// Cell `k` (row-major) holds `cellAreas[cellStarts[k]..<cellStarts[k + 1]]`.
    private let cellStarts: [Int32]
    private let cellAreas: [Int32]

    public init(_ areas: [RingArea]) {
        self.areas = areas
        var all = Envelope.empty
        var sumSide = 0.0
        var counted = 0
        for a in areas where !a.isEmpty {
            all.expand(toInclude: a.envelope)
            sumSide += Swift.max(a.envelope.width, a.envelope.height)
            counted += 1
        }
        guard counted > 0 else {
            origin = Coordinate(0, 0)
            cellSize = 1
            columns = 1
            rows = 1
            cellStarts = [0, 0]
            cellAreas = []
            return
        }
        // Cells about the size of an average area, but never more than about four per area.
        var size = Swift.max(sumSide / Double(counted), 1e-12)
        let span = Swift.max(all.width, all.height, size)
        while (span / size) * (span / size) > 4 * Double(counted) + 16 { size *= 1.5 }
        origin = Coordinate(all.minX, all.minY)
        cellSize = size
        let cols = Swift.max(1, Int((all.width / size).rounded(.down)) + 1)
        let rws = Swift.max(1, Int((all.height / size).rounded(.down)) + 1)
        columns = cols
        rows = rws
        var counts = [Int32](repeating: 0, count: cols * rws + 1)
        func cells(_ e: Envelope) -> (ClosedRange<Int>, ClosedRange<Int>) {
            (
                Self.cell(e.minX, all.minX, size, cols)...Self.cell(e.maxX, all.minX, size, cols),
                Self.cell(e.minY, all.minY, size, rws)...Self.cell(e.maxY, all.minY, size, rws)
            )
        }
        for a in areas where !a.isEmpty {
            let (cx, cy) = cells(a.envelope)
            for y in cy { for x in cx { counts[y * cols + x + 1] += 1 } }
        }
        for k in 0..<(cols * rws) { counts[k + 1] += counts[k] }
        var fill = counts
        var list = [Int32](repeating: 0, count: Int(counts[cols * rws]))
        for (i, a) in areas.enumerated() where !a.isEmpty {
            let (cx, cy) = cells(a.envelope)
            for y in cy {
                for x in cx {
                    list[Int(fill[y * cols + x])] = Int32(i)
                    fill[y * cols + x] += 1
                }
            }
        }
        cellStarts = counts
        cellAreas = list
    }

    /// The cell holding `v` along one axis, clamped; monotonic in `v`.
    @inline(__always)
    private static func cell(_ v: Double, _ origin: Double, _ size: Double, _ count: Int) -> Int {
        let c = ((v - origin) / size).rounded(.down)
        if !(c > 0) { return 0 }
        return c >= Double(count - 1) ? count - 1 : Int(c)
    }

    /// Calls `body` with each area whose envelope intersects `box`, each once, in index order
    /// within a cell.
    public func forEachCandidate(in box: Envelope, _ body: (Int) -> Void) {
        guard !box.isEmpty else { return }
        let x0 = Self.cell(box.minX, origin.x, cellSize, columns)
        let x1 = Self.cell(box.maxX, origin.x, cellSize, columns)
        let y0 = Self.cell(box.minY, origin.y, cellSize, rows)
        let y1 = Self.cell(box.maxY, origin.y, cellSize, rows)
        let single = x0 == x1 && y0 == y1
        var seen: [Int32] = []
        for y in y0...y1 {
            for x in x0...x1 {
                let k = y * columns + x
                for j in Int(cellStarts[k])..<Int(cellStarts[k + 1]) {
                    let i = cellAreas[j]
                    guard areas[Int(i)].envelope.intersects(box) else { continue }
                    if !single {
                        if seen.contains(i) { continue }
                        seen.append(i)
                    }
                    body(Int(i))
                }
            }
        }
    }

    /// The indices of the areas covering `c` (inside or on the boundary) or, with a positive
    /// `tolerance`, within that distance of it, in ascending order.
    public func areas(covering c: Coordinate, tolerance: Double = 0) -> [Int] {
        var out: [Int] = []
        let box =
            tolerance > 0
            ? Envelope(minX: c.x - tolerance, minY: c.y - tolerance, maxX: c.x + tolerance, maxY: c.y + tolerance)
            : Envelope(minX: c.x, minY: c.y, maxX: c.x, maxY: c.y)
        forEachCandidate(in: box) { i in
            let a = areas[i]
            if a.covers(c) {
                out.append(i)
            } else if tolerance > 0 {
                let pointEnvelope = Envelope(minX: c.x, minY: c.y, maxX: c.x, maxY: c.y)
                if RingArea.distance(a.envelope, pointEnvelope) <= tolerance && a.isNearBoundary(c, within: tolerance) {
                    out.append(i)
                }
            }
        }
        out.sort()
        return out
    }
}
