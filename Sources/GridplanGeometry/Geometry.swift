/// A position in a plane: `x` is east (longitude or easting), `y` is north (latitude or northing).
///
/// gridplan's API always uses x = east order, whatever axis order a CRS declares.
public struct Coordinate: Hashable, Sendable, CustomStringConvertible {
    public var x: Double
    public var y: Double

    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }

    public var isFinite: Bool { x.isFinite && y.isFinite }

    public var description: String { "(\(x), \(y))" }

    /// Euclidean distance in the units of the coordinates.
    public func distance(to other: Coordinate) -> Double {
        ((x - other.x) * (x - other.x) + (y - other.y) * (y - other.y)).squareRoot()
    }
}

/// An axis-aligned rectangle. An empty envelope has `minX > maxX`.
public struct Envelope: Hashable, Sendable, CustomStringConvertible {
    public var minX: Double
    public var minY: Double
    public var maxX: Double
    public var maxY: Double

    public init(minX: Double, minY: Double, maxX: Double, maxY: Double) {
        self.minX = minX
        self.minY = minY
        self.maxX = maxX
        self.maxY = maxY
    }

    public static let empty = Envelope(minX: .infinity, minY: .infinity, maxX: -.infinity, maxY: -.infinity)

    public var isEmpty: Bool { minX > maxX || minY > maxY }
    public var width: Double { isEmpty ? 0 : maxX - minX }
    public var height: Double { isEmpty ? 0 : maxY - minY }
    public var center: Coordinate { Coordinate((minX + maxX) / 2, (minY + maxY) / 2) }

    public mutating func expand(toInclude c: Coordinate) {
        if c.x < minX { minX = c.x }
        if c.x > maxX { maxX = c.x }
        if c.y < minY { minY = c.y }
        if c.y > maxY { maxY = c.y }
    }

    public mutating func expand(toInclude other: Envelope) {
        guard !other.isEmpty else { return }
        minX = Swift.min(minX, other.minX)
        minY = Swift.min(minY, other.minY)
        maxX = Swift.max(maxX, other.maxX)
        maxY = Swift.max(maxY, other.maxY)
    }

    /// Grown by `margin` on every side; the empty envelope stays empty.
    public func expanded(by margin: Double) -> Envelope {
        isEmpty ? self : Envelope(minX: minX - margin, minY: minY - margin, maxX: maxX + margin, maxY: maxY + margin)
    }

    public func intersects(_ other: Envelope) -> Bool {
        !(isEmpty || other.isEmpty || other.minX > maxX || other.maxX < minX || other.minY > maxY || other.maxY < minY)
    }

    public func contains(_ c: Coordinate) -> Bool {
        c.x >= minX && c.x <= maxX && c.y >= minY && c.y <= maxY
    }

    public var description: String { "[\(minX), \(minY), \(maxX), \(maxY)]" }
}

/// A polygon: `rings[0]` is the exterior ring, the rest are holes. Rings are closed
/// (first coordinate equals last).
public struct Polygon: Hashable, Sendable {
    public var rings: [[Coordinate]]

    public init(rings: [[Coordinate]]) {
        self.rings = rings
    }

    public init(exterior: [Coordinate], holes: [[Coordinate]] = []) {
        self.rings = [exterior] + holes
    }

    public var exterior: [Coordinate] { rings.first ?? [] }
    public var holes: ArraySlice<[Coordinate]> { rings.dropFirst() }
}

/// A geometry as a plain Swift value: what readers produce, CRS transforms act on and writers
/// consume. It is `Sendable`, so it can cross tasks; for topology work, turn it into a
/// ``NativeGeometry`` inside a ``GEOSContext``.
///
/// Empty geometries are represented by empty arrays (an empty `geometryCollection` stands for
/// an empty point).
public enum Geometry: Hashable, Sendable {
    case point(Coordinate)
    case multiPoint([Coordinate])
    case lineString([Coordinate])
    case multiLineString([[Coordinate]])
    case polygon(Polygon)
    case multiPolygon([Polygon])
    case geometryCollection([Geometry])

    /// The GeoJSON type name of this geometry.
    public var typeName: String {
        switch self {
        case .point: return "Point"
        case .multiPoint: return "MultiPoint"
        case .lineString: return "LineString"
        case .multiLineString: return "MultiLineString"
        case .polygon: return "Polygon"
        case .multiPolygon: return "MultiPolygon"
        case .geometryCollection: return "GeometryCollection"
        }
    }

    /// Whether the geometry has no coordinates at all.
    public var isEmpty: Bool { coordinateCount == 0 }

    /// Number of coordinates, counting ring closures.
    public var coordinateCount: Int {
        switch self {
        case .point: return 1
        case .multiPoint(let cs), .lineString(let cs): return cs.count
        case .multiLineString(let lines): return lines.reduce(0) { $0 + $1.count }
        case .polygon(let p): return p.rings.reduce(0) { $0 + $1.count }
        case .multiPolygon(let ps): return ps.reduce(0) { acc, p in p.rings.reduce(acc) { $0 + $1.count } }
        case .geometryCollection(let gs): return gs.reduce(0) { $0 + $1.coordinateCount }
        }
    }

    /// The bounding box of every coordinate.
    public var envelope: Envelope {
        var env = Envelope.empty
        forEachCoordinate { env.expand(toInclude: $0) }
        return env
    }

    /// Calls `body` on every coordinate in order.
    public func forEachCoordinate(_ body: (Coordinate) throws -> Void) rethrows {
        switch self {
        case .point(let c): try body(c)
        case .multiPoint(let cs), .lineString(let cs): for c in cs { try body(c) }
        case .multiLineString(let lines): for l in lines { for c in l { try body(c) } }
        case .polygon(let p): for r in p.rings { for c in r { try body(c) } }
        case .multiPolygon(let ps): for p in ps { for r in p.rings { for c in r { try body(c) } } }
        case .geometryCollection(let gs): for g in gs { try g.forEachCoordinate(body) }
        }
    }

    /// A copy with every coordinate sequence replaced by `transform(sequence)`.
    ///
    /// The transform receives whole sequences (a line, a ring, the points of a multipoint)
    /// so batch transforms such as PROJ's can work on many coordinates per call. It must
    /// return a sequence of the same length.
    public func mappingSequences(_ transform: ([Coordinate]) throws -> [Coordinate]) rethrows -> Geometry {
        switch self {
        case .point(let c): return .point(try transform([c])[0])
        case .multiPoint(let cs): return .multiPoint(try transform(cs))
        case .lineString(let cs): return .lineString(try transform(cs))
        case .multiLineString(let lines): return .multiLineString(try lines.map(transform))
        case .polygon(let p): return .polygon(Polygon(rings: try p.rings.map(transform)))
        case .multiPolygon(let ps): return .multiPolygon(try ps.map { Polygon(rings: try $0.rings.map(transform)) })
        case .geometryCollection(let gs): return .geometryCollection(try gs.map { try $0.mappingSequences(transform) })
        }
    }

    /// A copy with `transform` applied to each coordinate.
    public func mappingCoordinates(_ transform: (Coordinate) throws -> Coordinate) rethrows -> Geometry {
        try mappingSequences { try $0.map(transform) }
    }

    /// A copy whose polygon exteriors run counter-clockwise and holes clockwise (RFC 7946 §3.1.6).
    public func orientedForRFC7946() -> Geometry {
        func orient(_ p: Polygon) -> Polygon {
            var rings = p.rings
            for i in rings.indices {
                let ccw = Ring.signedArea(rings[i]) > 0
                if (i == 0) != ccw { rings[i].reverse() }
            }
            return Polygon(rings: rings)
        }
        switch self {
        case .polygon(let p): return .polygon(orient(p))
        case .multiPolygon(let ps): return .multiPolygon(ps.map(orient))
        case .geometryCollection(let gs): return .geometryCollection(gs.map { $0.orientedForRFC7946() })
        default: return self
        }
    }
}

/// Small computations on closed rings of coordinates.
public enum Ring {
    /// Shoelace area: positive when the ring runs counter-clockwise (x east, y north).
    public static func signedArea(_ ring: [Coordinate]) -> Double {
        guard ring.count >= 3 else { return 0 }
        var sum = 0.0
        // Translating to the first vertex keeps precision for projected coordinates in the millions.
        let o = ring[0]
        for i in 0..<(ring.count - 1) {
            let a = ring[i], b = ring[i + 1]
            sum += (a.x - o.x) * (b.y - o.y) - (b.x - o.x) * (a.y - o.y)
        }
        return sum / 2
    }

    /// Whether the ring's first and last coordinates are the same.
    public static func isClosed(_ ring: [Coordinate]) -> Bool {
        guard let f = ring.first, let l = ring.last else { return false }
        return f == l
    }
}
