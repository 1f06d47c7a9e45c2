import GridplanGeometry
import GridplanIO

/// One defect injected into a generated city, as recorded in `truth.json`: what a checker
/// should find, where, and how big it is.
public struct SampleDefect: Sendable {
    /// How a defect was made, with the name truth.json gives as its `cause`.
    public enum Kind: String, Sendable, CaseIterable {
        /// Two neighbouring communities both claim a strip (重叠); `units` are the one drawn too
        /// large, then the one whose land it covers.
        case overlap
        /// Land inside the district that no community claims (无人管地带); `units` are the
        /// community drawn too small and, unless the gap is open to the district edge, its neighbour.
        case gap
        /// A detached piece of a community inside another street office (飞地); `units` are the
        /// owner, then the community around the piece.
        case exclave
        /// A community wholly surrounded by another; `units` are the enclave, then its surrounder.
        case enclave
        /// A narrow-necked tongue of one community reaching into its neighbour (犬牙交错):
        /// legal, but awkward to manage; `units` are the owner of the tongue, then the neighbour.
        case jaggedBorder = "jagged_border"
        /// A shared border digitised twice with vertices that do not match: sub-metre slivers of
        /// overlap and gap along it; `units` are the community with the noisy copy, then its neighbour.
        case digitisingNoise = "digitising_noise"
        /// A ring that breaks the rules: `problem` says which (self_intersection, repeated_points).
        case invalidRing = "invalid_ring"
        /// A community whose declared parent street office is not the one whose territory holds
        /// it; `units` are the community, its declared parent, and the containing office.
        case parentMismatch = "parent_mismatch"
    }

    /// What `gridplan check` reports for a defect: a finding kind, with its area (nil where check
    /// gives none, as for an invalid ring).
    public struct ExpectedFinding: Sendable, Equatable {
        public var kind: String
        public var areaSquareMetres: Double?
    }

    /// The width `gridplan check` tells slivers from unmanaged land by (its `--gap-width` default).
    public static let checkGapWidthMetres = 2.0

    /// The finding kind `check` reports this defect as, the word truth.json's `kind` uses: a gap
    /// is a sliver or unmanaged land by its width, a jagged border an interlock, an invalid ring
    /// invalid, digitising noise a sliver (its overlapping slivers are overlaps, see
    /// ``expectedFindings``).
    public var findingKind: String {
        switch kind {
        case .overlap, .exclave, .enclave, .parentMismatch: return kind.rawValue
        case .gap:
            return (details["width_m"]?.doubleValue ?? 0) < Self.checkGapWidthMetres ? "sliver" : "unmanaged"
        case .jaggedBorder: return "interlock"
        case .digitisingNoise: return "sliver"
        case .invalidRing: return "invalid"
        }
    }

    /// Every finding `check` reports for this defect with the default options: an exclave inside
    /// another community is an enclave too; digitising noise is overlaps and slivers; a bow-tie is
    /// invalid and, repaired, its lobes lie outside the district.
    public var expectedFindings: [ExpectedFinding] {
        switch kind {
        case .exclave:
            return [
                .init(kind: "exclave", areaSquareMetres: areaSquareMetres),
                .init(kind: "enclave", areaSquareMetres: areaSquareMetres),
            ]
        case .digitisingNoise:
            return [
                .init(kind: "overlap", areaSquareMetres: details["overlap_m2"]?.doubleValue ?? 0),
                .init(kind: "sliver", areaSquareMetres: details["gap_m2"]?.doubleValue ?? 0),
            ]
        case .invalidRing:
            return details["problem"]?.stringValue == "self_intersection"
                ? [
                    .init(kind: "invalid", areaSquareMetres: nil),
                    .init(kind: "outside", areaSquareMetres: areaSquareMetres),
                ]
                : [.init(kind: "invalid", areaSquareMetres: nil)]
        default:
            return [.init(kind: findingKind, areaSquareMetres: areaSquareMetres)]
        }
    }

    /// 1-based, in `truth.json` order.
    public var id: Int
    public var kind: Kind
    /// Codes of the communities (and offices) involved, most responsible first.
    public var units: [String]
    /// Area of ``geometry``, computed in the metric CRS. 0 for point defects.
    public var areaSquareMetres: Double
    /// Where the defect is, in the metric CRS: the disputed, unclaimed or misassigned land; for
    /// a bow-tie, its two lobes; for repeated points, the repeated vertex.
    public var geometry: Geometry
    /// Further facts, e.g. `width_m`, `problem`, `overlap_m2`; written after the fixed members.
    public var details: JSONObject
    /// A point to look at (the crossing of a bow-tie), in the metric CRS.
    public var location: Coordinate?

    public init(
        id: Int, kind: Kind, units: [String], areaSquareMetres: Double, geometry: Geometry,
        details: JSONObject = JSONObject(), location: Coordinate? = nil
    ) {
        self.id = id
        self.kind = kind
        self.units = units
        self.areaSquareMetres = areaSquareMetres
        self.geometry = geometry
        self.details = details
        self.location = location
    }
}
