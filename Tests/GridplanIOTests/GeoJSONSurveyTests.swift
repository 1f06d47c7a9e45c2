import Foundation
import GridplanGeometry
import GridplanIO
import Testing

/// The key survey must find what a full read finds: the union of the property names in
/// first-seen order, the legacy CRS wherever it stands, the count; and fail as the read fails.
@Suite struct GeoJSONSurveyTests {
    static func write(_ text: String) throws -> String {
        let path = try temporaryDirectory() + "/s.geojson"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The union of the features' property names as a full read sees them.
    static func unionOfNames(_ path: String) throws -> [String] {
        var names: [String] = []
        for f in try GeoJSONReader.read(path: path).features {
            for k in f.properties.keys where !names.contains(k) { names.append(k) }
        }
        return names
    }

    @Test func namesAreTheUnionAReadSeesInFirstSeenOrder() throws {
        let path = try Self.write(
            #"""
            {"type":"FeatureCollection","features":[
              {"type":"Feature","properties":{"id":1,"名称":"东四","nested":{"inner":1,"deep":[{"x":2}]}},
               "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},
              {"type":"Feature","properties":{"id":2,"名称":"西四","nested":null},"geometry":null},
              {"type":"Feature","properties":null,"geometry":{"type":"Point","coordinates":[1,2]}},
              {"geometry":{"type":"Point","coordinates":[1,2]},"type":"Feature",
               "properties":{"id":3,"a\"b":"q","\u540d":"escaped key","text":"a } ] { [ \" \\ inside"}},
              {"type":"Feature","properties":{"dropped":1},"properties":{"id":4,"kept":true},
               "geometry":{"type":"Point","coordinates":[3,4]}},
              {"type":"Feature","properties":{"id":5,"名称":"北四","late":1.5e3},"geometry":null}
            ],"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4490"}}}
            """#)
        let survey = try GeoJSONReader.survey(path: path)
        #expect(survey.propertyNames == (try Self.unionOfNames(path)))
        #expect(survey.propertyNames == ["id", "名称", "nested", "a\"b", "名", "text", "kept", "late"])
        // The legacy crs member after the features is found all the same.
        #expect(survey.declaredCRS == "urn:ogc:def:crs:EPSG::4490")
        #expect(survey.featureCount == 6)
    }

    @Test func aSingleFeatureOrABareGeometry() throws {
        let feature = try Self.write(
            #"{"properties":{"code":"1101"},"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]}}"#)
        let one = try GeoJSONReader.survey(path: feature)
        #expect(one.propertyNames == ["code"] && one.featureCount == 1)
        let bare = try GeoJSONReader.survey(path: try Self.write(#"{"type":"Point","coordinates":[1,2]}"#))
        #expect(bare.propertyNames.isEmpty && bare.featureCount == 1)
        // A collection's own properties member is not a feature's.
        let collection = try GeoJSONReader.survey(
            path: try Self.write(#"{"type":"FeatureCollection","properties":{"title":"x"},"features":[]}"#))
        #expect(collection.propertyNames.isEmpty && collection.featureCount == 0)
    }

    @Test func aManyFeatureFileWithOneLateName() throws {
        var text = #"{"type":"FeatureCollection","features":["#
        for i in 0..<30_000 {
            let extra = i == 27_345 ? #","name":"late""# : ""
            text +=
                (i > 0 ? "," : "")
                + #"{"type":"Feature","properties":{"id":\#(i),"households":\#(i % 40)\#(extra)},"geometry":{"type":"Point","coordinates":[116.\#(i),39.9]}}"#
        }
        text += "]}"
        let survey = try GeoJSONReader.survey(path: try Self.write(text))
        #expect(survey.propertyNames == ["id", "households", "name"])
        #expect(survey.featureCount == 30_000)
    }

    @Test func malformedFilesFailAsTheReadFails() throws {
        let broken = [
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":"unterminated}]}"#,
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":1 "b":2},"geometry":null}]}"#,
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":null}"#,
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"\xff":1},"geometry":null}]}"#,
            "",
            "[1,2]",
        ]
        for text in broken {
            let path = try Self.write(text)
            var readError: GeoJSONError?
            do { _ = try GeoJSONReader.read(path: path) } catch let e as GeoJSONError { readError = e }
            var surveyError: GeoJSONError?
            do { _ = try GeoJSONReader.survey(path: path) } catch let e as GeoJSONError { surveyError = e }
            #expect(readError != nil, "\(text)")
            #expect(surveyError == readError, "\(text)")
        }
        #expect(throws: GeoJSONError(file: "/nonexistent/x.geojson", reason: "no such file")) {
            try GeoJSONReader.survey(path: "/nonexistent/x.geojson")
        }
    }
}
