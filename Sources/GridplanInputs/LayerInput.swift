import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanStore

/// A layer for analysis: from a file (any format gridplan reads) or a store layer, with the CRS
/// its coordinates are in and why. Geometries are transformed into one metric CRS on request.
/// Commands get their layers through ``InputSet``, which resolves every declared CRS one way.
public struct LayerInput {
    /// The file, or `store:layer`.
    public var name: String
    public var features: [Feature]
    /// The CRS the features' coordinates are in.
    public var crs: CRS
    /// Why that CRS: `--crs`, `FILE@CRS`, the file's own declaration, the store, a default.
    public var crsSource: String
    public var propertyNames: [String]
    /// What the reader noticed (encodings, dropped Z values).
    public var notes: [String] = []
    /// Whether the layer is a store layer.
    public var isStoreLayer = false

    public init(name: String, features: [Feature], crs: CRS, crsSource: String, propertyNames: [String]) {
        self.name = name
        self.features = features
        self.crs = crs
        self.crsSource = crsSource
        self.propertyNames = propertyNames
    }

    /// Reads a store layer with the store's CRS.
    static func read(_ layer: StoreLayer, of store: Store, filter: FeatureFilter = FeatureFilter()) throws -> LayerInput
    {
        let features = try store.features(of: layer, filter)
        var seen = Set<String>()
        var names: [String] = []
        for f in features { for k in f.properties.keys where seen.insert(k).inserted { names.append(k) } }
        var input = LayerInput(
            name: "\(store.location):\(layer.rawValue)", features: features, crs: store.crs, crsSource: "the store",
            propertyNames: names)
        input.isStoreLayer = true
        return input
    }

    /// Reads a file: `declaredCRS` (the user's, named by `declaredBy`) wins over the file's own.
    public static func read(path: String, declaredCRS: String?, declaredBy: String = "--crs") throws -> LayerInput {
        let source = try SourceLayer.read(path: path, declaredCRS: declaredCRS, declaredBy: declaredBy)
        var input = LayerInput(
            name: path, features: source.collection.features, crs: source.crs, crsSource: source.crsSource,
            propertyNames: source.propertyNames)
        input.notes = source.notes
        return input
    }

    public var envelope: Envelope {
        var e = Envelope.empty
        for f in features { if let g = f.geometry { e.expand(toInclude: g.envelope) } }
        return e
    }

    /// The metric CRS for the analysis: `override`, or the zone of this layer's centre.
    public func metricCRS(override: String?) throws -> CRS {
        if let override {
            do {
                let crs = try CRS(parsing: override)
                guard try crs.describe().isProjected else {
                    throw InputError(
                        "--metric-crs \(override): not a projected CRS (areas and lengths need metres)", kind: .usage)
                }
                return crs
            } catch let e as CRSError {
                throw InputError("--metric-crs: \(e)", kind: .usage)
            }
        }
        if try crs.describe().isProjected { return crs }
        let e = envelope
        guard !e.isEmpty else { throw InputError("\(name): the layer has no geometries") }
        return CRS.metricCRS(around: try Transformer(from: crs, to: .wgs84).transform(e.center))
    }

    /// The features' geometries in `target`, nil where a feature has none.
    public func geometries(in target: CRS) throws -> [Geometry?] {
        let t = try Transformer(from: crs, to: target)
        return try features.enumerated().map { i, f in
            do {
                return try f.geometry.map { try t.transform($0) }
            } catch {
                throw InputError("\(name): feature \(i): \(error)")
            }
        }
    }

    /// Units for analysis: code from `--code-field` or detected (else the feature id or index),
    /// parent from `--parent-field` when given.
    public func units(in metric: CRS, codeField: String?, parentField: String?, warnings: inout [String]) throws
        -> [UnitInput]
    {
        var explicit: [String: String] = [:]
        explicit["code"] = codeField
        explicit["parent_code"] = parentField
        let mapping: FieldMapping
        do {
            mapping = try FieldMapping(explicit: explicit, propertyNames: propertyNames)
        } catch {
            throw InputError("\(name): \(error)")
        }
        let codeSource = mapping.sources["code"]
        if codeSource == nil {
            warnings.append("\(name): no code field found (use --code-field); units are named by feature id or index")
        }
        let geometries = try geometries(in: metric)
        var units: [UnitInput] = []
        var noCode = 0
        for (i, f) in features.enumerated() {
            guard let g = geometries[i] else { continue }
            var code = codeSource.flatMap { f.properties[$0] }.map(\.text) ?? ""
            if code.isEmpty {
                if codeSource != nil { noCode += 1 }
                code = f.id.map { "#\($0.text)" } ?? "#\(i)"
            }
            let parent =
                parentField != nil ? mapping.sources["parent_code"].flatMap { f.properties[$0] }.map(\.text) : nil
            units.append(
                UnitInput(
                    code: code, name: mapping.sources["name"].flatMap { f.properties[$0]?.stringValue },
                    parentCode: parent, geometry: g, sourceIndex: i))
        }
        if noCode > 0 { warnings.append("\(name): \(noCode) features have no code; named by feature id or index") }
        return units
    }
}
