import Foundation
import GridplanAnalysis
import GridplanGeometry
import Testing

@Suite struct CoverageSimplifierTests {
    @Test func sharedBordersStayShared() throws {
        // Three units: a wiggly shared border (±1 m every 5 m) and a curved outer edge.
        let border = (0...40).map { k in Coordinate(100 + (k % 2 == 0 ? 1 : -1), Double(k) * 5) }
        let arc = (0..<20).map { k -> Coordinate in
            let x = Double(k) / 20 * 101
            return Coordinate(x, -30 * sin(.pi * x / 101))
        }
        let left = Geometry.polygon(Polygon(exterior: arc + border + [Coordinate(0, 200), Coordinate(0, 0)]))
        let right = Geometry.polygon(
            Polygon(exterior: [border[0], Coordinate(200, 0), Coordinate(200, 200)] + border.reversed()))
        let cap = box(0, 200, 200, 250)
        let ctx = GEOSContext()
        for g in [left, right, cap] { #expect(try ctx.geometry(g).isValid) }
        let out = try CoverageSimplifier.simplify([left, right, cap, .point(Coordinate(5, 5))], toleranceMetres: 2)
        #expect(out[3] == .point(Coordinate(5, 5)))
        let natives = try out.prefix(3).map { try ctx.geometry($0!) }
        let all = try ctx.collection(natives)
        let union = try all.unaryUnion()
        // Neighbours share every border vertex: the coverage union (which needs matching edges) agrees.
        #expect(abs((try all.coverageUnion().area) - (try union.area)) < 1e-6)
        let sum = try natives.reduce(0.0) { $0 + (try $1.area) }
        #expect(abs(sum - (try union.area)) < 1e-6)
        // The wiggly border became (nearly) straight: far fewer vertices.
        #expect(out[0]!.coordinateCount < left.coordinateCount / 2)
        #expect(out[1]!.coordinateCount < right.coordinateCount / 2)
        // The union's area moves by at most the tolerance times the outer length.
        let originalArea = try ctx.union(of: [left, right, cap].map { try ctx.geometry($0) }).area
        #expect(abs((try union.area) - originalArea) < 2 * 800)
    }
}
