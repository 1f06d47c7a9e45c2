import GridplanGeometry

/// What grids are balanced on, with the bounds each grid must fall within (负载均衡).
public struct PartitionTarget: Sendable, Equatable, CustomStringConvertible {
    public enum Quantity: String, Sendable { case households, area, workload }
    public var quantity: Quantity
    public var minimum: Double
    public var maximum: Double

    public init(quantity: Quantity, minimum: Double, maximum: Double) {
        self.quantity = quantity
        self.minimum = minimum
        self.maximum = maximum
    }

    /// Parses `households:150-500`, `area:8000-12000` or `workload:20-60`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let q = Quantity(rawValue: parts[0].lowercased()) else {
            throw PartitionError.badTarget(text, "expected households:MIN-MAX, area:MIN-MAX or workload:MIN-MAX")
        }
        let bounds = parts[1].split(separator: "-", maxSplits: 1).map {
            Double($0.trimmingCharacters(in: .whitespaces))
        }
        guard bounds.count == 2, let lo = bounds[0], let hi = bounds[1], lo.isFinite, hi.isFinite else {
            throw PartitionError.badTarget(text, "bounds must be two numbers, MIN-MAX")
        }
        guard lo >= 0, hi > 0 else { throw PartitionError.badTarget(text, "bounds must be positive") }
        guard lo <= hi else { throw PartitionError.badTarget(text, "the minimum \(lo) is above the maximum \(hi)") }
        self.init(quantity: q, minimum: lo, maximum: hi)
    }

    public var description: String { "\(quantity.rawValue):\(formatted(minimum))-\(formatted(maximum))" }
    private func formatted(_ d: Double) -> String { d == d.rounded() ? String(Int64(d)) : String(d) }
    public var middle: Double { (minimum + maximum) / 2 }
}

public enum PartitionError: Error, CustomStringConvertible, Sendable {
    case badTarget(String, String)
    case noCommunities

    public var description: String {
        switch self {
        case .badTarget(let t, let why): return "bad --target '\(t)': \(why)"
        case .noCommunities: return "no polygon communities to partition"
        }
    }
}

/// How grids are shaped.
public enum PartitionMode: String, Sendable, CaseIterable {
    /// Unions of street blocks (the default).
    case blocks
    /// Regular square cells of `cellMetres`, clipped to communities (万米单元网格 style).
    case square
    /// Regular hexagons of `cellMetres` across flats, clipped to communities.
    case hex
}

public struct PartitionOptions: Sendable {
    public var target = PartitionTarget(quantity: .households, minimum: 150, maximum: 500)
    /// Street classes whose streets cut communities into blocks.
    public var boundaryClasses: Set<String> = ["arterial", "secondary"]
    public var mode: PartitionMode = .blocks
    public var cellMetres: Double = 100
    /// Varies tie-breaking among equally good solutions; same seed, same grids.
    public var seed: UInt64 = 0
    /// A clipped cell below this share of a full cell joins its neighbour (square and hex modes).
    public var sliverShare: Double = 0.25
    /// A previous grid overlapping a new one by at least this share of both areas keeps its code.
    public var keepOverlap: Double = 0.9
    public init() {}
}

/// A community to partition, in a metric CRS.
public struct CommunityInput: Sendable {
    public var code: String
    public var geometry: Geometry
    public init(code: String, geometry: Geometry) {
        self.code = code
        self.geometry = geometry
    }
}

/// A street line with its class (arterial, secondary, branch, alley).
public struct StreetInput: Sendable {
    public var geometry: Geometry
    public var streetClass: String
    public init(geometry: Geometry, streetClass: String) {
        self.geometry = geometry
        self.streetClass = streetClass
    }
}

/// A grid of the previous generation, for code stability.
public struct PreviousGrid: Sendable {
    public var code: String
    public var geometry: Geometry
    public init(code: String, geometry: Geometry) {
        self.code = code
        self.geometry = geometry
    }
}

/// One generated grid.
public struct GridOutput: Sendable {
    public enum Status: String, Sendable { case kept, changed, new }
    public var code: String
    public var communityCode: String
    public var geometry: Geometry
    public var areaSquareMetres: Double
    public var households: Double
    public var workload: Double
    /// Polsby-Popper: 4πA / P², 1 for a circle.
    public var compactness: Double
    public var predecessor: String?
    public var status: Status
    /// Whether the balanced quantity is within the target bounds.
    public var withinBounds: Bool
    /// A grid an incremental partition kept or carried as it was: its index in the previous grids,
    /// whose own geometry (not one sent through a CRS and back) is the one to write.
    public var previousIndex: Int?
}

/// How one community was partitioned.
public struct CommunityReport: Sendable {
    public var code: String
    public var grids: Int
    public var total: Double
    public var blocks: Int
    /// Nil when every grid is within bounds; else why not.
    public var infeasibility: String?
}

public struct PartitionReport: Sendable {
    public var grids: [GridOutput]
    public var communities: [CommunityReport]
    public var kept = 0
    public var changed = 0
    public var new = 0
    public var retired: [String] = []
    public var householdsChangingGrid: Double = 0
    public var warnings: [String] = []
    /// An incremental partition's grids of the communities it did not re-partition, as they were.
    public var carried: [GridOutput] = []
    /// How an incremental partition went; nil for a full one.
    public var incremental: IncrementalSummary?

    public var withinBoundsRatio: Double {
        grids.isEmpty ? 0 : Double(grids.filter(\.withinBounds).count) / Double(grids.count)
    }
    public var compactnessMean: Double {
        grids.isEmpty ? 0 : grids.reduce(0) { $0 + $1.compactness } / Double(grids.count)
    }

    /// How even the grids are in `quantity`: mean, standard deviation and coefficient of variation
    /// (0 when the mean is 0).
    public func balance(of quantity: PartitionTarget.Quantity) -> (mean: Double, standardDeviation: Double, cv: Double)
    {
        let values = grids.map { g -> Double in
            switch quantity {
            case .households: return g.households
            case .area: return g.areaSquareMetres
            case .workload: return g.workload
            }
        }
        let n = Double(max(values.count, 1))
        let mean = values.reduce(0, +) / n
        let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
        return (mean, sd, mean > 0 ? sd / mean : 0)
    }
}

/// How an incremental partition (``IncrementalPartitioner``) went, beside its grids.
public struct IncrementalSummary: Sendable {
    /// One re-partitioned community.
    public struct Community: Sendable, Equatable {
        public var code: String
        /// Grids kept as they were.
        public var kept: Int
        /// Grids whose land changed a little: each overlaps one of the community's previous grids
        /// by at least ``PartitionOptions/keepOverlap`` and keeps its code.
        public var reshaped: Int
        /// New grids that continue a previous one (lastcode), and new grids that do not.
        public var changed: Int
        public var new: Int
        /// The community's previous codes that no grid keeps.
        public var retired: [String]
        /// Grids the move did not touch, let go to take in a remainder too small to be a grid.
        public var joined: [String]
    }

    /// The communities re-partitioned, in input order.
    public var communities: [Community] = []
    /// Communities the adjustment names whose grids all stand as they were.
    public var untouched: [String] = []
    /// Units the adjustment names that are not among the communities partitioned (another street
    /// office's, with `--within`): their grids were not looked at.
    public var absent: [String] = []
    /// The codes of the grids kept as they were in the re-partitioned communities.
    public var keptCodes: Set<String> = []
    /// Grids of the communities not re-partitioned, carried as they were.
    public var carried: Int = 0

    public init() {}
}
