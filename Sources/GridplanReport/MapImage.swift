import Foundation
import GridplanCanvas
import GridplanGeometry
import GridplanIO

/// The report's map as a stand-alone image for documents: PNG, SVG or PDF drawn with cairo, its
/// text laid out by pango (so Chinese names and titles render with the installed CJK font), in
/// the page's colours, with a title, a grouped legend, a scale bar and a north arrow.
public enum MapImage {
    /// The map as an image file's bytes.
    ///
    /// - Parameters:
    ///   - layers: the layers, drawn in this order; grids are outlined so they show inside the
    ///     community fills under them.
    ///   - width: image width in pixels (points for PDF).
    ///   - height: image height in pixels.
    ///   - title: drawn above the map, when given.
    ///   - format: PNG, SVG or PDF.
    /// - Throws: `CanvasError` when cairo cannot make or write the image.
    public static func render(
        layers: [ReportLayer], width: Int, height: Int, title: String? = nil, format: ImageFormat
    ) throws -> [UInt8] {
        let canvas = try draw(layers: layers, width: width, height: height, title: title, format: format)
        return try canvas.finish()
    }

    /// The map drawn on a canvas, not yet written (tests read its pixels).
    public static func draw(
        layers: [ReportLayer], width: Int, height: Int, title: String? = nil, format: ImageFormat
    ) throws -> Canvas {
        let canvas = try Canvas(width: width, height: height, format: format)
        let layout = MapLayout(layers: layers, width: width, height: height, title: title != nil)
        let legends = ReportPalette.legends(for: layers)
        canvas.paint(.white)
        for (li, layer) in layers.enumerated() {
            let style = LayerStyle.of(layer.kind)
            for f in layer.drawnFeatures {
                paint(
                    f.geometry!, on: canvas, projection: layout.projection, style: style,
                    color: legends[li].color(of: layer.category(of: f)))
            }
        }
        if let title, let box = layout.title {
            canvas.text(
                title, at: (box.x, box.y), font: CanvasFont(sizePixels: titleSize, bold: true), color: .black,
                maxWidth: box.width)
        }
        ScaleBar(projection: layout.projection, frame: layout.map).draw(on: canvas)
        drawNorthArrow(on: canvas, frame: layout.map)
        if let box = layout.legend { drawLegend(on: canvas, layers: layers, legends: legends, box: box) }
        return canvas
    }

    static let titleSize = 20.0

    /// The scale bar a map with `layout` gets: its round length in metres and in pixels.
    public static func scaleBar(_ layout: MapLayout) -> (metres: Double, pixels: Double) {
        let bar = ScaleBar(projection: layout.projection, frame: layout.map)
        return (bar.metres, bar.pixels)
    }

    // MARK: Features

    static func paint(_ g: Geometry, on canvas: Canvas, projection: MapProjection, style: LayerStyle, color: RGBColor) {
        func pixels(_ cs: [Coordinate]) -> [(x: Double, y: Double)] { cs.map { projection.point($0) } }
        func polygon(_ p: Polygon) {
            for ring in p.rings { canvas.ring(pixels(ring)) }
            canvas.fill(CanvasColor(color, alpha: style.fillOpacity), keep: style.outlineWidth > 0)
            if style.outlineWidth > 0 { canvas.stroke(CanvasColor(style.outline ?? color), width: style.outlineWidth) }
        }
        func point(_ c: Coordinate) {
            let p = projection.point(c), s = style.pointSize
            canvas.rectangle(x: p.x - s / 2 - 1, y: p.y - s / 2 - 1, width: s + 2, height: s + 2)
            canvas.fill(.white)
            canvas.rectangle(x: p.x - s / 2, y: p.y - s / 2, width: s, height: s)
            canvas.fill(CanvasColor(color))
        }
        switch g {
        case .polygon(let p): polygon(p)
        case .multiPolygon(let ps): ps.forEach(polygon)
        case .lineString(let l):
            canvas.polyline(pixels(l))
            canvas.stroke(CanvasColor(color), width: style.lineWidth)
        case .multiLineString(let ls):
            for l in ls { canvas.polyline(pixels(l)) }
            canvas.stroke(CanvasColor(color), width: style.lineWidth)
        case .point(let c): point(c)
        case .multiPoint(let cs): cs.forEach(point)
        case .geometryCollection(let gs):
            for part in gs { paint(part, on: canvas, projection: projection, style: style, color: color) }
        }
    }

    // MARK: Legend

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

    /// Rows of the legend: each layer's name, then its categories; a layer with more than
    /// `perLayer` categories lists the first ones and says how many others there are, and rows
    /// that would not fit the panel are left out.
    static func legendRows(layers: [ReportLayer], legends: [LayerLegend], box: PixelRect, perLayer: Int = 12)
        -> [LegendRow]
    {
        let rowHeight = 18.0
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
            let shown = entries.count > perLayer ? perLayer - 1 : entries.count
            for e in entries.prefix(shown) { _ = add(.entry(e.value, e.color, layer.kind)) }
            if entries.count > shown { _ = add(.more("… \(entries.count - shown) others")) }
            y += 6
        }
        return rows
    }

    static func drawLegend(on canvas: Canvas, layers: [ReportLayer], legends: [LayerLegend], box: PixelRect) {
        canvas.rectangle(x: box.x - 8, y: box.y, width: box.width + 8, height: box.height)
        canvas.fill(CanvasColor(.white, alpha: 0.9), keep: true)
        canvas.stroke(CanvasColor(hex: "#cccccc"), width: 1)
        let font = CanvasFont(sizePixels: 12), heading = CanvasFont(sizePixels: 12, bold: true)
        let grey = CanvasColor(hex: "#555555")
        for row in legendRows(layers: layers, legends: legends, box: box) {
            let x = box.x, y = row.y
            switch row.item {
            case .heading(let text):
                canvas.text(text, at: (x, y), font: heading, color: .black, maxWidth: box.width)
            case .entry(let text, let color, let kind):
                if kind == .streets {
                    canvas.rectangle(x: x + 4, y: y + 6, width: 16, height: 4)
                    canvas.fill(CanvasColor(color))
                } else {
                    let style = LayerStyle.of(kind)
                    canvas.rectangle(x: x + 4.5, y: y + 1.5, width: 15, height: 11)
                    canvas.fill(CanvasColor(color, alpha: max(style.fillOpacity, 0.5)), keep: true)
                    canvas.stroke(kind == .grids ? CanvasColor(style.outline ?? color) : grey, width: 1)
                }
                canvas.text(text, at: (x + 26, y), font: font, color: .black, maxWidth: box.width - 26)
            case .more(let text):
                canvas.text(text, at: (x + 26, y), font: font, color: grey, maxWidth: box.width - 26)
            }
        }
    }

    // MARK: Scale and north

    /// A north arrow in the map's top-right corner (the map is north-up).
    static func drawNorthArrow(on canvas: Canvas, frame: PixelRect) {
        let cx = frame.x + frame.width - 18, top = frame.y + 6
        canvas.ring([(cx, top), (cx + 7, top + 22), (cx, top + 17), (cx - 7, top + 22)])
        canvas.fill(CanvasColor(hex: "#222222"))
        let font = CanvasFont(sizePixels: 12, bold: true)
        let size = canvas.measure("N", font: font)
        canvas.text("N", at: (cx - size.width / 2, top + 24), font: font, color: CanvasColor(hex: "#222222"))
    }
}

/// A scale bar for a north-up map: a round length (1, 2 or 5 × 10ⁿ metres) about a fifth of the
/// map's width, drawn at its bottom left with its length written beside it.
struct ScaleBar {
    /// The length shown, in metres.
    let metres: Double
    /// Its length on the image, in pixels.
    let pixels: Double
    let frame: PixelRect

    /// Metres in one degree of latitude (the projection's y), on the mean sphere.
    static let metresPerDegree = 111_195.0

    init(projection: MapProjection, frame: PixelRect) {
        self.frame = frame
        let metresPerPixel = Self.metresPerDegree / projection.scale
        let wanted = frame.width / 5 * metresPerPixel
        let magnitude = pow(10, (log10(max(wanted, 1e-3))).rounded(.down))
        let step = [5.0, 2, 1].first { $0 * magnitude <= wanted } ?? 1
        metres = step * magnitude
        pixels = metres / metresPerPixel
    }

    /// "500 m", "2 km".
    var label: String {
        metres >= 1000 ? "\(Self.number(metres / 1000)) km" : "\(Self.number(metres)) m"
    }

    static func number(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v)
    }

    func draw(on canvas: Canvas) {
        guard pixels.isFinite, pixels > 4 else { return }
        let x = frame.x + 8, y = frame.y + frame.height - 12
        canvas.rectangle(x: x - 3, y: y - 18, width: pixels + 6 + 60, height: 24)
        canvas.fill(CanvasColor(.white, alpha: 0.75))
        canvas.polyline([(x, y - 6), (x, y), (x + pixels, y), (x + pixels, y - 6)])
        canvas.stroke(CanvasColor(hex: "#222222"), width: 2)
        canvas.text(
            label, at: (x + pixels + 6, y - 15), font: CanvasFont(sizePixels: 12), color: CanvasColor(hex: "#222222"))
    }
}

extension CanvasColor {
    init(_ c: RGBColor, alpha: Double = 1) {
        self.init(red: Double(c.red) / 255, green: Double(c.green) / 255, blue: Double(c.blue) / 255, alpha: alpha)
    }
}
