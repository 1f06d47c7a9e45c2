import Foundation
import GridplanGeometry
import Testing

@Suite struct RingLocationTests {
    @Test func holesVerticesAndEdges() {
        let a = RingArea([Fixtures.squareWithHole])
        #expect(a.location(of: Coordinate(1, 1)) == .interior)
        #expect(a.location(of: Coordinate(5, 5)) == .exterior)  // in the hole
        #expect(a.location(of: Coordinate(11, 5)) == .exterior)
        #expect(a.location(of: Coordinate(-1, 5)) == .exterior)  // level with the hole, left of the shell
        #expect(a.location(of: Coordinate(0, 0)) == .boundary)  // a shell vertex
        #expect(a.location(of: Coordinate(10, 3.25)) == .boundary)  // a vertical shell edge
        #expect(a.location(of: Coordinate(2.5, 10)) == .boundary)  // a horizontal shell edge
        #expect(a.location(of: Coordinate(4, 6)) == .boundary)  // a hole vertex
        #expect(a.location(of: Coordinate(5, 4)) == .boundary)  // a hole edge
        #expect(a.location(of: Coordinate(3.999, 5)) == .interior)
        #expect(a.covers(Coordinate(6, 5)) && !a.covers(Coordinate(5.5, 5)))
    }

    @Test func multipolygonAndIslandInAHole() {
        let two = RingArea(Fixtures.twoSquares)
        #expect(two.location(of: Coordinate(0.5, 0.5)) == .interior)
        #expect(two.location(of: Coordinate(3.5, 0.5)) == .interior)
        #expect(two.location(of: Coordinate(2, 0.5)) == .exterior)  // between the two
        #expect(two.location(of: Coordinate(3, 1)) == .boundary)
        // A ring with a hole, and an island inside the hole: the island is the area's again.
        let island = RingArea([Fixtures.squareWithHole, Fixtures.square(4.5, 4.5, 1)])
        #expect(island.location(of: Coordinate(5, 5)) == .interior)
        #expect(island.location(of: Coordinate(4.25, 5)) == .exterior)
        #expect(island.location(of: Coordinate(4.5, 5)) == .boundary)
    }

    @Test func sharedBorderBelongsToBothSides() {
        let left = RingArea([Fixtures.leftSquare])
        let right = RingArea([Fixtures.rightSquare])
        for c in [Coordinate(1, 0.5), Coordinate(1, 0), Coordinate(1, 1)] {
            #expect(left.location(of: c) == .boundary && right.location(of: c) == .boundary)
        }
        let corner = RingArea([Fixtures.cornerSquare])
        #expect(corner.location(of: Coordinate(1, 1)) == .boundary)
        #expect(corner.location(of: Coordinate(0.5, 0.5)) == .exterior)
    }

    @Test func exactOnASlantedEdgeAtGaussKrugerMagnitudes() {
        // The midpoint of (x0, y0)-(x0 + 2dx, y0 + 2dy) is representable, so it lies exactly on the
        // edge; one unit in the last place to either side is inside or outside.
        let x0 = 39_500_000.25
        let y0 = 4_420_000.5
        let tri = Polygon(exterior: [
            Coordinate(x0, y0), Coordinate(x0 + 200, y0 + 150), Coordinate(x0, y0 + 150), Coordinate(x0, y0),
        ])
        let a = RingArea([tri])
        let mid = Coordinate(x0 + 100, y0 + 75)
        #expect(a.location(of: mid) == .boundary)
        #expect(a.location(of: Coordinate(mid.x.nextDown, mid.y)) == .interior)
        #expect(a.location(of: Coordinate(mid.x.nextUp, mid.y)) == .exterior)
    }

    /// The answers are GEOS's: prepared covers and prepared distance-within, for points on a
    /// lattice that hits vertices and edges exactly, and points just beside them.
    @Test func agreesWithGEOSPreparedPredicates() throws {
        let ctx = GEOSContext()
        let star = Polygon(
            exterior: (0...10).map { k -> Coordinate in
                let t = Double(k % 10) / 10 * 2 * .pi
                let r = k % 2 == 0 ? 40.0 : 16
                return Coordinate(500_000 + (r * cos(t) * 8).rounded() / 8, 4_400_000 + (r * sin(t) * 8).rounded() / 8)
            },
            holes: [
                [
                    Coordinate(499_998, 4_399_998), Coordinate(500_002, 4_399_998),
                    Coordinate(500_002, 4_400_002), Coordinate(499_998, 4_400_002), Coordinate(499_998, 4_399_998),
                ]
            ])
        let shapes: [Geometry] = [
            .polygon(star), .polygon(Fixtures.squareWithHole), Fixtures.twoSquares, .polygon(Fixtures.projectedSquare),
        ]
        for shape in shapes {
            let area = RingArea(shape)
            let native = try ctx.geometry(shape)
            let prepared = try native.prepared()
            let e = shape.envelope
            var points: [Coordinate] = []
            shape.forEachCoordinate { c in
                points += [
                    c, Coordinate(c.x.nextUp, c.y), Coordinate(c.x, c.y.nextDown), Coordinate(c.x + 0.0005, c.y),
                ]
            }
            let steps = 24.0
            for i in 0...Int(steps) {
                for j in 0...Int(steps) {
                    points.append(
                        Coordinate(
                            e.minX - 1 + (e.width + 2) * Double(i) / steps,
                            e.minY - 1 + (e.height + 2) * Double(j) / steps))
                }
            }
            var inside = 0
            for c in points {
                let p = try ctx.geometry(.point(c))
                let covers = try prepared.covers(p)
                #expect(area.covers(c) == covers, "\(shape.typeName) at \(c)")
                for d in [0.001, 0.5] {
                    #expect(area.isWithinDistance(d, of: c) == (try prepared.isWithinDistance(d, of: p)), "\(c) \(d)")
                }
                if covers { inside += 1 }
            }
            #expect(inside > 0 && inside < points.count)
        }
    }

    @Test func indexFindsEveryAreaOnAPointAndOnlyThose() {
        // Four squares sharing the vertex (1, 1); a fifth far away.
        let squares = [
            Fixtures.square(1, 1, 1), Fixtures.square(0, 1, 1), Fixtures.square(1, 0, 1), Fixtures.square(0, 0, 1),
            Fixtures.square(50, 50, 1),
        ]
        let index = RingAreaIndex(squares.map { RingArea([$0]) })
        #expect(index.areas(covering: Coordinate(1, 1)) == [0, 1, 2, 3])
        #expect(index.areas(covering: Coordinate(1, 0.5)) == [2, 3])
        #expect(index.areas(covering: Coordinate(1.5, 1.5)) == [0])
        #expect(index.areas(covering: Coordinate(50.5, 50.5)) == [4])
        #expect(index.areas(covering: Coordinate(5, 5)).isEmpty)
        // Within a tolerance of an edge from outside, and beyond it.
        #expect(index.areas(covering: Coordinate(2.0005, 0.5)).isEmpty)
        #expect(index.areas(covering: Coordinate(2.0005, 0.5), tolerance: 0.001) == [2])
        #expect(index.areas(covering: Coordinate(2.002, 0.5), tolerance: 0.001).isEmpty)
        #expect(RingAreaIndex([]).areas(covering: Coordinate(0, 0)).isEmpty)
    }
}
