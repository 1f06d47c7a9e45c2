import Foundation
import GridplanPostgres
import Testing

@Suite(.enabled(if: TestCluster.enabled, TestCluster.skipReason))
struct PostgresConnectionTests {
    @Test func serverVersionIsReported() throws {
        let db = try TestCluster.connect()
        #expect(db.serverVersionNumber >= 120000)
        #expect(db.serverVersion.hasPrefix("\(db.serverVersionNumber / 10000)."))
    }

    @Test func boundParametersStayData() throws {
        let db = try TestCluster.connect()
        try db.execute("CREATE TEMP TABLE t (id int, name text)")
        let attacks = [
            "x'); DROP TABLE t; --",
            "'; DELETE FROM t WHERE ''='",
            "Robert\"); DROP TABLE t;-- \\ $1 $$ ; ;",
            "东四社区 'quoted' \"double\"",
        ]
        for (i, attack) in attacks.enumerated() {
            try db.execute("INSERT INTO t (id, name) VALUES ($1, $2)", [.integer(Int64(i)), .text(attack)])
        }
        let rows = try db.execute("SELECT name FROM t ORDER BY id").rows
        #expect(try rows.map { try $0.string("name") } == attacks)
        // A comparison binds the same way: the quote in the value does not end a literal.
        let match = try db.execute("SELECT count(*) AS n FROM t WHERE name = $1", [.text(attacks[1])])
        #expect(try match.rows[0].int("n") == 1)
        // One statement per call: a second one in the SQL itself is refused, not run.
        let e = try #require(throws: PostgresError.self) { try db.execute("SELECT 1; DROP TABLE t") }
        #expect(e.sqlState == .syntaxError)
        #expect(try db.execute("SELECT count(*) AS n FROM t").rows[0].int("n") == Int(attacks.count))
    }

    @Test func valuesRoundTripWithTheirTypes() throws {
        let db = try TestCluster.connect()
        let row = try db.execute(
            "SELECT $1::int8 AS big, $2::int4 AS small, $3::float8 AS d, $4::bool AS b, $5::text AS s, $6::text AS empty, "
                + "$7::float8 AS nan, $8::float8 AS inf, 12.50::numeric AS n",
            [
                .integer(5_000_000_000), .integer(-7), .double(0.1), .bool(true), .text("a\tb\nc"), .text(""),
                .double(.nan), .double(-.infinity),
            ]
        ).rows[0]
        #expect(try row.int("big") == 5_000_000_000)
        #expect(try row.int("small") == -7)
        #expect(try row.double("d") == 0.1)
        #expect(try row.double("small") == -7)
        #expect(try row.bool("b") == true)
        #expect(try row.string("s") == "a\tb\nc")
        #expect(try row.string("empty") == "")
        #expect(try row.double("nan")?.isNaN == true)
        #expect(try row.double("inf") == -.infinity)
        #expect(try row.string("n") == "12.50")  // numeric stays text: no precision lost
        #expect(row.columnNames == ["big", "small", "d", "b", "s", "empty", "nan", "inf", "n"])
    }

    @Test func nullsReadAsNil() throws {
        let db = try TestCluster.connect()
        try db.execute("CREATE TEMP TABLE t (i int, d float8, s text, b bytea, f bool)")
        try db.execute("INSERT INTO t VALUES ($1, $2, $3, $4, $5)", [.null, .null, .null, .null, .null])
        let row = try db.execute("SELECT * FROM t").rows[0]
        #expect(row.values == [.null, .null, .null, .null, .null])
        #expect(try row.int("i") == nil)
        #expect(try row.double("d") == nil)
        #expect(try row.string("s") == nil)
        #expect(try row.bytes("b") == nil)
        #expect(try row.bool("f") == nil)
        #expect(try row.isNull("s"))
    }

    @Test func wrongTypesAndMissingColumnsAreNamed() throws {
        let db = try TestCluster.connect()
        let row = try db.execute("SELECT 1 AS n, 'x' AS s").rows[0]
        let wrong = try #require(throws: PostgresError.self) { _ = try row.string("n") }
        #expect(wrong.description.contains("column \"n\" holds integer, not text"))
        let missing = try #require(throws: PostgresError.self) { _ = try row.int("m") }
        #expect(missing.description.contains("no column \"m\" in the result (it has: n, s)"))
    }

    @Test func byteaRoundTrips() throws {
        let db = try TestCluster.connect()
        let every = (0...255).map(UInt8.init) + [0, 0, 92, 120]  // NULs, a backslash and 'x'
        let row = try db.execute(
            "SELECT $1::bytea AS b, length($1::bytea) AS n, $2::bytea AS empty", [.bytea(every), .bytea([])]
        ).rows[0]
        #expect(try row.bytes("b") == every)
        #expect(try row.int("n") == every.count)
        #expect(try row.bytes("empty") == [])
        try db.execute("CREATE TEMP TABLE t (b bytea)")
        try db.execute("INSERT INTO t VALUES ($1)", [.bytea(every)])
        #expect(try db.execute("SELECT b FROM t").rows[0].bytes("b") == every)
    }

    @Test func failedTransactionLeavesNothing() throws {
        let db = try TestCluster.connect()
        try db.execute("CREATE TEMP TABLE t (code text UNIQUE)")
        try db.execute("INSERT INTO t VALUES ('a')")
        let e = try #require(throws: PostgresError.self) {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES ('b')")
                try db.execute("INSERT INTO t VALUES ('a')")  // violates UNIQUE
            }
        }
        #expect(e.sqlState == .uniqueViolation)
        #expect(!db.isInTransaction)
        #expect(try db.execute("SELECT code FROM t ORDER BY code").rows.map { try $0.string("code") } == ["a"])

        struct Abandon: Error {}
        #expect(throws: Abandon.self) {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES ('c')")
                throw Abandon()
            }
        }
        #expect(try db.execute("SELECT count(*) AS n FROM t").rows[0].int("n") == 1)
    }

    @Test func nestedTransactionIsASavepoint() throws {
        let db = try TestCluster.connect()
        try db.execute("CREATE TEMP TABLE t (code text)")
        struct Abandon: Error {}
        try db.transaction {
            try db.execute("INSERT INTO t VALUES ('outer')")
            #expect(throws: Abandon.self) {
                try db.transaction {
                    try db.execute("INSERT INTO t VALUES ('inner')")
                    throw Abandon()
                }
            }
            try db.transaction { try db.execute("INSERT INTO t VALUES ('kept')") }
        }
        #expect(
            try db.execute("SELECT code FROM t ORDER BY code").rows.map { try $0.string("code") } == ["kept", "outer"])
    }

    @Test func caughtFailureMakesCommitThrow() throws {
        let db = try TestCluster.connect()
        try db.execute("CREATE TEMP TABLE t (n int)")
        let e = try #require(throws: PostgresError.self) {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES (1)")
                _ = try? db.execute("SELECT * FROM missing_table")  // caught: the server still aborts the transaction
            }
        }
        #expect(e.sqlState == .inFailedSQLTransaction)
        #expect(try db.execute("SELECT count(*) AS n FROM t").rows[0].int("n") == 0)
    }

    @Test func readOnlyTransactionRefusesWrites() throws {
        let db = try TestCluster.connect()
        // Not a TEMP table: READ ONLY transactions may still write those.
        let t = try db.quoteIdentifier(TestCluster.uniqueName("readonly"))
        try db.execute("CREATE TABLE \(t) (n int)")
        defer { _ = try? db.execute("DROP TABLE IF EXISTS \(t)") }
        let e = try #require(throws: PostgresError.self) {
            try db.transaction(readOnly: true) { try db.execute("INSERT INTO \(t) VALUES (1)") }
        }
        #expect(e.sqlState == .readOnlySQLTransaction)
        #expect(e.isReadOnly)
    }

    @Test func errorsCarrySQLStateMessageAndSQL() throws {
        let db = try TestCluster.connect()
        let missing = try #require(throws: PostgresError.self) { try db.execute("SELECT * FROM no_such_table") }
        #expect(missing.sqlState == .undefinedTable)
        #expect(missing.message == "relation \"no_such_table\" does not exist")
        #expect(missing.sql == "SELECT * FROM no_such_table")
        #expect(
            missing.description.hasPrefix(
                "PostgreSQL error 42P01 (undefinedTable): relation \"no_such_table\" does not exist"))
        #expect(missing.description.hasSuffix("— in: SELECT * FROM no_such_table"))

        try db.execute("CREATE TEMP TABLE t (code text PRIMARY KEY)")
        try db.execute("INSERT INTO t VALUES ($1)", [.text("110101")])
        let duplicate = try #require(throws: PostgresError.self) {
            try db.execute("INSERT INTO t VALUES ($1)", [.text("110101")])
        }
        #expect(duplicate.sqlState == .uniqueViolation)
        #expect(duplicate.detail == "Key (code)=(110101) already exists.")
        #expect(duplicate.sqlState?.name == "uniqueViolation")
        // The connection is still usable after errors.
        #expect(try db.execute("SELECT count(*) AS n FROM t").rows[0].int("n") == 1)
    }

    @Test func lockTimeoutIsBusy() throws {
        let a = try TestCluster.connect()
        let b = try TestCluster.connect()
        let table = TestCluster.uniqueName("locked")
        let quoted = try a.quoteIdentifier(table)
        try a.execute("CREATE TABLE \(quoted) (n int)")
        defer { _ = try? a.execute("DROP TABLE IF EXISTS \(quoted)") }
        try b.execute("SET lock_timeout = '100ms'")
        try a.transaction {
            try a.execute("LOCK TABLE \(quoted) IN EXCLUSIVE MODE")
            let e = try #require(throws: PostgresError.self) {
                try b.transaction { try b.execute("LOCK TABLE \(quoted) IN EXCLUSIVE MODE") }
            }
            #expect(e.sqlState == .lockNotAvailable)
            #expect(e.isBusy)
            #expect(e.description.hasPrefix("store is busy"))
            // Readers never block: a plain SELECT does not wait for the writer's lock.
            #expect(try b.execute("SELECT count(*) AS n FROM \(quoted)").rows[0].int("n") == 0)
        }
        try b.transaction { try b.execute("LOCK TABLE \(quoted) IN EXCLUSIVE MODE") }
    }

    @Test func statementTimeoutIsCancelledNotBusy() throws {
        let db = try TestCluster.connect()
        try db.execute("SET statement_timeout = '50ms'")
        let e = try #require(throws: PostgresError.self) { try db.execute("SELECT pg_sleep(5)") }
        #expect(e.sqlState == .queryCanceled)
        #expect(!e.isBusy)
    }

    @Test func identifiersAreQuoted() throws {
        let db = try TestCluster.connect()
        #expect(try db.quoteIdentifier("grids") == "\"grids\"")
        #expect(try db.quoteIdentifier("a\"b") == "\"a\"\"b\"")
        #expect(try db.quoteLiteral("it's") == "'it''s'")
        let name = "grid \"x\"; DROP TABLE y; 网格"
        let t = try db.quoteIdentifier(name)
        try db.execute("CREATE TEMP TABLE \(t) (n int)")
        try db.execute("INSERT INTO \(t) VALUES (1)")
        let found = try db.execute("SELECT count(*) AS n FROM pg_class WHERE relname = $1", [.text(name)])
        #expect(try found.rows[0].int("n") == 1)
        #expect(throws: PostgresError.self) { try db.quoteIdentifier("a\u{0}b") }
    }

    @Test func scriptsRunSeveralStatements() throws {
        let db = try TestCluster.connect()
        try db.executeScript("CREATE TEMP TABLE t (n int); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)")
        #expect(try db.execute("SELECT sum(n) AS s FROM t").rows[0].int("s") == 3)
        // One implicit transaction: the failing last statement undoes the first.
        #expect(throws: PostgresError.self) { try db.executeScript("INSERT INTO t VALUES (3); SELECT * FROM missing") }
        #expect(try db.execute("SELECT count(*) AS n FROM t").rows[0].int("n") == 2)
    }

    @Test func textWithNulIsRefusedNotCut() throws {
        let db = try TestCluster.connect()
        let e = try #require(throws: PostgresError.self) { try db.execute("SELECT $1::text", [.text("a\u{0}b")]) }
        #expect(e.message.contains("NUL"))
    }
}
