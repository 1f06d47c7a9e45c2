import Foundation
import GridplanAnalysis
import GridplanGeometry
import Testing

// Built geometry with answers worked out by hand from the construction. Streets run along y = 0
// (left is north) unless said otherwise; a 6 m carriageway puts the kerb at y = 3.

private func frontageUnit(_ id: String, _ g: Geometry, _ i: Int = 0) -> FrontageUnitInput {
    FrontageUnitInput(id: id, geometry: g, sourceIndex: i)
}

private func centreline(_ name: String, width: Double? = 6, _ cs: (Double, Double)..., index: Int = 0)
    -> FrontageStreetInput
{
    FrontageStreetInput(
        name: name, widthMetres: width, geometry: .lineString(cs.map { Coordinate($0.0, $0.1) }), sourceIndex: index)
}

private func arc(radius: Double, from a0: Double, to a1: Double, stepDegrees: Double) -> [Coordinate] {
    let n = Int(((a1 - a0) / stepDegrees).rounded())
    return (0...n).map { k in
        let a = (a0 + Double(k) * (a1 - a0) / Double(n)) * Double.pi / 180
        return Coordinate(radius * cos(a), radius * sin(a))
    }
}

/// An annular sector between two radii, its arcs drawn with `step` degree chords.
private func sector(_ r0: Double, _ r1: Double, from a0: Double, to a1: Double, step: Double) -> Geometry {
    let outer = arc(radius: r1, from: a0, to: a1, stepDegrees: step)
    let inner = arc(radius: r0, from: a0, to: a1, stepDegrees: step).reversed()
    let ring = outer + inner + [outer[0]]
    return .polygon(Polygon(exterior: ring))
}

private func close(_ a: Double, _ b: Double, _ tol: Double) -> Bool { abs(a - b) <= tol }

private func zones(_ r: FrontageReport, _ owner: String) -> [FrontageZone] { r.zones.filter { $0.owner == owner } }

/// The invariants every run must keep: no two zones overlap, none lies on a footprint, each lies
/// within the depth of its owner, and along each street side the frontages and the uncovered
/// stretches add up to no more than the kerb.
private func checkInvariants(
    _ r: FrontageReport, _ units: [FrontageUnitInput], depth: Double = 20,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let ctx = GEOSContext()
    let zoneGeoms = try r.zones.map { try ctx.geometry($0.geometry) }
    for i in zoneGeoms.indices {
        for j in zoneGeoms.indices where j > i && zoneGeoms[i].envelope.intersects(zoneGeoms[j].envelope) {
            let overlap = try zoneGeoms[i].intersection(with: zoneGeoms[j]).area
            #expect(
                overlap < 1e-6, "zones \(r.zones[i].owner) and \(r.zones[j].owner) overlap by \(overlap) m²",
                sourceLocation: sourceLocation)
        }
    }
    var footprints: [String: [NativeGeometry]] = [:]
    for u in units {
        switch u.geometry {
        case .polygon, .multiPolygon: break
        default: continue
        }
        footprints[u.id, default: []].append(try ctx.geometry(u.geometry))
    }
    let allFootprints = footprints.values.flatMap { $0 }
    for (k, z) in zoneGeoms.enumerated() {
        for f in allFootprints where f.envelope.intersects(z.envelope) {
            #expect(
                try z.intersection(with: f).area < 1e-6, "zone of \(r.zones[k].owner) lies on a footprint",
                sourceLocation: sourceLocation)
        }
        #expect(r.zones[k].depthMetres <= depth + 1e-6, sourceLocation: sourceLocation)
        if let own = footprints[r.zones[k].owner] {
            let reach = try ctx.union(of: own).buffer(by: depth + 1e-3, quadrantSegments: 32)
            #expect(
                try z.isCovered(by: reach), "zone of \(r.zones[k].owner) reaches beyond the depth",
                sourceLocation: sourceLocation)
        }
        #expect(try near(z.area, r.zones[k].areaSquareMetres, 1e-9), sourceLocation: sourceLocation)
    }
    for s in r.summary.streetSides {
        let faced = r.zones.filter { $0.streetIndex == s.streetIndex && $0.side == s.side }.reduce(0) {
            $0 + $1.frontageMetres
        }
        #expect(near(faced, s.frontageMetres, 1e-9), sourceLocation: sourceLocation)
        #expect(
            s.frontageMetres + s.uncoveredMetres <= s.lengthMetres + 0.01,
            "side \(s.street ?? "-") \(s.side): \(s.frontageMetres) + \(s.uncoveredMetres) > \(s.lengthMetres)",
            sourceLocation: sourceLocation)
    }
}

@Suite struct FrontageTests {
    /// Four 10 m shops in a row, 12 m from the centreline of a 6 m street: each keeps 10 m of
    /// kerb, 12 − 3 = 9 m deep: 90 m². The kerb beyond the row is uncovered.
    @Test func blockOfFourShops() throws {
        let units = (0..<4).map { frontageUnit("S\($0)", box(Double($0) * 10, 12, Double($0) * 10 + 10, 24), $0) }
        let r = try Frontage.run(units: units, streets: [centreline("Main", (-30, 0), (70, 0))])
        #expect(r.zones.count == 4)
        for (i, z) in r.zones.enumerated() {
            #expect(z.owner == "S\(i)")
            #expect(z.street == "Main" && z.side == .left && z.unit == nil)
            #expect(close(z.frontageMetres, 10, 0.01))
            #expect(close(z.depthMetres, 9, 1e-6))
            #expect(close(z.areaSquareMetres, 90, 1e-6))
        }
        let left = r.summary.streetSides.first { $0.side == .left }!
        #expect(close(left.lengthMetres, 100, 1e-6))
        #expect(close(left.frontageMetres, 40, 0.01))
        #expect(close(left.uncoveredMetres, 60, 0.01))
        // Fully faced between x = 0 and 40: frontage and uncovered together are the whole side.
        #expect(close(left.frontageMetres + left.uncoveredMetres, left.lengthMetres, 0.01))
        let right = r.summary.streetSides.first { $0.side == .right }!
        #expect(close(right.uncoveredMetres, 100, 0.01) && right.frontageMetres == 0)
        #expect(r.problems.isEmpty)
        try checkInvariants(r, units)
    }

    /// The same corner and row at Gauss-Krüger magnitudes (easting 39,500,000 m with the zone
    /// prefix): the same answers, and geometry where the input was.
    @Test func gaussKrugerCoordinatesGiveTheSameAnswers() throws {
        let dx = 39_500_000.0, dy = 4_420_000.0
        func at(_ g: Geometry) -> Geometry { g.mappingCoordinates { Coordinate($0.x + dx, $0.y + dy) } }
        let units = [frontageUnit("C", at(box(12, 12, 22, 22))), frontageUnit("N", at(box(22, 12, 32, 22)), 1)]
        let streets = [centreline("East", (-50, 0), (60, 0)), centreline("North", (0, -50), (0, 60), index: 1)].map {
            FrontageStreetInput(
                name: $0.name, widthMetres: $0.widthMetres, geometry: at($0.geometry), sourceIndex: $0.sourceIndex)
        }
        let r = try Frontage.run(units: units, streets: streets)
        #expect(r.zones.map(\.owner) == ["C", "C", "N"])
        #expect(r.zones.map { ($0.areaSquareMetres * 100).rounded() / 100 } == [130.5, 130.5, 90])
        #expect(r.zones.allSatisfy { close($0.frontageMetres, $0.owner == "C" ? 19 : 10, 0.01) })
        let e = r.zones[2].geometry.envelope
        #expect(
            close(e.minX, dx + 22, 1e-6) && close(e.maxX, dx + 32, 1e-6) && close(e.minY, dy + 3, 1e-6)
                && close(e.maxY, dy + 12, 1e-6))
        try checkInvariants(r, units)
    }

    /// A 10 m square shop 9 m from both kerbs of a crossroads keeps its two fronts (90 m² each)
    /// and the 9 × 9 m corner between them, split on the diagonal: 130.5 m² and 19 m per street.
    @Test func cornerShopOnTwoStreets() throws {
        let units = [frontageUnit("C", box(12, 12, 22, 22)), frontageUnit("N", box(22, 12, 32, 22), 1)]
        let streets = [centreline("East", (-50, 0), (60, 0)), centreline("North", (0, -50), (0, 60), index: 1)]
        let r = try Frontage.run(units: units, streets: streets)
        let c = zones(r, "C")
        #expect(c.count == 2)
        let east = c.first { $0.street == "East" }, north = c.first { $0.street == "North" }
        #expect(east?.side == .left && north?.side == .right)
        for z in [east, north] {
            #expect(close(z?.areaSquareMetres ?? 0, 130.5, 0.01))
            #expect(close(z?.frontageMetres ?? 0, 19, 0.01))
            #expect(close(z?.depthMetres ?? 0, (81.0 * 2).squareRoot(), 1e-3))
        }
        // The neighbour faces East only, over its own 10 m.
        let n = zones(r, "N")
        #expect(n.count == 1 && n[0].street == "East")
        #expect(close(n[0].areaSquareMetres, 90, 0.01) && close(n[0].frontageMetres, 10, 0.01))
        try checkInvariants(r, units)
    }

    /// Two rows facing each other across a 10 m lane with no width given: the zones stop at the
    /// centreline, which is the line equidistant from the two rows: 5 m deep each.
    @Test func rowsFacingAcrossALane() throws {
        var units: [FrontageUnitInput] = []
        for i in 0..<4 {
            let x = Double(i) * 10
            units.append(frontageUnit("N\(i)", box(x, 5, x + 10, 15), i))
            units.append(frontageUnit("S\(i)", box(x, -15, x + 10, -5), 4 + i))
        }
        let r = try Frontage.run(units: units, streets: [centreline("Lane", width: nil, (-20, 0), (60, 0))])
        #expect(r.zones.count == 8)
        for z in r.zones {
            #expect(z.side == (z.owner.hasPrefix("N") ? .left : .right))
            #expect(close(z.frontageMetres, 10, 0.01))
            #expect(close(z.depthMetres, 5, 0.01))
            #expect(close(z.areaSquareMetres, 50, 0.1))
        }
        try checkInvariants(r, units)
    }

    /// Two shops 0.8 m apart (under the 1 m row gap) share the land in front of the gap, split on
    /// the line equidistant from them, x = 10.4: 10.4 m of kerb each.
    @Test func gapInARowIsSplitEquidistantly() throws {
        let units = [frontageUnit("A", box(0, 12, 10, 24)), frontageUnit("B", box(10.8, 12, 20.8, 24), 1)]
        let r = try Frontage.run(units: units, streets: [centreline("Main", (-30, 0), (60, 0))])
        let a = zones(r, "A"), b = zones(r, "B")
        #expect(a.count == 1 && b.count == 1)
        #expect(close(a[0].frontageMetres, 10.4, 0.05) && close(b[0].frontageMetres, 10.4, 0.05))
        #expect(close(a[0].areaSquareMetres, 93.6, 0.5) && close(b[0].areaSquareMetres, 93.6, 0.5))
        let env = try GEOSContext().geometry(a[0].geometry).envelope
        #expect(close(env.maxX, 10.4, 0.3))
        try checkInvariants(r, units)
        // Wider than the row gap: the gap faces no one.
        var options = FrontageOptions()
        options.rowGapMetres = 0.5
        let apart = try Frontage.run(units: units, streets: [centreline("Main", (-30, 0), (60, 0))], options: options)
        #expect(close(zones(apart, "A")[0].frontageMetres, 10, 0.01))
        #expect(apart.uncovered.contains { $0.side == .left && close($0.lengthMetres, 30 + 0.8 + 39.2, 0.01) })
    }

    /// Set back 30 m from the kerb, deeper than the 20 m depth: no zone.
    @Test func buildingSetBackBeyondTheDepthHasNoZone() throws {
        let units = [frontageUnit("Far", box(0, 33, 10, 43)), frontageUnit("Near", box(20, 15, 30, 25), 1)]
        let r = try Frontage.run(units: units, streets: [centreline("Main", (-30, 0), (60, 0))])
        #expect(zones(r, "Far").isEmpty)
        #expect(r.summary.ownersWithoutZone == ["Far"])
        #expect(close(zones(r, "Near").first?.areaSquareMetres ?? 0, 120, 1e-6))
        // With a 35 m depth the same building reaches the kerb, 30 m deep.
        var options = FrontageOptions()
        options.depthMetres = 35
        let deep = try Frontage.run(units: units, streets: [centreline("Main", (-30, 0), (60, 0))], options: options)
        #expect(close(zones(deep, "Far").first?.areaSquareMetres ?? 0, 300, 1e-6))
        try checkInvariants(deep, units, depth: 35)
    }

    /// A shop given as an address point is a 3 m disc: 6 m of kerb, and the land from the disc to
    /// the kerb (6 × 12 m less the lower half of the disc, drawn as a 32-gon).
    @Test func shopGivenAsAPoint() throws {
        let units = [frontageUnit("P", .point(Coordinate(25, 15)))]
        let r = try Frontage.run(units: units, streets: [centreline("Main", (-30, 0), (60, 0))])
        let p = zones(r, "P")
        #expect(p.count == 1)
        let halfDisc = 0.5 * 16 * 9 * sin(2 * Double.pi / 32)
        #expect(close(p.first?.frontageMetres ?? 0, 6, 0.01))
        #expect(close(p.first?.areaSquareMetres ?? 0, 72 - halfDisc, 0.05))
        // The farthest point is a kerb corner, 12.37 m from the centre.
        #expect(close(p.first?.depthMetres ?? 0, (9.0 + 144).squareRoot() - 3, 0.02))
    }

    /// Two point shops whose discs are 0.77 m apart share the gap on the line equidistant from
    /// them, x = 28.385: 6.385 m of kerb each, mirror images of each other. (Outline points of a
    /// disc are co-circular; the Voronoi split once gave one shop the whole gap, overlapping the
    /// other's zone.)
    @Test func twoPointShopsInARowSplitTheGap() throws {
        let units = [
            frontageUnit("P", .point(Coordinate(25, 15))), frontageUnit("Q", .point(Coordinate(31.77, 15)), 1),
        ]
        let r = try Frontage.run(units: units, streets: [centreline("Main", (-30, 0), (60, 0))])
        let p = zones(r, "P"), q = zones(r, "Q")
        #expect(p.count == 1 && q.count == 1)
        #expect(close(p.first?.frontageMetres ?? 0, 6.385, 0.01) && close(q.first?.frontageMetres ?? 0, 6.385, 0.01))
        #expect(close(p.first?.areaSquareMetres ?? 0, q.first?.areaSquareMetres ?? 0, 0.01))
        let env = try GEOSContext().geometry(try #require(p.first).geometry).envelope
        #expect(close(env.maxX, 28.385, 0.01))
        try checkInvariants(r, units)
    }

    /// A curved street (a quarter circle of radius 60, 6 m wide): sectors of buildings on both sides
    /// keep the annulus between their arc and the kerb, and the kerb arc in front of them.
    @Test func curvedStreet() throws {
        let street = FrontageStreetInput(
            name: "Ring", widthMetres: 6, geometry: .lineString(arc(radius: 60, from: 0, to: 90, stepDegrees: 1)),
            sourceIndex: 0)
        let units = [
            frontageUnit("Out", sector(72, 82, from: 30, to: 45, step: 3)),
            frontageUnit("In", sector(40, 50, from: 30, to: 45, step: 2.5), 1),
        ]
        let r = try Frontage.run(units: units, streets: [street])
        let theta = Double.pi / 12
        let out = zones(r, "Out"), inner = zones(r, "In")
        #expect(out.count == 1 && inner.count == 1)
        #expect(out.first?.side == .right && inner.first?.side == .left)
        #expect(close(out.first?.areaSquareMetres ?? 0, 0.5 * theta * (72 * 72 - 63 * 63), 1.5))
        #expect(close(out.first?.frontageMetres ?? 0, 63 * theta, 0.1))
        #expect(close(out.first?.depthMetres ?? 0, 9, 0.05))
        #expect(close(inner.first?.areaSquareMetres ?? 0, 0.5 * theta * (57 * 57 - 50 * 50), 1))
        #expect(close(inner.first?.frontageMetres ?? 0, 57 * theta, 0.1))
        try checkInvariants(r, units)
    }

    /// One owner in two parts 4 m apart: one zone in two pieces, and the gap's kerb uncovered.
    @Test func multipolygonBuilding() throws {
        let units = [
            frontageUnit(
                "M", .multiPolygon([Polygon(exterior: rect(0, 12, 8, 24)), Polygon(exterior: rect(12, 12, 20, 24))]))
        ]
        let r = try Frontage.run(units: units, streets: [centreline("Main", (-30, 0), (60, 0))])
        #expect(r.zones.count == 1)
        #expect(close(r.zones.first?.areaSquareMetres ?? 0, 144, 1e-6))
        #expect(close(r.zones.first?.frontageMetres ?? 0, 16, 0.01))
        if case .multiPolygon(let ps) = r.zones.first?.geometry {
            #expect(ps.count == 2)
        } else {
            Issue.record("expected two pieces")
        }
        // Left side uncovered: x ∈ [−30, 0], the gap [8, 12] and [20, 60], one record in three lines.
        let left = r.uncovered.filter { $0.side == .left }
        #expect(left.count == 1 && close(left.first?.lengthMetres ?? 0, 74, 0.01))
        if case .multiLineString(let ls) = left.first?.geometry {
            #expect(ls.count == 3)
        } else {
            Issue.record("expected three lines")
        }
        try checkInvariants(r, units)
    }

    /// A building round a courtyard, with front vertices that match nothing on the kerb: the
    /// courtyard faces no street and gets nothing.
    @Test func buildingWithACourtyard() throws {
        let outer = [
            Coordinate(0, 12), Coordinate(7.3, 12), Coordinate(19.1, 12), Coordinate(30, 12), Coordinate(30, 42),
            Coordinate(0, 42), Coordinate(0, 12),
        ]
        let units = [frontageUnit("Y", .polygon(Polygon(exterior: outer, holes: [rect(10, 22, 20, 32)])))]
        let r = try Frontage.run(units: units, streets: [centreline("Main", (-30, 0), (60, 0))])
        #expect(r.zones.count == 1)
        #expect(close(r.zones.first?.areaSquareMetres ?? 0, 270, 1e-6))
        #expect(close(r.zones.first?.frontageMetres ?? 0, 30, 0.01))
        let ctx = GEOSContext()
        let courtyard = try ctx.geometry(box(10, 22, 20, 32))
        #expect(try ctx.geometry(r.zones[0].geometry).intersection(with: courtyard).area == 0)
        try checkInvariants(r, units)
    }

    /// An L-shaped building at a corner: the wall in its notch is nearer to Main, but Main is hidden
    /// behind the building's own bar, so the notch faces Side (19 × 15 m), as does the bar's end
    /// (2 × 5 m). The 2 × 4 m corner below the bar's end goes to the nearer kerb: split on the line
    /// equidistant from the two kerbs, 2 m² to Main and 6 m² to Side.
    @Test func lShapedBuildingFacesTheSideStreetFromItsNotch() throws {
        let l = Polygon(exterior: [
            Coordinate(70, 8), Coordinate(95, 8), Coordinate(95, 13), Coordinate(78, 13), Coordinate(78, 28),
            Coordinate(70, 28), Coordinate(70, 8),
        ])
        let units = [frontageUnit("L", .polygon(l))]
        let streets = [
            centreline("Main", width: 8, (-10, 0), (140, 0)), centreline("Side", (100, 0), (100, 60), index: 1),
        ]
        let r = try Frontage.run(units: units, streets: streets)
        let main = r.zones.first { $0.street == "Main" }, side = r.zones.first { $0.street == "Side" }
        #expect(r.zones.count == 2)
        #expect(close(main?.areaSquareMetres ?? 0, 25 * 4 + 2, 0.01) && close(main?.frontageMetres ?? 0, 27, 0.01))
        #expect(
            close(side?.areaSquareMetres ?? 0, 19 * 15 + 2 * 5 + 6, 0.01)
                && close(side?.frontageMetres ?? 0, 15 + 5 + 4, 0.01))
        try checkInvariants(r, units)
    }

    /// Zones are cut where a grid boundary crosses them; uncovered kerb is counted per grid.
    @Test func zonesAreCutByUnits() throws {
        let units = (0..<4).map { frontageUnit("S\($0)", box(Double($0) * 10, 12, Double($0) * 10 + 10, 24), $0) }
        let grids = [unit("G2", box(15, -50, 70, 50)), unit("G1", box(-30, -50, 15, 50))]
        let r = try Frontage.run(units: units, streets: [centreline("Main", (-30, 0), (70, 0))], gridUnits: grids)
        let s1 = zones(r, "S1")
        #expect(s1.map(\.unit) == ["G1", "G2"])
        #expect(s1.allSatisfy { close($0.frontageMetres, 5, 0.01) && close($0.areaSquareMetres, 45, 1e-6) })
        #expect(zones(r, "S0").map(\.unit) == ["G1"] && zones(r, "S3").map(\.unit) == ["G2"])
        let leftUncovered = r.uncovered.filter { $0.side == .left }
        #expect(leftUncovered.map(\.unit) == ["G1", "G2"])
        #expect(leftUncovered.allSatisfy { close($0.lengthMetres, 30, 0.01) })
        try checkInvariants(r, units)
    }

    /// Bad features are named and left out; the rest goes on. Options out of range stop the run.
    @Test func badInputIsReportedAndTheRestGoesOn() throws {
        let units = [
            frontageUnit("L", .lineString([Coordinate(0, 12), Coordinate(10, 12)]), 0),
            frontageUnit("  ", box(10, 12, 20, 24), 1),
            frontageUnit("OK", box(20, 12, 30, 24), 2),
        ]
        let streets = [
            FrontageStreetInput(name: "Square", geometry: box(100, 100, 120, 120), sourceIndex: 0),
            centreline("Main", (-30, 0), (60, 0), index: 1),
            FrontageStreetInput(
                name: "Odd", widthMetres: -4, geometry: .lineString([Coordinate(-30, -40), Coordinate(60, -40)]),
                sourceIndex: 2),
        ]
        let r = try Frontage.run(units: units, streets: streets)
        #expect(r.zones.map(\.owner) == ["OK"])
        #expect(r.zones.first?.street == "Main")
        let texts = r.problems.map(\.description)
        #expect(
            texts.contains(
                "frontage unit 0 (\"L\"): a LineString is not a frontage unit; give a footprint (polygon) or an address point; skipped"
            ))
        #expect(texts.contains("frontage unit 1: no owner id; skipped"))
        #expect(
            texts.contains(
                "street 0 (\"Square\"): a Polygon is not a street centreline; give a LineString or MultiLineString; skipped"
            ))
        #expect(texts.contains("street 2 (\"Odd\"): width -4.0 is not a width; the zone stops at the centreline"))
        for depth in [0.0, -5, .nan] {
            var options = FrontageOptions()
            options.depthMetres = depth
            #expect(throws: FrontageError.self) { try Frontage.run(units: units, streets: streets, options: options) }
        }
    }

    /// An irregular town: 4 × 4 blocks between bent streets of three kinds (12 m, 6 m, no width),
    /// rows of shops with random widths, depths, setbacks and gaps (some under the row gap, some
    /// over), end buildings and point shops. No hand answer, but every invariant must hold.
    @Test func irregularTownKeepsTheInvariants() throws {
        var state: UInt64 = 11
        func random() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let n = 4, w = 80.0, h = 60.0
        var streets: [FrontageStreetInput] = []
        for i in 0...n {
            let x = Double(i) * w
            let width: Double? = i % 3 == 0 ? 12 : i % 3 == 1 ? 6 : nil
            streets.append(
                FrontageStreetInput(
                    name: "N\(i)", widthMetres: width,
                    geometry: .lineString([Coordinate(x, -5), Coordinate(x, Double(n) * h + 5)]),
                    sourceIndex: streets.count))
        }
        for j in 0...n {
            var line: [Coordinate] = []
            for i in 0...n {
                line.append(Coordinate(Double(i) * w, Double(j) * h))
                if i < n { line.append(Coordinate(Double(i) * w + w / 2, Double(j) * h + (random() - 0.5) * 2)) }
            }
            streets.append(
                FrontageStreetInput(
                    name: "E\(j)", widthMetres: j % 2 == 0 ? 8 : 5, geometry: .lineString(line),
                    sourceIndex: streets.count))
        }
        var units: [FrontageUnitInput] = []
        for i in 0..<n {
            for j in 0..<n {
                let x0 = Double(i) * w, y0 = Double(j) * h
                for top in [false, true] {
                    var x = x0 + 8
                    while x < x0 + w - 18 {
                        let width = 6 + random() * 8, depth = 8 + random() * 6, setback = 5 + random() * 4
                        let y = top ? y0 + h - setback - depth : y0 + setback
                        units.append(frontageUnit("r\(units.count)", box(x, y, x + width, y + depth), units.count))
                        x += width + (random() < 0.6 ? 0 : random() * 3)
                    }
                }
                units.append(frontageUnit("w\(units.count)", box(x0 + 5, y0 + 22, x0 + 15, y0 + 38), units.count))
                units.append(
                    frontageUnit("e\(units.count)", box(x0 + w - 16, y0 + 24, x0 + w - 6, y0 + 36), units.count))
                units.append(
                    frontageUnit(
                        "p\(units.count)", .point(Coordinate(x0 + 20 + random() * 40, y0 + 3 + random() * 4)),
                        units.count))
            }
        }
        let r = try Frontage.run(units: units, streets: streets)
        #expect(r.zones.count > 250)
        #expect(r.problems.isEmpty)
        try checkInvariants(r, units)
    }

    /// The same input gives the same output, bit for bit, however the blocks are scheduled.
    @Test func deterministic() throws {
        var units: [FrontageUnitInput] = []
        var streets: [FrontageStreetInput] = []
        // A 6 × 6 street grid of 60 m blocks, each with shops along two sides and a point shop.
        for k in 0...6 {
            let c = Double(k) * 60
            streets.append(centreline("E\(k)", width: k % 2 == 0 ? 8 : nil, (-10, c), (370, c), index: streets.count))
            streets.append(centreline("N\(k)", width: 6, (c, -10), (c, 370), index: streets.count))
        }
        for i in 0..<6 {
            for j in 0..<6 {
                let x = Double(i) * 60, y = Double(j) * 60
                for s in 0..<4 {
                    units.append(
                        frontageUnit(
                            "b\(i)-\(j)-\(s)", box(x + 8 + Double(s) * 10.9, y + 9, x + 18 + Double(s) * 10.9, y + 20),
                            units.count))
                }
                units.append(frontageUnit("p\(i)-\(j)", .point(Coordinate(x + 30, y + 52)), units.count))
            }
        }
        let a = try Frontage.run(units: units, streets: streets)
        let b = try Frontage.run(units: units, streets: streets)
        #expect(a.zones.count > 150)
        #expect(a.zones.count == b.zones.count)
        #expect(
            zip(a.zones, b.zones).allSatisfy {
                $0.owner == $1.owner && $0.streetIndex == $1.streetIndex && $0.side == $1.side
                    && $0.geometry == $1.geometry
                    && $0.frontageMetres == $1.frontageMetres && $0.areaSquareMetres == $1.areaSquareMetres
            })
        #expect(a.uncovered.map(\.lengthMetres) == b.uncovered.map(\.lengthMetres))
        try checkInvariants(a, units)
    }
}
