/// A map style for one table of a store, in QGIS's own format (QML), as QGIS keeps styles in a
/// database's `layer_styles` table: a GeoPackage or PostGIS store carries one per layer, and
/// QGIS opens each layer with it.
public struct QGISStyle: Sendable, Equatable {
    /// The table the style is for.
    public var table: String
    /// Its name in QGIS's style list.
    public var name: String
    /// The QGIS style document (`<qgis>…</qgis>`).
    public var qml: String
    /// What the style shows, for the style manager.
    public var description: String

    public init(table: String, name: String, qml: String, description: String) {
        self.table = table
        self.name = name
        self.qml = qml
        self.description = description
    }
}
