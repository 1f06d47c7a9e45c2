import Foundation
import GridplanGeometry
import GridplanIO
import GridplanReport
import Testing

/// A small hand-made district near Beijing (116.40°E 39.91°N) with every geometry type the map
/// draws and the awkward cases: a unit with a hole, a multipolygon unit, a name with `&`, a
/// property holding `</script>`, lines and multilines, a street nobody leads, points and a
/// multipoint, and findings of five kinds (one of them a point).
enum ReportFixtures {
    static func square(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> [Coordinate] {
        [Coordinate(x0, y0), Coordinate(x1, y0), Coordinate(x1, y1), Coordinate(x0, y1), Coordinate(x0, y0)]
    }

    /// The hole of unit 110101001001: nothing is drawn inside it.
    static let holeCentre = Coordinate(116.403, 39.913)
    /// The centre of the overlap finding, which is drawn in the overlap red.
    static let overlapCentre = Coordinate(116.41, 39.917)

    static let units = ReportLayer(
        name: "units", kind: .units,
        features: [
            Feature(
                id: .string("110101001001"),
                geometry: .polygon(
                    Polygon(
                        exterior: square(116.40, 39.91, 116.41, 39.92),
                        holes: [square(116.402, 39.912, 116.404, 39.914)])),
                properties: ["code": .string("110101001001"), "name": .string("东四社区"), "households": .integer(420)]),
            Feature(
                geometry: .multiPolygon([
                    Polygon(exterior: square(116.41, 39.91, 116.42, 39.92)),
                    Polygon(exterior: square(116.4225, 39.915, 116.428, 39.918)),
                ]),
                properties: ["code": .string("110101001002"), "name": .string("西四&北社区"), "households": .integer(380)]),
            Feature(
                geometry: .polygon(Polygon(exterior: square(116.40, 39.90, 116.42, 39.91))),
                properties: [
                    "code": .string("110101001003"), "name": .string("朝阳门社区"),
                    "note": .string("</script><script>window.injected = 1</script>"),
                ]),
            Feature(geometry: nil, properties: ["code": .string("110101001099"), "name": .string("没有边界")]),
        ])

    static let grids = ReportLayer(
        name: "grids", kind: .grids,
        features: [
            Feature(
                geometry: .polygon(Polygon(exterior: square(116.40, 39.90, 116.41, 39.91))),
                properties: ["code": .string("110101001003001"), "community": .string("110101001003")]),
            Feature(
                geometry: .polygon(Polygon(exterior: square(116.41, 39.90, 116.42, 39.91))),
                properties: ["code": .string("110101001003002"), "community": .string("110101001003")]),
        ])

    static let streets = ReportLayer(
        name: "streets", kind: .streets,
        features: [
            Feature(
                geometry: .lineString([Coordinate(116.4005, 39.9195), Coordinate(116.418, 39.9195)]),
                properties: ["name": .string("东四北大街"), "lead": .string("110101001001"), "length_m": .number(1490)]),
            Feature(
                geometry: .multiLineString([
                    [Coordinate(116.415, 39.911), Coordinate(116.415, 39.919)],
                    [Coordinate(116.411, 39.905), Coordinate(116.419, 39.905)],
                ]),
                properties: ["name": .string("朝阳门南小街"), "lead": .string("110101001002")]),
            Feature(
                geometry: .lineString([Coordinate(116.401, 39.901), Coordinate(116.409, 39.909)]),
                properties: ["name": .string("无名胡同"), "lead": .null]),
        ])

    static let points = ReportLayer(
        name: "buildings", kind: .points,
        features: [
            Feature(
                geometry: .point(Coordinate(116.406, 39.906)),
                properties: ["kind": .string("residential"), "households": .integer(40)]),
            Feature(
                geometry: .multiPoint([Coordinate(116.414, 39.904), Coordinate(116.416, 39.906)]),
                properties: ["kind": .string("school")]),
        ])

    static let findings = ReportLayer(
        name: "findings", kind: .findings,
        features: [
            Feature(
                id: .integer(1), geometry: .polygon(Polygon(exterior: square(116.4085, 39.9155, 116.4115, 39.9185))),
                properties: [
                    "id": .integer(1), "kind": .string("overlap"), "area_m2": .number(83300.5),
                    "units": .array([.string("110101001001"), .string("110101001002")]), "households": .integer(12),
                ]),
            Feature(
                id: .integer(2), geometry: .polygon(Polygon(exterior: square(116.4205, 39.9100, 116.4225, 39.9120))),
                properties: [
                    "id": .integer(2), "kind": .string("unmanaged"), "area_m2": .number(38000), "units": .array([]),
                ]),
            Feature(
                id: .integer(3), geometry: .polygon(Polygon(exterior: square(116.4195, 39.9130, 116.4205, 39.9140))),
                properties: [
                    "id": .integer(3), "kind": .string("sliver"), "area_m2": .number(9500),
                    "units": .array([.string("110101001002")]), "suggested_owner": .string("110101001002"),
                ]),
            Feature(
                id: .integer(4), geometry: .point(Coordinate(116.405, 39.917)),
                properties: [
                    "id": .integer(4), "kind": .string("invalid"), "area_m2": .integer(0),
                    "units": .array([.string("110101001001")]),
                ]),
            Feature(
                id: .integer(5), geometry: .polygon(Polygon(exterior: square(116.4225, 39.915, 116.428, 39.918))),
                properties: [
                    "id": .integer(5), "kind": .string("exclave"), "area_m2": .number(150000),
                    "units": .array([.string("110101001002")]),
                ]),
        ])

    /// A community without its 片长 and a street without its 街巷长 (roster --out).
    static let rosterHoles = ReportLayer(
        name: "roster holes", kind: .rosterHoles,
        features: [
            Feature(
                id: .integer(1), geometry: .polygon(Polygon(exterior: square(116.40, 39.90, 116.42, 39.91))),
                properties: [
                    "level": .string("community"), "unit": .string("110101001003"), "name": .string("朝阳门社区"),
                    "role": .string("片长"), "lacks": .string("片长 0 (needs >=1)"),
                ]),
            Feature(
                id: .integer(2),
                geometry: .multiLineString([[Coordinate(116.401, 39.901), Coordinate(116.409, 39.909)]]),
                properties: [
                    "level": .string("street"), "street": .string("无名胡同"), "name": .string("无名胡同"),
                    "role": .string("街巷长"), "lacks": .string("街巷长 0 (needs >=1)"),
                ]),
        ])

    static let layers = [units, grids, streets, points, rosterHoles, findings]

    static let tables = [
        ReportTable(
            title: "Findings", columns: ["id", "kind", "area_m2", "units"],
            rows: [["1", "overlap", "83300.5", "110101001001, 110101001002"], ["2", "unmanaged", "38000", ""]]),
        ReportTable(
            title: "Metrics 指标", columns: ["code", "name", "households"],
            rows: [["110101001001", "东四社区", "420"], ["110101001002", "西四&北社区"]]),
    ]

    /// A fresh directory for one test's files.
    static func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gridplan-report-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// External programs the tests drive: Debian's chromium and python3.
enum Tools {
    /// Debian's libjs-leaflet, read as the report reads it; nil (with the reason recorded) when it
    /// is not installed.
    static func leaflet() -> Leaflet? {
        do {
            return try Leaflet.load()
        } catch {
            Issue.record("\(error)")
            return nil
        }
    }

    /// Debian's chromium, or `GRIDPLAN_CHROMIUM` if set.
    static var chromium: String? {
        let path = ProcessInfo.processInfo.environment["GRIDPLAN_CHROMIUM"] ?? "/usr/bin/chromium"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    struct Result {
        var status: Int32
        var output: Data
    }

    /// Runs a program under coreutils' `timeout`, so a browser that hangs is killed (TERM, then KILL
    /// 5 s later) instead of stalling the test run. Standard error is discarded: chromium
    /// reports every missing D-Bus service there.
    static func run(_ arguments: [String], timeoutSeconds: Int = 120) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = ["-k", "5", String(timeoutSeconds)] + arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, output: data)
    }

    /// The chromium command line for a headless run with its own throw-away profile, so tests
    /// running at the same time do not share one.
    static func chromiumArguments(_ chromium: String, profile: String) -> [String] {
        [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--hide-scrollbars", "--user-data-dir=\(profile)", "--virtual-time-budget=5000",
            // Chromium's own traffic (updates, safe browsing, metrics) stays off, so what the
            // network tests see is the page's.
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--no-pings", "--disable-domain-reliability",
        ]
    }

    /// A stand-in for the network: an HTTP proxy on 127.0.0.1 (python3's standard library) that
    /// answers every request with 502 and records its first line (`CONNECT tile.openstreetmap.org:443
    /// HTTP/1.1`). A browser pointed at it fetches nothing from anywhere, and every attempt is seen.
    final class RecordingProxy {
        let port: Int
        private let process: Process
        private let pipe: Pipe
        private let input = Pipe()
        private var pending = Data()

        static let script = #"""
            import os, socket, sys, threading
            # It stops when its standard input closes (signals may be blocked in a test runner's
            # children), and after two minutes whatever happens.
            threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
            threading.Timer(120, lambda: os._exit(0)).start()
            server = socket.socket()
            server.bind(('127.0.0.1', 0))
            server.listen(64)
            print(server.getsockname()[1], flush=True)
            lock = threading.Lock()
            def serve(c):
                try:
                    data = b''
                    while b'\r\n' not in data:
                        chunk = c.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    with lock:
                        print('REQ ' + data.split(b'\r\n', 1)[0].decode('latin-1'), flush=True)
                    c.sendall(b'HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
                except OSError:
                    pass
                finally:
                    c.close()
            while True:
                c, _ = server.accept()
                threading.Thread(target=serve, args=(c,), daemon=True).start()
            """#

        init() throws {
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", Self.script]
            pipe = Pipe()
            process.standardOutput = pipe
            process.standardInput = input
            process.standardError = FileHandle.nullDevice
            try process.run()
            var buffer = Data()
            while !buffer.contains(UInt8(ascii: "\n")) {
                let chunk = pipe.fileHandleForReading.availableData
                guard !chunk.isEmpty else { break }
                buffer.append(chunk)
            }
            guard let newline = buffer.firstIndex(of: UInt8(ascii: "\n")),
                let port = Int(String(decoding: buffer[..<newline], as: UTF8.self))
            else {
                try? input.fileHandleForWriting.close()
                throw ProbeFailure(message: "the recording proxy did not start")
            }
            self.port = port
            pending = buffer[buffer.index(after: newline)...]
        }

        /// Chromium's options that send every request through the proxy, loopback included.
        var chromiumArguments: [String] {
            ["--proxy-server=http://127.0.0.1:\(port)", "--proxy-bypass-list=<-loopback>"]
        }

        /// Stops the proxy; returns the first line of every request it was sent.
        func stop() -> [String] {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
            let rest = pending + pipe.fileHandleForReading.readDataToEndOfFile()
            return String(decoding: rest, as: UTF8.self).split(separator: "\n").compactMap { line in
                line.hasPrefix("REQ ") ? String(line.dropFirst(4)) : nil
            }
        }
    }

    /// Decodes a PNG with python3's standard library (zlib and struct, nothing else) and reports
    /// its size, how many pixels have each colour family asked for, the pixels at given places and
    /// a CRC-32 of all RGB bytes. Chunk CRCs and the zlib Adler-32 are checked on the way.
    static let pngProbe = #"""
        import sys, zlib, struct, json
        data = open(sys.argv[1], 'rb').read()
        spec = json.loads(sys.argv[2])
        assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG file'
        pos, idat, chunks = 8, b'', []
        while pos < len(data):
            n, = struct.unpack('>I', data[pos:pos + 4])
            kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
            crc, = struct.unpack('>I', data[pos + 8 + n:pos + 12 + n])
            assert zlib.crc32(kind + body) & 0xffffffff == crc, 'bad CRC in chunk ' + kind.decode()
            chunks.append(kind.decode())
            if kind == b'IHDR':
                w, h, depth, ctype, _, _, interlace = struct.unpack('>IIBBBBB', body)
            elif kind == b'IDAT':
                idat += body
            elif kind == b'IEND':
                break
            pos += 12 + n
        assert depth == 8 and ctype in (2, 6) and interlace == 0, 'unsupported PNG layout'
        bpp = 3 if ctype == 2 else 4
        raw = zlib.decompress(idat)
        stride = w * bpp
        assert len(raw) == h * (stride + 1), 'wrong amount of image data'
        rgb = bytearray()
        prev = bytearray(stride)
        i = 0
        for y in range(h):
            f = raw[i]
            line = bytearray(raw[i + 1:i + 1 + stride])
            i += 1 + stride
            if f != 0:
                for x in range(stride):
                    a = line[x - bpp] if x >= bpp else 0
                    b = prev[x]
                    if f == 1: line[x] = (line[x] + a) & 255
                    elif f == 2: line[x] = (line[x] + b) & 255
                    elif f == 3: line[x] = (line[x] + ((a + b) >> 1)) & 255
                    elif f == 4:
                        c = prev[x - bpp] if x >= bpp else 0
                        p = a + b - c
                        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                        line[x] = (line[x] + (a if pa <= pb and pa <= pc else (b if pb <= pc else c))) & 255
            prev = line
            if bpp == 3:
                rgb += line
            else:
                for x in range(0, stride, 4):
                    rgb += line[x:x + 3]
        counts = {}
        for k in range(0, len(rgb), 3):
            key = bytes(rgb[k:k + 3])
            counts[key] = counts.get(key, 0) + 1
        near = []
        for r, g, b, tol in spec.get('near', []):
            near.append(sum(n for c, n in counts.items() if abs(c[0] - r) <= tol and abs(c[1] - g) <= tol and abs(c[2] - b) <= tol))
        at = [list(rgb[(y * w + x) * 3:(y * w + x) * 3 + 3]) for x, y in spec.get('at', [])]
        print(json.dumps({'width': w, 'height': h, 'colorType': ctype, 'chunks': chunks, 'distinct': len(counts),
                          'near': near, 'at': at, 'crc': zlib.crc32(bytes(rgb)) & 0xffffffff}))
        """#

    /// What ``pngProbe`` reports about one PNG file.
    struct PNGFacts {
        var width: Int
        var height: Int
        var chunks: [String]
        var distinctColors: Int
        /// Pixels within the tolerance of each `near` colour asked for.
        var near: [Int]
        /// RGB of the pixels asked for with `at`.
        var at: [[Int]]
        var crc: UInt32
    }

    static func inspectPNG(_ path: String, near: [(RGBColor, Int)] = [], at: [(Int, Int)] = []) throws -> PNGFacts {
        let nearSpec: [JSONValue] = near.map { c, tol in
            .array([c.red, c.green, c.blue].map { .integer(Int64($0)) } + [.integer(Int64(tol))])
        }
        let atSpec: [JSONValue] = at.map { .array([.integer(Int64($0.0)), .integer(Int64($0.1))]) }
        let spec = JSONText.encode(.object(["near": .array(nearSpec), "at": .array(atSpec)]))
        let r = try run(["/usr/bin/env", "python3", "-c", pngProbe, path, spec], timeoutSeconds: 60)
        guard r.status == 0, case .object(let o) = try JSONText.decode(Array(r.output), name: "png probe") else {
            throw ProbeFailure(message: "python3 could not decode \(path) (exit \(r.status))")
        }
        func ints(_ v: JSONValue?) -> [Int] {
            guard case .array(let a)? = v else { return [] }
            return a.compactMap { $0.intValue.map { Int($0) } }
        }
        var pixels: [[Int]] = []
        if case .array(let a)? = o["at"] { pixels = a.map { ints($0) } }
        var chunks: [String] = []
        if case .array(let a)? = o["chunks"] { chunks = a.compactMap(\.stringValue) }
        return PNGFacts(
            width: Int(o["width"]?.intValue ?? 0), height: Int(o["height"]?.intValue ?? 0), chunks: chunks,
            distinctColors: Int(o["distinct"]?.intValue ?? 0), near: ints(o["near"]), at: pixels,
            crc: UInt32(o["crc"]?.intValue ?? 0))
    }

    struct ProbeFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
