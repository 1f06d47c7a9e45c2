import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanPostgres
import GridplanSQLite

/// What both engines do for an import before they write: map the fields, and on the producer's
/// thread read, check, transform into the store's CRS and encode the rows, batch by batch.
enum ImportPreparation {
    /// Features per batch: a few hundred KB of rows, enough that the hand-off costs nothing.
    static let batchSize = 2000
    /// Batches waiting between the producer and the writer.
    static let depth = 4

    /// The field mapping for `names` (every property name of the layer), explicit flags first.
    static func mapping(names: [String], path: String, fields explicit: [String: String], layer: StoreLayer) throws
        -> FieldMapping
    {
        // A change list (repair --changes) names each change by its stable id.
        var explicit = explicit
        if layer == .boundaryChanges, explicit["code"] == nil, names.contains("stable_id") {
            explicit["code"] = "stable_id"
        }
        do {
            return try FieldMapping(explicit: explicit, propertyNames: names, cases: layer.hasCaseFields)
        } catch let e as MappingError {
            throw StoreError(path: path, reason: e.description)
        }
    }

    /// Runs an import's producer with `write` on the calling thread: `source` read batch by batch,
    /// transformed into `crs` and made into rows by `encode` on a thread of their own.
    /// - Parameters:
    ///   - encode: rows for the features of a batch (in the store's CRS) and its first index.
    ///   - write: writes one batch of rows and says how many features they hold.
    ///   - progress: features written so far, and the total when the source knows it.
    static func run<Rows: Sendable>(
        _ source: SourceReader, into crs: CRS,
        encode: @escaping @Sendable (_ first: Int, _ features: [Feature]) throws -> Rows,
        write: (Rows) throws -> Int, progress: (Int, Int?) -> Void
    ) throws -> SourceReader.Summary {
        var written = 0
        return try ImportPipeline.run(
            depth: depth,
            produce: { emit in
                let transformer = try Transformer(from: source.crs, to: crs)
                return try source.forEachBatch(of: batchSize) { first, features in
                    let moved = try transformed(features, first: first, by: transformer, path: source.path)
                    try emit(try encode(first, moved))
                }
            },
            consume: { rows in
                written += try write(rows)
                progress(written, source.featureCount)
            })
    }

    /// The features with their geometries in the transformer's target CRS: one PROJ call for the
    /// whole batch, and on a failure one per feature to name the feature that failed.
    static func transformed(_ features: [Feature], first: Int, by transformer: Transformer, path: String) throws
        -> [Feature]
    {
        guard !transformer.isIdentity else { return features }
        do {
            let moved = try transformer.transform(batch: features.map(\.geometry))
            var out = features
            for i in out.indices { out[i].geometry = moved[i] }
            return out
        } catch let e as Transformer.BatchError {
            throw StoreError(
                path: path,
                reason: e.index.map { "feature \(first + $0): \(e)" }
                    ?? "features \(first)–\(first + features.count - 1): \(e)")
        }
    }

    /// The geometry of feature `index` as the layer stores it (see ``StoreGeometry/coerce(_:to:)``).
    static func coerced(_ geometry: Geometry?, to layer: StoreLayer, index: Int, source: String) throws -> Geometry? {
        do {
            return try geometry.map { try StoreGeometry.coerce($0, to: layer) }
        } catch let reason as CoercionError {
            throw StoreError(
                path: source,
                reason:
                    "feature \(index): \(reason.message) cannot go into the \(layer.shape.rawValue) layer '\(layer.rawValue)'"
            )
        }
    }
}

/// A layer's rows for PostGIS's binary COPY: the geometry as EWKB with the store's SRID, the
/// mapped standard fields, the generation, and every source property as JSON text.
struct PostGISLayerRows: Sendable {
    let layer: StoreLayer
    let srid: Int32
    let generation: Int64
    let fields: FieldMapping
    /// The columns filled, `geom` first, with the types the store's migrations gave them.
    let columns: [(name: String, type: PostgresCopyType)]

    init(layer: StoreLayer, srid: Int32, generation: Int64, fields: FieldMapping) {
        self.layer = layer
        self.srid = srid
        self.generation = generation
        self.fields = fields
        columns =
            [("geom", .named("geometry"))]
            + layer.columns.map { c in
                switch c.type {
                case "INTEGER": return (c.name, .int8)
                case "REAL": return (c.name, .float8)
                default: return (c.name, .text)
                }
            }
    }

    /// The rows of `features` (in the store's CRS), the first being feature `first` of `source`.
    /// - Throws: ``StoreError`` naming the feature whose geometry the layer cannot hold, or whose
    ///   value does not fit its column.
    func rows(_ features: [Feature], first: Int, source: String) throws -> PostgresBinaryRows {
        var rows = PostgresBinaryRows(columnCount: columns.count, reservingBytes: features.count * 160)
        for (k, f) in features.enumerated() {
            let index = first + k
            rows.startRow()
            if let g = try ImportPreparation.coerced(f.geometry, to: layer, index: index, source: source) {
                rows.appendField { Self.appendEWKB(g, srid: srid, to: &$0) }
            } else {
                rows.appendNull()
            }
            for (name, type) in columns.dropFirst() {
                switch name {
                case "generation_id": rows.append(generation)
                case "properties": rows.append(trustedText: JSONText.encode(.object(f.properties)))
                default:
                    let value = fields.value(for: name, in: f.properties, layer: layer)
                    try Self.append(value, as: type, to: &rows, column: name, index: index, source: source)
                }
            }
        }
        return rows
    }

    /// EWKB: WKB with the SRID flag set in the outer type and the SRID after it, which PostGIS's
    /// binary input (and its text input, in hex) reads.
    static func appendEWKB(_ g: Geometry, srid: Int32, to out: inout [UInt8]) {
        let start = out.count
        WKB.append(g, to: &out)
        // WKB.append writes little-endian: byte order 1, then the uint32 type.
        out[start + 4] |= 0x20
        withUnsafeBytes(of: UInt32(bitPattern: srid).littleEndian) { out.insert(contentsOf: $0, at: start + 5) }
    }

    private static func append(
        _ value: SQLValue, as type: PostgresCopyType, to rows: inout PostgresBinaryRows, column: String, index: Int,
        source: String
    ) throws {
        switch (value, type) {
        case (.null, _): rows.appendNull()
        case (.integer(let n), .int8): rows.append(n)
        case (.integer(let n), .float8): rows.append(Double(n))
        case (.integer(let n), .text): try rows.append(String(n))
        case (.real(let d), .float8): rows.append(d)
        case (.text(let s), .text):
            do {
                try rows.append(s)
            } catch let e as PostgresError {
                throw StoreError(path: source, reason: "feature \(index): \(column): \(e.message)")
            }
        default:
            throw StoreError(
                path: source, reason: "feature \(index): the value for \(column) does not fit its column (\(value))")
        }
    }
}

/// A layer's rows for the GeoPackage engine's insert statement: the geometry as a GeoPackage
/// blob, then every column of the layer.
struct GeoPackageLayerRows: Sendable {
    let layer: StoreLayer
    let srsID: Int32
    let generation: Int64
    let fields: FieldMapping

    /// The statement's values for each of `features` (in the store's CRS).
    /// - Throws: ``StoreError`` naming the feature whose geometry the layer cannot hold.
    func rows(_ features: [Feature], first: Int, source: String) throws -> [[SQLValue]] {
        let columns = layer.columns.map(\.name)
        return try features.enumerated().map { k, f in
            let geometry = try ImportPreparation.coerced(f.geometry, to: layer, index: first + k, source: source)
            var values: [SQLValue] = [geometry.map { .blob(GeoPackageBinary.encode($0, srsID: srsID)) } ?? .null]
            values.reserveCapacity(columns.count + 1)
            for c in columns {
                switch c {
                case "generation_id": values.append(.integer(generation))
                case "properties": values.append(.text(JSONText.encode(.object(f.properties))))
                default: values.append(fields.value(for: c, in: f.properties, layer: layer))
                }
            }
            return values
        }
    }
}
