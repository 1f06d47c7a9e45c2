import Foundation
import GridplanAnalysis
import GridplanGeometry

/// The two communities of GridplanAnalysisTests' IncrementalPartitionTests, in Gauss-Krüger
/// metres (EPSG:4548): A, an irregular hexagon with a courtyard hole, and B east of it, their
/// shared border slanted and digitised with two vertices only B has; a curved arterial, three
/// straight ones and two secondary roads; 6 households every 20 m.
enum BorderStrip {
    static let x0 = 500_000.0, y0 = 4_420_000.0

    static func at(_ x: Double, _ y: Double) -> Coordinate { Coordinate(x0 + x, y0 + y) }
    static func ring(_ points: [(Double, Double)]) -> [Coordinate] { (points + [points[0]]).map { at($0.0, $0.1) } }

    static let a = Geometry.polygon(
        Polygon(
            exterior: ring([(0, 20), (200, 0), (400, 0), (430, 300), (150, 320), (-10, 180)]),
            holes: [ring([(100, 100), (100, 140), (140, 140), (140, 100)])]))
    /// B's west edge is A's east edge with two more vertices on it (x = 400 + y / 10).
    static let b = Geometry.polygon(
        Polygon(exterior: ring([(400, 0), (800, 10), (790, 300), (430, 300), (420, 200), (410, 100)])))

    static let streets: [StreetInput] = {
        let curve = stride(from: -30.0, through: 830, by: 10).map { at($0, 160 + 40 * sin($0 / 120)) }
        return [
            StreetInput(geometry: .lineString(curve), streetClass: "arterial"),
            StreetInput(geometry: .lineString([at(100, -20), at(110, 340)]), streetClass: "arterial"),
            StreetInput(geometry: .lineString([at(250, -20), at(260, 340)]), streetClass: "arterial"),
            StreetInput(geometry: .lineString([at(600, -20), at(590, 340)]), streetClass: "arterial"),
            StreetInput(geometry: .lineString([at(-30, 250), at(830, 255)]), streetClass: "secondary"),
            StreetInput(geometry: .lineString([at(420, 80), at(830, 80)]), streetClass: "secondary"),
        ]
    }()

    static let households: [(Coordinate, Double)] = stride(from: 5.0, to: 800, by: 20).flatMap { x in
        stride(from: 7.0, to: 320, by: 20).map { y in (at(x, y), 6.0) }
    }

    static let options: PartitionOptions = {
        var o = PartitionOptions()
        o.target = PartitionTarget(quantity: .households, minimum: 150, maximum: 500)
        return o
    }()

    static let codeA = "110101001001", codeB = "110101001002"

    /// The first partition of A and B as they were.
    static func first() throws -> PartitionReport {
        try Partitioner.run(
            communities: [CommunityInput(code: codeA, geometry: a), CommunityInput(code: codeB, geometry: b)],
            streets: streets, households: households, options: options)
    }

    /// A and B after the land of A within `width` metres of the border went to B.
    static func moved(width: Double) throws -> (a: Geometry, b: Geometry, strip: Geometry) {
        let ctx = GEOSContext()
        let band = try ctx.geometry(
            .polygon(Polygon(exterior: ring([(400 - width, -5), (400, 0), (430, 300), (430 - width, 330)]))))
        let strip = try ctx.geometry(a).intersection(with: band)
        return (
            try ctx.geometry(a).difference(with: strip).value(), try ctx.geometry(b).union(with: strip).value(),
            try strip.value()
        )
    }
}
