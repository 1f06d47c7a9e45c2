import Foundation
import GridplanCommands
import GridplanIO
import Testing

/// `gridplan cases`: known answers from the sample's truth, Open311 both ways, a store with a
/// regeneration between two periods, the bulletin, and bad input set aside.
@Suite struct CasesCommandTests {
    /// The default sample city, once per test process.
    static let city: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gridplan-cases-\(UUID().uuidString)")
            .path
        let r = gridplan("sample", dir, "--quiet")
        precondition(r.code == 0, r.err)
        return dir
    }()

    static func json(_ r: (code: Int32, out: String, err: String)) throws -> JSONObject {
        #expect(r.code == 0, "\(r.err)")
        return try GeoJSONReaderless.object(r.out)
    }

    /// CSV rows as dictionaries (the test data has no quoted commas in the columns read).
    static func csvRows(_ path: String) throws -> [[String: String]] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\r\n").filter {
            !$0.isEmpty
        }
        let header = lines[0].components(separatedBy: ",")
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0.components(separatedBy: ","))) }
    }

    @Test func knownAnswersFromTheSampleTruth() throws {
        let dir = try scratch()
        let r = gridplan(
            "cases", Self.city + "/events.geojson", "--units", Self.city + "/communities.geojson", "--out",
            dir + "/cases.csv", "--json", "--quiet")
        let doc = try Self.json(r)
        let summary = try #require(doc["summary"]?.objectValue)
        #expect(
            summary["cases_read"] == .integer(4968) && summary["rows_set_aside"] == .integer(0)
                && summary["inconsistent"] == .integer(0))
        #expect(summary["periods"]?.arrayValue?.count == 12)

        let truthText = try String(contentsOfFile: Self.city + "/truth.json", encoding: .utf8)
        let truth = try GeoJSONReaderless.object(truthText)
        let counts = try #require(truth["cases"]?.objectValue)
        var inDefects = Set<String>()
        for d in truth["defects"]?.arrayValue ?? [] {
            for u in d.objectValue?["units"]?.arrayValue ?? [] { inDefects.insert(u.text) }
        }
        // Sum the twelve months of each community from the CSV (every figure, exact counts).
        var sums: [String: [String: Int]] = [:]
        for row in try Self.csvRows(dir + "/cases.csv") where row["level"] == "community" {
            for key in ["cases", "dispatched", "closed", "closed_on_time"] {
                sums[row["unit"]!, default: [:]][key, default: 0] += Int(row[key]!)!
            }
        }
        var compared = 0
        var total = 0
        for (code, value) in counts {
            let t = try #require(value.objectValue)
            let n = { (k: String) in Int(t[k]!.intValue!) }
            #expect(
                n("closed") == n("closed_on_time") + n("closed_late")
                    && n("cases") == n("closed") + n("open") + n("never_dispatched"))
            total += sums[code]?["cases"] ?? 0
            guard !inDefects.contains(code) else { continue }
            compared += 1
            let got = sums[code] ?? [:]
            #expect(
                got["cases"] == n("cases") && got["dispatched"] == n("dispatched") && got["closed"] == n("closed")
                    && got["closed_on_time"] == n("closed_on_time"), "\(code)")
        }
        #expect(compared >= 25)
        // Every case is in exactly one community or listed in no unit (overlaps: the lower code).
        #expect(total + Int(summary["in_no_unit"]!.intValue!) == 4968)
        for u in summary["in_no_unit_cases"]?.arrayValue ?? [] {
            #expect(
                u.objectValue?["fallback_owner"]?.stringValue?.count == 12
                    && (u.objectValue?["distance_m"]?.doubleValue ?? -1) >= 0)
        }

        // --json: exactly the issue's shape.
        #expect(Set(doc.keys) == ["summary", "units"])
        let rows = try #require(doc["units"]?.arrayValue)
        #expect(rows.count == (60 + 8 + 1) * 12)
        let keys: Set<String> = [
            "unit", "level", "period", "cases", "closed", "closure_rate", "on_time_rate", "median_hours_to_close",
            "backlog", "overdue", "score", "rank", "rank_change",
        ]
        #expect(rows.allSatisfy { Set($0.objectValue!.keys) == keys })
        let district = rows.compactMap(\.objectValue).filter { $0["level"] == .string("district") }
        #expect(district.count == 12 && district.allSatisfy { $0["rank"] == .integer(1) })
        // The year's district closure matches the truth (every case but those in no unit).
        let closedAll = counts.reduce(0) { $0 + Int($1.value.objectValue!["closed"]!.intValue!) }
        let closedRows = district.reduce(0) { $0 + Int($1["closed"]!.intValue!) }
        #expect(abs(closedRows - closedAll) <= Int(summary["in_no_unit"]!.intValue!))
    }

    @Test func open311RoundTrip() throws {
        let dir = try scratch()
        let units = Self.city + "/communities.geojson"
        let first = try Self.json(
            gridplan(
                "cases", Self.city + "/events.geojson", "--units", units, "--open311", dir + "/requests.json", "--json",
                "--quiet"))
        let requests = try #require(
            try JSONText.decode(try String(contentsOfFile: dir + "/requests.json", encoding: .utf8)).arrayValue)
        #expect(requests.count == 4968)
        let one = try #require(requests.first?.objectValue)
        for key in [
            "service_request_id", "status", "service_name", "agency_responsible", "requested_datetime",
            "updated_datetime", "expected_datetime", "lat", "long",
        ] {
            #expect(one[key] != nil, "\(key)")
        }
        #expect(one["agency_responsible"]?.stringValue?.count == 12)
        #expect(requests.contains { $0.objectValue?["service_notice"]?.stringValue?.contains("属地兜底") == true })
        let again = try Self.json(gridplan("cases", dir + "/requests.json", "--units", units, "--json", "--quiet"))
        #expect(again["units"] == first["units"])
        #expect(again["summary"]?.objectValue?["in_no_unit"] == first["summary"]?.objectValue?["in_no_unit"])

        // The same requests as Open311 CSV, as 311 portals export them.
        var csv =
            "service_request_id,status,service_name,requested_datetime,updated_datetime,expected_datetime,lat,long\r\n"
        for r in requests.prefix(200) {
            let o = r.objectValue!
            csv +=
                [
                    "service_request_id", "status", "service_name", "requested_datetime", "updated_datetime",
                    "expected_datetime", "lat", "long",
                ].map { o[$0]?.text ?? "" }.joined(separator: ",") + "\r\n"
        }
        try write(csv, to: dir + "/requests.csv")
        let fromCSV = try Self.json(gridplan("cases", dir + "/requests.csv", "--units", units, "--json", "--quiet"))
        let s = try #require(fromCSV["summary"]?.objectValue)
        #expect(s["cases_read"] == .integer(200) && s["knows_deadlines"] == .bool(true))
        #expect(
            s["fields"]?.arrayValue?.contains(.string("closed_at ← updated_datetime when status is closed (Open311)"))
                == true)
    }

    /// Two tiny communities' grids, redrawn from February; the events imported into the store.
    @Test func storeCountsEachCaseInTheGenerationInForce() throws {
        let dir = try scratch()
        func grid(_ code: String, _ x0: Double, _ x1: Double) -> String {
            #"{"type":"Feature","properties":{"code":"\#(code)","households":100},"geometry":{"type":"Polygon","coordinates":[[[\#(x0),39.9],[\#(x1),39.9],[\#(x1),39.91],[\#(x0),39.91],[\#(x0),39.9]]]}}"#
        }
        try write(
            #"{"type":"FeatureCollection","features":["# + grid("110101001001001", 116.40, 116.405) + ","
                + grid("110101001001002", 116.405, 116.41) + "]}", to: dir + "/g1.geojson")
        try write(
            #"{"type":"FeatureCollection","features":["# + grid("110101001001001", 116.40, 116.408) + ","
                + grid("110101001001003", 116.408, 116.41) + "]}", to: dir + "/g2.geojson")
        func event(_ id: Int, _ lon: Double, _ reported: String, closed: String? = nil) -> String {
            #"{"type":"Feature","properties":{"id":\#(id),"上报时间":"\#(reported)","结案时间":\#(closed.map { "\"\($0)\"" } ?? "null"),"处置时限":"2023-03-31","案件状态":"\#(closed == nil ? "处置中" : "已结案")","来源":"12345"},"geometry":{"type":"Point","coordinates":[\#(lon),39.905]}}"#
        }
        try write(
            #"{"type":"FeatureCollection","features":["#
                + [
                    event(1, 116.406, "2023-01-31 23:59", closed: "2023-02-01 08:00"),
                    event(2, 116.406, "2023-02-01 00:00"),
                    event(3, 116.409, "2023-02-15 10:00", closed: "2023-02-15 12:00"),
                ].joined(separator: ",") + "]}", to: dir + "/events.geojson")
        let store = dir + "/city.gpkg"
        #expect(gridplan("init", store).code == 0)
        #expect(
            gridplan("import", store, dir + "/g1.geojson", "--as", "grids", "--effective-from", "2023-01-01").code == 0)
        #expect(
            gridplan("import", store, dir + "/g2.geojson", "--as", "grids", "--effective-from", "2023-02-01").code == 0)
        let imported = try Self.json(gridplan("import", store, dir + "/events.geojson", "--as", "events", "--json"))
        let fields = imported["fields"]?.arrayValue?.map(\.text) ?? []
        #expect(
            fields.contains("reported_at ← 上报时间 (auto-detected)") && fields.contains("closed_at ← 结案时间 (auto-detected)")
                && fields.contains("deadline ← 处置时限 (auto-detected)"))

        let doc = try Self.json(gridplan("cases", "events", "--units", "grids", "--store", store, "--json", "--quiet"))
        let unitRows = doc["units"]?.arrayValue?.compactMap(\.objectValue)
        let rows = try #require(unitRows)
        func cases(_ unit: String, _ period: String) -> Int64? {
            rows.first { $0["unit"] == .string(unit) && $0["period"] == .string(period) }?["cases"]?.intValue
        }
        #expect(cases("110101001001002", "2023-01") == 1)  // the first drawing, in January
        #expect(cases("110101001001001", "2023-02") == 1)  // the same place, redrawn, in February
        #expect(cases("110101001001003", "2023-02") == 1)
        #expect(cases("110101001001", "2023-01") == 1 && cases("110101001001", "2023-02") == 2)
        let janRow = rows.first { $0["unit"] == .string("110101001001002") && $0["period"] == .string("2023-01") }
        let jan = try #require(janRow)
        // Reported a minute before midnight, closed the next morning: closed, but backlog at January's end.
        #expect(jan["closed"] == .integer(1) && jan["backlog"] == .integer(1))
        let summary = try #require(doc["summary"]?.objectValue)
        #expect(summary["generations"]?.arrayValue?.count == 2)
    }

    @Test func bulletinIsAnOfflinePrintablePage() throws {
        let dir = try scratch()
        let r = gridplan(
            "cases", Self.city + "/events.geojson", "--units", Self.city + "/communities.geojson", "--bulletin",
            dir + "/bulletin.html", "--quiet")
        #expect(r.code == 0, "\(r.err)")
        let page = try String(contentsOfFile: dir + "/bulletin.html", encoding: .utf8)
        for part in [
            "<html lang=\"zh-CN\">", "数字城管案件通报", "2023-12", "分街道、社区情况", "结案率", "按期结案率", "<svg class=\"chart bars\"",
            "<svg class=\"chart trend\"",
            "排名靠前与靠后", "办理时间最长的未结案件", "@media print", "110101001",
        ] {
            #expect(page.contains(part), "\(part)")
        }
        // Offline: no script, no external resource.
        for absent in ["<script", "src=\"http", "href=\"http", "@import", "url("] {
            #expect(!page.contains(absent), "\(absent)")
        }
        // Eight street offices, each with two bars.
        #expect(page.components(separatedBy: "class=\"closure\"/>").count - 1 == 8 + 1)  // + the legend
        let other = gridplan(
            "cases", Self.city + "/events.geojson", "--units", Self.city + "/communities.geojson", "--bulletin",
            dir + "/b2.html", "--bulletin-period", "2023-Q9", "--quiet")
        #expect(other.code == 2)
    }

    @Test func badInputIsSetAsideAndCounted() throws {
        let dir = try scratch()
        try write(communitiesGeoJSON, to: dir + "/c.geojson")
        func event(_ props: String, _ lon: Double = 116.405) -> String {
            #"{"type":"Feature","properties":{\#(props)},"geometry":{"type":"Point","coordinates":[\#(lon),39.915]}}"#
        }
        let rows = [
            event(
                #""id":"a","reported_at":"2023-03-01T09:00:00+08:00","closed_at":"2023-03-01T10:00:00+08:00","deadline":"2023-03-01T12:00:00+08:00""#
            ),
            event(#""id":"b","reported_at":"2023-02-30 09:00","closed_at":null,"deadline":"2023-03-02""#),
            event(#""id":"c","reported_at":"2023-03-01 09:00","closed_at":"soon","deadline":"2023-03-02""#),
            event(#""id":"d","reported_at":"","deadline":"2023-03-02""#),
            event(#""id":"e","reported_at":"2023-03-05 09:00","closed_at":"2023-03-04 09:00","deadline":"2023-03-06""#),
            event(#""id":"f","reported_at":"2023-03-06 09:00","deadline":"2023-03-05""#),
        ]
        try write(
            #"{"type":"FeatureCollection","features":["# + rows.joined(separator: ",") + "]}", to: dir + "/e.geojson")
        try write(
            "unit,period,score\r\n110101001001,2023-03,90\r\n999999999999,2023-03,80\r\n110101001002,March,70\r\n",
            to: dir + "/scores.csv")
        let r = gridplan(
            "cases", dir + "/e.geojson", "--units", dir + "/c.geojson", "--scores", dir + "/scores.csv", "--json")
        let doc = try Self.json(r)
        let s = try #require(doc["summary"]?.objectValue)
        #expect(s["cases_read"] == .integer(3) && s["rows_set_aside"] == .integer(3))
        let aside = s["set_aside"]?.arrayValue?.map(\.text) ?? []
        #expect(aside.contains { $0.contains("feature 1: reported_at '2023-02-30 09:00' is not an ISO 8601 time") })
        #expect(
            aside.contains { $0.contains("feature 2: closed_at 'soon'") }
                && aside.contains { $0.contains("feature 3: reported_at is empty") })
        #expect(r.err.contains("set aside: ") && r.err.contains("e.geojson: feature 1"))
        // Closed before reported, due before reported: flagged and counted apart.
        #expect(s["inconsistent"] == .integer(2))
        #expect(
            s["inconsistent_by_kind"]?.objectValue?["closed_before_reported"] == .integer(1)
                && s["inconsistent_by_kind"]?.objectValue?["deadline_before_reported"] == .integer(1))
        #expect(s["score_rows_set_aside"] == .integer(2))
        let scoreAside = s["score_set_aside"]?.arrayValue?.map(\.text) ?? []
        #expect(
            scoreAside.contains { $0.contains("line 3: unit '999999999999' is not one of the units assessed") }
                && scoreAside.contains { $0.contains("line 4: period 'March'") })
        let a = try #require(
            doc["units"]?.arrayValue?.compactMap(\.objectValue).first { $0["unit"] == .string("110101001001") })
        // The score is 0.7 × 100 + 0.3 × 90.
        #expect(a["cases"] == .integer(1) && a["closure_rate"] == .integer(1) && a["score"] == .integer(97))
        // The unit with no cases: null rates, not 0.
        let b = try #require(
            doc["units"]?.arrayValue?.compactMap(\.objectValue).first { $0["unit"] == .string("110101001002") })
        #expect(
            b["cases"] == .integer(0) && b["closure_rate"] == .null && b["on_time_rate"] == .null
                && b["median_hours_to_close"] == .null && b["rank"] == .null)

        // A field asked for that the layer lacks: said, and its figures left out; the rest goes on.
        let missing = try Self.json(
            gridplan(
                "cases", dir + "/e.geojson", "--units", dir + "/c.geojson", "--deadline-field", "due", "--json",
                "--quiet"))
        let ms = try #require(missing["summary"]?.objectValue)
        #expect(
            ms["warnings"]?.arrayValue?.contains { $0.text.contains("--deadline-field: no property 'due'") } == true)
        #expect(
            missing["units"]?.arrayValue?.first?.objectValue?["on_time_rate"] == .null
                && ms["knows_deadlines"] == .bool(false))
        // Without a reported time nothing can be counted.
        let none = gridplan("cases", dir + "/c.geojson", "--units", dir + "/c.geojson")
        #expect(none.code == 3 && none.err.contains("no reported time field"))
        let wrong = gridplan("cases", dir + "/e.geojson", "--units", dir + "/c.geojson", "--reported-field", "when")
        #expect(wrong.code == 3 && wrong.err.contains("--reported-field"))
        #expect(
            gridplan("cases", dir + "/e.geojson", "--units", dir + "/c.geojson", "--timezone", "Mars/Olympus").code == 2
        )
        #expect(
            gridplan("cases", dir + "/e.geojson", "--units", dir + "/c.geojson", "--weights", "closure=1").code == 2)
    }
}
