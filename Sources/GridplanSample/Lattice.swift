import Foundation
import GridplanGeometry

/// The class of a street segment, as graded by the city (a county may use four grades).
public enum RoadClass: String, Sendable, CaseIterable {
    /// 主干路: along every third lattice line, straight.
    case arterial
    /// 次干路: along some other lattice lines, and through communities.
    case secondary
    /// 支路: lanes off the secondary roads, to the community border or a dead end.
    case branch
    /// 胡同/小巷: short lanes, mostly dead ends.
    case alley

    /// The road's grade as the city manages it (路长制, four grades): 1 arterial … 4 alley.
    public var grade: Int {
        switch self {
        case .arterial: return 1
        case .secondary: return 2
        case .branch: return 3
        case .alley: return 4
        }
    }
}

/// A lattice edge: horizontal edges join vertex (i, j) to (i + 1, j), vertical ones (i, j) to
/// (i, j + 1). Each community border is one edge, generated once from its key and shared, as
/// the identical vertex list, by the cells on both sides.
struct EdgeKey: Hashable, Sendable {
    var isVertical: Bool
    var i: Int
    var j: Int
}

/// One lattice edge as a polyline.
struct EdgeLine {
    var points: [Coordinate]
    /// Position of each point along the edge: 0 at the first point, 1 at the last.
    var params: [Double]
    /// Indices of interior points where roads inside the cells join this edge.
    var anchors: [Int]
    /// The road along this edge, if there is one.
    var roadClass: RoadClass?
}

/// The lattice the city is built on: cells in rows (row 0 is the southernmost), an irregular
/// but orthogonally convex outline (every row and every column of cells is one unbroken run),
/// jittered vertices and shared edge polylines. Everything is a pure function of the seed and
/// the indices, so neighbours are found by index and nothing is compared all-against-all.
final class Lattice {
    let seed: UInt64
    let cellWidth = 460.0
    let cellHeight = 430.0
    /// Metric position of lattice vertex (0, 0) before jitter.
    let origin: Coordinate
    let rows: Int
    let columns: Int
    /// First column and number of cells of each row.
    let rowStart: [Int]
    let rowLength: [Int]
    /// Index of the first cell of each row.
    let rowFirstIndex: [Int]
    /// Column and row of each cell.
    let cellColumn: [Int32]
    let cellRow: [Int32]
    /// Every third vertical (horizontal) lattice line, starting here, carries an arterial road.
    let arterialOffsetX: Int
    let arterialOffsetY: Int
    private let warpPhase: (Double, Double, Double, Double)

    var cellCount: Int { cellColumn.count }

    /// Lays out `cellCount` cells around `center` (metric coordinates).
    init(seed: UInt64, cellCount: Int, center: Coordinate) {
        precondition(cellCount >= 1)
        self.seed = seed
        var rng = SplitMix64(seed: seed, stream: .layout)
        let (lengths, starts) = Self.shape(cellCount: cellCount, rng: &rng)
        rows = lengths.count
        rowLength = lengths
        rowStart = starts
        columns = zip(starts, lengths).map { $0 + $1 }.max()!
        var first: [Int] = []
        var column: [Int32] = []
        var row: [Int32] = []
        column.reserveCapacity(cellCount)
        row.reserveCapacity(cellCount)
        for j in 0..<rows {
            first.append(column.count)
            for i in starts[j]..<(starts[j] + lengths[j]) {
                column.append(Int32(i))
                row.append(Int32(j))
            }
        }
        rowFirstIndex = first
        cellColumn = column
        cellRow = row
        arterialOffsetX = rng.int(below: 3)
        arterialOffsetY = rng.int(below: 3)
        warpPhase = (rng.uniform(0, 6.283), rng.uniform(0, 6.283), rng.uniform(0, 6.283), rng.uniform(0, 6.283))
        origin = Coordinate(center.x - Double(columns) * cellWidth / 2, center.y - Double(rows) * cellHeight / 2)
    }

    /// Row lengths and starts of an orthogonally convex blob of exactly `cellCount` cells: the
    /// widest row is the "peak", and every row farther from it lies within the row before it.
    static func shape(cellCount n: Int, rng: inout SplitMix64) -> (lengths: [Int], starts: [Int]) {
        let rows = max(1, Int((Double(n) / 1.25).squareRoot().rounded()))
        let peak = rows <= 2 ? 0 : rows / 4 + rng.int(below: max(1, rows / 2))
        let reach = Double(max(peak, rows - 1 - peak, 1))
        // Relative widths, non-increasing away from the peak.
        var weight = [Double](repeating: 1, count: rows)
        for j in 0..<rows {
            let d = Double(abs(j - peak)) / reach
            weight[j] = (1 - 0.5 * d * d) * (1 - 0.18 * rng.unit())
        }
        weight[peak] = 1
        if peak > 0 {
            for j in stride(from: peak - 1, through: 0, by: -1) { weight[j] = min(weight[j], weight[j + 1]) }
        }
        if peak + 1 < rows { for j in (peak + 1)..<rows { weight[j] = min(weight[j], weight[j - 1]) } }
        func lengths(_ w: Double) -> [Int] { weight.map { max(1, Int(w * $0)) } }
        // Smallest peak width whose rows hold at least n cells.
        var lo = 1, hi = n
        while lo < hi {
            let mid = (lo + hi) / 2
            if lengths(Double(mid)).reduce(0, +) >= n { hi = mid } else { lo = mid + 1 }
        }
        var lens = lengths(Double(lo))
        var surplus = lens.reduce(0, +) - n
        // Trim the outermost rows first, which keeps widths non-increasing away from the peak.
        let order = (0..<rows).filter { $0 != peak }.sorted { (abs($0 - peak), $0) > (abs($1 - peak), $1) }
        while surplus > 0 {
            var trimmed = false
            for j in order where surplus > 0 && lens[j] > 1 {
                let inner = j < peak ? j + 1 : j - 1
                if lens[j] - 1 >= 1 && lens[j] - 1 <= lens[inner] {
                    lens[j] -= 1
                    surplus -= 1
                    trimmed = true
                }
            }
            if !trimmed {
                lens[peak] -= surplus
                surplus = 0
            }
        }
        // Nest each row inside its inner neighbour at a random offset.
        var starts = [Int](repeating: 0, count: rows)
        var j = peak - 1
        while j >= 0 {
            starts[j] = starts[j + 1] + rng.int(below: lens[j + 1] - lens[j] + 1)
            j -= 1
        }
        j = peak + 1
        while j < rows {
            starts[j] = starts[j - 1] + rng.int(below: lens[j - 1] - lens[j] + 1)
            j += 1
        }
        return (lens, starts)
    }

    // MARK: Cells

    /// The index of the cell in column `i`, row `j`, or nil when there is none.
    @inline(__always)
    func index(_ i: Int, _ j: Int) -> Int? {
        guard j >= 0, j < rows else { return nil }
        let s = rowStart[j]
        guard i >= s, i < s + rowLength[j] else { return nil }
        return rowFirstIndex[j] + i - s
    }

    @inline(__always)
    func position(of cell: Int) -> (i: Int, j: Int) {
        (Int(cellColumn[cell]), Int(cellRow[cell]))
    }

    /// Column and row offsets of the neighbour across each side: bottom, right, top, left.
    static let sideOffsets = [(0, -1), (1, 0), (0, 1), (-1, 0)]

    /// The cell across side `side` (0 bottom, 1 right, 2 top, 3 left) of `cell`, if any.
    func neighbour(of cell: Int, side: Int) -> Int? {
        let (i, j) = position(of: cell)
        let (di, dj) = Self.sideOffsets[side]
        return index(i + di, j + dj)
    }

    /// The edge along side `side` of the cell at (i, j).
    static func edgeKey(side: Int, _ i: Int, _ j: Int) -> EdgeKey {
        switch side {
        case 0: return EdgeKey(isVertical: false, i: i, j: j)
        case 1: return EdgeKey(isVertical: true, i: i + 1, j: j)
        case 2: return EdgeKey(isVertical: false, i: i, j: j + 1)
        default: return EdgeKey(isVertical: true, i: i, j: j)
        }
    }

    /// The four sides of a cell as polylines running counter-clockwise (bottom west→east, right
    /// south→north, top east→west, left north→south); each ends where the next begins.
    func sides(of cell: Int) -> [[Coordinate]] {
        let (i, j) = position(of: cell)
        return (0..<4).map { s in
            let line = edge(Self.edgeKey(side: s, i, j)).points
            return s >= 2 ? line.reversed() : line
        }
    }

    /// The four corners (p00 south-west, p10 south-east, p01 north-west, p11 north-east).
    func frame(of cell: Int) -> CellFrame {
        let (i, j) = position(of: cell)
        return CellFrame(p00: vertex(i, j), p10: vertex(i + 1, j), p01: vertex(i, j + 1), p11: vertex(i + 1, j + 1))
    }

    // MARK: Vertices and edges

    func isArterialColumn(_ i: Int) -> Bool { Self.mod(i - arterialOffsetX, 3) == 0 }
    func isArterialRow(_ j: Int) -> Bool { Self.mod(j - arterialOffsetY, 3) == 0 }

    @inline(__always)
    static func mod(_ a: Int, _ m: Int) -> Int { ((a % m) + m) % m }

    @inline(__always)
    static func floorDiv(_ a: Int, _ m: Int) -> Int { a >= 0 ? a / m : -((-a + m - 1) / m) }

    /// Lattice vertex (i, j): jittered, much less along arterial lines so they stay straight,
    /// and gently warped so long roads curve over kilometres.
    func vertex(_ i: Int, _ j: Int) -> Coordinate {
        var rng = SplitMix64(seed: seed, stream: .vertex, i, j)
        let ax = isArterialColumn(i) ? 0.012 : 0.15
        let ay = isArterialRow(j) ? 0.012 : 0.15
        let fi = Double(i), fj = Double(j)
        let warpX = 30 * sin(fj * 0.571 + warpPhase.0) + 12 * sin(fj * 1.37 + warpPhase.2)
        let warpY = 30 * sin(fi * 0.483 + warpPhase.1) + 12 * sin(fi * 1.21 + warpPhase.3)
        return Coordinate(
            origin.x + fi * cellWidth + cellWidth * ax * (2 * rng.unit() - 1) + warpX,
            origin.y + fj * cellHeight + cellHeight * ay * (2 * rng.unit() - 1) + warpY)
    }

    /// The road along an edge: arterial on every third line; on other lines, runs of three
    /// edges are secondary roads or no road, at random.
    func roadClass(_ key: EdgeKey) -> RoadClass? {
        if key.isVertical ? isArterialColumn(key.i) : isArterialRow(key.j) { return .arterial }
        let along = key.isVertical ? key.j : key.i
        var rng = SplitMix64(
            seed: seed, stream: .line, key.isVertical ? 1 : 0, key.isVertical ? key.i : key.j, Self.floorDiv(along, 3))
        return rng.chance(0.45) ? .secondary : nil
    }

    /// The polyline of an edge. Arterial edges are straight; secondary ones straight or arcs;
    /// borders without a road wander like old walls and lanes.
    func edge(_ key: EdgeKey) -> EdgeLine {
        let a = vertex(key.i, key.j)
        let b = key.isVertical ? vertex(key.i, key.j + 1) : vertex(key.i + 1, key.j)
        var rng = SplitMix64(seed: seed, stream: .edge, key.isVertical ? 1 : 0, key.i, key.j)
        let road = roadClass(key)
        let dx = b.x - a.x, dy = b.y - a.y
        let length = (dx * dx + dy * dy).squareRoot()
        let nx = -dy / length, ny = dx / length
        var params: [Double] = [0]
        var offsets: [Double] = [0]
        let segments: Int
        switch road {
        case .arterial:
            segments = 6
            for k in 1..<segments {
                params.append(Double(k) / Double(segments))
                offsets.append(0)
            }
        case .secondary:
            segments = 8
            let bulge = rng.chance(0.5) ? 0 : length * rng.uniform(0.02, 0.05) * rng.sign()
            for k in 1..<segments {
                let t = Double(k) / Double(segments)
                params.append(t)
                offsets.append(bulge * sin(Double.pi * t))
            }
        default:
            segments = 9 + rng.int(below: 3)
            let sway = rng.uniform(-1, 1)
            for k in 1..<segments {
                let t = (Double(k) + 0.6 * (rng.unit() - 0.5)) / Double(segments)
                let taper = min(1, 5 * t, 5 * (1 - t))
                params.append(t)
                offsets.append(length * (0.03 * sway * sin(Double.pi * t) + 0.012 * (2 * rng.unit() - 1) * taper))
            }
        }
        params.append(1)
        offsets.append(0)
        var points = [a]
        points.reserveCapacity(segments + 1)
        for k in 1..<segments {
            let t = params[k]
            points.append(Coordinate(a.x + t * dx + offsets[k] * nx, a.y + t * dy + offsets[k] * ny))
        }
        points.append(b)
        let anchors: [Int] =
            rng.chance(0.5)
            ? [segments / 2]
            : [Int((Double(segments) / 3).rounded()), Int((Double(2 * segments) / 3).rounded())]
        return EdgeLine(points: points, params: params, anchors: anchors, roadClass: road)
    }
}

/// The four corners of a cell, for placing things inside it by bilinear interpolation.
struct CellFrame {
    var p00: Coordinate
    var p10: Coordinate
    var p01: Coordinate
    var p11: Coordinate

    /// The point at (u, v): u runs west→east, v south→north, both 0...1.
    @inline(__always)
    func point(_ u: Double, _ v: Double) -> Coordinate {
        let a = (1 - u) * (1 - v), b = u * (1 - v), c = (1 - u) * v, d = u * v
        return Coordinate(a * p00.x + b * p10.x + c * p01.x + d * p11.x, a * p00.y + b * p10.y + c * p01.y + d * p11.y)
    }

    /// Rough size of the cell in metres (mean of its width and height).
    var size: Double {
        (p00.distance(to: p10) + p01.distance(to: p11) + p00.distance(to: p01) + p10.distance(to: p11)) / 4
    }
}
