import GridplanGeometry
import GridplanIO

/// The report's map as a stand-alone image for documents: SVG text, or a PNG drawn by
/// ``RasterCanvas`` and ``PNGEncoder``. Both use the page's colours and a legend on the right.
public enum MapImage {
    /// The map as an SVG document.
    ///
    /// - Parameters:
    ///   - layers: the layers, drawn in this order.
    ///   - width: image width in pixels.
    ///   - height: image height in pixels.
    /// - Returns: SVG 1.1 text with an XML declaration; every feature is one element with a
    ///   `<title>` naming it, so SVG viewers show it on hover.
    public static func svg(layers: [ReportLayer], width: Int, height: Int) -> String {
        let layout = MapLayout(layers: layers, width: width, height: height)
        let legends = ReportPalette.legends(for: layers)
        var s = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif">
            <rect x="0" y="0" width="\(width)" height="\(height)" fill="#ffffff"/>

            """
        for (li, layer) in layers.enumerated() {
            let style = LayerStyle.of(layer.kind)
            s += "<g id=\"layer-\(li)\" data-name=\"\(MapReport.escape(layer.name))\">\n"
            for f in layer.drawnFeatures {
                let color = legends[li].color(of: layer.category(of: f))
                s += svgElement(
                    f.geometry!, projection: layout.projection, style: style, color: color, title: featureTitle(f))
            }
            s += "</g>\n"
        }
        if let box = layout.legend {
            s += "<g id=\"legend\" font-size=\"12\">\n"
            s +=
                "<rect x=\(attr(box.x - 8)) y=\(attr(box.y)) width=\(attr(box.width + 8)) height=\(attr(box.height)) fill=\"#ffffff\" fill-opacity=\"0.9\" stroke=\"#cccccc\"/>\n"
            for row in legendRows(layers: layers, legends: legends, box: box) {
                switch row.item {
                case .heading(let text):
                    s +=
                        "<text x=\(attr(box.x)) y=\(attr(row.y + 12)) font-weight=\"bold\">\(MapReport.escape(text))</text>\n"
                case .entry(let text, let color, let kind):
                    let style = LayerStyle.of(kind)
                    if kind == .streets {
                        s +=
                            "<rect x=\(attr(box.x + 4)) y=\(attr(row.y + 5)) width=\"16\" height=\"4\" fill=\"\(color.hex)\"/>"
                    } else {
                        s +=
                            "<rect x=\(attr(box.x + 4)) y=\(attr(row.y + 1)) width=\"16\" height=\"12\" fill=\"\(color.hex)\" fill-opacity=\(attr(max(style.fillOpacity, 0.5))) stroke=\"#555555\"/>"
                    }
                    s += "<text x=\(attr(box.x + 26)) y=\(attr(row.y + 12))>\(MapReport.escape(text))</text>\n"
                case .more(let text):
                    s +=
                        "<text x=\(attr(box.x + 26)) y=\(attr(row.y + 12)) fill=\"#666666\">\(MapReport.escape(text))</text>\n"
                }
            }
            s += "</g>\n"
        }
        return s + "</svg>\n"
    }

    /// The map as a PNG file.
    ///
    /// - Parameters:
    ///   - layers: the layers, drawn in this order.
    ///   - width: image width in pixels.
    ///   - height: image height in pixels.
    /// - Returns: the PNG bytes (8-bit RGB).
    public static func png(layers: [ReportLayer], width: Int, height: Int) -> [UInt8] {
        let canvas = raster(layers: layers, width: width, height: height)
        return PNGEncoder.encode(rgb: canvas.pixels, width: canvas.width, height: canvas.height)
    }

    /// The map painted on a canvas, before PNG encoding.
    public static func raster(layers: [ReportLayer], width: Int, height: Int) -> RasterCanvas {
        let layout = MapLayout(layers: layers, width: width, height: height)
        let legends = ReportPalette.legends(for: layers)
        var canvas = RasterCanvas(width: width, height: height)
        for (li, layer) in layers.enumerated() {
            let style = LayerStyle.of(layer.kind)
            for f in layer.drawnFeatures {
                paint(
                    f.geometry!, on: &canvas, projection: layout.projection, style: style,
                    color: legends[li].color(of: layer.category(of: f)))
            }
        }
        if let box = layout.legend {
            canvas.fillRect(
                x: box.x - 8, y: box.y, width: box.width + 8, height: box.height, color: .white, opacity: 0.9)
            let grey = RGBColor(hex: "#555555")
            for row in legendRows(layers: layers, legends: legends, box: box) {
                let x = Int(box.x), y = Int(row.y)
                switch row.item {
                case .heading(let text):
                    canvas.drawText(text, x: x, y: y + 2, color: .black, maxWidth: Int(box.width))
                case .entry(let text, let color, let kind):
                    if kind == .streets {
                        canvas.fillRect(x: Double(x + 4), y: Double(y + 5), width: 16, height: 4, color: color)
                    } else {
                        canvas.fillRect(x: Double(x + 4), y: Double(y + 1), width: 16, height: 12, color: grey)
                        canvas.fillRect(x: Double(x + 5), y: Double(y + 2), width: 14, height: 10, color: .white)
                        canvas.fillRect(
                            x: Double(x + 5), y: Double(y + 2), width: 14, height: 10, color: color,
                            opacity: max(LayerStyle.of(kind).fillOpacity, 0.5))
                    }
                    canvas.drawText(text, x: x + 26, y: y + 2, color: .black, maxWidth: Int(box.width) - 26)
                case .more(let text):
                    canvas.drawText(text, x: x + 26, y: y + 2, color: grey, maxWidth: Int(box.width) - 26)
                }
            }
        }
        return canvas
    }

    // MARK: - Shared pieces

    static func attr(_ v: Double) -> String { "\"\(format(v))\"" }

    /// Pixel coordinates with two decimals, trailing zeros dropped.
    static func format(_ v: Double) -> String {
        var out: [UInt8] = []
        JSONText.appendFixed(v, decimals: 2, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A short name for a feature: code or id, name and kind, as the page's tooltip shows.
    static func featureTitle(_ f: Feature) -> String {
        var parts: [String] = []
        for key in ["code", "id", "name", "kind"] {
            if let v = f.properties[key], v != .null, !v.text.isEmpty { parts.append(v.text) }
        }
        if parts.isEmpty, let id = f.id { parts.append(id.text) }
        return parts.joined(separator: " ")
    }

    static func svgElement(_ g: Geometry, projection: MapProjection, style: LayerStyle, color: RGBColor, title: String)
        -> String
    {
        let titleElement = title.isEmpty ? "" : "<title>\(MapReport.escape(title))</title>"
        func path(_ lines: [[Coordinate]], close: Bool) -> String {
            var d = ""
            for line in lines {
                for (i, c) in line.enumerated() {
                    let p = projection.point(c)
                    d += (i == 0 ? "M" : "L") + format(p.x) + " " + format(p.y)
                }
                if close { d += "Z" }
            }
            return d
        }
        func squares(_ points: [Coordinate]) -> String {
            let side = style.pointSize
            return points.map { c in
                let p = projection.point(c)
                return
                    "M\(format(p.x - side / 2)) \(format(p.y - side / 2))h\(format(side))v\(format(side))h\(format(-side))Z"
            }.joined()
        }
        func polygons(_ ps: [Polygon]) -> String {
            let stroke = style.outlineWidth > 0 ? (style.outline ?? color).hex : "none"
            return
                "<path d=\"\(path(ps.flatMap(\.rings), close: true))\" fill-rule=\"evenodd\" fill=\"\(color.hex)\" fill-opacity=\(attr(style.fillOpacity)) stroke=\"\(stroke)\" stroke-width=\(attr(style.outlineWidth)) stroke-linejoin=\"round\">\(titleElement)</path>\n"
        }
        func lines(_ ls: [[Coordinate]]) -> String {
            "<path d=\"\(path(ls, close: false))\" fill=\"none\" stroke=\"\(color.hex)\" stroke-width=\(attr(style.lineWidth)) stroke-linecap=\"round\" stroke-linejoin=\"round\">\(titleElement)</path>\n"
        }
        func points(_ cs: [Coordinate]) -> String {
            "<path d=\"\(squares(cs))\" fill=\"\(color.hex)\" stroke=\"#ffffff\" stroke-width=\"1\">\(titleElement)</path>\n"
        }
        switch g {
        case .polygon(let p): return polygons([p])
        case .multiPolygon(let ps): return polygons(ps)
        case .lineString(let l): return lines([l])
        case .multiLineString(let ls): return lines(ls)
        case .point(let c): return points([c])
        case .multiPoint(let cs): return points(cs)
        case .geometryCollection(let gs):
            return "<g>\(titleElement)\n"
                + gs.filter { !$0.isEmpty }.map {
                    svgElement($0, projection: projection, style: style, color: color, title: "")
                }.joined() + "</g>\n"
        }
    }

    static func paint(
        _ g: Geometry, on canvas: inout RasterCanvas, projection: MapProjection, style: LayerStyle, color: RGBColor
    ) {
        func pixels(_ cs: [Coordinate]) -> [(x: Double, y: Double)] { cs.map { projection.point($0) } }
        func polygon(_ p: Polygon) {
            let rings = p.rings.map(pixels)
            canvas.fillPolygon(rings, color: color, opacity: style.fillOpacity)
            if style.outlineWidth > 0 {
                for r in rings { canvas.strokeLine(r, width: style.outlineWidth, color: style.outline ?? color) }
            }
        }
        func point(_ c: Coordinate) {
            let p = projection.point(c)
            canvas.fillSquare(centre: p, side: style.pointSize + 2, color: .white)
            canvas.fillSquare(centre: p, side: style.pointSize, color: color)
        }
        switch g {
        case .polygon(let p): polygon(p)
        case .multiPolygon(let ps): ps.forEach(polygon)
        case .lineString(let l): canvas.strokeLine(pixels(l), width: style.lineWidth, color: color)
        case .multiLineString(let ls):
            for l in ls { canvas.strokeLine(pixels(l), width: style.lineWidth, color: color) }
        case .point(let c): point(c)
        case .multiPoint(let cs): cs.forEach(point)
        case .geometryCollection(let gs):
            for part in gs { paint(part, on: &canvas, projection: projection, style: style, color: color) }
        }
    }

    /// One line of the legend panel.
    struct LegendRow {
        enum Item {
            case heading(String)
            case entry(String, RGBColor, ReportLayerKind)
            case more(String)
        }

        var y: Double
        var item: Item
    }

    /// Rows of the legend: each layer's name, then its categories; long lists are cut short,
    /// and rows that would not fit the panel are left out.
    static func legendRows(layers: [ReportLayer], legends: [LayerLegend], box: PixelRect) -> [LegendRow] {
        let rowHeight = 18.0, perLayer = 12
        var rows: [LegendRow] = []
        var y = box.y + 6
        func add(_ item: LegendRow.Item) -> Bool {
            guard y + rowHeight <= box.y + box.height else { return false }
            rows.append(LegendRow(y: y, item: item))
            y += rowHeight
            return true
        }
        for (i, layer) in layers.enumerated() {
            guard add(.heading("\(layer.name) (\(layer.colorProperty))")) else { break }
            let entries = legends[i].entries
            for e in entries.prefix(perLayer) { _ = add(.entry(e.value, e.color, layer.kind)) }
            if entries.count > perLayer { _ = add(.more("… \(entries.count - perLayer) more")) }
            y += 6
        }
        return rows
    }
}
