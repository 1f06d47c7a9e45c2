import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanStore

/// How one input was read: which CRS its coordinates were taken in, and why.
public struct LayerReading: Sendable, Equatable, Codable {
    /// What the input is to the command: `units`, `boundary`, `households`, `streets` ...
    public var role: String
    /// The file, or `store:layer`.
    public var source: String
    /// The CRS its coordinates were read in.
    public var crs: String
    /// Why: `--crs`, `FILE@CRS`, the file's own declaration, the store, the RFC 7946 default.
    public var crsSource: String

    enum CodingKeys: String, CodingKey {
        case role, source, crs
        case crsSource = "crs_source"
    }
}

/// Every input of one command, read one way: a per-input `FILE@CRS` wins over `--crs`, which wins
/// over what a file declares, which wins over the format's default (WGS84 for GeoJSON). Store
/// layers carry the store's CRS; declaring another for one is an error.
///
/// Once the reference units are set (``setReference(_:in:name:)``), every further layer is
/// checked against them, and one that does not fit is named in ``warnings``, with the CRS that
/// would make it fit when a GCJ-02 or BD-09 shift does (see ``LayerFit``).
public final class InputSet {
    /// The CRS declared for every input file (`--crs`), as typed.
    public let declaredCRS: String?
    /// The store whose layers may be named instead of files.
    public let store: Store?
    /// With a store: only the unit with this code prefix is read (`--within`).
    public let within: String?
    /// Every input read so far, in order.
    public private(set) var readings: [LayerReading] = []
    /// Misfits and reader notes worth a warning.
    public private(set) var warnings: [String] = []
    /// Reader notes (encodings, dropped Z), for stderr.
    public private(set) var notes: [String] = []
    private var reference: LayerFit.Reference?

    /// - Throws: ``InputError`` (usage) when `declaredCRS` is not a CRS PROJ knows.
    public init(declaredCRS: String?, store: Store?, within: String? = nil) throws {
        if let declaredCRS {
            do {
                _ = try CRS(parsing: declaredCRS)
            } catch {
                throw InputError("--crs: \(error)", kind: .usage)
            }
        }
        self.declaredCRS = declaredCRS
        self.store = store
        self.within = within
    }

    /// The parameters a store generation written by this run records: `parameters`, and the
    /// `--within` prefix when the run covered one unit only.
    public func recorded(_ parameters: JSONObject) -> JSONObject {
        var p = parameters
        if let within { p["within"] = .string(within) }
        return p
    }

    /// The extent of the `--within` unit in the store's CRS: its polygons in the finest layer
    /// that has them.
    private lazy var withinExtent: Envelope? = {
        guard let store, let within else { return nil }
        for layer in [StoreLayer.grids, .communities, .streetOffices, .districts] {
            var e = Envelope.empty
            try? store.forEachFeature(of: layer, FeatureFilter(codePrefix: within)) { f in
                if let g = f.geometry { e.expand(toInclude: g.envelope) }
            }
            if !e.isEmpty { return e }
        }
        return nil
    }()

    /// The filter `--within` puts on a store layer.
    func filter(for layer: StoreLayer) throws -> FeatureFilter {
        guard let within else { return FeatureFilter() }
        if layer.isCodedByUnit { return FeatureFilter(codePrefix: within) }
        guard let e = withinExtent else {
            throw InputError(
                "--within \(within): no unit of the store has a code starting with \(within)", kind: .usage)
        }
        return FeatureFilter(envelope: e)
    }

    /// Whether `name` is a layer of the store in use.
    public func isStoreLayer(_ name: String) -> Bool { store != nil && StoreLayer(rawValue: name) != nil }

    /// Splits `text` into the input and its own CRS (`FILE@CRS`).
    public func reference(_ text: String) -> InputReference {
        InputReference(parsing: text) { [self] name in
            isStoreLayer(name) || FileManager.default.fileExists(atPath: name)
        }
    }

    /// Reads the input `text` (a file, `FILE@CRS`, or a store layer) playing `role` in the command.
    ///
    /// A layer read after the reference units is checked against them: see ``LayerFit``.
    /// - Throws: ``InputError`` for a CRS declared on a store layer or a CRS PROJ does not know;
    ///   the readers' errors for a file that cannot be read.
    public func load(_ text: String, role: String) throws -> LayerInput {
        let layer: LayerInput
        switch try resolve(text) {
        case .store(let store, let storeLayer, let filter):
            layer = try LayerInput.read(storeLayer, of: store, filter: filter)
            // A layer nothing was ever written to is simply empty; one that has units but none
            // under the prefix means a wrong code (or a layer of larger units).
            if within != nil && storeLayer.isCodedByUnit && storeLayer != .frontageZones && layer.features.isEmpty,
                try !store.generations(of: storeLayer).isEmpty
            {
                throw InputError(
                    "--within \(within!): no feature of the store's \(storeLayer.rawValue) has a code starting with it (a layer of larger units, such as districts for a street office, has none: use the layer of the unit itself, e.g. --boundary street_offices)",
                    kind: .usage)
            }
        case .file(let path, let declaredCRS, let declaredBy):
            layer = try LayerInput.read(path: path, declaredCRS: declaredCRS, declaredBy: declaredBy)
        }
        record(layer, role: role)
        return layer
    }

    /// Where an input comes from, once its text is resolved.
    enum Source {
        /// A store layer, with the filter `--within` puts on it.
        case store(any Store, StoreLayer, FeatureFilter)
        /// A file, with the CRS declared for it (its own `@CRS`, else `--crs`) and by what.
        case file(path: String, declaredCRS: String?, declaredBy: String)
    }

    /// Resolves the input `text` (a file, `FILE@CRS`, or a store layer).
    /// - Throws: ``InputError`` (usage) for a CRS declared on a store layer or a CRS PROJ does not know.
    func resolve(_ text: String) throws -> Source {
        let ref = reference(text)
        if let store, let storeLayer = StoreLayer(rawValue: ref.name) {
            if let crs = ref.declaredCRS {
                throw InputError(
                    "\(text): \(ref.name) is a store layer: it carries the store's CRS (\(store.crs.identifier)); a CRS cannot be declared for it (drop @\(crs))",
                    kind: .usage)
            }
            return .store(store, storeLayer, try filter(for: storeLayer))
        }
        guard let crs = ref.declaredCRS else {
            return .file(path: ref.name, declaredCRS: declaredCRS, declaredBy: "--crs")
        }
        do {
            _ = try CRS(parsing: crs)
        } catch {
            throw InputError("\(text): the CRS after @: \(error)", kind: .usage)
        }
        return .file(path: ref.name, declaredCRS: crs, declaredBy: "\(ref.name)@\(crs)")
    }

    /// Records how `layer` (read by the caller) was read.
    /// A store layer of units whose codes have `codeLength` digits. With `--within` a longer code
    /// (a street office in a layer of districts), the one unit that encloses it, rather than none;
    /// otherwise as ``load(_:role:)``.
    public func load(units layer: StoreLayer, codeLength: Int, role: String) throws -> LayerInput {
        guard let store, let within, within.count > codeLength else { return try load(layer.rawValue, role: role) }
        let input = try LayerInput.read(
            layer, of: store, filter: FeatureFilter(codePrefix: String(within.prefix(codeLength))))
        record(input, role: role)
        return input
    }

    func record(_ layer: LayerInput, role: String) {
        record(
            LayerReading(role: role, source: layer.name, crs: layer.crs.identifier, crsSource: layer.crsSource),
            notes: layer.notes.map { "\(layer.name): \($0)" })
    }

    func record(_ reading: LayerReading, notes: [String]) {
        readings.append(reading)
        self.notes += notes
    }

    /// Sets the units every later layer is checked against (usually the command's main input,
    /// `layer`, whose units in `metric` are `units`).
    public func setReference(_ units: [UnitInput], in metric: CRS, layer: LayerInput) throws {
        reference = try LayerFit.Reference(
            units: units.map(\.geometry), metric: metric, name: layer.name, crs: layer.crs)
    }

    /// Checks `layer` (already read) against the reference units, adding a warning when it does
    /// not fit. `territory` layers (a boundary, parents, grids) should cover what the units cover;
    /// the others (points, streets) should mostly lie on the units.
    public func checkFit(_ layer: LayerInput, in metric: CRS, territory: Bool) throws {
        guard reference != nil else { return }
        try checkFit(
            sample: LayerFit.sample(layer, in: metric), name: layer.name, crs: layer.crs, territory: territory,
            isStoreLayer: layer.isStoreLayer)
    }

    /// Checks a layer by a sample of its coordinates in the metric CRS (see ``LayerFit/sample(_:in:)``).
    func checkFit(sample: [Coordinate], name: String, crs: CRS, territory: Bool = false, isStoreLayer: Bool) throws {
        guard let reference else { return }
        if let warning = try reference.diagnose(
            sample, name: name, crs: crs, territory: territory, isStoreLayer: isStoreLayer)
        {
            warnings.append(warning)
        }
    }

    /// Reads a secondary layer and checks it against the reference units.
    public func loadChecked(_ text: String, role: String, in metric: CRS, territory: Bool = false) throws -> LayerInput
    {
        let layer = try load(text, role: role)
        try checkFit(layer, in: metric, territory: territory)
        return layer
    }

    /// A territory (district outline, street offices) as one valid polygonal geometry in `metric`:
    /// the input's features are repaired and dissolved, with vertices within a millimetre of a
    /// unit's vertex snapped onto it (see ``LayerFit/snapToleranceMetres``).
    public func boundary(_ text: String, in metric: CRS, role: String = "boundary") throws -> Geometry {
        let layer = try loadChecked(text, role: role, in: metric, territory: true)
        let ctx = GEOSContext()
        let parts = try layer.geometries(in: metric).compactMap { $0 }.map {
            try ctx.geometry(reference?.snapped($0) ?? $0).madeValid().geometry
        }
        guard !parts.isEmpty else { throw InputError("\(layer.name): the \(role) layer has no geometries") }
        return try ctx.union(of: parts).value()
    }

    /// Weighted points (households) in `metric`, checked against the reference units.
    public func households(_ text: String, weightField: String?, in metric: CRS) throws -> [(Coordinate, Double)] {
        try weightedPoints(text, role: "households", weightField: weightField, in: metric)
    }

    /// The readings as a JSON array for `--json` output.
    public var readingsJSON: JSONValue {
        .array(
            readings.map { r in
                .object([
                    "role": .string(r.role), "source": .string(r.source), "crs": .string(r.crs),
                    "crs_source": .string(r.crsSource),
                ])
            })
    }

    /// One line per input for the terminal: `crs: households data/buildings.geojson EPSG:4326 (…)`.
    public var readingLines: [String] {
        readings.map { "crs: \($0.role) \($0.source): \($0.crs) (\($0.crsSource))" }
    }
}
