import Foundation
import GridplanPostgres
import Testing

@Suite(.enabled(if: TestCluster.enabled, TestCluster.skipReason))
struct PostgresStreamingTests {
    /// Row `i` of the COPY test: awkward text every few rows, NULLs, bytes.
    static func row(_ i: Int) -> [PostgresValue] {
        let note: PostgresValue =
            switch i % 5 {
            case 0: .null
            case 1: .text("tab\there\nnewline\r\\N back\\slash \\. 东四")
            case 2: .text("")
            case 3: .text("\\")
            default: .text("plain \(i)")
            }
        return [
            .integer(Int64(i)), .text(String(format: "%015d", i)), .integer(Int64(i % 500)), .double(Double(i) / 8),
            .bytea([UInt8(i & 0xff), 0, 92]), note,
        ]
    }

    @Test func copyOf100kRows() throws {
        let db = try TestCluster.connect()
        try db.execute(
            "CREATE TEMP TABLE t (id int8, code text, households int4, share float8, shape bytea, note text)")
        let n = 100_000
        let copied = try db.copy(
            into: "t", columns: ["id", "code", "households", "share", "shape", "note"], rows: (0..<n).lazy.map(Self.row)
        )
        #expect(copied == n)
        let totals = try db.execute(
            "SELECT count(*) AS n, sum(id) AS ids, sum(households) AS hh, count(note) AS notes FROM t"
        ).rows[0]
        #expect(try totals.int("n") == n)
        #expect(try totals.string("ids") == String(n * (n - 1) / 2))  // sum(int8) is numeric
        #expect(try totals.int("hh") == (0..<n).reduce(0) { $0 + $1 % 500 })
        #expect(try totals.int("notes") == n - n / 5)
        // The awkward rows come back exactly as sent.
        for i in [0, 1, 2, 3, 4, 99_999] {
            let back = try db.execute(
                "SELECT id, code, households, share, shape, note FROM t WHERE id = $1", [.integer(Int64(i))]
            ).rows
            #expect(back.map(\.values) == [Self.row(i)])
        }
    }

    @Test func copyWithinATransactionIsUndoneWithIt() throws {
        let db = try TestCluster.connect()
        try db.execute("CREATE TEMP TABLE t (n int)")
        struct Abandon: Error {}
        #expect(throws: Abandon.self) {
            try db.transaction {
                try db.copy(into: "t", columns: ["n"], rows: (0..<10).map { [.integer(Int64($0))] })
                throw Abandon()
            }
        }
        #expect(try db.execute("SELECT count(*) AS n FROM t").rows[0].int("n") == 0)
    }

    @Test func failedCopyKeepsNothingAndNamesTheRow() throws {
        let db = try TestCluster.connect()
        try db.execute("CREATE TEMP TABLE t (n int, s text)")
        // Rows after the bad one: the server rejects it at once, libpq reports it at the end.
        let rows: [[PostgresValue]] = (0..<10_000).map { [$0 == 3 ? .text("three") : .integer(Int64($0)), .text("x")] }
        let e = try #require(throws: PostgresError.self) { try db.copy(into: "t", columns: ["n", "s"], rows: rows) }
        #expect(e.sqlState == .invalidTextRepresentation)
        #expect(e.message.contains("\"three\""))
        #expect(try db.execute("SELECT count(*) AS n FROM t").rows[0].int("n") == 0)

        struct Abandon: Error {}
        #expect(throws: Abandon.self) {
            try db.copy(into: "t", columns: ["n", "s"]) { writer in
                try writer.append([.integer(1), .text("a")])
                throw Abandon()
            }
        }
        #expect(try db.execute("SELECT count(*) AS n FROM t").rows[0].int("n") == 0)

        let wrongWidth = try #require(throws: PostgresError.self) {
            try db.copy(into: "t", columns: ["n", "s"]) { try $0.append([.integer(1)]) }
        }
        #expect(wrongWidth.message.contains("1 values for 2 columns"))
        let noTable = try #require(throws: PostgresError.self) {
            try db.copy(into: "missing", columns: ["n"], rows: [])
        }
        #expect(noTable.sqlState == .undefinedTable)
        #expect(!db.isInTransaction)
        #expect(try db.execute("SELECT 1 AS one").rows[0].int("one") == 1)
    }

    @Test func cursorStreamsInBatches() throws {
        let db = try TestCluster.connect()
        var batches: [Int] = []
        var sum = 0
        let total = try db.stream(
            "SELECT n FROM generate_series(1, $1::int) AS n ORDER BY n", [.integer(2500)], batchSize: 1000
        ) { rows in
            batches.append(rows.count)
            for row in rows { sum += try row.int("n") ?? 0 }
        }
        #expect(total == 2500)
        #expect(batches == [1000, 1000, 500])
        #expect(sum == 2500 * 2501 / 2)
        #expect(!db.isInTransaction)

        batches = []
        #expect(
            try db.stream("SELECT generate_series(1, 2000) AS n", batchSize: 1000) { batches.append($0.count) } == 2000)
        #expect(batches == [1000, 1000])  // the empty third fetch is not handed on
        #expect(
            try db.stream("SELECT 1 AS n WHERE false", batchSize: 10) { _ in Issue.record("no rows expected") } == 0)
    }

    @Test func cursorInsideATransactionLeavesItOpen() throws {
        let db = try TestCluster.connect()
        try db.execute("CREATE TEMP TABLE t (n int)")
        try db.transaction {
            try db.execute("INSERT INTO t SELECT generate_series(1, 30)")
            var seen = 0
            try db.stream("SELECT n FROM t", batchSize: 7) { seen += $0.count }
            #expect(seen == 30)  // sees the transaction's own uncommitted rows
            #expect(db.isInTransaction)
        }
        #expect(try db.execute("SELECT count(*) AS n FROM t").rows[0].int("n") == 30)
    }

    @Test func failingCursorBodyClosesEverything() throws {
        let db = try TestCluster.connect()
        struct Stop: Error {}
        var calls = 0
        #expect(throws: Stop.self) {
            try db.stream("SELECT generate_series(1, 100) AS n", batchSize: 10) { _ in
                calls += 1
                if calls == 2 { throw Stop() }
            }
        }
        #expect(calls == 2)
        #expect(!db.isInTransaction)
        let bad = try #require(throws: PostgresError.self) {
            try db.stream("SELECT * FROM missing", batchSize: 10) { _ in }
        }
        #expect(bad.sqlState == .undefinedTable)
        #expect(throws: PostgresError.self) { try db.stream("SELECT 1", batchSize: 0) { _ in } }
        #expect(try db.execute("SELECT 1 AS one").rows[0].int("one") == 1)
    }

    /// Binary cells decode to the same values as text cells, for every type the store reads:
    /// negative and wide integers, float4's widening, NaN and infinities, bytes with NUL and
    /// backslash, text with CJK and NUL-free control characters, and NULL.
    @Test func binaryCellsMatchTextCells() throws {
        let db = try TestCluster.connect()
        let sql = """
            SELECT n, n::int2 AS small, (n * 100000)::int4 AS medium, (n::int8 * 3000000000) AS big,
                   (n / 8.0)::float4 AS f4, (n / 7.0)::float8 AS f8,
                   CASE WHEN n = 0 THEN 'NaN'::float8 WHEN n = 1 THEN '-Infinity'::float8 ELSE n::float8 END AS special,
                   n % 2 = 0 AS even, CASE WHEN n % 3 = 0 THEN NULL ELSE '东四 ' || n || chr(9) || chr(92) END AS name,
                   decode(lpad(to_hex(abs(n) % 256), 2, '0') || '005c', 'hex') AS bytes, 26::oid AS kind,
                   'x'::varchar AS v
            FROM generate_series(-20, 20) AS n
            """
        var text: [[PostgresValue]] = []
        var binary: [[PostgresValue]] = []
        try db.stream(sql, batchSize: 6) { text += $0.map(\.values) }
        try db.stream(sql, batchSize: 6, format: .binary) { binary += $0.map(\.values) }
        #expect(text.count == 41)
        for (t, b) in zip(text, binary) {
            for (x, y) in zip(t, b) {
                if case .double(let a) = x, case .double(let c) = y, a.isNaN || c.isNaN {
                    #expect(a.isNaN && c.isNaN)
                } else {
                    #expect(x == y, "\(t[0]): text \(x), binary \(y)")
                }
            }
        }
        #expect(binary[0][3] == .integer(-60_000_000_000))
        #expect(binary[21][6] == .double(-.infinity))
    }

    /// The next batch is fetched while the body works; a statement the body runs on the same
    /// connection meanwhile waits for that fetch and both give their rows.
    @Test func statementsInsideACursorBodyStillWork() throws {
        let db = try TestCluster.connect()
        try db.execute("CREATE TEMP TABLE seen (n int)")
        var order: [Int] = []
        let total = try db.stream("SELECT generate_series(1, 95) AS n", batchSize: 10, format: .binary) { rows in
            let first = try rows[0].int("n") ?? -1
            order.append(first)
            let probe = try db.execute("SELECT $1::int + 1000 AS m", [.integer(Int64(first))]).rows[0].int("m")
            #expect(probe == first + 1000)
            try db.copy(into: "seen", columns: ["n"], rows: rows.map { [.integer(Int64(try $0.int("n")!))] })
        }
        #expect(total == 95)
        #expect(order == Array(stride(from: 1, through: 91, by: 10)))
        #expect(try db.execute("SELECT count(*) AS c, sum(n) AS s FROM seen").rows[0].int("c") == 95)
        // A body that throws with a fetch under way leaves the connection usable.
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try db.stream("SELECT generate_series(1, 100) AS n", batchSize: 10) { _ in throw Stop() }
        }
        #expect(!db.isInTransaction)
        #expect(try db.execute("SELECT 2 AS two").rows[0].int("two") == 2)
    }
}
