import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanAnalysis
import GridplanStore
import Testing

@testable import GridplanInputs

/// Households and events are read batch by batch (``PointStream``), never held as features: the
/// points, weights, dates and errors must be what a full read of the layer gives.
@Suite struct PointStreamTests {
    let metric = CRS.metricCRS(around: Coordinate(116.4, 39.9))

    func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gridplan-points-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    func write(_ features: [Feature], to path: String) throws {
        try GeoJSONWriter.write(features, to: path)
    }

    /// An irregular scatter (no grid, no repeated spacing) around Dongcheng, at the 7 decimals
    /// the GeoJSON writer keeps.
    func scatter(_ n: Int) -> [Coordinate] {
        func kept(_ v: Double) -> Double { (v * 1e7).rounded() / 1e7 }
        return (0..<n).map { i in
            let a = Double(i) * 2.399963, r = 0.004 * sqrt(Double(i) / Double(n))
            return Coordinate(kept(116.40 + r * cos(a) + 0.0003 * sin(Double(i * i % 97))), kept(39.90 + r * sin(a)))
        }
    }

    /// Points with a detected households field (户数), one without it, a multipoint, a feature
    /// without geometry; 5,000 of them, so they span two batches.
    func buildings() -> (features: [Feature], weights: [Double], points: [Coordinate]) {
        var features: [Feature] = []
        var weights: [Double] = []
        var points: [Coordinate] = []
        for (i, c) in scatter(5000).enumerated() {
            switch i % 7 {
            case 3:
                // A multipoint's households are shared among its points.
                let other = Coordinate(((c.x + 0.0001) * 1e7).rounded() / 1e7, ((c.y - 0.00007) * 1e7).rounded() / 1e7)
                features.append(Feature(geometry: .multiPoint([c, other]), properties: ["户数": .integer(9)]))
                weights += [4.5, 4.5]
                points += [c, other]
            case 5:
                features.append(Feature(geometry: nil, properties: ["户数": .integer(100)]))
            case 6:
                // No households value: it counts 0 where the layer has the field.
                features.append(Feature(geometry: .point(c), properties: ["楼号": .integer(Int64(i))]))
                weights.append(0)
                points.append(c)
            default:
                features.append(Feature(geometry: .point(c), properties: ["户数": .integer(Int64(i % 40 + 1))]))
                weights.append(Double(i % 40 + 1))
                points.append(c)
            }
        }
        return (features, weights, points)
    }

    @Test func aFileDeclaredInGCJ02GivesTheFullReadsWeightsAndPoints() throws {
        let dir = try scratch()
        let (features, weights, points) = buildings()
        let path = "\(dir)/buildings.geojson"
        try write(features, to: path)
        let inputs = try InputSet(declaredCRS: nil, store: nil)
        let streamed = try inputs.households("\(path)@gcj02", weightField: nil, in: metric)
        let expected = try Transformer(from: .gcj02, to: metric).transform(points)
        #expect(streamed.map(\.1) == weights)
        #expect(streamed.map(\.0) == expected)
        #expect(
            inputs.readings == [
                LayerReading(role: "households", source: path, crs: "gcj02", crsSource: "\(path)@gcj02")
            ])
        // An explicit field; one the layer lacks is named with the ones it has.
        let counted = try inputs.weightedPoints(path, role: "households", weightField: "楼号", in: metric)
        // 楼号, the building's number, as the weight: 0 where a feature lacks it.
        var numbered = 0.0
        for i in features.indices where i % 7 == 6 { numbered += Double(i) }
        let countedTotal = counted.map(\.1).reduce(0, +)
        #expect(countedTotal == numbered)
        #expect(throws: InputError.self) { try inputs.households(path, weightField: "floors", in: metric) }
        do {
            _ = try inputs.households(path, weightField: "floors", in: metric)
        } catch let e as InputError {
            #expect(e.message == "\(path): no property 'floors' (has: 户数, 楼号)")
        }
    }

    @Test func aStoreLayerWithoutHouseholdsCountsOnePerPoint() throws {
        let dir = try scratch()
        // A store's buildings layer holds points only: a multipoint's first point stands in for it.
        let features = buildings().features.map { f in
            guard case .multiPoint(let cs)? = f.geometry else { return f }
            return Feature(geometry: .point(cs[0]), properties: f.properties)
        }
        let points: [Coordinate] = features.compactMap { if case .point(let c)? = $0.geometry { c } else { nil } }
        let unweighted = features.map { Feature(geometry: $0.geometry, properties: ["楼号": .string("x")]) }
        let weighted = "\(dir)/weighted.geojson", plain = "\(dir)/plain.geojson"
        try write(features, to: weighted)
        try write(unweighted, to: plain)
        let store = try Stores.create("\(dir)/store.gpkg", crs: .wgs84)
        let inputs = try InputSet(declaredCRS: nil, store: store)
        let moved = try Transformer(from: .wgs84, to: metric).transform(points)
        // The store's standard households field, mapped from 户数 when imported.
        _ = try store.importLayer(
            try SourceLayer.read(path: weighted), into: .buildings, fields: [:], replace: true, parameters: [:])
        let fromStore = try inputs.households("buildings", weightField: nil, in: metric)
        let fromFile = try inputs.households(weighted, weightField: nil, in: metric)
        #expect(fromStore.map(\.1) == fromFile.map(\.1))
        #expect(fromStore.map(\.0) == moved)
        // Without one, 1 per point.
        _ = try store.importLayer(
            try SourceLayer.read(path: plain), into: .buildings, fields: [:], replace: true, parameters: [:])
        let ones = try inputs.households("buildings", weightField: nil, in: metric)
        #expect(ones.map(\.0) == moved)
        #expect(ones.map(\.1).reduce(0, +) == Double(features.filter { $0.geometry != nil }.count))
        #expect(inputs.readings.last?.source == "\(dir)/store.gpkg:buildings")
        #expect(inputs.readings.last?.crsSource == "the store")
        // The fields are picked by the first feature's names, and the layer read again when the
        // names of all its features pick others: here the first lacks households, later ones have it.
        let late = "\(dir)/late.geojson"
        var lateFeatures = features
        lateFeatures[0].properties = ["楼号": .integer(0)]
        try write(lateFeatures, to: late)
        _ = try store.importLayer(
            try SourceLayer.read(path: late), into: .buildings, fields: [:], replace: true, parameters: [:])
        let lateWeights = try inputs.households("buildings", weightField: nil, in: metric).map(\.1)
        #expect(lateWeights == (try inputs.households(late, weightField: nil, in: metric)).map(\.1))
        #expect(lateWeights.reduce(0, +) > 0)
        #expect(lateWeights[0] == 0)
    }

    @Test func streetsStreamWithTheirFieldsAndTheSampleOfAFullRead() throws {
        let dir = try scratch()
        // Curved streets of 3 to 9 vertices, some unnamed, graded in Chinese, one without geometry.
        var features: [Feature] = []
        for i in 0..<5000 {
            let c = scatter(5000)[i]
            let n = 3 + i % 7
            let line = (0..<n).map { k in
                Coordinate(
                    ((c.x + 0.0002 * Double(k)) * 1e7).rounded() / 1e7,
                    ((c.y + 0.00005 * sin(Double(k + i))) * 1e7).rounded() / 1e7)
            }
            var p: JSONObject = ["id": .string("s\(i)"), "fclass": .string(["arterial", "branch"][i % 2])]
            if i % 5 != 0 { p["道路名称"] = .string("路\(i % 37)") }
            if i % 3 == 0 { p["道路等级"] = .string(["一级", "二级", "三级"][i % 3 == 0 ? (i / 3) % 3 : 0]) }
            features.append(Feature(geometry: i == 17 ? nil : .lineString(line), properties: p))
        }
        let path = "\(dir)/streets.geojson"
        try write(features, to: path)
        let inputs = try InputSet(declaredCRS: nil, store: nil)
        let whole = try LayerInput.read(path: path, declaredCRS: nil)
        let expected = try StreetReading.features(of: whole, in: metric, nameField: nil, gradeField: nil)
        let (streamed, fields) = try inputs.streets(path, in: metric)
        #expect(fields == StreetReading.Fields(name: "道路名称", streetClass: "fclass", grade: "道路等级"))
        #expect(streamed.count == 4999)
        #expect(streamed.map(\.id) == expected.map(\.id))
        #expect(streamed.map(\.name) == expected.map(\.name))
        #expect(streamed.map(\.streetClass) == expected.map(\.streetClass))
        #expect(streamed.map(\.grade) == expected.map(\.grade))
        #expect(streamed.contains { $0.grade == 2 })
        #expect(streamed.map(\.geometry) == expected.map(\.geometry))
        #expect(streamed.map(\.sourceIndex) == expected.map(\.sourceIndex))
        // The fit sample is the full read's, point for point.
        let sample = LayerFit.sample(streamed.lazy.map { ($0.sourceIndex, $0.geometry) }, featureCount: 5000)
        #expect(sample == (try LayerFit.sample(whole, in: metric)))
        // A field the layer lacks is named.
        #expect {
            try inputs.streets(path, in: metric, classField: "等级")
        } throws: {
            ($0 as? InputError)?.message == "\(path): no property '等级' for --class-field (has: id, fclass, 道路等级, 道路名称)"
        }
        #expect {
            try inputs.streets(path, in: metric, gradeField: "road_grade")
        } throws: { "\($0)".contains("no property 'road_grade' for --grade-field") }
    }

    @Test func eventsInADateWindow() throws {
        let dir = try scratch()
        let days = ["2026-01-05", "2026-02-11", "2026-02-28", "2026-03-01", "2026-04-17"]
        let cs = scatter(4500)
        let events = cs.enumerated().map { i, c in
            Feature(
                geometry: .point(c),
                properties: ["上报日期": .string(days[i % days.count]), "日期": .string(days[i % days.count])])
        }
        let path = "\(dir)/events.geojson"
        try write(events, to: path)
        let inputs = try InputSet(declaredCRS: nil, store: nil)
        let t = try Transformer(from: .wgs84, to: metric)
        let all = try inputs.points(path, role: "events", in: metric)
        #expect(all == (try t.transform(cs)))
        let window = try DateWindow(since: "2026-02-01", until: "2026-02-28")
        let february = try inputs.points(path, role: "events", in: metric, window: window)
        let expected = cs.enumerated().filter { [1, 2].contains($0.offset % days.count) }.map(\.element)
        #expect(february == (try t.transform(expected)))
        // A date that is not a day is named with its feature; a layer with no date field is refused.
        var bad = events
        bad[4321].properties["日期"] = .string("17/04/2026")
        try write(bad, to: path)
        #expect {
            try inputs.points(path, role: "events", in: metric, window: window)
        } throws: { ($0 as? InputError)?.message == "\(path): feature 4321: date '17/04/2026' is not YYYY-MM-DD" }
        try write(events.map { Feature(geometry: $0.geometry) }, to: path)
        #expect {
            try inputs.points(path, role: "events", in: metric, window: window)
        } throws: { ($0 as? InputError)?.message == "\(path): no date property for --since/--until" }
    }

    /// Reads that need no property names go over a file once, without the key survey; a file
    /// whose crs member follows its features is read again with the survey, so it is still read
    /// in the CRS it declares.
    @Test func aReadWithoutTheSurveyTakesTheCRSDeclaredAnywhere() throws {
        let dir = try scratch()
        let cs = scatter(5000)
        let features = cs.map {
            "{\"type\":\"Feature\",\"properties\":{\"k\":1},"
                + "\"geometry\":{\"type\":\"Point\",\"coordinates\":[\($0.x),\($0.y)]}}"
        }
        let crs = "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::4490\"}}"
        let body = "\"features\":[" + features.joined(separator: ",\n") + "]"
        let leading = "\(dir)/leading.geojson", late = "\(dir)/late.geojson", none = "\(dir)/none.geojson"
        try "{\"type\":\"FeatureCollection\",\(crs),\(body)}".write(toFile: leading, atomically: true, encoding: .utf8)
        try "{\"type\":\"FeatureCollection\",\(body),\(crs)}".write(toFile: late, atomically: true, encoding: .utf8)
        try "{\"type\":\"FeatureCollection\",\(body)}".write(toFile: none, atomically: true, encoding: .utf8)
        #expect(try GeoJSONReader.leading(path: leading).declaredCRS == "urn:ogc:def:crs:EPSG::4490")
        #expect(try GeoJSONReader.leading(path: late).declaredCRS == nil)

        // The reader opened without a survey refuses to finish a file with a late crs member.
        let unsurveyed = try SourceReader.open(path: late, survey: false)
        #expect(!unsurveyed.isSurveyed && unsurveyed.propertyNames.isEmpty)
        #expect {
            try unsurveyed.forEachBatch(of: 1000, keeping: []) { _, _ in }
        } throws: { "\($0)".contains("follows its features") }

        // Each file read without a survey (single points, events) and with one (households, whose
        // field is detected by name): the same CRS, the same points.
        for path in [leading, late, none] {
            let inputs = try InputSet(declaredCRS: nil, store: nil)
            let single = try inputs.singlePoints(path, role: "events", in: metric)
            let events = try inputs.points(path, role: "events", in: metric)
            let households = try inputs.households(path, weightField: nil, in: metric)
            #expect(single.points == households.map(\.0), "\(path)")
            #expect(events == households.map(\.0), "\(path)")
            #expect(single.features == Array(0..<5000))
            let crss = Set(inputs.readings.map(\.crs))
            #expect(crss.count == 1, "\(path): \(inputs.readings)")
            #expect(crss.first?.contains("4490") == (path != none), "\(path): \(crss)")
        }
    }

    /// Read without the survey, a file's fields are picked by its first feature's names and
    /// checked against every name once the features have passed: here the first feature lacks
    /// the households field the others carry, so the file is read again by it.
    @Test func aFieldTheFirstFeatureLacksIsFoundAmongTheOthers() throws {
        let dir = try scratch()
        let (features, weights, points) = buildings()
        // Feature 6 has only 楼号 (households 0); put it first.
        let order = [6] + Array(0..<6) + Array(7..<features.count)
        let path = "\(dir)/buildings.geojson"
        try write(order.map { features[$0] }, to: path)
        #expect(try GeoJSONReader.leading(path: path).firstFeatureNames == ["楼号"])
        let inputs = try InputSet(declaredCRS: nil, store: nil)
        let read = try inputs.households(path, weightField: nil, in: metric)
        // Feature 6 gives point 6; features 0-4 give points 0-5 (3 is a multipoint of two); 5 none.
        let pointOrder = [6, 0, 1, 2, 3, 4, 5] + Array(7..<(points.count))
        let expected = try Transformer(from: .wgs84, to: metric).transform(pointOrder.map { points[$0] })
        #expect(read.map(\.0) == expected)
        #expect(read.map(\.1) == pointOrder.map { weights[$0] })
        #expect(read.map(\.1).reduce(0, +) == weights.reduce(0, +))
    }

    @Test func aStreamedLayerIsCheckedAgainstTheUnits() throws {
        let dir = try scratch()
        let path = "\(dir)/far.geojson"
        // Units at Dongcheng, points 60 km away: the layer does not fit and is named.
        try write(scatter(300).map { Feature(geometry: .point(Coordinate($0.x + 0.7, $0.y))) }, to: path)
        let inputs = try InputSet(declaredCRS: nil, store: nil)
        let t = try Transformer(from: .wgs84, to: metric)
        let square = try t.transform(
            Geometry.polygon(
                Polygon(exterior: [
                    Coordinate(116.395, 39.895), Coordinate(116.405, 39.895), Coordinate(116.405, 39.905),
                    Coordinate(116.395, 39.905), Coordinate(116.395, 39.895),
                ])))
        let units = [UnitInput(code: "110101001001", geometry: square, sourceIndex: 0)]
        let layer = LayerInput(
            name: "units", features: [Feature(geometry: square)], crs: metric, crsSource: "test", propertyNames: [])
        try inputs.setReference(units, in: metric, layer: layer)
        _ = try inputs.households(path, weightField: nil, in: metric)
        #expect(inputs.warnings.count == 1)
        #expect(inputs.warnings.first?.contains(path) == true)
    }
}
