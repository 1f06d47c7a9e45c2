/// A JSON value as found in GeoJSON properties. Objects keep their key order, so a file read
/// and written again keeps its properties in the same order; integers stay integers.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The JSON type name, as `gridplan info` reports property types.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .integer: return "integer"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value as a number, if it is one (integers included).
    public var doubleValue: Double? {
        switch self {
        case .integer(let n): return Double(n)
        case .number(let d): return d
        default: return nil
        }
    }

    /// The value as an integer, if it is an integer or a whole number.
    public var intValue: Int64? {
        switch self {
        case .integer(let n): return n
        case .number(let d) where d == d.rounded() && abs(d) < 9e18: return Int64(d)
        default: return nil
        }
    }

    /// A short text form of a scalar: strings as they are, numbers in JSON form.
    public var text: String {
        switch self {
        case .null: return ""
        case .bool(let b): return b ? "true" : "false"
        case .integer(let n): return String(n)
        case .number(let d): return JSONText.number(d)
        case .string(let s): return s
        case .array, .object: return JSONText.encode(self)
        }
    }
}

/// A JSON object with keys in insertion order. Lookups are linear, which is the fastest choice
/// for the handful of keys a GeoJSON feature's properties have.
public struct JSONObject: Hashable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var entries: [(key: String, value: JSONValue)]

    public init() { entries = [] }

    /// An object of `entries` in order; of a repeated key, the first place and the last value.
    public init(_ entries: [(key: String, value: JSONValue)]) {
        self.entries = []
        self.entries.reserveCapacity(entries.count)
        guard entries.count > 16 else {
            for (k, v) in entries { self[k] = v }
            return
        }
        // Many keys (a per-unit table): an index keeps this linear.
        var index: [String: Int] = [:]
        index.reserveCapacity(entries.count)
        for (k, v) in entries {
            if let i = index[k] {
                self.entries[i].value = v
            } else {
                index[k] = self.entries.count
                self.entries.append((k, v))
            }
        }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { (key: $0.0, value: $0.1) })
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public var keys: [String] { entries.map(\.key) }

    public subscript(key: String) -> JSONValue? {
        get { entries.first(where: { $0.key == key })?.value }
        set {
            if let i = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    /// Appends without checking for an existing key; for parsers that have already checked.
    mutating func appendUnchecked(_ key: String, _ value: JSONValue) {
        entries.append((key, value))
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> { entries.makeIterator() }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.entries.count == b.entries.count
            && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(entries.count)
        for (k, v) in entries {
            hasher.combine(k)
            hasher.combine(v)
        }
    }
}
