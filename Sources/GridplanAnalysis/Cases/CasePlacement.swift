import Foundation
import GridplanGeometry

/// One drawing of the units (a generation of the grids) and the time it came into force.
public struct UnitDrawing: Sendable {
    /// Nil for a drawing with no known start (a file, or the only generation).
    public var effectiveFrom: Date?
    public var units: [UnitInput]
    /// A label for messages (`generation 2`).
    public var label: String

    public init(effectiveFrom: Date?, units: [UnitInput], label: String) {
        self.effectiveFrom = effectiveFrom
        self.units = units
        self.label = label
    }
}

/// Places cases in units: each case in the drawing in force on its reported time, inside it
/// by ``PointAssigner`` (so the tie rule is that of `assign points`), and a case in no unit
/// with its fallback owner from ``FallbackOwner``.
///
/// The issue asks for the unit "as `locate` gives it"; this tree has no `locate` command yet, so
/// ``PointAssigner`` (the location and tie rule of `assign points`) is used, and `locate` should
/// call the same when it comes.
public enum CasePlacement {
    public struct Result: Sendable {
        /// The unit code of each case, nil in no unit.
        public var codes: [String?]
        /// For the cases in no unit (by index): the nearest unit and its distance in metres.
        public var fallback: [Int: (code: String, distanceMetres: Double)]
        /// How many cases each drawing took, in drawing order.
        public var casesPerDrawing: [Int]
    }

    /// - Parameter drawings: in any order; a case reported before the earliest start is placed
    ///   in the earliest drawing (the oldest known).
    public static func place(_ cases: [CaseRecord], in drawings: [UnitDrawing]) throws -> Result {
        let order = drawings.indices.sorted {
            (drawings[$0].effectiveFrom ?? .distantPast) < (drawings[$1].effectiveFrom ?? .distantPast)
        }
        var members = [[Int]](repeating: [], count: drawings.count)
        for (n, r) in cases.enumerated() {
            var chosen = order.first
            for d in order where (drawings[d].effectiveFrom ?? .distantPast) <= r.reportedAt { chosen = d }
            if let chosen { members[chosen].append(n) }
        }
        var codes = [String?](repeating: nil, count: cases.count)
        var fallback: [Int: (code: String, distanceMetres: Double)] = [:]
        for (d, drawing) in drawings.enumerated() where !members[d].isEmpty {
            let points = members[d].map { cases[$0].location }
            let inside = try PointAssigner.run(points: points, units: drawing.units)
            var outside: [Int] = []
            for (k, n) in members[d].enumerated() {
                if let u = inside[k] { codes[n] = drawing.units[u].code } else { outside.append(n) }
            }
            let nearest = try FallbackOwner.nearest(points: outside.map { cases[$0].location }, units: drawing.units)
            for (n, hit) in zip(outside, nearest) {
                if let hit { fallback[n] = (drawing.units[hit.index].code, hit.distance) }
            }
        }
        return Result(codes: codes, fallback: fallback, casesPerDrawing: members.map(\.count))
    }
}
