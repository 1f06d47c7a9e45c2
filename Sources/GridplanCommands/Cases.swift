import ArgumentParser
import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanInputs
import GridplanReport
import GridplanStore

extension PeriodKind: ExpressibleByArgument {}

/// `gridplan cases EVENTS --units UNITS`: the 数字城管 assessment per unit and period.
struct Cases: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Case figures per unit and period (closure, on-time, backlog, overdue), rolled up, scored and ranked; a bulletin (通报).",
        discussion: """
            Each case counts in the period of its reported time (periods cut at local midnight in
            --timezone) and in the unit it lies in (overlaps: the lower code, as in assign points),
            then in every unit above by code prefix. With --store, each case is placed in the grid
            generation in force on its reported day. The README defines every figure.
            Example: gridplan cases data/events.geojson --units data/communities.geojson --period month \\
                       --bulletin bulletin.html --out cases.csv
            """
    )

    @Argument(help: "The events: points with a reported time (GeoJSON, CSV, Open311 JSON, a store layer).")
    var events: String

    @Option(name: .long, help: "The units cases are counted in (grids, communities): a file or a store layer.")
    var units: String

    @Option(name: .long, help: "The period: week (Monday to Sunday), month or quarter.")
    var period: PeriodKind = .month

    @Option(name: .long, help: "The first day assessed, YYYY-MM-DD (local). Default: the first report.")
    var since: String?

    @Option(name: .long, help: "The last day assessed, YYYY-MM-DD (local). Default: the last report.")
    var until: String?

    @Option(name: .long, help: "The IANA time zone of times without an offset, and of period boundaries.")
    var timezone: String = "Asia/Shanghai"

    @Option(
        name: .customLong("as-of"),
        help: "Compute backlog and open cases as of this time (ISO 8601). Default: the latest time in the data.")
    var asOf: String?

    @Option(
        name: .long,
        help: "A third-party check's scores: CSV with unit, period (2023-03, 2023-Q1, 2023-W09) and score columns.")
    var scores: String?

    @Option(
        name: .long,
        help:
            "The score's weights: closure, on_time, external (rates as percentages). Default: closure:0.7,external:0.3 with --scores, else closure:1."
    )
    var weights: String?

    @OptionGroup var caseFields: CaseFieldOptions

    @Option(name: .customLong("class-field"), help: "The event class. Default: detected (class, 类别, service_name ...).")
    var classField: String?

    @Option(
        name: .customLong("id-field"),
        help: "The case id. Default: detected (case_id, service_request_id, 案件编号, id), else the row.")
    var idField: String?

    @OptionGroup var householdOptions: HouseholdsOptions
    @OptionGroup var unitFields: UnitFieldOptions

    @Option(name: .long, help: "Write every figure of every unit and period as CSV.")
    var out: String?

    @Option(name: .long, help: "Write the bulletin (通报): an offline, printable HTML page in Chinese.")
    var bulletin: String?

    @Option(
        name: .customLong("bulletin-period"), help: "The period the bulletin reports (2023-03 ...). Default: the last.")
    var bulletinPeriod: String?

    @Option(name: .customLong("bulletin-title"), help: "The bulletin's title.")
    var bulletinTitle: String = "数字城管案件通报"

    @Option(
        name: .long,
        help: "Write the cases as Open311 GeoReport v2 requests (JSON), agency_responsible = the unit each lies in.")
    var open311: String?

    @OptionGroup var input: InputOptions
    @OptionGroup var measure: MetricOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        for d in [since, until].compactMap({ $0 }) where !DateWindow.isDay(d) {
            throw ValidationError("dates are YYYY-MM-DD, got '\(d)'")
        }
        if let since, let until, since > until { throw ValidationError("--since \(since) is after --until \(until)") }
        if weights != nil && scores == nil, weights!.contains("external") {
            throw ValidationError("--weights uses external but no --scores file is given")
        }
    }

    func run() throws {
        global.apply()
        let console = Console.current
        let clock = try CaseClock(timeZone: timezone)
        var options = CaseAssessor.Options()
        options.period = period
        options.since = try since.map { try day($0, clock) }
        options.until = try until.map { clock.nextMidnight(after: try day($0, clock)) }
        if let asOf {
            guard let t = clock.instant(asOf) else {
                throw CommandFailure("--as-of: '\(asOf)' is not an ISO 8601 time", exitCode: .usage)
            }
            options.asOf = t
        }
        do {
            options.weights = try ScoreWeight.parse(
                weights ?? (scores != nil ? "closure:0.7,external:0.3" : "closure:1"))
        } catch let e as CaseInputError {
            throw CommandFailure(e.message, exitCode: .usage)
        }

        // The units, one drawing per grid generation with --store.
        let (_, inputs) = try input.open(readOnly: true)
        let drawingLayers = try inputs.drawings(units, role: "units")
        let metric = try drawingLayers[0].layer.metricCRS(override: measure.metricCRS)
        var warnings: [String] = []
        var drawings: [UnitDrawing] = []
        for d in drawingLayers {
            let u = try d.layer.units(
                in: metric, codeField: unitFields.codeField, parentField: nil, warnings: &warnings)
            drawings.append(
                UnitDrawing(effectiveFrom: try d.effectiveDay.map { try day($0, clock) }, units: u, label: d.label))
        }
        try inputs.setReference(drawings.last!.units, in: metric, layer: drawingLayers.last!.layer)

        // The cases.
        let eventLayer = try inputs.loadChecked(events, role: "events", in: metric)
        var explicit = caseFields.explicit
        explicit["class"] = classField
        explicit["case_id"] = idField
        let reading = try eventLayer.cases(in: metric, fields: explicit, clock: clock)
        options.knowsDeadlines = reading.knowsDeadlines
        if !reading.knowsDeadlines {
            warnings.append(
                "\(events): no deadline field (处置时限, deadline, expected_datetime); on_time_rate and overdue are left out"
            )
        }
        warnings += reading.warnings

        // What the per-household figures divide by: --households points, else the units' own field.
        let points = try householdOptions.households.map {
            try inputs.households($0, weightField: householdOptions.weightField, in: metric)
        }
        var assessed: [AssessedUnit] = []
        for (d, drawing) in zip(drawingLayers, drawings) {
            var households: [String: Double] = [:]
            if let points {
                households = try AssessedUnit.households(points, in: drawing.units)
            } else if let field = try FieldMapping(explicit: [:], propertyNames: d.layer.propertyNames).sources[
                "households"]
            {
                for u in drawing.units {
                    if let v = d.layer.features[u.sourceIndex].properties[field]?.doubleValue { households[u.code] = v }
                }
            }
            assessed += try AssessedUnit.measured(drawing.units, households: households)
        }

        let placement = try CasePlacement.place(reading.records, in: drawings)
        var scoreAside: [String] = []
        if let scores {
            var known = Set(assessed.map(\.code))
            for code in Array(known) {
                for level in HierarchyLevel.allCases where code.count > level.codeLength {
                    known.insert(String(code.prefix(level.codeLength)))
                }
            }
            let external = try ExternalScores.read(path: scores, knownCodes: known, clock: clock)
            options.external = external.scores
            scoreAside = external.setAside
        }
        let report = CaseAssessor.run(
            cases: reading.records, placement: placement.codes, units: assessed, fallback: placement.fallback,
            clock: clock, options: options)
        inputs.report(to: console)
        warnings = inputs.warnings + warnings
        if !console.quiet {
            for line in reading.fields { console.err("field: \(line)\n") }
            for m in reading.setAside.prefix(20) + scoreAside.prefix(20) { console.err("set aside: \(m)\n") }
            if reading.setAside.count > 20 {
                console.err("set aside: … \(reading.setAside.count - 20) more (see --json)\n")
            }
        }

        if let out {
            let file = try OutputFile(path: out)
            try file.write(CaseTables.csv(report))
            try file.commit()
        }
        if let bulletin {
            var chosen: CasePeriod?
            if let label = bulletinPeriod {
                guard let p = clock.period(labelled: label),
                    let found = report.periods.first(where: { $0.label == p.label })
                else {
                    throw CommandFailure(
                        "--bulletin-period \(label): not one of the periods assessed (\(report.periods.map(\.label).joined(separator: ", ")))",
                        exitCode: .usage)
                }
                chosen = found
            }
            try OutputFile.write(
                Array(CaseBulletin.html(report, clock: clock, title: bulletinTitle, period: chosen).utf8), to: bulletin)
        }
        if let open311 {
            let lonLat = try Transformer(from: metric, to: .wgs84).transform(reading.records.map(\.location))
            try OutputFile.write(
                Open311.encode(CaseTables.open311(reading.records, placement: placement, lonLat: lonLat, clock: clock)),
                to: open311)
        }

        let summary = summaryJSON(
            report, reading: reading, scoreAside: scoreAside, drawings: drawings, placement: placement, clock: clock,
            metric: metric, warnings: warnings, inputs: inputs)
        if global.json {
            console.out(
                JSONText.encode(.object(["summary": summary, "units": .array(report.rows.map(CaseTables.json))])) + "\n"
            )
        } else {
            console.out(text(report, reading: reading, scoreAside: scoreAside, warnings: warnings) + "\n")
        }
    }

    func day(_ text: String, _ clock: CaseClock) throws -> Date {
        guard let d = clock.instant(text) else {
            throw CommandFailure("'\(text)' is not a date (YYYY-MM-DD)", exitCode: .usage)
        }
        return d
    }

    func summaryJSON(
        _ report: CaseReport, reading: CaseReading, scoreAside: [String], drawings: [UnitDrawing],
        placement: CasePlacement.Result,
        clock: CaseClock, metric: CRS, warnings: [String], inputs: InputSet
    ) -> JSONValue {
        var s = JSONObject()
        s["cases_read"] = .integer(Int64(reading.records.count))
        s["rows_set_aside"] = .integer(Int64(reading.setAsideRows))
        s["set_aside"] = .array(reading.setAside.prefix(1000).map { .string($0) })
        s["score_rows_set_aside"] = .integer(Int64(scoreAside.count))
        s["score_set_aside"] = .array(scoreAside.prefix(1000).map { .string($0) })
        s["cases_in_periods"] = .integer(Int64(report.casesInPeriods))
        s["cases_outside_periods"] = .integer(Int64(report.casesOutsidePeriods))
        var kinds = JSONObject()
        for k in CaseInconsistency.allCases {
            kinds[k.rawValue] = .integer(Int64(report.inconsistent.filter { $0.kinds.contains(k) }.count))
        }
        s["inconsistent"] = .integer(Int64(report.inconsistent.count))
        s["inconsistent_by_kind"] = .object(kinds)
        s["inconsistent_cases"] = .array(
            report.inconsistent.prefix(1000).map {
                .object([
                    "id": .string($0.record.id), "row": .integer(Int64($0.record.row)),
                    "kinds": .array($0.kinds.map { .string($0.rawValue) }),
                ])
            })
        s["in_no_unit"] = .integer(Int64(report.unplaced.count))
        s["in_no_unit_cases"] = .array(
            report.unplaced.prefix(1000).map { u in
                .object([
                    "id": .string(u.record.id), "row": .integer(Int64(u.record.row)),
                    "reported_at": .string(clock.text(u.record.reportedAt)),
                    "fallback_owner": u.fallbackOwner.map { .string($0) } ?? .null,
                    "distance_m": u.distanceMetres.map { .number(($0 * 10).rounded() / 10) } ?? .null,
                ])
            })
        s["period"] = .string(period.rawValue)
        s["periods"] = .array(report.periods.map { .string($0.label) })
        s["timezone"] = .string(clock.timeZone.identifier)
        s["as_of"] = report.asOf.map { .string(clock.text($0)) } ?? .null
        s["level"] = .string(report.baseLevel.rawValue)
        s["weights"] = .object(
            JSONObject(report.weights.map { (key: $0.component.rawValue, value: JSONValue.number($0.weight)) }))
        s["knows_deadlines"] = .bool(reading.knowsDeadlines)
        s["rule"] = .string(PointAssigner.tieRule)
        if drawings.count > 1 {
            s["generations"] = .array(
                zip(drawings, placement.casesPerDrawing).map {
                    .object(["generation": .string($0.label), "cases": .integer(Int64($1))])
                })
        }
        s["fields"] = .array(reading.fields.map { .string($0) })
        s["metric_crs"] = .string(metric.identifier)
        s["warnings"] = .array(warnings.map { .string($0) })
        s["inputs"] = inputs.readingsJSON
        return .object(s)
    }

    func text(_ report: CaseReport, reading: CaseReading, scoreAside: [String], warnings: [String]) -> String {
        var lines = [
            "\(reading.records.count) cases read, \(reading.setAsideRows) rows set aside; \(report.casesInPeriods) in \(report.periods.count) \(period.rawValue)s"
                + (report.periods.isEmpty ? "" : " (\(report.periods.first!.label) … \(report.periods.last!.label))")
                + ", \(report.inconsistent.count) with contradictory times counted apart, \(report.unplaced.count) in no unit"
        ]
        if !scoreAside.isEmpty { lines.append("\(scoreAside.count) score rows set aside") }
        lines.append("rule: \(PointAssigner.tieRule)")
        let levels = [report.baseLevel] + report.baseLevel.ancestors
        if let last = report.periods.last {
            lines.append("period \(last.label):")
            lines.append(
                "level          unit             cases closed  closure  on time  median h  backlog overdue   score rank"
            )
            func pct(_ r: Double?) -> String { r.map { String(format: "%.1f%%", $0 * 100) } ?? "-" }
            func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
            var shown = 0
            for level in levels.reversed() {
                for f in report.rows(level: level, period: last) {
                    guard level != report.baseLevel || shown < 20 else { break }
                    if level == report.baseLevel { shown += 1 }
                    lines.append(
                        f.level.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0) + " "
                            + f.code.padding(toLength: 15, withPad: " ", startingAt: 0)
                            + pad(String(f.cases), 7) + pad(String(f.closed), 7) + pad(pct(f.closureRate), 9)
                            + pad(pct(f.onTimeRate), 9)
                            + pad(f.medianHoursToClose.map { String(format: "%.1f", $0) } ?? "-", 10)
                            + pad(String(f.backlog), 9)
                            + pad(f.overdue.map(String.init) ?? "-", 8)
                            + pad(f.score.map { String(format: "%.1f", $0) } ?? "-", 8)
                            + pad(f.rank.map(String.init) ?? "-", 5))
                }
            }
        }
        for u in report.unplaced.prefix(10) {
            lines.append(
                String(
                    format: "in no unit: case %@ → fallback owner %@ (nearest, %.1f m)", u.record.id,
                    u.fallbackOwner ?? "-", u.distanceMetres ?? 0))
        }
        if report.unplaced.count > 10 { lines.append("… \(report.unplaced.count - 10) more in no unit (use --json)") }
        for w in warnings { lines.append("warning: \(w)") }
        return lines.joined(separator: "\n")
    }
}
