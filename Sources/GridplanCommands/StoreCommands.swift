import ArgumentParser
import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanInputs
import GridplanReport
import GridplanStore

/// `gridplan init STORE`: a new, empty store.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Create a gridplan store: a GeoPackage file, or a PostgreSQL/PostGIS database, with every layer of the management hierarchy.",
        discussion: """
            STORE is a file path (.gpkg) or a PostgreSQL connection URI (postgresql://user@host:port/db;
            libpq's PG* environment variables and ~/.pgpass apply). In PostgreSQL, init creates the
            postgis extension when the role may, and says who must when it may not.
            Examples: gridplan init city.gpkg --crs EPSG:4490
                      gridplan init postgresql://planner@db.example:5432/district --crs EPSG:4490
            """
    )

    @Argument(
        help: "The store to create: a .gpkg file (never overwritten) or a postgresql:// URI of an empty database.")
    var store: String

    @Option(name: .long, help: "The CRS every layer is kept in (EPSG:4326, EPSG:4490, or a projected CRS).")
    var crs: String = "EPSG:4326"

    @OptionGroup var global: GlobalOptions

    func run() throws {
        global.apply()
        let s = try Stores.create(store, crs: try CRS(parsing: crs))
        // QGIS opens every layer styled (the layer_styles table).
        try s.writeLayerStyles(QGISStyles.all(), replacing: true)
        if global.json {
            Console.current.out(
                JSONText.encode(
                    .object([
                        "store": .string(s.location), "crs": .string(s.crs.identifier),
                        "schema_version": .integer(Int64(Stores.schemaVersion)),
                    ])) + "\n")
        } else {
            Console.current.out(
                "created \(s.location) (CRS \(s.crs.identifier), layers: \(StoreLayer.allCases.map(\.rawValue).joined(separator: ", ")))\n"
            )
        }
    }
}

/// Names a store layer on the command line.
extension StoreLayer: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(rawValue: argument.replacingOccurrences(of: "-", with: "_"))
    }

    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// `gridplan import STORE FILE --as LAYER`.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a layer (GeoJSON, GeoPackage, Shapefile, CSV) into a store, in one transaction.",
        discussion: """
            Standard fields are detected from the usual names (code, adcode, 编码; name, 名称; 户数 ...) or
            given with the --*-field options; the mapping is reported. Features are transformed into
            the store's CRS. A failed import leaves the store exactly as it was.
            Example: gridplan import city.gpkg data/communities.geojson --as communities
            """
    )

    @Argument(help: "The store (.gpkg made by gridplan init).")
    var store: String

    @Argument(help: "The file to import (.geojson, .gpkg, .shp, .csv with a WKT or lon/lat columns).")
    var file: String

    @Option(name: .customLong("as"), help: "The store layer: \(StoreLayer.allValueStrings.joined(separator: ", ")).")
    var layer: StoreLayer

    @Option(name: .long, help: "Declare the file's CRS (EPSG:4490, gcj02, bd09, a PROJ string).")
    var crs: String?

    @Option(name: .customLong("layer"), help: "The layer to read from a GeoPackage with several.")
    var sourceLayer: String?

    @Option(
        name: .long,
        help: "Text encoding of a Shapefile's DBF or a CSV (UTF-8, GBK, GB18030). Default: the .cpg, else detected.")
    var encoding: String?

    @Option(name: .customLong("code-field"), help: "The property holding each feature's code.")
    var codeField: String?
    @Option(name: .customLong("name-field"), help: "The property holding each feature's name.")
    var nameField: String?
    @Option(name: .customLong("parent-field"), help: "The property holding the parent unit's code.")
    var parentField: String?
    @Option(name: .customLong("households-field"), help: "The property holding households (户数).")
    var householdsField: String?
    @Option(name: .customLong("population-field"), help: "The property holding population.")
    var populationField: String?
    @Option(
        name: .customLong("class-field"), help: "The property holding the class (road grade, component or event class)."
    )
    var classField: String?
    @Option(name: .customLong("date-field"), help: "The property holding the date.")
    var dateField: String?
    @OptionGroup var caseFields: CaseFieldOptions

    @Option(
        name: .customLong("effective-from"),
        help: "For grids: the day (YYYY-MM-DD) from which this generation is in force. Default: the day of the import.")
    var effectiveFrom: String?

    @Flag(name: .long, help: "Replace the layer's existing features (layers without generations only).")
    var replace = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        global.apply()
        let s = try Stores.open(store)
        let source = try SourceReader.open(path: file, declaredCRS: crs, layerName: sourceLayer, encoding: encoding)
        var explicit: [String: String] = [:]
        explicit["code"] = codeField
        explicit["name"] = nameField
        explicit["parent_code"] = parentField
        explicit["households"] = householdsField
        explicit["population"] = populationField
        explicit["class"] = classField
        explicit["date"] = dateField
        for (k, v) in caseFields.explicit { explicit[k] = v }
        if let effectiveFrom, !DateWindow.isDay(effectiveFrom) {
            throw CommandFailure("--effective-from: '\(effectiveFrom)' is not YYYY-MM-DD", exitCode: .usage)
        }
        var parameters = JSONObject()
        parameters["file"] = .string(file)
        parameters["as"] = .string(layer.rawValue)
        parameters["crs"] = .string(source.crs.identifier)
        for (k, v) in explicit.sorted(by: { $0.key < $1.key }) { parameters[k + "_field"] = .string(v) }
        if let effectiveFrom { parameters["effective_from"] = .string(effectiveFrom) }
        let console = Console.current
        let r = try s.importLayer(
            source, into: layer, fields: explicit, replace: replace, parameters: parameters,
            effectiveFrom: effectiveFrom
        ) { written, total in
            console.progress("import: \(written)" + (total.map { " of \($0)" } ?? "") + " features")
        }
        // A store made before layer styles existed gains them with its next import.
        try s.writeLayerStyles(QGISStyles.all(), replacing: false)
        if global.json {
            Console.current.out(
                JSONText.encode(
                    .object([
                        "store": .string(store), "layer": .string(r.layer.rawValue),
                        "features": .integer(Int64(r.features)),
                        "null_geometries": .integer(Int64(r.nullGeometries)), "generation": .integer(r.generation),
                        "replaced": .integer(Int64(r.replaced)),
                        "from_crs": .string(r.fromCRS), "crs_declared_by": .string(r.crsSource),
                        "store_crs": .string(r.storeCRS),
                        "fields": .array(r.fields.map { .string($0) }), "notes": .array(r.notes.map { .string($0) }),
                    ])) + "\n")
            return
        }
        var lines = [
            "imported \(r.features) features into \(r.layer.rawValue) (generation \(r.generation))"
                + (r.replaced > 0 ? ", replacing \(r.replaced)" : "")
        ]
        lines.append("crs: \(r.fromCRS) from \(r.crsSource) → \(r.storeCRS)")
        if r.nullGeometries > 0 { lines.append("features with null geometry: \(r.nullGeometries)") }
        lines.append(
            "fields: "
                + (r.fields.isEmpty ? "none recognised (use --code-field etc.)" : r.fields.joined(separator: "; ")))
        lines += r.notes.map { "note: \($0)" }
        Console.current.out(lines.joined(separator: "\n") + "\n")
    }
}

/// `gridplan layers STORE`.
struct Layers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List a store's layers: name, count, CRS, extent, generations.")

    @Argument(help: "The store.")
    var store: String

    @OptionGroup var global: GlobalOptions

    func run() throws {
        global.apply()
        let s = try Stores.open(store, readOnly: true)
        let summaries = try s.summaries()
        if global.json {
            Console.current.out(
                JSONText.encode(
                    .object([
                        "store": .string(s.location), "crs": .string(s.crs.identifier),
                        "layers": .array(
                            summaries.map { l in
                                .object([
                                    "name": .string(l.layer.rawValue), "count": .integer(Int64(l.count)),
                                    "extent": l.extent.map {
                                        .array([.number($0.minX), .number($0.minY), .number($0.maxX), .number($0.maxY)])
                                    } ?? .null,
                                    "generations": .integer(Int64(l.generations)),
                                    "latest_generation": l.latestGeneration.map { .integer($0) } ?? .null,
                                ])
                            }),
                    ])) + "\n")
            return
        }
        // The name column fits the longest layer name (boundary_changes).
        let width = max(15, summaries.map(\.layer.rawValue.count).max() ?? 0)
        var lines = [
            "store: \(s.location) (CRS \(s.crs.identifier))",
            "layer".padding(toLength: width, withPad: " ", startingAt: 0) + "    count  generations  extent",
        ]
        for l in summaries {
            let extent =
                l.extent.map { String(format: "%.6f, %.6f, %.6f, %.6f", $0.minX, $0.minY, $0.maxX, $0.maxY) } ?? "-"
            lines.append(
                l.layer.rawValue.padding(toLength: width, withPad: " ", startingAt: 0)
                    + String(format: "%7d  %11d  ", l.count, l.generations) + extent)
        }
        Console.current.out(lines.joined(separator: "\n") + "\n")
    }
}

/// `gridplan export [STORE] LAYER OUT`: a layer for viewers and other tools.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a layer to GeoJSON (RFC 7946, or GCJ-02/BD-09 for AMap and Baidu), GeoPackage or CSV.",
        discussion: """
            LAYER is a store layer (gridplan export STORE LAYER OUT, or --store) or any file gridplan reads.
            --simplify keeps neighbouring units sharing their borders exactly; --seq writes GeoJSON Text
            Sequences (RFC 8142) for very large layers.
            Examples: gridplan export city.gpkg grids grids.geojson --generation 2
                      gridplan export grids.geojson grids-amap.geojson --to gcj02 --simplify 2
            """
    )

    @Argument(help: "STORE LAYER OUT, or LAYER OUT.")
    var paths: [String]

    @Option(name: .long, help: "Read LAYER from this store.")
    var store: String?

    @Option(name: .long, help: "The generation to export (grids, findings). Default: the latest.")
    var generation: Int64?

    @Option(
        name: [.customLong("to"), .customLong("to-crs")],
        help:
            "Output CRS: wgs84 (default for GeoJSON), gcj02 (AMap, Tencent), bd09 (Baidu), or any EPSG code or PROJ string."
    )
    var toCRS: String?

    @Option(name: .long, help: "Simplify with this tolerance in metres, keeping shared borders identical.")
    var simplify: Double?

    @Option(name: .long, help: "Decimals in output coordinates. Default: 7 for degrees, 3 for metres.")
    var precision: Int?

    @Flag(name: .long, help: "Write GeoJSON Text Sequences (RFC 8142): one feature per record.")
    var seq = false

    @Option(name: .long, help: "Declare the CRS of an input file.")
    var crs: String?

    @Option(name: .customLong("metric-crs"), help: "The projected CRS for --simplify. Default: the data's zone.")
    var metricCRS: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard paths.count == 2 || paths.count == 3 else { throw ValidationError("give STORE LAYER OUT or LAYER OUT") }
        if let simplify, simplify <= 0 { throw ValidationError("--simplify must be positive") }
        if let precision, !(0...15).contains(precision) {
            throw ValidationError("--precision must be between 0 and 15")
        }
    }

    func run() throws {
        global.apply()
        let storePath = paths.count == 3 ? paths[0] : store
        let layerName = paths[paths.count - 2]
        let output = paths[paths.count - 1]
        let s = try storePath.map { try Stores.open($0, readOnly: true) }
        var features: [Feature]
        let sourceCRS: CRS
        if let s {
            if let crs {
                throw CommandFailure(
                    "--crs \(crs): \(layerName) is a store layer; it carries the store's CRS (\(s.crs.identifier)) and cannot be declared another",
                    exitCode: .usage)
            }
            guard let layer = StoreLayer(rawValue: layerName) else {
                throw CommandFailure(
                    "\(s.location): no layer '\(layerName)' (layers: \(StoreLayer.allValueStrings.joined(separator: ", ")))",
                    exitCode: .badInput)
            }
            if let generation, try !s.generations(of: layer).contains(where: { $0.id == generation }) {
                throw CommandFailure(
                    "\(s.location): layer \(layer.rawValue) has no generation \(generation)", exitCode: .badInput)
            }
            // A store layer to GeoJSON, unsimplified, streams: rows are read through a cursor and
            // written one by one, so memory stays bounded however large the layer.
            if simplify == nil, !seq, (try? ExportFormat(path: output)) == .geojson {
                var count = 0
                let target = try toCRS.map { try CRS(parsing: $0) }
                let written = try FeatureExport.writeGeoJSON(
                    crs: s.crs, to: output, targetCRS: target, precision: precision
                ) { emit in
                    try s.forEachFeature(of: layer, FeatureFilter(generation: generation)) { f in
                        try emit(f)
                        count += 1
                    }
                }
                report(features: count, layerName: layerName, output: output, crs: written)
                return
            }
            features = try s.features(of: layer, generation: generation)
            sourceCRS = s.crs
        } else {
            let l = try LayerInput.read(path: layerName, declaredCRS: crs)
            features = l.features
            sourceCRS = l.crs
        }
        if let simplify {
            let probe = LayerInput(
                name: layerName, features: features, crs: sourceCRS, crsSource: "", propertyNames: [])
            let metric = try probe.metricCRS(override: metricCRS)
            let there = try Transformer(from: sourceCRS, to: metric),
                back = try Transformer(from: metric, to: sourceCRS)
            let simplified = try CoverageSimplifier.simplify(
                try features.map { try $0.geometry.map { try there.transform($0) } }, toleranceMetres: simplify)
            for i in features.indices { features[i].geometry = try simplified[i].map { try back.transform($0) } }
        }
        let target = try toCRS.map { try CRS(parsing: $0) }
        let written: CRS
        if seq {
            guard
                output.lowercased().hasSuffix(".geojsons") || output.lowercased().hasSuffix(".geojsonl")
                    || output.lowercased().hasSuffix(".json") || output.lowercased().hasSuffix(".geojson")
                    || output == "-"
            else {
                throw CommandFailure("--seq writes GeoJSON Text Sequences; name the output .geojsons", exitCode: .usage)
            }
            written = target ?? .wgs84
            let t = try Transformer(from: sourceCRS, to: written)
            let geographic = try written.describe().isGeographic
            let decimals = precision ?? (geographic ? 7 : 3)
            let file = try OutputFile(path: output)
            for f in features {
                var f = f
                f.geometry = try f.geometry.map { try t.transform($0) }
                try file.append { out in
                    out.append(0x1E)
                    GeoJSONWriter.append(f, precision: decimals, to: &out)
                    out.append(0x0A)
                }
            }
            try file.commit()
        } else {
            written = try FeatureExport.write(
                features, crs: sourceCRS, to: output, layerName: s != nil ? layerName : "layer", targetCRS: target,
                precision: precision)
        }
        report(features: features.count, layerName: layerName, output: output, crs: written)
    }

    func report(features: Int, layerName: String, output: String, crs: CRS) {
        if global.json {
            Console.current.out(
                JSONText.encode(
                    .object([
                        "output": .string(output), "layer": .string(layerName), "features": .integer(Int64(features)),
                        "crs": .string(crs.identifier),
                    ])) + "\n")
        } else if !global.quiet {
            Console.current.err("exported \(features) features of \(layerName) to \(output) (\(crs.identifier))\n")
        }
    }
}
