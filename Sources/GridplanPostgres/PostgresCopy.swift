internal import CLibPQ

extension PostgresConnection {
    /// Streams rows into `table` with `COPY … FROM STDIN` (`PQputCopyData`, `PQputCopyEnd`,
    /// `PQgetResult`), holding at most one send buffer of rows in memory.
    ///
    /// The rows travel in COPY's text format, not binary: the server parses each field with its
    /// column's own input function, so one encoding serves `int4`, `int8`, `numeric`, `date` and
    /// `geometry` (hex EWKB) columns alike. Binary COPY would need each column's exact wire type
    /// here, and a wrong guess (an `int8` sent to an `int4` column) is refused or misread.
    ///
    /// A value the server refuses fails the whole COPY; the error (naming the line and column)
    /// comes when the data ends, since libpq reads no replies while COPY data flows.
    /// If `body` throws, the COPY is aborted and nothing it appended stays. It runs in the
    /// caller's transaction if one is open (so a later failure undoes it too), else in its own.
    /// ```swift
    /// let n = try db.copy(into: "buildings", columns: ["id", "households", "geom"]) { rows in
    ///     for b in buildings { try rows.append([.integer(b.id), .integer(b.households), .text(b.hexEWKB)]) }
    /// }
    /// ```
    /// - Parameters:
    ///   - table: the table's name, quoted here.
    ///   - schema: its schema, quoted here; nil for the search path.
    ///   - columns: the columns each row fills, in order, quoted here.
    ///   - body: appends the rows.
    /// - Returns: the number of rows the server stored.
    /// - Throws: what `body` throws, or `PostgresError` (a bad value names its line and column).
    @discardableResult
    public func copy(
        into table: String, schema: String? = nil, columns: [String],
        _ body: (PostgresCopyWriter) throws -> Void
    ) throws -> Int {
        let target = try (schema.map { try quoteIdentifier($0) + "." } ?? "") + quoteIdentifier(table)
        let list = try columns.map(quoteIdentifier).joined(separator: ", ")
        let writer = PostgresCopyWriter(connection: self, columnCount: columns.count)
        defer { writer.isFinished = true }
        return try copyIn("COPY \(target) (\(list)) FROM STDIN") {
            try body(writer)
            try writer.flush()
        }
    }

    /// Runs `COPY … FROM STDIN` with `send` putting the data: ends it when `send` returns, aborts
    /// it (nothing stays) when `send` throws.
    func copyIn(_ sql: String, _ send: () throws -> Void) throws -> Int {
        settlePending()
        // NULL only when out of memory or the connection is gone
        guard let start = PQexec(handle, sql) else { throw connectionError(sql: sql) }
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            _ = try consume(start, sql: sql)
            return 0
        }
        PQclear(start)
        do {
            try send()
        } catch {
            if error is CopyInterrupted { throw copyFailure(sql: sql) }
            // The reason goes to the server, whose own error (57014) is dropped: `error` says it better.
            abandonCopy(sending: true)
            throw error
        }
        // 1 when queued, -1 when the connection is gone
        guard PQputCopyEnd(handle, nil) == 1 else { throw copyFailure(sql: sql) }
        return try finishCopy(sql: sql)
    }

    /// Streams `rows` into `table` with `COPY … FROM STDIN`; see `copy(into:schema:columns:_:)`.
    /// - Parameters:
    ///   - table: the table's name, quoted here.
    ///   - schema: its schema, quoted here; nil for the search path.
    ///   - columns: the columns each row fills, in order, quoted here.
    ///   - rows: the rows; read once, lazily.
    /// - Returns: the number of rows the server stored.
    /// - Throws: `PostgresError`.
    @discardableResult
    public func copy(
        into table: String, schema: String? = nil, columns: [String], rows: some Sequence<[PostgresValue]>
    ) throws -> Int {
        try copy(into: table, schema: schema, columns: columns) { writer in
            for row in rows { try writer.append(row) }
        }
    }

    /// Reads the results after COPY's end: the row count, or the first error.
    private func finishCopy(sql: String) throws -> Int {
        var failure: PostgresError?
        var count = 0
        while let r = PQgetResult(handle) {
            defer { PQclear(r) }
            if PQresultStatus(r) == PGRES_COMMAND_OK {
                count = Int(String(cString: PQcmdTuples(r))) ?? 0
            } else if failure == nil {
                failure = error(from: r, sql: sql)
            }
        }
        if let failure { throw failure }
        return count
    }

    /// The error after libpq refused COPY data (the connection broke): the server's error among
    /// the results if it sent one, else libpq's message.
    private func copyFailure(sql: String) -> PostgresError {
        let libpqMessage = lastErrorMessage
        do {
            _ = try finishCopy(sql: sql)
        } catch let e as PostgresError {
            return e
        } catch {}
        return PostgresError(
            sqlState: .connectionFailure, message: "COPY to \(maskedLocation) failed: \(libpqMessage)", sql: sql)
    }

    /// Sends one chunk of COPY data.
    func putCopyData(_ bytes: [UInt8]) throws {
        // 1 when queued, -1 when the connection is gone. A row the server rejected does not stop
        // this: libpq reads no results during COPY IN, so that error arrives after PQputCopyEnd.
        let rc = bytes.withUnsafeBytes {
            PQputCopyData(handle, $0.baseAddress?.assumingMemoryBound(to: CChar.self), Int32($0.count))
        }
        guard rc == 1 else { throw CopyInterrupted() }
    }
}

/// libpq refused COPY data; the reason is read from the server's results.
struct CopyInterrupted: Error {}

/// Appends rows to a running `COPY … FROM STDIN`; handed to the body of `copy(into:columns:_:)`.
///
/// Rows are escaped into COPY text format and sent in chunks of about 256 KiB: big enough
/// that libpq's per-call cost vanishes, small enough that memory stays flat for any import.
public final class PostgresCopyWriter {
    private unowned let connection: PostgresConnection
    private let columnCount: Int
    private var buffer: [UInt8] = []
    var isFinished = false
    static let chunkBytes = 256 * 1024

    init(connection: PostgresConnection, columnCount: Int) {
        self.connection = connection
        self.columnCount = columnCount
        buffer.reserveCapacity(Self.chunkBytes + 4096)
    }

    /// Appends one row; its values fill the COPY's columns in order.
    ///
    /// `text` is sent as is (the column's type parses it), `bytea` as `\x…` hex, `null` as `\N`.
    /// - Parameter row: one value per column.
    /// - Throws: `PostgresError` if the row has the wrong number of values, a text holds a NUL,
    ///   or the server already rejected an earlier row.
    public func append(_ row: [PostgresValue]) throws {
        guard !isFinished else {
            throw PostgresError.client("the COPY is over: append rows only inside copy(into:columns:_:)")
        }
        guard row.count == columnCount else {
            throw PostgresError.client("a COPY row has \(row.count) values for \(columnCount) columns")
        }
        for (i, value) in row.enumerated() {
            if i > 0 { buffer.append(UInt8(ascii: "\t")) }
            try Self.appendField(value, to: &buffer)
        }
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= Self.chunkBytes { try flush() }
    }

    /// Sends what is buffered.
    func flush() throws {
        guard !buffer.isEmpty else { return }
        try connection.putCopyData(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// One field in COPY text format: backslash, tab, newline and carriage return escaped (so
    /// no value can end a field, a row or the data), NULL as `\N`.
    static func appendField(_ value: PostgresValue, to out: inout [UInt8]) throws {
        switch value {
        case .null: out += [UInt8(ascii: "\\"), UInt8(ascii: "N")]
        case .integer(let n): out += String(n).utf8
        case .double(let d): out += PostgresValue.floatText(d).utf8
        case .bool(let b): out.append(UInt8(ascii: b ? "t" : "f"))
        case .text(let s):
            for byte in s.utf8 {
                switch byte {
                case 0:
                    throw PostgresError.client("a COPY value holds a NUL character, which PostgreSQL text cannot store")
                case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
                case UInt8(ascii: "\t"): out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
                case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                case UInt8(ascii: "\r"): out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
                default: out.append(byte)
                }
            }
        case .bytea(let bytes):
            // bytea's input form is `\x` + hex; COPY's own escaping doubles the backslash.
            out += [UInt8(ascii: "\\"), UInt8(ascii: "\\"), UInt8(ascii: "x")]
            for b in bytes {
                out.append(hexDigits[Int(b >> 4)])
                out.append(hexDigits[Int(b & 0x0f)])
            }
        }
    }
}
