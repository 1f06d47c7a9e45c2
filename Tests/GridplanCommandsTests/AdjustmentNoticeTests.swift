import Foundation
import GridplanCommands
import GridplanIO
import Testing

/// The adjustment notice and the list of moves on built geometry in Gauss-Krüger metres
/// (EPSG:4548): unit A (110101001001) is the square 0–100 × 0–100 with an exclave 300–320 ×
/// 0–20 inside unit B (110101001002, 100.5–400 × 0–100 with a hole for the exclave); a 0.5 m
/// sliver separates them inside the district 0–400 × 0–100. Buildings: 10 households in A, 5 + 5 + 5 in the exclave, 7 in B and
/// 2 in the sliver. `repair --transfer-exclaves` gives the exclave to B and the sliver to a
/// neighbour, so 15 households move from A to B and 2 from no unit to one.
@Suite struct AdjustmentNoticeTests {
    static let x0 = 500_000.0, y0 = 4_420_000.0

    static func ring(_ a: Double, _ b: Double, _ c: Double, _ d: Double) -> String {
        "[" + [(a, b), (c, b), (c, d), (a, d), (a, b)].map { "[\(x0 + $0.0),\(y0 + $0.1)]" }.joined(separator: ",")
            + "]"
    }

    static func fixture() throws -> String {
        let dir = try scratch()
        let a =
            #"{"type":"Feature","properties":{"code":"110101001001","name":"甲社区"},"geometry":{"type":"MultiPolygon","coordinates":[[\#(ring(0, 0, 100, 100))],[\#(ring(300, 0, 320, 20))]]}}"#
        let b =
            #"{"type":"Feature","properties":{"code":"110101001002","name":"乙社区"},"geometry":{"type":"Polygon","coordinates":[\#(ring(100.5, 0, 400, 100)),\#(ring(300, 0, 320, 20))]}}"#
        try #"{"type":"FeatureCollection","features":[\#(a),\#(b)]}"#.write(
            toFile: dir + "/units.geojson", atomically: true, encoding: .utf8)
        try
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"110101"},"geometry":{"type":"Polygon","coordinates":[\#(ring(0, 0, 400, 100))]}}]}"#
            .write(toFile: dir + "/district.geojson", atomically: true, encoding: .utf8)
        let buildings: [(Double, Double, Int)] = [
            (50, 50, 10), (305, 5, 5), (310, 10, 5), (315, 15, 5), (250, 50, 7), (100.25, 50, 2),
        ]
        let features = buildings.enumerated().map { i, b in
            #"{"type":"Feature","properties":{"id":"B\#(i)","households":\#(b.2)},"geometry":{"type":"Point","coordinates":[\#(x0 + b.0),\#(y0 + b.1)]}}"#
        }
        try #"{"type":"FeatureCollection","features":[\#(features.joined(separator: ","))]}"#.write(
            toFile: dir + "/buildings.geojson", atomically: true, encoding: .utf8)
        return dir
    }

    static func csv(_ path: String) throws -> [[String: String]] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\r\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
    }

    @Test func theNoticeBalancesAndEveryMovedHouseholdIsListed() throws {
        let dir = try Self.fixture()
        let r = gridplan([
            "repair", dir + "/units.geojson", "--crs", "EPSG:4548", "--households", dir + "/buildings.geojson",
            "--boundary", dir + "/district.geojson", "--transfer-exclaves", "--out", dir + "/repaired.geojson",
            "--notice", dir + "/notice.csv", "--moves",
            dir + "/moves.csv", "--quiet",
        ])
        #expect(r.code == 0, "\(r.err)")
        let rows = try Self.csv(dir + "/notice.csv")
        let byUnit = Dictionary(uniqueKeysWithValues: rows.map { ($0["unit"]!, $0) })
        let a = try #require(byUnit["110101001001"]), b = try #require(byUnit["110101001002"])
        let none = try #require(byUnit["(none)"])
        #expect(a["households_before"] == "25" && b["households_before"] == "7" && none["households_before"] == "2")
        // Households: what one unit loses another gains, or no unit gives.
        let changes = rows.map { Double($0["households_change"]!)! }
        #expect(changes.reduce(0, +) == 0)
        // The exclave's 15 go from A to B; the sliver's 2 to whichever neighbour takes it.
        let changeA = Double(a["households_change"]!)!, changeB = Double(b["households_change"]!)!
        #expect([-15.0, -13].contains(changeA) && changeA + changeB == 2, "\(changeA), \(changeB)")
        #expect(none["households_after"] == "0")
        // Area: the exclave's 400 m² goes from A to B; the 50 m² sliver comes from no unit.
        let areaA = Double(a["area_change_m2"]!)!, areaB = Double(b["area_change_m2"]!)!
        #expect(abs(areaA + areaB - 50) < 0.2, "\(areaA) + \(areaB)")
        #expect(areaA < -349 && areaB > 399)
        // Every moved building is listed with its from and to unit, and they add up to the changes.
        let moves = try Self.csv(dir + "/moves.csv")
        #expect(Set(moves.map { $0["id"]! }) == ["B1", "B2", "B3", "B5"])
        #expect(moves.filter { $0["from_unit"] == "110101001001" }.allSatisfy { $0["to_unit"] == "110101001002" })
        #expect(moves.first { $0["id"] == "B5" }?["from_unit"] == "")
        for row in rows where row["unit"] != "(none)" {
            let into = moves.filter { $0["to_unit"] == row["unit"] }.map { Double($0["households"]!)! }.reduce(0, +)
            let out = moves.filter { $0["from_unit"] == row["unit"] }.map { Double($0["households"]!)! }.reduce(0, +)
            #expect(into - out == Double(row["households_change"]!)!, "\(row["unit"]!)")
        }
    }

    @Test func theNoticeAsAPageAndBadRequests() throws {
        let dir = try Self.fixture()
        let r = gridplan([
            "repair", dir + "/units.geojson", "--crs", "EPSG:4548", "--households", dir + "/buildings.geojson",
            "--transfer-exclaves", "--out", dir + "/repaired.geojson", "--notice", dir + "/notice.html", "--moves",
            dir + "/moves.geojson", "--quiet",
        ])
        #expect(r.code == 0, "\(r.err)")
        let page = try String(contentsOfFile: dir + "/notice.html", encoding: .utf8)
        #expect(page.contains("区划调整公示") && page.contains("110101001002") && page.contains("乙社区"))
        let moves = try String(contentsOfFile: dir + "/moves.geojson", encoding: .utf8)
        #expect(moves.contains(#""to_unit":"110101001002""#))
        let noHouseholds = gridplan([
            "repair", dir + "/units.geojson", "--crs", "EPSG:4548", "--out", dir + "/x.geojson", "--moves",
            dir + "/m.csv",
        ])
        #expect(noHouseholds.code == 2 && noHouseholds.err.contains("--households"), "\(noHouseholds.err)")
        let badKind = gridplan([
            "repair", dir + "/units.geojson", "--crs", "EPSG:4548", "--out", dir + "/x.geojson", "--notice",
            dir + "/n.txt",
        ])
        #expect(badKind.code == 2 && badKind.err.contains("--notice"), "\(badKind.err)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.geojson"))
    }

    /// With a store, each change names the grids its land cuts into and counts the events and
    /// components on it: the exclave carries grid 110101001001001 and two events.
    @Test func changesInAStoreNameTheGridsAndEventsOnTheLand() throws {
        let dir = try Self.fixture()
        let grids = [
            ("110101001001001", "[\(Self.ring(300, 0, 320, 20))]"),
            ("110101001001002", "[\(Self.ring(0, 0, 100, 100))]"),
            ("110101001002001", "[\(Self.ring(100.5, 0, 400, 100)),\(Self.ring(300, 0, 320, 20))]"),
        ].map {
            #"{"type":"Feature","properties":{"code":"\#($0.0)"},"geometry":{"type":"Polygon","coordinates":\#($0.1)}}"#
        }
        try #"{"type":"FeatureCollection","features":[\#(grids.joined(separator: ","))]}"#.write(
            toFile: dir + "/grids.geojson", atomically: true, encoding: .utf8)
        let events = [(305.0, 15.0), (318.0, 2.0), (50.0, 50.0)].map {
            #"{"type":"Feature","properties":{"class":"市容环境"},"geometry":{"type":"Point","coordinates":[\#(Self.x0 + $0.0),\#(Self.y0 + $0.1)]}}"#
        }
        try #"{"type":"FeatureCollection","features":[\#(events.joined(separator: ","))]}"#.write(
            toFile: dir + "/events.geojson", atomically: true, encoding: .utf8)
        let store = dir + "/s.gpkg"
        #expect(gridplan(["init", store, "--crs", "EPSG:4548", "--quiet"]).code == 0)
        for (file, layer) in [
            ("units", "communities"), ("district", "districts"), ("buildings", "buildings"), ("grids", "grids"),
            ("events", "events"),
        ] {
            let r = gridplan([
                "import", store, dir + "/\(file).geojson", "--as", layer, "--crs", "EPSG:4548", "--quiet",
            ])
            #expect(r.code == 0, "\(layer): \(r.err)")
        }
        let r = gridplan([
            "repair", "communities", "--store", store, "--boundary", "districts", "--households", "buildings",
            "--transfer-exclaves", "--json", "--quiet",
        ])
        #expect(r.code == 0, "\(r.err)")
        let changes = (try JSONText.decode(r.out).objectValue?["changes"]?.arrayValue ?? []).compactMap(\.objectValue)
        let exclave = try #require(changes.first { $0["reason"]?.stringValue == "exclave" })
        #expect(exclave["grids"] == .array([.string("110101001001001")]))
        #expect(exclave["events"] == .integer(2) && exclave["components"] == .integer(0))
        let sliver = try #require(changes.first { $0["reason"]?.stringValue == "sliver" })
        #expect(sliver["grids"] == .array([]) && sliver["events"] == .integer(0))
        // The land that moved is recorded in the store, each change under its stable id.
        let recorded = try #require(JSONText.decode(r.out).objectValue?["recorded"]?.objectValue)
        let generation = try #require(recorded["changes_generation"]?.intValue)
        let export = gridplan([
            "export", store, "boundary_changes", dir + "/moved.geojson", "--generation", String(generation), "--quiet",
        ])
        #expect(export.code == 0, "\(export.err)")
        let moved = try GeoJSONReader.read(path: dir + "/moved.geojson").features.map(\.properties)
        #expect(moved.count == changes.count)
        for change in changes {
            let row = try #require(moved.first { $0["code"] == change["stable_id"] })
            for key in ["reason", "from_unit", "to_unit", "area_m2", "grids"] {
                #expect(row[key] == change[key], "\(key)")
            }
        }
    }
}

/// repair's text output lists at most 40 changes and 40 findings left for a decision, the
/// largest findings first, and counts the rest: a city's thousands of gaps stay in `--json`.
@Suite struct RepairTextOutputTests {
    @Test func aLongListIsCutToTheLargestAndCounted() throws {
        let dir = try scratch()
        func ring(_ a: Double, _ b: Double, _ c: Double, _ d: Double) -> String {
            AdjustmentNoticeTests.ring(a, b, c, d)
        }
        // One unit 0–1000 × 0–100 with 45 holes, each 10 m wide and 5 + i/2 m tall: unmanaged
        // land (wider than the 2 m sliver width) no rule gives away. The tallest is 10 × 27 m.
        var rings = [ring(0, 0, 1000, 100)]
        for i in 0..<45 {
            let left = Double(20 * i + 5)
            let top: Double = 15 + Double(i) / 2
            rings.append(ring(left, 10, left + 10, top))
        }
        let coordinates = rings.joined(separator: ",")
        let unit =
            #"{"type":"Feature","properties":{"code":"110101001001"},"geometry":{"type":"Polygon","coordinates":[\#(coordinates)]}}"#
        try #"{"type":"FeatureCollection","features":[\#(unit)]}"#.write(
            toFile: dir + "/units.geojson", atomically: true, encoding: .utf8)
        let r = gridplan([
            "repair", dir + "/units.geojson", "--crs", "EPSG:4548", "--out", dir + "/repaired.geojson", "--quiet",
        ])
        #expect(r.code == 0, "\(r.err)")
        let lines = r.out.split(separator: "\n").map(String.init)
        #expect(lines.first == "0 changes, 0.00 m² moved, 45 left for a decision", "\(lines.first ?? "")")
        let listed = lines.filter { $0.hasPrefix("left for a decision: ") }
        #expect(listed.count == 40)
        #expect(listed.first?.contains("of 270.00 m²") == true, "\(listed.first ?? "")")
        #expect(listed.last?.contains("of 75.00 m²") == true, "\(listed.last ?? "")")
        #expect(lines.contains("… 5 more left for a decision (use --json)"), "\(lines)")
    }
}
