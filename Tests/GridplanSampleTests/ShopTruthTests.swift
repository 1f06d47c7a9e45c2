import Foundation
import GridplanAnalysis
import GridplanGeometry
import GridplanIO
import GridplanSample
import Testing

/// The sample city's shops against their truth: `Frontage.run` on a generated city, with the
/// carriageway widths, depth and point radius truth.json names, must give every facing shop a
/// zone on exactly the streets it faces, none to a shop set back, frontages that add up along each
/// street side, and zones within the depth that overlap neither each other nor a shop.
@Suite struct ShopTruthTests {
    @Test func frontageFindsTheZonesTheTruthNames() throws {
        let directory = try writeCity(SampleConfiguration(seed: 9, communityCount: 20), label: "shops")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let city = try LoadedCity(directory)
        let truth = try #require(city.truthHeader["shops"] as? [String: Any])
        let facing = try #require(truth["facing"] as? [String: [String]])
        let setBack = Set(try #require(truth["set_back"] as? [String]))
        let widths = try #require(truth["street_widths_m"] as? [String: NSNumber])
        let depth = try #require((truth["depth_m"] as? NSNumber)?.doubleValue)
        let radius = try #require((truth["point_radius_m"] as? NSNumber)?.doubleValue)

        let shops = try city.layer("shops.geojson")
        let units = try shops.enumerated().map { i, f in
            FrontageUnitInput(
                id: try #require(f.properties["shop_id"]?.stringValue), geometry: try #require(f.geometry),
                sourceIndex: i)
        }
        // The city holds every kind the truth speaks of, so no check below passes for want of cases.
        #expect(units.count == facing.count + setBack.count)
        #expect(Set(units.map(\.id)) == Set(facing.keys).union(setBack))
        #expect(facing.values.filter { $0.count == 2 }.count >= 5, "corner shops")
        #expect(setBack.count >= 5)
        let points = units.filter { if case .point = $0.geometry { return true } else { return false } }
        #expect(points.count >= 20)
        #expect(points.contains { facing[$0.id] != nil } && points.contains { setBack.contains($0.id) })

        let streets = try city.layer("streets.geojson").enumerated().map { i, f in
            FrontageStreetInput(
                name: f.properties["name"]?.stringValue, streetClass: f.properties["class"]?.stringValue,
                geometry: try #require(f.geometry), sourceIndex: i)
        }
        var options = FrontageOptions()
        options.depthMetres = depth
        options.pointRadiusMetres = radius
        options.widthByClassMetres = widths.mapValues(\.doubleValue)
        let report = try Frontage.run(units: units, streets: streets, options: options)
        #expect(report.problems.isEmpty, "\(report.problems.prefix(3))")

        var streetsOf: [String: Set<String>] = [:]
        for z in report.zones { streetsOf[z.owner, default: []].insert(z.street ?? "") }
        for (id, names) in facing.sorted(by: { $0.key < $1.key }) {
            #expect(streetsOf[id] == Set(names), "shop \(id) faces \(names)")
        }
        for id in setBack.sorted() { #expect(streetsOf[id] == nil, "shop \(id) is set back") }
        #expect(report.summary.ownersWithoutZone.sorted() == setBack.sorted())

        // Along each street side the zones' frontage and the uncovered kerb add up to no more than the kerb.
        for side in report.summary.streetSides {
            let faced = report.zones.filter { $0.streetIndex == side.streetIndex && $0.side == side.side }
                .reduce(0) { $0 + $1.frontageMetres }
            #expect(abs(faced - side.frontageMetres) < 1e-6)
            #expect(
                side.frontageMetres + side.uncoveredMetres <= side.lengthMetres + 0.01,
                "\(side.street ?? "-") \(side.side): \(side.frontageMetres) + \(side.uncoveredMetres) > \(side.lengthMetres)"
            )
        }

        let ctx = GEOSContext()
        let zones = try report.zones.map { try ctx.geometry($0.geometry) }
        let zoneIndex = try SpatialIndex(context: ctx)
        for z in zones { try zoneIndex.insert(z) }
        for (i, z) in zones.enumerated() {
            #expect(report.zones[i].depthMetres <= depth + 1e-6)
            for j in zoneIndex.query(intersecting: z) where j > i {
                let overlap = try z.intersection(with: zones[j]).area
                #expect(
                    overlap < 1e-6,
                    "zones of \(report.zones[i].owner) and \(report.zones[j].owner) overlap by \(overlap) m²")
            }
        }
        for u in units {
            guard case .polygon = u.geometry else { continue }
            let footprint = try ctx.geometry(u.geometry)
            for k in zoneIndex.query(intersecting: footprint) {
                #expect(
                    try zones[k].intersection(with: footprint).area < 1e-6,
                    "the zone of \(report.zones[k].owner) lies on shop \(u.id)")
            }
        }
    }

    /// Shops come from their own random stream: a city's other files do not depend on them, and
    /// every shop stands inside the district.
    @Test func shopsStandInTheDistrict() throws {
        let directory = try writeCity(SampleConfiguration(seed: 4, communityCount: 6), label: "shops-in")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let city = try LoadedCity(directory)
        let shops = try city.layer("shops.geojson")
        #expect(!shops.isEmpty)
        for f in shops {
            let g = try city.ctx.geometry(try #require(f.geometry))
            #expect(try g.isCovered(by: city.district), "\(f.properties["shop_id"]?.stringValue ?? "?")")
            #expect(f.properties["name"]?.stringValue?.isEmpty == false)
        }
    }
}
