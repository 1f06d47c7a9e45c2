import Foundation
import GridplanGeometry
import Testing

@testable import GridplanAnalysis

@Suite struct SmallFacesTests {
    /// The loop SmallFaces replaced: a whole adjacency of every face before each merge.
    static func mergingByWholeAdjacency(_ faces: [NativeGeometry], below threshold: Double, context ctx: GEOSContext)
        throws -> [NativeGeometry]
    {
        var faces = faces
        while faces.count > 1 {
            let areas = try faces.map { try $0.area }
            guard
                let small = areas.indices.filter({ areas[$0] < threshold }).min(by: {
                    areas[$0] != areas[$1] ? areas[$0] < areas[$1] : $0 < $1
                })
            else { break }
            let adjacency = try Partitioner.adjacencyOf(faces, context: ctx)
            guard let target = adjacency[small].max(by: { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 > $1.0 })?.0 else { break }
            faces[target] = try faces[target].union(with: faces[small])
            faces.remove(at: small)
        }
        return faces
    }

    @Test func aStripJoinsTheNeighbourItSharesMostBorderWith() throws {
        let ctx = GEOSContext()
        // A 2 m strip along the top of two blocks: 60 m of it borders the left block, 40 m the right.
        let faces = try [box(0, 0, 60, 50), box(60, 0, 100, 50), box(0, 50, 100, 52)].map { try ctx.geometry($0) }
        let merged = try SmallFaces.merging(faces, below: 500, context: ctx)
        #expect(merged.count == 2)
        #expect(abs(try merged[0].area - 3200) < 1e-6)
        #expect(abs(try merged[1].area - 2000) < 1e-6)
    }

    @Test func aFaceWithNoNeighbourStopsTheMerging() throws {
        let ctx = GEOSContext()
        // The smallest face stands apart (it only touches at a corner), so nothing merges, not even the
        // second small face, as before.
        let faces = try [box(0, 0, 100, 100), box(103, 100, 104, 101), box(100, 0, 103, 100)].map {
            try ctx.geometry($0)
        }
        let merged = try SmallFaces.merging(faces, below: 500, context: ctx)
        #expect(merged.count == 3)
    }

    /// Faces of a wobbly polygon with a hole cut by crossing curved lines: many small faces, borders
    /// whose vertices do not match, ties broken by order. The local measurement merges exactly as
    /// the whole adjacency did.
    @Test func mergesAsTheWholeAdjacencyDidOnIrregularFaces() throws {
        let ctx = GEOSContext()
        for trial in 0..<6 {
            var rng = Lehmer(state: UInt64(17 + trial))
            let n = 40
            var outer: [Coordinate] = (0..<n).map { k in
                let a = 2 * Double.pi * Double(k) / Double(n)
                let r = 300 + 40 * sin(3 * a) + Double.random(in: -8...8, using: &rng)
                return Coordinate(r * cos(a), r * sin(a))
            }
            outer.append(outer[0])
            let hole = [
                Coordinate(-30, -20), Coordinate(-30, 25), Coordinate(35, 25), Coordinate(35, -20),
                Coordinate(-30, -20),
            ]
            let shape = try ctx.geometry(.polygon(Polygon(rings: [outer, hole])))
            var lines: [NativeGeometry] = []
            for _ in 0..<14 {
                let y0 = Double.random(in: -350...350, using: &rng), y1 = Double.random(in: -350...350, using: &rng)
                let bend = Double.random(in: -60...60, using: &rng)
                let pts = (0...12).map { k -> Coordinate in
                    let t = Double(k) / 12
                    let x = -400 + 800 * t
                    return Coordinate(x, y0 + (y1 - y0) * t + bend * sin(.pi * t))
                }
                let l = try ctx.geometry(.lineString(pts))
                lines.append(
                    Bool.random(using: &rng) ? l : try ctx.geometry(.lineString(pts.map { Coordinate($0.y, $0.x) })))
            }
            let faces = try cut(shape, with: lines, context: ctx)
            #expect(faces.count > 20)
            let areas = try faces.map { try $0.area }.sorted()
            let threshold = areas[areas.count / 3]
            let expected = try Self.mergingByWholeAdjacency(faces, below: threshold, context: ctx)
            let merged = try SmallFaces.merging(faces, below: threshold, context: ctx)
            #expect(merged.count == expected.count)
            #expect(merged.count < faces.count)
            for (a, b) in zip(merged, expected) {
                #expect(try a.value() == b.value())
            }
        }
    }

    /// A fixed-seed generator so every run cuts the same faces.
    struct Lehmer: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state ^ (state >> 29)
        }
    }

    @Test func envelopeGrowsOnEverySideAndEmptyStaysEmpty() {
        let e = Envelope(minX: 1, minY: 2, maxX: 3, maxY: 4).expanded(by: 0.5)
        #expect(e == Envelope(minX: 0.5, minY: 1.5, maxX: 3.5, maxY: 4.5))
        #expect(Envelope.empty.expanded(by: 1).isEmpty)
    }
}
