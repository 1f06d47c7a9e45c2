import CGEOS

/// A geometry living inside a ``GEOSContext``: the form in which all topology work is done.
///
/// Owns its GEOS handle and frees it exactly once, in `deinit`. A part borrowed from a collection
/// (``geometry(at:)``, ``exteriorRing``) keeps its parent alive instead of owning memory.
/// Operations between two geometries require both to belong to the same context.
public final class NativeGeometry {
    /// The context this geometry belongs to; kept alive as long as the geometry is.
    public let context: GEOSContext
    let pointer: OpaquePointer
    /// Set for borrowed parts: the geometry that owns the memory.
    private let parent: NativeGeometry?

    init(owning pointer: OpaquePointer, in context: GEOSContext) {
        self.context = context
        self.pointer = pointer
        self.parent = nil
    }

    init(borrowing pointer: OpaquePointer, of parent: NativeGeometry) {
        self.context = parent.context
        self.pointer = pointer
        self.parent = parent
    }

    deinit {
        if parent == nil { GEOSGeom_destroy_r(context.handle, pointer) }
    }

    var handle: GEOSContextHandle_t { context.handle }

    func sameContext(_ other: NativeGeometry) {
        precondition(other.context === context, "geometries from different GEOSContexts cannot be combined")
    }

    // MARK: Structure

    /// The GEOS type of the geometry.
    public enum Kind: Int32, Sendable {
        case point = 0
        case lineString = 1
        case linearRing = 2
        case polygon = 3
        case multiPoint = 4
        case multiLineString = 5
        case multiPolygon = 6
        case geometryCollection = 7
    }

    /// The geometry's type. Calls `GEOSGeomTypeId_r`.
    public var kind: Kind {
        // -1 on exception, which cannot happen for a live geometry
        Kind(rawValue: GEOSGeomTypeId_r(handle, pointer)) ?? .geometryCollection
    }

    /// Whether the geometry is empty. Calls `GEOSisEmpty_r`.
    public var isEmpty: Bool {
        // 2 on exception: treat as not empty so callers go on to see the real error
        GEOSisEmpty_r(handle, pointer) == 1
    }

    /// Number of parts of a collection, 1 for a single geometry. Calls `GEOSGetNumGeometries_r`.
    public var numberOfGeometries: Int {
        // -1 on exception
        max(0, Int(GEOSGetNumGeometries_r(handle, pointer)))
    }

    /// Part `index` of a collection (the geometry itself for a single geometry), borrowed.
    /// Calls `GEOSGetGeometryN_r`.
    public func geometry(at index: Int) throws -> NativeGeometry {
        // NULL on exception or bad index
        guard let p = GEOSGetGeometryN_r(handle, pointer, Int32(index)) else {
            throw context.error("GEOSGetGeometryN_r", "no part \(index)")
        }
        return NativeGeometry(borrowing: p, of: self)
    }

    /// All parts of a collection, borrowed.
    public var parts: [NativeGeometry] {
        (0..<numberOfGeometries).compactMap { try? geometry(at: $0) }
    }

    /// The exterior ring of a polygon, borrowed. Calls `GEOSGetExteriorRing_r`.
    public var exteriorRing: NativeGeometry {
        get throws {
            // NULL on exception (not a polygon)
            guard let p = GEOSGetExteriorRing_r(handle, pointer) else { throw context.error("GEOSGetExteriorRing_r") }
            return NativeGeometry(borrowing: p, of: self)
        }
    }

    /// The interior rings (holes) of a polygon, borrowed. Calls `GEOSGetInteriorRingN_r`.
    public var interiorRings: [NativeGeometry] {
        get throws {
            // -1 on exception
            let n = GEOSGetNumInteriorRings_r(handle, pointer)
            guard n >= 0 else { throw context.error("GEOSGetNumInteriorRings_r") }
            return try (0..<n).map { i in
                guard let p = GEOSGetInteriorRingN_r(handle, pointer, i) else {
                    throw context.error("GEOSGetInteriorRingN_r")
                }
                return NativeGeometry(borrowing: p, of: self)
            }
        }
    }

    /// A deep copy owned by the caller. Calls `GEOSGeom_clone_r`.
    public func cloned() throws -> NativeGeometry {
        try context.owned(GEOSGeom_clone_r(handle, pointer), "GEOSGeom_clone_r")
    }

    /// The bounding box. Calls `GEOSGeom_getXMin_r` and friends.
    public var envelope: Envelope {
        if isEmpty { return .empty }
        var e = Envelope.empty
        // each returns 0 on exception; the values are then left at the empty envelope
        _ = GEOSGeom_getXMin_r(handle, pointer, &e.minX)
        _ = GEOSGeom_getYMin_r(handle, pointer, &e.minY)
        _ = GEOSGeom_getXMax_r(handle, pointer, &e.maxX)
        _ = GEOSGeom_getYMax_r(handle, pointer, &e.maxY)
        return e
    }

    // MARK: Back to values

    private func coordinates(ofSequenceOwner p: OpaquePointer) throws -> [Coordinate] {
        // NULL on exception; the sequence is borrowed from p
        guard let seq = GEOSGeom_getCoordSeq_r(handle, p) else { throw context.error("GEOSGeom_getCoordSeq_r") }
        var size: UInt32 = 0
        // 0 on exception
        guard GEOSCoordSeq_getSize_r(handle, seq, &size) != 0 else { throw context.error("GEOSCoordSeq_getSize_r") }
        var coords = [Coordinate](repeating: Coordinate(0, 0), count: Int(size))
        if size == 0 { return coords }
        let ok = coords.withUnsafeMutableBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: Double.self, capacity: Int(size) * 2) { doubles in
                // 0 on exception
                GEOSCoordSeq_copyToBuffer_r(handle, seq, doubles, 0, 0)
            }
        }
        guard ok != 0 else { throw context.error("GEOSCoordSeq_copyToBuffer_r") }
        return coords
    }

    private static func polygonValue(_ g: NativeGeometry) throws -> Polygon {
        if g.isEmpty { return Polygon(rings: []) }
        var rings = [try g.coordinates(ofSequenceOwner: g.exteriorRing.pointer)]
        for hole in try g.interiorRings { rings.append(try g.coordinates(ofSequenceOwner: hole.pointer)) }
        return Polygon(rings: rings)
    }

    /// The geometry as a Swift value (coordinates copied out of GEOS in bulk).
    public func value() throws -> Geometry {
        switch kind {
        case .point:
            if isEmpty { return .geometryCollection([]) }
            return .point(try coordinates(ofSequenceOwner: pointer)[0])
        case .lineString, .linearRing:
            return .lineString(try coordinates(ofSequenceOwner: pointer))
        case .polygon:
            return .polygon(try Self.polygonValue(self))
        case .multiPoint:
            return .multiPoint(try parts.map { try $0.coordinates(ofSequenceOwner: $0.pointer)[0] })
        case .multiLineString:
            return .multiLineString(try parts.map { try $0.coordinates(ofSequenceOwner: $0.pointer) })
        case .multiPolygon:
            return .multiPolygon(try parts.map(Self.polygonValue))
        case .geometryCollection:
            return .geometryCollection(try parts.map { try $0.value() })
        }
    }

    /// The polygons of this geometry as a flat list of values: a polygon gives itself, a
    /// multipolygon or collection its polygonal parts; other types give nothing.
    public func polygonValues() throws -> [Polygon] {
        switch kind {
        case .polygon: return isEmpty ? [] : [try Self.polygonValue(self)]
        case .multiPolygon, .geometryCollection: return try parts.flatMap { try $0.polygonValues() }
        default: return []
        }
    }

    // MARK: WKT and WKB

    /// Well-Known Text. Calls `GEOSWKTWriter_write_r`.
    /// - Parameter precision: decimals to write; `nil` writes full precision, trimmed.
    public func wkt(precision: Int? = nil) throws -> String {
        // NULL on exception
        guard let writer = GEOSWKTWriter_create_r(handle) else { throw context.error("GEOSWKTWriter_create_r") }
        defer { GEOSWKTWriter_destroy_r(handle, writer) }
        GEOSWKTWriter_setTrim_r(handle, writer, 1)
        GEOSWKTWriter_setOutputDimension_r(handle, writer, 2)
        if let precision { GEOSWKTWriter_setRoundingPrecision_r(handle, writer, Int32(precision)) }
        guard let text = GEOSWKTWriter_write_r(handle, writer, pointer) else {
            throw context.error("GEOSWKTWriter_write_r")
        }
        defer { GEOSFree_r(handle, text) }
        return String(cString: text)
    }

    /// Well-Known Binary, little-endian, 2D. Calls `GEOSWKBWriter_write_r`.
    public func wkb() throws -> [UInt8] {
        // NULL on exception
        guard let writer = GEOSWKBWriter_create_r(handle) else { throw context.error("GEOSWKBWriter_create_r") }
        defer { GEOSWKBWriter_destroy_r(handle, writer) }
        GEOSWKBWriter_setOutputDimension_r(handle, writer, 2)
        GEOSWKBWriter_setByteOrder_r(handle, writer, Int32(GEOS_WKB_NDR.rawValue))
        var size = 0
        guard let bytes = GEOSWKBWriter_write_r(handle, writer, pointer, &size) else {
            throw context.error("GEOSWKBWriter_write_r")
        }
        defer { GEOSFree_r(handle, bytes) }
        return Array(UnsafeBufferPointer(start: bytes, count: size))
    }
}

extension NativeGeometry: CustomStringConvertible {
    public var description: String { (try? wkt(precision: 6)) ?? "<geometry>" }
}
