import Foundation
import GridplanGeometry

/// What a street's public sign (公示牌) gives about its extent: where it runs from and to (the
/// cross streets at its two ends, found from the network) and its length.
public struct StreetExtent: Sendable, Equatable {
    public var name: String
    /// The cross street at the street's first end (western, or northern for a north-south
    /// street); nil at a dead end or the network's edge.
    public var from: String?
    public var to: String?
    public var lengthMetres: Double
}

/// Finds each named street's ends and the streets crossing there.
///
/// A street's pieces (its segments, in a metric CRS) are joined at shared end points; an end
/// is a point only one piece ends at. When there are more than two (a forked street), the two
/// ends farthest apart are taken; a loop has none and runs from its first point to itself. A
/// street running more east-west than north-south runs from its western end, any other from its
/// northern end. At
/// an end, the cross street is the other named street within ``joinToleranceMetres``: the
/// lowest grade (most important road) first, then the name.
public enum StreetSigns {
    public static let joinToleranceMetres = 1.0

    public static func extents(of streets: [StreetFeature]) throws -> [StreetExtent] {
        let ctx = GEOSContext()
        let index = try SpatialIndex(context: ctx)
        var natives: [NativeGeometry] = []
        for s in streets {
            let n = try ctx.geometry(s.geometry)
            try index.insert(n)
            natives.append(n)
        }
        var order: [String] = []
        var pieces: [String: [Int]] = [:]
        for (i, s) in streets.enumerated() {
            guard let name = s.name else { continue }
            if pieces[name] == nil { order.append(name) }
            pieces[name, default: []].append(i)
        }
        struct Key: Hashable {
            var x: Int64
            var y: Int64
            init(_ c: Coordinate) {
                x = Int64((c.x * 100).rounded())
                y = Int64((c.y * 100).rounded())
            }
        }
        func lines(_ g: Geometry) -> [[Coordinate]] {
            switch g {
            case .lineString(let l): return [l]
            case .multiLineString(let ls): return ls
            default: return []
            }
        }
        var out: [StreetExtent] = []
        for name in order {
            let members = pieces[name]!
            var count: [Key: Int] = [:]
            var at: [Key: Coordinate] = [:]
            var length = 0.0
            var first: Coordinate?
            for i in members {
                length += try natives[i].length
                for l in lines(streets[i].geometry) where l.count >= 2 {
                    if first == nil { first = l[0] }
                    for c in [l.first!, l.last!] {
                        count[Key(c), default: 0] += 1
                        at[Key(c)] = c
                    }
                }
            }
            var ends = count.filter { $0.value == 1 }.keys.map { at[$0]! }.sorted {
                $0.x != $1.x ? $0.x < $1.x : $0.y > $1.y
            }
            if ends.count > 2 {
                var best = (ends[0], ends[1], -1.0)
                for a in 0..<ends.count {
                    for b in (a + 1)..<ends.count {
                        let d = ends[a].distance(to: ends[b])
                        if d > best.2 { best = (ends[a], ends[b], d) }
                    }
                }
                ends = [best.0, best.1]
            }
            if ends.isEmpty, let first { ends = [first, first] }
            // A street running east-west is read from its western end, one running north-south from its northern end.
            if ends.count == 2 {
                let (a, b) = (ends[0], ends[1])
                let eastWest = abs(b.x - a.x) >= abs(b.y - a.y)
                if eastWest ? b.x < a.x : b.y > a.y { ends = [b, a] }
            }
            func cross(_ c: Coordinate) throws -> String? {
                let t = joinToleranceMetres
                let p = try ctx.geometry(.point(c))
                let near = try index.query(
                    envelope: Envelope(minX: c.x - t, minY: c.y - t, maxX: c.x + t, maxY: c.y + t)
                )
                .filter { streets[$0].name != nil && streets[$0].name != name }
                .filter { try natives[$0].distance(to: p) <= t }
                return near.min { a, b in
                    let ga = streets[a].grade ?? Int.max, gb = streets[b].grade ?? Int.max
                    return ga != gb ? ga < gb : streets[a].name! < streets[b].name!
                }.flatMap { streets[$0].name }
            }
            out.append(
                StreetExtent(
                    name: name, from: try ends.first.flatMap(cross),
                    to: try (ends.count > 1 ? ends.last : nil).flatMap(cross), lengthMetres: length))
        }
        return out
    }
}
