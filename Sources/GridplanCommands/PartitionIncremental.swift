import ArgumentParser
import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanInputs
import GridplanStore

/// `partition --keep-untouched`: re-partition only the land a boundary adjustment moved.
struct KeepUntouchedOptions: ParsableArguments {
    @Flag(
        name: .customLong("keep-untouched"),
        help: ArgumentHelp(
            "Re-partition only the land a boundary adjustment moved: every previous grid it does not touch stays as it was (geometry and code).",
            discussion:
                "The moves come from the store's latest repair (repair --store records them), --repair-generation, --changes or --communities-before. The previous grids are the store's, or --previous."
        ))
    var keepUntouched = false

    @Option(
        name: .customLong("repair-generation"),
        help: ArgumentHelp(
            "With --store: the repair to follow, as its generation of boundary_changes (or of communities). Default: the latest.",
            valueName: "generation"))
    var repairGeneration: Int64?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The land that moved as a change list: repair --changes FILE, or polygons with from_unit and to_unit (a file or store layer).",
            valueName: "file"))
    var changes: String?

    @Option(
        name: .customLong("communities-before"),
        help: ArgumentHelp(
            "The communities before the adjustment (a file or store layer): the land whose community changed moved.",
            valueName: "file"))
    var communitiesBefore: String?

    func validate(store: String?, previous: String?) throws {
        let sources = [
            ("--repair-generation", repairGeneration != nil), ("--changes", changes != nil),
            ("--communities-before", communitiesBefore != nil),
        ].filter(\.1).map(\.0)
        guard keepUntouched else {
            if let first = sources.first {
                throw ValidationError("\(first) says what moved, for --keep-untouched: give --keep-untouched too")
            }
            return
        }
        if sources.count > 1 { throw ValidationError("give one of \(sources.joined(separator: ", ")), not several") }
        if store == nil {
            if repairGeneration != nil {
                throw ValidationError("--repair-generation names a repair recorded in a store: give --store")
            }
            if sources.isEmpty {
                throw ValidationError(
                    "--keep-untouched without a store needs what moved: --changes FILE (repair --changes) or --communities-before FILE"
                )
            }
            if previous == nil { throw ValidationError("--keep-untouched needs the grids it keeps: --previous FILE") }
        } else if let previous, previous != StoreLayer.grids.rawValue {
            throw ValidationError(
                "--keep-untouched with --store keeps the store's own grids and carries their rows: drop --previous \(previous)"
            )
        }
    }

    /// Where the moves are read from.
    var source: AdjustmentSource {
        if let changes { return .changes(changes) }
        if let communitiesBefore { return .outlinesBefore(communitiesBefore) }
        return .storedRepair(generation: repairGeneration)
    }
}

extension Partition {
    /// Keeps every previous grid the moved land does not touch, partitions the rest of the
    /// communities it changed, and writes the grids: in a store, the kept grids' and every other
    /// community's rows are carried into the new generation as they were.
    func runIncremental(_ read: Inputs, store s: Store?, inputs: InputSet) throws {
        let console = Console.current
        var warnings = read.warnings
        let previous = try readPrevious(
            self.previous ?? StoreLayer.grids.rawValue, inputs: inputs, metric: read.metric, warnings: &warnings)
        let reading = try inputs.adjustment(
            incremental.source, after: read.units, in: read.metric, codeField: unitFields.codeField)
        if let s, let repair = reading.repair { warnings += try Self.staleness(of: repair, in: s) }
        let report = try IncrementalPartitioner.run(
            communities: read.communities, streets: read.streets, households: read.households, events: read.events,
            previous: previous.grids, adjustment: reading.adjustment, usedCodes: try s?.issuedGridCodes() ?? [],
            options: read.options
        ) { console.progress($0) }
        console.clearProgress()
        inputs.report(to: console)
        let summary = report.incremental ?? IncrementalSummary()
        if summary.communities.isEmpty && summary.untouched.isEmpty {
            throw CommandFailure(
                "\(reading.source): the land moved between \(summary.absent.joined(separator: ", ")), none of them among the communities read\(inputs.within.map { " (--within \($0))" } ?? ""): there is nothing to re-partition",
                exitCode: .badInput)
        }
        if !summary.absent.isEmpty {
            warnings.append(
                "the moves also name \(summary.absent.joined(separator: ", ")), not among the communities read\(inputs.within.map { " (--within \($0))" } ?? ""): their grids were not re-partitioned"
            )
        }
        warnings = inputs.warnings + warnings + report.warnings
        let exact = ExactGrids(read: read, previous: previous, report: report)
        if let out {
            let format = try ExportFormat(path: out)
            let target = format == .geojson ? CRS.wgs84 : read.layer.crs
            let features = try exact.features(report.grids + report.carried, in: target)
            _ = try FeatureExport.write(
                features, crs: target, to: out, layerName: "grids",
                precision: precision ?? Repair.exactDecimals(read.layer.crs))
        }
        var written = false
        if let s, !summary.communities.isEmpty {
            let standing = try exact.features(report.grids, in: s.crs)
            let fresh = zip(report.grids, standing).filter { $0.0.previousIndex == nil }.map(\.1)
            var parameters = recordedParameters
            parameters["keep_untouched"] = .bool(true)
            parameters["moves"] = .string(reading.source)
            if let repair = reading.repair { parameters["repair_generation"] = .integer(repair.generation.id) }
            parameters["repartitioned"] = .array(summary.communities.map { .string($0.code) })
            try s.writeGridGeneration(
                fresh, parameters: inputs.recorded(parameters),
                replacing: ReplacedCodes(prefixes: summary.communities.map(\.code), keeping: summary.keptCodes),
                locate: Self.locator(zip(report.grids, standing).map { ($0.code, $1.geometry) }))
            written = true
        }
        if global.json {
            console.out(
                try PartitionReportJSON(
                    report, target: read.options.target, metric: read.metric, warnings: warnings, inputs: inputs,
                    moves: reading.source, repairGeneration: reading.repair?.generation.id
                ).text() + "\n")
            return
        }
        var lines = report.communities.isEmpty ? [] : [Self.summaryLine(report, target: read.options.target)]
        lines += Self.incrementalLines(summary, report: report, moves: reading.source)
        if s != nil && !written { lines.append("no grid needed to change: the store is as it was") }
        lines += Self.infeasibilityLines(report) + warnings.map { "warning: \($0)" }
        console.out(lines.joined(separator: "\n") + "\n")
    }

    static func incrementalLines(_ summary: IncrementalSummary, report: PartitionReport, moves: String) -> [String] {
        let codes = summary.communities.map(\.code)
        let named = codes.prefix(20).joined(separator: ", ") + (codes.count > 20 ? " … \(codes.count - 20) more" : "")
        var lines = [
            "after the moves in \(moves): \(summary.communities.count) communities re-partitioned"
                + (codes.isEmpty ? "" : " (\(named))")
                + String(
                    format:
                        ": %d grids kept as they were, %d kept their code with changed land, %d changed, %d new, %d retired; %d grids of other communities carried; %.0f households change grid",
                    summary.keptCodes.count, summary.communities.reduce(0) { $0 + $1.reshaped }, report.changed,
                    report.new, report.retired.count, summary.carried, report.householdsChangingGrid)
        ]
        for c in summary.communities where !c.joined.isEmpty {
            lines.append(
                "community \(c.code): \(c.joined.joined(separator: ", ")) took in land too small to be a grid of its own"
            )
        }
        if !summary.untouched.isEmpty {
            lines.append("untouched (every grid stands): \(summary.untouched.joined(separator: ", "))")
        }
        return lines
    }

    /// A warning when the store's grids are newer than the repair followed: they may follow the
    /// repaired outlines already.
    static func staleness(of repair: RecordedRepair, in store: Store) throws -> [String] {
        guard let latest = try store.latestGeneration(of: .grids), latest.id > repair.generation.id else { return [] }
        return [
            "the store's grids (generation \(latest.id), \(latest.command)) are newer than the repair followed (boundary_changes generation \(repair.generation.id)): they may follow the repaired outlines already"
        ]
    }
}

/// Grids written so that shared edges are the same bits: a kept or carried grid is its previous
/// feature's own geometry when the output is in the previous grids' CRS, and every other grid
/// comes back from metres through an ``ExactInverse`` of the kept grids' and the communities'
/// coordinates, so a new grid's vertex on a kept grid (or on its community's outline) is that
/// grid's (or outline's) own.
struct ExactGrids {
    let read: Partition.Inputs
    let previous: (layer: LayerInput, grids: [PreviousGrid], features: [Int])
    let report: PartitionReport

    func features(_ grids: [GridOutput], in target: CRS) throws -> [Feature] {
        let verbatim = previous.layer.crs == target
        var sources: [Geometry] = []
        if verbatim {
            sources += grids.compactMap { $0.previousIndex }.compactMap {
                previous.layer.features[previous.features[$0]].geometry
            }
        }
        if read.layer.crs == target {
            let repartitioned = Set((report.incremental?.communities ?? []).map(\.code))
            sources += read.units.filter { repartitioned.contains($0.code) }.compactMap {
                read.layer.features[$0.sourceIndex].geometry
            }
        }
        let back = try ExactInverse(of: Transformer(from: target, to: read.metric), sources: sources)
        return try grids.map { g in
            if verbatim, let i = g.previousIndex, let own = previous.layer.features[previous.features[i]].geometry {
                return Partition.feature(g, geometry: own)
            }
            return Partition.feature(g, geometry: try back.transform(g.geometry))
        }
    }
}
