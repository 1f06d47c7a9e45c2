// libFuzzer target: ShapefileReader.read(path:encoding:).
//
// The reader has no byte-level entry point, so each input is split on the 4-byte separator
// "#@#@" into up to four parts written to a temporary directory (under /dev/shm when present):
//   part 0 → t.shp, part 1 → t.dbf, part 2 (if any) → t.shx, part 3 (if any) → t.cpg.
// Errors are fine; traps, sanitizer reports, hangs and leaks are findings.
import Foundation
import GridplanGeometry
import GridplanIO

private let separator: [UInt8] = Array("#@#@".utf8)

private func directoryPath() -> String {
    let root = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    return (root as NSString).appendingPathComponent("gridplan-fuzz-shp-\(getpid())")
}

private let directory: String = {
    let dir = directoryPath()
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: directoryPath()) }
    return dir
}()

/// Splits `bytes` on `separator` into at most `limit` parts (the last keeps any further separators).
func split(_ bytes: [UInt8], limit: Int) -> [ArraySlice<UInt8>] {
    var parts: [ArraySlice<UInt8>] = []
    var start = 0
    var i = 0
    while i + separator.count <= bytes.count, parts.count < limit - 1 {
        if bytes[i..<i + separator.count].elementsEqual(separator) {
            parts.append(bytes[start..<i])
            i += separator.count
            start = i
        } else {
            i += 1
        }
    }
    parts.append(bytes[start...])
    return parts
}

private func write(_ part: ArraySlice<UInt8>?, to path: String) {
    if let part {
        _ = FileManager.default.createFile(atPath: path, contents: Data(part))
    } else {
        unlink(path)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let parts = split(bytes, limit: 4)
    let base = (directory as NSString).appendingPathComponent("t")
    write(parts[0], to: base + ".shp")
    write(parts.count > 1 ? parts[1] : nil, to: base + ".dbf")
    write(parts.count > 2 ? parts[2] : nil, to: base + ".shx")
    write(parts.count > 3 ? parts[3] : nil, to: base + ".cpg")
    if let layer = try? ShapefileReader.read(path: base + ".shp") {
        for feature in layer.collection.features {
            if let g = feature.geometry { _ = g.envelope }
        }
    }
    return 0
}
