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
        _ grids: [Feature], parameters: JSONObject, within: String?, locate: ([Coordinate]) throws -> [String?]
    ) throws {
        try database.transaction {
            let previous = try generations(of: .grids).last?.id
            let generation = try addGeneration(layer: .grids, command: "partition", parameters: parameters)
            let mapping = try GridGeneration.fields()
            try insert(grids, into: .grids, generation: generation, fields: mapping, source: path)
            try database.prepare(
                "UPDATE grids SET area_m2 = json_extract(properties, '$.area_m2'), start_date = date('now') WHERE generation_id = ?"
            ).run([.integer(generation)])
            if let within, let previous { try carry(.grids, from: previous, to: generation, outside: within) }
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
            try reassignPoints(within: within, locate: locate)
        }
    }

    /// Copies the features of generation `from` whose code does not start with `prefix` into
    /// generation `to`, unchanged (a regeneration within one unit keeps the rest of the layer).
    private func carry(_ layer: StoreLayer, from: Int64, to: Int64, outside prefix: String) throws {
        let t = GeoPackage.quote(layer.rawValue)
        let cols = layer.columns.map(\.name)
        let list = cols.map(GeoPackage.quote).joined(separator: ", ")
        let values = cols.map { $0 == "generation_id" ? "?" : GeoPackage.quote($0) }.joined(separator: ", ")
        try package.withDeferredSpatialIndex(table: layer.rawValue) {
            try database.prepare(
                "INSERT INTO \(t) (geom, \(list)) SELECT geom, \(values) FROM \(t) WHERE generation_id = ? AND (code IS NULL OR substr(code, 1, ?) <> ?) ORDER BY fid"
            ).run([.integer(to), .integer(from), .integer(Int64(prefix.count)), .text(prefix)])
        }
    }

    /// Sets each component's and event's parent_code to the grid code `locate` gives its point
    /// (see ``Relocation`` for a regeneration `within` a prefix).
    func reassignPoints(within: String? = nil, locate: ([Coordinate]) throws -> [String?]) throws {
        for layer in [StoreLayer.components, .events] {
            var fids: [Int64] = []
            var points: [Coordinate] = []
            var old: [String?] = []
            for f in try features(of: layer) {
                guard case .point(let c)? = f.geometry, let fid = f.id?.intValue else { continue }
                fids.append(fid)
                points.append(c)
                old.append(f.properties["parent_code"]?.text)
            }
            let codes = try locate(points)
            let update = try database.prepare(
                "UPDATE \(GeoPackage.quote(layer.rawValue)) SET parent_code = ? WHERE fid = ?")
            for i in fids.indices {
                let code = Relocation.code(old: old[i], located: codes[i], within: within)
                if within != nil && code == old[i] { continue }
                try update.run([code.map { .text($0) } ?? .null, .integer(fids[i])])
            }
        }
    }

    /// Writes a whole layer back in one transaction: a new generation for layers that keep them,
    /// a replacement otherwise. Standard fields are read from the features' own columns.
    public func replaceLayer(
        _ layer: StoreLayer, with features: [Feature], command: String, parameters: JSONObject, within: String?
    ) throws {
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
        try database.transaction {
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
                try carry(layer, from: previous, to: generation, outside: within)
            }
            try package.updateExtent(of: layer.rawValue)
        }
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
