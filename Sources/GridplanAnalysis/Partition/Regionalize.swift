import Foundation
import GridplanGeometry

/// What a good set of regions is (负载均衡): every region's quantity within [minimum, maximum],
/// then as little spread around the middle of the bounds as can be. The regionaliser's attempts,
/// its choice among them and its local search all ask this one objective.
struct RegionObjective {
    let minimum: Double
    let maximum: Double

    var middle: Double { (minimum + maximum) / 2 }

    /// How far a region's quantity lies outside the bounds (0 inside).
    func violation(_ s: Double) -> Double { s < minimum ? minimum - s : (s > maximum ? s - maximum : 0) }

    /// The number of regions for a total: the one whose mean is nearest the middle of the bounds
    /// among the counts the total allows.
    func regionCount(total: Double) -> Int {
        let kMin = max(1, Int((total / maximum).rounded(.up)))
        let kMax = max(1, Int((total / max(minimum, 1e-9)).rounded(.down)))
        let ideal = max(1, Int((total / middle).rounded()))
        if kMin <= kMax { return min(max(ideal, kMin), kMax) }
        return max(1, ideal)
    }

    /// (total violation, regions out of bounds, spread around the middle) of the regions'
    /// quantities, lower is better.
    func score(_ values: [Double]) -> (Double, Int, Double) {
        let middle = self.middle
        return (
            values.reduce(0) { $0 + violation($1) }, values.filter { violation($0) > 0 }.count,
            values.reduce(0) { $0 + pow($1 - middle, 2) }
        )
    }

    /// What moving `q` from a region of `from` to one of `to` gains: violations first; spread only
    /// among moves that keep violations equal.
    func gain(moving q: Double, from: Double, to: Double) -> Double {
        let middle = self.middle
        let before = violation(from) + violation(to)
        let after = violation(from - q) + violation(to + q)
        let spreadBefore = pow(from - middle, 2) + pow(to - middle, 2)
        let spreadAfter = pow(from - q - middle, 2) + pow(to + q - middle, 2)
        return (before - after) * 1e9 + (after == before ? (spreadBefore - spreadAfter) : 0)
    }
}

/// How the regionaliser picks the blocks its regions grow from.
enum SeedingStrategy: Hashable {
    /// Farthest-point sampling among the blocks that hold something, from the north-westmost one
    /// moved round them by (run seed + 7919 × `rotation`) places.
    case farthestPoint(rotation: UInt64)
    /// The heaviest blocks first, none adjacent to another seed: a block that fills a grid on
    /// its own should not share one.
    case heaviestApart
    /// Every block that fills a grid alone, and as many seeds among the small blocks left as
    /// their total can fill (the region count follows from the seeds).
    case everyFullBlock

    /// The seedings tried for every region count, then ``everyFullBlock`` for the count the
    /// total suggests. The rotations are the attempts' historical numbers, kept so the grids
    /// stay the same.
    static let attempts: [SeedingStrategy] = [
        .farthestPoint(rotation: 0), .heaviestApart, .farthestPoint(rotation: 2), .farthestPoint(rotation: 3),
    ]
}

/// Groups contiguous blocks into regions whose quantities fall within [minimum, maximum].
///
/// The number of regions k comes from the ``RegionObjective``. k seeds are picked by a
/// ``SeedingStrategy``; regions grow together, the lightest first, each taking the neighbouring
/// block it shares most border with, without passing the maximum. A local search then moves
/// boundary blocks between neighbouring regions while that improves the objective (bound
/// violations, then spread), never disconnecting a region.
struct Regionalizer {
    let quantities: [Double]
    let centroids: [Coordinate]
    /// adjacency[i] = (neighbour, shared border length), sorted by neighbour.
    let adjacency: [[(Int, Double)]]
    let objective: RegionObjective
    let seed: UInt64
    /// Blocks forced together (e.g. a surviving previous grid), each an initial region.
    var fixed: [[Int]] = []

    var minimum: Double { objective.minimum }
    var maximum: Double { objective.maximum }

    /// Tries several region counts and seedings and keeps the best by the objective. Communities
    /// hold tens of blocks, so a few complete attempts cost little and avoid the traps of a
    /// single greedy growth.
    func run() -> [Int] {
        let freeTotal = quantities.indices.filter { b in !fixed.contains { $0.contains(b) } }.reduce(0) {
            $0 + quantities[$1]
        }
        let base = objective.regionCount(total: freeTotal)
        var best: (score: (Double, Int, Double), region: [Int])?
        for k in Set([base - 1, base, base + 1]).filter({ $0 >= 1 }).sorted() {
            for strategy in SeedingStrategy.attempts + (k == base ? [.everyFullBlock] : []) {
                let region = runOnce(regions: k, seeding: strategy)
                let s = score(region)
                if best == nil || s < best!.score { best = (s, region) }
            }
        }
        return best!.region
    }

    /// The objective's score of a region assignment (regions in number order).
    func score(_ region: [Int]) -> (Double, Int, Double) {
        var sums: [Int: Double] = [:]
        for (b, r) in region.enumerated() { sums[r, default: 0] += quantities[b] }
        return objective.score(sums.keys.sorted().map { sums[$0]! })
    }

    func runOnce(regions requested: Int, seeding strategy: SeedingStrategy) -> [Int] {
        let n = quantities.count
        var region = [Int](repeating: -1, count: n)
        var sums: [Double] = []
        var seeds: [Int] = []
        for group in fixed {
            for b in group { region[b] = sums.count }
            sums.append(group.reduce(0) { $0 + quantities[$1] })
            seeds.append(group[0])
        }
        let free = (0..<n).filter { region[$0] < 0 }
        if free.isEmpty { return region }
        let freeTotal = free.reduce(0) { $0 + quantities[$1] }
        var k = requested
        if freeTotal <= 0 { k = 1 }
        k = min(k, free.count)

        // Farthest-point seeds among blocks that hold something (a seed on an empty park would
        // start a region with nothing in it), starting from the north-westmost (rotated by the seed).
        let seedable = free.filter { quantities[$0] > 0 }.isEmpty ? free : free.filter { quantities[$0] > 0 }
        var chosen: [Int] = []
        let start = seedable.min { a, b in
            let ka = centroids[a].x - centroids[a].y, kb = centroids[b].x - centroids[b].y
            return ka != kb ? ka < kb : a < b
        }!
        switch strategy {
        case .everyFullBlock:
            // Every block that fills a grid alone is a seed; the small blocks left over get
            // as many seeds as their total can fill.
            chosen = seedable.filter { quantities[$0] >= minimum }.sorted {
                quantities[$0] != quantities[$1] ? quantities[$0] > quantities[$1] : $0 < $1
            }
            let rest = seedable.filter { quantities[$0] < minimum }
            let restTotal = rest.reduce(0) { $0 + quantities[$1] }
            let extra = restTotal >= minimum ? max(1, Int((restTotal / objective.middle).rounded())) : 0
            if let first = rest.max(by: { quantities[$0] < quantities[$1] }), extra > 0 {
                var picked = [first]
                while picked.count < extra,
                    let next = rest.filter({ !picked.contains($0) }).max(by: { a, b in
                        picked.map { centroids[a].distance(to: centroids[$0]) }.min()! < picked.map {
                            centroids[b].distance(to: centroids[$0])
                        }.min()!
                    })
                { picked.append(next) }
                chosen += picked
            }
            if chosen.isEmpty { chosen = [seedable[0]] }
            k = chosen.count
        case .heaviestApart:
            for b in seedable.sorted(by: {
                quantities[$0] != quantities[$1] ? quantities[$0] > quantities[$1] : $0 < $1
            }) where chosen.count < k {
                if !adjacency[b].contains(where: { chosen.contains($0.0) }) { chosen.append(b) }
            }
        case .farthestPoint(let rotation):
            let offset = Int((seed &+ rotation &* 7919) % UInt64(seedable.count))
            chosen.append(seedable[(seedable.firstIndex(of: start)! + offset) % seedable.count])
        }
        var nearest = seedable.map { b in chosen.map { centroids[b].distance(to: centroids[$0]) }.min()! }
        while chosen.count < min(k, seedable.count) {
            var best = -1
            var bestD = -1.0
            for (j, b) in seedable.enumerated() where !chosen.contains(b) && nearest[j] > bestD {
                best = b
                bestD = nearest[j]
            }
            guard best >= 0 else { break }
            chosen.append(best)
            for (j, b) in seedable.enumerated() {
                nearest[j] = min(nearest[j], centroids[b].distance(to: centroids[best]))
            }
        }
        for s in chosen {
            region[s] = sums.count
            sums.append(quantities[s])
            seeds.append(s)
        }

        // Grow the lightest growable region first.
        var frozen = Set<Int>(0..<fixed.count)
        while true {
            var grew = false
            let order = sums.indices.filter { !frozen.contains($0) }.sorted {
                sums[$0] != sums[$1] ? sums[$0] < sums[$1] : $0 < $1
            }
            for r in order {
                var best = -1
                var bestScore = -Double.infinity
                for b in 0..<n where region[b] == r {
                    for (nb, shared) in adjacency[b] where region[nb] < 0 {
                        guard sums[r] + quantities[nb] <= maximum || sums[r] < minimum else { continue }
                        // Prefer long shared borders and blocks close to the region's seed.
                        let score = shared - 0.01 * centroids[nb].distance(to: centroids[seeds[r]])
                        if score > bestScore || (score == bestScore && nb < best) {
                            best = nb
                            bestScore = score
                        }
                    }
                }
                if best >= 0 {
                    region[best] = r
                    sums[r] += quantities[best]
                    grew = true
                    break
                } else {
                    frozen.insert(r)
                }
            }
            if !grew { break }
        }
        // Blocks no region could take without passing the maximum: join the lightest neighbour,
        // or start a region of their own if they touch none.
        var changed = true
        while changed {
            changed = false
            for b in 0..<n where region[b] < 0 {
                let neighbours = adjacency[b].map(\.0).filter { region[$0] >= 0 }
                if let target = neighbours.map({ region[$0] }).min(by: {
                    sums[$0] != sums[$1] ? sums[$0] < sums[$1] : $0 < $1
                }) {
                    region[b] = target
                    sums[target] += quantities[b]
                    changed = true
                }
            }
        }
        for b in 0..<n where region[b] < 0 {
            region[b] = sums.count
            sums.append(quantities[b])
        }
        improve(&region, &sums, lockedRegions: Set(0..<fixed.count))
        return region
    }

    func violation(_ s: Double) -> Double { objective.violation(s) }

    /// Whether region r stays connected without block `without`.
    func staysConnected(_ region: [Int], _ r: Int, without: Int) -> Bool {
        let members = region.indices.filter { region[$0] == r && $0 != without }
        guard let first = members.first else { return false }
        var seen: Set<Int> = [first]
        var stack = [first]
        while let b = stack.popLast() {
            for (nb, _) in adjacency[b] where nb != without && region[nb] == r && !seen.contains(nb) {
                seen.insert(nb)
                stack.append(nb)
            }
        }
        return seen.count == members.count
    }

    /// Moves boundary blocks between neighbouring regions while that lowers the total bound
    /// violation, then the spread around the middle of the bounds.
    func improve(_ region: inout [Int], _ sums: inout [Double], lockedRegions: Set<Int>) {
        // Two neighbouring regions both under the minimum become one when that fits.
        var merged = true
        while merged {
            merged = false
            for b in region.indices where sums[region[b]] < minimum && !lockedRegions.contains(region[b]) {
                let r = region[b]
                for (nb, _) in adjacency[b] {
                    let other = region[nb]
                    guard other != r, !lockedRegions.contains(other), sums[other] < minimum,
                        sums[r] + sums[other] <= maximum
                    else { continue }
                    for k in region.indices where region[k] == other { region[k] = r }
                    sums[r] += sums[other]
                    sums[other] = 0
                    merged = true
                    break
                }
                if merged { break }
            }
        }
        for _ in 0..<200 {
            var bestMove: (block: Int, to: Int, gain: Double)?
            for b in region.indices {
                let from = region[b]
                guard !lockedRegions.contains(from) else { continue }
                var targets = Set<Int>()
                for (nb, _) in adjacency[b] where region[nb] != from && !lockedRegions.contains(region[nb]) {
                    targets.insert(region[nb])
                }
                for to in targets.sorted() {
                    let gain = objective.gain(moving: quantities[b], from: sums[from], to: sums[to])
                    guard gain > 1e-9, gain > (bestMove?.gain ?? 0) else { continue }
                    guard staysConnected(region, from, without: b) else { continue }
                    bestMove = (b, to, gain)
                }
            }
            guard let m = bestMove else { return }
            sums[region[m.block]] -= quantities[m.block]
            sums[m.to] += quantities[m.block]
            region[m.block] = m.to
        }
    }
}
