import GridplanGeometry

/// A WKT syntax problem at a 1-based character position of the text.
struct WKTSyntaxError: Error {
    var position: Int
    var message: String
}

/// Parses OGC Well-Known Text into ``Geometry`` values, in Swift so CSV reading needs no GEOS
/// context per row.
///
/// Accepts POINT, LINESTRING, POLYGON, MULTIPOINT (both `((1 2),(3 4))` and `(1 2,3 4)`),
/// MULTILINESTRING, MULTIPOLYGON and GEOMETRYCOLLECTION, EMPTY at any level, the Z, M and ZM
/// tags (extra ordinates are dropped and counted) and a leading EWKT `SRID=n;`. Rings must be
/// closed and have at least four positions; lines at least two, as the GeoJSON reader requires.
struct WKTParser {
    private let text: [UInt8]
    private var pos = 0
    private var depth = 0
    /// Positions that carried a Z or M value.
    private(set) var droppedZCount = 0

    private static let maxDepth = 64

    init(_ text: String) {
        self.text = Array(text.utf8)
    }

    /// Parses the whole text as one geometry.
    mutating func parse() throws -> Geometry {
        skipSpace()
        if peekKeyword() == "SRID", text[pos...].dropFirst(4).first == UInt8(ascii: "=") {
            guard let semicolon = text[pos...].firstIndex(of: UInt8(ascii: ";")) else {
                throw fail("expected ';' after SRID=")
            }
            pos = semicolon + 1
        }
        let g = try geometry()
        skipSpace()
        guard pos == text.count else { throw fail("unexpected text after the geometry") }
        return g
    }

    private func fail(_ message: String) -> WKTSyntaxError {
        WKTSyntaxError(position: pos + 1, message: message)
    }

    private mutating func skipSpace() {
        while pos < text.count, text[pos] == 0x20 || text[pos] == 0x09 || text[pos] == 0x0A || text[pos] == 0x0D {
            pos += 1
        }
    }

    private func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") }

    private func peekKeyword() -> String {
        var end = pos
        while end < text.count, isLetter(text[end]) { end += 1 }
        return String(decoding: text[pos..<end], as: UTF8.self).uppercased()
    }

    private mutating func keyword() -> String {
        skipSpace()
        let k = peekKeyword()
        pos += k.utf8.count
        return k
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        skipSpace()
        guard pos < text.count, text[pos] == byte else { return false }
        pos += 1
        return true
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws {
        guard consume(byte) else { throw fail("expected \(what)") }
    }

    /// After a type name: an optional Z/M/ZM tag, then EMPTY (returns false) or '(' (returns true).
    private mutating func open(_ type: String) throws -> Bool {
        skipSpace()
        let save = pos
        var tag = keyword()
        if !["Z", "M", "ZM"].contains(tag) {
            tag = ""
            pos = save
        }
        skipSpace()
        if peekKeyword() == "EMPTY" {
            pos += 5
            return false
        }
        try expect(UInt8(ascii: "("), "'(' or EMPTY after \(type)\(tag.isEmpty ? "" : " " + tag)")
        return true
    }

    private static let types: Set<String> = [
        "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION",
    ]

    private mutating func geometry() throws -> Geometry {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw fail("geometry collections nested too deeply") }
        skipSpace()
        let start = pos
        var type = keyword()
        // Some writers glue the dimension tag on: POINTZ, LINESTRINGZM.
        for tag in ["ZM", "Z", "M"] where type.hasSuffix(tag) && Self.types.contains(String(type.dropLast(tag.count))) {
            type = String(type.dropLast(tag.count))
        }
        guard Self.types.contains(type) else {
            pos = start
            throw fail(
                type.isEmpty ? "expected a geometry type such as POINT or POLYGON" : "unknown geometry type '\(type)'")
        }
        let hasBody = try open(type)
        switch type {
        case "POINT":
            guard hasBody else { return .geometryCollection([]) }
            let c = try position()
            try expect(UInt8(ascii: ")"), "')' closing the POINT")
            return .point(c)
        case "LINESTRING":
            return .lineString(hasBody ? try line(opened: true) : [])
        case "POLYGON":
            return .polygon(hasBody ? try polygon(opened: true) : Polygon(rings: []))
        case "MULTIPOINT":
            guard hasBody else { return .multiPoint([]) }
            var points: [Coordinate] = []
            repeat {
                skipSpace()
                if consume(UInt8(ascii: "(")) {
                    points.append(try position())
                    try expect(UInt8(ascii: ")"), "')' closing a point")
                } else {
                    points.append(try position())
                }
            } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: ")"), "',' or ')' in the MULTIPOINT")
            return .multiPoint(points)
        case "MULTILINESTRING":
            guard hasBody else { return .multiLineString([]) }
            var lines: [[Coordinate]] = []
            repeat { lines.append(try line(opened: false)) } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: ")"), "',' or ')' in the MULTILINESTRING")
            return .multiLineString(lines)
        case "MULTIPOLYGON":
            guard hasBody else { return .multiPolygon([]) }
            var polygons: [Polygon] = []
            repeat { polygons.append(try polygon(opened: false)) } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: ")"), "',' or ')' in the MULTIPOLYGON")
            return .multiPolygon(polygons)
        default:
            guard hasBody else { return .geometryCollection([]) }
            var members: [Geometry] = []
            repeat { members.append(try geometry()) } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: ")"), "',' or ')' in the GEOMETRYCOLLECTION")
            return .geometryCollection(members)
        }
    }

    /// `(x y, x y, …)`; with `opened` the '(' has been read already.
    private mutating func sequence(opened: Bool) throws -> [Coordinate] {
        if !opened {
            skipSpace()
            if peekKeyword() == "EMPTY" {
                pos += 5
                return []
            }
            try expect(UInt8(ascii: "("), "'(' starting a coordinate list")
        }
        var cs: [Coordinate] = []
        repeat { cs.append(try position()) } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: ")"), "',' or ')' in a coordinate list")
        return cs
    }

    private mutating func line(opened: Bool) throws -> [Coordinate] {
        let at = pos
        let cs = try sequence(opened: opened)
        if cs.count == 1 {
            pos = at
            throw fail("a LINESTRING has one position; it needs at least two")
        }
        return cs
    }

    private mutating func polygon(opened: Bool) throws -> Polygon {
        if !opened {
            skipSpace()
            if peekKeyword() == "EMPTY" {
                pos += 5
                return Polygon(rings: [])
            }
            try expect(UInt8(ascii: "("), "'(' starting a polygon")
        }
        var rings: [[Coordinate]] = []
        repeat {
            let at = pos
            let ring = try sequence(opened: false)
            let name = rings.isEmpty ? "exterior ring" : "hole \(rings.count)"
            if ring.isEmpty {
                pos = at
                throw fail("\(name) is EMPTY")
            }
            if ring.first != ring.last {
                pos = at
                throw fail("\(name) is not closed: first position \(ring.first!) differs from last \(ring.last!)")
            }
            if ring.count < 4 {
                pos = at
                throw fail("\(name) has \(ring.count) positions; a closed ring needs at least 4")
            }
            rings.append(ring)
        } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: ")"), "',' or ')' in a POLYGON")
        return Polygon(rings: rings)
    }

    /// `x y [z [m]]`.
    private mutating func position() throws -> Coordinate {
        let x = try number()
        let y = try number()
        var extra = 0
        while extra < 2, startsNumber() {
            _ = try number()
            extra += 1
        }
        if extra > 0 { droppedZCount += 1 }
        return Coordinate(x, y)
    }

    private mutating func startsNumber() -> Bool {
        skipSpace()
        guard pos < text.count else { return false }
        let b = text[pos]
        return (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "-") || b == UInt8(ascii: "+") || b == UInt8(ascii: ".")
    }

    private mutating func number() throws -> Double {
        skipSpace()
        let start = pos
        while pos < text.count, Self.numberBytes.contains(text[pos]) { pos += 1 }
        let token = text[start..<pos]
        guard NumberSyntax.classify(token) != nil, let d = Double(String(decoding: token, as: UTF8.self)), d.isFinite
        else {
            pos = start
            throw fail(
                token.isEmpty
                    ? "expected a number" : "'\(String(decoding: token, as: UTF8.self))' is not a finite number")
        }
        return d
    }

    private static let numberBytes = Set("0123456789+-.eE".utf8)
}
