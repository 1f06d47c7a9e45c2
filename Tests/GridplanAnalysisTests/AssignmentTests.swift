import Foundation
import GridplanAnalysis
import GridplanGeometry
import Testing

func street(_ id: String, _ cs: (Double, Double)..., name: String? = nil) -> StreetFeature {
    StreetFeature(
        id: id, name: name ?? id, streetClass: "branch", geometry: .lineString(cs.map { Coordinate($0.0, $0.1) }),
        sourceIndex: 0)
}

@Suite struct StreetAssignmentTests {
    @Test func streetAlongABoundary() throws {
        let units = [unit("A", box(0, 0, 100, 100)), unit("B", box(100, 0, 200, 100))]
        // Runs up the A|B border for 50 m, then turns west into A for 50 m.
        let r = try StreetAssigner.run(
            streets: [street("S", (100, 0), (100, 50), (50, 50))], units: units, toleranceMetres: 5)
        #expect(near(r.totalLengthMetres, 100))
        let boundary = r.segments.filter(\.isBoundary)
        #expect(boundary.count == 1)
        // Within 5 m of the border: the 50 m up it and the first 5 m of the turn.
        #expect(near(boundary[0].lengthMetres, 55))
        #expect(boundary[0].lead == "A")  // A's frontage 100 m, B's 55 m
        #expect(boundary[0].coOwners == ["B"])
        #expect(boundary[0].rule == StreetAssigner.boundaryRule)
        let inside = r.segments.filter { !$0.isBoundary }
        #expect(inside.map(\.lead) == ["A"])
        #expect(near(inside[0].lengthMetres, 45))
        #expect(r.segments.allSatisfy { $0.lead != nil })
    }

    /// Many streets go through parallel workers in chunks; the result must be exactly what each
    /// street gives alone, in input order, whatever the timing.
    @Test func chunkedWorkersGiveTheSerialAnswerInOrder() throws {
        // 6 x 6 units of 100 m; 700 streets: diagonals, border runs and stubs, some outside.
        var units: [UnitInput] = []
        for i in 0..<6 {
            for j in 0..<6 {
                units.append(
                    unit("U\(i)\(j)", box(Double(i) * 100, Double(j) * 100, Double(i + 1) * 100, Double(j + 1) * 100)))
            }
        }
        let streets = (0..<700).map { k -> StreetFeature in
            let a = Double(k % 37) * 17, b = Double(k % 23) * 29
            switch k % 3 {
            case 0: return street("s\(k)", (a - 20, b), (a + 130, b + 90))
            case 1: return street("s\(k)", (Double(k % 7) * 100, b), (Double(k % 7) * 100, b + 140))
            default: return street("s\(k)", (a, b + 3), (a + 40, b + 3), (a + 40, b + 60))
            }
        }
        let all = try StreetAssigner.run(streets: streets, units: units)
        var serial: [StreetSegment] = []
        for s in streets { serial += try StreetAssigner.run(streets: [s], units: units).segments }
        #expect(all.segments.count == serial.count)
        #expect(
            zip(all.segments, serial).allSatisfy {
                $0.streetID == $1.streetID && $0.lead == $1.lead && $0.coOwners == $1.coOwners
                    && $0.lengthMetres == $1.lengthMetres
            })
        let total = try streets.reduce(0.0) { try $0 + GEOSContext().geometry($1.geometry).length }
        #expect(abs(all.totalLengthMetres - total) < 1e-6 * total)
        #expect(all.segments.filter(\.isBoundary).count > 50)
    }

    /// Enough streets, listed in a scattered order, that each worker moves across the city and
    /// lets go of the units behind it, and meets some again: every street still gets its unit,
    /// and the segments come out in input order.
    @Test func streetsInScatteredOrderAcrossACityKeepTheirAnswers() throws {
        let n = 20
        var units: [UnitInput] = []
        for i in 0..<n {
            for j in 0..<n {
                units.append(
                    unit(
                        String(format: "U%02d%02d", i, j),
                        box(Double(i) * 100, Double(j) * 100, Double(i + 1) * 100, Double(j + 1) * 100)))
            }
        }
        // 7,000 streets (27 chunks), cell by cell in a scattered order: a stub inside a cell, or,
        // every fifth, a run up the border with the cell to the east.
        var streets: [StreetFeature] = []
        var expected: [(lead: String, co: [String])] = []
        for k in 0..<7000 {
            let cell = (k * 7919) % (n * n)
            let i = cell / n, j = cell % n
            let x = Double(i) * 100, y = Double(j) * 100
            let code = String(format: "U%02d%02d", i, j)
            if k % 5 == 0 && i < n - 1 {
                streets.append(street("s\(k)", (x + 100, y + 10), (x + 100, y + 90)))
                expected.append((code, [String(format: "U%02d%02d", i + 1, j)]))
            } else {
                let d = Double(k % 17)
                streets.append(street("s\(k)", (x + 20, y + 20 + d), (x + 60, y + 40 + d)))
                expected.append((code, []))
            }
        }
        let r = try StreetAssigner.run(streets: streets, units: units)
        #expect(r.segments.map(\.streetID) == streets.map(\.id))
        #expect(r.segments.map(\.lead) == expected.map(\.lead))
        #expect(r.segments.map(\.coOwners) == expected.map(\.co))
        #expect(r.segments.filter(\.isBoundary).count == expected.filter { !$0.co.isEmpty }.count)
    }

    @Test func equalFrontageGoesToTheLowerCode() throws {
        let units = [unit("B2", box(0, 0, 100, 100)), unit("A7", box(100, 0, 200, 100))]
        let r = try StreetAssigner.run(streets: [street("S", (100, 10), (100, 90))], units: units)
        #expect(r.segments.count == 1)
        #expect(r.segments[0].lead == "A7" && r.segments[0].coOwners == ["B2"])
    }

    @Test func streetCrossingThreeUnits() throws {
        let units = [
            unit("A", box(0, 0, 100, 100)), unit("B", box(100, 0, 200, 100)), unit("C", box(200, 0, 300, 100)),
        ]
        let r = try StreetAssigner.run(streets: [street("S", (-10, 50), (310, 50))], units: units, toleranceMetres: 5)
        #expect(near(r.totalLengthMetres, 320))
        var byLead: [String: Double] = [:]
        for s in r.segments { byLead[s.lead ?? "-", default: 0] += s.lengthMetres }
        #expect(near(byLead["A"]!, 100) && near(byLead["B"]!, 100) && near(byLead["C"]!, 100))
        #expect(near(r.unownedLengthMetres, 20))
        #expect(r.segments.allSatisfy { !$0.isBoundary })
    }

    @Test func overlappingUnitsNeverLeadTheSamePiece() throws {
        let units = [unit("B", box(50, 0, 200, 100)), unit("A", box(0, 0, 100, 100))]
        let r = try StreetAssigner.run(streets: [street("S", (10, 50), (190, 50))], units: units, toleranceMetres: 1)
        #expect(near(r.totalLengthMetres, 180))
        var byLead: [String: Double] = [:]
        for s in r.segments { byLead[s.lead ?? "-", default: 0] += s.lengthMetres }
        // A (the lower code) takes 10..100; B keeps 100..190.
        #expect(near(byLead["A"]!, 90) && near(byLead["B"]!, 90))
    }

    @Test func curvedStreetLengthIsConserved() throws {
        let units = [
            unit("A", box(0, 0, 100, 100)), unit("B", box(100, 0, 200, 100)), unit("C", box(0, 100, 200, 200)),
        ]
        let arc = (0...40).map { k -> Coordinate in
            let t = Double(k) / 40 * .pi
            return Coordinate(100 + 80 * cos(t), 60 + 80 * sin(t))
        }
        let s = StreetFeature(
            id: "arc", name: "环路", streetClass: "arterial", geometry: .lineString(arc), sourceIndex: 0)
        let ctx = GEOSContext()
        let length = try ctx.geometry(s.geometry).length
        let r = try StreetAssigner.run(streets: [s], units: units)
        #expect(abs(r.totalLengthMetres - length) < 1e-6)
        #expect(r.segments.allSatisfy { $0.lead != nil })
    }
}

@Suite struct PointAndUnitAssignmentTests {
    @Test func pointOnAVertexSharedByFourGrids() throws {
        let grids = [
            unit("G4", box(1, 1, 2, 2)), unit("G2", box(0, 1, 1, 2)), unit("G3", box(1, 0, 2, 1)),
            unit("G1", box(0, 0, 1, 1)),
        ]
        let r = try PointAssigner.run(
            points: [Coordinate(1, 1), Coordinate(1.5, 1.5), Coordinate(1, 0.5), Coordinate(5, 5)], units: grids)
        #expect(r.map { $0.map { grids[$0].code } } == ["G1", "G4", "G1", nil])
    }

    @Test func holesExclavesAndTheEdgeTolerance() throws {
        func shell(_ g: Geometry) -> [Coordinate] {
            if case .polygon(let p) = g { return p.exterior }
            return []
        }
        // A: a square with a hole, plus an exclave; B: an island filling A's hole; C beside A,
        // declared with the higher code, sharing the edge x = 10.
        let a = unit(
            "A",
            .multiPolygon([
                Polygon(
                    exterior: shell(box(0, 0, 10, 10)),
                    holes: [[Coordinate(4, 4), Coordinate(4, 6), Coordinate(6, 6), Coordinate(6, 4), Coordinate(4, 4)]]),
                Polygon(exterior: shell(box(30, 0, 32, 2))),
            ]))
        let b = unit("B", box(4, 4, 6, 6))
        let c = unit("C", box(10, 0, 20, 10))
        let units = [c, b, a]
        let points = [
            Coordinate(5, 5),  // in A's hole: B's
            Coordinate(4, 5),  // on the hole's edge, shared by A and B: the lower code
            Coordinate(31, 1),  // A's exclave
            Coordinate(10, 5),  // the shared edge A | C
            Coordinate(20.0005, 5),  // half a millimetre outside C
            Coordinate(20.002, 5),  // two millimetres outside C
            Coordinate(25, 5),
        ]
        let exact = try PointAssigner.run(points: points, units: units).map { $0.map { units[$0].code } }
        #expect(exact == ["B", "A", "A", "A", nil, nil, nil])
        let tolerant = try PointAssigner.run(points: points, units: units, edgeTolerance: 0.001)
        #expect(tolerant.map { $0.map { units[$0].code } } == ["B", "A", "A", "A", "C", nil, nil])
        // Many points at once (split between threads) give what one at a time gives.
        let many = (0..<40_000).map { Coordinate(Double($0 % 400) / 10 - 2, Double($0 / 400) / 10 - 0.5) }
        let locator = try PointLocator(units: units, edgeTolerance: 0.001)
        #expect(locator.locate(many) == many.map { locator.locate($0) })
    }

    @Test func childrenToParentsByLargestShare() throws {
        let parents = [unit("P1", box(0, 0, 100, 100)), unit("P2", box(100, 0, 200, 100))]
        let children = [
            unit("C1", box(10, 10, 50, 50), parent: "P1"),
            unit("C2", box(80, 0, 120, 20), parent: "P1"),  // half in each: split
            unit("C3", box(130, 10, 190, 90), parent: "P1"),  // declared P1, lies in P2
        ]
        let r = try UnitAssigner.run(children: children, parents: parents)
        #expect(r.map(\.parent) == ["P1", "P1", "P2"])
        #expect(near(r[1].share, 0.5))
        #expect(r.map(\.isSplit) == [false, true, false])
        #expect(r.map(\.disagrees) == [false, false, true])
    }
}
