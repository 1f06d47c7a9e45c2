import GridplanGeometry

/// A GeoJSON feature: an optional id, an optional geometry (GeoJSON allows `null`) and
/// properties in file order.
public struct Feature: Hashable, Sendable {
    /// A string or number, as in the file; nil when absent.
    public var id: JSONValue?
    public var geometry: Geometry?
    public var properties: JSONObject

    public init(id: JSONValue? = nil, geometry: Geometry?, properties: JSONObject = JSONObject()) {
        self.id = id
        self.geometry = geometry
        self.properties = properties
    }
}

/// A whole FeatureCollection in memory, with what the reader noticed about it.
public struct FeatureCollection: Sendable {
    public var features: [Feature]
    /// The legacy GeoJSON 2008 `crs` member's name (e.g. `urn:ogc:def:crs:EPSG::4490`), if any.
    public var declaredCRS: String?
    /// Features whose geometry is `null`.
    public var nullGeometryCount: Int { features.reduce(0) { $0 + ($1.geometry == nil ? 1 : 0) } }
    /// Positions that carried a third (Z or M) value, which gridplan drops.
    public var droppedZCount: Int

    public init(features: [Feature], declaredCRS: String? = nil, droppedZCount: Int = 0) {
        self.features = features
        self.declaredCRS = declaredCRS
        self.droppedZCount = droppedZCount
    }

    /// Bounding box of every geometry.
    public var envelope: Envelope {
        var e = Envelope.empty
        for f in features { if let g = f.geometry { e.expand(toInclude: g.envelope) } }
        return e
    }
}

/// A GeoJSON reading failure, naming the file, the place and the feature.
public struct GeoJSONError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    /// 1-based line and column of the problem, when it is a place in the text.
    public var line: Int?
    public var column: Int?
    /// 0-based index of the feature in the collection, when the problem is inside one.
    public var featureIndex: Int?
    public var reason: String

    public init(file: String, line: Int? = nil, column: Int? = nil, featureIndex: Int? = nil, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.featureIndex = featureIndex
        self.reason = reason
    }

    public var description: String {
        var s = file
        if let line, let column { s += ":\(line):\(column)" }
        s += ": "
        if let featureIndex { s += "feature \(featureIndex): " }
        return s + reason
    }
}
