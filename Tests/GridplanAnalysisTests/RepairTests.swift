import GridplanAnalysis
import GridplanGeometry
import Testing

/// Checks a repaired coverage: valid, no overlaps, neighbours sharing borders vertex for vertex
/// (a coverage union, which requires matching edges, equals the full union).
func expectCleanCoverage(_ geometries: [Geometry?], boundary: Geometry) throws {
    let ctx = GEOSContext()
    let natives = try geometries.compactMap { $0 }.filter { !$0.isEmpty }.map { try ctx.geometry($0) }
    for g in natives { #expect(try g.isValid) }
    let all = try ctx.collection(natives)
    let full = try all.unaryUnion()
    let coverage = try all.coverageUnion()
    #expect(abs(try coverage.area - full.area) < 1e-6)
    #expect(try coverage.isValid)
    let sum = try natives.reduce(0.0) { $0 + (try $1.area) }
    let fullArea = try full.area
    #expect(abs(sum - fullArea) < 1e-3, "overlap left: \(sum - fullArea) m²")
    let again = try CoverageCheck.run(
        units: geometries.enumerated().compactMap { i, g in
            g.map { UnitInput(code: "U\(i)", geometry: $0, sourceIndex: i) }
        }, boundary: boundary)
    #expect(
        again.findings.filter { $0.kind == .overlap || $0.kind == .sliver }.isEmpty, "\(again.findings.map(\.kind))")
}

func area(_ g: Geometry?) throws -> Double { try g.map { try GEOSContext().geometry($0).area } ?? 0 }

@Suite struct CoverageRepairTests {
    @Test func overlapRules() throws {
        let units = [unit("A", box(0, 0, 100, 100)), unit("B", box(90, 0, 210, 100))]
        var options = RepairOptions()
        options.overlapRule = .lowerCode
        let low = try CoverageRepair.run(units: units, boundary: nil, options: options)
        #expect(near(try area(low.units[0]), 10_000))
        #expect(near(try area(low.units[1]), 11_000))
        #expect(low.changes.count == 1)
        #expect(
            low.changes[0].fromUnit == "B" && low.changes[0].toUnit == "A"
                && near(low.changes[0].areaSquareMetres, 1000))
        try expectCleanCoverage(low.units, boundary: box(0, 0, 210, 100))

        options.overlapRule = .larger
        let large = try CoverageRepair.run(units: units, boundary: nil, options: options)
        #expect(near(try area(large.units[0]), 9_000))
        #expect(large.changes[0].toUnit == "B")
        try expectCleanCoverage(large.units, boundary: box(0, 0, 210, 100))
    }

    @Test func longestBorderRule() throws {
        // The overlap [90,100] × [0,100] touches A's own land along x = 90 (100 m) and B's own land
        // only along y ∈ [0, 30] at x = 100 because B is short above: A has the longer border.
        let b = Geometry.polygon(
            Polygon(exterior: [
                Coordinate(90, 0), Coordinate(200, 0), Coordinate(200, 30), Coordinate(100, 30), Coordinate(100, 100),
                Coordinate(90, 100), Coordinate(90, 0),
            ]))
        let r = try CoverageRepair.run(units: [unit("A", box(0, 0, 100, 100)), unit("B", b)], boundary: nil)
        #expect(r.changes.map(\.toUnit) == ["A"])
        #expect(near(try area(r.units[1]), 100 * 30))
    }

    @Test func neverSplitsAUnit() throws {
        // B reaches up through Z to Z's top edge: if B kept the overlap, Z would fall in two.
        let units = [unit("Z", box(0, 0, 100, 100)), unit("B", box(40, -50, 60, 100))]
        var options = RepairOptions()
        options.overlapRule = .lowerCode  // ranks B first
        let r = try CoverageRepair.run(units: units, boundary: nil, options: options)
        #expect(r.changes.map(\.toUnit) == ["Z"])
        let ctx = GEOSContext()
        for g in r.units { #expect(try ctx.geometry(g!).numberOfGeometries == 1) }
        #expect(near(try area(r.units[1]), 20 * 50))
    }

    @Test func sliversMergedUnmanagedListedUnlessAssigned() throws {
        // A 0.5 m sliver between A and B (B's border is longer on it: B also closes its end),
        // and a 10 m unmanaged strip under C.
        let units = [
            unit("A", box(0, 0, 100, 100)), unit("B", box(100.5, 0, 200, 100)),
            unit("C", box(0, 110, 200, 200)),
        ]
        let boundary = box(0, 0, 200, 200)
        let households: [(Coordinate, Double)] = [(Coordinate(50, 105), 40), (Coordinate(100.25, 50), 3)]
        let r = try CoverageRepair.run(units: units, boundary: boundary, households: households)
        // The sliver touches the strip, so they are one gap region, 10 m wide: left for a person.
        #expect(r.changes.isEmpty)
        #expect(r.unresolved.count == 1)
        #expect(near(r.unresolved[0].areaSquareMetres, 0.5 * 100 + 200 * 10))
        #expect(r.unresolved[0].households == 43)

        var options = RepairOptions()
        options.assignUnmanaged = true
        let assigned = try CoverageRepair.run(
            units: units, boundary: boundary, households: households, options: options)
        #expect(assigned.unresolved.isEmpty)
        #expect(assigned.changes.count == 1)
        #expect(assigned.changes[0].fromUnit == nil)
        // A borders it for 100 m (top) + 100 m (sliver side) = 200 m, as does C (its bottom);
        // B for 99.5 + 100 m. The tie between A and C goes to the lower code.
        #expect(assigned.changes[0].toUnit == "A")
        #expect(assigned.changes[0].households == 43)
        try expectCleanCoverage(assigned.units, boundary: boundary)
        // Total area is conserved: the units now tile the boundary.
        #expect(near(try assigned.units.reduce(0) { $0 + (try area($1)) }, 40_000, 1e-6))
    }

    @Test func sliverAloneGoesToLongestBorder() throws {
        let units = [
            unit("A", box(0, 0, 100, 100)), unit("B", box(100.4, 0, 200, 100)), unit("C", box(0, 100, 200, 200)),
        ]
        let boundary = box(0, 0, 200, 200)
        let r = try CoverageRepair.run(units: units, boundary: boundary)
        #expect(r.changes.count == 1)
        #expect(r.changes[0].reason == .sliver)
        #expect(r.changes[0].toUnit == "A")  // A and B border 100 m each; lower code
        #expect(near(r.changes[0].areaSquareMetres, 40))
        try expectCleanCoverage(r.units, boundary: boundary)
        #expect(near(try r.units.reduce(0) { $0 + (try area($1)) }, 40_000, 1e-6))
    }

    @Test func noisySharedBorderIsRebuiltVertexForVertex() throws {
        // A and B share x = 100, but B's copy of the border zig-zags ±2 cm around A's straight edge.
        var bRing = [Coordinate(200, 0), Coordinate(200, 100), Coordinate(100, 100)]
        for k in stride(from: 95, through: 5, by: -10) {
            bRing.append(Coordinate(100 + (k % 20 == 5 ? 0.02 : -0.02), Double(k)))
        }
        bRing += [Coordinate(100, 0), Coordinate(200, 0)]
        let units = [unit("A", box(0, 0, 100, 100)), unit("B", .polygon(Polygon(exterior: bRing)))]
        let before = try CoverageCheck.run(units: units, boundary: box(0, 0, 200, 100))
        #expect(before.findings.contains { $0.kind == .overlap })
        #expect(before.findings.contains { $0.kind == .sliver })
        let r = try CoverageRepair.run(units: units, boundary: box(0, 0, 200, 100))
        try expectCleanCoverage(r.units, boundary: box(0, 0, 200, 100))
        #expect(near(try area(r.units[0]) + area(r.units[1]), 20_000, 1e-9))
    }

    @Test func exclavesTransferredWhenAsked() throws {
        let a = Geometry.multiPolygon([
            Polygon(exterior: rect(-100, 0, 0, 100)), Polygon(exterior: rect(140, 40, 160, 60)),
        ])
        let b = Geometry.polygon(
            Polygon(exterior: rect(100, 0, 200, 100), holes: [Array(rect(140, 40, 160, 60).reversed())]))
        let units = [unit("A", a), unit("B", b), unit("M", box(0, 0, 100, 100))]
        let kept = try CoverageRepair.run(units: units, boundary: nil)
        #expect(kept.changes.isEmpty)
        var options = RepairOptions()
        options.transferExclaves = true
        let moved = try CoverageRepair.run(
            units: units, boundary: nil, households: [(Coordinate(150, 50), 25)], options: options)
        #expect(moved.changes.count == 1)
        #expect(moved.changes[0].reason == .exclave)
        #expect(moved.changes[0].fromUnit == "A" && moved.changes[0].toUnit == "B")
        #expect(moved.changes[0].households == 25)
        #expect(near(try area(moved.units[0]), 10_000))
        #expect(near(try area(moved.units[1]), 10_000))
        let ctx = GEOSContext()
        #expect(try ctx.geometry(moved.units[1]!).interiorRings.isEmpty)
    }
}
