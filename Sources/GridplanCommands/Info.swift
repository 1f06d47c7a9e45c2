import ArgumentParser
import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanStore

/// `gridplan info FILE`: what a layer holds, before anything is done with it.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Describe a layer (GeoJSON, GeoPackage): features, geometry types, CRS, extent, invalid geometries, properties.",
        discussion: "Example: gridplan info data/communities.geojson --json"
    )

    @Argument(help: "The file to describe (.geojson, .gpkg).")
    var file: String

    @Option(
        name: .long,
        help:
            "Declare the file's CRS (EPSG:4490, gcj02, bd09, a PROJ string). Default: the file's crs member, else WGS84 (RFC 7946)."
    )
    var crs: String?

    @Option(
        name: .customLong("metric-crs"),
        help:
            "The projected CRS to report areas in. Default: the CGCS2000 Gauss-Krüger zone (China) or UTM zone of the data."
    )
    var metricCRS: String?

    @Option(name: .long, help: "The layer to read from a GeoPackage with several.")
    var layer: String?

    @Option(name: .long, help: "How many invalid geometries to describe in detail.")
    var maxReasons = 5

    @OptionGroup var global: GlobalOptions

    func run() throws {
        global.apply()
        let layer = try SourceLayer.read(path: file, declaredCRS: crs, layerName: layer)
        let report = try LayerReport(
            layer: layer, metricCRS: try layer.metricCRS(override: metricCRS), maxReasons: maxReasons)
        Console.current.out(global.json ? report.json() + "\n" : report.text())
    }
}

/// The facts `gridplan info` reports.
struct LayerReport {
    struct InvalidFeature {
        var index: Int
        var issue: ValidityIssue
    }

    var layer: SourceLayer
    var metricCRS: CRS?
    var geometryTypes: [(String, Int)] = []
    var invalidCount = 0
    var invalid: [InvalidFeature] = []
    var properties: [(name: String, types: [String])] = []
    var totalAreaSquareMetres: Double?

    init(layer: SourceLayer, metricCRS: CRS?, maxReasons: Int) throws {
        self.layer = layer
        self.metricCRS = metricCRS
        var typeCounts: [String: Int] = [:]
        var typeOrder: [String] = []
        var propertyTypes: [String: [String]] = [:]
        var propertyOrder: [String] = []
        let ctx = GEOSContext()
        let toMetric = try metricCRS.map { try Transformer(from: layer.crs, to: $0) }
        var area = 0.0
        var hasArea = false
        for (i, f) in layer.collection.features.enumerated() {
            if i % 1000 == 0 { Console.current.progress("info: feature \(i) of \(layer.collection.features.count)") }
            for (key, value) in f.properties {
                if propertyTypes[key] == nil {
                    propertyTypes[key] = []
                    propertyOrder.append(key)
                }
                if !propertyTypes[key]!.contains(value.typeName) { propertyTypes[key]!.append(value.typeName) }
            }
            guard let g = f.geometry else { continue }
            if typeCounts[g.typeName] == nil { typeOrder.append(g.typeName) }
            typeCounts[g.typeName, default: 0] += 1
            switch g {
            case .point, .multiPoint: continue
            default: break
            }
            let native = try ctx.geometry(g)
            if let issue = try native.validityIssues().first {
                invalidCount += 1
                if invalid.count < maxReasons { invalid.append(InvalidFeature(index: i, issue: issue)) }
            }
            if let toMetric, case .polygon = g {
                area += try ctx.geometry(toMetric.transform(g)).area
                hasArea = true
            }
            if let toMetric, case .multiPolygon = g {
                area += try ctx.geometry(toMetric.transform(g)).area
                hasArea = true
            }
        }
        Console.current.clearProgress()
        geometryTypes = typeOrder.map { ($0, typeCounts[$0]!) }
        properties = propertyOrder.map { ($0, propertyTypes[$0]!) }
        totalAreaSquareMetres = hasArea ? area : nil
    }

    var envelope: Envelope { layer.collection.envelope }

    func text() -> String {
        let c = layer.collection
        var lines: [String] = []
        lines.append("file: \(layer.path)")
        lines.append(
            "features: \(c.features.count)"
                + (c.nullGeometryCount > 0 ? " (\(c.nullGeometryCount) with null geometry)" : ""))
        lines.append(
            "geometry types: "
                + (geometryTypes.isEmpty ? "none" : geometryTypes.map { "\($0.0) \($0.1)" }.joined(separator: ", ")))
        lines.append("crs: \(layer.crs.identifier) (\(layer.crsDescription.name)), from \(layer.crsSource)")
        if let metricCRS { lines.append("metric crs: \(metricCRS.identifier)") }
        let e = envelope
        lines.append("bbox: " + (e.isEmpty ? "empty" : "\(e.minX), \(e.minY), \(e.maxX), \(e.maxY)"))
        if let totalAreaSquareMetres {
            lines.append(
                String(format: "polygon area: %.1f m² (%.4f km²)", totalAreaSquareMetres, totalAreaSquareMetres / 1e6))
        }
        if c.droppedZCount > 0 { lines.append("z/m values dropped: \(c.droppedZCount) positions") }
        lines.append("invalid geometries: \(invalidCount)")
        for f in invalid { lines.append("  feature \(f.index): \(f.issue)") }
        lines.append("properties:")
        for p in properties { lines.append("  \(p.name): \(p.types.joined(separator: "|"))") }
        return lines.joined(separator: "\n") + "\n"
    }

    func json() -> String {
        let c = layer.collection
        let e = envelope
        var o = JSONObject()
        o["file"] = .string(layer.path)
        o["features"] = .integer(Int64(c.features.count))
        o["null_geometries"] = .integer(Int64(c.nullGeometryCount))
        o["geometry_types"] = .object(
            JSONObject(geometryTypes.map { (key: $0.0, value: JSONValue.integer(Int64($0.1))) }))
        o["crs"] = .object([
            "identifier": .string(layer.crs.identifier), "name": .string(layer.crsDescription.name),
            "geographic": .bool(layer.crsDescription.isGeographic), "declared_by": .string(layer.crsSource),
        ])
        o["metric_crs"] = metricCRS.map { .string($0.identifier) } ?? .null
        o["bbox"] = e.isEmpty ? .null : .array([.number(e.minX), .number(e.minY), .number(e.maxX), .number(e.maxY)])
        o["area_m2"] = totalAreaSquareMetres.map { .number($0) } ?? .null
        o["dropped_z"] = .integer(Int64(c.droppedZCount))
        o["invalid"] = .object([
            "count": .integer(Int64(invalidCount)),
            "first": .array(
                invalid.map { f in
                    .object([
                        "feature": .integer(Int64(f.index)), "reason": .string(f.issue.reason),
                        "location": f.issue.location.map { .array([.number($0.x), .number($0.y)]) } ?? .null,
                    ])
                }),
        ])
        o["properties"] = .array(
            properties.map { p in .object(["name": .string(p.name), "types": .array(p.types.map { .string($0) })]) })
        return JSONText.encode(.object(o))
    }
}
