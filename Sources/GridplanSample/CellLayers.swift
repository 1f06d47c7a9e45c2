import GridplanGeometry

/// A street segment: a piece of road between junctions or to a dead end.
public struct SampleStreet: Sendable {
    /// 1-based, in file order.
    public var id: Int
    /// Chinese road name; the segments of one road share it.
    public var name: String
    public var roadClass: RoadClass
    /// The centre line, in the metric CRS.
    public var line: [Coordinate]
}

/// A residential (or, with 0 households, other) building, as a point.
public struct SampleBuilding: Sendable {
    public var id: Int
    /// Code of the community whose written outline holds the building.
    public var community: String
    public var households: Int
    public var location: Coordinate
}

/// A reported city-management case (事件).
public struct SampleEvent: Sendable {
    public var id: Int
    /// One of the six event classes (``SampleCity/eventClasses``).
    public var eventClass: String
    public var type: String
    /// `YYYY-MM-DD` in ``SampleConfiguration/eventYear``: the local day it was reported.
    public var date: String
    public var location: Coordinate
    /// Reported, dispatched, closed, deadline, status and source.
    public var lifecycle: SampleLifecycle
    /// Code of the community whose legal outline holds the event (for truth.json).
    public var community: String
}

/// A city component (部件): manhole cover, lamp, bin...
public struct SampleComponent: Sendable {
    /// 16 digits: district (6) + major class (2) + minor class (2) + serial (6).
    public var id: String
    /// One of the five component classes (``SampleCity/componentClasses``).
    public var componentClass: String
    public var type: String
    public var location: Coordinate
}

/// A unit grid of the old, hand-drawn grid layer (单元网格).
public struct SampleGrid: Sendable {
    /// 15 digits: community (12) + sequence (3), numbered north→south, then west→east.
    public var code: String
    public var name: String
    public var community: String
    /// Households of the buildings inside the grid.
    public var households: Int
    public var areaSquareMetres: Double
    /// The outline, in the metric CRS. Old grids follow the communities' legal (intended)
    /// outlines, so they differ from `communities.geojson` exactly where digitising defects are.
    public var geometry: Geometry
}

/// Everything generated for one lattice cell: the roads it owns, and the buildings, events,
/// components and old grids of its community (and of an enclave or exclave it carries).
public struct SampleCellLayers: Sendable {
    public var cell: Int
    public var streets: [SampleStreet] = []
    public var buildings: [SampleBuilding] = []
    public var events: [SampleEvent] = []
    public var components: [SampleComponent] = []
    public var grids: [SampleGrid] = []
    /// The frontage units (shops) standing in the cell.
    public var shops: [SampleShop] = []
}

extension SampleCity {
    /// The five component classes with their 2-digit major codes and minor types.
    public static let componentClasses:
        [(name: String, major: Int, weight: Double, types: [(minor: Int, name: String)])] = [
            (
                "公用设施", 1, 0.45,
                [(1, "上水井盖"), (2, "污水井盖"), (3, "雨水井盖"), (4, "电力井盖"), (5, "通信井盖"), (6, "燃气井盖"), (8, "消防栓"), (11, "路灯")]
            ),
            ("道路交通", 2, 0.2, [(1, "公交站亭"), (3, "交通标志牌"), (5, "交通信号灯"), (7, "道路护栏"), (9, "自行车停放点")]),
            ("市容环境", 3, 0.15, [(1, "公共厕所"), (3, "垃圾箱"), (5, "报刊亭"), (7, "广告牌")]),
            ("园林绿化", 4, 0.15, [(1, "古树名木"), (2, "行道树"), (4, "绿地护栏"), (6, "花坛")]),
            ("其他", 5, 0.05, [(1, "监控电子眼"), (3, "人防工事"), (5, "公共信息屏")]),
        ]

    /// The six event classes with their types.
    public static let eventClasses: [(name: String, weight: Double, types: [String])] = [
        ("市容环境", 0.3, ["暴露垃圾", "积存垃圾渣土", "道路不洁", "绿地脏乱"]),
        ("宣传广告", 0.15, ["违章张贴小广告", "违规户外广告", "横幅标语"]),
        ("施工管理", 0.1, ["施工扰民", "施工占道", "无证掘路"]),
        ("突发事件", 0.05, ["路面塌陷", "自来水管破裂", "燃气管道破裂", "下水道堵塞"]),
        ("街面秩序", 0.35, ["无照经营游商", "店外经营", "机动车乱停放", "非机动车乱停放"]),
        ("其他", 0.05, ["其他"]),
    ]

    private static let monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

    /// Number of lattice cells, i.e. of calls ``forEachCell(_:)`` makes.
    public var cellCount: Int { lattice.cellCount }

    /// Generates the streamed layers cell by cell, in a fixed order, and hands each cell's
    /// content to `body`. Identifiers run on across cells.
    public func forEachCell(_ body: (SampleCellLayers) throws -> Void) rethrows {
        var counters = Counters()
        for c in 0..<lattice.cellCount { try body(layers(ofCell: c, counters: &counters)) }
    }

    struct Counters {
        var street = 0
        var building = 0
        var event = 0
        var componentSerial = [Int](repeating: 0, count: 5 * 16)
        var shop = 0
    }

    /// The road along a lattice edge, named by its line and stretch; nil where the edge has none.
    func borderRoad(_ key: EdgeKey) -> RoadPath? {
        let e = lattice.edge(key)
        guard let rc = e.roadClass else { return nil }
        let name = names.lineRoadName(
            rc, vertical: key.isVertical, line: key.isVertical ? key.i : key.j,
            stretch: Lattice.floorDiv(key.isVertical ? key.j : key.i, 5))
        return RoadPath(name: name, roadClass: rc, points: e.points, junctions: e.anchors)
    }

    func layers(ofCell c: Int, counters: inout Counters) -> SampleCellLayers {
        var out = SampleCellLayers(cell: c)
        let seed = configuration.seed
        let (i, j) = lattice.position(of: c)
        let frame = lattice.frame(of: c)
        let inner = internalRoads(ofCell: c)

        // Roads along the cell's borders: each edge belongs to the cell south or west of it, or
        // to the only cell it touches.
        var border: [RoadPath] = []
        func addBorder(_ key: EdgeKey) {
            if let road = borderRoad(key) { border.append(road) }
        }
        addBorder(EdgeKey(isVertical: false, i: i, j: j))
        addBorder(EdgeKey(isVertical: true, i: i, j: j))
        if lattice.index(i, j + 1) == nil { addBorder(EdgeKey(isVertical: false, i: i, j: j + 1)) }
        if lattice.index(i + 1, j) == nil { addBorder(EdgeKey(isVertical: true, i: i + 1, j: j)) }
        let roads = border + inner
        for path in roads {
            for segment in path.segments() {
                counters.street += 1
                out.streets.append(
                    SampleStreet(id: counters.street, name: path.name, roadClass: path.roadClass, line: segment))
            }
        }

        // Buildings, then the grids they fall in.
        let k = communityIndexOfCell[c]
        let cellRing = CommunityShape.ring(from: lattice.sides(of: c))
        var rng = SplitMix64(seed: seed, stream: .buildings, c)
        var places = buildingPlaces(community: k, cellRing: cellRing, frame: frame, roads: inner, rng: &rng)
        if let exclave = exclaveOfCommunity[k] {
            places += pointsInside(exclave.ring, count: 3, margin: 3, rng: &rng)
        }
        var gridRng = SplitMix64(seed: seed, stream: .grids, c)
        var mainGrids = oldGrids(of: shapes[k], frame: frame, rng: &gridRng)
        if let exclave = exclaveOfCommunity[k] { mainGrids.append([exclave.ring]) }
        emit(community: k, places: places, grids: mainGrids, rng: &rng, counters: &counters, into: &out)
        if let w = enclaveOfCell[c] {
            let ring = shapes[w].ring!
            let count = 5 + rng.int(below: 6)
            emit(
                community: w, places: pointsInside(ring, count: count, margin: 4, rng: &rng), grids: [[ring]],
                rng: &rng, counters: &counters, into: &out)
        }

        // Events anywhere in the cell, busier where more people live.
        var eventRng = SplitMix64(seed: seed, stream: .events, c)
        var lifecycleRng = SplitMix64(seed: seed, stream: .lifecycle, c)
        let eventCount = Int((20 + 80 * density[c]).rounded())
        for _ in 0..<eventCount {
            var p = frame.point(0.5, 0.5)
            for _ in 0..<10 {
                let q = frame.point(eventRng.unit(), eventRng.unit())
                if Plane.contains(cellRing, q) {
                    p = q
                    break
                }
            }
            let cls = eventRng.pick(Self.eventClasses.map { ($0, $0.weight) })
            let type = cls.types[eventRng.int(below: cls.types.count)]
            var day = eventRng.int(below: 365)
            let dayOfYear = day
            var month = 0
            while day >= Self.monthDays[month] {
                day -= Self.monthDays[month]
                month += 1
            }
            counters.event += 1
            let date =
                "\(SampleConfiguration.eventYear)-\(month < 9 ? "0" : "")\(month + 1)-\(day < 9 ? "0" : "")\(day + 1)"
            let life = SampleLifecycle.draw(day: dayOfYear, eventClass: cls.name, rng: &lifecycleRng)
            out.events.append(
                SampleEvent(
                    id: counters.event, eventClass: cls.name, type: type, date: date, location: p, lifecycle: life,
                    community: communities[legalCommunity(of: p, inCell: c)].code))
        }

        // Components along the roads: covers in the carriageway, lamps and trees at the kerb.
        var componentRng = SplitMix64(seed: seed, stream: .components, c)
        let componentCount = Int((20 + 35 * density[c]).rounded())
        let lengths = roads.map { Plane.length($0.points) }
        for _ in 0..<componentCount {
            let classIndex = componentRng.pick(
                Self.componentClasses.indices.map { ($0, Self.componentClasses[$0].weight) })
            let cls = Self.componentClasses[classIndex]
            let typeIndex = componentRng.int(below: cls.types.count)
            let type = cls.types[typeIndex]
            var p: Coordinate
            if roads.isEmpty {
                p = frame.point(componentRng.uniform(0.1, 0.9), componentRng.uniform(0.1, 0.9))
            } else {
                let r = componentRng.int(below: roads.count)
                let (q, d) = Plane.point(along: roads[r].points, at: componentRng.unit() * lengths[r])
                let offset = componentRng.uniform(1, 6) * componentRng.sign()
                p = Coordinate(q.x - d.y * offset, q.y + d.x * offset)
                // Keep kerb-side things on this cell's side, so none falls outside the district.
                if !Plane.contains(cellRing, p) { p = Coordinate(q.x + d.y * offset, q.y - d.x * offset) }
            }
            let slot = classIndex * 16 + typeIndex
            guard counters.componentSerial[slot] < 999_999 else { continue }
            counters.componentSerial[slot] += 1
            let id =
                configuration.districtCode + Self.twoDigits(cls.major) + Self.twoDigits(type.minor)
                + Self.sixDigits(counters.componentSerial[slot])
            out.components.append(SampleComponent(id: id, componentClass: cls.name, type: type.name, location: p))
        }

        out.shops = shops(ofCell: c, cellRing: cellRing, inner: inner, counter: &counters.shop)
        return out
    }

    /// The community whose legal outline holds `p`, a point of cell `c`: an enclave or an
    /// exclave lying in the cell, else the cell's own community.
    func legalCommunity(of p: Coordinate, inCell c: Int) -> Int {
        if let w = enclaveOfCell[c], let ring = shapes[w].ring, Plane.contains(ring, p) { return w }
        if let x = exclaveInCell[c], let ring = exclaveOfCommunity[x]?.ring, Plane.contains(ring, p) { return x }
        return communityIndexOfCell[c]
    }

    /// Shares the community's households among its buildings and writes buildings and grids.
    private func emit(
        community k: Int, places: [Coordinate], grids: [[[Coordinate]]], rng: inout SplitMix64,
        counters: inout Counters, into out: inout SampleCellLayers
    ) {
        let households = Self.apportion(communities[k].households, among: places.count, rng: &rng)
        let code = communities[k].code
        var gridHouseholds = [Int](repeating: 0, count: grids.count)
        for (n, p) in places.enumerated() {
            counters.building += 1
            out.buildings.append(
                SampleBuilding(id: counters.building, community: code, households: households[n], location: p))
            if let g = grids.firstIndex(where: { Plane.contains(rings: $0, p) }) { gridHouseholds[g] += households[n] }
        }
        for (n, rings) in grids.enumerated() {
            out.grids.append(
                SampleGrid(
                    code: code + Self.threeDigits(n + 1), name: communities[k].name + "第\(n + 1)网格", community: code,
                    households: gridHouseholds[n], areaSquareMetres: Plane.area(rings: rings),
                    geometry: .polygon(Polygon(rings: rings))))
        }
    }

    /// Splits `total` into `count` non-negative integers that sum to it exactly: random
    /// weights (about one building in ten has no households), largest remainders first.
    static func apportion(_ total: Int, among count: Int, rng: inout SplitMix64) -> [Int] {
        guard count > 0 else { return [] }
        var weights = (0..<count).map { _ -> Double in
            if rng.chance(0.1) { return 0 }
            let x = 0.3 + rng.unit()
            return x * x
        }
        if weights.allSatisfy({ $0 == 0 }) { weights[0] = 1 }
        let sum = weights.reduce(0, +)
        var shares = weights.map { Int((Double(total) * $0 / sum).rounded(.down)) }
        var left = total - shares.reduce(0, +)
        let order = (0..<count).sorted {
            let a = Double(total) * weights[$0] / sum - Double(shares[$0])
            let b = Double(total) * weights[$1] / sum - Double(shares[$1])
            return a != b ? a > b : $0 < $1
        }
        var n = 0
        while left > 0 {
            shares[order[n % count]] += 1
            left -= 1
            n += 1
        }
        return shares
    }

    /// Building sites in the community's cell: clustered (compounds, lanes of courtyard houses)
    /// plus scattered; inside both the lattice cell and the legal outline, at least 8 m from
    /// borders, 6 m from lanes, and outside any land the community does not hold as written.
    private func buildingPlaces(
        community k: Int, cellRing: [Coordinate], frame: CellFrame, roads: [RoadPath], rng: inout SplitMix64
    ) -> [Coordinate] {
        let shape = shapes[k]
        let c = shape.cell!
        let legal = [shape.intendedRing] + shape.holes
        let count = Int((40 + 160 * density[c]).rounded())
        let clusterCount = 2 + rng.int(below: 4)
        let clusters = (0..<clusterCount).map { _ in
            (rng.uniform(0.15, 0.85), rng.uniform(0.15, 0.85), rng.uniform(0.06, 0.14))
        }
        var places: [Coordinate] = []
        places.reserveCapacity(count)
        // For a plain cell the legal outline is the cell ring, so it needs no second test.
        let plain = shape.isPlainCell
        func acceptable(_ p: Coordinate) -> Bool {
            guard Plane.contains(cellRing, p), plain || Plane.contains(rings: legal, p) else { return false }
            for region in shape.avoid where Plane.contains(region, p) { return false }
            guard Plane.isClear(p, of: cellRing, by: 8) else { return false }
            if !plain { for ring in legal where !Plane.isClear(p, of: ring, by: 8) { return false } }
            for road in roads where !Plane.isClear(p, of: road.points, by: 6) { return false }
            return true
        }
        for _ in 0..<count {
            for _ in 0..<25 {
                let u: Double, v: Double
                if rng.chance(0.7) {
                    let (cu, cv, sigma) = clusters[rng.int(below: clusterCount)]
                    u = cu + sigma * rng.normal()
                    v = cv + sigma * rng.normal()
                } else {
                    u = rng.unit()
                    v = rng.unit()
                }
                let p = frame.point(u, v)
                if acceptable(p) {
                    places.append(p)
                    break
                }
            }
        }
        if places.isEmpty && communities[k].households > 0 {
            // A cell too cut up for the random search: take the first acceptable point of a scan.
            scan: for a in 1..<20 {
                for b in 1..<20 {
                    let p = frame.point(Double(a) / 20, Double(b) / 20)
                    if acceptable(p) {
                        places.append(p)
                        break scan
                    }
                }
            }
        }
        return places
    }

    /// `count` random points inside a ring, at least `margin` from its edge.
    private func pointsInside(_ ring: [Coordinate], count: Int, margin: Double, rng: inout SplitMix64) -> [Coordinate] {
        var env = Envelope.empty
        for p in ring { env.expand(toInclude: p) }
        var out: [Coordinate] = []
        for _ in 0..<count {
            for _ in 0..<50 {
                let p = Coordinate(rng.uniform(env.minX, env.maxX), rng.uniform(env.minY, env.maxY))
                if Plane.contains(ring, p) && Plane.isClear(p, of: ring, by: margin) {
                    out.append(p)
                    break
                }
            }
        }
        if out.isEmpty {
            out.append(
                Coordinate(
                    ring.dropLast().reduce(0) { $0 + $1.x } / Double(ring.count - 1),
                    ring.dropLast().reduce(0) { $0 + $1.y } / Double(ring.count - 1)))
        }
        return out
    }

    // MARK: Old grids

    /// The old grids of a community as rings (exterior, then holes), north to south and west to
    /// east. A plain cell is cut by wobbly, hand-drawn-looking lines into 1 to 16 blocks, merged
    /// in runs along each row, without regard to households: the workloads come out uneven.
    /// Other communities keep their whole outline as one grid.
    func oldGrids(of shape: CommunityShape, frame: CellFrame, rng: inout SplitMix64) -> [[[Coordinate]]] {
        guard shape.isPlainCell else { return [[shape.intendedRing] + shape.holes] }
        let layout = rng.pick([
            ((1, 1), 1.0), ((2, 1), 1.5), ((1, 2), 1.5), ((2, 2), 3), ((3, 2), 2), ((2, 3), 2), ((3, 3), 1.5),
            ((4, 3), 0.7), ((3, 4), 0.7), ((4, 4), 0.4),
        ])
        let bottom = shape.sides[0], right = shape.sides[1]
        let top = Array(shape.sides[2].reversed()), left = Array(shape.sides[3].reversed())
        let nc = min(layout.0, bottom.count - 1, top.count - 1)
        let nr = min(layout.1, left.count - 1, right.count - 1)
        func cuts(_ count: Int, _ parts: Int) -> [Int] {
            var idx = [0]
            for a in 1..<parts {
                let ideal = Int((Double(a) / Double(parts) * Double(count - 1)).rounded())
                idx.append(min(max(ideal, idx[a - 1] + 1), count - 1 - (parts - a)))
            }
            idx.append(count - 1)
            return idx
        }
        let b = cuts(bottom.count, nc), t = cuts(top.count, nc), l = cuts(left.count, nr), r = cuts(right.count, nr)
        var inner = [Coordinate](repeating: Coordinate(0, 0), count: (nc + 1) * (nr + 1))
        for a in 1..<max(1, nc) {
            for y in 1..<max(1, nr) {
                inner[y * (nc + 1) + a] = frame.point(
                    Double(a) / Double(nc) + rng.uniform(-0.045, 0.045),
                    Double(y) / Double(nr) + rng.uniform(-0.045, 0.045))
            }
        }
        func node(_ a: Int, _ y: Int) -> Coordinate {
            if y == 0 { return bottom[b[a]] }
            if y == nr { return top[t[a]] }
            if a == 0 { return left[l[y]] }
            if a == nc { return right[r[y]] }
            return inner[y * (nc + 1) + a]
        }
        let size = frame.size
        func wobble(_ p: Coordinate, _ q: Coordinate) -> Coordinate {
            let n = SideEdit.rightNormal(p, q)
            let h = size * rng.uniform(-0.02, 0.02)
            return Coordinate((p.x + q.x) / 2 + h * n.x, (p.y + q.y) / 2 + h * n.y)
        }
        // Interior links get one wobbly middle vertex each, drawn once and shared by both sides.
        var hMid = [Coordinate](repeating: Coordinate(0, 0), count: (nc + 1) * (nr + 1))
        var vMid = hMid
        for y in 1..<max(1, nr) { for a in 0..<nc { hMid[y * (nc + 1) + a] = wobble(node(a, y), node(a + 1, y)) } }
        for a in 1..<max(1, nc) { for y in 0..<nr { vMid[y * (nc + 1) + a] = wobble(node(a, y), node(a, y + 1)) } }
        func hLink(_ a: Int, _ y: Int) -> [Coordinate] {
            if y == 0 { return Array(bottom[b[a]...b[a + 1]]) }
            if y == nr { return Array(top[t[a]...t[a + 1]]) }
            return [node(a, y), hMid[y * (nc + 1) + a], node(a + 1, y)]
        }
        func vLink(_ a: Int, _ y: Int) -> [Coordinate] {
            if a == 0 { return Array(left[l[y]...l[y + 1]]) }
            if a == nc { return Array(right[r[y]...r[y + 1]]) }
            return [node(a, y), vMid[y * (nc + 1) + a], node(a, y + 1)]
        }
        var grids: [[[Coordinate]]] = []
        for y in stride(from: nr - 1, through: 0, by: -1) {
            var a0 = 0
            while a0 < nc {
                let a1 = a0 + 1 + rng.int(below: min(3, nc - a0))
                var pieces: [[Coordinate]] = []
                for a in a0..<a1 { pieces.append(hLink(a, y)) }
                pieces.append(vLink(a1, y))
                for a in stride(from: a1 - 1, through: a0, by: -1) { pieces.append(hLink(a, y + 1).reversed()) }
                pieces.append(vLink(a0, y).reversed())
                grids.append([Plane.join(pieces)])
                a0 = a1
            }
        }
        return grids
    }

    static func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    static func sixDigits(_ n: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, 6 - s.count)) + s
    }
}
