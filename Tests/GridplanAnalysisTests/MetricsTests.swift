import GridplanAnalysis
import GridplanGeometry
import Testing

@Suite struct MetricsTests {
    @Test func perUnitAndRolledUp() throws {
        // Four 1 km × 0.5 km communities in two street offices; A and B overlap by 0.01 km².
        let units = [
            unit("110101001001", box(0, 0, 1000, 500)), unit("110101001002", box(1000, 0, 2000, 500)),
            unit("110101002001", box(0, 500, 1000, 1000)), unit("110101002002", box(990, 500, 2000, 1000)),
        ]
        var input = MetricsCalculator.Inputs(units: units)
        input.households = [
            (Coordinate(500, 250), 300), (Coordinate(1500, 250), 100), (Coordinate(1500, 750), 50),
            (Coordinate(5000, 5000), 7),
        ]
        input.events = [Coordinate(100, 100), Coordinate(200, 100), Coordinate(1500, 900), Coordinate(-50, -50)]
        input.components = [Coordinate(10, 10)]
        input.streets = [.lineString([Coordinate(0, 250), Coordinate(2000, 250)])]
        input.grids = [unit("110101001001001", box(0, 0, 500, 500)), unit("110101001001002", box(500, 0, 1000, 500))]
        input.declaredPopulation = ["110101001001": 800, "110101001002": 200]
        input.chiefs = ["110101001001": 2]
        input.boundary = box(0, 0, 2000, 1000)
        let r = try MetricsCalculator.run(input, level: .community)
        let a = try #require(r.units.first { $0.code == "110101001001" })
        #expect(near(a.areaSquareKilometres, 0.5))
        #expect(a.households == 300)
        #expect(near(a.householdsPerSquareKilometre, 600))
        #expect(a.events == 2 && near(a.eventsPerSquareKilometre, 4))
        #expect(a.components == 1)
        #expect(near(a.streetMetres, 1000))
        #expect(near(a.streetMetresPerChief!, 500))
        #expect(a.grids == 2)
        #expect(a.population == 800)
        // A 1000 × 500 rectangle: 4π · 500000 / 3000².
        #expect(near(a.compactness, 4 * .pi * 500_000 / 9_000_000))
        let office1 = try #require(r.units.first { $0.level == .streetOffice && $0.code == "110101001" })
        #expect(office1.households == 400 && near(office1.areaSquareKilometres, 1) && office1.population == 1000)
        #expect(near(office1.streetMetres, 2000))
        let district = try #require(r.units.first { $0.level == .district })
        #expect(district.code == "110101")
        #expect(district.households == 450)
        #expect(district.events == 3)
        // The 10 m × 500 m strip claimed twice, and full coverage.
        #expect(near(r.doublyClaimedRatio, 5000 / 2_000_000))
        #expect(near(r.coverageRatio, 1))
        #expect(near(r.eventsOutsideShare!, 0.25))
        #expect(r.componentsOutsideShare == 0)
    }

    @Test func gridLevelStatistics() throws {
        let grids = [
            unit("110101001001001", box(0, 0, 100, 100)), unit("110101001001002", box(100, 0, 200, 100)),
            unit("110101001002001", box(0, 100, 100, 200)),
        ]
        var input = MetricsCalculator.Inputs(units: grids)
        input.households = [(Coordinate(50, 50), 100), (Coordinate(150, 50), 300), (Coordinate(50, 150), 200)]
        let r = try MetricsCalculator.run(input, level: .grid)
        let community = try #require(r.units.first { $0.code == "110101001001" })
        #expect(community.grids == 2)
        let s = try #require(community.householdsPerGrid)
        #expect(s.mean == 200 && s.min == 100 && s.max == 300 && near(s.cv, 0.5))
        #expect(r.units.filter { $0.level == .community }.count == 2)
        #expect(r.units.first { $0.level == .district }!.grids == 3)
    }
}
