import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO

/// A source file opened in one of the formats gridplan reads (headers read, nothing decoded
/// yet), from which features are read in order. Both ``SourceLayer`` (everything in memory) and
/// ``SourceReader`` (batch by batch) read through it, so they see the same features.
enum SourceFeed {
    case geoJSON(path: String)
    case geoPackage(GeoPackage, GeoPackageLayer)
    case shapefile(ShapefileSet)
    case csv(CSVTable)
    case memory(FeatureCollection)

    /// What opening a file learned: its format, the CRS it declares when that is known without
    /// reading it (GeoJSON's comes with its features), and notes for the user.
    struct Opened {
        var format: String
        var feed: SourceFeed
        var fileCRS: String?
        var notes: [String]
    }

    /// What reading the features learned: GeoJSON's declared CRS, the Z/M values dropped, and
    /// notes known only at the end (records skipped, rings reclassified...).
    struct Ending {
        var declaredCRS: String?
        var droppedZCount = 0
        var notes: [String] = []
        /// A GeoJSON read that kept some properties only: every name met (see
        /// ``GeoJSONReader/Header/propertyNames``).
        var propertyNames: [String]? = nil
    }

    /// What is known before any feature is read: the property names (the union over the features,
    /// in first-seen order), the CRS a GeoJSON file declares, and the feature count.
    struct Survey {
        var propertyNames: [String]
        var declaredCRS: String?
        var featureCount: Int?
        /// A GeoJSON file read without its survey: the first feature's names.
        var firstFeatureNames: [String]? = nil
        /// Whether ``propertyNames`` are every feature's (false for a GeoJSON file not surveyed).
        var isComplete = true
    }

    /// Opens `path` by its extension: `.gpkg`, `.shp`/`.dbf`/`.shx`, `.csv`/`.txt`, an Open311
    /// request list (`.json` holding an array), else GeoJSON.
    static func open(path: String, layerName: String?, encoding: String?) throws -> Opened {
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        switch ext {
        case "gpkg":
            return try openGeoPackage(path: path, layerName: layerName)
        case "shp", "dbf", "shx":
            let set = try ShapefileReader.open(path: path, encoding: encoding.map { TextEncoding(label: $0) })
            return Opened(
                format: "Shapefile", feed: .shapefile(set), fileCRS: set.prjWKT,
                notes: ["text encoding: \(set.encoding)"])
        case "csv", "txt":
            let csv = try CSVReader.open(path: path, encoding: encoding.map { TextEncoding(label: $0) })
            var notes = ["text encoding: \(csv.encoding)"]
            switch csv.geometrySource {
            case .wkt(let column): notes.append("geometry from WKT column '\(column)'")
            case .lonLat(let lon, let lat): notes.append("geometry from columns '\(lon)', '\(lat)'")
            case .none: notes.append("no geometry column found (wkt, geometry, lon/lat, 经度/纬度 ...)")
            }
            if csv.replacementCount > 0 {
                notes.append("\(csv.replacementCount) characters could not be decoded and were replaced by U+FFFD")
            }
            return Opened(format: "CSV", feed: .csv(csv), fileCRS: nil, notes: notes)
        case "json" where Open311.isRequestList(try head(of: path)):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw StoreError(path: path, reason: "cannot be read")
            }
            let collection = try Open311.read(bytes: Array(data), name: path)
            return Opened(
                format: "Open311", feed: .memory(collection), fileCRS: nil,
                notes: ["read as Open311 GeoReport v2 service requests"])
        default:
            return Opened(format: "GeoJSON", feed: .geoJSON(path: path), fileCRS: nil, notes: [])
        }
    }

    private static func openGeoPackage(path: String, layerName: String?) throws -> Opened {
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
        let fileCRS = try? gpkg.crs(forSRS: layer.srsID).identifier
        let notes = fileCRS == nil ? ["layer \(layer.name) has an undefined CRS (srs_id \(layer.srsID))"] : []
        return Opened(format: "GeoPackage", feed: .geoPackage(gpkg, layer), fileCRS: fileCRS, notes: notes)
    }

    /// The first bytes of a file (to tell an Open311 request list from GeoJSON); empty when it
    /// cannot be opened, so the GeoJSON reader gives its own error.
    static func head(of path: String) throws -> [UInt8] {
        guard let h = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? h.close() }
        return Array((try? h.read(upToCount: 512)) ?? Data())
    }

    /// The property names and count without reading the features: a key survey of a GeoJSON
    /// file, the columns of the other formats (every feature they give has every column, so the
    /// union is the columns, once there is a feature at all).
    func survey() throws -> Survey {
        switch self {
        case .geoJSON(let path):
            let s = try GeoJSONReader.survey(path: path)
            return Survey(propertyNames: s.propertyNames, declaredCRS: s.declaredCRS, featureCount: s.featureCount)
        case .geoPackage(let gpkg, let layer):
            let count = try gpkg.count(layer.name)
            return Survey(
                propertyNames: count > 0 ? try gpkg.propertyNames(of: layer) : [], declaredCRS: nil,
                featureCount: count)
        case .shapefile(let set):
            let count = set.liveRecordCount
            return Survey(
                propertyNames: count > 0 ? set.fields.map(\.name) : [], declaredCRS: nil, featureCount: count)
        case .csv(let csv):
            return Survey(
                propertyNames: try csv.hasRows() ? csv.propertyNames : [], declaredCRS: nil, featureCount: nil)
        case .memory(let collection):
            return Survey(
                propertyNames: collection.propertyNames, declaredCRS: collection.declaredCRS,
                featureCount: collection.features.count)
        }
    }

    /// What a read that needs no property names must know first: the CRS a GeoJSON file
    /// declares before its features (the other formats' survey is their header, read anyway).
    func leadingSurvey() throws -> Survey {
        guard case .geoJSON(let path) = self else { return try survey() }
        let leading = try GeoJSONReader.leading(path: path)
        return Survey(
            propertyNames: [], declaredCRS: leading.declaredCRS, featureCount: nil,
            firstFeatureNames: leading.firstFeatureNames, isComplete: false)
    }

    /// Reads the features in order, each handed to `body` with its 0-based index.
    /// `keeping` (nil: all) names the properties a feature needs to carry; a GeoJSON file builds
    /// no others, the other formats may give them all.
    func forEachFeature(keeping: [String]? = nil, _ body: (Int, Feature) throws -> Void) throws -> Ending {
        switch self {
        case .geoJSON(let path):
            let header = try GeoJSONReader.forEachFeature(path: path, keeping: keeping, body)
            return Ending(
                declaredCRS: header.declaredCRS, droppedZCount: header.droppedZCount,
                propertyNames: header.propertyNames)
        case .geoPackage(let gpkg, let layer):
            var index = 0
            try gpkg.forEachFeature(in: layer) { f in
                try body(index, f)
                index += 1
            }
            return Ending()
        case .shapefile(let set):
            let summary = try set.forEachFeature(body)
            var notes: [String] = []
            if summary.replacementCount > 0 {
                notes.append("\(summary.replacementCount) characters could not be decoded and were replaced by U+FFFD")
            }
            if summary.deletedRecordCount > 0 {
                notes.append("skipped \(summary.deletedRecordCount) records marked deleted")
            }
            if summary.reclassifiedRingCount > 0 {
                notes.append(
                    "\(summary.reclassifiedRingCount) rings had the wrong winding; shells and holes were taken from nesting"
                )
            }
            return Ending(droppedZCount: summary.droppedZCount, notes: notes)
        case .csv(let csv):
            let dropped = try csv.forEachFeature { i, _, f in try body(i, f) }
            return Ending(droppedZCount: dropped)
        case .memory(let collection):
            for (i, f) in collection.features.enumerated() { try body(i, f) }
            return Ending(declaredCRS: collection.declaredCRS, droppedZCount: collection.droppedZCount)
        }
    }
}

extension FeatureCollection {
    /// Names of every property in the collection, in first-seen order.
    var propertyNames: [String] {
        var seen = Set<String>()
        var names: [String] = []
        // Features mostly share one schema: a feature with the previous one's names in the same
        // order adds nothing and is passed over without hashing.
        var previous: [(key: String, value: JSONValue)] = []
        for f in features {
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

/// A source's CRS as decided: `--crs` wins over what the file declares, which wins over WGS84
/// for GeoJSON (RFC 7946) and Open311; a CSV without one is taken as WGS84 only while its
/// coordinates are degrees; other formats without a CRS are refused rather than guessed.
struct SourceCRS {
    var crs: CRS
    var description: CRSDescription
    /// How it was decided, for the output and for errors.
    var source: String
    /// WGS84 assumed for a CSV that declares nothing: a feature outside lon/lat ranges refutes it.
    var assumesDegrees = false

    static func resolve(
        declaredCRS: String?, declaredBy: String, fileCRS: String?, format: String, path: String
    ) throws -> SourceCRS {
        let crs: CRS
        let source: String
        var assumesDegrees = false
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
        } else if format == "CSV" {
            // Lon/lat columns are degrees by their very names; WGS84 is said, not hidden.
            crs = .wgs84
            source = "assumed WGS84 for a CSV of degrees (use --crs for CGCS2000, gcj02 ...)"
            assumesDegrees = true
        } else {
            throw noCRS(path)
        }
        return SourceCRS(crs: crs, description: try crs.describe(), source: source, assumesDegrees: assumesDegrees)
    }

    static func noCRS(_ path: String) -> StoreError {
        StoreError(path: path, reason: "the file declares no CRS; declare it with --crs (e.g. EPSG:4490, gcj02)")
    }
}

/// Checks features as they pass that their coordinates can be in the source's CRS, naming the
/// first that cannot, and (at the end) that a projected CRS's data lies where that CRS is used.
struct SourceCheck {
    let resolved: SourceCRS
    let path: String
    private(set) var envelope = Envelope.empty
    private(set) var count = 0
    private(set) var nullGeometries = 0

    init(_ resolved: SourceCRS, path: String) {
        self.resolved = resolved
        self.path = path
    }

    /// Checks feature `index` and adds it to the envelope and counts.
    mutating func check(_ feature: Feature, index: Int) throws {
        count += 1
        guard let g = feature.geometry else {
            nullGeometries += 1
            return
        }
        let e = g.envelope
        if resolved.assumesDegrees && !Self.isLonLat(e) { throw SourceCRS.noCRS(path) }
        if let problem = resolved.crs.implausibility(of: e, isGeographic: resolved.description.isGeographic) {
            throw StoreError(
                path: path,
                reason: "feature \(index): \(problem) (CRS \(resolved.crs.identifier) from \(resolved.source))")
        }
        envelope.expand(toInclude: e)
    }

    /// The check of the whole: a projected CRS only makes sense where it is defined; Gauss-Krüger
    /// zone 39 data that lands in another zone, or another country, was declared with the wrong CRS.
    func finish() throws {
        let description = resolved.description
        let crs = resolved.crs
        guard description.isProjected, let area = description.areaOfUse, !envelope.isEmpty,
            let centre = try? Transformer(from: crs, to: .wgs84).transform(envelope.center)
        else { return }
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

    static func isLonLat(_ e: Envelope) -> Bool {
        e.isEmpty || (e.minX >= -180 && e.maxX <= 180 && e.minY >= -90 && e.maxY <= 90)
    }
}
