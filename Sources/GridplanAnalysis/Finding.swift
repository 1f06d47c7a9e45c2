import GridplanGeometry

/// The kinds of problem `gridplan check` finds in a set of units.
public enum FindingKind: String, CaseIterable, Sendable, Codable {
    /// Land claimed by two or more units.
    case overlap
    /// Unowned land narrower than the gap width: a digitising sliver.
    case sliver
    /// Unowned land at least the gap width wide: 无人管地带.
    case unmanaged
    /// A part of a unit detached from its main part: 飞地.
    case exclave
    /// A unit or exclave almost wholly surrounded by one other unit.
    case enclave
    /// A piece of a unit joined to its body only through a narrow neck, reaching into a
    /// neighbour: 插花地 / 犬牙交错.
    case interlock
    /// A unit, or part of one, lying in the territory of a parent other than its declared parent.
    case parentMismatch = "parent_mismatch"
    /// An invalid input geometry (analysis continues on its repaired form).
    case invalid
    /// Unit area beyond the boundary.
    case outside
}

/// A unit bordering a finding, with the length of the border they share.
public struct Border: Sendable, Equatable {
    public var code: String
    public var lengthMetres: Double
}

/// One problem, as a polygon (or point, for invalidity) a map viewer can show.
public struct Finding: Sendable {
    public var id: Int
    public var kind: FindingKind
    /// In the metric CRS the analysis ran in.
    public var geometry: Geometry
    public var areaSquareMetres: Double
    /// Codes of the units involved: claimants of an overlap, the unit and its host for an
    /// exclave or enclave, the unit, its declared and its containing parent for a mismatch.
    public var units: [String]
    /// Bordering units (gaps) or hosts (exclaves, enclaves), longest border first.
    public var borders: [Border] = []
    /// Who should take the land: the longest border for gaps.
    public var suggestedOwner: String?
    /// Width of a gap: the diameter of its maximum inscribed circle.
    public var widthMetres: Double?
    /// For exclaves: the distance from the unit's main part.
    public var distanceMetres: Double?
    /// Households inside (with a households layer).
    public var households: Double?
    /// Free text: the reason of an invalid geometry, the parents of a mismatch.
    public var detail: String?
}
