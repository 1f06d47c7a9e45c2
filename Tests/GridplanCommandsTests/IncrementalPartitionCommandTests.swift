import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanStore
import Testing

/// `partition --keep-untouched` through the command line: the sample district in a store on
/// both engines (partition, repair --store, the incremental partition), the same with --within,
/// files in GCJ-02 with the moves from a change list or from the outlines before, and bad input.
@Suite(.serialized) struct IncrementalPartitionCommandTests {
    /// A store of each engine with the sample city loaded (PostGIS when the test server is set).
    static func stores(_ dir: String) throws -> [String] {
        var stores = [dir + "/city-\(UUID().uuidString.prefix(8)).gpkg"]
        if let server = PostGISStoreTests.server() { stores.append(try PostGISStoreTests.newDatabase(server)) }
        for store in stores { PostGISStoreTests.load(store) }
        return stores
    }

    /// A row as the store holds it, without its row id and generation.
    static func row(_ f: Feature) -> Feature {
        var f = f
        f.id = nil
        f.properties["generation_id"] = nil
        return f
    }

    static func grids(_ store: String) throws -> [String: Feature] {
        var byCode: [String: Feature] = [:]
        for f in try Stores.open(store, readOnly: true).features(of: .grids) {
            if let code = f.properties["code"]?.stringValue { byCode[code] = row(f) }
        }
        return byCode
    }

    static func run(_ args: [String]) throws -> JSONObject {
        let r = gridplan(args + ["--json", "--quiet"])
        #expect(r.code == 0, "\(args.prefix(2)): \(r.err)")
        return try JSONText.decode(r.out).objectValue ?? [:]
    }

    /// Partition, repair --store, then the incremental partition: every grid the moved land does
    /// not touch is the very same row, the touched ones are not, the new grids tile the repaired
    /// communities, events follow, and both engines agree.
    @Test func theSampleDistrictAfterARepairKeepsEveryUntouchedRow() throws {
        let dir = try scratch()
        var outputs: [[String: Geometry]] = []
        for store in try Self.stores(dir) {
            _ = try Self.run([
                "partition", "communities", "--store", store, "--households", "buildings", "--events", "events",
            ])
            let before = try Self.grids(store)
            let repair = try Self.run([
                "repair", "communities", "--store", store, "--boundary", "districts", "--households", "buildings",
                "--merge-gaps-under", "2000", "--transfer-exclaves",
            ])
            let changesGeneration = try #require(repair["recorded"]?.objectValue?["changes_generation"]?.intValue)
            let opened = try Stores.open(store, readOnly: true)
            let moved = try opened.features(of: .boundaryChanges)
            #expect(!moved.isEmpty)
            let generations = try opened.generations(of: .grids).count
            let doc = try Self.run([
                "partition", "communities", "--store", store, "--households", "buildings", "--events", "events",
                "--keep-untouched",
            ])
            let incremental = try #require(doc["incremental"]?.objectValue)
            #expect(incremental["repair_generation"]?.intValue == changesGeneration)
            let repartitioned = (incremental["repartitioned"]?.arrayValue ?? []).compactMap(\.objectValue)
            #expect(!repartitioned.isEmpty)
            let joined = Set(repartitioned.flatMap { ($0["joined"]?.arrayValue ?? []).compactMap(\.stringValue) })
            let codes = Set(repartitioned.compactMap { $0["code"]?.stringValue })
            #expect(try Stores.open(store, readOnly: true).generations(of: .grids).count == generations + 1)
            let after = try Self.grids(store)

            // Touched: a grid overlapped by land that moved out of its community, or let go.
            let ctx = GEOSContext()
            let toMetres = try Transformer(from: .cgcs2000, to: .epsg(4548))
            let lost = try moved.map { m -> (from: String?, land: NativeGeometry) in
                (m.properties["from_unit"]?.stringValue, try ctx.geometry(toMetres.transform(m.geometry!)))
            }
            var identical = 0, touched = 0
            for (code, old) in before {
                let g = try ctx.geometry(toMetres.transform(old.geometry!))
                let community = String(code.prefix(12))
                let overlap = try lost.filter { $0.from == community }.reduce(0.0) {
                    $0 + (try g.intersection(with: $1.land).area)
                }
                if overlap > 1 || joined.contains(code) {
                    touched += 1
                    #expect(after[code] != old, "\(code) was touched but is the same row")
                } else if overlap <= 0.01 {
                    identical += 1
                    #expect(after[code] == old, "\(code) was not touched but changed")
                }
            }
            #expect(identical > before.count / 2 && touched > 0, "\(identical) identical, \(touched) touched")
            // Only re-partitioned communities have new rows; every row is in a community.
            for (code, g) in after where before[code] != g {
                #expect(codes.contains(String(code.prefix(12))), "\(code)")
            }
            // The re-partitioned communities are tiled exactly by their grids: no gap or overlap
            // wider than a micrometre on average along their outlines.
            let communities = try Stores.open(store, readOnly: true).features(of: .communities)
            for c in communities {
                guard let code = c.properties["code"]?.stringValue, codes.contains(code) else { continue }
                let shape = try ctx.geometry(toMetres.transform(c.geometry!)).madeValid().geometry
                let mine = try after.filter { $0.key.hasPrefix(code) }.map {
                    try ctx.geometry(toMetres.transform($0.value.geometry!))
                }
                let union = try ctx.union(of: mine)
                let sum = try mine.reduce(0.0) { $0 + (try $1.area) }
                let bound = max(1e-4, try shape.length * 1e-6)
                let outside = try union.difference(with: shape).area, uncovered = try shape.difference(with: union).area
                #expect(
                    outside + uncovered <= bound,
                    "community \(code): \(outside) m² outside, \(uncovered) m² not covered, \(mine.count) grids")
                #expect(try abs(sum - union.area) <= bound, "community \(code): grids overlap")
            }
            // Events lie in the grid they name.
            let rings = after.mapValues { RingArea($0.geometry!) }
            for e in try Stores.open(store, readOnly: true).features(of: .events) {
                guard let code = e.properties["parent_code"]?.stringValue, case .point(let p)? = e.geometry else {
                    continue
                }
                #expect(rings[code]?.isWithinDistance(1e-7, of: p) == true, "an event names \(code)")
            }
            outputs.append(after.compactMapValues(\.geometry))
        }
        if outputs.count == 2 { #expect(outputs[0] == outputs[1], "the engines differ") }
    }

    /// With --within, only the street office's communities are re-partitioned; every other grid is
    /// the same row, and moves into other offices are named.
    @Test func withinOneStreetOfficeTheRestIsCarried() throws {
        let dir = try scratch()
        for store in try Self.stores(dir) {
            _ = try Self.run(["partition", "communities", "--store", store, "--households", "buildings"])
            let repair = try Self.run([
                "repair", "communities", "--store", store, "--boundary", "districts", "--households", "buildings",
                "--merge-gaps-under", "2000", "--transfer-exclaves",
            ])
            let changes = (repair["changes"]?.arrayValue ?? []).compactMap(\.objectValue)
            let office = try #require(
                changes.compactMap { $0["to_unit"]?.stringValue }.first.map { String($0.prefix(9)) })
            let before = try Self.grids(store)
            let doc = try Self.run([
                "partition", "communities", "--store", store, "--within", office, "--households", "buildings",
                "--keep-untouched",
            ])
            let repartitioned = (doc["incremental"]?.objectValue?["repartitioned"]?.arrayValue ?? []).compactMap {
                $0.objectValue?["code"]?.stringValue
            }
            #expect(!repartitioned.isEmpty && repartitioned.allSatisfy { $0.hasPrefix(office) }, "\(repartitioned)")
            let after = try Self.grids(store)
            let outside = before.filter { !$0.key.hasPrefix(office) }
            #expect(!outside.isEmpty)
            for (code, row) in outside { #expect(after[code] == row, "\(code) outside \(office) changed") }
            let elsewhere = changes.flatMap { [$0["from_unit"]?.stringValue, $0["to_unit"]?.stringValue] }
                .compactMap { $0 }.filter { !$0.hasPrefix(office) }
            let warnings = (doc["warnings"]?.arrayValue ?? []).compactMap(\.stringValue)
            if !elsewhere.isEmpty { #expect(warnings.contains { $0.contains("not among the communities read") }) }
        }
    }

    /// Refused with the store and the reason, exit 3, the store as it was: a generation that is
    /// not a repair, a store with no repair, a repair that moved nothing; the options' misuse
    /// is a usage error.
    @Test func badRequestsAreRefusedAndTheStoreIsUntouched() throws {
        let dir = try scratch()
        let store = try #require(try Self.stores(dir).first)
        let base = ["partition", "communities", "--store", store, "--households", "buildings", "--keep-untouched"]
        _ = try Self.run(["partition", "communities", "--store", store, "--households", "buildings"])
        let gridsGeneration = try #require(try Stores.open(store).latestGeneration(of: .grids)?.id)
        func refused(_ args: [String], _ reason: String, code: Int32 = 3) throws {
            let before = try Self.grids(store)
            let generations = try Stores.open(store, readOnly: true).generations(ofTable: nil).count
            let r = gridplan(args + ["--quiet"])
            #expect(r.code == code, "\(args.suffix(3)): \(r.err)")
            #expect(r.err.contains(reason), "\(r.err)")
            if code == 3 { #expect(r.err.contains(store), "\(r.err)") }
            #expect(try Self.grids(store) == before)
            #expect(try Stores.open(store, readOnly: true).generations(ofTable: nil).count == generations)
        }
        try refused(base, "no repair is recorded")
        try refused(base + ["--repair-generation", String(gridsGeneration)], "is partition of grids, not a repair")
        try refused(base + ["--repair-generation", "999"], "no generation 999")
        _ = try Self.run([
            "repair", "communities", "--store", store, "--boundary", "districts", "--households", "buildings",
            "--merge-gaps-under", "2000",
        ])
        // Repaired already: the second repair moves nothing.
        _ = try Self.run(["repair", "communities", "--store", store, "--boundary", "districts"])
        try refused(base, "moved no land")
        try refused(
            ["partition", "communities", "--store", store, "--households", "buildings", "--changes", "x.geojson"],
            "--keep-untouched", code: 2)
        try refused(base + ["--previous", dir + "/old.geojson"], "drop --previous", code: 2)
        let empty = dir + "/empty.geojson"
        try #"{"type":"FeatureCollection","features":[]}"#.write(toFile: empty, atomically: true, encoding: .utf8)
        let r = gridplan(base + ["--changes", empty, "--quiet"])
        #expect(r.code == 3 && r.err.contains("no changes"), "\(r.err)")
        let fileOnly = gridplan([
            "partition", empty, "--streets", empty, "--households", empty, "--keep-untouched", "--out",
            dir + "/x.geojson",
        ])
        #expect(fileOnly.code == 2 && fileOnly.err.contains("--changes"), "\(fileOnly.err)")
    }
}

/// The built geometry of the analysis tests' incremental partition (``BorderStrip``: two
/// communities, a curved arterial, a hole, a border whose vertices differ) as GCJ-02 files, as an AMap export gives them: the
/// grids of the first partition, then the strip moved from A to B, read once from a change list
/// and once from the outlines before.
@Suite struct IncrementalPartitionFileTests {
    static func collection(_ features: [(Geometry, JSONObject)], to path: String) throws {
        let fromMetres = try Transformer(from: .epsg(4548), to: .gcj02)
        try GeoJSONWriter.write(
            try features.map { Feature(geometry: try fromMetres.transform($0.0), properties: $0.1) }, to: path,
            precision: 10)
    }

    @Test func filesInGCJ02KeepTheUntouchedGridsToTheDigit() throws {
        let dir = try scratch()
        let t = BorderStrip.self
        let after = try t.moved(width: 60)
        try Self.collection(
            [(t.a, ["code": .string(t.codeA)]), (t.b, ["code": .string(t.codeB)])], to: dir + "/before.geojson")
        try Self.collection(
            [(after.a, ["code": .string(t.codeA)]), (after.b, ["code": .string(t.codeB)])], to: dir + "/after.geojson")
        try Self.collection(
            t.streets.map { ($0.geometry, ["class": .string($0.streetClass)]) }, to: dir + "/streets.geojson")
        try Self.collection(
            t.households.map { (.point($0.0), ["households": .number($0.1)]) }, to: dir + "/buildings.geojson")
        // A change list as repair --changes writes it: WGS84.
        try GeoJSONWriter.write(
            [
                Feature(
                    geometry: try Transformer(from: .epsg(4548), to: .wgs84).transform(after.strip),
                    properties: [
                        "reason": .string("overlap"), "from_unit": .string(t.codeA), "to_unit": .string(t.codeB),
                    ])
            ], to: dir + "/changes.geojson")
        let common = [
            "--crs", "gcj02", "--streets", dir + "/streets.geojson", "--households", dir + "/buildings.geojson",
            "--quiet",
        ]
        let first = gridplan(["partition", dir + "/before.geojson", "--out", dir + "/grids0.geojson"] + common)
        #expect(first.code == 0, "\(first.err)")
        var outputs: [String] = []
        for moves in [
            ["--changes", dir + "/changes.geojson@wgs84"], ["--communities-before", dir + "/before.geojson"],
        ] {
            let out = dir + "/grids-\(outputs.count).geojson"
            let r = gridplan(
                ["partition", dir + "/after.geojson", "--keep-untouched", "--previous", dir + "/grids0.geojson@wgs84"]
                    + moves + ["--out", out] + common)
            #expect(r.code == 0, "\(moves[0]): \(r.err)")
            outputs.append(try String(contentsOfFile: out, encoding: .utf8))
        }
        #expect(outputs[0] == outputs[1], "the change list and the outlines give different grids")
        // Every grid the strip does not touch is written with the very coordinates it had.
        func grids(_ path: String) throws -> [String: Feature] {
            var byCode: [String: Feature] = [:]
            for f in try GeoJSONReader.read(path: path).features { byCode[f.properties["code"]!.stringValue!] = f }
            return byCode
        }
        let old = try grids(dir + "/grids0.geojson"), new = try grids(dir + "/grids-0.geojson")
        let ctx = GEOSContext()
        let strip = try ctx.geometry(after.strip)
        let toMetres = try Transformer(from: .wgs84, to: .epsg(4548))
        var kept = 0
        for (code, f) in old {
            let g = try ctx.geometry(toMetres.transform(f.geometry!))
            guard try g.intersection(with: strip).area < 0.01 else { continue }
            #expect(new[code]?.geometry == f.geometry, "\(code)")
            #expect(new[code]?.properties["status"] == .string("kept"))
            kept += 1
        }
        #expect(kept >= 5)
        // The result tiles A and B after the move (to the rounding of 9 decimals of a degree).
        for (code, shape) in [(t.codeA, after.a), (t.codeB, after.b)] {
            let mine = try new.filter { $0.key.hasPrefix(code) }.map {
                try ctx.geometry(toMetres.transform($0.value.geometry!))
            }
            let union = try ctx.union(of: mine)
            let c = try ctx.geometry(shape)
            #expect(try union.symmetricDifference(with: c).area < 0.5, "community \(code)")
            #expect(try abs(mine.reduce(0.0) { $0 + (try $1.area) } - union.area) < 0.05, "community \(code)")
        }
    }
}
