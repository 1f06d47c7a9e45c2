import ArgumentParser
import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanIO
import GridplanInputs
import GridplanStore

/// How every command reads its inputs: the CRS of the input files and the store. Declared once
/// here so every command says and does the same.
struct InputOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Declare the CRS of every input file (EPSG:4490, gcj02, bd09, a PROJ string). One input is declared apart as FILE@CRS.",
            discussion:
                "Precedence: FILE@CRS, then --crs, then what the file declares (GeoJSON crs, .prj, GeoPackage SRS), then WGS84 for GeoJSON. Store layers carry the store's CRS.",
            valueName: "crs"))
    var crs: String?

    @Option(
        name: .long,
        help:
            "A gridplan store: a .gpkg file or a postgresql:// URI. Layer names (communities, grids, buildings ...) stand for its layers."
    )
    var store: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Read only this unit of the store: a district, street office or community code.",
            discussion:
                "Polygon layers keep the features whose code starts with it; point and line layers keep those within its extent. A province store is processed district by district this way.",
            valueName: "code"))
    var within: String?

    func validate() throws {
        if within != nil && store == nil { throw ValidationError("--within reads part of a store: give --store too") }
        if let within, within.isEmpty || !within.allSatisfy(\.isNumber) {
            throw ValidationError("--within takes a unit code (digits), not '\(within)'")
        }
    }

    /// Opens the store (if any) and the input set that reads every input of the command.
    func open(readOnly: Bool) throws -> (store: Store?, inputs: InputSet) {
        let s = try store.map { try Stores.open($0, readOnly: readOnly) }
        return (s, try InputSet(declaredCRS: crs, store: s, within: within))
    }
}

/// The CRS areas and lengths are measured in.
struct MetricOptions: ParsableArguments {
    @Option(
        name: .customLong("metric-crs"),
        help: "The projected CRS to measure in. Default: the Gauss-Krüger (China) or UTM zone of the data.")
    var metricCRS: String?
}

/// Households for counting and balancing: points with a households property.
struct HouseholdsOptions: ParsableArguments {
    @Option(name: .long, help: "Points carrying households (buildings). A file, FILE@CRS, or a store layer.")
    var households: String?

    @Option(
        name: .customLong("weight-field"),
        help: "The households property of --households points. Default: detected (households, 户数), else 1 per point.")
    var weightField: String?
}

/// The roles a roster must fill, for `roster` and for the report's roster holes.
struct RoleRequirementOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "A role every unit of a level (or every named street) needs: LEVEL:ROLE=N or LEVEL:ROLE>=N. Levels: district, street_office, community, grid, street.",
            valueName: "level:role>=n"))
    var require: [String] = []

    func validate() throws {
        do {
            _ = try requirements()
        } catch let e as RosterRuleError {
            throw ValidationError(e.message)
        }
    }

    func requirements() throws -> [RoleRequirement] { try require.map { try RoleRequirement(parsing: $0) } }
}

/// The code property of the units a command works on.
struct UnitFieldOptions: ParsableArguments {
    @Option(
        name: .customLong("code-field"), help: "The units' code property. Default: detected (code, 编码, adcode ...).")
    var codeField: String?
}

extension InputSet {
    /// Says on stderr (unless `--quiet`) which CRS each input was read in and why, and the readers' notes.
    func report(to console: Console) {
        guard !console.quiet else { return }
        for line in readingLines { console.err(line + "\n") }
        for note in notes { console.err("note: \(note)\n") }
    }
}

extension JSONValue {
    /// The `--json` document with the inputs' CRSs added as `inputs`.
    func adding(inputs: InputSet) -> JSONValue {
        guard case .object(var o) = self else { return self }
        o["inputs"] = inputs.readingsJSON
        return .object(o)
    }
}

/// The properties holding events' case-loop fields, when detection does not find them.
struct CaseFieldOptions: ParsableArguments {
    @Option(
        name: .customLong("reported-field"),
        help: "The reported time (上报时间). Default: detected (reported_at, 上报时间, requested_datetime ...).")
    var reportedField: String?
    @Option(name: .customLong("dispatched-field"), help: "The dispatched time (派遣时间).")
    var dispatchedField: String?
    @Option(name: .customLong("closed-field"), help: "The closed time (结案时间); empty while open.")
    var closedField: String?
    @Option(name: .customLong("deadline-field"), help: "The deadline (处置时限).")
    var deadlineField: String?
    @Option(name: .customLong("status-field"), help: "The status (案件状态).")
    var statusField: String?
    @Option(name: .customLong("source-field"), help: "The source (来源: patrol, hotline, public ...).")
    var sourceField: String?

    /// Field → property for the fields named.
    var explicit: [String: String] {
        var e: [String: String] = [:]
        e["reported_at"] = reportedField
        e["dispatched_at"] = dispatchedField
        e["closed_at"] = closedField
        e["deadline"] = deadlineField
        e["status"] = statusField
        e["source"] = sourceField
        return e
    }
}
