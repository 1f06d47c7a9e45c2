/// Well-Known Binary in pure Swift, for storage formats (GeoPackage blobs, Shapefile-free paths)
/// where a GEOS context would be overhead. Reads both byte orders, ISO and EWKB Z/M type codes
/// (Z and M values are dropped) and checks every length, so hostile bytes give an error, never a
/// crash. Writes little-endian 2D ISO WKB.
public enum WKB {
    public struct DecodeError: Error, CustomStringConvertible, Sendable, Equatable {
        public var offset: Int
        public var reason: String
        public var description: String { "WKB at byte \(offset): \(reason)" }
    }

    // MARK: Encoding

    public static func encode(_ g: Geometry) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(9 + g.coordinateCount * 16)
        append(g, to: &out)
        return out
    }

    public static func append(_ g: Geometry, to out: inout [UInt8]) {
        func header(_ type: UInt32) {
            out.append(1)
            putUInt32(type, &out)
        }
        switch g {
        case .point(let c):
            header(1)
            putDouble(c.x, &out)
            putDouble(c.y, &out)
        case .lineString(let cs):
            header(2)
            putSequence(cs, &out)
        case .polygon(let p):
            header(3)
            putRings(p.rings, &out)
        case .multiPoint(let cs):
            header(4)
            putUInt32(UInt32(cs.count), &out)
            for c in cs { append(.point(c), to: &out) }
        case .multiLineString(let ls):
            header(5)
            putUInt32(UInt32(ls.count), &out)
            for l in ls { append(.lineString(l), to: &out) }
        case .multiPolygon(let ps):
            header(6)
            putUInt32(UInt32(ps.count), &out)
            for p in ps { append(.polygon(p), to: &out) }
        case .geometryCollection(let gs):
            header(7)
            putUInt32(UInt32(gs.count), &out)
            for part in gs { append(part, to: &out) }
        }
    }

    @inline(__always) static func putUInt32(_ v: UInt32, _ out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    @inline(__always) static func putDouble(_ v: Double, _ out: inout [UInt8]) {
        withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) }
    }

    static func putSequence(_ cs: [Coordinate], _ out: inout [UInt8]) {
        putUInt32(UInt32(cs.count), &out)
        for c in cs {
            putDouble(c.x, &out)
            putDouble(c.y, &out)
        }
    }

    static func putRings(_ rings: [[Coordinate]], _ out: inout [UInt8]) {
        putUInt32(UInt32(rings.count), &out)
        for r in rings { putSequence(r, &out) }
    }

    // MARK: Decoding

    /// Decodes one geometry from `bytes`; trailing bytes are an error.
    public static func decode(_ bytes: [UInt8]) throws -> Geometry {
        try bytes.withUnsafeBytes { raw in
            var r = Reader(bytes: raw, pos: 0)
            let g = try r.geometry(depth: 0)
            guard r.pos == raw.count else {
                throw DecodeError(offset: r.pos, reason: "\(raw.count - r.pos) unexpected bytes after the geometry")
            }
            return g
        }
    }

    /// Decodes one geometry starting at `offset` of a raw buffer (e.g. after a GeoPackage header).
    public static func decode(_ raw: UnsafeRawBufferPointer, from offset: Int) throws -> Geometry {
        var r = Reader(bytes: raw, pos: offset)
        return try r.geometry(depth: 0)
    }

    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var pos: Int
        var littleEndian = true
        var dimensions = 2

        func fail(_ reason: String) -> DecodeError { DecodeError(offset: pos, reason: reason) }

        mutating func need(_ n: Int) throws {
            guard n >= 0, pos <= bytes.count, bytes.count - pos >= n else {
                throw fail("truncated: needs \(n) more bytes")
            }
        }

        mutating func uint32() throws -> UInt32 {
            try need(4)
            var v: UInt32 = 0
            withUnsafeMutableBytes(of: &v) {
                $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[pos..<pos + 4]))
            }
            pos += 4
            return littleEndian ? UInt32(littleEndian: v) : UInt32(bigEndian: v)
        }

        mutating func double() throws -> Double {
            try need(8)
            var v: UInt64 = 0
            withUnsafeMutableBytes(of: &v) {
                $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[pos..<pos + 8]))
            }
            pos += 8
            return Double(bitPattern: littleEndian ? UInt64(littleEndian: v) : UInt64(bigEndian: v))
        }

        mutating func count(_ bytesPerItem: Int) throws -> Int {
            let n = Int(try uint32())
            // A count larger than the bytes left is hostile or truncated; refuse before allocating.
            guard n <= (bytes.count - pos) / max(bytesPerItem, 1) else { throw fail("count \(n) exceeds the data") }
            return n
        }

        mutating func coordinate() throws -> Coordinate {
            let x = try double()
            let y = try double()
            for _ in 2..<dimensions { _ = try double() }
            return Coordinate(x, y)
        }

        mutating func sequence() throws -> [Coordinate] {
            let n = try count(dimensions * 8)
            var cs = [Coordinate]()
            cs.reserveCapacity(n)
            for _ in 0..<n { cs.append(try coordinate()) }
            return cs
        }

        mutating func geometry(depth: Int) throws -> Geometry {
            guard depth < 64 else { throw fail("collections nested too deeply") }
            try need(5)
            let order = bytes[pos]
            guard order <= 1 else { throw fail("invalid byte order \(order)") }
            littleEndian = order == 1
            pos += 1
            var type = try uint32()
            // EWKB flags: Z 0x80000000, M 0x40000000, SRID 0x20000000.
            var dims = 2
            if type & 0x8000_0000 != 0 { dims += 1 }
            if type & 0x4000_0000 != 0 { dims += 1 }
            if type & 0x2000_0000 != 0 { _ = try uint32() }
            type &= 0x0FFF_FFFF
            // ISO: 1000s add Z, 2000s add M, 3000s add both.
            switch type / 1000 {
            case 0: break
            case 1, 2: dims += 1
            case 3: dims += 2
            default: throw fail("unknown geometry type \(type)")
            }
            type %= 1000
            dimensions = dims
            switch type {
            case 1:
                let c = try coordinate()
                // An empty point is written as NaN coordinates.
                if c.x.isNaN && c.y.isNaN { return .geometryCollection([]) }
                return .point(c)
            case 2: return .lineString(try sequence())
            case 3:
                let n = try count(4)
                var rings: [[Coordinate]] = []
                rings.reserveCapacity(n)
                for _ in 0..<n { rings.append(try sequence()) }
                return .polygon(Polygon(rings: rings))
            case 4, 5, 6, 7:
                let n = try count(5)
                var parts: [Geometry] = []
                parts.reserveCapacity(n)
                for _ in 0..<n {
                    let part = try geometry(depth: depth + 1)
                    parts.append(part)
                }
                switch type {
                case 4:
                    return .multiPoint(
                        try parts.map {
                            guard case .point(let c) = $0 else { throw fail("MultiPoint part is not a point") }
                            return c
                        })
                case 5:
                    return .multiLineString(
                        try parts.map {
                            guard case .lineString(let cs) = $0 else {
                                throw fail("MultiLineString part is not a line")
                            }
                            return cs
                        })
                case 6:
                    return .multiPolygon(
                        try parts.map {
                            guard case .polygon(let p) = $0 else { throw fail("MultiPolygon part is not a polygon") }
                            return p
                        })
                default:
                    return .geometryCollection(parts)
                }
            default:
                throw fail("unsupported geometry type \(type)")
            }
        }
    }
}
