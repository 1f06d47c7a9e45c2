import Foundation
import FoundationXML
import GridplanAnalysis
import GridplanIO
import GridplanStore
import Testing

/// Every store layer carries a QGIS style in `layer_styles` (the table QGIS reads styles from),
/// on both engines; the documents are QML that QGIS's reader takes: an XML `<qgis>` document
/// with a `renderer-v2`.
@Suite(.serialized) struct LayerStyleTests {
    static let tables = StoreLayer.allCases.map(\.rawValue) + ["street_segments"]

    static func stores(_ dir: String) throws -> [String] {
        var stores = [dir + "/styled.gpkg"]
        if let server = PostGISStoreTests.server() { stores.append(try PostGISStoreTests.newDatabase(server)) }
        return stores
    }

    /// The gridplan styles in a store, checked as QML; by table.
    static func checkedStyles(_ store: String) throws -> [String: QGISStyle] {
        let styles = try Stores.open(store).layerStyles().filter { $0.name.hasPrefix("gridplan: ") }
        var byTable: [String: QGISStyle] = [:]
        for style in styles {
            #expect(byTable[style.table] == nil, "\(style.table) has two gridplan styles")
            byTable[style.table] = style
            let document = try XMLDocument(xmlString: style.qml, options: [])
            let root = try #require(document.rootElement())
            #expect(root.name == "qgis")
            let renderers = root.elements(forName: "renderer-v2")
            #expect(renderers.count == 1, "\(style.table)")
            // Every category names a symbol the renderer defines.
            if let r = renderers.first {
                let symbols = Set(
                    (r.elements(forName: "symbols").first?.elements(forName: "symbol") ?? []).compactMap {
                        $0.attribute(forName: "name")?.stringValue
                    })
                #expect(!symbols.isEmpty, "\(style.table)")
                for c in r.elements(forName: "categories").first?.elements(forName: "category") ?? [] {
                    #expect(symbols.contains(c.attribute(forName: "symbol")?.stringValue ?? "?"), "\(style.table)")
                }
            }
        }
        #expect(Set(byTable.keys) == Set(tables))
        return byTable
    }

    @Test func everyLayerOpensStyledOnBothEngines() throws {
        let dir = try scratch()
        for store in try Self.stores(dir) {
            let r = gridplan(["init", store, "--crs", "EPSG:4490", "--quiet"])
            #expect(r.code == 0, "\(r.err)")
            let styles = try Self.checkedStyles(store)
            // Findings by kind: a category for every kind check reports.
            let findings = try XMLDocument(xmlString: styles["findings"]!.qml, options: [])
            let values = try findings.nodes(forXPath: "//category/@value").compactMap(\.stringValue)
            #expect(Set(FindingKind.allCases.map(\.rawValue)).isSubset(of: Set(values)), "\(values)")
            // Grids are outlined (no fill) and labelled by code; communities coloured by street office.
            #expect(styles["grids"]!.qml.contains(#"<prop k="style" v="no"/>"#))
            #expect(styles["grids"]!.qml.contains(#"fieldName="code""#))
            #expect(styles["communities"]!.qml.contains("parent_code"))
            #expect(styles["events"]!.qml.contains(#"attr="class""#))
            // GDAL (and so QGIS) reads the table.
            let ogr = store.hasSuffix(".gpkg") ? store : "PG:" + store
            let info = try shell("ogrinfo -ro -q '\(ogr)' layer_styles 2>&1")
            #expect(info.code == 0)
            for table in Self.tables { #expect(info.out.contains("f_table_name (String) = \(table)"), "\(table)") }
        }
    }

    /// Styles someone saved from QGIS are never touched; a store that lost gridplan's styles (or
    /// predates them) gets them back with its next import.
    @Test func othersStylesStayAndMissingOnesReturnOnImport() throws {
        let dir = try scratch()
        let store = dir + "/styled.gpkg"
        #expect(gridplan(["init", store, "--quiet"]).code == 0)
        let sql = """
            INSERT INTO layer_styles (f_table_name, f_geometry_column, styleName, styleQML, useAsDefault, owner)
              VALUES ('grids', 'geom', 'mine', '<qgis/>', 0, 'planner');
            DELETE FROM layer_styles WHERE owner = 'gridplan' AND f_table_name IN ('events', 'grids');
            """
        #expect(try shell("sqlite3 '\(store)' \"\(sql)\"").code == 0)
        let sample = try scratch()
        #expect(gridplan(["sample", sample, "--communities", "2", "--quiet"]).code == 0)
        let r = gridplan(["import", store, sample + "/events.geojson", "--as", "events", "--quiet"])
        #expect(r.code == 0, "\(r.err)")
        _ = try Self.checkedStyles(store)
        let mine = try Stores.open(store).layerStyles().filter { $0.name == "mine" }
        #expect(mine.map(\.table) == ["grids"] && mine.first?.qml == "<qgis/>")
    }
}
