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
}
