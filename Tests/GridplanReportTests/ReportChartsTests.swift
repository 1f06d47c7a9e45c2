import Foundation
#if canImport(FoundationXML)
    import FoundationXML
#endif
import GridplanAnalysis
import GridplanGeometry
import GridplanIO
import GridplanReport
import Testing

/// The charts under the map.
@Suite struct ReportChartsTests {
    func grid(_ code: String, households: Double?) -> Feature {
        var p: JSONObject = ["code": .string(code)]
        if let households { p["households"] = .number(households) }
        return Feature(geometry: nil, properties: p)
    }

    func occurrences(of needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test func gridsAreCountedAgainstTheTargetBand() throws {
        let grids = [
            grid("001", households: 90), grid("002", households: 150), grid("003", households: 320),
            grid("004", households: 500), grid("005", households: 501), grid("006", households: 1200),
            grid("007", households: nil),
        ]
        let band = try PartitionTarget(parsing: "households:150-500")
        let chart = try #require(ReportCharts.gridsAgainstTarget(grids, quantity: .households, band: band))
        #expect(chart.id == "grids" && chart.title == "Households per grid")
        // The band's ends are inside it; the grid without households is left out.
        #expect(
            chart.summary
                == "6 grids, households from 90 to 1200; target households:150-500: 1 below, 3 within, 2 above.")
        #expect(occurrences(of: "class=\"bar below\"", in: chart.svg) == 1)
        #expect(occurrences(of: "class=\"bar within\"", in: chart.svg) == 3)
        #expect(occurrences(of: "class=\"bar above\"", in: chart.svg) == 2)
        #expect(chart.svg.contains("class=\"band\""))
        // Lowest to highest: the first bar is grid 001's.
        #expect(
            chart.svg.range(of: "<title>001: 90</title>")!.lowerBound
                < chart.svg.range(of: "<title>006: 1200</title>")!.lowerBound)
        #expect(XMLParser(data: Data(chart.svg.utf8)).parse(), "the chart is well-formed SVG")

        let plain = try #require(ReportCharts.gridsAgainstTarget(grids, quantity: .households, band: nil))
        #expect(!plain.svg.contains("class=\"band\"") && occurrences(of: "class=\"bar within\"", in: plain.svg) == 6)
        #expect(ReportCharts.gridsAgainstTarget([grid("1", households: nil)], quantity: .households, band: nil) == nil)
        #expect(ReportCharts.gridProperty(of: .area) == "area_m2")
    }

    @Test func streetOfficesGetTheirGapsByCodePrefix() throws {
        func finding(_ kind: String, area: Double, owner: String?, units: [String]) -> Feature {
            var p: JSONObject = [
                "kind": .string(kind), "area_m2": .number(area), "units": .array(units.map { .string($0) }),
            ]
            if let owner { p["suggested_owner"] = .string(owner) }
            return Feature(geometry: nil, properties: p)
        }
        let offices = [
            StreetOfficeCoverage(code: "110101001", name: "东华门街道", ownedSquareMetres: 999_000),
            StreetOfficeCoverage(code: "110101002", ownedSquareMetres: 500_000),
        ]
        let findings = [
            finding("unmanaged", area: 800, owner: "110101001003", units: ["110101001003", "110101002001"]),
            finding("sliver", area: 200, owner: nil, units: ["110101001001"]),
            finding("overlap", area: 5000, owner: nil, units: ["110101002001", "110101002002"]),
            finding("unmanaged", area: 70, owner: nil, units: ["110102001001"]),
        ]
        let (figures, chart) = try #require(ReportCharts.streetOffices(offices, findings: findings))
        #expect(figures[0].unmanagedSquareMetres == 1000)
        #expect(abs(figures[0].coverageRatio - 0.999) < 1e-12)
        // An overlap is claimed land, not a gap.
        #expect(figures[1].unmanagedSquareMetres == 0 && figures[1].coverageRatio == 1)
        #expect(
            chart.summary
                == "2 street offices; lowest coverage 110101001 at 99.90%, 1000 m² unmanaged in all; left out, next to no listed street office: 1 gaps."
        )
        #expect(chart.svg.contains("110101001 东华门街道"))
        #expect(XMLParser(data: Data(chart.svg.utf8)).parse())
        #expect(ReportCharts.streetOffices([], findings: findings) == nil)
    }

    @Test func findingsAreCountedPerKindInTheLegendsOrder() throws {
        let chart = try #require(ReportCharts.findingsPerKind(ReportFixtures.findings.features))
        #expect(chart.summary == "5 findings: overlap 1, unmanaged 1, sliver 1, exclave 1, invalid 1.")
        let kinds = chart.svg.components(separatedBy: "data-kind=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(kinds == ["overlap", "unmanaged", "sliver", "exclave", "invalid"])
        #expect(chart.svg.contains("fill=\"\(ReportPalette.findingColor("overlap")!.hex)\""))
        #expect(chart.svg.contains("1 · 83300.5 m²"))
        #expect(XMLParser(data: Data(chart.svg.utf8)).parse())
        #expect(ReportCharts.findingsPerKind([]) == nil)
    }
}
