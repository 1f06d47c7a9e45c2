import Foundation

/// Encodes an `Encodable` report into a ``JSONValue``, keys in the order the type encodes them, so
/// `--json` documents come from typed report structs and print as ``JSONText`` prints (the same
/// numbers, the same key order) rather than from hand-built dictionaries.
///
/// A nil optional prints as `null`, not as a missing key: scripts read every key of a report
/// whether or not it has a value (synthesised `Encodable` calls `encodeIfPresent`, which writes
/// `null` here).
///
/// ```swift
/// struct Summary: Encodable { var units: Int; var coverageRatio: Double
///     enum CodingKeys: String, CodingKey { case units; case coverageRatio = "coverage_ratio" } }
/// let text = JSONText.encode(try JSONValueEncoder.encode(Summary(units: 3, coverageRatio: 0.99)))
/// ```
public enum JSONValueEncoder {
    public static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        if let v = value as? JSONValue { return v }
        let root = Node()
        try value.encode(to: TreeEncoder(node: root, codingPath: []))
        return root.value
    }

    /// A value under construction: objects and arrays are filled in place by their containers.
    final class Node {
        enum Kind {
            case empty
            case scalar(JSONValue)
            case object([(String, Node)])
            case array([Node])
        }
        var kind: Kind = .empty

        var value: JSONValue {
            switch kind {
            case .empty: return .object(JSONObject())
            case .scalar(let v): return v
            case .object(let entries): return .object(JSONObject(entries.map { (key: $0.0, value: $0.1.value) }))
            case .array(let nodes): return .array(nodes.map(\.value))
            }
        }

        /// Where each key sits in an object's entries, so that encoding N keys is O(N), not O(N²).
        private var keyIndex: [String: Int] = [:]

        func child(forKey key: String) -> Node {
            let n = Node()
            var entries: [(String, Node)] = []
            if case .object(let e) = kind { entries = e }
            // Left holding the only reference, the entries grow in place.
            kind = .empty
            if keyIndex.count != entries.count {
                keyIndex = [:]
                for (i, e) in entries.enumerated() { keyIndex[e.0] = i }
            }
            if let i = keyIndex[key] {
                entries[i].1 = n
            } else {
                keyIndex[key] = entries.count
                entries.append((key, n))
            }
            kind = .object(entries)
            return n
        }

        func appended() -> Node {
            let n = Node()
            var nodes: [Node] = []
            if case .array(let a) = kind { nodes = a }
            kind = .empty
            nodes.append(n)
            kind = .array(nodes)
            return n
        }
    }

    struct TreeEncoder: Encoder {
        let node: Node
        var codingPath: [CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if case .object = node.kind {} else { node.kind = .object([]) }
            return KeyedEncodingContainer(Keyed<Key>(node: node, codingPath: codingPath))
        }

        func unkeyedContainer() -> UnkeyedEncodingContainer {
            if case .array = node.kind {} else { node.kind = .array([]) }
            return Unkeyed(node: node, codingPath: codingPath)
        }

        func singleValueContainer() -> SingleValueEncodingContainer { Single(node: node, codingPath: codingPath) }
    }

    /// The JSON of a scalar, or nil when `value` is not one.
    static func scalar<T: Encodable>(_ value: T) -> JSONValue? {
        switch value {
        case let v as JSONValue: return v
        case let v as String: return .string(v)
        case let v as Bool: return .bool(v)
        case let v as Int: return .integer(Int64(v))
        case let v as Int64: return .integer(v)
        case let v as Int32: return .integer(Int64(v))
        case let v as UInt64: return v <= UInt64(Int64.max) ? .integer(Int64(v)) : .number(Double(v))
        case let v as Double: return v.isFinite ? .number(v) : .null
        case let v as Float: return v.isFinite ? .number(Double(v)) : .null
        default: return nil
        }
    }

    static func put<T: Encodable>(_ value: T, into node: Node, codingPath: [CodingKey]) throws {
        if let s = scalar(value) {
            node.kind = .scalar(s)
        } else {
            try value.encode(to: TreeEncoder(node: node, codingPath: codingPath))
        }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: Node
        var codingPath: [CodingKey]

        mutating func encodeNil(forKey key: Key) throws { node.child(forKey: key.stringValue).kind = .scalar(.null) }

        mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
        }
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
            try encodeIfPresent(value as String??, key)
        }
        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
            try encodeIfPresent(value as Bool??, key)
        }
        mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
            try encodeIfPresent(value as Double??, key)
        }
        mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws {
            try encodeIfPresent(value as Float??, key)
        }
        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
            try encodeIfPresent(value as Int??, key)
        }
        mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws {
            try encodeIfPresent(value as Int32??, key)
        }
        mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
            try encodeIfPresent(value as Int64??, key)
        }
        mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws {
            try encodeIfPresent(value as UInt64??, key)
        }

        private mutating func encodeIfPresent<T: Encodable>(_ value: T??, _ key: Key) throws {
            if let v = value ?? nil { try encode(v, forKey: key) } else { try encodeNil(forKey: key) }
        }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            try JSONValueEncoder.put(value, into: node.child(forKey: key.stringValue), codingPath: codingPath + [key])
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            let child = node.child(forKey: key.stringValue)
            child.kind = .object([])
            return KeyedEncodingContainer(Keyed<NestedKey>(node: child, codingPath: codingPath + [key]))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
            let child = node.child(forKey: key.stringValue)
            child.kind = .array([])
            return Unkeyed(node: child, codingPath: codingPath + [key])
        }

        mutating func superEncoder() -> Encoder {
            TreeEncoder(node: node.child(forKey: "super"), codingPath: codingPath)
        }
        mutating func superEncoder(forKey key: Key) -> Encoder {
            TreeEncoder(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key])
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let node: Node
        var codingPath: [CodingKey]
        var count: Int {
            if case .array(let nodes) = node.kind { return nodes.count }
            return 0
        }

        mutating func encodeNil() throws { node.appended().kind = .scalar(.null) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            try JSONValueEncoder.put(value, into: node.appended(), codingPath: codingPath)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<
            NestedKey
        > {
            let child = node.appended()
            child.kind = .object([])
            return KeyedEncodingContainer(Keyed<NestedKey>(node: child, codingPath: codingPath))
        }

        mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
            let child = node.appended()
            child.kind = .array([])
            return Unkeyed(node: child, codingPath: codingPath)
        }

        mutating func superEncoder() -> Encoder { TreeEncoder(node: node.appended(), codingPath: codingPath) }
    }

    struct Single: SingleValueEncodingContainer {
        let node: Node
        var codingPath: [CodingKey]
        mutating func encodeNil() throws { node.kind = .scalar(.null) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            try JSONValueEncoder.put(value, into: node, codingPath: codingPath)
        }
    }
}

/// A JSONValue encodes as the JSON it is, with any encoder.
extension JSONValue: Encodable {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .integer(let n):
            var c = encoder.singleValueContainer()
            try c.encode(n)
        case .number(let d):
            var c = encoder.singleValueContainer()
            try c.encode(d)
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .array(let a):
            var c = encoder.unkeyedContainer()
            for v in a { try c.encode(v) }
        case .object(let o):
            var c = encoder.container(keyedBy: Key.self)
            for (k, v) in o { try c.encode(v, forKey: Key(stringValue: k)) }
        }
    }
}

extension JSONObject: Encodable {
    public func encode(to encoder: Encoder) throws { try JSONValue.object(self).encode(to: encoder) }
}
