import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO

/// A layer read from any file gridplan accepts, with its CRS resolved and said out loud:
/// GeoJSON, a GeoPackage layer (including GDAL's), and more as readers are added.
public struct SourceLayer {
    public var path: String
    /// "GeoJSON", "GeoPackage", ...
    public var format: String
    public var collection: FeatureCollection
    public var crs: CRS
    public var crsDescription: CRSDescription
    /// How the CRS was decided: `--crs`, the file's own declaration, or the RFC 7946 default.
    public var crsSource: String
    /// Things the reader noticed that the user should hear (encodings, dropped Z values).
    public var notes: [String] = []

    /// Reads `path` and resolves its CRS: `declaredCRS` (the user's `--crs`) wins over what the
    /// file declares, which wins over WGS84 for GeoJSON (RFC 7946); other formats without a CRS
    /// are refused rather than guessed. Checks that the coordinates can be in that CRS and names
    /// the first feature that cannot.
    /// - Parameter layerName: the layer to read from a multi-layer source (GeoPackage).
    /// - Parameter encoding: the text encoding of a Shapefile's DBF or a CSV (default: declared or detected).
    /// - Parameter declaredBy: how the user declared `declaredCRS` (`--crs`, `FILE@CRS`), for the
    ///   output and for errors.
    public static func read(
        path: String, declaredCRS: String? = nil, declaredBy: String = "--crs", layerName: String? = nil,
        encoding: String? = nil
    ) throws -> SourceLayer {
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        let format: String
        let collection: FeatureCollection
        var fileCRS: String?
        var notes: [String] = []
        switch ext {
        case "gpkg":
            format = "GeoPackage"
            let gpkg = try GeoPackage(path: path, readOnly: true)
            let layers = try gpkg.layers()
            let layer: GeoPackageLayer
            if let layerName {
                layer = try gpkg.layer(named: layerName)
            } else if layers.count == 1 {
                layer = layers[0]
            } else {
                throw StoreError(
                    path: path,
                    reason: layers.isEmpty
                        ? "the GeoPackage has no feature layers"
                        : "the GeoPackage has \(layers.count) layers (\(layers.map(\.name).joined(separator: ", "))); choose one with --layer"
                )
            }
            var features: [Feature] = []
            try gpkg.forEachFeature(in: layer) { features.append($0) }
            collection = FeatureCollection(features: features)
            fileCRS = try? gpkg.crs(forSRS: layer.srsID).identifier
            if fileCRS == nil { notes.append("layer \(layer.name) has an undefined CRS (srs_id \(layer.srsID))") }
        case "shp", "dbf", "shx":
            format = "Shapefile"
            let shp = try ShapefileReader.read(path: path, encoding: encoding.map { TextEncoding(label: $0) })
            collection = shp.collection
            fileCRS = shp.prjWKT
            notes.append("text encoding: \(shp.encoding)")
            if shp.replacementCount > 0 {
                notes.append("\(shp.replacementCount) characters could not be decoded and were replaced by U+FFFD")
            }
            if shp.deletedRecordCount > 0 { notes.append("skipped \(shp.deletedRecordCount) records marked deleted") }
            if shp.reclassifiedRingCount > 0 {
                notes.append(
                    "\(shp.reclassifiedRingCount) rings had the wrong winding; shells and holes were taken from nesting"
                )
            }
        case "csv", "txt":
            format = "CSV"
            let csv = try CSVReader.read(path: path, encoding: encoding.map { TextEncoding(label: $0) })
            collection = csv.collection
            notes.append("text encoding: \(csv.encoding)")
            switch csv.geometrySource {
            case .wkt(let column): notes.append("geometry from WKT column '\(column)'")
            case .lonLat(let lon, let lat): notes.append("geometry from columns '\(lon)', '\(lat)'")
            case .none: notes.append("no geometry column found (wkt, geometry, lon/lat, 经度/纬度 ...)")
            }
            if csv.replacementCount > 0 {
                notes.append("\(csv.replacementCount) characters could not be decoded and were replaced by U+FFFD")
            }
        case "json" where Open311.isRequestList(try Self.head(of: path)):
            format = "Open311"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw StoreError(path: path, reason: "cannot be read")
            }
            collection = try Open311.read(bytes: Array(data), name: path)
            notes.append("read as Open311 GeoReport v2 service requests")
        default:
            format = "GeoJSON"
            collection = try GeoJSONReader.read(path: path)
            fileCRS = collection.declaredCRS
        }
        if collection.droppedZCount > 0 {
            notes.append("dropped Z/M values from \(collection.droppedZCount) positions")
        }

        let crs: CRS
        let source: String
        if let declaredCRS {
            do {
                crs = try CRS(parsing: declaredCRS)
            } catch {
                throw StoreError(path: path, reason: "\(declaredBy): \(error)")
            }
            source = declaredBy
        } else if let fileCRS {
            do {
                let parsed = try CRS(parsing: fileCRS)
                // A .prj's WKT that PROJ recognises as an EPSG CRS is named by its code.
                crs = parsed.identifiedEPSGCode().map { CRS.epsg($0) } ?? parsed
            } catch {
                throw StoreError(
                    path: path, reason: "the file declares a CRS PROJ cannot read (\(error)); declare it with --crs")
            }
            source = "the file's own declaration"
        } else if format == "GeoJSON" {
            crs = .wgs84
            source = "RFC 7946 default (the file declares none; use --crs to declare another)"
        } else if format == "Open311" {
            crs = .wgs84
            source = "Open311 GeoReport v2 (lat/long are WGS84; use --crs to declare another)"
        } else if format == "CSV", isLonLat(collection.envelope) {
            // Lon/lat columns are degrees by their very names; WGS84 is said, not hidden.
            crs = .wgs84
            source = "assumed WGS84 for a CSV of degrees (use --crs for CGCS2000, gcj02 ...)"
        } else {
            throw StoreError(
                path: path, reason: "the file declares no CRS; declare it with --crs (e.g. EPSG:4490, gcj02)")
        }
        let description = try crs.describe()
        for (i, f) in collection.features.enumerated() {
            guard let g = f.geometry else { continue }
            if let problem = crs.implausibility(of: g.envelope, isGeographic: description.isGeographic) {
                throw StoreError(path: path, reason: "feature \(i): \(problem) (CRS \(crs.identifier) from \(source))")
            }
        }
        // A projected CRS only makes sense where it is defined: Gauss-Krüger zone 39 data that
        // lands in another zone, or another country, was declared with the wrong CRS.
        if description.isProjected, let area = description.areaOfUse, !collection.envelope.isEmpty,
            let centre = try? Transformer(from: crs, to: .wgs84).transform(collection.envelope.center)
        {
            let margin = 3.0
            if !(centre.x >= area.minX - margin && centre.x <= area.maxX + margin && centre.y >= area.minY - margin
                && centre.y <= area.maxY + margin)
            {
                throw StoreError(
                    path: path,
                    reason: String(
                        format:
                            "the data's centre falls at %.3f°E %.3f°N, outside the area where %@ is used (%.1f–%.1f°E, %.1f–%.1f°N): is it in another CRS? declare it with --crs",
                        centre.x, centre.y, crs.identifier, area.minX, area.maxX, area.minY, area.maxY))
            }
        }
        return SourceLayer(
            path: path, format: format, collection: collection, crs: crs, crsDescription: description,
            crsSource: source, notes: notes)
    }

    /// The first bytes of a file (to tell an Open311 request list from GeoJSON); empty when it
    /// cannot be opened, so the GeoJSON reader gives its own error.
    static func head(of path: String) throws -> [UInt8] {
        guard let h = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? h.close() }
        return Array((try? h.read(upToCount: 512)) ?? Data())
    }

    static func isLonLat(_ e: Envelope) -> Bool {
        e.isEmpty || (e.minX >= -180 && e.maxX <= 180 && e.minY >= -90 && e.maxY <= 90)
    }

    /// The metric CRS for this layer's measurements, unless `override` (`--metric-crs`) names one.
    /// Nil when the layer has no coordinates to place it.
    public func metricCRS(override: String?) throws -> CRS? {
        if let override { return try CRS(parsing: override) }
        if crsDescription.isProjected { return crs }
        let env = collection.envelope
        guard !env.isEmpty else { return nil }
        let lonLat = try Transformer(from: crs, to: .wgs84).transform(env.center)
        return CRS.metricCRS(around: lonLat)
    }

    /// Names of every property in the layer, in first-seen order.
    public var propertyNames: [String] {
        var seen = Set<String>()
        var names: [String] = []
        // Features mostly share one schema: a feature with the previous one's names in the same
        // order adds nothing and is passed over without hashing.
        var previous: [(key: String, value: JSONValue)] = []
        for f in collection.features {
            let entries = f.properties.entries
            if entries.count == previous.count && zip(entries, previous).allSatisfy({ $0.key == $1.key }) { continue }
            for (k, _) in entries where !seen.contains(k) {
                seen.insert(k)
                names.append(k)
            }
            previous = entries
        }
        return names
    }
}
