import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO

/// How many features one written file holds.
public struct SampleFileSummary: Sendable, Equatable {
    public var name: String
    public var features: Int
}

/// What ``SampleWriter/write(_:to:overwrite:progress:)`` wrote.
public struct SampleSummary: Sendable {
    public var directory: String
    public var configuration: SampleConfiguration
    public var metricCRS: CRS
    public var streetOffices: Int
    public var communities: Int
    /// Every file, in the order written; `truth.json` counts its defects.
    public var files: [SampleFileSummary]
    /// Number of defects of each finding kind (``SampleDefect/findingKind``), in ``findingKinds``
    /// order; kinds with none are left out.
    public var defects: [(kind: String, count: Int)]

    /// The finding kinds defects are named by, in the order `check` lists them.
    public static let findingKinds = [
        "overlap", "unmanaged", "sliver", "exclave", "enclave", "interlock", "parent_mismatch", "invalid",
    ]

    /// The summary as `gridplan sample --json` prints it.
    public var json: JSONValue {
        .object([
            "directory": .string(directory),
            "seed": .string(String(configuration.seed)),
            "communities": .integer(Int64(communities)),
            "street_offices": .integer(Int64(streetOffices)),
            "crs": .string(configuration.outputCRS.identifier),
            "metric_crs": .string(metricCRS.identifier),
            "center": .array([.number(configuration.center.x), .number(configuration.center.y)]),
            "files": .array(
                files.map { .object(["name": .string($0.name), "features": .integer(Int64($0.features))]) }),
            "defects": .object(
                JSONObject(defects.map { (key: $0.kind, value: JSONValue.integer(Int64($0.count))) })),
            "total_defects": .integer(Int64(defects.reduce(0) { $0 + $1.count })),
        ])
    }
}

/// Writes a generated city as GeoJSON files plus `truth.json` into a directory, all or nothing:
/// files are written into a temporary directory beside the target and moved into place only
/// when every one of them is complete.
///
/// ```swift
/// let summary = try SampleWriter.write(SampleConfiguration(seed: 1), to: "data", overwrite: true)
/// print(summary.files.map(\.name))
/// ```
public enum SampleWriter {
    /// The files of a sample city, in the order they are written.
    public static let fileNames = [
        "district.geojson", "street_offices.geojson", "communities.geojson", "streets.geojson", "buildings.geojson",
        "events.geojson", "components.geojson", "grids_old.geojson", "shops.geojson", "roster.csv", "truth.json",
    ]

    /// Generates the city for `configuration` and writes it into `directory`.
    ///
    /// - Parameters:
    ///   - overwrite: write into an existing non-empty directory, replacing files of the same
    ///     names and keeping the others. Without it, such a directory is refused.
    ///   - progress: called now and then with a one-line status, for large cities.
    /// - Throws: ``SampleError`` when the configuration or the directory is unusable (checked
    ///   before any work), `CRSError` when the output CRS is unknown or unreachable,
    ///   `OutputError` or ``SampleError/writeFailed(_:reason:)`` when a file cannot be written. Nothing is left behind on failure.
    @discardableResult
    public static func write(
        _ configuration: SampleConfiguration, to directory: String, overwrite: Bool, progress: ((String) -> Void)? = nil
    ) throws -> SampleSummary {
        try configuration.validate()
        let fm = FileManager.default
        let url = URL(fileURLWithPath: directory).standardizedFileURL
        let target = url.path
        var isDirectory: ObjCBool = false
        let exists = fm.fileExists(atPath: target, isDirectory: &isDirectory)
        if exists {
            guard isDirectory.boolValue else {
                throw SampleError.outputUnusable(directory, reason: "exists and is not a directory")
            }
            let contents = (try? fm.contentsOfDirectory(atPath: target)) ?? []
            if !contents.isEmpty && !overwrite { throw SampleError.outputNotEmpty(directory) }
        }
        let parent = url.deletingLastPathComponent().path
        var parentIsDirectory: ObjCBool = false
        guard fm.fileExists(atPath: parent, isDirectory: &parentIsDirectory), parentIsDirectory.boolValue else {
            throw SampleError.outputUnusable(directory, reason: "the parent directory \(parent) does not exist")
        }
        // Fail on a bad output CRS before generating anything.
        let transformer = try Transformer(from: configuration.metricCRS, to: configuration.outputCRS)
        let geographic = try configuration.outputCRS.describe().isGeographic

        var template = Array((parent + "/." + url.lastPathComponent + ".sample-XXXXXX").utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw SampleError.outputUnusable(
                directory,
                reason: "cannot create a temporary directory in \(parent): \(String(cString: strerror(errno)))")
        }
        let staging = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // mkdtemp makes the directory private (0700); a new output directory should look like
        // one made by mkdir.
        chmod(staging, 0o777 & ~OutputFile.processUmask)
        var moved = false
        defer { if !moved { try? fm.removeItem(atPath: staging) } }

        progress?("sample: laying out \(configuration.communityCount) communities")
        let city = try SampleCity(configuration: configuration)
        var files = try writeFiles(
            city, into: staging, transformer: transformer, geographic: geographic, progress: progress)

        // Move into place: the whole directory when it is new, file by file otherwise.
        if !exists {
            guard rename(staging, target) == 0 else {
                throw SampleError.writeFailed(
                    directory, reason: "cannot move the files into place: \(String(cString: strerror(errno)))")
            }
        } else {
            for name in fileNames {
                guard rename(staging + "/" + name, target + "/" + name) == 0 else {
                    throw SampleError.writeFailed(
                        target + "/" + name, reason: "cannot move into place: \(String(cString: strerror(errno)))")
                }
            }
            try? fm.removeItem(atPath: staging)
        }
        moved = true
        files.append(SampleFileSummary(name: "truth.json", features: city.defects.count))
        return SampleSummary(
            directory: directory, configuration: configuration, metricCRS: city.metricCRS,
            streetOffices: city.streetOffices.count,
            communities: city.communities.count, files: files,
            defects: SampleSummary.findingKinds.compactMap { kind in
                let n = city.defects.filter { $0.findingKind == kind }.count
                return n > 0 ? (kind, n) : nil
            })
    }

    /// Writes every file of `city` into `directory` and returns the GeoJSON files' feature counts.
    static func writeFiles(
        _ city: SampleCity, into directory: String, transformer: Transformer, geographic: Bool,
        progress: ((String) -> Void)?
    ) throws -> [SampleFileSummary] {
        let crs = city.configuration.outputCRS
        // Polygons get 1e-9° (0.1 mm) so sub-metre slivers keep their area to 0.1%; points and
        // lines 1e-7° (1 cm).
        let areaPrecision = geographic ? 9 : 4
        let pointPrecision = geographic ? 7 : 2
        let crsName: String?
        switch crs {
        case .wgs84: crsName = nil
        case .epsg(let code): crsName = "urn:ogc:def:crs:EPSG::\(code)"
        default: crsName = crs.identifier
        }
        func open(_ name: String, _ precision: Int) throws -> GeoJSONWriter {
            try GeoJSONWriter(path: directory + "/" + name, precision: precision, crsName: crsName)
        }
        func out(_ g: Geometry) throws -> Geometry { try transformer.transform(g) }

        let district = try open("district.geojson", areaPrecision)
        try district.write(
            Feature(
                geometry: try out(city.district.geometry),
                properties: [
                    "code": .string(city.district.code), "name": .string(city.district.name),
                ]))
        try district.finish()

        let offices = try open("street_offices.geojson", areaPrecision)
        for o in city.streetOffices {
            try offices.write(
                Feature(
                    geometry: try out(o.geometry),
                    properties: [
                        "code": .string(o.code), "name": .string(o.name), "parent": .string(o.parent),
                    ]))
        }
        try offices.finish()

        let communities = try open("communities.geojson", areaPrecision)
        for c in city.communities {
            try communities.write(
                Feature(
                    geometry: try out(c.geometry),
                    properties: [
                        "code": .string(c.code), "name": .string(c.name), "parent": .string(c.parent),
                        "households": .integer(Int64(c.households)), "population": .integer(Int64(c.population)),
                    ]))
        }
        try communities.finish()

        let streets = try open("streets.geojson", pointPrecision)
        let buildings = try open("buildings.geojson", pointPrecision)
        let events = try open("events.geojson", pointPrecision)
        let components = try open("components.geojson", pointPrecision)
        let grids = try open("grids_old.geojson", areaPrecision)
        let shops = try open("shops.geojson", areaPrecision)
        var shopFaces: [(id: String, faces: [String])] = []
        let total = city.cellCount
        var caseCounts: [String: SampleCaseCounts] = [:]
        // For the roster: each named street's length (metric CRS) and the old grids of each community.
        var streetOrder: [String] = []
        var streetMetres: [String: Double] = [:]
        var gridsOf: [String: [String]] = [:]
        try city.forEachCell { layers in
            if layers.cell % 500 == 0 { progress?("sample: community \(layers.cell) of \(total)") }
            for s in layers.streets {
                try streets.write(
                    Feature(
                        geometry: .lineString(try transformer.transform(s.line)),
                        properties: [
                            "id": .integer(Int64(s.id)), "name": .string(s.name),
                            "class": .string(s.roadClass.rawValue), "grade": .integer(Int64(s.roadClass.grade)),
                        ]))
                if streetMetres[s.name] == nil { streetOrder.append(s.name) }
                streetMetres[s.name, default: 0] += zip(s.line, s.line.dropFirst()).reduce(0) {
                    $0 + $1.0.distance(to: $1.1)
                }
            }
            // Points go through PROJ in one batch per layer and cell.
            let buildingPoints = try transformer.transform(layers.buildings.map(\.location))
            for (b, p) in zip(layers.buildings, buildingPoints) {
                try buildings.write(
                    Feature(
                        geometry: .point(p),
                        properties: [
                            "id": .integer(Int64(b.id)), "community": .string(b.community),
                            "households": .integer(Int64(b.households)),
                        ]))
            }
            let eventPoints = try transformer.transform(layers.events.map(\.location))
            for (e, p) in zip(layers.events, eventPoints) {
                let life = e.lifecycle
                try events.write(
                    Feature(
                        geometry: .point(p),
                        properties: [
                            "id": .integer(Int64(e.id)), "class": .string(e.eventClass), "type": .string(e.type),
                            "date": .string(e.date),
                            "reported_at": .string(SampleLifecycle.text(life.reportedMinute)),
                            "dispatched_at": life.dispatchedMinute.map { .string(SampleLifecycle.text($0)) } ?? .null,
                            "closed_at": life.closedMinute.map { .string(SampleLifecycle.text($0)) } ?? .null,
                            "deadline": .string(SampleLifecycle.text(life.deadlineMinute)),
                            "status": .string(life.status), "source": .string(life.source),
                        ]))
                caseCounts[e.community, default: SampleCaseCounts()].add(life)
            }
            let componentPoints = try transformer.transform(layers.components.map(\.location))
            for (c, p) in zip(layers.components, componentPoints) {
                try components.write(
                    Feature(
                        geometry: .point(p),
                        properties: [
                            "id": .string(c.id), "class": .string(c.componentClass), "type": .string(c.type),
                        ]))
            }
            for g in layers.grids {
                gridsOf[g.community, default: []].append(g.code)
                try grids.write(
                    Feature(
                        geometry: try out(g.geometry),
                        properties: [
                            "code": .string(g.code), "name": .string(g.name), "community": .string(g.community),
                            "households": .integer(Int64(g.households)),
                            "area_m2": .number(SampleCity.rounded(g.areaSquareMetres)),
                        ]))
            }
            let addressPoints = try transformer.transform(layers.shops.map(\.location))
            for (s, p) in zip(layers.shops, addressPoints) {
                try shops.write(
                    Feature(
                        geometry: try s.footprint.map { try out(.polygon(Polygon(exterior: $0))) } ?? .point(p),
                        properties: ["shop_id": .string(s.id), "name": .string(s.name), "type": .string(s.type)]))
                shopFaces.append((s.id, s.faces))
            }
        }
        for w in [streets, buildings, events, components, grids, shops] { try w.finish() }

        let roster = SampleRoster(city: city, streets: streetOrder.map { ($0, streetMetres[$0]!) }, grids: gridsOf)
        try OutputFile.write(roster.csv, to: directory + "/roster.csv")
        try OutputFile.write(
            try truth(
                city, cases: caseCounts, roster: roster, shops: shopFaces, transformer: transformer,
                precision: areaPrecision),
            to: directory + "/truth.json")
        return [
            SampleFileSummary(name: "district.geojson", features: district.featureCount),
            SampleFileSummary(name: "street_offices.geojson", features: offices.featureCount),
            SampleFileSummary(name: "communities.geojson", features: communities.featureCount),
            SampleFileSummary(name: "streets.geojson", features: streets.featureCount),
            SampleFileSummary(name: "buildings.geojson", features: buildings.featureCount),
            SampleFileSummary(name: "events.geojson", features: events.featureCount),
            SampleFileSummary(name: "components.geojson", features: components.featureCount),
            SampleFileSummary(name: "grids_old.geojson", features: grids.featureCount),
            SampleFileSummary(name: "shops.geojson", features: shops.featureCount),
            SampleFileSummary(name: "roster.csv", features: roster.rows.count),
        ]
    }

    /// `truth.json`: the generation's metadata, then one defect per line.
    static func truth(
        _ city: SampleCity, cases: [String: SampleCaseCounts], roster: SampleRoster,
        shops: [(id: String, faces: [String])], transformer: Transformer, precision: Int
    ) throws -> [UInt8] {
        let config = city.configuration
        var head = JSONObject()
        head["generator"] = .string("gridplan sample")
        head["seed"] = .string(String(config.seed))
        head["communities"] = .integer(Int64(city.communities.count))
        head["street_offices"] = .integer(Int64(city.streetOffices.count))
        head["district"] = .string(city.district.code)
        head["crs"] = .string(config.outputCRS.identifier)
        head["metric_crs"] = .string(city.metricCRS.identifier)
        head["center"] = .array([.number(config.center.x), .number(config.center.y)])
        head["event_year"] = .integer(Int64(SampleConfiguration.eventYear))
        head["notes"] = .string(
            "Areas are in square metres, computed in metric_crs; geometries are in crs. Apart from these defects the "
                + "communities tile the district exactly, street offices are the unions of the communities whose territory they hold, "
                + "and grids_old follows the communities' legal outlines (so it differs from communities.geojson exactly at the "
                + "digitising defects: overlap, gap, digitising_noise, invalid_ring). A defect's kind is the finding kind gridplan check reports it as with its default options (a gap narrower than 2 m is a sliver, wider unmanaged; a jagged border an interlock; an invalid ring invalid; digitising noise a sliver), its cause how it was made, and findings every finding check reports for it with its area. cases counts each community's events by the lattice cell "
                + "they were drawn in (or the enclave or exclave there), as of case_snapshot: open cases were dispatched and not closed, "
                + "never_dispatched ones neither; a community named in a defect may hold a few events another outline claims. "
                + "Streets carry grade 1 (arterial) to 4 (alley); the roster's holes are under roster.")
        head["case_snapshot"] = .string(SampleLifecycle.text(SampleLifecycle.snapshotMinute))
        head["cases"] = .object(
            JSONObject(
                city.communities.map { c in
                    let n = cases[c.code] ?? SampleCaseCounts()
                    return (
                        key: c.code,
                        value: JSONValue.object([
                            "cases": .integer(Int64(n.cases)), "dispatched": .integer(Int64(n.dispatched)),
                            "closed": .integer(Int64(n.closed)),
                            "closed_on_time": .integer(Int64(n.closedOnTime)),
                            "closed_late": .integer(Int64(n.closedLate)), "open": .integer(Int64(n.open)),
                            "never_dispatched": .integer(Int64(n.neverDispatched)),
                        ])
                    )
                }))
        head["roster"] = .object(roster.truth)
        head["shops"] = .object([
            "notes": .string(
                "shops.geojson's frontage units, laid out against carriageways of street_widths_m (by class) and 门前三包 "
                    + "zones depth_m deep, shops given as points standing for discs of point_radius_m: facing names, per "
                    + "shop_id, the streets a zone must reach (one for a shop in a row, two for a corner shop) and no other "
                    + "street lies within depth_m of the shop; set_back lists the shops no street comes within depth_m of."
            ),
            "depth_m": .number(SampleCity.shopZoneDepthMetres),
            "point_radius_m": .number(SampleCity.shopPointRadiusMetres),
            "street_widths_m": .object(
                JSONObject(RoadClass.allCases.map { (key: $0.rawValue, value: JSONValue.number($0.sampleWidthMetres)) })
            ),
            "facing": .object(
                JSONObject(
                    shops.filter { !$0.faces.isEmpty }.map {
                        (key: $0.id, value: JSONValue.array($0.faces.map { .string($0) }))
                    })),
            "set_back": .array(shops.filter { $0.faces.isEmpty }.map { .string($0.id) }),
        ])
        var out: [UInt8] = []
        out.append(contentsOf: "{".utf8)
        for (key, value) in head {
            JSONText.appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONText.append(value, to: &out)
            out.append(contentsOf: ",\n".utf8)
        }
        out.append(contentsOf: "\"defects\":[\n".utf8)
        for (n, d) in city.defects.enumerated() {
            if n > 0 { out.append(contentsOf: ",\n".utf8) }
            out.append(contentsOf: "{\"id\":".utf8)
            JSONText.appendInteger(Int64(d.id), to: &out)
            out.append(contentsOf: ",\"kind\":".utf8)
            JSONText.appendString(d.findingKind, to: &out)
            out.append(contentsOf: ",\"cause\":".utf8)
            JSONText.appendString(d.kind.rawValue, to: &out)
            out.append(contentsOf: ",\"findings\":".utf8)
            JSONText.append(
                .array(
                    d.expectedFindings.map { f in
                        .object([
                            "kind": .string(f.kind),
                            "area_m2": f.areaSquareMetres.map { .number(SampleCity.rounded($0)) } ?? .null,
                        ])
                    }), to: &out)
            out.append(contentsOf: ",\"units\":".utf8)
            JSONText.append(.array(d.units.map { .string($0) }), to: &out)
            out.append(contentsOf: ",\"area_m2\":".utf8)
            out.append(contentsOf: JSONText.number(SampleCity.rounded(d.areaSquareMetres)).utf8)
            for (key, value) in d.details {
                out.append(UInt8(ascii: ","))
                JSONText.appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                JSONText.append(value, to: &out)
            }
            if let location = d.location {
                let p = try transformer.transform(location)
                out.append(contentsOf: ",\"location\":[".utf8)
                JSONText.appendFixed(p.x, decimals: precision, to: &out)
                out.append(UInt8(ascii: ","))
                JSONText.appendFixed(p.y, decimals: precision, to: &out)
                out.append(UInt8(ascii: "]"))
            }
            out.append(contentsOf: ",\"geometry\":".utf8)
            GeoJSONWriter.appendGeometry(
                try transformer.transform(d.geometry).orientedForRFC7946(), precision: precision, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: "\n]}\n".utf8)
        return out
    }
}
