import Foundation

/// A fresh temporary directory for one test.
func makeTemporaryDirectory() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gridplan-formats-\(UUID().uuidString)")
        .path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Little- and big-endian byte building, as the shapefile format mixes both.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func int32BE(_ v: Int) {
        let u = UInt32(bitPattern: Int32(v))
        bytes += [UInt8(u >> 24), UInt8(u >> 16 & 0xFF), UInt8(u >> 8 & 0xFF), UInt8(u & 0xFF)]
    }

    mutating func int32LE(_ v: Int) {
        let u = UInt32(bitPattern: Int32(v))
        bytes += [UInt8(u & 0xFF), UInt8(u >> 8 & 0xFF), UInt8(u >> 16 & 0xFF), UInt8(u >> 24)]
    }

    mutating func uint16LE(_ v: Int) { bytes += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }

    mutating func double(_ v: Double) {
        let bits = v.bitPattern
        for i in 0..<8 { bytes.append(UInt8(bits >> (8 * UInt64(i)) & 0xFF)) }
    }
}

/// Shape record contents (after the 8-byte record header), written as the ESRI specification lays them out.
enum ShapeContent {
    typealias XY = (Double, Double)

    static func null() -> [UInt8] {
        var w = ByteWriter()
        w.int32LE(0)
        return w.bytes
    }

    /// A Point, or a PointZ (type 11) with `z` and an M of 0.
    static func point(_ x: Double, _ y: Double, z: Double? = nil) -> [UInt8] {
        var w = ByteWriter()
        w.int32LE(z == nil ? 1 : 11)
        w.double(x)
        w.double(y)
        if let z {
            w.double(z)
            w.double(0)
        }
        return w.bytes
    }

    static func multiPoint(_ points: [XY]) -> [UInt8] {
        var w = ByteWriter()
        w.int32LE(8)
        box(&w, points)
        w.int32LE(points.count)
        for p in points {
            w.double(p.0)
            w.double(p.1)
        }
        return w.bytes
    }

    /// A PolyLine (3) or Polygon (5) record; with `z` the Z variant (13, 15) with Z and M arrays.
    static func parts(type: Int, _ parts: [[XY]], z: Bool = false) -> [UInt8] {
        var w = ByteWriter()
        w.int32LE(z ? type + 10 : type)
        let all = parts.flatMap { $0 }
        box(&w, all)
        w.int32LE(parts.count)
        w.int32LE(all.count)
        var start = 0
        for p in parts {
            w.int32LE(start)
            start += p.count
        }
        for p in all {
            w.double(p.0)
            w.double(p.1)
        }
        if z {
            for _ in 0..<2 { w.double(0) }
            for i in all.indices { w.double(Double(i)) }
            for _ in 0..<2 { w.double(0) }
            for _ in all { w.double(0) }
        }
        return w.bytes
    }

    private static func box(_ w: inout ByteWriter, _ points: [XY]) {
        w.double(points.map(\.0).min() ?? 0)
        w.double(points.map(\.1).min() ?? 0)
        w.double(points.map(\.0).max() ?? 0)
        w.double(points.map(\.1).max() ?? 0)
    }
}

/// A DBF column for the fixture writer; `name` is raw bytes so tests can write GBK names.
struct FixtureField {
    var name: [UInt8]
    var type: Character
    var length: Int
    var decimals: Int = 0

    init(_ name: String, _ type: Character, _ length: Int, _ decimals: Int = 0) {
        self.name = Array(name.utf8)
        self.type = type
        self.length = length
        self.decimals = decimals
    }

    init(bytes: [UInt8], _ type: Character, _ length: Int) {
        self.name = bytes
        self.type = type
        self.length = length
    }
}

/// Writes a shapefile set (.shp, .shx, .dbf and optionally .cpg/.prj) from record contents and raw cells.
struct ShapefileFixture {
    var shapeType: Int
    var records: [[UInt8]]
    var fields: [FixtureField] = [FixtureField("id", "N", 5)]
    /// Raw cell bytes per record; nil fills `id` with the record number.
    var rows: [[[UInt8]]]?
    var deleted: Set<Int> = []
    var languageDriver: UInt8 = 0
    var cpg: String?
    var prj: String?

    func shp() -> [UInt8] { files().shp }
    func shx() -> [UInt8] { files().shx }

    func files() -> (shp: [UInt8], shx: [UInt8]) {
        var body = ByteWriter()
        var index = ByteWriter()
        var offset = 100
        for (i, content) in records.enumerated() {
            body.int32BE(i + 1)
            body.int32BE(content.count / 2)
            body.bytes += content
            index.int32BE(offset / 2)
            index.int32BE(content.count / 2)
            offset += 8 + content.count
        }
        return (
            header(length: 100 + body.bytes.count) + body.bytes, header(length: 100 + index.bytes.count) + index.bytes
        )
    }

    private func header(length: Int) -> [UInt8] {
        var w = ByteWriter()
        w.int32BE(9994)
        for _ in 0..<5 { w.int32BE(0) }
        w.int32BE(length / 2)
        w.int32LE(1000)
        w.int32LE(shapeType)
        for _ in 0..<8 { w.double(0) }
        return w.bytes
    }

    func dbf() -> [UInt8] {
        var w = ByteWriter()
        let recordLength = 1 + fields.reduce(0) { $0 + $1.length }
        w.bytes += [0x03, 125, 1, 1]
        w.int32LE(records.count)
        w.uint16LE(32 + 32 * fields.count + 1)
        w.uint16LE(recordLength)
        w.bytes += [UInt8](repeating: 0, count: 17)
        w.bytes.append(languageDriver)
        w.bytes += [0, 0]
        for f in fields {
            var name = Array(f.name.prefix(10))
            name += [UInt8](repeating: 0, count: 11 - name.count)
            w.bytes += name
            w.bytes.append(UInt8(f.type.asciiValue!))
            w.bytes += [0, 0, 0, 0]
            w.bytes += [UInt8(f.length), UInt8(f.decimals)]
            w.bytes += [UInt8](repeating: 0, count: 14)
        }
        w.bytes.append(0x0D)
        for r in records.indices {
            w.bytes.append(deleted.contains(r) ? UInt8(ascii: "*") : UInt8(ascii: " "))
            let cells = rows?[r] ?? [Array(String(r).utf8)]
            for (f, cell) in zip(fields, cells) {
                let cut = Array(cell.prefix(f.length))
                let pad = [UInt8](repeating: 0x20, count: f.length - cut.count)
                // Numbers are right-aligned, everything else left-aligned, as dBase writes them.
                w.bytes += (f.type == "N" || f.type == "F") ? pad + cut : cut + pad
            }
        }
        w.bytes.append(0x1A)
        return w.bytes
    }

    /// Writes `name.shp`, `.shx`, `.dbf` (and `.cpg`, `.prj` when set) into `dir`; returns the .shp path.
    @discardableResult
    func write(to dir: String, name: String = "layer") throws -> String {
        let base = (dir as NSString).appendingPathComponent(name)
        let (shp, shx) = files()
        try Data(shp).write(to: URL(fileURLWithPath: base + ".shp"))
        try Data(shx).write(to: URL(fileURLWithPath: base + ".shx"))
        try Data(dbf()).write(to: URL(fileURLWithPath: base + ".dbf"))
        if let cpg { try Data(cpg.utf8).write(to: URL(fileURLWithPath: base + ".cpg")) }
        if let prj { try Data(prj.utf8).write(to: URL(fileURLWithPath: base + ".prj")) }
        return base + ".shp"
    }
}

/// Cell bytes from text.
func cell(_ s: String) -> [UInt8] { Array(s.utf8) }
