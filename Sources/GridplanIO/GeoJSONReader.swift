import Foundation
import GridplanGeometry

/// Reads GeoJSON (RFC 7946, and the legacy 2008 `crs` member): a FeatureCollection, a single
/// Feature or a bare geometry.
///
/// The file is memory-mapped and scanned once; features are handed over one at a time, so
/// ``forEachFeature(path:_:)`` needs memory for one feature plus the mapping, and ``read(path:)``
/// little more than the parsed geometries (16 bytes a coordinate, less than the text).
///
/// Structural problems are errors naming the file, line, column and feature: malformed JSON,
/// an unknown geometry type, an unclosed or too-short ring, a one-point line, NaN or infinite
/// coordinates, text that is not UTF-8. Z and M values are dropped and counted.
public enum GeoJSONReader {
    /// What the reader learned about the file besides its features.
    public struct Header: Sendable {
        public var declaredCRS: String?
        public var droppedZCount: Int
        public var featureCount: Int
        /// With `keeping`, every property name the features had, kept or not, in first-seen
        /// order (what a survey finds); nil when every property was kept.
        public var propertyNames: [String]? = nil
    }

    /// Reads every feature into memory.
    public static func read(path: String) throws -> FeatureCollection {
        var features: [Feature] = []
        let header = try forEachFeature(path: path) { _, f in features.append(f) }
        return FeatureCollection(
            features: features, declaredCRS: header.declaredCRS, droppedZCount: header.droppedZCount)
    }

    /// Reads GeoJSON text held in memory; `name` stands for the file in messages.
    public static func read(bytes: [UInt8], name: String) throws -> FeatureCollection {
        var features: [Feature] = []
        let header = try bytes.withUnsafeBufferPointer { buf in
            try parse(buf, name: name) { _, f in features.append(f) }
        }
        return FeatureCollection(
            features: features, declaredCRS: header.declaredCRS, droppedZCount: header.droppedZCount)
    }

    /// Streams the features of a file to `body` with their 0-based index. The file is mapped
    /// and the pages already parsed are given back as the parse goes, so memory stays flat
    /// however large the file.
    ///
    /// With `keeping`, each feature's properties hold only those names: the others are checked
    /// as a full read checks them but never built, which is most of a read's time and memory on
    /// a layer of millions of points with their attributes.
    @discardableResult
    public static func forEachFeature(
        path: String, keeping properties: [String]? = nil, _ body: (Int, Feature) throws -> Void
    ) throws -> Header {
        let file = try MappedFile(path: path)
        return try parse(file.bytes, name: path, mapping: file, keeping: properties, body)
    }

    /// What the start of a file tells, without reading further: the legacy `crs` member among
    /// the members before `features` (where writers put it; ``survey(path:)`` finds one
    /// anywhere), and the property names of the first feature (nil when there is none, or the
    /// file is no FeatureCollection whose features come after its crs).
    /// - Throws: ``GeoJSONError`` for text that is not a JSON object up to there.
    public static func leading(path: String) throws -> (declaredCRS: String?, firstFeatureNames: [String]?) {
        let file = try MappedFile(path: path)
        var surveyor = Surveyor(scanner: JSONScanner(bytes: file.bytes), mapping: file)
        do {
            return try surveyor.leading()
        } catch let e as JSONSyntaxError {
            let (line, column) = surveyor.scanner.lineAndColumn(of: e.offset)
            throw GeoJSONError(file: path, line: line, column: column, reason: e.message)
        }
    }

    /// What a quick pass over a file finds before the file is read: the union of the features'
    /// property names in first-seen order (what a full read would see), the legacy `crs` member
    /// wherever it stands, and the number of features.
    public struct Survey: Sendable, Equatable {
        public var propertyNames: [String]
        public var declaredCRS: String?
        public var featureCount: Int
    }

    /// Surveys a file: one scan that reads the property names and skips everything else by its
    /// brackets alone, several times faster than a full read. Malformed text fails with the
    /// same error a full read gives (line, column, feature and reason).
    ///
    /// ```swift
    /// let survey = try GeoJSONReader.survey(path: "buildings.geojson")
    /// print(survey.propertyNames)   // ["id", "community", "households"]
    /// ```
    public static func survey(path: String) throws -> Survey {
        let file = try MappedFile(path: path)
        var surveyor = Surveyor(scanner: JSONScanner(bytes: file.bytes), mapping: file)
        do {
            return try surveyor.run()
        } catch let e as JSONSyntaxError {
            // The full parse says what is wrong as reading always has; it stops at the same
            // place or before, since it checks everything the survey checks.
            _ = try parse(file.bytes, name: path, mapping: file) { _, _ in }
            let (line, column) = surveyor.scanner.lineAndColumn(of: e.offset)
            throw GeoJSONError(file: path, line: line, column: column, reason: e.message)
        }
    }

    /// The CRS a legacy (GeoJSON 2008) `crs` member names: `properties.name`, or `properties.code`
    /// as an EPSG code.
    static func legacyCRSName(_ value: JSONValue) -> String? {
        guard case .object(let o) = value, case .object(let props)? = o["properties"] else { return nil }
        if let name = props["name"]?.stringValue { return name }
        if let code = props["code"]?.intValue { return "EPSG:\(code)" }
        return nil
    }

    static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, name: String, mapping: MappedFile? = nil, keeping: [String]? = nil,
        _ body: (Int, Feature) throws -> Void
    ) throws
        -> Header
    {
        var parser = Parser(scanner: JSONScanner(bytes: bytes), file: name, mapping: mapping, keeping: keeping)
        do {
            return try parser.parseDocument(body)
        } catch let e as JSONSyntaxError {
            if parser.scanner.isAtEnd && e.offset == parser.scanner.pos && parser.currentFeature == nil
                && e.message == "the file is empty"
            {
                throw GeoJSONError(file: name, reason: e.message)
            }
            let (line, column) = parser.scanner.lineAndColumn(of: e.offset)
            throw GeoJSONError(
                file: name, line: line, column: column, featureIndex: parser.currentFeature, reason: e.message)
        }
    }
}

/// The union of the property names of features passing one by one, in first-seen order (what
/// a survey finds). Features mostly repeat the previous one's names, which costs one comparison.
public struct PropertyNameUnion: Sendable {
    public private(set) var names: [String] = []
    private var seen: Set<String> = []
    private var previous: [String] = []

    public init() {}

    /// Adds one feature's names, in their order.
    public mutating func add(_ keys: [String]) {
        guard keys != previous else { return }
        for k in keys where seen.insert(k).inserted { names.append(k) }
        previous = keys
    }
}

/// Nested coordinate arrays as they appear in the text, before the geometry type is known.
private indirect enum CoordinateTree {
    case empty
    case position(Coordinate)
    case positions([Coordinate])
    case nested([CoordinateTree])
}

private struct Parser {
    var scanner: JSONScanner
    let file: String
    /// The mapped file being parsed, whose pages are given back behind each feature.
    var mapping: MappedFile?
    /// The property names features keep; nil: all.
    var keeping: [String]?
    var currentFeature: Int?
    var droppedZ = 0
    /// With `keeping`, the names of every property met, and the current feature's.
    var names = PropertyNameUnion()
    var featureNames: [String] = []

    static let geometryTypes = [
        "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection",
    ]

    mutating func parseDocument(_ body: (Int, Feature) throws -> Void) throws -> GeoJSONReader.Header {
        guard scanner.peek() != nil else { throw scanner.fail("the file is empty") }
        guard scanner.peek() == UInt8(ascii: "{") else {
            throw scanner.fail(
                "expected a GeoJSON object starting with '{', found \(JSONScanner.describe(scanner.peek()))")
        }
        let docStart = scanner.pos
        var type: String?
        var declaredCRS: String?
        var count = 0
        var sawFeatures = false
        // Members of a top-level Feature or geometry, kept until "type" says which it is.
        var geometry: Geometry??
        var properties = JSONObject()
        var id: JSONValue?
        var coordinates: CoordinateTree?
        var geometries: [Geometry]?

        if try scanner.beginObject() {
            repeat {
                let key = try scanner.readKey()
                switch key {
                case "type":
                    type = try readTypeString()
                case "features":
                    sawFeatures = true
                    guard try scanner.beginArray() else { break }
                    repeat {
                        currentFeature = count
                        let f = try parseFeature()
                        try body(count, f)
                        count += 1
                        mapping?.release(before: scanner.pos)
                    } while try scanner.nextElement()
                    currentFeature = nil
                case "crs":
                    declaredCRS = try parseLegacyCRS()
                case "geometry":
                    currentFeature = 0
                    geometry = try parseNullableGeometry()
                    currentFeature = nil
                case "properties":
                    properties = try parseProperties()
                case "id":
                    id = try scanner.readValue()
                case "coordinates":
                    coordinates = try parseCoordinates()
                case "geometries":
                    geometries = try parseGeometryList()
                default:
                    try scanner.skipValue()
                }
            } while try scanner.nextMember()
        }
        if scanner.peek() != nil { throw scanner.fail("unexpected text after the end of the GeoJSON object") }

        switch type {
        case "FeatureCollection":
            guard sawFeatures else { throw scanner.fail("FeatureCollection has no \"features\" array", at: docStart) }
        case "Feature":
            guard let geometry else { throw scanner.fail("Feature has no \"geometry\" member", at: docStart) }
            try body(0, Feature(id: id, geometry: geometry, properties: properties))
            count = 1
        case let t? where Self.geometryTypes.contains(t):
            currentFeature = 0
            let g = try buildGeometry(type: t, coordinates: coordinates, geometries: geometries, at: docStart)
            try body(0, Feature(geometry: g))
            count = 1
        case nil:
            throw scanner.fail("the object has no \"type\" member; is this GeoJSON?", at: docStart)
        case let t?:
            throw scanner.fail(
                "unknown GeoJSON type '\(t)' (expected FeatureCollection, Feature or a geometry type)", at: docStart)
        }
        return GeoJSONReader.Header(
            declaredCRS: declaredCRS, droppedZCount: droppedZ, featureCount: count,
            propertyNames: keeping == nil ? nil : names.names)
    }

    mutating func readTypeString() throws -> String {
        let at = scanner.pos
        guard case .string(let s) = try scanner.readValue() else {
            throw scanner.fail("\"type\" must be a string", at: at)
        }
        return s
    }

    mutating func parseLegacyCRS() throws -> String? {
        GeoJSONReader.legacyCRSName(try scanner.readValue())
    }

    mutating func parseProperties() throws -> JSONObject {
        let at = scanner.pos
        guard let keeping, scanner.peek() == UInt8(ascii: "{") else {
            switch try scanner.readValue() {
            case .object(let o): return o
            case .null: return JSONObject()
            default: throw scanner.fail("\"properties\" must be an object or null", at: at)
            }
        }
        // The members kept are read (the last of a repeated name wins, as in a full read); the
        // rest are checked and passed over.
        var object = JSONObject()
        try scanner.enterNested()
        defer { scanner.leaveNested() }
        featureNames.removeAll(keepingCapacity: true)
        defer { names.add(featureNames) }
        guard try scanner.beginObject() else { return object }
        repeat {
            let (key, _) = try scanner.readKeyHashed()
            featureNames.append(key)
            if keeping.contains(key) {
                let value = try scanner.readValue()
                if object[key] == nil { object.appendUnchecked(key, value) } else { object[key] = value }
            } else {
                try scanner.skipValue()
            }
        } while try scanner.nextMember()
        return object
    }

    mutating func parseFeature() throws -> Feature {
        let start = scanner.pos
        guard scanner.peek() == UInt8(ascii: "{") else {
            throw scanner.fail("expected a Feature object, found \(JSONScanner.describe(scanner.peek()))")
        }
        var id: JSONValue?
        var geometry: Geometry??
        var properties = JSONObject()
        var type: String?
        if try scanner.beginObject() {
            repeat {
                let key = try scanner.readKey()
                switch key {
                case "type": type = try readTypeString()
                case "id":
                    let at = scanner.pos
                    let v = try scanner.readValue()
                    switch v {
                    case .string, .integer, .number: id = v
                    case .null: id = nil
                    default: throw scanner.fail("feature \"id\" must be a string or a number", at: at)
                    }
                case "geometry": geometry = try parseNullableGeometry()
                case "properties": properties = try parseProperties()
                default: try scanner.skipValue()
                }
            } while try scanner.nextMember()
        }
        guard type == "Feature" else {
            throw scanner.fail(
                type.map { "expected a Feature, found type '\($0)'" } ?? "feature has no \"type\": \"Feature\" member",
                at: start)
        }
        guard let geometry else {
            throw scanner.fail("feature has no \"geometry\" member (use null for none)", at: start)
        }
        return Feature(id: id, geometry: geometry, properties: properties)
    }

    mutating func parseNullableGeometry() throws -> Geometry? {
        if scanner.peek() == UInt8(ascii: "n") {
            try scanner.literal("null")
            return nil
        }
        return try parseGeometry()
    }

    mutating func parseGeometryList() throws -> [Geometry] {
        var list: [Geometry] = []
        guard try scanner.beginArray() else { return list }
        repeat { list.append(try parseGeometry()) } while try scanner.nextElement()
        return list
    }

    mutating func parseGeometry() throws -> Geometry {
        let start = scanner.pos
        guard scanner.peek() == UInt8(ascii: "{") else {
            throw scanner.fail("expected a geometry object or null, found \(JSONScanner.describe(scanner.peek()))")
        }
        var type: String?
        var coordinates: CoordinateTree?
        var geometries: [Geometry]?
        scanner.depth += 1
        defer { scanner.depth -= 1 }
        guard scanner.depth <= JSONScanner.maxDepth else {
            throw scanner.fail("geometry collections nested too deeply")
        }
        if try scanner.beginObject() {
            repeat {
                let key = try scanner.readKey()
                switch key {
                case "type": type = try readTypeString()
                case "coordinates": coordinates = try parseCoordinates()
                case "geometries": geometries = try parseGeometryList()
                default: try scanner.skipValue()
                }
            } while try scanner.nextMember()
        }
        guard let type else { throw scanner.fail("geometry has no \"type\" member", at: start) }
        return try buildGeometry(type: type, coordinates: coordinates, geometries: geometries, at: start)
    }

    // MARK: Coordinates

    @inline(__always)
    static func isNumberStart(_ b: UInt8?) -> Bool {
        guard let b else { return false }
        return b == UInt8(ascii: "-") || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "N")
            || b == UInt8(ascii: "I")
    }

    /// Reads `[x, y, ...]` after its '[' has been consumed.
    @inline(__always)
    mutating func readPositionBody() throws -> Coordinate {
        let at = scanner.pos
        let x = try scanner.readDouble()
        guard scanner.peek() == UInt8(ascii: ",") else {
            throw scanner.fail("a position needs at least two numbers (x, y)", at: at)
        }
        scanner.pos += 1
        let y = try scanner.readDouble()
        var extra = false
        while scanner.peek() == UInt8(ascii: ",") {
            scanner.pos += 1
            _ = try scanner.readDouble()
            extra = true
        }
        try scanner.expect(UInt8(ascii: "]"), "']' closing a position")
        if extra { droppedZ += 1 }
        guard x.isFinite && y.isFinite else { throw scanner.fail("NaN or infinite coordinate (\(x), \(y))", at: at) }
        return Coordinate(x, y)
    }

    mutating func parseCoordinates() throws -> CoordinateTree {
        try scanner.expect(UInt8(ascii: "["), "'[' starting coordinates")
        let first = scanner.peek()
        if first == UInt8(ascii: "]") {
            scanner.pos += 1
            return .empty
        }
        if Self.isNumberStart(first) { return .position(try readPositionBody()) }
        guard first == UInt8(ascii: "[") else {
            throw scanner.fail("expected a number or '[' in coordinates, found \(JSONScanner.describe(first))")
        }
        scanner.depth += 1
        defer { scanner.depth -= 1 }
        guard scanner.depth <= JSONScanner.maxDepth else { throw scanner.fail("coordinates nested too deeply") }
        // Look past the '[' to see whether the children are positions.
        let save = scanner.pos
        scanner.pos += 1
        let childIsPosition = Self.isNumberStart(scanner.peek())
        scanner.pos = save
        if childIsPosition {
            var coords: [Coordinate] = []
            repeat {
                try scanner.expect(UInt8(ascii: "["), "'[' starting a position")
                coords.append(try readPositionBody())
            } while try scanner.nextElement()
            return .positions(coords)
        }
        var children: [CoordinateTree] = []
        repeat { children.append(try parseCoordinates()) } while try scanner.nextElement()
        return .nested(children)
    }

    // MARK: Building geometries

    func positions(_ t: CoordinateTree, _ what: String, at: Int) throws -> [Coordinate] {
        switch t {
        case .empty: return []
        case .positions(let cs): return cs
        case .position: throw scanner.fail("\(what) must be an array of positions, found a single position", at: at)
        case .nested: throw scanner.fail("\(what) must be an array of positions, found deeper nesting", at: at)
        }
    }

    func list(_ t: CoordinateTree, _ what: String, at: Int) throws -> [CoordinateTree] {
        switch t {
        case .empty: return []
        case .nested(let children): return children
        case .positions(let cs) where cs.isEmpty: return []
        default: throw scanner.fail("\(what) has too little nesting for its type", at: at)
        }
    }

    func line(_ t: CoordinateTree, at: Int) throws -> [Coordinate] {
        let cs = try positions(t, "a LineString", at: at)
        if cs.count == 1 { throw scanner.fail("a LineString has only one position; it needs at least two", at: at) }
        return cs
    }

    func polygon(_ t: CoordinateTree, at: Int) throws -> Polygon {
        let rings = try list(t, "a Polygon", at: at).enumerated().map { (i, r) -> [Coordinate] in
            let ring = try positions(r, "a Polygon ring", at: at)
            let name = i == 0 ? "exterior ring" : "hole \(i)"
            guard !ring.isEmpty else { throw scanner.fail("\(name) is empty", at: at) }
            guard ring.first == ring.last else {
                throw scanner.fail(
                    "\(name) is not closed: first position \(ring.first!) differs from last \(ring.last!)", at: at)
            }
            guard ring.count >= 4 else {
                throw scanner.fail("\(name) has \(ring.count) positions; a closed ring needs at least 4", at: at)
            }
            return ring
        }
        return Polygon(rings: rings)
    }

    func buildGeometry(type: String, coordinates: CoordinateTree?, geometries: [Geometry]?, at: Int) throws -> Geometry
    {
        if type == "GeometryCollection" {
            guard let geometries else { throw scanner.fail("GeometryCollection has no \"geometries\" member", at: at) }
            return .geometryCollection(geometries)
        }
        guard Self.geometryTypes.contains(type) else {
            throw scanner.fail(
                "unknown geometry type '\(type)' (expected one of \(Self.geometryTypes.joined(separator: ", ")))",
                at: at)
        }
        guard let coordinates else { throw scanner.fail("\(type) has no \"coordinates\" member", at: at) }
        switch type {
        case "Point":
            guard case .position(let c) = coordinates else {
                if case .empty = coordinates { return .geometryCollection([]) }
                throw scanner.fail("a Point's coordinates must be one position [x, y]", at: at)
            }
            return .point(c)
        case "MultiPoint":
            return .multiPoint(try positions(coordinates, "a MultiPoint", at: at))
        case "LineString":
            return .lineString(try line(coordinates, at: at))
        case "MultiLineString":
            return .multiLineString(try list(coordinates, "a MultiLineString", at: at).map { try line($0, at: at) })
        case "Polygon":
            return .polygon(try polygon(coordinates, at: at))
        default:
            return .multiPolygon(try list(coordinates, "a MultiPolygon", at: at).map { try polygon($0, at: at) })
        }
    }
}

/// The key survey: the structure of the collection and the keys of each feature's properties,
/// every value skipped by its brackets. Features mostly repeat the previous feature's keys, so
/// those are compared as bytes and only a new key is decoded.
private struct Surveyor {
    var scanner: JSONScanner
    let mapping: MappedFile
    var names: [String] = []
    var seen = Set<String>()
    /// The raw bytes (escapes as written) of the keys the previous feature's properties had.
    var previousKeys: [[UInt8]] = []

    mutating func run() throws -> GeoJSONReader.Survey {
        guard scanner.peek() == UInt8(ascii: "{") else { throw scanner.fail("expected a GeoJSON object") }
        var type: String?
        var declaredCRS: String?
        var count = 0
        // A top-level Feature's own properties count only once "type" says it is one.
        var topLevelKeys: [Range<Int>] = []
        if try scanner.beginObject() {
            repeat {
                let key = try scanner.readKey()
                switch key {
                case "type":
                    if case .string(let s) = try scanner.readValue() { type = s }
                case "features":
                    guard try scanner.beginArray() else { break }
                    repeat {
                        try surveyFeature()
                        count += 1
                        mapping.release(before: scanner.pos)
                    } while try scanner.nextElement()
                case "crs":
                    declaredCRS = GeoJSONReader.legacyCRSName(try scanner.readValue())
                case "properties":
                    topLevelKeys = try propertyKeys()
                default:
                    try scanner.skipValueQuickly()
                }
            } while try scanner.nextMember()
        }
        if scanner.peek() != nil { throw scanner.fail("unexpected text after the end of the GeoJSON object") }
        if type == "Feature" {
            try merge(topLevelKeys)
            count = 1
        } else if type != "FeatureCollection" {
            count = type == nil ? 0 : 1
        }
        return GeoJSONReader.Survey(propertyNames: names, declaredCRS: declaredCRS, featureCount: count)
    }

    /// The `crs` member among the top-level members before "features", and the first
    /// feature's property names.
    mutating func leading() throws -> (declaredCRS: String?, firstFeatureNames: [String]?) {
        guard scanner.peek() == UInt8(ascii: "{") else { throw scanner.fail("expected a GeoJSON object") }
        var declaredCRS: String?
        if try scanner.beginObject() {
            repeat {
                switch try scanner.readKey() {
                case "features":
                    guard try scanner.beginArray() else { return (declaredCRS, nil) }
                    try surveyFeature()
                    return (declaredCRS, names)
                case "crs": declaredCRS = GeoJSONReader.legacyCRSName(try scanner.readValue())
                default: try scanner.skipValueQuickly()
                }
            } while try scanner.nextMember()
        }
        return (declaredCRS, nil)
    }

    /// One element of "features": the keys of its last "properties" member (as the parse keeps
    /// the last of a repeated member).
    mutating func surveyFeature() throws {
        guard scanner.peek() == UInt8(ascii: "{") else { throw scanner.fail("expected a Feature object") }
        var keys: [Range<Int>] = []
        if try scanner.beginObject() {
            repeat {
                let key = try rawKey()
                if isProperties(key) {
                    keys = try propertyKeys()
                } else {
                    try scanner.skipValueQuickly()
                }
            } while try scanner.nextMember()
        }
        try merge(keys)
    }

    /// The raw range of a member name (between its quotes), with the ':' after it consumed.
    mutating func rawKey() throws -> Range<Int> {
        guard scanner.peek() == UInt8(ascii: "\"") else { throw scanner.fail("expected a member name in quotes") }
        let start = scanner.pos + 1
        try scanner.skipStringQuickly()
        let range = start..<(scanner.pos - 1)
        try scanner.expect(UInt8(ascii: ":"), "':' after member name")
        return range
    }

    private static let properties = Array("properties".utf8)

    func isProperties(_ key: Range<Int>) -> Bool {
        key.count == Self.properties.count && equal(key, Self.properties)
    }

    func equal(_ key: Range<Int>, _ bytes: [UInt8]) -> Bool {
        guard key.count == bytes.count else { return false }
        return bytes.withUnsafeBufferPointer { b in
            memcmp(scanner.bytes.baseAddress! + key.lowerBound, b.baseAddress!, key.count) == 0
        }
    }

    /// The member names of a properties object (nothing for null or another value, which the
    /// full parse judges).
    mutating func propertyKeys() throws -> [Range<Int>] {
        guard scanner.peek() == UInt8(ascii: "{") else {
            try scanner.skipValueQuickly()
            return []
        }
        var keys: [Range<Int>] = []
        if try scanner.beginObject() {
            repeat {
                keys.append(try rawKey())
                try scanner.skipValueQuickly()
            } while try scanner.nextMember()
        }
        return keys
    }

    /// Adds the names among `keys` not seen before, decoding only keys that differ from the
    /// previous feature's.
    mutating func merge(_ keys: [Range<Int>]) throws {
        if keys.count == previousKeys.count && zip(keys, previousKeys).allSatisfy({ equal($0, $1) }) { return }
        let resume = scanner.pos
        defer { scanner.pos = resume }
        for key in keys {
            scanner.pos = key.lowerBound - 1
            let name = try scanner.readString()
            if seen.insert(name).inserted { names.append(name) }
        }
        previousKeys = keys.map { Array(UnsafeBufferPointer(rebasing: scanner.bytes[$0])) }
    }
}
