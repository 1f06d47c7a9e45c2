import Foundation
import GridplanSQLite
import Testing

@Suite struct DatabaseTests {
    func path() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("gridplan-db-\(UUID().uuidString).sqlite").path
    }

    @Test func createInsertQuery() throws {
        let db = try Database(path: path())
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, area REAL, shape BLOB)")
        let insert = try db.prepare("INSERT INTO t (name, area, shape) VALUES (?, ?, ?)")
        try insert.run([.text("东四社区"), .real(1.5), .blob([1, 2, 3])])
        try insert.run([.text("b"), .null, .blob([])])
        #expect(db.lastInsertRowID == 2)
        let rows = try db.rows("SELECT id, name, area, shape FROM t ORDER BY id")
        #expect(
            rows == [
                [.integer(1), .text("东四社区"), .real(1.5), .blob([1, 2, 3])],
                [.integer(2), .text("b"), .null, .blob([])],
            ])
    }

    @Test func failedTransactionLeavesNothing() throws {
        let db = try Database(path: path())
        try db.execute("CREATE TABLE t (code TEXT UNIQUE)")
        try db.execute("INSERT INTO t VALUES ('a')")
        #expect(throws: DatabaseError.self) {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES ('b')")
                try db.execute("INSERT INTO t VALUES ('a')")  // violates UNIQUE
            }
        }
        #expect(try db.rows("SELECT code FROM t") == [[.text("a")]])
    }

    @Test func errorsCarryCodeMessageAndSQL() throws {
        let db = try Database(path: path())
        do {
            _ = try db.prepare("SELECT * FROM missing")
            Issue.record("expected an error")
        } catch let e as DatabaseError {
            #expect(e.message.contains("no such table"))
            #expect(e.sql == "SELECT * FROM missing")
        }
        #expect(throws: DatabaseError.self) { try Database(path: "/nonexistent/dir/x.sqlite") }
    }

    @Test func busyStoreIsReportedAsBusy() throws {
        let p = path()
        let a = try Database(path: p)
        try a.execute("PRAGMA journal_mode=WAL; CREATE TABLE t (x)")
        let b = try Database(path: p, busyTimeoutMilliseconds: 50)
        try a.execute("BEGIN IMMEDIATE; INSERT INTO t VALUES (1)")
        do {
            try b.execute("BEGIN IMMEDIATE")
            Issue.record("expected busy")
        } catch let e as DatabaseError {
            #expect(e.isBusy)
            #expect(e.description.hasPrefix("store is busy"))
        }
        try a.execute("COMMIT")
        try b.execute("BEGIN IMMEDIATE; INSERT INTO t VALUES (2); COMMIT")
        #expect(try a.rows("SELECT count(*) FROM t") == [[.integer(2)]])
    }
}
