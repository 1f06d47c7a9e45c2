// Release-build benchmark driver: runs one gridplan operation on a file and prints its phase
// timings as JSON. benchmarks/run.py runs it (and the peers) repeatedly and takes medians.
import Foundation
import GridplanGeometry
import GridplanIO

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("gridplan-bench: \(message)\n".utf8))
    exit(2)
}

let args = Array(CommandLine.arguments.dropFirst())
guard let op = args.first else { fail("usage: gridplan-bench geojson-read FILE | geojson-write FILE OUT") }

do {
    switch op {
    case "geojson-read":
        guard args.count == 2 else { fail("geojson-read FILE") }
        let t0 = now()
        let c = try GeoJSONReader.read(path: args[1])
        let t1 = now()
        let coords = c.features.reduce(0) { $0 + ($1.geometry?.coordinateCount ?? 0) }
        print(#"{"read_s":\#(t1 - t0),"features":\#(c.features.count),"coordinates":\#(coords)}"#)
    case "geojson-write":
        guard args.count == 3 else { fail("geojson-write FILE OUT") }
        let c = try GeoJSONReader.read(path: args[1])
        let t0 = now()
        try GeoJSONWriter.write(c.features, to: args[2])
        let t1 = now()
        print(#"{"write_s":\#(t1 - t0),"features":\#(c.features.count)}"#)
    default:
        fail("unknown operation \(op)")
    }
} catch {
    fail("\(error)")
}
