import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO

/// The district of a generated city.
public struct SampleDistrict: Sendable {
    public var code: String
    public var name: String
    /// The union of the communities' legal (intended) outlines, in the metric CRS.
    public var geometry: Geometry
}

/// A street office (街道, or 镇/乡 in very large cities).
public struct SampleStreetOffice: Sendable {
    /// 9 digits: district (6) + office (3).
    public var code: String
    public var name: String
    /// The district code.
    public var parent: String
    /// The office's territory: the union of its communities' legal outlines, in the metric CRS.
    public var geometry: Geometry
}

/// A community (社区) as written to `communities.geojson`.
public struct SampleCommunity: Sendable {
    /// 12 digits: street office (9) + community (3).
    public var code: String
    public var name: String
    /// The declared parent street office's code.
    public var parent: String
    public var households: Int
    public var population: Int
    /// The outline as written, defects included, in the metric CRS.
    public var geometry: Geometry
    /// The legal outline, before digitising defects, in the metric CRS.
    public var intendedGeometry: Geometry
    /// Code of the street office whose territory holds the community (differs from `parent`
    /// only for a parent-mismatch defect).
    public var territoryOffice: String
}

/// A synthetic city with known defects, generated deterministically from a
/// ``SampleConfiguration``: district, street offices and communities with their defects in
/// memory; streets, buildings, events, components and old grids streamed cell by cell with
/// ``forEachCell(_:)``, so a city of 100,000 communities needs memory only for its outlines.
///
/// Everything is laid out in metres in ``metricCRS`` around the configured centre; writers
/// transform to the output CRS. Time and memory are linear in the number of communities.
///
/// ```swift
/// let city = try SampleCity(configuration: SampleConfiguration(seed: 3, communityCount: 60))
/// city.defects.filter { $0.kind == .overlap }.map(\.areaSquareMetres)
/// ```
public final class SampleCity {
    public let configuration: SampleConfiguration
    public let metricCRS: CRS
    /// The configured centre in the metric CRS.
    public let metricCenter: Coordinate
    public private(set) var district: SampleDistrict
    public private(set) var streetOffices: [SampleStreetOffice] = []
    public private(set) var communities: [SampleCommunity] = []
    public private(set) var defects: [SampleDefect] = []

    let lattice: Lattice
    let names: SampleNames
    let officeLayout: OfficeLayout
    /// Buildings and people per cell, relative to the city's mean (0.15...1.9).
    var density: [Double] = []
    /// Cells kept free of through roads (hosts of enclaves and exclaves, and some others).
    var isCompound: [Bool] = []
    var communityIndexOfCell: [Int] = []
    var shapes: [CommunityShape] = []
    /// Community index of the enclave inside each host cell, if any.
    var enclaveOfCell: [Int: Int] = [:]
    /// Exclave parts by owner community: (host cell, ring).
    var exclaveOfCommunity: [Int: (host: Int, ring: [Coordinate])] = [:]
    /// Owner community of the exclave lying in each host cell, if any.
    var exclaveInCell: [Int: Int] = [:]

    /// Generates the city in memory (everything but the streamed layers).
    /// - Throws: ``SampleError`` for a bad configuration, `CRSError` when the centre cannot be
    ///   placed in the metric CRS, `GeometryError` if GEOS fails.
    public init(configuration: SampleConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
        metricCRS = configuration.metricCRS
        metricCenter = try Transformer(from: .wgs84, to: metricCRS).transform(configuration.center)
        names = SampleNames(seed: configuration.seed)
        let n = configuration.communityCount
        let enclaveCount = n >= 8 ? max(1, Int((Double(n) / 60).rounded())) : 0
        lattice = Lattice(seed: configuration.seed, cellCount: n - enclaveCount, center: metricCenter)
        officeLayout = OfficeLayout(lattice: lattice)
        district = SampleDistrict(code: configuration.districtCode, name: "样例区", geometry: .geometryCollection([]))
        density = Self.densities(lattice: lattice, seed: configuration.seed)

        let planner = DefectPlanner(lattice: lattice, offices: officeLayout, seed: configuration.seed)
        planner.planAll(enclaveCount: enclaveCount)
        isCompound = planner.compound
        try build(plan: planner.plan)
    }

    /// Smooth value noise over the lattice: dense quarters and sparse ones.
    static func densities(lattice: Lattice, seed: UInt64) -> [Double] {
        func node(_ a: Int, _ b: Int) -> Double {
            var rng = SplitMix64(seed: seed, stream: .density, a, b)
            return rng.uniform(0.15, 1.85)
        }
        return (0..<lattice.cellCount).map { c in
            let (i, j) = lattice.position(of: c)
            let x = Double(i) / 4, y = Double(j) / 4
            let a = Int(x.rounded(.down)), b = Int(y.rounded(.down))
            let fx = x - Double(a), fy = y - Double(b)
            let v =
                node(a, b) * (1 - fx) * (1 - fy) + node(a + 1, b) * fx * (1 - fy) + node(a, b + 1) * (1 - fx) * fy
                + node(a + 1, b + 1) * fx * fy
            var rng = SplitMix64(seed: seed, stream: .density, -1 - i, j)
            return min(1.9, max(0.15, v + rng.uniform(-0.15, 0.15)))
        }
    }

    // MARK: Building the outlines

    private enum Slot {
        case cell(Int)
        case enclave(host: Int, number: Int)
    }

    private func build(plan: [PlannedDefect]) throws {
        let seed = configuration.seed
        let officeCount = officeLayout.officeCount
        var enclaveHost: [Int: Int] = [:]
        var mismatch: [Int: Int] = [:]
        for d in plan {
            switch d {
            case .enclave(let host, let number): enclaveHost[host] = number
            case .parentMismatch(let cell, let declared): mismatch[cell] = declared
            default: break
            }
        }
        // Communities of each office, north to south and west to east; an enclave follows its
        // host; a community with a mismatched parent is listed last under its declared parent.
        var members = [[Slot]](repeating: [], count: officeCount)
        for j in stride(from: lattice.rows - 1, through: 0, by: -1) {
            for i in lattice.rowStart[j]..<(lattice.rowStart[j] + lattice.rowLength[j]) {
                let c = lattice.index(i, j)!
                if mismatch[c] == nil { members[officeLayout.officeOfCell[c]].append(.cell(c)) }
                if let number = enclaveHost[c] {
                    members[officeLayout.officeOfCell[c]].append(.enclave(host: c, number: number))
                }
            }
        }
        for d in plan {
            if case .parentMismatch(let cell, let declared) = d { members[declared].append(.cell(cell)) }
        }

        let districtCode = configuration.districtCode
        var officeCodes: [String] = []
        for o in 0..<officeCount {
            let code = districtCode + Self.threeDigits(OfficeLayout.code(ofOffice: o))
            officeCodes.append(code)
            streetOffices.append(
                SampleStreetOffice(
                    code: code, name: names.streetOfficeName(o, code: OfficeLayout.code(ofOffice: o)),
                    parent: districtCode, geometry: .geometryCollection([])))
        }

        communityIndexOfCell = [Int](repeating: -1, count: lattice.cellCount)
        var territory: [Int] = []
        for o in 0..<officeCount {
            for (seq, slot) in members[o].enumerated() {
                let index = communities.count
                let code = officeCodes[o] + Self.threeDigits(seq + 1)
                var rng: SplitMix64
                let households: Int
                let shape: CommunityShape
                switch slot {
                case .cell(let c):
                    communityIndexOfCell[c] = index
                    territory.append(officeLayout.officeOfCell[c])
                    rng = SplitMix64(seed: seed, stream: .households, c)
                    households = Int(((350 + 1750 * density[c]) * rng.uniform(0.85, 1.15)).rounded())
                    shape = CommunityShape(cell: c, sides: lattice.sides(of: c))
                case .enclave(let host, let number):
                    territory.append(officeLayout.officeOfCell[host])
                    rng = SplitMix64(seed: seed, stream: .households, -1 - number)
                    households = 150 + rng.int(below: 300)
                    var shapeRng = SplitMix64(seed: seed, stream: .enclave, host)
                    let frame = lattice.frame(of: host)
                    let center = frame.point(0.5 + shapeRng.uniform(-0.04, 0.04), 0.5 + shapeRng.uniform(-0.04, 0.04))
                    let ring = SideEdit.blob(center: center, radius: frame.size * 0.15, vertices: 9, rng: &shapeRng)
                    shape = CommunityShape(cell: nil, sides: [], ring: ring)
                    enclaveOfCell[host] = index
                }
                let population = Int((Double(households) * rng.uniform(2.2, 2.8)).rounded())
                shapes.append(shape)
                communities.append(
                    SampleCommunity(
                        code: code, name: names.communityName(index), parent: officeCodes[o], households: households,
                        population: population, geometry: .geometryCollection([]),
                        intendedGeometry: .geometryCollection([]),
                        territoryOffice: officeCodes[territory[index]]))
            }
        }

        try applyDefects(plan)

        for k in communities.indices {
            communities[k].geometry = shapes[k].geometry(written: true)
            communities[k].intendedGeometry = shapes[k].geometry(written: false)
        }

        // Offices and the district: unions of the legal outlines, which share identical borders,
        // so GEOS's fast coverage union applies.
        let ctx = GEOSContext()
        var parts = [[NativeGeometry]](repeating: [], count: officeCount)
        for k in communities.indices {
            let geometry = communities[k].intendedGeometry
            switch geometry {
            case .polygon(let p): parts[territory[k]].append(try ctx.geometry(.polygon(p)))
            case .multiPolygon(let ps): for p in ps { parts[territory[k]].append(try ctx.geometry(.polygon(p))) }
            default: break
            }
        }
        var officeGeometries: [NativeGeometry] = []
        for o in 0..<officeCount {
            let union = try ctx.collection(parts[o]).coverageUnion()
            streetOffices[o].geometry = try Self.polygonal(union)
            officeGeometries.append(union)
        }
        district.geometry = try Self.polygonal(ctx.collection(officeGeometries).coverageUnion())
    }

    static func polygonal(_ g: NativeGeometry) throws -> Geometry {
        let polygons = try g.polygonValues()
        return polygons.count == 1 ? .polygon(polygons[0]) : .multiPolygon(polygons)
    }

    static func threeDigits(_ n: Int) -> String {
        n < 10 ? "00\(n)" : (n < 100 ? "0\(n)" : "\(n)")
    }

    /// Community index of the lattice cell.
    private func community(_ cell: Int) -> Int { communityIndexOfCell[cell] }

    /// Builds each planned defect's geometry into the shapes and records it.
    private func applyDefects(_ plan: [PlannedDefect]) throws {
        let seed = configuration.seed
        let ctx = GEOSContext()
        func add(
            _ kind: SampleDefect.Kind, _ units: [String], _ area: Double, _ geometry: Geometry,
            _ details: JSONObject = JSONObject(), location: Coordinate? = nil
        ) {
            defects.append(
                SampleDefect(
                    id: defects.count + 1, kind: kind, units: units, areaSquareMetres: area, geometry: geometry,
                    details: details, location: location))
        }
        func code(_ cell: Int) -> String { communities[community(cell)].code }
        func neighbour(_ cell: Int, _ side: Int) -> Int { lattice.neighbour(of: cell, side: side)! }

        for (number, d) in plan.enumerated() {
            var rng = SplitMix64(seed: seed, stream: .defectShape, number)
            switch d {
            case .enclave(let host, _):
                let w = enclaveOfCell[host]!
                let v = community(host)
                let ring = shapes[w].ring!
                shapes[v].holes.append(ring)
                add(
                    .enclave, [communities[w].code, communities[v].code], SideEdit.area(ring),
                    .polygon(Polygon(rings: [ring])))

            case .exclave(let owner, let host):
                let frame = lattice.frame(of: host)
                let center = frame.point(0.5 + rng.uniform(-0.05, 0.05), 0.5 + rng.uniform(-0.05, 0.05))
                let ring = SideEdit.blob(center: center, radius: frame.size * 0.085, vertices: 7, rng: &rng)
                let x = community(owner), y = community(host)
                shapes[y].holes.append(ring)
                shapes[x].extraParts.append(ring)
                exclaveOfCommunity[x] = (host, ring)
                exclaveInCell[host] = x
                add(
                    .exclave, [communities[x].code, communities[y].code], SideEdit.area(ring),
                    .polygon(Polygon(rings: [ring])),
                    [
                        "street_offices": .array([
                            .string(communities[x].territoryOffice), .string(communities[y].territoryOffice),
                        ])
                    ])

            case .jaggedBorder(let cell, let side):
                let a = community(cell), b = community(neighbour(cell, side))
                let size = lattice.frame(of: neighbour(cell, side)).size
                let (newSide, region) = SideEdit.tongue(
                    shapes[a].sides[side], reach: size * 0.36, halfWidth: min(50, size * 0.11), rng: &rng)
                shapes[a].sides[side] = newSide
                shapes[b].sides[(side + 2) % 4] = newSide.reversed()
                shapes[a].reshaped = true
                shapes[b].reshaped = true
                add(
                    .jaggedBorder, [communities[a].code, communities[b].code], SideEdit.area(region),
                    .polygon(Polygon(rings: [region])))

            case .parentMismatch(let cell, _):
                let m = community(cell)
                let ring = shapes[m].intendedRing
                add(
                    .parentMismatch, [communities[m].code, communities[m].parent, communities[m].territoryOffice],
                    SideEdit.area(ring),
                    .polygon(Polygon(rings: [ring])),
                    [
                        "declared_parent": .string(communities[m].parent),
                        "containing_street_office": .string(communities[m].territoryOffice),
                    ])

            case .overlap(let cell, let side, let width):
                let a = community(cell), b = community(neighbour(cell, side))
                let (i0, i1) = SideEdit.stretch(of: shapes[a].sides[side])
                let (newSide, region) = SideEdit.displaced(
                    shapes[a].sides[side], from: i0, to: i1, width: width, outward: true)
                shapes[a].writtenSides = shapes[a].sides
                shapes[a].writtenSides![side] = newSide
                shapes[b].avoid.append(region)
                add(
                    .overlap, [communities[a].code, communities[b].code], SideEdit.area(region),
                    .polygon(Polygon(rings: [region])),
                    [
                        "width_m": .number(width)
                    ])

            case .gap(let cell, let side, let width, let open):
                let a = community(cell)
                let (i0, i1) = SideEdit.stretch(of: shapes[a].sides[side])
                let (newSide, region) = SideEdit.displaced(
                    shapes[a].sides[side], from: i0, to: i1, width: width, outward: false)
                shapes[a].writtenSides = shapes[a].sides
                shapes[a].writtenSides![side] = newSide
                shapes[a].avoid.append(region)
                var units = [communities[a].code]
                if !open { units.append(code(neighbour(cell, side))) }
                add(
                    .gap, units, SideEdit.area(region), .polygon(Polygon(rings: [region])),
                    [
                        "width_m": .number(width), "open_to_district_edge": .bool(open),
                    ])

            case .noise(let cell, let side):
                let a = community(cell)
                shapes[a].writtenSides = shapes[a].sides
                shapes[a].writtenSides![side] = SideEdit.noisy(shapes[a].sides[side], rng: &rng)
                let before = try ctx.geometry(.polygon(Polygon(rings: [shapes[a].intendedRing] + shapes[a].holes)))
                let after = try ctx.geometry(.polygon(Polygon(rings: [shapes[a].writtenRing] + shapes[a].holes)))
                let slivers = try after.symmetricDifference(with: before)
                let claimed = try after.difference(with: before).area
                let lost = try before.difference(with: after).area
                add(
                    .digitisingNoise, [communities[a].code, code(neighbour(cell, side))], try slivers.area,
                    .multiPolygon(try slivers.polygonValues()),
                    [
                        "overlap_m2": .number(Self.rounded(claimed)), "gap_m2": .number(Self.rounded(lost)),
                        "max_width_m": .number(0.6),
                    ])

            case .bowTie(let cell, let side):
                let a = community(cell)
                let (newSide, lobes, crossing) = SideEdit.bowTie(shapes[a].sides[side])
                shapes[a].writtenSides = shapes[a].sides
                shapes[a].writtenSides![side] = newSide
                add(
                    .invalidRing, [communities[a].code], lobes.reduce(0) { $0 + SideEdit.area($1) },
                    .multiPolygon(lobes.map { Polygon(rings: [$0]) }),
                    [
                        "problem": .string("self_intersection"),
                        "description": .string(
                            "the exterior ring crosses itself (a bow-tie); its two lobes lie outside the district"),
                    ], location: crossing)

            case .repeatedPoints(let cell, let side):
                let a = community(cell)
                let (newSide, point) = SideEdit.repeatedPoint(shapes[a].sides[side])
                shapes[a].writtenSides = shapes[a].sides
                shapes[a].writtenSides![side] = newSide
                add(
                    .invalidRing, [communities[a].code], 0, .point(point),
                    [
                        "problem": .string("repeated_points"),
                        "description": .string("one vertex of the exterior ring is written three times in a row"),
                    ], location: point)
            }
        }
    }

    /// Areas and lengths in `truth.json`: millimetre (square-millimetre) precision.
    static func rounded(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}
