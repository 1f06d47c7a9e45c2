import Foundation
import GridplanAnalysis
import GridplanIO

/// The styles a store's layers open with in QGIS (the `layer_styles` convention): findings by
/// kind, communities coloured by street office, grids outlined and labelled by code, streets by
/// class, street segments by lead unit, events and components by class, the land a repair moved
/// by reason.
///
/// The documents use QGIS 3's renderer (`renderer-v2`) with symbol layer properties as
/// `<prop k= v=>`, which every QGIS 3 release reads; colours that depend on a code are
/// data-defined expressions, so they need no list of values when the store is created.
public enum QGISStyles {
    /// A style per layer of the store, by table name.
    public static func all() -> [QGISStyle] {
        [
            style("districts", "district outlines", outline(color: "40,40,40,255", width: 0.8)),
            style("street_offices", "street office outlines", outline(color: "70,70,70,255", width: 0.5, dashed: true)),
            style(
                "communities", "communities by street office",
                single(fill(color: "200,200,200,120", outline: "255,255,255,255", width: 0.3, colorBy: officeColour)),
                labels: "name"),
            style(
                "grids", "grid outlines, labelled by code", outline(color: "20,70,160,255", width: 0.3), labels: "code"),
            style(
                "streets", "streets by class",
                categorized(
                    "class",
                    [
                        ("arterial", "主干路 arterial", line(color: "200,60,40,255", width: 1.2)),
                        ("secondary", "次干路 secondary", line(color: "230,140,40,255", width: 0.8)),
                        ("branch", "支路 branch", line(color: "120,120,120,255", width: 0.5)),
                        ("alley", "街巷 alley", line(color: "160,160,160,255", width: 0.3)),
                    ], other: line(color: "100,100,100,255", width: 0.4))),
            style(
                "street_segments", "street segments by lead unit",
                single(line(color: "90,90,90,255", width: 0.8, colorBy: leadColour)), labels: "lead"),
            style("buildings", "buildings", single(marker(color: "130,130,130,200", size: 1.2))),
            style(
                "components", "components (部件) by class",
                categorized(
                    "class",
                    [
                        ("公用设施", "公用设施", marker(color: "31,120,180,255", size: 1.6)),
                        ("道路交通", "道路交通", marker(color: "255,127,0,255", size: 1.6)),
                        ("市容环境", "市容环境", marker(color: "106,61,154,255", size: 1.6)),
                        ("园林绿化", "园林绿化", marker(color: "51,160,44,255", size: 1.6)),
                    ], other: marker(color: "120,120,120,255", size: 1.6))),
            style(
                "events", "events (事件) by class",
                categorized(
                    "class",
                    [
                        ("街面秩序", "街面秩序", marker(color: "227,26,28,255", size: 1.8)),
                        ("市容环境", "市容环境", marker(color: "106,61,154,255", size: 1.8)),
                        ("宣传广告", "宣传广告", marker(color: "255,127,0,255", size: 1.8)),
                        ("施工管理", "施工管理", marker(color: "177,89,40,255", size: 1.8)),
                        ("突发事件", "突发事件", marker(color: "0,0,0,255", size: 2.2)),
                    ], other: marker(color: "120,120,120,255", size: 1.8))),
            style(
                "findings", "findings by kind",
                categorized(
                    "kind", FindingKind.allCases.map { ($0.rawValue, $0.rawValue, findingFill($0)) },
                    other: fill(color: "120,120,120,150", outline: "60,60,60,255", width: 0.4))),
            style(
                "frontage_zones", "门前三包 zones",
                single(fill(color: "253,174,97,150", outline: "217,95,2,255", width: 0.2)), labels: "code"),
            style(
                "boundary_changes", "land a repair moved, by reason, labelled by the unit it joined",
                categorized(
                    "reason", Change.Reason.allCases.map { ($0.rawValue, $0.rawValue, changeFill($0)) },
                    other: fill(color: "120,120,120,150", outline: "60,60,60,255", width: 0.4)), labels: "to_unit"),
        ]
    }

    /// A change is drawn in the colour of the finding it settles.
    static func changeFill(_ reason: Change.Reason) -> String {
        switch reason {
        case .overlap: return findingFill(.overlap)
        case .sliver: return findingFill(.sliver)
        case .gap, .unmanaged: return findingFill(.unmanaged)
        case .exclave: return findingFill(.exclave)
        }
    }

    /// Street offices get hues spread round the wheel by their code's last digits.
    static let officeColour = #"color_hsv((to_int(right("parent_code", 3)) * 67) % 360, 35, 92, 160)"#
    static let leadColour = #"color_hsv((to_int(right("lead", 3)) * 47) % 360, 80, 75)"#

    static func findingFill(_ kind: FindingKind) -> String {
        let colour: String
        switch kind {
        case .overlap: colour = "227,26,28"
        case .sliver: colour = "253,191,111"
        case .unmanaged: colour = "255,255,51"
        case .exclave: colour = "106,61,154"
        case .enclave: colour = "202,178,214"
        case .interlock: colour = "31,120,180"
        case .parentMismatch: colour = "166,206,227"
        case .invalid: colour = "0,0,0"
        case .outside: colour = "177,89,40"
        }
        return fill(color: colour + ",170", outline: colour + ",255", width: 0.4)
    }

    // MARK: Documents

    static func style(_ table: String, _ description: String, _ renderer: String, labels field: String? = nil)
        -> QGISStyle
    {
        var qml = """
            <!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
            <qgis version="3.22.0" styleCategories="Symbology|Labeling" labelsEnabled="\(field == nil ? 0 : 1)">
            \(renderer)
            """
        if let field {
            qml += """

                <labeling type="simple">
                <settings calloutType="simple">
                <text-style fieldName="\(MapReport.escape(field))" isExpression="0" fontSize="8" fontSizeUnit="Point" textColor="40,40,40,255" textOpacity="1"/>
                <text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255"/>
                <placement placement="1" dist="0" priority="5"/>
                <rendering scaleVisibility="1" scaleMin="0" scaleMax="25000" obstacle="1"/>
                </settings>
                </labeling>
                """
        }
        qml += "\n</qgis>\n"
        return QGISStyle(table: table, name: "gridplan: " + description, qml: qml, description: description)
    }

    static func single(_ symbol: String) -> String {
        """
        <renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0">
        <symbols>
        \(named(symbol, "0"))
        </symbols>
        </renderer-v2>
        """
    }

    static func outline(color: String, width: Double, dashed: Bool = false) -> String {
        single(
            """
            <symbol type="fill" name="@" alpha="1" clip_to_extent="1" force_rhr="0">
            <layer class="SimpleFill" pass="0" locked="0" enabled="1">
            \(props(["color": "0,0,0,0", "style": "no", "outline_color": color, "outline_style": dashed ? "dash" : "solid", "outline_width": "\(width)", "outline_width_unit": "MM"]))
            </layer>
            </symbol>
            """)
    }

    static func categorized(
        _ field: String, _ categories: [(value: String, label: String, symbol: String)], other: String
    )
        -> String
    {
        var list = categories.enumerated().map { i, c in
            #"<category symbol="\#(i)" value="\#(MapReport.escape(c.value))" label="\#(MapReport.escape(c.label))" render="true"/>"#
        }
        list.append(#"<category symbol="\#(categories.count)" value="" label="other" render="true"/>"#)
        let symbols = (categories.map(\.symbol) + [other]).enumerated().map { named($1, "\($0)") }
        return """
            <renderer-v2 type="categorizedSymbol" attr="\(MapReport.escape(field))" symbollevels="0" enableorderby="0" forceraster="0">
            <categories>
            \(list.joined(separator: "\n"))
            </categories>
            <symbols>
            \(symbols.joined(separator: "\n"))
            </symbols>
            </renderer-v2>
            """
    }

    static func fill(color: String, outline: String, width: Double, colorBy expression: String? = nil) -> String {
        """
        <symbol type="fill" name="@" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleFill" pass="0" locked="0" enabled="1">
        \(props(["color": color, "style": "solid", "outline_color": outline, "outline_style": "solid", "outline_width": "\(width)", "outline_width_unit": "MM"]))
        \(dataDefined("fillColor", expression))
        </layer>
        </symbol>
        """
    }

    static func line(color: String, width: Double, colorBy expression: String? = nil) -> String {
        """
        <symbol type="line" name="@" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleLine" pass="0" locked="0" enabled="1">
        \(props(["line_color": color, "line_style": "solid", "line_width": "\(width)", "line_width_unit": "MM", "capstyle": "round", "joinstyle": "round"]))
        \(dataDefined("outlineColor", expression))
        </layer>
        </symbol>
        """
    }

    static func marker(color: String, size: Double) -> String {
        """
        <symbol type="marker" name="@" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleMarker" pass="0" locked="0" enabled="1">
        \(props(["color": color, "name": "circle", "size": "\(size)", "size_unit": "MM", "outline_color": "255,255,255,255", "outline_width": "0.1", "outline_width_unit": "MM"]))
        </layer>
        </symbol>
        """
    }

    /// A data-defined property of a symbol layer, in QGIS 3's property collection form.
    static func dataDefined(_ property: String, _ expression: String?) -> String {
        guard let expression else { return "" }
        return """
            <data_defined_properties><Option type="Map"><Option type="QString" name="name" value=""/><Option name="properties" type="Map"><Option name="\(property)" type="Map"><Option type="bool" name="active" value="true"/><Option type="QString" name="expression" value="\(MapReport.escape(expression))"/><Option type="int" name="type" value="3"/></Option></Option><Option type="QString" name="type" value="collection"/></Option></data_defined_properties>
            """
    }

    static func props(_ values: [String: String]) -> String {
        values.keys.sorted().map { #"<prop k="\#($0)" v="\#(MapReport.escape(values[$0]!))"/>"# }.joined(
            separator: "\n")
    }

    static func named(_ symbol: String, _ name: String) -> String {
        symbol.replacingOccurrences(of: #"name="@""#, with: #"name="\#(name)""#)
    }
}
