import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanSQLite
@testable import GridplanStore
import Testing

func scratchDirectory() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gridplan-store-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Runs a program and returns its exit code, stdout and stderr.
@discardableResult
func run(_ program: String, _ args: [String]) throws -> (code: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: program)
    p.arguments = args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// A deterministic layer of `n` small irregular polygons near Beijing with Chinese names.
func communities(_ n: Int, seed: UInt64 = 7) -> [Feature] {
    var s = seed
    func next() -> Double {
        s = s &* 6364136223846793005 &+ 1442695040888963407
        return Double(s >> 11) / Double(1 << 53)
    }
    return (0..<n).map { i in
        let cx = 116.3 + Double(i % 20) * 0.01, cy = 39.8 + Double(i / 20) * 0.01
        var ring: [Coordinate] = []
        for k in 0..<7 {
            let a = Double(k) / 7 * 2 * .pi
            let r = 0.003 + 0.001 * next()
            ring.append(Coordinate(cx + r * cos(a), cy + r * sin(a)))
        }
        ring.append(ring[0])
        return Feature(
            id: .integer(Int64(i + 1)), geometry: .polygon(Polygon(exterior: ring)),
            properties: [
                "编码": .string(String(format: "110101001%03d", i + 1)), "名称": .string("社区\(i + 1)号"),
                "户数": .integer(Int64(100 + i * 3)), "面积": .number(Double(i) * 1.5),
            ])
    }
}

@Suite struct GeoPackageTests {
    @Test func binaryRoundTripAndHeader() throws {
        let g = Geometry.multiPolygon([
            Polygon(exterior: [Coordinate(1, 2), Coordinate(3, 2), Coordinate(3, 5), Coordinate(1, 2)])
        ])
        let blob = GeoPackageBinary.encode(g, srsID: 4490)
        #expect(Array(blob[0..<4]) == [0x47, 0x50, 0, 0b11])
        let (srs, back) = try GeoPackageBinary.decode(blob)
        #expect(srs == 4490)
        #expect(back == g)
        #expect(GeoPackageBinary.envelope(blob) == Envelope(minX: 1, minY: 2, maxX: 3, maxY: 5))
        let empty = GeoPackageBinary.encode(.geometryCollection([]), srsID: 4326)
        #expect(GeoPackageBinary.envelope(empty) == nil)
        #expect(throws: GeoPackageBinary.DecodeError.self) { try GeoPackageBinary.decode([0x47, 0x50, 0, 3]) }
        #expect(throws: GeoPackageBinary.DecodeError.self) {
            try GeoPackageBinary.decode(Array("not a geometry blob".utf8))
        }
        // A count that claims more parts than there are bytes is refused before allocating.
        #expect(throws: GeoPackageBinary.DecodeError.self) {
            try GeoPackageBinary.decode([0x47, 0x50, 0, 1, 0, 0, 0, 0, 1, 6, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F])
        }
    }

    @Test func gdalReadsWhatGridplanWrites() throws {
        let dir = try scratchDirectory()
        let store = try GeoPackageStore.create(path: dir + "/city.gpkg", crs: .cgcs2000)
        let source = dir + "/c.geojson"
        try GeoJSONWriter.write(communities(60), to: source)
        let r = try store.importLayer(
            try SourceLayer.read(path: source), into: .communities, fields: [:], replace: false, parameters: [:])
        #expect(r.features == 60)
        #expect(
            r.fields == ["code ← 编码 (auto-detected)", "name ← 名称 (auto-detected)", "households ← 户数 (auto-detected)"])
        let info = try run("/usr/bin/ogrinfo", ["-so", "-al", dir + "/city.gpkg"])
        #expect(info.code == 0)
        #expect(!info.err.contains("ERROR"), "\(info.err)")
        #expect(!info.out.contains("ERROR"))
        // Every layer is listed; communities with its count, extent and CRS.
        for layer in StoreLayer.allCases { #expect(info.out.contains("Layer name: \(layer.rawValue)\n")) }
        let section = info.out.components(separatedBy: "Layer name: communities\n")[1].components(
            separatedBy: "Layer name:")[0]
        #expect(section.contains("Feature Count: 60"))
        #expect(section.contains("Geometry: Multi Polygon"))
        #expect(section.contains("China Geodetic Coordinate System 2000"))
        let e = try GeoJSONReader.read(path: source).envelope
        #expect(section.contains(String(format: "Extent: (%.6f, %.6f) - (%.6f, %.6f)", e.minX, e.minY, e.maxX, e.maxY)))
        // Attribute values are readable by GDAL too.
        let sql = try run(
            "/usr/bin/ogrinfo",
            ["-q", dir + "/city.gpkg", "-sql", "SELECT code, name, households FROM communities WHERE fid = 5"])
        #expect(sql.out.contains("code (String) = 110101001005"))
        #expect(sql.out.contains("name (String) = 社区5号"))
        #expect(sql.out.contains("households (Integer64) = 112"))
    }

    @Test func gridplanReadsWhatGDALWrites() throws {
        let dir = try scratchDirectory()
        try GeoJSONWriter.write(communities(25), to: dir + "/in.geojson")
        // Compare with the file as written (coordinates rounded to 7 decimals).
        let features = try GeoJSONReader.read(path: dir + "/in.geojson").features
        let conv = try run("/usr/bin/ogr2ogr", ["-f", "GPKG", dir + "/gdal.gpkg", dir + "/in.geojson", "-nln", "社区"])
        #expect(conv.code == 0, "\(conv.err)")
        let layer = try SourceLayer.read(path: dir + "/gdal.gpkg")
        #expect(layer.format == "GeoPackage")
        #expect(layer.crs == .wgs84)
        #expect(layer.collection.features.count == 25)
        for (a, b) in zip(features, layer.collection.features) {
            #expect(a.geometry == b.geometry)
            #expect(b.properties["名称"] == a.properties["名称"])
            #expect(b.properties["户数"] == a.properties["户数"])
            #expect(b.properties["面积"]?.doubleValue == a.properties["面积"]?.doubleValue)
        }
        // A GeoPackage in a projected CRS written by GDAL keeps its CRS.
        let gk = try run(
            "/usr/bin/ogr2ogr", ["-f", "GPKG", "-t_srs", "EPSG:4548", dir + "/gk.gpkg", dir + "/in.geojson"])
        #expect(gk.code == 0)
        #expect(try SourceLayer.read(path: dir + "/gk.gpkg").crs == .epsg(4548))
    }

    @Test func rtreeQueriesMatchFullScan() throws {
        let dir = try scratchDirectory()
        let store = try GeoPackageStore.create(path: dir + "/s.gpkg")
        try GeoJSONWriter.write(communities(400), to: dir + "/c.geojson")
        _ = try store.importLayer(
            try SourceLayer.read(path: dir + "/c.geojson"), into: .communities, fields: [:], replace: false,
            parameters: [:])
        let all = try store.features(of: .communities)
        #expect(all.count == 400)
        var s: UInt64 = 3
        func next() -> Double {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Double(s >> 11) / Double(1 << 53)
        }
        for _ in 0..<50 {
            let x = 116.29 + next() * 0.2, y = 39.79 + next() * 0.2
            let box = Envelope(minX: x, minY: y, maxX: x + next() * 0.05, maxY: y + next() * 0.05)
            let indexed = try store.features(of: .communities, envelope: box).compactMap(\.id)
            let scanned = all.filter { $0.geometry!.envelope.intersects(box) }.compactMap(\.id)
            #expect(indexed == scanned)
        }
        // The R-tree holds one entry per feature, kept up to date by the triggers.
        #expect(try store.database.rows("SELECT count(*) FROM rtree_communities_geom") == [[.integer(400)]])
        try store.database.execute("DELETE FROM communities WHERE fid <= 10")
        #expect(try store.database.rows("SELECT count(*) FROM rtree_communities_geom") == [[.integer(390)]])
    }
}

@Suite struct SpatialIndexBulkLoadTests {
    /// A large import packs the empty R-tree directly; a later import into the same layer inserts
    /// into the existing tree. Both must give a tree SQLite itself finds sound, holding exactly the
    /// features' boxes rounded outward, with the standard insert trigger back in place.
    @Test func packedAndAppendedTreesAreSoundAndExact() throws {
        let dir = try scratchDirectory()
        let store = try GeoPackageStore.create(path: dir + "/s.gpkg")
        // 6,000 features: more than one level of 51-cell nodes above the leaves.
        var first = communities(6000, seed: 11)
        first[17].geometry = nil
        try GeoJSONWriter.write(first, to: dir + "/a.geojson")
        try GeoJSONWriter.write(communities(700, seed: 12), to: dir + "/b.geojson")
        _ = try store.importLayer(
            try SourceLayer.read(path: dir + "/a.geojson"), into: .grids, fields: [:], replace: false, parameters: [:])
        func checkTree(expected: Int) throws {
            #expect(try store.database.rows("SELECT rtreecheck('rtree_grids_geom')") == [[.text("ok")]])
            #expect(try store.database.rows("SELECT count(*) FROM rtree_grids_geom") == [[.integer(Int64(expected))]])
            let boxes = Dictionary(
                uniqueKeysWithValues: try store.database.rows("SELECT id, minx, maxx, miny, maxy FROM rtree_grids_geom")
                    .map { r in
                        (r[0].int, (r[1].double, r[2].double, r[3].double, r[4].double))
                    })
            var checked = 0
            for r in try store.database.rows("SELECT fid, geom FROM grids") {
                guard case .blob(let b) = r[1], let e = GeoPackageBinary.envelope(b) else {
                    #expect(boxes[r[0].int] == nil)
                    continue
                }
                let box = try #require(boxes[r[0].int])
                // Outward to the nearest 32-bit floats: contains the box, and the next float inward would not.
                #expect(box.0 <= e.minX && Double(Float(box.0).nextUp) > e.minX)
                #expect(box.1 >= e.maxX && Double(Float(box.1).nextDown) < e.maxX)
                #expect(box.2 <= e.minY && Double(Float(box.2).nextUp) > e.minY)
                #expect(box.3 >= e.maxY && Double(Float(box.3).nextDown) < e.maxY)
                checked += 1
            }
            #expect(checked == expected)
        }
        try checkTree(expected: 5999)
        let depth = try store.database.rows("SELECT rtreedepth(data) FROM rtree_grids_geom_node WHERE nodeno = 1")
        #expect(depth == [[.integer(2)]])
        _ = try store.importLayer(
            try SourceLayer.read(path: dir + "/b.geojson"), into: .grids, fields: [:], replace: false, parameters: [:])
        try checkTree(expected: 6699)
        // Queries through the tree equal a full scan.
        let all = try store.features(of: .grids)
        for k in 0..<20 {
            let x = 116.3 + Double(k) * 0.009, y = 39.8 + Double(k) * 0.015
            let box = Envelope(minX: x, minY: y, maxX: x + 0.03, maxY: y + 0.02)
            let indexed = Set(try store.features(of: .grids, envelope: box).compactMap(\.id))
            let scanned = Set(all.filter { $0.geometry.map { $0.envelope.intersects(box) } ?? false }.compactMap(\.id))
            #expect(indexed == scanned && !scanned.isEmpty)
        }
        // The trigger is back: a row written by plain SQL is indexed.
        try store.database.execute(
            "INSERT INTO grids(geom, generation_id) SELECT geom, generation_id FROM grids WHERE fid = 1")
        #expect(try store.database.rows("SELECT count(*) FROM rtree_grids_geom") == [[.integer(6700)]])
        #expect(
            try store.database.rows(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'rtree_grids_geom_insert'") == [
                    [.integer(1)]
                ])
    }

    /// A layer whose features all lack a geometry leaves the tree empty and sound.
    @Test func importWithoutGeometriesLeavesAnEmptySoundTree() throws {
        let dir = try scratchDirectory()
        let store = try GeoPackageStore.create(path: dir + "/s.gpkg")
        var features = communities(3)
        for i in features.indices { features[i].geometry = nil }
        try GeoJSONWriter.write(features, to: dir + "/n.geojson")
        let report = try store.importLayer(
            try SourceLayer.read(path: dir + "/n.geojson"), into: .communities, fields: [:], replace: false,
            parameters: [:])
        #expect(report.features == 3)
        #expect(
            try store.database.rows(
                "SELECT rtreecheck('rtree_communities_geom'), (SELECT count(*) FROM rtree_communities_geom)") == [
                    [.text("ok"), .integer(0)]
                ])
        // And a later import still packs it.
        _ = try store.importLayer(
            try SourceLayer.read(path: dir + "/n.geojson"), into: .grids, fields: [:], replace: false, parameters: [:])
        try GeoJSONWriter.write(communities(80), to: dir + "/c.geojson")
        _ = try store.importLayer(
            try SourceLayer.read(path: dir + "/c.geojson"), into: .communities, fields: [:], replace: true,
            parameters: [:])
        #expect(
            try store.database.rows(
                "SELECT rtreecheck('rtree_communities_geom'), (SELECT count(*) FROM rtree_communities_geom)") == [
                    [.text("ok"), .integer(80)]
                ])
    }
}

@Suite struct ImportFormatTests {
    @Test func gbkShapefileAndCSVImport() throws {
        let dir = try scratchDirectory()
        let input = communities(12)
        try GeoJSONWriter.write(input, to: dir + "/c.geojson")
        let conv = try run(
            "/usr/bin/ogr2ogr",
            ["-f", "ESRI Shapefile", dir + "/c.shp", dir + "/c.geojson", "-lco", "ENCODING=GBK", "-t_srs", "EPSG:4490"])
        #expect(conv.code == 0, "\(conv.err)")
        try? FileManager.default.removeItem(atPath: dir + "/c.cpg")  // as most government data arrives: no .cpg
        let shp = try SourceLayer.read(path: dir + "/c.shp")
        #expect(shp.format == "Shapefile")
        #expect(shp.crs == .cgcs2000)  // the .prj's WKT identified as EPSG:4490
        #expect(shp.notes.contains { $0.contains("GB18030") })
        let store = try GeoPackageStore.create(path: dir + "/s.gpkg", crs: .cgcs2000)
        let r = try store.importLayer(shp, into: .communities, fields: [:], replace: false, parameters: [:])
        #expect(r.features == 12)
        let back = try store.features(of: .communities)
        #expect(back.map { $0.properties["name"] } == input.map { $0.properties["名称"] })
        #expect(back.map { $0.properties["households"] } == input.map { $0.properties["户数"] })

        // A CSV with lon/lat columns and Chinese headers imports as points.
        let csv = "名称,户数,经度,纬度\r\n\"楼,1\",12,116.40,39.91\r\n楼2,30,116.41,39.92\r\n"
        try Data(csv.utf8).write(to: URL(fileURLWithPath: dir + "/b.csv"))
        let points = try SourceLayer.read(path: dir + "/b.csv")
        #expect(points.crsSource.contains("assumed WGS84"))
        let rb = try store.importLayer(points, into: .buildings, fields: [:], replace: false, parameters: [:])
        #expect(rb.features == 2)
        let buildings = try store.features(of: .buildings)
        #expect(buildings.map { $0.properties["name"] } == [.string("楼,1"), .string("楼2")])
        #expect(buildings.map { $0.properties["households"] } == [.integer(12), .integer(30)])
    }
}

@Suite struct StoreSchemaTests {
    @Test func failedImportLeavesStoreUnchanged() throws {
        let dir = try scratchDirectory()
        let store = try GeoPackageStore.create(path: dir + "/s.gpkg")
        try GeoJSONWriter.write(communities(10), to: dir + "/good.geojson")
        _ = try store.importLayer(
            try SourceLayer.read(path: dir + "/good.geojson"), into: .communities, fields: [:], replace: false,
            parameters: [:])
        // Feature 7 is a line: it cannot go into a polygon layer, so nothing of this import may land.
        var bad = communities(12, seed: 9)
        bad[7].geometry = .lineString([Coordinate(116.3, 39.8), Coordinate(116.31, 39.81)])
        try GeoJSONWriter.write(bad, to: dir + "/bad.geojson")
        #expect(throws: StoreError.self) {
            try store.importLayer(
                try SourceLayer.read(path: dir + "/bad.geojson"), into: .communities, fields: [:], replace: true,
                parameters: [:])
        }
        do {
            _ = try store.importLayer(
                try SourceLayer.read(path: dir + "/bad.geojson"), into: .communities, fields: [:], replace: true,
                parameters: [:])
        } catch let e as StoreError {
            #expect(e.description.contains("feature 7: a LineString cannot go into the polygon layer 'communities'"))
        }
        #expect(try store.features(of: .communities).count == 10)
        #expect(try store.generations().count == 1)
        // Without --replace a second import is refused, also leaving the store as it was.
        #expect(throws: StoreError.self) {
            try store.importLayer(
                try SourceLayer.read(path: dir + "/good.geojson"), into: .communities, fields: [:], replace: false,
                parameters: [:])
        }
        let r = try store.importLayer(
            try SourceLayer.read(path: dir + "/good.geojson"), into: .communities, fields: [:], replace: true,
            parameters: [:])
        #expect(r.replaced == 10)
        #expect(try store.features(of: .communities).count == 10)
    }

    @Test func gridGenerationsAccumulate() throws {
        let dir = try scratchDirectory()
        let store = try GeoPackageStore.create(path: dir + "/s.gpkg")
        try GeoJSONWriter.write(communities(5), to: dir + "/g1.geojson")
        try GeoJSONWriter.write(communities(8, seed: 11), to: dir + "/g2.geojson")
        let a = try store.importLayer(
            try SourceLayer.read(path: dir + "/g1.geojson"), into: .grids, fields: [:], replace: false,
            parameters: ["file": .string("g1")])
        let b = try store.importLayer(
            try SourceLayer.read(path: dir + "/g2.geojson"), into: .grids, fields: [:], replace: false,
            parameters: ["file": .string("g2")])
        #expect(b.generation == a.generation + 1)
        #expect(try store.features(of: .grids).count == 8)
        #expect(try store.features(of: .grids, generation: a.generation).count == 5)
        let gens = try store.generations(of: .grids)
        #expect(gens.map(\.parentID) == [nil, a.generation])
        #expect(gens[1].parameters == #"{"file":"g2"}"#)
    }

    @Test func newerStoreIsRefusedAndNonStoresNamed() throws {
        let dir = try scratchDirectory()
        let path = dir + "/s.gpkg"
        _ = try GeoPackageStore.create(path: path)
        let db = try Database(path: path)
        try db.execute("INSERT INTO gridplan_schema VALUES (99, 'from the future', 'now')")
        do {
            _ = try GeoPackageStore.open(path: path)
            Issue.record("expected refusal")
        } catch let e as StoreError {
            #expect(e.reason.contains("newer gridplan (schema version 99"))
        }
        #expect(throws: StoreError.self) { try GeoPackageStore.create(path: path) }
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: dir + "/junk.gpkg"))
        #expect(throws: (any Error).self) { try GeoPackageStore.open(path: dir + "/junk.gpkg") }
        #expect(throws: StoreError.self) { try GeoPackageStore.open(path: dir + "/missing.gpkg") }
    }

    @Test func localGridCRSIsStoredAndReadByGDAL() throws {
        let dir = try scratchDirectory()
        let local = "+proj=tmerc +lat_0=0 +lon_0=116.35 +k=1 +x_0=50000 +y_0=-4000000 +ellps=GRS80 +units=m"
        let store = try GeoPackageStore.create(path: dir + "/local.gpkg", crs: try CRS(parsing: local))
        try GeoJSONWriter.write(communities(4), to: dir + "/c.geojson")
        _ = try store.importLayer(
            try SourceLayer.read(path: dir + "/c.geojson"), into: .communities, fields: [:], replace: false,
            parameters: [:])
        let rows = try store.database.rows(
            "SELECT srs_id, organization FROM gpkg_spatial_ref_sys WHERE srs_id >= 100000")
        #expect(rows == [[.integer(100000), .text("gridplan")]])
        let reopened = try GeoPackageStore.open(path: dir + "/local.gpkg")
        #expect(reopened.crs == .definition(local))
        // Areas in the local grid agree with the Gauss-Krüger zone to 0.1%.
        let ctx = GEOSContext()
        let a = try ctx.geometry(reopened.features(of: .communities)[0].geometry!).area
        let gk = try Transformer(from: .wgs84, to: .epsg(4548)).transform(communities(1)[0].geometry!)
        #expect(abs(a - (try ctx.geometry(gk).area)) / a < 0.001)
        let info = try run("/usr/bin/ogrinfo", ["-so", dir + "/local.gpkg", "communities"])
        #expect(info.out.contains("Transverse_Mercator") || info.out.contains("Transverse Mercator"))
    }

    @Test func exportsRoundTrip() throws {
        let dir = try scratchDirectory()
        let store = try GeoPackageStore.create(path: dir + "/s.gpkg", crs: .cgcs2000)
        let input = communities(30)
        try GeoJSONWriter.write(input, to: dir + "/c.geojson")
        _ = try store.importLayer(
            try SourceLayer.read(path: dir + "/c.geojson"), into: .communities, fields: [:], replace: false,
            parameters: [:])
        let features = try store.features(of: .communities)
        for ext in ["geojson", "gpkg", "csv"] {
            let out = dir + "/out." + ext
            _ = try FeatureExport.write(features, crs: store.crs, to: out, layerName: "communities")
            if ext == "csv" {
                let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\r\n")
                #expect(lines.count == 31)
                #expect(lines[0] == "fid,wkt,编码,名称,户数,面积,code,name,households,generation_id")
                #expect(lines[1].hasPrefix("1,\"POLYGON (("))
            } else {
                let back = try SourceLayer.read(path: out)
                #expect(back.collection.features.count == 30)
                for (a, b) in zip(input, back.collection.features) {
                    #expect(b.properties["名称"] == a.properties["名称"])
                    guard case .polygon(let pa)? = a.geometry, case .polygon(let pb)? = b.geometry ?? nil else {
                        if case .multiPolygon(let ps)? = b.geometry, case .polygon(let pa)? = a.geometry {
                            #expect(ps.count == 1 && ps[0].exterior.count == pa.exterior.count)
                            continue
                        }
                        Issue.record("geometry type")
                        continue
                    }
                    #expect(pa.exterior.count == pb.exterior.count)
                }
            }
        }
        let info = try run("/usr/bin/ogrinfo", ["-so", dir + "/out.gpkg", "communities"])
        #expect(info.out.contains("Feature Count: 30"))
        #expect(!info.err.contains("ERROR"))
    }
}

@Suite struct CrashSafetyTests {
    /// The gridplan executable built beside the test bundle.
    static var gridplan: String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("gridplan").path) && dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("gridplan").path
    }

    @Test func killedImportLeavesStoreUnchanged() throws {
        let dir = try scratchDirectory()
        let path = dir + "/s.gpkg"
        let store = try GeoPackageStore.create(path: path)
        try GeoJSONWriter.write(communities(20), to: dir + "/small.geojson")
        _ = try store.importLayer(
            try SourceLayer.read(path: dir + "/small.geojson"), into: .communities, fields: [:], replace: false,
            parameters: [:])
        try GeoJSONWriter.write(communities(20_000, seed: 5), to: dir + "/big.geojson")
        var killedMidway = 0
        for attempt in 0..<6 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Self.gridplan)
            p.arguments = ["import", path, dir + "/big.geojson", "--as", "communities", "--replace", "--quiet"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(UInt32(150_000 + attempt * 120_000))
            if p.isRunning { killedMidway += 1 }
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let check = try GeoPackageStore.open(path: path)
            #expect(try check.database.rows("PRAGMA integrity_check") == [[.text("ok")]])
            let n = try check.features(of: .communities).count
            // Either the import never committed (20 features) or it committed whole (20,000).
            #expect(n == 20 || n == 20_000, "attempt \(attempt): \(n)")
            if n == 20_000 { break }
        }
        #expect(killedMidway > 0)
    }
}

private extension SQLValue {
    var int: Int64 {
        if case .integer(let n) = self { return n }
        return -1
    }

    var double: Double {
        switch self {
        case .real(let d): return d
        case .integer(let n): return Double(n)
        default: return .nan
        }
    }
}
