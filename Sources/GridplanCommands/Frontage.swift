import ArgumentParser
import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanInputs
import GridplanStore

/// `gridplan frontage`: 门前三包 zones for every shop and building along its street.
struct FrontageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frontage",
        abstract:
            "Draw the 门前三包 zone of every frontage unit (shop, office, building): the open land between it and the street it faces.",
        discussion: """
            A zone runs along the part of a unit's outline that sees the street with no other building in
            between, no deeper than --depth metres and never on a building; it stops at the kerb (half the
            street's width from the centreline) when a width is known, else at the centreline. Where
            neighbours' zones meet (a corner shop, two rows facing across a narrow lane) they are split on the
            line equidistant from the two units, so no square metre has two owners. Street sides no unit faces
            are listed with --uncovered: they fall to the street's chief (named from the store's roster) or the
            sanitation service.
            Example: gridplan frontage --frontages data/shops.geojson --streets data/streets.geojson \\
                       --units data/communities.geojson --out zones.geojson --uncovered uncovered.geojson
            """
    )

    @Option(
        name: .long,
        help: "The frontage units: polygons (buildings, shop footprints) or points (shops' address points).")
    var frontages: String

    @Option(name: .long, help: "The street centrelines.")
    var streets: String

    @Option(
        name: .customLong("owner-field"),
        help: "The frontage units' owner property. Default: detected (code, id, name ...), else the feature id.")
    var ownerField: String?

    @Option(name: .long, help: "The greatest depth of a zone from its unit, in metres (a local custom; 20 is common).")
    var depth: Double = 20

    @Option(
        name: .customLong("street-width"),
        help: "The width of a street class, CLASS:METRES (repeatable), where the streets have no width property.")
    var streetWidths: [String] = []

    @Option(
        name: .customLong("width-field"),
        help: "The streets' width property in metres. Default: detected (width, 宽度, 路宽).")
    var widthField: String?

    @Option(name: .long, help: "Grids or communities: each zone carries the unit it lies in, cut at unit boundaries.")
    var units: String?

    @Option(name: .long, help: "Write the zones (.geojson WGS84, .gpkg, .csv).")
    var out: String?

    @Option(name: .long, help: "Write the street sides no unit faces (.geojson WGS84, .gpkg, .csv).")
    var uncovered: String?

    @Flag(
        name: .customLong("no-record"),
        help: "With --store, do not record the zones as a new generation of the store's frontage_zones layer.")
    var noRecord = false

    @OptionGroup var unitFields: UnitFieldOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var measure: MetricOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard depth > 0, depth.isFinite else {
            throw ValidationError("--depth must be a positive number of metres, not \(depth)")
        }
        _ = try Self.widths(streetWidths)
    }

    /// `CLASS:METRES` pairs.
    static func widths(_ pairs: [String]) throws -> [String: Double] {
        var out: [String: Double] = [:]
        for p in pairs {
            let parts = p.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let m = Double(parts[1]), m >= 0, m.isFinite else {
                throw ValidationError("--street-width takes CLASS:METRES (e.g. arterial:30), not '\(p)'")
            }
            out[parts[0]] = m
        }
        return out
    }

    func run() throws {
        global.apply()
        let console = Console.current
        let (store, inputs) = try input.open(readOnly: noRecord)
        var warnings: [String] = []
        let unitLayer = try units.map { try inputs.load($0, role: "units") }
        let frontageLayer = try inputs.load(frontages, role: "frontage units")
        let metric = try (unitLayer ?? frontageLayer).metricCRS(override: measure.metricCRS)
        var gridUnits: [UnitInput] = []
        if let unitLayer {
            gridUnits = try unitLayer.units(
                in: metric, codeField: unitFields.codeField, parentField: nil, warnings: &warnings)
            try inputs.setReference(gridUnits, in: metric, layer: unitLayer)
            try inputs.checkFit(frontageLayer, in: metric, territory: false)
        }
        let owners = try Self.owners(frontageLayer, in: metric, ownerField: ownerField, warnings: &warnings)
        let streetLayer = try inputs.loadChecked(streets, role: "streets", in: metric)
        let streetInputs = try Self.streets(streetLayer, in: metric, widthField: widthField)
        var options = FrontageOptions()
        options.depthMetres = depth
        options.widthByClassMetres = try Self.widths(streetWidths)
        let report = try Frontage.run(units: owners, streets: streetInputs, gridUnits: gridUnits, options: options) {
            console.progress($0)
        }
        console.clearProgress()
        inputs.report(to: console)
        warnings =
            inputs.warnings + warnings
            + report.problems.map { p in
                let file =
                    p.layer == .street
                    ? streetLayer.name : (p.layer == .unit ? (unitLayer?.name ?? "units") : frontageLayer.name)
                return "\(file): \(p)"
            }
        let chiefs = try store.map { try Self.streetChiefs($0) } ?? [:]
        let toWGS84 = try Transformer(from: metric, to: .wgs84)
        let zoneFeatures = try report.zones.enumerated().map { k, z in
            try Self.feature(z, id: k + 1, transform: toWGS84)
        }
        let uncoveredFeatures = try report.uncovered.enumerated().map { k, u in
            try Self.feature(u, id: k + 1, chiefs: chiefs, transform: toWGS84)
        }
        if let out { _ = try FeatureExport.write(zoneFeatures, crs: .wgs84, to: out, layerName: "frontage_zones") }
        if let uncovered {
            _ = try FeatureExport.write(
                uncoveredFeatures, crs: .wgs84, to: uncovered, layerName: "uncovered_street_sides")
        }
        var recorded: String?
        if let store, !noRecord {
            // In the store: code = owner, name = street, parent_code = unit, as the layer's columns say.
            let toStore = try Transformer(from: metric, to: store.crs)
            let rows = try report.zones.enumerated().map { k, z -> Feature in
                var f = try Self.feature(z, id: k + 1, transform: toStore)
                f.properties["code"] = .string(z.owner)
                f.properties["name"] = z.street.map { .string($0) } ?? .null
                f.properties["parent_code"] = z.unit.map { .string($0) } ?? .null
                return f
            }
            try store.replaceLayer(
                .frontageZones, with: rows, command: "frontage",
                parameters: [
                    "frontages": .string(frontages), "streets": .string(streets), "depth_m": .number(depth),
                    "units": units.map { .string($0) } ?? .null,
                ])
            recorded = "\(store.location):\(StoreLayer.frontageZones.rawValue)"
        }
        let s = report.summary
        if global.json {
            console.out(
                try FrontageReportJSON(
                    report, zones: zoneFeatures, uncovered: uncoveredFeatures, metric: metric, warnings: warnings,
                    inputs: inputs
                ).text() + "\n")
        } else {
            var lines = [
                String(
                    format:
                        "%d zones for %d of %d owners: %.1f m of frontage, %.1f m², %.1f m of street side faced by nobody (measured in %@)",
                    report.zones.count, s.ownersWithZone, s.ownerCount, s.frontageMetres, s.zoneAreaSquareMetres,
                    s.uncoveredMetres, metric.identifier)
            ]
            if !s.ownersWithoutZone.isEmpty {
                lines.append(
                    "owners facing no street within \(depth) m: \(s.ownersWithoutZone.count) ("
                        + s.ownersWithoutZone.prefix(10).joined(separator: ", ")
                        + (s.ownersWithoutZone.count > 10 ? ", …" : "") + ")")
            }
            if let recorded { lines.append("recorded in \(recorded) as a new generation") }
            for w in warnings.prefix(20) { lines.append("warning: \(w)") }
            if warnings.count > 20 { lines.append("… \(warnings.count - 20) more warnings (use --json)") }
            console.out(lines.joined(separator: "\n") + "\n")
        }
    }

    /// Frontage units by owner: the owner field, else a detected code, id or name, else the feature id.
    static func owners(_ layer: LayerInput, in metric: CRS, ownerField: String?, warnings: inout [String]) throws
        -> [FrontageUnitInput]
    {
        let field: String?
        if let ownerField {
            guard layer.propertyNames.contains(ownerField) else {
                throw InputError(
                    "\(layer.name): no property '\(ownerField)' for --owner-field (has: \(layer.propertyNames.joined(separator: ", ")))"
                )
            }
            field = ownerField
        } else {
            let mapping = try? FieldMapping(explicit: [:], propertyNames: layer.propertyNames)
            field =
                mapping?.sources["code"] ?? layer.propertyNames.first {
                    ["id", "owner", "shop_id", "编号", "名称"].contains($0.lowercased())
                } ?? mapping?.sources["name"]
            if field == nil {
                warnings.append(
                    "\(layer.name): no owner property found (use --owner-field); owners are named by feature id")
            }
        }
        var out: [FrontageUnitInput] = []
        for (i, g) in try layer.geometries(in: metric).enumerated() {
            guard let g else { continue }
            let f = layer.features[i]
            let id =
                field.flatMap { f.properties[$0] }.map(\.text).flatMap { $0.isEmpty || $0 == "null" ? nil : $0 } ?? f
                .id?.text ?? ""
            out.append(FrontageUnitInput(id: id, geometry: g, sourceIndex: i))
        }
        return out
    }

    /// Streets with their name, class and width (the width field, else none: the class width or the centreline).
    static func streets(_ layer: LayerInput, in metric: CRS, widthField: String?) throws -> [FrontageStreetInput] {
        let mapping = try FieldMapping(explicit: [:], propertyNames: layer.propertyNames)
        let width: String?
        if let widthField {
            guard layer.propertyNames.contains(widthField) else {
                throw InputError(
                    "\(layer.name): no property '\(widthField)' for --width-field (has: \(layer.propertyNames.joined(separator: ", ")))"
                )
            }
            width = widthField
        } else {
            width = layer.propertyNames.first { ["width", "宽度", "路宽", "width_m"].contains($0.lowercased()) }
        }
        return try layer.geometries(in: metric).enumerated().compactMap { i, g in
            guard let g else { return nil }
            let p = layer.features[i].properties
            return FrontageStreetInput(
                name: mapping.sources["name"].flatMap { p[$0]?.stringValue },
                streetClass: mapping.sources["class"].flatMap { p[$0]?.text },
                widthMetres: width.flatMap { p[$0]?.doubleValue }, geometry: g, sourceIndex: i)
        }
    }

    /// Street name → its chief (街巷长) and phone, from the store's latest roster.
    static func streetChiefs(_ store: Store) throws -> [String: String] {
        var out: [String: String] = [:]
        for r in try store.roster() {
            guard let street = r.streetName, out[street] == nil else { continue }
            out[street] = r.phone.map { "\(r.name) (\(r.role), \($0))" } ?? "\(r.name) (\(r.role))"
        }
        return out
    }

    static func feature(_ z: FrontageZone, id: Int, transform: Transformer) throws -> Feature {
        var p = JSONObject()
        p["owner"] = .string(z.owner)
        p["street"] = z.street.map { .string($0) } ?? .null
        p["side"] = .string(z.side.rawValue)
        p["unit"] = z.unit.map { .string($0) } ?? .null
        p["frontage_m"] = .number((z.frontageMetres * 100).rounded() / 100)
        p["depth_m"] = .number((z.depthMetres * 100).rounded() / 100)
        p["area_m2"] = .number((z.areaSquareMetres * 100).rounded() / 100)
        return Feature(id: .integer(Int64(id)), geometry: try transform.transform(z.geometry), properties: p)
    }

    static func feature(_ u: UncoveredStreetSide, id: Int, chiefs: [String: String], transform: Transformer) throws
        -> Feature
    {
        var p = JSONObject()
        p["street"] = u.street.map { .string($0) } ?? .null
        p["side"] = .string(u.side.rawValue)
        p["unit"] = u.unit.map { .string($0) } ?? .null
        p["length_m"] = .number((u.lengthMetres * 100).rounded() / 100)
        p["falls_to"] = .string(
            u.street.flatMap { chiefs[$0] }.map { "street chief \($0)" }
                ?? "the street's chief or the sanitation service")
        return Feature(id: .integer(Int64(id)), geometry: try transform.transform(u.geometry), properties: p)
    }
}

/// `gridplan frontage --json`.
struct FrontageReportJSON: JSONReport {
    struct Summary: Encodable {
        var zones: Int
        var owners: Int
        var ownersWithZone: Int
        var frontageMetres: Double
        var areaSquareMetres: Double
        var uncoveredMetres: Double
        var metricCRS: String
        enum CodingKeys: String, CodingKey {
            case zones, owners
            case ownersWithZone = "owners_with_zone"
            case frontageMetres = "frontage_m"
            case areaSquareMetres = "area_m2"
            case uncoveredMetres = "uncovered_m"
            case metricCRS = "metric_crs"
        }
    }

    struct Side: Encodable {
        var street: String?
        var side: String
        var lengthMetres: Double
        var frontageMetres: Double
        var uncoveredMetres: Double
        enum CodingKeys: String, CodingKey {
            case street, side
            case lengthMetres = "length_m"
            case frontageMetres = "frontage_m"
            case uncoveredMetres = "uncovered_m"
        }
    }

    var summary: Summary
    /// Each zone's properties, as in the --out layer.
    var zones: [JSONObject]
    var uncovered: [JSONObject]
    var streetSides: [Side]
    var ownersWithoutZone: [String]
    var warnings: [String]
    var inputs: [LayerReading]

    enum CodingKeys: String, CodingKey {
        case summary, zones, uncovered
        case streetSides = "street_sides"
        case ownersWithoutZone = "owners_without_zone"
        case warnings, inputs
    }

    init(_ r: FrontageReport, zones: [Feature], uncovered: [Feature], metric: CRS, warnings: [String], inputs: InputSet)
    {
        let s = r.summary
        summary = Summary(
            zones: r.zones.count, owners: s.ownerCount, ownersWithZone: s.ownersWithZone,
            frontageMetres: s.frontageMetres,
            areaSquareMetres: s.zoneAreaSquareMetres, uncoveredMetres: s.uncoveredMetres, metricCRS: metric.identifier)
        self.zones = zones.map(\.properties)
        self.uncovered = uncovered.map(\.properties)
        streetSides = s.streetSides.map {
            Side(
                street: $0.street, side: $0.side.rawValue, lengthMetres: $0.lengthMetres,
                frontageMetres: $0.frontageMetres, uncoveredMetres: $0.uncoveredMetres)
        }
        ownersWithoutZone = s.ownersWithoutZone
        self.warnings = warnings
        self.inputs = inputs.readings
    }
}
