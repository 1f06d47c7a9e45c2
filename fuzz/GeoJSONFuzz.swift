// libFuzzer target: GeoJSONReader.read(bytes:name:) on arbitrary bytes; whatever reads must
// write (GeoJSONWriter.append, default precision 7) to GeoJSON that reads again with as many
// features. Errors are fine; traps, sanitizer reports, hangs and leaks are findings.
import GridplanGeometry
import GridplanIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let collection = try? GeoJSONReader.read(bytes: bytes, name: "fuzz.geojson") else { return 0 }
    var out = Array("{\"type\":\"FeatureCollection\",\"features\":[".utf8)
    for (i, feature) in collection.features.enumerated() {
        if let g = feature.geometry { _ = g.envelope }
        if i > 0 { out.append(UInt8(ascii: ",")) }
        GeoJSONWriter.append(feature, precision: 7, to: &out)
    }
    out += Array("]}".utf8)
    do {
        let again = try GeoJSONReader.read(bytes: out, name: "fuzz-rewritten.geojson")
        guard again.features.count == collection.features.count else {
            fatalError("rewritten GeoJSON has \(again.features.count) features, not \(collection.features.count)")
        }
    } catch {
        fatalError("rewritten GeoJSON does not read: \(error)\n\(String(decoding: out, as: UTF8.self))")
    }
    return 0
}
