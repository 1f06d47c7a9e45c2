import Foundation
import GridplanGeometry
import GridplanIO
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

    /// Fids 1–10 read three at a time, the rows at fids 3 and 6 (each the last of its batch)
    /// without a point: every batch after them is still read, and each starts after the last
    /// fid read, kept or not.
    @Test func batchesFollowTheLastFidReadKeptOrNot() throws {
        let pointless: Set<Int64> = [3, 6]
        var asked: [Int64] = []
        var seen: [[Int64]] = []
        try PointParents.batches(
            of: 3,
            read: { after, limit in
                asked.append(after)
                var rows = PointParents()
                for fid in Int64(1)...10 where fid > after && rows.read < limit {
                    rows.passed(fid: fid)
                    if !pointless.contains(fid) {
                        rows.append(fid: fid, point: Coordinate(Double(fid), 0), parent: nil)
                    }
                }
                return rows
            }
        ) { seen.append($0.fids) }
        #expect(asked == [Int64.min, 3, 6, 9])
        #expect(seen == [[1, 2], [4, 5], [7, 8, 9], [10]])
    }

    /// Both engines relocate a layer batch by batch: with batches of three, ten events (two of
    /// them without geometry, one at the end of a batch) each get the code of the place they lie
    /// in, and those without a point keep none.
    @Test(arguments: Engine.allCases)
    func eachEngineRelocatesEveryBatch(engine: Engine) throws {
        guard let location = try engine.newLocation() else { return }
        let dir = try scratchDirectory()
        let store = try Stores.create(location)
        let pointless: Set<Int> = [2, 6]
        let events = (0..<10).map { i in
            Feature(
                id: .integer(Int64(i)),
                geometry: pointless.contains(i) ? nil : .point(Coordinate(116.40 + Double(i) * 0.001, 39.9)),
                properties: ["class": .string("a")])
        }
        let path = dir + "/e.geojson"
        try GeoJSONWriter.write(events, to: path)
        _ = try store.importLayer(
            try SourceLayer.read(path: path), into: .events, fields: [:], replace: false, parameters: [:])
        func code(_ p: Coordinate) -> String {
            "110101001001" + String(format: "%03d", Int(((p.x - 116.40) / 0.001).rounded()))
        }
        var calls: [Int] = []
        let locate: ([Coordinate]) throws -> [String?] = { points in
            calls.append(points.count)
            return points.map(code)
        }
        if let s = store as? GeoPackageStore {
            try s.database.transaction { try s.reassignPoints(replacing: .all, batchSize: 3, locate: locate) }
        } else if let s = store as? PostGISStore {
            try s.connection.transaction { try s.reassignPoints(replacing: .all, batchSize: 3, locate: locate) }
        }
        #expect(calls == [2, 3, 2, 1])
        let placed = try store.features(of: .events).map { $0.properties["parent_code"]?.stringValue }
        #expect(placed == (0..<10).map { pointless.contains($0) ? nil : "110101001001" + String(format: "%03d", $0) })
    }
}
