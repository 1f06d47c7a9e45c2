// libFuzzer target: GeoPackageBinary.decode / header / envelope on arbitrary blobs.
import GridplanGeometry
import GridplanStore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let (srs, g) = try? GeoPackageBinary.decode(bytes) {
        // A decoded geometry re-encodes to a blob that decodes again.
        let again = GeoPackageBinary.encode(g, srsID: srs)
        do {
            _ = try GeoPackageBinary.decode(again)
        } catch {
            fatalError("re-encoded GeoPackage geometry does not decode: \(error); geometry \(g)")
        }
    }
    _ = bytes.withUnsafeBytes { try? GeoPackageBinary.header($0) }
    // The R-tree triggers' path: never throws, must never crash.
    _ = GeoPackageBinary.envelope(bytes)
    return 0
}
