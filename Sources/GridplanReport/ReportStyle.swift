/// An opaque sRGB colour.
public struct RGBColor: Hashable, Sendable, CustomStringConvertible {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    /// A colour from its three channels.
    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// Parses `#rrggbb`; digits that are missing or not hexadecimal read as 0.
    public init(hex: String) {
        let digits = Array(hex.utf8.drop { $0 == UInt8(ascii: "#") })
        func byte(_ i: Int) -> UInt8 {
            guard digits.count >= i + 2, let v = UInt8(String(decoding: digits[i..<i + 2], as: UTF8.self), radix: 16)
            else { return 0 }
            return v
        }
        self.init(red: byte(0), green: byte(2), blue: byte(4))
    }

    /// `#rrggbb`, as CSS and SVG take it.
    public var hex: String {
        let digits = Array("0123456789abcdef")
        var s = "#"
        for b in [red, green, blue] {
            s.append(digits[Int(b >> 4)])
            s.append(digits[Int(b & 0xF)])
        }
        return s
    }

    public var description: String { hex }

    public static let white = RGBColor(red: 255, green: 255, blue: 255)
    public static let black = RGBColor(red: 0, green: 0, blue: 0)
}

/// The map's colours: fixed ones for finding kinds, a categorical palette for everything else.
public enum ReportPalette {
    /// Finding kinds in the order the legend lists them, with their fixed colours.
    public static let findingKinds: [(kind: String, color: RGBColor)] = [
        ("overlap", RGBColor(hex: "#e31a1c")),
        ("unmanaged", RGBColor(hex: "#ff7f00")),
        ("sliver", RGBColor(hex: "#ffd700")),
        ("exclave", RGBColor(hex: "#7b3294")),
        ("enclave", RGBColor(hex: "#1f78b4")),
        ("interlock", RGBColor(hex: "#ff00ff")),
        ("parent_mismatch", RGBColor(hex: "#8c510a")),
        ("invalid", RGBColor(hex: "#000000")),
        ("outside", RGBColor(hex: "#999999")),
    ]

    /// The colour of a finding kind, if it is one gridplan reports.
    public static func findingColor(_ kind: String) -> RGBColor? {
        findingKinds.first { $0.kind == kind }?.color
    }

    /// Categorical colours for units, grids, streets and points. Pure reds are left out so an
    /// overlap finding never looks like an ordinary unit.
    public static let categorical: [RGBColor] = [
        "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#86bcb6",
        "#8cd17d", "#a0cbe8", "#ffbe7d", "#d4a6c8", "#499894", "#d37295", "#bab0ac", "#b6992d",
    ].map { RGBColor(hex: $0) }

    /// Alarm colours for roster holes, by the roles lacking: reds and purples apart from the
    /// categorical palette, so a unit without its chief never looks like an ordinary unit.
    public static let alarm: [RGBColor] = [
        "#d7191c", "#7b3294", "#c51b7d", "#e66101", "#b2182b", "#542788",
    ].map { RGBColor(hex: $0) }

    /// The colour of features without a value for the colouring property.
    public static let noValueColor = RGBColor(hex: "#9e9e9e")

    /// The legend of one layer: its categories in display order, each with its colour.
    public static func legend(for layer: ReportLayer) -> LayerLegend {
        legends(for: [layer])[0]
    }

    /// The legends of layers drawn together. A value keeps one colour across layers, so a grid
    /// has its community's colour and a street its lead unit's: a street in a colour other than
    /// the unit it runs through is led by a neighbour.
    public static func legends(for layers: [ReportLayer]) -> [LayerLegend] {
        var shared: [String: RGBColor] = [:]
        return layers.map { layer in
            var seen = Set<String>()
            var categories: [String] = []
            for f in layer.drawnFeatures {
                let c = layer.category(of: f)
                if seen.insert(c).inserted { categories.append(c) }
            }
            let hasNone = seen.contains(ReportLayer.noValue)
            categories.removeAll { $0 == ReportLayer.noValue }
            var entries: [LayerLegend.Entry] = []
            var others = categories
            if layer.kind == .findings && layer.colorProperty == "kind" {
                for (kind, color) in findingKinds where seen.contains(kind) {
                    entries.append(.init(value: kind, color: color))
                }
                others = categories.filter { findingColor($0) == nil }
            }
            if layer.kind == .rosterHoles {
                for (i, v) in others.sorted(by: naturalOrder).enumerated() {
                    entries.append(.init(value: v, color: alarm[i % alarm.count]))
                }
                others = []
            }
            for v in others.sorted(by: naturalOrder) {
                let color = shared[v] ?? categorical[shared.count % categorical.count]
                shared[v] = color
                entries.append(.init(value: v, color: color))
            }
            if hasNone { entries.append(.init(value: ReportLayer.noValue, color: noValueColor)) }
            return LayerLegend(entries: entries)
        }
    }

    /// Codes sort as numbers when both are digits of the same length, so 2 comes before 10.
    static func naturalOrder(_ a: String, _ b: String) -> Bool {
        if a.count != b.count, a.allSatisfy(\.isASCIIDigit), b.allSatisfy(\.isASCIIDigit) { return a.count < b.count }
        return a < b
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

/// The categories of one layer and their colours, in legend order.
public struct LayerLegend: Sendable {
    public struct Entry: Sendable, Hashable {
        public var value: String
        public var color: RGBColor
    }

    public var entries: [Entry]
    private var index: [String: Int]

    /// A legend listing `entries` in order; the first entry of a repeated value wins.
    public init(entries: [Entry]) {
        self.entries = entries
        var index: [String: Int] = [:]
        for (i, e) in entries.enumerated() where index[e.value] == nil { index[e.value] = i }
        self.index = index
    }

    /// The position of a category in ``entries``.
    public func entryIndex(of category: String) -> Int? { index[category] }

    /// The colour of a category; grey for one the legend does not know.
    public func color(of category: String) -> RGBColor {
        index[category].map { entries[$0].color } ?? ReportPalette.noValueColor
    }
}

/// How a layer kind is drawn, shared by the HTML page, the SVG and the PNG so all three look alike.
public struct LayerStyle: Sendable {
    /// Opacity of polygon fills in the category colour.
    public var fillOpacity: Double
    /// The polygon outline colour; nil outlines in the category colour.
    public var outline: RGBColor?
    /// Outline width in pixels; 0 draws none.
    public var outlineWidth: Double
    /// Width of line geometries in pixels.
    public var lineWidth: Double
    /// Side of the square drawn for a point, in pixels.
    public var pointSize: Double

    /// The style every layer of `kind` is drawn with.
    public static func of(_ kind: ReportLayerKind) -> LayerStyle {
        switch kind {
        case .units:
            return LayerStyle(
                fillOpacity: 0.45, outline: RGBColor(hex: "#404040"), outlineWidth: 1, lineWidth: 2, pointSize: 6)
        // Dark outlines over a light fill: a grid shows inside its community's fill, in the
        // community's colour, without hiding it.
        case .grids:
            return LayerStyle(
                fillOpacity: 0.15, outline: RGBColor(hex: "#1b2a49"), outlineWidth: 1.5, lineWidth: 2, pointSize: 6)
        case .findings:
            return LayerStyle(
                fillOpacity: 1, outline: RGBColor(hex: "#202020"), outlineWidth: 1, lineWidth: 3, pointSize: 8)
        case .streets: return LayerStyle(fillOpacity: 0.6, outline: nil, outlineWidth: 1, lineWidth: 3, pointSize: 6)
        case .points: return LayerStyle(fillOpacity: 1, outline: nil, outlineWidth: 1, lineWidth: 2, pointSize: 8)
        case .frontage:
            return LayerStyle(
                fillOpacity: 0.75, outline: RGBColor(hex: "#303030"), outlineWidth: 0.5, lineWidth: 2, pointSize: 6)
        // A thick outline in the lacking roles' colour over a faint fill: a hole stands out over
        // the units' fills without hiding them, and a street without its chief is drawn wide.
        case .rosterHoles:
            return LayerStyle(fillOpacity: 0.2, outline: nil, outlineWidth: 3, lineWidth: 6, pointSize: 8)
        }
    }
}
