import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanIO
import GridplanInputs

/// The `--json` documents of the analysis commands, as typed reports. Their keys are the ones
/// scripts already read; `inputs` (which CRS each input was read in, and why) is last.
protocol JSONReport: Encodable {}

extension JSONReport {
    /// The document as one line of JSON text.
    func text() throws -> String { JSONText.encode(try JSONValueEncoder.encode(self)) }
}

/// A key chosen at run time (one per finding kind).
struct DynamicKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// `gridplan check --json`.
struct CheckReport: JSONReport {
    struct KindTotal: Encodable {
        var count: Int
        var areaSquareMetres: Double
        enum CodingKeys: String, CodingKey {
            case count
            case areaSquareMetres = "area_m2"
        }
    }

    struct Skipped: Encodable {
        var feature: Int
        var reason: String
    }

    struct Summary: Encodable {
        /// Count and area per finding kind, every kind present (in FindingKind order).
        var kinds: [(kind: String, total: KindTotal)]
        var coverageRatio: Double
        var boundaryAreaSquareMetres: Double
        var units: Int
        var skipped: [Skipped]
        var metricCRS: String

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: DynamicKey.self)
            for (kind, total) in kinds { try c.encode(total, forKey: DynamicKey(kind)) }
            try c.encode(coverageRatio, forKey: DynamicKey("coverage_ratio"))
            try c.encode(boundaryAreaSquareMetres, forKey: DynamicKey("boundary_area_m2"))
            try c.encode(units, forKey: DynamicKey("units"))
            try c.encode(skipped, forKey: DynamicKey("skipped"))
            try c.encode(metricCRS, forKey: DynamicKey("metric_crs"))
        }
    }

    var summary: Summary
    var warnings: [String]
    /// Each finding's properties (as in the GeoJSON output) with its geometry in WGS84.
    var findings: [JSONValue]
    var inputs: [LayerReading]

    init(_ r: CoverageReport, features: [Feature], metric: CRS, warnings: [String], inputs: InputSet) {
        let kinds = FindingKind.allCases.map { kind -> (String, KindTotal) in
            let fs = r.findings.filter { $0.kind == kind }
            return (
                kind.rawValue, KindTotal(count: fs.count, areaSquareMetres: fs.reduce(0) { $0 + $1.areaSquareMetres })
            )
        }
        summary = Summary(
            kinds: kinds.map { (kind: $0.0, total: $0.1) }, coverageRatio: r.coverageRatio,
            boundaryAreaSquareMetres: r.boundaryAreaSquareMetres,
            units: r.unitCount, skipped: r.skipped.map { Skipped(feature: $0.index, reason: $0.reason) },
            metricCRS: metric.identifier)
        self.warnings = warnings
        findings = features.map { f in
            var o = f.properties
            o["geometry"] =
                f.geometry.map { g in
                    var bytes: [UInt8] = []
                    GeoJSONWriter.appendGeometry(g, precision: 7, to: &bytes)
                    return (try? JSONText.decode(bytes)) ?? .null
                } ?? .null
            return .object(o)
        }
        self.inputs = inputs.readings
    }
}

/// `gridplan repair --json`.
struct RepairReportJSON: JSONReport {
    struct Summary: Encodable {
        var changes: Int
        var areaMovedSquareMetres: Double
        var householdsMoved: Double
        var unresolved: Int
        enum CodingKeys: String, CodingKey {
            case changes
            case areaMovedSquareMetres = "area_moved_m2"
            case householdsMoved = "households_moved"
            case unresolved
        }
    }

    /// With a store: the generations the repair wrote.
    struct Recorded: Encodable {
        var repairedGeneration: Int64
        var changesGeneration: Int64
        enum CodingKeys: String, CodingKey {
            case repairedGeneration = "repaired_generation"
            case changesGeneration = "changes_generation"
        }
    }

    var summary: Summary
    /// Each change's properties, as in the --changes GeoJSON.
    var changes: [JSONObject]
    /// Each gap left for a decision, as check reports it.
    var unresolved: [JSONObject]
    var recorded: Recorded?
    var warnings: [String]
    var inputs: [LayerReading]

    init(
        _ report: RepairReport, changes: [Feature], unresolved: [Feature], recorded: (repaired: Int64, changes: Int64)?,
        warnings: [String], inputs: InputSet
    ) {
        summary = Summary(
            changes: report.changes.count, areaMovedSquareMetres: report.changes.reduce(0) { $0 + $1.areaSquareMetres },
            householdsMoved: report.changes.compactMap(\.households).reduce(0, +), unresolved: report.unresolved.count)
        self.changes = changes.map(\.properties)
        self.unresolved = unresolved.map(\.properties)
        self.recorded = recorded.map { Recorded(repairedGeneration: $0.repaired, changesGeneration: $0.changes) }
        self.warnings = warnings
        self.inputs = inputs.readings
    }
}

/// `gridplan partition --json`.
struct PartitionReportJSON: JSONReport {
    struct Infeasible: Encodable {
        var code: String
        var reason: String
    }

    struct Summary: Encodable {
        var grids: Int
        var withinBoundsRatio: Double
        var cv: Double
        var compactnessMean: Double
        var infeasibleCommunities: [Infeasible]
        var kept: Int
        var changed: Int
        var new: Int
        var retired: Int
        var householdsChangingGrid: Double
        var target: String
        var metricCRS: String
        enum CodingKeys: String, CodingKey {
            case grids
            case withinBoundsRatio = "within_bounds_ratio"
            case cv
            case compactnessMean = "compactness_mean"
            case infeasibleCommunities = "infeasible_communities"
            case kept, changed, new, retired
            case householdsChangingGrid = "households_changing_grid"
            case target
            case metricCRS = "metric_crs"
        }
    }

    struct Community: Encodable {
        var code: String
        var grids: Int
        var blocks: Int
        var total: Double
        var infeasibility: String?
    }

    /// `--keep-untouched`: what moved and what became of each community it changed.
    struct Incremental: Encodable {
        struct Repartitioned: Encodable {
            var code: String
            var kept: Int
            var reshaped: Int
            var changed: Int
            var new: Int
            var retired: [String]
            var joined: [String]
        }
        var moves: String
        var repairGeneration: Int64?
        var repartitioned: [Repartitioned]
        var untouched: [String]
        var absent: [String]
        var carried: Int
        enum CodingKeys: String, CodingKey {
            case moves
            case repairGeneration = "repair_generation"
            case repartitioned, untouched, absent, carried
        }
    }

    var summary: Summary
    var communities: [Community]
    var retired: [String]
    var incremental: Incremental?
    var warnings: [String]
    var inputs: [LayerReading]

    init(
        _ report: PartitionReport, target: PartitionTarget, metric: CRS, warnings: [String], inputs: InputSet,
        moves: String? = nil, repairGeneration: Int64? = nil
    ) {
        let balance = report.balance(of: target.quantity)
        summary = Summary(
            grids: report.grids.count, withinBoundsRatio: report.withinBoundsRatio, cv: balance.cv,
            compactnessMean: report.compactnessMean,
            infeasibleCommunities: report.communities.compactMap { c in
                c.infeasibility.map { Infeasible(code: c.code, reason: $0) }
            },
            kept: report.kept, changed: report.changed, new: report.new, retired: report.retired.count,
            householdsChangingGrid: report.householdsChangingGrid, target: target.description,
            metricCRS: metric.identifier)
        communities = report.communities.map {
            Community(
                code: $0.code, grids: $0.grids, blocks: $0.blocks, total: $0.total, infeasibility: $0.infeasibility)
        }
        retired = report.retired
        incremental = report.incremental.map { i in
            Incremental(
                moves: moves ?? "", repairGeneration: repairGeneration,
                repartitioned: i.communities.map {
                    Incremental.Repartitioned(
                        code: $0.code, kept: $0.kept, reshaped: $0.reshaped, changed: $0.changed, new: $0.new,
                        retired: $0.retired, joined: $0.joined)
                }, untouched: i.untouched, absent: i.absent, carried: i.carried)
        }
        self.warnings = warnings
        self.inputs = inputs.readings
    }
}

/// `gridplan assign streets --json`.
struct AssignStreetsReport: JSONReport {
    struct ChiefLength: Encodable {
        var chief: String
        var lengthMetres: Double
        enum CodingKeys: String, CodingKey {
            case chief
            case lengthMetres = "length_m"
        }
    }

    struct Elsewhere: Encodable {
        var chief: String
        var street: String
        var chiefUnit: String
        var leadUnit: String
        enum CodingKeys: String, CodingKey {
            case chief, street
            case chiefUnit = "chief_unit"
            case leadUnit = "lead_unit"
        }
    }

    struct Summary: Encodable {
        var segments: Int
        var lengthMetres: Double
        var boundarySegments: Int
        var unownedLengthMetres: Double
        var streetsWithoutChief: [String]
        var chiefsOverLimit: [ChiefLength]
        var chiefsInOtherUnits: [Elsewhere]
        var rule: String
        var metricCRS: String
        var gradeRule: String?
        var lengthByGrade: JSONObject
        var lengthByBody: JSONObject
        var recordedGeneration: Int64?
        enum CodingKeys: String, CodingKey {
            case segments
            case lengthMetres = "length_m"
            case boundarySegments = "boundary_segments"
            case unownedLengthMetres = "unowned_length_m"
            case streetsWithoutChief = "streets_without_chief"
            case chiefsOverLimit = "chiefs_over_limit"
            case chiefsInOtherUnits = "chiefs_in_other_units"
            case rule
            case metricCRS = "metric_crs"
            case gradeRule = "grade_rule"
            case lengthByGrade = "length_m_by_grade"
            case lengthByBody = "length_m_by_body"
            case recordedGeneration = "recorded_generation"
        }
    }

    struct Street: Encodable {
        var name: String
        var lengthMetres: Double
        var lead: String?
        var units: JSONObject
        enum CodingKeys: String, CodingKey {
            case name
            case lengthMetres = "length_m"
            case lead, units
        }
    }

    struct Unit: Encodable {
        var code: String
        var lengthMetres: Double
        var streets: JSONObject
        enum CodingKeys: String, CodingKey {
            case code
            case lengthMetres = "length_m"
            case streets
        }
    }

    var summary: Summary
    var streets: [Street]
    var units: [Unit]
    var warnings: [String]
    var inputs: [LayerReading]

    init(
        _ result: StreetAssignment, summary s: StreetSummary, review: ChiefReview?, rule: GradeRule?, recorded: Int64?,
        metric: CRS, warnings: [String], inputs: InputSet
    ) {
        func metres(_ d: [String: Double]) -> JSONObject {
            JSONObject(d.sorted { $0.key < $1.key }.map { (key: $0.key, value: JSONValue.number($0.value)) })
        }
        summary = Summary(
            segments: result.segments.count, lengthMetres: result.totalLengthMetres,
            boundarySegments: result.segments.filter(\.isBoundary).count,
            unownedLengthMetres: result.unownedLengthMetres, streetsWithoutChief: review?.streetsWithoutChief ?? [],
            chiefsOverLimit: review?.overLimit.map { ChiefLength(chief: $0.chief, lengthMetres: $0.metres) } ?? [],
            chiefsInOtherUnits: review?.elsewhere.map {
                Elsewhere(chief: $0.chief, street: $0.street, chiefUnit: $0.chiefUnit, leadUnit: $0.leadUnit)
            } ?? [],
            rule: StreetAssigner.boundaryRule, metricCRS: metric.identifier, gradeRule: rule?.description,
            lengthByGrade: JSONObject(
                s.metresByGrade.sorted { $0.key < $1.key }.map {
                    (key: String($0.key), value: JSONValue.number($0.value))
                }),
            lengthByBody: metres(s.metresByBody), recordedGeneration: recorded)
        streets = s.streets.map {
            Street(name: $0.name, lengthMetres: $0.lengthMetres, lead: $0.lead, units: metres($0.metresByUnit))
        }
        units = s.metresByUnit.keys.sorted().map { code in
            let led = s.streets(ledBy: code)
            return Unit(
                code: code, lengthMetres: led.metres,
                streets: JSONObject(led.byName.map { (key: $0.name, value: JSONValue.number($0.metres)) }))
        }
        self.warnings = warnings
        self.inputs = inputs.readings
    }
}

/// `gridplan assign units --json`.
struct AssignUnitsReport: JSONReport {
    struct Summary: Encodable {
        var children: Int
        var split: Int
        var declaredDiffers: Int
        var inNoParent: Int
        enum CodingKeys: String, CodingKey {
            case children, split
            case declaredDiffers = "declared_differs"
            case inNoParent = "in_no_parent"
        }
    }

    struct Share: Encodable {
        var parent: String
        var share: Double
    }

    struct Child: Encodable {
        var code: String
        var parent: String?
        var share: Double
        var declaredParent: String?
        var split: Bool
        var shares: [Share]
        enum CodingKeys: String, CodingKey {
            case code, parent, share
            case declaredParent = "declared_parent"
            case split, shares
        }
    }

    var summary: Summary
    var children: [Child]
    var warnings: [String]
    var inputs: [LayerReading]

    init(_ placements: [ChildPlacement], warnings: [String], inputs: InputSet) {
        summary = Summary(
            children: placements.count, split: placements.filter(\.isSplit).count,
            declaredDiffers: placements.filter(\.disagrees).count,
            inNoParent: placements.filter { $0.parent == nil }.count)
        children = placements.map { p in
            Child(
                code: p.child, parent: p.parent, share: p.share, declaredParent: p.declaredParent, split: p.isSplit,
                shares: p.shares.map { Share(parent: $0.code, share: $0.share) })
        }
        self.warnings = warnings
        self.inputs = inputs.readings
    }
}

/// `gridplan assign points --json`.
struct AssignPointsReport: JSONReport {
    struct Summary: Encodable {
        var points: Int
        var assigned: Int
        var outside: Int
        var rule: String
    }

    var summary: Summary
    /// Points per unit code, in code order.
    var units: JSONObject
    /// Feature indices of the points in no unit.
    var outside: [Int]
    /// With --frontage: feature index → the owner of the 门前三包 zone the point lies in.
    var frontageOwners: JSONObject?
    var warnings: [String]
    var inputs: [LayerReading]

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.encode(summary, forKey: DynamicKey("summary"))
        try c.encode(units, forKey: DynamicKey("units"))
        try c.encode(outside, forKey: DynamicKey("outside"))
        if let frontageOwners { try c.encode(frontageOwners, forKey: DynamicKey("frontage_owners")) }
        try c.encode(warnings, forKey: DynamicKey("warnings"))
        try c.encode(inputs, forKey: DynamicKey("inputs"))
    }

    init(points: Int, assigned: Int, counts: [String: Int], outside: [Int], warnings: [String], inputs: InputSet) {
        summary = Summary(points: points, assigned: assigned, outside: outside.count, rule: PointAssigner.tieRule)
        units = JSONObject(
            counts.sorted { $0.key < $1.key }.map { (key: $0.key, value: JSONValue.integer(Int64($0.value))) })
        self.outside = outside
        self.warnings = warnings
        self.inputs = inputs.readings
    }
}

/// `gridplan metrics --json`: the summary and one row per unit and level, with the CSV's columns.
struct MetricsReport: JSONReport {
    var summary: JSONObject
    var units: [JSONObject]
    var warnings: [String]
    var inputs: [LayerReading]
}
