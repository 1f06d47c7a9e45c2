import Foundation
import GridplanCommands
import GridplanGeometry
import GridplanIO
import GridplanPostgres
import Testing

/// The PostgreSQL/PostGIS store through the command line: the same answers as a GeoPackage,
/// writers serialised, a killed writer leaving the store whole, a read-only role, GDAL.
@Suite(.serialized) struct PostGISStoreTests {
    /// The test server, or nil (skipped outside CI, a failure under CI).
    static func server() -> String? {
        if let uri = ProcessInfo.processInfo.environment["GRIDPLAN_TEST_PG"] { return uri }
        if ProcessInfo.processInfo.environment["CI"] != nil {
            Issue.record("GRIDPLAN_TEST_PG is not set under CI: run the tests through .ci/pg-cluster run")
        } else {
            print("skipping: GRIDPLAN_TEST_PG is not set (run through .ci/pg-cluster run)")
        }
        return nil
    }

    /// A new, empty database beside the server's.
    static func newDatabase(_ uri: String) throws -> String {
        let admin = try PostgresConnection(uri)
        let name = "gridplan_c_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try admin.execute("CREATE DATABASE \(try admin.quoteIdentifier(String(name)))")
        var c = URLComponents(string: uri)!
        c.path = "/" + name
        return c.string!
    }

    static let city: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gridplan-pgcity-\(UUID().uuidString)")
            .path
        let r = gridplan("sample", dir, "--seed", "11", "--communities", "30", "--quiet")
        precondition(r.code == 0, r.err)
        return dir
    }()

    static let layers = [
        ("district", "districts"), ("street_offices", "street_offices"), ("communities", "communities"),
        ("streets", "streets"),
        ("buildings", "buildings"), ("events", "events"), ("components", "components"),
    ]

    static func load(_ store: String) {
        #expect(gridplan(["init", store, "--crs", "EPSG:4490", "--quiet"]).code == 0)
        for (file, layer) in layers {
            let r = gridplan(["import", store, city + "/\(file).geojson", "--as", layer, "--quiet"])
            #expect(r.code == 0, "\(layer): \(r.err)")
        }
    }

    /// `--json` of a command with `inputs` and the store's name left out.
    static func json(_ args: [String], store: String) throws -> JSONObject {
        let r = gridplan(args + ["--json", "--quiet"])
        #expect(r.code == 0, "\(args): \(r.err)")
        let text = r.out.replacingOccurrences(of: store, with: "STORE").replacingOccurrences(
            of: PostgresLocation.masking(store), with: "STORE")
        guard case .object(var o) = try JSONText.decode(text) else { return [:] }
        o["inputs"] = nil
        return o
    }

    @Test func thePipelineGivesTheSameAnswersFromBothEngines() throws {
        guard let server = Self.server() else { return }
        let dir = try scratch()
        let stores = [dir + "/city.gpkg", try Self.newDatabase(server)]
        var outputs: [[String]] = []
        for store in stores {
            Self.load(store)
            var docs: [String] = []
            let steps: [[String]] = [
                [
                    "check", "communities", "--store", store, "--boundary", "districts", "--households", "buildings",
                    "--parents", "street_offices", "--parent-field", "parent",
                ],
                [
                    "repair", "communities", "--store", store, "--boundary", "districts", "--households", "buildings",
                    "--merge-gaps-under", "2000",
                ],
                ["partition", "communities", "--store", store, "--households", "buildings", "--events", "events"],
                ["assign", "streets", "streets", "--store", store, "--units", "communities"],
                ["assign", "points", "events", "--store", store, "--units", "grids"],
                [
                    "metrics", "communities", "--store", store, "--grids", "grids", "--households", "buildings",
                    "--events", "events", "--streets", "streets", "--components", "components", "--boundary",
                    "districts",
                ],
                [
                    "metrics", "communities", "--store", store, "--within", "110101002", "--households", "buildings",
                    "--boundary", "street_offices",
                ],
                ["layers", store],
            ]
            for step in steps { docs.append(JSONText.encode(.object(try Self.json(step, store: store)))) }
            for layer in ["communities", "grids", "events", "findings"] {
                let out = dir + "/\(outputs.count)-\(layer).geojson"
                #expect(gridplan(["export", store, layer, out, "--quiet"]).code == 0)
                docs.append(try String(contentsOfFile: out, encoding: .utf8))
            }
            outputs.append(docs)
        }
        for (k, (a, b)) in zip(outputs[0], outputs[1]).enumerated() {
            #expect(a == b, "output \(k) differs between the engines")
        }
        // --within kept one street office's communities.
        guard case .object(let within) = try JSONText.decode(outputs[0][6]), case .array(let units)? = within["units"]
        else {
            Issue.record("within")
            return
        }
        let codes = units.compactMap { $0.objectValue?["code"]?.stringValue }
        #expect(
            !codes.isEmpty && codes.allSatisfy { $0.hasPrefix("110101002") || "110101002".hasPrefix($0) }, "\(codes)")
        // GDAL's PostgreSQL driver (and so QGIS) opens every layer with its count.
        let info = try shell("ogrinfo -ro -so 'PG:\(stores[1])' events 2>&1")
        let events = try Self.count(stores[1], "events")
        #expect(
            info.code == 0 && info.out.contains("Feature Count: \(events)"),
            "\(info.out.replacingOccurrences(of: stores[1], with: "STORE"))")
        let all = try shell("ogrinfo -ro -q 'PG:\(stores[1])' 2>&1")
        for layer in [
            "districts", "street_offices", "communities", "grids", "streets", "buildings", "components", "events",
            "findings",
        ] {
            #expect(all.out.contains(": \(layer) ("), "\(layer) missing in ogrinfo")
        }
    }

    /// The features of a store layer, exported, by code: (code → geometry and properties as JSON text).
    static func exported(_ store: String, _ layer: String, dir: String) throws -> [(code: String?, json: String)] {
        let out = dir + "/export-\(UUID().uuidString).geojson"
        let r = gridplan(["export", store, layer, out, "--quiet"])
        #expect(r.code == 0, "\(r.err)")
        guard case .object(let doc) = try JSONText.decode(try String(contentsOfFile: out, encoding: .utf8)),
            case .array(let features)? = doc["features"]
        else { return [] }
        return features.map { f in
            var o = f.objectValue ?? [:]
            o["id"] = nil
            var p = o["properties"]?.objectValue ?? [:]
            p["generation_id"] = nil
            o["properties"] = .object(p)
            return (p["code"]?.stringValue, JSONText.encode(.object(o)))
        }
    }

    /// A province is regenerated district by district: `partition --within` and `repair --within`
    /// replace one street office's grids and communities and carry every other one into the new
    /// generation untouched; events outside keep their grid. The same on both engines.
    @Test func partitionAndRepairWithinOneStreetOfficeKeepTheRest() throws {
        let dir = try scratch()
        var stores = [dir + "/city.gpkg"]
        if let server = Self.server() { stores.append(try Self.newDatabase(server)) }
        let office = "110101002"
        var results: [[String]] = []
        for store in stores {
            Self.load(store)
            let whole = gridplan([
                "partition", "communities", "--store", store, "--households", "buildings", "--events", "events",
                "--quiet",
            ])
            #expect(whole.code == 0, "\(whole.err)")
            let before = try Self.exported(store, "grids", dir: dir)
            let eventsBefore = try Self.exported(store, "events", dir: dir)
            let part = gridplan([
                "partition", "communities", "--store", store, "--within", office, "--households", "buildings",
                "--events", "events", "--target", "households:60-200", "--quiet",
            ])
            #expect(part.code == 0, "\(part.err)")
            let after = try Self.exported(store, "grids", dir: dir)
            // Outside the office: the very same grids; inside: regenerated for the new target.
            let outsideBefore = before.filter { !($0.code ?? "").hasPrefix(office) }
            let outsideAfter = after.filter { !($0.code ?? "").hasPrefix(office) }
            #expect(!outsideBefore.isEmpty && outsideBefore.map(\.json) == outsideAfter.map(\.json))
            let insideBefore = before.filter { ($0.code ?? "").hasPrefix(office) }
            let insideAfter = after.filter { ($0.code ?? "").hasPrefix(office) }
            #expect(
                !insideAfter.isEmpty && insideAfter.count > insideBefore.count,
                "\(insideBefore.count) → \(insideAfter.count)")
            // Events keep their grid outside the office and move to one of its new grids inside.
            let eventsAfter = try Self.exported(store, "events", dir: dir)
            #expect(eventsBefore.count == eventsAfter.count)
            let newCodes = Set(insideAfter.compactMap(\.code))
            func parent(_ json: String) throws -> String? {
                try JSONText.decode(json).objectValue?["properties"]?.objectValue?["parent_code"]?.stringValue
            }
            var moved = 0
            for (b, a) in zip(eventsBefore, eventsAfter) {
                let old = try parent(b.json), new = try parent(a.json)
                if let old, !old.hasPrefix(office) {
                    #expect(new == old)
                } else if let new {
                    #expect(newCodes.contains(new), "\(new)")
                    moved += 1
                }
            }
            #expect(moved > 0)
            // repair within the other office: its communities change, the rest stay as they were.
            let communitiesBefore = try Self.exported(store, "communities", dir: dir)
            let repair = gridplan([
                "repair", "communities", "--store", store, "--within", "110101001", "--boundary", "street_offices",
                "--households", "buildings", "--merge-gaps-under", "2000", "--quiet",
            ])
            #expect(repair.code == 0, "\(repair.err)")
            let communitiesAfter = try Self.exported(store, "communities", dir: dir)
            let keep = { (x: [(code: String?, json: String)]) in x.filter { !($0.code ?? "").hasPrefix("110101001") } }
            #expect(communitiesBefore.count == communitiesAfter.count)
            #expect(!keep(communitiesBefore).isEmpty)
            #expect(Set(keep(communitiesBefore).map(\.json)) == Set(keep(communitiesAfter).map(\.json)))
            #expect(Set(communitiesBefore.map(\.json)) != Set(communitiesAfter.map(\.json)))
            results.append(after.map(\.json) + communitiesAfter.map(\.json).sorted())
        }
        if results.count == 2 { #expect(results[0] == results[1], "the engines differ") }
    }

    static func count(_ uri: String, _ table: String) throws -> Int {
        try PostgresConnection(uri).execute("SELECT count(*) AS n FROM \(table)").rows[0].int("n") ?? -1
    }

    @Test func aWriterWaitsForTheLayerAndSaysBusyAfterTheTimeout() throws {
        guard let server = Self.server() else { return }
        let store = try Self.newDatabase(server)
        Self.load(store)
        let holder = try PostgresConnection(store)
        try holder.execute("BEGIN")
        try holder.execute("SELECT pg_advisory_xact_lock(hashtext('gridplan:communities'))")
        let start = Date()
        let busy = gridplan([
            "import", store, Self.city + "/communities.geojson", "--as", "communities", "--replace", "--quiet",
        ])
        #expect(busy.code == 5, "\(busy.err)")
        #expect(busy.err.contains("busy"), "\(busy.err)")
        #expect(Date().timeIntervalSince(start) >= 4.5)
        // Another layer is not held up, and readers never are.
        #expect(
            gridplan(["import", store, Self.city + "/components.geojson", "--as", "components", "--replace", "--quiet"])
                .code == 0)
        #expect(gridplan(["layers", store, "--json"]).code == 0)
        try holder.execute("COMMIT")
        #expect(
            gridplan([
                "import", store, Self.city + "/communities.geojson", "--as", "communities", "--replace", "--quiet",
            ]).code == 0)
        #expect(!busy.err.contains(URLComponents(string: store)?.password ?? "no password"))
    }

    @Test func twoWritersOfOneLayerBothLandWhole() throws {
        guard let server = Self.server() else { return }
        let store = try Self.newDatabase(server)
        Self.load(store)
        let procs = (0..<2).map { _ -> Process in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: gridplanBinary)
            p.arguments = ["partition", "communities", "--store", store, "--households", "buildings", "--quiet"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            return p
        }
        for p in procs { try p.run() }
        var looks = 0
        while procs.contains(where: \.isRunning) {
            // A reader sees whole generations only.
            let db = try PostgresConnection(store)
            let counts = try db.execute("SELECT generation_id, count(*) AS n FROM grids GROUP BY generation_id").rows
                .map { try $0.int("n") ?? 0 }
            #expect(Set(counts).count <= 1, "\(counts)")
            looks += 1
            usleep(50_000)
        }
        for p in procs { p.waitUntilExit() }
        #expect(procs.map(\.terminationStatus) == [0, 0])
        let db = try PostgresConnection(store)
        let counts = try db.execute("SELECT generation_id, count(*) AS n FROM grids GROUP BY generation_id ORDER BY 1")
            .rows.map { try $0.int("n") ?? 0 }
        #expect(counts.count == 2 && counts[0] == counts[1] && counts[0] > 0, "\(counts)")
        #expect(looks > 0)
    }

    @Test func aKilledImportLeavesThePreviousGenerationWhole() throws {
        guard let server = Self.server() else { return }
        let store = try Self.newDatabase(server)
        Self.load(store)
        let before = try Self.count(store, "buildings")
        let p = try Self.startImportOfManyBuildings(store)
        let watcher = try PostgresConnection(store)
        #expect(try Self.waitForCopy(of: p, watcher: watcher), "the import finished before it could be killed")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal)
        // The server rolls the killed transaction back: the old buildings, whole, and the lock free.
        for _ in 0..<100 {
            let n =
                try watcher.execute("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'gridplan'")
                .rows[0].int("n") ?? 0
            if n == 0 { break }
            usleep(50_000)
        }
        #expect(try Self.count(store, "buildings") == before)
        #expect(
            try watcher.execute("SELECT count(*) AS n FROM generations WHERE layer = 'buildings'").rows[0].int("n") == 1
        )
        #expect(
            gridplan(["import", store, Self.city + "/buildings.geojson", "--as", "buildings", "--replace", "--quiet"])
                .code == 0)
    }

    /// A layer of 300,000 points, big enough that an import of it is still copying when looked at.
    static let manyBuildings: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gridplan-many-\(UUID().uuidString)")
            .path
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let features = (0..<300_000).map { i in
            let x = 116.38 + Double(i % 600) * 0.00007
            let y = 39.90 + Double(i / 600) * 0.00004
            return Feature(
                id: .integer(Int64(i)), geometry: .point(Coordinate(x, y)), properties: ["households": .integer(1)])
        }
        try! GeoJSONWriter.write(features, to: dir + "/many.geojson")
        return dir + "/many.geojson"
    }()

    /// `gridplan import STORE many.geojson --as buildings --replace`, started.
    static func startImportOfManyBuildings(_ store: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: gridplanBinary)
        p.arguments = ["import", store, manyBuildings, "--as", "buildings", "--replace", "--quiet"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Waits (up to a minute) until a gridplan COPY is running; false if `p` ended first.
    static func waitForCopy(of p: Process, watcher: PostgresConnection) throws -> Bool {
        for _ in 0..<6000 where p.isRunning {
            let rows = try watcher.execute(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'gridplan' AND query LIKE 'COPY %'"
            ).rows
            if (try rows[0].int("n") ?? 0) > 0 { return true }
            usleep(10_000)
        }
        return false
    }

    /// A new login role that may read every table of `store` and nothing more; its URI.
    static func readOnlyRole(on store: String, admin: PostgresConnection) throws -> String {
        let role = "reader_" + UUID().uuidString.lowercased().prefix(8)
        let password = "pw-" + UUID().uuidString
        try admin.execute(
            "CREATE ROLE \(try admin.quoteIdentifier(role)) LOGIN PASSWORD \(try admin.quoteLiteral(password))")
        let db = String(URLComponents(string: store)!.path.dropFirst())
        try admin.executeScript(
            """
            GRANT CONNECT ON DATABASE \(try admin.quoteIdentifier(db)) TO \(try admin.quoteIdentifier(role));
            GRANT USAGE ON SCHEMA public TO \(try admin.quoteIdentifier(role));
            GRANT SELECT ON ALL TABLES IN SCHEMA public TO \(try admin.quoteIdentifier(role));
            """)
        var c = URLComponents(string: store)!
        c.user = role
        c.password = password
        let reader = c.string!
        return reader
    }

    @Test func readersKeepReadingWhileAnImportRebuildsTheLayer() throws {
        guard let server = Self.server() else { return }
        let store = try Self.newDatabase(server)
        Self.load(store)
        let admin = try PostgresConnection(store)
        let reader = try Self.readOnlyRole(on: store, admin: admin)
        let indexes = "SELECT indexname AS i FROM pg_indexes WHERE tablename = 'buildings' ORDER BY 1"
        let indexesBefore = try admin.execute(indexes).rows.map { try $0.string("i") }
        let before = try Self.count(store, "buildings")

        let p = try Self.startImportOfManyBuildings(store)
        #expect(try Self.waitForCopy(of: p, watcher: admin), "the import finished before it could be watched")
        // While the new buildings are copied, readers read the old ones at once (their lock
        // timeout is the busy timeout: a reader held up would fail, not wait).
        let start = Date()
        #expect(try Self.count(reader, "buildings") == before)
        let layers = gridplan(["layers", reader, "--json"])
        #expect(layers.code == 0, "\(layers.err)")
        #expect(Date().timeIntervalSince(start) < 4)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        // The new layer has the old one's indexes, and the reader's grant.
        #expect(try Self.count(reader, "buildings") == 300_000)
        #expect(try admin.execute(indexes).rows.map { try $0.string("i") } == indexesBefore)
        #expect(
            gridplan(["metrics", "communities", "--store", reader, "--households", "buildings", "--quiet"]).code == 0)
    }

    @Test func anImportWaitsForAReaderOfTheOldLayerAndOthersStillRead() throws {
        guard let server = Self.server() else { return }
        let store = try Self.newDatabase(server)
        Self.load(store)
        let communities = try Self.count(store, "communities")
        // A reader in the middle of a long read holds the old table.
        let holder = try PostgresConnection(store)
        try holder.execute("BEGIN")
        try holder.execute("SELECT count(*) AS n FROM communities")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: gridplanBinary)
        p.arguments = [
            "import", store, Self.city + "/communities.geojson", "--as", "communities", "--replace", "--quiet",
        ]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        sleep(3)
        #expect(p.isRunning, "the import swapped the layer under an open reader")
        // Readers coming meanwhile wait at most one of the import's short tries for the table.
        for _ in 0..<5 {
            let start = Date()
            #expect(try Self.count(store, "communities") == communities)
            #expect(Date().timeIntervalSince(start) < 1.5)
        }
        try holder.execute("COMMIT")
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(try Self.count(store, "communities") == communities)
        #expect(
            try holder.execute("SELECT count(*) AS n FROM generations WHERE layer = 'communities'").rows[0].int("n")
                == 2)
    }

    @Test func aReadOnlyRoleReadsAndCannotWrite() throws {
        guard let server = Self.server() else { return }
        let store = try Self.newDatabase(server)
        Self.load(store)
        let admin = try PostgresConnection(store)
        let reader = try Self.readOnlyRole(on: store, admin: admin)
        #expect(gridplan(["layers", reader]).code == 0)
        let check = gridplan([
            "check", "communities", "--store", reader, "--boundary", "districts", "--json", "--quiet",
        ])
        #expect(check.code == 0, "\(check.err)")
        #expect(check.out.contains("findings not recorded"), "\(check.out.prefix(400))")
        #expect(
            gridplan(["metrics", "communities", "--store", reader, "--households", "buildings", "--quiet"]).code == 0)
        let out = try scratch() + "/c.geojson"
        #expect(gridplan(["export", reader, "communities", out, "--quiet"]).code == 0)
        let write = gridplan(["import", reader, Self.city + "/events.geojson", "--as", "events", "--replace"])
        #expect(write.code == 4, "\(write.err)")
        #expect(write.err.contains("may not write"), "\(write.err)")
        let password = try #require(URLComponents(string: reader)?.password)
        for r in [check, write] { #expect(!(r.out + r.err).contains(password)) }
        #expect(try Self.count(store, "events") > 0)
    }

    @Test func initSaysWhenTheRoleMayNotCreatePostGIS() throws {
        guard let server = Self.server() else { return }
        let empty = try Self.newDatabase(server)
        let admin = try PostgresConnection(empty)
        let role = "plain_" + UUID().uuidString.lowercased().prefix(8)
        let password = "pw-" + UUID().uuidString
        try admin.execute(
            "CREATE ROLE \(try admin.quoteIdentifier(role)) LOGIN PASSWORD \(try admin.quoteLiteral(password))")
        try admin.execute("GRANT CREATE ON SCHEMA public TO \(try admin.quoteIdentifier(role))")
        var c = URLComponents(string: empty)!
        c.user = role
        c.password = password
        let r = gridplan(["init", c.string!])
        #expect(r.code == 3, "\(r.err)")
        #expect(r.err.contains("CREATE EXTENSION postgis"), "\(r.err)")
        #expect(!r.err.contains(password))
        #expect(try admin.execute("SELECT to_regclass('gridplan_schema') IS NULL AS none").rows[0].bool("none") == true)
    }
}
