import Foundation
import GridplanCommands
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanStore
import Testing

/// A small store with known answers: communities A (west, 110101001001) and B (east,
/// 110101002001) in two street offices; A has a hole that is B's exclave; one street along
/// 39.915°N. No grids.
enum TwoCommunities {
    static func polygon(_ rings: [[(Double, Double)]]) -> String {
        "[" + rings.map { "[" + $0.map { "[\($0.0),\($0.1)]" }.joined(separator: ",") + "]" }.joined(separator: ",")
            + "]"
    }
    static func square(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> [(Double, Double)] {
        [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    }
    static let west = square(116.40, 39.91, 116.41, 39.92)
    static let east = square(116.41, 39.91, 116.42, 39.92)
    static let hole = square(116.402, 39.912, 116.404, 39.914)

    static func collection(_ features: [String]) -> String {
        #"{"type":"FeatureCollection","features":["# + features.joined(separator: ",") + "]}"
    }
    static func feature(_ props: String, _ type: String, _ coordinates: String) -> String {
        #"{"type":"Feature","properties":{"# + props + #"},"geometry":{"type":""# + type + #"","coordinates":"#
            + coordinates + "}}"
    }

    /// Makes the store (and, with `grids`, no grids either way) in a new directory; returns its path.
    static func store(assignStreets: Bool = true) throws -> String {
        let dir = try scratch()
        try write(
            collection([
                feature(#""code":"110101","name":"样例区""#, "Polygon", polygon([square(116.40, 39.91, 116.42, 39.92)]))
            ]), to: dir + "/district.geojson")
        try write(
            collection([
                feature(#""code":"110101001","name":"西街道""#, "Polygon", polygon([west, hole])),
                feature(
                    #""code":"110101002","name":"东街道""#, "MultiPolygon",
                    "[" + polygon([east]) + "," + polygon([hole]) + "]"),
            ]), to: dir + "/offices.geojson")
        try write(
            collection([
                feature(#""code":"110101001001","name":"西社区","households":500"#, "Polygon", polygon([west, hole])),
                feature(
                    #""code":"110101002001","name":"东社区","households":300"#, "MultiPolygon",
                    "[" + polygon([east]) + "," + polygon([hole]) + "]"),
            ]), to: dir + "/communities.geojson")
        try write(
            collection([
                feature(#""name":"测试路","grade":2"#, "LineString", "[[116.401,39.915],[116.419,39.915]]"),
                feature(#""name":"小巷","grade":4"#, "LineString", "[[116.415,39.915],[116.415,39.919]]"),
            ]), to: dir + "/streets.geojson")
        let s = dir + "/s.gpkg"
        #expect(gridplan("init", s, "--crs", "EPSG:4490", "--quiet").code == 0)
        for (file, layer) in [
            ("district", "districts"), ("offices", "street_offices"), ("communities", "communities"),
            ("streets", "streets"),
        ] {
            let r = gridplan("import", s, dir + "/\(file).geojson", "--as", layer, "--quiet")
            #expect(r.code == 0, "\(r.err)")
        }
        if assignStreets {
            let r = gridplan(
                "assign", "streets", "streets", "--store", s, "--units", "communities", "--grade-rule",
                "1-3:city,4:street_office", "--quiet")
            #expect(r.code == 0, "\(r.err)")
        }
        return s
    }

    static let roster = """
        name,role,phone,unit,street,superior,tier,duties
        张三,片长,13800000001,110101001001,,赵区,3,巡查
        李四,片长,13800000002,110101002001,,赵区,3,巡查
        王五,街巷长,13800000003,,测试路,赵区,3,每日巡查两次
        赵区,网格中心主任,13800000000,110101,,,1,统筹
        """
}

func doc(_ text: String) throws -> JSONObject {
    guard case .object(let o) = try JSONText.decode(text) else { throw CocoaError(.fileReadCorruptFile) }
    return o
}

@Suite struct LocateCommandTests {
    static let store: String = {
        let s = try! TwoCommunities.store()
        let dir = (s as NSString).deletingLastPathComponent
        try! write(TwoCommunities.roster, to: dir + "/roster.csv")
        let r = gridplan("roster", dir + "/roster.csv", "--store", s, "--quiet")
        precondition(r.code == 0, r.err)
        return s
    }()

    static func results(_ args: String...) throws -> [JSONObject] {
        let r = gridplan(["locate"] + args + ["--store", store, "--json", "--quiet"])
        #expect(r.code == 0, "\(r.err)")
        return try doc(r.out)["results"]?.arrayValue?.compactMap(\.objectValue) ?? []
    }

    static func code(_ r: JSONObject, _ level: String) -> String? { r[level]?.objectValue?["code"]?.stringValue }

    @Test func exclavesSharedEdgesTheDistrictEdgeAndOutside() throws {
        let rs = try Self.results("116.403,39.913", "116.41,39.915", "116.40,39.915", "116.39,39.915", "116.402,39.913")
        #expect(rs.count == 5)
        // In the exclave: B's land, B's office, B's people.
        #expect(Self.code(rs[0], "community") == "110101002001" && Self.code(rs[0], "street_office") == "110101002")
        #expect(
            rs[0]["people"]?.arrayValue?.compactMap { $0.objectValue?["name"]?.stringValue }.sorted() == ["李四", "赵区"])
        // On the A|B edge and on the exclave's edge: the lower code; on the district edge: inside.
        #expect(Self.code(rs[1], "community") == "110101001001")
        #expect(Self.code(rs[4], "community") == "110101001001")
        #expect(Self.code(rs[2], "community") == "110101001001" && Self.code(rs[2], "district") == "110101")
        for r in rs.prefix(3) { #expect(r["fallback"] == .null) }
        // Outside: every level null, the nearest community as fallback (0.01° of longitude ≈ 853 m).
        #expect(rs[3]["district"] == .null && rs[3]["community"] == .null)
        let fallback = try #require(rs[3]["fallback"]?.objectValue)
        #expect(fallback["code"]?.stringValue == "110101001001" && fallback["level"]?.stringValue == "community")
        let d = try #require(fallback["distance_m"]?.doubleValue)
        #expect(abs(d - 853) < 5, "\(d)")
        #expect(rs[3]["people"]?.arrayValue?.compactMap { $0.objectValue?["name"]?.stringValue } == ["张三"])
        // A store without grids: grid is null, never guessed.
        for r in rs { #expect(r["grid"] == .null) }
    }

    @Test func theNearestStreetWithItsLeadAndChief() throws {
        let rs = try Self.results("116.405,39.9152", "116.405,39.918")
        let street = try #require(rs[0]["street"]?.objectValue)
        #expect(street["name"]?.stringValue == "测试路" && street["lead"]?.stringValue == "110101001001")
        #expect(street["chief"]?.stringValue == "王五" && street["phone"]?.stringValue == "13800000003")
        #expect(abs((street["distance_m"]?.doubleValue ?? 0) - 22.2) < 1)
        #expect(
            rs[0]["people"]?.arrayValue?.compactMap { $0.objectValue?["level"]?.stringValue } == [
                "district", "community", "street",
            ])
        #expect(rs[1]["street"] == .null)  // 333 m from 测试路
    }

    @Test func gcj02PointsGiveTheWGS84Answer() throws {
        let wgs = [Coordinate(116.403, 39.913), Coordinate(116.405, 39.9152), Coordinate(116.39, 39.915)]
        let truth = try Self.results(
            wgs.map { "\($0.x),\($0.y)" }[0], "\(wgs[1].x),\(wgs[1].y)", "\(wgs[2].x),\(wgs[2].y)")
        let shifted = wgs.map(ChinaOffsets.gcj02(fromWGS84:))
        let rs = try Self.results(
            "\(shifted[0].x),\(shifted[0].y)", "\(shifted[1].x),\(shifted[1].y)", "\(shifted[2].x),\(shifted[2].y)",
            "--crs", "gcj02")
        for (a, b) in zip(truth, rs) {
            #expect(Self.code(a, "community") == Self.code(b, "community"))
            #expect(a["street"]?.objectValue?["name"] == b["street"]?.objectValue?["name"])
            #expect(a["fallback"]?.objectValue?["code"] == b["fallback"]?.objectValue?["code"])
        }
        // The point is echoed as given.
        #expect(rs[0]["point"]?.arrayValue?.first?.doubleValue == shifted[0].x)
        // Undeclared, the shifted points land ~550 m east and north: another answer.
        let undeclared = try Self.results("\(shifted[0].x),\(shifted[0].y)")
        #expect(Self.code(undeclared[0], "community") != "110101002001")
    }

    @Test func aPointsFileWritesALayer() throws {
        let dir = try scratch()
        try write("lon,lat,id\n116.403,39.913,a\n116.39,39.915,b\n", to: dir + "/p.csv")
        let r = gridplan(
            "locate", "--points", dir + "/p.csv", "--store", Self.store, "--out", dir + "/out.csv", "--quiet")
        #expect(r.code == 0, "\(r.err)")
        let out = try CSVReader.read(path: dir + "/out.csv")
        let rows = out.collection.features.map(\.properties)
        #expect(rows.count == 2)
        #expect(rows[0]["community_code"]?.text == "110101002001" && rows[0]["id"]?.text == "a")
        #expect(rows[1]["fallback_code"]?.text == "110101001001" && rows[1]["community_code"] == .null)
        #expect(out.columnNames.contains("grid_code") && out.columnNames.contains("people"))
    }

    @Test func badCommandLines() {
        #expect(gridplan("locate", "--store", Self.store).code == 2)
        #expect(gridplan("locate", "116.4", "--store", Self.store).code == 2)
        #expect(gridplan("locate", "116.4,39.9").code == 2)
        #expect(gridplan("locate", "116.4,39.9", "--store", Self.store, "--crs", "nonsense").code == 2)
    }
}

@Suite struct RosterCommandTests {
    static func run(_ roster: String, bytes: [UInt8]? = nil, _ extra: [String] = [], store: String? = nil) throws -> (
        code: Int32, doc: JSONObject?, err: String, store: String
    ) {
        let s = try store ?? TwoCommunities.store()
        let path = (s as NSString).deletingLastPathComponent + "/roster-\(UUID().uuidString).csv"
        try OutputFile.write(bytes ?? Array(roster.utf8), to: path)
        let r = gridplan(["roster", path, "--store", s, "--json", "--quiet"] + extra)
        return (r.code, r.code == 0 ? try doc(r.out) : nil, r.err, s)
    }

    @Test func unknownUnitsAndStreetsAreReportedWithTheirLines() throws {
        let r = try Self.run(
            TwoCommunities.roster + "\n孙六,片长,,110101001999,,,3,\n周七,街巷长,,,无名路,张三,4,\n吴八,网格长,,110101001001001,,,4,\n",
            ["--require", "community:片长=1", "--require", "street:街巷长>=1"])
        #expect(r.code == 0, "\(r.err)")
        let doc = try #require(r.doc)
        let unknown = doc["unknown"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(unknown.map { $0["line"]?.intValue ?? 0 } == [6, 7, 8])
        #expect(unknown[0]["unit"]?.stringValue == "110101001999" && unknown[1]["street"]?.stringValue == "无名路")
        #expect(unknown[2]["reason"]?.stringValue?.contains("the store has no grid units") == true)
        // 小巷 has no 街巷长; both communities have their 片长.
        let missing = doc["missing"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(missing.count == 1)
        #expect(
            missing.first?["street"]?.stringValue == "小巷" && missing.first?["required"]?.stringValue == ">=1"
                && missing.first?["present"]?.intValue == 0)
        #expect(Set(missing.first?.keys ?? []) == ["level", "street", "role", "required", "present"])
        #expect(doc["summary"]?.objectValue?["recorded_generation"]?.intValue != nil)
        let store = try Stores.open(r.store, readOnly: true)
        #expect(try store.roster().count == 7)
    }

    @Test func limitsFromTheAssignmentAndTheStore() throws {
        let r = try Self.run(
            TwoCommunities.roster, ["--limit", "片长:households<=400", "--limit", "片长:km<=0.5", "--limit", "街巷长:km<=2"])
        let doc = try #require(r.doc, "\(r.err)")
        let over = doc["over_limit"]?.arrayValue?.compactMap(\.objectValue) ?? []
        // 张三: 500 households; the west community leads 0.77 km of 测试路 (116.401–116.41 at 39.915°N),
        // the east one 0.77 km of it and the 0.44 km of 小巷; 王五 holds 测试路, 1.54 km.
        #expect(over.map { "\($0["name"]!.text) \($0["measure"]!.text)" } == ["张三 households", "张三 km", "李四 km"])
        #expect(abs((over[1]["value"]?.doubleValue ?? 0) - 0.768) < 0.01)
        #expect(abs((over[2]["value"]?.doubleValue ?? 0) - 1.213) < 0.01)
        #expect(over[0]["lines"] == .array([.integer(2)]))
    }

    @Test func gbkRostersAreRead() throws {
        // "name,role,unit\n王五,片长,110101001001\n" in GBK.
        var bytes = Array("name,role,unit\n".utf8)
        bytes += [0xCD, 0xF5, 0xCE, 0xE5] + Array(",".utf8) + [0xC6, 0xAC, 0xB3, 0xA4] + Array(",110101001001\n".utf8)
        let r = try Self.run("", bytes: bytes, ["--require", "community:片长>=1"])
        let doc = try #require(r.doc, "\(r.err)")
        #expect(doc["summary"]?.objectValue?["encoding"]?.stringValue == "GB18030")
        #expect(doc["missing"]?.arrayValue?.compactMap { $0.objectValue?["unit"]?.stringValue } == ["110101002001"])
        let store = try Stores.open(r.store, readOnly: true)
        #expect(try store.roster().map(\.name) == ["王五"])
    }

    @Test(arguments: [
        ("name,role,unit\n张三,,110101001001\n", "line 2: empty role"),
        ("name,role,unit\n,片长,110101001001\n", "line 2: empty name"),
        ("name,role,unit,street\n张三,片长,,\n", "line 2: names neither a unit nor a street"),
        (
            "name,role,unit\n张三,片长,110101001001\n李四,片长,110101002001\n张三,片长,110101001001\n",
            "line 4: 张三 as 片长 for 110101001001 is already on line 2"
        ),
        (
            "name,role,phone,unit\n张三,片长,1,110101001001\n张三,街巷长,2,110101002001\n",
            "line 3: 张三 has phone 2 here but 1 on line 2"
        ),
        ("name,role,unit,tier\n张三,片长,110101001001,high\n", "line 2: tier 'high'"),
        ("name,unit\n张三,110101001001\n", "no role column"),
        ("name,role\n张三,片长\n", "no unit or street column"),
    ])
    func unreadableRostersRecordNothing(text: String, message: String) throws {
        let r = try Self.run(text)
        #expect(r.code == 3)
        #expect(r.err.contains(message), "\(r.err)")
        #expect(r.err.contains("nothing was recorded"))
        let store = try Stores.open(r.store, readOnly: true)
        #expect(try store.roster().isEmpty)
    }

    @Test func bytesNeitherUTF8NorGBKAreNamedByLine() throws {
        var bytes = Array("name,role,unit\n张三,片长,110101001001\n".utf8)
        bytes += [0xFF, 0xFE, 0x80] + Array(",片长,110101002001\n".utf8)
        let r = try Self.run("", bytes: bytes)
        #expect(r.code == 3)
        #expect(r.err.contains("line 3: column 'name' has bytes that are neither UTF-8 nor GBK"), "\(r.err)")
    }

    @Test func badRulesAreUsageErrors() throws {
        let s = try TwoCommunities.store(assignStreets: false)
        for bad in [
            ["--require", "county:片长>=1"], ["--limit", "片长:miles<=3"], ["--signs", "x.txt"], ["--crs", "gcj02"],
        ] {
            #expect(try Self.run(TwoCommunities.roster, bad, store: s).code == 2, "\(bad)")
        }
        #expect(gridplan("roster", "r.csv").code == 2)
    }

    @Test func signsNameTheCrossStreetsAndChiefs() throws {
        let s = try TwoCommunities.store()
        let dir = (s as NSString).deletingLastPathComponent
        let r = try Self.run(
            TwoCommunities.roster,
            ["--signs", dir + "/signs.csv", "--out", dir + "/holes.geojson", "--require", "street:街巷长>=1"], store: s)
        #expect(r.code == 0, "\(r.err)")
        let signs = try CSVReader.read(path: dir + "/signs.csv")
        #expect(signs.columnNames == ["name", "from", "to", "length_m", "units", "chief", "phone", "duties"])
        let rows = Dictionary(
            uniqueKeysWithValues: signs.collection.features.map { ($0.properties["name"]!.text, $0.properties) })
        // 小巷 runs north from 测试路 to a dead end: the northern end comes first when both are as far west.
        #expect(rows["小巷"]?["from"] == .null && rows["小巷"]?["to"]?.text == "测试路")
        #expect(rows["测试路"]?["from"] == .null && abs((rows["测试路"]?["length_m"]?.doubleValue ?? 0) - 1538.8) < 1)
        #expect(
            rows["测试路"]?["chief"]?.text == "王五 (街巷长)"
                && rows["测试路"]?["units"]?.text.contains("西社区 (110101001001)") == true)
        let holes = try GeoJSONReader.read(path: dir + "/holes.geojson")
        #expect(holes.features.count == 1 && holes.features[0].properties["street"]?.stringValue == "小巷")
        #expect(holes.features[0].properties["role"]?.stringValue == "街巷长")
        // The report draws the same holes from the file.
        let page = gridplan(
            "report", "--roster-holes", dir + "/holes.geojson@EPSG:4490", "--out", dir + "/r.html", "--json", "--quiet")
        #expect(page.code == 0, "\(page.err)")
        #expect(try doc(page.out)["layers"]?.objectValue?["roster holes"] == .integer(1))
    }

    /// One street office of the store (--within): the report finds the holes in its part, the
    /// roster check sees the district that encloses it, and the findings (coded by kind, not by
    /// unit) are read by the office's extent.
    @Test func withinAStreetOfficeTheEnclosingDistrictAnswersToo() throws {
        // Without 李四, the east community has no 片长.
        let roster = TwoCommunities.roster.split(separator: "\n").filter { !$0.hasPrefix("李四") }.joined(
            separator: "\n")
        let r = try RosterCommandTests.run(roster, ["--require", "community:片长>=1", "--require", "district:网格中心主任=1"])
        #expect(r.code == 0, "\(r.err)")
        let dir = (r.store as NSString).deletingLastPathComponent
        #expect(gridplan("check", "communities", "--store", r.store, "--quiet").code == 0)
        func holes(_ within: String) throws -> JSONObject? {
            let page = gridplan(
                "report", "--store", r.store, "--within", within, "--out", dir + "/r-\(within).html", "--json",
                "--quiet")
            #expect(page.code == 0, "\(within): \(page.err)")
            return try doc(page.out)["layers"]?.objectValue
        }
        let east = try holes("110101002")
        #expect(east?["roster holes"] == .integer(1) && east?["units"] == .integer(1), "\(east ?? [:])")
        let west = try holes("110101001")
        #expect(west?["roster holes"] == nil && west?["units"] == .integer(1), "\(west ?? [:])")
        // The exclave's findings lie in the west office's extent.
        #expect((west?["findings"]?.intValue ?? 0) > 0, "\(west ?? [:])")
        // The district head is found for a street office's run: no hole at district level.
        let path = dir + "/roster-east.csv"
        try OutputFile.write(Array(roster.utf8), to: path)
        let rr = gridplan(
            "roster", path, "--store", r.store, "--within", "110101002", "--require", "district:网格中心主任=1",
            "--require", "community:片长>=1", "--check-only", "--json", "--quiet")
        #expect(rr.code == 0, "\(rr.err)")
        let missing = try doc(rr.out)["missing"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(missing.map { $0["unit"]?.text } == ["110101002001"], "\(missing)")
        // The west community's 片长 is another office's row: passed over, not unknown.
        let unknown = try doc(rr.out)["unknown"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(!unknown.contains { $0["value"]?.text == "110101001001" }, "\(unknown)")
        let warnings = try doc(rr.out)["warnings"]?.arrayValue?.map(\.text) ?? []
        #expect(
            warnings.contains { $0.contains("rows name units or streets outside 110101002; passed over") },
            "\(warnings)")
    }

    /// The report's roster holes need a roster: --require on a store without one is an error.
    @Test func reportRequiresARecordedRoster() throws {
        let s = try TwoCommunities.store(assignStreets: false)
        let out = URL(fileURLWithPath: s).deletingLastPathComponent().path + "/r.html"
        let r = gridplan("report", "--store", s, "--require", "community:片长>=1", "--out", out, "--quiet")
        #expect(r.code == 3 && r.err.contains("no roster is recorded in the store"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: out))
        // Without --require, a store without a roster simply has no holes layer.
        let plain = gridplan("report", "--store", s, "--out", out, "--json", "--quiet")
        #expect(plain.code == 0, "\(plain.err)")
        #expect(try doc(plain.out)["layers"]?.objectValue?["roster holes"] == nil)
        let bad = gridplan("report", "--store", s, "--require", "community:片长", "--out", out, "--quiet")
        #expect(bad.code == 2 && bad.err.contains("LEVEL:ROLE>=N"), "\(bad.err)")
    }
}

/// The sample city's roster: every hole truth.json lists is found, and nothing else.
@Suite struct SampleRosterTruthTests {
    @Test(arguments: [UInt64(4), 9])
    func everyHoleFoundAndNothingElse(seed: UInt64) throws {
        let dir = try scratch()
        let city = dir + "/city"
        #expect(gridplan("sample", city, "--seed", String(seed), "--communities", "30", "--quiet").code == 0)
        let s = dir + "/s.gpkg"
        #expect(gridplan("init", s, "--quiet").code == 0)
        for (file, layer) in [
            ("district", "districts"), ("street_offices", "street_offices"), ("communities", "communities"),
            ("streets", "streets"),
            ("buildings", "buildings"), ("grids_old", "grids"),
        ] {
            #expect(gridplan("import", s, city + "/\(file).geojson", "--as", layer, "--quiet").code == 0)
        }
        #expect(
            gridplan(
                "assign", "streets", "streets", "--store", s, "--units", "communities", "--grade-rule",
                "1-3:city,4:street_office", "--quiet"
            ).code == 0)
        let truth = try #require(
            try doc(String(contentsOfFile: city + "/truth.json", encoding: .utf8))["roster"]?.objectValue)
        var args = ["roster", city + "/roster.csv", "--store", s, "--json", "--quiet"]
        for r in truth["require"]?.arrayValue ?? [] { args += ["--require", r.text] }
        for l in truth["limit"]?.arrayValue ?? [] { args += ["--limit", l.text] }
        let r = gridplan(args)
        #expect(r.code == 0, "\(r.err)")
        let report = try doc(r.out)
        func keyed(_ v: JSONValue?) -> [String] {
            (v?.arrayValue ?? []).compactMap(\.objectValue).map { o in
                [o["level"]?.text, o["unit"]?.text, o["street"]?.text, o["role"]?.text].compactMap { $0 }.joined(
                    separator: "|")
            }.sorted()
        }
        #expect(keyed(report["missing"]) == keyed(truth["missing"]))
        #expect(truth["missing"]?.arrayValue?.isEmpty == false)
        let over = (report["over_limit"]?.arrayValue ?? []).compactMap(\.objectValue)
        let expected = (truth["over_limit"]?.arrayValue ?? []).compactMap(\.objectValue)
        #expect(over.map { $0["name"]?.text } == expected.map { $0["name"]?.text })
        for (a, b) in zip(over, expected) {
            #expect(abs((a["value"]?.doubleValue ?? 0) - (b["value"]?.doubleValue ?? 0)) < 0.01)
        }
        let unknown = (report["unknown"]?.arrayValue ?? []).compactMap(\.objectValue)
        #expect(
            unknown.map { "\($0["line"]!.text) \($0["unit"]?.text ?? "")" }
                == (truth["unknown"]?.arrayValue ?? []).compactMap(\.objectValue).map {
                    "\($0["line"]!.text) \($0["unit"]!.text)"
                })
        #expect(report["superiors"]?.arrayValue?.isEmpty == true)

        // The report finds the same holes in the recorded roster, with the rules it was recorded with.
        let holes = Set(keyed(truth["missing"]).map { $0.split(separator: "|").dropLast().joined(separator: "|") })
        let page = gridplan("report", "--store", s, "--out", dir + "/report.html", "--json", "--quiet")
        #expect(page.code == 0, "\(page.err)")
        let layers = try doc(page.out)["layers"]?.objectValue
        #expect(layers?["roster holes"] == .integer(Int64(holes.count)), "\(layers ?? [:])")
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("<h2>Roster holes <small>(\(holes.count) rows)</small></h2>"))
        // Given rules replace the recorded ones: only the community without its 片长.
        let communities = holes.filter { $0.hasPrefix("community|") }
        let one = gridplan(
            "report", "--store", s, "--units", "communities", "--require", "community:片长>=1", "--out",
            dir + "/report-1.html", "--json", "--quiet")
        #expect(one.code == 0, "\(one.err)")
        #expect(try doc(one.out)["layers"]?.objectValue?["roster holes"] == .integer(Int64(communities.count)))
        #expect(!communities.isEmpty)

        // The recorded roster names people in locate: a grid's point has its 网格长, 片长, office and district heads.
        let grids = try GeoJSONReader.read(path: city + "/grids_old.geojson")
        let ctx = GEOSContext()
        let inside = try ctx.geometry(grids.features[0].geometry!).pointOnSurface.pointCoordinate
        let located = gridplan("locate", "\(inside.x),\(inside.y)", "--store", s, "--json", "--quiet")
        #expect(located.code == 0, "\(located.err)")
        let result = try #require(try doc(located.out)["results"]?.arrayValue?.first?.objectValue)
        #expect(result["grid"]?.objectValue?["code"]?.text == grids.features[0].properties["code"]?.text)
        let levels = Set((result["people"]?.arrayValue ?? []).compactMap { $0.objectValue?["level"]?.stringValue })
        #expect(levels.isSuperset(of: ["district", "street_office", "grid"]), "\(levels)")

        // Road grades: metrics gives street km per grade and per body of the recorded rule.
        let m = gridplan("metrics", "communities", "--store", s, "--streets", "streets", "--json", "--quiet")
        #expect(m.code == 0, "\(m.err)")
        let summary = try #require(try doc(m.out)["summary"]?.objectValue)
        let byGrade = try #require(summary["street_km_by_grade"]?.objectValue)
        let byBody = try #require(summary["street_km_by_body"]?.objectValue)
        #expect(byGrade.keys == ["1", "2", "3", "4"])
        let sum123 = ["1", "2", "3"].reduce(0.0) { $0 + (byGrade[$1]?.doubleValue ?? 0) }
        #expect(abs((byBody["city"]?.doubleValue ?? 0) - sum123) < 0.001)
        #expect(abs((byBody["street_office"]?.doubleValue ?? 0) - (byGrade["4"]?.doubleValue ?? 0)) < 0.001)
        #expect(summary["grade_rule"]?.stringValue == "1-3:city,4:street_office")
    }
}
