import Foundation

extension Geometry {
    /// Well-Known Text of the value, with `precision` decimals (trailing zeros trimmed), without
    /// a GEOS context; `nil` precision writes the shortest exact form.
    public func wkt(precision: Int? = nil) -> String {
        var s = ""
        func number(_ d: Double) -> String {
            guard let precision else { return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d) }
            var text = String(format: "%.\(precision)f", d)
            if text.contains(".") {
                while text.hasSuffix("0") { text.removeLast() }
                if text.hasSuffix(".") { text.removeLast() }
            }
            return text == "-0" ? "0" : text
        }
        // An empty member of a multi-geometry is EMPTY, never "()", which no WKT reader accepts.
        func seq(_ cs: [Coordinate]) -> String {
            cs.isEmpty ? "EMPTY" : "(" + cs.map { "\(number($0.x)) \(number($0.y))" }.joined(separator: ", ") + ")"
        }
        func rings(_ p: Polygon) -> String {
            p.rings.isEmpty ? "EMPTY" : "(" + p.rings.map(seq).joined(separator: ", ") + ")"
        }
        switch self {
        case .point(let c): s = "POINT (\(number(c.x)) \(number(c.y)))"
        case .multiPoint(let cs):
            s =
                cs.isEmpty
                ? "MULTIPOINT EMPTY"
                : "MULTIPOINT (" + cs.map { "(\(number($0.x)) \(number($0.y)))" }.joined(separator: ", ") + ")"
        case .lineString(let cs): s = cs.isEmpty ? "LINESTRING EMPTY" : "LINESTRING " + seq(cs)
        case .multiLineString(let ls):
            s = ls.isEmpty ? "MULTILINESTRING EMPTY" : "MULTILINESTRING (" + ls.map(seq).joined(separator: ", ") + ")"
        case .polygon(let p): s = p.rings.isEmpty ? "POLYGON EMPTY" : "POLYGON " + rings(p)
        case .multiPolygon(let ps):
            s = ps.isEmpty ? "MULTIPOLYGON EMPTY" : "MULTIPOLYGON (" + ps.map(rings).joined(separator: ", ") + ")"
        case .geometryCollection(let gs):
            s =
                gs.isEmpty
                ? "GEOMETRYCOLLECTION EMPTY"
                : "GEOMETRYCOLLECTION (" + gs.map { $0.wkt(precision: precision) }.joined(separator: ", ") + ")"
        }
        return s
    }
}
