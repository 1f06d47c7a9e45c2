// libFuzzer target: WKB.decode on arbitrary bytes; whatever decodes must re-encode to WKB that
// decodes again (the writer's output is always readable).
import GridplanGeometry

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let g = try? WKB.decode(bytes) {
        _ = g.envelope
        let again = WKB.encode(g)
        do {
            _ = try WKB.decode(again)
        } catch {
            fatalError("re-encoded WKB does not decode: \(error); geometry \(g)")
        }
    }
    // The offset entry point, as GeoPackage uses it, from a few offsets.
    bytes.withUnsafeBytes { raw in
        for offset in [0, 1, 8, size] { _ = try? WKB.decode(raw, from: offset) }
    }
    return 0
}
