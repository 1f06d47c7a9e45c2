import Foundation
import GridplanGeometry
import GridplanIO
import GridplanSample
import Testing

/// The written city is consistent apart from the recorded defects: communities tile the
/// district, street offices are unions of their communities, households add up, codes nest.
@Suite struct CityStructureTests {
    let city: LoadedCity

    init() throws {
        city = try LoadedCity(try Fixtures.defaultCity.get())
    }

    @Test func communitiesTileTheDistrictApartFromDefects() throws {
        // Everything where the union of communities differs from the district is a defect.
        let difference = try city.district.symmetricDifference(with: city.unionOfCommunities)
        #expect(try difference.difference(with: city.defectArea).area < 0.05)
        // Unclaimed land is exactly the recorded gaps plus the gap side of digitising noise.
        let gapArea =
            city.defects("gap").reduce(0) { $0 + $1.area }
            + city.defects("digitising_noise").reduce(0) { $0 + ($1.number("gap_m2") ?? 0) }
        let unclaimedArea = try city.unclaimed.area
        #expect(isClose(unclaimedArea, gapArea), "unclaimed \(unclaimedArea) m², recorded \(gapArea) m²")
        // Land claimed twice is exactly the recorded overlaps plus the overlap side of noise.
        let index = try SpatialIndex(context: city.ctx)
        let codes = city.communities.map { $0.properties["code"]!.stringValue! }
        for code in codes { try index.insert(try city.community(code)) }
        var doubled = 0.0, unexplained = 0.0
        for (i, code) in codes.enumerated() {
            let a = try city.community(code)
            for j in index.query(intersecting: a) where j > i {
                let shared = try a.intersection(with: index.geometry(at: j))
                doubled += try shared.area
                unexplained += try shared.difference(with: city.defectArea).area
            }
        }
        let overlapArea =
            city.defects("overlap").reduce(0) { $0 + $1.area }
            + city.defects("digitising_noise").reduce(0) { $0 + ($1.number("overlap_m2") ?? 0) }
        #expect(isClose(doubled, overlapArea), "claimed twice \(doubled) m², recorded \(overlapArea) m²")
        #expect(unexplained < 0.05)
        // Beyond the district edge there is only the bow-tie's outer lobes.
        let bowTies = city.defects("invalid_ring").reduce(0) { $0 + $1.area }
        #expect(isClose(try city.unionOfCommunities.difference(with: city.district).area, bowTies))
    }

    @Test func streetOfficesAreUnionsOfTheirCommunities() throws {
        let offices = try city.layer("street_offices.geojson")
        #expect(offices.count == 8)
        // The office whose territory holds each community: its parent, except where truth says otherwise.
        var territory: [String: String] = [:]
        for f in city.communities {
            territory[f.properties["code"]!.stringValue!] = f.properties["parent"]!.stringValue!
        }
        for d in city.defects("parent_mismatch") { territory[d.units[0]] = d.string("containing_street_office") }
        var total = 0.0
        for office in offices {
            let code = office.properties["code"]!.stringValue!
            let members = city.communities.map { $0.properties["code"]!.stringValue! }.filter { territory[$0] == code }
            #expect(!members.isEmpty)
            let union = try city.ctx.union(of: members.map { try city.community($0) })
            let geometry = try city.native(office.geometry!)
            let difference = try geometry.symmetricDifference(with: union).difference(with: city.defectArea)
            #expect(try difference.area < 0.05, "office \(code)")
            total += try geometry.area
        }
        #expect(isClose(total, try city.district.area))
    }

    @Test func householdsAddUpPerCommunityAndGrid() throws {
        let buildings = try city.layer("buildings.geojson")
        #expect(buildings.count > 8000 && buildings.count < 12000)
        var sums: [String: Int] = [:]
        let index = try SpatialIndex(context: city.ctx)
        let codes = city.communities.map { $0.properties["code"]!.stringValue! }
        let prepared = try codes.map { try city.community($0).prepared() }
        for code in codes { try index.insert(try city.community(code)) }
        for b in buildings {
            let code = b.properties["community"]!.stringValue!
            sums[code, default: 0] += Int(b.properties["households"]!.intValue!)
            // Each building lies in its own community as written, and in no other.
            let p = try city.ctx.geometry(b.geometry!)
            let holders = try index.query(intersecting: p).filter { try prepared[$0].contains(p) }.map { codes[$0] }
            #expect(holders == [code], "building \(b.properties["id"]!.text) in \(holders), declared \(code)")
        }
        var gridSums: [String: Int] = [:]
        let grids = try city.layer("grids_old.geojson")
        var gridHouseholds: [Int] = []
        for g in grids {
            let h = Int(g.properties["households"]!.intValue!)
            gridSums[g.properties["community"]!.stringValue!, default: 0] += h
            gridHouseholds.append(h)
        }
        for f in city.communities {
            let code = f.properties["code"]!.stringValue!
            let declared = Int(f.properties["households"]!.intValue!)
            #expect(sums[code] == declared, "community \(code)")
            #expect(gridSums[code] == declared, "grids of \(code)")
            #expect(f.properties["population"]!.intValue! >= 2 * declared)
        }
        // Workloads are uneven: the busiest grids carry many times the households of the quietest.
        let busy = gridHouseholds.filter { $0 > 0 }.sorted()
        #expect(busy.last! >= 10 * busy.first!)
    }

    @Test func oldGridsTileTheirCommunities() throws {
        let grids = try city.layer("grids_old.geojson")
        var byCommunity: [String: [NativeGeometry]] = [:]
        for g in grids {
            let native = try city.native(g.geometry!)
            #expect(isClose(try native.area, g.properties["area_m2"]!.doubleValue!))
            byCommunity[g.properties["community"]!.stringValue!, default: []].append(native)
        }
        for f in city.communities {
            let code = f.properties["code"]!.stringValue!
            let parts = try #require(byCommunity[code])
            let union = try city.ctx.union(of: parts)
            #expect(isClose(try union.area, try parts.reduce(0) { $0 + (try $1.area) }), "grids of \(code) overlap")
            let difference = try union.symmetricDifference(with: city.community(code)).difference(with: city.defectArea)
            #expect(try difference.area < 0.05, "grids of \(code)")
        }
    }

    @Test func codesNestAndHaveTheirLengths() throws {
        func isDigits(_ s: String, _ n: Int) -> Bool { s.utf8.count == n && s.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }
        let district = try city.layer("district.geojson")
        #expect(district.count == 1)
        let districtCode = district[0].properties["code"]!.stringValue!
        #expect(districtCode == "110101")
        let offices = try city.layer("street_offices.geojson").map { $0.properties["code"]!.stringValue! }
        for o in offices {
            #expect(isDigits(o, 9) && o.hasPrefix(districtCode))
            #expect((1...99).contains(Int(o.suffix(3))!))
        }
        #expect(Set(offices).count == offices.count)
        var communityCodes = Set<String>()
        for f in city.communities {
            let code = f.properties["code"]!.stringValue!, parent = f.properties["parent"]!.stringValue!
            #expect(isDigits(code, 12) && code.hasPrefix(parent) && offices.contains(parent))
            #expect(f.properties["name"]!.stringValue!.hasSuffix("社区"))
            communityCodes.insert(code)
        }
        #expect(communityCodes.count == 60)
        #expect(Set(city.communities.map { $0.properties["name"]!.stringValue! }).count == 60)
        let officeNames = try city.layer("street_offices.geojson").map { $0.properties["name"]!.stringValue! }
        #expect(officeNames.allSatisfy { $0.hasSuffix("街道") })
        let grids = try city.layer("grids_old.geojson")
        for g in grids {
            let code = g.properties["code"]!.stringValue!, community = g.properties["community"]!.stringValue!
            #expect(isDigits(code, 15) && code.hasPrefix(community) && communityCodes.contains(community))
        }
        #expect(Set(grids.map { $0.properties["code"]!.stringValue! }).count == grids.count)
        let componentClasses = Set(SampleCity.componentClasses.map(\.name))
        #expect(componentClasses == ["公用设施", "道路交通", "市容环境", "园林绿化", "其他"])
        let components = try city.layer("components.geojson")
        #expect(components.count > 2000)
        for c in components {
            let id = c.properties["id"]!.stringValue!
            #expect(isDigits(id, 16) && id.hasPrefix(districtCode))
            let cls = try #require(SampleCity.componentClasses.first { $0.name == c.properties["class"]!.stringValue! })
            #expect(Int(id.dropFirst(6).prefix(2)) == cls.major)
        }
        #expect(Set(components.map { $0.properties["id"]!.stringValue! }).count == components.count)
        let events = try city.layer("events.geojson")
        #expect(events.count > 4000 && events.count < 6000)
        let eventClasses = Set(SampleCity.eventClasses.map(\.name))
        #expect(eventClasses.count == 6)
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        for e in events {
            #expect(eventClasses.contains(e.properties["class"]!.stringValue!))
            let date = e.properties["date"]!.stringValue!
            #expect(date.hasPrefix("2023-") && date.count == 10 && formatter.date(from: date) != nil, "\(date)")
        }
    }

    /// Every event runs the case loop: reported, dispatched (but a few), closed on time, late, or
    /// still open at the snapshot; truth.json counts them per community.
    @Test func eventsHaveARealisticLifecycle() throws {
        let events = try city.layer("events.geojson")
        let snapshot = try #require(city.truthHeader["case_snapshot"] as? String)
        #expect(snapshot == "2024-01-01T00:00:00+08:00")
        var outcomes: [String: Int] = [:]
        var sources = Set<String>()
        for e in events {
            let p = e.properties
            let reported = try #require(p["reported_at"]?.stringValue),
                deadline = try #require(p["deadline"]?.stringValue)
            let dispatched = p["dispatched_at"]?.stringValue, closed = p["closed_at"]?.stringValue
            // One offset everywhere, so the texts order as the times do.
            #expect(reported.hasSuffix("+08:00") && reported.hasPrefix(p["date"]!.stringValue!))
            #expect(
                deadline > reported && (dispatched.map { $0 > reported } ?? true)
                    && (closed.map { $0 > dispatched! } ?? true))
            #expect(closed.map { $0 <= snapshot } ?? true)
            let status = p["status"]!.stringValue!
            #expect(status == (closed != nil ? "closed" : dispatched != nil ? "dispatched" : "reported"))
            let outcome =
                closed.map { $0 <= deadline ? "on time" : "late" } ?? (dispatched != nil ? "open" : "never dispatched")
            outcomes[outcome, default: 0] += 1
            sources.insert(p["source"]!.stringValue!)
        }
        #expect(sources == ["patrol", "hotline", "public"])
        let n = Double(events.count)
        #expect(
            Double(outcomes["on time"]!) / n > 0.75 && Double(outcomes["late"]!) / n > 0.08
                && Double(outcomes["open"]!) / n > 0.02)
        #expect(outcomes["never dispatched"]! > 0 && Double(outcomes["never dispatched"]!) / n < 0.05)
        let counts = try #require(city.truthHeader["cases"] as? [String: [String: Int]])
        #expect(counts.count == 60)
        func total(_ key: String) -> Int { counts.values.reduce(0) { $0 + $1[key]! } }
        #expect(
            total("cases") == events.count && total("closed_on_time") == outcomes["on time"]
                && total("closed_late") == outcomes["late"])
        #expect(total("open") == outcomes["open"] && total("never_dispatched") == outcomes["never dispatched"])
        #expect(total("dispatched") == events.count - outcomes["never dispatched"]!)
    }

    @Test func eventsAndComponentsLieInTheDistrict() throws {
        let district = try city.district.prepared()
        for name in ["events.geojson", "components.geojson", "buildings.geojson"] {
            let outside = try city.layer(name).filter { !(try district.covers(city.ctx.geometry($0.geometry!))) }
            #expect(outside.isEmpty, "\(outside.count) features of \(name) lie outside the district")
        }
    }

    @Test func streetsFormAChineseCityNetwork() throws {
        let streets = try city.layer("streets.geojson")
        #expect(streets.count > 1500 && streets.count < 5000)
        #expect(
            Set(streets.map { $0.properties["class"]!.stringValue! }) == ["arterial", "secondary", "branch", "alley"])
        #expect(Set(streets.map { Int($0.properties["id"]!.intValue!) }).count == streets.count)
        // Several segments share a name.
        var segmentsPerName: [String: Int] = [:]
        for s in streets { segmentsPerName[s.properties["name"]!.stringValue!, default: 0] += 1 }
        #expect(segmentsPerName.values.contains { $0 >= 5 })
        #expect(
            segmentsPerName.keys.contains { $0.hasSuffix("大街") } && segmentsPerName.keys.contains { $0.hasSuffix("胡同") }
                && segmentsPerName.keys.contains { $0.hasSuffix("条") })
        // Junctions by degree: dead ends (1), T-junctions (3) and crossings (4).
        struct Key: Hashable { var x: Int64, y: Int64 }
        func key(_ c: Coordinate) -> Key { Key(x: Int64((c.x * 100).rounded()), y: Int64((c.y * 100).rounded())) }
        var degree: [Key: Int] = [:]
        var straight = 0, curved = 0
        for s in streets {
            guard case .lineString(let line) = s.geometry! else {
                Issue.record("not a LineString")
                continue
            }
            degree[key(line.first!), default: 0] += 1
            degree[key(line.last!), default: 0] += 1
            let chord = line.first!.distance(to: line.last!)
            var length = 0.0
            for k in 1..<line.count { length += line[k - 1].distance(to: line[k]) }
            if length - chord < 0.01 { straight += 1 } else if length > chord * 1.002 { curved += 1 }
        }
        let counts = Dictionary(grouping: degree.values, by: { $0 }).mapValues(\.count)
        #expect((counts[1] ?? 0) > 100, "dead ends")
        #expect((counts[3] ?? 0) > 100, "T-junctions")
        #expect((counts[4] ?? 0) > 5, "crossings")
        #expect(straight > 100 && curved > 100)
        // Arterial roads run along community borders; alleys run inside communities.
        let boundaries = try city.ctx.union(
            of: city.communities.map { try city.community($0.properties["code"]!.stringValue!).boundary() })
        var onBorder = 0, inside = 0
        for s in streets {
            let cls = s.properties["class"]!.stringValue!
            guard cls == "arterial" || cls == "alley", case .lineString(let line) = s.geometry! else { continue }
            let mid = Coordinate((line[0].x + line[1].x) / 2, (line[0].y + line[1].y) / 2)
            let d = try city.ctx.geometry(.point(mid)).distance(to: boundaries)
            if cls == "arterial" && d < 0.01 { onBorder += 1 }
            if cls == "alley" && d > 5 { inside += 1 }
        }
        #expect(onBorder > 100 && inside > 300)
    }
}
