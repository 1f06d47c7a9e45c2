import Foundation
import GridplanGeometry
import GridplanIO
import Testing

typealias XY = (Double, Double)

/// A closed axis-aligned square ring, clockwise (a shapefile shell) or counter-clockwise (a hole).
func square(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, clockwise: Bool) -> [XY] {
    clockwise
        ? [(x0, y0), (x0, y1), (x1, y1), (x1, y0), (x0, y0)] : [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
}

func coords(_ ring: [XY]) -> [Coordinate] { ring.map { Coordinate($0.0, $0.1) } }

/// The ShapefileError a read raises, or nil (recording an issue for any other error).
func shapefileError(_ path: String, encoding: TextEncoding? = nil) -> ShapefileError? {
    do {
        _ = try ShapefileReader.read(path: path, encoding: encoding)
        return nil
    } catch let e as ShapefileError {
        return e
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

@Suite struct ShapefilePolygonTests {
    // Rings are listed out of order on purpose: holes before shells, shells after other shells' holes.
    let shell = square(0, 0, 10, 10, clockwise: true)
    let hole1 = square(2, 2, 4, 4, clockwise: false)
    let hole2 = square(6, 6, 8, 8, clockwise: false)
    let shellB = square(20, 0, 30, 10, clockwise: true)
    let holeB = square(22, 2, 24, 4, clockwise: false)
    let holeA = square(1, 1, 2, 2, clockwise: false)
    let lake = square(1, 1, 9, 9, clockwise: false)
    let island = square(3, 3, 7, 7, clockwise: true)
    let pond = square(4, 4, 6, 6, clockwise: false)
    let touching: [XY] = [(0, 0), (5, 1), (1, 5), (0, 0)]

    func fixture(z: Bool = false) -> ShapefileFixture {
        let unclosed = Array(shell.dropLast())
        return ShapefileFixture(
            shapeType: z ? 15 : 5,
            records: [
                ShapeContent.parts(type: 5, [hole1, shell, hole2], z: z),
                ShapeContent.parts(type: 5, [shell, holeB, shellB, holeA], z: z),
                ShapeContent.parts(type: 5, [shell, lake, island, pond], z: z),
                ShapeContent.parts(type: 5, [shell, touching], z: z),
                ShapeContent.null(),
                ShapeContent.parts(type: 5, [square(0, 0, 10, 10, clockwise: false), hole1], z: z),
                ShapeContent.parts(type: 5, [unclosed], z: z),
                ShapeContent.parts(type: 5, [], z: z),
            ])
    }

    func expected() -> [Geometry?] {
        [
            .polygon(Polygon(rings: [coords(shell), coords(hole1), coords(hole2)])),
            .multiPolygon([
                Polygon(rings: [coords(shell), coords(holeA)]), Polygon(rings: [coords(shellB), coords(holeB)]),
            ]),
            .multiPolygon([
                Polygon(rings: [coords(shell), coords(lake)]), Polygon(rings: [coords(island), coords(pond)]),
            ]),
            .polygon(Polygon(rings: [coords(shell), coords(touching)])),
            nil,
            .polygon(Polygon(rings: [coords(square(0, 0, 10, 10, clockwise: false)), coords(hole1)])),
            .polygon(Polygon(rings: [coords(shell)])),
            .multiPolygon([]),
        ]
    }

    @Test func assemblesHolesByContainmentNotOrder() throws {
        let dir = try makeTemporaryDirectory()
        let layer = try ShapefileReader.read(path: try fixture().write(to: dir))
        #expect(layer.shapeType == .polygon)
        #expect(layer.collection.features.map(\.geometry) == expected())
        #expect(layer.collection.features.map { $0.properties["id"] } == (0..<8).map { .integer(Int64($0)) })
        #expect(layer.closedRingCount == 1)
        // Only the all-counter-clockwise record's shell needed nesting to decide its role.
        #expect(layer.reclassifiedRingCount == 1)
        #expect(layer.collection.droppedZCount == 0)
        #expect(layer.collection.nullGeometryCount == 1)
    }

    @Test func polygonZDropsAndCountsZ() throws {
        let dir = try makeTemporaryDirectory()
        let layer = try ShapefileReader.read(path: try fixture(z: true).write(to: dir))
        #expect(layer.shapeType == .polygonZ)
        #expect(layer.collection.features.map(\.geometry) == expected())
        #expect(layer.collection.droppedZCount == 15 + 20 + 20 + 9 + 10 + 4)
    }

    @Test func orphanHoleBecomesShellAndReversedWindingIsRepaired() throws {
        // Shell written counter-clockwise around a clockwise "hole": nesting, not winding, is right.
        let outer = square(0, 0, 10, 10, clockwise: false)
        let inner = square(2, 2, 4, 4, clockwise: true)
        let apart = square(20, 20, 21, 21, clockwise: false)
        let f = ShapefileFixture(
            shapeType: 5,
            records: [
                ShapeContent.parts(type: 5, [inner, outer]),
                ShapeContent.parts(type: 5, [apart]),
            ])
        let layer = try ShapefileReader.read(path: try f.write(to: try makeTemporaryDirectory()))
        #expect(layer.collection.features[0].geometry == .polygon(Polygon(rings: [coords(outer), coords(inner)])))
        #expect(layer.collection.features[1].geometry == .polygon(Polygon(rings: [coords(apart)])))
        #expect(layer.reclassifiedRingCount == 3)
    }
}

@Suite struct ShapefileShapeTests {
    @Test func pointsWithNullsAndZ() throws {
        let dir = try makeTemporaryDirectory()
        let plain = ShapefileFixture(
            shapeType: 1,
            records: [ShapeContent.point(116.4, 39.9), ShapeContent.null(), ShapeContent.point(-1.5, 2.25)])
        let a = try ShapefileReader.read(path: try plain.write(to: dir, name: "p"))
        #expect(
            a.collection.features.map(\.geometry) == [
                .point(Coordinate(116.4, 39.9)), nil, .point(Coordinate(-1.5, 2.25)),
            ])
        #expect(a.collection.droppedZCount == 0)

        let z = ShapefileFixture(
            shapeType: 11, records: [ShapeContent.point(1, 2, z: 50), ShapeContent.point(3, 4, z: 60)])
        let b = try ShapefileReader.read(path: try z.write(to: dir, name: "pz"))
        #expect(b.shapeType == .pointZ)
        #expect(b.collection.features.map(\.geometry) == [.point(Coordinate(1, 2)), .point(Coordinate(3, 4))])
        #expect(b.collection.droppedZCount == 2)
    }

    @Test func multiPointsAndLines() throws {
        let dir = try makeTemporaryDirectory()
        let mp = ShapefileFixture(
            shapeType: 8, records: [ShapeContent.multiPoint([(1, 2), (3, 4)]), ShapeContent.multiPoint([])])
        let a = try ShapefileReader.read(path: try mp.write(to: dir, name: "mp"))
        #expect(
            a.collection.features.map(\.geometry) == [
                .multiPoint([Coordinate(1, 2), Coordinate(3, 4)]), .multiPoint([]),
            ])

        let lines = ShapefileFixture(
            shapeType: 3,
            records: [
                ShapeContent.parts(type: 3, [[(0, 0), (1, 1), (2, 0)]]),
                ShapeContent.parts(type: 3, [[(0, 0), (1, 1)], [(5, 5), (6, 6), (7, 5)]]),
                ShapeContent.null(),
            ])
        let b = try ShapefileReader.read(path: try lines.write(to: dir, name: "l"))
        #expect(
            b.collection.features.map(\.geometry) == [
                .lineString(coords([(0, 0), (1, 1), (2, 0)])),
                .multiLineString([coords([(0, 0), (1, 1)]), coords([(5, 5), (6, 6), (7, 5)])]),
                nil,
            ])

        let linesZ = ShapefileFixture(
            shapeType: 13, records: [ShapeContent.parts(type: 3, [[(0, 0), (1, 1), (2, 0)]], z: true)])
        let c = try ShapefileReader.read(path: try linesZ.write(to: dir, name: "lz"))
        #expect(c.collection.features[0].geometry == .lineString(coords([(0, 0), (1, 1), (2, 0)])))
        #expect(c.collection.droppedZCount == 3)
    }

    @Test func findsSiblingsWhateverTheCaseAndReadsPrj() throws {
        let dir = try makeTemporaryDirectory()
        let f = ShapefileFixture(
            shapeType: 1, records: [ShapeContent.point(1, 2)],
            prj: "GEOGCS[\"GCS_China_Geodetic_Coordinate_System_2000\"]\n")
        let lower = try f.write(to: dir, name: "Mixed")
        let base = (lower as NSString).deletingPathExtension
        for ext in ["shp", "shx", "dbf", "prj"] {
            try FileManager.default.moveItem(atPath: base + "." + ext, toPath: base + "." + ext.uppercased())
        }
        for path in [base + ".SHP", base, base + ".shp"] {
            let layer = try ShapefileReader.read(path: path)
            #expect(layer.collection.features.count == 1)
            #expect(layer.prjWKT == "GEOGCS[\"GCS_China_Geodetic_Coordinate_System_2000\"]")
        }
    }
}

@Suite struct DBFTests {
    @Test func fieldTypesPaddingBlanksAndDeletedRecords() throws {
        let fields = [
            FixtureField("name", "C", 10), FixtureField("pop", "N", 10), FixtureField("area", "N", 12, 3),
            FixtureField("ratio", "F", 8, 2), FixtureField("ok", "L", 1), FixtureField("date", "D", 8),
            FixtureField("memo", "M", 10), FixtureField("big", "N", 20), FixtureField("pop", "N", 4),
        ]
        let rows: [[[UInt8]]] = [
            [
                cell("东四"), cell("12345"), cell("1.250"), cell("-0.5"), cell("T"), cell("20240131"), cell("0000000001"),
                cell("12345678901234567890"), cell("7"),
            ],
            [
                cell(""), cell(""), cell("************"), cell(""), cell("?"), cell(""), cell(""), cell("-42"),
                cell("0"),
            ],
            [cell("gone"), cell("1"), cell("1"), cell("1"), cell("T"), cell(""), cell(""), cell("1"), cell("1")],
            [
                cell(" lead"), cell("-7"), cell("3"), cell("1e3"), cell("f"), cell("00000000"), cell(""), cell(""),
                cell(""),
            ],
        ]
        let f = ShapefileFixture(
            shapeType: 1, records: (0..<4).map { ShapeContent.point(Double($0), 0) }, fields: fields, rows: rows,
            deleted: [2]
        )
        let layer = try ShapefileReader.read(path: try f.write(to: try makeTemporaryDirectory()))
        #expect(layer.fields.map(\.name) == ["name", "pop", "area", "ratio", "ok", "date", "memo", "big", "pop_2"])
        #expect(
            layer.fields.map(\.type) == [
                .character, .numeric, .numeric, .float, .logical, .date, .memo, .numeric, .numeric,
            ])
        #expect(layer.fields[2].decimalCount == 3 && layer.fields[2].length == 12)
        #expect(layer.deletedRecordCount == 1)
        let props = layer.collection.features.map(\.properties)
        #expect(props.count == 3)
        #expect(
            props[0] == [
                "name": .string("东四"), "pop": .integer(12345), "area": .number(1.25), "ratio": .number(-0.5),
                "ok": .bool(true),
                "date": .string("2024-01-31"), "memo": .null, "big": .number(1.2345678901234567e19),
                "pop_2": .integer(7),
            ])
        #expect(
            props[1] == [
                "name": .null, "pop": .null, "area": .null, "ratio": .null, "ok": .null, "date": .null, "memo": .null,
                "big": .integer(-42), "pop_2": .integer(0),
            ])
        #expect(
            props[2] == [
                "name": .string(" lead"), "pop": .integer(-7), "area": .number(3), "ratio": .number(1000),
                "ok": .bool(false),
                "date": .null, "memo": .null, "big": .null, "pop_2": .null,
            ])
        #expect(layer.collection.features.map(\.geometry) == [0, 1, 3].map { .point(Coordinate(Double($0), 0)) })
        #expect(layer.encoding.basis == .detectedValidUTF8)
    }
}

@Suite struct ShapefileEncodingTests {
    static let gbkName: [UInt8] = [0xC3, 0xFB, 0xB3, 0xC6]  // 名称
    static let gbkValue: [UInt8] = [0xB6, 0xAB, 0xCB, 0xC4, 0xBD, 0xD6, 0xB5, 0xC0]  // 东四街道

    func gbkFixture(languageDriver: UInt8 = 0, cpg: String? = nil) -> ShapefileFixture {
        ShapefileFixture(
            shapeType: 1, records: [ShapeContent.point(1, 1)], fields: [FixtureField(bytes: Self.gbkName, "C", 20)],
            rows: [[Self.gbkValue]], languageDriver: languageDriver, cpg: cpg
        )
    }

    func read(_ f: ShapefileFixture, encoding: TextEncoding? = nil) throws -> ShapefileLayer {
        try ShapefileReader.read(path: try f.write(to: try makeTemporaryDirectory()), encoding: encoding)
    }

    @Test func decidesByCpgThenLanguageDriverThenBytes() throws {
        let byCpg = try read(gbkFixture(cpg: "GBK\r\n"))
        #expect(byCpg.encoding == TextEncodingChoice(encoding: .gb18030, basis: .codePageFile(label: "GBK")))
        #expect(byCpg.collection.features[0].properties == ["名称": .string("东四街道")])

        let byCodePage = try read(gbkFixture(cpg: "936"))
        #expect(byCodePage.encoding.basis == .codePageFile(label: "936"))
        #expect(byCodePage.encoding.encoding == .gb18030)

        let byDriver = try read(gbkFixture(languageDriver: 0x4D))
        #expect(byDriver.encoding == TextEncodingChoice(encoding: .gb18030, basis: .languageDriver(0x4D)))
        #expect(byDriver.collection.features[0].properties == ["名称": .string("东四街道")])

        let detected = try read(gbkFixture(languageDriver: 0x57))
        #expect(detected.encoding == TextEncodingChoice(encoding: .gb18030, basis: .detectedNotUTF8))
        #expect(detected.collection.features[0].properties == ["名称": .string("东四街道")])
        #expect(detected.encoding.description.contains("not valid UTF-8"))

        let unknownLabel = try read(gbkFixture(cpg: "no-such-encoding"))
        #expect(unknownLabel.encoding.basis == .detectedNotUTF8)
        #expect(unknownLabel.encoding.ignoredDeclaration?.contains("no-such-encoding") == true)
    }

    @Test func parameterOverridesTheCpg() throws {
        let layer = try read(gbkFixture(cpg: "UTF-8"), encoding: TextEncoding(label: "GB2312"))
        #expect(layer.encoding == TextEncodingChoice(encoding: .gb18030, basis: .parameter))
        #expect(layer.collection.features[0].properties == ["名称": .string("东四街道")])
        #expect(layer.replacementCount == 0)
    }

    @Test func aCharacterCutAtTheFieldWidthBecomesAReplacement() throws {
        // A writer that cut 东四 after three bytes: 东 plus half of 四.
        let f = ShapefileFixture(
            shapeType: 1, records: [ShapeContent.point(1, 1)], fields: [FixtureField("name", "C", 3)],
            rows: [[Array(Self.gbkValue.prefix(3))]], cpg: "GBK"
        )
        let layer = try read(f)
        #expect(layer.collection.features[0].properties["name"] == .string("东\u{FFFD}"))
        #expect(layer.replacementCount == 1)
    }

    @Test func labelsMapToIconvNames() {
        #expect(
            ["GBK", "gb2312", "CP936", "936", "ANSI 936", "GB18030", "euc-cn"].map { TextEncoding(label: $0) }
                .allSatisfy { $0 == .gb18030 })
        #expect(["UTF-8", "utf8", "65001", " UTF-8\n"].map { TextEncoding(label: $0) }.allSatisfy { $0 == .utf8 })
        #expect(TextEncoding(label: "1252").name == "CP1252")
        #expect(TextEncoding(label: "big5").name == "BIG5")
    }
}

@Suite struct ShapefileMalformedTests {
    let fixture = ShapefileFixture(
        shapeType: 5,
        records: [
            ShapeContent.parts(type: 5, [square(0, 0, 10, 10, clockwise: true), square(2, 2, 4, 4, clockwise: false)]),
            ShapeContent.null(),
            ShapeContent.parts(type: 5, [square(20, 0, 30, 10, clockwise: true)]),
        ])

    func write(shp: [UInt8]? = nil, shx: [UInt8]?? = nil, dbf: [UInt8]?? = nil) throws -> String {
        let dir = try makeTemporaryDirectory()
        let path = try fixture.write(to: dir)
        let base = (path as NSString).deletingPathExtension
        if let shp { try Data(shp).write(to: URL(fileURLWithPath: base + ".shp")) }
        if let shx {
            if let shx {
                try Data(shx).write(to: URL(fileURLWithPath: base + ".shx"))
            } else {
                try FileManager.default.removeItem(atPath: base + ".shx")
            }
        }
        if let dbf {
            if let dbf {
                try Data(dbf).write(to: URL(fileURLWithPath: base + ".dbf"))
            } else {
                try FileManager.default.removeItem(atPath: base + ".dbf")
            }
        }
        return path
    }

    @Test func fixtureItselfReads() throws {
        let layer = try ShapefileReader.read(path: try write())
        #expect(layer.collection.features.count == 3)
    }

    @Test func missingFilesAreNamed() throws {
        let noDBF = shapefileError(try write(dbf: .some(nil)))
        #expect(noDBF?.reason.contains("missing .dbf") == true)
        #expect(noDBF?.file.hasSuffix("layer.dbf") == true)
        let noSHP = shapefileError(try makeTemporaryDirectory() + "/absent.shp")
        #expect(noSHP?.reason == "no such file")
        // Without an index the records are walked in sequence.
        #expect(try ShapefileReader.read(path: try write(shx: .some(nil))).collection.features.count == 3)
    }

    @Test func mismatchedRecordCounts() throws {
        var fewer = fixture
        fewer.records.removeLast()
        let e = shapefileError(try write(dbf: fewer.dbf()))
        #expect(e?.reason == "mismatched record counts: the .shx indexes 3 records, the .dbf has 2")
        let e2 = shapefileError(try write(shx: .some(nil), dbf: fewer.dbf()))
        #expect(e2?.reason == "mismatched record counts: the .shp holds 3 records, the .dbf has 2")
    }

    @Test func everyTruncationIsAnError() throws {
        let shp = fixture.shp()
        let dir = try makeTemporaryDirectory()
        let path = try fixture.write(to: dir)
        let base = (path as NSString).deletingPathExtension
        try FileManager.default.removeItem(atPath: base + ".shx")
        for cut in 0..<shp.count {
            var bytes = Array(shp.prefix(cut))
            // Also make the header agree with the cut, so the record walk itself must notice.
            if cut >= 28 {
                let words = UInt32(cut / 2)
                bytes.replaceSubrange(
                    24..<28,
                    with: [
                        UInt8(words >> 24), UInt8(words >> 16 & 0xFF), UInt8(words >> 8 & 0xFF), UInt8(words & 0xFF),
                    ])
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let e = shapefileError(path)
            #expect(e != nil, "cut at \(cut)")
        }
        let dbf = fixture.dbf()
        try Data(shp).write(to: URL(fileURLWithPath: path))
        for cut in stride(from: 0, to: dbf.count - 1, by: 1) {
            try Data(dbf.prefix(cut)).write(to: URL(fileURLWithPath: base + ".dbf"))
            #expect(shapefileError(path) != nil, "dbf cut at \(cut)")
        }
    }

    @Test func specificMalformations() throws {
        var shp = fixture.shp()
        shp[32] = 7
        #expect(shapefileError(try write(shp: shp))?.reason == "bad shape type 7 in the header")

        shp = fixture.shp()
        shp[2] = 0
        #expect(shapefileError(try write(shp: shp))?.reason.hasPrefix("not a shapefile") == true)

        #expect(
            shapefileError(try write(shp: Array("hello, this is not a shapefile at all".utf8)))?.reason.hasPrefix(
                "truncated") == true)

        // The first record's shape type (at byte 108) changed to Point inside a Polygon file.
        shp = fixture.shp()
        shp[108] = 1
        let wrongType = shapefileError(try write(shp: shp))
        #expect(wrongType?.recordIndex == 0)
        #expect(wrongType?.reason == "shape type Point in a file of Polygon shapes")

        // The second part index of record 0 (after type, box, counts) points past the points.
        shp = fixture.shp()
        shp[108 + 44] = 99
        #expect(shapefileError(try write(shp: shp))?.reason.contains("bad point indices") == true)

        // The point count of record 0 made huge.
        shp = fixture.shp()
        shp[108 + 36 + 3] = 0x7F
        #expect(shapefileError(try write(shp: shp))?.reason.contains("do not hold") == true)

        // A numeric cell with text in it names the record and the field.
        var f = fixture
        f.rows = [[cell("1")], [cell("12ab")], [cell("3")]]
        let bad = shapefileError(try f.write(to: try makeTemporaryDirectory()))
        #expect(
            bad?.description.hasSuffix("layer.dbf: record 1: field 'id' holds '12ab', which is not a number") == true)

        // An unsupported DBF field type.
        f = fixture
        f.fields = [FixtureField("n", "I", 4)]
        #expect(shapefileError(try f.write(to: try makeTemporaryDirectory()))?.reason.contains("type 'I'") == true)
    }

    @Test func randomCorruptionNeverCrashes() throws {
        var rng = SplitMix64(seed: 42)
        let originals = [fixture.shp(), fixture.shx(), fixture.dbf()]
        let dir = try makeTemporaryDirectory()
        let path = try fixture.write(to: dir)
        let base = (path as NSString).deletingPathExtension
        let exts = ["shp", "shx", "dbf"]
        var errors = 0
        for _ in 0..<400 {
            let which = Int(rng.next() % 3)
            var bytes = originals[which]
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            try Data(bytes).write(to: URL(fileURLWithPath: base + "." + exts[which]))
            do {
                _ = try ShapefileReader.read(path: path)
            } catch is ShapefileError {
                errors += 1
            }
            try Data(originals[which]).write(to: URL(fileURLWithPath: base + "." + exts[which]))
        }
        #expect(errors > 0)
    }
}

/// A small deterministic generator, so corruption tests are repeatable.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
