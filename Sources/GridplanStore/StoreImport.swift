import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanSQLite

/// What an import did, for the user.
public struct ImportReport: Sendable {
    public var layer: StoreLayer
    public var features: Int
    public var nullGeometries: Int
    public var generation: Int64
    public var replaced: Int
    public var fromCRS: String
    public var crsSource: String
    public var storeCRS: String
    public var fields: [String]
    public var notes: [String]
}

extension GeoPackageStore {
    /// Imports a source layer into `layer`, in one transaction: the features are read batch by
    /// batch, transformed into the store's CRS, standard fields mapped (explicit flags, else
    /// detection), and written as a new generation while the next batches are read. Layers that
    /// keep generations (grids, findings) gain one; others refuse to mix imports unless
    /// `replace` clears them first. A feature that fails its checks rolls everything back.
    /// - Parameter effectiveFrom: the day (`YYYY-MM-DD`) from which the new generation is in
    ///   force, for grids drawn before they are imported; default the day of the import.
    /// - Parameter progress: features written so far, and the total when the source knows it.
    public func importLayer(
        _ source: SourceReader, into layer: StoreLayer, fields explicit: [String: String], replace: Bool,
        parameters: JSONObject, effectiveFrom: String?, progress: (Int, Int?) -> Void
    ) throws -> ImportReport {
        let mapping = try ImportPreparation.mapping(
            names: source.propertyNames, path: source.path, fields: explicit, layer: layer)
        return try database.transaction {
            var replaced = 0
            if !layer.keepsGenerations {
                let existing = try package.count(layer.rawValue)
                if existing > 0 {
                    guard replace else {
                        throw StoreError(
                            path: path,
                            reason:
                                "layer \(layer.rawValue) already has \(existing) features; use --replace to replace them"
                        )
                    }
                    try clear(layer)
                    replaced = existing
                }
            }
            let generation = try addGeneration(layer: layer, command: "import", parameters: parameters)
            if let effectiveFrom { try setEffectiveFrom(effectiveFrom, generation: generation) }
            let summary = try insert(
                source, into: layer, generation: generation, fields: mapping, progress: progress)
            if layer == .boundaryChanges { try fillChangeColumns(generation: generation) }
            try package.updateExtent(of: layer.rawValue)
            return ImportReport(
                layer: layer, features: summary.features, nullGeometries: summary.nullGeometries,
                generation: generation,
                replaced: replaced, fromCRS: source.crs.identifier, crsSource: source.crsSource,
                storeCRS: crs.identifier,
                fields: mapping.report, notes: summary.notes)
        }
    }

    /// Inserts a source's features as `generation`, read and encoded on a thread of their own
    /// while this one runs the statements, with the spatial index built after.
    func insert(
        _ source: SourceReader, into layer: StoreLayer, generation: Int64, fields: FieldMapping,
        progress: (Int, Int?) -> Void
    ) throws -> SourceReader.Summary {
        let statement = try insertStatement(layer)
        let encoder = GeoPackageLayerRows(layer: layer, srsID: srsID, generation: generation, fields: fields)
        let path = source.path
        return try package.withDeferredSpatialIndex(table: layer.rawValue) {
            try ImportPreparation.run(
                source, into: crs,
                encode: { first, features in try encoder.rows(features, first: first, source: path) },
                write: { rows in
                    for values in rows { try statement.run(values) }
                    return rows.count
                }, progress: progress)
        }
    }
}
