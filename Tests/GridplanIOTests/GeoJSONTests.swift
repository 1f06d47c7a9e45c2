import Foundation
import GridplanGeometry
import GridplanIO
import Testing

/// A fresh temporary directory for one test.
func temporaryDirectory() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gridplan-io-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func read(_ text: String, name: String = "test.geojson") throws -> FeatureCollection {
    try GeoJSONReader.read(bytes: Array(text.utf8), name: name)
}

/// The error a reading of `text` raises.
func readError(_ text: String) -> GeoJSONError? {
    do {
        _ = try read(text)
        return nil
    } catch let e as GeoJSONError {
        return e
    } catch {
        return nil
    }
}

@Suite struct GeoJSONReadTests {
    @Test func readsEveryGeometryTypeIdsAndProperties() throws {
        let text = """
            {"type":"FeatureCollection","features":[
              {"type":"Feature","id":"a1","properties":{"名称":"东四社区","户数":420,"面积":1.25,"ok":true,"tags":["x",null],"meta":{"k":"v"}},
               "geometry":{"type":"Point","coordinates":[116.4,39.9]}},
              {"type":"Feature","id":7,"properties":null,"geometry":{"type":"MultiPoint","coordinates":[[1,2],[3,4]]}},
              {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}},
              {"type":"Feature","properties":{},"geometry":{"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[2,2],[3,3]]]}},
              {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[1,2],[2,2],[2,1],[1,1]]]}},
              {"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}},
              {"type":"Feature","properties":{},"geometry":{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[9,9]}]}},
              {"type":"Feature","properties":{"x":1},"geometry":null}
            ]}
            """
        let c = try read(text)
        #expect(c.features.count == 8)
        #expect(c.nullGeometryCount == 1)
        #expect(c.features[0].id == .string("a1"))
        #expect(c.features[1].id == .integer(7))
        #expect(c.features[2].id == nil)
        let p = c.features[0].properties
        #expect(p.keys == ["名称", "户数", "面积", "ok", "tags", "meta"])
        #expect(p["名称"] == .string("东四社区"))
        #expect(p["户数"] == .integer(420))
        #expect(p["面积"] == .number(1.25))
        #expect(p["tags"] == .array([.string("x"), .null]))
        #expect(p["meta"] == .object(["k": .string("v")]))
        #expect(c.features[0].geometry == .point(Coordinate(116.4, 39.9)))
        guard case .polygon(let poly)? = c.features[4].geometry else {
            Issue.record("polygon")
            return
        }
        #expect(poly.rings.count == 2)
        guard case .multiPolygon(let mp)? = c.features[5].geometry else {
            Issue.record("multipolygon")
            return
        }
        #expect(mp.count == 2)
        #expect(c.features[6].geometry == .geometryCollection([.point(Coordinate(9, 9))]))
    }

    @Test func singleFeatureBareGeometryLegacyCRSAndZ() throws {
        let f = try read(#"{"type":"Feature","properties":{"a":1},"geometry":{"type":"Point","coordinates":[1,2,30]}}"#)
        #expect(f.features.count == 1)
        #expect(f.droppedZCount == 1)
        let g = try read(#"{"coordinates":[[0,0],[1,1]],"type":"LineString"}"#)
        #expect(g.features[0].geometry == .lineString([Coordinate(0, 0), Coordinate(1, 1)]))
        let crs = try read(
            #"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4490"}},"features":[]}"#
        )
        #expect(crs.declaredCRS == "urn:ogc:def:crs:EPSG::4490")
        #expect(crs.features.isEmpty)
    }

    @Test func stringEscapesAndBOM() throws {
        let text =
            "\u{FEFF}" + #"{"type":"Feature","properties":{"s":"a\"b\\c\/d\n\u4e1c\ud83d\ude00"},"geometry":null}"#
        let c = try read(text)
        #expect(c.features[0].properties["s"] == .string("a\"b\\c/d\n东😀"))
    }

    @Test func numbersParseExactly() throws {
        // Every value must equal Swift's own correctly rounded parse of the same text.
        var state: UInt64 = 42
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 11
        }
        var texts: [String] = [
            "0", "-0", "1e5", "1E-7", "123456789012345678901234", "0.1", "116.3974280", "-1.5e300", "4.9e-324",
            "9007199254740993",
        ]
        for _ in 0..<2000 {
            let whole = next() % 1_000_000
            let frac = next() % 100_000_000_000
            let sign = next() % 2 == 0 ? "" : "-"
            texts.append(
                "\(sign)\(whole).\(String(frac).count < 11 ? String(repeating: "0", count: 11 - String(frac).count) : "")\(frac)"
            )
            texts.append("\(sign)\(next() % 1000).\(next() % 1000)e\(Int(next() % 40) - 20)")
        }
        let json =
            "{\"type\":\"MultiPoint\",\"coordinates\":[" + texts.map { "[\($0),0]" }.joined(separator: ",") + "]}"
        guard case .multiPoint(let cs)? = try read(json).features[0].geometry else {
            Issue.record("multipoint")
            return
        }
        for (t, c) in zip(texts, cs) {
            #expect(c.x == Double(t)!, "\(t)")
        }
        let props = try read(
            #"{"type":"Feature","properties":{"big":9223372036854775807,"bigger":9223372036854775808,"neg":-42},"geometry":null}"#
        )
        #expect(props.features[0].properties["big"] == .integer(Int64.max))
        #expect(props.features[0].properties["bigger"] == .number(9223372036854775808.0))
        #expect(props.features[0].properties["neg"] == .integer(-42))
    }
}

@Suite struct GeoJSONErrorTests {
    @Test func malformedJSONNamesLineAndColumn() throws {
        let e = try #require(
            readError("{\"type\":\"FeatureCollection\",\n\"features\":[\n  {\"type\":\"Feature\" \"properties\":{}}]}"))
        #expect(e.line == 3)
        #expect(e.column == 21)  // the '"' of "properties", after two spaces and {"type":"Feature" and a space
        #expect(e.featureIndex == 0)
        #expect(e.description.hasPrefix("test.geojson:3:21: feature 0: expected ',' or '}'"))
        let truncated = try #require(
            readError(
                #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,"#
            ))
        #expect(truncated.reason.contains("end of file"))
    }

    @Test func structuralProblemsNameTheFeature() throws {
        func feature(_ geometry: String) -> String {
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[0,0]}},{"type":"Feature","properties":{},"geometry":"#
                + geometry + "}]}"
        }
        let cases: [(String, String)] = [
            (#"{"type":"Polyline","coordinates":[[0,0],[1,1]]}"#, "unknown geometry type 'Polyline'"),
            (#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#, "exterior ring is not closed"),
            (#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}"#, "needs at least 4"),
            (#"{"type":"LineString","coordinates":[[0,0]]}"#, "only one position"),
            (#"{"type":"Point","coordinates":[NaN,0]}"#, "NaN"),
            (#"{"type":"Point","coordinates":[1e999,0]}"#, "infinite"),
            (#"{"type":"Point","coordinates":[1]}"#, "at least two numbers"),
            (#"{"type":"Polygon"}"#, "no \"coordinates\""),
            (#"{"type":"Point","coordinates":[[0,0],[1,1]]}"#, "one position"),
        ]
        for (g, reason) in cases {
            let e = try #require(readError(feature(g)), "\(g)")
            #expect(e.featureIndex == 1, "\(g)")
            #expect(e.reason.contains(reason), "\(g): \(e.reason)")
        }
    }

    @Test func emptyAndNonGeoJSONFiles() throws {
        #expect(readError("")?.reason == "the file is empty")
        #expect(readError("  \n ")?.reason == "the file is empty")
        #expect(readError("[1,2]")?.reason.contains("expected a GeoJSON object") == true)
        #expect(readError(#"{"a":1}"#)?.reason.contains("no \"type\"") == true)
        #expect(readError(#"{"type":"FeatureCollection"}"#)?.reason.contains("no \"features\"") == true)
        #expect(readError(#"{"type":"FeatureCollection","features":[]} x"#)?.reason.contains("after the end") == true)
        // Deep nesting is refused, not a stack overflow.
        #expect(
            readError(#"{"type":"Feature","properties":{"a":"# + String(repeating: "[", count: 100_000))?.reason
                .contains("nesting") == true)
    }

    @Test func nonUTF8TextIsExplained() throws {
        // "东" in GBK is 0xB6 0xAB: not valid UTF-8.
        var bytes = Array(#"{"type":"Feature","properties":{"name":""#.utf8)
        bytes += [0xB6, 0xAB]
        bytes += Array(#""},"geometry":null}"#.utf8)
        #expect(throws: GeoJSONError.self) { try GeoJSONReader.read(bytes: bytes, name: "gbk.geojson") }
        do {
            _ = try GeoJSONReader.read(bytes: bytes, name: "gbk.geojson")
        } catch let e as GeoJSONError {
            #expect(e.reason.contains("GBK"))
        }
    }

    @Test func missingFile() {
        #expect(throws: GeoJSONError.self) { try GeoJSONReader.read(path: "/nonexistent/x.geojson") }
    }
}

@Suite struct GeoJSONWriteTests {
    @Test func roundTripPreservesGeometryPropertiesAndIds() throws {
        let dir = try temporaryDirectory()
        let features = [
            Feature(
                id: .string("社区-1"),
                geometry: .polygon(
                    Polygon(
                        exterior: [
                            Coordinate(116.4, 39.9), Coordinate(116.41, 39.9), Coordinate(116.41, 39.91),
                            Coordinate(116.4, 39.91), Coordinate(116.4, 39.9),
                        ],
                        holes: [
                            [
                                Coordinate(116.402, 39.902), Coordinate(116.402, 39.904), Coordinate(116.404, 39.904),
                                Coordinate(116.404, 39.902), Coordinate(116.402, 39.902),
                            ]
                        ])),
                properties: [
                    "name": .string("东华门 \"街道\"\n"), "hh": .integer(420), "ratio": .number(0.125), "null": .null,
                    "list": .array([.bool(false)]),
                ]),
            Feature(
                id: .integer(2), geometry: .multiLineString([[Coordinate(-1.2345678, 0), Coordinate(0, 1)]]),
                properties: [:]),
            Feature(geometry: nil, properties: ["empty": .object([:])]),
            Feature(geometry: .geometryCollection([.point(Coordinate(1, 2)), .multiPoint([Coordinate(3, 4)])])),
        ]
        let path = dir + "/out.geojson"
        try GeoJSONWriter.write(features, to: path)
        let back = try GeoJSONReader.read(path: path)
        #expect(back.features == features)
        // Writing what was read gives identical bytes.
        let path2 = dir + "/out2.geojson"
        try GeoJSONWriter.write(back.features, to: path2)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(contentsOf: URL(fileURLWithPath: path2)))
    }

    @Test func rfc7946OrientationAndPrecision() throws {
        let clockwise = Geometry.polygon(
            Polygon(exterior: [
                Coordinate(0, 0), Coordinate(0, 1.123456789), Coordinate(1, 1), Coordinate(1, 0), Coordinate(0, 0),
            ]))
        var out: [UInt8] = []
        GeoJSONWriter.append(Feature(geometry: clockwise), precision: 7, to: &out)
        let text = String(decoding: out, as: UTF8.self)
        #expect(
            text
                == #"{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1.1234568],[0,0]]]}}"#
        )
    }

    @Test func fixedDecimalFormatting() {
        func fmt(_ d: Double, _ n: Int) -> String {
            var out: [UInt8] = []
            JSONText.appendFixed(d, decimals: n, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
        #expect(fmt(116.397428, 7) == "116.397428")
        #expect(fmt(-0.00000004, 7) == "0")
        #expect(fmt(-0.5, 7) == "-0.5")
        #expect(fmt(-0.05, 1) == "-0.1")
        #expect(fmt(39_448_688.85571, 3) == "39448688.856")
        #expect(fmt(1e20, 7) == "1e+20")  // beyond exact fixed formatting: shortest JSON form
        #expect(fmt(.nan, 7) == "null")
        #expect(fmt(0.1 + 0.2, 7) == "0.3")
    }

    @Test func failedWriteLeavesPreviousFileIntact() throws {
        let dir = try temporaryDirectory()
        let path = dir + "/layer.geojson"
        try GeoJSONWriter.write([Feature(geometry: .point(Coordinate(1, 1)))], to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        do {
            let w = try GeoJSONWriter(path: path)
            try w.write(Feature(geometry: .point(Coordinate(2, 2))))
            // Dropped without finish(), as when a command fails half-way.
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["layer.geojson"])
        #expect(throws: OutputError.self) { try GeoJSONWriter(path: dir + "/missing/dir/x.geojson") }
    }

    @Test func streamingLargeCollection() throws {
        let dir = try temporaryDirectory()
        let path = dir + "/many.geojson"
        let w = try GeoJSONWriter(path: path, precision: 3)
        for i in 0..<20_000 {
            try w.write(
                Feature(
                    id: .integer(Int64(i)), geometry: .point(Coordinate(Double(i) * 0.5, -Double(i))),
                    properties: ["i": .integer(Int64(i))]))
        }
        try w.finish()
        var count = 0
        var sum = 0.0
        try GeoJSONReader.forEachFeature(path: path) { i, f in
            #expect(f.id == .integer(Int64(i)))
            if case .point(let c)? = f.geometry { sum += c.x }
            count += 1
        }
        #expect(count == 20_000)
        #expect(sum == (0..<20_000).reduce(0.0) { $0 + Double($1) * 0.5 })
    }
}
