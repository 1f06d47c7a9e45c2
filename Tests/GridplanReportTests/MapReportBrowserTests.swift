import Foundation
import GridplanIO
import GridplanReport
import Testing

/// The page in a real browser: Debian's chromium, headless. `make deps` installs it.
@Suite struct MapReportBrowserTests {
    /// Writes the fixture report, returning its path.
    func writeReport(in dir: String, extraScript: String? = nil) throws -> String {
        var page = MapReport.html(
            title: "东城区 网格地图 <test>", layers: ReportFixtures.layers, tables: ReportFixtures.tables)
        if let extraScript {
            // A probe appended after the page's own script: it runs once the map is drawn.
            let end = page.range(of: "</body>", options: .backwards)!
            page.replaceSubrange(end, with: "<script>\(extraScript)</script>\n</body>")
        }
        let path = dir + "/report.html"
        try OutputFile.write(Array(page.utf8), to: path)
        return path
    }

    /// The value of an attribute of `<body>` in a serialised DOM, entities decoded.
    func bodyAttribute(_ name: String, in dom: String) -> String? {
        guard let body = dom.range(of: "<body"), let close = dom[body.upperBound...].firstIndex(of: ">"),
            let start = dom[body.upperBound..<close].range(of: " \(name)=\"")
        else { return nil }
        guard let end = dom[start.upperBound..<close].firstIndex(of: "\"") else { return nil }
        return String(dom[start.upperBound..<end])
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }

    func occurrences(of needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    static let probe = """
        (function () {
          var out = {};
          try {
            var unit = document.querySelector('[data-layer="0"][data-feature="0"]');
            var r = unit.getBoundingClientRect();
            unit.dispatchEvent(new MouseEvent('mousemove', { bubbles: true, clientX: r.left + 3, clientY: r.top + 3 }));
            out.tooltip = document.getElementById('tooltip').hidden ? '' : document.getElementById('tooltip').textContent;
            unit.dispatchEvent(new MouseEvent('click', { bubbles: true }));
            out.panel = document.getElementById('panel-properties').textContent;
            var toggle = document.querySelector('input[data-toggle="4"]');
            toggle.checked = false;
            toggle.dispatchEvent(new Event('change'));
            out.findingsDisplay = document.getElementById('layer-4').style.display;
            out.injected = window.injected === undefined ? 'no' : 'yes';
          } catch (e) { out.error = String(e); }
          document.body.setAttribute('data-probe', JSON.stringify(out));
        })();
        """

    @Test(.timeLimit(.minutes(1)))
    func everyLayerRendersWithoutScriptErrors() throws {
        guard let chromium = Tools.chromium else {
            Issue.record(
                "chromium is not installed at /usr/bin/chromium: run `make deps` (or apt-get install chromium)")
            return
        }
        let dir = try ReportFixtures.scratch()
        let page = try writeReport(in: dir, extraScript: Self.probe)
        // A browser profile is tens of megabytes; it is of no use once the run is over.
        defer { try? FileManager.default.removeItem(atPath: dir + "/profile") }
        let r = try Tools.run(
            Tools.chromiumArguments(chromium, profile: dir + "/profile") + ["--dump-dom", "file://" + page])
        #expect(r.status == 0, "chromium exited with \(r.status)")
        let dom = String(decoding: r.output, as: UTF8.self)
        #expect(
            bodyAttribute("data-errors", in: dom) == "0",
            "script errors: \(dom.components(separatedBy: "<pre id=\"errors\"").last?.prefix(400) ?? "")")

        let renderedText = try #require(bodyAttribute("data-rendered", in: dom))
        guard case .object(let rendered) = try JSONText.decode(renderedText) else {
            Issue.record("data-rendered is not an object: \(renderedText)")
            return
        }
        for (i, layer) in ReportFixtures.layers.enumerated() {
            let expected = layer.drawnFeatures.count
            #expect(expected > 0)
            #expect(rendered[layer.name]?.intValue == Int64(expected), "layer \(layer.name): \(renderedText)")
            #expect(occurrences(of: " data-layer=\"\(i)\"", in: dom) == expected, "SVG elements of layer \(layer.name)")
        }
        // The unit without geometry is in no layer's count: 3 of 4 units are drawn.
        #expect(rendered["units"]?.intValue == 3)

        // Text arrives as UTF-8 and escaped: Chinese names, `&` and `<` in names and titles.
        #expect(dom.contains("东四社区"))
        #expect(dom.contains("西四&amp;北社区"))
        #expect(dom.contains("<title>东城区 网格地图 &lt;test&gt;</title>"))

        let probeText = try #require(bodyAttribute("data-probe", in: dom))
        guard case .object(let probe) = try JSONText.decode(probeText) else {
            Issue.record("data-probe: \(probeText)")
            return
        }
        #expect(probe["error"] == nil, "\(probeText)")
        let tooltip = probe["tooltip"]?.stringValue ?? ""
        #expect(
            tooltip.contains("110101001001") && tooltip.contains("东四社区") && tooltip.contains("households: 420"),
            "tooltip: \(tooltip)")
        let panel = probe["panel"]?.stringValue ?? ""
        #expect(
            panel.contains("code110101001001") && panel.contains("name东四社区") && panel.contains("households420"),
            "panel: \(panel)")
        #expect(probe["findingsDisplay"] == .string("none"))
        // The `</script>` inside a property stayed data.
        #expect(probe["injected"] == .string("no"))
    }

    @Test(.timeLimit(.minutes(1)))
    func screenshotShowsTheMap() throws {
        guard let chromium = Tools.chromium else {
            Issue.record(
                "chromium is not installed at /usr/bin/chromium: run `make deps` (or apt-get install chromium)")
            return
        }
        let dir = try ReportFixtures.scratch()
        let page = try writeReport(in: dir)
        let shot = dir + "/screenshot.png"
        defer { try? FileManager.default.removeItem(atPath: dir + "/profile") }
        let r = try Tools.run(
            Tools.chromiumArguments(chromium, profile: dir + "/profile") + [
                "--screenshot=\(shot)", "--window-size=1200,900", "file://" + page,
            ])
        #expect(r.status == 0, "chromium exited with \(r.status)")
        let overlapRed = ReportPalette.findingColor("overlap")!
        let exclavePurple = ReportPalette.findingColor("exclave")!
        let facts = try Tools.inspectPNG(shot, near: [(overlapRed, 6), (exclavePurple, 6), (.white, 0)])
        #expect(facts.width == 1200 && facts.height == 900)
        #expect(facts.distinctColors >= 8, "a blank or nearly blank screenshot: \(facts.distinctColors) colours")
        #expect(facts.near[0] >= 200, "overlap red pixels: \(facts.near[0])")
        #expect(facts.near[1] >= 200, "exclave purple pixels: \(facts.near[1])")
        #expect(facts.near[2] < facts.width * facts.height * 9 / 10, "the screenshot is nearly all white")
    }
}
