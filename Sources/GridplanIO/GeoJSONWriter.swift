import GridplanGeometry

/// Writes a GeoJSON FeatureCollection feature by feature (streaming), following RFC 7946:
/// counter-clockwise exteriors and clockwise holes, coordinates rounded to `precision` decimals
/// (7 by default, ≈ 1 cm in degrees). The caller supplies WGS84 lon/lat, or declares another
/// CRS with `crsName`, which adds the legacy `crs` member for readers such as QGIS.
///
/// Nothing appears at `path` until ``finish()``; a failed run leaves any previous file intact.
///
/// ```swift
/// let w = try GeoJSONWriter(path: "out.geojson")
/// for f in features { try w.write(f) }
/// try w.finish()
/// ```
public final class GeoJSONWriter {
    private let file: OutputFile
    public let precision: Int
    private var count = 0

    public init(path: String, precision: Int = 7, crsName: String? = nil) throws {
        self.precision = precision
        file = try OutputFile(path: path)
        var header = "{\"type\":\"FeatureCollection\","
        if let crsName {
            var name: [UInt8] = []
            JSONText.appendString(crsName, to: &name)
            header += "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\(String(decoding: name, as: UTF8.self))}},"
        }
        header += "\"features\":[\n"
        try file.write(header)
    }

    /// Number of features written so far.
    public var featureCount: Int { count }

    public func write(_ feature: Feature) throws {
        let precision = self.precision
        let first = count == 0
        try file.append { out in
            if !first { out.append(contentsOf: ",\n".utf8) }
            GeoJSONWriter.append(feature, precision: precision, to: &out)
        }
        count += 1
    }

    /// Closes the collection and moves the file into place.
    public func finish() throws {
        try file.write("\n]}\n")
        try file.commit()
    }

    /// Writes a whole collection in one call.
    public static func write(_ features: [Feature], to path: String, precision: Int = 7, crsName: String? = nil) throws
    {
        let w = try GeoJSONWriter(path: path, precision: precision, crsName: crsName)
        for f in features { try w.write(f) }
        try w.finish()
    }

    // MARK: Encoding

    /// One feature as compact JSON.
    public static func append(_ feature: Feature, precision: Int, to out: inout [UInt8]) {
        out.append(contentsOf: "{\"type\":\"Feature\",".utf8)
        if let id = feature.id {
            out.append(contentsOf: "\"id\":".utf8)
            JSONText.append(id, to: &out)
            out.append(UInt8(ascii: ","))
        }
        out.append(contentsOf: "\"properties\":".utf8)
        JSONText.appendObject(feature.properties, to: &out)
        out.append(contentsOf: ",\"geometry\":".utf8)
        if let g = feature.geometry {
            appendGeometry(g.orientedForRFC7946(), precision: precision, to: &out)
        } else {
            out.append(contentsOf: "null".utf8)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// A geometry object as compact JSON (orientation as given).
    public static func appendGeometry(_ g: Geometry, precision: Int, to out: inout [UInt8]) {
        out.append(contentsOf: "{\"type\":\"".utf8)
        out.append(contentsOf: g.typeName.utf8)
        out.append(UInt8(ascii: "\""))
        if case .geometryCollection(let parts) = g {
            out.append(contentsOf: ",\"geometries\":[".utf8)
            for (i, p) in parts.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendGeometry(p, precision: precision, to: &out)
            }
            out.append(contentsOf: "]}".utf8)
            return
        }
        out.append(contentsOf: ",\"coordinates\":".utf8)
        switch g {
        case .point(let c): appendPosition(c, precision, &out)
        case .multiPoint(let cs), .lineString(let cs): appendPositions(cs, precision, &out)
        case .multiLineString(let ls): appendList(ls, precision, &out)
        case .polygon(let p): appendList(p.rings, precision, &out)
        case .multiPolygon(let ps):
            out.append(UInt8(ascii: "["))
            for (i, p) in ps.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendList(p.rings, precision, &out)
            }
            out.append(UInt8(ascii: "]"))
        case .geometryCollection: break
        }
        out.append(UInt8(ascii: "}"))
    }

    @inline(__always)
    private static func appendPosition(_ c: Coordinate, _ precision: Int, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        JSONText.appendFixed(c.x, decimals: precision, to: &out)
        out.append(UInt8(ascii: ","))
        JSONText.appendFixed(c.y, decimals: precision, to: &out)
        out.append(UInt8(ascii: "]"))
    }

    private static func appendPositions(_ cs: [Coordinate], _ precision: Int, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (i, c) in cs.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendPosition(c, precision, &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    private static func appendList(_ list: [[Coordinate]], _ precision: Int, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (i, cs) in list.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendPositions(cs, precision, &out)
        }
        out.append(UInt8(ascii: "]"))
    }
}
