import GridplanPostgres
import Testing

/// Serialized: two concurrent `CREATE EXTENSION IF NOT EXISTS` can still collide in the catalog.
@Suite(.serialized, .enabled(if: TestCluster.enabled, TestCluster.skipReason))
struct PostGISTests {
    /// WKB (little-endian) of a polygon with one ring.
    static func polygonWKB(_ ring: [(Double, Double)]) -> [UInt8] {
        var out: [UInt8] = [1]
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func f64(_ v: Double) { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
        u32(3)
        u32(1)
        u32(UInt32(ring.count))
        for (x, y) in ring {
            f64(x)
            f64(y)
        }
        return out
    }

    static let square = polygonWKB([
        (116.39, 39.90), (116.40, 39.90), (116.40, 39.91), (116.39, 39.91), (116.39, 39.90),
    ])

    @Test func superuserCreatesTheExtension() throws {
        let db = try TestCluster.connect()
        try db.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        try db.execute("CREATE EXTENSION IF NOT EXISTS postgis")  // a second time only notices, silently
        let version = try db.execute("SELECT postgis_lib_version() AS v").rows[0].string("v")
        #expect(version?.hasPrefix("3.") == true)
    }

    @Test func roleWithoutSuperuserGetsAClearError() throws {
        let admin = try TestCluster.connect()
        // A database of its own, without PostGIS yet: where it exists, CREATE EXTENSION fails
        // for that reason before the privilege is checked.
        let database = TestCluster.uniqueName("noext")
        let d = try admin.quoteIdentifier(database)
        try admin.execute("CREATE DATABASE \(d)")
        defer { _ = try? admin.execute("DROP DATABASE IF EXISTS \(d) WITH (FORCE)") }
        let password = TestCluster.password()
        try TestCluster.withRole(admin, prefix: "planner", password: password) { role in
            try admin.execute("GRANT CREATE ON DATABASE \(d) TO \(admin.quoteIdentifier(role))")
            defer { _ = try? admin.execute("REVOKE CREATE ON DATABASE \(d) FROM \(admin.quoteIdentifier(role))") }
            let db = try PostgresConnection(
                TestCluster.location(), parameters: ["dbname": database, "user": role, "password": password])
            let e = try #require(throws: PostgresError.self) { try db.execute("CREATE EXTENSION postgis") }
            #expect(e.sqlState == .insufficientPrivilege)
            #expect(e.message == "permission denied to create extension \"postgis\"")
            #expect(e.hint == "Must be superuser to create this extension.")
        }
    }

    @Test func geometryRoundTripsAsWKB() throws {
        let db = try TestCluster.connect()
        try db.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        let row = try db.execute(
            "SELECT ST_AsBinary(g) AS wkb, ST_SRID(g) AS srid, ST_GeometryType(g) AS type FROM (SELECT ST_GeomFromWKB($1, $2) AS g) AS s",
            [.bytea(Self.square), .integer(4326)]
        ).rows[0]
        #expect(try row.bytes("wkb") == Self.square)
        #expect(try row.int("srid") == 4326)
        #expect(try row.string("type") == "ST_Polygon")

        // A layer table as the store will make it: a typed geometry column with a GiST index,
        // filled through COPY with hex WKB text, read back as WKB.
        try db.execute("CREATE TEMP TABLE communities (code text PRIMARY KEY, geom geometry(Polygon, 4326) NOT NULL)")
        try db.execute("CREATE INDEX ON communities USING gist (geom)")
        let hex = Self.square.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        try db.execute(
            "INSERT INTO communities VALUES ($1, ST_GeomFromWKB($2, 4326))", [.text("110101001"), .bytea(Self.square)])
        let copied = try db.copy(into: "communities", columns: ["code", "geom"]) { rows in
            try rows.append([.text("110101002"), .text("SRID=4326;" + hex)])
        }
        #expect(copied == 1)
        let back = try db.execute(
            "SELECT code, ST_AsBinary(geom) AS wkb FROM communities WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) ORDER BY code",
            [.double(116.395), .double(39.905), .double(116.396), .double(39.906)]
        ).rows
        #expect(try back.map { try $0.string("code") } == ["110101001", "110101002"])
        #expect(try back.map { try $0.bytes("wkb") } == [Self.square, Self.square])
        let wrongSRID = try #require(throws: PostgresError.self) {
            try db.execute(
                "INSERT INTO communities VALUES ($1, ST_GeomFromWKB($2, 4490))", [.text("x"), .bytea(Self.square)])
        }
        #expect(wrongSRID.message.contains("SRID"))
    }
}
