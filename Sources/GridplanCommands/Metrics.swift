import ArgumentParser
import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanInputs
import GridplanStore

extension HierarchyLevel: ExpressibleByArgument {}

/// `gridplan metrics UNITS`: coverage and density per unit, rolled up the hierarchy.
struct Metrics: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Coverage and density metrics per unit, rolled up to every level above it.",
        discussion: """
            Per unit: area, households, population, densities, grids and households per grid, events and
            components per km², street length and length per chief, compactness. At the top: coverage %,
            doubly claimed %, and the share of events and components in no unit.
            Example: gridplan metrics grids.geojson --level grid --households data/buildings.geojson \\
                       --events data/events.geojson --since 2026-01-01 --until 2026-06-30 --out metrics.csv
            """
    )

    @Argument(help: "The units: a polygon file, or a store layer name with --store.")
    var units: String

    @Option(
        name: .long,
        help: "The units' level: district, street_office, community or grid. Default: from the code length.")
    var level: HierarchyLevel?

    @OptionGroup var householdOptions: HouseholdsOptions

    @Option(
        name: .long, help: "Grids, to count grids and households per grid in each unit (when the units are not grids).")
    var grids: String?

    @Option(name: .long, help: "Event points (with a date property for --since/--until).")
    var events: String?

    @Option(name: .long, help: "First day of the events period, YYYY-MM-DD.")
    var since: String?

    @Option(name: .long, help: "Last day of the events period, YYYY-MM-DD.")
    var until: String?

    @Option(name: .long, help: "Component points (manhole covers, lamps, bins ...).")
    var components: String?

    @Option(name: .long, help: "Street lines, for street length per unit (and per grade, when they carry one).")
    var streets: String?

    @Option(
        name: .customLong("grade-rule"),
        help:
            "Who keeps each road grade (1-3:city,4:street_office), for street length per responsible body. Default: the rule assign streets recorded in the store."
    )
    var gradeRule: String?

    @Option(
        name: .customLong("grade-field"),
        help: "The streets' grade property. Default: detected (grade, road_grade, 道路等级, 等级).")
    var gradeField: String?

    @Option(name: .long, help: "A chiefs table (CSV) with a unit column, for street length per chief.")
    var chiefs: String?

    @Option(name: .long, help: "The territory for coverage %. Default: the outer edge of the units' union.")
    var boundary: String?

    @OptionGroup var unitFields: UnitFieldOptions

    @Option(
        name: .long, help: "Write the metrics: .csv (a row per unit and level) or .geojson (polygons for a choropleth)."
    )
    var out: String?

    @OptionGroup var input: InputOptions
    @OptionGroup var measure: MetricOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        do {
            _ = try DateWindow(since: since, until: until)
        } catch {
            throw ValidationError("\(error)")
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
        let (store, layers) = try input.open(readOnly: true)
        let layer = try layers.load(units, role: "units")
        let metric = try layer.metricCRS(override: measure.metricCRS)
        var warnings: [String] = []
        let unitInputs = try layer.units(
            in: metric, codeField: unitFields.codeField, parentField: nil, warnings: &warnings)
        try layers.setReference(unitInputs, in: metric, layer: layer)
        let chosen =
            level ?? HierarchyLevel.allCases.first { $0.codeLength == unitInputs.first?.code.count }
            ?? (unitInputs.first?.code.count == 14 ? .grid : .community)
        var inputs = MetricsCalculator.Inputs(units: unitInputs)
        let mapping = try FieldMapping(explicit: [:], propertyNames: layer.propertyNames)
        for u in unitInputs {
            let props = layer.features[u.sourceIndex].properties
            if let f = mapping.sources["households"], let v = props[f]?.doubleValue {
                inputs.declaredHouseholds[u.code] = v
            }
            if let f = mapping.sources["population"], let v = props[f]?.doubleValue {
                inputs.declaredPopulation[u.code] = v
            }
        }
        if let households = householdOptions.households {
            inputs.households = try layers.households(households, weightField: householdOptions.weightField, in: metric)
        }
        if let grids {
            let gl = try layers.loadChecked(grids, role: "grids", in: metric, territory: true)
            inputs.grids = try gl.units(in: metric, codeField: nil, parentField: nil, warnings: &warnings)
            let gm = try FieldMapping(explicit: [:], propertyNames: gl.propertyNames)
            if inputs.households == nil, let f = gm.sources["households"] {
                for g in inputs.grids! {
                    if let v = gl.features[g.sourceIndex].properties[f]?.doubleValue {
                        inputs.declaredHouseholds[g.code] = v
                    }
                }
            }
        }
        if let events {
            let window = try DateWindow(since: since, until: until)
            inputs.events = try layers.points(events, role: "events", in: metric, window: window)
            inputs.periodDays = window.days
        }
        if let components {
            inputs.components = try layers.loadChecked(components, role: "components", in: metric).geometries(
                in: metric
            ).compactMap { if case .point(let c)? = $0 { return c } else { return nil } }
        }
        var gradeRuleSource: String?
        if let streets {
            let features = try layers.streets(streets, in: metric, gradeField: gradeField).streets
            inputs.streets = features.map(\.geometry)
            if features.contains(where: { $0.grade != nil }) { inputs.streetGrades = features.map(\.grade) }
            if let gradeRule {
                inputs.gradeRule = try GradeRule(parsing: gradeRule)
                gradeRuleSource = "--grade-rule"
            } else if let recorded = try store?.recordedGradeRule() {
                inputs.gradeRule = try GradeRule(parsing: recorded)
                gradeRuleSource = "recorded by assign streets in the store"
            }
        }
        if let chiefs {
            var seen: [String: Set<String>] = [:]
            for row in try ChiefTable.read(path: chiefs, needs: .unit) {
                seen[row.unit!, default: []].insert(row.chief)
            }
            inputs.chiefs = seen.mapValues(\.count)
        }
        inputs.boundary = try boundary.map { try layers.boundary($0, in: metric) }
        let report = try MetricsCalculator.run(inputs, level: chosen) { console.progress($0) }
        console.clearProgress()
        layers.report(to: console)
        warnings = layers.warnings + warnings

        // A metric whose input was not given is left out (null), with a note, never shown as zero.
        var missing: [String: String] = [:]
        if events == nil { missing["events"] = "--events" }
        if components == nil { missing["components"] = "--components" }
        if streets == nil { missing["street_m"] = "--streets" }
        if chiefs == nil { missing["chiefs"] = "--chiefs" }
        if chosen != .grid && grids == nil { missing["grids"] = "--grids" }
        let dependents: [String: [String]] = [
            "events": ["events", "events_per_km2", "events_per_30_days"],
            "components": ["components", "components_per_km2"],
            "street_m": ["street_m", "street_m_per_chief"], "chiefs": ["chiefs", "street_m_per_chief"],
            "grids": [
                "grids", "grids_per_km2", "households_per_grid_mean", "households_per_grid_cv",
                "households_per_grid_min", "households_per_grid_max",
            ],
        ]
        for (metric, flag) in missing.sorted(by: { $0.key < $1.key }) {
            warnings.append("\(metric) metrics left out: no \(flag) given")
        }
        let grades = Set(report.units.flatMap { $0.streetMetresByGrade.keys }).sorted()
        let bodies = inputs.gradeRule.map { r in r.entries.map(\.body) } ?? []
        let rows = report.units.map { u -> JSONObject in
            var p = Self.properties(u, periodDays: report.periodDays)
            for g in grades { p["street_m_grade_\(g)"] = Self.round(u.streetMetresByGrade[g] ?? 0, 10) }
            for b in bodies { p["street_m_body_\(b)"] = Self.round(u.streetMetresByBody[b] ?? 0, 10) }
            for key in missing.keys { for d in dependents[key] ?? [] { p[d] = .null } }
            return p
        }
        if let out {
            let toWGS84 = try Transformer(from: metric, to: .wgs84)
            let features = try zip(report.units, rows).map { u, p in
                Feature(
                    id: .string("\(u.level.rawValue):\(u.code)"), geometry: try toWGS84.transform(u.geometry),
                    properties: p)
            }
            if out.lowercased().hasSuffix(".csv") {
                let header = rows.first?.keys ?? []
                let file = try OutputFile(path: out)
                try file.write(header.joined(separator: ",") + "\r\n")
                for r in rows {
                    try file.write(
                        header.map { r[$0].map { $0 == .null ? "" : $0.text } ?? "" }.map(CSVText.field).joined(
                            separator: ",") + "\r\n")
                }
                try file.commit()
            } else {
                _ = try FeatureExport.write(features, crs: .wgs84, to: out, layerName: "metrics")
            }
        }
        var top = JSONObject()
        top["level"] = .string(chosen.rawValue)
        top["units"] = .integer(Int64(unitInputs.count))
        top["coverage_percent"] = .number(report.coverageRatio * 100)
        top["doubly_claimed_percent"] = .number(report.doublyClaimedRatio * 100)
        top["boundary_area_km2"] = .number(report.boundaryAreaSquareMetres / 1e6)
        top["events_in_no_unit_share"] = report.eventsOutsideShare.map { .number($0) } ?? .null
        top["components_in_no_unit_share"] = report.componentsOutsideShare.map { .number($0) } ?? .null
        top["metric_crs"] = .string(metric.identifier)
        if !grades.isEmpty {
            let chosenUnits = report.units.filter { $0.level == chosen }
            top["street_km_by_grade"] = .object(
                JSONObject(
                    grades.map { g in
                        (
                            key: String(g),
                            value: Self.round(
                                chosenUnits.reduce(0) { $0 + ($1.streetMetresByGrade[g] ?? 0) } / 1000, 1e6)
                        )
                    }))
            if let rule = inputs.gradeRule {
                top["grade_rule"] = .string(rule.description)
                top["grade_rule_from"] = gradeRuleSource.map { .string($0) } ?? .null
                top["street_km_by_body"] = .object(
                    JSONObject(
                        bodies.map { b in
                            (
                                key: b,
                                value: Self.round(
                                    chosenUnits.reduce(0) { $0 + ($1.streetMetresByBody[b] ?? 0) } / 1000, 1e6)
                            )
                        }))
            }
        }
        if global.json {
            console.out(
                try MetricsReport(summary: top, units: rows, warnings: warnings, inputs: layers.readings).text() + "\n")
        } else {
            var lines = [
                String(
                    format: "coverage %.4f%%, doubly claimed %.4f%% of %.3f km² (%@ level, measured in %@)",
                    report.coverageRatio * 100, report.doublyClaimedRatio * 100,
                    report.boundaryAreaSquareMetres / 1e6, chosen.rawValue, metric.identifier)
            ]
            if let e = report.eventsOutsideShare { lines.append(String(format: "events in no unit: %.2f%%", e * 100)) }
            if let c = report.componentsOutsideShare {
                lines.append(String(format: "components in no unit: %.2f%%", c * 100))
            }
            if case .object(let byGrade)? = top["street_km_by_grade"] {
                lines.append(
                    "street km by grade: "
                        + byGrade.map { "\($0.key): \(String(format: "%.3f", $0.value.doubleValue ?? 0))" }.joined(
                            separator: ", "))
            }
            if case .object(let byBody)? = top["street_km_by_body"] {
                lines.append(
                    "street km by responsible body (\(inputs.gradeRule!)): "
                        + byBody.map { "\($0.key) \(String(format: "%.3f", $0.value.doubleValue ?? 0))" }.joined(
                            separator: ", "))
            }
            lines.append(
                "level          code              km²   households   hh/km²  grids  hh/grid  events/km²  street m  compact"
            )
            func cell(_ v: JSONValue?, _ width: Int, _ decimals: Int) -> String {
                let text: String
                switch v {
                case .integer(let n)?: text = String(n)
                case .number(let d)?: text = String(format: "%.\(decimals)f", d)
                default: text = "-"
                }
                return String(repeating: " ", count: max(0, width - text.count)) + text
            }
            let chosenRows = zip(report.units, rows).filter { $0.0.level == chosen }.prefix(20)
            for (u, p) in zip(report.units, rows).filter({ $0.0.level != chosen }) + chosenRows {
                lines.append(
                    u.level.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0) + " "
                        + u.code.padding(toLength: 15, withPad: " ", startingAt: 0)
                        + cell(p["area_km2"], 8, 3) + cell(p["households"], 13, 0) + cell(p["households_per_km2"], 9, 0)
                        + cell(p["grids"], 7, 0)
                        + cell(p["households_per_grid_mean"], 9, 1) + cell(p["events_per_km2"], 12, 1)
                        + cell(p["street_m"], 10, 0) + cell(p["compactness"], 9, 3))
            }
            for w in warnings { lines.append("note: \(w)") }
            console.out(lines.joined(separator: "\n") + "\n")
        }
    }

    static func round(_ d: Double, _ places: Double) -> JSONValue { .number((d * places).rounded() / places) }

    static func properties(_ u: UnitMetrics, periodDays: Double?) -> JSONObject {
        var p = JSONObject()
        p["level"] = .string(u.level.rawValue)
        p["code"] = .string(u.code)
        p["name"] = u.name.map { .string($0) } ?? .null
        p["area_km2"] = round(u.areaSquareKilometres, 1e6)
        p["households"] = .number(u.households)
        p["population"] = u.population.map { .number($0) } ?? .null
        p["households_per_km2"] = round(u.householdsPerSquareKilometre, 100)
        p["population_per_km2"] = u.populationPerSquareKilometre.map { round($0, 100) } ?? .null
        p["grids"] = .integer(Int64(u.grids))
        p["grids_per_km2"] = round(u.gridsPerSquareKilometre, 100)
        p["households_per_grid_mean"] = u.householdsPerGrid.map { round($0.mean, 100) } ?? .null
        p["households_per_grid_cv"] = u.householdsPerGrid.map { round($0.cv, 10_000) } ?? .null
        p["households_per_grid_min"] = u.householdsPerGrid.map { .number($0.min) } ?? .null
        p["households_per_grid_max"] = u.householdsPerGrid.map { .number($0.max) } ?? .null
        p["events"] = .integer(Int64(u.events))
        p["events_per_km2"] = round(u.eventsPerSquareKilometre, 100)
        p["events_per_30_days"] = periodDays.map { round(Double(u.events) / $0 * 30, 100) } ?? .null
        p["components"] = .integer(Int64(u.components))
        p["components_per_km2"] = round(u.componentsPerSquareKilometre, 100)
        p["street_m"] = round(u.streetMetres, 10)
        p["chiefs"] = .integer(Int64(u.chiefs))
        p["street_m_per_chief"] = u.streetMetresPerChief.map { round($0, 10) } ?? .null
        p["compactness"] = round(u.compactness, 10_000)
        return p
    }
}
