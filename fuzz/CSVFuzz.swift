// libFuzzer target: CSVReader.read(bytes:name:) with automatic geometry detection, and the same
// bytes with the first column forced as WKT (so WKT parsing is reached from any header).
import GridplanIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? CSVReader.read(bytes: bytes, name: "fuzz.csv")
    if let layer = try? CSVReader.read(bytes: bytes, name: "fuzz.csv", encoding: .utf8), let first = layer.columnNames.first {
        _ = try? CSVReader.read(bytes: bytes, name: "fuzz.csv", wktColumn: first, encoding: .utf8)
    }
    return 0
}
