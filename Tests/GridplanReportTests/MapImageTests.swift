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

    static func rgb(_ p: (red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8)?) -> [Int] {
        guard let p else { return [] }
        return [Int(p.red), Int(p.green), Int(p.blue)]
    }

    static func rgb(_ c: RGBColor) -> [Int] { [Int(c.red), Int(c.green), Int(c.blue)] }

    @Test func pngIsDrawnWithTheColoursWhereExpected() throws {
        let layers = ReportFixtures.layers
        let canvas = try MapImage.draw(layers: layers, width: Self.width, height: Self.height, format: .png)
        let layout = MapLayout(layers: layers, width: Self.width, height: Self.height)
        let overlap = pixel(ReportFixtures.overlapCentre, layout)
        let hole = pixel(ReportFixtures.holeCentre, layout)
        // The middle of the first street, which is led by 110101001001.
        let street = pixel(Coordinate(116.41, 39.9195), layout)
        let legend = try #require(layout.legend)
        let swatch = (Int(legend.x) + 12, Int(legend.y) + 6 + 18 + 7)
        let probes = [overlap, hole, (2, 2), street, swatch]
        let drawn = probes.map { Self.rgb(canvas.pixel(x: $0.0, y: $0.1)) }
        #expect(drawn[0] == Self.rgb(ReportPalette.findingColor("overlap")!), "overlap centre at \(overlap)")
        #expect(drawn[1] == [255, 255, 255], "the unit's hole stays background white at \(hole)")
        #expect(drawn[2] == [255, 255, 255], "the margin is white")
        let lead = ReportPalette.legends(for: layers)[2].color(of: "110101001001")
        #expect(drawn[3] == Self.rgb(lead), "street colour at \(street)")
        #expect(drawn[4] != [255, 255, 255], "the first legend swatch is painted")
        // The PNG file decodes (python's zlib, no cairo) to the same pixels.
        let png = try canvas.finish()
        let path = try ReportFixtures.scratch() + "/map.png"
        try OutputFile.write(png, to: path)
        let facts = try Tools.inspectPNG(path, at: probes)
        #expect(facts.width == Self.width && facts.height == Self.height)
        #expect(facts.chunks.first == "IHDR" && facts.chunks.last == "IEND" && facts.chunks.contains("IDAT"))
        #expect(facts.at == drawn)
    }

    @Test func svgAndPdfAreWholeDocuments() throws {
        let svg = try MapImage.render(
            layers: ReportFixtures.layers, width: Self.width, height: Self.height, title: "东城区", format: .svg)
        let parser = XMLParser(data: Data(svg))
        final class Root: NSObject, XMLParserDelegate {
            var name: String?
            var attributes: [String: String] = [:]
            var paths = 0
            func parser(
                _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]
            ) {
                if self.name == nil {
                    self.name = name
                    self.attributes = attributes
                }
                if name == "path" { paths += 1 }
            }
        }
        let root = Root()
        parser.delegate = root
        #expect(parser.parse(), "SVG parse error: \(String(describing: parser.parserError))")
        #expect(root.name == "svg" && root.attributes["width"]?.hasPrefix("\(Self.width)") == true)
        let drawn = ReportFixtures.layers.reduce(0) { $0 + $1.drawnFeatures.count }
        #expect(root.paths > drawn, "\(root.paths) paths for \(drawn) features")
        let pdf = try MapImage.render(
            layers: ReportFixtures.layers, width: Self.width, height: Self.height, title: "东城区", format: .pdf)
        #expect(pdf.starts(with: Array("%PDF-1.".utf8)))
        #expect(String(decoding: pdf.suffix(16), as: UTF8.self).contains("%%EOF"))
    }

    /// Grids over their community: the grid's outline is dark where the community's fill is light,
    /// so a community's grids can be told apart.
    @Test func gridOutlinesShowInsideTheirCommunity() throws {
        let layers = [ReportFixtures.units, ReportFixtures.grids]
        let canvas = try MapImage.draw(layers: layers, width: Self.width, height: Self.height, format: .png)
        let layout = MapLayout(layers: layers, width: Self.width, height: Self.height)
        // The two grids of 110101001003 share the edge x = 116.41 between 39.90 and 39.91.
        let edge = pixel(Coordinate(116.41, 39.905), layout)
        let inside = pixel(Coordinate(116.405, 39.905), layout)
        let e = Self.rgb(canvas.pixel(x: edge.0, y: edge.1)), i = Self.rgb(canvas.pixel(x: inside.0, y: inside.1))
        #expect(e.reduce(0, +) < 200, "grid edge \(e)")
        #expect(i.reduce(0, +) > 450, "grid inside \(i)")
    }

    /// A unit lacking its 片长 is outlined thick in the first alarm colour over the units' fill,
    /// and a street lacking its chief is drawn wide in the next; the legend lists both roles.
    @Test func rosterHolesAreOutlinedInAlarmColours() throws {
        let unit = ReportFixtures.units.features[2]
        let holes = ReportLayer(
            name: "roster holes", kind: .rosterHoles,
            features: [
                Feature(
                    geometry: unit.geometry,
                    properties: [
                        "level": .string("community"), "unit": unit.properties["code"]!, "role": .string("片长"),
                    ]),
                Feature(
                    geometry: .lineString([Coordinate(116.40, 39.918), Coordinate(116.41, 39.918)]),
                    properties: ["level": .string("street"), "street": .string("小巷"), "role": .string("街巷长")]),
            ])
        let layers = [ReportFixtures.units, holes]
        let legend = ReportPalette.legends(for: layers)[1]
        #expect(legend.entries.map(\.value) == ["片长", "街巷长"])
        #expect(legend.entries.map(\.color) == Array(ReportPalette.alarm.prefix(2)))
        #expect(!ReportPalette.categorical.contains(ReportPalette.alarm[0]))
        let canvas = try MapImage.draw(layers: layers, width: Self.width, height: Self.height, format: .png)
        let layout = MapLayout(layers: layers, width: Self.width, height: Self.height)
        // The unit's north edge (y = 39.91, inside the map) and the street's middle.
        let edge = pixel(Coordinate(116.415, 39.91), layout)
        let street = pixel(Coordinate(116.405, 39.918), layout)
        let inside = pixel(Coordinate(116.415, 39.905), layout)
        #expect(Self.rgb(canvas.pixel(x: edge.0, y: edge.1)) == Self.rgb(ReportPalette.alarm[0]))
        #expect(Self.rgb(canvas.pixel(x: street.0, y: street.1)) == Self.rgb(ReportPalette.alarm[1]))
        // Inside, the faint fill leaves the unit's own colour showing: no alarm colour there.
        #expect(Self.rgb(canvas.pixel(x: inside.0, y: inside.1)) != Self.rgb(ReportPalette.alarm[0]))
    }

    /// The gridplan executable built beside the test bundle.
    static let binary: String = {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("gridplan").path) && dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("gridplan").path
    }()

    /// A Chinese title is drawn with its glyphs: the same image made where fontconfig knows only
    /// DejaVu (no CJK font, so pango draws its missing-glyph boxes) differs in the title, and
    /// the title has ink in both.
    @Test func chineseTitleIsDrawnWithItsGlyphs() throws {
        let dir = try ReportFixtures.scratch()
        try GeoJSONWriter.write(ReportFixtures.units.features, to: dir + "/units.geojson")
        try """
        <?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
        <fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>\(dir)/fc-cache</cachedir></fontconfig>
        """.write(toFile: dir + "/fonts.conf", atomically: true, encoding: .utf8)
        func render(_ name: String, env: [String]) throws -> String {
            let r = try Tools.run(
                ["/usr/bin/env"] + env + [
                    Self.binary, "report", "--units", dir + "/units.geojson", "--title", "东城区网格通报", "--out",
                    dir + "/\(name).html", "--png", dir + "/\(name).png", "--width", "600", "--height", "400",
                    "--quiet",
                ])
            #expect(r.status == 0)
            return dir + "/\(name).png"
        }
        let cjk = try render("cjk", env: [])
        let boxes = try render("boxes", env: ["FONTCONFIG_FILE=" + dir + "/fonts.conf"])
        var probes: [(Int, Int)] = []
        for y in stride(from: 16, to: 44, by: 2) { for x in stride(from: 16, to: 180, by: 2) { probes.append((x, y)) } }
        let a = try Tools.inspectPNG(cjk, at: probes).at, b = try Tools.inspectPNG(boxes, at: probes).at
        let ink = a.filter { $0.reduce(0, +) < 600 }.count
        let differing = zip(a, b).filter { $0 != $1 }.count
        #expect(ink > 60, "\(ink) dark samples in the title")
        #expect(differing > 60, "\(differing) samples differ from the font-less rendering")
    }

    /// Scale bars are round lengths of at most a fifth of the map's width, and (the next round
    /// length being at most 2.5 times longer) at least 0.4 of that.
    @Test func scaleBarIsARoundLength() {
        let layout = MapLayout(layers: ReportFixtures.layers, width: 600, height: 400)
        let bar = MapImage.scaleBar(layout)
        #expect([1.0, 2, 5].contains(bar.metres / pow(10, log10(bar.metres).rounded(.down))))
        #expect(bar.pixels <= layout.map.width / 5 + 1e-9 && bar.pixels >= 0.4 * layout.map.width / 5 - 1e-9)
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
