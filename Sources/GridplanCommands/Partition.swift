import ArgumentParser
import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanSQLite
import GridplanStore

extension PartitionMode: ExpressibleByArgument {}

/// `gridplan partition COMMUNITIES --streets FILE`: regenerate unit grids.
struct Partition: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Partition communities into unit grids that follow streets, tile each community and balance the load.",
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

    @Option(name: .long, help: "Points carrying households (buildings).")
    var households: String?

    @Option(name: .customLong("weight-field"), help: "The households property. Default: detected (households, 户数), else 1 per point.")
    var weightField: String?

    @Option(name: .long, help: "Points counted as workload (events, components).")
    var events: String?

    @Option(name: .long, help: "What to balance and its bounds: households:MIN-MAX, area:MIN-MAX (m²) or workload:MIN-MAX.")
    var target: String = "households:150-500"

    @Option(name: .customLong("boundary-classes"), help: "Street classes that cut communities into blocks, comma-separated.")
    var boundaryClasses: String = "arterial,secondary"

    @Option(name: .long, help: "The previous grid layer: surviving grids keep their codes.")
    var previous: String?

    @Option(name: .long, help: "blocks (street blocks), square or hex (regular cells of --cell metres).")
    var mode: PartitionMode = .blocks

    @Option(name: .long, help: "Cell size in metres for square and hex modes (across flats for hex).")
    var cell: Double = 100

    @Option(name: .long, help: "Tie-breaking seed: the same seed and inputs give the same grids.")
    var seed: UInt64 = 0

    @Option(name: .customLong("code-field"), help: "The communities' code property. Default: detected.")
    var codeField: String?

    @Option(name: .customLong("class-field"), help: "The streets' class property. Default: detected (class, fclass, 等级 ...).")
    var classField: String?

    @Option(name: .long, help: "Declare the CRS of the input files.")
    var crs: String?

    @Option(name: .customLong("metric-crs"), help: "The projected CRS to work in. Default: the data's Gauss-Krüger or UTM zone.")
    var metricCRS: String?

    @Option(name: .long, help: "Decimals in output coordinates. Default: 9 for degrees (0.1 mm), 4 for metres, so grids tile communities exactly.")
    var precision: Int?

    @Option(name: .long, help: "Write the grids (.geojson, .gpkg, .csv).")
    var out: String?

    @Option(name: .long, help: "Read layers from this store and write the grids there as a new generation.")
    var store: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        do {
            _ = try PartitionTarget(parsing: target)
        } catch {
            throw ValidationError("\(error)")
        }
        guard cell > 0 else { throw ValidationError("--cell must be positive") }
        if mode == .blocks && streets == nil && store == nil { throw ValidationError("blocks mode needs --streets (or use --mode square|hex)") }
    }

    func run() throws {
        global.apply()
        let console = Console.current
        var options = PartitionOptions()
        options.target = try PartitionTarget(parsing: target)
        options.boundaryClasses = Set(boundaryClasses.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        options.mode = mode
        options.cellMetres = cell
        options.seed = seed

        let s = try store.map { try Store.open(path: $0) }
        let layer = try LayerInput.load(communities, store: s, declaredCRS: crs)
        let metric = try layer.metricCRS(override: metricCRS)
        var warnings: [String] = []
        let units = try layer.units(in: metric, codeField: codeField, parentField: nil, warnings: &warnings)
        var communityInputs: [CommunityInput] = []
        for u in units {
            switch u.geometry {
            case .polygon, .multiPolygon: communityInputs.append(CommunityInput(code: u.code, geometry: u.geometry))
            default: warnings.append("\(communities): feature \(u.sourceIndex) is a \(u.geometry.typeName), not a community polygon; skipped")
            }
        }
        if let odd = communityInputs.first(where: { $0.code.count != 12 || !$0.code.allSatisfy(\.isNumber) }) {
            warnings.append("community code '\(odd.code)' is not 12 digits (6 district + 3 street office + 3 community); grid codes will not be 15 digits")
        }
        var streetInputs: [StreetInput] = []
        if let streets = streets ?? (s != nil && mode == .blocks ? "streets" : nil) {
            let sl = try LayerInput.load(streets, store: s, declaredCRS: nil)
            let field = try classField ?? FieldMapping(explicit: [:], propertyNames: sl.propertyNames).sources["class"]
            if field == nil { warnings.append("\(streets): no class property found (use --class-field); every street cuts blocks") }
            var zeroLength = 0
            for (i, g) in try sl.geometries(in: metric).enumerated() {
                guard let g else { continue }
                switch g {
                case .lineString, .multiLineString:
                    if g.envelope.width == 0 && g.envelope.height == 0 {
                        zeroLength += 1
                        continue
                    }
                    let cls = field.flatMap { sl.features[i].properties[$0]?.text } ?? options.boundaryClasses.first ?? "arterial"
                    streetInputs.append(StreetInput(geometry: g, streetClass: cls))
                default:
                    warnings.append("\(streets): feature \(i) is a \(g.typeName), not a street line; skipped")
                }
            }
            if zeroLength > 0 { warnings.append("\(streets): \(zeroLength) zero-length streets skipped") }
        }
        let points = try households.map { try LayerInput.load($0, store: s, declaredCRS: nil).weightedPoints(in: metric, weightField: weightField) } ?? []
        if households == nil && options.target.quantity == .households {
            throw CommandFailure("a households target needs --households (points with households)", exitCode: .usage)
        }
        let eventPoints = try events.map { try LayerInput.load($0, store: s, declaredCRS: nil).weightedPoints(in: metric, weightField: nil).map(\.0) } ?? []
        var previousGrids: [PreviousGrid] = []
        if let previous {
            let pl = try LayerInput.load(previous, store: s, declaredCRS: nil)
            var w: [String] = []
            previousGrids = try pl.units(in: metric, codeField: nil, parentField: nil, warnings: &w).map { PreviousGrid(code: $0.code, geometry: $0.geometry) }
            warnings += w
        }
        var used = Set<String>()
        if let s { used = Set(try s.database.rows("SELECT code FROM code_history").map { if case .text(let c) = $0[0] { return c } else { return "" } }) }

        let report = try Partitioner.run(communities: communityInputs, streets: streetInputs, households: points, events: eventPoints,
                                         previous: previousGrids, usedCodes: used, options: options) { console.progress($0) }
        console.clearProgress()
        warnings += report.warnings

        let features = try Self.features(report, metric: metric, target: layer.crs)
        if let out { _ = try FeatureExport.write(features, crs: layer.crs, to: out, layerName: "grids", precision: precision ?? Repair.exactDecimals(layer.crs)) }
        if let s {
            try s.writeGridGeneration(features.map { f in var f = f; f.geometry = try f.geometry.map { try Transformer(from: layer.crs, to: s.crs).transform($0) }; return f },
                                      parameters: ["target": .string(target), "mode": .string(mode.rawValue), "seed": .integer(Int64(seed)), "communities": .string(communities)])
        }
        let quantities = report.grids.map { g -> Double in
            switch options.target.quantity {
            case .households: return g.households
            case .area: return g.areaSquareMetres
            case .workload: return g.workload
            }
        }
        let mean = quantities.reduce(0, +) / Double(max(quantities.count, 1))
        let sd = (quantities.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(quantities.count, 1))).squareRoot()
        let cv = mean > 0 ? sd / mean : 0
        let infeasible = report.communities.filter { $0.infeasibility != nil }
        if global.json {
            console.out(JSONText.encode(.object([
                "summary": .object([
                    "grids": .integer(Int64(report.grids.count)), "within_bounds_ratio": .number(report.withinBoundsRatio), "cv": .number(cv),
                    "compactness_mean": .number(report.compactnessMean),
                    "infeasible_communities": .array(infeasible.map { .object(["code": .string($0.code), "reason": .string($0.infeasibility!)]) }),
                    "kept": .integer(Int64(report.kept)), "changed": .integer(Int64(report.changed)), "new": .integer(Int64(report.new)),
                    "retired": .integer(Int64(report.retired.count)), "households_changing_grid": .number(report.householdsChangingGrid),
                    "target": .string(options.target.description), "metric_crs": .string(metric.identifier),
                ]),
                "communities": .array(report.communities.map { c in
                    .object(["code": .string(c.code), "grids": .integer(Int64(c.grids)), "blocks": .integer(Int64(c.blocks)), "total": .number(c.total),
                             "infeasibility": c.infeasibility.map { .string($0) } ?? .null])
                }),
                "retired": .array(report.retired.map { .string($0) }),
                "warnings": .array(warnings.map { .string($0) }),
            ])) + "\n")
        } else {
            var lines = [String(format: "%d grids in %d communities (%@): %.1f%% within bounds, CV %.3f, mean compactness %.3f",
                                report.grids.count, report.communities.count, options.target.description, report.withinBoundsRatio * 100, cv, report.compactnessMean)]
            if !previousGrids.isEmpty {
                lines.append(String(format: "against the previous generation: %d kept, %d changed, %d new, %d retired; %.0f households change grid",
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

extension Store {
    /// Writes grids as a new generation in one transaction: the grid rows, their code history
    /// (predecessor = LASTCODE), and every component and event re-assigned to the grid it lies in.
    func writeGridGeneration(_ grids: [Feature], parameters: JSONObject) throws {
        try database.transaction {
            let generation = try addGeneration(layer: .grids, command: "partition", parameters: parameters)
            let mapping = try FieldMapping(explicit: ["code": "code", "parent_code": "community", "households": "households"],
                                           propertyNames: ["code", "community", "households"])
            try insert(grids, into: .grids, generation: generation, fields: mapping, source: path)
            try database.execute("UPDATE grids SET area_m2 = json_extract(properties, '$.area_m2'), start_date = date('now') WHERE generation_id = \(generation)")
            let history = try database.prepare("INSERT INTO code_history (code, predecessor_code, generation_id, start_date) VALUES (?, ?, ?, date('now'))")
            for g in grids {
                let predecessor = g.properties["lastcode"].flatMap { $0 == .null ? nil : $0.text }
                try history.run([.text(g.properties["code"]!.text), predecessor.map { .text($0) } ?? .null, .integer(generation)])
            }
            // Retired codes end today.
            if let parent = try generations(of: .grids).dropLast().last?.id {
                try database.execute("""
                    UPDATE code_history SET end_date = date('now') WHERE end_date IS NULL AND generation_id <= \(parent)
                      AND code NOT IN (SELECT code FROM grids WHERE generation_id = \(generation))
                    """)
            }
            try package.updateExtent(of: "grids")
            try reassignPoints(to: generation)
        }
    }

    /// Sets each component's and event's parent_code to the code of the grid of `generation` it lies in.
    func reassignPoints(to generation: Int64) throws {
        let grids = try features(of: .grids, generation: generation)
        let ctx = GEOSContext()
        let natives = try grids.map { try ctx.geometry($0.geometry ?? .multiPolygon([])) }
        let index = try SpatialIndex(context: ctx)
        for n in natives { try index.insert(n) }
        let prepared = try natives.map { try $0.prepared() }
        for layer in [StoreLayer.components, .events] {
            let update = try database.prepare("UPDATE \(layer.rawValue) SET parent_code = ? WHERE fid = ?")
            for f in try features(of: layer) {
                guard case .point(let c)? = f.geometry, let fid = f.id?.intValue else { continue }
                let p = try ctx.geometry(.point(c))
                let k = try index.query(intersecting: p).first { try prepared[$0].covers(p) }
                try update.run([k.map { .text(grids[$0].properties["code"]?.text ?? "") } ?? .null, .integer(fid)])
            }
        }
    }
}
