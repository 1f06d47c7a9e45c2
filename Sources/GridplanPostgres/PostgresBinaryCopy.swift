internal import CLibPQ
import Foundation

/// The type a column of a binary COPY receives, whose binary form the rows must carry: checked
/// against the table's own column types before any row is sent.
public enum PostgresCopyType: Sendable, Equatable {
    case int8, float8, text, bool, bytea
    /// A type by its name in `pg_type` (`geometry`), whose binary receive format the caller
    /// writes itself with ``PostgresBinaryRows/appendField(_:)`` (PostGIS reads EWKB).
    case named(String)

    var typeName: String {
        switch self {
        case .int8: return "int8"
        case .float8: return "float8"
        case .text: return "text"
        case .bool: return "bool"
        case .bytea: return "bytea"
        case .named(let n): return n
        }
    }
}

extension PostgresConnection {
    /// Streams rows into `table` with `COPY … FROM STDIN (FORMAT binary)`: each value in its
    /// type's binary form, so the server parses no text (no digits, no hex geometry) and the
    /// rows can be built on another thread (``PostgresBinaryRows``) while this one sends.
    ///
    /// The columns' types are read from the catalog first and must be the ones named: a binary
    /// `int8` sent to an `int4` column would be refused or misread, so a table whose types
    /// differ fails before any data with a message naming the column.
    /// Otherwise as ``copy(into:schema:columns:_:)``: a refused value fails the whole COPY when
    /// the data ends; if `body` throws, the COPY is aborted and nothing it sent stays; it runs
    /// in the caller's transaction if one is open.
    /// ```swift
    /// try db.copyBinary(into: "counts", columns: [("id", .int8), ("name", .text)]) { copy in
    ///     var rows = PostgresBinaryRows(columnCount: 2)
    ///     rows.startRow(); rows.append(Int64(1)); try rows.append("一")
    ///     try copy.send(rows)
    /// }
    /// ```
    /// - Parameters:
    ///   - table: the table's name, quoted here.
    ///   - schema: its schema, quoted here; nil for the search path.
    ///   - columns: the columns each row fills, in order (quoted here), with their types.
    ///   - body: sends the rows.
    /// - Returns: the number of rows the server stored.
    /// - Throws: what `body` throws, or `PostgresError` (a type mismatch names the column; a
    ///   refused value names its row and column).
    @discardableResult
    public func copyBinary(
        into table: String, schema: String? = nil, columns: [(name: String, type: PostgresCopyType)],
        _ body: (PostgresBinaryCopy) throws -> Void
    ) throws -> Int {
        let target = try (schema.map { try quoteIdentifier($0) + "." } ?? "") + quoteIdentifier(table)
        try checkColumnTypes(of: target, columns)
        let list = try columns.map { try quoteIdentifier($0.name) }.joined(separator: ", ")
        let copy = PostgresBinaryCopy(connection: self, columnCount: columns.count)
        defer { copy.isFinished = true }
        return try copyIn("COPY \(target) (\(list)) FROM STDIN (FORMAT binary)") {
            try putCopyData(PostgresBinaryRows.header)
            try body(copy)
            try putCopyData(PostgresBinaryRows.trailer)
        }
    }

    private func checkColumnTypes(of target: String, _ columns: [(name: String, type: PostgresCopyType)]) throws {
        let rows = try execute(
            """
            SELECT a.attname AS name, t.typname AS type FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
            WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
            """, [.text(target)]
        ).rows
        var types: [String: String] = [:]
        for r in rows { if let n = try r.string("name"), let t = try r.string("type") { types[n] = t } }
        for c in columns where types[c.name] != c.type.typeName {
            let found = types[c.name].map { "has type \($0)" } ?? "does not exist"
            throw PostgresError.client(
                "column \(c.name) of \(target) \(found); the binary COPY sends \(c.type.typeName)")
        }
    }
}

/// Sends the rows of a running binary COPY; handed to the body of ``PostgresConnection/copyBinary(into:schema:columns:_:)``.
public final class PostgresBinaryCopy {
    private unowned let connection: PostgresConnection
    private let columnCount: Int
    var isFinished = false

    init(connection: PostgresConnection, columnCount: Int) {
        self.connection = connection
        self.columnCount = columnCount
    }

    /// Sends `rows` as they are (`PQputCopyData`).
    /// - Throws: `PostgresError` if the rows were built for another column count, their last
    ///   row is incomplete, or the COPY is over; `CopyInterrupted` (turned into the server's
    ///   error) when the connection refuses the data.
    public func send(_ rows: PostgresBinaryRows) throws {
        guard !isFinished else {
            throw PostgresError.client("the COPY is over: send rows only inside copyBinary(into:columns:_:)")
        }
        guard rows.columnCount == columnCount, rows.isComplete else {
            throw PostgresError.client(
                "binary COPY rows of \(rows.columnCount) columns (last row complete: \(rows.isComplete)) for \(columnCount) columns"
            )
        }
        guard !rows.bytes.isEmpty else { return }
        try connection.putCopyData(rows.bytes)
    }
}

/// Rows in COPY's binary format, built apart from the connection, on any thread, and sent
/// whole by ``PostgresBinaryCopy/send(_:)``.
///
/// Each row is a field count and then, per field, a big-endian length (-1 for NULL) and the
/// value in its type's binary receive format: `int8` and `float8` as 8 big-endian bytes, `text`
/// as its UTF-8 bytes, `bool` as one byte.
public struct PostgresBinaryRows: Sendable {
    public let columnCount: Int
    /// Rows started so far.
    public private(set) var count = 0
    private(set) var bytes: [UInt8] = []
    private var fieldsInRow = 0

    /// COPY binary's signature, flags (none) and header extension length (none).
    static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]
    /// The field count -1 that ends the data.
    static let trailer: [UInt8] = [0xFF, 0xFF]

    /// - Parameter reservingBytes: room to reserve up front, for rows of a known size.
    public init(columnCount: Int, reservingBytes: Int = 0) {
        precondition(columnCount > 0 && columnCount <= Int(Int16.max), "a COPY row has 1 to 32767 columns")
        self.columnCount = columnCount
        bytes.reserveCapacity(reservingBytes)
    }

    /// Whether every row started has all its fields.
    public var isComplete: Bool { count == 0 || fieldsInRow == columnCount }

    /// Bytes held.
    public var byteCount: Int { bytes.count }

    /// Starts a row; its fields follow in column order.
    public mutating func startRow() {
        precondition(isComplete, "a COPY row has \(fieldsInRow) of its \(columnCount) fields")
        putBigEndian(UInt16(columnCount))
        count += 1
        fieldsInRow = 0
    }

    public mutating func appendNull() {
        field()
        putBigEndian(UInt32(bitPattern: -1))
    }

    public mutating func append(_ value: Int64) {
        field()
        putBigEndian(UInt32(8))
        putBigEndian(UInt64(bitPattern: value))
    }

    public mutating func append(_ value: Double) {
        field()
        putBigEndian(UInt32(8))
        putBigEndian(value.bitPattern)
    }

    public mutating func append(_ value: Bool) {
        field()
        putBigEndian(UInt32(1))
        bytes.append(value ? 1 : 0)
    }

    /// A `text` value: its UTF-8 bytes.
    /// - Throws: `PostgresError` if it holds a NUL, which PostgreSQL text cannot store.
    public mutating func append(_ value: String) throws {
        var value = value
        try value.withUTF8 { utf8 in
            guard utf8.isEmpty || memchr(utf8.baseAddress!, 0, utf8.count) == nil else {
                throw PostgresError.client("a COPY value holds a NUL character, which PostgreSQL text cannot store")
            }
            field()
            putBigEndian(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// A `text` value known to hold no NUL (JSON text, whose control characters are escaped).
    public mutating func append(trustedText value: String) {
        var value = value
        value.withUTF8 { utf8 in
            field()
            putBigEndian(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// A `bytea` value, or any value whose binary form is given as bytes.
    public mutating func append(bytes value: some Collection<UInt8>) {
        field()
        putBigEndian(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// A value `write` appends in its type's binary form (for `.named` types: EWKB for PostGIS
    /// geometry); its length is filled in afterwards.
    public mutating func appendField(_ write: (inout [UInt8]) -> Void) {
        field()
        let lengthAt = bytes.count
        putBigEndian(UInt32(0))
        write(&bytes)
        let length = UInt32(bytes.count - lengthAt - 4)
        withUnsafeBytes(of: length.bigEndian) { b in
            for k in 0..<4 { bytes[lengthAt + k] = b[k] }
        }
    }

    private mutating func field() {
        precondition(count > 0 && fieldsInRow < columnCount, "a COPY row has \(columnCount) fields")
        fieldsInRow += 1
    }

    private mutating func putBigEndian<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
