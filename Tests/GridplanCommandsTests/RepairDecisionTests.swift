import Foundation
import GridplanCommands
import GridplanGeometry
import GridplanIO
import Testing

/// Decisions on the bundled district (the default sample city): check's findings carry stable
/// ids; a decision file gives an overlap to the claimant the rule would not, moves an exclave
/// without --transfer-exclaves, keeps a gap that --assign-unmanaged would give away, survives the layer re-digitised a few centimetres off, and a
/// decision for land that is no longer a finding is reported.
@Suite struct RepairDecisionTests {
    static let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data").path

    static func json(_ args: [String]) throws -> JSONObject {
        let r = gridplan(args + ["--json", "--quiet"])
        #expect(r.code == 0, "\(r.err)")
        return try JSONText.decode(r.out).objectValue ?? [:]
    }

    static func properties(_ list: JSONValue?) -> [JSONObject] { (list?.arrayValue ?? []).compactMap(\.objectValue) }

    /// The layer moved by (dx, dy) degrees: every vertex, so shared borders stay shared.
    static func shifted(_ path: String, to out: String, dx: Double, dy: Double) throws {
        var c = try GeoJSONReader.read(path: path)
        func move(_ g: Geometry) -> Geometry {
            func m(_ cs: [Coordinate]) -> [Coordinate] { cs.map { Coordinate($0.x + dx, $0.y + dy) } }
            func p(_ q: Polygon) -> Polygon { Polygon(exterior: m(q.exterior), holes: q.holes.map(m)) }
            switch g {
            case .point(let x): return .point(Coordinate(x.x + dx, x.y + dy))
            case .multiPoint(let xs): return .multiPoint(m(xs))
            case .lineString(let l): return .lineString(m(l))
            case .multiLineString(let ls): return .multiLineString(ls.map(m))
            case .polygon(let q): return .polygon(p(q))
            case .multiPolygon(let qs): return .multiPolygon(qs.map(p))
            case .geometryCollection(let gs): return .geometryCollection(gs.map(move))
            }
        }
        c.features = c.features.map { f in
            var f = f
            f.geometry = f.geometry.map(move)
            return f
        }
        try GeoJSONWriter.write(c.features, to: out)
    }

    @Test func decisionsOverrideTheRuleAndSurviveARedigitisedRun() throws {
        let dir = try scratch()
        let units = Self.data + "/communities.geojson", district = Self.data + "/district.geojson"
        let households = Self.data + "/buildings.geojson"
        let check = try Self.json(["check", units, "--boundary", district, "--households", households])
        let findings = Self.properties(check["findings"])
        let overlap = try #require(
            findings.filter { $0["kind"]?.stringValue == "overlap" }.max {
                ($0["area_m2"]?.doubleValue ?? 0) < ($1["area_m2"]?.doubleValue ?? 0)
            })
        let exclave = try #require(
            findings.first { $0["kind"]?.stringValue == "exclave" && ($0["households"]?.doubleValue ?? 0) > 0 })
        let overlapID = try #require(overlap["stable_id"]?.stringValue)
        let exclaveID = try #require(exclave["stable_id"]?.stringValue)
        let repairArgs = [
            "repair", units, "--boundary", district, "--households", households, "--out", dir + "/r.geojson",
        ]
        // What the rule does with the overlap, and so who the decision gives it to instead.
        let byRule = Self.properties(try Self.json(repairArgs)["changes"])
        let ruled = try #require(byRule.first { $0["stable_id"]?.stringValue == overlapID })
        let claimants = (overlap["units"]?.arrayValue ?? []).compactMap(\.stringValue)
        let other = try #require(claimants.first { $0 != ruled["to_unit"]?.stringValue })
        // Check names an exclave's unit first, then the unit it sits in.
        let exclaveUnits = (exclave["units"]?.arrayValue ?? []).compactMap(\.stringValue)
        let host = try #require(exclaveUnits.last)
        let gap = try #require(findings.first { $0["kind"]?.stringValue == "unmanaged" })
        let gapID = try #require(gap["stable_id"]?.stringValue)
        try """
        finding,lon,lat,owner,confirmed_by,date,note
        \(overlapID),,,\(other),东华门街道办事处,2026-11-30,现场核实
        \(exclaveID),,,\(host),东华门街道办事处,2026-11-30,飞地划入驻地社区
        overlap-00000000,,,110101001001,东华门街道办事处,2026-11-30,已不存在
        \(gapID),,,leave,东华门街道办事处,2026-11-30,待区里确认
        """.write(toFile: dir + "/decisions.csv", atomically: true, encoding: .utf8)

        func decidedRun(_ units: String, _ district: String) throws -> (JSONObject, [JSONObject]) {
            let doc = try Self.json([
                "repair", units, "--boundary", district, "--households", households, "--assign-unmanaged",
                "--decisions", dir + "/decisions.csv", "--out", dir + "/decided.geojson", "--notice",
                dir + "/notice.csv", "--moves",
                dir + "/moves.csv",
            ])
            return (doc, Self.properties(doc["changes"]))
        }
        func expectDecided(_ changes: [JSONObject], _ doc: JSONObject) {
            let o = changes.first { $0["to_unit"]?.stringValue == other && ($0["decided_by"]?.stringValue ?? "") != "" }
            #expect(o?["from_unit"]?.stringValue == ruled["to_unit"]?.stringValue, "\(String(describing: o))")
            #expect(o?["decided_on"]?.stringValue == "2026-11-30" && o?["decision_note"]?.stringValue == "现场核实")
            let e = changes.first { $0["reason"]?.stringValue == "exclave" }
            #expect(e?["to_unit"]?.stringValue == host && e?["decided_by"]?.stringValue == "东华门街道办事处")
            let warnings = (doc["warnings"]?.arrayValue ?? []).compactMap(\.stringValue)
            #expect(
                warnings.contains {
                    $0.contains("line 4") && $0.contains("overlap-00000000") && $0.contains("matches no finding")
                }, "\(warnings)")
            #expect(!warnings.contains { $0.contains("line 2") || $0.contains("line 3") }, "\(warnings)")
            // The gap left by decision stays for a person, though --assign-unmanaged takes the others.
            #expect(warnings.contains { $0.contains(gapID) && $0.contains("left as it is") && $0.contains("line 5") })
            #expect(!changes.contains { $0["stable_id"]?.stringValue == gapID })
            #expect(changes.contains { $0["reason"]?.stringValue == "unmanaged" })
            let unresolved = Self.properties(doc["unresolved"]).compactMap { $0["stable_id"]?.stringValue }
            #expect(unresolved.contains(gapID), "\(unresolved)")
        }
        let (doc, changes) = try decidedRun(units, district)
        expectDecided(changes, doc)
        // The exclave's households are in the list of moves, and the notice balances.
        let moves = try String(contentsOfFile: dir + "/moves.csv", encoding: .utf8).split(separator: "\r\n").dropFirst()
        let moved = moves.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let exclaveHouseholds = exclave["households"]?.doubleValue ?? 0
        #expect(moved.filter { $0[3] == host }.compactMap { Double($0[4]) }.reduce(0, +) >= exclaveHouseholds)
        let notice = try String(contentsOfFile: dir + "/notice.csv", encoding: .utf8).split(separator: "\r\n")
            .dropFirst()
        let householdChanges = notice.map { $0.split(separator: ",", omittingEmptySubsequences: false) }.compactMap {
            Double($0[7])
        }
        #expect(householdChanges.reduce(0, +) == 0)

        // Re-digitised a few centimetres off (about 2.6 cm east, 2.2 cm south): the same decisions apply.
        try Self.shifted(units, to: dir + "/units-moved.geojson", dx: 3e-7, dy: -2e-7)
        try Self.shifted(district, to: dir + "/district-moved.geojson", dx: 3e-7, dy: -2e-7)
        let (again, moved2) = try decidedRun(dir + "/units-moved.geojson", dir + "/district-moved.geojson")
        expectDecided(moved2, again)
    }
}
