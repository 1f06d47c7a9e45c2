import Foundation
import GridplanReport
import Testing

/// Reading Debian's Leaflet for the report's page.
@Suite struct LeafletTests {
    @Test func leafletIsReadFromDebiansPackage() throws {
        guard let leaflet = Tools.leaflet() else { return }
        #expect(leaflet.version.split(separator: ".").count == 3, "\(leaflet.version)")
        #expect(!leaflet.script.contains("sourceMappingURL"))
        #expect(!leaflet.css.contains("url(images/"))
        #expect(leaflet.css.contains("url(data:image/png;base64,iVBORw0KGgo"))
    }

    @Test func aMissingLeafletNamesThePathAndThePackage() throws {
        let dir = try ReportFixtures.scratch()
        #expect {
            _ = try Leaflet.load(from: dir)
        } throws: { error in
            "\(error)"
                == "Leaflet for the report's map: \(dir)/leaflet.min.js: missing or unreadable; install Debian's libjs-leaflet (apt-get install libjs-leaflet, or make deps)"
        }
    }
}
