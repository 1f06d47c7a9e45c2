import Foundation
import GridplanPostgres
import Testing

@Suite(.enabled(if: TestCluster.enabled, TestCluster.skipReason))
struct PostgresBinaryCopyTests {
    static let columns: [(name: String, type: PostgresCopyType)] = [
        ("id", .int8), ("share", .float8), ("ok", .bool), ("note", .text), ("shape", .bytea),
    ]

    /// Row `i` as the text cells a SELECT gives back, NULLs every few rows.
    static func expected(_ i: Int) -> [PostgresValue] {
        [
            .integer(Int64(i) - 3), i % 4 == 0 ? .null : .double(Double(i) / 8 - 1e-300),
            .bool(i % 2 == 0), i % 3 == 0 ? .null : .text(i % 5 == 0 ? "tab\there\nnewline \\ 东四" : "n\(i)"),
            .bytea([UInt8(i & 0xff), 0, 92]),
        ]
    }

    static func rows(_ range: Range<Int>) throws -> PostgresBinaryRows {
        var rows = PostgresBinaryRows(columnCount: columns.count)
        for i in range {
            rows.startRow()
            for value in expected(i) {
                switch value {
                case .null: rows.appendNull()
                case .integer(let n): rows.append(n)
                case .double(let d): rows.append(d)
                case .bool(let b): rows.append(b)
                case .text(let s): try rows.append(s)
                case .bytea(let b): rows.append(bytes: b)
                }
            }
        }
        return rows
    }

    @Test func rowsBuiltElsewhereArriveExactly() throws {
        let db = try TestCluster.connect()
        try db.execute("CREATE TEMP TABLE t (id int8, share float8, ok bool, note text, shape bytea)")
        let batches = try (0..<5).map { try Self.rows(($0 * 2000)..<(($0 + 1) * 2000)) }
        let copied = try db.copyBinary(into: "t", columns: Self.columns) { copy in
            for b in batches { try copy.send(b) }
            try copy.send(PostgresBinaryRows(columnCount: Self.columns.count))
        }
        #expect(copied == 10_000)
        let back = try db.execute("SELECT id, share, ok, note, shape FROM t ORDER BY id").rows
        #expect(back.map(\.values) == (0..<10_000).map(Self.expected))
    }

    @Test func aColumnOfAnotherTypeIsRefusedBeforeAnyRow() throws {
        let db = try TestCluster.connect()
        try db.execute("CREATE TEMP TABLE t (id int4, share float8, ok bool, note text, shape bytea)")
        let e = try #require(throws: PostgresError.self) {
            try db.copyBinary(into: "t", columns: Self.columns) { try $0.send(try Self.rows(0..<3)) }
        }
        #expect(e.message.contains("column id"), "\(e.message)")
        #expect(e.message.contains("int4"), "\(e.message)")
        let missing = try #require(throws: PostgresError.self) {
            try db.copyBinary(into: "t", columns: [("nope", .text)]) { _ in }
        }
        #expect(missing.message.contains("does not exist"), "\(missing.message)")
        #expect(try db.execute("SELECT count(*) AS n FROM t").rows[0].int("n") == 0)
        #expect(!db.isInTransaction)
    }

    @Test func aFailingBodyOrBadRowsKeepNothing() throws {
        let db = try TestCluster.connect()
        try db.execute("CREATE TEMP TABLE t (id int8, share float8, ok bool, note text, shape bytea)")
        struct Abandon: Error {}
        #expect(throws: Abandon.self) {
            try db.copyBinary(into: "t", columns: Self.columns) { copy in
                try copy.send(try Self.rows(0..<100))
                throw Abandon()
            }
        }
        var nul = PostgresBinaryRows(columnCount: 1)
        nul.startRow()
        #expect(throws: PostgresError.self) { try nul.append("a\u{0}b") }
        // Rows for another width are refused; so is a half-built row.
        let wrong = try #require(throws: PostgresError.self) {
            try db.copyBinary(into: "t", columns: Self.columns) { copy in
                var half = PostgresBinaryRows(columnCount: Self.columns.count)
                half.startRow()
                half.append(Int64(1))
                try copy.send(half)
            }
        }
        #expect(wrong.message.contains("complete: false"), "\(wrong.message)")
        #expect(try db.execute("SELECT count(*) AS n FROM t").rows[0].int("n") == 0)
        #expect(try db.execute("SELECT 1 AS one").rows[0].int("one") == 1)
    }
}
