import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanReport
import Testing

/// The page in a real browser: Debian's chromium, headless, with Debian's Leaflet inlined.
/// `make deps` installs both.
/// Serialized: several headless chromiums at once on a two-core CI machine, beside the other
/// suites, took longer than the time limits. The limits only stop a hung browser.
@Suite(.serialized) struct MapReportBrowserTests {
    /// Writes the fixture report, returning its path.
    func writeReport(
        in dir: String, leaflet: Leaflet, baseMaps: BaseMapOptions = BaseMapOptions(), extraScript: String? = nil
    ) throws -> String {
        var page = MapReport.html(
            title: "东城区 网格地图 <test>", layers: ReportFixtures.layers, tables: ReportFixtures.tables,
            baseMaps: baseMaps, leaflet: leaflet)
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

    /// Loads a page in headless chromium and returns its DOM after the scripts have run.
    func dumpDOM(_ page: String, in dir: String, extra: [String] = []) throws -> String {
        let chromium = try #require(Tools.chromium, "chromium is not installed at /usr/bin/chromium: run `make deps`")
        // A browser profile is tens of megabytes; it is of no use once the run is over.
        defer { try? FileManager.default.removeItem(atPath: dir + "/profile") }
        let r = try Tools.run(
            Tools.chromiumArguments(chromium, profile: dir + "/profile") + extra + ["--dump-dom", "file://" + page])
        #expect(r.status == 0, "chromium exited with \(r.status)")
        return String(decoding: r.output, as: UTF8.self)
    }

    /// The JSON object a probe left in `data-probe`, after checking the page had no script errors.
    func probeResult(in dom: String) throws -> JSONObject {
        #expect(
            bodyAttribute("data-errors", in: dom) == "0",
            "script errors: \(dom.components(separatedBy: "<pre id=\"errors\"").last?.prefix(600) ?? "")")
        let text = try #require(bodyAttribute("data-probe", in: dom), "the probe did not run")
        guard case .object(let probe) = try JSONText.decode(text) else {
            throw Tools.ProbeFailure(message: "data-probe is not an object: \(text)")
        }
        #expect(probe["error"] == nil, "\(text)")
        return probe
    }

    /// Toggles every layer from the layer control, hovers and clicks units, and reads what the
    /// page shows. Features are found through Leaflet; events go to their SVG elements, as a
    /// mouse's would.
    static let interactionProbe = """
        (function () {
          var out = {};
          try {
            var R = window.gridplanReport;
            var pane = document.querySelector('.leaflet-overlay-pane');
            function paths() { return pane.querySelectorAll('path.leaflet-interactive').length; }
            function leaves(group) {
              var n = 0;
              group.eachLayer(function (l) { n += l.eachLayer ? leaves(l) : (l.getElement && l.getElement() ? 1 : 0); });
              return n;
            }
            out.paths = paths();
            out.leaves = R.overlays.map(leaves);
            out.toggles = [];
            var boxes = document.querySelectorAll('.leaflet-control-layers-overlays input[type=checkbox]');
            for (var i = 0; i < boxes.length; i++) {
              boxes[i].click();
              var t = { name: boxes[i].parentNode.textContent.trim(), off: paths(), shown: R.map.hasLayer(R.holders[i]) };
              t.legendOff = document.querySelector('[data-legend="' + i + '"]').classList.contains('off');
              boxes[i].click();
              t.on = paths();
              t.shownAgain = R.map.hasLayer(R.holders[i]);
              out.toggles.push(t);
            }
            var box = R.map.getContainer().getBoundingClientRect();
            function mouse(type, sub, lat, lon) {
              var p = R.map.latLngToContainerPoint([lat, lon]);
              sub.getElement().dispatchEvent(new MouseEvent(type, {
                bubbles: true, cancelable: true, view: window, clientX: box.left + p.x, clientY: box.top + p.y
              }));
            }
            var unit = R.overlays[0].getLayers()[0];
            mouse('mouseover', unit, 39.915, 116.405);
            out.hoverStroke = unit.getElement().getAttribute('stroke');
            var tip = document.querySelector('.leaflet-tooltip');
            out.tooltip = tip ? tip.textContent : '';
            mouse('mouseout', unit, 39.915, 116.405);
            out.restStroke = unit.getElement().getAttribute('stroke');
            mouse('click', unit, 39.915, 116.405);
            var popup = document.querySelector('.leaflet-popup-content');
            out.popup = popup ? popup.textContent : '';
            var third = R.overlays[0].getLayers()[2];
            mouse('click', third, 39.905, 116.41);
            // The first popup fades out for a moment: the new one is the last.
            var popups = document.querySelectorAll('.leaflet-popup-content');
            popup = popups[popups.length - 1];
            out.popupWithMarkup = popup ? popup.textContent : '';
            out.injected = window.injected === undefined ? 'no' : 'yes';
            out.scale = document.querySelector('.leaflet-control-scale-line').textContent;
            out.baseChoices = Array.prototype.map.call(
              document.querySelectorAll('.leaflet-control-layers-base label'), function (l) { return l.textContent.trim(); });
          } catch (e) { out.error = String(e && e.stack ? e.stack : e); }
          document.body.setAttribute('data-probe', JSON.stringify(out));
        })();
        """

    @Test(.timeLimit(.minutes(3)))
    func everyLayerTogglesAndAClickShowsItsDetails() throws {
        guard let leaflet = Tools.leaflet() else { return }
        let dir = try ReportFixtures.scratch()
        let page = try writeReport(in: dir, leaflet: leaflet, extraScript: Self.interactionProbe)
        let dom = try dumpDOM(page, in: dir)
        #expect(bodyAttribute("data-leaflet", in: dom) == leaflet.version)

        let renderedText = try #require(bodyAttribute("data-rendered", in: dom))
        guard case .object(let rendered) = try JSONText.decode(renderedText) else {
            Issue.record("data-rendered is not an object: \(renderedText)")
            return
        }
        for layer in ReportFixtures.layers {
            #expect(layer.drawnFeatures.count > 0)
            #expect(
                rendered[layer.name]?.intValue == Int64(layer.drawnFeatures.count),
                "layer \(layer.name): \(renderedText)")
        }
        // The unit without geometry is in no layer's count: 3 of 4 units are drawn.
        #expect(rendered["units"]?.intValue == 3)

        let probe = try probeResult(in: dom)
        // One SVG path per polygon, line and point: the multipoint of buildings is two.
        let leaves: [Int64] = [3, 2, 3, 3, 2, 5]
        #expect(probe["leaves"] == .array(leaves.map { .integer($0) }), "\(probe)")
        let paths = probe["paths"]?.intValue ?? 0
        #expect(paths == leaves.reduce(0, +))
        guard case .array(let toggles)? = probe["toggles"] else {
            Issue.record("no toggles: \(probe)")
            return
        }
        #expect(toggles.count == ReportFixtures.layers.count)
        for (i, t) in toggles.enumerated() {
            guard case .object(let t) = t, i < leaves.count else { continue }
            let name = t["name"]?.stringValue ?? ""
            #expect(name.hasPrefix(ReportFixtures.layers[i].name), "\(name)")
            #expect(t["off"]?.intValue == paths - leaves[i], "\(name) switched off: \(t)")
            #expect(t["shown"] == .bool(false) && t["legendOff"] == .bool(true), "\(name): \(t)")
            #expect(t["on"]?.intValue == paths && t["shownAgain"] == .bool(true), "\(name) switched on: \(t)")
        }

        #expect(probe["hoverStroke"] == .string("#000000"), "hover highlights the unit: \(probe)")
        #expect(probe["restStroke"] == .string("#404040"), "and leaving restores its outline")
        let tooltip = probe["tooltip"]?.stringValue ?? ""
        #expect(
            tooltip.contains("110101001001") && tooltip.contains("东四社区") && tooltip.contains("households: 420"),
            "tooltip: \(tooltip)")
        let popup = probe["popup"]?.stringValue ?? ""
        #expect(
            popup.contains("code110101001001") && popup.contains("name东四社区") && popup.contains("households420"),
            "popup: \(popup)")
        // The `</script>` inside a property stayed data, and shows as text.
        #expect(probe["injected"] == .string("no"))
        let markup = probe["popupWithMarkup"]?.stringValue ?? ""
        #expect(markup.contains("note</script><script>window.injected = 1</script>"), "popup: \(markup)")
        #expect(
            probe["scale"]?.stringValue?.hasSuffix(" m") == true
                || probe["scale"]?.stringValue?.hasSuffix(" km") == true)
        #expect(
            probe["baseChoices"]
                == .array(["No base map (offline)", "OpenStreetMap", "AMap 高德 (GCJ-02)"].map { .string($0) }))

        // Text arrives as UTF-8 and escaped: Chinese names, `&` and `<` in names and titles.
        #expect(dom.contains("西四&amp;北社区"))
        #expect(dom.contains("<title>东城区 网格地图 &lt;test&gt;</title>"))
    }

    @Test(.timeLimit(.minutes(3)))
    func screenshotShowsTheMap() throws {
        guard let leaflet = Tools.leaflet() else { return }
        let chromium = try #require(Tools.chromium, "chromium is not installed at /usr/bin/chromium: run `make deps`")
        let dir = try ReportFixtures.scratch()
        let page = try writeReport(in: dir, leaflet: leaflet)
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

    /// Waits (in the browser's virtual time) and lists every resource the page asked for.
    static let idleProbe = """
        setTimeout(function () {
          var out = {};
          try {
            out.resources = performance.getEntriesByType('resource').map(function (e) { return e.name; });
            out.tiles = document.querySelectorAll('.leaflet-tile-pane img').length;
            out.baseChoices = Array.prototype.map.call(
              document.querySelectorAll('.leaflet-control-layers-base label'), function (l) { return l.textContent.trim(); });
          } catch (e) { out.error = String(e); }
          document.body.setAttribute('data-probe', JSON.stringify(out));
        }, 2500);
        """

    @Test(.timeLimit(.minutes(3)))
    func withNoBaseMapNothingIsFetched() throws {
        guard let leaflet = Tools.leaflet() else { return }
        let dir = try ReportFixtures.scratch()
        let page = try writeReport(in: dir, leaflet: leaflet, extraScript: Self.idleProbe)
        let proxy = try Tools.RecordingProxy()
        let dom = try dumpDOM(page, in: dir, extra: proxy.chromiumArguments)
        // Chromium itself asks Google for the time, updates and accounts whatever the page does.
        let requests = proxy.stop().filter { !Self.isChromiumHousekeeping($0) }
        #expect(requests.isEmpty, "requests with no base map: \(requests)")
        let probe = try probeResult(in: dom)
        #expect(probe["resources"] == .array([]), "\(probe)")
        #expect(probe["tiles"] == .integer(0))
        // Without a key, Tianditu is not offered.
        guard case .array(let choices)? = probe["baseChoices"] else {
            Issue.record("\(probe)")
            return
        }
        #expect(choices.count == 3 && !choices.contains(.string("Tianditu 天地图")), "\(choices)")
    }

    /// Whether a request line is to Google, which headless chromium contacts on its own (the clock,
    /// component updates, accounts) even with background networking off; the page never does.
    static func isChromiumHousekeeping(_ request: String) -> Bool {
        let parts = request.split(separator: " ")
        guard parts.count >= 2 else { return false }
        var host = String(parts[1])
        if let scheme = host.range(of: "://") { host = String(host[scheme.upperBound...]) }
        host = String(host.prefix { $0 != "/" && $0 != ":" })
        return ["google.com", "googleapis.com", "gvt1.com"].contains { host == $0 || host.hasSuffix("." + $0) }
    }

    /// Chooses OpenStreetMap, then AMap, then Tianditu, a second apart, and reads what happened.
    static let baseMapProbe = """
        (function () {
          var out = {};
          function choose(name) {
            var labels = document.querySelectorAll('.leaflet-control-layers-base label');
            for (var i = 0; i < labels.length; i++) {
              if (labels[i].textContent.trim() === name) { labels[i].querySelector('input').click(); return true; }
            }
            return false;
          }
          function firstUnitCorner() {
            var ll = window.gridplanReport.overlays[0].getLayers()[0].getLatLngs()[0][0];
            return [ll.lng, ll.lat];
          }
          try {
            out.before = firstUnitCorner();
            out.osm = choose('OpenStreetMap');
            setTimeout(function () {
              out.amap = choose('AMap 高德 (GCJ-02)');
              out.amapDatum = window.gridplanReport.datum();
              out.amapCorner = firstUnitCorner();
              setTimeout(function () {
                out.tianditu = choose('Tianditu 天地图');
                out.tiandituDatum = window.gridplanReport.datum();
                out.tiandituCorner = firstUnitCorner();
                setTimeout(function () {
                  out.tileSources = Array.prototype.map.call(
                    document.querySelectorAll('.leaflet-tile-pane img'), function (t) { return t.src; }).slice(0, 4);
                  document.body.setAttribute('data-probe', JSON.stringify(out));
                }, 1000);
              }, 1000);
            }, 1000);
          } catch (e) { out.error = String(e); document.body.setAttribute('data-probe', JSON.stringify(out)); }
        })();
        """

    @Test(.timeLimit(.minutes(3)))
    func choosingABaseMapFetchesItsTilesAndAMapMovesTheData() throws {
        guard let leaflet = Tools.leaflet() else { return }
        let dir = try ReportFixtures.scratch()
        let page = try writeReport(
            in: dir, leaflet: leaflet, baseMaps: BaseMapOptions(tiandituKey: "test-key-21"),
            extraScript: Self.baseMapProbe)
        let proxy = try Tools.RecordingProxy()
        let dom = try dumpDOM(page, in: dir, extra: proxy.chromiumArguments)
        let requests = proxy.stop()
        let probe = try probeResult(in: dom)
        #expect(probe["osm"] == .bool(true) && probe["amap"] == .bool(true) && probe["tianditu"] == .bool(true))
        #expect(
            requests.contains { $0.hasPrefix("CONNECT tile.openstreetmap.org:443") }, "OpenStreetMap: \(requests)")
        #expect(
            requests.contains {
                $0.range(of: #"^CONNECT webrd0[1-4]\.is\.autonavi\.com:443"#, options: .regularExpression) != nil
            },
            "AMap: \(requests)")
        #expect(
            requests.contains {
                $0.range(of: #"^CONNECT t[0-7]\.tianditu\.gov\.cn:443"#, options: .regularExpression) != nil
            },
            "Tianditu: \(requests)")
        guard case .array(let sources)? = probe["tileSources"] else {
            Issue.record("\(probe)")
            return
        }
        #expect(sources.contains { $0.stringValue?.contains("tk=test-key-21") == true }, "\(sources)")

        // Under AMap the data is drawn in GCJ-02, as gridplan's Swift converts it; under
        // Tianditu (CGCS2000) it is back where it was.
        func corner(_ key: String) -> Coordinate? {
            guard case .array(let a)? = probe[key], a.count == 2, let x = a[0].doubleValue, let y = a[1].doubleValue
            else { return nil }
            return Coordinate(x, y)
        }
        let before = try #require(corner("before"))
        let amap = try #require(corner("amapCorner"))
        let back = try #require(corner("tiandituCorner"))
        #expect(probe["amapDatum"] == .string("gcj02") && probe["tiandituDatum"] == .string("wgs84"))
        let expected = ChinaOffsets.gcj02(fromWGS84: before)
        #expect(metres(amap, expected) < 0.02, "AMap corner \(amap) against \(expected)")
        #expect(metres(before, amap) > 100, "the GCJ-02 offset in Beijing is hundreds of metres")
        #expect(metres(back, before) < 0.001)
    }

    /// Ground distance between two nearby lon/lat points, good to a fraction of a percent.
    func metres(_ a: Coordinate, _ b: Coordinate) -> Double {
        let k = cos((a.y + b.y) / 2 * .pi / 180)
        let dx = (a.x - b.x) * k, dy = a.y - b.y
        return (dx * dx + dy * dy).squareRoot() * 111_195
    }

    @Test(.timeLimit(.minutes(3)))
    func thePageConvertsToGCJ02AsSwiftDoes() throws {
        guard let leaflet = Tools.leaflet() else { return }
        // Across China and its edges: Beijing, Urumqi, Sanya, Harbin, Lhasa, Shanghai, then points
        // outside the box (Tokyo, Moscow, Sydney) that must come back unchanged.
        var points: [Coordinate] = [
            Coordinate(116.397, 39.909), Coordinate(87.617, 43.826), Coordinate(109.512, 18.252),
            Coordinate(126.535, 45.803), Coordinate(91.117, 29.647), Coordinate(121.474, 31.230),
            Coordinate(139.692, 35.690), Coordinate(37.618, 55.756), Coordinate(151.209, -33.868),
        ]
        for i in 0..<40 { points.append(Coordinate(73.0 + Double(i) * 1.6, 1.0 + Double(i * 7 % 40) * 1.35)) }
        let list = points.map { "[\($0.x),\($0.y)]" }.joined(separator: ",")
        let probe = """
            (function () {
              var out = {};
              try {
                out.converted = [\(list)].map(function (p) { return window.gridplanReport.gcj02(p[0], p[1]); });
              } catch (e) { out.error = String(e); }
              document.body.setAttribute('data-probe', JSON.stringify(out));
            })();
            """
        let dir = try ReportFixtures.scratch()
        let page = try writeReport(in: dir, leaflet: leaflet, extraScript: probe)
        let result = try probeResult(in: try dumpDOM(page, in: dir))
        guard case .array(let converted)? = result["converted"], converted.count == points.count else {
            Issue.record("\(result)")
            return
        }
        var moved = 0
        for (p, c) in zip(points, converted) {
            guard case .array(let xy) = c, xy.count == 2, let x = xy[0].doubleValue, let y = xy[1].doubleValue else {
                Issue.record("not a point: \(c)")
                continue
            }
            let swift = ChinaOffsets.gcj02(fromWGS84: p)
            #expect(metres(Coordinate(x, y), swift) < 0.02, "\(p): page \(x), \(y); Swift \(swift)")
            if metres(swift, p) > 50 { moved += 1 }
        }
        // The box test agrees too: the points outside China stay put in both.
        #expect(moved >= 6 && moved < points.count, "\(moved) of \(points.count) points moved")
    }
}
