import ArgumentParser
import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanInputs
import GridplanStore

/// `gridplan locate LON,LAT ... --store STORE`: who answers for a place (街乡吹哨、部门报到).
struct Locate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Say who answers for each point: its district, street office, community and grid, the nearest street, the people on the roster, and the fallback owner.",
        discussion: """
            Points are LON,LAT arguments or a --points file, in WGS84 unless --crs (or FILE@CRS) says \
            otherwise. Each is located in the store's layers: a level the store lacks is null. A point \
            on a shared edge goes to the lower code, as in assign points; an exclave's land is its \
            owner's. The nearest street segment within --street-radius metres is named with its lead \
            unit (from assign streets --store) and its people. A point in no unit of the finest level \
            gets a fallback: the nearest unit of that level and its distance (属地兜底).
            Examples:
              gridplan locate 116.4012,39.9087 --store city.gpkg --json
              gridplan locate --points events.geojson --store city.gpkg --out events-located.csv
              gridplan locate 116.4074,39.9101 --crs gcj02 --store city.gpkg
            """
    )

    @Argument(help: "Points as LON,LAT (or X,Y in --crs).")
    var coordinates: [String] = []

    @Option(name: .long, help: "A file of points (GeoJSON, GeoPackage, Shapefile, CSV with lon/lat), or FILE@CRS.")
    var points: String?

    @Option(name: .long, help: "Write the points with the answers as a layer (.geojson, .gpkg, .csv).")
    var out: String?

    @Option(name: .customLong("street-radius"), help: "Metres within which the nearest street is named.")
    var streetRadius: Double = 50

    @OptionGroup var input: InputOptions
    @OptionGroup var measure: MetricOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard input.store != nil else {
            throw ValidationError("locate needs --store: the layers and roster it answers from")
        }
        guard coordinates.isEmpty != (points == nil) else {
            throw ValidationError("give points as LON,LAT arguments or --points FILE (one of the two)")
        }
        guard streetRadius > 0 else { throw ValidationError("--street-radius must be positive") }
        if out != nil && points == nil {
            throw ValidationError("--out writes the --points layer with its answers; with LON,LAT arguments use --json")
        }
        for c in coordinates where Self.parse(c) == nil {
            throw ValidationError("'\(c)' is not LON,LAT (two numbers and a comma, e.g. 116.4012,39.9087)")
        }
    }

    static func parse(_ text: String) -> Coordinate? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard parts.count == 2, let x = Double(parts[0]), let y = Double(parts[1]), x.isFinite, y.isFinite else {
            return nil
        }
        return Coordinate(x, y)
    }

    func run() throws {
        global.apply()
        let console = Console.current
        let (opened, inputs) = try input.open(readOnly: true)
        let store = opened!
        var warnings: [String] = []
        let hierarchy = try StoreHierarchy.load(inputs, metricOverride: measure.metricCRS, warnings: &warnings)

        // The points, as given (for the answer) and in the metric CRS (for the work).
        var given: [Coordinate] = []
        var metric: [Coordinate] = []
        var pointLayer: LayerInput?
        var featureOf: [Int] = []
        if let points {
            // Points off the units are named, with the GCJ-02/BD-09 declaration that fits them.
            if let level = [HierarchyLevel.community, .grid, .streetOffice, .district].first(where: {
                hierarchy.levels[$0] != nil
            }) {
                try inputs.setReference(hierarchy.levels[level]!, in: hierarchy.metric, layer: hierarchy.layers[level]!)
            }
            let layer = try inputs.loadChecked(points, role: "points", in: hierarchy.metric)
            pointLayer = layer
            for (i, (f, g)) in zip(layer.features, try layer.geometries(in: hierarchy.metric)).enumerated() {
                switch (f.geometry, g) {
                case (.point(let a)?, .point(let b)?):
                    given.append(a)
                    metric.append(b)
                    featureOf.append(i)
                default: continue
                }
            }
            let skipped = layer.features.count - given.count
            if skipped > 0 { warnings.append("\(points): \(skipped) features are not single points; skipped") }
        } else {
            let crs: CRS
            do {
                crs = try input.crs.map { try CRS(parsing: $0) } ?? .wgs84
            } catch {
                throw CommandFailure("--crs: \(error)", exitCode: .usage)
            }
            given = coordinates.map { Self.parse($0)! }
            do {
                metric = try Transformer(from: crs, to: hierarchy.metric).transform(given)
            } catch {
                throw CommandFailure("the points cannot be in \(crs.identifier): \(error)", exitCode: .badInput)
            }
        }
        inputs.report(to: console)
        warnings = inputs.warnings + warnings

        // Streets: assign streets' segments (with their leads) when recorded, else the store's streets.
        let streets: [LocatableStreet]
        if let segments = hierarchy.segments {
            let toMetric = try Transformer(from: store.crs, to: hierarchy.metric)
            streets = try segments.map {
                LocatableStreet(name: $0.name, lead: $0.lead, geometry: try toMetric.transform($0.geometry))
            }
        } else {
            streets = hierarchy.streets.map { LocatableStreet(name: $0.name, lead: nil, geometry: $0.geometry) }
            if !streets.isEmpty {
                warnings.append(
                    "no street assignment is recorded in the store: streets are named without a lead (run gridplan assign streets --store)"
                )
            }
        }
        let roster = StoreHierarchy.entries(try store.roster())
        if roster.isEmpty {
            warnings.append("no roster is recorded in the store: no people are named (run gridplan roster --store)")
        }
        let locator = try PlaceLocator(
            levels: hierarchy.levels, streets: streets, roster: roster, streetRadiusMetres: streetRadius)
        let answers = try metric.map { try locator.answer($0) }
        let missingLevels = HierarchyLevel.allCases.filter { hierarchy.levels[$0] == nil }
        if !missingLevels.isEmpty {
            warnings.append(
                "the store has no \(missingLevels.map(\.rawValue).joined(separator: ", ")): \(missingLevels.count == 1 ? "that level is" : "those levels are") null"
            )
        }

        if let out, let pointLayer {
            var byFeature: [Int: PlaceAnswer] = [:]
            for (k, a) in answers.enumerated() { byFeature[featureOf[k]] = a }
            let features = pointLayer.features.enumerated().map { i, f -> Feature in
                var f = f
                guard let a = byFeature[i] else { return f }
                for level in HierarchyLevel.allCases {
                    let u = a.units[level] ?? nil
                    f.properties["\(level.rawValue)_code"] = u.map { .string($0.code) } ?? .null
                    f.properties["\(level.rawValue)_name"] = u?.name.map { .string($0) } ?? .null
                }
                f.properties["street_name"] = a.street?.name.map { .string($0) } ?? .null
                f.properties["street_lead"] = a.street?.lead.map { .string($0) } ?? .null
                f.properties["street_distance_m"] = a.street.map { .number(Self.rounded($0.distanceMetres)) } ?? .null
                f.properties["street_chief"] = Self.chief(of: a).map { .string($0.name) } ?? .null
                f.properties["people"] = .string(
                    a.people.map {
                        "\($0.level.rawValue) \($0.entry.role) \($0.entry.name)"
                            + ($0.entry.phone.map { " \($0)" } ?? "")
                    }.joined(separator: "; "))
                f.properties["fallback_level"] = a.fallback.map { .string($0.level.rawValue) } ?? .null
                f.properties["fallback_code"] = a.fallback.map { .string($0.unit.code) } ?? .null
                f.properties["fallback_distance_m"] =
                    a.fallback.map { .number(Self.rounded($0.distanceMetres)) } ?? .null
                return f
            }
            _ = try FeatureExport.write(features, crs: pointLayer.crs, to: out, layerName: "located")
        }

        if global.json {
            console.out(
                JSONText.encode(
                    .object([
                        "results": .array(zip(given, answers).map { Self.json($0, $1) }),
                        "summary": .object([
                            "points": .integer(Int64(answers.count)),
                            "in_no_unit": .integer(Int64(answers.filter { $0.fallback != nil }.count)),
                            "levels": .array(locator.knownLevels.map { .string($0.rawValue) }),
                            "rule": .string(PointAssigner.tieRule), "street_radius_m": .number(streetRadius),
                            "metric_crs": .string(hierarchy.metric.identifier),
                        ]),
                        "warnings": .array(warnings.map { .string($0) }),
                    ]).adding(inputs: inputs)) + "\n")
        } else if out == nil || answers.count <= 20 {
            var lines: [String] = []
            for (p, a) in zip(given, answers).prefix(200) {
                lines.append(String(format: "%.7f,%.7f", p.x, p.y))
                for level in HierarchyLevel.allCases {
                    let text: String
                    if let known = a.units[level] {
                        text = known.map { "\($0.code)" + ($0.name.map { " \($0)" } ?? "") } ?? "in none"
                    } else {
                        text = "not in the store"
                    }
                    lines.append("  " + level.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0) + text)
                }
                if let s = a.street {
                    lines.append(
                        String(
                            format: "  street        %@ (%.1f m), lead %@", s.name ?? "(unnamed)", s.distanceMetres,
                            s.lead ?? "-"))
                }
                if let f = a.fallback {
                    lines.append(
                        String(
                            format: "  fallback      %@ %@ (%.1f m away)", f.level.rawValue, f.unit.code,
                            f.distanceMetres))
                }
                for p in a.people {
                    lines.append(
                        "  \(p.level.rawValue) \(p.entry.role) \(p.entry.name)" + (p.entry.phone.map { " \($0)" } ?? "")
                    )
                }
            }
            if answers.count > 200 { lines.append("… \(answers.count - 200) more points (use --json or --out)") }
            for w in warnings { lines.append("note: \(w)") }
            console.out(lines.joined(separator: "\n") + "\n")
        } else {
            console.out(
                "\(answers.count) points located, \(answers.filter { $0.fallback != nil }.count) in no unit (fallback given); written to \(out!)\n"
            )
        }
    }

    static func rounded(_ d: Double) -> Double { (d * 100).rounded() / 100 }

    /// The street's first person on the roster (its 街巷长 when the roster lists one first).
    static func chief(of a: PlaceAnswer) -> RosterEntry? { a.people.first { $0.level == .street }?.entry }

    /// One result as `--json` prints it.
    static func json(_ point: Coordinate, _ a: PlaceAnswer) -> JSONValue {
        func unit(_ level: HierarchyLevel) -> JSONValue {
            guard let u = a.units[level] ?? nil else { return .null }
            return .object(["code": .string(u.code), "name": u.name.map { .string($0) } ?? .null])
        }
        var o = JSONObject()
        o["point"] = .array([.number(point.x), .number(point.y)])
        o["district"] = unit(.district)
        o["street_office"] = unit(.streetOffice)
        o["community"] = unit(.community)
        o["grid"] = unit(.grid)
        o["street"] =
            a.street.map { s in
                let chief = chief(of: a)
                return .object([
                    "name": s.name.map { .string($0) } ?? .null, "lead": s.lead.map { .string($0) } ?? .null,
                    "chief": chief.map { .string($0.name) } ?? .null,
                    "phone": chief?.phone.map { .string($0) } ?? .null,
                    "distance_m": .number(rounded(s.distanceMetres)),
                ])
            } ?? .null
        o["people"] = .array(
            a.people.map { p in
                .object([
                    "level": .string(p.level.rawValue), "role": .string(p.entry.role), "name": .string(p.entry.name),
                    "phone": p.entry.phone.map { .string($0) } ?? .null,
                ])
            })
        o["fallback"] =
            a.fallback.map { f in
                .object([
                    "level": .string(f.level.rawValue), "code": .string(f.unit.code),
                    "name": f.unit.name.map { .string($0) } ?? .null, "distance_m": .number(rounded(f.distanceMetres)),
                ])
            } ?? .null
        return .object(o)
    }
}
