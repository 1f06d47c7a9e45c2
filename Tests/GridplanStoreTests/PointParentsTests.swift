import GridplanGeometry
@testable import GridplanStore
import Testing

/// The rows a regeneration relocates: which are written, with which code.
@Suite struct PointParentsTests {
    /// Five rows: one that stays in its grid, one that moves, one that leaves every new grid,
    /// one in a carried grid that no new grid covers, one that had no grid and gets one.
    func rows() -> PointParents {
        var rows = PointParents()
        let olds: [String?] = ["110101001001001", "110101001001001", "110101001001002", "110101002001001", nil]
        for (i, old) in olds.enumerated() {
            rows.append(fid: Int64(10 + i), point: Coordinate(Double(i), 0), parent: old)
        }
        return rows
    }

    let located: [String?] = ["110101001001001", "110101001001003", nil, nil, "110101001001004"]

    @Test func aFullRegenerationWritesOnlyTheRowsWhoseCodeChanges() throws {
        var written: [(Int64, String?)] = []
        let n = try rows().forEachChange(located: located, replacing: .all) { written.append(($0, $1)) }
        #expect(n == 4)
        #expect(written.map(\.0) == [11, 12, 13, 14])
        #expect(written.map(\.1) == ["110101001001003", nil, nil, "110101001001004"])
    }

    @Test func aRowInACarriedGridKeepsItsCodeWhenNoNewGridTakesIt() throws {
        var written: [(Int64, String?)] = []
        let n = try rows().forEachChange(located: located, replacing: .under(["110101001"])) {
            written.append(($0, $1))
        }
        // Row 13's grid (community 110101002) is carried, so it keeps its code and is not written.
        #expect(n == 3)
        #expect(written.map(\.0) == [11, 12, 14])
        #expect(written.map(\.1) == ["110101001001003", nil, "110101001001004"])
    }

    @Test func theRowsKeepTheirPointsInFidOrder() {
        let r = rows()
        #expect(r.count == 5)
        #expect(r.fids == [10, 11, 12, 13, 14])
        #expect(r.points.map(\.x) == [0, 1, 2, 3, 4])
    }
}
