import GridplanIO
import GridplanSQLite

/// Which source property feeds each standard field (code, name, parent, households, ...): given
/// by flags or detected from the usual names Chinese government data uses, and reported to the
/// user either way.
public struct FieldMapping: Sendable, Equatable {
    /// Standard field → source property name.
    public private(set) var sources: [String: String] = [:]
    /// How each mapping was decided ("--code-field" or "auto-detected").
    public private(set) var decidedBy: [String: String] = [:]

    /// The standard fields, in report order, with the names that are detected automatically
    /// (compared case-insensitively).
    public static let candidates: [(field: String, names: [String])] = [
        ("code", ["code", "adcode", "编码", "代码", "标识码", "grid_code", "gridcode", "网格编码", "社区编码", "街道编码", "bm", "dm"]),
        ("name", ["name", "名称", "mc", "网格名称", "社区名称", "街道名称", "道路名称", "road_name"]),
        ("parent_code", ["parent", "parent_code", "parentcode", "上级编码", "所属街道", "所属社区", "street_code", "community_code", "jdbm", "sqbm"]),
        ("households", ["households", "户数", "hh", "hhs", "household"]),
        ("population", ["population", "人口", "人口数", "pop", "常住人口"]),
        ("class", ["class", "fclass", "类别", "类型", "等级", "grade"]),
        ("date", ["date", "日期", "时间", "report_date", "created"]),
    ]

    public init() {}

    /// Maps explicit flags first (`explicit[field] = property`), then detects the rest from
    /// `propertyNames` (the union over the layer's features).
    public init(explicit: [String: String], propertyNames: [String]) throws {
        let lowered = Dictionary(propertyNames.map { ($0.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        for (field, names) in Self.candidates {
            if let given = explicit[field] {
                guard propertyNames.contains(given) else {
                    throw MappingError(field: field, property: given, available: propertyNames)
                }
                sources[field] = given
                decidedBy[field] = "--\(field == "parent_code" ? "parent" : field)-field"
            } else if let found = names.lazy.compactMap({ lowered[$0.lowercased()] }).first {
                sources[field] = found
                decidedBy[field] = "auto-detected"
            }
        }
    }

    /// The SQL value for a standard column of a feature: integers for counts, text otherwise.
    func value(for column: String, in properties: JSONObject, layer: StoreLayer) -> SQLValue {
        guard let source = sources[column], let v = properties[source] else { return .null }
        switch column {
        case "households", "population":
            if let n = v.intValue { return .integer(n) }
            if case .string(let s) = v, let n = Int64(s.trimmingCharacters(in: .whitespaces)) { return .integer(n) }
            return .null
        default:
            switch v {
            case .null: return .null
            case .integer(let n): return .text(String(n))
            default: return .text(v.text)
            }
        }
    }

    /// One line per mapped field: `code ← adcode (auto-detected)`.
    public var report: [String] {
        Self.candidates.compactMap { c in sources[c.field].map { "\(c.field) ← \($0) (\(decidedBy[c.field]!))" } }
    }
}

/// A field flag that names a property the layer does not have.
public struct MappingError: Error, CustomStringConvertible, Sendable {
    public var field: String
    public var property: String
    public var available: [String]
    public var description: String {
        "no property '\(property)' for \(field) (the layer has: \(available.isEmpty ? "no properties" : available.joined(separator: ", ")))"
    }
}
