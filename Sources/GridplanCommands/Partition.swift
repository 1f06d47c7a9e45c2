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
            After a boundary adjustment, --keep-untouched re-partitions only the land that moved: every
            previous grid it does not touch stays as it was (geometry and code), and the rest of each
            community it changed is partitioned, coded on from the community's sequence. With --store
            the moves are the latest repair's (repair --store records them) and the untouched grids'
            rows are carried into the new generation as they are.
            Examples: gridplan partition data/communities.geojson --streets data/streets.geojson \\
                        --households data/buildings.geojson --target households:150-500 \\
                        --previous data/grids_old.geojson --out grids.geojson
                      gridplan partition communities --store city.gpkg --households buildings --keep-untouched
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

    @OptionGroup var incremental: KeepUntouchedOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var measure: MetricOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard cell > 0 else { throw ValidationError("--cell must be positive") }
        if mode == .blocks && streets == nil && input.store == nil {
            throw ValidationError("blocks mode needs --streets (or use --mode square|hex)")
        }
        try incremental.validate(store: input.store, previous: previous)
    }

    func run() throws {
        global.apply()
        let (s, inputs) = try input.open(readOnly: false)
        var read = try readInputs(inputs, store: s)
        if incremental.keepUntouched {
            try runIncremental(read, store: s, inputs: inputs)
            return
        }
        let console = Console.current
        let options = read.options
        var previousGrids: [PreviousGrid] = []
        if let previous {
            previousGrids = try readPrevious(previous, inputs: inputs, metric: read.metric, warnings: &read.warnings)
                .grids
        }
        var used = Set<String>()
        if let s { used = try s.issuedGridCodes() }

        let report = try Partitioner.run(
            communities: read.communities, streets: read.streets, households: read.households, events: read.events,
            previous: previousGrids, usedCodes: used, options: options
        ) { console.progress($0) }
        console.clearProgress()
        inputs.report(to: console)
        let warnings = inputs.warnings + read.warnings + report.warnings
        // The grids are made: the points and streets (19.5 M households at 100,000 communities)
        // are let go before the store relocates its own points.
        read.release()

        let features = try Self.features(report, metric: read.metric, target: read.layer.crs)
        if let out {
            _ = try FeatureExport.write(
                features, crs: read.layer.crs, to: out, layerName: "grids",
                precision: precision ?? Repair.exactDecimals(read.layer.crs))
        }
        if let s {
            let toStore = try Transformer(from: read.layer.crs, to: s.crs)
            let storeGrids = try features.map { f in
                var f = f
                f.geometry = try f.geometry.map { try toStore.transform($0) }
                return f
            }
            try s.writeGridGeneration(
                storeGrids, parameters: inputs.recorded(recordedParameters), within: inputs.within,
                locate: Self.locator(zip(report.grids, storeGrids).map { ($0.code, $1.geometry) }))
        }
        if global.json {
            console.out(
                try PartitionReportJSON(
                    report, target: options.target, metric: read.metric, warnings: warnings, inputs: inputs
                ).text() + "\n")
        } else {
            var lines = [Self.summaryLine(report, target: options.target)]
            if !previousGrids.isEmpty {
                lines.append(
                    String(
                        format:
                            "against the previous generation: %d kept, %d changed, %d new, %d retired; %.0f households change grid",
                        report.kept, report.changed, report.new, report.retired.count, report.householdsChangingGrid))
            }
            lines += Self.infeasibilityLines(report) + warnings.map { "warning: \($0)" }
            console.out(lines.joined(separator: "\n") + "\n")
        }
    }

    /// The parameters every grid generation records.
    var recordedParameters: JSONObject {
        [
            "target": .string(target.description), "mode": .string(mode.rawValue), "seed": .integer(Int64(seed)),
            "communities": .string(communities),
        ]
    }

    /// The first line of the text output: how many grids, how balanced.
    static func summaryLine(_ report: PartitionReport, target: PartitionTarget) -> String {
        String(
            format: "%d grids in %d communities (%@): %.1f%% within bounds, CV %.3f, mean compactness %.3f",
            report.grids.count, report.communities.count, target.description, report.withinBoundsRatio * 100,
            report.balance(of: target.quantity).cv, report.compactnessMean)
    }

    static func infeasibilityLines(_ report: PartitionReport) -> [String] {
        report.communities.compactMap { c in c.infeasibility.map { "community \(c.code): \($0)" } }
    }

    /// Components and events go to the grid they lie in by the same location and tie rule as
    /// `assign points` (on a shared edge, the lower code). `grids` are in the store's CRS. The
    /// grids are indexed on the first call and the index serves every batch after it.
    static func locator(_ grids: [(code: String, geometry: Geometry?)]) -> ([Coordinate]) throws -> [String?] {
        let units = grids.map { UnitInput(code: $0.code, geometry: $0.geometry ?? .multiPolygon([]), sourceIndex: 0) }
        var built: PointLocator?
        return { points in
            let locator = try built ?? PointLocator(units: units)
            built = locator
            return locator.locate(points).map { $0.map { units[$0].code } }
        }
    }

    /// What every partition reads: the communities, streets, households and events, in metres.
    struct Inputs {
        var layer: LayerInput
        var metric: CRS
        /// The communities as units (their source features by `sourceIndex`).
        var units: [UnitInput]
        var communities: [CommunityInput]
        var streets: [StreetInput]
        var households: [(Coordinate, Double)]
        var events: [Coordinate]
        var options: PartitionOptions
        var warnings: [String]

        /// Lets go of the communities, streets and points once the grids are made (the layer,
        /// CRS, options and warnings stay).
        mutating func release() {
            units = []
            communities = []
            streets = []
            households = []
            events = []
        }
    }

    func readInputs(_ inputs: InputSet, store s: Store?) throws -> Inputs {
        var options = PartitionOptions()
        options.target = target
        options.boundaryClasses = Set(
            boundaryClasses.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        options.mode = mode
        options.cellMetres = cell
        options.seed = seed

        let layer = try inputs.load(communities, role: "communities")
        let metric = try layer.metricCRS(override: measure.metricCRS)
        var warnings: [String] = []
        let units = try layer.units(in: metric, codeField: unitFields.codeField, parentField: nil, warnings: &warnings)
        try inputs.setReference(units, in: metric, layer: layer)
        var communityInputs: [CommunityInput] = []
        var communityUnits: [UnitInput] = []
        for u in units {
            switch u.geometry {
            case .polygon, .multiPolygon:
                communityInputs.append(CommunityInput(code: u.code, geometry: u.geometry))
                communityUnits.append(u)
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
            let (read, fields) = try inputs.streets(streets, in: metric, classField: classField)
            if fields.streetClass == nil {
                warnings.append("\(streets): no class property found (use --class-field); every street cuts blocks")
            }
            var zeroLength = 0
            for street in read {
                let g = street.geometry
                switch g {
                case .lineString, .multiLineString:
                    if g.envelope.width == 0 && g.envelope.height == 0 {
                        zeroLength += 1
                        continue
                    }
                    let cls = street.streetClass ?? options.boundaryClasses.first ?? "arterial"
                    streetInputs.append(StreetInput(geometry: g, streetClass: cls))
                default:
                    warnings.append(
                        "\(streets): feature \(street.sourceIndex) is a \(g.typeName), not a street line; skipped")
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
            try events.map { try inputs.points($0, role: "events", in: metric) } ?? []
        return Inputs(
            layer: layer, metric: metric, units: communityUnits, communities: communityInputs, streets: streetInputs,
            households: points, events: eventPoints, options: options, warnings: warnings)
    }

    /// The previous grids, in metres, each with the index of its feature in the layer.
    func readPrevious(_ previous: String, inputs: InputSet, metric: CRS, warnings: inout [String]) throws -> (
        layer: LayerInput, grids: [PreviousGrid], features: [Int]
    ) {
        let pl = try inputs.loadChecked(previous, role: "previous grids", in: metric, territory: true)
        var w: [String] = []
        let units = try pl.units(in: metric, codeField: nil, parentField: nil, warnings: &w)
        warnings += w
        return (pl, units.map { PreviousGrid(code: $0.code, geometry: $0.geometry) }, units.map(\.sourceIndex))
    }

    static func features(_ report: PartitionReport, metric: CRS, target: CRS) throws -> [Feature] {
        let t = try Transformer(from: metric, to: target)
        return try report.grids.map { g in feature(g, geometry: try t.transform(g.geometry)) }
    }

    /// A grid as partition writes it, with `geometry` in the output's CRS.
    static func feature(_ g: GridOutput, geometry: Geometry) -> Feature {
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
        return Feature(id: .string(g.code), geometry: geometry, properties: p)
    }
}
