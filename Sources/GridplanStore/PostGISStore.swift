import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanPostgres
import GridplanSQLite

/// The shared engine: a gridplan store in a PostgreSQL database with PostGIS, for a district's
/// offices and analysts working on the same layers at once.
///
/// The schema mirrors the GeoPackage store's: one table per layer with the same columns, a
/// `geometry(TYPE, SRID)` column with a GiST index (so GDAL's PostgreSQL driver and QGIS open the
/// layers as they are), and the same domain tables and numbered migrations. Bulk writes stream
/// through COPY; reads stream through a cursor.
///
/// Concurrency: readers never block (MVCC). Writers to one layer are serialised by a
/// transaction-scoped advisory lock per layer, taken within the same busy timeout as SQLite's;
/// past it the write fails as "store busy". Every write is one transaction, so a killed writer
/// leaves the previous generation whole.
public final class PostGISStore: Store {
    let connection: PostgresConnection
    public let location: String
    public private(set) var crs: CRS = .wgs84
    private(set) var srid: Int32 = 4326
    private let readOnly: Bool

    /// How long a writer waits for another writer of the same layer (SQLite's busy timeout).
    static let busyTimeoutMilliseconds = 5000
    /// Rows per cursor fetch: a few MB of geometry at a time.
    static let batchSize = 5000

    struct Migration: Sendable {
        var version: Int
        var description: String
        var apply: @Sendable (PostGISStore) throws -> Void
    }

    /// The same numbers and descriptions as ``GeoPackageStore``'s migrations; never edited.
    static let migrations: [Migration] = [
        Migration(version: 1, description: SchemaHistory.description(1)) {
            store in
            try store.connection.executeScript(
                """
                CREATE TABLE gridplan_meta (key text PRIMARY KEY, value text NOT NULL);
                CREATE TABLE generations (
                  id bigserial PRIMARY KEY, created text NOT NULL, command text NOT NULL,
                  parameters text NOT NULL DEFAULT '{}', parent_id bigint REFERENCES generations(id), layer text);
                CREATE TABLE code_history (
                  id bigserial PRIMARY KEY, code text NOT NULL, predecessor_code text,
                  generation_id bigint REFERENCES generations(id), start_date text, end_date text, note text);
                CREATE INDEX code_history_code ON code_history(code);
                CREATE TABLE responsibilities (
                  id bigserial PRIMARY KEY, street_name text, street_id text, chief text NOT NULL,
                  level text, phone text, unit_code text, property_manager text, property_contact text, target_date text);
                """)
            for layer in StoreLayer.schema1Layers {
                let columns = (StoreLayer.commonColumns + layer.schema1Columns).map {
                    "\(try! store.connection.quoteIdentifier($0.name)) \(PostGISStore.postgresType($0.type))"
                }
                let table = try store.connection.quoteIdentifier(layer.rawValue)
                try store.connection.executeScript(
                    """
                    CREATE TABLE \(table) (fid bigserial PRIMARY KEY, geom geometry(\(layer.geometryType), \(store.srid)), \(columns.joined(separator: ", ")));
                    CREATE INDEX \(try store.connection.quoteIdentifier(layer.rawValue + "_geom")) ON \(table) USING gist (geom);
                    CREATE INDEX \(try store.connection.quoteIdentifier(layer.rawValue + "_code")) ON \(table) (code);
                    CREATE INDEX \(try store.connection.quoteIdentifier(layer.rawValue + "_generation")) ON \(table) (generation_id);
                    """)
            }
        },
        Migration(
            version: 2, description: SchemaHistory.description(2)
        ) { store in
            for c in StoreLayer.caseColumns {
                try store.connection.execute(
                    "ALTER TABLE events ADD COLUMN \(try store.connection.quoteIdentifier(c.name)) \(PostGISStore.postgresType(c.type))"
                )
            }
            try store.connection.executeScript(
                """
                CREATE INDEX events_reported_at ON events(reported_at);
                ALTER TABLE generations ADD COLUMN effective_from text;
                """)
        },
        Migration(
            version: 3, description: SchemaHistory.description(3)
        ) { store in
            let columns = StoreTables.streetSegmentColumns.map {
                "\(try! store.connection.quoteIdentifier($0.name)) \(PostGISStore.postgresType($0.type))"
            }
            try store.connection.executeScript(
                """
                ALTER TABLE responsibilities ADD COLUMN generation_id bigint REFERENCES generations(id);
                ALTER TABLE responsibilities ADD COLUMN role text;
                ALTER TABLE responsibilities ADD COLUMN superior text;
                ALTER TABLE responsibilities ADD COLUMN duties text;
                ALTER TABLE responsibilities ADD COLUMN unit_level text;
                ALTER TABLE responsibilities ADD COLUMN source_line bigint;
                CREATE INDEX responsibilities_generation ON responsibilities(generation_id);
                CREATE TABLE street_segments (fid bigserial PRIMARY KEY, geom geometry(MULTILINESTRING, \(store.srid)), \(columns.joined(separator: ", ")));
                CREATE INDEX street_segments_geom ON street_segments USING gist (geom);
                CREATE INDEX street_segments_generation ON street_segments(generation_id);
                CREATE INDEX street_segments_name ON street_segments(name);
                """)
        },
        Migration(
            version: 4, description: SchemaHistory.description(4)
        ) { store in
            let layer = StoreLayer.frontageZones
            let columns = (StoreLayer.commonColumns + layer.schema1Columns).map {
                "\(try! store.connection.quoteIdentifier($0.name)) \(PostGISStore.postgresType($0.type))"
            }
            try store.connection.executeScript(
                """
                CREATE TABLE frontage_zones (fid bigserial PRIMARY KEY, geom geometry(\(layer.geometryType), \(store.srid)), \(columns.joined(separator: ", ")));
                CREATE INDEX frontage_zones_geom ON frontage_zones USING gist (geom);
                CREATE INDEX frontage_zones_code ON frontage_zones (code);
                CREATE INDEX frontage_zones_generation ON frontage_zones (generation_id);
                """)
        },
        Migration(
            version: 5, description: SchemaHistory.description(5)
        ) { store in
            // QGIS's definition (QgsPostgresProvider); a database QGIS saved styles into keeps its table.
            try store.connection.executeScript(
                """
                CREATE TABLE IF NOT EXISTS layer_styles (
                  id serial PRIMARY KEY, f_table_catalog varchar, f_table_schema varchar, f_table_name varchar,
                  f_geometry_column varchar, stylename text, styleqml xml, stylesld xml, useasdefault boolean,
                  description text, owner varchar(63) DEFAULT CURRENT_USER, ui xml,
                  update_time timestamp DEFAULT CURRENT_TIMESTAMP, type varchar);
                """)
        },
        Migration(
            version: 6, description: SchemaHistory.description(6)
        ) { store in
            let layer = StoreLayer.boundaryChanges
            let columns = (StoreLayer.commonColumns + StoreLayer.changeColumns).map {
                "\(try! store.connection.quoteIdentifier($0.name)) \(PostGISStore.postgresType($0.type))"
            }
            try store.connection.executeScript(
                """
                CREATE TABLE boundary_changes (fid bigserial PRIMARY KEY, geom geometry(\(layer.geometryType), \(store.srid)), \(columns.joined(separator: ", ")));
                CREATE INDEX boundary_changes_geom ON boundary_changes USING gist (geom);
                CREATE INDEX boundary_changes_code ON boundary_changes (code);
                CREATE INDEX boundary_changes_generation ON boundary_changes (generation_id);
                """)
        },
    ]

    static func postgresType(_ sqliteType: String) -> String {
        switch sqliteType {
        case "INTEGER": return "bigint"
        case "REAL": return "double precision"
        default: return "text"
        }
    }

    private init(connection: PostgresConnection, readOnly: Bool) {
        self.connection = connection
        self.location = connection.maskedLocation
        self.readOnly = readOnly
    }

    /// Connects, with the busy timeout for writers' locks and UTC for the dates written.
    private static func connect(_ location: String, readOnly: Bool) throws -> PostGISStore {
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection(
                location, parameters: ["connect_timeout": "10", "application_name": "gridplan"])
        } catch let e as PostgresError {
            throw StoreError(path: PostgresLocation.masking(location), reason: "cannot connect: \(e.message)")
        }
        try connection.execute("SET lock_timeout = \(busyTimeoutMilliseconds)")
        try connection.execute("SET client_min_messages = warning")
        if readOnly { try connection.execute("SET default_transaction_read_only = on") }
        return PostGISStore(connection: connection, readOnly: readOnly)
    }

    private func hasSchema() throws -> Bool {
        try connection.execute("SELECT to_regclass('gridplan_schema') IS NOT NULL AS present").rows[0].bool("present")
            ?? false
    }

    /// Creates a store in an empty database: the postgis extension (when the role may create
    /// it), the schema and the CRS. Refuses a database that already holds a gridplan store.
    public static func create(_ location: String, crs: CRS = .wgs84) throws -> PostGISStore {
        switch crs {
        case .gcj02, .bd09:
            throw StoreError(
                path: PostgresLocation.masking(location),
                reason:
                    "a store cannot be in \(crs.identifier); use EPSG:4326 or EPSG:4490 (imports from GCJ-02/BD-09 are converted)"
            )
        default: break
        }
        let store = try connect(location, readOnly: false)
        if try store.hasSchema() {
            throw StoreError(
                path: store.location,
                reason: "already holds a gridplan store; gridplan init makes a new store and never overwrites one")
        }
        try store.ensurePostGIS()
        guard let code = crs.identifiedEPSGCode() ?? { if case .epsg(let c) = crs { return c } else { return nil } }()
        else {
            throw StoreError(
                path: store.location,
                reason:
                    "a PostGIS store needs a CRS with an EPSG code (PostGIS keys its spatial_ref_sys by SRID); \(crs.identifier) has none"
            )
        }
        guard
            try !store.connection.execute("SELECT 1 FROM spatial_ref_sys WHERE srid = $1", [.integer(Int64(code))]).rows
                .isEmpty
        else {
            throw StoreError(
                path: store.location, reason: "PostGIS does not know EPSG:\(code) (no row in spatial_ref_sys)")
        }
        store.srid = Int32(code)
        store.crs = crs
        try store.connection.transaction {
            try store.migrate()
            try store.connection.execute(
                "INSERT INTO gridplan_meta VALUES ('crs', $1), ('srid', $2)",
                [.text(crs.identifier), .text(String(code))])
        }
        return store
    }

    /// `CREATE EXTENSION postgis` when it is missing, or a plain message saying who must run it.
    private func ensurePostGIS() throws {
        let present =
            try connection.execute("SELECT count(*) AS n FROM pg_extension WHERE extname = 'postgis'").rows[0].int("n")
            ?? 0
        guard present == 0 else { return }
        do {
            try connection.execute("CREATE EXTENSION postgis")
        } catch let e as PostgresError
            where e.isPermissionDenied || e.sqlState == SQLState("0A000") || e.sqlState == SQLState("58P01")
        {
            throw StoreError(
                path: location,
                reason:
                    "the postgis extension is not installed in this database and this role may not create it (\(e.message)); ask the database owner or a superuser to run CREATE EXTENSION postgis, then run gridplan init again"
            )
        }
    }

    /// Opens an existing store; applies the migrations it lacks unless read-only; refuses one
    /// made by a newer gridplan.
    public static func open(_ location: String, readOnly: Bool = false) throws -> PostGISStore {
        let store = try connect(location, readOnly: readOnly)
        guard try store.hasSchema() else {
            throw StoreError(
                path: store.location,
                reason: "a PostgreSQL database, but not a gridplan store (run gridplan init \(store.location))")
        }
        let version =
            try store.connection.execute("SELECT coalesce(max(version), 0) AS v FROM gridplan_schema").rows[0].int("v")
            ?? 0
        if version > GeoPackageStore.schemaVersion {
            throw StoreError(
                path: store.location,
                reason:
                    "made by a newer gridplan (schema version \(version); this gridplan knows up to \(GeoPackageStore.schemaVersion)); upgrade gridplan to open it"
            )
        }
        if let value = try store.connection.execute("SELECT value FROM gridplan_meta WHERE key = 'crs'").rows.first?
            .string("value")
        {
            store.crs = try CRS(parsing: value)
        }
        if let value = try store.connection.execute("SELECT value FROM gridplan_meta WHERE key = 'srid'").rows.first?
            .string("value"), let srid = Int32(value)
        {
            store.srid = srid
        }
        if version < GeoPackageStore.schemaVersion && !readOnly {
            try store.connection.transaction { try store.migrate() }
        }
        return store
    }

    private func migrate() throws {
        try connection.execute(
            "CREATE TABLE IF NOT EXISTS gridplan_schema (version integer PRIMARY KEY, description text NOT NULL, applied text NOT NULL)"
        )
        let current =
            try connection.execute("SELECT coalesce(max(version), 0) AS v FROM gridplan_schema").rows[0].int("v") ?? 0
        for m in Self.migrations where m.version > current {
            try m.apply(self)
            try connection.execute(
                "INSERT INTO gridplan_schema VALUES ($1, $2, \(Self.nowSQL))",
                [.integer(Int64(m.version)), .text(m.description)])
        }
    }

    /// The same timestamp text as the GeoPackage store writes.
    static let nowSQL = #"to_char(now() AT TIME ZONE 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"#
    static let todaySQL = "to_char(now() AT TIME ZONE 'utc', 'YYYY-MM-DD')"

    /// Runs `body` in one transaction holding the write locks of `layers` (in a fixed order, so
    /// two writers never deadlock); another writer of one of them waits up to the busy timeout.
    func write<T>(_ layers: [StoreLayer], _ body: () throws -> T) throws -> T {
        try connection.transaction {
            for layer in Set(layers).sorted(by: { $0.rawValue < $1.rawValue }) {
                try connection.execute(
                    "SELECT pg_advisory_xact_lock(hashtext($1))", [.text("gridplan:" + layer.rawValue)])
            }
            return try body()
        }
    }

    func table(_ layer: StoreLayer) throws -> String { try connection.quoteIdentifier(layer.rawValue) }

    // MARK: Generations

    func addGeneration(layer: StoreLayer, command: String, parameters: JSONObject) throws -> Int64 {
        try addGeneration(table: layer.rawValue, command: command, parameters: parameters)
    }

    func addGeneration(table: String, command: String, parameters: JSONObject) throws -> Int64 {
        let parent = try generations(ofTable: table).last?.id
        let row = try connection.execute(
            "INSERT INTO generations (created, command, parameters, parent_id, layer) VALUES (\(Self.nowSQL), $1, $2, $3, $4) RETURNING id",
            [
                .text(command), .text(JSONText.encode(.object(parameters))), parent.map { .integer($0) } ?? .null,
                .text(table),
            ]
        ).rows[0]
        return Int64(try row.int("id") ?? 0)
    }

    public func generations(of layer: StoreLayer? = nil) throws -> [StoreGeneration] {
        try generations(ofTable: layer?.rawValue)
    }

    public func generations(ofTable table: String?) throws -> [StoreGeneration] {
        let rows = try connection.execute(
            "SELECT id, created, command, parameters, parent_id, layer, effective_from FROM generations"
                + (table != nil ? " WHERE layer = $1" : "") + " ORDER BY id",
            table.map { [.text($0)] } ?? []
        ).rows
        return try rows.map { r in
            StoreGeneration(
                id: Int64(try r.int("id") ?? 0), created: try r.string("created") ?? "",
                command: try r.string("command") ?? "",
                parameters: try r.string("parameters") ?? "{}", parentID: try r.int("parent_id").map(Int64.init),
                layer: try r.string("layer"),
                effectiveFrom: try r.string("effective_from"))
        }
    }

    /// Sets the day from which a generation is in force (`YYYY-MM-DD`).
    public func setEffectiveFrom(_ day: String, generation: Int64) throws {
        try connection.execute(
            "UPDATE generations SET effective_from = $1 WHERE id = $2", [.text(day), .integer(generation)])
    }

    // MARK: Writing

    /// Hex EWKB (the geometry's WKB with the SRID flag and SRID), which COPY's text format and
    /// PostGIS's geometry input accept.
    func ewkbHex(_ g: Geometry) -> String {
        var ewkb: [UInt8] = []
        PostGISLayerRows.appendEWKB(g, srid: srid, to: &ewkb)
        let digits = Array("0123456789ABCDEF".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(ewkb.count * 2)
        for b in ewkb {
            hex.append(digits[Int(b >> 4)])
            hex.append(digits[Int(b & 0xF)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// Copies features (in the store's CRS) into `layer` as `generation`.
    func copy(_ features: [Feature], into layer: StoreLayer, generation: Int64, fields: FieldMapping, source: String)
        throws
    {
        let encoder = PostGISLayerRows(layer: layer, srid: srid, generation: generation, fields: fields)
        // Rows are encoded (and checked) before the copy starts: COPY reports a bad row only after all the data.
        let rows = try encoder.rows(features, first: 0, source: source)
        try connection.copyBinary(into: layer.rawValue, columns: encoder.columns) { try $0.send(rows) }
    }

    /// Copies a source's features into `layer` as `generation` with one binary COPY, the rows
    /// read and encoded on a thread of their own while this one sends the previous batches.
    /// - Parameter table: the table to fill, when not the layer's own (a ``PostGISBulkLoad``'s).
    func copy(
        _ source: SourceReader, into layer: StoreLayer, table: String? = nil, generation: Int64,
        fields: FieldMapping, progress: (Int, Int?) -> Void
    ) throws -> SourceReader.Summary {
        let encoder = PostGISLayerRows(layer: layer, srid: srid, generation: generation, fields: fields)
        let path = source.path
        var summary: SourceReader.Summary?
        try connection.copyBinary(into: table ?? layer.rawValue, columns: encoder.columns) { copy in
            summary = try ImportPreparation.run(
                source, into: crs,
                encode: { first, features in try encoder.rows(features, first: first, source: path) },
                write: { rows in
                    try copy.send(rows)
                    return rows.count
                }, progress: progress)
        }
        return summary!
    }

    public func importLayer(
        _ source: SourceReader, into layer: StoreLayer, fields explicit: [String: String], replace: Bool,
        parameters: JSONObject, effectiveFrom: String?, progress: (Int, Int?) -> Void
    ) throws -> ImportReport {
        let mapping = try ImportPreparation.mapping(
            names: source.propertyNames, path: source.path, fields: explicit, layer: layer)
        return try write([layer]) {
            let existing = try rowsBeforeImport(of: layer, replace: replace)
            let generation = try addGeneration(layer: layer, command: "import", parameters: parameters)
            if let effectiveFrom { try setEffectiveFrom(effectiveFrom, generation: generation) }
            let summary = try load(
                source, into: layer, keeping: layer.keepsGenerations && existing > 0, generation: generation,
                fields: mapping, progress: progress)
            if layer == .boundaryChanges { try fillChangeColumns(generation: generation) }
            return ImportReport(
                layer: layer, features: summary.features, nullGeometries: summary.nullGeometries,
                generation: generation, replaced: layer.keepsGenerations ? 0 : existing,
                fromCRS: source.crs.identifier, crsSource: source.crsSource, storeCRS: crs.identifier,
                fields: mapping.report, notes: summary.notes)
        }
    }

    /// The rows `layer` has before an import: all of them for a layer without generations,
    /// which an import replaces only when `replace` says so; for a layer with generations,
    /// 1 when it has any.
    private func rowsBeforeImport(of layer: StoreLayer, replace: Bool) throws -> Int {
        guard !layer.keepsGenerations else {
            return try connection.execute(
                "SELECT count(*) AS n FROM (SELECT 1 FROM \(try table(layer)) LIMIT 1) t"
            ).rows[0].int("n") ?? 0
        }
        let existing = try connection.execute("SELECT count(*) AS n FROM \(try table(layer))").rows[0].int("n") ?? 0
        guard existing == 0 || replace else {
            throw StoreError(
                path: location,
                reason: "layer \(layer.rawValue) already has \(existing) features; use --replace to replace them")
        }
        return existing
    }

    /// Writes an import's rows as `generation`. When no row of the layer stays (`keeping` is
    /// false), its table is rebuilt beside itself and its indexes made after the load
    /// (``PostGISBulkLoad``); otherwise, or for a table someone else has changed, the rows go
    /// into the table as it is, after the replaced rows are deleted.
    private func load(
        _ source: SourceReader, into layer: StoreLayer, keeping: Bool, generation: Int64, fields: FieldMapping,
        progress: (Int, Int?) -> Void
    ) throws -> SourceReader.Summary {
        if !keeping, let bulk = try PostGISBulkLoad.prepare(connection, layer: layer.rawValue) {
            return try bulk.run {
                try copy(
                    source, into: layer, table: bulk.loadingName, generation: generation, fields: fields,
                    progress: progress)
            }
        }
        if !keeping { try connection.execute("DELETE FROM \(try table(layer))") }
        return try copy(source, into: layer, generation: generation, fields: fields, progress: progress)
    }

    @discardableResult
    public func recordFindings(_ features: [Feature], command: String, parameters: JSONObject) throws -> Int64 {
        try write([.findings]) {
            let generation = try addGeneration(layer: .findings, command: command, parameters: parameters)
            let rows = features.map { f -> [PostgresValue] in
                let g = f.geometry.map {
                    StoreGeometry.promoted(GeoPackageStore.polygonalOrPoint($0), to: "MULTIPOLYGON")
                }
                return [
                    g.map { .text(ewkbHex($0)) } ?? .null,
                    .text(f.properties["kind"]!.text + "-" + f.properties["id"]!.text), .integer(generation),
                    .text(JSONText.encode(.object(f.properties))), .text(f.properties["kind"]!.text),
                    .double(f.properties["area_m2"]?.doubleValue ?? 0),
                    .text(JSONText.encode(f.properties["units"] ?? .null)),
                ]
            }
            try connection.copy(
                into: "findings", columns: ["geom", "code", "generation_id", "properties", "kind", "area_m2", "units"],
                rows: rows)
            return generation
        }
    }

    public func issuedGridCodes() throws -> Set<String> {
        var codes = Set<String>()
        try connection.stream("SELECT code FROM code_history", batchSize: 50_000) { rows in
            for r in rows { if let c = try r.string("code") { codes.insert(c) } }
        }
        return codes
    }

    public func writeGridGeneration(
        _ grids: [Feature], parameters: JSONObject, replacing: ReplacedCodes, locate: ([Coordinate]) throws -> [String?]
    ) throws {
        try write([.grids, .components, .events]) {
            let previous = try generations(of: .grids).last?.id
            let generation = try addGeneration(layer: .grids, command: "partition", parameters: parameters)
            let mapping = try GridGeneration.fields()
            try copy(grids, into: .grids, generation: generation, fields: mapping, source: location)
            try connection.execute(
                "UPDATE grids SET area_m2 = (properties::json ->> 'area_m2')::double precision, start_date = \(Self.todaySQL) WHERE generation_id = $1",
                [.integer(generation)])
            if let previous, replacing.carriesAny {
                try carry(.grids, from: previous, to: generation, replacing: replacing)
            }
            let history = grids.map { g -> [PostgresValue] in
                let predecessor = GridGeneration.predecessor(of: g)
                return [
                    .text(g.properties["code"]!.text), predecessor.map { .text($0) } ?? .null, .integer(generation),
                ]
            }
            try connection.copy(
                into: "code_history", columns: ["code", "predecessor_code", "generation_id"], rows: history)
            try connection.execute(
                "UPDATE code_history SET start_date = \(Self.todaySQL) WHERE generation_id = $1", [.integer(generation)]
            )
            // Retired codes end today.
            if let previous {
                try connection.execute(
                    "UPDATE code_history SET end_date = \(Self.todaySQL) WHERE end_date IS NULL AND generation_id <= $1 AND code NOT IN (SELECT code FROM grids WHERE generation_id = $2 AND code IS NOT NULL)",
                    [.integer(previous), .integer(generation)])
            }
            try reassignPoints(replacing: replacing, locate: locate)
        }
    }

    /// Copies the features of generation `from` that `replacing` does not replace into generation
    /// `to`, unchanged, inside the server (a regeneration of one unit, or of a few communities,
    /// keeps the rest). The prefixes and kept codes go through temporary tables.
    private func carry(_ layer: StoreLayer, from: Int64, to: Int64, replacing: ReplacedCodes) throws {
        let cols = try layer.columns.map { try connection.quoteIdentifier($0.name) }
        let values = zip(layer.columns, cols).map { $0.name == "generation_id" ? "$1" : $1 }
        try connection.executeScript(
            """
            CREATE TEMP TABLE gridplan_replaced_prefix (prefix text NOT NULL) ON COMMIT DROP;
            CREATE TEMP TABLE gridplan_kept_code (code text PRIMARY KEY) ON COMMIT DROP;
            """)
        try connection.copy(
            into: "gridplan_replaced_prefix", columns: ["prefix"], rows: (replacing.prefixes ?? []).map { [.text($0)] })
        try connection.copy(
            into: "gridplan_kept_code", columns: ["code"], rows: replacing.keeping.sorted().map { [.text($0)] })
        try connection.execute(
            """
            INSERT INTO \(try table(layer)) (geom, \(cols.joined(separator: ", "))) SELECT geom, \(values.joined(separator: ", ")) FROM \(try table(layer)) AS old WHERE old.generation_id = $2
              AND (old.code IS NULL OR old.code IN (SELECT k.code FROM gridplan_kept_code k)
                OR NOT EXISTS (SELECT 1 FROM gridplan_replaced_prefix r WHERE starts_with(old.code, r.prefix)))
              ORDER BY old.fid
            """,
            [.integer(to), .integer(from)])
        try connection.executeScript("DROP TABLE gridplan_replaced_prefix; DROP TABLE gridplan_kept_code;")
    }

    /// Sets each component's and event's parent_code to the grid code `locate` gives its point
    /// (see ``Relocation`` for the grids a regeneration carries).
    func reassignPoints(
        replacing: ReplacedCodes, batchSize: Int = PointParents.batchSize, locate: ([Coordinate]) throws -> [String?]
    ) throws {
        for layer in [StoreLayer.components, .events] {
            try connection.execute(
                "CREATE TEMP TABLE gridplan_located (fid bigint PRIMARY KEY, code text) ON COMMIT DROP")
            var changed = 0
            var total = 0
            try PointParents.batches(of: batchSize, read: { try pointParents(of: layer, after: $0, limit: $1) }) {
                rows in
                let located = try locate(rows.points)
                total += rows.count
                try connection.copy(into: "gridplan_located", columns: ["fid", "code"]) { writer in
                    changed += try rows.forEachChange(located: located, replacing: replacing) { fid, code in
                        try writer.append([.integer(fid), code.map { .text($0) } ?? .null])
                    }
                }
            }
            if total > 0 { try setParentCodes(of: layer, changing: changed, of: total) }
            try connection.execute("DROP TABLE gridplan_located")
        }
    }

    /// The fid, point and parent code of at most `limit` point rows of `layer` with a fid above
    /// `after`, in fid order.
    func pointParents(of layer: StoreLayer, after: Int64, limit: Int) throws -> PointParents {
        var rows = PointParents()
        try connection.stream(
            "SELECT fid, ST_AsBinary(geom) AS wkb, parent_code FROM \(try table(layer)) WHERE fid > $1 ORDER BY fid LIMIT $2",
            [.integer(after), .integer(Int64(limit))], batchSize: Self.batchSize, format: .binary
        ) { batch in
            for r in batch {
                guard let fid = try r.int("fid") else { continue }
                rows.passed(fid: Int64(fid))
                guard let wkb = try r.bytes("wkb"), case .point(let c) = try WKB.decode(wkb) else { continue }
                rows.append(fid: Int64(fid), point: c, parent: try r.string("parent_code"))
            }
        }
        return rows
    }

    /// Sets `parent_code` from `gridplan_located` (fid → code). When most rows change (a first
    /// partition relocates every event), the table is rebuilt beside itself and swapped in, as
    /// an import that replaces a layer is: an UPDATE writes a new version of every row and an
    /// entry in each of its indexes, GiST included, row by row (9.7 million events took over
    /// ten minutes); the rebuild copies them once and builds each index in one sorted pass.
    private func setParentCodes(of layer: StoreLayer, changing changed: Int, of total: Int) throws {
        if changed * 4 >= total, let bulk = try PostGISBulkLoad.prepare(connection, layer: layer.rawValue) {
            let columns = try connection.execute(
                """
                SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped
                ORDER BY attnum
                """, [.text(try table(layer))]
            ).rows.map { try $0.string("attname") ?? "" }
            let list = try columns.map { try connection.quoteIdentifier($0) }
            let values = try columns.map { c -> String in
                c == "parent_code"
                    ? "CASE WHEN l.fid IS NULL THEN t.parent_code ELSE l.code END"
                    : "t.\(try connection.quoteIdentifier(c))"
            }
            try bulk.run {
                try connection.execute(
                    """
                    INSERT INTO \(try connection.quoteIdentifier(bulk.loadingName)) (\(list.joined(separator: ", ")))
                    SELECT \(values.joined(separator: ", ")) FROM \(try table(layer)) t
                      LEFT JOIN gridplan_located l ON l.fid = t.fid ORDER BY t.fid
                    """)
            }
            return
        }
        try connection.execute(
            "UPDATE \(try table(layer)) t SET parent_code = l.code FROM gridplan_located l WHERE t.fid = l.fid")
    }

    public func replaceLayer(
        _ layer: StoreLayer, with features: [Feature], command: String, parameters: JSONObject, within: String?
    ) throws {
        try write([layer]) {
            _ = try writeBack(layer, with: features, command: command, parameters: parameters, within: within)
        }
    }

    public func writeRepair(
        _ layer: StoreLayer, with units: [Feature], changes: [Feature], parameters: JSONObject, within: String?
    ) throws -> (repaired: Int64, changes: Int64) {
        try write([layer, .boundaryChanges]) {
            let repaired = try writeBack(layer, with: units, command: "repair", parameters: parameters, within: within)
            let generation = try addGeneration(
                layer: .boundaryChanges, command: "repair",
                parameters: BoundaryChangeRows.parameters(parameters, layer: layer, generation: repaired))
            try copy(
                changes, into: .boundaryChanges, generation: generation, fields: try BoundaryChangeRows.fields(),
                source: location)
            try fillChangeColumns(generation: generation)
            return (repaired, generation)
        }
    }

    /// Sets boundary_changes' own columns (reason, from_unit, to_unit, area_m2) of `generation`
    /// from the rows' properties.
    func fillChangeColumns(generation: Int64) throws {
        let sets = try StoreLayer.changeColumns.map { c in
            let value = "properties::json ->> '\(c.name)'"
            return "\(try connection.quoteIdentifier(c.name)) = "
                + (c.type == "REAL" ? "(\(value))::double precision" : value)
        }
        try connection.execute(
            "UPDATE boundary_changes SET \(sets.joined(separator: ", ")) WHERE generation_id = $1",
            [.integer(generation)])
    }

    /// ``replaceLayer(_:with:command:parameters:within:)`` inside the caller's transaction.
    /// - Returns: the new generation.
    private func writeBack(
        _ layer: StoreLayer, with features: [Feature], command: String, parameters: JSONObject, within: String?
    ) throws -> Int64 {
        let names = Array(Set(features.flatMap(\.properties.keys))).sorted()
        let mapping = try FieldMapping(
            explicit: ["code": "code", "name": "name", "parent_code": "parent_code"].filter {
                names.contains($0.value)
            }, propertyNames: names, cases: layer.hasCaseFields)
        let cleaned = features.map { f -> Feature in
            var f = f
            f.properties["generation_id"] = nil
            return f
        }
        let previous = try generations(of: layer).last?.id
        if !layer.keepsGenerations {
            if let within {
                try connection.execute("DELETE FROM \(try table(layer)) WHERE starts_with(code, $1)", [.text(within)])
            } else {
                try connection.execute("DELETE FROM \(try table(layer))")
            }
        }
        let generation = try addGeneration(layer: layer, command: command, parameters: parameters)
        try copy(cleaned, into: layer, generation: generation, fields: mapping, source: location)
        if layer.keepsGenerations, let within, let previous {
            try carry(layer, from: previous, to: generation, replacing: .under([within]))
        }
        return generation
    }

    public func writeLayerStyles(_ styles: [QGISStyle], replacing: Bool) throws {
        try connection.transaction {
            let owner = PostgresValue.text(SchemaHistory.styleOwner)
            let here = "f_table_catalog = current_database() AND f_table_schema = current_schema()"
            if replacing {
                try connection.execute("DELETE FROM layer_styles WHERE \(here) AND owner = $1", [owner])
            }
            let styled = Set(
                try connection.execute(
                    "SELECT f_table_name AS t FROM layer_styles WHERE \(here) AND owner = $1", [owner]
                )
                .rows.compactMap { try $0.string("t") })
            let tables = Set(
                try connection.execute(
                    "SELECT f_table_name AS t FROM geometry_columns WHERE f_table_schema = current_schema()"
                ).rows.compactMap { try $0.string("t") })
            for style in styles where tables.contains(style.table) && !styled.contains(style.table) {
                let kind: String
                switch try connection.execute(
                    "SELECT type AS t FROM geometry_columns WHERE f_table_schema = current_schema() AND f_table_name = $1",
                    [.text(style.table)]
                ).rows.first?.string("t") ?? "" {
                case let t where t.hasSuffix("POLYGON"): kind = "Polygon"
                case let t where t.hasSuffix("LINESTRING"): kind = "Line"
                default: kind = "Point"
                }
                try connection.execute(
                    "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, stylename, styleqml, stylesld, useasdefault, description, owner, type) VALUES (current_database(), current_schema(), $1, 'geom', $2, $3, NULL, true, $4, $5, $6)",
                    [
                        .text(style.table), .text(style.name), .text(style.qml), .text(style.description), owner,
                        .text(kind),
                    ])
            }
        }
    }

    public func layerStyles() throws -> [QGISStyle] {
        try connection.execute(
            "SELECT f_table_name AS t, stylename AS n, styleqml::text AS q, description AS d FROM layer_styles WHERE f_table_catalog = current_database() AND f_table_schema = current_schema() ORDER BY f_table_name, id"
        ).rows.map { r in
            QGISStyle(
                table: try r.string("t") ?? "", name: try r.string("n") ?? "", qml: try r.string("q") ?? "",
                description: try r.string("d") ?? "")
        }
    }

    // MARK: Roster and street segments

    @discardableResult
    public func recordRoster(_ records: [ResponsibilityRecord], command: String, parameters: JSONObject) throws -> Int64
    {
        try connection.transaction {
            try connection.execute(
                "SELECT pg_advisory_xact_lock(hashtext($1))", [.text("gridplan:" + StoreTables.responsibilities)])
            let generation = try addGeneration(
                table: StoreTables.responsibilities, command: command, parameters: parameters)
            func text(_ v: String?) -> PostgresValue { v.map { .text($0) } ?? .null }
            let rows = records.map { r -> [PostgresValue] in
                [
                    .text(r.name), .text(r.role), text(r.phone), text(r.unitCode), text(r.unitLevel),
                    text(r.streetName), text(r.superior),
                    text(r.tier), text(r.duties), r.sourceLine.map { .integer(Int64($0)) } ?? .null,
                    .integer(generation),
                ]
            }
            try connection.copy(
                into: StoreTables.responsibilities,
                columns: [
                    "chief", "role", "phone", "unit_code", "unit_level", "street_name", "superior", "level", "duties",
                    "source_line", "generation_id",
                ], rows: rows)
            return generation
        }
    }

    public func roster() throws -> [ResponsibilityRecord] {
        guard let generation = try generations(ofTable: StoreTables.responsibilities).last?.id else { return [] }
        var out: [ResponsibilityRecord] = []
        try connection.stream(
            """
            SELECT chief, role, phone, unit_code, unit_level, street_name, superior, level, duties, source_line
            FROM responsibilities WHERE generation_id = $1 ORDER BY id
            """, [.integer(generation)], batchSize: Self.batchSize
        ) { rows in
            for r in rows {
                out.append(
                    ResponsibilityRecord(
                        name: try r.string("chief") ?? "", role: try r.string("role") ?? "",
                        phone: try r.string("phone"), unitCode: try r.string("unit_code"),
                        unitLevel: try r.string("unit_level"), streetName: try r.string("street_name"),
                        superior: try r.string("superior"),
                        tier: try r.string("level"), duties: try r.string("duties"),
                        sourceLine: try r.int("source_line")))
            }
        }
        return out
    }

    @discardableResult
    public func recordStreetSegments(_ segments: [RecordedStreetSegment], command: String, parameters: JSONObject)
        throws -> Int64
    {
        try connection.transaction {
            try connection.execute(
                "SELECT pg_advisory_xact_lock(hashtext($1))", [.text("gridplan:" + StoreTables.streetSegments)])
            let generation = try addGeneration(
                table: StoreTables.streetSegments, command: command, parameters: parameters)
            func text(_ v: String?) -> PostgresValue { v.map { .text($0) } ?? .null }
            let rows = segments.map { seg -> [PostgresValue] in
                let g: Geometry
                switch seg.geometry {
                case .lineString(let l): g = .multiLineString([l])
                default: g = seg.geometry
                }
                return [
                    .text(ewkbHex(g)), .text(seg.streetID), text(seg.name), text(seg.streetClass),
                    seg.grade.map { .integer(Int64($0)) } ?? .null,
                    .double(seg.lengthMetres), text(seg.lead),
                    .text(JSONText.encode(.array(seg.coOwners.map { .string($0) }))), .integer(seg.isBoundary ? 1 : 0),
                    text(seg.responsibleBody), text(seg.responsibleUnit), .integer(generation),
                ]
            }
            try connection.copy(
                into: StoreTables.streetSegments, columns: ["geom"] + StoreTables.streetSegmentColumns.map(\.name),
                rows: rows)
            return generation
        }
    }

    public func streetSegments() throws -> (generation: StoreGeneration, segments: [RecordedStreetSegment])? {
        guard let generation = try generations(ofTable: StoreTables.streetSegments).last else { return nil }
        var out: [RecordedStreetSegment] = []
        try connection.stream(
            """
            SELECT ST_AsBinary(geom) AS wkb, street_id, name, class, grade, length_m, lead, co_owners, boundary, responsible_body, responsible_unit
            FROM street_segments WHERE generation_id = $1 ORDER BY fid
            """, [.integer(generation.id)], batchSize: Self.batchSize, format: .binary
        ) { rows in
            for r in rows {
                var co: [String] = []
                if let json = try r.string("co_owners"), case .array(let a)? = try? JSONText.decode(json) {
                    co = a.compactMap(\.stringValue)
                }
                let geometry = try r.bytes("wkb").map { try WKB.decode($0) }
                out.append(
                    RecordedStreetSegment(
                        streetID: try r.string("street_id") ?? "", name: try r.string("name"),
                        streetClass: try r.string("class"), grade: try r.int("grade"),
                        lengthMetres: try r.double("length_m") ?? 0, lead: try r.string("lead"), coOwners: co,
                        isBoundary: try r.int("boundary") == 1,
                        responsibleBody: try r.string("responsible_body"),
                        responsibleUnit: try r.string("responsible_unit"),
                        geometry: geometry.map(StoreGeometry.simplifiedMulti) ?? .multiLineString([])))
            }
        }
        return (generation, out)
    }

    // MARK: Reading

    public func forEachFeature(of layer: StoreLayer, _ filter: FeatureFilter, _ body: (Feature) throws -> Void) throws {
        let columns = layer.columns
        var clauses: [String] = []
        var args: [PostgresValue] = []
        if let g = try filter.generation ?? (layer.keepsGenerations ? latestGeneration(of: layer)?.id : nil) {
            args.append(.integer(g))
            clauses.append("generation_id = $\(args.count)")
        }
        if let prefix = filter.codePrefix {
            args.append(.text(prefix))
            clauses.append("starts_with(code, $\(args.count))")
        }
        if let e = filter.envelope, !e.isEmpty {
            args += [.double(e.minX), .double(e.minY), .double(e.maxX), .double(e.maxY)]
            let n = args.count
            clauses.append("geom && ST_MakeEnvelope($\(n - 3), $\(n - 2), $\(n - 1), $\(n), \(srid))")
        }
        let list = try columns.map { try connection.quoteIdentifier($0.name) }.joined(separator: ", ")
        let sql =
            "SELECT fid, ST_AsBinary(geom) AS wkb, \(list) FROM \(try table(layer))"
            + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")) + " ORDER BY fid"
        // Binary cells: the geometry's WKB as it is, numbers without digits; every column is
        // bigint, double precision or text, which the binary decoder reads.
        try connection.stream(sql, args, batchSize: Self.batchSize, format: .binary) { rows in
            for r in rows {
                var props = JSONObject()
                if let json = try r.string("properties"), case .object(let original)? = try? JSONText.decode(json) {
                    props = original
                }
                for c in columns where c.name != "properties" {
                    switch try r.value(c.name) {
                    case .null: continue
                    case .integer(let n): props[c.name] = .integer(n)
                    case .double(let d): props[c.name] = .number(d)
                    case .text(let s):
                        props[c.name] = c.type == "INTEGER" ? (Int64(s).map { .integer($0) } ?? .string(s)) : .string(s)
                    case .bool(let b): props[c.name] = .bool(b)
                    case .bytea: continue
                    }
                }
                let geometry = try r.bytes("wkb").map { try WKB.decode($0) }
                try body(
                    Feature(
                        id: try r.int("fid").map { .integer(Int64($0)) },
                        geometry: geometry.map(StoreGeometry.simplifiedMulti), properties: props))
            }
        }
    }

    public func summaries() throws -> [StoreLayerSummary] {
        // A store opened read-only is not migrated: it lists the layers its schema has.
        let present = Set(
            try connection.execute(
                "SELECT f_table_name AS t FROM geometry_columns WHERE f_table_schema = current_schema()"
            ).rows.compactMap { try $0.string("t") })
        return try StoreLayer.allCases.filter { present.contains($0.rawValue) }.map { layer in
            let gens = try generations(of: layer)
            let latest = layer.keepsGenerations ? gens.last?.id : nil
            let row = try connection.execute(
                "SELECT count(*) AS n, ST_XMin(ST_Extent(geom)) AS x0, ST_YMin(ST_Extent(geom)) AS y0, ST_XMax(ST_Extent(geom)) AS x1, ST_YMax(ST_Extent(geom)) AS y1 FROM \(try table(layer))"
                    + (latest != nil ? " WHERE generation_id = $1" : ""),
                latest.map { [.integer($0)] } ?? []
            ).rows[0]
            var extent: Envelope?
            if let x0 = try row.double("x0"), let y0 = try row.double("y0"), let x1 = try row.double("x1"),
                let y1 = try row.double("y1")
            {
                extent = Envelope(minX: x0, minY: y0, maxX: x1, maxY: y1)
            }
            return StoreLayerSummary(
                layer: layer, count: try row.int("n") ?? 0, extent: extent, generations: gens.count,
                latestGeneration: latest)
        }
    }
}
