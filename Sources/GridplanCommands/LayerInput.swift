import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanStore

/// A layer for analysis: from a file (any format gridplan reads) or, with `--store`, a store layer
/// named by its layer name. Geometries are transformed into one metric CRS.
struct LayerInput {
    var name: String
    var features: [Feature]
    /// The CRS the features were in.
    var crs: CRS
    var crsSource: String
    var propertyNames: [String]

    /// Loads `name`: a store layer when `store` is given and `name` is one of its layers, else a file.
    static func load(_ name: String, store: Store?, declaredCRS: String?) throws -> LayerInput {
        if let store, let layer = StoreLayer(rawValue: name) {
            let features = try store.features(of: layer)
            var seen = Set<String>()
            var names: [String] = []
            for f in features { for k in f.properties.keys where seen.insert(k).inserted { names.append(k) } }
            return LayerInput(name: "\(store.path):\(name)", features: features, crs: store.crs, crsSource: "the store", propertyNames: names)
        }
        let source = try SourceLayer.read(path: name, declaredCRS: declaredCRS)
        for note in source.notes { Console.current.err("note: \(name): \(note)\n") }
        return LayerInput(name: name, features: source.collection.features, crs: source.crs, crsSource: source.crsSource, propertyNames: source.propertyNames)
    }

    var envelope: Envelope {
        var e = Envelope.empty
        for f in features { if let g = f.geometry { e.expand(toInclude: g.envelope) } }
        return e
    }

    /// The metric CRS for the analysis: `override`, or the zone of this layer's centre.
    func metricCRS(override: String?) throws -> CRS {
        if let override { return try CRS(parsing: override) }
        if try crs.describe().isProjected { return crs }
        let e = envelope
        guard !e.isEmpty else { throw CommandFailure("\(name): the layer has no geometries", exitCode: .badInput) }
        return CRS.metricCRS(around: try Transformer(from: crs, to: .wgs84).transform(e.center))
    }

    /// The features' geometries in `target`, nil where a feature has none.
    func geometries(in target: CRS) throws -> [Geometry?] {
        let t = try Transformer(from: crs, to: target)
        return try features.enumerated().map { i, f in
            do {
                return try f.geometry.map { try t.transform($0) }
            } catch {
                throw CommandFailure("\(name): feature \(i): \(error)", exitCode: .badInput)
            }
        }
    }

    /// Units for analysis: code from `--code-field` or detected (else the feature id or index),
    /// parent from `--parent-field` when given.
    func units(in metric: CRS, codeField: String?, parentField: String?, warnings: inout [String]) throws -> [UnitInput] {
        var explicit: [String: String] = [:]
        explicit["code"] = codeField
        explicit["parent_code"] = parentField
        let mapping: FieldMapping
        do {
            mapping = try FieldMapping(explicit: explicit, propertyNames: propertyNames)
        } catch {
            throw CommandFailure("\(name): \(error)", exitCode: .badInput)
        }
        let codeSource = mapping.sources["code"]
        if codeSource == nil { warnings.append("\(name): no code field found (use --code-field); units are named by feature id or index") }
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
            let parent = parentField != nil ? mapping.sources["parent_code"].flatMap { f.properties[$0] }.map(\.text) : nil
            units.append(UnitInput(code: code, name: mapping.sources["name"].flatMap { f.properties[$0]?.stringValue }, parentCode: parent, geometry: g, sourceIndex: i))
        }
        if noCode > 0 { warnings.append("\(name): \(noCode) features have no code; named by feature id or index") }
        return units
    }

    /// A territory (district outline, street offices) as one valid polygonal geometry in `metric`:
    /// `name` is a file or a store layer; its features are repaired and dissolved.
    static func boundary(_ name: String, store: Store?, in metric: CRS) throws -> Geometry {
        let layer = try load(name, store: store, declaredCRS: nil)
        let ctx = GEOSContext()
        let parts = try layer.geometries(in: metric).compactMap { $0 }.map { try ctx.geometry($0).madeValid().geometry }
        guard !parts.isEmpty else { throw CommandFailure("\(name): the boundary layer has no geometries", exitCode: .badInput) }
        return try ctx.union(of: parts).value()
    }

    /// Weighted points (households): the weight from `weightField`, else a detected households
    /// field, else 1 per point.
    func weightedPoints(in metric: CRS, weightField: String?) throws -> [(Coordinate, Double)] {
        let field: String?
        if let weightField {
            guard propertyNames.contains(weightField) else {
                throw CommandFailure("\(name): no property '\(weightField)' (has: \(propertyNames.joined(separator: ", ")))", exitCode: .badInput)
            }
            field = weightField
        } else {
            field = (try? FieldMapping(explicit: [:], propertyNames: propertyNames))?.sources["households"]
        }
        var points: [(Coordinate, Double)] = []
        for (i, g) in try geometries(in: metric).enumerated() {
            guard let g else { continue }
            let w = field.flatMap { features[i].properties[$0]?.doubleValue } ?? (field == nil ? 1 : 0)
            switch g {
            case .point(let c): points.append((c, w))
            case .multiPoint(let cs): for c in cs { points.append((c, w / Double(max(cs.count, 1)))) }
            default: continue
            }
        }
        return points
    }
}
