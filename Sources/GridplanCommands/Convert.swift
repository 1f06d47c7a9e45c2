import ArgumentParser
import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanStore

/// `gridplan convert IN OUT`: reproject a GeoJSON layer, e.g. an AMap (GCJ-02) export to WGS84.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Transform a GeoJSON layer between CRSs (EPSG codes, PROJ strings, gcj02, bd09).",
        discussion: """
            Examples:
              gridplan convert amap.geojson wgs84.geojson --from-crs gcj02 --to-crs EPSG:4326
              gridplan convert communities.geojson gk.geojson --to-crs EPSG:4548
            The output is written atomically: on any error nothing is written.
            """
    )

    @Argument(help: "The file to read (.geojson, .gpkg).")
    var input: String

    @Argument(help: "The GeoJSON file to write ('-' for stdout).")
    var output: String

    @Option(
        name: .customLong("from-crs"), help: "The input's CRS. Default: the file's crs member, else WGS84 (RFC 7946).")
    var fromCRS: String?

    @Option(
        name: .customLong("to-crs"), help: "The output's CRS. Default: EPSG:4326 (WGS84 lon/lat, as RFC 7946 requires)."
    )
    var toCRS: String = "EPSG:4326"

    @Option(name: .long, help: "The layer to read from a GeoPackage with several.")
    var layer: String?

    @Option(name: .long, help: "Decimals in output coordinates. Default: 7 for degrees, 3 for metres.")
    var precision: Int?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let precision, !(0...15).contains(precision) {
            throw ValidationError("--precision must be between 0 and 15")
        }
        if input != "-", output != "-",
            URL(fileURLWithPath: input).standardizedFileURL.resolvingSymlinksInPath()
                == URL(fileURLWithPath: output).standardizedFileURL.resolvingSymlinksInPath()
        {
            throw ValidationError("the output would overwrite the input \(input); inputs are never modified")
        }
    }

    func run() throws {
        global.apply()
        let target = try CRS(parsing: toCRS)
        let targetDescription = try target.describe()
        let layer = try SourceLayer.read(path: input, declaredCRS: fromCRS, layerName: layer)
        let transformer = try Transformer(from: layer.crs, to: target)
        let decimals = precision ?? (targetDescription.isGeographic ? 7 : 3)
        // RFC 7946 output carries no crs member; anything else declares itself for readers like QGIS.
        let crsName: String? =
            target == .wgs84
            ? nil
            : (target.identifier.hasPrefix("EPSG:")
                ? "urn:ogc:def:crs:EPSG::\(target.identifier.dropFirst(5))" : target.identifier)
        let writer = try GeoJSONWriter(path: output, precision: decimals, crsName: crsName)
        let total = layer.collection.features.count
        for (i, var f) in layer.collection.features.enumerated() {
            if i % 5000 == 0 { Console.current.progress("convert: \(i)/\(total) features") }
            if let g = f.geometry {
                do {
                    f.geometry = try transformer.transform(g)
                } catch {
                    throw CommandFailure("\(input): feature \(i): \(error)", exitCode: .badInput)
                }
            }
            try writer.write(f)
        }
        try writer.finish()
        Console.current.clearProgress()
        let summary =
            "converted \(total) features from \(layer.crs.identifier) (\(layer.crsSource)) to \(target.identifier)"
        if global.json {
            Console.current.out(
                JSONText.encode(
                    .object([
                        "input": .string(input), "output": .string(output), "features": .integer(Int64(total)),
                        "from_crs": .string(layer.crs.identifier), "from_crs_declared_by": .string(layer.crsSource),
                        "to_crs": .string(target.identifier), "precision": .integer(Int64(decimals)),
                    ])) + "\n")
        } else if !global.quiet {
            Console.current.err(summary + "\n")
        }
    }
}
