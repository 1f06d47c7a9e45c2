import Foundation
import GridplanGeometry
import Testing

/// The inscribed-circle search against known widths and against GEOS's own circle, on shapes a
/// coverage's gaps take: strips straight, diagonal and curved, holes, several parts, a star, a
/// hair-thin sliver kilometres from the origin, and polygons of random vertices.
@Suite struct InscribedCircleSearchTests {
    let x0 = 39_500_000.0, y0 = 4_420_000.0

    func polygon(_ points: [(Double, Double)], holes: [[(Double, Double)]] = []) -> Polygon {
        func ring(_ ps: [(Double, Double)]) -> [Coordinate] {
            (ps + [ps[0]]).map { Coordinate(x0 + $0.0, y0 + $0.1) }
        }
        return Polygon(exterior: ring(points), holes: holes.map(ring))
    }

    /// A strip of width `w` along a polyline at `angle`, its long sides digitised apart.
    func strip(width w: Double, length: Double, angle: Double) -> Geometry {
        let (c, s) = (cos(angle), sin(angle))
        func at(_ u: Double, _ v: Double) -> (Double, Double) { (u * c - v * s, u * s + v * c) }
        let bottom = stride(from: 0.0, through: length, by: 13).map { at($0, 0) }
        let top = stride(from: length, through: 0, by: -9).map { at($0, w) }
        return .polygon(polygon(bottom + [at(length, 0)] + top + [at(0, w)]))
    }

    /// An annulus sector (a curved band) of width `w`.
    func band(width w: Double, wiggle: Double) -> Geometry {
        var outer: [(Double, Double)] = [], inner: [(Double, Double)] = []
        for k in 0...150 {
            let t = 1.3 * Double(k) / 150
            let r = 100 + wiggle * sin(Double(k) * 0.7)
            outer.append((r * cos(t), r * sin(t)))
            inner.append(((r - w) * cos(t), (r - w) * sin(t)))
        }
        return .polygon(polygon(outer + inner.reversed()))
    }

    /// Shapes with their exact inscribed diameters where one is known (nil: GEOS is the reference).
    func shapes() -> [(String, Geometry, Double?)] {
        var shapes: [(String, Geometry, Double?)] = [
            ("rectangle 10 × 4", .polygon(polygon([(0, 0), (10, 0), (10, 4), (0, 4)])), 4),
            ("strip 0.5 m, along x", strip(width: 0.5, length: 120, angle: 0), 0.5),
            ("strip 1.9 m, diagonal", strip(width: 1.9, length: 150, angle: 0.7), 1.9),
            ("strip 0.002 m, steep", strip(width: 0.002, length: 100, angle: 1.3), 0.002),
            ("strip 60 m", strip(width: 60, length: 150, angle: 2.2), 60),
            ("curved band 3 m", band(width: 3, wiggle: 0), nil),
            ("wiggly band 1.2 m", band(width: 1.2, wiggle: 0.4), nil),
            (
                "square with a hole",
                .polygon(
                    polygon(
                        [(0, 0), (100, 0), (100, 100), (0, 100)], holes: [[(30, 30), (30, 70), (70, 70), (70, 30)]])),
                // In a corner: tangent to both sides and through the hole's corner, r = 30√2 / (1 + √2).
                60 * 2.0.squareRoot() / (1 + 2.0.squareRoot())
            ),
            (
                "two parts",
                .multiPolygon([
                    polygon([(0, 0), (5, 0), (5, 5), (0, 5)]), polygon([(20, 0), (32, 0), (32, 12), (20, 12)]),
                ]),
                12
            ),
        ]
        var star: [(Double, Double)] = []
        for k in 0..<14 {
            let r = k % 2 == 0 ? 80.0 : 25.0
            let t = Double(k) * .pi / 7
            star.append((r * cos(t), r * sin(t)))
        }
        shapes.append(("star", .polygon(polygon(star)), nil))
        var seed: UInt64 = 7
        func next() -> Double {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(seed >> 11) / Double(1 << 53)
        }
        for n in [7, 19, 60] {
            // A star-shaped polygon of random radii around the origin: simple, irregular.
            let points = (0..<n).map { k -> (Double, Double) in
                let t = 2 * .pi * Double(k) / Double(n)
                let r = 20 + 80 * next()
                return (r * cos(t), r * sin(t))
            }
            shapes.append(("random \(n)-gon", .polygon(polygon(points)), nil))
        }
        return shapes
    }

    @Test func diametersAreWithinTheToleranceOfTheTruthAndOfGEOS() throws {
        let ctx = GEOSContext()
        for (name, shape, truth) in shapes() {
            // GEOS's circle at 1 mm where no exact width is known (finer costs GEOS minutes on a
            // long strip): D − 2 mm ≤ reference ≤ D.
            let reference = try truth ?? ctx.geometry(shape).maximumInscribedCircle(tolerance: 0.001).diameter
            let slack = truth == nil ? 0.002 : 1e-6
            for t in [0.2, 0.02, 0.005] {
                let d = InscribedCircleSearch(shape).refine(tolerance: t)
                #expect(
                    d <= reference + slack && d >= reference - 2 * t - 1e-6,
                    "\(name) at \(t): \(d) against \(truth == nil ? "GEOS" : "the truth") \(reference)")
            }
        }
    }

    @Test func theCentreLiesInsideAtItsDistanceFromTheOutline() throws {
        let ctx = GEOSContext()
        for (name, shape, _) in shapes() {
            let search = InscribedCircleSearch(shape)
            let d = search.refine(tolerance: 0.01)
            let native = try ctx.geometry(shape)
            let centre = try ctx.geometry(.point(search.center))
            #expect(try native.covers(centre), "\(name)")
            let boundary = try native.boundary()
            #expect(abs(try boundary.distance(to: centre) * 2 - d) < 1e-7, "\(name)")
        }
    }

    /// Refining in steps ends exactly where refining at once does, and a coarser tolerance after a
    /// finer one changes nothing.
    @Test func aSearchGoesOnFromWhereItStopped() {
        for (name, shape, _) in shapes() {
            let once = InscribedCircleSearch(shape).refine(tolerance: 0.01)
            let stepped = InscribedCircleSearch(shape)
            let rough = stepped.refine(tolerance: 0.5)
            let middle = stepped.refine(tolerance: 0.05)
            let fine = stepped.refine(tolerance: 0.01)
            #expect(fine == once, "\(name)")
            #expect(rough <= middle && middle <= fine, "\(name)")
            #expect(stepped.refine(tolerance: 0.5) == fine, "\(name)")
        }
    }

    @Test func emptyAndDegenerateAreasHaveNoWidth() {
        #expect(InscribedCircleSearch(.multiPolygon([])).refine(tolerance: 0.01) == 0)
        #expect(InscribedCircleSearch(.lineString([Coordinate(0, 0), Coordinate(1, 1)])).refine(tolerance: 0.01) == 0)
        let flat = Geometry.polygon(
            Polygon(exterior: [Coordinate(0, 0), Coordinate(10, 0), Coordinate(5, 0), Coordinate(0, 0)]))
        #expect(InscribedCircleSearch(flat).refine(tolerance: 0.01) == 0)
    }
}
