/// Street offices (街道) as contiguous blocks of cells whose borders run along arterial roads.
///
/// Blocks are `blockSize` × `blockSize` cells aligned with the arterial lines; a block clipped
/// by the district outline to a few cells joins a full neighbour it touches. The block size is
/// the smallest that keeps the offices within 001-099 (streets); a very large city also uses
/// 100-199 (towns, 镇) and 200-399 (townships, 乡), as GB/T 10114 allows. No office holds more
/// than 999 communities, so community sequence numbers fit in three digits.
struct OfficeLayout {
    /// Office of each cell (0-based, in code order), by territory.
    var officeOfCell: [Int]
    var officeCount: Int
    var blockSize: Int

    static let maxOffices = 399
    static let maxCommunitiesPerOffice = 999

    init(lattice: Lattice) {
        var fallback: (office: [Int], count: Int, size: Int)?
        for size in stride(from: 3, through: 30, by: 3) {
            let (office, count, largest) = Self.offices(lattice: lattice, blockSize: size)
            // Leave room for enclaves and transferred communities added later.
            guard largest <= 900 else { break }
            if count <= 99 {
                fallback = (office, count, size)
                break
            }
            if count <= Self.maxOffices && fallback == nil { fallback = (office, count, size) }
        }
        let chosen = fallback!
        officeOfCell = chosen.office
        officeCount = chosen.count
        blockSize = chosen.size
    }

    /// Office of each cell, number of offices and the largest office's cell count.
    static func offices(lattice: Lattice, blockSize b: Int) -> (office: [Int], count: Int, largest: Int) {
        let n = lattice.cellCount
        let ox = lattice.arterialOffsetX, oy = lattice.arterialOffsetY
        let shiftX = -Lattice.floorDiv(-ox, b), shiftY = -Lattice.floorDiv(-oy, b)
        let blocksX = Lattice.floorDiv(lattice.columns - 1 - ox, b) + shiftX + 1
        let blocksY = Lattice.floorDiv(lattice.rows - 1 - oy, b) + shiftY + 1
        let blockCount = blocksX * blocksY
        var blockOfCell = [Int](repeating: 0, count: n)
        var size = [Int](repeating: 0, count: blockCount)
        for c in 0..<n {
            let (i, j) = lattice.position(of: c)
            let block = (Lattice.floorDiv(j - oy, b) + shiftY) * blocksX + Lattice.floorDiv(i - ox, b) + shiftX
            blockOfCell[c] = block
            size[block] += 1
        }
        // Cells of each block, by counting sort.
        var first = [Int](repeating: 0, count: blockCount + 1)
        for k in 0..<blockCount { first[k + 1] = first[k] + size[k] }
        var fill = first
        var cells = [Int](repeating: 0, count: n)
        for c in 0..<n {
            cells[fill[blockOfCell[c]]] = c
            fill[blockOfCell[c]] += 1
        }
        let small = max(2, b * b / 4)
        var target = Array(0..<blockCount)
        var merged = size
        for block in 0..<blockCount where size[block] > 0 && size[block] <= small {
            var best: Int?
            for c in cells[first[block]..<first[block + 1]] {
                for side in 0..<4 {
                    guard let nb = lattice.neighbour(of: c, side: side) else { continue }
                    let other = blockOfCell[nb]
                    guard other != block, size[other] > small, merged[other] + size[block] <= 900 else { continue }
                    if let current = best {
                        if (size[other], -other) > (size[current], -current) { best = other }
                    } else {
                        best = other
                    }
                }
            }
            if let best {
                target[block] = best
                merged[best] += size[block]
            }
        }
        // Number the remaining blocks north to south, then west to east.
        let roots = (0..<blockCount).filter { target[$0] == $0 && size[$0] > 0 }
            .sorted { a, b in (-(a / blocksX), a % blocksX) < (-(b / blocksX), b % blocksX) }
        var officeOfBlock = [Int](repeating: -1, count: blockCount)
        for (k, block) in roots.enumerated() { officeOfBlock[block] = k }
        var office = [Int](repeating: 0, count: n)
        var members = [Int](repeating: 0, count: roots.count)
        for c in 0..<n {
            let o = officeOfBlock[target[blockOfCell[c]]]
            office[c] = o
            members[o] += 1
        }
        return (office, roots.count, members.max() ?? 0)
    }

    /// The 3-digit code number of the `index`-th office: 001-099, then 100-199, 200-399.
    static func code(ofOffice index: Int) -> Int {
        index + 1
    }
}
