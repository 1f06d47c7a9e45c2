import Foundation
import GridplanAnalysis
import GridplanIO

/// A chart under the map: inline SVG drawn here, so the page needs no chart library.
public struct ReportChart: Sendable, Hashable {
    /// A short identifier, the `data-chart` attribute of the chart's figure.
    public var id: String
    public var title: String
    /// One `<svg>` element.
    public var svg: String
    /// A sentence saying what the chart shows in numbers, printed under it.
    public var summary: String

    public init(id: String, title: String, svg: String, summary: String) {
        self.id = id
        self.title = title
        self.svg = svg
        self.summary = summary
    }
}

/// A street office's area and the gaps next to it, for the coverage chart.
public struct StreetOfficeCoverage: Sendable, Hashable {
    public var code: String
    public var name: String?
    /// Area its communities own (the metrics table's `area_km2` of the street office, in m²).
    public var ownedSquareMetres: Double
    /// Area of the gaps (unmanaged and sliver findings) that would go to one of its communities.
    public var unmanagedSquareMetres: Double

    public init(code: String, name: String? = nil, ownedSquareMetres: Double, unmanagedSquareMetres: Double = 0) {
        self.code = code
        self.name = name
        self.ownedSquareMetres = ownedSquareMetres
        self.unmanagedSquareMetres = unmanagedSquareMetres
    }

    /// Owned / (owned + unmanaged): the share of the office's land, gaps included, someone manages.
    public var coverageRatio: Double {
        ownedSquareMetres + unmanagedSquareMetres > 0
            ? ownedSquareMetres / (ownedSquareMetres + unmanagedSquareMetres) : 0
    }
}

/// The report's charts: households per grid against the target band, coverage and unmanaged
/// area per street office (街道), findings per kind.
public enum ReportCharts {
    static let width = 720.0
    static let left = 150.0
    static let right = 20.0

    /// The property of a grid (partition --out) that holds a target's quantity.
    public static func gridProperty(of quantity: PartitionTarget.Quantity) -> String {
        switch quantity {
        case .households: return "households"
        case .area: return "area_m2"
        case .workload: return "workload"
        }
    }

    /// One bar per grid, lowest to highest, over the target band: bars below the band, inside it
    /// and above it in three colours.
    ///
    /// - Parameters:
    ///   - grids: the grids; those without a number for the quantity are left out.
    ///   - quantity: what is measured (the grids' `households`, `area_m2` or `workload`).
    ///   - band: the target band, or nil to draw the bars alone.
    /// - Returns: the chart, or nil when no grid has the quantity.
    public static func gridsAgainstTarget(
        _ grids: [Feature], quantity: PartitionTarget.Quantity, band: PartitionTarget?
    ) -> ReportChart? {
        let key = gridProperty(of: quantity)
        let values = grids.compactMap { f -> (String, Double)? in
            guard let v = f.properties[key]?.doubleValue, v.isFinite else { return nil }
            return (f.properties["code"]?.text ?? f.id?.text ?? "", v)
        }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
        guard !values.isEmpty else { return nil }
        let height = 240.0, top = 16.0, bottom = 28.0
        let plotLeft = 60.0, plotWidth = width - plotLeft - right, plotHeight = height - top - bottom
        let maxValue = max(values.last!.1, (band?.maximum ?? 0) * 1.1, 1)
        func y(_ v: Double) -> Double { top + plotHeight * (1 - v / maxValue) }
        var svg = svgOpen(id: "grids", height: height, label: "\(key) per grid")
        if let band {
            svg +=
                "<rect class=\"band\" x=\"\(n(plotLeft))\" y=\"\(n(y(band.maximum)))\" width=\"\(n(plotWidth))\" height=\"\(n(y(band.minimum) - y(band.maximum)))\" fill=\"#59a14f\" fill-opacity=\"0.15\"/>"
            for v in [band.minimum, band.maximum] {
                svg +=
                    "<line x1=\"\(n(plotLeft))\" x2=\"\(n(plotLeft + plotWidth))\" y1=\"\(n(y(v)))\" y2=\"\(n(y(v)))\" stroke=\"#59a14f\" stroke-dasharray=\"4 3\"/>"
            }
        }
        svg += axis(plotLeft: plotLeft, top: top, plotWidth: plotWidth, plotHeight: plotHeight, maxValue: maxValue)
        let step = plotWidth / Double(values.count)
        var below = 0, within = 0, above = 0
        for (i, (code, v)) in values.enumerated() {
            let place: String
            if let band, v < band.minimum {
                place = "below"
                below += 1
            } else if let band, v > band.maximum {
                place = "above"
                above += 1
            } else {
                place = "within"
                within += 1
            }
            let color = ["below": "#4e79a7", "within": "#59a14f", "above": "#e15759"][place]!
            svg +=
                "<rect class=\"bar \(place)\" x=\"\(n(plotLeft + Double(i) * step))\" y=\"\(n(y(v)))\" width=\"\(n(max(step - (step > 3 ? 1 : 0), 0.5)))\" height=\"\(n(y(0) - y(v)))\" fill=\"\(color)\"><title>\(MapReport.escape(code)): \(number(v))</title></rect>"
        }
        svg +=
            "<text x=\"\(n(plotLeft + plotWidth / 2))\" y=\"\(n(height - 6))\" text-anchor=\"middle\">\(values.count) grids, lowest to highest</text></svg>"
        var summary = "\(values.count) grids, \(key) from \(number(values.first!.1)) to \(number(values.last!.1))"
        if let band {
            summary +=
                "; target \(band.description): \(below) below, \(within) within, \(above) above"
        }
        return ReportChart(
            id: "grids", title: "\(quantity == .households ? "Households" : key) per grid", svg: svg,
            summary: summary + ".")
    }

    /// The coverage of each street office and the unmanaged area beside it.
    ///
    /// A gap (an `unmanaged` or `sliver` finding) counts for the street office whose code starts
    /// its `suggested_owner`, or else its first `units` code.
    ///
    /// - Parameters:
    ///   - offices: the street offices with their owned area (the metrics table's street_office rows).
    ///   - findings: coverage-check findings (check --out).
    /// - Returns: each office's figures and the chart, or nil when there are no offices.
    public static func streetOffices(_ offices: [StreetOfficeCoverage], findings: [Feature]) -> (
        offices: [StreetOfficeCoverage], chart: ReportChart
    )? {
        guard !offices.isEmpty else { return nil }
        var offices = offices
        var unplaced = 0
        for f in findings {
            guard let kind = f.properties["kind"]?.text, kind == "unmanaged" || kind == "sliver" else { continue }
            var owners: [String] = []
            if let s = f.properties["suggested_owner"]?.text, !s.isEmpty { owners.append(s) }
            if case .array(let units)? = f.properties["units"] { owners += units.map(\.text) }
            let area = f.properties["area_m2"]?.doubleValue ?? 0
            guard let owner = owners.first, let i = offices.firstIndex(where: { owner.hasPrefix($0.code) }) else {
                unplaced += 1
                continue
            }
            offices[i].unmanagedSquareMetres += area
        }
        let rowHeight = 22.0, top = 24.0
        let height = top + rowHeight * Double(offices.count) + 10
        let columnWidth = (width - left - right - 20) / 2
        let gapLeft = left + columnWidth + 20
        let maxGap = max(offices.map(\.unmanagedSquareMetres).max() ?? 0, 1)
        var svg = svgOpen(id: "street-offices", height: height, label: "coverage and unmanaged area per street office")
        svg += "<text x=\"\(n(left))\" y=\"14\" font-weight=\"600\">covered (%)</text>"
        svg += "<text x=\"\(n(gapLeft))\" y=\"14\" font-weight=\"600\">unmanaged (m²)</text>"
        for (i, o) in offices.enumerated() {
            let y = top + Double(i) * rowHeight
            let label = o.name.map { "\(o.code) \($0)" } ?? o.code
            let percent = o.coverageRatio * 100
            svg +=
                "<g class=\"office\" data-code=\"\(MapReport.escape(o.code))\"><text x=\"\(n(left - 6))\" y=\"\(n(y + 14))\" text-anchor=\"end\">\(MapReport.escape(label))</text>"
            svg +=
                "<rect x=\"\(n(left))\" y=\"\(n(y + 3))\" width=\"\(n(columnWidth))\" height=\"14\" fill=\"#eeeeee\"/><rect class=\"covered\" x=\"\(n(left))\" y=\"\(n(y + 3))\" width=\"\(n(columnWidth * o.coverageRatio))\" height=\"14\" fill=\"#4e79a7\"/>"
            svg +=
                "<text class=\"on-bar\" x=\"\(n(left + 4))\" y=\"\(n(y + 14))\" fill=\"#ffffff\">\(String(format: "%.2f", percent))</text>"
            // Room is left after the longest bar for its figure.
            let w = (columnWidth - 70) * o.unmanagedSquareMetres / maxGap
            svg +=
                "<rect class=\"unmanaged\" x=\"\(n(gapLeft))\" y=\"\(n(y + 3))\" width=\"\(n(w))\" height=\"14\" fill=\"\(ReportPalette.findingColor("unmanaged")!.hex)\"/>"
            svg +=
                "<text x=\"\(n(gapLeft + w + 4))\" y=\"\(n(y + 14))\">\(number((o.unmanagedSquareMetres * 10).rounded() / 10))</text></g>"
        }
        svg += "</svg>"
        let worst = offices.min { $0.coverageRatio < $1.coverageRatio }!
        var summary =
            "\(offices.count) street offices; lowest coverage \(worst.code) at \(String(format: "%.2f", worst.coverageRatio * 100))%, "
            + "\(number((offices.reduce(0) { $0 + $1.unmanagedSquareMetres } * 10).rounded() / 10)) m² unmanaged in all"
        if unplaced > 0 { summary += "; left out, next to no listed street office: \(unplaced) gaps" }
        return (
            offices,
            ReportChart(
                id: "street-offices", title: "Coverage and unmanaged area per street office", svg: svg,
                summary: summary + ".")
        )
    }

    /// One bar per finding kind, in the legend's order and colours, with the count and area.
    public static func findingsPerKind(_ findings: [Feature]) -> ReportChart? {
        var count: [String: Int] = [:], area: [String: Double] = [:]
        for f in findings {
            let k = f.properties["kind"]?.text ?? ReportLayer.noValue
            count[k, default: 0] += 1
            area[k, default: 0] += f.properties["area_m2"]?.doubleValue ?? 0
        }
        guard !count.isEmpty else { return nil }
        let order = ReportPalette.findingKinds.map(\.kind)
        let kinds = count.keys.sorted {
            (order.firstIndex(of: $0) ?? order.count, $0) < (order.firstIndex(of: $1) ?? order.count, $1)
        }
        let rowHeight = 22.0, top = 6.0
        let height = top + rowHeight * Double(kinds.count) + 6
        let barWidth = width - left - right - 160
        let maxCount = Double(count.values.max()!)
        var svg = svgOpen(id: "findings", height: height, label: "findings per kind")
        for (i, k) in kinds.enumerated() {
            let y = top + Double(i) * rowHeight
            let w = barWidth * Double(count[k]!) / maxCount
            let color = ReportPalette.findingColor(k) ?? ReportPalette.noValueColor
            svg +=
                "<g class=\"kind\" data-kind=\"\(MapReport.escape(k))\" data-count=\"\(count[k]!)\"><text x=\"\(n(left - 6))\" y=\"\(n(y + 14))\" text-anchor=\"end\">\(MapReport.escape(k))</text>"
            svg +=
                "<rect x=\"\(n(left))\" y=\"\(n(y + 3))\" width=\"\(n(w))\" height=\"14\" fill=\"\(color.hex)\" stroke=\"#202020\" stroke-width=\"0.5\"/>"
            svg +=
                "<text x=\"\(n(left + w + 6))\" y=\"\(n(y + 14))\">\(count[k]!) · \(number((area[k]! * 10).rounded() / 10)) m²</text></g>"
        }
        svg += "</svg>"
        let summary = kinds.map { "\($0) \(count[$0]!)" }.joined(separator: ", ")
        return ReportChart(
            id: "findings", title: "Findings per kind", svg: svg, summary: "\(findings.count) findings: \(summary).")
    }

    static func svgOpen(id: String, height: Double, label: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart-svg\" viewBox=\"0 0 \(n(width)) \(n(height))\" width=\"\(n(width))\" height=\"\(n(height))\" role=\"img\" aria-label=\"\(MapReport.escape(label))\" font-size=\"12\">"
    }

    /// A y axis from 0 to `maxValue` with five ticks.
    static func axis(plotLeft: Double, top: Double, plotWidth: Double, plotHeight: Double, maxValue: Double) -> String {
        var s = ""
        for i in 0...4 {
            let v = maxValue * Double(i) / 4
            let y = top + plotHeight * (1 - Double(i) / 4)
            s +=
                "<line x1=\"\(n(plotLeft))\" x2=\"\(n(plotLeft + plotWidth))\" y1=\"\(n(y))\" y2=\"\(n(y))\" stroke=\"#dddddd\"/>"
            s += "<text x=\"\(n(plotLeft - 4))\" y=\"\(n(y + 4))\" text-anchor=\"end\">\(number(v.rounded()))</text>"
        }
        return s
    }

    /// A coordinate in the SVG, to 0.01 px.
    static func n(_ v: Double) -> String { JSONText.number((v * 100).rounded() / 100) }

    static func number(_ v: Double) -> String { JSONText.number(v) }
}
