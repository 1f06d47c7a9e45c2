@testable import GridplanAnalysis
import GridplanGeometry
import Testing

@Suite struct SpatialOrderTests {
    /// The curve's first 16 × 16 cells are its first 256 steps, each step to a neighbouring cell.
    @Test func theCurveStepsFromCellToNeighbouringCell() {
        var cells: [(d: UInt64, x: Int, y: Int)] = []
        for x in 0..<16 {
            for y in 0..<16 { cells.append((SpatialOrder.distance(x: UInt32(x), y: UInt32(y)), x, y)) }
        }
        cells.sort { $0.d < $1.d }
        #expect(cells.map(\.d) == (0..<256).map(UInt64.init))
        for (a, b) in zip(cells, cells.dropFirst()) {
            #expect(abs(a.x - b.x) + abs(a.y - b.y) == 1, "step \(a.d) → \(b.d)")
        }
    }

    /// Four features in the four quarters of their extent, listed in another order, come out
    /// lower left, upper left, upper right, lower right; empty envelopes last, ties in input order.
    @Test func featuresFollowTheCurveAndEmptyOnesGoLast() {
        func at(_ x: Double, _ y: Double) -> Envelope { Envelope(minX: x, minY: y, maxX: x + 1, maxY: y + 1) }
        let envelopes = [at(900, 10), .empty, at(10, 900), at(900, 900), at(10, 10), at(10, 10)]
        #expect(SpatialOrder.hilbert(envelopes) == [4, 5, 2, 3, 0, 1])
        #expect(SpatialOrder.hilbert([.empty, .empty]) == [0, 1])
    }
}
