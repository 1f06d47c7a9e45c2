import CGEOS

/// An error raised by GEOS or by gridplan's use of it, carrying GEOS's own message.
public struct GeometryError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The operation that failed, e.g. `"GEOSIntersection_r"`.
    public var operation: String
    /// GEOS's message, or gridplan's explanation when GEOS gave none.
    public var message: String

    public init(operation: String, message: String) {
        self.operation = operation
        self.message = message
    }

    public var description: String { "\(operation): \(message)" }
}

/// Receives GEOS error messages for one context. A class so the C callback can reach it
/// through an unretained pointer that lives exactly as long as the context.
private final class MessageSink {
    var lastError: String?
}

/// One GEOS context (`GEOS_init_r`). Not thread-safe, by design: create one per task, thread
/// or batch and keep all geometries of that work in it. Contexts are independent, so separate
/// tasks each with their own context run geometry work in parallel safely.
///
/// ```swift
/// let ctx = GEOSContext()
/// let a = try ctx.geometry(fromWKT: "POLYGON((0 0,4 0,4 4,0 4,0 0))")
/// let area = try a.area   // 16
/// ```
public final class GEOSContext {
    let handle: GEOSContextHandle_t
    private let sink: MessageSink
    private var wkbReader: OpaquePointer?
    private var wktReader: OpaquePointer?

    public init() {
        // GEOS_init_r only fails when out of memory, which Swift treats as fatal anyway.
        guard let handle = GEOS_init_r() else { fatalError("GEOS_init_r returned NULL (out of memory)") }
        self.handle = handle
        self.sink = MessageSink()
        GEOSContext_setErrorMessageHandler_r(
            handle,
            { message, userdata in
                guard let userdata, let message else { return }
                Unmanaged<MessageSink>.fromOpaque(userdata).takeUnretainedValue().lastError = String(cString: message)
            },
            Unmanaged.passUnretained(sink).toOpaque()
        )
    }

    deinit {
        if let wkbReader { GEOSWKBReader_destroy_r(handle, wkbReader) }
        if let wktReader { GEOSWKTReader_destroy_r(handle, wktReader) }
        GEOS_finish_r(handle)
    }

    /// The GEOS library version, e.g. "3.11.1-CAPI-1.17.1".
    public static var geosVersion: String { String(cString: GEOSversion()) }

    /// Builds the error for a failed call, taking GEOS's message if it left one.
    func error(_ operation: String, _ fallback: String = "GEOS reported an exception") -> GeometryError {
        let message = sink.lastError ?? fallback
        sink.lastError = nil
        return GeometryError(operation: operation, message: message)
    }

    /// Wraps a newly allocated result (NULL on exception) as an owned geometry.
    func owned(_ pointer: OpaquePointer?, _ operation: String) throws -> NativeGeometry {
        guard let pointer else { throw error(operation) }
        return NativeGeometry(owning: pointer, in: self)
    }

    /// Turns a GEOS predicate result (0 false, 1 true, 2 exception) into a Bool.
    func predicate(_ value: CChar, _ operation: String) throws -> Bool {
        switch value {
        case 0: return false
        case 1: return true
        default: throw error(operation)
        }
    }

    // MARK: Readers

    /// Parses Well-Known Text. Calls `GEOSWKTReader_read_r`.
    public func geometry(fromWKT wkt: String) throws -> NativeGeometry {
        if wktReader == nil { wktReader = GEOSWKTReader_create_r(handle) }
        // NULL on parse error
        return try owned(GEOSWKTReader_read_r(handle, wktReader, wkt), "GEOSWKTReader_read_r")
    }

    /// Parses Well-Known Binary (either byte order). Calls `GEOSWKBReader_read_r`.
    public func geometry(fromWKB wkb: [UInt8]) throws -> NativeGeometry {
        if wkbReader == nil { wkbReader = GEOSWKBReader_create_r(handle) }
        let result = wkb.withUnsafeBufferPointer { buf in
            // NULL on parse error
            GEOSWKBReader_read_r(handle, wkbReader, buf.baseAddress, buf.count)
        }
        return try owned(result, "GEOSWKBReader_read_r")
    }

    /// Builds a GEOS geometry from a Swift value.
    ///
    /// Throws when GEOS refuses the structure, e.g. a ring that is not closed or has fewer than
    /// four points; it does not check validity (see ``NativeGeometry/validity()``).
    public func geometry(_ value: Geometry) throws -> NativeGeometry {
        try owned(makeGEOS(value), "GEOSGeom_create")
    }

    // MARK: Building GEOS geometries from values

    private func sequence(_ coords: [Coordinate]) throws -> OpaquePointer {
        let result: OpaquePointer? = coords.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: Double.self, capacity: coords.count * 2) { doubles in
                // NULL on exception
                GEOSCoordSeq_copyFromBuffer_r(handle, doubles, UInt32(coords.count), 0, 0)
            }
        }
        guard let result else { throw error("GEOSCoordSeq_copyFromBuffer_r") }
        return result
    }

    private func ring(_ coords: [Coordinate]) throws -> OpaquePointer {
        guard !coords.isEmpty else {
            guard let r = GEOSGeom_createEmptyLineString_r(handle) else {
                throw error("GEOSGeom_createEmptyLineString_r")
            }
            return r
        }
        guard Ring.isClosed(coords) else {
            throw GeometryError(
                operation: "GEOSGeom_createLinearRing_r",
                message:
                    "ring is not closed: first point \(coords[0]) differs from last point \(coords[coords.count - 1])")
        }
        guard coords.count >= 4 else {
            throw GeometryError(
                operation: "GEOSGeom_createLinearRing_r",
                message: "ring has \(coords.count) points; a closed ring needs at least 4")
        }
        let seq = try sequence(coords)
        // NULL on exception; takes ownership of seq either way
        guard let r = GEOSGeom_createLinearRing_r(handle, seq) else { throw error("GEOSGeom_createLinearRing_r") }
        return r
    }

    private func polygon(_ p: Polygon) throws -> OpaquePointer {
        guard let exterior = p.rings.first, !exterior.isEmpty else {
            guard let e = GEOSGeom_createEmptyPolygon_r(handle) else { throw error("GEOSGeom_createEmptyPolygon_r") }
            return e
        }
        let shell = try ring(exterior)
        var holes: [OpaquePointer?] = []
        holes.reserveCapacity(p.rings.count - 1)
        do {
            for h in p.rings.dropFirst() { holes.append(try ring(h)) }
        } catch {
            GEOSGeom_destroy_r(handle, shell)
            for h in holes { GEOSGeom_destroy_r(handle, h) }
            throw error
        }
        let result = holes.withUnsafeMutableBufferPointer { buf in
            // NULL on exception; takes ownership of shell and holes
            GEOSGeom_createPolygon_r(handle, shell, buf.baseAddress, UInt32(buf.count))
        }
        guard let result else { throw error("GEOSGeom_createPolygon_r") }
        return result
    }

    private func collection(_ type: GEOSGeomTypes, _ parts: [OpaquePointer?]) throws -> OpaquePointer {
        var parts = parts
        let result = parts.withUnsafeMutableBufferPointer { buf in
            // NULL on exception; takes ownership of the parts
            GEOSGeom_createCollection_r(handle, Int32(type.rawValue), buf.baseAddress, UInt32(buf.count))
        }
        guard let result else { throw error("GEOSGeom_createCollection_r") }
        return result
    }

    private func makeParts(_ count: Int, _ make: (Int) throws -> OpaquePointer) throws -> [OpaquePointer?] {
        var parts: [OpaquePointer?] = []
        parts.reserveCapacity(count)
        do {
            for i in 0..<count { parts.append(try make(i)) }
        } catch {
            for p in parts { GEOSGeom_destroy_r(handle, p) }
            throw error
        }
        return parts
    }

    func makeGEOS(_ value: Geometry) throws -> OpaquePointer {
        switch value {
        case .point(let c):
            // NULL on exception
            guard let p = GEOSGeom_createPointFromXY_r(handle, c.x, c.y) else {
                throw error("GEOSGeom_createPointFromXY_r")
            }
            return p
        case .multiPoint(let cs):
            let parts = try makeParts(cs.count) { i in
                guard let p = GEOSGeom_createPointFromXY_r(handle, cs[i].x, cs[i].y) else {
                    throw error("GEOSGeom_createPointFromXY_r")
                }
                return p
            }
            return try collection(GEOS_MULTIPOINT, parts)
        case .lineString(let cs):
            if cs.isEmpty {
                guard let e = GEOSGeom_createEmptyLineString_r(handle) else {
                    throw error("GEOSGeom_createEmptyLineString_r")
                }
                return e
            }
            let seq = try sequence(cs)
            // NULL on exception (e.g. a single point); takes ownership of seq
            guard let l = GEOSGeom_createLineString_r(handle, seq) else { throw error("GEOSGeom_createLineString_r") }
            return l
        case .multiLineString(let lines):
            let parts = try makeParts(lines.count) { i in try makeGEOS(.lineString(lines[i])) }
            return try collection(GEOS_MULTILINESTRING, parts)
        case .polygon(let p):
            return try polygon(p)
        case .multiPolygon(let ps):
            let parts = try makeParts(ps.count) { i in try polygon(ps[i]) }
            return try collection(GEOS_MULTIPOLYGON, parts)
        case .geometryCollection(let gs):
            let parts = try makeParts(gs.count) { i in try makeGEOS(gs[i]) }
            return try collection(GEOS_GEOMETRYCOLLECTION, parts)
        }
    }
}
