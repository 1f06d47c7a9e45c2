import ArgumentParser
import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanInputs
import GridplanStore

/// `gridplan roster ROSTER --store STORE`: who answers for each unit and street, checked and recorded.
struct Roster: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a roster (网格长, 片长, 街巷长 ...) against the store's units and streets, and record it.",
        discussion: """
            ROSTER is a CSV (UTF-8 or GBK, detected) with columns name, role, phone, unit, street and optional \
            superior, tier, duties: unit is a unit code at any level, street a street name. Reported: every \
            unit or named street lacking a role --require asks for, people over a --limit, rows naming a \
            unit or street the store does not have, and superiors missing or of a lower tier (tier 1 is the \
            top). A roster that cannot be read (empty names or roles, unreadable bytes, a post listed twice, \
            one name with two phones) is reported line by line and nothing is recorded; otherwise it is \
            recorded in the store as a new generation of responsibilities, for locate and the report.
            Examples:
              gridplan roster city/roster.csv --store city.gpkg --require 'community:片长>=1' --require 'street:街巷长>=1'
              gridplan roster roster.csv --store city.gpkg --limit '街巷长:km<=3' --signs signs.csv --out holes.geojson
            """
    )

    @Argument(help: "The roster CSV.")
    var roster: String

    @OptionGroup var rules: RoleRequirementOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The most one person in a role may hold: ROLE:km<=X, ROLE:households<=N or ROLE:grids<=N.",
            valueName: "role:measure<=max"))
    var limit: [String] = []

    @Option(
        name: .long,
        help: "Write the units and streets with what they lack as a layer for a map (.geojson, .gpkg, .csv).")
    var out: String?

    @Option(
        name: .long,
        help:
            "Write one row per named street for its public sign (公示牌): name, from, to, length, units, chief, phone, duties (.csv)."
    )
    var signs: String?

    @Option(name: .long, help: "The roster's text encoding (UTF-8, GBK). Default: detected.")
    var encoding: String?

    @Flag(name: .customLong("check-only"), help: "Check the roster without recording it in the store.")
    var checkOnly = false

    @OptionGroup var input: InputOptions
    @OptionGroup var measure: MetricOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard input.store != nil else {
            throw ValidationError("roster needs --store: the units and streets it answers for")
        }
        if input.crs != nil {
            throw ValidationError(
                "--crs does not apply: the roster has no coordinates and store layers carry the store's CRS")
        }
        do {
            _ = try limits()
        } catch let e as RosterRuleError {
            throw ValidationError(e.message)
        }
        if let signs, !signs.lowercased().hasSuffix(".csv") {
            throw ValidationError("--signs writes CSV: give a .csv file")
        }
    }

    func requirements() throws -> [RoleRequirement] { try rules.requirements() }
    func limits() throws -> [RoleLimit] { try limit.map { try RoleLimit(parsing: $0) } }

    func run() throws {
        global.apply()
        let console = Console.current
        // The roster first: one that cannot be read changes nothing.
        let file: RosterFile
        do {
            file = try RosterReader.read(path: roster, encoding: encoding.map { TextEncoding(label: $0) })
        } catch let e as RosterReadError {
            throw CommandFailure(e.description, exitCode: .badInput)
        }
        let (opened, inputs) = try input.open(readOnly: checkOnly)
        let store = opened!
        var warnings: [String] = []
        let hierarchy = try StoreHierarchy.load(inputs, metricOverride: measure.metricCRS, warnings: &warnings)
        inputs.report(to: console)
        let world = hierarchy.rosterWorld
        var entries = file.entries
        if let within = input.within {
            let (kept, passedOver) = RosterCheck.entries(entries, within: within, world: world)
            entries = kept
            if passedOver > 0 {
                warnings.append(
                    "\(roster): \(passedOver) rows name units or streets outside \(within); passed over (--within)")
            }
        }
        let report = RosterCheck.run(entries, world: world, requirements: try requirements(), limits: try limits())
        warnings += report.notes
        if rules.require.isEmpty { warnings.append("no --require given: no unit or street is checked for a role") }

        if let out { try writeHoles(report, hierarchy: hierarchy, store: store, to: out) }
        if let signs {
            try writeSigns(file.entries, hierarchy: hierarchy, to: signs)
            if hierarchy.segments == nil {
                warnings.append(
                    "\(signs): no street assignment is recorded in the store, so no owning units are given (run gridplan assign streets --store)"
                )
            }
        }

        var generation: Int64?
        if !checkOnly {
            let records = file.entries.map { e in
                ResponsibilityRecord(
                    name: e.name, role: e.role, phone: e.phone, unitCode: e.unit,
                    unitLevel: e.unit.flatMap { world.level(of: $0)?.rawValue },
                    streetName: e.street, superior: e.superior, tier: e.tierText, duties: e.duties, sourceLine: e.line)
            }
            generation = try store.recordRoster(
                records, command: "roster",
                parameters: [
                    "roster": .string(roster), "encoding": .string(file.encoding.encoding.name),
                    "require": .array(rules.require.map { .string($0) }), "limit": .array(limit.map { .string($0) }),
                ])
        }

        if global.json {
            console.out(
                JSONText.encode(
                    Self.json(
                        report, encoding: file.encoding, generation: generation, requirements: try requirements(),
                        limits: try limits(), warnings: warnings
                    )
                    .adding(inputs: inputs)) + "\n")
        } else {
            var lines = [
                "\(report.rows) rows, \(report.people) people (read as \(file.encoding)): \(report.missing.count) missing, \(report.overLimit.count) over a limit, \(report.unknown.count) unknown, \(report.superiors.count) superior problems"
            ]
            for m in report.missing.prefix(40) {
                lines.append(
                    "missing: \(m.level.rawValue) \(m.unit)\(m.unitName.map { " \($0)" } ?? "") has \(m.present) \(m.role), needs \(m.required)"
                )
            }
            if report.missing.count > 40 {
                lines.append("… \(report.missing.count - 40) more missing (use --json or --out)")
            }
            for o in report.overLimit {
                lines.append(
                    "over limit: \(o.name) (\(o.role)) holds \(RosterCheck.formatted(o.value, o.measure)), over \(RosterCheck.formatted(o.limit, o.measure)) (lines \(o.lines.map(String.init).joined(separator: ", ")))"
                )
            }
            for u in report.unknown {
                lines.append("unknown: line \(u.line): \(u.name) (\(u.role)): \(u.kind) '\(u.value)': \(u.reason)")
            }
            for s in report.superiors {
                lines.append(
                    s.problem == "missing"
                        ? "superior: line \(s.line): \(s.name)'s superior \(s.superior) is not on the roster"
                        : "superior: line \(s.line): \(s.name) (tier \(s.tier!)) reports to \(s.superior), of the lower tier \(s.superiorTier!)"
                )
            }
            if let generation {
                lines.append("recorded in \(store.location) (responsibilities generation \(generation))")
            }
            for w in warnings { lines.append("note: \(w)") }
            console.out(lines.joined(separator: "\n") + "\n")
        }
    }

    /// The `--json` document: `summary`, `missing`, `over_limit`, `unknown`, `superiors`, `warnings`.
    static func json(
        _ r: RosterReport, encoding: TextEncodingChoice, generation: Int64?, requirements: [RoleRequirement],
        limits: [RoleLimit], warnings: [String]
    ) -> JSONValue {
        .object([
            "summary": .object([
                "rows": .integer(Int64(r.rows)), "people": .integer(Int64(r.people)),
                "posts": .object(
                    JSONObject(
                        r.postsByLevel.sorted { $0.key < $1.key }.map {
                            (key: $0.key.rawValue, value: JSONValue.integer(Int64($0.value)))
                        })),
                "missing": .integer(Int64(r.missing.count)), "over_limit": .integer(Int64(r.overLimit.count)),
                "unknown": .integer(Int64(r.unknown.count)), "superiors": .integer(Int64(r.superiors.count)),
                "requirements": .array(requirements.map { .string($0.description) }),
                "limits": .array(limits.map { .string($0.description) }),
                "encoding": .string(encoding.encoding.name),
                "recorded_generation": generation.map { .integer($0) } ?? .null,
            ]),
            "missing": .array(
                r.missing.map { m in
                    .object([
                        "level": .string(m.level.rawValue), m.level == .street ? "street" : "unit": .string(m.unit),
                        "role": .string(m.role),
                        "required": .string(m.required), "present": .integer(Int64(m.present)),
                    ])
                }),
            "over_limit": .array(
                r.overLimit.map { o in
                    .object([
                        "name": .string(o.name), "role": .string(o.role), "measure": .string(o.measure.rawValue),
                        "limit": .number(o.limit),
                        "value": .number((o.value * 1000).rounded() / 1000),
                        "lines": .array(o.lines.map { .integer(Int64($0)) }),
                    ])
                }),
            "unknown": .array(
                r.unknown.map { u in
                    .object([
                        "line": .integer(Int64(u.line)), "name": .string(u.name), "role": .string(u.role),
                        u.kind: .string(u.value), "reason": .string(u.reason),
                    ])
                }),
            "superiors": .array(
                r.superiors.map { s in
                    .object([
                        "line": .integer(Int64(s.line)), "name": .string(s.name), "superior": .string(s.superior),
                        "problem": .string(s.problem),
                        "tier": s.tier.map { .integer(Int64($0)) } ?? .null,
                        "superior_tier": s.superiorTier.map { .integer(Int64($0)) } ?? .null,
                    ])
                }),
            "warnings": .array(warnings.map { .string($0) }),
        ])
    }

    /// The units and streets lacking a role, with what they lack, in the store's CRS.
    func writeHoles(_ report: RosterReport, hierarchy: StoreHierarchy, store: Store, to path: String) throws {
        let features = try RosterHoles.features(report, hierarchy: hierarchy, in: store.crs)
        _ = try FeatureExport.write(features, crs: store.crs, to: path, layerName: "roster_holes")
    }

    /// One row per named street for its public sign.
    func writeSigns(_ entries: [RosterEntry], hierarchy: StoreHierarchy, to path: String) throws {
        let extents = try StreetSigns.extents(of: hierarchy.streets)
        var led: [String: [String: Double]] = [:]
        for s in hierarchy.segments ?? [] {
            guard let name = s.name, let lead = s.lead else { continue }
            led[name, default: [:]][lead, default: 0] += s.lengthMetres
        }
        var people: [String: [RosterEntry]] = [:]
        for e in entries { if let s = e.street { people[s, default: []].append(e) } }
        let names = hierarchy.unitNames
        let file = try OutputFile(path: path)
        // A byte-order mark so that Excel, where signs are laid out, reads the Chinese as UTF-8.
        try file.write([0xEF, 0xBB, 0xBF])
        try file.write("name,from,to,length_m,units,chief,phone,duties\r\n")
        for x in extents {
            let units = (led[x.name] ?? [:]).sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { u in names[u.key].map { "\($0) (\(u.key))" } ?? u.key }
            let ps = people[x.name] ?? []
            let cells = [
                x.name, x.from ?? "", x.to ?? "", String(format: "%.1f", x.lengthMetres), units.joined(separator: "; "),
                ps.map { "\($0.name) (\($0.role))" }.joined(separator: "; "),
                ps.map { $0.phone ?? "" }.joined(separator: "; "),
                ps.compactMap(\.duties).joined(separator: "; "),
            ]
            try file.write(cells.map(CSVText.field).joined(separator: ",") + "\r\n")
        }
        try file.commit()
    }
}

extension RosterCheck {
    /// A load as the user reads it: `3.25 km`, `1200 households`, `14 grids`.
    static func formatted(_ value: Double, _ measure: RoleLimit.Measure) -> String {
        switch measure {
        case .km: return String(format: "%.3f km", value)
        case .households: return String(format: "%.0f households", value)
        case .grids: return String(format: "%.0f grids", value)
        }
    }
}
