import Foundation
import GridplanAnalysis
import GridplanGeometry
import Testing

func rect(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> [Coordinate] {
    [Coordinate(x0, y0), Coordinate(x1, y0), Coordinate(x1, y1), Coordinate(x0, y1), Coordinate(x0, y0)]
}

func unit(_ code: String, _ g: Geometry, parent: String? = nil, _ i: Int = 0) -> UnitInput {
    UnitInput(code: code, parentCode: parent, geometry: g, sourceIndex: i)
}

func box(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> Geometry {
    .polygon(Polygon(exterior: rect(x0, y0, x1, y1)))
}

func near(_ a: Double, _ b: Double, _ tol: Double = 1e-6) -> Bool { abs(a - b) <= tol * max(1, abs(b)) }

@Suite struct CoverageCheckTests {
    @Test func cleanTilingHasNoFindings() throws {
        // A 3 × 3 tiling of 100 m cells with one curved shared border (many vertices on both sides).
        var units: [UnitInput] = []
        for i in 0..<3 {
            for j in 0..<3 {
                units.append(
                    unit("U\(i)\(j)", box(Double(i) * 100, Double(j) * 100, Double(i + 1) * 100, Double(j + 1) * 100)))
            }
        }
        let r = try CoverageCheck.run(units: units, boundary: box(0, 0, 300, 300))
        #expect(r.findings.isEmpty)
        #expect(near(r.coverageRatio, 1))
        #expect(near(r.boundaryAreaSquareMetres, 90_000))
    }

    @Test func overlapsCarryEveryClaimant() throws {
        // A and B overlap in [90,100] × [0,100]; C crosses both in [80,120] × [40,60].
        let r = try CoverageCheck.run(
            units: [
                unit("A", box(0, 0, 100, 100)), unit("B", box(90, 0, 190, 100)), unit("C", box(80, 40, 120, 60)),
            ], boundary: nil)
        let overlaps = r.findings.filter { $0.kind == .overlap }
        func area(_ units: [String]) -> Double {
            overlaps.filter { $0.units == units }.reduce(0) { $0 + $1.areaSquareMetres }
        }
        #expect(near(area(["A", "B", "C"]), 10 * 20))  // [90,100] × [40,60]
        #expect(near(area(["A", "B"]), 1000 - 200))
        #expect(near(area(["A", "C"]), 10 * 20))  // [80,90] × [40,60]
        #expect(near(area(["B", "C"]), 20 * 20))  // [100,120] × [40,60]
        // A and B's shared strip is cut in two by C: two pieces.
        #expect(overlaps.filter { $0.units == ["A", "B"] }.count == 2)
        #expect(overlaps.count == 5)
        #expect(r.findings.allSatisfy { $0.kind == .overlap })
    }

    @Test func gapsAreSliversOrUnmanagedWithBordersAndOwner() throws {
        // Four 100 m cells; D is cut back leaving a 10 m wide unmanaged strip y ∈ [100, 110] above B,
        // and C stops 0.5 m short of A: a 0.5 m sliver x ∈ [0, 100], y ∈ [100, 100.5].
        let units = [
            unit("A", box(0, 0, 100, 100)), unit("B", box(100, 0, 200, 100)),
            unit("C", box(0, 100.5, 100, 200)), unit("D", box(100, 110, 200, 200)),
        ]
        let r = try CoverageCheck.run(units: units, boundary: box(0, 0, 200, 200))
        let gaps = r.findings.filter { $0.kind == .sliver || $0.kind == .unmanaged }
        // The two gaps touch at x = 100 and form one region: 100 × 0.5 + 100 × 10.
        #expect(gaps.count == 1)
        let g = gaps[0]
        #expect(near(g.areaSquareMetres, 1050))
        #expect(g.kind == .unmanaged)
        #expect(near(g.widthMetres!, 10, 0.01))
        // A, B and D border it along 100 m each; C along 100 m above the sliver plus 9.5 m beside the strip.
        #expect(g.suggestedOwner == "C")
        #expect(near(g.borders[0].lengthMetres, 109.5, 0.01))
        #expect(g.borders.map(\.code) == ["C", "A", "B", "D"])
        #expect(near(r.coverageRatio, (40_000 - 1050) / 40_000))
    }

    @Test func sliverAndInletAtTheBoundary() throws {
        // B stops 0.4 m short of A: a sliver. C stops 30 m short of the boundary's top: an inlet.
        let units = [
            unit("A", box(0, 0, 100, 100)), unit("B", box(100.4, 0, 200, 100)), unit("C", box(0, 100, 200, 170)),
        ]
        let r = try CoverageCheck.run(units: units, boundary: box(0, 0, 200, 200))
        let sliver = try #require(r.findings.first { $0.kind == .sliver })
        #expect(near(sliver.areaSquareMetres, 40))
        #expect(near(sliver.widthMetres!, 0.4, 0.01))
        #expect(Set(sliver.units) == ["A", "B", "C"])
        #expect(near(sliver.borders.first { $0.code == "A" }!.lengthMetres, 100, 0.01))
        #expect(near(sliver.borders.first { $0.code == "C" }!.lengthMetres, 0.4, 0.3))
        #expect(sliver.suggestedOwner == "A")  // A and B each border it for 100 m; the lower code wins
        let inlet = try #require(r.findings.first { $0.kind == .unmanaged })
        #expect(near(inlet.areaSquareMetres, 6000))
        #expect(inlet.units == ["C"])
        #expect(near(inlet.borders[0].lengthMetres, 200, 0.01))
        // Without a boundary the union's outer edge is the boundary: the inlet and the sliver, which
        // opens onto the bottom edge, both lie outside it.
        let open = try CoverageCheck.run(units: units, boundary: nil)
        #expect(open.findings.isEmpty)
        // Closed at the bottom by a fourth unit, the sliver is inside the union's outer edge again.
        let closed = try CoverageCheck.run(units: units + [unit("D", box(0, -50, 200, 0))], boundary: nil)
        #expect(closed.findings.map(\.kind) == [.sliver])
    }

    @Test func exclaveAndEnclave() throws {
        // B has a hole [40,60]²; A's second part fills it: an exclave of A that B encloses.
        let a = Geometry.multiPolygon([
            Polygon(exterior: rect(-100, 0, 0, 100)), Polygon(exterior: rect(140, 40, 160, 60)),
        ])
        let b = Geometry.polygon(
            Polygon(exterior: rect(100, 0, 200, 100), holes: [Array(rect(140, 40, 160, 60).reversed())]))
        let gapFill = box(0, 0, 100, 100)
        let r = try CoverageCheck.run(units: [unit("A", a), unit("B", b), unit("M", gapFill)], boundary: nil)
        let exclave = try #require(r.findings.first { $0.kind == .exclave })
        #expect(exclave.units == ["A", "B"])
        #expect(near(exclave.areaSquareMetres, 400))
        #expect(near(exclave.distanceMetres!, 140))
        #expect(near(exclave.borders[0].lengthMetres, 80, 0.01))
        let enclave = try #require(r.findings.first { $0.kind == .enclave })
        #expect(enclave.units == ["A", "B"])
        #expect(near(enclave.areaSquareMetres, 400))
        #expect(r.findings.count == 2)
    }

    @Test func wholeUnitEnclosedByAnother() throws {
        let outer = Geometry.polygon(
            Polygon(exterior: rect(0, 0, 300, 300), holes: [Array(rect(100, 100, 150, 150).reversed())]))
        let r = try CoverageCheck.run(units: [unit("OUT", outer), unit("IN", box(100, 100, 150, 150))], boundary: nil)
        #expect(r.findings.count == 1)
        #expect(r.findings[0].kind == .enclave)
        #expect(r.findings[0].units == ["IN", "OUT"])
        // A unit sharing 3 of its 4 sides (75%) is not an enclave.
        let notch = Geometry.polygon(
            Polygon(exterior: [
                Coordinate(0, 0), Coordinate(300, 0), Coordinate(300, 300), Coordinate(150, 300), Coordinate(150, 250),
                Coordinate(100, 250), Coordinate(100, 300), Coordinate(0, 300), Coordinate(0, 0),
            ]))
        let r2 = try CoverageCheck.run(units: [unit("OUT", notch), unit("IN", box(100, 250, 150, 300))], boundary: nil)
        #expect(r2.findings.isEmpty)
    }

    @Test func interlockThroughANarrowNeck() throws {
        // A: 100 × 100 body, a 4 m wide neck 20 m long, and a 30 × 30 lobe reaching into B.
        let aRing = [
            Coordinate(0, 0), Coordinate(100, 0), Coordinate(100, 48), Coordinate(120, 48), Coordinate(120, 35),
            Coordinate(150, 35), Coordinate(150, 65), Coordinate(120, 65), Coordinate(120, 52), Coordinate(100, 52),
            Coordinate(100, 100), Coordinate(0, 100), Coordinate(0, 0),
        ]
        let bRing = [
            Coordinate(100, 0), Coordinate(200, 0), Coordinate(200, 100), Coordinate(100, 100), Coordinate(100, 52),
            Coordinate(120, 52), Coordinate(120, 65), Coordinate(150, 65), Coordinate(150, 35), Coordinate(120, 35),
            Coordinate(120, 48), Coordinate(100, 48), Coordinate(100, 0),
        ]
        let r = try CoverageCheck.run(
            units: [unit("A", .polygon(Polygon(exterior: aRing))), unit("B", .polygon(Polygon(exterior: bRing)))],
            boundary: nil)
        let interlock = try #require(r.findings.first { $0.kind == .interlock })
        #expect(interlock.units == ["A", "B"])
        // The lobe (900 m²) and most of the neck beyond the body (up to 20 × 4 = 80 m²).
        #expect(interlock.areaSquareMetres > 900 && interlock.areaSquareMetres <= 980 + 1e-6)
        #expect(r.findings.count == 1)
        // With a neck width under 4 m the neck is not narrow enough: nothing.
        var narrow = CheckOptions()
        narrow.neckWidthMetres = 3
        #expect(
            try CoverageCheck.run(
                units: [unit("A", .polygon(Polygon(exterior: aRing))), unit("B", .polygon(Polygon(exterior: bRing)))],
                boundary: nil, options: narrow
            ).findings.isEmpty)
    }

    @Test func parentMismatchAndInvalidAndOutside() throws {
        // Q1 and Q2 (parent Q) surround X, which declares parent P; P's own unit is elsewhere.
        let q1 = Geometry.polygon(
            Polygon(exterior: rect(0, 0, 200, 200), holes: [Array(rect(50, 50, 100, 100).reversed())]))
        let units = [
            unit("Q1", q1, parent: "Q"), unit("Q2", box(200, 0, 300, 200), parent: "Q"),
            unit("X", box(50, 50, 100, 100), parent: "P"), unit("P1", box(300, 0, 400, 200), parent: "P"),
            // A bow-tie at the far end: invalid, repaired into two triangles and analysed.
            unit(
                "BAD",
                .polygon(
                    Polygon(exterior: [
                        Coordinate(400, 0), Coordinate(500, 200), Coordinate(500, 0), Coordinate(400, 200),
                        Coordinate(400, 0),
                    ])), parent: "P", 4),
        ]
        let r = try CoverageCheck.run(units: units, boundary: box(0, 0, 480, 200))
        let mismatch = try #require(r.findings.first { $0.kind == .parentMismatch })
        #expect(mismatch.units == ["X", "P", "Q"])
        #expect(near(mismatch.areaSquareMetres, 2500))
        let invalid = try #require(r.findings.first { $0.kind == .invalid })
        #expect(invalid.units == ["BAD"])
        #expect(invalid.geometry == .point(Coordinate(450, 100)))
        #expect(invalid.detail?.contains("Self-intersection") == true)
        // The repaired bow-tie's right triangle tips (x > 480) lie outside the boundary.
        let outside = r.findings.filter { $0.kind == .outside }
        #expect(outside.allSatisfy { $0.units == ["BAD"] })
        // The right triangle's height at x is 4(x − 450): beyond x = 480 that is ∫ 4(x − 450) dx = 3200 m².
        #expect(near(outside.reduce(0) { $0 + $1.areaSquareMetres }, 3200))
        // The bow-tie repaired into two triangles that meet at a point is a multipolygon: one exclave.
        #expect(r.findings.filter { $0.kind == .exclave }.map(\.units.first) == ["BAD"])
    }

    @Test func householdsInsideFindings() throws {
        let units = [unit("A", box(0, 0, 100, 100)), unit("B", box(110, 0, 200, 100))]
        let points: [(Coordinate, Double)] = [
            (Coordinate(105, 50), 30), (Coordinate(105, 10), 12), (Coordinate(50, 50), 200), (Coordinate(110, 50), 7),
        ]
        let r = try CoverageCheck.run(units: units, boundary: box(0, 0, 200, 100), households: points)
        let gap = try #require(r.findings.first { $0.kind == .unmanaged })
        // Points on the gap's edge (x = 110) count: households on a shared edge belong to both views.
        #expect(gap.households == 49)
    }

    @Test func skippedAndDuplicateCodesAreReported() throws {
        let units = [
            unit("A", box(0, 0, 10, 10), 0), unit("A", box(10, 0, 20, 10), 1),
            UnitInput(code: "L", geometry: .lineString([Coordinate(0, 0), Coordinate(1, 1)]), sourceIndex: 2),
            UnitInput(code: "E", geometry: .multiPolygon([]), sourceIndex: 3),
        ]
        let r = try CoverageCheck.run(units: units, boundary: nil)
        #expect(r.unitCount == 2)
        #expect(r.skipped.map(\.index) == [2, 3])
        #expect(r.skipped[0].reason.contains("LineString"))
        #expect(r.warnings == ["feature 1: duplicate code A, analysed as A#2"])
        #expect(r.findings.isEmpty)
    }
}

@Suite struct GapWidthTests {
    /// A band `width` wide around an arc of radius 200 m (a curved sliver), with a wiggle.
    func band(width: Double, wiggle: Double, sweep: Double = 1.2) -> Geometry {
        let n = 120
        var outer: [Coordinate] = [], inner: [Coordinate] = []
        for k in 0...n {
            let t = sweep * Double(k) / Double(n)
            let r = 200 + wiggle * sin(Double(k) * 0.7)
            outer.append(Coordinate(r * cos(t), r * sin(t)))
            inner.append(Coordinate((r - width) * cos(t), (r - width) * sin(t)))
        }
        let ring = outer + inner.reversed() + [outer[0]]
        return .polygon(Polygon(exterior: ring))
    }

    /// The two-stage decision equals the fine one everywhere, including just either side of the threshold.
    @Test func coarseFirstDecisionEqualsTheFineOne() throws {
        var pieces: [Geometry] = []
        for w in [0.4, 1.5, 1.9, 1.96, 1.99, 2.0, 2.01, 2.04, 2.1, 2.5, 8, 30] {
            pieces.append(band(width: w, wiggle: 0))
            pieces.append(band(width: w, wiggle: 0.3))
            pieces.append(box(0, 0, 300, w))
        }
        let gap = 2.0
        let decided = try GapWidth.isNarrower(pieces, than: gap)
        let fine = try GapWidth.diameters(of: pieces, tolerance: GapWidth.tolerance(gapWidth: gap))
        #expect(decided == fine.map { $0 < gap })
        // And the answers are right where the truth is clear.
        #expect(decided[0] && decided[2] && !decided[decided.count - 1] && !decided[decided.count - 3])
        #expect(abs(fine[2] - 0.4) < 0.01 && abs(fine[fine.count - 1] - 30) < 0.05)
    }

    /// Reported widths: the fine measure itself up to 4 m (so near the threshold nothing changes),
    /// within 1% of the truth above it, on straight and curved strips.
    @Test func reportedWidthsAreFineNearTheThresholdAndWithinOnePercentAbove() throws {
        let widths = [0.4, 1.9, 1.99, 2.0, 2.01, 3.5, 6, 12.5, 25, 60]
        var pieces: [Geometry] = []
        for w in widths {
            pieces.append(box(0, 0, 400, w))
            pieces.append(band(width: w, wiggle: 0))
        }
        let gap = 2.0
        let reported = try GapWidth.reportedWidths(of: pieces, gapWidth: gap)
        let fine = try GapWidth.diameters(of: pieces, tolerance: GapWidth.tolerance(gapWidth: gap))
        for (k, piece) in pieces.enumerated() {
            let truth = widths[k / 2]
            if truth < 3.9 {
                #expect(reported[k] == fine[k], "piece \(k) (\(truth) m): \(reported[k]) vs fine \(fine[k])")
            }
            // The band's arcs are drawn as chords, so its true width is a hair under w.
            #expect(
                reported[k] <= truth * 1.000_01 + 1e-9 && reported[k] >= 0.99 * truth - 0.04,
                "piece \(k) \(String(describing: piece.typeName)): \(reported[k]) for \(truth) m")
        }
        #expect(try GapWidth.isNarrower(pieces, than: gap) == reported.map { $0 < gap })
    }
}
