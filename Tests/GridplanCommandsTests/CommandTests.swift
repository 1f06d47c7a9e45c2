import Foundation
import GridplanCommands
import GridplanGeometry
import GridplanIO
import Testing

/// Runs `gridplan ARGS` in-process and captures its output.
func gridplan(_ arguments: String...) -> (code: Int32, out: String, err: String) {
    let console = Console.capture()
    let code = Console.$current.withValue(console) { Gridplan.execute(arguments) }
    return (code, console.capturedStandardOutput, console.capturedStandardError)
}

func scratch() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gridplan-cmd-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func write(_ text: String, to path: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

/// Two adjacent communities near Beijing (0.01° squares), one with a hole, plus a bow-tie.
let communitiesGeoJSON = """
    {"type":"FeatureCollection","features":[
    {"type":"Feature","id":"110101001001","properties":{"code":"110101001001","name":"东四社区","households":420},"geometry":{"type":"Polygon","coordinates":[[[116.40,39.91],[116.41,39.91],[116.41,39.92],[116.40,39.92],[116.40,39.91]],[[116.402,39.912],[116.402,39.914],[116.404,39.914],[116.404,39.912],[116.402,39.912]]]}},
    {"type":"Feature","id":"110101001002","properties":{"code":"110101001002","name":"西四社区","households":null},"geometry":{"type":"Polygon","coordinates":[[[116.41,39.91],[116.42,39.91],[116.42,39.92],[116.41,39.92],[116.41,39.91]]]}},
    {"type":"Feature","properties":{"code":"bad"},"geometry":{"type":"Polygon","coordinates":[[[116.43,39.91],[116.44,39.92],[116.44,39.91],[116.43,39.92],[116.43,39.91]]]}},
    {"type":"Feature","properties":{"code":"none"},"geometry":null}
    ]}
    """

@Suite struct InfoCommandTests {
    @Test func infoReportsTheLayer() throws {
        let dir = try scratch()
        try write(communitiesGeoJSON, to: dir + "/c.geojson")
        let r = gridplan("info", dir + "/c.geojson", "--json")
        #expect(r.code == 0, "\(r.err)")
        let report = try GeoJSONReaderless.object(r.out)
        #expect(report["features"] == .integer(4))
        #expect(report["null_geometries"] == .integer(1))
        #expect(report["geometry_types"] == .object(["Polygon": .integer(3)]))
        #expect(report["metric_crs"] == .string("EPSG:4548"))
        guard case .object(let invalid)? = report["invalid"] else {
            Issue.record("invalid")
            return
        }
        #expect(invalid["count"] == .integer(1))
        guard case .array(let first)? = invalid["first"], case .object(let one)? = first.first else {
            Issue.record("first")
            return
        }
        #expect(one["feature"] == .integer(2))
        #expect(one["reason"] == .string("Self-intersection"))
        guard case .array(let props)? = report["properties"] else {
            Issue.record("properties")
            return
        }
        #expect(props.count == 3)
        #expect(
            props[2]
                == .object(["name": .string("households"), "types": .array([.string("integer"), .string("null")])]))
        // Two 0.01° squares at 39.9°N minus a 0.002° hole: ≈ 2 × 949,389 + 1 × 949,389 (the bow-tie
        // counts as GEOS measures it, 0) − 0.04 × 949,389.
        guard case .number(let area)? = report["area_m2"] else {
            Issue.record("area")
            return
        }
        #expect(abs(area - 949_389 * 1.96) / area < 0.01)

        let text = gridplan("info", dir + "/c.geojson")
        #expect(text.code == 0)
        #expect(text.out.contains("crs: EPSG:4326 (WGS 84), from RFC 7946 default"))
        #expect(text.out.contains("feature 2: Self-intersection"))
    }

    @Test func declaredCRSIsUsedAndSaid() throws {
        let dir = try scratch()
        try write(communitiesGeoJSON, to: dir + "/c.geojson")
        let r = gridplan("info", dir + "/c.geojson", "--crs", "gcj02")
        #expect(r.code == 0)
        #expect(r.out.contains("crs: gcj02"))
        #expect(r.out.contains("from --crs"))
    }

    @Test func badInputsGiveOneLineErrorsAndExitCodes() throws {
        let dir = try scratch()
        try write("", to: dir + "/empty.geojson")
        try write(
            "{\"type\":\"FeatureCollection\",\"features\":[\n{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[116.4,39.9]}},\n{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[39.9,116.4]}}]}",
            to: dir + "/swapped.geojson")
        try write(communitiesGeoJSON, to: dir + "/c.geojson")
        let cases: [([String], Int32, String)] = [
            (["info", dir + "/empty.geojson"], 3, "empty.geojson: the file is empty"),
            (["info", dir + "/missing.geojson"], 3, "missing.geojson: no such file"),
            (["info", dir + "/swapped.geojson"], 3, "feature 1: latitude 116.4 is beyond ±90"),
            (["info", dir + "/c.geojson", "--crs", "EPSG:999999"], 3, "unknown CRS 'EPSG:999999'"),
            (["info"], 2, "Missing expected argument"),
            (["frobnicate"], 2, "Unexpected argument"),
        ]
        for (args, code, message) in cases {
            let r = Console.$current.withValue(Console.capture()) { () -> (Int32, String) in
                let c = Gridplan.execute(args)
                return (c, Console.current.capturedStandardError)
            }
            #expect(r.0 == code, "\(args): \(r.1)")
            #expect(r.1.contains(message), "\(args): \(r.1)")
            if code == 3 {
                #expect(r.1.split(separator: "\n").count == 1, "one line: \(r.1)")
                #expect(r.1.hasPrefix("gridplan: "))
            }
        }
        #expect(gridplan("info", dir + "/swapped.geojson").err.contains("axes look swapped"))
    }

    @Test func helpAndVersion() {
        let v = gridplan("--version")
        #expect(v.code == 0)
        #expect(v.out.contains("GEOS 3.11"))
        #expect(v.out.contains("PROJ 9.1"))
        for sub in ["info", "convert"] {
            let h = gridplan(sub, "--help")
            #expect(h.code == 0)
            #expect(h.out.contains("USAGE: gridplan \(sub)"))
        }
        #expect(gridplan("--help").out.contains("Exit codes"))
    }
}

@Suite struct ConvertCommandTests {
    @Test func gcj02ExportToWGS84AndBack() throws {
        let dir = try scratch()
        try write(communitiesGeoJSON, to: dir + "/c.geojson")
        var r = gridplan("convert", dir + "/c.geojson", dir + "/gcj.geojson", "--to-crs", "gcj02", "--json")
        #expect(r.code == 0, "\(r.err)")
        let gcj = try GeoJSONReader.read(path: dir + "/gcj.geojson")
        #expect(gcj.declaredCRS == "gcj02")
        r = gridplan("convert", dir + "/gcj.geojson", dir + "/back.geojson")
        #expect(r.code == 0, "\(r.err)")
        let original = try GeoJSONReader.read(path: dir + "/c.geojson")
        let back = try GeoJSONReader.read(path: dir + "/back.geojson")
        #expect(back.declaredCRS == nil)
        #expect(back.features.map(\.properties) == original.features.map(\.properties))
        #expect(back.features.map(\.id) == original.features.map(\.id))
        // Every coordinate returns within 1e-7° (the output precision), i.e. about 1 cm.
        for (a, b) in zip(original.features, back.features) {
            guard let ga = a.geometry, let gb = b.geometry else {
                #expect(a.geometry == nil && b.geometry == nil)
                continue
            }
            var ca: [Coordinate] = [], cb: [Coordinate] = []
            ga.orientedForRFC7946().forEachCoordinate { ca.append($0) }
            gb.forEachCoordinate { cb.append($0) }
            #expect(ca.count == cb.count)
            for (p, q) in zip(ca, cb) { #expect(abs(p.x - q.x) < 1.5e-7 && abs(p.y - q.y) < 1.5e-7) }
        }
    }

    @Test func toGaussKrugerWritesMetres() throws {
        let dir = try scratch()
        try write(communitiesGeoJSON, to: dir + "/c.geojson")
        let r = gridplan("convert", dir + "/c.geojson", dir + "/gk.geojson", "--to-crs", "EPSG:4548")
        #expect(r.code == 0, "\(r.err)")
        let gk = try GeoJSONReader.read(path: dir + "/gk.geojson")
        #expect(gk.declaredCRS == "urn:ogc:def:crs:EPSG::4548")
        let ctx = GEOSContext()
        let area = try ctx.geometry(gk.features[1].geometry!).area
        #expect(abs(area - 949_389) < 2_000)
        // Reading it back with its crs member declared gives the same layer in degrees.
        let again = gridplan("info", dir + "/gk.geojson")
        #expect(again.out.contains("crs: EPSG:4548"))
        #expect(again.out.contains("from the file's own declaration"))
    }

    @Test func failureWritesNothing() throws {
        let dir = try scratch()
        try write(communitiesGeoJSON, to: dir + "/c.geojson")
        try write("previous", to: dir + "/out.geojson")
        // Coordinates in degrees declared as Gauss-Krüger metres cannot reach WGS84 sensibly:
        // the transform fails or the layer is refused; either way the old output stays.
        let r = gridplan(
            "convert", dir + "/c.geojson", dir + "/out.geojson", "--from-crs", "EPSG:4326", "--to-crs", "EPSG:999999")
        #expect(r.code == 3)
        #expect(try String(contentsOfFile: dir + "/out.geojson", encoding: .utf8) == "previous")
        let same = gridplan("convert", dir + "/c.geojson", dir + "/c.geojson")
        #expect(same.code == 2)
        #expect(same.err.contains("inputs are never modified"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["c.geojson", "out.geojson"])
    }
}

/// Parses a `--json` report.
enum GeoJSONReaderless {
    static func object(_ text: String) throws -> JSONObject {
        guard case .object(let o) = try JSONText.decode(text) else {
            throw GeoJSONError(file: "stdout", reason: "not an object")
        }
        return o
    }
}
