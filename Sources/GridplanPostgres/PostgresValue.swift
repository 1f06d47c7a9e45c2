/// A value bound to a parameter (`$1`) or read from a result column.
///
/// Parameters go to the server apart from the SQL text (`PQexecParams`), so no value is ever
/// parsed as SQL. How each case is sent:
/// - `text`: untyped (OID 0), like a quoted literal, so the server gives it whatever type its
///   place needs (a `date`, `jsonb` or `geometry` column); write `$1::text` where nothing does.
/// - `integer`: `int4` when it fits, else `int8`: an `int4` still widens to `int8` or `float8`
///   implicitly, and functions declared with `integer` (`ST_SetSRID`) resolve.
/// - `double`: `float8`; `bool`: `bool`; `bytea`: `bytea` in binary (no hex escaping).
/// Results are read as text and typed by column: `int2`/`int4`/`int8`/`oid` become `integer`,
/// `float4`/`float8` `double`, `bool` `bool`, `bytea` `bytea`, everything else (`numeric`,
/// `geometry` as hex EWKB, dates) `text`.
public enum PostgresValue: Equatable, Sendable {
    case null
    case text(String)
    case integer(Int64)
    case double(Double)
    case bool(Bool)
    case bytea([UInt8])
}

/// Built-in type OIDs. They are fixed in the system catalog's bootstrap data and the same in
/// every PostgreSQL release, so they need no lookup.
enum TypeOID {
    static let unknown: UInt32 = 0
    static let bool: UInt32 = 16
    static let bytea: UInt32 = 17
    static let int8: UInt32 = 20
    static let int2: UInt32 = 21
    static let int4: UInt32 = 23
    static let oid: UInt32 = 26
    static let float4: UInt32 = 700
    static let float8: UInt32 = 701
    /// Types whose binary form is their UTF-8 text: text, varchar, bpchar, name, json, unknown.
    static let textual: Set<UInt32> = [25, 1043, 1042, 19, 114, 705]
}

/// How a result's cells travel from the server (the `resultFormat` of `PQexecParams`).
public enum ResultFormat: Sendable {
    /// Every cell as text: any type, as psql would print it.
    case text
    /// Cells in their types' binary send formats. Decoded here: bool, int2/4/8, oid, float4/8,
    /// bytea and the textual types (text, varchar, bpchar, name, json); any other type comes back
    /// as its raw bytes (`.bytea`), so cast such columns to text in the query.
    case binary
}

extension PostgresValue {
    /// How the value travels as a parameter: its type OID, its bytes (nil for NULL) and
    /// whether they are binary.
    func encodedParameter(index: Int) throws -> (oid: UInt32, bytes: [UInt8]?, binary: Bool) {
        switch self {
        case .null: return (TypeOID.unknown, nil, false)
        case .text(let s):
            // Text parameters are C strings: a NUL would silently cut the value short.
            guard !s.utf8.contains(0) else {
                throw PostgresError.client(
                    "parameter $\(index) holds a NUL character, which PostgreSQL text cannot store")
            }
            return (TypeOID.unknown, Array(s.utf8), false)
        case .integer(let n):
            return (Int32(exactly: n) == nil ? TypeOID.int8 : TypeOID.int4, Array(String(n).utf8), false)
        case .double(let d): return (TypeOID.float8, Array(Self.floatText(d).utf8), false)
        case .bool(let b): return (TypeOID.bool, Array((b ? "t" : "f").utf8), false)
        case .bytea(let bytes): return (TypeOID.bytea, bytes, true)
        }
    }

    /// A double as `float8in` reads it: Swift's shortest round-trip digits, and PostgreSQL's
    /// spellings of the non-finite values.
    static func floatText(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        return String(d)
    }

    /// A text-format result cell decoded by its column's type.
    static func decoded(type: UInt32, text: UnsafeRawBufferPointer) -> PostgresValue {
        let string = String(decoding: text, as: UTF8.self)
        switch type {
        case TypeOID.int2, TypeOID.int4, TypeOID.int8, TypeOID.oid:
            return Int64(string).map(PostgresValue.integer) ?? .text(string)
        case TypeOID.float4, TypeOID.float8:
            return Double(string).map(PostgresValue.double) ?? .text(string)
        case TypeOID.bool: return .bool(string == "t")
        default: return .text(string)
        }
    }

    /// A binary-format result cell decoded by its column's type (network byte order).
    static func decoded(type: UInt32, binary: UnsafeRawBufferPointer) -> PostgresValue {
        func bigEndian(_ width: Int) -> UInt64? {
            guard binary.count == width else { return nil }
            var v: UInt64 = 0
            for b in binary { v = v << 8 | UInt64(b) }
            return v
        }
        switch type {
        case TypeOID.bool: return binary.count == 1 ? .bool(binary[0] != 0) : .bytea(Array(binary))
        case TypeOID.int2:
            return bigEndian(2).map { .integer(Int64(Int16(truncatingIfNeeded: $0))) } ?? .bytea(Array(binary))
        case TypeOID.int4:
            return bigEndian(4).map { .integer(Int64(Int32(truncatingIfNeeded: $0))) } ?? .bytea(Array(binary))
        case TypeOID.oid: return bigEndian(4).map { .integer(Int64($0)) } ?? .bytea(Array(binary))
        case TypeOID.int8: return bigEndian(8).map { .integer(Int64(bitPattern: $0)) } ?? .bytea(Array(binary))
        case TypeOID.float4:
            return bigEndian(4).map { .double(Double(Float(bitPattern: UInt32($0)))) } ?? .bytea(Array(binary))
        case TypeOID.float8: return bigEndian(8).map { .double(Double(bitPattern: $0)) } ?? .bytea(Array(binary))
        case _ where TypeOID.textual.contains(type): return .text(String(decoding: binary, as: UTF8.self))
        default: return .bytea(Array(binary))
        }
    }

    /// The case's name, for type-mismatch messages.
    var kind: String {
        switch self {
        case .null: "NULL"
        case .text: "text"
        case .integer: "integer"
        case .double: "double"
        case .bool: "bool"
        case .bytea: "bytea"
        }
    }
}

/// The column names of one result, shared by all its rows.
final class PostgresColumns: Sendable {
    let names: [String]
    let index: [String: Int]

    init(_ names: [String]) {
        self.names = names
        // A duplicated name (`SELECT 1 AS a, 2 AS a`) resolves to its first column, as in psql.
        self.index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

/// One result row: values by position or by column name.
public struct PostgresRow: Sendable, Equatable {
    let columns: PostgresColumns
    /// The values, in column order.
    public let values: [PostgresValue]

    /// The column names, in order.
    public var columnNames: [String] { columns.names }

    /// The value at `index`.
    public subscript(_ index: Int) -> PostgresValue { values[index] }

    /// The value in `column`.
    /// - Throws: `PostgresError` naming the column and the ones the row has, if it has no such column.
    public func value(_ column: String) throws -> PostgresValue {
        guard let i = columns.index[column] else {
            throw PostgresError.client(
                "no column \"\(column)\" in the result (it has: \(columns.names.joined(separator: ", ")))")
        }
        return values[i]
    }

    /// Whether `column` is NULL.
    public func isNull(_ column: String) throws -> Bool { try value(column) == .null }

    /// `column` as text; nil when NULL.
    /// - Throws: `PostgresError` if the column is missing or not text (cast in SQL: `x::text`).
    public func string(_ column: String) throws -> String? {
        try typed(column, "text") { if case .text(let s) = $0 { s } else { nil } }
    }

    /// `column` as an integer (`int2`, `int4`, `int8`, `oid`); nil when NULL.
    /// - Throws: `PostgresError` if the column is missing or not an integer.
    public func int(_ column: String) throws -> Int? {
        try typed(column, "integer") { if case .integer(let n) = $0 { Int(exactly: n) } else { nil } }
    }

    /// `column` as a double (`float4`, `float8`, or an integer column); nil when NULL.
    /// - Throws: `PostgresError` if the column is missing or not a number of those types.
    public func double(_ column: String) throws -> Double? {
        try typed(column, "double") {
            switch $0 {
            case .double(let d): d
            case .integer(let n): Double(n)
            default: nil
            }
        }
    }

    /// `column` as a bool; nil when NULL.
    /// - Throws: `PostgresError` if the column is missing or not a bool.
    public func bool(_ column: String) throws -> Bool? {
        try typed(column, "bool") { if case .bool(let b) = $0 { b } else { nil } }
    }

    /// `column` as bytes (`bytea`); nil when NULL.
    /// - Throws: `PostgresError` if the column is missing or not bytea.
    public func bytes(_ column: String) throws -> [UInt8]? {
        try typed(column, "bytea") { if case .bytea(let b) = $0 { b } else { nil } }
    }

    private func typed<T>(_ column: String, _ wanted: String, _ extract: (PostgresValue) -> T?) throws -> T? {
        let v = try value(column)
        if v == .null { return nil }
        guard let t = extract(v) else {
            throw PostgresError.client("column \"\(column)\" holds \(v.kind), not \(wanted)")
        }
        return t
    }

    public static func == (a: PostgresRow, b: PostgresRow) -> Bool {
        a.values == b.values && a.columns.names == b.columns.names
    }
}

/// The outcome of one statement: its rows (empty for commands) and its command tag.
public struct PostgresResult: Sendable {
    /// The column names, in order (empty for commands).
    public let columnNames: [String]
    /// Every row, copied out of libpq's result.
    public let rows: [PostgresRow]
    /// The command tag: `INSERT 0 3`, `SELECT 2`, `COPY 100000`, `ROLLBACK`.
    public let commandTag: String
    /// Rows inserted, updated, deleted, fetched or copied (`PQcmdTuples`); 0 when the command reports none.
    public let affectedRows: Int
}
