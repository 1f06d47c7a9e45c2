import Foundation
import GridplanGeometry
import GridplanIO
import Testing

func readCSV(
    _ text: String, wkt: String? = nil, lon: String? = nil, lat: String? = nil, encoding: TextEncoding? = nil
) throws -> CSVLayer {
    try CSVReader.read(
        bytes: Array(text.utf8), name: "test.csv", wktColumn: wkt, lonColumn: lon, latColumn: lat, encoding: encoding)
}

/// The CSVError reading `bytes` raises, or nil (recording an issue for any other error).
func csvError(_ bytes: [UInt8], wkt: String? = nil, lon: String? = nil, lat: String? = nil) -> CSVError? {
    do {
        _ = try CSVReader.read(bytes: bytes, name: "test.csv", wktColumn: wkt, lonColumn: lon, latColumn: lat)
        return nil
    } catch let e as CSVError {
        return e
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

func csvError(_ text: String, wkt: String? = nil, lon: String? = nil, lat: String? = nil) -> CSVError? {
    csvError(Array(text.utf8), wkt: wkt, lon: lon, lat: lat)
}

@Suite struct CSVTests {
    @Test func quotedWKTWithCRLFAndEmbeddedQuotesAndNewlines() throws {
        let text =
            "id,名称,备注,WKT\r\n"
            + "1,东四,\"含,逗号\",\"POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0), (1 1, 1 2, 2 2, 1 1))\"\r\n"
            + "2,\"朝阳\"\"门\"\"\",\"两\r\n行\",\"MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))\"\r\n"
            + "\r\n"
            + "3,,,\r\n"
        let layer = try readCSV(text)
        #expect(layer.geometrySource == .wkt(column: "WKT"))
        #expect(layer.columnNames == ["id", "名称", "备注", "WKT"])
        #expect(layer.encoding == TextEncodingChoice(encoding: .utf8, basis: .detectedValidUTF8))
        let f = layer.collection.features
        #expect(f.count == 3)
        #expect(f[0].properties == ["id": .integer(1), "名称": .string("东四"), "备注": .string("含,逗号")])
        #expect(
            f[0].geometry
                == .polygon(
                    Polygon(rings: [
                        [Coordinate(0, 0), Coordinate(4, 0), Coordinate(4, 4), Coordinate(0, 4), Coordinate(0, 0)],
                        [Coordinate(1, 1), Coordinate(1, 2), Coordinate(2, 2), Coordinate(1, 1)],
                    ])))
        #expect(f[1].properties == ["id": .integer(2), "名称": .string("朝阳\"门\""), "备注": .string("两\r\n行")])
        #expect(
            f[1].geometry
                == .multiPolygon([
                    Polygon(rings: [[Coordinate(0, 0), Coordinate(1, 0), Coordinate(1, 1), Coordinate(0, 0)]]),
                    Polygon(rings: [[Coordinate(5, 5), Coordinate(6, 5), Coordinate(6, 6), Coordinate(5, 5)]]),
                ]))
        #expect(f[2].properties == ["id": .integer(3), "名称": .null, "备注": .null])
        #expect(f[2].geometry == nil)
    }

    @Test func lonLatColumnsWithChineseHeadersAndBOM() throws {
        let text =
            "\u{FEFF}编号,经度,纬度,户数,面积,代码\n" + "a1,116.4,39.9,420,1.25,0101\n"
            + "a2,-0.5,51.5e0,,x,12345678901234567890123\n"
        let layer = try readCSV(text)
        #expect(layer.encoding.basis == .byteOrderMark)
        #expect(layer.columnNames.first == "编号")
        #expect(layer.geometrySource == .lonLat(lon: "经度", lat: "纬度"))
        let f = layer.collection.features
        #expect(f.map(\.geometry) == [.point(Coordinate(116.4, 39.9)), .point(Coordinate(-0.5, 51.5))])
        #expect(
            f[0].properties == ["编号": .string("a1"), "户数": .integer(420), "面积": .number(1.25), "代码": .string("0101")])
        #expect(
            f[1].properties == [
                "编号": .string("a2"), "户数": .null, "面积": .string("x"), "代码": .string("12345678901234567890123"),
            ])
    }

    @Test func autoDetectsEachKnownPairAndHonoursGivenColumns() throws {
        for (x, y) in [("lon", "lat"), ("LNG", "Lat"), ("longitude", "latitude"), ("X", "Y")] {
            let layer = try readCSV("\(x),\(y)\n1,2\n")
            #expect(layer.geometrySource == .lonLat(lon: x, lat: y))
            #expect(layer.collection.features[0].geometry == .point(Coordinate(1, 2)))
        }
        let given = try readCSV("east,north,lon,lat\n10,20,1,2\n", lon: "east", lat: "north")
        #expect(given.collection.features[0].geometry == .point(Coordinate(10, 20)))
        #expect(given.collection.features[0].properties == ["lon": .integer(1), "lat": .integer(2)])
        let shape = try readCSV("shape,name\nPOINT (1 2),a\n", wkt: "SHAPE")
        #expect(shape.geometrySource == .wkt(column: "shape"))
        let none = try readCSV("name,value\na,1\n")
        #expect(none.geometrySource == .none)
        #expect(none.collection.features[0].geometry == nil)
    }

    @Test func everyWKTTypeEmptyAndZ() throws {
        let rows = [
            "POINT (1 2)", "POINT Z (1 2 3)", "POINTM(1 2 3)", "POINT ZM (1 2 3 4)", "point empty",
            "LINESTRING (0 0, 1 1)", "LINESTRING EMPTY",
            "POLYGON EMPTY", "MULTIPOINT ((1 2), (3 4))", "MULTIPOINT (1 2, 3 4)", "MULTIPOINT EMPTY",
            "MULTILINESTRING ((0 0, 1 1), (2 2, 3 3))", "MULTIPOLYGON EMPTY",
            "GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, 1 1), GEOMETRYCOLLECTION EMPTY)",
            "SRID=4490;POINT (116.4 39.9)", "  POINT(1e2 -2.5E-1)  ",
        ]
        let text = "geom\n" + rows.map { "\"\($0)\"" }.joined(separator: "\n")
        let layer = try readCSV(text)
        let c = Coordinate.init(_:_:)
        #expect(
            layer.collection.features.map(\.geometry) == [
                .point(c(1, 2)), .point(c(1, 2)), .point(c(1, 2)), .point(c(1, 2)), .geometryCollection([]),
                .lineString([c(0, 0), c(1, 1)]), .lineString([]),
                .polygon(Polygon(rings: [])), .multiPoint([c(1, 2), c(3, 4)]), .multiPoint([c(1, 2), c(3, 4)]),
                .multiPoint([]),
                .multiLineString([[c(0, 0), c(1, 1)], [c(2, 2), c(3, 3)]]), .multiPolygon([]),
                .geometryCollection([.point(c(1, 2)), .lineString([c(0, 0), c(1, 1)]), .geometryCollection([])]),
                .point(c(116.4, 39.9)), .point(c(100, -0.25)),
            ])
        #expect(layer.collection.droppedZCount == 3)
    }

    @Test func gbkBytesAreDetectedOrGiven() throws {
        // "名称,经度,纬度\n东四街道,116.4,39.9\n" in GBK.
        let bytes: [UInt8] =
            [0xC3, 0xFB, 0xB3, 0xC6] + Array(",".utf8) + [0xBE, 0xAD, 0xB6, 0xC8] + Array(",".utf8)
            + [0xCE, 0xB3, 0xB6, 0xC8] + Array("\r\n".utf8) + [0xB6, 0xAB, 0xCB, 0xC4, 0xBD, 0xD6, 0xB5, 0xC0]
            + Array(",116.4,39.9\r\n".utf8)
        let detected = try CSVReader.read(bytes: bytes, name: "gbk.csv")
        #expect(detected.encoding == TextEncodingChoice(encoding: .gb18030, basis: .detectedNotUTF8))
        #expect(detected.columnNames == ["名称", "经度", "纬度"])
        #expect(detected.collection.features[0].properties == ["名称": .string("东四街道")])
        #expect(detected.collection.features[0].geometry == .point(Coordinate(116.4, 39.9)))

        let given = try CSVReader.read(bytes: bytes, name: "gbk.csv", encoding: TextEncoding(label: "GBK"))
        #expect(given.encoding.basis == .parameter)
        #expect(given.collection.features == detected.collection.features)

        let dir = try makeTemporaryDirectory()
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/gbk.csv"))
        #expect(try CSVReader.read(path: dir + "/gbk.csv").collection.features == detected.collection.features)
    }

    @Test func utf16WithByteOrderMark() throws {
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in "名称,x,y\r\n东四,1,2\r\n".utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let layer = try CSVReader.read(bytes: bytes, name: "utf16.csv")
        #expect(layer.encoding == TextEncodingChoice(encoding: TextEncoding(label: "UTF-16LE"), basis: .byteOrderMark))
        #expect(layer.columnNames == ["名称", "x", "y"])
        #expect(
            layer.collection.features == [
                Feature(geometry: .point(Coordinate(1, 2)), properties: ["名称": .string("东四")])
            ])
    }

    @Test func badRowsNameFileLineAndColumn() throws {
        let multiLine = "id,note,wkt\n1,\"a\nb\",POINT (1 2)\n2,ok,\"POLYGON ((0 0, 1 0, 1 1))\"\n"
        let unclosed = csvError(multiLine)
        #expect(unclosed?.line == 4)
        #expect(unclosed?.column == "wkt")
        #expect(
            unclosed?.description
                == "test.csv:4: column 'wkt': bad WKT at character 10: exterior ring is not closed: first position (0.0, 0.0) differs from last (1.0, 1.0)"
        )

        #expect(csvError("id,wkt\n1,POINT (1 2)\n2,LINESTRING (0 0)\n")?.reason.contains("at least two") == true)
        #expect(csvError("id,wkt\n1,POINT (1 2\n")?.reason.contains("')' closing the POINT") == true)
        #expect(csvError("id,wkt\n1,CIRCLE (1 2)\n")?.reason.contains("unknown geometry type 'CIRCLE'") == true)
        #expect(csvError("id,wkt\n1,POINT (1 2) junk\n")?.reason.contains("unexpected text") == true)
        #expect(csvError("id,wkt\n1,POINT (nan 2)\n")?.reason.contains("expected a number") == true)
        let deep =
            String(repeating: "GEOMETRYCOLLECTION (", count: 200) + "POINT (1 2)" + String(repeating: ")", count: 200)
        #expect(csvError("wkt\n\"\(deep)\"\n")?.reason.contains("nested too deeply") == true)

        let count = csvError("a,b,c\n1,2,3\n4,5\n")
        #expect(count?.line == 3)
        #expect(count?.reason == "the row has 2 cells; the header has 3")
        #expect(csvError("a,b\n1,\"open\n2,3\n")?.reason == "a quoted cell opened on line 2 is never closed")
        #expect(csvError("a,b\n1,\"x\"y\n")?.reason.contains("closing quote") == true)

        let lon = csvError("lon,lat\n1,2\nabc,3\n")
        #expect(lon?.description == "test.csv:3: column 'lon': 'abc' is not a coordinate number")
        #expect(csvError("lon,lat\n1,\n")?.reason == "an empty cell is not a coordinate number")
        #expect(csvError("a,b\n1,2\n", wkt: "geometry")?.reason == "no column named 'geometry'; the columns are a, b")
        #expect(csvError("a,b\n1,2\n", lon: "a")?.reason.contains("both") == true)
        #expect(csvError([UInt8]())?.reason == "the file has no header row")
    }

    @Test func missingFileAndCROnlyLineEnds() throws {
        do {
            _ = try CSVReader.read(path: csvPathThatDoesNotExist())
            Issue.record("expected an error")
        } catch let e as CSVError {
            #expect(e.reason == "no such file")
        }
        let layer = try readCSV("x,y\r1,2\r3,4")
        #expect(layer.collection.features.map(\.geometry) == [.point(Coordinate(1, 2)), .point(Coordinate(3, 4))])
    }

    @Test func randomBytesNeverCrash() {
        var rng = SplitMix64(seed: 7)
        let alphabet = Array("\",\r\n ab1.-POINT()LINESTRING EMPTY".utf8) + [0xB6, 0xAB, 0xFF, 0xE4]
        for _ in 0..<300 {
            let bytes =
                Array("wkt,lon,lat\n".utf8)
                + (0..<Int(rng.next() % 80)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            do {
                _ = try CSVReader.read(bytes: bytes, name: "fuzz.csv")
            } catch is CSVError {
            } catch {
                Issue.record("unexpected error type: \(error)")
            }
        }
    }
}

func csvPathThatDoesNotExist() -> String { "/nonexistent-\(UUID().uuidString)/x.csv" }
