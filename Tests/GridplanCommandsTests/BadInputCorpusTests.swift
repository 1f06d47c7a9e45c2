import Foundation
import GridplanCommands
import GridplanIO
import GridplanSQLite
import GridplanStore
import Testing

/// The bad-input corpus: what planners' departments send, each case with the exit code and the
/// message it must give, and nothing written when a command fails.
@Suite struct BadInputCorpusTests {
    /// One case: files to create, a command line (with $D for the scratch directory), the exit
    /// code, a message fragment (stderr for failures, stdout for successes) and outputs that
    /// must not exist afterwards.
    struct Case: CustomStringConvertible {
        var name: String
        var files: [String: [UInt8]]
        var args: [String]
        var code: Int32
        var message: String
        var absent: [String] = []
        var description: String { name }
    }

    static func fc(_ features: String...) -> String {
        #"{"type":"FeatureCollection","features":["# + features.joined(separator: ",") + "]}"
    }
    static func feature(_ geometry: String, _ properties: String = "{}") -> String {
        #"{"type":"Feature","properties":"# + properties + #","geometry":"# + geometry + "}"
    }
    static func square(_ x: Double, _ y: Double, _ d: Double = 0.001, code: String = "110101001001") -> String {
        feature(
            #"{"type":"Polygon","coordinates":[[[\#(x),\#(y)],[\#(x + d),\#(y)],[\#(x + d),\#(y + d)],[\#(x),\#(y + d)],[\#(x),\#(y)]]]}"#,
            #"{"code":"\#(code)","households":200}"#)
    }
    static let good = fc(square(116.40, 39.90), square(116.401, 39.90, code: "110101001002"))
    static func b(_ s: String) -> [UInt8] { Array(s.utf8) }

    static var cases: [Case] {
        var c: [Case] = []
        func add(
            _ name: String, _ files: [String: [UInt8]], _ args: [String], _ code: Int32, _ message: String,
            absent: [String] = []
        ) {
            c.append(Case(name: name, files: files, args: args, code: code, message: message, absent: absent))
        }
        // GeoJSON structure
        add("truncated JSON", ["a.geojson": b(String(good.dropLast(20)))], ["info", "$D/a.geojson"], 3, "end of file")
        add(
            "malformed JSON names line and column",
            ["a.geojson": b("{\"type\":\"FeatureCollection\",\n\"features\":[\n{\"type\" \"Feature\"}]}")],
            ["info", "$D/a.geojson"], 3, "a.geojson:3:9:")
        add("top-level array", ["a.geojson": b("[1,2,3]")], ["info", "$D/a.geojson"], 3, "expected a GeoJSON object")
        add("empty file", ["a.geojson": []], ["info", "$D/a.geojson"], 3, "the file is empty")
        add("whitespace only", ["a.geojson": b("  \n\n ")], ["info", "$D/a.geojson"], 3, "the file is empty")
        add("not GeoJSON", ["a.geojson": b(#"{"hello":"world"}"#)], ["info", "$D/a.geojson"], 3, "no \"type\" member")
        add(
            "unknown geometry type", ["a.geojson": b(fc(feature(#"{"type":"Circle","coordinates":[0,0]}"#)))],
            ["info", "$D/a.geojson"], 3, "unknown geometry type 'Circle'")
        add(
            "missing geometry member", ["a.geojson": b(fc(#"{"type":"Feature","properties":{}}"#))],
            ["info", "$D/a.geojson"], 3, "no \"geometry\" member")
        add(
            "properties not an object", ["a.geojson": b(fc(#"{"type":"Feature","properties":[1],"geometry":null}"#))],
            ["info", "$D/a.geojson"], 3, "must be an object or null")
        add(
            "unclosed ring",
            [
                "a.geojson": b(
                    fc(feature(#"{"type":"Polygon","coordinates":[[[116,39],[116.1,39],[116.1,39.1],[116,39.1]]]}"#)))
            ], ["info", "$D/a.geojson"], 3, "feature 0: exterior ring is not closed")
        add(
            "ring of three points",
            ["a.geojson": b(fc(feature(#"{"type":"Polygon","coordinates":[[[116,39],[116.1,39],[116,39]]]}"#)))],
            ["info", "$D/a.geojson"], 3, "needs at least 4")
        add(
            "one-point line", ["a.geojson": b(fc(feature(#"{"type":"LineString","coordinates":[[116,39]]}"#)))],
            ["info", "$D/a.geojson"], 3, "only one position")
        add(
            "NaN coordinate", ["a.geojson": b(fc(feature(#"{"type":"Point","coordinates":[NaN,39]}"#)))],
            ["info", "$D/a.geojson"], 3, "NaN")
        add(
            "infinite coordinate", ["a.geojson": b(fc(feature(#"{"type":"Point","coordinates":[1e400,39]}"#)))],
            ["info", "$D/a.geojson"], 3, "infinite")
        add(
            "deeply nested coordinates",
            [
                "a.geojson": b(
                    #"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":"#
                        + String(repeating: "[", count: 50_000))
            ],
            ["info", "$D/a.geojson"], 3, "too deeply")
        add(
            "GBK text in GeoJSON",
            [
                "a.geojson": b(#"{"type":"Feature","properties":{"name":""#) + [0xB6, 0xAB, 0xCB, 0xC4]
                    + b(#""},"geometry":null}"#)
            ],
            ["info", "$D/a.geojson"], 3, "GBK")
        // Coordinates and CRSs
        add(
            "swapped lat/lon", ["a.geojson": b(fc(square(39.90, 116.40)))], ["info", "$D/a.geojson"], 3,
            "axes look swapped")
        add(
            "projected data read as WGS84", ["a.geojson": b(fc(square(448000, 4418000, 100)))],
            ["info", "$D/a.geojson"], 3, "looks projected")
        add(
            "degrees declared projected", ["a.geojson": b(fc(square(116.40, 39.90)))],
            ["info", "$D/a.geojson", "--crs", "EPSG:4548"], 3, "look like degrees")
        add(
            "crs member contradicts coordinates",
            [
                "a.geojson": b(
                    #"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4548"}},"features":["#
                        + square(116.4, 39.9) + "]}")
            ],
            ["info", "$D/a.geojson"], 3, "look like degrees")
        add(
            "unknown CRS", ["a.geojson": b(good)], ["info", "$D/a.geojson", "--crs", "EPSG:12345678"], 3, "unknown CRS")
        add(
            "nonsense CRS text", ["a.geojson": b(good)],
            ["convert", "$D/a.geojson", "$D/out.geojson", "--to-crs", "mars-grid"], 3, "unknown CRS",
            absent: ["out.geojson"])
        add(
            "3D coordinates are dropped and counted",
            ["a.geojson": b(fc(feature(#"{"type":"Point","coordinates":[116.4,39.9,55.5]}"#)))],
            ["info", "$D/a.geojson"], 0, "z/m values dropped: 1")
        // Commands and their inputs
        add("missing input file", [:], ["check", "$D/none.geojson"], 3, "no such file")
        add(
            "output directory missing", ["a.geojson": b(good)],
            ["convert", "$D/a.geojson", "$D/no/such/dir/out.geojson"], 4, "does not exist")
        add(
            "output would overwrite input", ["a.geojson": b(good)], ["convert", "$D/a.geojson", "$D/a.geojson"], 2,
            "inputs are never modified")
        add("empty layer to check", ["a.geojson": b(fc())], ["check", "$D/a.geojson"], 3, "has no geometries")
        add(
            "points checked as units are skipped",
            [
                "a.geojson": b(
                    fc(
                        square(116.40, 39.90),
                        feature(#"{"type":"Point","coordinates":[116.5,39.9]}"#, #"{"code":"P"}"#)))
            ],
            ["check", "$D/a.geojson"], 0, "skipped feature 1: a Point is not a polygon")
        add(
            "duplicate codes are reported", ["a.geojson": b(fc(square(116.40, 39.90), square(116.401, 39.90)))],
            ["check", "$D/a.geojson"], 0, "duplicate code 110101001001")
        add(
            "units without a code",
            [
                "a.geojson": b(
                    fc(
                        feature(
                            #"{"type":"Polygon","coordinates":[[[116.4,39.9],[116.41,39.9],[116.41,39.91],[116.4,39.9]]]}"#
                        )))
            ],
            ["check", "$D/a.geojson"], 0, "no code field found")
        add(
            "zero-area polygon",
            [
                "a.geojson": b(
                    fc(
                        feature(
                            #"{"type":"Polygon","coordinates":[[[116.4,39.9],[116.41,39.9],[116.4,39.9],[116.4,39.9]]]}"#,
                            #"{"code":"Z"}"#), square(116.5, 39.9)))
            ],
            ["check", "$D/a.geojson"], 0, "skipped feature 0: geometry collapses when repaired")
        add(
            "self-intersecting ring is reported and repaired",
            [
                "a.geojson": b(
                    fc(
                        feature(
                            #"{"type":"Polygon","coordinates":[[[116.4,39.9],[116.41,39.91],[116.41,39.9],[116.4,39.91],[116.4,39.9]]]}"#,
                            #"{"code":"B"}"#)))
            ],
            ["check", "$D/a.geojson"], 0, "Self-intersection")
        add(
            "target bounds reversed", ["a.geojson": b(good)],
            ["partition", "$D/a.geojson", "--mode", "square", "--target", "households:500-150"], 2,
            "minimum 500.0 is above the maximum 150.0")
        add(
            "households target without households", ["a.geojson": b(good)],
            ["partition", "$D/a.geojson", "--mode", "square"], 2, "needs --households")
        add("blocks mode without streets", ["a.geojson": b(good)], ["partition", "$D/a.geojson"], 2, "needs --streets")
        add("sample size zero", [:], ["sample", "$D/city", "--communities", "0"], 2, "communities", absent: ["city"])
        add("sample into a non-empty directory", ["city/keep.txt": b("mine")], ["sample", "$D/city"], 2, "not empty")
        add(
            "bad dates for metrics", ["a.geojson": b(good)], ["metrics", "$D/a.geojson", "--since", "2023-13-45x"], 2,
            "YYYY-MM-DD")
        add(
            "code field that does not exist", ["a.geojson": b(good)], ["check", "$D/a.geojson", "--code-field", "编码"],
            3, "no property '编码'")
        // CSV, Shapefile and GeoPackage
        add(
            "CSV with bad WKT names the line", ["a.csv": b("name,wkt\nA,\"POINT (1 2)\"\nB,\"POLYGON ((1 2, 3\"\n")],
            ["info", "$D/a.csv"], 3, "a.csv:3")
        add(
            "CSV without geometry says so", ["a.csv": b("name,value\nA,1\n")],
            ["import", "$D/s.gpkg", "$D/a.csv", "--as", "buildings"], 0, "no geometry column found")
        add(
            "truncated shapefile", ["a.shp": [0, 0, 39, 10, 0, 0], "a.dbf": [3]], ["info", "$D/a.shp"], 3, "truncated")
        add(
            "corrupt GeoPackage", ["a.gpkg": b(String(repeating: "not sqlite ", count: 200))], ["info", "$D/a.gpkg"], 3,
            "a.gpkg")
        add("SQLite file that is not a GeoPackage", ["a.gpkg": []], ["layers", "$D/a.gpkg"], 3, "not a GeoPackage")
        add(
            "store layer that does not exist", [:], ["export", "$D/s.gpkg", "parks", "$D/out.geojson"], 3,
            "no layer 'parks'", absent: ["out.geojson"])
        add(
            "import into a missing store", ["a.geojson": b(good)],
            ["import", "$D/none.gpkg", "$D/a.geojson", "--as", "communities"], 3, "no such file")
        add(
            "line into a polygon layer",
            ["a.geojson": b(fc(feature(#"{"type":"LineString","coordinates":[[116.4,39.9],[116.5,39.9]]}"#)))],
            ["import", "$D/s.gpkg", "$D/a.geojson", "--as", "communities"], 3,
            "feature 0: a LineString cannot go into the polygon layer 'communities'")
        return c
    }

    @Test(arguments: cases)
    func badInput(_ c: Case) throws {
        let dir = try scratch()
        for (name, bytes) in c.files {
            let path = dir + "/" + name
            try FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        // Cases that need a store get a fresh one.
        if c.args.contains("$D/s.gpkg") { _ = try GeoPackageStore.create(path: dir + "/s.gpkg") }
        let before = try snapshot(dir)
        let console = Console.capture()
        let code = Console.$current.withValue(console) {
            Gridplan.execute(c.args.map { $0.replacingOccurrences(of: "$D", with: dir) })
        }
        let err = console.capturedStandardError, out = console.capturedStandardOutput
        #expect(code == c.code, "\(c.name): exit \(code), stderr: \(err)")
        #expect((code == 0 ? out + err : err).contains(c.message), "\(c.name): \(code == 0 ? out + err : err)")
        if code != 0 {
            #expect(err.hasPrefix("gridplan: ") || code == 2, "\(c.name): \(err)")
            // Nothing written: the directory holds what it held before, byte for byte.
            #expect(try snapshot(dir) == before, "\(c.name) changed the files")
        }
        for a in c.absent { #expect(!FileManager.default.fileExists(atPath: dir + "/" + a), "\(c.name) left \(a)") }
    }

    /// Every file under `dir` with its bytes (SQLite's -wal and -shm companions, which reading a
    /// WAL-mode store may create, are not content).
    func snapshot(_ dir: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let e = FileManager.default.enumerator(atPath: dir)
        while let name = e?.nextObject() as? String {
            var isDir: ObjCBool = false
            if name.hasSuffix("-wal") || name.hasSuffix("-shm") { continue }
            if FileManager.default.fileExists(atPath: dir + "/" + name, isDirectory: &isDir), !isDir.boolValue {
                files[name] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
            }
        }
        return files
    }

    @Test func cornerCasesCount() {
        #expect(Self.cases.count >= 40)
    }
}
