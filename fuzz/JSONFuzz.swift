// libFuzzer target: JSONText.decode on arbitrary bytes, then re-encoding what decoded.
import GridplanIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let value = try? JSONText.decode(bytes, name: "fuzz.json") {
        // Whatever decodes must encode, and the encoding must decode again.
        let text = JSONText.encode(value)
        do {
            _ = try JSONText.decode(text, name: "fuzz-reencoded.json")
        } catch {
            fatalError("re-encoded JSON does not decode: \(error)\n\(text)")
        }
    }
    return 0
}
