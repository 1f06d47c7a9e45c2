import Foundation
import GridplanGeometry
import GridplanIO
import Testing

/// A read that keeps some properties only (households, events) must give those properties as a
/// full read does, and fail where and as a full read fails, on values it passes over too.
@Suite struct GeoJSONKeepingTests {
    static func write(_ text: String) throws -> String {
        let path = try temporaryDirectory() + "/k.geojson"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func features(_ path: String, keeping: [String]?) throws -> [Feature] {
        var out: [Feature] = []
        try GeoJSONReader.forEachFeature(path: path, keeping: keeping) { _, f in out.append(f) }
        return out
    }

    @Test func keptPropertiesAreTheFullReadsAndTheRestAreGone() throws {
        let path = try Self.write(
            #"""
            {"type":"FeatureCollection","features":[
              {"type":"Feature","id":"b1","properties":{"id":1,"户数":24,"名称":"东四\u5317","nested":{"a":[1,{"b":null}]}},
               "geometry":{"type":"Point","coordinates":[116.4,39.9]}},
              {"type":"Feature","properties":{"户数":3,"户数":5,"note":"a } ] { [ \" \\ inside"},"geometry":null},
              {"type":"Feature","properties":null,"geometry":{"type":"Point","coordinates":[1,2]}},
              {"type":"Feature","properties":{"名称":"无户数"},"geometry":{"type":"MultiPoint","coordinates":[[1,2],[3,4]]}}
            ]}
            """#)
        let full = try Self.features(path, keeping: nil)
        let kept = try Self.features(path, keeping: ["户数"])
        #expect(kept.map(\.geometry) == full.map(\.geometry))
        #expect(kept.map(\.id) == full.map(\.id))
        // The last of a repeated name wins, as in a full read.
        #expect(kept.map { $0.properties["户数"] } == full.map { $0.properties["户数"] })
        #expect(kept.map { $0.properties["户数"] } == [.integer(24), .integer(5), nil, nil])
        #expect(kept.allSatisfy { $0.properties.keys.allSatisfy { $0 == "户数" } })
        let none = try Self.features(path, keeping: [])
        #expect(none.allSatisfy { $0.properties.keys.isEmpty })
        #expect(none.map(\.geometry) == full.map(\.geometry))
    }

    @Test func aBadValuePassedOverFailsAsAFullRead() throws {
        let bad: [String] = [
            // A bad number, a bad escape, a lone surrogate, a control character, a bad literal,
            // an unterminated object, all in properties the read does not keep.
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"h":1,"x":01},"geometry":null}]}"#,
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"x":"a\qb","h":1},"geometry":null}]}"#,
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"x":"\ud800","h":1},"geometry":null}]}"#,
            "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"x\":\"a\u{01}b\"},\"geometry\":null}]}",
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"x":[tru]},"geometry":null}]}"#,
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"x":{"y":1,"h":2},"geometry":null}]}"#,
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"x":1.5e},"geometry":null}]}"#,
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":"text","geometry":null}]}"#,
            "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"x\":"
                + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "},\"geometry\":null}]}",
        ]
        for text in bad {
            let path = try Self.write(text)
            var fullError: GeoJSONError?
            do { _ = try Self.features(path, keeping: nil) } catch let e as GeoJSONError { fullError = e }
            var keptError: GeoJSONError?
            do { _ = try Self.features(path, keeping: ["h"]) } catch let e as GeoJSONError { keptError = e }
            #expect(fullError != nil, "\(text)")
            #expect(keptError == fullError, "\(text)")
        }
        // Invalid UTF-8 (a GBK-encoded name) in a value passed over.
        var bytes = Array(#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"x":""#.utf8)
        bytes += [0xB6, 0xAB, 0xCB, 0xC4]
        bytes += Array(#"","h":1},"geometry":null}]}"#.utf8)
        let path = try temporaryDirectory() + "/gbk.geojson"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var fullError: GeoJSONError?
        do { _ = try Self.features(path, keeping: nil) } catch let e as GeoJSONError { fullError = e }
        var keptError: GeoJSONError?
        do { _ = try Self.features(path, keeping: ["h"]) } catch let e as GeoJSONError { keptError = e }
        #expect(fullError?.reason.contains("UTF-8") == true)
        #expect(keptError == fullError)
    }
}
