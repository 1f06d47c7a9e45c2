import GridplanGeometry

/// The GeoPackage geometry encoding (GeoPackage 1.3 §2.1.3): a header with magic "GP", version,
/// flags, SRS id and an optional envelope, followed by standard WKB.
public enum GeoPackageBinary {
    public struct Header: Equatable, Sendable {
        public var srsID: Int32
        public var isEmpty: Bool
        /// The envelope stored in the header, if any.
        public var envelope: Envelope?
        /// Where the WKB starts.
        public var wkbOffset: Int
    }

    public struct DecodeError: Error, CustomStringConvertible, Sendable {
        public var reason: String
        public var description: String { "GeoPackage geometry: \(reason)" }
    }

    /// Encodes a geometry with an XY envelope (empty geometries carry none and set the empty flag).
    public static func encode(_ g: Geometry, srsID: Int32) -> [UInt8] {
        var out: [UInt8] = [0x47, 0x50, 0]  // "GP", version 0 (= GeoPackage 1.0+)
        let empty = g.isEmpty
        // Flags: bit 0 little-endian; bits 1-3 envelope kind (1 = [minx, maxx, miny, maxy]); bit 4 empty.
        out.append(empty ? 0b0001_0001 : 0b0000_0011)
        withUnsafeBytes(of: srsID.littleEndian) { out.append(contentsOf: $0) }
        if !empty {
            let e = g.envelope
            for v in [e.minX, e.maxX, e.minY, e.maxY] {
                withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) }
            }
        }
        if empty, case .geometryCollection = g {
            // An empty geometry is written as an empty collection.
            out += [1, 7, 0, 0, 0, 0, 0, 0, 0]
            return out
        }
        WKB.append(g, to: &out)
        return out
    }

    /// Reads the header of a GeoPackage geometry blob.
    public static func header(_ raw: UnsafeRawBufferPointer) throws -> Header {
        guard raw.count >= 8 else { throw DecodeError(reason: "blob of \(raw.count) bytes is too short for a header") }
        guard raw[0] == 0x47, raw[1] == 0x50 else {
            throw DecodeError(reason: "missing 'GP' magic (is this a SpatiaLite or plain WKB blob?)")
        }
        let flags = raw[3]
        guard flags & 0b0010_0000 == 0 else {
            throw DecodeError(reason: "extended GeoPackage geometry types are not supported")
        }
        let littleEndian = flags & 1 == 1
        func uint32(_ at: Int) -> UInt32 {
            var v: UInt32 = 0
            withUnsafeMutableBytes(of: &v) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[at..<at + 4])) }
            return littleEndian ? UInt32(littleEndian: v) : UInt32(bigEndian: v)
        }
        func double(_ at: Int) -> Double {
            var v: UInt64 = 0
            withUnsafeMutableBytes(of: &v) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[at..<at + 8])) }
            return Double(bitPattern: littleEndian ? UInt64(littleEndian: v) : UInt64(bigEndian: v))
        }
        let srs = Int32(bitPattern: uint32(4))
        let kind = Int((flags >> 1) & 0b111)
        let envelopeDoubles: Int
        switch kind {
        case 0: envelopeDoubles = 0
        case 1: envelopeDoubles = 4
        case 2, 3: envelopeDoubles = 6
        case 4: envelopeDoubles = 8
        default: throw DecodeError(reason: "invalid envelope indicator \(kind)")
        }
        let wkbOffset = 8 + envelopeDoubles * 8
        guard raw.count >= wkbOffset else { throw DecodeError(reason: "blob too short for its envelope") }
        let envelope =
            envelopeDoubles == 0 ? nil : Envelope(minX: double(8), minY: double(24), maxX: double(16), maxY: double(32))
        return Header(srsID: srs, isEmpty: flags & 0b0001_0000 != 0, envelope: envelope, wkbOffset: wkbOffset)
    }

    /// Decodes a whole blob into its SRS id and geometry.
    public static func decode(_ bytes: [UInt8]) throws -> (srsID: Int32, geometry: Geometry) {
        try bytes.withUnsafeBytes { raw in
            let h = try header(raw)
            do {
                return (h.srsID, try WKB.decode(raw, from: h.wkbOffset))
            } catch let e as WKB.DecodeError {
                throw DecodeError(reason: e.description)
            }
        }
    }

    /// The envelope of a blob: from its header when present, else computed from the WKB.
    /// Nil for empty geometries. Used by the R-tree triggers' ST_MinX and friends.
    public static func envelope(_ bytes: [UInt8]) -> Envelope? {
        bytes.withUnsafeBytes { raw -> Envelope? in
            guard let h = try? header(raw), !h.isEmpty else { return nil }
            if let e = h.envelope { return e }
            guard let g = try? WKB.decode(raw, from: h.wkbOffset), !g.isEmpty else { return nil }
            return g.envelope
        }
    }
}
