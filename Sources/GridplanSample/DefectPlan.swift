/// A defect chosen on the lattice, before any geometry is built. Cells are lattice indices;
/// sides are 0 bottom, 1 right, 2 top, 3 left.
enum PlannedDefect {
    /// A small community (the enclave) wholly inside the cell `host`.
    case enclave(host: Int, number: Int)
    /// Cell `owner` also owns a detached piece inside cell `host`, of another street office.
    case exclave(owner: Int, host: Int)
    /// A narrow-necked tongue of `cell` reaches across `side` into the neighbour (犬牙交错).
    case jaggedBorder(cell: Int, side: Int)
    /// `cell` declares `declaredOffice` as its parent, though another office's territory holds it.
    case parentMismatch(cell: Int, declaredOffice: Int)
    /// `cell` as drawn bulges across `side` into its neighbour by up to `width` metres.
    case overlap(cell: Int, side: Int, width: Double)
    /// `cell` as drawn falls short of `side` by up to `width` metres; `side` faces a neighbour,
    /// or the district outline when `openToDistrictEdge`.
    case gap(cell: Int, side: Int, width: Double, openToDistrictEdge: Bool)
    /// `cell`'s copy of the border on `side` has its own, sub-metre-wandering vertices.
    case noise(cell: Int, side: Int)
    /// `cell`'s ring crosses itself on `side` (which is on the district outline).
    case bowTie(cell: Int, side: Int)
    /// `cell`'s ring repeats a vertex on `side`.
    case repeatedPoints(cell: Int, side: Int)
}

/// Chooses where defects go: each community takes part in at most one defect, so every
/// defect's footprint is known exactly. Counts grow with the city (the base counts are for
/// 60 communities); cells are drawn at random, so the work is linear in the number of defects.
final class DefectPlanner {
    let lattice: Lattice
    let offices: OfficeLayout
    var used: [Bool]
    var compound: [Bool]
    /// Communities each office will hold (territory cells, plus enclaves and transfers).
    var officeSize: [Int]
    var plan: [PlannedDefect] = []
    private var rng: SplitMix64

    init(lattice: Lattice, offices: OfficeLayout, seed: UInt64) {
        self.lattice = lattice
        self.offices = offices
        used = [Bool](repeating: false, count: lattice.cellCount)
        compound = used
        officeSize = [Int](repeating: 0, count: offices.officeCount)
        for o in offices.officeOfCell { officeSize[o] += 1 }
        rng = SplitMix64(seed: seed, stream: .defects)
    }

    /// Plans every defect for a district of `communityCount` communities, `enclaveCount` of
    /// which are enclaves.
    func planAll(enclaveCount: Int) {
        let scale = max(1.0, Double(lattice.cellCount) / 60)
        func count(_ base: Int) -> Int { max(1, Int((Double(base) * scale).rounded())) }
        for number in 0..<enclaveCount { planEnclave(number: number) }
        if offices.officeCount >= 2 {
            for _ in 0..<count(1) { planExclave() }
        }
        for _ in 0..<count(1) { planPair { .jaggedBorder(cell: $0, side: $1) } }
        if offices.officeCount >= 2 {
            for _ in 0..<count(1) { planParentMismatch() }
        }
        let overlapWidths = [30.0, 8, 2, 0.6]
        for k in 0..<count(4) { planPair { .overlap(cell: $0, side: $1, width: overlapWidths[k % 4]) } }
        let gapWidths = [25.0, 6, 1.2]
        for k in 0..<count(3) {
            planPair { .gap(cell: $0, side: $1, width: gapWidths[k % 3], openToDistrictEdge: false) }
        }
        let edgeGapWidths = [20.0, 4]
        for k in 0..<count(2) {
            planOutline { .gap(cell: $0, side: $1, width: edgeGapWidths[k % 2], openToDistrictEdge: true) }
        }
        for _ in 0..<count(2) { planPair { .noise(cell: $0, side: $1) } }
        for _ in 0..<count(1) { planOutline { .bowTie(cell: $0, side: $1) } }
        for _ in 0..<count(1) {
            if let c = pickCell({ _ in true }) {
                used[c] = true
                plan.append(.repeatedPoints(cell: c, side: rng.int(below: 4)))
            }
        }
    }

    /// A random unused cell passing `accept`: random draws first, then (in small cities only,
    /// to stay linear) a scan, so a small city still finds the last free cell.
    private func pickCell(_ accept: (Int) -> Bool) -> Int? {
        let n = lattice.cellCount
        for _ in 0..<200 {
            let c = rng.int(below: n)
            if !used[c] && accept(c) { return c }
        }
        guard n <= 4000 else { return nil }
        let start = rng.int(below: n)
        for k in 0..<n {
            let c = (start + k) % n
            if !used[c] && accept(c) { return c }
        }
        return nil
    }

    /// Sides of `cell` in random order.
    private func shuffledSides() -> [Int] {
        var sides = [0, 1, 2, 3]
        for k in stride(from: 3, to: 0, by: -1) { sides.swapAt(k, rng.int(below: k + 1)) }
        return sides
    }

    private func planPair(_ make: (Int, Int) -> PlannedDefect) {
        var chosen: (Int, Int, Int)?
        let sidesOrder = shuffledSides()
        _ = pickCell { c in
            for side in sidesOrder {
                if let nb = lattice.neighbour(of: c, side: side), !used[nb] {
                    chosen = (c, side, nb)
                    return true
                }
            }
            return false
        }
        guard let (c, side, nb) = chosen else { return }
        used[c] = true
        used[nb] = true
        plan.append(make(c, side))
    }

    private func planOutline(_ make: (Int, Int) -> PlannedDefect) {
        var chosen: (Int, Int)?
        let sidesOrder = shuffledSides()
        _ = pickCell { c in
            for side in sidesOrder where lattice.neighbour(of: c, side: side) == nil {
                chosen = (c, side)
                return true
            }
            return false
        }
        guard let (c, side) = chosen else { return }
        used[c] = true
        plan.append(make(c, side))
    }

    private func planEnclave(number: Int) {
        guard let host = pickCell({ officeSize[offices.officeOfCell[$0]] < 990 }) else { return }
        used[host] = true
        compound[host] = true
        officeSize[offices.officeOfCell[host]] += 1
        plan.append(.enclave(host: host, number: number))
    }

    private static let exclaveOffsets = [
        (2, 0), (-2, 0), (0, 2), (0, -2), (2, 1), (1, 2), (-2, -1), (-1, -2), (1, 1), (-1, 1), (1, -1), (-1, -1),
        (3, 0), (0, 3), (-3, 0), (0, -3), (2, 2), (-2, 2), (2, -2), (-2, -2),
    ]

    private func planExclave() {
        var host: Int?
        let start = rng.int(below: Self.exclaveOffsets.count)
        let owner = pickCell { c in
            let (i, j) = lattice.position(of: c)
            for k in 0..<Self.exclaveOffsets.count {
                let (di, dj) = Self.exclaveOffsets[(start + k) % Self.exclaveOffsets.count]
                if let h = lattice.index(i + di, j + dj), !used[h], offices.officeOfCell[h] != offices.officeOfCell[c] {
                    host = h
                    return true
                }
            }
            return false
        }
        guard let owner, let host else { return }
        used[owner] = true
        used[host] = true
        compound[host] = true
        plan.append(.exclave(owner: owner, host: host))
    }

    private func planParentMismatch() {
        var declared: Int?
        let sidesOrder = shuffledSides()
        let cell = pickCell { c in
            let own = offices.officeOfCell[c]
            guard officeSize[own] >= 3 else { return false }
            for side in sidesOrder {
                if let nb = lattice.neighbour(of: c, side: side) {
                    let other = offices.officeOfCell[nb]
                    if other != own && officeSize[other] < 990 {
                        declared = other
                        return true
                    }
                }
            }
            return false
        }
        guard let cell, let declared else { return }
        used[cell] = true
        officeSize[offices.officeOfCell[cell]] -= 1
        officeSize[declared] += 1
        plan.append(.parentMismatch(cell: cell, declaredOffice: declared))
    }
}
