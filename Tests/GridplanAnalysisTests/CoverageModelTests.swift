import Foundation
import GridplanAnalysis
import GridplanGeometry
import Testing

@Suite struct CoverageModelTests {
    /// B (listed first) and A overlap on x in [8, 10]; C is a bow-tie, made valid into two triangles.
    static let units = [
        unit("B", box(0, 0, 10, 10)), unit("A", box(8, 0, 20, 10)),
        unit(
            "C",
            .polygon(
                Polygon(exterior: [
                    Coordinate(30, 0), Coordinate(40, 10), Coordinate(40, 0), Coordinate(30, 10), Coordinate(30, 0),
                ]))),
    ]

    @Test func madeValidOnceAndIndexed() throws {
        let model = try CoverageModel(units: Self.units)
        #expect(model.codes == ["B", "A", "C"])
        #expect(model.natives.map(\.kind) == [.polygon, .polygon, .multiPolygon])
        #expect(near(try model.natives[2].area, 50))
        let street = try model.context.geometry(.lineString([Coordinate(5, 5), Coordinate(15, 5)]))
        #expect(try model.candidates(intersecting: street) == [0, 1])
        #expect(try model.prepared(1).intersects(street))
    }

    @Test func oneTieRuleForPointsAndInputOrderForPartition() throws {
        let model = try CoverageModel(units: Self.units)
        // In the overlap: the lower code for assignment, the first listed for partition.
        #expect(try model.covering(Coordinate(9, 5)) == [0, 1])
        #expect(try model.locate(Coordinate(9, 5)) == 1)
        #expect(try model.firstCovering(Coordinate(9, 5)) == 0)
        // The bow-tie's crossing point belongs to both triangles, so to C; its empty wings to nobody.
        #expect(try model.locate(Coordinate(35, 5)) == 2)
        #expect(try model.locate(Coordinate(35, 8)) == nil)
        #expect(try model.locate([Coordinate(1, 1), Coordinate(19, 9), Coordinate(25, 5)]) == [0, 1, nil])
        // 属地兜底: (25, 5) is 5 m from A and from C; A has the lower code.
        let fallback = try #require(try model.nearest(to: Coordinate(25, 5)))
        #expect(fallback.index == 1 && near(fallback.distance, 5))
    }
}
