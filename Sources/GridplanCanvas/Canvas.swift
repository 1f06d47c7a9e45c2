internal import CCairo

/// An image format a ``Canvas`` writes.
public enum ImageFormat: String, CaseIterable, Sendable {
    /// 8-bit RGBA PNG (cairo's image surface).
    case png
    /// SVG 1.1, text kept as outlines (cairo's SVG surface).
    case svg
    /// PDF 1.5, text embedded as a subset of its font (cairo's PDF surface).
    case pdf

    /// The format a file name's extension names (`.png`, `.svg`, `.pdf`), or nil.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: ".") else { return nil }
        self.init(rawValue: path[path.index(after: dot)...].lowercased())
    }
}

/// An RGBA colour, components from 0 to 1.
public struct CanvasColor: Sendable, Equatable {
    public var red, green, blue, alpha: Double

    public init(red: Double, green: Double, blue: Double, alpha: Double = 1) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    /// `#rrggbb`; black when the text is not such a colour.
    public init(hex: String, alpha: Double = 1) {
        let digits = hex.hasPrefix("#") ? String(hex.dropFirst()) : hex
        let v = digits.count == 6 ? UInt32(digits, radix: 16) ?? 0 : 0
        self.init(
            red: Double(v >> 16 & 0xFF) / 255, green: Double(v >> 8 & 0xFF) / 255, blue: Double(v & 0xFF) / 255,
            alpha: alpha)
    }

    public static let black = CanvasColor(red: 0, green: 0, blue: 0)
    public static let white = CanvasColor(red: 1, green: 1, blue: 1)
}

/// Why an image could not be drawn or written.
public struct CanvasError: Error, CustomStringConvertible {
    public let description: String
}

/// A font for ``Canvas/text(_:at:font:color:maxWidth:)``: a fontconfig family list and a size.
public struct CanvasFont: Sendable, Equatable {
    /// Families tried in order (fontconfig falls back per glyph for what they lack).
    public var families: String
    /// Size in pixels.
    public var sizePixels: Double
    public var bold: Bool

    public init(families: String = CanvasFont.sans, sizePixels: Double, bold: Bool = false) {
        self.families = families
        self.sizePixels = sizePixels
        self.bold = bold
    }

    /// Sans-serif with Chinese glyphs first: Noto Sans CJK SC (fonts-noto-cjk), then any sans.
    public static let sans = "Noto Sans CJK SC, Noto Sans SC, WenQuanYi Micro Hei, sans-serif"
}

/// A drawing surface on cairo with pango's text layout: paths are built in pixels (origin top
/// left, y down), filled or stroked, and the surface is written as PNG, SVG or PDF bytes.
///
/// Owns one cairo surface and one cairo context, destroyed in `deinit`. Not `Sendable`: cairo
/// contexts belong to one thread.
/// ```swift
/// let c = try Canvas(width: 200, height: 100, format: .png)
/// c.rectangle(x: 10, y: 10, width: 50, height: 30)
/// c.fill(CanvasColor(hex: "#e41a1c"))
/// c.text("东城区", at: (10, 60), font: CanvasFont(sizePixels: 16), color: .black)
/// let png = try c.finish()
/// ```
public final class Canvas {
    public let width: Int
    public let height: Int
    public let format: ImageFormat
    private let surface: OpaquePointer
    private let cr: OpaquePointer
    /// What the SVG and PDF surfaces write as they go (their stream callback appends here).
    private let sink = ByteSink()
    private var finished = false

    /// A blank canvas.
    /// - Throws: ``CanvasError`` when cairo cannot make the surface (a size of zero, or memory).
    public init(width: Int, height: Int, format: ImageFormat) throws {
        guard width > 0, height > 0, width <= 32_767, height <= 32_767 else {
            throw CanvasError(description: "an image must be 1 to 32767 pixels each way, not \(width)×\(height)")
        }
        self.width = width
        self.height = height
        self.format = format
        let closure = Unmanaged.passUnretained(sink).toOpaque()
        let made: OpaquePointer?
        switch format {
        // Never NULL: a failed surface is a "nil surface" whose status says why
        case .png: made = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height))
        case .svg:
            made = cairo_svg_surface_create_for_stream(ByteSink.write, closure, Double(width), Double(height))
        case .pdf:
            made = cairo_pdf_surface_create_for_stream(ByteSink.write, closure, Double(width), Double(height))
        }
        guard let made, cairo_surface_status(made) == CAIRO_STATUS_SUCCESS else {
            let reason = made.map { String(cString: cairo_status_to_string(cairo_surface_status($0))) } ?? "no surface"
            if let made { cairo_surface_destroy(made) }
            throw CanvasError(description: "cannot make a \(width)×\(height) \(format.rawValue) surface: \(reason)")
        }
        surface = made
        // Never NULL: on failure an inert context whose status says why
        cr = cairo_create(surface)!
        guard cairo_status(cr) == CAIRO_STATUS_SUCCESS else {
            let reason = String(cString: cairo_status_to_string(cairo_status(cr)))
            cairo_destroy(cr)
            cairo_surface_destroy(surface)
            throw CanvasError(description: "cannot draw on the surface: \(reason)")
        }
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND)
    }

    deinit {
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    // MARK: Paths

    public func move(to x: Double, _ y: Double) { cairo_move_to(cr, x, y) }
    public func line(to x: Double, _ y: Double) { cairo_line_to(cr, x, y) }
    public func closePath() { cairo_close_path(cr) }
    public func rectangle(x: Double, y: Double, width: Double, height: Double) {
        cairo_rectangle(cr, x, y, width, height)
    }

    /// A closed ring as a sub-path.
    public func ring(_ points: [(x: Double, y: Double)]) {
        guard let first = points.first else { return }
        cairo_move_to(cr, first.x, first.y)
        for p in points.dropFirst() { cairo_line_to(cr, p.x, p.y) }
        cairo_close_path(cr)
    }

    /// An open line as a sub-path.
    public func polyline(_ points: [(x: Double, y: Double)]) {
        guard let first = points.first else { return }
        cairo_move_to(cr, first.x, first.y)
        for p in points.dropFirst() { cairo_line_to(cr, p.x, p.y) }
    }

    /// Fills the current path (even-odd, so a polygon's holes stay open) and clears it unless `keep`.
    public func fill(_ color: CanvasColor, keep: Bool = false) {
        set(color)
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD)
        if keep { cairo_fill_preserve(cr) } else { cairo_fill(cr) }
    }

    /// Strokes the current path `width` pixels wide, dashed when `dash` is given, and clears it.
    public func stroke(_ color: CanvasColor, width: Double, dash: [Double] = []) {
        set(color)
        cairo_set_line_width(cr, width)
        dash.withUnsafeBufferPointer { cairo_set_dash(cr, $0.baseAddress, Int32($0.count), 0) }
        cairo_stroke(cr)
        cairo_set_dash(cr, nil, 0, 0)
    }

    /// Fills the whole canvas.
    public func paint(_ color: CanvasColor) {
        set(color)
        cairo_paint(cr)
    }

    private func set(_ c: CanvasColor) { cairo_set_source_rgba(cr, c.red, c.green, c.blue, c.alpha) }

    // MARK: Text

    /// Lays out `text` (one line, shaped by pango: Chinese, Latin, digits) with its top-left
    /// corner at `point`, ellipsized past `maxWidth`, and draws it.
    /// - Returns: the size the text took, in pixels.
    @discardableResult
    public func text(
        _ text: String, at point: (x: Double, y: Double), font: CanvasFont, color: CanvasColor,
        maxWidth: Double? = nil
    ) -> (width: Double, height: Double) {
        withLayout(text, font: font, maxWidth: maxWidth) { layout, size in
            set(color)
            cairo_move_to(cr, point.x, point.y)
            pango_cairo_show_layout(cr, layout)
            return size
        }
    }

    /// The size `text` would take, without drawing it.
    public func measure(_ text: String, font: CanvasFont) -> (width: Double, height: Double) {
        withLayout(text, font: font, maxWidth: nil) { _, size in size }
    }

    private func withLayout<T>(
        _ text: String, font: CanvasFont, maxWidth: Double?,
        _ body: (OpaquePointer, (width: Double, height: Double)) -> T
    ) -> T {
        // Never NULL (pango aborts when out of memory)
        let layout = pango_cairo_create_layout(cr)!
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        let description = pango_font_description_from_string(font.families)!
        defer { pango_font_description_free(description) }
        pango_font_description_set_absolute_size(description, font.sizePixels * Double(PANGO_SCALE))
        pango_font_description_set_weight(description, font.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL)
        pango_layout_set_font_description(layout, description)
        if let maxWidth {
            pango_layout_set_width(layout, Int32(max(maxWidth, 1) * Double(PANGO_SCALE)))
            pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END)
        }
        pango_layout_set_text(layout, text, -1)
        var w: Int32 = 0
        var h: Int32 = 0
        pango_layout_get_pixel_size(layout, &w, &h)
        return body(layout, (Double(w), Double(h)))
    }

    // MARK: Output

    /// Ends drawing and returns the image file's bytes. The canvas cannot be drawn on after.
    /// - Throws: ``CanvasError`` when cairo reports a failure while drawing or writing.
    public func finish() throws -> [UInt8] {
        guard !finished else { throw CanvasError(description: "the canvas was already finished") }
        finished = true
        if format == .png {
            let closure = Unmanaged.passUnretained(sink).toOpaque()
            let status = cairo_surface_write_to_png_stream(surface, ByteSink.write, closure)
            guard status == CAIRO_STATUS_SUCCESS else {
                throw CanvasError(
                    description: "cannot write the PNG: \(String(cString: cairo_status_to_string(status)))")
            }
        } else {
            cairo_surface_finish(surface)
        }
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw CanvasError(description: "cannot draw the image: \(String(cString: cairo_status_to_string(status)))")
        }
        return sink.bytes
    }

    /// The pixel at (x, y) of a PNG canvas as RGBA bytes (un-premultiplied), for tests and checks.
    public func pixel(x: Int, y: Int) -> (red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8)? {
        guard format == .png, (0..<width).contains(x), (0..<height).contains(y) else { return nil }
        cairo_surface_flush(surface)
        // NULL only for a surface that is not an image surface
        guard let data = cairo_image_surface_get_data(surface) else { return nil }
        let stride = Int(cairo_image_surface_get_stride(surface))
        // ARGB32 is a native-endian 32-bit word, premultiplied
        let word = data.advanced(by: y * stride + x * 4).withMemoryRebound(to: UInt32.self, capacity: 1) { $0.pointee }
        let a = UInt8(word >> 24), r = UInt8(word >> 16 & 0xFF), g = UInt8(word >> 8 & 0xFF), b = UInt8(word & 0xFF)
        guard a > 0 else { return (0, 0, 0, 0) }
        func un(_ v: UInt8) -> UInt8 { UInt8(min(255, Int(v) * 255 / Int(a))) }
        return (un(r), un(g), un(b), a)
    }
}

/// Collects what a cairo stream callback writes.
private final class ByteSink {
    var bytes: [UInt8] = []

    /// A `cairo_write_func_t`: `closure` is an unretained `ByteSink`.
    static let write: cairo_write_func_t = { closure, data, length in
        guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
        let sink = Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue()
        sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
        return CAIRO_STATUS_SUCCESS
    }
}
