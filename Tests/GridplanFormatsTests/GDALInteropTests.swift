import Foundation
import GridplanGeometry
import GridplanIO
import Testing

private let ogr2ogrPath = "/usr/bin/ogr2ogr"

/// Runs ogr2ogr to write an ESRI Shapefile from `input`, failing the test if it fails.
private func ogr2ogr(_ output: String, _ input: String, _ options: [String]) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: ogr2ogrPath)
    p.arguments = ["-f", "ESRI Shapefile", output, input] + options
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    try #require(p.terminationStatus == 0, "ogr2ogr failed: \(message)")
}

private func write(_ text: String, to path: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

/// Known answers against GDAL's shapefile writer (Debian gdal-bin), the tool planners' data
/// most often passes through.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: ogr2ogrPath), "needs ogr2ogr (apt-get install gdal-bin)"))
struct GDALInteropTests {
    static let polygons = """
        {"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"名称":"东四街道","人口":12345,"面积":1.25,"备注":"老城区"},
         "geometry":{"type":"Polygon","coordinates":[[[116.41,39.92],[116.43,39.92],[116.43,39.94],[116.41,39.94],[116.41,39.92]],
           [[116.415,39.925],[116.415,39.93],[116.42,39.93],[116.42,39.925],[116.415,39.925]]]}},
        {"type":"Feature","properties":{"名称":"朝阳门","人口":-7,"面积":null,"备注":""},
         "geometry":{"type":"MultiPolygon","coordinates":[
           [[[116.43,39.92],[116.44,39.92],[116.44,39.93],[116.43,39.92]]],
           [[[116.50,39.90],[116.60,39.90],[116.60,40.00],[116.50,40.00],[116.50,39.90]],
            [[116.52,39.92],[116.52,39.95],[116.55,39.95],[116.52,39.92]]]]}},
        {"type":"Feature","properties":{"名称":"三里屯","人口":0,"面积":0.001,"备注":"含,逗号"},
         "geometry":{"type":"Polygon","coordinates":[[[116.45123456789,39.93],[116.46,39.93],[116.46,39.94],[116.45123456789,39.93]]]}}
        ]}
        """

    static let expectedProperties: [JSONObject] = [
        ["名称": .string("东四街道"), "人口": .integer(12345), "面积": .number(1.25), "备注": .string("老城区")],
        // GDAL writes "" and null alike as a blank cell; blank text reads as null, as in GDAL.
        ["名称": .string("朝阳门"), "人口": .integer(-7), "面积": .null, "备注": .null],
        ["名称": .string("三里屯"), "人口": .integer(0), "面积": .number(0.001), "备注": .string("含,逗号")],
    ]

    /// Writes the polygons with `options`, optionally deletes the .cpg, and reads the result back.
    func roundTrip(_ options: [String], deleteCPG: Bool = false) throws -> (ShapefileLayer, FeatureCollection) {
        let dir = try makeTemporaryDirectory()
        let input = dir + "/in.geojson"
        try write(Self.polygons, to: input)
        try ogr2ogr(dir + "/out.shp", input, options + ["-a_srs", "EPSG:4490"])
        if deleteCPG { try FileManager.default.removeItem(atPath: dir + "/out.cpg") }
        return (try ShapefileReader.read(path: dir + "/out.shp"), try GeoJSONReader.read(path: input))
    }

    func checkSameFeatures(_ layer: ShapefileLayer, _ source: FeatureCollection) {
        #expect(layer.shapeType == .polygon)
        #expect(layer.fields.map(\.name) == ["名称", "人口", "面积", "备注"])
        #expect(layer.collection.features.map(\.properties) == Self.expectedProperties)
        // GDAL rewinds rings to the shapefile rule, so compare in one orientation.
        #expect(
            layer.collection.features.map { $0.geometry?.orientedForRFC7946() }
                == source.features.map { $0.geometry?.orientedForRFC7946() })
        #expect(layer.collection.features[1].geometry?.typeName == "MultiPolygon")
        #expect(layer.prjWKT?.contains("China_Geodetic_Coordinate_System_2000") == true)
        #expect(layer.reclassifiedRingCount == 0 && layer.closedRingCount == 0 && layer.replacementCount == 0)
    }

    @Test func gbkWithCpg() throws {
        let (layer, source) = try roundTrip(["-lco", "ENCODING=GBK"])
        checkSameFeatures(layer, source)
        #expect(layer.encoding == TextEncodingChoice(encoding: .gb18030, basis: .codePageFile(label: "GBK")))
    }

    @Test func gbkWithoutCpgIsDetected() throws {
        let (layer, source) = try roundTrip(["-lco", "ENCODING=GBK"], deleteCPG: true)
        checkSameFeatures(layer, source)
        #expect(layer.encoding == TextEncodingChoice(encoding: .gb18030, basis: .detectedNotUTF8))
    }

    @Test func utf8WithAndWithoutCpg() throws {
        let (layer, source) = try roundTrip(["-lco", "ENCODING=UTF-8"])
        checkSameFeatures(layer, source)
        #expect(layer.encoding == TextEncodingChoice(encoding: .utf8, basis: .codePageFile(label: "UTF-8")))

        let (detected, _) = try roundTrip(["-lco", "ENCODING=UTF-8"], deleteCPG: true)
        checkSameFeatures(detected, source)
        #expect(detected.encoding == TextEncodingChoice(encoding: .utf8, basis: .detectedValidUTF8))
    }

    @Test func pointZAndMultiLines() throws {
        let dir = try makeTemporaryDirectory()
        try write(
            """
            {"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"名称":"路灯"},"geometry":{"type":"Point","coordinates":[116.1,39.1,45.5]}},
            {"type":"Feature","properties":{"名称":"井盖"},"geometry":{"type":"Point","coordinates":[116.2,39.2,46]}}
            ]}
            """, to: dir + "/points.geojson")
        try ogr2ogr(dir + "/points.shp", dir + "/points.geojson", ["-lco", "ENCODING=UTF-8"])
        let points = try ShapefileReader.read(path: dir + "/points.shp")
        #expect(points.shapeType == .pointZ)
        #expect(
            points.collection.features.map(\.geometry) == [
                .point(Coordinate(116.1, 39.1)), .point(Coordinate(116.2, 39.2)),
            ])
        #expect(points.collection.features.map { $0.properties["名称"] } == [.string("路灯"), .string("井盖")])
        #expect(points.collection.droppedZCount == 2)
        // GeoJSON means WGS 84, and GDAL says so in the .prj.
        #expect(points.prjWKT?.hasPrefix("GEOGCS[\"WGS_1984") == true)

        try write(
            """
            {"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"路名":"长安街"},"geometry":{"type":"LineString","coordinates":[[116.3,39.9],[116.4,39.9]]}},
            {"type":"Feature","properties":{"路名":"二环"},"geometry":{"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[2,2],[3,3],[4,2]]]}}
            ]}
            """, to: dir + "/lines.geojson")
        try ogr2ogr(dir + "/lines.shp", dir + "/lines.geojson", ["-lco", "ENCODING=GBK"])
        let lines = try ShapefileReader.read(path: dir + "/lines.shp")
        #expect(lines.shapeType == .polyLine)
        #expect(
            lines.collection.features.map(\.geometry) == [
                .lineString([Coordinate(116.3, 39.9), Coordinate(116.4, 39.9)]),
                .multiLineString([
                    [Coordinate(0, 0), Coordinate(1, 1)], [Coordinate(2, 2), Coordinate(3, 3), Coordinate(4, 2)],
                ]),
            ])
        #expect(lines.collection.features.map { $0.properties["路名"] } == [.string("长安街"), .string("二环")])
    }

    @Test func gdalFilesTruncatedOrMismatchedAreErrors() throws {
        let dir = try makeTemporaryDirectory()
        try write(Self.polygons, to: dir + "/in.geojson")
        try ogr2ogr(dir + "/out.shp", dir + "/in.geojson", ["-lco", "ENCODING=GBK"])
        let shp = try Data(contentsOf: URL(fileURLWithPath: dir + "/out.shp"))
        try shp.prefix(shp.count - 10).write(to: URL(fileURLWithPath: dir + "/out.shp"))
        #expect(shapefileError(dir + "/out.shp")?.reason.hasPrefix("truncated") == true)

        try shp.write(to: URL(fileURLWithPath: dir + "/out.shp"))
        try write(
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":1},"geometry":null}]}"#,
            to: dir + "/one.geojson")
        try ogr2ogr(dir + "/one.shp", dir + "/one.geojson", [])
        try FileManager.default.removeItem(atPath: dir + "/out.dbf")
        try FileManager.default.copyItem(atPath: dir + "/one.dbf", toPath: dir + "/out.dbf")
        #expect(
            shapefileError(dir + "/out.shp")?.reason
                == "mismatched record counts: the .shx indexes 3 records, the .dbf has 1")
    }
}
