import Foundation
#if canImport(FoundationXML)
    import FoundationXML
#endif
import GridplanCommands
import GridplanGeometry
import GridplanIO
import GridplanReport
import Testing

/// `gridplan report` run in-process on files like those other commands write.
@Suite struct ReportCommandTests {
    func gridplan(_ arguments: String...) -> (code: Int32, out: String, err: String) {
        let console = Console.capture()
        let code = Console.$current.withValue(console) { Gridplan.execute(arguments) }
        return (code, console.capturedStandardOutput, console.capturedStandardError)
    }

    func writeInputs(to dir: String) throws {
        try GeoJSONWriter.write(ReportFixtures.units.features, to: dir + "/units.geojson")
        try GeoJSONWriter.write(ReportFixtures.grids.features, to: dir + "/grids.geojson")
        try GeoJSONWriter.write(ReportFixtures.streets.features, to: dir + "/segments.geojson")
        try GeoJSONWriter.write(ReportFixtures.findings.features, to: dir + "/findings.geojson")
        let csv =
            "level,code,name,area_km2,households_per_km2,compactness\r\ncommunity,110101001001,东四社区,0.12,12479.04,0.73\r\ncommunity,110101001002,,0.1,9100.5,0.61\r\nstreet_office,110101001,东四街道,1,11000,0.5\r\n"
        try OutputFile.write(Array(csv.utf8), to: dir + "/metrics.csv")
    }

    @Test func writesThePageAndBothImages() throws {
        let dir = try ReportFixtures.scratch()
        try writeInputs(to: dir)
        let r = gridplan(
            "report", "--units", dir + "/units.geojson", "--grids", dir + "/grids.geojson", "--streets",
            dir + "/segments.geojson",
            "--findings", dir + "/findings.geojson", "--metrics", dir + "/metrics.csv", "--title", "东城区",
            "--out", dir + "/report.html", "--svg", dir + "/map.svg", "--png", dir + "/map.png", "--width", "640",
            "--height", "480", "--json")
        #expect(r.code == 0, "\(r.err)")
        guard case .object(let summary) = try JSONText.decode(r.out) else {
            Issue.record("\(r.out)")
            return
        }
        #expect(
            summary["layers"]
                == .object([
                    "units": .integer(3), "grids": .integer(2), "streets": .integer(3), "findings": .integer(5),
                ]))
        // One metrics row is a street office, which is not among the units.
        #expect(r.err.contains("1 of 3 rows match no unit"))

        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("<title>东城区</title>"))
        #expect(html.contains("<h2>Findings by kind <small>(5 rows)</small></h2>"))
        #expect(html.contains("<h2>Metrics <small>(3 rows)</small></h2>"))
        #expect(html.contains("<td>110101001001, 110101001002</td>"), "the findings table lists units")
        // Metrics joined to the unit travel with it into the page's data.
        #expect(html.contains("\"households_per_km2\":12479.04"))
        // An empty metrics cell does not blank the unit's own name.
        #expect(html.contains("\"name\":\"西四&北社区\""))
        #expect(html.contains("<h2>Streets by lead <small>(3 rows)</small></h2>"))

        let svg = try Data(contentsOf: URL(fileURLWithPath: dir + "/map.svg"))
        #expect(XMLParser(data: svg).parse())
        let png = try Data(contentsOf: URL(fileURLWithPath: dir + "/map.png"))
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    /// Grids with households give the band chart; metrics with street offices and findings the
    /// coverage chart; a Tianditu key puts that base map in the page.
    @Test func drawsChartsAndOffersTiandituWithAKey() throws {
        guard Tools.leaflet() != nil else { return }
        let dir = try ReportFixtures.scratch()
        try writeInputs(to: dir)
        var grids = ReportFixtures.grids.features
        grids[0].properties["households"] = .integer(120)
        grids[1].properties["households"] = .integer(260)
        try GeoJSONWriter.write(grids, to: dir + "/grids.geojson")
        let r = gridplan(
            "report", "--units", dir + "/units.geojson", "--grids", dir + "/grids.geojson", "--findings",
            dir + "/findings.geojson", "--metrics", dir + "/metrics.csv", "--target", "households:150-500",
            "--tianditu-key", "k-</script>", "--out", dir + "/report.html", "--json")
        #expect(r.code == 0, "\(r.err)")
        guard case .object(let summary) = try JSONText.decode(r.out) else {
            Issue.record("\(r.out)")
            return
        }
        #expect(summary["charts"] == .array(["grids", "street-offices", "findings"].map { .string($0) }))
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("target households:150-500: 1 below, 1 within, 0 above."))
        // The unmanaged finding has no units, the sliver's goes to 110101001002 of office 110101001.
        #expect(html.contains("1 street offices; lowest coverage 110101001 at 99.06%, 9500 m² unmanaged in all"))
        #expect(html.contains("Tianditu 天地图"))
        #expect(html.contains("{\"tiandituKey\":\"k-\\u003c/script>\"}"), "the key is data, escaped")

        let bad = gridplan(
            "report", "--grids", dir + "/grids.geojson", "--target", "households:500-150", "--out", dir + "/r.html")
        #expect(bad.code == 2)
        #expect(bad.err.contains("bad --target 'households:500-150'"), "\(bad.err)")
    }

    /// Zones as `gridplan frontage --out` writes them: a layer coloured by owner, and a table per
    /// street adding up the zones' own frontage and area.
    @Test func drawsFrontageZonesAsALayer() throws {
        let dir = try ReportFixtures.scratch()
        func zone(_ owner: String, _ street: String, _ x: Double, frontage: Double, area: Double) -> Feature {
            let ring = [(x, 39.91), (x + 0.0001, 39.91), (x + 0.0001, 39.9101), (x, 39.9101), (x, 39.91)].map {
                Coordinate($0.0, $0.1)
            }
            return Feature(
                geometry: .polygon(Polygon(exterior: ring)),
                properties: [
                    "owner": .string(owner), "street": .string(street), "side": .string("left"),
                    "frontage_m": .number(frontage), "depth_m": .number(9), "area_m2": .number(area),
                ])
        }
        try GeoJSONWriter.write(
            [
                zone("SP0000001", "东四北大街", 116.41, frontage: 10, area: 90),
                zone("SP0000002", "东四北大街", 116.4102, frontage: 8.5, area: 76.5),
                zone("SP0000002", "史家胡同", 116.4104, frontage: 6, area: 40.25),
            ], to: dir + "/zones.geojson")
        let r = gridplan("report", "--frontage", dir + "/zones.geojson", "--out", dir + "/report.html", "--json")
        #expect(r.code == 0, "\(r.err)")
        guard case .object(let summary) = try JSONText.decode(r.out) else {
            Issue.record("\(r.out)")
            return
        }
        #expect(summary["layers"] == .object(["frontage zones": .integer(3)]))
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("<span class=\"layer-name\">frontage zones</span> <span class=\"count\">(3)</span>"))
        #expect(html.contains("<div class=\"by\">colour: owner</div>"))
        #expect(html.contains("<h2>Frontage zones by street <small>(2 rows)</small></h2>"))
        #expect(html.contains("<tr><td>东四北大街</td><td>2</td><td>2</td><td>18.5</td><td>166.5</td></tr>"))
        #expect(html.contains("<tr><td>史家胡同</td><td>1</td><td>1</td><td>6</td><td>40.3</td></tr>"))
    }

    /// Outside the scripts the page refers to nothing; the scripts name no place but the three
    /// tile services (and the attribution links), which are only asked once a base map is chosen.
    @Test func theStandalonePageLoadsNothingFromOutside() throws {
        guard let leaflet = Tools.leaflet() else { return }
        let html = MapReport.html(
            title: "t", layers: ReportFixtures.layers, tables: ReportFixtures.tables,
            charts: [ReportCharts.findingsPerKind(ReportFixtures.findings.features)!], leaflet: leaflet)
        var outsideScripts = ""
        var rest = Substring(html)
        while let open = rest.range(of: "<script") {
            outsideScripts += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "</script>") else {
                Issue.record("an unclosed script element")
                return
            }
            rest = rest[close.upperBound...]
        }
        outsideScripts += rest
        let withoutNamespace = outsideScripts.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
        #expect(!withoutNamespace.contains("http:") && !withoutNamespace.contains("https:"))
        #expect(!outsideScripts.contains("src=") && !outsideScripts.contains("<link"))
        // Leaflet's images are inlined: every url() of the style sheets is data or VML's.
        let urls = html.components(separatedBy: "url(").dropFirst().map { $0.prefix(12) }
        #expect(
            !urls.isEmpty && urls.allSatisfy { $0.hasPrefix("data:image/") || $0.hasPrefix("#default#VML") }, "\(urls)")
        #expect(html.contains("<meta charset=\"utf-8\">"))
        #expect(html.contains("Leaflet \(leaflet.version)") && html.contains("BSD-2-Clause"))
        #expect(
            html.contains("Redistribution and use in source and binary forms"), "the licence travels with the script")
        // The page's own script names only the tile services.
        let script = html.components(separatedBy: "<script>").last!
        let hosts = Set(
            script.components(separatedBy: "https://").dropFirst().map { String($0.prefix { $0 != "/" && $0 != "'" }) })
        #expect(
            hosts == [
                "tile.openstreetmap.org", "www.openstreetmap.org", "webrd0{s}.is.autonavi.com", "t{s}.tianditu.gov.cn",
            ],
            "\(hosts)")
        #expect(!script.contains("fetch(") && !script.contains("XMLHttpRequest"))
        // Property text cannot close the data block early.
        let data = html.components(separatedBy: "<script type=\"application/json\" id=\"report-data\">")[1].components(
            separatedBy: "</script>")[0]
        #expect(data.contains("\\u003c/script>"))
        #expect((try? JSONText.decode(data)) != nil)
        // Every script element closes where it should: as many openings as closings.
        #expect(html.components(separatedBy: "<script").count == html.components(separatedBy: "</script>").count)
    }

    @Test func aMissingInputFailsAndWritesNothing() throws {
        let dir = try ReportFixtures.scratch()
        try writeInputs(to: dir)
        let r = gridplan(
            "report", "--units", dir + "/units.geojson", "--findings", dir + "/nope.geojson", "--out",
            dir + "/report.html", "--png", dir + "/map.png")
        #expect(r.code == 3)
        #expect(r.err == "gridplan: \(dir)/nope.geojson: no such file\n")
        #expect(!FileManager.default.fileExists(atPath: dir + "/report.html"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/map.png"))

        let bad = gridplan(
            "report", "--units", dir + "/units.geojson", "--metrics", dir + "/units.geojson", "--out",
            dir + "/report.html")
        #expect(bad.code == 0, "a GeoJSON metrics file with a code property joins like a CSV: \(bad.err)")

        let noLayers = gridplan("report", "--out", dir + "/r.html")
        #expect(noLayers.code == 2)
        let badDir = gridplan("report", "--units", dir + "/units.geojson", "--out", dir + "/missing/report.html")
        #expect(badDir.code == 4)
        let listing = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".") }
        #expect(listing.isEmpty, "temporary files left behind: \(listing)")
    }

    @Test func projectedCoordinatesAreRefusedUnlessDeclared() throws {
        let dir = try ReportFixtures.scratch()
        let text =
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"1"},"geometry":{"type":"Point","coordinates":[447084.8,4418628.7]}}]}"#
        try OutputFile.write(Array(text.utf8), to: dir + "/gk.geojson")
        let r = gridplan("report", "--units", dir + "/gk.geojson", "--out", dir + "/report.html")
        #expect(r.code == 3)
        #expect(r.err.contains("are not degrees, but EPSG:4326 is geographic"), "\(r.err)")
        #expect(r.err.contains("gk.geojson: feature 0"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/report.html"))
        // Declared (UTM zone 50N, Beijing), the same file is drawn in WGS84.
        let declared = gridplan(
            "report", "--units", dir + "/gk.geojson@EPSG:32650", "--out", dir + "/report.html", "--json")
        #expect(declared.code == 0, "\(declared.err)")
        #expect(
            declared.out.contains(#""crs":"EPSG:32650","crs_source":"\#(dir)/gk.geojson@EPSG:32650""#),
            "\(declared.out)")
        let page = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(page.contains("116.3"), "the point is drawn near 116.37°E")
    }
}
