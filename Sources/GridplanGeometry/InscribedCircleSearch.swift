/// The largest circle inside a polygonal area, found by branch and bound on square cells and
/// refined on demand: a search stopped at one tolerance goes on from where it stopped when asked
/// for a finer one, so a coarse answer that decides a question costs only itself, and a finer one
/// costs only the cells the coarse one left.
///
/// Each cell holds the signed distance from its centre to the area's outline (negative outside)
/// and the most any point of the cell can have (that distance plus the half-diagonal: the
/// distance is 1-Lipschitz). The cell that may hold the farthest point is split first; cells that
/// cannot beat the best centre found are dropped. ``refine(tolerance:)`` stops when no cell left
/// could beat the best by more than the tolerance, so with R the true radius the best centre's
/// distance r satisfies R − tolerance ≤ r ≤ R, and the diameter d = 2r satisfies D − 2t ≤ d ≤ D.
/// The answer after `refine(a)` then `refine(b)` is the answer of `refine(b)` alone: the cells
/// are split in the same order whatever the tolerance, which only says when to stop.
///
/// The search is GEOS's `MaximumInscribedCircle` in its structure, with its own distance index
/// (a packed R-tree of the outline's segments, GEOS's point-to-segment formula), the exact point
/// location of ``RingArea`` for the sign, one square first cell over the whole envelope (a long
/// thin strip does not start as thousands of cells) and nothing allocated per cell.
///
/// ```swift
/// let search = InscribedCircleSearch(piece)
/// let rough = search.refine(tolerance: 0.2)     // diameter, within 0.4 of the truth
/// let fine = search.refine(tolerance: 0.02)     // goes on from the rough search
/// ```
public final class InscribedCircleSearch {
    private let area: RingArea
    private let segments: SegmentTree
    private var cells = CellHeap()
    private var best: Cell
    private var scratch = SegmentTree.Scratch()
    /// The finest tolerance refined to so far.
    private var reached = Double.infinity

    /// A search of the area of `geometry` (its polygons; other types give an empty area, whose
    /// diameter is 0).
    public init(_ geometry: Geometry) {
        area = RingArea(geometry)
        var rings: [[Coordinate]] = []
        InscribedCircleSearch.collectRings(geometry, into: &rings)
        segments = SegmentTree(rings: rings)
        let e = area.envelope
        best = Cell(x: 0, y: 0, half: 0, distance: -.infinity)
        guard !e.isEmpty, !segments.isEmpty else { return }
        let side = Swift.max(e.width, e.height)
        let start = InscribedCircleSearch.startingPoint(rings, envelope: e)
        best = cell(x: start.x, y: start.y, half: 0)
        guard side > 0 else { return }
        let first = cell(x: (e.minX + e.maxX) / 2, y: (e.minY + e.maxY) / 2, half: side / 2)
        if first.distance > best.distance { best = first }
        cells.push(first)
    }

    /// The centre of the best circle found so far.
    public var center: Coordinate { Coordinate(best.x, best.y) }

    /// The diameter of the best circle found so far (0 for an empty or degenerate area).
    public var diameter: Double { Swift.max(0, 2 * best.distance) }

    /// Refines until no circle is more than `tolerance` larger in radius than the best found,
    /// and returns the best diameter. A tolerance no finer than one already reached returns at
    /// once. Tolerances below 1e-9 are taken as 1e-9.
    @discardableResult
    public func refine(tolerance: Double) -> Double {
        let t = Swift.max(tolerance, 1e-9)
        guard t < reached else { return diameter }
        reached = t
        while let top = cells.top, top.most - best.distance > t {
            cells.pop()
            let h = top.half / 2
            consider(x: top.x - h, y: top.y - h, half: h)
            consider(x: top.x + h, y: top.y - h, half: h)
            consider(x: top.x - h, y: top.y + h, half: h)
            consider(x: top.x + h, y: top.y + h, half: h)
        }
        return diameter
    }

    /// Measures a cell: it may become the best, and it is kept while it could beat the best.
    private func consider(x: Double, y: Double, half: Double) {
        let c = cell(x: x, y: y, half: half)
        if c.distance > best.distance { best = c }
        if c.most > best.distance { cells.push(c) }
    }

    private func cell(x: Double, y: Double, half: Double) -> Cell {
        let d = segments.distance(x, y, scratch: &scratch)
        let signed = area.location(of: Coordinate(x, y)) == .exterior ? -d : d
        return Cell(x: x, y: y, half: half, distance: signed)
    }

    /// The area-weighted centre of the ring enclosing the most area (a shell: no hole is larger
    /// than its own shell), or the envelope's centre: where the search's first candidate is
    /// measured (anything inside prunes well).
    static func startingPoint(_ rings: [[Coordinate]], envelope e: Envelope) -> Coordinate {
        var bestArea = 0.0
        var point = Coordinate((e.minX + e.maxX) / 2, (e.minY + e.maxY) / 2)
        for ring in rings where ring.count >= 4 {
            let o = ring[0]
            var a = 0.0, cx = 0.0, cy = 0.0
            for i in 0..<(ring.count - 1) {
                let p = Coordinate(ring[i].x - o.x, ring[i].y - o.y)
                let q = Coordinate(ring[i + 1].x - o.x, ring[i + 1].y - o.y)
                let cross = p.x * q.y - q.x * p.y
                a += cross
                cx += (p.x + q.x) * cross
                cy += (p.y + q.y) * cross
            }
            if abs(a) > bestArea {
                bestArea = abs(a)
                point = Coordinate(o.x + cx / (3 * a), o.y + cy / (3 * a))
            }
        }
        return point
    }

    static func collectRings(_ g: Geometry, into rings: inout [[Coordinate]]) {
        switch g {
        case .polygon(let p): rings += p.rings.filter { $0.count >= 2 }
        case .multiPolygon(let ps): for p in ps { rings += p.rings.filter { $0.count >= 2 } }
        case .geometryCollection(let gs): for m in gs { collectRings(m, into: &rings) }
        default: break
        }
    }

    struct Cell {
        var x: Double
        var y: Double
        var half: Double
        var distance: Double
        /// The largest distance any point of the cell can have.
        var most: Double { distance + half * 2.0.squareRoot() }
    }

    /// A binary max-heap of cells by ``Cell/most``.
    struct CellHeap {
        private var items: [Cell] = []

        var top: Cell? { items.first }

        mutating func push(_ c: Cell) {
            items.append(c)
            var i = items.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard items[parent].most < items[i].most else { break }
                items.swapAt(parent, i)
                i = parent
            }
        }

        mutating func pop() {
            let last = items.removeLast()
            guard !items.isEmpty else { return }
            items[0] = last
            var i = 0
            let n = items.count
            while true {
                let l = 2 * i + 1
                let r = l + 1
                var largest = i
                if l < n && items[l].most > items[largest].most { largest = l }
                if r < n && items[r].most > items[largest].most { largest = r }
                if largest == i { break }
                items.swapAt(i, largest)
                i = largest
            }
        }
    }
}

/// The segments of some rings in a packed R-tree (sort-tile-recursive leaves of eight, each
/// level grouping eight nodes of the one below), for the distance from a point to the nearest.
struct SegmentTree {
    private static let fanout = 8
    /// Segment endpoints, in leaf order.
    private var ax: [Double] = []
    private var ay: [Double] = []
    private var bx: [Double] = []
    private var by: [Double] = []
    /// Node boxes and children: a leaf's children are segments, another node's are nodes.
    private var minX: [Double] = []
    private var minY: [Double] = []
    private var maxX: [Double] = []
    private var maxY: [Double] = []
    private var first: [Int32] = []
    private var count: [Int32] = []
    /// Nodes below this index are leaves.
    private var leafCount = 0

    var isEmpty: Bool { ax.isEmpty }

    init(rings: [[Coordinate]]) {
        var segments: [(Coordinate, Coordinate)] = []
        for ring in rings where ring.count >= 2 {
            for i in 0..<(ring.count - 1) { segments.append((ring[i], ring[i + 1])) }
        }
        guard !segments.isEmpty else { return }
        let order = Self.tiled(
            segments.indices.map { i in
                let (a, b) = segments[i]
                return (i, (a.x + b.x) / 2, (a.y + b.y) / 2)
            })
        for i in order {
            let (a, b) = segments[i]
            ax.append(a.x)
            ay.append(a.y)
            bx.append(b.x)
            by.append(b.y)
        }
        let leaves = Self.groups(0..<order.count) { s in (Coordinate(ax[s], ay[s]), Coordinate(bx[s], by[s])) }
        for g in leaves { appendNode(g.box, first: g.first, count: g.count) }
        leafCount = minX.count
        var level = 0..<minX.count
        while level.count > 1 {
            let parents = Self.groups(level) { n in (Coordinate(minX[n], minY[n]), Coordinate(maxX[n], maxY[n])) }
            for g in parents { appendNode(g.box, first: g.first, count: g.count) }
            level = level.upperBound..<minX.count
        }
    }

    /// One node per run of ``fanout`` consecutive children in `children` (segments or nodes):
    /// the box around the children's `corners`, and the run.
    private static func groups(_ children: Range<Int>, corners: (Int) -> (Coordinate, Coordinate)) -> [(
        box: Envelope, first: Int, count: Int
    )] {
        var found: [(box: Envelope, first: Int, count: Int)] = []
        var start = children.lowerBound
        while start < children.upperBound {
            let end = Swift.min(children.upperBound, start + fanout)
            var e = Envelope.empty
            for k in start..<end {
                let (a, b) = corners(k)
                e.expand(toInclude: a)
                e.expand(toInclude: b)
            }
            found.append((e, start, end - start))
            start = end
        }
        return found
    }

    private mutating func appendNode(_ e: Envelope, first f: Int, count c: Int) {
        minX.append(e.minX)
        minY.append(e.minY)
        maxX.append(e.maxX)
        maxY.append(e.maxY)
        first.append(Int32(f))
        count.append(Int32(c))
    }

    /// Sort-tile-recursive order of points (index, x, y): vertical slices by x, each by y.
    private static func tiled(_ points: [(Int, Double, Double)]) -> [Int] {
        let byX = points.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
        let leaves = (points.count + fanout - 1) / fanout
        let slices = Swift.max(1, Int(Double(leaves).squareRoot().rounded(.up)))
        let perSlice = slices * fanout
        var order: [Int] = []
        order.reserveCapacity(points.count)
        var start = 0
        while start < byX.count {
            let end = Swift.min(byX.count, start + perSlice)
            order += byX[start..<end].sorted { ($0.2, $0.0) < ($1.2, $1.0) }.map(\.0)
            start = end
        }
        return order
    }

    /// Buffers a distance query reuses, so a search allocates nothing per cell.
    struct Scratch {
        var pending: [Int32] = []
        var children: [(Double, Int32)] = []
    }

    /// The distance from (x, y) to the nearest segment (GEOS's `Distance::pointToSegment`).
    func distance(_ x: Double, _ y: Double, scratch: inout Scratch) -> Double {
        guard !isEmpty else { return .infinity }
        let p = Coordinate(x, y)
        var best = Double.infinity
        var bestSquared = Double.infinity
        // Depth first from the root, nearer children first, skipping boxes no nearer than the best.
        scratch.pending.removeAll(keepingCapacity: true)
        scratch.pending.append(Int32(minX.count - 1))
        while let top = scratch.pending.popLast() {
            let n = Int(top)
            if boxDistanceSquared(n, x, y) >= bestSquared { continue }
            let f = Int(first[n])
            let c = Int(count[n])
            if n < leafCount {
                for s in f..<(f + c) {
                    let d = RingArea.pointToSegment(p, Coordinate(ax[s], ay[s]), Coordinate(bx[s], by[s]))
                    if d < best {
                        best = d
                        bestSquared = d * d
                    }
                }
            } else {
                // The farthest child goes onto the stack first, so the nearest is taken next.
                scratch.children.removeAll(keepingCapacity: true)
                for k in f..<(f + c) {
                    let d = boxDistanceSquared(k, x, y)
                    if d < bestSquared { scratch.children.append((d, Int32(k))) }
                }
                scratch.children.sort { $0.0 > $1.0 }
                for (_, k) in scratch.children { scratch.pending.append(k) }
            }
        }
        return best
    }

    @inline(__always)
    private func boxDistanceSquared(_ n: Int, _ x: Double, _ y: Double) -> Double {
        let dx = x < minX[n] ? minX[n] - x : (x > maxX[n] ? x - maxX[n] : 0)
        let dy = y < minY[n] ? minY[n] - y : (y > maxY[n] ? y - maxY[n] : 0)
        return dx * dx + dy * dy
    }
}
