import Foundation
import GridplanAnalysis
import GridplanGeometry
import Testing

func line(_ cs: (Double, Double)...) -> Geometry { .lineString(cs.map { Coordinate($0.0, $0.1) }) }

/// Checks that grids tile their community exactly: union equals it, no overlap, and shared
/// edges identical (a coverage union, which needs matching edges, equals the plain union).
func expectTiling(_ grids: [GridOutput], community: Geometry) throws {
    let ctx = GEOSContext()
    let natives = try grids.map { try ctx.geometry($0.geometry) }
    for g in natives {
        #expect(try g.isValid)
        #expect(g.numberOfGeometries == 1, "grid is not contiguous")
    }
    let all = try ctx.collection(natives)
    let union = try all.unaryUnion()
    let c = try ctx.geometry(community)
    let symmetric = try union.symmetricDifference(with: c).area
    #expect(symmetric < 1e-6)
    let sum = try natives.reduce(0.0) { $0 + (try $1.area) }
    let communityArea = try c.area
    let coverageArea = try all.coverageUnion().area
    #expect(abs(sum - communityArea) < 1e-6)
    #expect(abs(coverageArea - communityArea) < 1e-6)
}

func target(_ q: PartitionTarget.Quantity, _ lo: Double, _ hi: Double) -> PartitionOptions {
    var o = PartitionOptions()
    o.target = PartitionTarget(quantity: q, minimum: lo, maximum: hi)
    return o
}

@Suite struct PartitionTests {
    @Test func fourEqualBlocksMakeExactlyTwoGrids() throws {
        let community = box(0, 0, 200, 200)
        let streets = [
            StreetInput(geometry: line((100, -10), (100, 210)), streetClass: "arterial"),
            StreetInput(geometry: line((-10, 100), (210, 100)), streetClass: "secondary"),
        ]
        let households: [(Coordinate, Double)] = [
            (Coordinate(50, 50), 100), (Coordinate(150, 50), 100), (Coordinate(50, 150), 100),
            (Coordinate(150, 150), 100),
        ]
        let r = try Partitioner.run(
            communities: [CommunityInput(code: "110101001001", geometry: community)], streets: streets,
            households: households,
            options: target(.households, 150, 250))
        #expect(r.grids.count == 2)
        #expect(r.grids.allSatisfy { $0.households == 200 && $0.withinBounds })
        #expect(r.grids.map(\.code) == ["110101001001001", "110101001001002"])
        #expect(r.communities[0].blocks == 4)
        #expect(r.communities[0].infeasibility == nil)
        try expectTiling(r.grids, community: community)
        // Two 100 × 200 rectangles: Polsby-Popper 4π·20000/600² ≈ 0.698.
        #expect(r.grids.allSatisfy { abs($0.compactness - 4 * .pi * 20_000 / 360_000) < 1e-9 })
        // The same inputs give the same grids.
        let again = try Partitioner.run(
            communities: [CommunityInput(code: "110101001001", geometry: community)], streets: streets,
            households: households,
            options: target(.households, 150, 250))
        #expect(again.grids.map(\.geometry) == r.grids.map(\.geometry))
    }

    @Test func infeasibleCommunitiesAreNamed() throws {
        let small = try Partitioner.run(
            communities: [CommunityInput(code: "C1", geometry: box(0, 0, 100, 100))], streets: [],
            households: [(Coordinate(50, 50), 90)], options: target(.households, 150, 500))
        #expect(small.grids.count == 1)
        #expect(small.communities[0].infeasibility == "90 households in all, below the minimum 150")
        try expectTiling(small.grids, community: box(0, 0, 100, 100))

        let tower = try Partitioner.run(
            communities: [CommunityInput(code: "C2", geometry: box(0, 0, 100, 100))], streets: [],
            households: [(Coordinate(50, 50), 600), (Coordinate(10, 10), 100)], options: target(.households, 150, 500))
        #expect(tower.communities[0].infeasibility?.contains("an indivisible block holds 600 households") == true)
        try expectTiling(tower.grids, community: box(0, 0, 100, 100))
    }

    @Test func straightCutsBalanceABigBlock() throws {
        // One 300 × 100 block with 1200 households spread evenly (40 points of 30): no streets.
        var households: [(Coordinate, Double)] = []
        for i in 0..<20 {
            for j in 0..<2 { households.append((Coordinate(7.5 + Double(i) * 15, 25 + Double(j) * 50), 30)) }
        }
        let community = box(0, 0, 300, 100)
        let r = try Partitioner.run(
            communities: [CommunityInput(code: "C", geometry: community)], streets: [], households: households,
            options: target(.households, 250, 450))
        #expect(r.grids.count == 3)
        #expect(r.grids.allSatisfy { $0.withinBounds })
        #expect(r.grids.reduce(0) { $0 + $1.households } == 1200)
        try expectTiling(r.grids, community: community)
    }

    @Test func lesserStreetsCutBeforeStraightLines() throws {
        // A branch road at x = 130 divides a 200 × 100 block holding 600 households (max 400).
        let community = box(0, 0, 200, 100)
        var households: [(Coordinate, Double)] = []
        for i in 0..<20 { households.append((Coordinate(5 + Double(i) * 10, 50), 30)) }
        let r = try Partitioner.run(
            communities: [CommunityInput(code: "C", geometry: community)],
            streets: [StreetInput(geometry: line((130, -5), (130, 105)), streetClass: "branch")],
            households: households, options: target(.households, 150, 400))
        #expect(r.grids.count == 2)
        let ctx = GEOSContext()
        let widths = try r.grids.map { try ctx.geometry($0.geometry).envelope.width }.sorted()
        #expect(widths == [70, 130])
        #expect(r.grids.map(\.households).sorted() == [210, 390])
        try expectTiling(r.grids, community: community)
    }

    @Test func irregularCommunityWithCurvedStreetAndHole() throws {
        // A pentagon with a courtyard hole, cut by a curved arterial and a straight secondary road.
        let outer = [
            Coordinate(0, 0), Coordinate(400, -20), Coordinate(460, 200), Coordinate(200, 330), Coordinate(-30, 180),
            Coordinate(0, 0),
        ]
        let hole = [
            Coordinate(250, 100), Coordinate(250, 140), Coordinate(290, 140), Coordinate(290, 100),
            Coordinate(250, 100),
        ]
        let community = Geometry.polygon(Polygon(exterior: outer, holes: [hole]))
        let curve = (0...20).map { k -> Coordinate in
            let t = Double(k) / 20
            return Coordinate(-50 + 560 * t, 120 + 60 * sin(t * .pi))
        }
        let streets = [
            StreetInput(geometry: .lineString(curve), streetClass: "arterial"),
            StreetInput(geometry: line((180, -50), (220, 400)), streetClass: "secondary"),
        ]
        var households: [(Coordinate, Double)] = []
        var s: UInt64 = 11
        for _ in 0..<300 {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            let x = Double((s >> 20) % 430), y = Double((s >> 40) % 300)
            households.append((Coordinate(x, y), Double(1 + (s >> 8) % 9)))
        }
        let r = try Partitioner.run(
            communities: [CommunityInput(code: "C", geometry: community)], streets: streets, households: households,
            options: target(.households, 150, 500))
        try expectTiling(r.grids, community: community)
        let ctx = GEOSContext()
        let inside = try households.filter { try ctx.geometry(community).covers(ctx.geometry(.point($0.0))) }.reduce(0)
        { $0 + $1.1 }
        #expect(abs(r.grids.reduce(0) { $0 + $1.households } - inside) < 1e-9)
        #expect(r.grids.allSatisfy { $0.withinBounds } || r.communities[0].infeasibility != nil)
    }

    @Test func regenerationKeepsUntouchedGrids() throws {
        // 4 × 2 blocks of 100 m, 100 households each; bounds make grids of two blocks.
        let community = box(0, 0, 400, 200)
        func streets(_ third: Double) -> [StreetInput] {
            [100, 200, third].map { StreetInput(geometry: line(($0, -10), ($0, 210)), streetClass: "arterial") }
                + [StreetInput(geometry: line((-10, 100), (410, 100)), streetClass: "arterial")]
        }
        var households: [(Coordinate, Double)] = []
        for i in 0..<4 {
            for j in 0..<2 { households.append((Coordinate(50 + Double(i) * 100, 50 + Double(j) * 100), 100)) }
        }
        let options = target(.households, 150, 250)
        let first = try Partitioner.run(
            communities: [CommunityInput(code: "C", geometry: community)], streets: streets(300),
            households: households, options: options)
        #expect(first.grids.count == 4)
        let previous = first.grids.map { PreviousGrid(code: $0.code, geometry: $0.geometry) }
        // Regenerating with the same inputs keeps every grid and code.
        let same = try Partitioner.run(
            communities: [CommunityInput(code: "C", geometry: community)], streets: streets(300),
            households: households,
            previous: previous, options: options)
        #expect(same.kept == 4 && same.changed == 0 && same.new == 0 && same.retired.isEmpty)
        #expect(same.householdsChangingGrid == 0)
        // The street at x = 300 moves to x = 340: grids away from it keep code and shape.
        let moved = try Partitioner.run(
            communities: [CommunityInput(code: "C", geometry: community)], streets: streets(340),
            households: households,
            previous: previous, options: options)
        try expectTiling(moved.grids, community: community)
        let ctx = GEOSContext()
        let strip = try ctx.geometry(box(290, -1, 350, 201))
        for p in first.grids where try !ctx.geometry(p.geometry).intersects(strip) {
            let match = moved.grids.first { $0.code == p.code }
            #expect(match != nil, "untouched grid \(p.code) lost its code")
            if let match {
                let same = try ctx.geometry(match.geometry).isTopologicallyEqual(to: ctx.geometry(p.geometry))
                #expect(same)
            }
        }
        #expect(moved.kept + moved.changed + moved.new == moved.grids.count)
        // Codes of retired grids are never issued again.
        #expect(Set(moved.grids.map(\.code)).isDisjoint(with: moved.retired))
        let firstCodes = Set(first.grids.map(\.code))
        for g in moved.grids where g.status != .kept { #expect(!firstCodes.contains(g.code)) }
    }

    @Test func squareAndHexCellsMergeSlivers() throws {
        var o = target(.area, 0, 1e9)
        o.mode = .square
        o.cellMetres = 100
        let community = box(0, 0, 210, 230)
        let r = try Partitioner.run(
            communities: [CommunityInput(code: "C", geometry: community)], streets: [], households: [], options: o)
        // Columns 0-100, 100-200 and a 10 m sliver column (merged leftwards); rows 0-100, 100-200, 200-230 (30% kept).
        #expect(r.grids.count == 6)
        // The 10 × 30 corner joins the 100 × 30 piece beside it.
        #expect(r.grids.map(\.areaSquareMetres).sorted() == [3000, 3300, 10_000, 10_000, 11_000, 11_000])
        try expectTiling(r.grids, community: community)
        o.mode = .hex
        let hex = try Partitioner.run(
            communities: [CommunityInput(code: "C", geometry: box(0, 0, 500, 400))], streets: [], households: [],
            options: o)
        try expectTiling(hex.grids, community: box(0, 0, 500, 400))
        let full: Double = 3.0.squareRoot() / 2 * 100 * 100  // a hexagon 100 m across flats
        #expect(hex.grids.allSatisfy { $0.areaSquareMetres >= 0.25 * full - 1e-6 })
    }

    @Test func badTargetsAreRefused() {
        #expect(throws: PartitionError.self) { try PartitionTarget(parsing: "households:500-150") }
        #expect(throws: PartitionError.self) { try PartitionTarget(parsing: "people:1-2") }
        #expect(throws: PartitionError.self) { try PartitionTarget(parsing: "area:abc") }
        let parsed = try? PartitionTarget(parsing: "area:8000-12000")
        #expect(parsed == PartitionTarget(quantity: .area, minimum: 8000, maximum: 12000))
    }
}
