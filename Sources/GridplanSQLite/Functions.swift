import CSQLite

/// Holds a Swift SQL function for SQLite's C callbacks; released by SQLite's destructor callback.
private final class FunctionBox {
    let body: ([SQLValue]) -> SQLValue
    init(_ body: @escaping ([SQLValue]) -> SQLValue) { self.body = body }
}

extension Database {
    /// Registers a scalar SQL function implemented in Swift (`sqlite3_create_function_v2`).
    /// GeoPackage needs this: its R-tree triggers call `ST_MinX(geom)` and friends, which every
    /// GeoPackage-aware connection must provide.
    ///
    /// - Parameters:
    ///   - name: the SQL name.
    ///   - argumentCount: number of arguments, or -1 for any.
    ///   - deterministic: whether equal inputs always give equal outputs (lets SQLite optimise).
    ///   - body: computes the result from the argument values.
    public func createFunction(
        _ name: String, argumentCount: Int32, deterministic: Bool = true, _ body: @escaping ([SQLValue]) -> SQLValue
    ) throws {
        let box = Unmanaged.passRetained(FunctionBox(body)).toOpaque()
        let flags = SQLITE_UTF8 | (deterministic ? SQLITE_DETERMINISTIC : 0)
        let rc = sqlite3_create_function_v2(
            handle, name, argumentCount, flags, box,
            { context, argc, argv in
                let box = Unmanaged<FunctionBox>.fromOpaque(sqlite3_user_data(context)!).takeUnretainedValue()
                var args: [SQLValue] = []
                args.reserveCapacity(Int(argc))
                for i in 0..<Int(argc) { args.append(sqlValue(argv![i])) }
                setResult(context, box.body(args))
            },
            nil, nil,
            { pointer in
                if let pointer { Unmanaged<FunctionBox>.fromOpaque(pointer).release() }
            })
        // On failure SQLite has already called the destructor, releasing the box.
        guard rc == SQLITE_OK else { throw error(rc, sql: "sqlite3_create_function_v2(\(name))") }
    }
}

private func sqlValue(_ v: OpaquePointer?) -> SQLValue {
    switch sqlite3_value_type(v) {
    case SQLITE_INTEGER: return .integer(sqlite3_value_int64(v))
    case SQLITE_FLOAT: return .real(sqlite3_value_double(v))
    case SQLITE_TEXT: return .text(String(cString: sqlite3_value_text(v)))
    case SQLITE_BLOB:
        let n = Int(sqlite3_value_bytes(v))
        guard n > 0, let p = sqlite3_value_blob(v) else { return .blob([]) }
        return .blob(Array(UnsafeRawBufferPointer(start: p, count: n)))
    default: return .null
    }
}

private func setResult(_ context: OpaquePointer?, _ value: SQLValue) {
    let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    switch value {
    case .null: sqlite3_result_null(context)
    case .integer(let n): sqlite3_result_int64(context, n)
    case .real(let d): sqlite3_result_double(context, d)
    case .text(let s): sqlite3_result_text(context, s, -1, transient)
    case .blob(let b): b.withUnsafeBytes { sqlite3_result_blob(context, $0.baseAddress, Int32($0.count), transient) }
    }
}
