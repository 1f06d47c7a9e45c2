import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanSQLite

/// The layers of a gridplan store, each a GeoPackage feature table.
public enum StoreLayer: String, CaseIterable, Sendable {
    case districts
    case streetOffices = "street_offices"
    case communities, grids, streets, buildings, components, events, findings
    /// 门前三包 zones from `gridplan frontage`: code = owner, name = street, parent_code = unit (schema 4).
    case frontageZones = "frontage_zones"
    /// The land each `repair --store` moved (schema 6): code = the change's stable id, with its
    /// reason, from_unit, to_unit and area_m2; a generation per repair.
    case boundaryChanges = "boundary_changes"

    /// The layers schema version 1 made (migration 1 creates exactly these).
    static let schema1Layers: [StoreLayer] = [
        .districts, .streetOffices, .communities, .grids, .streets, .buildings, .components, .events, .findings,
    ]

    /// What a layer's geometries must be.
    public enum Shape: String, Sendable { case polygon, point, line }

    public var shape: Shape {
        switch self {
        case .buildings, .components, .events: return .point
        case .streets: return .line
        default: return .polygon
        }
    }

    /// Whether a row's `code` is a unit's code (or, for 门前三包 zones, its owner's), so that
    /// `--within` selects rows by code prefix; the rows of other layers (findings, whose code is
    /// their kind and number) are selected by the unit's extent.
    public var isCodedByUnit: Bool {
        switch self {
        case .districts, .streetOffices, .communities, .grids, .frontageZones: return true
        default: return false
        }
    }

    /// The GeoPackage geometry type declared for the layer (single polygons and lines are
    /// stored as one-part multis so every row matches it).
    var geometryType: String {
        switch shape {
        case .polygon: return "MULTIPOLYGON"
        case .point: return "POINT"
        case .line: return "MULTILINESTRING"
        }
    }

    /// Typed columns every layer has: the standard fields of shared/domain.md, the generation
    /// that wrote the row, and every source property as JSON text so nothing is lost.
    static let commonColumns: [GeoPackageColumn] = [
        GeoPackageColumn("code", "TEXT"), GeoPackageColumn("name", "TEXT"), GeoPackageColumn("parent_code", "TEXT"),
        GeoPackageColumn("households", "INTEGER"), GeoPackageColumn("population", "INTEGER"),
        GeoPackageColumn("generation_id", "INTEGER"), GeoPackageColumn("properties", "TEXT"),
    ]

    /// Columns particular to the layer, as schema version 1 made them (migration 1 uses these
    /// and must keep making exactly them).
    var schema1Columns: [GeoPackageColumn] {
        switch self {
        case .streets: return [GeoPackageColumn("class", "TEXT")]
        case .components, .events: return [GeoPackageColumn("class", "TEXT"), GeoPackageColumn("date", "TEXT")]
        case .grids:
            return [
                GeoPackageColumn("area_m2", "REAL"), GeoPackageColumn("land_use", "TEXT"),
                GeoPackageColumn("management_level", "TEXT"),
                GeoPackageColumn("responsible", "TEXT"), GeoPackageColumn("start_date", "TEXT"),
                GeoPackageColumn("end_date", "TEXT"),
            ]
        case .findings:
            return [
                GeoPackageColumn("kind", "TEXT"), GeoPackageColumn("area_m2", "REAL"),
                GeoPackageColumn("units", "TEXT"),
            ]
        default: return []
        }
    }

    /// The case-loop columns events gained in schema version 2: the source text of each time,
    /// kept as given (the assessment reads them with the time zone the user names).
    static let caseColumns: [GeoPackageColumn] = [
        GeoPackageColumn("reported_at", "TEXT"), GeoPackageColumn("dispatched_at", "TEXT"),
        GeoPackageColumn("closed_at", "TEXT"),
        GeoPackageColumn("deadline", "TEXT"), GeoPackageColumn("status", "TEXT"), GeoPackageColumn("source", "TEXT"),
    ]

    /// The columns of boundary_changes beside the common ones (schema version 6), filled from the
    /// properties of the same names.
    static let changeColumns: [GeoPackageColumn] = [
        GeoPackageColumn("reason", "TEXT"), GeoPackageColumn("from_unit", "TEXT"), GeoPackageColumn("to_unit", "TEXT"),
        GeoPackageColumn("area_m2", "REAL"),
    ]

    /// Every column of the layer in the newest schema.
    public var columns: [GeoPackageColumn] {
        Self.commonColumns + schema1Columns + (self == .events ? Self.caseColumns : [])
            + (self == .boundaryChanges ? Self.changeColumns : [])
    }

    /// Whether the layer's features carry the case-loop fields.
    public var hasCaseFields: Bool { self == .events }

    /// Layers that keep every generation (new imports add a generation instead of replacing).
    public var keepsGenerations: Bool {
        self == .grids || self == .findings || self == .frontageZones || self == .boundaryChanges
    }
}

/// A numbered schema change. Shipped migrations are never edited; a change is a new migration.
struct Migration: Sendable {
    var version: Int
    var description: String
    var apply: @Sendable (GeoPackageStore) throws -> Void
}

/// gridplan's working file: a GeoPackage holding every layer of the management hierarchy, the
/// generations that produced them, grid code history and street responsibilities.
///
/// Every layer shares the store's CRS (chosen at `init`, EPSG:4326 by default); imports are
/// transformed into it. Writes happen in one transaction per command, in WAL mode with a busy
/// timeout, so a failed or interrupted command leaves the store as it was.
public final class GeoPackageStore: Store {
    let package: GeoPackage
    var database: Database { package.database }
    public var path: String { package.path }
    public var location: String { package.path }
    /// The CRS of every layer.
    public private(set) var crs: CRS = .wgs84
    public private(set) var srsID: Int32 = 4326
    /// The schema version of the file as opened (a read-only store is not migrated).
    public private(set) var schemaVersionInFile = 0

    static let migrations: [Migration] = [
        Migration(version: 1, description: SchemaHistory.description(1)) {
            store in
            try store.database.execute(
                """
                CREATE TABLE gridplan_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE generations (
                  id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT NOT NULL, command TEXT NOT NULL,
                  parameters TEXT NOT NULL DEFAULT '{}', parent_id INTEGER REFERENCES generations(id), layer TEXT);
                CREATE TABLE code_history (
                  id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL, predecessor_code TEXT,
                  generation_id INTEGER REFERENCES generations(id), start_date TEXT, end_date TEXT, note TEXT);
                CREATE INDEX code_history_code ON code_history(code);
                CREATE TABLE responsibilities (
                  id INTEGER PRIMARY KEY AUTOINCREMENT, street_name TEXT, street_id TEXT, chief TEXT NOT NULL,
                  level TEXT, phone TEXT, unit_code TEXT, property_manager TEXT, property_contact TEXT, target_date TEXT);
                INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES
                  ('generations', 'attributes', 'generations', 'what produced each generation of a layer'),
                  ('code_history', 'attributes', 'code_history', 'grid codes and their predecessors (LASTCODE)'),
                  ('responsibilities', 'attributes', 'responsibilities', 'street chiefs (街巷长) and contacts');
                """)
            for layer in StoreLayer.schema1Layers {
                try store.package.createLayer(
                    layer.rawValue, geometryType: layer.geometryType, srsID: store.srsID,
                    columns: StoreLayer.commonColumns + layer.schema1Columns)
                try store.database.execute(
                    "CREATE INDEX \(layer.rawValue)_code ON \(layer.rawValue)(code); CREATE INDEX \(layer.rawValue)_generation ON \(layer.rawValue)(generation_id)"
                )
            }
        },
        Migration(
            version: 2, description: SchemaHistory.description(2)
        ) { store in
            for c in StoreLayer.caseColumns {
                try store.database.execute("ALTER TABLE events ADD COLUMN \(GeoPackage.quote(c.name)) \(c.type)")
            }
            try store.database.execute(
                """
                CREATE INDEX events_reported_at ON events(reported_at);
                ALTER TABLE generations ADD COLUMN effective_from TEXT;
                """)
        },
        Migration(
            version: 3, description: SchemaHistory.description(3)
        ) { store in
            try store.database.execute(
                """
                ALTER TABLE responsibilities ADD COLUMN generation_id INTEGER REFERENCES generations(id);
                ALTER TABLE responsibilities ADD COLUMN role TEXT;
                ALTER TABLE responsibilities ADD COLUMN superior TEXT;
                ALTER TABLE responsibilities ADD COLUMN duties TEXT;
                ALTER TABLE responsibilities ADD COLUMN unit_level TEXT;
                ALTER TABLE responsibilities ADD COLUMN source_line INTEGER;
                CREATE INDEX responsibilities_generation ON responsibilities(generation_id);
                UPDATE gpkg_contents SET description = 'who answers for each unit and street: the roster (网格长, 片长, 街巷长 ...), one generation per roster'
                  WHERE table_name = 'responsibilities';
                """)
            try store.package.createLayer(
                StoreTables.streetSegments, geometryType: "MULTILINESTRING", srsID: store.srsID,
                columns: StoreTables.streetSegmentColumns,
                description: "street segments with one lead unit, grade and responsible body (gridplan assign streets)")
            try store.database.execute(
                "CREATE INDEX street_segments_generation ON street_segments(generation_id); CREATE INDEX street_segments_name ON street_segments(name)"
            )
        },
        Migration(
            version: 4, description: SchemaHistory.description(4)
        ) { store in
            let layer = StoreLayer.frontageZones
            try store.package.createLayer(
                layer.rawValue, geometryType: layer.geometryType, srsID: store.srsID,
                columns: StoreLayer.commonColumns + layer.schema1Columns,
                description: "门前三包 zones: the strip each frontage unit keeps (gridplan frontage)")
            try store.database.execute(
                "CREATE INDEX frontage_zones_code ON frontage_zones(code); CREATE INDEX frontage_zones_generation ON frontage_zones(generation_id)"
            )
        },
        Migration(
            version: 5, description: SchemaHistory.description(5)
        ) { store in
            // QGIS's own definition (QgsOgrProviderUtils), an attributes table in gpkg_contents.
            // A file QGIS already saved styles into has the table: it is kept as it is.
            guard try store.database.rows("SELECT 1 FROM sqlite_master WHERE name = 'layer_styles'").isEmpty else {
                return
            }
            try store.database.execute(
                """
                CREATE TABLE layer_styles (
                  id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
                  f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,
                  useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
                  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
                INSERT INTO gpkg_contents (table_name, data_type, identifier, description)
                  VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles');
                """)
        },
        Migration(
            version: 6, description: SchemaHistory.description(6)
        ) { store in
            let layer = StoreLayer.boundaryChanges
            try store.package.createLayer(
                layer.rawValue, geometryType: layer.geometryType, srsID: store.srsID,
                columns: StoreLayer.commonColumns + StoreLayer.changeColumns,
                description: "the land each repair moved: reason, from and to unit, area (gridplan repair --store)")
            try store.database.execute(
                "CREATE INDEX boundary_changes_code ON boundary_changes(code); CREATE INDEX boundary_changes_generation ON boundary_changes(generation_id)"
            )
        },
    ]

    /// The newest schema version this gridplan knows.
    public static var schemaVersion: Int { migrations.last!.version }

    /// Creates a new store. Refuses a path that already exists.
    public static func create(path: String, crs: CRS = .wgs84) throws -> GeoPackageStore {
        if FileManager.default.fileExists(atPath: path) {
            throw StoreError(
                path: path, reason: "already exists; gridplan init makes a new store and never overwrites a file")
        }
        switch crs {
        case .gcj02, .bd09:
            throw StoreError(
                path: path,
                reason:
                    "a store cannot be in \(crs.identifier); use EPSG:4326 or EPSG:4490 (imports from GCJ-02/BD-09 are converted)"
            )
        default: break
        }
        do {
            let package = try GeoPackage(path: path, create: true)
            try package.database.execute("PRAGMA journal_mode = WAL")
            let store = GeoPackageStore(package: package)
            try package.database.transaction {
                store.srsID = try package.srsID(for: crs)
                store.crs = crs
                try store.migrate()
                store.schemaVersionInFile = schemaVersion
                try package.database.prepare("INSERT INTO gridplan_meta VALUES ('crs', ?)").run([.text(crs.identifier)])
            }
            return store
        } catch {
            // A half-made store is worse than none.
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            throw error
        }
    }

    /// Opens an existing store, applying any migrations it lacks; refuses one made by a newer gridplan.
    public static func open(path: String, readOnly: Bool = false) throws -> GeoPackageStore {
        let package = try GeoPackage(path: path, readOnly: readOnly)
        let store = GeoPackageStore(package: package)
        let hasSchema = try !package.database.rows("SELECT 1 FROM sqlite_master WHERE name = 'gridplan_schema'").isEmpty
        guard hasSchema else {
            throw StoreError(
                path: path,
                reason: "a GeoPackage, but not a gridplan store (run gridplan init, or import its layers into a store)")
        }
        let version = try package.database.rows("SELECT coalesce(max(version), 0) FROM gridplan_schema")[0][0].integer
        if version > schemaVersion {
            throw StoreError(
                path: path,
                reason:
                    "made by a newer gridplan (schema version \(version); this gridplan knows up to \(schemaVersion)); upgrade gridplan to open it"
            )
        }
        if !readOnly {
            try package.database.execute("PRAGMA journal_mode = WAL")
            // A command writes in one transaction; with SQLite's default 2 MB page cache a large
            // import spills pages of the table and its indexes into the WAL again and again. Up to
            // 64 MB is held instead, taken only as pages are touched.
            try package.database.execute("PRAGMA cache_size = -65536")
        }
        if let row = try package.database.rows("SELECT value FROM gridplan_meta WHERE key = 'crs'").first {
            store.crs = try CRS(parsing: row[0].text)
            store.srsID = try package.layer(named: StoreLayer.communities.rawValue).srsID
        }
        store.schemaVersionInFile = Int(version)
        if version < schemaVersion && !readOnly {
            try store.migrate()
            store.schemaVersionInFile = schemaVersion
        }
        return store
    }

    private init(package: GeoPackage) {
        self.package = package
    }

    /// Applies each missing migration in its own transaction (nested in the caller's when creating).
    private func migrate() throws {
        try database.execute(
            "CREATE TABLE IF NOT EXISTS gridplan_schema (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied TEXT NOT NULL)"
        )
        let current = try database.rows("SELECT coalesce(max(version), 0) FROM gridplan_schema")[0][0].integer
        for m in Self.migrations where m.version > current {
            let inTransaction = !database.isAutocommit
            let body = {
                try m.apply(self)
                try self.database.prepare(
                    "INSERT INTO gridplan_schema VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))"
                )
                .run([.integer(Int64(m.version)), .text(m.description)])
            }
            if inTransaction { try body() } else { try database.transaction(body) }
        }
    }

    // MARK: Generations

    /// Records a new generation and returns its id; `parent` defaults to the layer's latest.
    public func addGeneration(layer: StoreLayer, command: String, parameters: JSONObject, parent: Int64? = nil) throws
        -> Int64
    {
        try addGeneration(table: layer.rawValue, command: command, parameters: parameters, parent: parent)
    }

    /// A generation of a table that is not one of the ``StoreLayer``s (responsibilities, street_segments).
    func addGeneration(table: String, command: String, parameters: JSONObject, parent: Int64? = nil) throws -> Int64 {
        let parentID = try parent ?? generations(ofTable: table).last?.id
        try database.prepare(
            "INSERT INTO generations (created, command, parameters, parent_id, layer) VALUES (strftime('%Y-%m-%dT%H:%M:%fZ','now'), ?, ?, ?, ?)"
        )
        .run([
            .text(command), .text(JSONText.encode(.object(parameters))), parentID.map { .integer($0) } ?? .null,
            .text(table),
        ])
        return database.lastInsertRowID
    }

    public func generations(of layer: StoreLayer? = nil) throws -> [StoreGeneration] {
        try generations(ofTable: layer?.rawValue)
    }

    public func generations(ofTable table: String?) throws -> [StoreGeneration] {
        let effective = schemaVersionInFile >= 2 ? "effective_from" : "NULL"
        let rows = try database.rows(
            "SELECT id, created, command, parameters, parent_id, layer, \(effective) FROM generations"
                + (table != nil ? " WHERE layer = ?" : "") + " ORDER BY id",
            table.map { [.text($0)] } ?? [])
        return rows.map { r in
            var parent: Int64?
            if case .integer(let p) = r[4] { parent = p }
            var from: String?
            if case .text(let f) = r[6] { from = f }
            return StoreGeneration(
                id: r[0].integer, created: r[1].text, command: r[2].text, parameters: r[3].text, parentID: parent,
                layer: r[5].text, effectiveFrom: from)
        }
    }

    /// Sets the day from which a generation is in force (`YYYY-MM-DD`).
    public func setEffectiveFrom(_ day: String, generation: Int64) throws {
        try database.prepare("UPDATE generations SET effective_from = ? WHERE id = ?").run([
            .text(day), .integer(generation),
        ])
    }

    // MARK: Writing features

    /// Inserts features into a layer (in the store's CRS already), tagging them with `generation`.
    /// Standard fields come from `fields`; every property is also kept as JSON.
    public func insert(
        _ features: [Feature], into layer: StoreLayer, generation: Int64, fields: FieldMapping, source: String
    ) throws {
        let statement = try insertStatement(layer)
        let rows = try GeoPackageLayerRows(layer: layer, srsID: srsID, generation: generation, fields: fields)
            .rows(features, first: 0, source: source)
        try package.withDeferredSpatialIndex(table: layer.rawValue) {
            for values in rows { try statement.run(values) }
        }
    }

    /// The statement that inserts one row of `layer`: its geometry, then every column.
    func insertStatement(_ layer: StoreLayer) throws -> Statement {
        let cols = layer.columns.map(\.name)
        return try database.prepare(
            "INSERT INTO \(GeoPackage.quote(layer.rawValue)) (geom, \(cols.map(GeoPackage.quote).joined(separator: ", "))) VALUES (?\(String(repeating: ", ?", count: cols.count)))"
        )
    }

}

struct CoercionError: Error { var message: String }

extension StoreGeometry {
    /// Single polygons and lines become one-part multis; a one-point multipoint becomes a point.
    static func coerce(_ g: Geometry, to layer: StoreLayer) throws -> Geometry {
        switch (layer.shape, g) {
        case (.polygon, .polygon(let p)): return .multiPolygon([p])
        case (.polygon, .multiPolygon): return g
        case (.point, .point): return g
        case (.point, .multiPoint(let cs)) where cs.count == 1: return .point(cs[0])
        case (.line, .lineString(let l)): return .multiLineString([l])
        case (.line, .multiLineString): return g
        case (_, .geometryCollection(let parts)) where parts.isEmpty: return g
        default: throw CoercionError(message: "a \(g.typeName)")
        }
    }

    /// One-part multis come back as single geometries.
    static func simplifiedMulti(_ g: Geometry) -> Geometry {
        switch g {
        case .multiPolygon(let ps) where ps.count == 1: return .polygon(ps[0])
        case .multiLineString(let ls) where ls.count == 1: return .lineString(ls[0])
        default: return g
        }
    }
}

extension GeoPackageStore {

    /// Deletes the rows of a layer (all, or one generation's).
    public func clear(_ layer: StoreLayer, generation: Int64? = nil) throws {
        if let generation {
            try database.prepare("DELETE FROM \(GeoPackage.quote(layer.rawValue)) WHERE generation_id = ?").run([
                .integer(generation)
            ])
        } else {
            try database.execute("DELETE FROM \(GeoPackage.quote(layer.rawValue))")
        }
    }

    // MARK: Reading features

    public func forEachFeature(of layer: StoreLayer, _ filter: FeatureFilter, _ body: (Feature) throws -> Void) throws {
        let info = try package.layer(named: layer.rawValue)
        var clauses: [String] = []
        var args: [SQLValue] = []
        if let g = try filter.generation ?? (layer.keepsGenerations ? latestGeneration(of: layer)?.id : nil) {
            clauses.append("t.generation_id = ?")
            args.append(.integer(g))
        }
        if let prefix = filter.codePrefix {
            clauses.append("substr(t.code, 1, ?) = ?")
            args += [.integer(Int64(prefix.count)), .text(prefix)]
        }
        try package.forEachFeature(
            in: info, envelope: filter.envelope, where: clauses.isEmpty ? nil : clauses.joined(separator: " AND "),
            arguments: args
        ) { f in
            var props = JSONObject()
            if case .string(let json)? = f.properties["properties"],
                case .object(let original)? = try? JSONText.decode(json)
            {
                props = original
            }
            for (k, v) in f.properties where k != "properties" && v != .null { props[k] = v }
            try body(Feature(id: f.id, geometry: f.geometry.map(StoreGeometry.simplifiedMulti), properties: props))
        }
    }

    public func summaries() throws -> [StoreLayerSummary] {
        // A store opened read-only is not migrated: it lists the layers its schema has.
        let present = Set(try package.layers().map(\.name))
        return try StoreLayer.allCases.filter { present.contains($0.rawValue) }.map { layer in
            let gens = try generations(of: layer)
            let latest = layer.keepsGenerations ? gens.last?.id : nil
            let count = try package.count(
                layer.rawValue, where: latest != nil ? "generation_id = ?" : nil,
                arguments: latest.map { [.integer($0)] } ?? [])
            let extent = try package.layer(named: layer.rawValue).extent
            return StoreLayerSummary(
                layer: layer, count: count, extent: extent, generations: gens.count, latestGeneration: latest)
        }
    }
}
