/// A PostgreSQL failure: SQLSTATE, the server's (or libpq's) message and the SQL that caused it.
///
/// Every text it holds has been through `PostgresLocation.masking(_:)`, so a password in a URI,
/// a conninfo `password=` or a `PASSWORD '…'` literal never reaches a message or a log.
public struct PostgresError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The SQLSTATE; nil for failures found by this wrapper itself (a missing column, a wrong type).
    public let sqlState: SQLState?
    /// The primary message (`PG_DIAG_MESSAGE_PRIMARY`, or libpq's message for connection failures).
    public let message: String
    /// The server's detail line, e.g. `Key (code)=(110101) already exists.`
    public let detail: String?
    /// The server's hint, e.g. `Must be superuser to create this extension.`
    public let hint: String?
    /// The statement that failed.
    public let sql: String?

    /// Makes an error, masking any password in its texts.
    /// - Parameters:
    ///   - sqlState: the SQLSTATE, nil for a failure found before or after the server ran anything.
    ///   - message: what failed.
    ///   - detail: the server's detail line.
    ///   - hint: the server's hint.
    ///   - sql: the statement that failed.
    public init(sqlState: SQLState?, message: String, detail: String? = nil, hint: String? = nil, sql: String? = nil) {
        self.sqlState = sqlState
        self.message = Redaction.masked(message)
        self.detail = detail.map(Redaction.masked)
        self.hint = hint.map(Redaction.masked)
        self.sql = sql.map(Redaction.masked)
    }

    /// Whether a lock could not be had in time (`lock_timeout`, `NOWAIT`): the store is busy.
    ///
    /// `queryCanceled` is not busy: it is also what a user's cancel or `statement_timeout` gives.
    public var isBusy: Bool { sqlState == .lockNotAvailable }
    /// Whether a write was refused because the transaction or server is read-only.
    public var isReadOnly: Bool { sqlState == .readOnlySQLTransaction }
    /// Whether the role lacks a privilege (a read-only role writing, a role creating an extension).
    public var isPermissionDenied: Bool { sqlState == .insufficientPrivilege }
    /// Whether the connection could not be made or was lost (SQLSTATE class 08).
    public var isConnectionFailure: Bool { sqlState?.errorClass == "08" }

    public var description: String {
        if isBusy { return "store is busy (another gridplan is writing it): \(message)" }
        var s = "PostgreSQL error"
        if let sqlState { s += " \(sqlState.rawValue)" + (sqlState.name.map { " (\($0))" } ?? "") }
        s += ": \(message)"
        if let detail { s += " \(detail)" }
        if let hint { s += " Hint: \(hint)" }
        if let sql { s += " — in: \(sql)" }
        return s
    }

    /// A failure found by this wrapper, not the server.
    static func client(_ message: String, sql: String? = nil) -> PostgresError {
        PostgresError(sqlState: nil, message: message, sql: sql)
    }
}

/// A five-character SQLSTATE code, with names for the ones gridplan acts on.
///
/// A struct rather than an enum so that codes without a name here still compare and print.
public struct SQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// The class: the first two characters ("23" integrity constraint violation, "08" connection exception).
    public var errorClass: String { String(rawValue.prefix(2)) }
    /// The name used here ("uniqueViolation"), nil for codes this file does not list.
    public var name: String? { Self.names[self] }
    public var description: String { name.map { "\(rawValue) (\($0))" } ?? rawValue }

    /// 08001: libpq could not connect (bad host, refused, authentication failed, bad URI).
    public static let unableToConnect = SQLState("08001")
    /// 08006: the connection broke while in use.
    public static let connectionFailure = SQLState("08006")
    /// 22P02: a value's text does not parse as its type.
    public static let invalidTextRepresentation = SQLState("22P02")
    /// 23502: NULL into a NOT NULL column.
    public static let notNullViolation = SQLState("23502")
    /// 23503: a foreign key has no matching row.
    public static let foreignKeyViolation = SQLState("23503")
    /// 23505: a UNIQUE or PRIMARY KEY constraint.
    public static let uniqueViolation = SQLState("23505")
    /// 23514: a CHECK constraint.
    public static let checkViolation = SQLState("23514")
    /// 25006: a write inside a READ ONLY transaction or on a hot standby.
    public static let readOnlySQLTransaction = SQLState("25006")
    /// 25P02: a statement after an earlier one in the same transaction failed.
    public static let inFailedSQLTransaction = SQLState("25P02")
    /// 28P01: wrong password (seen in messages only: libpq gives no SQLSTATE for a failed connect).
    public static let invalidPassword = SQLState("28P01")
    /// 3D000: no such database.
    public static let invalidCatalogName = SQLState("3D000")
    /// 40001: a serializable transaction lost a conflict; retry it.
    public static let serializationFailure = SQLState("40001")
    /// 40P01: deadlock detected; this transaction was the victim.
    public static let deadlockDetected = SQLState("40P01")
    /// 42501: the role lacks a privilege.
    public static let insufficientPrivilege = SQLState("42501")
    /// 42601: SQL syntax error.
    public static let syntaxError = SQLState("42601")
    /// 42703: no such column.
    public static let undefinedColumn = SQLState("42703")
    /// 42704: no such object (type, role, extension...).
    public static let undefinedObject = SQLState("42704")
    /// 42710: the object already exists.
    public static let duplicateObject = SQLState("42710")
    /// 42883: no function matches the name and argument types.
    public static let undefinedFunction = SQLState("42883")
    /// 42P01: no such table.
    public static let undefinedTable = SQLState("42P01")
    /// 42P07: the table already exists.
    public static let duplicateTable = SQLState("42P07")
    /// 55P03: a lock was not granted within `lock_timeout` (or at once, with NOWAIT).
    public static let lockNotAvailable = SQLState("55P03")
    /// 57014: the statement was cancelled: `statement_timeout` or a cancel request.
    public static let queryCanceled = SQLState("57014")
    /// 57P01: the server is shutting down.
    public static let adminShutdown = SQLState("57P01")

    private static let names: [SQLState: String] = [
        .unableToConnect: "unableToConnect", .connectionFailure: "connectionFailure",
        .invalidTextRepresentation: "invalidTextRepresentation", .notNullViolation: "notNullViolation",
        .foreignKeyViolation: "foreignKeyViolation", .uniqueViolation: "uniqueViolation",
        .checkViolation: "checkViolation", .readOnlySQLTransaction: "readOnlySQLTransaction",
        .inFailedSQLTransaction: "inFailedSQLTransaction", .invalidPassword: "invalidPassword",
        .invalidCatalogName: "invalidCatalogName", .serializationFailure: "serializationFailure",
        .deadlockDetected: "deadlockDetected", .insufficientPrivilege: "insufficientPrivilege",
        .syntaxError: "syntaxError", .undefinedColumn: "undefinedColumn", .undefinedObject: "undefinedObject",
        .duplicateObject: "duplicateObject", .undefinedFunction: "undefinedFunction",
        .undefinedTable: "undefinedTable", .duplicateTable: "duplicateTable",
        .lockNotAvailable: "lockNotAvailable", .queryCanceled: "queryCanceled", .adminShutdown: "adminShutdown",
    ]
}
