import Foundation
import GridplanAnalysis
import GridplanGeometry
import Testing

/// The incremental partition on built geometry in Gauss-Krüger metres: community A (an irregular
/// hexagon with a courtyard hole) and community B east of it, their shared border slanted and
/// digitised with vertices B has and A lacks; arterials cut both (one of them curved), a
/// secondary road crosses them; 6 households every 20 m. The grids of a first partition are
/// then the previous grids of a repair-style move of the strip along the border from A to B.
@Suite struct IncrementalPartitionTests {
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

    static func incremental(_ previous: PartitionReport, after: (a: Geometry, b: Geometry, strip: Geometry))
        throws -> PartitionReport
    {
        try IncrementalPartitioner.run(
            communities: [
                CommunityInput(code: codeA, geometry: after.a), CommunityInput(code: codeB, geometry: after.b),
            ], streets: streets, households: households,
            previous: previous.grids.map { PreviousGrid(code: $0.code, geometry: $0.geometry) },
            adjustment: BoundaryAdjustment(moves: [
                BoundaryMove(geometry: after.strip, fromUnit: codeA, toUnit: codeB)
            ]), usedCodes: Set(previous.grids.map(\.code)), options: options)
    }

    /// Every previous grid the strip does not overlap, and that was not let go to take in a
    /// remainder, comes back with the same code and the very same geometry; the others are gone;
    /// the grids tile A and B exactly; every other code is new.
    static func expectIncremental(_ r: PartitionReport, previous: PartitionReport, strip: Geometry, after: [Geometry])
        throws
    {
        let ctx = GEOSContext()
        let land = try ctx.geometry(strip)
        let summary = try #require(r.incremental)
        let joined = Set(summary.communities.flatMap(\.joined))
        var kept = 0
        for p in previous.grids {
            let overlap = try ctx.geometry(p.geometry).intersection(with: land).area
            let now = r.grids.first { $0.code == p.code }
            if overlap > 0.01 || joined.contains(p.code) {
                // Gone, or kept by a grid that overlaps it by 90% but on changed land.
                if let now {
                    #expect(now.previousIndex == nil && now.geometry != p.geometry && now.status == .kept)
                } else {
                    #expect(r.retired.contains(p.code))
                }
            } else {
                #expect(now?.geometry == p.geometry, "\(p.code), untouched, changed")
                #expect(now?.status == .kept && now?.predecessor == p.code && now?.previousIndex != nil)
                kept += 1
            }
        }
        #expect(kept == summary.keptCodes.count)
        #expect(r.kept == kept + summary.communities.reduce(0) { $0 + $1.reshaped })
        let issued = Set(previous.grids.map(\.code))
        for g in r.grids where g.status == .kept { #expect(g.code.hasPrefix(g.communityCode)) }
        for g in r.grids where g.status != .kept {
            #expect(!issued.contains(g.code), "\(g.code) was issued before")
            #expect(g.code.hasPrefix(g.communityCode) && g.code.count == 15)
        }
        #expect(Set(r.grids.map(\.code)).count == r.grids.count)
        for (code, shape) in zip([codeA, codeB], after) {
            try expectTiling(r.grids.filter { $0.communityCode == code }, community: shape)
            // Pairwise: no two grids overlap.
            let natives = try r.grids.filter { $0.communityCode == code }.map { try ctx.geometry($0.geometry) }
            for i in natives.indices {
                for j in natives.indices where j > i {
                    #expect(try natives[i].intersection(with: natives[j]).area < 1e-6)
                }
            }
        }
        #expect(r.carried.isEmpty)
    }

    @Test func aStripMovedFromAToBChangesOnlyTheGridsItTouches() throws {
        let previous = try Self.first()
        let after = try Self.moved(width: 60)
        let r = try Self.incremental(previous, after: after)
        try Self.expectIncremental(r, previous: previous, strip: after.strip, after: [after.a, after.b])
        let summary = try #require(r.incremental)
        #expect(summary.communities.map(\.code) == [Self.codeA, Self.codeB])
        // B takes the strip (270 households) as new grids beside its own, all of which stand.
        let b = try #require(summary.communities.last)
        #expect(b.joined.isEmpty && b.retired.isEmpty)
        #expect(b.kept == previous.grids.filter { $0.communityCode == Self.codeB }.count)
        #expect(b.changed + b.new >= 1)
        // A lost the strip: its grids on it changed, the others stand.
        let a = try #require(summary.communities.first)
        #expect(!a.retired.isEmpty && a.kept >= 1)
        #expect(r.changed >= 1)
        // The strip's grids in B continue the A grids they were part of.
        let taken = r.grids.filter { $0.communityCode == Self.codeB && $0.status != .kept }
        #expect(taken.allSatisfy { $0.predecessor?.hasPrefix(Self.codeA) == true })
        // The same inputs give the same grids.
        let again = try Self.incremental(previous, after: after)
        #expect(
            again.grids.map(\.geometry) == r.grids.map(\.geometry) && again.grids.map(\.code) == r.grids.map(\.code))
    }

    @Test func aStripTooSmallToBeAGridJoinsTheGridItBorders() throws {
        let previous = try Self.first()
        // 10 m: 15 buildings, 90 households, below the minimum of 150.
        let after = try Self.moved(width: 10)
        let r = try Self.incremental(previous, after: after)
        try Self.expectIncremental(r, previous: previous, strip: after.strip, after: [after.a, after.b])
        let b = try #require(r.incremental?.communities.first { $0.code == Self.codeB })
        #expect(b.joined.count == 1 && b.retired == b.joined)
        // 90 households on 3,000 m² beside a grid of 22,000 m²: less than 90% of the grown grid.
        #expect(b.changed == 1 && b.new == 0 && b.reshaped == 0)
        let ctx = GEOSContext()
        let joined = try #require(previous.grids.first { $0.code == b.joined[0] })
        // The grid it joined borders the strip, along the old border.
        #expect(try ctx.geometry(joined.geometry).distance(to: ctx.geometry(after.strip)) < 1e-6)
        let grown = try #require(r.grids.first { $0.predecessor == joined.code && $0.status == .changed })
        #expect(grown.households > joined.households)
    }

    @Test func theSameMoveReadFromTwoOutlinesGivesTheSameGrids() throws {
        let previous = try Self.first()
        let after = try Self.moved(width: 60)
        let adjustment = try BoundaryAdjustment.between(
            before: [
                UnitInput(code: Self.codeA, geometry: Self.a, sourceIndex: 0),
                UnitInput(code: Self.codeB, geometry: Self.b, sourceIndex: 1),
            ],
            after: [
                UnitInput(code: Self.codeA, geometry: after.a, sourceIndex: 0),
                UnitInput(code: Self.codeB, geometry: after.b, sourceIndex: 1),
            ])
        #expect(adjustment.units == [Self.codeA, Self.codeB])
        #expect(adjustment.moves.map(\.fromUnit) == [Self.codeA, nil])
        let ctx = GEOSContext()
        for m in adjustment.moves {
            #expect(try abs(ctx.geometry(m.geometry).area - ctx.geometry(after.strip).area) < 1e-6)
        }
        let fromOutlines = try IncrementalPartitioner.run(
            communities: [
                CommunityInput(code: Self.codeA, geometry: after.a),
                CommunityInput(code: Self.codeB, geometry: after.b),
            ], streets: Self.streets, households: Self.households,
            previous: previous.grids.map { PreviousGrid(code: $0.code, geometry: $0.geometry) },
            adjustment: adjustment, usedCodes: Set(previous.grids.map(\.code)), options: Self.options)
        let fromChanges = try Self.incremental(previous, after: after)
        #expect(fromOutlines.grids.map(\.code) == fromChanges.grids.map(\.code))
        #expect(fromOutlines.grids.map(\.geometry) == fromChanges.grids.map(\.geometry))
    }

    /// A community the adjustment does not name keeps its grids, carried as they were; one it
    /// names whose grids all stand (it claimed the land already) is untouched.
    @Test func communitiesTheMoveLeavesAloneAreCarried() throws {
        let previous = try Self.first()
        let r = try IncrementalPartitioner.run(
            communities: [
                CommunityInput(code: Self.codeA, geometry: Self.a), CommunityInput(code: Self.codeB, geometry: Self.b),
            ],
            streets: Self.streets, households: Self.households,
            previous: previous.grids.map { PreviousGrid(code: $0.code, geometry: $0.geometry) },
            adjustment: BoundaryAdjustment(moves: [], units: [Self.codeB]), options: Self.options)
        #expect(r.grids.isEmpty && r.incremental?.untouched == [Self.codeB])
        #expect(r.carried.map(\.code) == previous.grids.map(\.code))
        #expect(r.carried.map(\.geometry) == previous.grids.map(\.geometry))
        #expect(r.carried.map(\.households) == previous.grids.map(\.households))
        #expect(r.householdsChangingGrid == 0)
    }
}
