import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanPostgres
import GridplanStore
import Testing

/// The two store engines, for tests that must hold for both.
enum Engine: String, CaseIterable, CustomStringConvertible, Sendable {
    case geopackage, postgis
    var description: String { rawValue }

    /// The PostgreSQL server the tests use (`.ci/pg-cluster run` sets it). Under CI a missing
    /// server fails the test; elsewhere the PostGIS cases are skipped with the reason.
    static var postgresURI: String? { ProcessInfo.processInfo.environment["GRIDPLAN_TEST_PG"] }

    /// A location for a new, empty store: a path in a new directory, or a new database.
    func newLocation() throws -> String? {
        switch self {
        case .geopackage:
            return try scratchDirectory() + "/s.gpkg"
        case .postgis:
            guard let uri = Self.postgresURI else {
                if ProcessInfo.processInfo.environment["CI"] != nil {
                    Issue.record("GRIDPLAN_TEST_PG is not set under CI: run the tests through .ci/pg-cluster run")
                } else {
                    print("skipping the PostGIS case: GRIDPLAN_TEST_PG is not set (run through .ci/pg-cluster run)")
                }
                return nil
            }
            return try Self.newDatabase(uri)
        }
    }

    /// Creates an empty database beside the one `uri` names and returns its URI.
    static func newDatabase(_ uri: String) throws -> String {
        let admin = try PostgresConnection(uri)
        let name = "gridplan_t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try admin.execute("CREATE DATABASE \(try admin.quoteIdentifier(String(name)))")
        guard let slash = uri.range(of: "/", options: .backwards),
            let query = uri.range(of: "?") ?? Optional(uri.endIndex..<uri.endIndex)
        else { return uri }
        return String(uri[..<slash.upperBound]) + name + String(uri[query.lowerBound...])
    }
}

@Suite struct StoreEngineTests {
    static func source(_ features: [Feature], in dir: String, name: String = "c") throws -> SourceLayer {
        let path = dir + "/\(name).geojson"
        try GeoJSONWriter.write(features, to: path)
        return try SourceLayer.read(path: path)
    }

    @Test(arguments: Engine.allCases)
    func createOpenAndRefuse(engine: Engine) throws {
        guard let location = try engine.newLocation() else { return }
        let store = try Stores.create(location, crs: .cgcs2000)
        #expect(store.crs == .cgcs2000)
        // A location is shown with its password masked.
        #expect(store.location == Stores.masked(location))
        if engine == .postgis, let password = URLComponents(string: location)?.password {
            #expect(!store.location.contains(password))
        }
        let again = try Stores.open(location, readOnly: true)
        #expect(again.crs == .cgcs2000)
        #expect(try again.summaries().map(\.count) == Array(repeating: 0, count: StoreLayer.allCases.count))
        #expect(throws: StoreError.self) { try Stores.create(location, crs: .wgs84) }
    }

    @Test(arguments: Engine.allCases)
    func importReadFilterAndReplace(engine: Engine) throws {
        guard let location = try engine.newLocation() else { return }
        let dir = try scratchDirectory()
        let store = try Stores.create(location, crs: .cgcs2000)
        let features = communities(60)
        let source = try Self.source(features, in: dir)
        let r = try store.importLayer(
            source, into: .communities, fields: [:], replace: false, parameters: ["file": .string("c.geojson")])
        #expect(r.features == 60)
        #expect(
            r.fields == ["code ← 编码 (auto-detected)", "name ← 名称 (auto-detected)", "households ← 户数 (auto-detected)"])
        let back = try store.features(of: .communities)
        #expect(back.count == 60)
        // Source properties come back as they were, with the standard fields on top.
        let second = back[1]
        #expect(second.properties["编码"] == .string("110101001002"))
        #expect(second.properties["code"] == .string("110101001002"))
        #expect(second.properties["households"] == .integer(103))
        #expect(second.properties["面积"] == .number(1.5))
        #expect(back.map(\.geometry) == source.collection.features.map(\.geometry))
        // Envelope and code-prefix filters.
        let box = Envelope(minX: 116.295, minY: 39.795, maxX: 116.315, maxY: 39.805)
        let inBox = try store.features(of: .communities, FeatureFilter(envelope: box)).compactMap {
            $0.properties["code"]?.stringValue
        }
        let expected = features.filter { $0.geometry!.envelope.intersects(box) }.compactMap {
            $0.properties["编码"]?.stringValue
        }
        #expect(inBox.sorted() == expected.sorted())
        #expect(!expected.isEmpty)
        let prefixed = try store.features(of: .communities, FeatureFilter(codePrefix: "11010100105"))
        #expect(prefixed.count == 10)
        #expect(prefixed.allSatisfy { $0.properties["code"]?.stringValue?.hasPrefix("11010100105") == true })
        // A second import is refused without --replace, and replaces with it.
        #expect(throws: StoreError.self) {
            try store.importLayer(
                try Self.source(features, in: dir), into: .communities, fields: [:], replace: false, parameters: [:])
        }
        let replaced = try store.importLayer(
            try Self.source(Array(features.prefix(5)), in: dir), into: .communities, fields: [:], replace: true,
            parameters: [:])
        #expect(replaced.replaced == 60)
        #expect(try store.features(of: .communities).count == 5)
        #expect(try store.generations(of: .communities).map(\.command) == ["import", "import"])
        let summary = try #require(try store.summaries().first { $0.layer == .communities })
        #expect(summary.count == 5)
        #expect(summary.generations == 2)
    }

    @Test(arguments: Engine.allCases)
    func gridGenerationsKeepCodeHistoryAndPlacePoints(engine: Engine) throws {
        guard let location = try engine.newLocation() else { return }
        let dir = try scratchDirectory()
        let store = try Stores.create(location)
        func square(_ x: Double, _ code: String, lastcode: String? = nil) -> Feature {
            let ring = [
                Coordinate(x, 39.9), Coordinate(x + 0.01, 39.9), Coordinate(x + 0.01, 39.91), Coordinate(x, 39.91),
                Coordinate(x, 39.9),
            ]
            return Feature(
                id: .string(code), geometry: .polygon(Polygon(exterior: ring)),
                properties: [
                    "code": .string(code), "community": .string("110101001001"), "households": .number(200),
                    "area_m2": .number(950_000), "lastcode": lastcode.map { .string($0) } ?? .null,
                ])
        }
        let events = (0..<6).map { i in
            Feature(
                id: .integer(Int64(i)), geometry: .point(Coordinate(116.4005 + Double(i) * 0.004, 39.905)),
                properties: ["class": .string("a")])
        }
        _ = try store.importLayer(
            try Self.source(events, in: dir, name: "e"), into: .events, fields: [:], replace: false, parameters: [:])
        let locate: ([Coordinate]) throws -> [String?] = { points in
            points.map { $0.x < 116.41 ? "110101001001001" : ($0.x < 116.42 ? "110101001001002" : nil) }
        }
        try store.writeGridGeneration(
            [square(116.40, "110101001001001"), square(116.41, "110101001001002")], parameters: ["seed": .integer(0)],
            locate: locate)
        try store.writeGridGeneration(
            [square(116.40, "110101001001001", lastcode: "110101001001001"), square(116.41, "110101001001003")],
            parameters: ["seed": .integer(1)], locate: locate)
        #expect(try store.issuedGridCodes() == ["110101001001001", "110101001001002", "110101001001003"])
        let gens = try store.generations(of: .grids)
        #expect(gens.count == 2)
        #expect(gens[1].parentID == gens[0].id)
        let latest = try store.features(of: .grids)
        #expect(
            latest.compactMap { $0.properties["code"]?.stringValue }.sorted() == ["110101001001001", "110101001001003"])
        #expect(latest.allSatisfy { $0.properties["area_m2"] == .number(950_000) })
        #expect(try store.features(of: .grids, generation: gens[0].id).count == 2)
        let placed = try store.features(of: .events).map { $0.properties["parent_code"]?.stringValue }
        #expect(
            placed == [
                "110101001001001", "110101001001001", "110101001001001", "110101001001002", "110101001001002", nil,
            ])
    }

    @Test(arguments: Engine.allCases)
    func findingsAndReplacedLayers(engine: Engine) throws {
        guard let location = try engine.newLocation() else { return }
        let store = try Stores.create(location)
        let gap = Feature(
            id: .integer(1),
            geometry: .polygon(
                Polygon(exterior: [
                    Coordinate(116.4, 39.9), Coordinate(116.401, 39.9), Coordinate(116.401, 39.901),
                    Coordinate(116.4, 39.9),
                ])),
            properties: [
                "id": .integer(1), "kind": .string("unmanaged"), "area_m2": .number(4700.5),
                "units": .array([.string("110101001001")]),
            ])
        let dot = Feature(
            id: .integer(2), geometry: .point(Coordinate(116.41, 39.91)),
            properties: ["id": .integer(2), "kind": .string("invalid"), "area_m2": .number(0), "units": .array([])])
        let g = try store.recordFindings([gap, dot], command: "check", parameters: ["gap_width": .number(2)])
        let findings = try store.features(of: .findings)
        #expect(findings.count == 2)
        #expect(findings.map { $0.properties["code"]?.stringValue } == ["unmanaged-1", "invalid-2"])
        #expect(findings[0].properties["area_m2"] == .number(4700.5))
        #expect(try store.generations(of: .findings).map(\.id) == [g])
        try store.replaceLayer(
            .communities,
            with: communities(3).map { f in
                var f = f
                f.properties["code"] = f.properties["编码"]
                return f
            }, command: "repair", parameters: [:])
        try store.replaceLayer(
            .communities,
            with: communities(2).map { f in
                var f = f
                f.properties["code"] = f.properties["编码"]
                return f
            }, command: "repair", parameters: [:])
        #expect(
            try store.features(of: .communities).compactMap { $0.properties["code"]?.stringValue } == [
                "110101001001", "110101001002",
            ])
    }

    /// A grid generation that replaces the grids of some communities but keeps a few of them
    /// carries every other row unchanged (start date, properties and all), and a point in a
    /// carried grid keeps it.
    @Test(arguments: Engine.allCases)
    func aGenerationReplacesSomeCommunitiesAndCarriesTheRest(engine: Engine) throws {
        guard let location = try engine.newLocation() else { return }
        let dir = try scratchDirectory()
        let store = try Stores.create(location)
        func square(_ i: Int, _ code: String, name: String? = nil) -> Feature {
            let x = 116.40 + Double(i) * 0.01
            let ring = [
                Coordinate(x, 39.9), Coordinate(x + 0.01, 39.9), Coordinate(x + 0.01, 39.91), Coordinate(x, 39.91),
                Coordinate(x, 39.9),
            ]
            var p: JSONObject = ["code": .string(code), "community": .string(String(code.prefix(12)))]
            if let name { p["name"] = .string(name) }
            return Feature(id: .string(code), geometry: .polygon(Polygon(exterior: ring)), properties: p)
        }
        let events = (0..<4).map { i in
            Feature(
                id: .integer(Int64(i)), geometry: .point(Coordinate(116.405 + Double(i) * 0.01, 39.905)),
                properties: ["class": .string("a")])
        }
        _ = try store.importLayer(
            try Self.source(events, in: dir, name: "e"), into: .events, fields: [:], replace: false, parameters: [:])
        let first = [
            square(0, "110101001001001", name: "甲一"), square(1, "110101001001002"), square(2, "110101001002001"),
            square(3, "110101001003001"),
        ]
        let everyCode = ["110101001001001", "110101001001002", "110101001002001", "110101001003001"]
        try store.writeGridGeneration(first, parameters: [:]) { points in
            points.map { p in everyCode[min(3, Int(((p.x - 116.40) / 0.01).rounded(.down)))] }
        }
        let before = try store.features(of: .grids)
        // Communities 001 and 002 are re-partitioned; 001's first grid is kept. The new grid takes
        // 001's second square and 002's; the point there goes to it, the others stay.
        try store.writeGridGeneration(
            [square(1, "110101001001003")], parameters: [:],
            replacing: ReplacedCodes(prefixes: ["110101001001", "110101001002"], keeping: ["110101001001001"])
        ) { points in points.map { $0.x > 116.41 && $0.x < 116.42 ? "110101001001003" : nil } }
        let after = try store.features(of: .grids)
        #expect(
            after.compactMap { $0.properties["code"]?.stringValue }.sorted() == [
                "110101001001001", "110101001001003", "110101001003001",
            ])
        func row(_ f: Feature) -> Feature {
            var f = f
            f.id = nil
            f.properties["generation_id"] = nil
            return f
        }
        for code in ["110101001001001", "110101001003001"] {
            let old = try #require(before.first { $0.properties["code"]?.stringValue == code })
            let new = try #require(after.first { $0.properties["code"]?.stringValue == code })
            #expect(row(old) == row(new), "\(code) was not carried unchanged")
        }
        let placed = try store.features(of: .events).map { $0.properties["parent_code"]?.stringValue }
        #expect(placed == ["110101001001001", "110101001001003", nil, "110101001003001"])
        // The replaced codes are retired; the kept and carried ones are not.
        #expect(try store.issuedGridCodes().count == 5)
    }

    /// A repair writes the repaired layer and the land it moved in one transaction; the record is
    /// found by either generation, and anything else is refused with the reason.
    @Test(arguments: Engine.allCases)
    func aRepairRecordsTheLandItMoved(engine: Engine) throws {
        guard let location = try engine.newLocation() else { return }
        let dir = try scratchDirectory()
        let store = try Stores.create(location)
        #expect(throws: StoreError.self) { try store.recordedRepair() }
        let imported = try store.importLayer(
            try Self.source(communities(3), in: dir), into: .communities, fields: [:], replace: false, parameters: [:])
        let units = communities(3).map { f in
            var f = f
            f.properties["code"] = f.properties["编码"]
            return f
        }
        let strip = Feature(
            id: .integer(1),
            geometry: .polygon(
                Polygon(exterior: [
                    Coordinate(116.302, 39.8), Coordinate(116.303, 39.8), Coordinate(116.303, 39.801),
                    Coordinate(116.302, 39.8),
                ])),
            properties: [
                "id": .integer(1), "reason": .string("overlap"), "area_m2": .number(420.25),
                "from_unit": .string("110101001001"), "to_unit": .string("110101001002"), "households": .number(12),
                "stable_id": .string("overlap-0123abcd"),
            ])
        let generations = try store.writeRepair(
            .communities, with: units, changes: [strip],
            parameters: ["overlap_rule": .string("longest-border"), "units": .array([.string("110101001001")])],
            within: nil)
        #expect(try store.features(of: .communities).count == 3)
        let record = try store.recordedRepair()
        #expect(record.generation.id == generations.changes && record.generation.command == "repair")
        #expect(record.repairedLayer == "communities" && record.repairedGeneration == generations.repaired)
        #expect(record.units == ["110101001001"])
        let change = try #require(record.changes.first)
        #expect(record.changes.count == 1)
        #expect(change.properties["code"] == .string("overlap-0123abcd"))
        #expect(change.properties["reason"] == .string("overlap"))
        #expect(change.properties["from_unit"] == .string("110101001001"))
        #expect(change.properties["to_unit"] == .string("110101001002"))
        #expect(change.properties["area_m2"] == .number(420.25))
        #expect(change.properties["households"] == .integer(12))
        #expect(change.geometry == strip.geometry)
        // The communities' generation names the same record.
        #expect(try store.recordedRepair(generations.repaired).generation.id == generations.changes)
        // An import is not a repair; a generation that does not exist is named as such.
        for (generation, reason) in [
            (imported.generation, "is import of communities, not a repair"), (999, "no generation 999"),
        ] {
            do {
                _ = try store.recordedRepair(generation)
                Issue.record("generation \(generation) accepted")
            } catch let e as StoreError {
                #expect(e.path == store.location && e.reason.contains(reason), "\(e)")
            }
        }
    }
}
