import Foundation
import GridplanGeometry

/// Open311 GeoReport v2 service requests (the open form of a reported case, served by many
/// cities' 311 systems and FixMyStreet) as JSON: an array of request objects with `lat` and
/// `long` in WGS84, read as point features whose properties are the request's fields as they are
/// (and the members of `extended_attributes` beside them).
///
/// ```swift
/// let requests = try Open311.read(bytes: bytes, name: "requests.json")
/// requests.features[0].properties["requested_datetime"]
/// ```
public enum Open311 {
    /// The fields of a GeoReport v2 request, in the order the specification lists them.
    public static let fields = [
        "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
        "agency_responsible",
        "service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address", "address_id",
        "zipcode",
        "lat", "long", "media_url",
    ]

    /// Whether `bytes` look like a request list: a JSON array, or an object with a
    /// `service_requests` array (how some servers wrap it).
    public static func isRequestList(_ bytes: [UInt8]) -> Bool {
        var i = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3 }
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        guard i < bytes.count else { return false }
        if bytes[i] == UInt8(ascii: "[") { return true }
        // A GeoJSON object names its type; a wrapped request list names service_requests first.
        let head = String(decoding: bytes[i..<min(bytes.count, i + 200)], as: UTF8.self)
        return head.contains("\"service_requests\"")
    }

    /// Reads a request list.
    /// - Throws: `GeoJSONError` for JSON that does not parse, naming the line and column;
    ///   ``Open311Error`` for a request that is not an object or whose position is not numbers.
    public static func read(bytes: [UInt8], name: String) throws -> FeatureCollection {
        var value = try JSONText.decode(bytes, name: name)
        if case .object(let o) = value, let list = o["service_requests"] { value = list }
        guard case .array(let items) = value else {
            throw Open311Error(file: name, reason: "expected an array of service requests")
        }
        var features: [Feature] = []
        features.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard case .object(let request) = item else {
                throw Open311Error(file: name, reason: "request \(i): not an object")
            }
            func degrees(_ key: String) throws -> Double? {
                switch request[key] {
                case nil, .null?: return nil
                case .string(let s)? where s.trimmingCharacters(in: .whitespaces).isEmpty: return nil
                case .string(let s)?:
                    guard let d = Double(s.trimmingCharacters(in: .whitespaces)), d.isFinite else {
                        throw Open311Error(file: name, reason: "request \(i): \(key) '\(s)' is not a number")
                    }
                    return d
                case let v?:
                    guard let d = v.doubleValue, d.isFinite else {
                        throw Open311Error(file: name, reason: "request \(i): \(key) is not a number")
                    }
                    return d
                }
            }
            let lat = try degrees("lat"), lon = try degrees("long")
            let geometry: Geometry? = lat.flatMap { la in lon.map { .point(Coordinate($0, la)) } }
            // Extensions (`extended_attributes`) are read as fields of their own where no standard field has the name.
            var properties = request
            if case .object(let extensions)? = request["extended_attributes"] {
                properties["extended_attributes"] = nil
                for (k, v) in extensions where properties[k] == nil { properties[k] = v }
            }
            features.append(Feature(id: request["service_request_id"], geometry: geometry, properties: properties))
        }
        return FeatureCollection(features: features)
    }

    /// The JSON text of a request list, one request per line.
    public static func encode(_ requests: [JSONObject]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (i, r) in requests.enumerated() {
            out.append(contentsOf: (i == 0 ? "\n" : ",\n").utf8)
            JSONText.appendObject(r, to: &out)
        }
        out.append(contentsOf: "\n]\n".utf8)
        return out
    }
}

/// A request list that cannot be read as Open311.
public struct Open311Error: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var reason: String
    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }
    public var description: String { "\(file): \(reason)" }
}
