import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanSample
import Testing

/// A fresh, not yet existing path in the temporary directory.
func temporaryPath(_ label: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("gridplan-sample-\(label)-\(UUID().uuidString)").path
}

/// Writes the city for `configuration` into a new temporary directory and returns its path.
func writeCity(_ configuration: SampleConfiguration, label: String) throws -> String {
    let path = temporaryPath(label)
    try SampleWriter.write(configuration, to: path, overwrite: false)
    return path
}

/// The default city (seed 1, 60 communities, EPSG:4326), written once for all tests.
enum Fixtures {
    static let defaultCityPath = temporaryPath("default")
    static let defaultCity = Result {
        try SampleWriter.write(SampleConfiguration(), to: defaultCityPath, overwrite: false)
        atexit { try? FileManager.default.removeItem(atPath: Fixtures.defaultCityPath) }
        return defaultCityPath
    }
}

/// Whether `a` is within `relative` of `b` (or `absolute`, for values near zero).
func isClose(_ a: Double, _ b: Double, relative: Double = 0.001, absolute: Double = 0.01) -> Bool {
    abs(a - b) <= max(absolute, relative * abs(b))
}

/// One entry of truth.json's defect list, with its geometry in the metric CRS.
struct TruthDefect {
    var id: Int
    /// The finding kind check reports it as.
    var kind: String
    /// How the sample made it (gap, jagged_border, digitising_noise ...).
    var cause: String
    var units: [String]
    var area: Double
    var fields: [String: Any]
    var geometry: Geometry

    func number(_ key: String) -> Double? { (fields[key] as? NSNumber)?.doubleValue }
    func string(_ key: String) -> String? { fields[key] as? String }
}

/// A written city read back from its files, with every geometry transformed to the metric CRS
/// named in truth.json, and GEOS geometries for the polygon layers.
final class LoadedCity {
    let ctx = GEOSContext()
    let directory: String
    let truthHeader: [String: Any]
    let defects: [TruthDefect]
    let outputCRS: CRS
    let metricCRS: CRS
    private let toMetric: Transformer

    init(_ directory: String) throws {
        self.directory = directory
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/truth.json"))
        let truth = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        truthHeader = truth
        outputCRS = try CRS(parsing: try #require(truth["crs"] as? String))
        metricCRS = try CRS(parsing: try #require(truth["metric_crs"] as? String))
        toMetric = try Transformer(from: outputCRS, to: metricCRS)
        var list: [TruthDefect] = []
        for entry in try #require(truth["defects"] as? [[String: Any]]) {
            let geometryJSON = try JSONSerialization.data(withJSONObject: try #require(entry["geometry"]))
            let parsed = try GeoJSONReader.read(bytes: Array(geometryJSON), name: "truth.json geometry")
            let g = try #require(parsed.features.first?.geometry)
            list.append(
                TruthDefect(
                    id: try #require(entry["id"] as? Int), kind: try #require(entry["kind"] as? String),
                    cause: try #require(entry["cause"] as? String),
                    units: try #require(entry["units"] as? [String]),
                    area: try #require((entry["area_m2"] as? NSNumber)?.doubleValue),
                    fields: entry, geometry: try toMetric.transform(g)))
        }
        defects = list
    }

    /// A layer's features with geometries in the metric CRS.
    func layer(_ name: String) throws -> [Feature] {
        try GeoJSONReader.read(path: directory + "/" + name).features.map { f in
            var f = f
            f.geometry = try f.geometry.map { try toMetric.transform($0) }
            return f
        }
    }

    func metric(_ c: Coordinate) throws -> Coordinate { try toMetric.transform(c) }

    /// A GEOS geometry, made valid (GEOS's structure method) when it is not.
    func native(_ g: Geometry) throws -> NativeGeometry {
        let n = try ctx.geometry(g)
        return try n.isValid ? n : n.madeValid().geometry
    }

    /// The defects made one way (a ``SampleDefect/Kind`` raw value: gap, digitising_noise ...).
    func defects(_ cause: String) -> [TruthDefect] { defects.filter { $0.cause == cause } }

    lazy var communities: [Feature] = (try? layer("communities.geojson")) ?? []
    lazy var communityGeometry: [String: NativeGeometry] = {
        var out: [String: NativeGeometry] = [:]
        for f in communities { out[f.properties["code"]!.stringValue!] = try! native(f.geometry!) }
        return out
    }()
    lazy var district: NativeGeometry = try! native(layer("district.geojson")[0].geometry!)
    lazy var unionOfCommunities: NativeGeometry = try! ctx.union(
        of: communities.map { communityGeometry[$0.properties["code"]!.stringValue!]! })
    /// Land of the district that no community claims.
    lazy var unclaimed: NativeGeometry = try! district.difference(with: unionOfCommunities)
    /// Every polygonal defect geometry, grown by 1 mm to absorb coordinate rounding.
    lazy var defectArea: NativeGeometry = {
        let parts = defects.compactMap { d -> NativeGeometry? in
            switch d.geometry {
            case .polygon, .multiPolygon: return try? native(d.geometry).buffer(by: 0.001)
            default: return nil
            }
        }
        return try! ctx.union(of: parts)
    }()

    func community(_ code: String) throws -> NativeGeometry {
        try #require(communityGeometry[code], "no community \(code)")
    }
}
