import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanSQLite

/// A feature table of a GeoPackage, as `gpkg_contents` and `gpkg_geometry_columns` describe it.
public struct GeoPackageLayer: Sendable, Equatable {
    public var name: String
    public var geometryColumn: String
    public var geometryType: String
    public var srsID: Int32
    /// The extent recorded in `gpkg_contents` (nil when never computed).
    public var extent: Envelope?
}

/// A column of a feature table besides the id and geometry.
public struct GeoPackageColumn: Sendable, Equatable {
    public var name: String
    /// A GeoPackage data type: INTEGER, REAL, TEXT, BLOB, DATE, DATETIME, BOOLEAN.
    public var type: String
    public init(_ name: String, _ type: String) {
        self.name = name
        self.type = type
    }
}

/// A GeoPackage 1.3 file (OGC 12-128r17): the core tables, feature tables with GeoPackage
/// geometry blobs, and the R-tree spatial index extension kept up to date by the standard
/// triggers. The file opens as it is in QGIS, ArcGIS Pro and GDAL.
///
/// The connection registers `ST_MinX`, `ST_MaxX`, `ST_MinY`, `ST_MaxY` and `ST_IsEmpty`, which the
/// R-tree triggers call on every write.
public final class GeoPackage {
    public let database: Database
    public var path: String { database.path }

    /// 'GPKG' as a 32-bit application id, and GeoPackage 1.3.0 as user_version.
    static let applicationID: Int32 = 0x4750_4B47
    static let userVersion: Int32 = 10300

    /// Opens a GeoPackage, or with `create`, makes the core tables in a new or empty file.
    /// - Throws: ``StoreError`` when the file is not a GeoPackage, `DatabaseError` on SQLite failures.
    public init(path: String, create: Bool = false, readOnly: Bool = false) throws {
        if !create && !FileManager.default.fileExists(atPath: path) {
            throw StoreError(path: path, reason: "no such file")
        }
        database = try Database(path: path, readOnly: readOnly, create: create)
        try registerFunctions()
        let tables: [[SQLValue]]
        do {
            tables = try database.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'gpkg_contents'")
        } catch let e as DatabaseError where e.code == 26 || e.code == 11 {
            throw StoreError(
                path: path, reason: "not a GeoPackage: the file is not an SQLite database or is damaged (\(e.message))")
        }
        if tables.isEmpty {
            guard create else {
                throw StoreError(path: path, reason: "not a GeoPackage (it has no gpkg_contents table)")
            }
            try database.transaction { try createCoreTables() }
        }
    }

    private func registerFunctions() throws {
        func envelope(_ args: [SQLValue]) -> Envelope? {
            guard case .blob(let b)? = args.first else { return nil }
            return GeoPackageBinary.envelope(b)
        }
        try database.createFunction("ST_MinX", argumentCount: 1) { a in envelope(a).map { .real($0.minX) } ?? .null }
        try database.createFunction("ST_MaxX", argumentCount: 1) { a in envelope(a).map { .real($0.maxX) } ?? .null }
        try database.createFunction("ST_MinY", argumentCount: 1) { a in envelope(a).map { .real($0.minY) } ?? .null }
        try database.createFunction("ST_MaxY", argumentCount: 1) { a in envelope(a).map { .real($0.maxY) } ?? .null }
        try database.createFunction("ST_IsEmpty", argumentCount: 1) { a in
            guard case .blob(let b)? = a.first else { return .null }
            return .integer(GeoPackageBinary.envelope(b) == nil ? 1 : 0)
        }
    }

    private func createCoreTables() throws {
        try database.execute(
            """
            PRAGMA application_id = \(Self.applicationID);
            PRAGMA user_version = \(Self.userVersion);
            CREATE TABLE gpkg_spatial_ref_sys (
              srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
              organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
            CREATE TABLE gpkg_contents (
              table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
              description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
              min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
              CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
            CREATE TABLE gpkg_geometry_columns (
              table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
              srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
              CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
              CONSTRAINT uk_gc_table_name UNIQUE (table_name),
              CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
              CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
            CREATE TABLE gpkg_extensions (
              table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
              scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
            INSERT INTO gpkg_spatial_ref_sys VALUES
              ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
              ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
            """)
        _ = try srsID(for: .wgs84)
    }

    // MARK: Spatial reference systems

    /// The `srs_id` for a CRS, adding a `gpkg_spatial_ref_sys` row if needed: EPSG codes keep
    /// their number; other definitions (PROJ strings for local city grids) get ids from 100000
    /// with organisation "gridplan" and PROJ's WKT as definition.
    public func srsID(for crs: CRS) throws -> Int32 {
        switch crs {
        case .epsg(let code):
            if try !database.rows("SELECT 1 FROM gpkg_spatial_ref_sys WHERE srs_id = ?", [.integer(Int64(code))])
                .isEmpty
            {
                return Int32(code)
            }
            let d = try crs.describe()
            try database.prepare("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, 'EPSG', ?, ?, ?)").run([
                .text(d.name), .integer(Int64(code)), .integer(Int64(code)), .text(try crs.wkt()), .text(d.name),
            ])
            return Int32(code)
        case .definition(let text):
            if let code = crs.identifiedEPSGCode() { return try srsID(for: .epsg(code)) }
            let wkt = try crs.wkt()
            if let row = try database.rows(
                "SELECT srs_id FROM gpkg_spatial_ref_sys WHERE definition = ? AND organization = 'gridplan'",
                [.text(wkt)]
            ).first,
                case .integer(let id) = row[0]
            {
                return Int32(id)
            }
            let next = try database.rows("SELECT max(100000, coalesce(max(srs_id), 0) + 1) FROM gpkg_spatial_ref_sys")
            guard case .integer(let id) = next[0][0] else {
                throw StoreError(path: path, reason: "cannot allocate an srs_id")
            }
            try database.prepare("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, 'gridplan', ?, ?, ?)").run([
                .text(try crs.describe().name), .integer(id), .integer(id), .text(wkt), .text(text),
            ])
            return Int32(id)
        case .gcj02, .bd09:
            throw StoreError(
                path: path, reason: "GCJ-02 and BD-09 cannot be stored; convert to WGS84 (EPSG:4326) first")
        }
    }

    /// The CRS of an `srs_id`: `EPSG:n` for EPSG rows, the stored definition otherwise.
    public func crs(forSRS id: Int32) throws -> CRS {
        let rows = try database.rows(
            "SELECT organization, organization_coordsys_id, definition, description FROM gpkg_spatial_ref_sys WHERE srs_id = ?",
            [.integer(Int64(id))])
        guard let row = rows.first else {
            throw StoreError(path: path, reason: "srs_id \(id) is not in gpkg_spatial_ref_sys")
        }
        if case .text(let org) = row[0], org.uppercased() == "EPSG", case .integer(let code) = row[1] {
            return .epsg(Int(code))
        }
        if case .text(let org) = row[0], org == "gridplan", case .text(let proj) = row[3] { return .definition(proj) }
        if case .text(let def) = row[2], def != "undefined" { return .definition(def) }
        throw StoreError(path: path, reason: "srs_id \(id) has an undefined CRS")
    }

    // MARK: Layers

    /// Feature layers listed in `gpkg_contents` with their geometry columns.
    public func layers() throws -> [GeoPackageLayer] {
        let rows = try database.rows(
            """
            SELECT c.table_name, g.column_name, g.geometry_type_name, g.srs_id, c.min_x, c.min_y, c.max_x, c.max_y
            FROM gpkg_contents c JOIN gpkg_geometry_columns g ON g.table_name = c.table_name
            WHERE c.data_type = 'features' ORDER BY c.table_name
            """)
        return rows.map { r in
            var extent: Envelope?
            if case .real(let a) = r[4], case .real(let b) = r[5], case .real(let c) = r[6], case .real(let d) = r[7] {
                extent = Envelope(minX: a, minY: b, maxX: c, maxY: d)
            }
            return GeoPackageLayer(
                name: r[0].text, geometryColumn: r[1].text, geometryType: r[2].text, srsID: Int32(r[3].integer),
                extent: extent)
        }
    }

    public func layer(named name: String) throws -> GeoPackageLayer {
        guard let l = try layers().first(where: { $0.name == name }) else {
            let names = try layers().map(\.name)
            throw StoreError(
                path: path,
                reason: "no feature layer '\(name)' (layers: \(names.isEmpty ? "none" : names.joined(separator: ", ")))"
            )
        }
        return l
    }

    /// Creates an empty feature table with `fid`, a geometry column `geom`, the given columns,
    /// its `gpkg_contents` and `gpkg_geometry_columns` rows and an R-tree index with triggers.
    public func createLayer(
        _ name: String, geometryType: String, srsID: Int32, columns: [GeoPackageColumn], description: String = ""
    ) throws {
        let t = Self.quote(name)
        let cols = columns.map { "\(Self.quote($0.name)) \($0.type)" }
        try database.execute(
            "CREATE TABLE \(t) (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom \(geometryType)\(cols.isEmpty ? "" : ", " + cols.joined(separator: ", ")))"
        )
        try database.prepare(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?, 'features', ?, ?, ?)"
        )
        .run([.text(name), .text(name), .text(description), .integer(Int64(srsID))])
        try database.prepare("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)")
            .run([.text(name), .text(geometryType), .integer(Int64(srsID))])
        try createSpatialIndex(table: name, column: "geom", idColumn: "fid")
    }

    /// The R-tree extension for one geometry column (GeoPackage 1.3 F.3), with the standard triggers.
    func createSpatialIndex(table: String, column: String, idColumn: String) throws {
        let rtree = "rtree_\(table)_\(column)"
        let r = Self.quote(rtree), t = Self.quote(table), c = Self.quote(column), i = Self.quote(idColumn)
        let values = "NEW.\(i), ST_MinX(NEW.\(c)), ST_MaxX(NEW.\(c)), ST_MinY(NEW.\(c)), ST_MaxY(NEW.\(c))"
        try database.execute(
            """
            CREATE VIRTUAL TABLE \(r) USING rtree(id, minx, maxx, miny, maxy);
            INSERT INTO gpkg_extensions VALUES ('\(table)', '\(column)', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
            CREATE TRIGGER \(Self.quote(rtree + "_insert")) AFTER INSERT ON \(t)
              WHEN (NEW.\(c) NOT NULL AND NOT ST_IsEmpty(NEW.\(c)))
            BEGIN INSERT OR REPLACE INTO \(r) VALUES (\(values)); END;
            CREATE TRIGGER \(Self.quote(rtree + "_update1")) AFTER UPDATE OF \(c) ON \(t)
              WHEN OLD.\(i) = NEW.\(i) AND (NEW.\(c) NOTNULL AND NOT ST_IsEmpty(NEW.\(c)))
            BEGIN INSERT OR REPLACE INTO \(r) VALUES (\(values)); END;
            CREATE TRIGGER \(Self.quote(rtree + "_update2")) AFTER UPDATE OF \(c) ON \(t)
              WHEN OLD.\(i) = NEW.\(i) AND (NEW.\(c) ISNULL OR ST_IsEmpty(NEW.\(c)))
            BEGIN DELETE FROM \(r) WHERE id = OLD.\(i); END;
            CREATE TRIGGER \(Self.quote(rtree + "_update3")) AFTER UPDATE ON \(t)
              WHEN OLD.\(i) != NEW.\(i) AND (NEW.\(c) NOTNULL AND NOT ST_IsEmpty(NEW.\(c)))
            BEGIN DELETE FROM \(r) WHERE id = OLD.\(i); INSERT OR REPLACE INTO \(r) VALUES (\(values)); END;
            CREATE TRIGGER \(Self.quote(rtree + "_update4")) AFTER UPDATE ON \(t)
              WHEN OLD.\(i) != NEW.\(i) AND (NEW.\(c) ISNULL OR ST_IsEmpty(NEW.\(c)))
            BEGIN DELETE FROM \(r) WHERE id IN (OLD.\(i), NEW.\(i)); END;
            CREATE TRIGGER \(Self.quote(rtree + "_delete")) AFTER DELETE ON \(t)
              WHEN OLD.\(c) NOT NULL
            BEGIN DELETE FROM \(r) WHERE id = OLD.\(i); END;
            """)
    }

    /// Runs `body` (which inserts rows into `table`) with the R-tree insert trigger set aside, then
    /// indexes the new rows in one statement and puts the trigger back, all inside the caller's
    /// transaction. An empty index is packed from scratch (``RTreeBulkLoader``); one that already
    /// holds entries gets the new rows inserted. Either way there is no statement journal and no five
    /// function calls per row, as the trigger would cost. Rows are new when their id is above the
    /// largest before `body`; tables without the standard trigger just run `body`.
    public func withDeferredSpatialIndex<T>(
        table: String, column: String = "geom", idColumn: String = "fid", _ body: () throws -> T
    ) throws -> T {
        guard !database.isAutocommit else {
            throw StoreError(
                path: database.path,
                reason: "internal: the spatial index of \(table) may only be deferred inside a transaction")
        }
        let rtree = "rtree_\(table)_\(column)"
        let trigger = rtree + "_insert"
        guard
            let sql = try database.rows(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", [.text(trigger)]
            ).first?[0].text
        else {
            return try body()
        }
        let t = Self.quote(table), c = Self.quote(column), i = Self.quote(idColumn)
        let before = try database.rows("SELECT coalesce(max(\(i)), 0) FROM \(t)")[0][0].integer
        try database.execute("DROP TRIGGER \(Self.quote(trigger))")
        let result = try body()
        // The new rows' boxes, from their headers.
        var entries: [RTreeBulkLoader.Entry] = []
        let rows = try database.prepare("SELECT \(i), \(c) FROM \(t) WHERE \(i) > ? AND \(c) NOT NULL")
        try rows.bind([.integer(before)])
        while try rows.step() {
            if case .blob(let b) = rows.value(at: 1), let e = GeoPackageBinary.envelope(b) {
                entries.append(RTreeBulkLoader.entry(id: rows.value(at: 0).integer, e))
            }
        }
        let loader = RTreeBulkLoader(database: database, table: rtree)
        if try loader.isEmpty() {
            try loader.load(entries)
        } else {
            let insert = try database.prepare("INSERT OR REPLACE INTO \(Self.quote(rtree)) VALUES (?, ?, ?, ?, ?)")
            for e in entries {
                try insert.run([
                    .integer(e.id), .real(Double(e.minX)), .real(Double(e.maxX)), .real(Double(e.minY)),
                    .real(Double(e.maxY)),
                ])
            }
        }
        try database.execute(sql)
        return result
    }

    /// Recomputes a layer's extent in `gpkg_contents` from its R-tree (exact bounds come from the
    /// geometries, since R-tree bounds are rounded outward to 32-bit floats).
    public func updateExtent(of name: String) throws {
        let t = Self.quote(name)
        var e = Envelope.empty
        let s = try database.prepare("SELECT geom FROM \(t) WHERE geom IS NOT NULL")
        try s.bind([])
        while try s.step() {
            if case .blob(let b) = s.value(at: 0), let env = GeoPackageBinary.envelope(b) { e.expand(toInclude: env) }
        }
        let values: [SQLValue] =
            e.isEmpty ? [.null, .null, .null, .null] : [.real(e.minX), .real(e.minY), .real(e.maxX), .real(e.maxY)]
        try database.prepare(
            "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?"
        )
        .run(values + [.text(name)])
    }

    // MARK: Reading

    /// The columns of a table (name and declared type), in order, from `PRAGMA table_info`.
    public func columns(of table: String) throws -> [(name: String, type: String, isPrimaryKey: Bool)] {
        try database.rows("PRAGMA table_info(\(Self.quote(table)))").map { r in
            (r[1].text, r[2].text.uppercased(), r[5].integer != 0)
        }
    }

    /// Every feature of a layer (or those whose envelope meets `envelope`, found through the
    /// R-tree when the layer has one). Attribute columns become properties; the primary key
    /// becomes the feature id. Calls `body` per feature to avoid holding them all.
    public func forEachFeature(
        in layer: GeoPackageLayer, envelope: Envelope? = nil, where filter: String? = nil, arguments: [SQLValue] = [],
        _ body: (Feature) throws -> Void
    ) throws {
        let (pk, attributes) = try attributeColumns(of: layer)
        var selectList = [Self.quote(layer.geometryColumn)]
        if let pk { selectList.append(Self.quote(pk)) }
        selectList += attributes.map { Self.quote($0.name) }
        var sql = "SELECT \(selectList.joined(separator: ", ")) FROM \(Self.quote(layer.name)) t"
        var args = arguments
        var conditions: [String] = []
        if let filter { conditions.append(filter) }
        let rtree = "rtree_\(layer.name)_\(layer.geometryColumn)"
        let hasIndex = try !database.rows("SELECT 1 FROM sqlite_master WHERE name = ?", [.text(rtree)]).isEmpty
        if let envelope {
            if hasIndex, let pk {
                conditions.append(
                    "t.\(Self.quote(pk)) IN (SELECT id FROM \(Self.quote(rtree)) WHERE minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?)"
                )
                args += [.real(envelope.maxX), .real(envelope.minX), .real(envelope.maxY), .real(envelope.minY)]
            }
        }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        if let pk { sql += " ORDER BY t.\(Self.quote(pk))" }
        let s = try database.prepare(sql)
        try s.bind(args)
        while try s.step() {
            var geometry: Geometry?
            if case .blob(let b) = s.value(at: 0) {
                do {
                    geometry = try GeoPackageBinary.decode(b).geometry
                } catch {
                    let fid = pk != nil ? s.value(at: 1).text : "?"
                    throw StoreError(path: path, reason: "layer \(layer.name), feature \(fid): \(error)")
                }
            }
            // The R-tree's float32 bounds can admit a few extra candidates; keep exact hits only.
            if let envelope, let g = geometry, !g.envelope.intersects(envelope) { continue }
            if envelope != nil && geometry == nil { continue }
            var props = JSONObject()
            let offset = pk == nil ? 1 : 2
            for (k, col) in attributes.enumerated() {
                props[col.name] = Self.jsonValue(s.value(at: offset + k), declaredType: col.type)
            }
            let id: JSONValue? = pk != nil ? Self.jsonValue(s.value(at: 1), declaredType: "INTEGER") : nil
            try body(Feature(id: id, geometry: geometry, properties: props))
        }
    }

    /// The integer primary key (the feature id) and the other non-geometry columns of a layer:
    /// every feature ``forEachFeature(in:envelope:where:arguments:_:)`` gives has these
    /// properties, in this order.
    func attributeColumns(of layer: GeoPackageLayer) throws -> (
        primaryKey: String?, attributes: [(name: String, type: String, isPrimaryKey: Bool)]
    ) {
        let cols = try columns(of: layer.name)
        let pk = cols.first(where: { $0.isPrimaryKey && $0.type.hasPrefix("INT") })?.name
        return (pk, cols.filter { $0.name != layer.geometryColumn && $0.name != pk })
    }

    /// The property names of a layer's features, in order (see ``attributeColumns(of:)``).
    public func propertyNames(of layer: GeoPackageLayer) throws -> [String] {
        try attributeColumns(of: layer).attributes.map(\.name)
    }

    /// Number of rows in a layer.
    public func count(_ layer: String, where filter: String? = nil, arguments: [SQLValue] = []) throws -> Int {
        let rows = try database.rows(
            "SELECT count(*) FROM \(Self.quote(layer))" + (filter.map { " WHERE \($0)" } ?? ""), arguments)
        return Int(rows[0][0].integer)
    }

    static func jsonValue(_ v: SQLValue, declaredType: String) -> JSONValue {
        switch v {
        case .null: return .null
        case .integer(let n): return declaredType == "BOOLEAN" ? .bool(n != 0) : .integer(n)
        case .real(let d): return .number(d)
        case .text(let s): return .string(s)
        case .blob(let b): return .string(b.map { String(format: "%02x", $0) }.joined())
        }
    }

    /// Quotes an SQL identifier.
    public static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A store or GeoPackage failure that is not an SQLite error: names the file and the reason.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "\(path): \(reason)" }
}

extension SQLValue {
    /// Text form for reading metadata columns.
    var text: String {
        switch self {
        case .text(let s): return s
        case .integer(let n): return String(n)
        case .real(let d): return String(d)
        default: return ""
        }
    }

    var integer: Int64 {
        switch self {
        case .integer(let n): return n
        case .real(let d): return Int64(d)
        case .text(let s): return Int64(s) ?? 0
        default: return 0
        }
    }
}
