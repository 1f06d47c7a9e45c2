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
    /// Imports a source layer into `layer`, in one transaction: the features are transformed into
    /// the store's CRS, standard fields mapped (explicit flags, else detection), and written as a
    /// new generation. Layers that keep generations (grids, findings) gain one; others refuse to
    /// mix imports unless `replace` clears them first.
    /// - Parameter effectiveFrom: the day (`YYYY-MM-DD`) from which the new generation is in
    ///   force, for grids drawn before they are imported; default the day of the import.
    public func importLayer(
        _ source: SourceLayer, into layer: StoreLayer, fields explicit: [String: String], replace: Bool,
        parameters: JSONObject,
        effectiveFrom: String? = nil
    ) throws -> ImportReport {
        let (mapping, features) = try ImportPreparation.prepare(source, fields: explicit, layer: layer, into: crs)
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
            try insert(features, into: layer, generation: generation, fields: mapping, source: source.path)
            if layer == .boundaryChanges { try fillChangeColumns(generation: generation) }
            try package.updateExtent(of: layer.rawValue)
            return ImportReport(
                layer: layer, features: features.count, nullGeometries: source.collection.nullGeometryCount,
                generation: generation,
                replaced: replaced, fromCRS: source.crs.identifier, crsSource: source.crsSource,
                storeCRS: crs.identifier,
                fields: mapping.report, notes: source.notes)
        }
    }
}
