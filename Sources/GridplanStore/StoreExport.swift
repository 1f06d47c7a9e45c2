import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanSQLite

/// Output formats for `gridplan export`, chosen by the file extension.
public enum ExportFormat: String, Sendable {
    case geojson, geopackage, csv

    public init(path: String) throws {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "geojson", "json": self = .geojson
        case "gpkg": self = .geopackage
        case "csv": self = .csv
        default: throw StoreError(path: path, reason: "unknown output format; use .geojson, .gpkg or .csv")
        }
    }
}

/// Writing features out of gridplan, atomically, in the formats planners and viewers use.
public enum FeatureExport {
    /// Writes `features` (in `crs`) to `path` in the format its extension names. GeoJSON is
    /// transformed to WGS84 (RFC 7946) unless `targetCRS` says otherwise; GeoPackage and CSV keep
    /// `targetCRS` or the features' CRS. CSV carries the geometry as WKT in a `wkt` column.
    /// Nothing appears at `path` unless everything was written.
    public static func write(
        _ features: [Feature], crs: CRS, to path: String, layerName: String, targetCRS: CRS? = nil,
        precision: Int? = nil
    ) throws -> CRS {
        let format = try ExportFormat(path: path)
        let target = targetCRS ?? (format == .geojson ? .wgs84 : crs)
        let shaper = try ExportShaper(from: crs, to: target, precision: precision)
        let decimals = shaper.decimals
        func transformed(_ f: Feature) throws -> Feature { try shaper.shape(f) }
        switch format {
        case .geojson:
            return try writeGeoJSON(crs: crs, to: path, targetCRS: target, precision: precision) { emit in
                for f in features { try emit(f) }
            }
        case .csv:
            let names = propertyNames(features)
            let out = try OutputFile(path: path)
            try out.write((["fid", "wkt"] + names).map(CSVText.field).joined(separator: ",") + "\r\n")
            for (i, f) in features.enumerated() {
                let t = try transformed(f)
                var fields = [t.id?.text ?? String(i + 1), t.geometry?.wkt(precision: decimals) ?? ""]
                fields += names.map { t.properties[$0].map { $0 == .null ? "" : $0.text } ?? "" }
                try out.write(fields.map(CSVText.field).joined(separator: ",") + "\r\n")
            }
            try out.commit()
        case .geopackage:
            try writeGeoPackage(features.map(transformed), crs: target, to: path, layerName: layerName)
        }
        return target
    }

    /// Writes GeoJSON from features handed over one at a time by `source` (so a store layer of
    /// millions of rows is never held whole), shaped as ``write(_:crs:to:layerName:targetCRS:precision:)``
    /// shapes them. Nothing appears at `path` unless everything was written.
    public static func writeGeoJSON(
        crs: CRS, to path: String, targetCRS: CRS? = nil, precision: Int? = nil,
        _ source: (_ emit: (Feature) throws -> Void) throws -> Void
    ) throws -> CRS {
        let target = targetCRS ?? .wgs84
        let shaper = try ExportShaper(from: crs, to: target, precision: precision)
        let crsName: String? =
            target == .wgs84
            ? nil
            : (target.identifier.hasPrefix("EPSG:")
                ? "urn:ogc:def:crs:EPSG::\(target.identifier.dropFirst(5))" : target.identifier)
        let w = try GeoJSONWriter(path: path, precision: shaper.decimals, crsName: crsName)
        try source { try w.write(try shaper.shape($0)) }
        try w.finish()
        return target
    }

    static func propertyNames(_ features: [Feature]) -> [String] {
        var seen = Set<String>()
        var names: [String] = []
        for f in features { for k in f.properties.keys where seen.insert(k).inserted { names.append(k) } }
        return names
    }

    /// A one-layer GeoPackage built in a temporary file beside `path`, then renamed into place.
    static func writeGeoPackage(_ features: [Feature], crs: CRS, to path: String, layerName: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: dir) else {
            throw StoreError(path: path, reason: "the directory \(dir) does not exist")
        }
        let temp = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { for s in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: temp + s) } }
        try {
            let gpkg = try GeoPackage(path: temp, create: true)
            let names = propertyNames(features)
            // Column types from the values: integer if every value is, real if every value is numeric, else text.
            let columns = names.map { name -> GeoPackageColumn in
                let values = features.compactMap { $0.properties[name] }.filter { $0 != .null }
                if !values.isEmpty && values.allSatisfy({ if case .integer = $0 { return true } else { return false } })
                {
                    return GeoPackageColumn(name, "INTEGER")
                }
                if !values.isEmpty && values.allSatisfy({ $0.doubleValue != nil }) {
                    return GeoPackageColumn(name, "REAL")
                }
                if !values.isEmpty && values.allSatisfy({ if case .bool = $0 { return true } else { return false } }) {
                    return GeoPackageColumn(name, "BOOLEAN")
                }
                return GeoPackageColumn(name, "TEXT")
            }
            let types = Set(features.compactMap { $0.geometry.map { StoreGeometry.baseType($0) } })
            let geometryType = types.count == 1 ? types.first! : "GEOMETRY"
            try gpkg.database.transaction {
                let srs = try gpkg.srsID(for: crs)
                try gpkg.createLayer(layerName, geometryType: geometryType, srsID: srs, columns: columns)
                let cols = columns.map { GeoPackage.quote($0.name) }
                let s = try gpkg.database.prepare(
                    "INSERT INTO \(GeoPackage.quote(layerName)) (geom\(cols.isEmpty ? "" : ", " + cols.joined(separator: ", "))) VALUES (?\(String(repeating: ", ?", count: cols.count)))"
                )
                for f in features {
                    let g = f.geometry.map { StoreGeometry.promoted($0, to: geometryType) }
                    var values: [SQLValue] = [g.map { .blob(GeoPackageBinary.encode($0, srsID: srs)) } ?? .null]
                    for c in columns {
                        switch f.properties[c.name] {
                        case nil, .null?: values.append(.null)
                        case .integer(let n)?: values.append(.integer(n))
                        case .number(let d)?: values.append(c.type == "TEXT" ? .text(JSONText.number(d)) : .real(d))
                        case .bool(let b)?:
                            values.append(c.type == "TEXT" ? .text(b ? "true" : "false") : .integer(b ? 1 : 0))
                        case let v?: values.append(.text(v.text))
                        }
                    }
                    try s.run(values)
                }
                try gpkg.updateExtent(of: layerName)
            }
            try gpkg.database.execute("PRAGMA journal_mode = DELETE")
        }()
        guard rename(temp, path) == 0 else {
            throw StoreError(
                path: path, reason: "cannot move the finished file into place: \(String(cString: strerror(errno)))")
        }
    }
}

extension Geometry {
    /// The coordinates of a line value (empty for other types).
    var lineCoordinates: [Coordinate] {
        if case .lineString(let cs) = self { return cs }
        return []
    }
}

/// Geometry shapes as the store's layers keep them, the same in every engine.
public enum StoreGeometry {
    /// Single polygons and lines as one-part multis when the layer declares multis.
    public static func promoted(_ g: Geometry, to declared: String) -> Geometry {
        switch (declared, g) {
        case ("MULTIPOLYGON", .polygon(let p)): return .multiPolygon([p])
        case ("MULTILINESTRING", .lineString(let l)): return .multiLineString([l])
        default: return g
        }
    }

    /// The GeoPackage geometry type name for a value's type (multis promoted: a layer of polygons
    /// and multipolygons is MULTIPOLYGON).
    static func baseType(_ g: Geometry) -> String {
        switch g {
        case .point: return "POINT"
        case .multiPoint: return "MULTIPOINT"
        case .lineString, .multiLineString: return "MULTILINESTRING"
        case .polygon, .multiPolygon: return "MULTIPOLYGON"
        case .geometryCollection: return "GEOMETRYCOLLECTION"
        }
    }
}

/// Features as they are written: transformed into the output CRS and rounded to the written
/// precision, with polygons that rounding made invalid (a hair-thin spike crossing itself) repaired.
final class ExportShaper {
    let transformer: Transformer
    let decimals: Int
    private let ctx = GEOSContext()
    private let grid: Double

    init(from crs: CRS, to target: CRS, precision: Int?) throws {
        transformer = try Transformer(from: crs, to: target)
        let geographic = try target.describe().isGeographic
        decimals = precision ?? (geographic ? 7 : 3)
        grid = pow(10, -Double(decimals))
    }

    func round(_ g: Geometry) -> Geometry {
        g.mappingCoordinates { Coordinate(($0.x / grid).rounded() * grid, ($0.y / grid).rounded() * grid) }
    }

    /// Rounded polygons with rings that rounding collapsed (fewer than four points, no area) dropped.
    func cleaned(_ polygons: [Polygon]) -> Geometry? {
        let kept = polygons.compactMap { p -> Polygon? in
            let rings = p.rings.filter { Set($0).count >= 3 && abs(Ring.signedArea($0)) > 0 }
            guard let first = rings.first, first == p.rings.first else { return nil }
            return Polygon(rings: rings)
        }
        if kept.isEmpty { return nil }
        return kept.count == 1 ? .polygon(kept[0]) : .multiPolygon(kept)
    }

    func roundedValid(_ g: Geometry) -> Geometry {
        var current = round(g)
        for _ in 0..<3 {
            guard let n = try? ctx.geometry(current) else { break }
            if (try? n.isValid) == true { return current }
            guard let fixed = try? n.madeValid().geometry, let polygons = try? fixed.polygonValues(),
                let next = cleaned(
                    polygons.map { p in Polygon(rings: p.rings.map { round(.lineString($0)).lineCoordinates }) })
            else { break }
            current = next
        }
        return current
    }

    func shape(_ f: Feature) throws -> Feature {
        var f = f
        f.geometry = try f.geometry.map { g in
            let t = try transformer.transform(g)
            switch t {
            case .polygon, .multiPolygon: return roundedValid(t)
            default: return t
            }
        }
        return f
    }
}
