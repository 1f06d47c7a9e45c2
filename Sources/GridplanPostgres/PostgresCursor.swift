extension PostgresConnection {
    /// Runs `sql` through a server-side cursor and hands `body` its rows `batchSize` at a time,
    /// so memory holds two batches (the one `body` has and the next, fetched meanwhile), never
    /// the whole result (`DECLARE … NO SCROLL CURSOR`, `FETCH FORWARD n`).
    ///
    /// A cursor lives in a transaction: this opens one (or a savepoint inside the caller's), and
    /// closes it after the last batch or when `body` throws. NO SCROLL lets the server drop
    /// rows once fetched.
    /// ```swift
    /// try db.stream("SELECT code, ST_AsBinary(geom) AS wkb FROM grids WHERE generation = $1",
    ///               [.integer(3)], batchSize: 5000) { rows in
    ///     for row in rows { try writer.write(row.string("code"), row.bytes("wkb")) }
    /// }
    /// ```
    /// - Parameters:
    ///   - sql: one query (SELECT, VALUES, or a RETURNING statement), with `$1`… for values.
    ///   - parameters: the values, in order.
    ///   - batchSize: rows per FETCH, at least 1.
    ///   - format: how the server sends the cells (see ``execute(_:_:format:)``).
    ///   - body: called once per non-empty batch, in order.
    /// - Returns: the number of rows streamed.
    /// - Throws: `PostgresError`, or what `body` throws.
    @discardableResult
    public func stream(
        _ sql: String, _ parameters: [PostgresValue] = [], batchSize: Int = 10_000, format: ResultFormat = .text,
        _ body: ([PostgresRow]) throws -> Void
    ) throws -> Int {
        guard batchSize > 0 else {
            throw PostgresError.client("a cursor's batch size must be at least 1, not \(batchSize)")
        }
        let cursor = nextCursorName()
        return try transaction {
            try execute("DECLARE \(cursor) NO SCROLL CURSOR FOR \(sql)", parameters)
            // The next batch is fetched while `body` works on this one: the server and the
            // client each keep a core busy instead of taking turns. A statement `body` runs on
            // this connection first waits for that fetch, and is correct, only not overlapped.
            let fetch = "FETCH FORWARD \(batchSize) FROM \(cursor)"
            defer { discardSent() }
            try send(fetch, format: format)
            var total = 0
            while true {
                let batch = try takeSent().rows
                let last = batch.count < batchSize
                if !last { try send(fetch, format: format) }
                if !batch.isEmpty { try body(batch) }
                total += batch.count
                if last { break }
            }
            // A throw above skips this: the rollback (or rollback to savepoint) closes the cursor.
            try execute("CLOSE \(cursor)")
            return total
        }
    }
}
