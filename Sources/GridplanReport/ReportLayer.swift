import GridplanGeometry
import GridplanIO

/// What a map layer shows; it decides how the layer is drawn and what colours it by.
public enum ReportLayerKind: String, CaseIterable, Sendable {
    /// Management units (communities 社区, street offices 街道): filled, one colour per unit.
    case units
    /// Grids (网格): light fills outlined in their community's colour.
    case grids
    /// Coverage-check findings: solid fills, one fixed colour per finding kind.
    case findings
    /// Street segments (街巷): lines coloured by their lead (owner) unit.
    case streets
    /// Points such as buildings or events: small squares.
    case points
    /// 门前三包 zones (frontage --out): strips of land filled in their owner's colour.
    case frontage
    /// Units and named streets that lack a role their roster requires (roster --out): outlined
    /// thick in the colour of the roles they lack.
    case rosterHoles = "roster_holes"

    /// The property a layer of this kind is coloured by unless told otherwise.
    public var defaultColorProperty: String {
        switch self {
        case .units: return "code"
        case .grids: return "community"
        case .findings: return "kind"
        case .streets: return "lead"
        case .points: return "kind"
        case .frontage: return "owner"
        case .rosterHoles: return "role"
        }
    }
}

/// One layer of the map: features in WGS84 longitude/latitude, coloured by one property.
public struct ReportLayer: Sendable {
    /// The name shown next to the layer's toggle and in the legend.
    public var name: String
    public var kind: ReportLayerKind
    /// Features in WGS84 (x = longitude, y = latitude); features without geometry are not drawn.
    public var features: [Feature]
    /// The property whose values pick each feature's colour.
    public var colorProperty: String

    /// Makes a layer.
    ///
    /// - Parameters:
    ///   - name: the layer's display name.
    ///   - kind: what the layer shows.
    ///   - features: the features, in WGS84 longitude/latitude.
    ///   - colorProperty: the property to colour by; nil uses the kind's ``ReportLayerKind/defaultColorProperty``.
    public init(name: String, kind: ReportLayerKind, features: [Feature], colorProperty: String? = nil) {
        self.name = name
        self.kind = kind
        self.features = features
        self.colorProperty = colorProperty ?? kind.defaultColorProperty
    }

    /// The text a feature is coloured by: its colouring property, or ``ReportLayer/noValue``.
    public func category(of feature: Feature) -> String {
        switch feature.properties[colorProperty] {
        case nil, .null?: return Self.noValue
        case let v?:
            let t = v.text
            return t.isEmpty ? Self.noValue : t
        }
    }

    /// The category of features that lack the colouring property (e.g. a street nobody leads).
    public static let noValue = "(none)"

    /// The features that will be drawn: those with a non-empty geometry.
    public var drawnFeatures: [Feature] {
        features.filter { $0.geometry.map { !$0.isEmpty } ?? false }
    }

    /// Bounding box of every geometry in the layer.
    public var envelope: Envelope {
        var e = Envelope.empty
        for f in features { if let g = f.geometry { e.expand(toInclude: g.envelope) } }
        return e
    }
}

/// A table shown under the map: a title, column names and rows of already formatted text.
public struct ReportTable: Sendable, Hashable {
    public var title: String
    public var columns: [String]
    /// Rows of cells; a short row is padded with empty cells.
    public var rows: [[String]]

    /// Makes a table; cells are plain text and are escaped when the page is written.
    public init(title: String, columns: [String], rows: [[String]]) {
        self.title = title
        self.columns = columns
        self.rows = rows
    }
}
