import ArgumentParser
import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanInputs
import GridplanStore

extension PartitionMode: ExpressibleByArgument {}

/// `gridplan partition COMMUNITIES --streets FILE`: regenerate unit grids.
struct Partition: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Partition communities into unit grids that follow streets, tile each community and balance the load.",
        discussion: """
            Grids are contiguous unions of street blocks inside one community, coded 6 district + 3 street
            office + 3 community + 3 sequence digits (rows north to south, west to east), and kept with
            their codes when they survive a regeneration (--previous).
            Example: gridplan partition data/communities.geojson --streets data/streets.geojson \\
                       --households data/buildings.geojson --target households:150-500 \\
                       --previous data/grids_old.geojson --out grids.geojson
            """
    )

    @Argument(help: "The communities: a polygon file, or a store layer name with --store.")
    var communities: String

    @Option(name: .long, help: "The street network (lines with a class: arterial, secondary, branch, alley).")
    var streets: String?

    @OptionGroup var householdOptions: HouseholdsOptions

    @Option(name: .long, help: "Points counted as workload (events, components).")
    var events: String?

    @Option(
        name: .long, help: "What to balance and its bounds: households:MIN-MAX, area:MIN-MAX (m²) or workload:MIN-MAX.",
        transform: { text in
            do {
                return try PartitionTarget(parsing: text)
            } catch {
                throw ValidationError("\(error)")
            }
        })
    var target = PartitionTarget(quantity: .households, minimum: 150, maximum: 500)

    @Option(
        name: .customLong("boundary-classes"), help: "Street classes that cut communities into blocks, comma-separated."
    )
    var boundaryClasses: String = "arterial,secondary"

    @Option(name: .long, help: "The previous grid layer: surviving grids keep their codes.")
    var previous: String?

    @Option(name: .long, help: "blocks (street blocks), square or hex (regular cells of --cell metres).")
    var mode: PartitionMode = .blocks

    @Option(name: .long, help: "Cell size in metres for square and hex modes (across flats for hex).")
    var cell: Double = 100

    @Option(name: .long, help: "Tie-breaking seed: the same seed and inputs give the same grids.")
    var seed: UInt64 = 0

    @OptionGroup var unitFields: UnitFieldOptions

    @Option(
        name: .customLong("class-field"),
        help: "The streets' class property. Default: detected (class, fclass, 等级 ...).")
    var classField: String?

    @Option(
        name: .long,
        help:
            "Decimals in output coordinates. Default: 9 for degrees (0.1 mm), 4 for metres, so grids tile communities exactly."
    )
    var precision: Int?

    @Option(name: .long, help: "Write the grids (.geojson, .gpkg, .csv).")
    var out: String?

    @OptionGroup var input: InputOptions
    @OptionGroup var measure: MetricOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard cell > 0 else { throw ValidationError("--cell must be positive") }
        if mode == .blocks && streets == nil && input.store == nil {
            throw ValidationError("blocks mode needs --streets (or use --mode square|hex)")
        }
    }

    func run() throws {
        global.apply()
        let console = Console.current
        var options = PartitionOptions()
        options.target = target
        options.boundaryClasses = Set(
            boundaryClasses.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        options.mode = mode
        options.cellMetres = cell
        options.seed = seed

        let (s, inputs) = try input.open(readOnly: false)
        let layer = try inputs.load(communities, role: "communities")
        let metric = try layer.metricCRS(override: measure.metricCRS)
        var warnings: [String] = []
        let units = try layer.units(in: metric, codeField: unitFields.codeField, parentField: nil, warnings: &warnings)
        try inputs.setReference(units, in: metric, layer: layer)
        var communityInputs: [CommunityInput] = []
        for u in units {
            switch u.geometry {
            case .polygon, .multiPolygon: communityInputs.append(CommunityInput(code: u.code, geometry: u.geometry))
            default:
                warnings.append(
                    "\(communities): feature \(u.sourceIndex) is a \(u.geometry.typeName), not a community polygon; skipped"
                )
            }
        }
        if let odd = communityInputs.first(where: { $0.code.count != 12 || !$0.code.allSatisfy(\.isNumber) }) {
            warnings.append(
                "community code '\(odd.code)' is not 12 digits (6 district + 3 street office + 3 community); grid codes will not be 15 digits"
            )
        }
        var streetInputs: [StreetInput] = []
        if let streets = streets ?? (s != nil && mode == .blocks ? "streets" : nil) {
            let sl = try inputs.loadChecked(streets, role: "streets", in: metric)
            let field = try classField ?? FieldMapping(explicit: [:], propertyNames: sl.propertyNames).sources["class"]
            if field == nil {
                warnings.append("\(streets): no class property found (use --class-field); every street cuts blocks")
            }
            var zeroLength = 0
            for (i, g) in try sl.geometries(in: metric).enumerated() {
                guard let g else { continue }
                switch g {
                case .lineString, .multiLineString:
                    if g.envelope.width == 0 && g.envelope.height == 0 {
                        zeroLength += 1
                        continue
                    }
                    let cls =
                        field.flatMap { sl.features[i].properties[$0]?.text } ?? options.boundaryClasses.first
                        ?? "arterial"
                    streetInputs.append(StreetInput(geometry: g, streetClass: cls))
                default:
                    warnings.append("\(streets): feature \(i) is a \(g.typeName), not a street line; skipped")
                }
            }
            if zeroLength > 0 { warnings.append("\(streets): \(zeroLength) zero-length streets skipped") }
        }
        let points =
            try householdOptions.households.map {
                try inputs.households($0, weightField: householdOptions.weightField, in: metric)
            } ?? []
        if householdOptions.households == nil && options.target.quantity == .households {
            throw CommandFailure("a households target needs --households (points with households)", exitCode: .usage)
        }
        let eventPoints =
            try events.map {
                try inputs.loadChecked($0, role: "events", in: metric).weightedPoints(in: metric, weightField: nil).map(
                    \.0)
            } ?? []
        var previousGrids: [PreviousGrid] = []
        if let previous {
            let pl = try inputs.loadChecked(previous, role: "previous grids", in: metric, territory: true)
            var w: [String] = []
            previousGrids = try pl.units(in: metric, codeField: nil, parentField: nil, warnings: &w).map {
                PreviousGrid(code: $0.code, geometry: $0.geometry)
            }
            warnings += w
        }
        var used = Set<String>()
        if let s { used = try s.issuedGridCodes() }

        let report = try Partitioner.run(
            communities: communityInputs, streets: streetInputs, households: points, events: eventPoints,
            previous: previousGrids, usedCodes: used, options: options
        ) { console.progress($0) }
        console.clearProgress()
        inputs.report(to: console)
        warnings = inputs.warnings + warnings + report.warnings

        let features = try Self.features(report, metric: metric, target: layer.crs)
        if let out {
            _ = try FeatureExport.write(
                features, crs: layer.crs, to: out, layerName: "grids",
                precision: precision ?? Repair.exactDecimals(layer.crs))
        }
        if let s {
            let toStore = try Transformer(from: layer.crs, to: s.crs)
            let storeGrids = try features.map { f in
                var f = f
                f.geometry = try f.geometry.map { try toStore.transform($0) }
                return f
            }
            // Components and events go to the grid they lie in by the same location and tie rule
            // as `assign points` (on a shared edge, the lower code).
            let gridUnits = zip(report.grids, storeGrids).map {
                UnitInput(code: $0.code, geometry: $1.geometry ?? .multiPolygon([]), sourceIndex: 0)
            }
            try s.writeGridGeneration(
                storeGrids,
                parameters: inputs.recorded([
                    "target": .string(target.description), "mode": .string(mode.rawValue),
                    "seed": .integer(Int64(seed)), "communities": .string(communities),
                ]), within: inputs.within
            ) { points in
                try PointAssigner.run(points: points, units: gridUnits).map { $0.map { gridUnits[$0].code } }
            }
        }
        let cv = report.balance(of: options.target.quantity).cv
        let infeasible = report.communities.filter { $0.infeasibility != nil }
        if global.json {
            console.out(
                try PartitionReportJSON(
                    report, target: options.target, metric: metric, warnings: warnings, inputs: inputs
                ).text() + "\n")
        } else {
            var lines = [
                String(
                    format: "%d grids in %d communities (%@): %.1f%% within bounds, CV %.3f, mean compactness %.3f",
                    report.grids.count, report.communities.count, options.target.description,
                    report.withinBoundsRatio * 100, cv, report.compactnessMean)
            ]
            if !previousGrids.isEmpty {
                lines.append(
                    String(
                        format:
                            "against the previous generation: %d kept, %d changed, %d new, %d retired; %.0f households change grid",
                        report.kept, report.changed, report.new, report.retired.count, report.householdsChangingGrid))
            }
            for c in infeasible { lines.append("community \(c.code): \(c.infeasibility!)") }
            for w in warnings { lines.append("warning: \(w)") }
            console.out(lines.joined(separator: "\n") + "\n")
        }
    }

    static func features(_ report: PartitionReport, metric: CRS, target: CRS) throws -> [Feature] {
        let t = try Transformer(from: metric, to: target)
        return try report.grids.map { g in
            var p = JSONObject()
            p["code"] = .string(g.code)
            p["community"] = .string(g.communityCode)
            p["area_m2"] = .number((g.areaSquareMetres * 100).rounded() / 100)
            p["households"] = .number(g.households)
            p["workload"] = .number(g.workload)
            p["compactness"] = .number((g.compactness * 10_000).rounded() / 10_000)
            p["within_bounds"] = .bool(g.withinBounds)
            p["status"] = .string(g.status.rawValue)
            p["lastcode"] = g.predecessor.map { .string($0) } ?? .null
            return Feature(id: .string(g.code), geometry: try t.transform(g.geometry), properties: p)
        }
    }
}
