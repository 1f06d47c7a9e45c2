import CPROJ
import Foundation
import GridplanGeometry

/// A coordinate reference system as the user declares it.
///
/// - `epsg(4490)`: any EPSG code PROJ knows (`EPSG:4490` CGCS2000, `EPSG:4548` Gauss-Krüger CM 117°E).
/// - `definition(...)`: any other definition PROJ accepts: a PROJ string for a city grid with no
///   EPSG code (`+proj=tmerc +lon_0=120.5833 +x_0=50000 ... +units=m`), WKT, or an authority code
///   such as `ESRI:102100`.
/// - `gcj02`, `bd09`: the Chinese web-map systems (see ``ChinaOffsets``), lon/lat degrees.
public enum CRS: Hashable, Sendable, CustomStringConvertible {
    case epsg(Int)
    case definition(String)
    case gcj02
    case bd09

    /// WGS84 lon/lat, the CRS of every GeoJSON file under RFC 7946.
    public static let wgs84 = CRS.epsg(4326)
    /// CGCS2000 lon/lat (EPSG:4490), China's national geodetic system.
    public static let cgcs2000 = CRS.epsg(4490)

    /// Parses what a user types: `EPSG:4490`, `epsg:4326`, `4490`, `wgs84`, `cgcs2000`, `gcj02`,
    /// `gcj-02`, `bd09`, `urn:ogc:def:crs:EPSG::4490`, `OGC:CRS84`, a PROJ string or WKT.
    /// Throws ``CRSError/unknown(_:reason:)`` when PROJ does not recognise it.
    public init(parsing text: String) throws {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let lower = t.lowercased()
        switch lower {
        case "": throw CRSError.unknown(text, reason: "empty CRS")
        case "wgs84", "wgs 84", "wgs-84", "ogc:crs84", "crs84", "urn:ogc:def:crs:ogc:1.3:crs84",
            "urn:ogc:def:crs:ogc::crs84":
            self = .wgs84
            return
        case "cgcs2000", "cgcs-2000":
            self = .cgcs2000
            return
        case "gcj02", "gcj-02", "gcj", "amap", "mars":
            self = .gcj02
            return
        case "bd09", "bd-09", "bd09ll", "baidu":
            self = .bd09
            return
        default: break
        }
        if let code = Int(lower), code > 0 {
            self = .epsg(code)
        } else if lower.hasPrefix("epsg:"), let code = Int(lower.dropFirst(5)), code > 0 {
            self = .epsg(code)
        } else if lower.hasPrefix("urn:ogc:def:crs:epsg:"), let code = Int(lower.split(separator: ":").last ?? ""),
            code > 0
        {
            self = .epsg(code)
        } else {
            self = .definition(t)
        }
        _ = try describe()
    }

    /// The text that declares this CRS: `EPSG:4490`, `gcj02`, `bd09` or the definition.
    public var identifier: String {
        switch self {
        case .epsg(let code): return "EPSG:\(code)"
        case .definition(let d): return d
        case .gcj02: return "gcj02"
        case .bd09: return "bd09"
        }
    }

    public var description: String { identifier }

    /// The PROJ library version, e.g. "9.1.1".
    public static var projVersion: String {
        let info = proj_info()
        return info.version.map { String(cString: $0) } ?? "unknown"
    }

    /// What PROJ is given for this CRS. GCJ-02 and BD-09 are offsets of WGS84, so PROJ sees WGS84.
    var projDefinition: String {
        switch self {
        case .epsg(let code): return "EPSG:\(code)"
        case .gcj02, .bd09: return "EPSG:4326"
        case .definition(let d):
            // A bare PROJ string describes an operation; "+type=crs" makes PROJ read it as a CRS.
            if d.hasPrefix("+") && !d.contains("+type=crs") { return d + " +type=crs" }
            return d
        }
    }

    /// Name and kind of the CRS as PROJ knows them. Each CRS is looked up in PROJ's database
    /// once per process (a command asks for the same few again and again: each input's, the
    /// metric one, the output's); later calls give the answer remembered.
    public func describe() throws -> CRSDescription {
        switch self {
        case .gcj02:
            return CRSDescription(
                name: "GCJ-02 (Chinese web-map offset of WGS 84)", isGeographic: true, isProjected: false)
        case .bd09:
            return CRSDescription(name: "BD-09 (Baidu offset of GCJ-02)", isGeographic: true, isProjected: false)
        default: break
        }
        if let known = DescriptionCache.shared.description(of: self) { return known }
        let found = try lookUpDescription()
        DescriptionCache.shared.remember(found, for: self)
        return found
    }

    private func lookUpDescription() throws -> CRSDescription {
        let ctx = try PROJContext()
        let pj = try ctx.crs(self)
        defer { proj_destroy(pj) }
        let name = proj_get_name(pj).map { String(cString: $0) } ?? identifier
        let type = proj_get_type(pj)
        let geographic =
            type == PJ_TYPE_GEOGRAPHIC_2D_CRS || type == PJ_TYPE_GEOGRAPHIC_3D_CRS || type == PJ_TYPE_GEOGRAPHIC_CRS
        let projected = type == PJ_TYPE_PROJECTED_CRS
        var w = 0.0, south = 0.0, e = 0.0, n = 0.0
        var area: Envelope?
        // 1 on success; the values are -1000 when unknown
        if proj_get_area_of_use(ctx.handle, pj, &w, &south, &e, &n, nil) == 1, w > -1000, south > -1000 {
            area = Envelope(minX: w, minY: south, maxX: e < w ? e + 360 : e, maxY: n)
        }
        return CRSDescription(name: name, isGeographic: geographic, isProjected: projected, areaOfUse: area)
    }

    /// The CRS as OGC WKT (GDAL's WKT1 flavour, what GeoPackage 1.3 readers expect), for
    /// `gpkg_spatial_ref_sys` and `.prj` files. GCJ-02 and BD-09 have none: they are not CRSs
    /// PROJ or GDAL know, so data in them is stored in WGS84. Calls `proj_as_wkt`.
    public func wkt() throws -> String {
        switch self {
        case .gcj02, .bd09:
            throw CRSError.unknown(identifier, reason: "GCJ-02 and BD-09 have no WKT; convert to WGS84 first")
        default: break
        }
        let ctx = try PROJContext()
        let pj = try ctx.crs(self)
        defer { proj_destroy(pj) }
        // NULL on failure
        guard
            let text = proj_as_wkt(ctx.handle, pj, PJ_WKT1_GDAL, nil) ?? proj_as_wkt(ctx.handle, pj, PJ_WKT2_2019, nil)
        else {
            throw CRSError.unknown(identifier, reason: "PROJ cannot express it as WKT (\(ctx.lastError))")
        }
        return String(cString: text)
    }

    /// The EPSG code PROJ identifies this CRS with, if any (e.g. a WKT read from a .prj file that
    /// describes EPSG:4490). Calls `proj_identify`.
    public func identifiedEPSGCode(minimumConfidence: Int32 = 90) -> Int? {
        if case .epsg(let code) = self { return code }
        guard case .definition = self, let ctx = try? PROJContext(), let pj = try? ctx.crs(self) else { return nil }
        defer { proj_destroy(pj) }
        var confidence: UnsafeMutablePointer<Int32>?
        guard let list = proj_identify(ctx.handle, pj, "EPSG", nil, &confidence) else { return nil }
        defer {
            proj_list_destroy(list)
            proj_int_list_destroy(confidence)
        }
        var best: (Int, Int32)?
        for i in 0..<proj_list_get_count(list) {
            guard let candidate = proj_list_get(ctx.handle, list, i) else { continue }
            defer { proj_destroy(candidate) }
            let c = confidence?[Int(i)] ?? 0
            if let codeText = proj_get_id_code(candidate, 0), let code = Int(String(cString: codeText)),
                c >= minimumConfidence, c > (best?.1 ?? -1)
            {
                best = (code, c)
            }
        }
        return best?.0
    }

    // MARK: Choosing a metric CRS

    /// The box inside which the CGCS2000 Gauss-Krüger zones are used (mainland China, Hainan and
    /// the South China Sea islands); elsewhere UTM.
    public static func isInChina(_ c: Coordinate) -> Bool {
        c.x >= 73 && c.x <= 136 && c.y >= 3 && c.y <= 54
    }

    /// A projected metric CRS for data centred on a lon/lat: the CGCS2000 3-degree Gauss-Krüger
    /// zone with 500 km false easting (EPSG:4534-4554, zone = round(lon / 3)) inside China,
    /// WGS 84 / UTM (EPSG:326xx north, 327xx south) elsewhere.
    ///
    /// ```swift
    /// CRS.metricCRS(around: Coordinate(116.4, 39.9))   // EPSG:4548, CM 117°E
    /// ```
    public static func metricCRS(around lonLat: Coordinate) -> CRS {
        if isInChina(lonLat) {
            let zone = min(45, max(25, Int((lonLat.x / 3).rounded())))
            return .epsg(4534 + zone - 25)
        }
        let zone = min(60, max(1, Int(((lonLat.x + 180) / 6).rounded(.down)) + 1))
        return .epsg((lonLat.y >= 0 ? 32600 : 32700) + zone)
    }

    /// ``metricCRS(around:)`` for the centre of a lon/lat envelope.
    public static func metricCRS(for lonLatEnvelope: Envelope) -> CRS {
        metricCRS(around: lonLatEnvelope.center)
    }

    // MARK: Plausibility

    /// A reason the coordinates in `envelope` cannot be in this CRS, or nil when they can:
    /// latitudes beyond ±90 (axes look swapped, or the data is projected), metre-sized values in
    /// a geographic CRS, or degree-sized values in a projected one.
    public func implausibility(of envelope: Envelope, isGeographic: Bool) -> String? {
        guard !envelope.isEmpty else { return nil }
        if !isGeographic {
            // Metres near a projected CRS's false origin are possible but nobody's data lives there;
            // small numbers in a projected CRS are degrees declared with the wrong CRS.
            if envelope.minX >= -180 && envelope.maxX <= 180 && envelope.minY >= -90 && envelope.maxY <= 90
                && envelope.width < 10 && envelope.height < 10
            {
                return
                    "coordinates (\(envelope.minX), \(envelope.minY)) look like degrees, but \(identifier) is projected (metres): declare the data's real CRS with --crs"
            }
            return nil
        }
        let lonOK = envelope.minX >= -180 && envelope.maxX <= 360
        let latOK = envelope.minY >= -90 && envelope.maxY <= 90
        if lonOK && latOK { return nil }
        if !latOK && envelope.minX >= -90 && envelope.maxX <= 90 && envelope.minY >= -180 && envelope.maxY <= 180 {
            return
                "latitude \(latOK ? envelope.maxX : (envelope.maxY > 90 ? envelope.maxY : envelope.minY)) is beyond ±90 while every x is a valid latitude: the axes look swapped (lat, lon); write coordinates as lon, lat"
        }
        return
            "coordinates up to (\(envelope.maxX), \(envelope.maxY)) are not degrees, but \(identifier) is geographic: the data looks projected; declare its CRS with --crs"
    }
}

/// The descriptions ``CRS/describe()`` has looked up (only successes: a CRS PROJ refuses is
/// asked again, and refused again with its reason).
final class DescriptionCache: @unchecked Sendable {
    static let shared = DescriptionCache()
    private let lock = NSLock()
    private var known: [CRS: CRSDescription] = [:]

    func description(of crs: CRS) -> CRSDescription? { lock.withLock { known[crs] } }
    func remember(_ d: CRSDescription, for crs: CRS) { lock.withLock { known[crs] = d } }
}

/// Name and kind of a CRS.
public struct CRSDescription: Sendable, Equatable {
    public var name: String
    public var isGeographic: Bool
    public var isProjected: Bool
    /// Where the CRS is meant to be used, in lon/lat degrees, when PROJ knows it.
    public var areaOfUse: Envelope?

    public init(name: String, isGeographic: Bool, isProjected: Bool, areaOfUse: Envelope? = nil) {
        self.name = name
        self.isGeographic = isGeographic
        self.isProjected = isProjected
        self.areaOfUse = areaOfUse
    }
}

/// CRS failures, each naming what the user gave.
public enum CRSError: Error, CustomStringConvertible, Equatable, Sendable {
    case unknown(String, reason: String)
    case noTransformation(from: String, to: String, reason: String)
    case transformFailed(index: Int, coordinate: Coordinate, reason: String)

    public var description: String {
        switch self {
        case .unknown(let text, let reason):
            return "unknown CRS '\(text)': \(reason) (use EPSG:NNNN, gcj02, bd09 or a PROJ string)"
        case .noTransformation(let from, let to, let reason):
            return "no transformation from \(from) to \(to): \(reason)"
        case .transformFailed(let index, let c, let reason):
            return "coordinate \(index) \(c) could not be transformed: \(reason)"
        }
    }
}

/// One PROJ context (`proj_context_create`). PROJ contexts are not thread-safe; each
/// ``Transformer`` owns one, so transformers in different tasks run in parallel.
final class PROJContext {
    let handle: OpaquePointer

    init() throws {
        // NULL on allocation failure
        guard let h = proj_context_create() else { throw CRSError.unknown("", reason: "proj_context_create failed") }
        handle = h
        // Errors are reported through our own messages, not PROJ's stderr log.
        proj_log_level(h, PJ_LOG_NONE)
        proj_context_set_enable_network(h, 0)
    }

    deinit { proj_context_destroy(handle) }

    var lastError: String {
        let code = proj_context_errno(handle)
        guard code != 0, let s = proj_context_errno_string(handle, code) else { return "PROJ gave no reason" }
        return String(cString: s)
    }

    /// A PROJ CRS object for `crs`; the caller destroys it.
    func crs(_ crs: CRS) throws -> OpaquePointer {
        // NULL when PROJ does not recognise the definition
        guard let pj = proj_create(handle, crs.projDefinition) else {
            throw CRSError.unknown(crs.identifier, reason: "PROJ does not recognise it (\(lastError))")
        }
        guard proj_is_crs(pj) != 0 else {
            proj_destroy(pj)
            throw CRSError.unknown(
                crs.identifier, reason: "PROJ reads it as an operation, not a coordinate reference system")
        }
        return pj
    }
}
