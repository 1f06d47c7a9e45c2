import Foundation
import GridplanGeometry

/// A rectangle in image pixels, y down.
public struct PixelRect: Hashable, Sendable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

/// Longitude/latitude to image pixels: an equirectangular projection whose x is shrunk by the
/// cosine of the middle latitude, so a district's shape is not stretched east-west, scaled and
/// centred to fit a frame. The page's script uses the same formula.
public struct MapProjection: Sendable {
    /// The data extent that was fitted.
    public let envelope: Envelope
    /// Pixels per degree of latitude.
    public let scale: Double
    /// cos(middle latitude): degrees of longitude are this much shorter than degrees of latitude.
    public let xFactor: Double
    private let offsetX: Double
    private let offsetY: Double

    /// Fits `envelope` (degrees) into `frame`, keeping the aspect ratio.
    ///
    /// - Parameters:
    ///   - envelope: the extent to show, in longitude/latitude; an empty one centres on (0, 0).
    ///   - frame: where the map goes in the image.
    public init(fitting envelope: Envelope, into frame: PixelRect) {
        var e = envelope.isEmpty ? Envelope(minX: 0, minY: 0, maxX: 0, maxY: 0) : envelope
        let midLatitude = (e.minY + e.maxY) / 2
        xFactor = max(cos(midLatitude * .pi / 180), 0.01)
        // A single point or a straight north-south line still needs some extent to fit.
        if e.width * xFactor < 1e-9 && e.height < 1e-9 {
            e = Envelope(minX: e.minX - 0.001, minY: e.minY - 0.001, maxX: e.maxX + 0.001, maxY: e.maxY + 0.001)
        }
        let w = e.width * xFactor, h = e.height
        let sx = w > 0 ? frame.width / w : .infinity
        let sy = h > 0 ? frame.height / h : .infinity
        scale = min(sx, sy)
        self.envelope = e
        offsetX = frame.x + (frame.width - w * scale) / 2
        offsetY = frame.y + (frame.height - h * scale) / 2
    }

    /// The pixel position of a longitude/latitude.
    public func point(_ c: Coordinate) -> (x: Double, y: Double) {
        (offsetX + (c.x - envelope.minX) * xFactor * scale, offsetY + (envelope.maxY - c.y) * scale)
    }
}

/// Where the map and the legend go in an image of a given size.
public struct MapLayout: Sendable {
    public var width: Int
    public var height: Int
    /// The frame the data is fitted into.
    public var map: PixelRect
    /// The legend panel on the right; nil when the image is too narrow for one.
    public var legend: PixelRect?
    /// The title's line above the map, when there is a title.
    public var title: PixelRect?
    public var projection: MapProjection

    /// Lays out `layers` in a `width` × `height` image: the map fitted to their extent on the
    /// left, a legend panel on the right when the image is at least 480 pixels wide, and a line
    /// for the title across the top when `title` is set.
    public init(layers: [ReportLayer], width: Int, height: Int, title: Bool = false) {
        self.width = width
        self.height = height
        let margin = 16.0
        let w = Double(width), h = Double(height)
        let top = title ? margin + 32 : margin
        self.title = title ? PixelRect(x: margin, y: margin, width: max(1, w - 2 * margin), height: 28) : nil
        let legendWidth = width >= 480 ? min(260, w * 0.28) : 0
        map = PixelRect(
            x: margin, y: top, width: max(1, w - legendWidth - 2 * margin), height: max(1, h - top - margin))
        legend =
            legendWidth > 0
            ? PixelRect(x: w - legendWidth, y: top, width: legendWidth - margin, height: max(1, h - top - margin))
            : nil
        var e = Envelope.empty
        for l in layers { e.expand(toInclude: l.envelope) }
        projection = MapProjection(fitting: e, into: map)
    }
}
