import ArgumentParser
import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanInputs
import GridplanStore

/// `gridplan assign streets|units|points`: who is responsible for what.
struct Assign: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Assign streets, child units and points to exactly one responsible unit.",
        subcommands: [AssignStreets.self, AssignUnits.self, AssignPoints.self]
    )
}

struct AssignStreets: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streets",
        abstract: "Split streets at unit boundaries and give each piece one lead unit (街巷长制).",
        discussion: """
            A piece inside a unit is led by it. A piece running along a shared boundary (within
            --boundary-tolerance for most of its length) is a boundary street: the unit with the longer
            frontage on that street leads (ties: the lower code); the others are co-owners.
            With --grade-rule each piece gets the body that keeps its grade (a hierarchy level such as
            street_office means the lead unit's office). With --store the segments, grades and bodies are
            recorded in the store (a new generation of street_segments) for metrics, roster and locate.
            Examples:
              gridplan assign streets data/streets.geojson --units data/communities.geojson --chiefs chiefs.csv
              gridplan assign streets streets --store city.gpkg --units communities --grade-rule 1-3:city,4:street_office
            """
    )

    @Argument(help: "The streets (lines with a name).")
    var streets: String

    @Option(name: .long, help: "The units that own streets (communities, grids, street offices).")
    var units: String

    @Option(name: .long, help: "A table of street chiefs: columns street (name or id), chief, level, phone, unit.")
    var chiefs: String?

    @Option(name: .customLong("boundary-tolerance"), help: "Metres within which a street runs along a boundary.")
    var boundaryTolerance: Double = 5

    @Option(name: .customLong("max-km-per-chief"), help: "Report chiefs holding more street length than this.")
    var maxKmPerChief: Double = 5

    @OptionGroup var unitFields: UnitFieldOptions

    @Option(
        name: .customLong("name-field"), help: "The streets' name property. Default: detected (name, 名称, 道路名称 ...).")
    var nameField: String?

    @Option(
        name: .customLong("grade-rule"),
        help: ArgumentHelp(
            "Who keeps each road grade, e.g. 1-3:city,4:street_office (路长制).",
            discussion:
                "A body named as a level (district, street_office, community, grid) is the lead unit's unit of that level.",
            valueName: "grades:body,..."))
    var gradeRule: String?

    @Option(
        name: .customLong("grade-field"),
        help: "The streets' grade property (1 the most important). Default: detected (grade, road_grade, 道路等级, 等级).")
    var gradeField: String?

    @Option(name: .long, help: "Write the segments as GeoJSON (WGS84).")
    var out: String?

    @OptionGroup var input: InputOptions
    @OptionGroup var measure: MetricOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard boundaryTolerance > 0, maxKmPerChief > 0 else {
            throw ValidationError("--boundary-tolerance and --max-km-per-chief must be positive")
        }
        if let gradeRule {
            do {
                _ = try GradeRule(parsing: gradeRule)
            } catch {
                throw ValidationError("\(error)")
            }
        }
    }

    func run() throws {
        global.apply()
        let console = Console.current
        let (store, inputs) = try input.open(readOnly: false)
        let unitLayer = try inputs.load(units, role: "units")
        let metric = try unitLayer.metricCRS(override: measure.metricCRS)
        var warnings: [String] = []
        let unitInputs = try unitLayer.units(
            in: metric, codeField: unitFields.codeField, parentField: nil, warnings: &warnings)
        try inputs.setReference(unitInputs, in: metric, layer: unitLayer)
        let rule = try gradeRule.map { try GradeRule(parsing: $0) }
        let streetFeatures = try inputs.streets(streets, in: metric, nameField: nameField, gradeField: gradeField)
            .streets
        if rule != nil {
            let ungraded = streetFeatures.filter { $0.grade == nil }.count
            if ungraded > 0 {
                warnings.append(
                    "\(streets): \(ungraded) streets have no grade (no grade, 道路等级 or 等级 property, or --grade-field); no body keeps them"
                )
            }
            let uncovered = Set(streetFeatures.compactMap(\.grade)).filter { rule!.body(forGrade: $0) == nil }.sorted()
            if !uncovered.isEmpty {
                warnings.append(
                    "--grade-rule \(rule!): no body keeps grade \(uncovered.map(String.init).joined(separator: ", "))")
            }
        }
        let unnamed = streetFeatures.filter { $0.name == nil }.count
        if unnamed > 0 {
            warnings.append(
                "\(streets): \(unnamed) streets have no name (no name, 名称 or 道路名称 property); they are grouped by id as #id"
            )
        }
        let result = try StreetAssigner.run(
            streets: streetFeatures, units: unitInputs, toleranceMetres: boundaryTolerance
        ) { console.progress($0) }
        console.clearProgress()
        inputs.report(to: console)
        warnings = inputs.warnings + warnings
        for sk in result.skipped { warnings.append("\(streets): feature \(sk.index): \(sk.reason); skipped") }
        var recorded: Int64?
        if let store {
            let toStore = try Transformer(from: metric, to: store.crs)
            let segments = try result.segments.map { seg in
                RecordedStreetSegment(
                    streetID: seg.streetID, name: seg.streetName, streetClass: seg.streetClass, grade: seg.grade,
                    lengthMetres: seg.lengthMetres,
                    lead: seg.lead, coOwners: seg.coOwners, isBoundary: seg.isBoundary,
                    responsibleBody: seg.grade.flatMap { rule?.body(forGrade: $0) },
                    responsibleUnit: seg.grade.flatMap { rule?.responsibleUnit(forGrade: $0, lead: seg.lead) },
                    geometry: try toStore.transform(seg.geometry))
            }
            var parameters: JSONObject = [
                "units": .string(units), "streets": .string(streets),
                "boundary_tolerance_m": .number(boundaryTolerance),
                "metric_crs": .string(metric.identifier),
            ]
            parameters["grade_rule"] = rule.map { .string($0.description) } ?? .null
            recorded = try store.recordStreetSegments(segments, command: "assign streets", parameters: parameters)
            if !console.quiet {
                console.err(
                    "recorded \(segments.count) segments in \(store.location) (street_segments generation \(recorded!))\n"
                )
            }
        }
        let summary = StreetSummary(segments: result.segments, rule: rule)
        let review = try chiefs.map { path in
            let review = ChiefReview(
                summary, chiefs: try ChiefTable.read(path: path, needs: .street),
                maxMetresPerChief: maxKmPerChief * 1000)
            for u in review.unmatched {
                warnings.append(
                    "\(path): row \(u.line): street '\(u.street)' matches no street; its chief holds nothing")
            }
            return review
        }

        let toWGS84 = try Transformer(from: metric, to: .wgs84)
        if let out {
            // Streamed: at a province's size the segments' features would hold gigabytes.
            let writer = try GeoJSONWriter(path: out)
            for (k, seg) in result.segments.enumerated() {
                var p = JSONObject()
                p["street_id"] = .string(seg.streetID)
                p["name"] = seg.streetName.map { .string($0) } ?? .null
                p["class"] = seg.streetClass.map { .string($0) } ?? .null
                p["grade"] = seg.grade.map { .integer(Int64($0)) } ?? .null
                p["responsible_body"] = seg.grade.flatMap { rule?.body(forGrade: $0) }.map { .string($0) } ?? .null
                p["responsible_unit"] =
                    seg.grade.flatMap { rule?.responsibleUnit(forGrade: $0, lead: seg.lead) }.map { .string($0) }
                    ?? .null
                p["length_m"] = .number((seg.lengthMetres * 100).rounded() / 100)
                p["lead"] = seg.lead.map { .string($0) } ?? .null
                p["co_owners"] = .array(seg.coOwners.map { .string($0) })
                p["boundary"] = .bool(seg.isBoundary)
                p["rule"] = .string(seg.rule)
                try writer.write(
                    Feature(id: .integer(Int64(k + 1)), geometry: try toWGS84.transform(seg.geometry), properties: p))
            }
            try writer.finish()
        }
        if global.json {
            console.out(
                try AssignStreetsReport(
                    result, summary: summary, review: review, rule: rule, recorded: recorded, metric: metric,
                    warnings: warnings, inputs: inputs
                ).text() + "\n")
        } else {
            var lines = [
                String(
                    format: "%d segments, %.1f m of street, %d boundary segments, %.1f m in no unit",
                    result.segments.count, result.totalLengthMetres, result.segments.filter(\.isBoundary).count,
                    result.unownedLengthMetres)
            ]
            lines.append("rule: \(StreetAssigner.boundaryRule)")
            if let rule {
                lines.append(
                    "grade rule \(rule): "
                        + summary.metresByBody.sorted { $0.key < $1.key }.map {
                            String(format: "%@ %.2f km", $0.key, $0.value / 1000)
                        }.joined(separator: ", "))
            }
            for sum in summary.streets.prefix(30) {
                lines.append(
                    String(
                        format: "%@  %.1f m  lead %@  (%@)", sum.name, sum.lengthMetres, sum.lead ?? "-",
                        sum.metresByUnit.sorted { $0.key < $1.key }.map {
                            String(format: "%@ %.1f m", $0.key, $0.value)
                        }.joined(separator: ", ")))
            }
            if summary.streets.count > 30 { lines.append("… \(summary.streets.count - 30) more streets (use --json)") }
            if let review {
                let without = review.streetsWithoutChief
                lines.append(
                    "streets without a chief: \(without.count)"
                        + (without.isEmpty
                            ? ""
                            : " (" + without.prefix(10).joined(separator: ", ") + (without.count > 10 ? ", …" : "")
                                + ")"))
                for o in review.overLimit {
                    lines.append(
                        String(format: "chief %@ holds %.2f km, over %.2f km", o.chief, o.metres / 1000, maxKmPerChief))
                }
                for e in review.elsewhere {
                    lines.append(
                        "chief \(e.chief) of \(e.street) sits in \(e.chiefUnit), but \(e.leadUnit) leads the street")
                }
            }
            for w in warnings { lines.append("warning: \(w)") }
            console.out(lines.joined(separator: "\n") + "\n")
        }
    }
}

struct AssignUnits: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "units",
        abstract: "Place each child unit (community, grid) in the parent holding most of its area.",
        discussion:
            "Example: gridplan assign units data/communities.geojson --parents data/street_offices.geojson --parent-field parent"
    )

    @Argument(help: "The child units.")
    var children: String

    @Option(name: .long, help: "The parent units.")
    var parents: String

    @Option(name: .customLong("parent-field"), help: "The children's declared-parent property, to list disagreements.")
    var parentField: String?

    @OptionGroup var unitFields: UnitFieldOptions

    @Option(name: .long, help: "Write the children with their spatial parent and share (.geojson, .gpkg, .csv).")
    var out: String?

    @OptionGroup var input: InputOptions
    @OptionGroup var measure: MetricOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        global.apply()
        let (_, inputs) = try input.open(readOnly: true)
        let childLayer = try inputs.load(children, role: "children")
        let metric = try childLayer.metricCRS(override: measure.metricCRS)
        var warnings: [String] = []
        let kids = try childLayer.units(
            in: metric, codeField: unitFields.codeField, parentField: parentField, warnings: &warnings)
        try inputs.setReference(kids, in: metric, layer: childLayer)
        let parentUnits = try inputs.loadChecked(parents, role: "parents", in: metric, territory: true).units(
            in: metric, codeField: nil, parentField: nil, warnings: &warnings)
        inputs.report(to: Console.current)
        warnings = inputs.warnings + warnings
        let placements = try UnitAssigner.run(children: kids, parents: parentUnits)
        if let out {
            var byIndex: [Int: ChildPlacement] = [:]
            for (k, u) in kids.enumerated() { byIndex[u.sourceIndex] = placements[k] }
            let features = childLayer.features.enumerated().map { i, f -> Feature in
                var f = f
                if let p = byIndex[i] {
                    f.properties["spatial_parent"] = p.parent.map { .string($0) } ?? .null
                    f.properties["parent_share"] = .number((p.share * 10_000).rounded() / 10_000)
                    f.properties["split"] = .bool(p.isSplit)
                }
                return f
            }
            _ = try FeatureExport.write(features, crs: childLayer.crs, to: out, layerName: "children")
        }
        let split = placements.filter(\.isSplit)
        let disagree = placements.filter(\.disagrees)
        let orphans = placements.filter { $0.parent == nil }
        if global.json {
            Console.current.out(try AssignUnitsReport(placements, warnings: warnings, inputs: inputs).text() + "\n")
        } else {
            var lines = [
                "\(placements.count) children: \(split.count) split between parents, \(disagree.count) whose declared parent differs, \(orphans.count) in no parent"
            ]
            for p in split {
                lines.append(
                    "split: \(p.child) "
                        + p.shares.map { String(format: "%@ %.1f%%", $0.code, $0.share * 100) }.joined(separator: ", "))
            }
            for p in disagree {
                lines.append(
                    "declared \(p.declaredParent!), lies in \(p.parent!): \(p.child)"
                        + String(format: " (%.1f%%)", p.share * 100))
            }
            for p in orphans { lines.append("in no parent: \(p.child)") }
            for w in warnings { lines.append("warning: \(w)") }
            Console.current.out(lines.joined(separator: "\n") + "\n")
        }
    }
}

struct AssignPoints: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "points",
        abstract: "Give each point (component, event, building) the code of the unit it lies in.",
        discussion:
            "A point on a shared edge goes to the unit with the lowest code among those that cover it. Example: gridplan assign points data/events.geojson --units grids.geojson --out events-by-grid.geojson"
    )

    @Argument(help: "The points.")
    var points: String

    @Option(name: .long, help: "The units (grids, communities).")
    var units: String

    @OptionGroup var unitFields: UnitFieldOptions

    @Option(name: .customLong("unit-property"), help: "The property the unit code is written to.")
    var unitProperty: String = "unit"

    @Option(name: .long, help: "Write the points with their unit code (.geojson, .gpkg, .csv).")
    var out: String?

    @Option(
        name: .long,
        help:
            "门前三包 zones (gridplan frontage --out, or the store's frontage_zones): a point in a zone also gets the zone's owner, in frontage_owner."
    )
    var frontage: String?

    @OptionGroup var input: InputOptions
    @OptionGroup var measure: MetricOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        global.apply()
        let (_, inputs) = try input.open(readOnly: true)
        let unitLayer = try inputs.load(units, role: "units")
        let metric = try unitLayer.metricCRS(override: measure.metricCRS)
        var warnings: [String] = []
        let unitInputs = try unitLayer.units(
            in: metric, codeField: unitFields.codeField, parentField: nil, warnings: &warnings)
        try inputs.setReference(unitInputs, in: metric, layer: unitLayer)
        // The features are kept only to be written out again; otherwise the points stream.
        let pointLayer = try out.map { _ in try inputs.loadChecked(points, role: "points", in: metric) }
        let (coords, featureOf, notPoints) =
            try pointLayer.map { try $0.singlePoints(in: metric) }
            ?? inputs.singlePoints(points, role: "points", in: metric)
        inputs.report(to: Console.current)
        warnings = inputs.warnings + warnings
        if notPoints > 0 { warnings.append("\(points): \(notPoints) features are not single points; skipped") }
        let assigned = try PointAssigner.run(
            points: coords, units: unitInputs, edgeTolerance: PointAssigner.edgeToleranceMetres)
        var perUnit = [Int](repeating: 0, count: unitInputs.count)
        var outside: [Int] = []
        for (k, a) in assigned.enumerated() {
            if let a { perUnit[a] += 1 } else { outside.append(featureOf[k]) }
        }
        var counts: [String: Int] = [:]
        for (u, n) in perUnit.enumerated() where n > 0 { counts[unitInputs[u].code, default: 0] += n }
        let assignedCount = assigned.count - outside.count
        // A complaint in a shop's 门前三包 zone goes to the shop as well as to its grid.
        var ownerOf: [Int: String] = [:]
        if let frontage {
            let known = inputs.warnings.count
            let zoneLayer = try inputs.loadChecked(frontage, role: "frontage zones", in: metric, territory: false)
            let zones = try zoneLayer.geometries(in: metric).enumerated().compactMap { i, g -> UnitInput? in
                guard let g else { return nil }
                let p = zoneLayer.features[i].properties
                guard let owner = (p["owner"] ?? p["code"])?.stringValue else { return nil }
                return UnitInput(code: owner, geometry: g, sourceIndex: i)
            }
            for (k, z) in try PointAssigner.run(
                points: coords, units: zones, edgeTolerance: PointAssigner.edgeToleranceMetres
            ).enumerated() {
                if let z { ownerOf[featureOf[k]] = zones[z].code }
            }
            warnings += inputs.warnings.dropFirst(known)
        }
        if let out, let pointLayer {
            var unitOf: [Int: String] = [:]
            for (k, a) in assigned.enumerated() { if let a { unitOf[featureOf[k]] = unitInputs[a].code } }
            let features = pointLayer.features.enumerated().map { i, f -> Feature in
                var f = f
                f.properties[unitProperty] = unitOf[i].map { .string($0) } ?? .null
                if frontage != nil { f.properties["frontage_owner"] = ownerOf[i].map { .string($0) } ?? .null }
                return f
            }
            _ = try FeatureExport.write(features, crs: pointLayer.crs, to: out, layerName: "points")
        }
        if global.json {
            var report = AssignPointsReport(
                points: coords.count, assigned: assignedCount, counts: counts, outside: outside, warnings: warnings,
                inputs: inputs)
            if frontage != nil {
                report.frontageOwners = JSONObject(
                    ownerOf.sorted { $0.key < $1.key }.map { (key: String($0.key), value: JSONValue.string($0.value)) })
            }
            Console.current.out(try report.text() + "\n")
        } else {
            var lines = [
                "\(coords.count) points: \(assignedCount) in a unit, \(outside.count) outside every unit",
                "rule: \(PointAssigner.tieRule)",
            ]
            if !outside.isEmpty {
                lines.append(
                    "outside (feature indices): " + outside.prefix(20).map(String.init).joined(separator: ", ")
                        + (outside.count > 20 ? ", …" : ""))
            }
            for w in warnings { lines.append("warning: \(w)") }
            Console.current.out(lines.joined(separator: "\n") + "\n")
        }
    }
}
