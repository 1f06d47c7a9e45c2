import Foundation
import GridplanGeometry
import Testing

@testable import GridplanAnalysis

@Suite struct StrategyTests {
    @Test func regionObjectiveKnownAnswers() {
        let o = RegionObjective(minimum: 150, maximum: 500)
        #expect(o.middle == 325)
        #expect(o.violation(100) == 50 && o.violation(600) == 100 && o.violation(300) == 0)
        // 1,000 households: 2 to 6 grids fit the bounds, 3 is nearest the middle.
        #expect(o.regionCount(total: 1000) == 3)
        #expect(o.regionCount(total: 100) == 1)
        // Moving 50 out of a region of 550 into one of 200 clears a 50-household violation.
        #expect(o.gain(moving: 50, from: 550, to: 200) == 50e9)
        // Between two regions at 300, a move only widens the spread: 2 × 25² → 35² + 15².
        #expect(o.gain(moving: 10, from: 300, to: 300) == -200)
        let score = o.score([100, 300, 600])
        let spread: Double = 225 * 225 + 25 * 25 + 275 * 275
        #expect(score.0 == 150 && score.1 == 2 && score.2 == spread)
    }

    @Test func seedingsTriedInOrder() {
        #expect(
            SeedingStrategy.attempts == [
                .farthestPoint(rotation: 0), .heaviestApart, .farthestPoint(rotation: 2), .farthestPoint(rotation: 3),
            ])
    }

    @Test func overlapChoicesRankTheClaimants() throws {
        let ctx = GEOSContext()
        let natives = try [box(0, 0, 10, 10), box(5, 0, 30, 10), box(0, 5, 10, 12)].map { try ctx.geometry($0) }
        let claim = OverlapClaim(
            piece: natives[0], claimants: [0, 1, 2], codes: ["C", "B", "A"], natives: natives,
            borders: { [(unit: 0, length: 7), (unit: 1, length: 3)] })
        #expect(try LowerCodeChoice().ranked(claim) == [2, 1, 0])
        #expect(try LargerAreaChoice().ranked(claim) == [1, 0, 2])  // 250, 100, 70 m²
        #expect(try LongestBorderChoice().ranked(claim) == [0, 1, 2])  // A shares no border: last
        #expect(OverlapRule.allCases.map { type(of: $0.choice) == LowerCodeChoice.self } == [false, false, true])
    }

    @Test func findingsOfEveryRuleKeepOneOrder() {
        #expect(
            CoverageRules.all(invalid: []).map(\.name) == [
                "invalid geometry", "overlaps", "gaps", "outside the boundary", "exclaves and enclaves", "interlocks",
                "parent mismatches",
            ])
        // Per unit and part: the exclave, then its enclave finding, then its interlocks; then the next part.
        let exclave = FindingPlace(stage: .parts, unit: 1, part: 0, rank: 0)
        let interlock = FindingPlace(stage: .parts, unit: 1, part: 0, rank: 2)
        let nextPart = FindingPlace(stage: .parts, unit: 1, part: 1, rank: 0)
        let mismatch = FindingPlace(stage: .parents)
        #expect(exclave < interlock && interlock < nextPart && nextPart < mismatch)
        #expect(FindingPlace(stage: .gaps, unit: 9) < FindingPlace(stage: .outside, unit: 0))
    }
}
