import GridplanGeometry

/// A frontage unit (门前三包责任单位) of the sample city: a shop along a street, given as its
/// footprint or only as an address point, with the streets it faces.
///
/// Shops are laid out against ``RoadClass/sampleWidthMetres`` carriageways and a zone depth of
/// ``SampleCity/shopZoneDepthMetres``, so that what `gridplan frontage` must find is known: a shop
/// in a row faces one street, a corner shop two, a shop set back none.
public struct SampleShop: Sendable {
    /// `SP` and 7 digits, in file order.
    public var id: String
    public var name: String
    /// 业态: what the shop is (超市, 面馆 ...).
    public var type: String
    /// The footprint as a closed counter-clockwise ring in the metric CRS; nil for a shop given
    /// only as an address point.
    public var footprint: [Coordinate]?
    /// The address point of a shop without a footprint, else the footprint's centre.
    public var location: Coordinate
    /// Names of the streets whose kerb the shop faces within the zone depth with nothing in
    /// between, and no other street within that depth: one for a shop in a row, two for a corner
    /// shop, none for a shop set back.
    public var faces: [String]
}

extension RoadClass {
    /// The carriageway width the sample city's shops are laid out against, in metres: a
    /// **default** of the sample, not a rule (truth.json's `shops.street_widths_m`; give each to
    /// `gridplan frontage --street-width CLASS:M`).
    public var sampleWidthMetres: Double {
        switch self {
        case .arterial: return 24
        case .secondary: return 14
        case .branch: return 7
        case .alley: return 4
        }
    }
}

extension SampleCity {
    /// The 门前三包 zone depth the shops are laid out against (**default** 20 m, as
    /// `gridplan frontage --depth`).
    public static let shopZoneDepthMetres = 20.0
    /// A shop given only as an address point stands for a disc of this radius (as `gridplan frontage`).
    public static let shopPointRadiusMetres = 3.0

    static let shopTypes = [
        "超市", "便利店", "面馆", "饺子馆", "药店", "理发店", "五金店", "水果店", "茶叶店", "花店", "书店", "烟酒店", "早餐店", "干洗店",
        "文具店", "粮油店", "眼镜店", "照相馆", "餐厅", "包子铺",
    ]
    static let shopStems = [
        "福顺", "兴隆", "德盛", "鑫华", "永丰", "祥和", "宝康", "聚源", "同仁", "瑞丰", "惠民", "天成", "万和", "金鼎", "长春", "和平",
        "新街", "老北京", "四季", "百姓",
    ]

    private struct ShopRoad {
        var name: String
        var roadClass: RoadClass
        var half: Double
        var points: [Coordinate]
        /// Whether the road runs along the cell's border (shops stand on the cell's side of it only).
        var isBorder: Bool
    }

    private struct PlacedShop {
        var footprint: [Coordinate]
        /// The land between the shop and the kerbs it faces, kept free of other shops.
        var strips: [[Coordinate]]
    }

    /// The shops of cell `c`, drawn from the cell's own `shops` stream so that no other layer
    /// changes with them: a few corner shops at T-junctions inside the cell, a few shops set back
    /// beyond the zone depth, then rows along the streets (about one shop in five given only as an
    /// address point). Every shop stands inside the cell, off every carriageway, clear of every
    /// other shop and of the land in front of it, at least 10 m from the points where roads of
    /// the neighbouring cells may join the cell's border roads, and far enough from every street
    /// it does not face (and from borders without a road, beyond which the neighbour's streets
    /// are unknown here) that no zone can reach it.
    func shops(ofCell c: Int, cellRing: [Coordinate], inner: [RoadPath], counter: inout Int) -> [SampleShop] {
        let depth = Self.shopZoneDepthMetres
        let radius = Self.shopPointRadiusMetres
        let (i, j) = lattice.position(of: c)
        var rng = SplitMix64(seed: configuration.seed, stream: .shops, c)
        var roads = inner.map {
            ShopRoad(
                name: $0.name, roadClass: $0.roadClass, half: $0.roadClass.sampleWidthMetres / 2, points: $0.points,
                isBorder: false)
        }
        var frontiers: [[Coordinate]] = []
        let frame = lattice.frame(of: c)
        var keepClear = [frame.p00, frame.p10, frame.p01, frame.p11]
        for side in 0..<4 {
            let key = Lattice.edgeKey(side: side, i, j)
            if let road = borderRoad(key) {
                roads.append(
                    ShopRoad(
                        name: road.name, roadClass: road.roadClass, half: road.roadClass.sampleWidthMetres / 2,
                        points: road.points, isBorder: true))
                keepClear += road.junctions.map { road.points[$0] }
            } else {
                frontiers.append(lattice.edge(key).points)
            }
        }
        let widest = RoadClass.allCases.map { $0.sampleWidthMetres / 2 }.max()!
        var placed: [PlacedShop] = []
        var out: [SampleShop] = []

        func fits(_ f: [Coordinate], strips: [[Coordinate]], faces: [String]) -> Bool {
            for p in f where !Plane.contains(cellRing, p) { return false }
            for r in roads {
                let need = faces.contains(r.name) ? r.half + 1 : r.half + depth + 2
                if Plane.distance(ring: f, line: r.points, limit: need) < need { return false }
            }
            let frontierClearance = widest + depth + 2
            for line in frontiers
            where Plane.distance(ring: f, line: line, limit: frontierClearance) < frontierClearance {
                return false
            }
            for p in keepClear where Plane.distance(ring: f, line: [p, p], limit: 10) < 10 { return false }
            for other in placed {
                guard Plane.separated(f, other.footprint, by: 0.3) else { return false }
                for s in other.strips where !Plane.separated(f, s, by: 0.3) { return false }
                for s in strips where !Plane.separated(s, other.footprint, by: 0.3) { return false }
            }
            return true
        }
        func add(_ f: [Coordinate], strips: [[Coordinate]], faces: [String], point: Coordinate?) {
            placed.append(PlacedShop(footprint: f, strips: strips))
            counter += 1
            let digits = String(counter)
            let type = Self.shopTypes[rng.int(below: Self.shopTypes.count)]
            let name = Self.shopStems[rng.int(below: Self.shopStems.count)] + type
            let centre = Coordinate(
                f.dropLast().reduce(0) { $0 + $1.x } / Double(f.count - 1),
                f.dropLast().reduce(0) { $0 + $1.y } / Double(f.count - 1))
            out.append(
                SampleShop(
                    id: "SP" + String(repeating: "0", count: max(0, 7 - digits.count)) + digits, name: name,
                    type: type, footprint: point == nil ? f : nil, location: point ?? centre, faces: faces))
        }

        // Corner shops: in the angle between a road and the road it leaves at a T-junction.
        var junctions: [(p: Int, q: Int, q0: Int, atStart: Bool)] = []
        for (p, road) in roads.enumerated() where !road.isBorder {
            for atStart in [true, false] {
                let end = atStart ? road.points[0] : road.points[road.points.count - 1]
                for (q, other) in roads.enumerated() where q != p && other.name != road.name {
                    guard let k = other.points.firstIndex(of: end), k > 0, k < other.points.count - 1 else { continue }
                    junctions.append((p, q, k, atStart))
                }
            }
        }
        var corners = rng.int(below: 3)
        var tries = 0
        while corners > 0, !junctions.isEmpty, tries < 6 {
            tries += 1
            let (p, q, k, atStart) = junctions[rng.int(below: junctions.count)]
            let rp = roads[p], rq = roads[q]
            let joint = rq.points[k]
            let next = atStart ? rp.points[1] : rp.points[rp.points.count - 2]
            let dp = (next - joint) * (1 / next.distance(to: joint))
            let towards = rng.chance(0.5) ? rq.points[k + 1] : rq.points[k - 1]
            let eq = (towards - joint) * (1 / towards.distance(to: joint))
            let sine = abs(eq.cross(dp))
            guard sine >= 0.8 else { continue }
            let gapP = rng.uniform(1.5, 6), gapQ = rng.uniform(1.5, 6)
            let a0 = (rp.half + gapP) / sine, b0 = (rq.half + gapQ) / sine
            let a1 = a0 + rng.uniform(7, 12) / sine, b1 = b0 + rng.uniform(7, 12) / sine
            let aKerb = rp.half / sine, bKerb = rq.half / sine
            func at(_ a: Double, _ b: Double) -> Coordinate { joint + eq * a + dp * b }
            func quad(_ a0: Double, _ a1: Double, _ b0: Double, _ b1: Double) -> [Coordinate] {
                Self.counterClockwise([at(a0, b0), at(a1, b0), at(a1, b1), at(a0, b1), at(a0, b0)])
            }
            let f = quad(a0, a1, b0, b1)
            let strips = [quad(a0, a1, bKerb, b0), quad(aKerb, a0, b0, b1), quad(aKerb, a0, bKerb, b0)]
            let faces = [rq.name, rp.name]
            guard fits(f, strips: strips, faces: faces) else { continue }
            add(f, strips: strips, faces: faces, point: nil)
            corners -= 1
        }

        // Pieces of road (between consecutive vertices) long enough to stand shops along.
        var pieces: [(road: Int, a: Coordinate, b: Coordinate)] = []
        for (r, road) in roads.enumerated() {
            for k in 0..<(road.points.count - 1) where road.points[k].distance(to: road.points[k + 1]) >= 14 {
                pieces.append((r, road.points[k], road.points[k + 1]))
            }
        }
        guard !pieces.isEmpty else { return out }

        /// The rectangle `s0...s1` along the piece and `r0...r1` out from its centreline on side `sign`.
        func rectangle(
            _ a: Coordinate, _ b: Coordinate, sign: Double, _ s0: Double, _ s1: Double, _ r0: Double, _ r1: Double
        ) -> [Coordinate] {
            let d = (b - a) * (1 / a.distance(to: b))
            let m = Coordinate(-d.y, d.x) * sign
            func at(_ s: Double, _ r: Double) -> Coordinate { a + d * s + m * r }
            return Self.counterClockwise([at(s0, r0), at(s1, r0), at(s1, r1), at(s0, r1), at(s0, r0)])
        }

        // Shops set back behind a forecourt, beyond the zone depth from every street.
        for _ in 0..<(1 + rng.int(below: 2)) {
            for _ in 0..<30 {
                let piece = pieces[rng.int(below: pieces.count)]
                let road = roads[piece.road]
                let length = piece.a.distance(to: piece.b)
                let point = rng.chance(0.25)
                let width = point ? 2 * (radius + 0.2) : rng.uniform(10, 24)
                guard length > width + 4 else { continue }
                let s0 = rng.uniform(2, length - width - 2)
                let r0 = road.half + rng.uniform(depth + 6, depth + 20)
                let deep = point ? width : rng.uniform(10, 18)
                let f = rectangle(piece.a, piece.b, sign: rng.sign(), s0, s0 + width, r0, r0 + deep)
                guard fits(f, strips: [], faces: []) else { continue }
                let centre = 0.5 * (f[0] + f[2])
                add(f, strips: [], faces: [], point: point ? centre : nil)
                break
            }
        }

        // Rows along the streets, busier on bigger roads and in denser quarters.
        let busy = min(1, 0.45 + 0.35 * density[c])
        for piece in pieces {
            let road = roads[piece.road]
            let length = piece.a.distance(to: piece.b)
            let host: Double
            switch road.roadClass {
            case .arterial: host = 0.75
            case .secondary: host = 0.65
            case .branch: host = 0.35
            case .alley: host = 0.1
            }
            for sign in [1.0, -1.0] {
                guard rng.chance(host * busy) else { continue }
                if road.isBorder {
                    let probe = rectangle(
                        piece.a, piece.b, sign: sign, length / 2, length / 2, road.half + 5, road.half + 5)
                    guard Plane.contains(cellRing, probe[0]) else { continue }
                }
                var s = rng.uniform(2, 8)
                while true {
                    let point = rng.chance(0.2)
                    let width = point ? 2 * (radius + 0.2) : rng.uniform(5, 12)
                    guard s + width <= length - 2 else { break }
                    let r0 = road.half + rng.uniform(1.5, 7)
                    let deep = point ? width : rng.uniform(7, 14)
                    let f = rectangle(piece.a, piece.b, sign: sign, s, s + width, r0, r0 + deep)
                    let strip = rectangle(piece.a, piece.b, sign: sign, s, s + width, road.half, r0)
                    if fits(f, strips: [strip], faces: [road.name]) {
                        add(f, strips: [strip], faces: [road.name], point: point ? 0.5 * (f[0] + f[2]) : nil)
                        s += width + (rng.chance(0.6) ? rng.uniform(0.35, 0.8) : rng.uniform(2, 10))
                        if rng.chance(0.12) { break }
                    } else {
                        s += 4
                    }
                }
            }
        }
        return out
    }

    static func counterClockwise(_ ring: [Coordinate]) -> [Coordinate] {
        Ring.signedArea(ring) < 0 ? ring.reversed() : ring
    }
}

extension Coordinate {
    fileprivate static func + (a: Coordinate, b: Coordinate) -> Coordinate { Coordinate(a.x + b.x, a.y + b.y) }
    fileprivate static func - (a: Coordinate, b: Coordinate) -> Coordinate { Coordinate(a.x - b.x, a.y - b.y) }
    fileprivate static func * (a: Coordinate, k: Double) -> Coordinate { Coordinate(k * a.x, k * a.y) }
    fileprivate static func * (k: Double, a: Coordinate) -> Coordinate { Coordinate(k * a.x, k * a.y) }
    fileprivate func cross(_ o: Coordinate) -> Double { x * o.y - y * o.x }
}
