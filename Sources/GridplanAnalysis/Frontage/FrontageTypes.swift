import GridplanGeometry

/// A frontage unit (门前三包责任单位): a shop, an office, a building's occupants, given as a footprint
/// (polygon or multipolygon) or an address point, in a metric CRS.
///
/// Features with the same `id` are one owner: their footprints are joined.
public struct FrontageUnitInput: Sendable {
    /// The owner's id (shop code, building id); must not be empty.
    public var id: String
    public var geometry: Geometry
    /// Index of the feature in its source, for messages.
    public var sourceIndex: Int

    public init(id: String, geometry: Geometry, sourceIndex: Int) {
        self.id = id
        self.geometry = geometry
        self.sourceIndex = sourceIndex
    }
}

/// A street centreline, in a metric CRS. Its carriageway is `widthMetres` wide, or the width of
/// its class in ``FrontageOptions/widthByClassMetres``; with neither, zones stop at the centreline.
public struct FrontageStreetInput: Sendable {
    public var name: String?
    public var streetClass: String?
    public var widthMetres: Double?
    public var geometry: Geometry
    public var sourceIndex: Int

    public init(
        name: String?, streetClass: String? = nil, widthMetres: Double? = nil, geometry: Geometry, sourceIndex: Int
    ) {
        self.name = name
        self.streetClass = streetClass
        self.widthMetres = widthMetres
        self.geometry = geometry
        self.sourceIndex = sourceIndex
    }
}

/// Parameters of the frontage zones, in metres. The depth is a local custom, never a rule.
public struct FrontageOptions: Sendable {
    /// How deep a zone reaches from its unit towards the street (**default** 20 m, ≈ the common 门前三包 strip).
    public var depthMetres: Double = 20
    /// A unit given as a point stands for a round footprint of this radius (its frontage is twice it).
    public var pointRadiusMetres: Double = 3
    /// Carriageway width per street class, for streets without a width of their own.
    public var widthByClassMetres: [String: Double] = [:]
    /// Units closer than this to each other form one row: the land in front of the gap between them
    /// is shared, split on the line equidistant from the two; wider gaps face no one.
    public var rowGapMetres: Double = 1
    /// Zone pieces smaller than this are numerical dust and dropped.
    public var minimumAreaSquareMetres: Double = 0.1
    /// Uncovered street-side pieces shorter than this are not reported.
    public var minimumUncoveredMetres: Double = 0.5
    /// Spacing of the outline points whose Voronoi cells split contested land. Points this far
    /// apart put the split line within about spacing² / (8 × distance) of the true equidistant
    /// line (a few centimetres a metre out; corners are sampled closer).
    public var splitSpacingMetres: Double = 1

    public init() {}
}

/// Which side of its centreline a kerb lies on, looking along the line's direction; `end` is the
/// kerb across a dead end.
public enum StreetSide: String, Sendable, Comparable, CaseIterable {
    case left, right, end

    public static func < (a: StreetSide, b: StreetSide) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One owner's zone on one side of one street (in one unit, when units are given).
public struct FrontageZone: Sendable {
    public var owner: String
    /// The street's name (nil when it has none); `streetIndex` tells same-named streets apart.
    public var street: String?
    /// Index of the street in the `streets` given to ``Frontage/run(units:streets:gridUnits:options:progress:)``.
    public var streetIndex: Int
    public var side: StreetSide
    /// Code of the grid or community the zone lies in; nil outside every unit or when none were given.
    public var unit: String?
    /// Length of kerb (or centreline) the zone touches.
    public var frontageMetres: Double
    /// The greatest distance from the owner's footprint to a point of the zone (≤ the depth option).
    public var depthMetres: Double
    public var areaSquareMetres: Double
    public var geometry: Geometry
}

/// A stretch of street side that no frontage unit faces (no zone touches it).
public struct UncoveredStreetSide: Sendable {
    public var street: String?
    public var streetIndex: Int
    public var side: StreetSide
    public var unit: String?
    public var lengthMetres: Double
    public var geometry: Geometry
}

/// One side of one street: its kerb length, and how much of it zones face.
public struct FrontageStreetSide: Sendable {
    public var street: String?
    public var streetIndex: Int
    public var side: StreetSide
    public var lengthMetres: Double
    public var frontageMetres: Double
    public var uncoveredMetres: Double
}

/// A feature that could not be used as given, and what was done about it.
public struct FrontageProblem: Sendable, CustomStringConvertible {
    public enum Layer: String, Sendable {
        case frontageUnit = "frontage unit"
        case street
        case unit
    }

    public var layer: Layer
    /// The feature's `sourceIndex`.
    public var index: Int
    public var id: String?
    public var reason: String
    /// Whether the feature was left out (otherwise it was used, as the reason says).
    public var skipped: Bool

    public var description: String {
        let name = id.map { "\(layer.rawValue) \(index) (\"\($0)\")" } ?? "\(layer.rawValue) \(index)"
        return "\(name): \(reason)\(skipped ? "; skipped" : "")"
    }
}

/// Totals of a frontage run.
public struct FrontageSummary: Sendable {
    public var ownerCount: Int
    /// Owners with at least one zone, and the ids of those with none (in input order).
    public var ownersWithZone: Int
    public var ownersWithoutZone: [String]
    public var zoneAreaSquareMetres: Double
    public var frontageMetres: Double
    public var kerbMetres: Double
    public var uncoveredMetres: Double
    /// Every street side with a kerb, in street then side order.
    public var streetSides: [FrontageStreetSide]
}

/// What ``Frontage/run(units:streets:gridUnits:options:progress:)`` found.
public struct FrontageReport: Sendable {
    /// In owner input order, then street, side and unit.
    public var zones: [FrontageZone]
    /// In street, side and unit order.
    public var uncovered: [UncoveredStreetSide]
    public var problems: [FrontageProblem]
    public var summary: FrontageSummary
}

/// A frontage run that cannot start.
public enum FrontageError: Error, CustomStringConvertible, Equatable {
    case badOption(name: String, value: Double, reason: String)

    public var description: String {
        switch self {
        case .badOption(let name, let value, let reason): return "\(name) \(value): \(reason)"
        }
    }
}
