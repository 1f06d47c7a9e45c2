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
        (
            "parent_code",
            [
                "parent", "parent_code", "parentcode", "上级编码", "所属街道", "所属社区", "street_code", "community_code", "jdbm",
                "sqbm",
            ]
        ),
        ("households", ["households", "户数", "hh", "hhs", "household"]),
        ("population", ["population", "人口", "人口数", "pop", "常住人口"]),
        ("class", ["class", "fclass", "类别", "类型", "等级", "grade"]),
        ("date", ["date", "日期", "时间", "report_date", "created"]),
    ]

    /// The case-loop fields of events (数字城管), detected only for event layers: the usual
    /// English names, the Chinese column names of city-management systems, and Open311
    /// GeoReport v2's (`requested_datetime`, `expected_datetime`, `service_request_id` ...).
    public static let caseCandidates: [(field: String, names: [String])] = [
        ("case_id", ["case_id", "service_request_id", "案件编号", "案卷编号", "案件号", "id"]),
        ("reported_at", ["reported_at", "reported", "report_time", "上报时间", "发现时间", "受理时间", "requested_datetime"]),
        ("dispatched_at", ["dispatched_at", "dispatched", "dispatch_time", "派遣时间", "派遣日期", "dispatched_datetime"]),
        ("closed_at", ["closed_at", "closed", "close_time", "结案时间", "结案日期"]),
        ("deadline", ["deadline", "due", "due_at", "处置时限", "处置期限", "时限", "expected_datetime"]),
        ("status", ["status", "state", "案件状态", "状态"]),
        ("source", ["source", "channel", "来源", "案件来源", "上报来源"]),
        ("updated_at", ["updated_at", "updated_datetime", "更新时间"]),
        ("service", ["service_name", "service_code", "事件大类", "大类", "案件类别"]),
        ("agency", ["agency_responsible", "责任单位", "处置单位"]),
    ]

    /// The option that names a field's property (`--reported-field`).
    public static func flag(for field: String) -> String {
        switch field {
        case "parent_code": return "--parent-field"
        case "reported_at": return "--reported-field"
        case "dispatched_at": return "--dispatched-field"
        case "closed_at": return "--closed-field"
        case "case_id": return "--id-field"
        default: return "--\(field.replacingOccurrences(of: "_", with: "-"))-field"
        }
    }

    public init() {}

    /// The property of `names` detected as the standard `field` (see ``candidates``), if any.
    public static func detected(_ field: String, among names: [String]) -> String? {
        (try? FieldMapping(explicit: [:], propertyNames: names))?.sources[field]
    }

    /// Maps explicit flags first (`explicit[field] = property`), then detects the rest from
    /// `propertyNames` (the union over the layer's features).
    /// - Parameter cases: also map the case-loop fields (``caseCandidates``), for event layers.
    public init(explicit: [String: String], propertyNames: [String], cases: Bool = false) throws {
        let lowered = Dictionary(propertyNames.map { ($0.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        for (field, names) in Self.candidates + (cases ? Self.caseCandidates : []) {
            if let given = explicit[field] {
                guard propertyNames.contains(given) else {
                    throw MappingError(field: field, property: given, available: propertyNames)
                }
                sources[field] = given
                decidedBy[field] = Self.flag(for: field)
            } else if let found = names.lazy.compactMap({ lowered[$0.lowercased()] }).first {
                sources[field] = found
                decidedBy[field] = "auto-detected"
            }
        }
    }

    /// Maps nothing to `field` (a field the user named but the layer lacks is left out, not
    /// replaced by whatever detection finds).
    public mutating func leaveOut(_ field: String) {
        sources[field] = nil
        decidedBy[field] = nil
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
        (Self.candidates + Self.caseCandidates).compactMap { c in
            sources[c.field].map { "\(c.field) ← \($0) (\(decidedBy[c.field]!))" }
        }
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
