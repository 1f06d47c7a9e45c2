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
        _ grids: [Feature], parameters: JSONObject, locate: ([Coordinate]) throws -> [String?]
    ) throws {
        try database.transaction {
            let generation = try addGeneration(layer: .grids, command: "partition", parameters: parameters)
            let mapping = try FieldMapping(
                explicit: ["code": "code", "parent_code": "community", "households": "households"],
                propertyNames: ["code", "community", "households"])
            try insert(grids, into: .grids, generation: generation, fields: mapping, source: path)
            try database.prepare(
                "UPDATE grids SET area_m2 = json_extract(properties, '$.area_m2'), start_date = date('now') WHERE generation_id = ?"
            ).run([.integer(generation)])
            let history = try database.prepare(
                "INSERT INTO code_history (code, predecessor_code, generation_id, start_date) VALUES (?, ?, ?, date('now'))"
            )
            for g in grids {
                let predecessor = g.properties["lastcode"].flatMap { $0 == .null ? nil : $0.text }
                try history.run([
                    .text(g.properties["code"]!.text), predecessor.map { .text($0) } ?? .null, .integer(generation),
                ])
            }
            // Retired codes end today.
            if let parent = try generations(of: .grids).dropLast().last?.id {
                try database.prepare(
                    """
                    UPDATE code_history SET end_date = date('now') WHERE end_date IS NULL AND generation_id <= ?
                      AND code NOT IN (SELECT code FROM grids WHERE generation_id = ?)
                    """
                ).run([.integer(parent), .integer(generation)])
            }
            try package.updateExtent(of: "grids")
            try reassignPoints(locate: locate)
        }
    }

    /// Sets each component's and event's parent_code to the grid code `locate` gives its point.
    func reassignPoints(locate: ([Coordinate]) throws -> [String?]) throws {
        for layer in [StoreLayer.components, .events] {
            var fids: [Int64] = []
            var points: [Coordinate] = []
            for f in try features(of: layer) {
                guard case .point(let c)? = f.geometry, let fid = f.id?.intValue else { continue }
                fids.append(fid)
                points.append(c)
            }
            let codes = try locate(points)
            let update = try database.prepare(
                "UPDATE \(GeoPackage.quote(layer.rawValue)) SET parent_code = ? WHERE fid = ?")
            for (fid, code) in zip(fids, codes) { try update.run([code.map { .text($0) } ?? .null, .integer(fid)]) }
        }
    }

    /// Writes a whole layer back in one transaction: a new generation for layers that keep them,
    /// a replacement otherwise. Standard fields are read from the features' own columns.
    public func replaceLayer(_ layer: StoreLayer, with features: [Feature], command: String, parameters: JSONObject)
        throws
    {
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
            if !layer.keepsGenerations { try clear(layer) }
            let generation = try addGeneration(layer: layer, command: command, parameters: parameters)
            try insert(cleaned, into: layer, generation: generation, fields: mapping, source: path)
            try package.updateExtent(of: layer.rawValue)
        }
    }
}
