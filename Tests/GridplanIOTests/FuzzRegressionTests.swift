import Foundation
import GridplanGeometry
import GridplanIO
import Testing

// Regression tests for what fuzzing found (`make fuzz`; the targets are in fuzz/), and a replay of
// the seed corpora in fuzz/corpus/ through the same readers, so every reproducer and seed runs
// with `swift test` too. Reproducers are inline byte literals; a finding in a reader outside
// GridplanIO/GridplanGeometry (the GeoPackage geometry decoder) belongs in that module's tests.
//
// Each reader must either return or throw its own error: a trap, a sanitizer report, a hang or a
// leak is the bug.

/// Where the fuzz targets' inputs live, found from this file (tests run from the source tree).
private enum FuzzCorpus {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz/corpus")

    /// Every file of `fuzz/corpus/<target>/`, sorted by name.
    static func inputs(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        let dir = root.appendingPathComponent(target)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") }.sorted()
        return try names.map { ($0, [UInt8](try Data(contentsOf: dir.appendingPathComponent($0)))) }
    }

    /// The shapefile target's input format: parts split on "#@#@", written as t.shp, t.dbf,
    /// then t.shx and t.cpg if present (as fuzz/ShapefileFuzz.swift does).
    static func readShapefile(_ bytes: [UInt8]) throws -> ShapefileLayer {
        let separator = Array("#@#@".utf8)
        var parts: [ArraySlice<UInt8>] = []
        var start = 0
        var i = 0
        while i + separator.count <= bytes.count, parts.count < 3 {
            if bytes[i..<i + separator.count].elementsEqual(separator) {
                parts.append(bytes[start..<i])
                i += separator.count
                start = i
            } else {
                i += 1
            }
        }
        parts.append(bytes[start...])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gridplan-fuzz-regression-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (part, ext) in zip(parts, ["shp", "dbf", "shx", "cpg"]) {
            _ = FileManager.default.createFile(atPath: "\(dir)/t.\(ext)", contents: Data(part))
        }
        return try ShapefileReader.read(path: "\(dir)/t.shp")
    }

    /// A CSV document with one WKT column holding `wkt`.
    static func readWKT(_ wkt: String) throws -> Geometry? {
        let csv = "wkt\n\"" + wkt.replacingOccurrences(of: "\"", with: "\"\"") + "\"\n"
        return try CSVReader.read(bytes: Array(csv.utf8), name: "fuzz.csv").collection.features.first?.geometry
    }
}

@Suite struct FuzzRegressionTests {
    // MARK: Findings

    /// wkt target: Geometry.wkt() printed an empty member of a multi-geometry as "()", which no WKT
    /// reader accepts, so `MULTILINESTRING ((0 0, 1 1), EMPTY, (2 2, 3 3))` read from a CSV could
    /// not be written back (store export to CSV) and read again. Empty members print as EMPTY now.
    @Test func emptyMembersOfMultiGeometriesPrintAsEmptyAndReadBack() throws {
        let inputs = [
            "MULTILINESTRING ((0 0, 1 1), EMPTY, (2 2, 3 3))",
            "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), EMPTY, ((5 5, 6 5, 6 6, 5 5)))",
            "GEOMETRYCOLLECTION (MULTILINESTRING (EMPTY), MULTIPOLYGON (EMPTY, EMPTY))",
        ]
        for wkt in inputs {
            let g = try #require(try FuzzCorpus.readWKT(wkt))
            let printed = g.wkt()
            #expect(!printed.contains("()"), "\(printed)")
            let again = try #require(try FuzzCorpus.readWKT(printed), "\(printed)")
            #expect(again == g, "\(printed)")
            #expect(again.wkt() == printed)
        }
        #expect(
            Geometry.multiLineString([[Coordinate(0, 0), Coordinate(1, 1)], []]).wkt()
                == "MULTILINESTRING ((0 0, 1 1), EMPTY)")
        #expect(Geometry.multiPolygon([Polygon(rings: [])]).wkt() == "MULTIPOLYGON (EMPTY)")
    }

    /// shapefile target (leak-313c0f50…, minimised): empty .dbf and .shx parts. The reader throws a
    /// ShapefileError; the 4 KB LeakSanitizer reported per empty file is swift-foundation's
    /// Data(contentsOf:) (fuzz/lsan.supp), not gridplan's.
    @Test func shapefileWithEmptyPartsIsAnError() {
        let shpHeaderOnly: [UInt8] =
            [0x00, 0x00, 0x27, 0x0A] + [UInt8](repeating: 0, count: 20) + [0x00, 0x00, 0x00, 0x32]
            + [0xE8, 0x03, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00] + [UInt8](repeating: 0, count: 64)
        let sep = Array("#@#@".utf8)
        for input in [
            [], sep + sep + sep, shpHeaderOnly + sep + sep, shpHeaderOnly + sep + [0x03] + sep + sep + [0x20],
        ] {
            #expect(throws: ShapefileError.self) { _ = try FuzzCorpus.readShapefile(input) }
        }
    }

    // MARK: Seed corpora (fuzz/corpus/<target>/): valid seeds read, "bad-" seeds throw, none crash.

    @Test func geojsonSeeds() throws {
        for (name, bytes) in try FuzzCorpus.inputs("geojson") {
            let collection = try? GeoJSONReader.read(bytes: bytes, name: name)
            #expect(name.hasPrefix("bad-") == (collection == nil), "\(name)")
        }
    }

    @Test func jsonSeeds() throws {
        for (name, bytes) in try FuzzCorpus.inputs("json") {
            let value = try? JSONText.decode(bytes, name: name)
            #expect(name.hasPrefix("bad-") == (value == nil), "\(name)")
            if let value { #expect((try? JSONText.decode(JSONText.encode(value))) != nil, "\(name)") }
        }
    }

    @Test func wkbSeeds() throws {
        for (name, bytes) in try FuzzCorpus.inputs("wkb") {
            let g = try? WKB.decode(bytes)
            #expect(name.hasPrefix("bad-") == (g == nil), "\(name)")
            if let g { #expect((try? WKB.decode(WKB.encode(g))) != nil, "\(name)") }
        }
    }

    @Test func shapefileSeeds() throws {
        for (name, bytes) in try FuzzCorpus.inputs("shapefile") {
            let layer = try? FuzzCorpus.readShapefile(bytes)
            #expect(name.hasPrefix("bad-") == (layer == nil), "\(name)")
        }
    }

    @Test func csvSeeds() throws {
        for (name, bytes) in try FuzzCorpus.inputs("csv") {
            let layer = try? CSVReader.read(bytes: bytes, name: name)
            #expect(name.hasPrefix("bad-") || name == "empty.csv" ? layer == nil : layer != nil, "\(name)")
        }
    }

    @Test func wktSeeds() throws {
        for (name, bytes) in try FuzzCorpus.inputs("wkt") {
            let g = try? FuzzCorpus.readWKT(String(decoding: bytes, as: UTF8.self))
            #expect(name.hasPrefix("bad-") == (g == nil), "\(name)")
            if let g { #expect((try? FuzzCorpus.readWKT(g.wkt())) == g, "\(name): \(g.wkt())") }
        }
    }
}
