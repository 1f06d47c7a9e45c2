import Foundation
import GridplanCRS
import GridplanGeometry
import Testing

@testable import GridplanInputs

/// A territory (a boundary) that disagrees with the units is told apart by how: an outline that
/// follows the units' edges for most of its length and leaves land uncovered elsewhere is in the
/// same CRS, while one offset all along its length points at a CRS mistake.
@Suite struct LayerFitTests {
    let metric = CRS.metricCRS(around: Coordinate(116.4, 39.9))

    /// A point of the metric CRS near Beijing, so the China-only shift search runs as it would.
    func origin() throws -> Coordinate {
        try Transformer(from: .wgs84, to: metric).transform([Coordinate(116.4, 39.9)])[0]
    }

    func top(_ x: Double) -> Double { 2000 + 50 * sin(x / 150) }

    /// `a`, then every `step` towards `b`, then `b` itself.
    func steps(_ a: Double, _ b: Double, by step: Double) -> [Double] {
        Array(stride(from: a, to: b, by: a < b ? step : -step)) + [b]
    }

    /// Two units side by side over a 2 km square with a wavy top edge and a curved border
    /// between them, each edge with its own vertex spacing.
    func units(at o: Coordinate) -> [Geometry] {
        func border(_ y: Double) -> Double { 1000 + 80 * sin(y / 200) }
        let m = border(1900)
        let up = steps(0, 1900, by: 17).map { Coordinate(border($0), $0) } + [Coordinate(m, top(m))]
        func polygon(_ points: [Coordinate]) -> Geometry {
            .polygon(Polygon(exterior: (points + [points[0]]).map { Coordinate(o.x + $0.x, o.y + $0.y) }))
        }
        let left = [Coordinate(0, 0)] + up + steps(m, 0, by: 23).dropFirst().map { Coordinate($0, top($0)) }
        let right =
            [Coordinate(2000, 0)] + steps(2000, m, by: 31).map { Coordinate($0, top($0)) }.dropLast()
            + up.reversed()
        return [polygon(left), polygon(right)]
    }

    /// The outline of `units`' square, its top edge resampled at 41 m, its bottom at `bottom`,
    /// and every vertex moved by `shift`.
    func boundary(at o: Coordinate, bottom: Double, shift: Coordinate = Coordinate(0, 0)) -> Geometry {
        let points =
            [Coordinate(0, bottom), Coordinate(2000, bottom)] + steps(2000, 0, by: 41).map { Coordinate($0, top($0)) }
        let ring = (points + [points[0]]).map { Coordinate(o.x + $0.x + shift.x, o.y + $0.y + shift.y) }
        return .polygon(Polygon(exterior: ring))
    }

    func diagnosis(_ boundary: Geometry, against units: [Geometry]) throws -> String? {
        let reference = try LayerFit.Reference(units: units, metric: metric, name: "units.geojson", crs: metric)
        let samples = LayerFit.sample([(0, boundary)], featureCount: 1)
        return try reference.diagnose(
            samples, name: "district.geojson", crs: metric, territory: true, isStoreLayer: false)
    }

    @Test func aBoundaryOnTheUnitsEdgesFits() throws {
        let o = try origin()
        #expect(try diagnosis(boundary(at: o, bottom: 0), against: units(at: o)) == nil)
    }

    @Test func landLeftUncoveredAlongTheBoundaryIsNotCalledACRSMistake() throws {
        let o = try origin()
        // The boundary runs 150 m below the units: its bottom edge and 150 m of each side
        // (2,300 of about 8,400 m) lie off them, the rest on their edges.
        let outline = boundary(at: o, bottom: -150)
        let text = try #require(try diagnosis(outline, against: units(at: o)))
        #expect(text.contains("no unit covers"), "\(text)")
        #expect(!text.contains("CRS"), "\(text)")
        guard case .polygon(let p) = outline else { return }
        let perimeter = zip(p.exterior, p.exterior.dropFirst()).reduce(0.0) {
            $0 + hypot($1.1.x - $1.0.x, $1.1.y - $1.0.y)
        }
        let share = try #require(Double(text.split(separator: " ")[1].dropLast()))
        #expect(abs(share - 100 * 2300 / perimeter) < 1, "\(text), expected \(100 * 2300 / perimeter)%")
    }

    @Test func aBoundaryOffsetAllAlongStillPointsAtTheCRS() throws {
        let o = try origin()
        // Like a datum mix-up: the same outline 30 m east and 20 m north.
        let text = try #require(
            try diagnosis(boundary(at: o, bottom: 0, shift: Coordinate(30, 20)), against: units(at: o)))
        #expect(text.contains("check both CRSs"), "\(text)")
    }
}
