import GridplanGeometry
import GridplanIO

/// Base maps the viewer may switch on under the data. None is on when the page opens, and with
/// none on the page fetches nothing.
public struct BaseMapOptions: Sendable, Hashable {
    /// A Tianditu (天地图) key; without one the Tianditu base map is not offered.
    public var tiandituKey: String?

    public init(tiandituKey: String? = nil) { self.tiandituKey = tiandituKey }
}

/// The map report (issues 8 and 21): one self-contained HTML page that works offline from a
/// double-click, its map drawn by Leaflet (inlined, see ``Leaflet``).
///
/// The page holds every feature as JSON in a `<script type="application/json">` block; its
/// script makes one Leaflet GeoJSON layer per report layer, with a layer control, a metric scale
/// bar, hover highlight and a popup of the clicked feature's properties. A base map (OpenStreetMap,
/// AMap 高德 with the data moved to GCJ-02, Tianditu 天地图 when given a key) can be switched on;
/// none is on at first. When drawn, the script records on `<body>` what it drew (`data-rendered`,
/// a JSON object of layer name to features drawn) and how many script errors happened
/// (`data-errors`; their messages go to the hidden `<pre id="errors">`), so a headless browser
/// can check the page.
public enum MapReport {
    /// Decimal places kept for coordinates in the page: 6 is about 0.1 m.
    static let coordinatePrecision = 6
    /// Legend entries listed per layer before the rest are summarised.
    static let legendLimit = 60

    /// The whole page.
    ///
    /// - Parameters:
    ///   - title: the page title and heading.
    ///   - layers: the map layers, drawn in this order (later layers on top).
    ///   - tables: tables shown under the map.
    ///   - charts: charts shown between the map and the tables.
    ///   - baseMaps: which base maps the viewer is offered.
    ///   - leaflet: the Leaflet script and styles to inline.
    /// - Returns: the HTML text, UTF-8 when written out.
    ///
    /// ```swift
    /// let page = MapReport.html(
    ///     title: "东城区网格", layers: [units, findings], tables: [findingsTable], leaflet: try Leaflet.load())
    /// try OutputFile.write(Array(page.utf8), to: "report.html")
    /// ```
    public static func html(
        title: String, layers: [ReportLayer], tables: [ReportTable], charts: [ReportChart] = [],
        baseMaps: BaseMapOptions = BaseMapOptions(), leaflet: Leaflet
    ) -> String {
        let legends = ReportPalette.legends(for: layers)
        let leafletNote =
            "Leaflet \(leaflet.version)"
            + (leaflet.packageVersion.map { " (Debian \(Leaflet.debianPackage) \($0))" } ?? "")
        var baseNames = ["OpenStreetMap", "AMap 高德 (data in GCJ-02)"]
        if baseMaps.tiandituKey != nil { baseNames.append("Tianditu 天地图") }
        var page = """
            <!DOCTYPE html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="gridplan report">
            <title>\(escape(title))</title>
            <style>/* \(leafletNote), BSD-2-Clause: see the licence beside its script */
            \(leaflet.css)</style>
            <style>\(MapReportAssets.css)</style>
            </head>
            <body data-rendered="{}" data-errors="0" data-leaflet="\(escape(leaflet.version))">
            <script>\(MapReportAssets.errorScript)</script>
            <header><h1>\(escape(title))</h1><p class="summary">\(escape(summary(layers)))</p></header>
            <main>
            <div id="mapbox">
            <div id="map" role="region" aria-label="\(escape(title))"></div>
            <p class="hint">Wheel or ± to zoom, drag to pan, hover to highlight, click a feature for its details; layers and base maps in the control at the top right.
            <strong>No base map is on, and the page fetches nothing: it works offline.</strong> A base map (\(escape(baseNames.joined(separator: ", ")))) needs the network and fetches its tiles from that service when chosen; with AMap the data is shown shifted to GCJ-02 so it sits on AMap's streets.</p>
            </div>
            <aside>
            <section id="legend"><h2>Legend</h2>

            """
        for (i, layer) in layers.enumerated() {
            page += layerLegend(layer, index: i, legend: legends[i])
        }
        page += "</section>\n</aside>\n</main>\n"
        if !charts.isEmpty {
            page += "<section id=\"charts\">\n"
            for c in charts { page += chartHTML(c) }
            page += "</section>\n"
        }
        page += "<section id=\"tables\">\n"
        for (i, table) in tables.enumerated() { page += tableHTML(table, index: i) }
        page += "</section>\n"
        page +=
            "<footer>Map drawn with \(escape(leafletNote)), © Vladimir Agafonkin and CloudMade, under the BSD-2-Clause licence (in the page source, beside its script). Base map tiles, when chosen: © OpenStreetMap contributors; © AMap 高德地图; © Tianditu 天地图.</footer>\n"
        page += "<pre id=\"errors\" hidden></pre>\n"
        page += "<script type=\"application/json\" id=\"report-data\">"
        page += String(decoding: dataJSON(layers: layers, legends: legends), as: UTF8.self)
        page += "</script>\n<script type=\"application/json\" id=\"report-config\">"
        let config: JSONObject = ["tiandituKey": baseMaps.tiandituKey.map { .string($0) } ?? .null]
        page += String(decoding: scriptSafe(Array(JSONText.encode(.object(config)).utf8)), as: UTF8.self)
        page += "</script>\n<script>/*\n\(Leaflet.licence)\n*/\n\(leaflet.script)\n</script>\n"
        page += "<script>\(MapReportAssets.script)</script>\n</body>\n</html>\n"
        return page
    }

    /// Escapes text for HTML and XML element content and quoted attribute values. Control
    /// characters other than tab and line breaks are dropped: XML does not allow them at all.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(ch)
            case _ where ch.value < 0x20: continue
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    static func summary(_ layers: [ReportLayer]) -> String {
        layers.map { "\($0.name): \($0.drawnFeatures.count)" }.joined(separator: " · ")
    }

    static func layerLegend(_ layer: ReportLayer, index: Int, legend: LayerLegend) -> String {
        var s = "<div class=\"layer\" data-legend=\"\(index)\">"
        s +=
            "<span class=\"layer-name\">\(escape(layer.name))</span> <span class=\"count\">(\(layer.drawnFeatures.count))</span>"
        s += "<div class=\"by\">colour: \(escape(layer.colorProperty))</div><ul class=\"legend\">"
        for e in legend.entries.prefix(legendLimit) {
            s +=
                "<li><span class=\"swatch swatch-\(layer.kind.rawValue)\" style=\"background:\(e.color.hex)\"></span>\(escape(e.value))</li>"
        }
        if legend.entries.count > legendLimit {
            s += "<li class=\"more\">… \(legend.entries.count - legendLimit) more</li>"
        }
        return s + "</ul></div>\n"
    }

    static func chartHTML(_ chart: ReportChart) -> String {
        "<figure class=\"chart\" data-chart=\"\(escape(chart.id))\"><figcaption>\(escape(chart.title))</figcaption>\(chart.svg)<p>\(escape(chart.summary))</p></figure>\n"
    }

    static func tableHTML(_ table: ReportTable, index: Int) -> String {
        var s =
            "<h2>\(escape(table.title)) <small>(\(table.rows.count) rows)</small></h2>\n<div class=\"table-wrap\"><table class=\"data\" id=\"table-\(index)\"><thead><tr>"
        for c in table.columns { s += "<th>\(escape(c))</th>" }
        s += "</tr></thead><tbody>\n"
        for row in table.rows {
            s += "<tr>"
            for i in 0..<max(table.columns.count, row.count) { s += "<td>\(escape(i < row.count ? row[i] : ""))</td>" }
            s += "</tr>\n"
        }
        return s + "</tbody></table></div>\n"
    }

    /// The layers as JSON for the page's script, made safe to sit in a script element.
    static func dataJSON(layers: [ReportLayer], legends: [LayerLegend]) -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: "{\"layers\":[".utf8)
        for (i, layer) in layers.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            let style = LayerStyle.of(layer.kind)
            let header: JSONObject = [
                "name": .string(layer.name),
                "kind": .string(layer.kind.rawValue),
                "colorBy": .string(layer.colorProperty),
                "colors": .array(legends[i].entries.map { .string($0.color.hex) }),
                "style": .object([
                    "fillOpacity": .number(style.fillOpacity),
                    "outline": style.outline.map { .string($0.hex) } ?? .null,
                    "outlineWidth": .number(style.outlineWidth),
                    "lineWidth": .number(style.lineWidth),
                    "pointSize": .number(style.pointSize),
                ]),
            ]
            // The header object is written open so the features can follow without copying them.
            var headerBytes: [UInt8] = []
            JSONText.appendObject(header, to: &headerBytes)
            out.append(contentsOf: headerBytes.dropLast())
            out.append(contentsOf: ",\"features\":[".utf8)
            var first = true
            for f in layer.drawnFeatures {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                out.append(contentsOf: "{\"c\":".utf8)
                JSONText.appendInteger(Int64(legends[i].entryIndex(of: layer.category(of: f)) ?? -1), to: &out)
                if let id = f.id {
                    out.append(contentsOf: ",\"id\":".utf8)
                    JSONText.append(id, to: &out)
                }
                out.append(contentsOf: ",\"p\":".utf8)
                JSONText.appendObject(f.properties, to: &out)
                out.append(contentsOf: ",\"g\":".utf8)
                GeoJSONWriter.appendGeometry(f.geometry!, precision: coordinatePrecision, to: &out)
                out.append(UInt8(ascii: "}"))
            }
            out.append(contentsOf: "]}".utf8)
        }
        out.append(contentsOf: "]}".utf8)
        return scriptSafe(out)
    }

    /// JSON with every `<` written as `\u003c`, which JSON reads back as the same character, so
    /// no value can end the script element it sits in.
    static func scriptSafe(_ json: [UInt8]) -> [UInt8] {
        var safe: [UInt8] = []
        safe.reserveCapacity(json.count)
        for b in json {
            if b == UInt8(ascii: "<") { safe.append(contentsOf: "\\u003c".utf8) } else { safe.append(b) }
        }
        return safe
    }
}
