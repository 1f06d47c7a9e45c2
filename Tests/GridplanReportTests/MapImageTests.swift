import Foundation
#if canImport(FoundationXML)
    import FoundationXML
#endif
import GridplanGeometry
import GridplanIO
import GridplanReport
import Testing

@Suite struct MapImageTests {
    static let width = 600, height = 400

    func pixel(_ c: Coordinate, _ layout: MapLayout) -> (Int, Int) {
        let p = layout.projection.point(c)
        return (Int(p.x), Int(p.y))
    }

    @Test func pngDecodesWithTheColoursDrawnWhereExpected() throws {
        let layers = ReportFixtures.layers
        let png = MapImage.png(layers: layers, width: Self.width, height: Self.height)
        let dir = try ReportFixtures.scratch()
        let path = dir + "/map.png"
        try OutputFile.write(png, to: path)

        let layout = MapLayout(layers: layers, width: Self.width, height: Self.height)
        let overlap = pixel(ReportFixtures.overlapCentre, layout)
        let hole = pixel(ReportFixtures.holeCentre, layout)
        // The middle of the first street, which is led by 110101001001.
        let street = pixel(Coordinate(116.41, 39.9195), layout)
        let legend = try #require(layout.legend)
        let facts = try Tools.inspectPNG(
            path, at: [overlap, hole, (2, 2), street, (Int(legend.x) + 12, Int(legend.y) + 6 + 18 + 7)])

        #expect(facts.width == Self.width && facts.height == Self.height)
        #expect(facts.chunks == ["IHDR", "IDAT", "IEND"])
        let red = ReportPalette.findingColor("overlap")!
        #expect(facts.at[0] == [Int(red.red), Int(red.green), Int(red.blue)], "overlap centre at \(overlap)")
        #expect(facts.at[1] == [255, 255, 255], "the unit's hole stays background white at \(hole)")
        #expect(facts.at[2] == [255, 255, 255], "the margin is white")
        let lead = ReportPalette.legends(for: layers)[2].color(of: "110101001001")
        #expect(facts.at[3] == [Int(lead.red), Int(lead.green), Int(lead.blue)], "street colour at \(street)")
        #expect(facts.at[4] != [255, 255, 255], "the first legend swatch is painted")
        // Every pixel survived encoding: python's CRC-32 of the decoded RGB equals ours of the canvas.
        let canvas = MapImage.raster(layers: layers, width: Self.width, height: Self.height)
        #expect(facts.crc == PNGEncoder.crc32(canvas.pixels))
        // Flat map colour compresses well even with the encoder's simple matching.
        #expect(png.count < Self.width * Self.height * 3 / 10, "PNG of \(png.count) bytes")
    }

    @Test func svgIsWellFormedXMLWithOneElementPerFeature() throws {
        let svg = MapImage.svg(layers: ReportFixtures.layers, width: Self.width, height: Self.height)
        final class Counter: NSObject, XMLParserDelegate {
            var paths = 0
            var texts: [String] = []
            var inText = false
            func parser(
                _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]
            ) {
                if name == "path" { paths += 1 }
                if name == "text" {
                    inText = true
                    texts.append("")
                }
            }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?)
            {
                if name == "text" { inText = false }
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) {
                if inText { texts[texts.count - 1] += string }
            }
        }
        let parser = XMLParser(data: Data(svg.utf8))
        let counter = Counter()
        parser.delegate = counter
        #expect(parser.parse(), "SVG parse error: \(String(describing: parser.parserError))")
        let drawn = ReportFixtures.layers.reduce(0) { $0 + $1.drawnFeatures.count }
        #expect(counter.paths == drawn)
        #expect(counter.texts.contains("overlap"))
        #expect(counter.texts.contains("110101001001"))
        #expect(svg.contains("<title>110101001002 西四&amp;北社区</title>"))
    }

    @Test func evenOddFillLeavesHolesAndThinLinesHaveNoGaps() {
        var canvas = RasterCanvas(width: 40, height: 40)
        let outer: [(x: Double, y: Double)] = [(5, 5), (35, 5), (35, 35), (5, 35)]
        let hole: [(x: Double, y: Double)] = [(15, 15), (25, 15), (25, 25), (15, 25)]
        let blue = RGBColor(hex: "#1f78b4")
        canvas.fillPolygon([outer, hole], color: blue)
        #expect(canvas.pixel(x: 10, y: 10) == blue)
        #expect(canvas.pixel(x: 20, y: 20) == .white)
        #expect(canvas.pixel(x: 2, y: 2) == .white)
        // Pixel centres decide: x 5..<35 are inside, 35 is not.
        #expect(
            canvas.pixel(x: 5, y: 20) == blue && canvas.pixel(x: 34, y: 20) == blue
                && canvas.pixel(x: 35, y: 20) == .white)

        var lines = RasterCanvas(width: 60, height: 20)
        lines.strokeLine([(0.3, 2.7), (59.6, 17.2)], width: 1, color: .black)
        for x in 0..<60 {
            #expect((0..<20).contains { lines.pixel(x: x, y: $0) == .black }, "column \(x) of a 1 px line is empty")
        }

        var half = RasterCanvas(width: 4, height: 4)
        half.fillRect(x: 0, y: 0, width: 4, height: 4, color: .black, opacity: 0.5)
        #expect(half.pixel(x: 1, y: 1) == RGBColor(red: 128, green: 128, blue: 128))
    }

    @Test func projectionKeepsShapesAndFitsTheFrame() {
        let e = Envelope(minX: 116.40, minY: 39.90, maxX: 116.42, maxY: 39.92)
        let p = MapProjection(fitting: e, into: PixelRect(x: 0, y: 0, width: 1000, height: 1000))
        let sw = p.point(Coordinate(116.40, 39.90)), ne = p.point(Coordinate(116.42, 39.92))
        // A 0.02° square at 39.91°N is cos(39.91°) ≈ 0.767 as wide as it is tall.
        #expect(abs((ne.x - sw.x) / (sw.y - ne.y) - cos(39.91 * Double.pi / 180)) < 1e-9)
        #expect(abs(sw.y - 1000) < 1e-9 && abs(ne.y) < 1e-9)
        #expect(abs((sw.x + ne.x) / 2 - 500) < 1e-9)
    }

    @Test func legendColoursFindingsByKindAndMarksMissingValues() {
        let findings = ReportPalette.legend(for: ReportFixtures.findings)
        #expect(findings.entries.map(\.value) == ["overlap", "unmanaged", "sliver", "exclave", "invalid"])
        #expect(findings.color(of: "overlap") == RGBColor(hex: "#e31a1c"))
        #expect(findings.color(of: "invalid") == .black)
        let streets = ReportPalette.legend(for: ReportFixtures.streets)
        #expect(streets.entries.last?.value == ReportLayer.noValue)
        #expect(streets.color(of: ReportLayer.noValue) == ReportPalette.noValueColor)
        #expect(Set(streets.entries.map(\.color)).count == 3)
        // Across layers a code keeps its colour: grids take their community's, streets their lead's.
        let all = ReportPalette.legends(for: ReportFixtures.layers)
        #expect(all[1].color(of: "110101001003") == all[0].color(of: "110101001003"))
        #expect(all[2].color(of: "110101001002") == all[0].color(of: "110101001002"))
        #expect(Set(all[0].entries.map(\.color)).count == 3)
    }
}
