import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanStore

/// Where the land a boundary adjustment moved is read from, for an incremental partition.
public enum AdjustmentSource: Sendable, Equatable {
    /// A repair the store recorded: a generation of boundary_changes (or the generation the
    /// repair wrote into communities); nil for the latest.
    case storedRepair(generation: Int64?)
    /// A change list: the GeoJSON `repair --changes` writes (polygons with `from_unit` and
    /// `to_unit`), any file of such polygons, or a store layer.
    case changes(String)
    /// The communities before the adjustment (a file or a store layer): the land whose community
    /// changed between them and the communities read now moved.
    case outlinesBefore(String)
}

/// The adjustment an incremental partition follows, and where it came from.
public struct AdjustmentReading: Sendable {
    public var adjustment: BoundaryAdjustment
    /// Where the moves were read, as the user should see it (`city.gpkg: boundary_changes generation 12`).
    public var source: String
    /// The repair generation followed, when the moves came from the store's record.
    public var repair: RecordedRepair?
}

extension InputSet {
    /// The land a boundary adjustment moved, in `metric`.
    /// - Parameters:
    ///   - after: the communities as they are now (for ``AdjustmentSource/outlinesBefore(_:)``).
    ///   - codeField: the communities' code property (for the outlines before).
    /// - Throws: ``StoreError`` naming the store for a generation that is not a repair of
    ///   communities, or one that moved no land; ``InputError`` for a change list that names no
    ///   moves or a feature without land.
    public func adjustment(
        _ source: AdjustmentSource, after: [UnitInput], in metric: CRS, codeField: String?
    ) throws -> AdjustmentReading {
        switch source {
        case .storedRepair(let generation):
            guard let store else {
                throw InputError("the moves of a recorded repair are read from a store: give --store", kind: .usage)
            }
            return try storedRepair(generation, of: store, in: metric)
        case .changes(let text):
            let layer = try loadChecked(text, role: "changes", in: metric)
            let moves = try Self.moves(layer, in: metric)
            guard !moves.isEmpty else {
                throw InputError("\(layer.name): no changes in it: no land moved, there is nothing to re-partition")
            }
            return AdjustmentReading(adjustment: BoundaryAdjustment(moves: moves), source: layer.name, repair: nil)
        case .outlinesBefore(let text):
            let layer = try loadChecked(text, role: "communities before", in: metric, territory: true)
            var warnings: [String] = []
            let before = try layer.units(in: metric, codeField: codeField, parentField: nil, warnings: &warnings)
            let adjustment = try BoundaryAdjustment.between(before: before, after: after)
            guard !adjustment.moves.isEmpty else {
                throw InputError(
                    "\(layer.name): the communities before and now have the same outlines: no land moved, there is nothing to re-partition"
                )
            }
            return AdjustmentReading(adjustment: adjustment, source: layer.name, repair: nil)
        }
    }

    private func storedRepair(_ generation: Int64?, of store: Store, in metric: CRS) throws -> AdjustmentReading {
        let repair = try store.recordedRepair(generation)
        let name = "boundary_changes generation \(repair.generation.id)"
        if let layer = repair.repairedLayer, layer != StoreLayer.communities.rawValue {
            throw StoreError(
                path: store.location,
                reason:
                    "\(name) is a repair of \(layer), not of communities: partition follows the land that moved between communities"
            )
        }
        guard !repair.changes.isEmpty else {
            throw StoreError(
                path: store.location,
                reason: "\(name) (\(repair.generation.command)) moved no land: there is nothing to re-partition")
        }
        var layer = LayerInput(
            name: "\(store.location):boundary_changes", features: repair.changes, crs: store.crs,
            crsSource: "the store", propertyNames: [])
        layer.isStoreLayer = true
        record(layer, role: "changes")
        let moves = try Self.moves(layer, in: metric)
        return AdjustmentReading(
            adjustment: BoundaryAdjustment(moves: moves, units: repair.units), source: "\(store.location): \(name)",
            repair: repair)
    }

    /// The moves of a change list: each polygon with its `from_unit` and `to_unit`.
    static func moves(_ layer: LayerInput, in metric: CRS) throws -> [BoundaryMove] {
        let geometries = try layer.geometries(in: metric)
        return try layer.features.indices.map { i in
            let p = layer.features[i].properties
            guard let g = geometries[i], Self.isPolygonal(g) else {
                throw InputError(
                    "\(layer.name): feature \(i) is \(geometries[i].map { "a \($0.typeName)" } ?? "without geometry"), not the land of a change"
                )
            }
            func unit(_ key: String) -> String? {
                guard let v = p[key], v != .null else { return nil }
                let text = v.text
                return text.isEmpty ? nil : text
            }
            guard unit("from_unit") != nil || unit("to_unit") != nil else {
                throw InputError(
                    "\(layer.name): feature \(i) names neither from_unit nor to_unit: a change list says which units the land moves between"
                )
            }
            return BoundaryMove(geometry: g, fromUnit: unit("from_unit"), toUnit: unit("to_unit"))
        }
    }

    static func isPolygonal(_ g: Geometry) -> Bool {
        switch g {
        case .polygon, .multiPolygon: return true
        default: return false
        }
    }
}
