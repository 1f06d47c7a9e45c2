import Foundation
import GridplanGeometry

/// A road as drawn, before it is cut into segments at its junctions.
struct RoadPath {
    var name: String
    var roadClass: RoadClass
    var points: [Coordinate]
    /// Indices of interior points where another road joins; segments end there.
    var junctions: [Int] = []

    /// The segments between consecutive junctions (and the ends).
    func segments() -> [[Coordinate]] {
        let cuts = junctions.filter { $0 > 0 && $0 < points.count - 1 }.sorted()
        var result: [[Coordinate]] = []
        var start = 0
        var last = -1
        for c in cuts where c != last {
            result.append(Array(points[start...c]))
            start = c
            last = c
        }
        result.append(Array(points[start...]))
        return result
    }
}

/// How the inside of a cell is laid out.
enum CellDesign {
    /// A secondary road crosses the cell south→north, lanes branch off east and west.
    case verticalSpine
    /// A secondary road crosses the cell west→east, lanes branch off north and south.
    case horizontalSpine
    /// A walled compound, park or school: a few dead-end lanes from the border, an empty middle.
    case compound
}

extension SampleCity {
    /// The roads inside `cell`. Their ends on the cell's border are anchor vertices of the
    /// border edges, so the network is noded there (T-junctions, or crossings where the
    /// neighbouring cell's road continues).
    ///
    /// The plan is a pure function of the seed and the cell, and works in the cell's own (s, r)
    /// frame: s runs along the spine, r across it, both 0...1.
    func internalRoads(ofCell cell: Int) -> [RoadPath] {
        let (i, j) = lattice.position(of: cell)
        var rng = SplitMix64(seed: configuration.seed, stream: .cell, i, j)
        let design: CellDesign
        let designDraw = rng.unit()
        if isCompound[cell] || designDraw < 0.1 {
            design = .compound
        } else {
            design = designDraw < 0.55 ? .verticalSpine : .horizontalSpine
        }
        let frame = lattice.frame(of: cell)
        let bottom = lattice.edge(EdgeKey(isVertical: false, i: i, j: j))
        let top = lattice.edge(EdgeKey(isVertical: false, i: i, j: j + 1))
        let left = lattice.edge(EdgeKey(isVertical: true, i: i, j: j))
        let right = lattice.edge(EdgeKey(isVertical: true, i: i + 1, j: j))
        let density = self.density[cell]
        let stem = names.communityStem(communityIndexOfCell[cell])
        var laneCounter = 0
        func laneName(_ c: RoadClass) -> String {
            laneCounter += 1
            return names.laneName(c, cell: cell, index: laneCounter)
        }

        if design == .compound {
            return compoundRoads(
                frame: frame, edges: [bottom, right, top, left], maxDepth: isCompound[cell] ? 0.2 : 0.3, rng: &rng,
                laneName: laneName)
        }
        let vertical = design == .verticalSpine
        // The spine runs from `start` (s = 0) to `end` (s = 1); branches reach `low` (r = 0)
        // and `high` (r = 1). Edge parameters run along r on start/end, along s on low/high.
        let start = vertical ? bottom : left
        let end = vertical ? top : right
        let low = vertical ? left : bottom
        let high = vertical ? right : top
        func map(_ s: Double, _ r: Double) -> Coordinate { vertical ? frame.point(r, s) : frame.point(s, r) }

        let a0 = start.anchors[rng.int(below: start.anchors.count)]
        let r0 = start.params[a0]
        let a1 = end.anchors.min { abs(end.params[$0] - r0) < abs(end.params[$1] - r0) }!
        let r1 = end.params[a1]
        let curve = rng.chance(0.5) ? 0 : rng.uniform(0.04, 0.09) * rng.sign()
        func spineR(_ s: Double) -> Double { r0 + (r1 - r0) * s + curve * sin(Double.pi * s) }

        // Branch levels on each side: the border anchors (lanes may reach the border there) and
        // a few dead-end levels between them.
        struct Branch {
            var s: Double
            var lowSide: Bool
            var anchor: Int?
        }
        var branches: [Branch] = []
        for lowSide in [true, false] {
            let edge = lowSide ? low : high
            var levels: [(Double, Int?)] = edge.anchors.map { (edge.params[$0], $0) }
            for extra in [0.17, 0.5, 0.83] where rng.chance(0.5 + 0.4 * min(density, 1.5) / 1.5) {
                levels.append((extra + rng.uniform(-0.04, 0.04), nil))
            }
            levels.sort { $0.0 < $1.0 }
            var lastS = -1.0
            for (s, anchor) in levels where s - lastS >= 0.13 && s > 0.1 && s < 0.9 {
                guard rng.chance(0.88) else { continue }
                let reaches = anchor != nil && rng.chance(0.7)
                var level = s
                // A branch almost opposite one on the other side joins the spine at the same
                // vertex: a crossing rather than two junctions a few metres apart.
                if !lowSide, let twin = branches.first(where: { $0.lowSide && abs($0.s - s) < 0.03 }) { level = twin.s }
                branches.append(Branch(s: level, lowSide: lowSide, anchor: reaches ? anchor : nil))
                lastS = s
            }
        }

        // Spine vertices: the ends, every branch level and a regular step for its curve.
        var spineS: [Double] = []
        for b in branches where !spineS.contains(b.s) { spineS.append(b.s) }
        for k in 1..<10 {
            let s = Double(k) / 10
            if !branches.contains(where: { abs($0.s - s) < 0.035 }) { spineS.append(s) }
        }
        spineS.sort()
        var spine = RoadPath(
            name: names.spineName(
                vertical: vertical, line: vertical ? i : j, stretch: Lattice.floorDiv(vertical ? j : i, 4)),
            roadClass: .secondary, points: [start.points[a0]])
        func spineIndex(_ s: Double) -> Int { 1 + spineS.firstIndex(of: s)! }
        for s in spineS { spine.points.append(map(s, spineR(s))) }
        spine.points.append(end.points[a1])

        var paths: [RoadPath] = []
        let alleyChance = 0.3 + 0.4 * min(density, 1.6) / 1.6
        // Alleys off the spine, at spine vertices that carry no branch; kept short so they
        // stay clear of the lanes that link branches.
        for s in spineS where !branches.contains(where: { $0.s == s }) {
            guard rng.chance(alleyChance * 0.8) else { continue }
            let lowSide = rng.chance(0.5)
            let rs = spineR(s)
            let reach = (lowSide ? rs : 1 - rs) * rng.uniform(0.08, 0.15)
            let rEnd = lowSide ? rs - reach : rs + reach
            let idx = spineIndex(s)
            spine.junctions.append(idx)
            paths.append(
                RoadPath(
                    name: laneName(.alley), roadClass: .alley,
                    points: [spine.points[idx], map(s + rng.uniform(-0.01, 0.01), rEnd)]))
        }

        // Branches, numbered per side like Beijing's 头条, 二条...
        struct BranchRoad {
            var branch: Branch
            var path: RoadPath
            /// r of each vertex.
            var r: [Double]
            var upUsed = [Bool](repeating: false, count: 6)
            var downUsed = [Bool](repeating: false, count: 6)
        }
        var lowNumber = 0
        var branchRoads: [BranchRoad] = []
        for branch in branches {
            let rs = spineR(branch.s)
            let rEnd: Double
            if branch.anchor != nil {
                rEnd = branch.lowSide ? 0 : 1
            } else {
                let depth = rng.uniform(0.1, 0.22)
                rEnd = branch.lowSide ? depth : 1 - depth
            }
            var pts = [spine.points[spineIndex(branch.s)]]
            var rs5 = [rs]
            for f in [0.2, 0.4, 0.6, 0.8] {
                let r = rs + (rEnd - rs) * f
                pts.append(map(branch.s + rng.uniform(-0.012, 0.012), r))
                rs5.append(r)
            }
            if let anchor = branch.anchor {
                pts.append((branch.lowSide ? low : high).points[anchor])
            } else {
                pts.append(map(branch.s + rng.uniform(-0.01, 0.01), rEnd))
            }
            rs5.append(rEnd)
            spine.junctions.append(spineIndex(branch.s))
            let name: String
            if branch.lowSide {
                lowNumber += 1
                name = SampleNames.numberedLane(stem, lowNumber)
            } else {
                name = laneName(.branch)
            }
            branchRoads.append(
                BranchRoad(branch: branch, path: RoadPath(name: name, roadClass: .branch, points: pts), r: rs5))
        }

        // Alleys off the branches: links between neighbouring branches on the same side, and
        // dead ends that stop well short of the next branch.
        for side in [true, false] {
            let onSide = branchRoads.indices.filter { branchRoads[$0].branch.lowSide == side }
            for (n, b) in onSide.enumerated() {
                let s = branchRoads[b].branch.s
                let hasNext = n + 1 < onSide.count
                let nextS = hasNext ? branchRoads[onSide[n + 1]].branch.s : 0.92
                let prevS = n > 0 ? branchRoads[onSide[n - 1]].branch.s : 0.08
                for q in 1...4 {
                    if hasNext, !branchRoads[b].upUsed[q], rng.chance(alleyChance * 0.5) {
                        let other = onSide[n + 1]
                        branchRoads[b].upUsed[q] = true
                        branchRoads[other].downUsed[q] = true
                        branchRoads[b].path.junctions.append(q)
                        branchRoads[other].path.junctions.append(q)
                        paths.append(
                            RoadPath(
                                name: laneName(.alley), roadClass: .alley,
                                points: [branchRoads[b].path.points[q], branchRoads[other].path.points[q]]))
                        continue
                    }
                    guard rng.chance(alleyChance) else { continue }
                    let up = rng.chance(0.5)
                    if up ? branchRoads[b].upUsed[q] : branchRoads[b].downUsed[q] { continue }
                    let room = up ? nextS - s : s - prevS
                    let length = min(0.4 * room, rng.uniform(0.05, 0.12))
                    guard length >= 0.035 else { continue }
                    if up { branchRoads[b].upUsed[q] = true } else { branchRoads[b].downUsed[q] = true }
                    let base = branchRoads[b].path.points[q]
                    let tip = map(s + (up ? length : -length), branchRoads[b].r[q] + rng.uniform(-0.01, 0.01))
                    branchRoads[b].path.junctions.append(q)
                    paths.append(RoadPath(name: laneName(.alley), roadClass: .alley, points: [base, tip]))
                }
            }
        }
        return [spine] + branchRoads.map(\.path) + paths
    }

    /// Dead-end lanes from border anchors into a compound, no deeper than `maxDepth`.
    private func compoundRoads(
        frame: CellFrame, edges: [EdgeLine], maxDepth: Double, rng: inout SplitMix64, laneName: (RoadClass) -> String
    ) -> [RoadPath] {
        var paths: [RoadPath] = []
        for (side, edge) in edges.enumerated() {
            for anchor in edge.anchors where rng.chance(0.45) {
                let t = edge.params[anchor]
                let depth = rng.uniform(0.08, maxDepth)
                // (u, v) of a point `d` deep from this side, at parameter t along it.
                func at(_ d: Double) -> Coordinate {
                    switch side {
                    case 0: return frame.point(t, d)
                    case 1: return frame.point(1 - d, t)
                    case 2: return frame.point(t, 1 - d)
                    default: return frame.point(d, t)
                    }
                }
                var lane = RoadPath(
                    name: laneName(.branch), roadClass: .branch,
                    points: [edge.points[anchor], at(depth * 0.5), at(depth)])
                var alley: RoadPath?
                if rng.chance(0.4) {
                    lane.junctions.append(1)
                    let base = lane.points[1]
                    let w = rng.uniform(0.04, 0.08) * rng.sign()
                    let tip: Coordinate
                    switch side {
                    case 0: tip = frame.point(t + w, depth * 0.5)
                    case 1: tip = frame.point(1 - depth * 0.5, t + w)
                    case 2: tip = frame.point(t + w, 1 - depth * 0.5)
                    default: tip = frame.point(depth * 0.5, t + w)
                    }
                    alley = RoadPath(name: laneName(.alley), roadClass: .alley, points: [base, tip])
                }
                paths.append(lane)
                if let alley { paths.append(alley) }
            }
        }
        return paths
    }
}
