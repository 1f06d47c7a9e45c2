import Foundation
import GridplanCommands
import GridplanIO
import Testing

/// Every input of every command is read in the CRS the user declares: a sample city converted to
/// GCJ-02 or BD-09 (as AMap and Baidu exports are: coordinates only, no `crs` member) and
/// declared gives the WGS84 answers, and an undeclared shifted layer is named with the fix.
@Suite struct DeclaredCRSTests {
    static let layers = [
        "communities", "district", "street_offices", "streets", "buildings", "events", "components", "grids_old",
    ]

    /// A sample city, once per test process.
    static let city: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gridplan-crs-\(UUID().uuidString)")
            .path
        let r = gridplan("sample", dir, "--seed", "5", "--communities", "40", "--quiet")
        precondition(r.code == 0, r.err)
        return dir
    }()

    /// A copy of the city's `layer` in `crs` with no `crs` member, as web-map exports come.
    static func shifted(_ layer: String, to crs: String) throws -> String {
        let out = city + "/\(layer).\(crs).geojson"
        if FileManager.default.fileExists(atPath: out) { return out }
        // Parallel tests may make the same copy: each writes its own and renames it into place.
        let tmp = out + ".\(UUID().uuidString).with-crs.geojson"
        let r = gridplan("convert", city + "/\(layer).geojson", tmp, "--to-crs", crs, "--precision", "12", "--quiet")
        precondition(r.code == 0, r.err)
        var text = try String(contentsOfFile: tmp, encoding: .utf8)
        text = text.replacingOccurrences(of: #""crs":{"type":"name","properties":{"name":"\#(crs)"}},"#, with: "")
        precondition(!text.contains(#""crs""#))
        try OutputFile.write(Array(text.utf8), to: tmp)
        precondition(rename(tmp, out) == 0)
        return out
    }

    static func file(_ layer: String) -> String { city + "/\(layer).geojson" }

    /// The commands of the pipeline, each with its inputs named by layer, and which argument
    /// positions are the main input (the others are secondary).
    struct Run: CustomStringConvertible, Sendable {
        var name: String
        var arguments: [String]
        var description: String { name }
    }

    static let runs: [Run] = [
        Run(
            name: "check",
            arguments: [
                "check", "@communities", "--boundary", "@district", "--households", "@buildings", "--parent-field",
                "parent", "--parents", "@street_offices",
            ]),
        Run(
            name: "partition",
            arguments: [
                "partition", "@communities", "--streets", "@streets", "--households", "@buildings", "--events",
                "@events", "--previous", "@grids_old",
            ]),
        Run(name: "assign streets", arguments: ["assign", "streets", "@streets", "--units", "@communities"]),
        Run(name: "assign points", arguments: ["assign", "points", "@events", "--units", "@communities"]),
        Run(
            name: "assign units",
            arguments: ["assign", "units", "@communities", "--parents", "@street_offices", "--parent-field", "parent"]),
        Run(
            name: "metrics",
            arguments: [
                "metrics", "@communities", "--households", "@buildings", "--events", "@events", "--components",
                "@components", "--streets", "@streets", "--boundary", "@district", "--grids", "@grids_old",
            ]),
        Run(
            name: "repair",
            arguments: [
                "repair", "@communities", "--boundary", "@district", "--households", "@buildings", "--out",
                "%out/repaired.geojson",
            ]),
    ]

    /// The `--json` document of `run` with each `@layer` replaced by `name(layer)`.
    static func json(_ run: Run, extra: [String] = [], _ name: (String) throws -> String) throws -> (
        doc: JSONObject, err: String
    ) {
        let out = try scratch()
        let args =
            try run.arguments.map { a -> String in
                if a.hasPrefix("@") { return try name(String(a.dropFirst())) }
                return a.replacingOccurrences(of: "%out", with: out)
            } + extra + ["--json", "--quiet"]
        let r = gridplan(args)
        #expect(r.code == 0, "\(run.name): \(r.err)")
        guard case .object(let doc) = try JSONText.decode(r.out) else { throw CocoaError(.fileReadCorruptFile) }
        return (doc, r.err)
    }

    /// Numbers equal within 0.1% (or 0.01 absolute, for areas of slivers and coordinates), every
    /// other value equal; `inputs` (which names the CRS read) is left out.
    static func same(_ a: JSONValue, _ b: JSONValue, path: String = "", mismatches: inout [String]) {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            let keys = Set(x.keys).union(y.keys).subtracting(["inputs"])
            for k in keys.sorted() { same(x[k] ?? .null, y[k] ?? .null, path: path + "." + k, mismatches: &mismatches) }
        case (.array(let x), .array(let y)):
            guard x.count == y.count else {
                mismatches.append("\(path): \(x.count) vs \(y.count) items")
                return
            }
            for (i, (p, q)) in zip(x, y).enumerated() { same(p, q, path: path + "[\(i)]", mismatches: &mismatches) }
        default:
            if let p = a.doubleValue, let q = b.doubleValue {
                if abs(p - q) > max(0.01, 0.001 * abs(q)) { mismatches.append("\(path): \(p) vs \(q)") }
            } else if a != b {
                mismatches.append("\(path): \(a) vs \(b)")
            }
        }
        if mismatches.count > 20 { return }
    }

    static func assertSame(_ a: JSONObject, _ b: JSONObject, _ label: String) {
        var mismatches: [String] = []
        same(.object(a), .object(b), mismatches: &mismatches)
        #expect(mismatches.isEmpty, "\(label): \(mismatches.prefix(10).joined(separator: "; "))")
    }

    /// Strips what legitimately differs between runs on different files: findings' and changes'
    /// geometries (their coordinates are in WGS84 both times, within the inverse's centimetres),
    /// and the input file names inside messages.
    static func comparable(_ doc: JSONObject) -> JSONObject {
        var d = doc
        d["inputs"] = nil
        func strip(_ v: JSONValue) -> JSONValue {
            switch v {
            case .object(var o):
                o["geometry"] = nil
                return .object(JSONObject(o.map { ($0.key, strip($0.value)) }))
            case .array(let a): return .array(a.map(strip))
            case .string(let s):
                return .string(
                    s.replacingOccurrences(of: city, with: "CITY").replacingOccurrences(
                        of: #"\.(gcj02|bd09)\.geojson"#, with: ".geojson", options: .regularExpression))
            default: return v
            }
        }
        return strip(.object(d)).objectValue ?? d
    }

    @Test(arguments: ["gcj02", "bd09"], runs)
    func everyInputDeclaredOnceGivesTheWGS84Answer(crs: String, run: Run) throws {
        let truth = try Self.json(run) { Self.file($0) }
        let shifted = try Self.json(run, extra: ["--crs", crs]) { try Self.shifted($0, to: crs) }
        Self.assertSame(Self.comparable(shifted.doc), Self.comparable(truth.doc), "\(run.name) in \(crs)")
        // The output says which CRS each input was read in, and why.
        guard case .array(let inputs)? = shifted.doc["inputs"] else {
            Issue.record("\(run.name): no inputs")
            return
        }
        #expect(inputs.count == run.arguments.filter { $0.hasPrefix("@") }.count, "\(run.name): \(inputs)")
        for case .object(let i) in inputs {
            #expect(i["crs"] == .string(crs), "\(run.name): \(i)")
            #expect(i["crs_source"] == .string("--crs"), "\(run.name): \(i)")
        }
    }

    /// Each secondary input alone in GCJ-02, declared as FILE@gcj02, gives the WGS84 answer; left
    /// undeclared, it is named with the declaration that fixes it. Every secondary input of every
    /// command goes through this, so none can be read without its declared CRS.
    @Test(arguments: runs)
    func eachSecondaryInputDeclaredApart(run: Run) throws {
        let truth = try Self.json(run) { Self.file($0) }
        let layers = run.arguments.filter { $0.hasPrefix("@") }.map { String($0.dropFirst()) }
        // The units are the reference; in `assign points` and `assign streets` they come second.
        let reference = run.name == "assign points" || run.name == "assign streets" ? 1 : 0
        for (k, layer) in layers.enumerated() where k != reference {
            let declared = try Self.json(run) {
                $0 == layer ? try Self.shifted($0, to: "gcj02") + "@gcj02" : Self.file($0)
            }
            Self.assertSame(Self.comparable(declared.doc), Self.comparable(truth.doc), "\(run.name), \(layer)@gcj02")
            let undeclared = try Self.json(run) { $0 == layer ? try Self.shifted($0, to: "gcj02") : Self.file($0) }
            let warnings = (undeclared.doc["warnings"]?.arrayValue ?? []).compactMap(\.stringValue)
            let named = warnings.filter {
                $0.contains("\(layer).gcj02.geojson looks like GCJ-02 coordinates") && $0.contains("@gcj02")
            }
            #expect(named.count == 1, "\(run.name), \(layer) undeclared: \(warnings)")
        }
    }

    @Test func onlyTheHouseholdsInGCJ02() throws {
        let run = Self.runs[0]
        let truth = try Self.json(run) { Self.file($0) }
        let mixed = try Self.json(run) {
            $0 == "buildings" ? try Self.shifted($0, to: "gcj02") + "@gcj02" : Self.file($0)
        }
        Self.assertSame(Self.comparable(mixed.doc), Self.comparable(truth.doc), "households@gcj02")
        guard case .array(let inputs)? = mixed.doc["inputs"] else {
            Issue.record("no inputs")
            return
        }
        let households = inputs.compactMap(\.objectValue).first { $0["role"] == .string("households") }
        #expect(households?["crs"] == .string("gcj02"))
        #expect(households?["crs_source"]?.stringValue?.hasSuffix("buildings.gcj02.geojson@gcj02") == true)
        #expect(truth.doc["warnings"] == mixed.doc["warnings"])
    }

    @Test func unitsInGCJ02ReadAsWGS84AreNamedToo() throws {
        // The units are the shifted layer: every other layer then fits only once moved to GCJ-02.
        let run = Self.runs[0]
        let r = try Self.json(run) { $0 == "communities" ? try Self.shifted($0, to: "gcj02") : Self.file($0) }
        let warnings = (r.doc["warnings"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(
            warnings.contains {
                $0.contains("buildings.geojson fits the units only once shifted from WGS84 to GCJ-02")
                    && $0.contains("communities.gcj02.geojson@gcj02")
            }, "\(warnings)")
    }

    @Test func aLayerFromAnotherPlaceIsNamedWithoutASuggestion() throws {
        // The buildings moved 0.5° east: no shift makes them fit.
        let moved = Self.city + "/buildings.far.geojson"
        let text = try String(contentsOfFile: Self.file("buildings"), encoding: .utf8)
        var out = ""
        var rest = Substring(text)
        // Every "coordinates":[x,y] of a point gets x + 0.5.
        while let r = rest.range(of: #""coordinates":["#) {
            out += rest[..<r.upperBound]
            rest = rest[r.upperBound...]
            let comma = rest.firstIndex(of: ",")!
            out += String(Double(rest[..<comma])! + 0.5)
            rest = rest[comma...]
        }
        out += rest
        try OutputFile.write(Array(out.utf8), to: moved)
        let r = try Self.json(Self.runs[0]) { $0 == "buildings" ? moved : Self.file($0) }
        let warnings = (r.doc["warnings"]?.arrayValue ?? []).compactMap(\.stringValue)
        let named = warnings.filter { $0.contains("buildings.far.geojson") }
        #expect(named.count == 1, "\(warnings)")
        #expect(named.first?.contains("No GCJ-02 or BD-09 shift makes it fit") == true, "\(named)")
        #expect(named.first?.contains("@gcj02") == false)
    }

    @Test func badDeclarationsAreUsageErrorsAndWriteNothing() throws {
        let out = try scratch()
        let cases: [([String], Int32, String)] = [
            (["check", Self.file("communities"), "--crs", "EPSG:999999"], 2, "--crs"),
            (
                [
                    "check", Self.file("communities"), "--households", Self.file("buildings") + "@nonsense", "--out",
                    out + "/f.geojson",
                ], 2, "buildings.geojson@nonsense"
            ),
            // A projected CRS declared for degrees: the file, the feature and the declaration named.
            (
                [
                    "check", Self.file("communities"), "--boundary", Self.file("district") + "@EPSG:4548", "--out",
                    out + "/f.geojson",
                ], 3, "district.geojson@EPSG:4548"
            ),
            (["metrics", Self.file("communities"), "--metric-crs", "EPSG:4326"], 2, "--metric-crs"),
        ]
        for (args, code, mention) in cases {
            let r = gridplan(args)
            #expect(r.code == code, "\(args): \(r.err)")
            #expect(r.err.contains(mention), "\(args): \(r.err)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).isEmpty)
    }

    @Test func aCRSDeclaredForAStoreLayerIsAnError() throws {
        let dir = try scratch()
        let store = dir + "/s.gpkg"
        #expect(gridplan("init", store, "--quiet").code == 0)
        #expect(gridplan("import", store, Self.file("communities"), "--as", "communities", "--quiet").code == 0)
        #expect(gridplan("import", store, Self.file("buildings"), "--as", "buildings", "--quiet").code == 0)
        let r = gridplan("check", "communities", "--store", store, "--households", "buildings@gcj02")
        #expect(r.code == 2, "\(r.err)")
        #expect(r.err.contains("buildings is a store layer") && r.err.contains("EPSG:4326"), "\(r.err)")
        // --crs declares files only: a store layer keeps the store's CRS beside a declared file.
        let mixed = gridplan(
            "check", "communities", "--store", store, "--households", try Self.shifted("buildings", to: "gcj02"),
            "--crs", "gcj02", "--json", "--quiet")
        #expect(mixed.code == 0, "\(mixed.err)")
        guard case .object(let doc) = try JSONText.decode(mixed.out), case .array(let inputs)? = doc["inputs"] else {
            Issue.record("no inputs")
            return
        }
        #expect(inputs.compactMap(\.objectValue).map { $0["crs"]?.stringValue ?? "" } == ["EPSG:4326", "gcj02"])
        #expect((doc["warnings"]?.arrayValue ?? []).allSatisfy { !($0.stringValue ?? "").contains("GCJ-02") })
    }
}

func gridplan(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
    let console = Console.capture()
    let code = Console.$current.withValue(console) { Gridplan.execute(arguments) }
    return (code, console.capturedStandardOutput, console.capturedStandardError)
}

extension JSONValue {
    var objectValue: JSONObject? { if case .object(let o) = self { return o } else { return nil } }
    var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
}
