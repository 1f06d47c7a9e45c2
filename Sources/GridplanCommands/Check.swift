import ArgumentParser
import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanInputs
import GridplanPostgres
import GridplanStore

/// `gridplan check UNITS`: overlaps, gaps, exclaves, enclaves, interlocks in a set of units.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Find overlaps, unmanaged gaps and slivers, exclaves, enclaves and interlocking pieces in a set of units.",
        discussion: """
            UNITS is any polygon layer (communities, grids, street offices) from a file, or with --store a
            store layer name. Findings are the result: the exit status is 0 whenever the check ran.
            Example: gridplan check data/communities.geojson --boundary data/district.geojson \\
                       --households data/buildings.geojson --out findings.geojson
            """
    )

    @Argument(help: "The units: a polygon file, or a store layer name with --store.")
    var units: String

    @Option(
        name: .long,
        help:
            "The territory the units should tile (a polygon file or store layer). Default: the outer edge of the units' union."
    )
    var boundary: String?

    @OptionGroup var householdOptions: HouseholdsOptions
    @OptionGroup var unitFields: UnitFieldOptions

    @Option(
        name: .customLong("parent-field"), help: "The units' parent-code property; enables parent_mismatch findings.")
    var parentField: String?

    @Option(
        name: .long,
        help:
            "The parent units' polygons (street offices for communities), to place each unit in its real parent. Needs --parent-field."
    )
    var parents: String?

    @Option(
        name: .customLong("gap-width"), help: "Gaps narrower than this many metres are slivers, wider ones unmanaged.")
    var gapWidth: Double = 2

    @Option(
        name: .customLong("neck-width"),
        help: "Pieces joined through necks narrower than this many metres are interlocks.")
    var neckWidth: Double = 10

    @Option(name: .customLong("min-area"), help: "Findings under this many m² are numerical dust and not reported.")
    var minArea: Double = 0.01

    @Option(name: .long, help: "Write the findings as GeoJSON (WGS84) for a map viewer.")
    var out: String?

    @OptionGroup var input: InputOptions
    @OptionGroup var measure: MetricOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard gapWidth > 0, neckWidth > 0, minArea >= 0 else {
            throw ValidationError("--gap-width and --neck-width must be positive, --min-area not negative")
        }
    }

    func run() throws {
        global.apply()
        let console = Console.current
        let (s, inputs) = try input.open(readOnly: false)
        let layer = try inputs.load(units, role: "units")
        let metric = try layer.metricCRS(override: measure.metricCRS)
        var warnings: [String] = []
        let unitInputs = try layer.units(
            in: metric, codeField: unitFields.codeField, parentField: parentField, warnings: &warnings)
        try inputs.setReference(unitInputs, in: metric, layer: layer)
        let boundaryGeometry = try boundary.map { try inputs.boundary($0, in: metric) }
        let points = try householdOptions.households.map {
            try inputs.households($0, weightField: householdOptions.weightField, in: metric)
        }
        var options = CheckOptions()
        options.gapWidthMetres = gapWidth
        options.neckWidthMetres = neckWidth
        options.minimumAreaSquareMetres = minArea
        var parentUnits: [UnitInput] = []
        if let parents {
            guard parentField != nil else {
                throw CommandFailure(
                    "--parents needs --parent-field to know each unit's declared parent", exitCode: .usage)
            }
            parentUnits = try inputs.loadChecked(parents, role: "parents", in: metric, territory: true).units(
                in: metric, codeField: nil, parentField: nil, warnings: &warnings)
        }
        let report = try CoverageCheck.run(
            units: unitInputs, boundary: boundaryGeometry, households: points, parents: parentUnits, options: options
        ) { console.progress($0) }
        console.clearProgress()
        inputs.report(to: console)
        warnings = inputs.warnings + warnings + report.warnings
        let toWGS84 = try Transformer(from: metric, to: .wgs84)
        let features = try report.findings.map { try FindingsOutput.feature($0, transform: toWGS84) }
        if let out { try GeoJSONWriter.write(features, to: out) }
        if let s {
            // One transformer for all findings: making one searches PROJ's database (milliseconds each).
            let toStore = try Transformer(from: metric, to: s.crs)
            let storeFeatures = try report.findings.map { try FindingsOutput.feature($0, transform: toStore) }
            do {
                try s.recordFindings(
                    storeFeatures, command: "check",
                    parameters: inputs.recorded([
                        "units": .string(units), "gap_width": .number(gapWidth), "neck_width": .number(neckWidth),
                    ]))
            } catch let e as PostgresError where e.isPermissionDenied || e.isReadOnly {
                // A read-only role may check a shared store; the findings are the result either way.
                warnings.append("findings not recorded in \(s.location): this role may not write it (\(e.message))")
            }
        }
        if global.json {
            console.out(
                try CheckReport(report, features: features, metric: metric, warnings: warnings, inputs: inputs).text()
                    + "\n")
        } else {
            console.out(FindingsOutput.table(report, metric: metric, warnings: warnings, out: out))
        }
    }
}

/// How findings are written: GeoJSON features, the `--json` document and the terminal table.
enum FindingsOutput {
    static func feature(_ f: Finding, transform: Transformer) throws -> Feature {
        var p = JSONObject()
        p["id"] = .integer(Int64(f.id))
        p["kind"] = .string(f.kind.rawValue)
        p["stable_id"] = .string(StableID.of(kind: f.kind.rawValue, units: f.units, geometry: f.geometry))
        p["area_m2"] = .number((f.areaSquareMetres * 100).rounded() / 100)
        p["units"] = .array(f.units.map { .string($0) })
        if !f.borders.isEmpty {
            p["borders"] = .array(
                f.borders.map {
                    .object(["code": .string($0.code), "length_m": .number(($0.lengthMetres * 100).rounded() / 100)])
                })
        }
        if let o = f.suggestedOwner { p["suggested_owner"] = .string(o) }
        if let w = f.widthMetres { p["width_m"] = .number((w * 1000).rounded() / 1000) }
        if let d = f.distanceMetres { p["distance_m"] = .number((d * 100).rounded() / 100) }
        if let h = f.households { p["households"] = .number(h) }
        if let d = f.detail { p["detail"] = .string(d) }
        return Feature(id: .integer(Int64(f.id)), geometry: try transform.transform(f.geometry), properties: p)
    }

    static func table(_ r: CoverageReport, metric: CRS, warnings: [String], out: String?) -> String {
        var lines: [String] = []
        lines.append(
            String(
                format: "units: %d   boundary: %.0f m²   coverage: %.4f%%   (measured in %@)", r.unitCount,
                r.boundaryAreaSquareMetres, r.coverageRatio * 100, metric.identifier))
        lines.append("kind              count        area m²   households")
        for kind in FindingKind.allCases {
            let fs = r.findings.filter { $0.kind == kind }
            guard !fs.isEmpty else { continue }
            let hh = fs.compactMap(\.households)
            lines.append(
                kind.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)
                    + String(format: "%6d %14.2f   ", fs.count, fs.reduce(0) { $0 + $1.areaSquareMetres })
                    + (hh.isEmpty ? "-" : String(format: "%.0f", hh.reduce(0, +))))
        }
        if r.findings.isEmpty { lines.append("(no findings: the units tile the boundary)") }
        for f in r.findings.prefix(30) {
            var s =
                String(format: "#%-4d %-15@ %12.2f m²  ", f.id, f.kind.rawValue, f.areaSquareMetres)
                + f.units.joined(separator: ", ")
            if let o = f.suggestedOwner { s += "  → \(o)" }
            if let d = f.detail { s += "  (\(d))" }
            lines.append(s)
        }
        if r.findings.count > 30 {
            lines.append("… \(r.findings.count - 30) more" + (out != nil ? " in \(out!)" : " (use --out or --json)"))
        }
        for s in r.skipped { lines.append("skipped feature \(s.index): \(s.reason)") }
        for w in warnings { lines.append("warning: \(w)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
