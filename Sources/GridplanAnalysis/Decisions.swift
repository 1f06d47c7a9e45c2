import Foundation
import GridplanGeometry

/// The stable id of a finding: the same land with the same kind gets the same id in every run,
/// so a decision made on one run applies to the next.
///
/// Built from the kind, the codes of the units involved (sorted) and the land's centroid
/// rounded to whole metres (in the run's metric CRS): land re-digitised within a few
/// centimetres keeps its id unless its centroid sits right on a metre line, and decisions
/// matched by id fall back to the nearest centroid within ``DecisionBook/nearMetres``.
public enum StableID {
    /// `overlap-3f9a2c1d`: the kind and 8 hex digits (FNV-1a, 32 bits).
    public static func of(kind: String, units: [String], geometry: Geometry) -> String {
        let c = PlanarCentroid.of(geometry)
        return of(kind: kind, units: units, metreX: Int(c.x.rounded()), metreY: Int(c.y.rounded()))
    }

    static func of(kind: String, units: [String], metreX: Int, metreY: Int) -> String {
        let key = "\(kind)|\(units.sorted().joined(separator: ","))|\(metreX)|\(metreY)"
        var hash: UInt32 = 2_166_136_261
        for b in key.utf8 {
            hash ^= UInt32(b)
            hash = hash &* 16_777_619
        }
        return kind + "-" + String(format: "%08x", hash)
    }
}

/// The area-weighted centroid of a geometry's polygons in plain Swift (holes subtract); the mean
/// of its vertices when it has no area.
enum PlanarCentroid {
    static func of(_ g: Geometry) -> Coordinate {
        var a = 0.0, cx = 0.0, cy = 0.0
        var vertices: [Coordinate] = []
        func ring(_ r: [Coordinate]) {
            vertices += r
            guard r.count >= 4 else { return }
            // About the ring's first vertex, for precision far from the origin; shifted back by
            // it with the ring's weight (twice its signed area).
            let o = r[0]
            var w = 0.0, sx = 0.0, sy = 0.0
            for i in 0..<(r.count - 1) {
                let p = r[i] - o, q = r[i + 1] - o
                let cross = p.x * q.y - q.x * p.y
                w += cross
                sx += (p.x + q.x) * cross
                sy += (p.y + q.y) * cross
            }
            a += w
            cx += sx + 3 * o.x * w
            cy += sy + 3 * o.y * w
        }
        func visit(_ g: Geometry) {
            switch g {
            case .polygon(let p): p.rings.forEach(ring)
            case .multiPolygon(let ps): for p in ps { p.rings.forEach(ring) }
            case .geometryCollection(let gs): gs.forEach(visit)
            case .lineString(let l): vertices += l
            case .multiLineString(let ls): vertices += ls.flatMap { $0 }
            case .point(let c): vertices.append(c)
            case .multiPoint(let cs): vertices += cs
            }
        }
        visit(g)
        if abs(a) > 1e-12 { return Coordinate(cx / (3 * a), cy / (3 * a)) }
        guard !vertices.isEmpty else { return Coordinate(0, 0) }
        return Coordinate(
            vertices.map(\.x).reduce(0, +) / Double(vertices.count),
            vertices.map(\.y).reduce(0, +) / Double(vertices.count))
    }
}

/// A street office's decision on one finding (`repair --decisions`), overriding the rule.
public struct RepairDecision: Sendable, Equatable {
    public enum Choice: Sendable, Equatable {
        /// The land goes to this unit.
        case owner(String)
        /// The land stays as it is: an overlap stays claimed by both, a gap stays unmanaged, an
        /// exclave stays with its unit.
        case leave
    }

    /// The finding's stable id (``StableID``), when the decision names one.
    public var findingID: String?
    /// A point inside the finding (metric CRS), when the decision gives one instead.
    public var point: Coordinate?
    public var choice: Choice
    public var confirmedBy: String?
    public var date: String?
    public var note: String?
    /// The decision's line in its file, for messages.
    public var line: Int

    public init(
        findingID: String?, point: Coordinate?, choice: Choice, confirmedBy: String?, date: String?, note: String?,
        line: Int
    ) {
        self.findingID = findingID
        self.point = point
        self.choice = choice
        self.confirmedBy = confirmedBy
        self.date = date
        self.note = note
        self.line = line
    }
}

/// The decisions of one repair, matched to the pieces of land it handles: by stable id, else by
/// a point inside the piece, else (the land re-digitised so its id moved) by the same kind and
/// units with a centroid within ``nearMetres``. A decision applies to one piece; those that
/// match none are reported.
final class DecisionBook {
    static let nearMetres = 2.0
    let decisions: [RepairDecision]
    private(set) var used: Set<Int> = []

    init(_ decisions: [RepairDecision]) { self.decisions = decisions }

    /// The decision for a piece of land, if one names it.
    func decision(kind: String, units: [String], geometry: Geometry, id: String, contains: (Coordinate) throws -> Bool)
        rethrows -> RepairDecision?
    {
        let centroid = PlanarCentroid.of(geometry)
        for (i, d) in decisions.enumerated() where !used.contains(i) && d.findingID == id {
            used.insert(i)
            return d
        }
        for (i, d) in decisions.enumerated() where !used.contains(i) && d.findingID == nil {
            if let p = d.point, try contains(p) {
                used.insert(i)
                return d
            }
        }
        // An id from an earlier run whose land moved by a few centimetres: same kind and units.
        for (i, d) in decisions.enumerated() where !used.contains(i) {
            guard let wanted = d.findingID, wanted.hasPrefix(kind + "-"), wanted != id else { continue }
            if Self.centroid(ofID: wanted, kind: kind, units: units, near: centroid) {
                used.insert(i)
                return d
            }
        }
        return nil
    }

    /// Whether an id is that of `kind` and `units` with a centroid on one of the metre points
    /// within ``nearMetres`` of `centroid` (ids hash the rounded centroid, so the candidates are few).
    static func centroid(ofID id: String, kind: String, units: [String], near centroid: Coordinate) -> Bool {
        let r = Int(nearMetres.rounded(.up))
        let x0 = Int(centroid.x.rounded()), y0 = Int(centroid.y.rounded())
        for dx in -r...r {
            for dy in -r...r where StableID.of(kind: kind, units: units, metreX: x0 + dx, metreY: y0 + dy) == id {
                return true
            }
        }
        return false
    }

    /// Decisions that matched no piece of this run.
    var unmatched: [RepairDecision] {
        decisions.indices.filter { !used.contains($0) }.map { decisions[$0] }
    }
}
