/// An 8-bit RGB image in memory with the few painting operations the map needs: polygon fills
/// (even-odd, so holes stay empty), thick lines, squares and a small bitmap font.
///
/// Pixel (x, y) covers the square from (x, y) to (x + 1, y + 1) and is painted when its centre
/// is inside the shape; there is no anti-aliasing, so colours stay exact.
public struct RasterCanvas: Sendable {
    public let width: Int
    public let height: Int
    /// Row-major RGB bytes, top row first.
    public private(set) var pixels: [UInt8]

    /// A canvas filled with `background`.
    public init(width: Int, height: Int, background: RGBColor = .white) {
        precondition(width > 0 && height > 0, "a canvas needs a positive size")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in stride(from: 0, to: pixels.count, by: 3) {
            pixels[i] = background.red
            pixels[i + 1] = background.green
            pixels[i + 2] = background.blue
        }
    }

    /// The colour of one pixel.
    public func pixel(x: Int, y: Int) -> RGBColor {
        let i = (y * width + x) * 3
        return RGBColor(red: pixels[i], green: pixels[i + 1], blue: pixels[i + 2])
    }

    /// Paints pixels `x0..<x1` of row `y`, mixing `opacity` of `color` over what is there.
    mutating func fillSpan(y: Int, from x0: Int, to x1: Int, color: RGBColor, opacity: Double) {
        guard y >= 0, y < height else { return }
        let a = max(0, min(x0, width)), b = max(0, min(x1, width))
        guard a < b else { return }
        let base = y * width * 3
        if opacity >= 1 {
            for x in a..<b {
                let i = base + x * 3
                pixels[i] = color.red
                pixels[i + 1] = color.green
                pixels[i + 2] = color.blue
            }
            return
        }
        let alpha = max(0, opacity)
        func mix(_ dst: UInt8, _ src: UInt8) -> UInt8 {
            UInt8((Double(dst) + (Double(src) - Double(dst)) * alpha).rounded())
        }
        for x in a..<b {
            let i = base + x * 3
            pixels[i] = mix(pixels[i], color.red)
            pixels[i + 1] = mix(pixels[i + 1], color.green)
            pixels[i + 2] = mix(pixels[i + 2], color.blue)
        }
    }

    /// Fills rings with the even-odd rule: a polygon's holes, and any ring inside another, stay unpainted.
    ///
    /// - Parameters:
    ///   - rings: closed or open rings in pixel coordinates; each is closed implicitly.
    ///   - color: the fill colour.
    ///   - opacity: 1 paints over; less mixes with the pixels beneath.
    public mutating func fillPolygon(_ rings: [[(x: Double, y: Double)]], color: RGBColor, opacity: Double = 1) {
        struct Edge {
            var x0: Double, y0: Double, slope: Double
            var firstRow: Int, endRow: Int
        }
        var edges: [Edge] = []
        for ring in rings where ring.count >= 2 {
            for i in 0..<ring.count {
                let p = ring[i], q = ring[(i + 1) % ring.count]
                guard p.y != q.y, p.x.isFinite, p.y.isFinite, q.x.isFinite, q.y.isFinite else { continue }
                let (a, b) = p.y < q.y ? (p, q) : (q, p)
                // Rows whose centre y + 0.5 lies in [a.y, b.y): each crossing is counted once.
                let first = Int((a.y - 0.5).rounded(.up)), end = Int((b.y - 0.5).rounded(.up))
                let clippedFirst = max(first, 0), clippedEnd = min(end, height)
                guard clippedFirst < clippedEnd else { continue }
                edges.append(
                    Edge(x0: a.x, y0: a.y, slope: (b.x - a.x) / (b.y - a.y), firstRow: clippedFirst, endRow: clippedEnd)
                )
            }
        }
        guard !edges.isEmpty else { return }
        edges.sort { $0.firstRow < $1.firstRow }
        var active: [Edge] = []
        var next = 0
        var crossings: [Double] = []
        var row = edges[0].firstRow
        while row < height && (next < edges.count || !active.isEmpty) {
            while next < edges.count && edges[next].firstRow <= row {
                active.append(edges[next])
                next += 1
            }
            active.removeAll { $0.endRow <= row }
            if active.isEmpty {
                guard next < edges.count else { break }
                row = edges[next].firstRow
                continue
            }
            let yc = Double(row) + 0.5
            crossings.removeAll(keepingCapacity: true)
            for e in active { crossings.append(e.x0 + (yc - e.y0) * e.slope) }
            crossings.sort()
            var i = 0
            while i + 1 < crossings.count {
                // Pixels whose centre x + 0.5 lies in [left, right).
                let from = Int((crossings[i] - 0.5).rounded(.up)), to = Int((crossings[i + 1] - 0.5).rounded(.up))
                fillSpan(y: row, from: from, to: to, color: color, opacity: opacity)
                i += 2
            }
            row += 1
        }
    }

    /// Draws a polyline `width` pixels wide (at least 1) with square joins and ends. It is drawn
    /// opaque: overlapping segment pieces would otherwise darken translucent lines at the joins.
    public mutating func strokeLine(_ points: [(x: Double, y: Double)], width: Double, color: RGBColor) {
        let w = max(width, 1), h = w / 2
        for i in 0..<max(points.count - 1, 0) {
            let p = points[i], q = points[i + 1]
            let dx = q.x - p.x, dy = q.y - p.y
            let length = (dx * dx + dy * dy).squareRoot()
            guard length > 0 else { continue }
            let nx = -dy / length * h, ny = dx / length * h
            fillPolygon(
                [[(p.x + nx, p.y + ny), (q.x + nx, q.y + ny), (q.x - nx, q.y - ny), (p.x - nx, p.y - ny)]], color: color
            )
        }
        // Squares at the vertices close the notches between segments and cap the ends.
        for p in points { fillSquare(centre: p, side: w, color: color) }
    }

    /// Fills an axis-aligned square centred on a point.
    public mutating func fillSquare(centre: (x: Double, y: Double), side: Double, color: RGBColor, opacity: Double = 1)
    {
        fillRect(
            x: centre.x - side / 2, y: centre.y - side / 2, width: side, height: side, color: color, opacity: opacity)
    }

    /// Fills an axis-aligned rectangle.
    public mutating func fillRect(
        x: Double, y: Double, width: Double, height: Double, color: RGBColor, opacity: Double = 1
    ) {
        fillPolygon(
            [[(x, y), (x + width, y), (x + width, y + height), (x, y + height)]], color: color, opacity: opacity)
    }

    /// Writes text in the built-in 3×5 font scaled by `scale`; characters it lacks show as boxes.
    ///
    /// - Parameters:
    ///   - text: the text; it is cut at the last whole character that fits `maxWidth`.
    ///   - x: left edge in pixels.
    ///   - y: top edge in pixels.
    ///   - scale: pixels per font cell.
    ///   - color: the ink.
    ///   - maxWidth: the widest the text may run, in pixels.
    /// - Returns: the width drawn, in pixels.
    @discardableResult
    public mutating func drawText(
        _ text: String, x: Int, y: Int, scale: Int = 2, color: RGBColor = .black, maxWidth: Int = .max
    ) -> Int {
        var cx = x
        for ch in text {
            let advance = (BitmapFont.glyphWidth + 1) * scale
            guard cx + advance - x <= maxWidth else { break }
            let rows = BitmapFont.glyph(for: ch)
            for (r, bits) in rows.enumerated() {
                for c in 0..<BitmapFont.glyphWidth where bits & (1 << (BitmapFont.glyphWidth - 1 - c)) != 0 {
                    for dy in 0..<scale {
                        fillSpan(
                            y: y + r * scale + dy, from: cx + c * scale, to: cx + (c + 1) * scale, color: color,
                            opacity: 1)
                    }
                }
            }
            cx += advance
        }
        return cx - x
    }
}

/// A 3×5 pixel font for legend labels in PNG images: digits, Latin letters (drawn in one case)
/// and common punctuation. Codes and finding kinds are ASCII, which is what the PNG legend needs.
enum BitmapFont {
    static let glyphWidth = 3
    static let glyphHeight = 5

    /// Each glyph as five rows of three cells, `#` painted.
    private static let art: [Character: String] = [
        "0": "### #.# #.# #.# ###", "1": ".#. ##. .#. .#. ###", "2": "### ..# ### #.. ###",
        "3": "### ..# .## ..# ###", "4": "#.# #.# ### ..# ..#", "5": "### #.. ### ..# ###",
        "6": "### #.. ### #.# ###", "7": "### ..# .#. .#. .#.", "8": "### #.# ### #.# ###",
        "9": "### #.# ### ..# ###",
        "a": ".#. #.# ### #.# #.#", "b": "##. #.# ##. #.# ##.", "c": ".## #.. #.. #.. .##",
        "d": "##. #.# #.# #.# ##.", "e": "### #.. ##. #.. ###", "f": "### #.. ##. #.. #..",
        "g": ".## #.. #.# #.# .##", "h": "#.# #.# ### #.# #.#", "i": "### .#. .#. .#. ###",
        "j": "..# ..# ..# #.# .#.", "k": "#.# #.# ##. #.# #.#", "l": "#.. #.. #.. #.. ###",
        "m": "#.# ### ### #.# #.#", "n": "##. #.# #.# #.# #.#", "o": ".#. #.# #.# #.# .#.",
        "p": "##. #.# ##. #.. #..", "q": ".#. #.# #.# ##. .##", "r": "##. #.# ##. #.# #.#",
        "s": ".## #.. .#. ..# ##.", "t": "### .#. .#. .#. .#.", "u": "#.# #.# #.# #.# ###",
        "v": "#.# #.# #.# #.# .#.", "w": "#.# #.# ### ### #.#", "x": "#.# #.# .#. #.# #.#",
        "y": "#.# #.# .#. .#. .#.", "z": "### ..# .#. #.. ###",
        " ": "... ... ... ... ...", ".": "... ... ... ... .#.", ",": "... ... ... .#. #..",
        "-": "... ... ### ... ...", "_": "... ... ... ... ###", ":": "... .#. ... .#. ...",
        "(": "..# .#. .#. .#. ..#", ")": "#.. .#. .#. .#. #..", "/": "..# ..# .#. #.. #..",
        "#": "#.# ### #.# ### #.#", "+": "... .#. ### .#. ...", "%": "#.# ..# .#. #.. #.#",
        "=": "... ### ... ### ...", "?": "### ..# .## ... .#.", "…": "... ... ... ... #.#",
        "'": ".#. .#. ... ... ...", "*": "... #.# .#. #.# ...", "&": ".#. #.# .#. #.# .##",
    ]

    private static let glyphs: [Character: [UInt8]] = art.mapValues { text in
        text.split(separator: " ").map { row in row.reduce(UInt8(0)) { ($0 << 1) | ($1 == "#" ? 1 : 0) } }
    }

    /// An outlined box, for characters the font lacks (Chinese names among them).
    private static let missing: [UInt8] = [0b111, 0b101, 0b101, 0b101, 0b111]

    static func glyph(for ch: Character) -> [UInt8] {
        if let g = glyphs[ch] { return g }
        if let lower = ch.lowercased().first, let g = glyphs[lower] { return g }
        return missing
    }
}
