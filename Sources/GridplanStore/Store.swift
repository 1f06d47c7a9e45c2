import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanPostgres

/// A generation: one command's output into one layer.
public struct StoreGeneration: Sendable, Equatable {
    public var id: Int64
    public var created: String
    public var command: String
    public var parameters: String
    public var parentID: Int64?
    public var layer: String?
    /// `YYYY-MM-DD` from which the generation is in force, when it was given (schema 2).
    public var effectiveFrom: String?

    /// The day it came into force: the one given, else the day it was made.
    public var effectiveDay: String { effectiveFrom ?? String(created.prefix(10)) }

    public init(
        id: Int64, created: String, command: String, parameters: String, parentID: Int64?, layer: String?,
        effectiveFrom: String? = nil
    ) {
        self.id = id
        self.created = created
        self.command = command
        self.parameters = parameters
        self.parentID = parentID
        self.layer = layer
        self.effectiveFrom = effectiveFrom
    }
}

/// Row counts, extents and generations of one layer, for `gridplan layers`.
public struct StoreLayerSummary: Sendable {
    public var layer: StoreLayer
    public var count: Int
    public var extent: Envelope?
    public var generations: Int
    public var latestGeneration: Int64?
}

/// Which features of a layer to read.
public struct FeatureFilter: Sendable, Equatable {
    /// A generation of the layer; nil: the latest for layers that keep generations, all otherwise.
    public var generation: Int64?
    /// Only features whose envelope meets this one (in the store's CRS).
    public var envelope: Envelope?
    /// Only features whose `code` starts with this (a district, street office or community code:
    /// `--within`).
    public var codePrefix: String?

    public init(generation: Int64? = nil, envelope: Envelope? = nil, codePrefix: String? = nil) {
        self.generation = generation
        self.envelope = envelope
        self.codePrefix = codePrefix
    }
}

/// gridplan's working store: every layer of the management hierarchy, the generations that made
/// them, grid code history, responsibilities and findings. Two engines implement it: a
/// GeoPackage file (``GeoPackageStore``, one person, QGIS opens it) and a PostgreSQL/PostGIS
/// database (``PostGISStore``, shared by a district's offices). Commands see only this protocol;
/// ``Stores`` opens either from a location.
///
/// Every layer shares the store's CRS. Each write is one transaction: a failed or killed command
/// leaves the previous generation whole.
public protocol Store: AnyObject {
    /// Where the store is, as it may be shown: a path, or a connection URI with any password masked.
    var location: String { get }
    /// The CRS of every layer.
    var crs: CRS { get }

    /// Calls `body` with each feature of `layer` that `filter` selects, streaming (bounded memory).
    /// Single-part multis come back as single geometries and the stored source properties are
    /// restored, with the standard fields on top.
    func forEachFeature(of layer: StoreLayer, _ filter: FeatureFilter, _ body: (Feature) throws -> Void) throws

    /// The generations of `layer` (every layer's when nil), oldest first.
    func generations(of layer: StoreLayer?) throws -> [StoreGeneration]

    /// Row counts, extents and generations per layer.
    func summaries() throws -> [StoreLayerSummary]

    /// Imports a source layer into `layer` in one transaction: read batch by batch (memory holds
    /// a few batches, whatever the file's size), transformed into the store's CRS, standard
    /// fields mapped (`fields` explicit, else detected), written as a new generation while the
    /// next batches are read. Layers that keep generations gain one; others refuse to mix
    /// imports unless `replace`. A feature that fails a check (its coordinates, its geometry
    /// type, a transform) fails the import with its index, and the store stays as it was.
    /// - Parameter effectiveFrom: the day (`YYYY-MM-DD`) from which the new generation is in
    ///   force, for grids drawn before they are imported; nil: the day of the import.
    /// - Parameter progress: called after each batch with the features written so far and the
    ///   total when the source knows it.
    func importLayer(
        _ source: SourceReader, into layer: StoreLayer, fields: [String: String], replace: Bool, parameters: JSONObject,
        effectiveFrom: String?, progress: (_ written: Int, _ total: Int?) -> Void
    ) throws -> ImportReport

    /// Records check findings (in the store's CRS) as a new generation of the findings layer.
    @discardableResult
    func recordFindings(_ features: [Feature], command: String, parameters: JSONObject) throws -> Int64

    /// Every grid code the store has ever issued (a retired code is never reused).
    func issuedGridCodes() throws -> Set<String>

    /// Writes grids (in the store's CRS) as a new generation with their code history, retires
    /// the codes that did not survive, and re-assigns components and events with `locate`.
    /// - Parameter replacing: the latest generation's grids that `grids` replace; every other one
    ///   is carried into the new generation unchanged (its row as it was), read inside the same
    ///   transaction (so districts partitioned at the same time all land). Components and events
    ///   that `locate` puts in no grid keep their grid unless it was one of the replaced ones.
    func writeGridGeneration(
        _ grids: [Feature], parameters: JSONObject, replacing: ReplacedCodes, locate: ([Coordinate]) throws -> [String?]
    ) throws

    /// Writes a repaired layer back and the land the repair moved, in one transaction: `units`
    /// as ``replaceLayer(_:with:command:parameters:within:)`` writes them (command `repair`), and
    /// `changes` (polygons in the store's CRS with `stable_id`, `reason`, `from_unit`, `to_unit`,
    /// `area_m2`, `households`) as a new generation of ``StoreLayer/boundaryChanges`` whose
    /// parameters are `parameters` with the repaired layer and its new generation added
    /// (`repaired_layer`, `repaired_generation`), so a later `partition --keep-untouched` finds
    /// where the land moved.
    /// - Returns: the generation of the repaired layer and that of the changes.
    @discardableResult
    func writeRepair(
        _ layer: StoreLayer, with units: [Feature], changes: [Feature], parameters: JSONObject, within: String?
    ) throws -> (repaired: Int64, changes: Int64)

    /// Writes a whole layer back: a new generation for layers that keep them, a replacement otherwise.
    /// - Parameter within: a code prefix: `features` replace only the features whose code
    ///   starts with it; the rest of the layer stays (carried into the new generation).
    func replaceLayer(
        _ layer: StoreLayer, with features: [Feature], command: String, parameters: JSONObject, within: String?)
        throws

    /// The generations of a table by name (a layer, `responsibilities`, `street_segments`), or all.
    func generations(ofTable table: String?) throws -> [StoreGeneration]

    /// Writes gridplan's QGIS styles into `layer_styles`, each its table's default style.
    /// - Parameter replacing: replace gridplan's earlier styles; else add a style only to tables
    ///   that have none of gridplan's yet. Styles saved by anyone else are never touched.
    func writeLayerStyles(_ styles: [QGISStyle], replacing: Bool) throws

    /// Every style in `layer_styles` (gridplan's and those saved from QGIS), by table.
    func layerStyles() throws -> [QGISStyle]

    /// Records a roster as a new generation of `responsibilities`, in one transaction.
    @discardableResult
    func recordRoster(_ records: [ResponsibilityRecord], command: String, parameters: JSONObject) throws -> Int64

    /// The latest recorded roster (empty when none has been recorded), in roster order.
    func roster() throws -> [ResponsibilityRecord]

    /// Records `assign streets`' segments (in the store's CRS) as a new generation of
    /// `street_segments`; `parameters` keep the grade rule (`grade_rule`).
    @discardableResult
    func recordStreetSegments(_ segments: [RecordedStreetSegment], command: String, parameters: JSONObject) throws
        -> Int64

    /// The latest recorded street segments with their generation, nil when none were recorded.
    func streetSegments() throws -> (generation: StoreGeneration, segments: [RecordedStreetSegment])?
}

extension Store {
    /// Imports a layer read into memory.
    public func importLayer(
        _ source: SourceLayer, into layer: StoreLayer, fields: [String: String], replace: Bool, parameters: JSONObject,
        effectiveFrom: String? = nil
    ) throws -> ImportReport {
        try importLayer(
            SourceReader(source), into: layer, fields: fields, replace: replace, parameters: parameters,
            effectiveFrom: effectiveFrom)
    }

    /// Imports a layer, without progress.
    public func importLayer(
        _ source: SourceReader, into layer: StoreLayer, fields: [String: String], replace: Bool, parameters: JSONObject,
        effectiveFrom: String? = nil
    ) throws -> ImportReport {
        try importLayer(
            source, into: layer, fields: fields, replace: replace, parameters: parameters,
            effectiveFrom: effectiveFrom, progress: { _, _ in })
    }

    /// The features of `layer` that `filter` selects, in memory.
    public func features(of layer: StoreLayer, _ filter: FeatureFilter) throws -> [Feature] {
        var out: [Feature] = []
        try forEachFeature(of: layer, filter) { out.append($0) }
        return out
    }

    /// The features of one generation (or the latest) of `layer`.
    public func features(of layer: StoreLayer, generation: Int64? = nil, envelope: Envelope? = nil) throws -> [Feature]
    {
        try features(of: layer, FeatureFilter(generation: generation, envelope: envelope))
    }

    public func latestGeneration(of layer: StoreLayer) throws -> StoreGeneration? {
        try generations(of: layer).last
    }
}

/// Opens and creates stores from a location: a file path (GeoPackage) or a PostgreSQL
/// connection URI (`postgresql://user@host:port/db`; libpq's environment variables and password
/// file apply).
public enum Stores {
    /// Whether `location` names a PostgreSQL database rather than a file.
    public static func isPostgres(_ location: String) -> Bool { PostgresLocation.isPostgres(location) }

    /// The location as it may be shown: any password masked.
    public static func masked(_ location: String) -> String {
        isPostgres(location) ? PostgresLocation.masking(location) : location
    }

    /// Opens an existing store, applying the migrations it lacks; refuses one made by a newer gridplan.
    public static func open(_ location: String, readOnly: Bool = false) throws -> any Store {
        if isPostgres(location) { return try PostGISStore.open(location, readOnly: readOnly) }
        return try GeoPackageStore.open(path: location, readOnly: readOnly)
    }

    /// Creates a new store; refuses one that exists.
    public static func create(_ location: String, crs: CRS = .wgs84) throws -> any Store {
        if isPostgres(location) { return try PostGISStore.create(location, crs: crs) }
        return try GeoPackageStore.create(path: location, crs: crs)
    }

    /// The schema version this gridplan knows (both engines share the numbers).
    public static var schemaVersion: Int { GeoPackageStore.schemaVersion }
}

/// What each schema version added, the same for both engines (each applies it in its own SQL).
/// Shipped entries are never edited; a schema change is a new number here and a migration in
/// each engine.
enum SchemaHistory {
    static let descriptions: [Int: String] = [
        1: "domain schema: layers, generations, code history, responsibilities",
        2:
            "events keep the case loop (reported, dispatched, closed, deadline, status, source); generations say when they come into force",
        3:
            "the roster and road grades: responsibilities rows belong to a generation and carry role, superior, duties, unit level and source line (level keeps the person's tier); the street_segments layer keeps assign streets' segments with lead, grade and responsible body",
        4:
            "frontage_zones: the 门前三包 zone of each frontage unit (code = owner, name = street, parent_code = unit), a generation per gridplan frontage run",
        5:
            "layer_styles: QGIS's table of layer styles (QML), one gridplan style per layer, so QGIS opens the store styled",
        6:
            "boundary_changes: the land each repair --store moves (code = the change's stable id, reason, from_unit, to_unit, area_m2), a generation per repair naming the layer and generation it repaired, so partition --keep-untouched re-partitions only the land that moved",
    ]

    /// The owner gridplan's rows in `layer_styles` carry: styles a user saves from QGIS keep theirs.
    static let styleOwner = "gridplan"

    static func description(_ version: Int) -> String { descriptions[version]! }
}

extension Store {
    /// ``writeGridGeneration(_:parameters:replacing:locate:)`` replacing every grid, or (with
    /// `within`, a district or street office code) the grids whose code starts with it.
    public func writeGridGeneration(
        _ grids: [Feature], parameters: JSONObject, within: String? = nil, locate: ([Coordinate]) throws -> [String?]
    ) throws {
        try writeGridGeneration(
            grids, parameters: parameters, replacing: within.map { .under([$0]) } ?? .all, locate: locate)
    }

    /// ``replaceLayer(_:with:command:parameters:within:)`` for the whole layer.
    public func replaceLayer(_ layer: StoreLayer, with features: [Feature], command: String, parameters: JSONObject)
        throws
    {
        try replaceLayer(layer, with: features, command: command, parameters: parameters, within: nil)
    }
}

/// What both engines write for a grid generation: partition's fields mapped to the grid columns,
/// and each grid's predecessor for the code history.
enum GridGeneration {
    static func fields() throws -> FieldMapping {
        try FieldMapping(
            explicit: ["code": "code", "parent_code": "community", "households": "households"],
            propertyNames: ["code", "community", "households"])
    }

    /// The code the grid continues (its LASTCODE), nil for a new grid.
    static func predecessor(of grid: Feature) -> String? {
        grid.properties["lastcode"].flatMap { $0 == .null ? nil : $0.text }
    }
}

/// Which features of a layer's latest generation a new generation replaces; the others are
/// carried into it as they were. A regeneration of one district replaces the codes under its
/// prefix; an incremental partition replaces the grids of the communities it re-partitions,
/// except the ones it keeps.
public struct ReplacedCodes: Sendable, Equatable {
    /// Code prefixes whose features are replaced; nil: every feature.
    public var prefixes: [String]?
    /// Codes under the prefixes that are carried all the same.
    public var keeping: Set<String>

    public init(prefixes: [String]?, keeping: Set<String> = []) {
        self.prefixes = prefixes
        self.keeping = keeping
    }

    /// Every feature: nothing is carried.
    public static let all = ReplacedCodes(prefixes: nil)

    /// The features whose code starts with one of `prefixes`.
    public static func under(_ prefixes: [String]) -> ReplacedCodes { ReplacedCodes(prefixes: prefixes) }

    /// Whether anything is carried at all.
    public var carriesAny: Bool { prefixes != nil }

    /// Whether a feature with `code` is replaced (a feature without a code is carried, unless
    /// everything is replaced).
    public func contains(_ code: String?) -> Bool {
        guard let prefixes else { return true }
        guard let code, !keeping.contains(code) else { return false }
        return prefixes.contains { code.hasPrefix($0) }
    }
}

/// What both engines write for a repair's changes: the change's stable id as its code, its
/// households, and the generation's parameters naming the layer and generation it repaired.
enum BoundaryChangeRows {
    static func fields() throws -> FieldMapping {
        try FieldMapping(
            explicit: ["code": "stable_id", "households": "households"], propertyNames: ["stable_id", "households"])
    }

    static func parameters(_ parameters: JSONObject, layer: StoreLayer, generation: Int64) -> JSONObject {
        var p = parameters
        p["repaired_layer"] = .string(layer.rawValue)
        p["repaired_generation"] = .integer(generation)
        return p
    }
}

/// The grid a component or event gets after a regeneration: where `locate` put it, else (in no
/// new grid) none, unless its old grid was carried into the new generation.
enum Relocation {
    static func code(old: String?, located: String?, replacing: ReplacedCodes) -> String? {
        guard located == nil, let old, !replacing.contains(old) else { return located }
        return old
    }
}

/// The rows of a point layer that carries parent codes (components, events) as a relocation
/// reads them: the fid, the point and the parent code, nothing else, a batch at a time
/// (``batches(of:read:_:)``). 19.5 million components at 100,000 communities were 0.8 GB read
/// at once so, and over 10 GB as whole features.
struct PointParents {
    private(set) var fids: [Int64] = []
    private(set) var points: [Coordinate] = []
    private(set) var parents: [String?] = []
    /// The rows read, with or without a point (a row without one is not kept), and the last fid.
    private(set) var read = 0
    private(set) var lastFid: Int64?

    /// Rows per batch of a relocation: about 40 MB of rows and their located codes.
    static let batchSize = 1_000_000

    var count: Int { fids.count }

    mutating func append(fid: Int64, point: Coordinate, parent: String?) {
        fids.append(fid)
        points.append(point)
        parents.append(parent)
    }

    /// Notes a row read, whether or not it is kept; call it for every row, in fid order.
    mutating func passed(fid: Int64) {
        read += 1
        lastFid = fid
    }

    /// Calls `body` with each batch of a layer's rows in fid order: `read(after, limit)` gives
    /// at most `limit` rows with a fid above `after` (nothing lies below `Int64.min`).
    static func batches(
        of size: Int = batchSize, read: (Int64, Int) throws -> PointParents, _ body: (PointParents) throws -> Void
    ) throws {
        var after = Int64.min
        while true {
            let rows = try read(after, size)
            if rows.count > 0 { try body(rows) }
            guard rows.read >= size, let last = rows.lastFid else { return }
            after = last
        }
    }

    /// Calls `body` with the fid and new parent code of each row whose code changes: `located`
    /// is where the caller's point location put each point, ``Relocation`` decides (rows whose
    /// code stays are not written).
    /// - Returns: how many rows change.
    @discardableResult
    func forEachChange(
        located: [String?], replacing: ReplacedCodes, _ body: (Int64, String?) throws -> Void
    ) throws -> Int {
        precondition(located.count == fids.count, "one located code per row")
        var changed = 0
        for i in fids.indices {
            let code = Relocation.code(old: parents[i], located: located[i], replacing: replacing)
            if code == parents[i] { continue }
            try body(fids[i], code)
            changed += 1
        }
        return changed
    }
}

/// A repair as the store recorded it (``Store/writeRepair(_:with:changes:parameters:within:)``).
public struct RecordedRepair: Sendable {
    /// The generation of ``StoreLayer/boundaryChanges`` holding the changes.
    public var generation: StoreGeneration
    /// The layer the repair wrote, and its generation (nil for changes imported from a file).
    public var repairedLayer: String?
    public var repairedGeneration: Int64?
    /// The codes of the units the changes move land between, as the repair recorded them.
    public var units: [String]
    /// The land that moved (store CRS), one feature per change: `from_unit`, `to_unit`,
    /// `reason`, `area_m2`, `stable_id` among its properties.
    public var changes: [Feature]
}

extension Store {
    /// The repair recorded as `generation` (a generation of ``StoreLayer/boundaryChanges``, or
    /// the generation `repair --store` wrote into the repaired layer), or the latest one.
    /// - Throws: ``StoreError`` naming the store when there is no such generation, when it is not
    ///   a repair's, or when no repair has been recorded.
    public func recordedRepair(_ generation: Int64? = nil) throws -> RecordedRepair {
        let recorded = try generations(of: .boundaryChanges)
        let chosen: StoreGeneration
        if let generation {
            if let g = recorded.first(where: { $0.id == generation }) {
                chosen = g
            } else if let g = recorded.first(where: {
                Self.parameters(of: $0)["repaired_generation"]?.intValue == generation
            }) {
                chosen = g
            } else {
                let latest = recorded.last.map { " (the latest is generation \($0.id))" } ?? ""
                guard let other = try generations(ofTable: nil).first(where: { $0.id == generation }) else {
                    throw StoreError(
                        path: location,
                        reason: "no generation \(generation): name a repair's generation of boundary_changes\(latest)")
                }
                throw StoreError(
                    path: location,
                    reason:
                        "generation \(generation) is \(other.command) of \(other.layer ?? "no layer"), not a repair: name a repair's generation of boundary_changes\(latest)"
                )
            }
        } else {
            guard let last = recorded.last else {
                throw StoreError(
                    path: location,
                    reason:
                        "no repair is recorded (boundary_changes has no generation): run repair --store first, or give the moves as a file"
                )
            }
            chosen = last
        }
        let p = Self.parameters(of: chosen)
        return RecordedRepair(
            generation: chosen, repairedLayer: p["repaired_layer"]?.stringValue,
            repairedGeneration: p["repaired_generation"]?.intValue,
            units: { if case .array(let a)? = p["units"] { a.compactMap(\.stringValue) } else { [] } }(),
            changes: try features(of: .boundaryChanges, generation: chosen.id))
    }

    static func parameters(of generation: StoreGeneration) -> JSONObject {
        guard case .object(let o)? = try? JSONText.decode(generation.parameters) else { return [:] }
        return o
    }
}
