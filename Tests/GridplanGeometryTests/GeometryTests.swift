import Foundation
import GridplanGeometry
import Testing

@Suite struct ValueTests {
    @Test func signedAreaAndOrientation() {
        let ccw = Fixtures.square(0, 0, 2).exterior
        #expect(Ring.signedArea(ccw) == 4)
        #expect(Ring.signedArea(Array(ccw.reversed())) == -4)
        #expect(Ring.signedArea(Fixtures.projectedSquare.exterior) == 10_000)
        let cw = Geometry.polygon(Polygon(exterior: Array(ccw.reversed()), holes: [Fixtures.squareWithHole.rings[1]]))
        guard case .polygon(let p) = cw.orientedForRFC7946() else {
            Issue.record("not a polygon")
            return
        }
        #expect(Ring.signedArea(p.rings[0]) > 0)
        #expect(Ring.signedArea(p.rings[1]) < 0)
    }

    @Test func envelopeAndCounts() {
        let g = Geometry.multiPolygon([Fixtures.squareWithHole, Fixtures.square(20, -5, 1)])
        #expect(g.envelope == Envelope(minX: 0, minY: -5, maxX: 21, maxY: 10))
        #expect(g.coordinateCount == 15)
        #expect(!g.isEmpty)
        #expect(Geometry.multiPoint([]).isEmpty)
    }

    @Test func nativeRoundTripKeepsEveryType() throws {
        let ctx = GEOSContext()
        let values: [Geometry] = [
            .point(Coordinate(1.5, -2.25)),
            .multiPoint([Coordinate(0, 0), Coordinate(1, 1)]),
            .lineString([Coordinate(0, 0), Coordinate(3, 4), Coordinate(6, 0)]),
            .multiLineString([[Coordinate(0, 0), Coordinate(1, 0)], [Coordinate(2, 2), Coordinate(3, 3)]]),
            .polygon(Fixtures.squareWithHole),
            Fixtures.twoSquares,
            .geometryCollection([.point(Coordinate(9, 9)), .polygon(Fixtures.leftSquare)]),
        ]
        for v in values {
            let back = try ctx.geometry(v).value()
            #expect(back == v)
        }
    }

    @Test func structureErrorsAreThrownNotCrashed() {
        let ctx = GEOSContext()
        let open = Polygon(exterior: [Coordinate(0, 0), Coordinate(1, 0), Coordinate(1, 1), Coordinate(0, 1)])
        #expect(throws: GeometryError.self) { try ctx.geometry(.polygon(open)) }
        let short = Polygon(exterior: [Coordinate(0, 0), Coordinate(1, 0), Coordinate(0, 0)])
        #expect(throws: GeometryError.self) { try ctx.geometry(.polygon(short)) }
        #expect(throws: GeometryError.self) { try ctx.geometry(.lineString([Coordinate(0, 0)])) }
    }
}

@Suite struct WKTAndWKBTests {
    @Test func wktRoundTrip() throws {
        let ctx = GEOSContext()
        let g = try ctx.geometry(fromWKT: "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (4 4, 4 6, 6 6, 6 4, 4 4))")
        #expect(try g.area == 96)
        #expect(try g.wkt() == "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (4 4, 4 6, 6 6, 6 4, 4 4))")
        #expect(try ctx.geometry(fromWKT: "POINT (1.123456789 2)").wkt(precision: 3) == "POINT (1.123 2)")
    }

    @Test func wktParseErrorCarriesGEOSMessage() {
        let ctx = GEOSContext()
        do {
            _ = try ctx.geometry(fromWKT: "POLYGON ((0 0, 1 0")
            Issue.record("expected a parse error")
        } catch let e as GeometryError {
            #expect(e.operation == "GEOSWKTReader_read_r")
            #expect(e.message.contains("ParseException"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func wkbRoundTripAndKnownBytes() throws {
        let ctx = GEOSContext()
        let point = try ctx.geometry(.point(Coordinate(1, 2)))
        let wkb = try point.wkb()
        // Little-endian, type 1, then x = 1.0 and y = 2.0 as IEEE doubles.
        #expect(wkb == [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0x40])
        let poly = try ctx.geometry(.polygon(Fixtures.squareWithHole))
        let back = try ctx.geometry(fromWKB: try poly.wkb())
        #expect(try back.value() == .polygon(Fixtures.squareWithHole))
        #expect(throws: GeometryError.self) { try ctx.geometry(fromWKB: [1, 3, 0]) }
    }
}

@Suite struct PredicateTests {
    @Test func predicatesOnKnownCases() throws {
        let ctx = GEOSContext()
        let big = try ctx.geometry(.polygon(Fixtures.square(0, 0, 10)))
        let inner = try ctx.geometry(.point(Coordinate(5, 5)))
        let onEdge = try ctx.geometry(.point(Coordinate(10, 5)))
        let outside = try ctx.geometry(.point(Coordinate(11, 5)))
        #expect(try big.contains(inner))
        #expect(try big.intersects(onEdge))
        #expect(try !big.contains(onEdge))  // boundary points are not "contained"
        #expect(try big.covers(onEdge))
        #expect(try onEdge.isCovered(by: big))
        #expect(try inner.isWithin(big))
        #expect(try !big.intersects(outside))
        #expect(try big.distance(to: outside) == 1)

        let left = try ctx.geometry(.polygon(Fixtures.leftSquare))
        let right = try ctx.geometry(.polygon(Fixtures.rightSquare))
        let corner = try ctx.geometry(.polygon(Fixtures.cornerSquare))
        #expect(try left.touches(right))
        #expect(try left.touches(corner))
        #expect(try left.relate(right) == "FF2F11212")  // shared edge: boundary ∩ boundary is a line
        #expect(try left.relate(corner) == "FF2F01212")  // shared point only
        #expect(try left.relate(right, matches: "F***1****"))
        let shifted = try ctx.geometry(.polygon(Fixtures.square(0.5, 0.5, 1)))
        #expect(try left.relate(shifted) == "212101212")
        #expect(try !left.touches(shifted))
    }

    @Test func preparedAgreesWithPlain() throws {
        let ctx = GEOSContext()
        let poly = try ctx.geometry(.polygon(Fixtures.squareWithHole))
        let prepared = try poly.prepared()
        var insideCount = 0
        for i in 0...20 {
            for j in 0...20 {
                let p = try ctx.geometry(.point(Coordinate(Double(i) * 0.5, Double(j) * 0.5)))
                let plain = try poly.contains(p)
                #expect(try prepared.contains(p) == plain)
                #expect(try prepared.covers(p) == poly.covers(p))
                #expect(try prepared.intersects(p) == poly.intersects(p))
                if plain { insideCount += 1 }
            }
        }
        // Interior lattice points: 19 × 19 = 361, minus the hole's closed 5 × 5 block of points.
        #expect(insideCount == 361 - 25)
    }
}

@Suite struct OverlayTests {
    @Test func overlayAreas() throws {
        let ctx = GEOSContext()
        let a = try ctx.geometry(.polygon(Fixtures.square(0, 0, 2)))
        let b = try ctx.geometry(.polygon(Fixtures.square(1, 1, 2)))
        #expect(try a.intersection(with: b).area == 1)
        #expect(try a.difference(with: b).area == 3)
        #expect(try a.union(with: b).area == 7)
        #expect(try a.symmetricDifference(with: b).area == 6)
        #expect(try a.intersection(with: b, gridSize: 0.5).area == 1)
        let holed = try ctx.geometry(.polygon(Fixtures.squareWithHole))
        let cutter = try ctx.geometry(.polygon(Fixtures.square(5, 0, 10)))
        // Right half of the 10 × 10 square (50) minus half of the hole (2).
        #expect(try holed.intersection(with: cutter).area == 48)
    }

    @Test func unionsDissolveSharedEdges() throws {
        let ctx = GEOSContext()
        // A 2 × 2 block of unit squares sharing edges exactly: a coverage.
        let squares = try [(0.0, 0.0), (1, 0), (0, 1), (1, 1)].map {
            try ctx.geometry(.polygon(Fixtures.square($0.0, $0.1, 1)))
        }
        let all = try ctx.collection(squares)
        let cov = try all.coverageUnion()
        let una = try all.unaryUnion()
        #expect(cov.kind == .polygon)
        #expect(try cov.area == 4)
        #expect(try cov.isTopologicallyEqual(to: una))
        #expect(try ctx.union(of: squares).isTopologicallyEqual(to: ctx.geometry(.polygon(Fixtures.square(0, 0, 2)))))
        // Disjoint parts stay separate.
        let two = try ctx.geometry(Fixtures.twoSquares).unaryUnion()
        #expect(two.numberOfGeometries == 2)
    }

    @Test func bufferOfPointApproximatesDisc() throws {
        let ctx = GEOSContext()
        let disc = try ctx.geometry(.point(Coordinate(0, 0))).buffer(by: 10, quadrantSegments: 32)
        #expect(abs(try disc.area - Double.pi * 100) / (Double.pi * 100) < 0.002)
        let square = try ctx.geometry(.polygon(Fixtures.square(0, 0, 10)))
        let grown = try square.buffer(by: 1, endCap: .flat, join: .mitre)
        #expect(try grown.area == 144)
        let shrunk = try square.buffer(by: -1, join: .mitre)
        #expect(try shrunk.area == 64)
    }
}

@Suite struct MeasureTests {
    @Test func areaLengthCentroid() throws {
        let ctx = GEOSContext()
        let g = try ctx.geometry(.polygon(Fixtures.squareWithHole))
        #expect(try g.area == 96)
        #expect(try g.length == 48)  // 40 outside + 8 around the hole
        #expect(try g.centroid.pointCoordinate == Coordinate(5, 5))
        let surface = try g.pointOnSurface
        #expect(try g.contains(surface))
        let line = try ctx.geometry(.lineString([Coordinate(0, 0), Coordinate(3, 4), Coordinate(3, 10)]))
        #expect(try line.length == 11)
        let projected = try ctx.geometry(.polygon(Fixtures.projectedSquare))
        #expect(try projected.area == 10_000)
        #expect(projected.envelope == Envelope(minX: 39_500_000, minY: 4_420_000, maxX: 39_500_100, maxY: 4_420_100))
    }

    @Test func maximumInscribedCircleGivesWidth() throws {
        let ctx = GEOSContext()
        let rect = try ctx.geometry(
            .polygon(
                Polygon(exterior: [
                    Coordinate(0, 0), Coordinate(10, 0), Coordinate(10, 4), Coordinate(0, 4), Coordinate(0, 0),
                ])))
        let mic = try rect.maximumInscribedCircle(tolerance: 0.001)
        #expect(abs(mic.radius - 2) < 0.001)
        #expect(abs(mic.center.y - 2) < 0.001)
        let sliver = try ctx.geometry(.polygon(Fixtures.sliver))
        #expect(abs(try sliver.maximumInscribedCircle(tolerance: 0.001).diameter - 0.5) < 0.002)
    }

    @Test func simplifyKeepsTopology() throws {
        let ctx = GEOSContext()
        // A square with a 0.1-high bump on its bottom edge.
        let bumpy = try ctx.geometry(
            .polygon(
                Polygon(exterior: [
                    Coordinate(0, 0), Coordinate(5, 0), Coordinate(5.5, 0.1), Coordinate(6, 0), Coordinate(10, 0),
                    Coordinate(10, 10), Coordinate(0, 10), Coordinate(0, 0),
                ])))
        let simple = try bumpy.simplified(tolerance: 0.5)
        #expect(try simple.area == 100)
        guard case .polygon(let p) = try simple.value() else {
            Issue.record("not a polygon")
            return
        }
        #expect(p.exterior.count == 5)
        // A hole close to the edge stays inside after aggressive simplification.
        let holed = try ctx.geometry(.polygon(Fixtures.squareWithHole)).simplified(tolerance: 3)
        #expect(try holed.isValid)
    }

    @Test func snappingToGrid() throws {
        let ctx = GEOSContext()
        let g = try ctx.geometry(
            .polygon(
                Polygon(exterior: [
                    Coordinate(0.2, 0.1), Coordinate(9.8, -0.3), Coordinate(10.1, 9.7), Coordinate(0.4, 10.2),
                    Coordinate(0.2, 0.1),
                ])))
        let snapped = try g.snapped(toGrid: 1)
        #expect(try snapped.normalized().wkt() == "POLYGON ((0 0, 0 10, 10 10, 10 0, 0 0))")
        // A sliver narrower than the grid, whose edges both round to y = 0, collapses and is dropped.
        let sliver = try ctx.geometry(
            .polygon(
                Polygon(exterior: [
                    Coordinate(0, 0.1), Coordinate(100, 0.1), Coordinate(100, 0.4), Coordinate(0, 0.4),
                    Coordinate(0, 0.1),
                ]))
        ).snapped(toGrid: 1)
        #expect(sliver.isEmpty)
    }

    @Test func snappingOntoAnotherGeometrysVertices() throws {
        let ctx = GEOSContext()
        // A square drawn beside a kept one: its shared edge a fraction of a millimetre off, and
        // without the kept square's middle vertex at (10, 5).
        let kept = try ctx.geometry(
            .polygon(
                Polygon(exterior: [
                    Coordinate(0, 0), Coordinate(10, 0), Coordinate(10, 5), Coordinate(10, 10), Coordinate(0, 10),
                    Coordinate(0, 0),
                ])))
        let fresh = try ctx.geometry(
            .polygon(
                Polygon(exterior: [
                    Coordinate(10.0004, -0.0003), Coordinate(20, 0), Coordinate(20, 10), Coordinate(9.9997, 10.0002),
                    Coordinate(10.0004, -0.0003),
                ])))
        let snapped = try fresh.snapped(to: kept, tolerance: 0.001)
        #expect(try snapped.normalized().wkt() == "POLYGON ((10 0, 10 5, 10 10, 20 10, 20 0, 10 0))")
        // The two now share their edge exactly: no overlap, no gap.
        #expect(try snapped.intersection(with: kept).area == 0)
        #expect(try snapped.union(with: kept).area == 200)
        // Beyond the tolerance nothing moves.
        #expect(try fresh.snapped(to: kept, tolerance: 0.00001).normalized().wkt() == (try fresh.normalized().wkt()))
    }
}

@Suite struct LineworkTests {
    @Test func nodePolygonizeAndMerge() throws {
        let ctx = GEOSContext()
        // A 4 × 4 box crossed by a horizontal and a vertical line, plus a dangling stub.
        let lines = try ctx.geometry(
            .multiLineString([
                [Coordinate(0, 0), Coordinate(4, 0), Coordinate(4, 4), Coordinate(0, 4), Coordinate(0, 0)],
                [Coordinate(0, 2), Coordinate(4, 2)],
                [Coordinate(2, 0), Coordinate(2, 4)],
                [Coordinate(4, 4), Coordinate(5, 5)],
            ]))
        let noded = try lines.noded()
        // The box ring is split at (2,0), (4,2), (4,4) where the stub starts, (2,4) and (0,2): 6 edges
        // (its start (0,0) is an end already); the two cross lines meet at (2,2): 4 edges; the stub: 1.
        #expect(noded.numberOfGeometries == 11)
        let polys = try ctx.polygonize(noded.parts)
        #expect(polys.numberOfGeometries == 4)
        #expect(try polys.parts.allSatisfy { try $0.area == 4 })
        let full = try noded.polygonizeFull()
        #expect(full.polygons.numberOfGeometries == 4)
        #expect(full.dangles.numberOfGeometries == 1)
        #expect(try full.dangles.length == 2.0.squareRoot())
        // Four cells sharing edges cannot all be in one valid multipolygon: GEOS keeps a checkerboard.
        let valid = try ctx.polygonizeValid(noded.parts)
        #expect(valid.numberOfGeometries == 2)
        #expect(try valid.isValid)
        #expect(try valid.area == 8)

        let pieces = try ctx.geometry(
            .multiLineString([
                [Coordinate(0, 0), Coordinate(1, 0)], [Coordinate(1, 0), Coordinate(2, 1)],
                [Coordinate(2, 1), Coordinate(3, 1)],
            ]))
        let merged = try pieces.lineMerged()
        #expect(merged.kind == .lineString)
        #expect(try merged.length == 2 + 2.0.squareRoot())
        #expect(try ctx.geometry(.polygon(Fixtures.leftSquare)).boundary().length == 4)
    }

    @Test func voronoiCellsSplitEquidistantly() throws {
        let ctx = GEOSContext()
        // Three sites on a line: cells split at x = 5 and x = 15, clipped to at least [−10, 30] × [−10, 10].
        let sites = try ctx.geometry(.multiPoint([Coordinate(0, 0), Coordinate(10, 0), Coordinate(20, 0)]))
        let extent = try ctx.geometry(
            .polygon(
                Polygon(exterior: [
                    Coordinate(-10, -10), Coordinate(30, -10), Coordinate(30, 10), Coordinate(-10, 10),
                    Coordinate(-10, -10),
                ])))
        let cells = try sites.voronoiDiagram(extent: extent)
        #expect(cells.numberOfGeometries == 3)
        let middle = try cells.parts.first { try $0.covers(ctx.geometry(.point(Coordinate(10, 0)))) }
        #expect(middle != nil)
        #expect(middle?.envelope.minX == 5 && middle?.envelope.maxX == 15)
        // The cells tile the clipping envelope.
        #expect(try abs(cells.parts.reduce(0) { try $0 + $1.area } - cells.unaryUnion().area) < 1e-9)
        let e = try cells.unaryUnion().envelope
        #expect(e.minX <= -10 && e.minY <= -10 && e.maxX >= 30 && e.maxY >= 10)
    }
}

@Suite struct ValidityTests {
    @Test func bowTieIsReportedAndRepaired() throws {
        let ctx = GEOSContext()
        let g = try ctx.geometry(.polygon(Fixtures.bowTie))
        #expect(try !g.isValid)
        let issue = try #require(try g.invalidity())
        #expect(issue.reason.contains("Self-intersection"))
        #expect(issue.location == Coordinate(1, 1))
        let (fixed, report) = try g.madeValid()
        #expect(try fixed.isValid)
        #expect(report.issues.count == 1)
        #expect(!report.wasValid)
        // Two triangles of area 1 each.
        #expect(try fixed.area == 2)
        #expect(report.areaAfter == 2)
    }

    @Test func everyInvalidPartIsReported() throws {
        let ctx = GEOSContext()
        let multi = try ctx.geometry(
            .multiPolygon([Fixtures.square(10, 10, 1), Fixtures.bowTie, Fixtures.holeOutside]))
        let issues = try multi.validityIssues()
        #expect(issues.map(\.partIndex) == [1, 2])
        #expect(issues[1].reason.contains("Hole lies outside shell"))
        #expect(issues[0].location == Coordinate(1, 1))
        // Overlapping parts are only wrong together.
        let overlapping = try ctx.geometry(.multiPolygon([Fixtures.square(0, 0, 2), Fixtures.square(1, 1, 2)]))
        let whole = try overlapping.validityIssues()
        #expect(whole.count == 1)
        #expect(whole[0].partIndex == nil)
        let (fixed, _) = try overlapping.madeValid()
        #expect(try fixed.isValid)
        #expect(try fixed.area == 7)
    }

    @Test func validGeometryIsUntouched() throws {
        let ctx = GEOSContext()
        let g = try ctx.geometry(.polygon(Fixtures.repeatedPoints))
        #expect(try g.isValid)
        let (fixed, report) = try g.madeValid()
        #expect(report.wasValid)
        #expect(try fixed.isTopologicallyEqual(to: g))
    }
}

@Suite struct SpatialIndexTests {
    @Test func queryAndNearest() throws {
        let ctx = GEOSContext()
        let index = try SpatialIndex(context: ctx)
        // A 10 × 10 lattice of unit squares at even coordinates.
        for i in 0..<10 {
            for j in 0..<10 {
                try index.insert(ctx.geometry(.polygon(Fixtures.square(Double(i) * 2, Double(j) * 2, 1))))
            }
        }
        #expect(index.count == 100)
        let probe = try ctx.geometry(.polygon(Fixtures.square(1.5, 1.5, 2)))  // covers (1.5..3.5)²
        #expect(index.query(intersecting: probe) == [11])
        #expect(try index.query(envelope: Envelope(minX: 0, minY: 0, maxX: 2.5, maxY: 0.5)) == [0, 10])
        let far = try ctx.geometry(.point(Coordinate(30, 7.4)))
        let nearest = try #require(try index.nearest(to: far))
        #expect(nearest == 93)  // square at (18, 6)
        #expect(throws: GeometryError.self) { try index.insert(ctx.geometry(.point(Coordinate(0, 0)))) }
        let empty = try SpatialIndex(context: ctx)
        #expect(try empty.nearest(to: far) == nil)
    }
}

@Suite struct ConcurrencyTests {
    /// A deterministic workload: union and intersections of a jittered lattice.
    static func workload(seed: Int) throws -> [Double] {
        let ctx = GEOSContext()
        var polys: [NativeGeometry] = []
        for i in 0..<12 {
            for j in 0..<12 {
                let jitter = Double((i * 7 + j * 13 + seed) % 10) / 20
                polys.append(try ctx.geometry(.polygon(Fixtures.square(Double(i) + jitter, Double(j), 1.2))))
            }
        }
        let union = try ctx.union(of: polys)
        var results = [try union.area, try union.length]
        let probe = try ctx.geometry(.point(Coordinate(6, 6))).buffer(by: 3)
        for p in polys { results.append(try p.intersection(with: probe).area) }
        return results
    }

    @Test func parallelTasksMatchSerialRun() async throws {
        let seeds = Array(0..<16)
        let serial = try seeds.map { try Self.workload(seed: $0) }
        let parallel = try await withThrowingTaskGroup(of: (Int, [Double]).self) { group in
            for s in seeds { group.addTask { (s, try Self.workload(seed: s)) } }
            var out = [[Double]](repeating: [], count: seeds.count)
            for try await (s, r) in group { out[s] = r }
            return out
        }
        #expect(parallel == serial)
    }
}
