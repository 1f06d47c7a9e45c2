import ArgumentParser
import Foundation
import GridplanCRS
import GridplanCanvas
import GridplanAnalysis
import GridplanGeometry
import GridplanIO
import GridplanInputs
import GridplanReport
import GridplanStore

/// `gridplan report`: the district's map as one offline HTML page on Leaflet, with charts and
/// tables, and SVG, PNG and PDF images.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Write a self-contained HTML map report: units, grids, findings, streets by owner and 门前三包 zones, with tables.",
        discussion: """
            Inputs are any files gridplan reads, in their declared CRS (as other gridplan commands write \
            them): units (communities), grids (partition --out), findings (check --out) and street \
            segments (assign streets --out) and 门前三包 frontage zones (frontage --out). They are drawn in \
            WGS84. With --store the layer options name store layers; given none, the store's communities, \
            grids, streets, frontage zones and findings are shown. The page needs no network: open it with a double-click.

            The map is drawn by Leaflet, read from Debian's libjs-leaflet (/usr/share/javascript/leaflet) and \
            inlined. A base map can be switched on in the page, none is on at first: OpenStreetMap, AMap 高德 \
            (the data is shown in GCJ-02 to sit on its streets) and, given --tianditu-key, Tianditu 天地图; \
            base maps need the network, and without one the page fetches nothing. Charts: the grids' \
            households (or the --target quantity) against the target band, coverage and unmanaged area \
            per street office (with --metrics and --findings), findings per kind.

            Example: gridplan report --units data/communities.geojson --findings findings.geojson \\
                       --streets segments.geojson --metrics metrics.csv --out report.html --png map.png
            """
    )

    @Option(name: .long, help: "The HTML page to write.")
    var out: String

    @Option(name: .long, help: "The units (communities, street offices): coloured by code.")
    var units: String?

    @Option(name: .long, help: "The grids: coloured by community.")
    var grids: String?

    @Option(name: .long, help: "Coverage-check findings: coloured by kind.")
    var findings: String?

    @Option(name: .long, help: "Street segments with a lead unit: coloured by lead.")
    var streets: String?

    @Option(
        name: .long, help: "门前三包 frontage zones (frontage --out, or the store's frontage_zones): coloured by owner.")
    var frontage: String?

    @Option(
        name: .customLong("roster-holes"),
        help:
            "Units and streets lacking a roster role (roster --out). With --store they are found from the store's roster."
    )
    var rosterHoles: String?

    @OptionGroup var roles: RoleRequirementOptions

    @Option(
        name: .long,
        help: "Points to draw (events, buildings, components), coloured by their kind, class or category.")
    var points: String?

    @Option(name: .long, help: "Unit metrics, .csv or .geojson, joined to the units by their code column.")
    var metrics: String?

    @Option(
        name: .customLong("code-field"), help: "The units' code property. Default: code (or 编码, adcode, unit_code).")
    var codeField: String?

    @Option(
        name: .long,
        help:
            "The grids' target band for the chart, households:MIN-MAX, area:MIN-MAX (m²) or workload:MIN-MAX. Default: no band.",
        transform: { text in
            do {
                return try PartitionTarget(parsing: text)
            } catch {
                throw ValidationError("\(error)")
            }
        })
    var target: PartitionTarget?

    @Option(
        name: .customLong("tianditu-key"),
        help: "A Tianditu (天地图) key: the page then offers its base map. The key is written into the page.")
    var tiandituKey: String?

    @Option(name: .long, help: "The page's title.")
    var title: String = "gridplan map report"

    @Option(name: .long, help: "Also write the map as an SVG image.")
    var svg: String?

    @Option(name: .long, help: "Also write the map as a PNG image.")
    var png: String?

    @Option(name: .long, help: "Also write the map as a PDF page.")
    var pdf: String?

    @Option(name: .long, help: "Width of the SVG, PNG and PDF images in pixels (points for PDF).")
    var width: Int = 1600

    @Option(name: .long, help: "Height of the SVG, PNG and PDF images in pixels (points for PDF).")
    var height: Int = 1200

    @OptionGroup var input: InputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard (100...20000).contains(width), (100...20000).contains(height) else {
            throw ValidationError("--width and --height must be between 100 and 20000 pixels")
        }
        guard input.store != nil || layerOptions.contains(where: { $0 != nil }) else {
            throw ValidationError(
                "give at least one layer (--units, --grids, --findings, --streets, --frontage, --roster-holes, --points) or --store"
            )
        }
        if !roles.require.isEmpty && input.store == nil {
            throw ValidationError("--require checks the store's roster: give --store too")
        }
        if !roles.require.isEmpty && rosterHoles != nil {
            throw ValidationError(
                "--require finds the holes in the store's roster; --roster-holes reads them from a file: give one")
        }
        let outputs = [out, svg, png, pdf].compactMap { $0 }
        guard Set(outputs).count == outputs.count else {
            throw ValidationError("--out, --svg, --png and --pdf must be different files")
        }
    }

    /// Every option naming a layer to draw.
    var layerOptions: [String?] { [units, grids, findings, streets, frontage, rosterHoles, points] }

    func run() throws {
        global.apply()
        let console = Console.current
        // Before any input is read: without Leaflet there is no page to write.
        let leaflet = try Leaflet.load()
        let (s, inputs) = try input.open(readOnly: true)
        // With only --store, every layer comes from the store and empty ones are left out.
        let storeDefaults = s != nil && layerOptions.allSatisfy { $0 == nil }
        func layer(_ option: String?, storeLayer: StoreLayer, name: String, kind: ReportLayerKind) throws
            -> ReportLayer?
        {
            if let option {
                return ReportLayer(
                    name: name, kind: kind, features: try ReportInputs.features(option, role: name, inputs: inputs))
            }
            guard storeDefaults else { return nil }
            let features = try ReportInputs.features(storeLayer.rawValue, role: name, inputs: inputs)
            return features.isEmpty ? nil : ReportLayer(name: name, kind: kind, features: features)
        }
        var unitLayer = try layer(units, storeLayer: .communities, name: "units", kind: .units)
        let gridLayer = try layer(grids, storeLayer: .grids, name: "grids", kind: .grids)
        let streetLayer = try layer(streets, storeLayer: .streets, name: "streets", kind: .streets)
        let findingLayer = try layer(findings, storeLayer: .findings, name: "findings", kind: .findings)
        var frontageLayer = try layer(frontage, storeLayer: .frontageZones, name: "frontage zones", kind: .frontage)
        // The store keeps a zone's owner as its code.
        if let f = frontageLayer, !f.features.contains(where: { $0.properties["owner"] != nil }) {
            frontageLayer = ReportLayer(name: f.name, kind: .frontage, features: f.features, colorProperty: "code")
        }
        let holesLayer = try rosterHolesLayer(inputs: inputs, storeDefaults: storeDefaults, console: console)
        let pointLayer = try points.map { p in
            let features = try ReportInputs.features(p, role: "points", inputs: inputs)
            return ReportLayer(
                name: "points", kind: .points, features: features,
                colorProperty: ReportInputs.pointCategory(of: features))
        }

        var tables: [ReportTable] = []
        if let findingLayer { tables += ReportTables.findings(findingLayer.features) }
        var metricsTable: ReportInputs.MetricsTable?
        if let metrics {
            let table = try ReportInputs.metrics(path: metrics)
            metricsTable = table
            let codeKey = codeField ?? unitLayer.flatMap { ReportInputs.codeKey(in: $0.features) } ?? "code"
            if var u = unitLayer {
                let unmatched = ReportInputs.join(table, into: &u.features, codeKey: codeKey)
                if unmatched > 0 {
                    console.err(
                        "note: \(metrics): \(unmatched) of \(table.rows.count) rows match no unit's \(codeKey)\n")
                }
                unitLayer = u
            }
            tables.append(ReportTables.metrics(table, units: unitLayer?.features ?? [], codeKey: codeKey))
        } else if let unitLayer {
            tables.append(ReportTables.properties(of: unitLayer.features, title: "Units"))
        }
        if let gridLayer { tables.append(ReportTables.properties(of: gridLayer.features, title: "Grids")) }
        if let streetLayer { tables.append(ReportTables.streetsByLead(streetLayer.features)) }
        if let frontageLayer {
            tables.append(ReportTables.frontageByStreet(frontageLayer.features, owner: frontageLayer.colorProperty))
        }
        if let holesLayer { tables.append(ReportTables.rosterHoles(holesLayer.features)) }

        var charts: [ReportChart] = []
        if let gridLayer,
            let c = ReportCharts.gridsAgainstTarget(
                gridLayer.features, quantity: target?.quantity ?? .households, band: target)
        {
            charts.append(c)
        }
        if let metricsTable, let findingLayer,
            let c = ReportCharts.streetOffices(
                ReportInputs.streetOffices(in: metricsTable), findings: findingLayer.features)
        {
            charts.append(c.chart)
        }
        if let findingLayer, let c = ReportCharts.findingsPerKind(findingLayer.features) { charts.append(c) }

        let layers = [unitLayer, gridLayer, frontageLayer, streetLayer, holesLayer, findingLayer, pointLayer].compactMap
        {
            $0
        }
        let page = MapReport.html(
            title: title, layers: layers, tables: tables, charts: charts,
            baseMaps: BaseMapOptions(tiandituKey: tiandituKey), leaflet: leaflet)
        var outputs: [(path: String, bytes: [UInt8])] = [(out, Array(page.utf8))]
        for (path, format) in [(svg, ImageFormat.svg), (png, .png), (pdf, .pdf)] {
            guard let path else { continue }
            outputs.append(
                (path, try MapImage.render(layers: layers, width: width, height: height, title: title, format: format)))
        }
        // Every file is complete in its temporary before any replaces its destination.
        let files = try outputs.map { o -> OutputFile in
            let f = try OutputFile(path: o.path)
            try f.write(o.bytes)
            return f
        }
        for f in files { try f.commit() }
        inputs.report(to: console)

        let counts = layers.map { ($0.name, $0.drawnFeatures.count) }
        if global.json {
            var o = JSONObject()
            o["out"] = .string(out)
            o["svg"] = svg.map { .string($0) } ?? .null
            o["png"] = png.map { .string($0) } ?? .null
            o["pdf"] = pdf.map { .string($0) } ?? .null
            o["layers"] = .object(JSONObject(counts.map { (key: $0.0, value: JSONValue.integer(Int64($0.1))) }))
            o["tables"] = .array(
                tables.map { .object(["title": .string($0.title), "rows": .integer(Int64($0.rows.count))]) })
            o["charts"] = .array(charts.map { .string($0.id) })
            o["leaflet"] = .string(leaflet.version)
            console.out(JSONText.encode(JSONValue.object(o).adding(inputs: inputs)) + "\n")
        } else {
            var lines = [
                "\(out): " + counts.map { "\($0.0) \($0.1)" }.joined(separator: ", ") + "; tables: "
                    + tables.map { "\($0.title) (\($0.rows.count))" }.joined(separator: ", ")
            ]
            if let svg { lines.append("\(svg): \(width)×\(height) SVG map") }
            if let png { lines.append("\(png): \(width)×\(height) PNG map") }
            if let pdf { lines.append("\(pdf): \(width)×\(height) PDF map") }
            console.out(lines.joined(separator: "\n") + "\n")
        }
    }
}

extension Report {
    /// The roster holes: read from --roster-holes, or found in the store's roster when the layers
    /// come from the store or --require is given. Nil when there are none to draw.
    func rosterHolesLayer(inputs: InputSet, storeDefaults: Bool, console: Console) throws -> ReportLayer? {
        let name = "roster holes"
        if let rosterHoles {
            return ReportLayer(
                name: name, kind: .rosterHoles,
                features: try ReportInputs.features(rosterHoles, role: name, inputs: inputs))
        }
        guard storeDefaults || !roles.require.isEmpty else { return nil }
        var warnings: [String] = []
        guard
            let recorded = try RosterHoles.recorded(
                in: inputs, requirements: try roles.requirements(), metricOverride: nil, warnings: &warnings)
        else {
            if !roles.require.isEmpty {
                throw CommandFailure(
                    "\(input.store ?? ""): no roster is recorded in the store, so --require has nothing to check (run gridplan roster --store)",
                    exitCode: .badInput)
            }
            return nil
        }
        for w in warnings { console.err("note: \(w)\n") }
        if recorded.requirements.isEmpty {
            console.err(
                "note: the store's roster (responsibilities generation \(recorded.generation)) was recorded without --require: no roster holes are drawn\n"
            )
            return nil
        }
        let features = try RosterHoles.features(recorded.report, hierarchy: recorded.hierarchy, in: .wgs84)
        return features.isEmpty ? nil : ReportLayer(name: name, kind: .rosterHoles, features: features)
    }
}

/// Reading the report's inputs: layers in WGS84 and the metrics table.
enum ReportInputs {
    /// The features of an input (a store layer, a file or `FILE@CRS`) in WGS84, for drawing.
    static func features(_ name: String, role: String, inputs: InputSet) throws -> [Feature] {
        let layer = try inputs.load(name, role: role)
        let toWGS84 = try Transformer(from: layer.crs, to: .wgs84)
        return try layer.features.enumerated().map { i, f in
            var f = f
            do {
                f.geometry = try f.geometry.map { try toWGS84.transform($0) }
            } catch {
                throw InputError("\(layer.name): feature \(i): \(error)")
            }
            return f
        }
    }

    /// A table of metrics rows keyed by column, columns in file order.
    struct MetricsTable {
        var columns: [String]
        var rows: [JSONObject]
        var codeColumn: String
    }

    /// Reads a metrics CSV or GeoJSON file; it must have a code column.
    static func metrics(path: String) throws -> MetricsTable {
        let rows: [JSONObject]
        if path.lowercased().hasSuffix(".csv") {
            rows = try CSVReader.read(path: path).collection.features.map(\.properties)
        } else {
            rows = try GeoJSONReader.read(path: path).features.map(\.properties)
        }
        var seen = Set<String>()
        var columns: [String] = []
        for r in rows { for k in r.keys where seen.insert(k).inserted { columns.append(k) } }
        guard let code = columns.first(where: { codeNames.contains($0.lowercased()) }) else {
            throw CommandFailure(
                "\(path): no code column to join the metrics to the units; the columns are \(columns.joined(separator: ", "))",
                exitCode: .badInput)
        }
        return MetricsTable(columns: columns, rows: rows, codeColumn: code)
    }

    static let codeNames = ["code", "编码", "adcode", "unit_code"]

    /// The property points are coloured by: the first of kind, class, category and type any has.
    static func pointCategory(of features: [Feature]) -> String {
        let names = ["kind", "class", "category", "type"]
        return names.first { n in features.contains { $0.properties[n] != nil } } ?? "kind"
    }

    /// The street-office rows of a metrics table (level `street_office`) with their area.
    static func streetOffices(in table: MetricsTable) -> [StreetOfficeCoverage] {
        table.rows.compactMap { r in
            guard r["level"]?.text == "street_office", let code = r[table.codeColumn]?.text, !code.isEmpty,
                let km2 = r["area_km2"]?.doubleValue
            else { return nil }
            let name = r["name"]?.text
            return StreetOfficeCoverage(
                code: code, name: name?.isEmpty == false ? name : nil, ownedSquareMetres: km2 * 1e6,
                unmanagedSquareMetres: 0)
        }
    }

    /// The units' code property: the first of ``codeNames`` any feature has.
    static func codeKey(in features: [Feature]) -> String? {
        for name in codeNames {
            if features.contains(where: { $0.properties[name] != nil }) { return name }
        }
        return nil
    }

    /// Adds each metrics row's values to the unit with its code; empty metrics never hide a unit's
    /// own value. Returns how many rows matched no unit.
    static func join(_ table: MetricsTable, into units: inout [Feature], codeKey: String) -> Int {
        var byCode: [String: Int] = [:]
        for (i, f) in units.enumerated() {
            if let c = f.properties[codeKey]?.text, !c.isEmpty, byCode[c] == nil { byCode[c] = i }
        }
        var unmatched = 0
        for row in table.rows {
            guard let code = row[table.codeColumn]?.text, let i = byCode[code] else {
                unmatched += 1
                continue
            }
            for (k, v) in row where k != table.codeColumn {
                if v == .null || v == .string(""), units[i].properties[k] != nil { continue }
                units[i].properties[k] = v
            }
        }
        return unmatched
    }
}

/// The tables under the map.
enum ReportTables {
    static func cell(_ v: JSONValue?) -> String {
        switch v {
        case nil, .null?: return ""
        case .array(let a)?: return a.map(\.text).joined(separator: ", ")
        case let v?: return v.text
        }
    }

    /// A summary by kind, then one row per finding.
    static func findings(_ features: [Feature]) -> [ReportTable] {
        let hasHouseholds = features.contains { ($0.properties["households"] ?? .null) != .null }
        let hasOwner = features.contains { ($0.properties["suggested_owner"] ?? .null) != .null }
        var kinds: [String] = []
        var count: [String: Int] = [:], area: [String: Double] = [:], households: [String: Double] = [:]
        for f in features {
            let k = cell(f.properties["kind"])
            if count[k] == nil { kinds.append(k) }
            count[k, default: 0] += 1
            area[k, default: 0] += f.properties["area_m2"]?.doubleValue ?? 0
            households[k, default: 0] += f.properties["households"]?.doubleValue ?? 0
        }
        let order = ReportPalette.findingKinds.map(\.kind)
        kinds.sort { (order.firstIndex(of: $0) ?? order.count, $0) < (order.firstIndex(of: $1) ?? order.count, $1) }
        var summaryColumns = ["kind", "count", "area_m2"]
        if hasHouseholds { summaryColumns.append("households") }
        let summary = ReportTable(
            title: "Findings by kind", columns: summaryColumns,
            rows: kinds.map { k in
                var row = [k, String(count[k]!), JSONText.number((area[k]! * 100).rounded() / 100)]
                if hasHouseholds { row.append(JSONText.number(households[k]!)) }
                return row
            })
        var columns = ["id", "kind", "area_m2", "units"]
        if hasHouseholds { columns.append("households") }
        if hasOwner { columns.append("suggested_owner") }
        let rows = features.enumerated().map { i, f in
            columns.map { c in
                c == "id"
                    ? (f.properties["id"].map { cell($0) } ?? f.id.map { cell($0) } ?? String(i + 1))
                    : cell(f.properties[c])
            }
        }
        return [summary, ReportTable(title: "Findings", columns: columns, rows: rows)]
    }

    /// Every metrics row; the unit's name is added after the code when the metrics lack one.
    static func metrics(_ table: ReportInputs.MetricsTable, units: [Feature], codeKey: String) -> ReportTable {
        var names: [String: String] = [:]
        for u in units {
            if let c = u.properties[codeKey]?.text, let n = u.properties["name"], n != .null { names[c] = n.text }
        }
        let addName = !table.columns.contains("name") && !names.isEmpty
        var columns = [table.codeColumn] + (addName ? ["name"] : [])
        columns += table.columns.filter { $0 != table.codeColumn }
        let rows = table.rows.map { r in
            columns.map { c in c == "name" && addName ? names[cell(r[table.codeColumn])] ?? "" : cell(r[c]) }
        }
        return ReportTable(title: "Metrics", columns: columns, rows: rows)
    }

    /// One row per feature with every property, in first-seen order.
    static func properties(of features: [Feature], title: String) -> ReportTable {
        var seen = Set<String>()
        var columns: [String] = []
        for f in features { for k in f.properties.keys where seen.insert(k).inserted { columns.append(k) } }
        return ReportTable(
            title: title, columns: columns, rows: features.map { f in columns.map { cell(f.properties[$0]) } })
    }

    /// Street segments and length per lead unit: who answers for how much street.
    static func streetsByLead(_ features: [Feature]) -> ReportTable {
        var leads: [String] = []
        var segments: [String: Int] = [:], metres: [String: Double] = [:], names: [String: Set<String>] = [:]
        for f in features {
            let lead = cell(f.properties["lead"]).isEmpty ? ReportLayer.noValue : cell(f.properties["lead"])
            if segments[lead] == nil { leads.append(lead) }
            segments[lead, default: 0] += 1
            metres[lead, default: 0] +=
                f.properties["length_m"]?.doubleValue ?? f.geometry.map(approximateLengthMetres) ?? 0
            let name = cell(f.properties["name"])
            if !name.isEmpty { names[lead, default: []].insert(name) }
        }
        return ReportTable(
            title: "Streets by lead", columns: ["lead", "segments", "streets", "length_m"],
            rows: leads.sorted().map { l in
                [l, String(segments[l]!), String(names[l]?.count ?? 0), JSONText.number(metres[l]!.rounded())]
            })
    }

    /// 门前三包 zones per street: how many zones and owners, and how much kerb and land they keep.
    /// Frontage and area are the zones' own `frontage_m` and `area_m2`.
    static func frontageByStreet(_ features: [Feature], owner ownerKey: String) -> ReportTable {
        var streets: [String] = []
        var zones: [String: Int] = [:], owners: [String: Set<String>] = [:]
        var frontage: [String: Double] = [:], area: [String: Double] = [:]
        for f in features {
            let street = cell(f.properties["street"] ?? f.properties["name"])
            let key = street.isEmpty ? ReportLayer.noValue : street
            if zones[key] == nil { streets.append(key) }
            zones[key, default: 0] += 1
            owners[key, default: []].insert(cell(f.properties[ownerKey]))
            frontage[key, default: 0] += f.properties["frontage_m"]?.doubleValue ?? 0
            area[key, default: 0] += f.properties["area_m2"]?.doubleValue ?? 0
        }
        func metres(_ v: Double) -> String { JSONText.number((v * 10).rounded() / 10) }
        return ReportTable(
            title: "Frontage zones by street", columns: ["street", "zones", "owners", "frontage_m", "area_m2"],
            rows: streets.sorted().map { s in
                [s, String(zones[s]!), String(owners[s]!.count), metres(frontage[s]!), metres(area[s]!)]
            })
    }

    /// The units and streets lacking a roster role, one row each: the level, the unit's code or
    /// the street's name, the unit's name, and what it lacks.
    static func rosterHoles(_ features: [Feature]) -> ReportTable {
        ReportTable(
            title: "Roster holes", columns: ["level", "unit or street", "name", "lacks"],
            rows: features.map { f in
                let p = f.properties
                let place = cell(p["unit"] ?? p["street"])
                let name = cell(p["name"])
                return [cell(p["level"]), place, name == place ? "" : name, cell(p["lacks"] ?? p["role"])]
            })
    }

    /// Line length on a sphere, good to a fraction of a percent over a district.
    static func approximateLengthMetres(_ g: Geometry) -> Double {
        func length(_ cs: [Coordinate]) -> Double {
            guard cs.count > 1 else { return 0 }
            var total = 0.0
            for i in 1..<cs.count {
                let k = cos((cs[i].y + cs[i - 1].y) / 2 * .pi / 180)
                let dx = (cs[i].x - cs[i - 1].x) * k, dy = cs[i].y - cs[i - 1].y
                total += (dx * dx + dy * dy).squareRoot() * 111_195
            }
            return total
        }
        switch g {
        case .lineString(let l): return length(l)
        case .multiLineString(let ls): return ls.reduce(0) { $0 + length($1) }
        case .geometryCollection(let gs): return gs.reduce(0) { $0 + approximateLengthMetres($1) }
        default: return 0
        }
    }
}
