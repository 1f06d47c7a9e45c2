import GridplanGeometry
import GridplanIO

/// The map report (issue 8): one self-contained HTML page that works offline from a double-click.
///
/// The page holds every feature as JSON in a `<script type="application/json">` block and an
/// inline script draws them into an `<svg>`: no network, no external files. After drawing, the
/// script records on `<body>` what it drew (`data-rendered`, a JSON object of layer name to SVG
/// elements drawn) and how many script errors happened (`data-errors`; their messages go to the
/// hidden `<pre id="errors">`), so a headless browser can check the page.
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
    /// - Returns: the HTML text, UTF-8 when written out.
    ///
    /// ```swift
    /// let page = MapReport.html(title: "东城区网格", layers: [units, findings], tables: [findingsTable])
    /// try OutputFile.write(Array(page.utf8), to: "report.html")
    /// ```
    public static func html(title: String, layers: [ReportLayer], tables: [ReportTable]) -> String {
        let legends = ReportPalette.legends(for: layers)
        var page = """
            <!DOCTYPE html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="gridplan report">
            <title>\(escape(title))</title>
            <style>\(MapReportAssets.css)</style>
            </head>
            <body data-rendered="{}" data-errors="0">
            <header><h1>\(escape(title))</h1><p class="summary">\(escape(summary(layers)))</p></header>
            <main>
            <div id="mapbox">
            <svg id="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(MapReportAssets.viewWidth) \(MapReportAssets.viewHeight)" preserveAspectRatio="xMidYMid meet" role="img" aria-label="\(escape(title))">
            <rect class="background" x="0" y="0" width="\(MapReportAssets.viewWidth)" height="\(MapReportAssets.viewHeight)"></rect>
            <g id="viewport"></g>
            </svg>
            <div id="tooltip" hidden></div>
            <div class="hint">Wheel: zoom · drag: pan · click: details <button type="button" id="reset-view">Reset view</button></div>
            </div>
            <aside>
            <section id="layers"><h2>Layers</h2>

            """
        for (i, layer) in layers.enumerated() {
            page += layerControls(layer, index: i, legend: legends[i])
        }
        page += """
            </section>
            <section id="panel"><h2>Selected feature</h2><p id="panel-empty">Click a feature on the map to see its properties.</p><p id="panel-title"></p><table id="panel-properties"></table></section>
            </aside>
            </main>
            <section id="tables">

            """
        for (i, table) in tables.enumerated() { page += tableHTML(table, index: i) }
        page += "</section>\n<pre id=\"errors\" hidden></pre>\n"
        page += "<script type=\"application/json\" id=\"report-data\">"
        page += String(decoding: dataJSON(layers: layers, legends: legends), as: UTF8.self)
        page += "</script>\n<script>\(MapReportAssets.script)</script>\n</body>\n</html>\n"
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

    static func layerControls(_ layer: ReportLayer, index: Int, legend: LayerLegend) -> String {
        var s = "<div class=\"layer\"><label><input type=\"checkbox\" checked data-toggle=\"\(index)\"> "
        s +=
            "<span class=\"layer-name\">\(escape(layer.name))</span> <span class=\"count\">(\(layer.drawnFeatures.count))</span></label>"
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

    /// The layers as JSON for the page's script. Every `<` is written as `\u003c`, which JSON
    /// reads back as the same character, so no property value can end the script element early.
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
        var safe: [UInt8] = []
        safe.reserveCapacity(out.count)
        for b in out {
            if b == UInt8(ascii: "<") { safe.append(contentsOf: "\\u003c".utf8) } else { safe.append(b) }
        }
        return safe
    }
}
