import Foundation
import GridplanCRS
import GridplanGeometry
import Testing

/// Runs PROJ's own `cs2cs` on one point (input and output in the CRSs' authority axis order).
func cs2cs(_ args: [String], _ input: String) throws -> [Double] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/cs2cs")
    p.arguments = ["-f", "%.6f"] + args
    let inPipe = Pipe(), outPipe = Pipe()
    p.standardInput = inPipe
    p.standardOutput = outPipe
    try p.run()
    inPipe.fileHandleForWriting.write(Data((input + "\n").utf8))
    try inPipe.fileHandleForWriting.close()
    let out = String(decoding: outPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return out.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Double($0) }
}

@Suite struct ProjectionTests {
    /// Points across China, each in its own 3-degree Gauss-Krüger zone.
    static let places: [(name: String, lon: Double, lat: Double)] = [
        ("Urumqi", 87.617, 43.826), ("Chengdu", 104.066, 30.572), ("Beijing", 116.397, 39.909),
        ("Shanghai", 121.473, 31.230), ("Harbin", 126.535, 45.803), ("Sanya", 109.512, 18.252),
    ]

    @Test(arguments: places)
    func gaussKrugerMatchesCS2CS(place: (name: String, lon: Double, lat: Double)) throws {
        let crs = CRS.metricCRS(around: Coordinate(place.lon, place.lat))
        let ours = try Transformer(from: .cgcs2000, to: crs).transform(Coordinate(place.lon, place.lat))
        // EPSG:4490 is lat, lon and the Gauss-Krüger CRSs are northing, easting in authority order.
        let theirs = try cs2cs(["EPSG:4490", crs.identifier], "\(place.lat) \(place.lon)")
        #expect(theirs.count >= 2)
        #expect(abs(ours.x - theirs[1]) < 0.001, "\(place.name) easting")
        #expect(abs(ours.y - theirs[0]) < 0.001, "\(place.name) northing")
        // The 500 km false easting puts every point within ±1.5° of its central meridian near 500,000 m.
        #expect(abs(ours.x - 500_000) < 200_000)
        // And back to lon/lat within 1e-9 degrees.
        let back = try Transformer(from: crs, to: .cgcs2000).transform(ours)
        #expect(abs(back.x - place.lon) < 1e-9 && abs(back.y - place.lat) < 1e-9)
    }

    @Test func aBatchOfGeometriesIsTransformedAsEachAlone() throws {
        let t = try Transformer(from: .wgs84, to: .epsg(4548))
        let ring = [
            Coordinate(116.3, 39.9), Coordinate(116.4, 39.9), Coordinate(116.4, 40), Coordinate(116.3, 39.9),
        ]
        let hole = [
            Coordinate(116.35, 39.92), Coordinate(116.36, 39.93), Coordinate(116.37, 39.92),
            Coordinate(116.35, 39.92),
        ]
        let geometries: [Geometry] = [
            .point(Coordinate(116.39, 39.91)), .polygon(Polygon(rings: [ring, hole])),
            .multiPolygon([Polygon(exterior: ring), Polygon(rings: [ring, hole])]), .geometryCollection([]),
            .multiLineString([ring, hole]), .geometryCollection([.point(Coordinate(117, 40)), .lineString(hole)]),
        ]
        #expect(try t.transform(geometries) == (try geometries.map { try t.transform($0) }))
        let failing = try Transformer(from: .wgs84, to: .epsg(4548))
        #expect(throws: CRSError.self) {
            try failing.transform([.point(Coordinate(116, 39)), .point(Coordinate(116, 95))])
        }
    }

    @Test func zoneNumberInEastingCRSMatchesCS2CS() throws {
        let ours = try Transformer(from: .wgs84, to: .epsg(4527)).transform(Coordinate(116.4, 39.9))
        let theirs = try cs2cs(["EPSG:4326", "EPSG:4527"], "39.9 116.4")
        #expect(abs(ours.x - theirs[1]) < 0.001)
        #expect(abs(ours.y - theirs[0]) < 0.001)
        #expect(ours.x > 39_000_000 && ours.x < 40_000_000)  // zone 39 prefixed to the easting
    }

    @Test func projStringForALocalCityGrid() throws {
        // A Suzhou-style local grid with no EPSG code.
        let local = "+proj=tmerc +lat_0=0 +lon_0=120.583333 +k=1 +x_0=50000 +y_0=-3000000 +ellps=GRS80 +units=m"
        let crs = try CRS(parsing: local)
        let ours = try Transformer(from: .definition("+proj=longlat +ellps=GRS80"), to: crs).transform(
            Coordinate(120.62, 31.30))
        let theirs = try cs2cs(
            ["+proj=longlat", "+ellps=GRS80", "+to"] + local.split(separator: " ").map(String.init), "120.62 31.30")
        #expect(abs(ours.x - theirs[0]) < 0.001)
        #expect(abs(ours.y - theirs[1]) < 0.001)
        #expect(try crs.describe().isProjected)
    }

    @Test func geographicAxesStayLonLat() throws {
        let t = try Transformer(from: .cgcs2000, to: .wgs84)
        let c = try t.transform(Coordinate(116.4, 39.9))
        #expect(abs(c.x - 116.4) < 1e-6 && abs(c.y - 39.9) < 1e-6)
        #expect(try Transformer(from: .wgs84, to: .wgs84).isIdentity)
    }

    @Test func batchTransformOfGeometry() throws {
        let t = try Transformer(from: .wgs84, to: .epsg(4548))
        let square = Geometry.polygon(
            Polygon(exterior: [
                Coordinate(116.40, 39.90), Coordinate(116.41, 39.90), Coordinate(116.41, 39.91),
                Coordinate(116.40, 39.91), Coordinate(116.40, 39.90),
            ]))
        let projected = try t.transform(square)
        let ctx = GEOSContext()
        // 0.01° × 0.01° at 39.9°N: about 855 m × 1110 m.
        let area = try ctx.geometry(projected).area
        #expect(area > 945_000 && area < 955_000)
        #expect(projected.coordinateCount == 5)
    }

    @Test func exactInverseReturnsCarriedCoordinatesBitForBit() throws {
        // GCJ-02 → metres and back goes through an iterative inverse: the plain round trip misses
        // the start by a few bits, the exact inverse does not.
        let ring = (0...40).map { k -> Coordinate in
            let a = Double(k % 40) / 40 * 2 * .pi
            return Coordinate(116.4 + 0.003 * cos(a) + 1e-10 * Double(k % 40), 39.9 + 0.002 * sin(a))
        }
        let source = Geometry.polygon(Polygon(exterior: ring))
        let forward = try Transformer(from: .gcj02, to: .epsg(4548))
        let metric = try forward.transform(source)
        #expect(try Transformer(from: .epsg(4548), to: .gcj02).transform(metric) != source)
        let exact = try ExactInverse(of: forward, sources: [source])
        #expect(try exact.transform(metric) == source)
        // A coordinate the transformer never carried takes the inverse transform.
        guard case .polygon(let p) = metric else { return }
        let fresh = Coordinate((p.exterior[0].x + p.exterior[1].x) / 2, (p.exterior[0].y + p.exterior[1].y) / 2)
        let line = Geometry.lineString([p.exterior[0], fresh])
        #expect(
            try exact.transform(line)
                == .lineString([ring[0], try Transformer(from: .epsg(4548), to: .gcj02).transform(fresh)]))
    }

    @Test func failedPointIsNamed() throws {
        let t = try Transformer(from: .wgs84, to: .epsg(4548))
        #expect(throws: CRSError.self) { try t.transform([Coordinate(116, 39), Coordinate(116, 95)]) }
        do {
            _ = try t.transform([Coordinate(116, 39), Coordinate(116, 95)])
        } catch let CRSError.transformFailed(index, _, _) {
            #expect(index == 1)
        }
    }
}

@Suite struct CRSParsingTests {
    @Test func acceptedSpellings() throws {
        #expect(try CRS(parsing: "EPSG:4490") == .cgcs2000)
        #expect(try CRS(parsing: "epsg:4326") == .wgs84)
        #expect(try CRS(parsing: "4548") == .epsg(4548))
        #expect(try CRS(parsing: "urn:ogc:def:crs:EPSG::4490") == .cgcs2000)
        #expect(try CRS(parsing: "urn:ogc:def:crs:OGC:1.3:CRS84") == .wgs84)
        #expect(try CRS(parsing: "GCJ-02") == .gcj02)
        #expect(try CRS(parsing: "bd09") == .bd09)
        #expect(try CRS(parsing: "cgcs2000") == .cgcs2000)
        #expect(try CRS(parsing: "EPSG:4548").describe().isProjected)
        #expect(try CRS.cgcs2000.describe().name == "China Geodetic Coordinate System 2000")
    }

    @Test func unknownCRSIsRefused() {
        #expect(throws: CRSError.self) { try CRS(parsing: "EPSG:999999") }
        #expect(throws: CRSError.self) { try CRS(parsing: "not a crs") }
        #expect(throws: CRSError.self) { try CRS(parsing: "") }
        // An operation is not a CRS.
        #expect(throws: CRSError.self) { try CRS(parsing: "+proj=pipeline +step +proj=axisswap +order=2,1") }
    }

    @Test func metricCRSChoice() {
        #expect(CRS.metricCRS(around: Coordinate(116.4, 39.9)) == .epsg(4548))  // zone 39, CM 117°E
        #expect(CRS.metricCRS(around: Coordinate(121.47, 31.23)) == .epsg(4549))  // zone 40, CM 120°E
        #expect(CRS.metricCRS(around: Coordinate(87.6, 43.8)) == .epsg(4538))  // zone 29, CM 87°E
        #expect(CRS.metricCRS(around: Coordinate(-0.12, 51.5)) == .epsg(32630))  // London, UTM 30N
        #expect(CRS.metricCRS(around: Coordinate(151.2, -33.9)) == .epsg(32756))  // Sydney, UTM 56S
    }

    @Test func implausibleCoordinatesAreExplained() {
        let swapped = Envelope(minX: 39.8, minY: 116.3, maxX: 39.9, maxY: 116.4)
        #expect(CRS.wgs84.implausibility(of: swapped, isGeographic: true)?.contains("swapped") == true)
        let projected = Envelope(minX: 440_000, minY: 4_400_000, maxX: 450_000, maxY: 4_410_000)
        #expect(CRS.wgs84.implausibility(of: projected, isGeographic: true)?.contains("projected") == true)
        #expect(
            CRS.wgs84.implausibility(of: Envelope(minX: 116, minY: 39, maxX: 117, maxY: 40), isGeographic: true) == nil)
        #expect(CRS.epsg(4548).implausibility(of: projected, isGeographic: false) == nil)
    }
}

@Suite struct ChinaOffsetTests {
    /// Published vectors (googollee/eviltransform tests; wandergis/coordtransform README).
    static let wgsToGCJ: [(Coordinate, Coordinate)] = [
        (Coordinate(121.5272106, 31.1774276), Coordinate(121.531541859215, 31.17530398364597)),
        (Coordinate(113.912316, 22.543847), Coordinate(113.9171764808363, 22.540796131694766)),
        (Coordinate(116.377817, 39.911954), Coordinate(116.38404722455657, 39.91334545536069)),
        (Coordinate(116.404, 39.915), Coordinate(116.41024449916938, 39.91640428150164)),
    ]

    @Test func wgs84ToGCJ02MatchesPublishedVectors() {
        for (wgs, gcj) in Self.wgsToGCJ {
            let ours = ChinaOffsets.gcj02(fromWGS84: wgs)
            #expect(abs(ours.x - gcj.x) < 1e-9 && abs(ours.y - gcj.y) < 1e-9, "\(wgs)")
        }
        // Outside China nothing moves.
        let sf = Coordinate(-122.4194, 37.7749)
        #expect(ChinaOffsets.gcj02(fromWGS84: sf) == sf)
        #expect(ChinaOffsets.wgs84(fromGCJ02: sf) == sf)
    }

    @Test func bd09MatchesPublishedVectors() {
        // wandergis/coordtransform README: gcj02tobd09 and bd09togcj02 of (116.404, 39.915).
        let bd = ChinaOffsets.bd09(fromGCJ02: Coordinate(116.404, 39.915))
        #expect(abs(bd.x - 116.41036949371029) < 1e-9 && abs(bd.y - 39.92133699351021) < 1e-9)
        // wyxloading/coordtransform-rs: WGS84 → BD-09.
        let bd2 = ChinaOffsets.bd09(fromWGS84: Coordinate(116.404, 39.915))
        #expect(abs(bd2.x - 116.41662724378733) < 1e-9 && abs(bd2.y - 39.922699552216216) < 1e-9)
        // hujiulong/gcoord china-cities fixture (7 decimals).
        let gz = ChinaOffsets.bd09(fromGCJ02: Coordinate(113.2643859, 23.1291146))
        #expect(abs(gz.x - 113.2708188) < 1e-6 && abs(gz.y - 23.135343) < 1e-6)
        // The closed-form inverse published there is approximate; ours iterates to the exact inverse.
        let back = ChinaOffsets.gcj02(fromBD09: Coordinate(116.404, 39.915))
        #expect(abs(back.x - 116.39762729119315) < 2e-6 && abs(back.y - 39.90865673957631) < 2e-6)
        let again = ChinaOffsets.bd09(fromGCJ02: back)
        #expect(abs(again.x - 116.404) < 1e-10 && abs(again.y - 39.915) < 1e-10)
    }

    /// Ground distance in metres between two nearby lon/lat points.
    static func metres(_ a: Coordinate, _ b: Coordinate) -> Double {
        let dy = (a.y - b.y) * 111_320
        let dx = (a.x - b.x) * 111_320 * cos(a.y * .pi / 180)
        return (dx * dx + dy * dy).squareRoot()
    }

    @Test func roundTripsReturnWithinOneCentimetre() {
        var worst = 0.0
        for i in 0..<40 {
            for j in 0..<30 {
                let p = Coordinate(74 + Double(i) * 1.5, 4 + Double(j) * 1.7)
                worst = max(worst, Self.metres(ChinaOffsets.wgs84(fromGCJ02: ChinaOffsets.gcj02(fromWGS84: p)), p))
                worst = max(worst, Self.metres(ChinaOffsets.wgs84(fromBD09: ChinaOffsets.bd09(fromWGS84: p)), p))
            }
        }
        #expect(worst < 0.01)
    }

    @Test func transformerGoesThroughGCJ02() throws {
        // An AMap export (GCJ-02) to a Gauss-Krüger zone equals GCJ-02 → WGS84 → PROJ.
        let gcj = Coordinate(116.41024449916938, 39.91640428150164)
        let direct = try Transformer(from: .gcj02, to: .epsg(4548)).transform(gcj)
        let viaWGS = try Transformer(from: .wgs84, to: .epsg(4548)).transform(Coordinate(116.404, 39.915))
        #expect(direct.distance(to: viaWGS) < 0.01)
        let toBaidu = try Transformer(from: .gcj02, to: .bd09).transform(Coordinate(116.404, 39.915))
        #expect(abs(toBaidu.x - 116.41036949371029) < 1e-8 && abs(toBaidu.y - 39.92133699351021) < 1e-8)
        // Central Beijing's GCJ-02 offset is several hundred metres (≈ 556 m per shared/domain.md).
        let offset = Self.metres(
            ChinaOffsets.gcj02(fromWGS84: Coordinate(116.397, 39.909)), Coordinate(116.397, 39.909))
        #expect(offset > 400 && offset < 700)
    }
}
