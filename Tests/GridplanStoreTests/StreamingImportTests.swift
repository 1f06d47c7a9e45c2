import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanPostgres
import GridplanSQLite
@testable import GridplanStore
import Testing

/// Features spread over several import batches: polygons, polygons with a hole, two-part
/// multipolygons (one part holed), null geometries, and text that COPY and JSON must escape.
/// The name property (`名称`) first appears at `lateNameAt`.
func awkwardCommunities(_ n: Int, lateNameAt: Int) -> [Feature] {
    func ring(_ x: Double, _ y: Double, _ r: Double) -> [Coordinate] {
        (0...6).map { k in
            let a = Double(k % 6) / 6 * 2 * .pi
            return Coordinate(x + r * cos(a), y + r * sin(a))
        }
    }
    return (0..<n).map { i in
        let x = 116.30 + Double(i % 100) * 0.002, y = 39.80 + Double(i / 100) * 0.002
        let geometry: Geometry?
        switch i % 4 {
        case 0: geometry = .polygon(Polygon(exterior: ring(x, y, 0.0008)))
        case 1: geometry = .polygon(Polygon(rings: [ring(x, y, 0.0008), ring(x, y, 0.0002).reversed()]))
        case 2:
            geometry = .multiPolygon([
                Polygon(rings: [ring(x, y, 0.0005), ring(x, y, 0.0001).reversed()]),
                Polygon(exterior: ring(x + 0.0009, y, 0.0003)),
            ])
        default: geometry = i % 8 == 3 ? nil : .polygon(Polygon(exterior: ring(x, y, 0.0006)))
        }
        var properties: JSONObject = [
            "编码": .string(String(format: "110101001%06d", i)), "户数": i % 9 == 0 ? .null : .integer(Int64(i % 700)),
            "note": .string(i % 5 == 0 ? "tab\there, \"quoted\" \\ 东四\nline" : "n\(i)"), "面积": .number(Double(i) / 3),
        ]
        if i >= lateNameAt { properties["名称"] = .string("社区\(i)") }
        return Feature(id: .integer(Int64(i)), geometry: geometry, properties: properties)
    }
}

/// One row as a store holds it: the geometry decoded and every column's value.
struct StoredRow: Equatable {
    var geometry: Geometry?
    var code, name, parentCode: String?
    var households, population, generation: Int64?
    var properties: String?

    /// Nil when the two lists are equal, else the first row where they differ, both ways.
    static func difference(_ a: [StoredRow], _ b: [StoredRow]) -> String? {
        guard a != b else { return nil }
        guard let i = a.indices.first(where: { $0 < b.count && a[$0] != b[$0] }) else {
            return "\(a.count) rows against \(b.count)"
        }
        return "row \(i): \(a[i]) against \(b[i])"
    }

    /// The rows of `layer` in a store, read straight from its table in insertion order.
    static func rows(of layer: StoreLayer, at location: String, engine: Engine) throws -> [StoredRow] {
        let columns = "code, name, parent_code, households, population, generation_id, properties"
        switch engine {
        case .geopackage:
            let store = try GeoPackageStore.open(path: location, readOnly: true)
            return try store.package.database.rows("SELECT geom, \(columns) FROM \(layer.rawValue) ORDER BY fid").map {
                r in
                func text(_ v: SQLValue) -> String? { if case .text(let s) = v { s } else { nil } }
                func int(_ v: SQLValue) -> Int64? { if case .integer(let n) = v { n } else { nil } }
                var geometry: Geometry?
                if case .blob(let b) = r[0] { geometry = try GeoPackageBinary.decode(b).geometry }
                return StoredRow(
                    geometry: geometry, code: text(r[1]), name: text(r[2]), parentCode: text(r[3]),
                    households: int(r[4]), population: int(r[5]), generation: int(r[6]), properties: text(r[7]))
            }
        case .postgis:
            return try PostgresConnection(location).execute(
                "SELECT ST_AsBinary(geom) AS wkb, \(columns) FROM \(layer.rawValue) ORDER BY fid", format: .binary
            ).rows.map { r in
                StoredRow(
                    geometry: try r.bytes("wkb").map { try WKB.decode($0) }, code: try r.string("code"),
                    name: try r.string("name"), parentCode: try r.string("parent_code"),
                    households: try r.int("households").map(Int64.init),
                    population: try r.int("population").map(Int64.init),
                    generation: try r.int("generation_id").map(Int64.init), properties: try r.string("properties"))
            }
        }
    }

    /// What the import stored before it streamed, worked out from the file read whole: each
    /// geometry transformed alone and made a multi, the fields mapped from the union of the
    /// names, the properties as JSON.
    static func expected(
        from path: String, into layer: StoreLayer, crs: CRS, generation: Int64, fields explicit: [String: String] = [:]
    ) throws -> [StoredRow] {
        let source = try SourceLayer.read(path: path)
        let mapping = try FieldMapping(explicit: explicit, propertyNames: source.propertyNames)
        let transformer = try Transformer(from: source.crs, to: crs)
        func text(_ v: SQLValue) -> String? { if case .text(let s) = v { s } else { nil } }
        func int(_ v: SQLValue) -> Int64? { if case .integer(let n) = v { n } else { nil } }
        return try source.collection.features.map { f in
            let p = f.properties
            return StoredRow(
                geometry: try f.geometry.map { try StoreGeometry.coerce(try transformer.transform($0), to: layer) },
                code: text(mapping.value(for: "code", in: p, layer: layer)),
                name: text(mapping.value(for: "name", in: p, layer: layer)),
                parentCode: text(mapping.value(for: "parent_code", in: p, layer: layer)),
                households: int(mapping.value(for: "households", in: p, layer: layer)),
                population: int(mapping.value(for: "population", in: p, layer: layer)), generation: generation,
                properties: JSONText.encode(.object(p)))
        }
    }
}

@Suite struct StreamingImportTests {
    static let crs = CRS.epsg(4548)

    @Test(arguments: Engine.allCases)
    func rowsAreThoseOfReadingEverythingFirst(engine: Engine) throws {
        guard let location = try engine.newLocation() else { return }
        let dir = try scratchDirectory()
        let path = dir + "/c.geojson"
        let features = awkwardCommunities(5_500, lateNameAt: 4_900)
        try GeoJSONWriter.write(features, to: path)
        let store = try Stores.create(location, crs: Self.crs)
        let source = try SourceReader.open(path: path)
        // The name first seen at feature 4,900, three batches in, is mapped like the others.
        #expect(source.propertyNames == ["编码", "户数", "note", "面积", "名称"])
        #expect(source.featureCount == 5_500)
        var progress: [Int] = []
        let r = try store.importLayer(
            source, into: .communities, fields: [:], replace: false, parameters: [:], effectiveFrom: nil
        ) { written, total in
            #expect(total == 5_500)
            progress.append(written)
        }
        #expect(r.features == 5_500)
        #expect(r.nullGeometries == features.filter { $0.geometry == nil }.count)
        #expect(r.fields.contains("name ← 名称 (auto-detected)"), "\(r.fields)")
        #expect(progress == [2000, 4000, 5500])
        let expected = try StoredRow.expected(from: path, into: .communities, crs: Self.crs, generation: r.generation)
        let stored = try StoredRow.rows(of: .communities, at: location, engine: engine)
        #expect(StoredRow.difference(stored, expected) == nil)
        #expect(stored[4_899].name == nil && stored[4_900].name == "社区4900")

        guard engine == .postgis else { return }
        // A view on the layer keeps the table from being rebuilt beside itself: the rows go in
        // as they always did, the same rows, and the view stays.
        let db = try PostgresConnection(location)
        try db.execute("CREATE VIEW community_codes AS SELECT code FROM communities")
        let again = try store.importLayer(
            try SourceReader.open(path: path), into: .communities, fields: [:], replace: true, parameters: [:])
        #expect(again.replaced == 5_500)
        let storedAgain = try StoredRow.rows(of: .communities, at: location, engine: engine)
        let expectedAgain = try StoredRow.expected(
            from: path, into: .communities, crs: Self.crs, generation: again.generation)
        #expect(StoredRow.difference(storedAgain, expectedAgain) == nil)
        #expect(try db.execute("SELECT count(*) AS n FROM community_codes").rows[0].int("n") == 5_500)
    }

    @Test(arguments: Engine.allCases)
    func aBadFeatureManyBatchesInLeavesThePreviousGeneration(engine: Engine) throws {
        guard let location = try engine.newLocation() else { return }
        let dir = try scratchDirectory()
        let store = try Stores.create(location, crs: Self.crs)
        try GeoJSONWriter.write(awkwardCommunities(3_000, lateNameAt: 0), to: dir + "/good.geojson")
        for layer in [StoreLayer.communities, .grids] {
            _ = try store.importLayer(
                try SourceReader.open(path: dir + "/good.geojson"), into: layer, fields: [:], replace: false,
                parameters: [:])
        }
        let before = try [StoreLayer.communities, .grids].map {
            try StoredRow.rows(of: $0, at: location, engine: engine)
        }
        let generations = try store.generations(of: nil)

        var outOfRange = awkwardCommunities(6_000, lateNameAt: 0)
        outOfRange[5_123].geometry = .polygon(
            Polygon(exterior: [
                Coordinate(400, 39.9), Coordinate(400.1, 39.9), Coordinate(400.1, 40), Coordinate(400, 39.9),
            ]))
        try GeoJSONWriter.write(outOfRange, to: dir + "/range.geojson")
        var wrongType = awkwardCommunities(6_000, lateNameAt: 0)
        wrongType[4_500].geometry = .lineString([Coordinate(116.3, 39.8), Coordinate(116.4, 39.9)])
        try GeoJSONWriter.write(wrongType, to: dir + "/line.geojson")

        for (file, reason) in [
            ("range", "feature 5123: "), ("line", "feature 4500: a LineString cannot go into the polygon layer"),
        ] {
            for layer in [StoreLayer.communities, .grids] {
                let e = try #require(throws: StoreError.self) {
                    try store.importLayer(
                        try SourceReader.open(path: dir + "/\(file).geojson"), into: layer, fields: [:],
                        replace: true, parameters: [:])
                }
                #expect(e.path == dir + "/\(file).geojson")
                #expect(e.reason.hasPrefix(reason), "\(e.reason)")
            }
        }
        let after = try [StoreLayer.communities, .grids].map {
            try StoredRow.rows(of: $0, at: location, engine: engine)
        }
        for (a, b) in zip(after, before) { #expect(StoredRow.difference(a, b) == nil) }
        #expect(try store.generations(of: nil).map(\.id) == generations.map(\.id))
        if engine == .postgis {
            let left = try PostgresConnection(location).execute(
                "SELECT count(*) AS n FROM pg_class WHERE relname LIKE '%gridplan_load%'"
            ).rows[0].int("n")
            #expect(left == 0)
        }
    }

    /// Every format streams the same rows as it reads into memory.
    @Test func everyFormatStreamsWhatItReads() throws {
        let dir = try scratchDirectory()
        try GeoJSONWriter.write(awkwardCommunities(2_300, lateNameAt: 1_000), to: dir + "/c.geojson")
        let conversions: [(String, [String])] = [
            ("c.gpkg", ["-f", "GPKG"]), ("c.shp", ["-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8"]),
            ("c.csv", ["-f", "CSV", "-lco", "GEOMETRY=AS_WKT"]),
        ]
        for (file, args) in conversions {
            let conv = try run("/usr/bin/ogr2ogr", args + [dir + "/" + file, dir + "/c.geojson"])
            #expect(conv.code == 0, "\(conv.err)")
        }
        for file in ["c.geojson"] + conversions.map(\.0) {
            let crs: String? = file == "c.csv" ? "EPSG:4326" : nil
            let streamed = try GeoPackageStore.create(path: dir + "/\(file)-streamed.gpkg", crs: Self.crs)
            let a = try streamed.importLayer(
                try SourceReader.open(path: dir + "/" + file, declaredCRS: crs), into: .communities, fields: [:],
                replace: false, parameters: [:])
            let whole = try GeoPackageStore.create(path: dir + "/\(file)-whole.gpkg", crs: Self.crs)
            let b = try whole.importLayer(
                try SourceLayer.read(path: dir + "/" + file, declaredCRS: crs), into: .communities, fields: [:],
                replace: false, parameters: [:])
            #expect(a.features == 2_300 && a.features == b.features, "\(file)")
            #expect(a.nullGeometries == b.nullGeometries && a.fields == b.fields && a.notes == b.notes, "\(file)")
            #expect(a.crsSource == b.crsSource && a.fromCRS == b.fromCRS, "\(file)")
            let rowsA = try StoredRow.rows(of: .communities, at: dir + "/\(file)-streamed.gpkg", engine: .geopackage)
            let rowsB = try StoredRow.rows(of: .communities, at: dir + "/\(file)-whole.gpkg", engine: .geopackage)
            #expect(StoredRow.difference(rowsA, rowsB) == nil, "\(file)")
        }
    }

    @Test func theCSVAssumptionOfDegreesIsCheckedAsRowsPass() throws {
        let dir = try scratchDirectory()
        var text = "name,lon,lat\n"
        for i in 0..<4_500 { text += "b\(i),\(116.3 + Double(i) * 1e-5),39.9\n" }
        text += "far,500000,4400000\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/p.csv"))
        let store = try GeoPackageStore.create(path: dir + "/s.gpkg")
        let source = try SourceReader.open(path: dir + "/p.csv")
        #expect(source.crsSource.contains("assumed WGS84"))
        let e = try #require(throws: StoreError.self) {
            try store.importLayer(source, into: .buildings, fields: [:], replace: false, parameters: [:])
        }
        #expect(e.reason.contains("declares no CRS"), "\(e.reason)")
        #expect(try store.features(of: .buildings).isEmpty)
    }
}

@Suite struct ImportPipelineTests {
    @Test func batchesArriveInOrderAndTheProducerSaysHowItEnded() throws {
        var seen: [Int] = []
        let total = try ImportPipeline.run(
            depth: 2,
            produce: { emit in
                for i in 0..<500 { try emit(i) }
                return 500
            }, consume: { seen.append($0) })
        #expect(total == 500)
        #expect(seen == Array(0..<500))
    }

    struct Failure: Error, Equatable { var side: String }

    @Test func eitherSidesFailureIsThrownAndStopsTheOther() throws {
        let e1 = try #require(throws: Failure.self) {
            try ImportPipeline.run(
                depth: 3,
                produce: { emit in
                    for i in 0..<100 { try emit(i) }
                    throw Failure(side: "producer")
                }, consume: { _ in })
        }
        #expect(e1.side == "producer")
        let produced = ProducedCount()
        let e2 = try #require(throws: Failure.self) {
            try ImportPipeline.run(
                depth: 3,
                produce: { emit in
                    for i in 0..<1_000_000 {
                        try emit(i)
                        produced.add()
                    }
                    return 0
                }, consume: { i in if i == 10 { throw Failure(side: "writer") } })
        }
        #expect(e2.side == "writer")
        // The producer stopped at a hand-off soon after, not at the end of its input.
        #expect(produced.value < 100)
    }
}

final class ProducedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.withLock { n += 1 } }
    var value: Int { lock.withLock { n } }
}
