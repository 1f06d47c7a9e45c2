import Foundation
import GridplanGeometry

/// A shapefile reading failure, naming the file, the record and the reason.
public struct ShapefileError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file of the set (.shp, .shx, .dbf…) where the problem is.
    public var file: String
    /// 0-based record index, when the problem is inside one record.
    public var recordIndex: Int?
    public var reason: String

    public init(file: String, recordIndex: Int? = nil, reason: String) {
        self.file = file
        self.recordIndex = recordIndex
        self.reason = reason
    }

    public var description: String {
        var s = file + ": "
        if let recordIndex { s += "record \(recordIndex): " }
        return s + reason
    }
}

/// The geometry type of a shapefile, from its header.
public enum ShapeType: Int, Hashable, Sendable, CustomStringConvertible {
    case null = 0
    case point = 1
    case polyLine = 3
    case polygon = 5
    case multiPoint = 8
    case pointZ = 11
    case polyLineZ = 13
    case polygonZ = 15
    case multiPointZ = 18
    case pointM = 21
    case polyLineM = 23
    case polygonM = 25
    case multiPointM = 28
    case multiPatch = 31

    public var description: String {
        switch self {
        case .null: return "Null"
        case .point: return "Point"
        case .polyLine: return "PolyLine"
        case .polygon: return "Polygon"
        case .multiPoint: return "MultiPoint"
        case .pointZ: return "PointZ"
        case .polyLineZ: return "PolyLineZ"
        case .polygonZ: return "PolygonZ"
        case .multiPointZ: return "MultiPointZ"
        case .pointM: return "PointM"
        case .polyLineM: return "PolyLineM"
        case .polygonM: return "PolygonM"
        case .multiPointM: return "MultiPointM"
        case .multiPatch: return "MultiPatch"
        }
    }

    /// The same shape without Z or M (`polygonZ.base == .polygon`).
    public var base: ShapeType {
        switch self {
        case .pointZ, .pointM: return .point
        case .polyLineZ, .polyLineM: return .polyLine
        case .polygonZ, .polygonM: return .polygon
        case .multiPointZ, .multiPointM: return .multiPoint
        default: return self
        }
    }

    /// Whether points carry Z or M values, which gridplan drops.
    public var hasZOrM: Bool { base != self }
}

/// A shapefile read into memory: its features with what the reader noticed and decided.
public struct ShapefileLayer: Sendable {
    /// Features in record order, attributes in field order; deleted DBF records are left out.
    public var collection: FeatureCollection
    public var shapeType: ShapeType
    /// The text of the .prj file (ESRI WKT), if there is one.
    public var prjWKT: String?
    /// The encoding used for field names and text values, and how it was chosen.
    public var encoding: TextEncodingChoice
    public var fields: [DBFField]
    /// Records flagged deleted ('*') in the .dbf, skipped with their shapes.
    public var deletedRecordCount: Int
    /// Rings whose last point did not repeat the first; the reader closed them.
    public var closedRingCount: Int
    /// Polygon rings whose role (shell or hole) was decided by nesting, against their orientation.
    public var reclassifiedRingCount: Int
    /// Byte sequences not valid in the encoding, read as U+FFFD.
    public var replacementCount: Int
}

/// A shapefile set opened by ``ShapefileReader/open(path:encoding:)``: its files in memory and
/// headers checked, read record by record with ``forEachFeature(_:)``.
public struct ShapefileSet {
    let shpPath: String
    let shp: BinaryBytes
    let table: DBFTable
    let offsets: [Range<Int>]
    public let shapeType: ShapeType
    /// The text of the .prj file (ESRI WKT), if there is one.
    public let prjWKT: String?
    /// The encoding used for field names and text values, and how it was chosen.
    public let encoding: TextEncodingChoice
    let decoder: TextDecoder

    /// The attribute fields, in order (every feature's properties have exactly these).
    public var fields: [DBFField] { table.columns.map(\.field) }
    /// Records in the files, deleted ones included.
    public var recordCount: Int { offsets.count }
    /// Records not flagged deleted: the features ``forEachFeature(_:)`` gives.
    public var liveRecordCount: Int { (0..<offsets.count).reduce(0) { $0 + (table.isDeleted($1) ? 0 : 1) } }

    /// What reading the records noticed.
    public struct Summary: Sendable {
        public var deletedRecordCount = 0
        public var closedRingCount = 0
        public var reclassifiedRingCount = 0
        public var replacementCount = 0
        public var droppedZCount = 0
    }

    /// Decodes the records in order and hands each feature to `body` with its 0-based index
    /// among the features (deleted records are skipped and not counted).
    /// - Throws: ``ShapefileError`` naming the record, or what `body` throws.
    public func forEachFeature(_ body: (Int, Feature) throws -> Void) throws -> Summary {
        var assembler = ShapeAssembler(file: shpPath, fileShapeType: shapeType)
        var summary = Summary()
        var index = 0
        for (record, range) in offsets.enumerated() {
            if table.isDeleted(record) {
                summary.deletedRecordCount += 1
                continue
            }
            let geometry = try assembler.geometry(shp, range, record: record)
            let properties = try table.properties(ofRecord: record, decoder: decoder)
            try body(index, Feature(geometry: geometry, properties: properties))
            index += 1
        }
        summary.closedRingCount = assembler.closedRingCount
        summary.reclassifiedRingCount = assembler.reclassifiedRingCount
        summary.replacementCount = decoder.replacementCount
        summary.droppedZCount = assembler.droppedZCount
        return summary
    }
}

/// Reads ESRI Shapefiles: the .shp geometry, the .shx index, the .dbf attributes, and the
/// optional .prj (CRS) and .cpg (code page) files beside them.
///
/// Shapes Null, Point, MultiPoint, PolyLine and Polygon are read with their Z and M variants;
/// Z and M values are dropped and counted in `droppedZCount`. Polygon rings are assembled by
/// geometry, not by their order in the record: clockwise rings are shells, counter-clockwise
/// rings holes, and each hole goes to the smallest shell containing it. A record with several
/// shells becomes a MultiPolygon.
///
/// Every length and offset is checked before it is used; a malformed file is a
/// ``ShapefileError`` naming the file and record.
public enum ShapefileReader {
    /// Reads a shapefile set.
    ///
    /// - Parameters:
    ///   - path: the .shp file, or the set's path without extension. Sibling files are found with
    ///     lower- or upper-case extensions.
    ///   - encoding: the .dbf text encoding; nil decides it from the .cpg file, then the DBF
    ///     language driver byte, then the bytes themselves (valid UTF-8, else GB18030).
    /// - Returns: the features, the .prj text and what the reader decided.
    /// - Throws: ``ShapefileError`` for a missing .shp or .dbf, truncated or inconsistent files,
    ///   unsupported shape types, malformed records, or mismatched record counts.
    ///
    /// ```swift
    /// let layer = try ShapefileReader.read(path: "communities.shp")
    /// print(layer.encoding)   // GB18030 (declared by the .cpg file as 'GBK')
    /// ```
    public static func read(path: String, encoding: TextEncoding? = nil) throws -> ShapefileLayer {
        let set = try open(path: path, encoding: encoding)
        var features: [Feature] = []
        features.reserveCapacity(set.recordCount)
        let summary = try set.forEachFeature { _, f in features.append(f) }
        return ShapefileLayer(
            collection: FeatureCollection(features: features, droppedZCount: summary.droppedZCount),
            shapeType: set.shapeType,
            prjWKT: set.prjWKT,
            encoding: set.encoding,
            fields: set.fields,
            deletedRecordCount: summary.deletedRecordCount,
            closedRingCount: summary.closedRingCount,
            reclassifiedRingCount: summary.reclassifiedRingCount,
            replacementCount: summary.replacementCount
        )
    }

    /// Opens a shapefile set for reading record by record (``ShapefileSet/forEachFeature(_:)``):
    /// the files are loaded and their headers, record counts and encoding checked, but no
    /// record is decoded yet.
    /// - Parameters: as ``read(path:encoding:)``.
    /// - Throws: ``ShapefileError``, as ``read(path:encoding:)`` for everything but the records.
    public static func open(path: String, encoding: TextEncoding? = nil) throws -> ShapefileSet {
        let base: String
        let ext = (path as NSString).pathExtension.lowercased()
        if ["shp", "shx", "dbf"].contains(ext) {
            base = (path as NSString).deletingPathExtension
        } else {
            base = path
        }
        guard let shpPath = sibling(base, "shp") else {
            throw ShapefileError(file: base + ".shp", reason: "no such file")
        }
        let shp = try load(shpPath)
        let shxPath = sibling(base, "shx")
        let shx = try shxPath.map(load)
        guard let dbfPath = sibling(base, "dbf") else {
            throw ShapefileError(
                file: base + ".dbf", reason: "missing .dbf: a shapefile needs its attribute table beside the .shp")
        }
        var table = try DBFTable(data: try load(dbfPath), file: dbfPath)

        let (shapeType, offsets) = try recordOffsets(shp: shp, shpPath: shpPath, shx: shx, shxPath: shxPath)
        guard offsets.count == table.recordCount else {
            let counted = shxPath != nil ? ".shx indexes" : ".shp holds"
            throw ShapefileError(
                file: dbfPath,
                reason:
                    "mismatched record counts: the \(counted) \(offsets.count) records, the .dbf has \(table.recordCount)"
            )
        }

        let choice = try chooseEncoding(given: encoding, base: base, table: table)
        let decoder: TextDecoder
        do {
            decoder = try TextDecoder(encoding: choice.encoding)
        } catch {
            throw ShapefileError(file: dbfPath, reason: "\(error) (encoding \(choice))")
        }
        table.decodeNames(with: decoder)

        var prj: String?
        if let prjPath = sibling(base, "prj"), case .success(let bytes) = BinaryBytes.load(path: prjPath) {
            let text = String(decoding: bytes.bytes, as: UTF8.self).trimmingWhitespace()
            prj = text.isEmpty ? nil : text
        }
        return ShapefileSet(
            shpPath: shpPath, shp: shp, table: table, offsets: offsets, shapeType: shapeType, prjWKT: prj,
            encoding: choice, decoder: decoder)
    }

    /// The path of `base.ext`, trying lower case, upper case, then any case in the directory.
    static func sibling(_ base: String, _ ext: String) -> String? {
        let fm = FileManager.default
        for candidate in [base + "." + ext, base + "." + ext.uppercased()] where fm.fileExists(atPath: candidate) {
            return candidate
        }
        let dir = (base as NSString).deletingLastPathComponent
        let stem = (base as NSString).lastPathComponent
        let wanted = (stem + "." + ext).lowercased()
        guard let names = try? fm.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir) else { return nil }
        return names.first { $0.lowercased() == wanted }.map {
            dir.isEmpty ? $0 : (dir as NSString).appendingPathComponent($0)
        }
    }

    private static func load(_ path: String) throws -> BinaryBytes {
        switch BinaryBytes.load(path: path) {
        case .success(let b): return b
        case .failure(let f): throw ShapefileError(file: path, reason: f.reason)
        }
    }

    /// Parameter, then .cpg, then language driver, then detection.
    static func chooseEncoding(given: TextEncoding?, base: String, table: DBFTable) throws -> TextEncodingChoice {
        if let given { return TextEncodingChoice(encoding: given, basis: .parameter) }
        var ignored: String?
        if let cpgPath = sibling(base, "cpg"), case .success(let bytes) = BinaryBytes.load(path: cpgPath) {
            var raw = bytes.bytes[...]
            if raw.starts(with: [0xEF, 0xBB, 0xBF]) { raw = raw.dropFirst(3) }
            let label = String(decoding: raw, as: UTF8.self).trimmingWhitespace()
            if !label.isEmpty {
                let encoding = TextEncoding(label: label)
                if (try? TextDecoder(encoding: encoding)) != nil {
                    return TextEncodingChoice(encoding: encoding, basis: .codePageFile(label: label))
                }
                ignored = "the .cpg label '\(label)', unknown to iconv"
            }
        }
        if let encoding = languageDriverEncodings[table.languageDriver] {
            return TextEncodingChoice(
                encoding: encoding, basis: .languageDriver(table.languageDriver), ignoredDeclaration: ignored)
        }
        return .detected(isValidUTF8: table.textIsValidUTF8(), ignoredDeclaration: ignored)
    }

    /// Language driver bytes that name a Chinese code page. Others, including 0x57 ("ANSI", the
    /// writing machine's code page) and 0x00, say nothing reliable about Chinese data, and
    /// Western drivers such as 0x03 are often written by default whatever the bytes are.
    static let languageDriverEncodings: [UInt8: TextEncoding] = [
        0x4D: .gb18030, 0x7A: .gb18030,
        0x4F: TextEncoding(label: "BIG5"), 0x78: TextEncoding(label: "BIG5"),
    ]

    /// The shape type from the .shp header and the byte range of each record's content.
    static func recordOffsets(shp: BinaryBytes, shpPath: String, shx: BinaryBytes?, shxPath: String?) throws -> (
        ShapeType, [Range<Int>]
    ) {
        let (shapeType, shpLength) = try header(shp, path: shpPath)
        if let shx, let shxPath {
            let (shxType, shxLength) = try header(shx, path: shxPath)
            guard shxType == shapeType else {
                throw ShapefileError(
                    file: shxPath, reason: "the .shx says shape type \(shxType), the .shp \(shapeType)")
            }
            guard (shxLength - 100) % 8 == 0 else {
                throw ShapefileError(
                    file: shxPath,
                    reason: "truncated .shx: \(shxLength - 100) bytes of index is not a whole number of 8-byte entries")
            }
            let count = (shxLength - 100) / 8
            var ranges: [Range<Int>] = []
            ranges.reserveCapacity(count)
            for i in 0..<count {
                // Offsets and lengths are in 16-bit words.
                let offset = shx.int32BE(100 + 8 * i)! * 2
                let length = shx.int32BE(104 + 8 * i)! * 2
                guard offset >= 100, length >= 0 else {
                    throw ShapefileError(
                        file: shxPath, recordIndex: i, reason: "bad index entry: offset \(offset), length \(length)")
                }
                guard shp.has(offset, 8 + length) else {
                    throw ShapefileError(
                        file: shpPath, recordIndex: i,
                        reason:
                            "truncated .shp: the record at byte \(offset) needs \(8 + length) bytes, the file has \(shp.count)"
                    )
                }
                ranges.append((offset + 8)..<(offset + 8 + length))
            }
            return (shapeType, ranges)
        }
        // Without an index, walk the records one after another up to the length the header declares.
        var ranges: [Range<Int>] = []
        var offset = 100
        while offset < shpLength {
            let index = ranges.count
            guard offset + 8 <= shpLength, let length = shp.int32BE(offset + 4).map({ $0 * 2 }) else {
                throw ShapefileError(
                    file: shpPath, recordIndex: index,
                    reason:
                        "truncated .shp: \(shpLength - offset) bytes left at byte \(offset), less than a record header")
            }
            guard length >= 0, offset + 8 + length <= shpLength else {
                throw ShapefileError(
                    file: shpPath, recordIndex: index,
                    reason:
                        "truncated .shp: the record at byte \(offset) needs \(8 + length) bytes, the header declares \(shpLength)"
                )
            }
            ranges.append((offset + 8)..<(offset + 8 + length))
            offset += 8 + length
        }
        return (shapeType, ranges)
    }

    /// Checks a .shp or .shx header and returns its shape type and declared length in bytes.
    private static func header(_ data: BinaryBytes, path: String) throws -> (ShapeType, Int) {
        guard data.count >= 100 else {
            throw ShapefileError(file: path, reason: "truncated: \(data.count) bytes, shorter than the 100-byte header")
        }
        guard data.int32BE(0) == 9994 else {
            throw ShapefileError(file: path, reason: "not a shapefile: the file code is \(data.int32BE(0)!), not 9994")
        }
        let declared = data.int32BE(24)! * 2
        guard declared >= 100 else {
            throw ShapefileError(file: path, reason: "bad file length \(declared) bytes in the header")
        }
        guard declared <= data.count else {
            throw ShapefileError(
                file: path, reason: "truncated: the header says \(declared) bytes, the file has \(data.count)")
        }
        let code = data.int32LE(32)!
        guard let type = ShapeType(rawValue: code) else {
            throw ShapefileError(file: path, reason: "bad shape type \(code) in the header")
        }
        guard type != .multiPatch else {
            throw ShapefileError(file: path, reason: "shape type MultiPatch (31) is not supported")
        }
        return (type, declared)
    }
}

/// Turns record contents into geometries, counting what it dropped or repaired.
struct ShapeAssembler {
    let file: String
    let fileShapeType: ShapeType
    var droppedZCount = 0
    var closedRingCount = 0
    var reclassifiedRingCount = 0

    init(file: String, fileShapeType: ShapeType) {
        self.file = file
        self.fileShapeType = fileShapeType
    }

    private func fail(_ record: Int, _ reason: String) -> ShapefileError {
        ShapefileError(file: file, recordIndex: record, reason: reason)
    }

    /// The geometry of one record; nil for a Null shape.
    mutating func geometry(_ data: BinaryBytes, _ range: Range<Int>, record: Int) throws -> Geometry? {
        guard range.count >= 4, let code = data.int32LE(range.lowerBound) else {
            throw fail(record, "the record has \(range.count) bytes, too short for a shape type")
        }
        guard let type = ShapeType(rawValue: code) else { throw fail(record, "bad shape type \(code)") }
        if type == .null { return nil }
        guard type == fileShapeType else {
            throw fail(record, "shape type \(type) in a file of \(fileShapeType) shapes")
        }
        let start = range.lowerBound + 4
        let available = range.upperBound - start

        func point(_ offset: Int) throws -> Coordinate {
            let c = Coordinate(data.doubleLE(offset)!, data.doubleLE(offset + 8)!)
            guard c.isFinite else { throw fail(record, "NaN or infinite coordinate \(c)") }
            return c
        }

        switch type.base {
        case .point:
            guard available >= 16 else {
                throw fail(record, "a point needs 16 bytes of coordinates, the record has \(available)")
            }
            if type.hasZOrM { droppedZCount += 1 }
            return .point(try point(start))
        case .multiPoint:
            // Bounding box (32 bytes), then the point count.
            guard available >= 36, let n = data.int32LE(start + 32), n >= 0, available - 36 >= 16 * n else {
                throw fail(record, "the record's \(available) bytes do not hold its declared points")
            }
            if type.hasZOrM { droppedZCount += n }
            return .multiPoint(try (0..<n).map { try point(start + 36 + 16 * $0) })
        default:
            guard available >= 40, let partCount = data.int32LE(start + 32), let pointCount = data.int32LE(start + 36)
            else {
                throw fail(record, "the record's \(available) bytes are too few for a part and point count")
            }
            guard partCount >= 0, pointCount >= 0, available - 40 >= 4 * partCount + 16 * pointCount else {
                throw fail(
                    record, "the record's \(available) bytes do not hold \(partCount) parts and \(pointCount) points")
            }
            let pointsStart = start + 40 + 4 * partCount
            var parts: [[Coordinate]] = []
            parts.reserveCapacity(partCount)
            for p in 0..<partCount {
                let from = data.int32LE(start + 40 + 4 * p)!
                let to = p + 1 < partCount ? data.int32LE(start + 44 + 4 * p)! : pointCount
                guard p > 0 || from == 0, from <= to, to <= pointCount else {
                    throw fail(record, "part \(p) has bad point indices \(from)..<\(to) (\(pointCount) points)")
                }
                parts.append(try (from..<to).map { try point(pointsStart + 16 * $0) })
            }
            guard partCount > 0 || pointCount == 0 else { throw fail(record, "\(pointCount) points but no parts") }
            if type.hasZOrM { droppedZCount += pointCount }
            if type.base == .polyLine {
                for (p, line) in parts.enumerated() where line.count < 2 {
                    throw fail(record, "part \(p) has \(line.count) point(s); a line needs at least 2")
                }
                if parts.isEmpty { return .multiLineString([]) }
                return parts.count == 1 ? .lineString(parts[0]) : .multiLineString(parts)
            }
            return try polygon(parts, record: record)
        }
    }

    /// Assembles rings into polygons by orientation and containment, not by order.
    mutating func polygon(_ parts: [[Coordinate]], record: Int) throws -> Geometry {
        var rings = parts
        for i in rings.indices {
            if let first = rings[i].first, rings[i].last != first {
                rings[i].append(first)
                closedRingCount += 1
            }
            guard rings[i].count >= 4 else {
                throw fail(
                    record, "ring \(i) has \(parts[i].count) point(s); a ring needs at least 4 with the closing point")
            }
        }
        if rings.isEmpty { return .multiPolygon([]) }
        let envelopes = rings.map { Geometry.lineString($0).envelope }
        let areas = rings.map(Ring.signedArea)

        // Shapefile shells run clockwise (negative shoelace area); holes counter-clockwise.
        let byWinding = areas.map { $0 <= 0 }
        var isShell = byWinding
        var (holesOf, orphans) = Self.assignHoles(rings, envelopes, areas, isShell: isShell)
        if !orphans.isEmpty || !isShell.contains(true) {
            // A hole inside no shell means the writer ignored the winding rule; nesting depth
            // decides instead (a ring inside an even number of others is a shell).
            for i in rings.indices {
                let depth = rings.indices.filter {
                    $0 != i && Self.ring(rings[i], envelopes[i], isInside: rings[$0], envelopes[$0])
                }.count
                isShell[i] = depth % 2 == 0
                if isShell[i] != byWinding[i] { reclassifiedRingCount += 1 }
            }
            (holesOf, orphans) = Self.assignHoles(rings, envelopes, areas, isShell: isShell)
        }
        let shells = rings.indices.filter { isShell[$0] }
        // Orphans left after nesting (rings that coincide, say) stand as polygons of their own.
        let polygonRings = (shells + orphans).sorted().map { s in [rings[s]] + (holesOf[s] ?? []).map { rings[$0] } }
        let polygons = polygonRings.map { Polygon(rings: $0) }
        return polygons.count == 1 ? .polygon(polygons[0]) : .multiPolygon(polygons)
    }

    /// Gives each hole to the smallest shell containing it; holes inside no shell are orphans.
    static func assignHoles(
        _ rings: [[Coordinate]], _ envelopes: [Envelope], _ areas: [Double], isShell: [Bool]
    ) -> (holesOf: [Int: [Int]], orphans: [Int]) {
        let shells = rings.indices.filter { isShell[$0] }
        var holesOf: [Int: [Int]] = [:]
        var orphans: [Int] = []
        for h in rings.indices where !isShell[h] {
            let containing = shells.filter { ring(rings[h], envelopes[h], isInside: rings[$0], envelopes[$0]) }
            if let smallest = containing.min(by: { abs(areas[$0]) < abs(areas[$1]) }) {
                holesOf[smallest, default: []].append(h)
            } else {
                orphans.append(h)
            }
        }
        return (holesOf, orphans)
    }

    /// Whether `inner` lies inside `outer`, judged by its first vertex not on `outer`'s boundary.
    static func ring(
        _ inner: [Coordinate], _ innerEnvelope: Envelope, isInside outer: [Coordinate], _ outerEnvelope: Envelope
    ) -> Bool {
        guard outerEnvelope.contains(Coordinate(innerEnvelope.minX, innerEnvelope.minY)),
            outerEnvelope.contains(Coordinate(innerEnvelope.maxX, innerEnvelope.maxY))
        else { return false }
        for c in inner {
            switch locate(c, in: outer) {
            case .inside: return true
            case .outside: return false
            case .boundary: continue
            }
        }
        // Every vertex lies on the outer ring: the rings coincide, and a duplicate counts as inside.
        return true
    }

    enum Location { case inside, outside, boundary }

    /// Crossing-number point-in-ring test that reports points on an edge separately.
    static func locate(_ p: Coordinate, in ring: [Coordinate]) -> Location {
        var inside = false
        for i in 0..<(ring.count - 1) {
            let a = ring[i], b = ring[i + 1]
            let cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x)
            if cross == 0, p.x >= min(a.x, b.x), p.x <= max(a.x, b.x), p.y >= min(a.y, b.y), p.y <= max(a.y, b.y) {
                return .boundary
            }
            if (a.y > p.y) != (b.y > p.y) {
                let x = a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y)
                if p.x < x { inside.toggle() }
            }
        }
        return inside ? .inside : .outside
    }
}
