// libFuzzer target: the WKT parser CSV reading uses (internal WKTParser, reached with
// @testable import; the fuzz build compiles GridplanIO with -enable-testing).
// Whatever parses must print (Geometry.wkt) to text that parses again.
import GridplanGeometry
@testable import GridplanIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    var parser = WKTParser(text)
    if let g = try? parser.parse() {
        let printed = g.wkt()
        var again = WKTParser(printed)
        do {
            _ = try again.parse()
        } catch {
            fatalError("printed WKT does not parse: \(error)\n\(printed)")
        }
    }
    return 0
}
