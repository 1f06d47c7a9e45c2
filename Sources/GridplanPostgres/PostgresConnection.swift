internal import CLibPQ
import Foundation

/// One PostgreSQL connection (`PQconnectdbParams`), closed exactly once in `deinit` (`PQfinish`).
///
/// Not `Sendable`: one owner uses it, on one thread at a time, as libpq requires of a `PGconn`.
/// Statements run synchronously; every result is copied into Swift values and freed at once.
///
/// ```swift
/// let db = try PostgresConnection("postgresql://gridplan@127.0.0.1:5432/city")
/// let n = try db.execute("SELECT count(*) AS n FROM communities WHERE parent = $1", [.text("110101")])
///     .rows[0].int("n")
/// ```
public final class PostgresConnection {
    let handle: OpaquePointer
    /// The location connected to, password masked: for messages.
    public let maskedLocation: String
    private var savepointDepth = 0
    private var cursorCount = 0
    /// A statement sent ahead (``send(_:format:)``) whose result has not been taken yet.
    private var pending: String?
    /// Its result, once something else needed the connection before the sender took it.
    private var settled: Result<PostgresResult, any Error>?

    /// Connects to `location` and fails with libpq's reason, password masked.
    ///
    /// libpq itself fills what the location leaves out from `PGHOST`, `PGPORT`, `PGUSER`,
    /// `PGDATABASE`, `PGPASSWORD`, `PGSERVICE`, `~/.pgpass` and the rest, as psql does.
    /// - Parameters:
    ///   - location: a URI (`postgresql://user@host:port/db?sslmode=require`), a conninfo string
    ///     (`host=… dbname=…`), or "" for libpq's defaults alone.
    ///   - parameters: libpq keywords that override the location's, e.g. `["connect_timeout": "5"]`.
    /// - Throws: `PostgresError` with `.unableToConnect` saying where and why.
    public init(_ location: String, parameters: [String: String] = [:]) throws {
        var secrets = Redaction.secrets(in: location)
        if let p = parameters["password"] { secrets.append(p) }
        // libpq's messages can echo pieces of the conninfo (a bad percent-escape, an unclosed
        // IPv6 bracket, a keyword without `=`): mask the password in every form it may take.
        secrets += Redaction.environmentSecrets()
        maskedLocation = Redaction.masked(location, secrets: secrets)
        let shown = location.isEmpty ? "the server libpq's defaults name (PGHOST, PGDATABASE…)" : maskedLocation
        // Order matters (later keywords win over the expanded dbname's): the application name
        // is only a fallback the location may override; client_encoding is forced because every
        // Swift String is UTF-8, whatever PGCLIENTENCODING or the URI says.
        var pairs: [(String, String)] = [("fallback_application_name", "gridplan"), ("dbname", location)]
        pairs += parameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        pairs.append(("client_encoding", "UTF8"))
        let db = withCStringArray(pairs.map(\.0)) { keywords in
            withCStringArray(pairs.map(\.1)) { values in
                // NULL only when out of memory; otherwise PQstatus says whether it connected
                PQconnectdbParams(keywords, values, 1)
            }
        }
        guard let db else {
            throw PostgresError(sqlState: .unableToConnect, message: "cannot connect to \(shown): out of memory")
        }
        guard PQstatus(db) == CONNECTION_OK else {
            let reason = Self.trimmed(String(cString: PQerrorMessage(db)))
            PQfinish(db)
            let masked = Redaction.masked(reason, secrets: secrets)
            throw PostgresError(sqlState: .unableToConnect, message: "cannot connect to \(shown): \(masked)")
        }
        handle = db
        // libpq prints NOTICEs ("extension already exists, skipping") to stderr, which is the
        // commands' progress channel; they carry nothing a caller acts on.
        PQsetNoticeReceiver(db, { _, _ in }, nil)
    }

    deinit { PQfinish(handle) }

    /// The server's version as it reports it, e.g. "15.18 (Debian 15.18-0+deb12u1)".
    public var serverVersion: String {
        // NULL if the server did not report it (never, since 8.0)
        PQparameterStatus(handle, "server_version").map { String(cString: $0) } ?? ""
    }

    /// The server's version as a number (`PQserverVersion`), e.g. 150018, for version gates.
    public var serverVersionNumber: Int { Int(PQserverVersion(handle)) }

    /// Whether a transaction is open (`PQtransactionStatus` is not idle).
    public var isInTransaction: Bool { PQtransactionStatus(handle) != PQTRANS_IDLE }

    /// Runs one statement with `parameters` bound to `$1…$n` (`PQexecParams`) and returns its rows.
    ///
    /// Only one statement is allowed: a value cannot smuggle a second one in, and neither can
    /// the SQL. Values never enter the SQL text; identifiers go through `quoteIdentifier(_:)`.
    /// - Parameters:
    ///   - sql: one statement, with `$1`, `$2`… for values.
    ///   - parameters: the values, in order.
    ///   - format: how the server sends the result's cells; `.binary` saves it and the client
    ///     the text conversions (no hex bytea, no digits for numbers), for bulk reads.
    /// - Returns: the rows (copied, so they outlive the call) and the command tag.
    /// - Throws: `PostgresError` with the SQLSTATE, the server's message and `sql`.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [PostgresValue] = [], format: ResultFormat = .text) throws
        -> PostgresResult
    {
        settlePending()
        let encoded = try parameters.enumerated().map { try $1.encodedParameter(index: $0 + 1) }
        let count = Int32(encoded.count)
        let types = encoded.map(\.oid)
        let lengths = encoded.map { Int32($0.bytes?.count ?? 0) }
        let formats = encoded.map { Int32($0.binary ? 1 : 0) }
        // libpq wants C strings for text values; owned copies with a terminating NUL.
        let buffers: [UnsafeMutablePointer<CChar>?] = encoded.map { p -> UnsafeMutablePointer<CChar>? in
            guard let bytes = p.bytes else { return nil }
            let b = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            if !bytes.isEmpty {
                bytes.withUnsafeBytes { src in
                    UnsafeMutableRawPointer(b).copyMemory(from: src.baseAddress!, byteCount: src.count)
                }
            }
            b[bytes.count] = 0
            return b
        }
        defer { for b in buffers { b?.deallocate() } }
        let values = buffers.map { UnsafePointer($0) }
        // NULL only when out of memory or the connection is gone; else a result to check
        let result = PQexecParams(handle, sql, count, types, values, lengths, formats, format == .binary ? 1 : 0)
        return try consume(result, sql: sql)
    }

    /// Runs several `;`-separated statements with no parameters (`PQexec`), for migrations.
    ///
    /// Outside a transaction they run as one implicit transaction: all or nothing.
    /// - Parameter sql: the statements; no values in them (bind those through `execute`).
    /// - Throws: `PostgresError` for the first statement that fails.
    public func executeScript(_ sql: String) throws {
        settlePending()
        // NULL only when out of memory or the connection is gone. Only the last result comes
        // back: PQexec stops at the first failing statement and returns its error.
        let result = PQexec(handle, sql)
        _ = try consume(result, sql: sql)
    }

    /// Runs `body` inside `BEGIN … COMMIT`; rolls back if it throws, so a failed command leaves
    /// the database exactly as it was.
    ///
    /// Inside another transaction it nests as a savepoint: a throw undoes only `body`'s work.
    /// - Parameters:
    ///   - readOnly: `BEGIN READ ONLY` (outermost transaction only): writes fail with `.readOnlySQLTransaction`
    ///     (except to TEMP tables, which PostgreSQL allows).
    ///   - body: the work.
    /// - Throws: what `body` throws, or `PostgresError` if BEGIN or COMMIT fails, including a
    ///   COMMIT the server turned into ROLLBACK because a statement failed and `body` caught it.
    @discardableResult
    public func transaction<T>(readOnly: Bool = false, _ body: () throws -> T) throws -> T {
        if isInTransaction { return try savepoint(body) }
        try execute(readOnly ? "BEGIN READ ONLY" : "BEGIN")
        do {
            let result = try body()
            let commit = try execute("COMMIT")
            if commit.commandTag == "ROLLBACK" {
                throw PostgresError(
                    sqlState: .inFailedSQLTransaction,
                    message:
                        "the transaction was rolled back, not committed: a statement in it failed and its error was caught",
                    sql: "COMMIT")
            }
            return result
        } catch {
            if isInTransaction { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    private func savepoint<T>(_ body: () throws -> T) throws -> T {
        savepointDepth += 1
        defer { savepointDepth -= 1 }
        let name = "gridplan_savepoint_\(savepointDepth)"
        try execute("SAVEPOINT \(name)")
        do {
            let result = try body()
            try execute("RELEASE SAVEPOINT \(name)")
            return result
        } catch {
            _ = try? execute("ROLLBACK TO SAVEPOINT \(name)")
            _ = try? execute("RELEASE SAVEPOINT \(name)")
            throw error
        }
    }

    /// `name` quoted as an SQL identifier (`PQescapeIdentifier`): `grids` → `"grids"`, `a"b` → `"a""b"`.
    /// - Throws: `PostgresError` if `name` holds a NUL or is not valid in the client encoding.
    public func quoteIdentifier(_ name: String) throws -> String {
        try escaped(name, what: "identifier") { PQescapeIdentifier(handle, $0, $1) }
    }

    /// `value` quoted as an SQL string literal (`PQescapeLiteral`): `it's` → `'it''s'`.
    ///
    /// Only for the few utility statements that take no parameters (`CREATE ROLE … PASSWORD`,
    /// `COMMENT ON`); everything else binds values through `execute(_:_:)`.
    /// - Throws: `PostgresError` if `value` holds a NUL or is not valid in the client encoding.
    public func quoteLiteral(_ value: String) throws -> String {
        try escaped(value, what: "literal") { PQescapeLiteral(handle, $0, $1) }
    }

    private func escaped(
        _ s: String, what: String,
        _ escape: (UnsafePointer<CChar>, Int) -> UnsafeMutablePointer<CChar>?
    ) throws -> String {
        guard !s.utf8.contains(0) else { throw PostgresError.client("an SQL \(what) cannot hold a NUL character") }
        let length = s.utf8.count
        // NULL on invalid encoding or out of memory; the reason is in PQerrorMessage
        guard let p = s.withCString({ escape($0, length) }) else {
            throw PostgresError.client("cannot quote an SQL \(what): \(lastErrorMessage)")
        }
        defer { PQfreemem(p) }
        return String(cString: p)
    }

    // MARK: Statements sent ahead

    /// Sends `sql` (no parameters) without waiting for its result (`PQsendQueryParams`), so the
    /// server works on it while the caller does something else; ``takeSent()`` returns it.
    /// Any other statement run meanwhile first waits for this one and keeps its result aside,
    /// so the connection stays usable. One statement at a time is sent ahead.
    func send(_ sql: String, format: ResultFormat) throws {
        settlePending()
        precondition(settled == nil, "a statement sent ahead was never taken")
        // 1 when queued, 0 when the connection is gone (the reason is in PQerrorMessage)
        guard PQsendQueryParams(handle, sql, 0, nil, nil, nil, nil, format == .binary ? 1 : 0) == 1 else {
            throw connectionError(sql: sql)
        }
        pending = sql
    }

    /// The result of the statement sent ahead, waiting for it if need be.
    func takeSent() throws -> PostgresResult {
        settlePending()
        guard let result = settled else { throw PostgresError.client("no statement was sent ahead") }
        settled = nil
        return try result.get()
    }

    /// Waits for the statement sent ahead and drops its result (when its sender gives up).
    func discardSent() {
        settlePending()
        settled = nil
    }

    /// Reads the statement sent ahead to its end and keeps its result in `settled`.
    func settlePending() {
        guard let sql = pending else { return }
        pending = nil
        // NULL after the last result; a single statement has one (PGRES_TUPLES_OK or an error)
        var first: OpaquePointer?
        while let r = PQgetResult(handle) {
            if first == nil { first = r } else { PQclear(r) }
        }
        settled = Result { try consume(first, sql: sql) }
    }

    // MARK: Results

    /// libpq's message for the last failure on this connection, trimmed.
    var lastErrorMessage: String { Self.trimmed(String(cString: PQerrorMessage(handle))) }

    static func trimmed(_ s: String) -> String {
        var s = Substring(s)
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return String(s)
    }

    /// Turns a libpq result into rows or a thrown error, and frees it.
    func consume(_ result: OpaquePointer?, sql: String) throws -> PostgresResult {
        guard let result else { throw connectionError(sql: sql) }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return Self.rows(of: result)
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            // The server now waits for (or sends) COPY data; end that so the connection stays usable.
            abandonCopy(sending: PQresultStatus(result) != PGRES_COPY_OUT)
            throw PostgresError.client("COPY must go through copy(into:columns:_:), not execute", sql: sql)
        default:
            throw error(from: result, sql: sql)
        }
    }

    /// The error a failed result carries: SQLSTATE and message fields, or libpq's message.
    func error(from result: OpaquePointer, sql: String?) -> PostgresError {
        func field(_ code: Int32) -> String? {
            // NULL when the result has no such field (errors made by libpq itself have none)
            PQresultErrorField(result, code).map { String(cString: $0) }
        }
        let state = field(Int32(GRIDPLAN_PG_DIAG_SQLSTATE)).map(SQLState.init(rawValue:))
        let message =
            field(Int32(GRIDPLAN_PG_DIAG_MESSAGE_PRIMARY))
            ?? Self.trimmed(String(cString: PQresultErrorMessage(result)))
        let lost = PQstatus(handle) != CONNECTION_OK
        return PostgresError(
            sqlState: state ?? (lost ? .connectionFailure : nil),
            message: lost && state == nil ? "connection to \(maskedLocation) lost: \(message)" : message,
            detail: field(Int32(GRIDPLAN_PG_DIAG_MESSAGE_DETAIL)), hint: field(Int32(GRIDPLAN_PG_DIAG_MESSAGE_HINT)),
            sql: sql)
    }

    /// The error when libpq returned no result at all: the connection is gone or memory ran out.
    func connectionError(sql: String?) -> PostgresError {
        PostgresError(
            sqlState: .connectionFailure, message: "connection to \(maskedLocation) failed: \(lastErrorMessage)",
            sql: sql)
    }

    /// Ends a COPY the server started, discarding its data and results.
    /// - Parameter sending: true for COPY FROM STDIN (abort it), false for COPY TO STDOUT (read it to the end).
    func abandonCopy(sending: Bool) {
        if sending {
            // -1 only if the connection is gone, and then the results below end at once
            _ = PQputCopyEnd(handle, "abandoned by gridplan")
        } else {
            var buffer: UnsafeMutablePointer<CChar>?
            // > 0 for a row, -1 at the end, -2 on failure
            while PQgetCopyData(handle, &buffer, 0) > 0 { PQfreemem(buffer) }
        }
        while let r = PQgetResult(handle) { PQclear(r) }
    }

    static func rows(of result: OpaquePointer) -> PostgresResult {
        let fieldCount = PQnfields(result)
        let tupleCount = PQntuples(result)
        let columns = PostgresColumns((0..<fieldCount).map { String(cString: PQfname(result, $0)) })
        let types = (0..<fieldCount).map { PQftype(result, $0) }
        let binary = (0..<fieldCount).map { PQfformat(result, $0) == 1 }
        var rows: [PostgresRow] = []
        rows.reserveCapacity(Int(tupleCount))
        for r in 0..<tupleCount {
            var values: [PostgresValue] = []
            values.reserveCapacity(Int(fieldCount))
            for c in 0..<fieldCount {
                values.append(cell(result, row: r, column: c, type: types[Int(c)], binary: binary[Int(c)]))
            }
            rows.append(PostgresRow(columns: columns, values: values))
        }
        // "" for commands that report no count (CREATE TABLE)
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PostgresResult(
            columnNames: columns.names, rows: rows,
            commandTag: String(cString: PQcmdStatus(result)), affectedRows: affected)
    }

    private static func cell(_ result: OpaquePointer, row: Int32, column: Int32, type: UInt32, binary: Bool)
        -> PostgresValue
    {
        if PQgetisnull(result, row, column) != 0 { return .null }
        // Never NULL for a cell inside the result; "" for an empty value
        let p = UnsafeRawPointer(PQgetvalue(result, row, column)!)
        let length = Int(PQgetlength(result, row, column))
        if binary { return PostgresValue.decoded(type: type, binary: UnsafeRawBufferPointer(start: p, count: length)) }
        guard type == TypeOID.bytea else {
            return PostgresValue.decoded(type: type, text: UnsafeRawBufferPointer(start: p, count: length))
        }
        // Handles both bytea_output settings (hex and the old escape format).
        var size = 0
        // NULL only when out of memory
        guard let bytes = PQunescapeBytea(p.assumingMemoryBound(to: UInt8.self), &size) else { return .null }
        defer { PQfreemem(bytes) }
        return .bytea(Array(UnsafeBufferPointer(start: bytes, count: size)))
    }

    /// A name for the next cursor, unique on this connection.
    func nextCursorName() -> String {
        cursorCount += 1
        return "gridplan_cursor_\(cursorCount)"
    }
}

/// Calls `body` with a NULL-terminated array of C strings, as libpq's keyword arrays want.
private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { for c in copies { free(c) } }
    let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
