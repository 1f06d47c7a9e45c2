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
        let opened = try SourceFeed.open(path: path, layerName: layerName, encoding: encoding)
        var features: [Feature] = []
        let ending = try opened.feed.forEachFeature { _, f in features.append(f) }
        let collection = FeatureCollection(
            features: features, declaredCRS: ending.declaredCRS, droppedZCount: ending.droppedZCount)
        let resolved = try SourceCRS.resolve(
            declaredCRS: declaredCRS, declaredBy: declaredBy, fileCRS: opened.fileCRS ?? ending.declaredCRS,
            format: opened.format, path: path)
        var check = SourceCheck(resolved, path: path)
        for (i, f) in collection.features.enumerated() { try check.check(f, index: i) }
        try check.finish()
        return SourceLayer(
            path: path, format: opened.format, collection: collection, crs: resolved.crs,
            crsDescription: resolved.description, crsSource: resolved.source,
            notes: opened.notes + ending.notes + Self.droppedZNote(ending.droppedZCount))
    }

    /// The note on Z/M values dropped, if any were.
    static func droppedZNote(_ count: Int) -> [String] {
        count > 0 ? ["dropped Z/M values from \(count) positions"] : []
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
    public var propertyNames: [String] { collection.propertyNames }
}
