import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO

/// A GeoJSON layer read from a file, with its CRS resolved and said out loud.
struct InputLayer {
    var path: String
    var collection: FeatureCollection
    var crs: CRS
    var crsDescription: CRSDescription
    /// How the CRS was decided: `--crs`, the file's `crs` member, or the RFC 7946 default.
    var crsSource: String

    /// Reads `path`, resolves its CRS (`--crs` wins over the file's `crs` member, which wins over
    /// RFC 7946's WGS84) and checks that the coordinates can be in that CRS, naming the first
    /// feature that cannot.
    static func load(path: String, declaredCRS: String?) throws -> InputLayer {
        let collection = try GeoJSONReader.read(path: path)
        let crs: CRS
        let source: String
        if let declaredCRS {
            crs = try CRS(parsing: declaredCRS)
            source = "--crs"
        } else if let fileCRS = collection.declaredCRS {
            do {
                crs = try CRS(parsing: fileCRS)
            } catch {
                throw CommandFailure("\(path): the file's crs member names \(error); declare the CRS with --crs", exitCode: .badInput)
            }
            source = "the file's crs member"
        } else {
            crs = .wgs84
            source = "RFC 7946 default (the file declares none; use --crs to declare another)"
        }
        let description = try crs.describe()
        for (i, f) in collection.features.enumerated() {
            guard let g = f.geometry else { continue }
            if let problem = crs.implausibility(of: g.envelope, isGeographic: description.isGeographic) {
                throw CommandFailure("\(path): feature \(i): \(problem)", exitCode: .badInput)
            }
        }
        return InputLayer(path: path, collection: collection, crs: crs, crsDescription: description, crsSource: source)
    }

    /// The metric CRS gridplan uses for this layer's measurements, unless `--metric-crs` overrides it.
    /// Nil when the layer has no coordinates to place it.
    func metricCRS(override: String?) throws -> CRS? {
        if let override { return try CRS(parsing: override) }
        if crsDescription.isProjected { return crs }
        let env = collection.envelope
        guard !env.isEmpty else { return nil }
        let lonLat = try Transformer(from: crs, to: .wgs84).transform(env.center)
        return CRS.metricCRS(around: lonLat)
    }
}
