import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanSample
import Testing

@Suite struct GenerationTests {
    private func bytes(_ directory: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in SampleWriter.fileNames {
            out[name] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
        }
        return out
    }

    @Test func sameSeedGivesIdenticalBytesAndAnotherSeedAnotherCity() throws {
        let config = SampleConfiguration(seed: 11, communityCount: 25)
        let first = try writeCity(config, label: "det-a"), second = try writeCity(config, label: "det-b")
        var other = config
        other.seed = 12
        let third = try writeCity(other, label: "det-c")
        defer { for d in [first, second, third] { try? FileManager.default.removeItem(atPath: d) } }
        let a = try bytes(first), b = try bytes(second), c = try bytes(third)
        for name in SampleWriter.fileNames {
            #expect(a[name] == b[name], "\(name) differs between two runs with the same seed")
            #expect(!(a[name]!.isEmpty))
        }
        for name in SampleWriter.fileNames {
            #expect(a[name] != c[name], "\(name) is the same for seeds 11 and 12")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: first).sorted() == SampleWriter.fileNames.sorted())
    }

    /// data/ holds the default city; data/README.md says `gridplan sample data --force` regenerates it.
    @Test func bundledDataIsTheDefaultCity() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let bundled = try bytes(root.appendingPathComponent("data").path)
        let generated = try bytes(try Fixtures.defaultCity.get())
        for name in SampleWriter.fileNames {
            #expect(
                bundled[name] == generated[name],
                "data/\(name) is not what `gridplan sample data --force` writes; regenerate it")
        }
    }

    @Test(arguments: [1, 2, 3, 5, 8, 13])
    func smallCitiesAreCompleteAndTile(communities: Int) throws {
        let directory = try writeCity(
            SampleConfiguration(seed: UInt64(communities), communityCount: communities), label: "small\(communities)")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let city = try LoadedCity(directory)
        #expect(city.communities.count == communities)
        #expect(Set(city.communities.map { $0.properties["code"]!.stringValue! }).count == communities)
        let difference = try city.district.symmetricDifference(with: city.unionOfCommunities)
        #expect(try difference.difference(with: city.defectArea).area < 0.05)
        #expect(try city.layer("buildings.geojson").count >= communities)
        #expect(try city.layer("grids_old.geojson").count >= communities)
    }

    @Test func inMemoryCityMatchesItsConfiguration() throws {
        let city = try SampleCity(configuration: SampleConfiguration(seed: 5, communityCount: 300))
        #expect(city.communities.count == 300)
        #expect(city.metricCRS == .epsg(4548))
        // Offices stay within 001-099 and hold a sensible number of communities.
        #expect(city.streetOffices.count >= 10 && city.streetOffices.count <= 99)
        // The district is centred on the configured centre (Beijing Dongcheng).
        let env = city.district.geometry.envelope
        #expect(env.center.distance(to: city.metricCenter) < 2000)
        // Defects scale with the city: 300 communities carry about five times the default's.
        #expect(city.defects.filter { $0.kind == .overlap }.count == 20)
        #expect(Set(city.defects.map(\.kind)) == Set(SampleDefect.Kind.allCases))
        var households = [Int](repeating: 0, count: city.communities.count)
        let indexOf = Dictionary(uniqueKeysWithValues: city.communities.enumerated().map { ($1.code, $0) })
        var streets = 0
        city.forEachCell { layers in
            for b in layers.buildings { households[indexOf[b.community]!] += b.households }
            streets += layers.streets.count
        }
        #expect(households == city.communities.map(\.households))
        #expect(streets > 300 * 25)
    }

    @Test func largeCityUsesTownCodesBeyondNinetyNineOffices() throws {
        let city = try SampleCity(configuration: SampleConfiguration(seed: 2, communityCount: 40_000))
        #expect(city.communities.count == 40_000)
        #expect(city.streetOffices.count <= 399)
        let numbers = city.streetOffices.map { Int($0.code.suffix(3))! }
        #expect(numbers == Array(1...city.streetOffices.count))
        for o in city.streetOffices where Int(o.code.suffix(3))! >= 100 {
            #expect(o.name.hasSuffix("镇") || o.name.hasSuffix("乡"))
        }
        #expect(Set(city.communities.map(\.code)).count == 40_000)
        #expect(Set(city.communities.map(\.name)).count == 40_000)
        var perOffice: [String: Int] = [:]
        for c in city.communities { perOffice[c.parent, default: 0] += 1 }
        #expect(perOffice.values.max()! <= 999)
    }

    @Test func webMapOutputConvertsBackToTheSameAreas() throws {
        var config = SampleConfiguration(seed: 4, communityCount: 12)
        config.outputCRS = .gcj02
        let directory = try writeCity(config, label: "gcj")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let header = try GeoJSONReader.read(path: directory + "/district.geojson")
        #expect(header.declaredCRS == "gcj02")
        let city = try LoadedCity(directory)
        let inMemory = try SampleCity(configuration: config)
        #expect(
            isClose(try city.district.area, try GEOSContext().geometry(inMemory.district.geometry).area, relative: 1e-6)
        )
        for d in city.defects where d.area > 0 {
            #expect(isClose(try city.ctx.geometry(d.geometry).area, d.area))
        }
    }
}
