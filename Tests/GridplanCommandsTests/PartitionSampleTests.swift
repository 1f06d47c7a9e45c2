import Foundation
import GridplanAnalysis
import GridplanCommands
import GridplanCRS
import GridplanGeometry
import GridplanIO
import Testing

/// Properties of partitioning sample cities of several seeds: exact tiling and contiguity where the
/// grids are made (in metres), valid written polygons, unique ordered codes, determinism.
@Suite struct PartitionSampleTests {
    @Test(arguments: [UInt64(1), 2, 5])
    func gridsTileCommunitiesWithinBounds(seed: UInt64) throws {
        let dir = try scratch()
        #expect(gridplan("sample", dir + "/city", "--seed", String(seed), "--quiet").code == 0)
        let city = dir + "/city/"
        let t = try Transformer(from: .wgs84, to: .epsg(4548))
        let communityFeatures = try GeoJSONReader.read(path: city + "communities.geojson").features
        let communities = try communityFeatures.map {
            CommunityInput(code: $0.properties["code"]!.stringValue!, geometry: try t.transform($0.geometry!))
        }
        let streets = try GeoJSONReader.read(path: city + "streets.geojson").features.map {
            StreetInput(geometry: try t.transform($0.geometry!), streetClass: $0.properties["class"]!.stringValue!)
        }
        let households = try GeoJSONReader.read(path: city + "buildings.geojson").features.compactMap {
            f -> (Coordinate, Double)? in
            guard case .point(let c)? = f.geometry else { return nil }
            return (try t.transform(c), f.properties["households"]?.doubleValue ?? 0)
        }
        let report = try Partitioner.run(communities: communities, streets: streets, households: households)
        let infeasible = Set(report.communities.filter { $0.infeasibility != nil }.map(\.code))
        #expect(Double(infeasible.count) <= 0.1 * Double(communities.count))
        let ctx = GEOSContext()
        var codes = Set<String>()
        for c in communities {
            let mine = report.grids.filter { $0.communityCode == c.code }
            #expect(!mine.isEmpty, "community \(c.code) has no grids")
            let shape = try ctx.geometry(c.geometry).madeValid().geometry
            let natives = try mine.map { try ctx.geometry($0.geometry) }
            // Contiguous grids, unless the community itself is in pieces (a repaired bow-tie's lobe
            // meets the rest at a point and must join some grid).
            let communityParts = shape.kind == .multiPolygon ? shape.numberOfGeometries : 1
            for n in natives {
                #expect(try n.isValid)
                if n.kind == .multiPolygon {
                    #expect(communityParts > 1, "a grid of \(c.code) is in \(n.numberOfGeometries) pieces")
                }
            }
            // The union is the community, without overlap, to within the 1 µm snap used where two
            // cuts computed an edge a hair apart: the perimeter times 1 µm.
            let bound = max(1e-6, try shape.length * 1e-6)
            let union = try ctx.union(of: natives)
            let sum = try natives.reduce(0.0) { $0 + (try $1.area) }
            let symmetric = try union.symmetricDifference(with: shape).area
            #expect(symmetric <= bound, "community \(c.code): grids differ from it by \(symmetric) m² (bound \(bound))")
            #expect(abs(sum - (try union.area)) <= bound, "community \(c.code): grids overlap")
            for g in mine {
                #expect(g.code.count == 15 && g.code.hasPrefix(c.code) && g.code.allSatisfy(\.isNumber), "\(g.code)")
                #expect(codes.insert(g.code).inserted, "duplicate code \(g.code)")
                if !infeasible.contains(c.code) { #expect(g.withinBounds, "\(g.code): \(g.households) households") }
            }
            // Codes run in reading order: sequence numbers ascend as grids are listed.
            #expect(mine.compactMap { Int($0.code.suffix(3)) } == Array(1...mine.count), "community \(c.code)")
        }
        // The command writes the same grids as valid polygons, and the same bytes every time.
        let args = [
            "partition", city + "communities.geojson", "--streets", city + "streets.geojson", "--households",
            city + "buildings.geojson", "--quiet", "--out",
        ]
        let first = gridplan(
            args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], dir + "/g1.geojson")
        let second = gridplan(
            args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], dir + "/g2.geojson")
        #expect(first.code == 0 && second.code == 0, "\(first.err)")
        let written = try GeoJSONReader.read(path: dir + "/g1.geojson").features
        #expect(Set(written.compactMap { $0.properties["code"]?.stringValue }) == codes)
        for f in written {
            #expect(try ctx.geometry(f.geometry!).isValid, "\(f.properties["code"]!.text) written invalid")
        }
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: dir + "/g1.geojson"))
                == Data(contentsOf: URL(fileURLWithPath: dir + "/g2.geojson")))
    }
}
