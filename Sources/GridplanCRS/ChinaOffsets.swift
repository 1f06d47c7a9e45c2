import Foundation
import GridplanGeometry

/// The Chinese web-map coordinate systems, which PROJ does not know.
///
/// - GCJ-02 (火星坐标, used by AMap/高德 and Tencent): WGS84 shifted by a public closed formula
///   on the Krasovsky ellipsoid, applied only inside China's bounding box.
/// - BD-09 (used by Baidu): a further rotation and offset of GCJ-02.
///
/// Forward directions are closed formulas; inverses iterate the forward formula until the
/// residual is below 1e-10 degrees (about 0.01 mm).
public enum ChinaOffsets {
    private static let a = 6378245.0
    private static let ee = 0.00669342162296594323
    private static let xPi = Double.pi * 3000.0 / 180.0

    /// Whether a lon/lat lies in the box where GCJ-02 applies (outside it, GCJ-02 equals WGS84).
    public static func isInsideChinaBox(_ c: Coordinate) -> Bool {
        c.x >= 72.004 && c.x <= 137.8347 && c.y >= 0.8293 && c.y <= 55.8271
    }

    private static func latitudeOffset(_ x: Double, _ y: Double) -> Double {
        var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * abs(x).squareRoot()
        r += (20.0 * sin(6.0 * x * .pi) + 20.0 * sin(2.0 * x * .pi)) * 2.0 / 3.0
        r += (20.0 * sin(y * .pi) + 40.0 * sin(y / 3.0 * .pi)) * 2.0 / 3.0
        r += (160.0 * sin(y / 12.0 * .pi) + 320.0 * sin(y * .pi / 30.0)) * 2.0 / 3.0
        return r
    }

    private static func longitudeOffset(_ x: Double, _ y: Double) -> Double {
        var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * abs(x).squareRoot()
        r += (20.0 * sin(6.0 * x * .pi) + 20.0 * sin(2.0 * x * .pi)) * 2.0 / 3.0
        r += (20.0 * sin(x * .pi) + 40.0 * sin(x / 3.0 * .pi)) * 2.0 / 3.0
        r += (150.0 * sin(x / 12.0 * .pi) + 300.0 * sin(x / 30.0 * .pi)) * 2.0 / 3.0
        return r
    }

    /// WGS84 → GCJ-02 (closed formula).
    public static func gcj02(fromWGS84 c: Coordinate) -> Coordinate {
        guard isInsideChinaBox(c) else { return c }
        var dLat = latitudeOffset(c.x - 105.0, c.y - 35.0)
        var dLon = longitudeOffset(c.x - 105.0, c.y - 35.0)
        let radLat = c.y / 180.0 * .pi
        var magic = sin(radLat)
        magic = 1 - ee * magic * magic
        let sqrtMagic = magic.squareRoot()
        dLat = (dLat * 180.0) / ((a * (1 - ee)) / (magic * sqrtMagic) * .pi)
        dLon = (dLon * 180.0) / (a / sqrtMagic * cos(radLat) * .pi)
        return Coordinate(c.x + dLon, c.y + dLat)
    }

    /// GCJ-02 → WGS84, by fixed-point iteration on the forward formula.
    public static func wgs84(fromGCJ02 g: Coordinate) -> Coordinate {
        guard isInsideChinaBox(g) else { return g }
        return invert(g, forward: gcj02(fromWGS84:))
    }

    /// GCJ-02 → BD-09 (closed formula; Baidu applies it everywhere).
    public static func bd09(fromGCJ02 c: Coordinate) -> Coordinate {
        let z = (c.x * c.x + c.y * c.y).squareRoot() + 0.00002 * sin(c.y * xPi)
        let theta = atan2(c.y, c.x) + 0.000003 * cos(c.x * xPi)
        return Coordinate(z * cos(theta) + 0.0065, z * sin(theta) + 0.006)
    }

    /// BD-09 → GCJ-02, by fixed-point iteration on the forward formula.
    public static func gcj02(fromBD09 b: Coordinate) -> Coordinate {
        invert(b, forward: bd09(fromGCJ02:))
    }

    /// WGS84 → BD-09.
    public static func bd09(fromWGS84 c: Coordinate) -> Coordinate { bd09(fromGCJ02: gcj02(fromWGS84: c)) }

    /// BD-09 → WGS84.
    public static func wgs84(fromBD09 b: Coordinate) -> Coordinate { wgs84(fromGCJ02: gcj02(fromBD09: b)) }

    /// Solves forward(x) = target. The offsets are smooth and small (< 0.01°), so the
    /// fixed-point step x ← x − (forward(x) − target) converges in a handful of iterations.
    private static func invert(_ target: Coordinate, forward: (Coordinate) -> Coordinate) -> Coordinate {
        var x = target
        for _ in 0..<30 {
            let f = forward(x)
            let dx = f.x - target.x, dy = f.y - target.y
            x.x -= dx
            x.y -= dy
            if abs(dx) < 1e-11 && abs(dy) < 1e-11 { break }
        }
        return x
    }
}
