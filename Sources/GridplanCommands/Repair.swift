import ArgumentParser
import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanInputs
import GridplanReport
import GridplanStore

extension OverlapRule: ExpressibleByArgument {}

/// `gridplan repair UNITS --out REPAIRED`: a clean coverage and the list of what moved.
struct Repair: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Repair a set of units: resolve overlaps, merge slivers and small gaps, optionally move exclaves; list every change.",
        discussion: """
            Every change names the land (polygon, m²), the households on it, the unit it leaves and the unit
            it joins. Larger unmanaged zones are listed for a person to decide unless --assign-unmanaged.
            The outer boundary never moves, no unit is split, and neighbours share borders vertex for vertex.
            With --store the repaired units are written back and the land that moved is recorded as a
            generation of boundary_changes, which partition --keep-untouched follows.
            Example: gridplan repair data/communities.geojson --boundary data/district.geojson \\
                       --households data/buildings.geojson --out repaired.geojson --changes changes.geojson
            """
    )

    @Argument(help: "The units: a polygon file, or a store layer name with --store.")
    var units: String

    @Option(name: .long, help: "The territory the units should tile. Default: the outer edge of the units' union.")
    var boundary: String?

    @OptionGroup var householdOptions: HouseholdsOptions
    @OptionGroup var unitFields: UnitFieldOptions

    @Option(name: .customLong("gap-width"), help: "Gaps narrower than this many metres are slivers, always merged.")
    var gapWidth: Double = 2

    @Option(
        name: .customLong("merge-gaps-under"),
        help: "Also merge gaps smaller than this many m² into their longest-border neighbour.")
    var mergeGapsUnder: Double = 0

    @Option(
        name: .customLong("overlap-rule"), help: "Who keeps doubly claimed land: longest-border, larger or lower-code.")
    var overlapRule: OverlapRule = .longestBorder

    @Flag(name: .customLong("transfer-exclaves"), help: "Move each exclave to the unit that hosts it.")
    var transferExclaves = false

    @Flag(
        name: .customLong("assign-unmanaged"),
        help: "Also give larger unmanaged zones to their longest-border neighbour.")
    var assignUnmanaged = false

    @Option(name: .long, help: "The repaired units (.geojson, .gpkg, .csv).")
    var out: String?

    @Option(
        name: .long,
        help:
            "Decimals in output coordinates. Default: 9 for degrees (0.1 mm), 4 for metres, so shared borders stay exact."
    )
    var precision: Int?

    @Option(name: .long, help: "The change list as GeoJSON (WGS84).")
    var changes: String?

    @Option(
        name: .long,
        help:
            "A street office's decisions (CSV: finding id or lon,lat inside it; owner code or leave; confirmed_by; date; note): they override the rules for those findings."
    )
    var decisions: String?

    @Option(
        name: .long,
        help:
            "Write the adjustment notice (调整公示): per unit, area, households, population and grids before and after, as .csv or .html."
    )
    var notice: String?

    @Option(name: .customLong("notice-title"), help: "The notice's heading (.html).")
    var noticeTitle: String = "区划调整公示"

    @Option(
        name: .long,
        help:
            "Write every building (household point) that changes unit, with its from and to codes and households: .csv or .geojson (WGS84). Needs --households."
    )
    var moves: String?

    @Option(
        name: .long,
        help: "Grids (file or store layer) the notice counts per unit. Default with --store: the store's grids, if any."
    )
    var grids: String?

    @OptionGroup var input: InputOptions
    @OptionGroup var measure: MetricOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if out == nil && input.store == nil {
            throw ValidationError("give --out REPAIRED (or --store to write the repair back)")
        }
        if moves != nil && householdOptions.households == nil {
            throw ValidationError("--moves lists the buildings that change unit: give --households too")
        }
        for (option, path, kinds) in [
            ("--notice", notice, [".csv", ".html"]), ("--moves", moves, [".csv", ".geojson"]),
        ] {
            if let path, !kinds.contains(where: { path.lowercased().hasSuffix($0) }) {
                throw ValidationError("\(option) writes \(kinds.joined(separator: " or ")), not '\(path)'")
            }
        }
        guard gapWidth > 0, mergeGapsUnder >= 0 else {
            throw ValidationError("--gap-width must be positive and --merge-gaps-under not negative")
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
            in: metric, codeField: unitFields.codeField, parentField: nil, warnings: &warnings)
        try inputs.setReference(unitInputs, in: metric, layer: layer)
        let boundaryGeometry = try boundary.map { try inputs.boundary($0, in: metric) }
        let householdPoints = try householdOptions.households.map {
            try inputs.householdPoints($0, weightField: householdOptions.weightField, in: metric)
        }
        let points = householdPoints?.map { ($0.location, $0.households) }
        var options = RepairOptions()
        options.check.gapWidthMetres = gapWidth
        options.mergeGapsUnderSquareMetres = mergeGapsUnder
        options.overlapRule = overlapRule
        options.transferExclaves = transferExclaves
        options.assignUnmanaged = assignUnmanaged
        if let decisions { options.decisions = try DecisionTable.read(path: decisions, metric: metric) }
        let report = try CoverageRepair.run(
            units: unitInputs, boundary: boundaryGeometry, households: points, options: options
        ) { console.progress($0) }
        console.clearProgress()
        inputs.report(to: console)
        warnings = inputs.warnings + warnings + report.warnings
        for d in report.unmatchedDecisions {
            let what = d.findingID ?? d.point.map { String(format: "the point (%.1f, %.1f)", $0.x, $0.y) } ?? "?"
            warnings.append(
                "\(decisions ?? "decisions"): line \(d.line) (\(what)) matches no finding of this run: the land changed or was settled already; the decision was not applied"
            )
        }
        for (id, d) in report.left {
            warnings.append("\(id) left as it is by decision (line \(d.line)\(d.confirmedBy.map { ", \($0)" } ?? ""))")
        }

        // The repaired units keep their properties and ids; features that were not units stay as they were.
        var byFeature = [Int: Geometry?]()
        for (k, u) in unitInputs.enumerated() { byFeature[u.sourceIndex] = report.units[k] }
        let toSource = try Transformer(from: metric, to: layer.crs)
        let repaired: [Feature] = try layer.features.enumerated().map { i, f in
            var f = f
            if let g = byFeature[i], let g { f.geometry = try toSource.transform(g) }
            return f
        }
        let toWGS84 = try Transformer(from: metric, to: .wgs84)
        var changeFeatures = try report.changes.enumerated().map { k, c in
            try Self.feature(c, id: k + 1, transform: toWGS84)
        }
        // The store's non-empty layers and its grids, each read once for the change list and the notice.
        let storeLayers = try s?.summaries().filter { $0.count > 0 }.map(\.layer) ?? []
        var storeGrids: LayerInput?
        func storeGridLayer() throws -> LayerInput? {
            guard storeLayers.contains(.grids) else { return nil }
            if storeGrids == nil {
                storeGrids = try inputs.loadChecked("grids", role: "grids", in: metric, territory: true)
            }
            return storeGrids
        }
        // With a store: the grids, events and components on the land that moves are named.
        if s != nil, !report.changes.isEmpty {
            func points(_ layer: StoreLayer) throws -> [Coordinate] {
                guard storeLayers.contains(layer) else { return [] }
                return try inputs.loadChecked(layer.rawValue, role: layer.rawValue, in: metric).geometries(in: metric)
                    .compactMap { if case .point(let c)? = $0 { c } else { nil } }
            }
            var w: [String] = []
            let gridUnits =
                try storeGridLayer()?.units(in: metric, codeField: nil, parentField: nil, warnings: &w) ?? []
            let contents = try MovedLand.contents(
                of: report.changes, grids: gridUnits, events: points(.events), components: points(.components))
            for (k, c) in contents.enumerated() {
                changeFeatures[k].properties["grids"] = .array(c.grids.map { .string($0) })
                changeFeatures[k].properties["events"] = .integer(Int64(c.events))
                changeFeatures[k].properties["components"] = .integer(Int64(c.components))
            }
        }
        if let out {
            _ = try FeatureExport.write(
                repaired, crs: layer.crs, to: out, layerName: "repaired",
                precision: precision ?? Self.exactDecimals(layer.crs))
        }
        if let changes { try GeoJSONWriter.write(changeFeatures, to: changes) }
        if notice != nil || moves != nil {
            let gridLayer = try grids.map { try inputs.loadChecked($0, role: "grids", in: metric) } ?? storeGridLayer()
            let gridGeometries = try gridLayer?.geometries(in: metric).compactMap { $0 }
            let population = householdPoints.flatMap { ps in
                ps.contains { $0.population != nil } ? ps.map { $0.population ?? 0 } : nil
            }
            let adjustment = try BoundaryNotice.compute(
                before: unitInputs, after: report.units, households: points, population: population,
                grids: gridGeometries)
            if let notice {
                let text =
                    notice.lowercased().hasSuffix(".html")
                    ? AdjustmentNotice.html(adjustment.rows, title: noticeTitle) : AdjustmentNotice.csv(adjustment.rows)
                try OutputFile.write(Array(text.utf8), to: notice)
            }
            if let moves, let householdPoints {
                try Self.writeMoves(adjustment.moves, points: householdPoints, to: moves, transform: toWGS84)
            }
        }
        // The repaired units and the land that moved, so `partition --keep-untouched` finds it.
        var recorded: (repaired: Int64, changes: Int64)?
        if let s, let storeLayer = StoreLayer(rawValue: units) {
            let toStore = try Transformer(from: metric, to: s.crs)
            let moved = try zip(report.changes, changeFeatures).map { c, f in
                Feature(id: f.id, geometry: try toStore.transform(c.geometry), properties: f.properties)
            }
            let between = Set(report.changes.flatMap { [$0.fromUnit, $0.toUnit] }.compactMap { $0 }).sorted()
            recorded = try s.writeRepair(
                storeLayer, with: repaired, changes: moved,
                parameters: inputs.recorded([
                    "overlap_rule": .string(overlapRule.rawValue), "gap_width": .number(gapWidth),
                    "merge_gaps_under": .number(mergeGapsUnder), "units": .array(between.map { .string($0) }),
                ]), within: inputs.within)
        }
        if global.json {
            let unresolved = try report.unresolved.map { try FindingsOutput.feature($0, transform: toWGS84) }
            console.out(
                try RepairReportJSON(
                    report, changes: changeFeatures, unresolved: unresolved, recorded: recorded, warnings: warnings,
                    inputs: inputs
                ).text() + "\n")
        } else {
            let shown = Self.listedLines
            var lines = [
                String(
                    format: "%d changes, %.2f m² moved, %d left for a decision", report.changes.count,
                    report.changes.reduce(0) { $0 + $1.areaSquareMetres }, report.unresolved.count)
            ]
            for (k, c) in report.changes.enumerated().prefix(shown) {
                lines.append(
                    String(
                        format: "#%-4d %-9@ %12.2f m²  %@ → %@", k + 1, c.reason.rawValue, c.areaSquareMetres,
                        c.fromUnit ?? "(nobody)", c.toUnit)
                        + (c.households.map { String(format: "  %.0f households", $0) } ?? ""))
            }
            if report.changes.count > shown {
                lines.append("… \(report.changes.count - shown) more changes (use --changes or --json)")
            }
            // The largest first, so a cut list keeps the ones that matter.
            let largest = report.unresolved.sorted { ($0.areaSquareMetres, $1.id) > ($1.areaSquareMetres, $0.id) }
            for u in largest.prefix(shown) {
                lines.append(
                    String(
                        format: "left for a decision: %@ of %.2f m², bordering %@", u.kind.rawValue, u.areaSquareMetres,
                        u.units.joined(separator: ", "))
                        + (u.suggestedOwner.map { " (suggested owner \($0))" } ?? ""))
            }
            if report.unresolved.count > shown {
                lines.append("… \(report.unresolved.count - shown) more left for a decision (use --json)")
            }
            if let recorded, let s {
                lines.append(
                    "recorded in \(s.location): \(units) generation \(recorded.repaired), the changes as boundary_changes generation \(recorded.changes)"
                )
            }
            for w in warnings { lines.append("warning: \(w)") }
            console.out(lines.joined(separator: "\n") + "\n")
        }
    }

    /// Changes, and findings left for a decision, listed one per line in the text output; the
    /// rest are counted (all of them are in `--changes` and `--json`).
    static let listedLines = 40

    /// Decimals that keep a rebuilt coverage exact once written: 9 for degrees (about 0.1 mm),
    /// 4 for metres. RFC 7946's usual 7 decimals (about 1 cm) would open centimetre slivers
    /// against a boundary kept at full precision.
    static func exactDecimals(_ crs: CRS) -> Int {
        ((try? crs.describe().isGeographic) ?? true) ? 9 : 4
    }

    /// The buildings that change unit, as CSV or as GeoJSON points in WGS84.
    static func writeMoves(_ moves: [HouseholdMove], points: [HouseholdPoint], to path: String, transform: Transformer)
        throws
    {
        let features = try moves.map { m -> Feature in
            let point = points[m.index]
            var p = JSONObject()
            p["id"] = point.id.map { .string($0) } ?? .null
            p["feature"] = .integer(Int64(point.index))
            p["from_unit"] = m.fromUnit.map { .string($0) } ?? .null
            p["to_unit"] = m.toUnit.map { .string($0) } ?? .null
            p["households"] = .number(m.households)
            if let pop = m.population { p["population"] = .number(pop) }
            return Feature(geometry: try transform.transform(.point(m.location)), properties: p)
        }
        guard path.lowercased().hasSuffix(".csv") else { return try GeoJSONWriter.write(features, to: path) }
        let header = ["id", "feature", "from_unit", "to_unit", "households", "population", "lon", "lat"]
        let rows = features.map { f -> [String] in
            var c = Coordinate(0, 0)
            if case .point(let x)? = f.geometry { c = x }
            return header.prefix(6).map { k in f.properties[k].map { $0 == .null ? "" : $0.text } ?? "" }
                + [String(format: "%.7f", c.x), String(format: "%.7f", c.y)]
        }
        try OutputFile.write(Array(CSVText.document(header: header, rows: rows).utf8), to: path)
    }

    static func feature(_ c: Change, id: Int, transform: Transformer) throws -> Feature {
        var p = JSONObject()
        p["id"] = .integer(Int64(id))
        p["reason"] = .string(c.reason.rawValue)
        p["area_m2"] = .number((c.areaSquareMetres * 100).rounded() / 100)
        p["from_unit"] = c.fromUnit.map { .string($0) } ?? .null
        p["to_unit"] = .string(c.toUnit)
        if let h = c.households { p["households"] = .number(h) }
        p["stable_id"] = .string(c.stableID)
        if let d = c.decision {
            p["decided_by"] = d.confirmedBy.map { .string($0) } ?? .null
            p["decided_on"] = d.date.map { .string($0) } ?? .null
            if let n = d.note { p["decision_note"] = .string(n) }
        }
        return Feature(id: .integer(Int64(id)), geometry: try transform.transform(c.geometry), properties: p)
    }
}
