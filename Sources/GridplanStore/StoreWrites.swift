import Foundation
import GridplanGeometry
import GridplanIO
import GridplanSQLite

/// What commands write into a store: findings, grid generations with their code history, and
/// whole layers written back. Each write is one transaction.
extension GeoPackageStore {
    /// Records check findings (features in the store's CRS, with `kind`, `id`, `area_m2` and
    /// `units` properties) as a new generation of the findings layer, in one transaction.
    /// - Returns: the generation's id.
    @discardableResult
    public func recordFindings(_ features: [Feature], command: String, parameters: JSONObject) throws -> Int64 {
        try database.transaction {
            let generation = try addGeneration(layer: .findings, command: command, parameters: parameters)
            try insertFindings(features, generation: generation)
            return generation
        }
    }

    /// Every grid code the store has ever issued (a retired code is never reused).
    public func issuedGridCodes() throws -> Set<String> {
        Set(
            try database.rows("SELECT code FROM code_history").compactMap {
                if case .text(let c) = $0[0] { return c } else { return nil }
            })
    }

    /// Writes check findings (in the store's CRS) into the findings layer as `generation`.
    func insertFindings(_ features: [Feature], generation: Int64) throws {
        let s = try database.prepare(
            "INSERT INTO findings (geom, code, generation_id, properties, kind, area_m2, units) VALUES (?, ?, ?, ?, ?, ?, ?)"
        )
        for f in features {
            let g = f.geometry.map { StoreGeometry.promoted(Self.polygonalOrPoint($0), to: "MULTIPOLYGON") }
            let blob: SQLValue = g.map { SQLValue.blob(GeoPackageBinary.encode($0, srsID: srsID)) } ?? .null
            try s.run([
                blob,
                .text(f.properties["kind"]!.text + "-" + f.properties["id"]!.text), .integer(generation),
                .text(JSONText.encode(.object(f.properties))), .text(f.properties["kind"]!.text),
                .real(f.properties["area_m2"]?.doubleValue ?? 0),
                .text(JSONText.encode(f.properties["units"] ?? .null)),
            ])
        }
        try package.updateExtent(of: "findings")
    }

    /// Points (invalidity locations) are kept as tiny squares so the findings layer stays polygonal.
    static func polygonalOrPoint(_ g: Geometry) -> Geometry {
        guard case .point(let c) = g else { return g }
        let d = 1e-7
        return .polygon(
            Polygon(exterior: [
                Coordinate(c.x - d, c.y - d), Coordinate(c.x + d, c.y - d), Coordinate(c.x + d, c.y + d),
                Coordinate(c.x - d, c.y + d), Coordinate(c.x - d, c.y - d),
            ]))
    }

    /// Writes grids as a new generation in one transaction: the grid rows, their code history
    /// (predecessor = LASTCODE), and every component and event re-assigned to the grid it lies in.
    /// - Parameter locate: the grid code of each point (in the store's CRS), nil outside every
    ///   grid; the caller's point location, so the store and `assign points` share one tie rule.
    public func writeGridGeneration(
        _ grids: [Feature], parameters: JSONObject, replacing: ReplacedCodes, locate: ([Coordinate]) throws -> [String?]
    ) throws {
        try database.transaction {
            let previous = try generations(of: .grids).last?.id
            let generation = try addGeneration(layer: .grids, command: "partition", parameters: parameters)
            let mapping = try GridGeneration.fields()
            try insert(grids, into: .grids, generation: generation, fields: mapping, source: path)
            try database.prepare(
                "UPDATE grids SET area_m2 = json_extract(properties, '$.area_m2'), start_date = date('now') WHERE generation_id = ?"
            ).run([.integer(generation)])
            if let previous, replacing.carriesAny {
                try carry(.grids, from: previous, to: generation, replacing: replacing)
            }
            let history = try database.prepare(
                "INSERT INTO code_history (code, predecessor_code, generation_id, start_date) VALUES (?, ?, ?, date('now'))"
            )
            for g in grids {
                let predecessor = GridGeneration.predecessor(of: g)
                try history.run([
                    .text(g.properties["code"]!.text), predecessor.map { .text($0) } ?? .null, .integer(generation),
                ])
            }
            // Retired codes end today.
            if let previous {
                try database.prepare(
                    """
                    UPDATE code_history SET end_date = date('now') WHERE end_date IS NULL AND generation_id <= ?
                      AND code NOT IN (SELECT code FROM grids WHERE generation_id = ?)
                    """
                ).run([.integer(previous), .integer(generation)])
            }
            try package.updateExtent(of: "grids")
            try reassignPoints(replacing: replacing, locate: locate)
        }
    }

    /// Copies the features of generation `from` that `replacing` does not replace into generation
    /// `to`, unchanged (a regeneration of one unit, or of a few communities, keeps the rest of the
    /// layer). The prefixes and kept codes go through temporary tables, however many they are.
    private func carry(_ layer: StoreLayer, from: Int64, to: Int64, replacing: ReplacedCodes) throws {
        let t = GeoPackage.quote(layer.rawValue)
        let cols = layer.columns.map(\.name)
        let list = cols.map(GeoPackage.quote).joined(separator: ", ")
        let values = cols.map { $0 == "generation_id" ? "?" : GeoPackage.quote($0) }.joined(separator: ", ")
        try database.execute(
            """
            CREATE TEMP TABLE gridplan_replaced_prefix (prefix TEXT NOT NULL);
            CREATE TEMP TABLE gridplan_kept_code (code TEXT PRIMARY KEY);
            """)
        defer {
            try? database.execute("DROP TABLE temp.gridplan_replaced_prefix; DROP TABLE temp.gridplan_kept_code")
        }
        let prefix = try database.prepare("INSERT INTO temp.gridplan_replaced_prefix VALUES (?)")
        for p in replacing.prefixes ?? [] { try prefix.run([.text(p)]) }
        let kept = try database.prepare("INSERT OR IGNORE INTO temp.gridplan_kept_code VALUES (?)")
        for c in replacing.keeping.sorted() { try kept.run([.text(c)]) }
        try package.withDeferredSpatialIndex(table: layer.rawValue) {
            try database.prepare(
                """
                INSERT INTO \(t) (geom, \(list)) SELECT geom, \(values) FROM \(t) AS old WHERE old.generation_id = ?
                  AND (old.code IS NULL OR old.code IN (SELECT k.code FROM temp.gridplan_kept_code k)
                    OR NOT EXISTS (SELECT 1 FROM temp.gridplan_replaced_prefix r WHERE substr(old.code, 1, length(r.prefix)) = r.prefix))
                  ORDER BY old.fid
                """
            ).run([.integer(to), .integer(from)])
        }
    }

    /// Sets each component's and event's parent_code to the grid code `locate` gives its point
    /// (see ``Relocation`` for the grids a regeneration carries).
    func reassignPoints(
        replacing: ReplacedCodes = .all, batchSize: Int = PointParents.batchSize,
        locate: ([Coordinate]) throws -> [String?]
    ) throws {
        for layer in [StoreLayer.components, .events] {
            let update = try database.prepare(
                "UPDATE \(GeoPackage.quote(layer.rawValue)) SET parent_code = ? WHERE fid = ?")
            try PointParents.batches(of: batchSize, read: { try pointParents(of: layer, after: $0, limit: $1) }) {
                rows in
                try rows.forEachChange(located: locate(rows.points), replacing: replacing) { fid, code in
                    try update.run([code.map { .text($0) } ?? .null, .integer(fid)])
                }
            }
        }
    }

    /// The fid, point and parent code of at most `limit` point rows of `layer` with a fid above
    /// `after`, in fid order.
    func pointParents(of layer: StoreLayer, after: Int64, limit: Int) throws -> PointParents {
        let info = try package.layer(named: layer.rawValue)
        let select = try database.prepare(
            "SELECT fid, \(GeoPackage.quote(info.geometryColumn)), parent_code FROM \(GeoPackage.quote(layer.rawValue)) WHERE fid > ? ORDER BY fid LIMIT ?"
        )
        try select.bind([.integer(after), .integer(Int64(limit))])
        var rows = PointParents()
        while try select.step() {
            let fid = select.value(at: 0).integer
            rows.passed(fid: fid)
            guard case .blob(let b) = select.value(at: 1) else { continue }
            let geometry: Geometry?
            do {
                geometry = try GeoPackageBinary.decode(b).geometry
            } catch {
                throw StoreError(path: path, reason: "layer \(layer.rawValue), feature \(fid): \(error)")
            }
            guard case .point(let c)? = geometry else { continue }
            let parent = select.value(at: 2)
            rows.append(fid: fid, point: c, parent: parent == .null ? nil : parent.text)
        }
        return rows
    }

    /// Writes a whole layer back in one transaction: a new generation for layers that keep them,
    /// a replacement otherwise. Standard fields are read from the features' own columns.
    public func replaceLayer(
        _ layer: StoreLayer, with features: [Feature], command: String, parameters: JSONObject, within: String?
    ) throws {
        try database.transaction {
            _ = try writeBack(layer, with: features, command: command, parameters: parameters, within: within)
        }
    }

    public func writeRepair(
        _ layer: StoreLayer, with units: [Feature], changes: [Feature], parameters: JSONObject, within: String?
    ) throws -> (repaired: Int64, changes: Int64) {
        try database.transaction {
            let repaired = try writeBack(layer, with: units, command: "repair", parameters: parameters, within: within)
            let generation = try addGeneration(
                layer: .boundaryChanges, command: "repair",
                parameters: BoundaryChangeRows.parameters(parameters, layer: layer, generation: repaired))
            try insert(
                changes, into: .boundaryChanges, generation: generation, fields: try BoundaryChangeRows.fields(),
                source: path)
            try fillChangeColumns(generation: generation)
            try package.updateExtent(of: StoreLayer.boundaryChanges.rawValue)
            return (repaired, generation)
        }
    }

    /// Sets boundary_changes' own columns (reason, from_unit, to_unit, area_m2) of `generation`
    /// from the rows' properties.
    func fillChangeColumns(generation: Int64) throws {
        let sets = StoreLayer.changeColumns.map {
            "\(GeoPackage.quote($0.name)) = json_extract(properties, '$.\($0.name)')"
        }
        try database.prepare(
            "UPDATE boundary_changes SET \(sets.joined(separator: ", ")) WHERE generation_id = ?"
        ).run([.integer(generation)])
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
            }, propertyNames: names,
            cases: layer.hasCaseFields)
        let cleaned = features.map { f -> Feature in
            var f = f
            f.properties["generation_id"] = nil
            return f
        }
        let previous = try generations(of: layer).last?.id
        if !layer.keepsGenerations {
            if let within {
                try database.prepare(
                    "DELETE FROM \(GeoPackage.quote(layer.rawValue)) WHERE substr(code, 1, ?) = ?"
                ).run([.integer(Int64(within.count)), .text(within)])
            } else {
                try clear(layer)
            }
        }
        let generation = try addGeneration(layer: layer, command: command, parameters: parameters)
        try insert(cleaned, into: layer, generation: generation, fields: mapping, source: path)
        if layer.keepsGenerations, let within, let previous {
            try carry(layer, from: previous, to: generation, replacing: .under([within]))
        }
        try package.updateExtent(of: layer.rawValue)
        return generation
    }

    public func writeLayerStyles(_ styles: [QGISStyle], replacing: Bool) throws {
        try database.transaction {
            let owner = SQLValue.text(SchemaHistory.styleOwner)
            if replacing { try database.prepare("DELETE FROM layer_styles WHERE owner = ?").run([owner]) }
            let styled = Set(
                try database.rows("SELECT f_table_name FROM layer_styles WHERE owner = ?", [owner]).map { $0[0].text })
            let tables = Set(try database.rows("SELECT table_name FROM gpkg_contents").map { $0[0].text })
            let insert = try database.prepare(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, ui) VALUES ('', '', ?, 'geom', ?, ?, '', 1, ?, ?, '')"
            )
            for style in styles where tables.contains(style.table) && !styled.contains(style.table) {
                try insert.run([
                    .text(style.table), .text(style.name), .text(style.qml), .text(style.description), owner,
                ])
            }
        }
    }

    public func layerStyles() throws -> [QGISStyle] {
        guard !(try database.rows("SELECT 1 FROM sqlite_master WHERE name = 'layer_styles'").isEmpty) else { return [] }
        return try database.rows(
            "SELECT f_table_name, styleName, styleQML, description FROM layer_styles ORDER BY f_table_name, id"
        ).map { r in
            QGISStyle(table: r[0].text, name: r[1].text, qml: r[2].text, description: r[3].text)
        }
    }
}
