import Foundation
import GridplanPostgres

/// A layer table rebuilt beside itself for a bulk import that replaces every row: the rows go
/// into a new table without indexes, its indexes are built once over the whole (sorted builds,
/// several times cheaper than keeping a GiST index up to date row by row), and at the end the
/// new table takes the old one's place, all in the import's transaction.
///
/// Readers go on reading the old table during the load; only the swap itself takes the table's
/// exclusive lock, for a moment, once the readers that had it open are done (in short tries,
/// so a reader arriving meanwhile waits at most one try). A failed or killed import leaves the
/// old table as it was. The caveat is MVCC's own for such swaps (as for `TRUNCATE`): a reader
/// in a REPEATABLE READ transaction older than the import that first touches the layer after
/// the swap sees it empty; gridplan's readers take a new snapshot per statement.
///
/// It is used only for a table exactly as gridplan's migrations made it, owned by the importing
/// role: no views, triggers, policies, column grants, storage options, partitions or
/// inheritance, no constraint but the primary key. Its indexes, table grants and comment are
/// carried over. Anything else is imported into the table as it is (``PostGISStore/copy(_:into:generation:fields:progress:)``).
struct PostGISBulkLoad {
    let connection: PostgresConnection
    /// The new table's name, as COPY takes it (unquoted).
    let loadingName: String
    /// The layer's table and the new one, quoted.
    private let table: String
    private let loading: String
    private let plan: Plan

    /// What is carried from the old table to the new.
    private struct Plan {
        var indexes: [Index] = []
        /// The primary key's constraint name (quoted) and the index that becomes it.
        var primaryKey: (constraint: String, index: String)?
        var grants: [(privilege: String, grantee: String, grantable: Bool)] = []
        var comment: String?
        /// Sequences owned by a column of the old table (the `fid` serial), with the column (quoted).
        var sequences: [(sequence: String, column: String)] = []
    }

    /// An index of the old table: its name (quoted), the name it is built under beside the old
    /// one, and its definition after `ON table` (`USING gist (geom)`).
    private struct Index {
        var name: String
        var temporary: String
        var unique: Bool
        var definition: Substring
    }

    /// How long the swap tries to take the old table from readers that have it open.
    static let swapBudgetSeconds: TimeInterval = 60

    /// A bulk load for `layer`'s table, or nil when the table is not one it may rebuild.
    static func prepare(_ connection: PostgresConnection, layer: String) throws -> PostGISBulkLoad? {
        let table = try connection.quoteIdentifier(layer)
        guard try isPlain(connection, table) else { return nil }
        guard let plan = try plan(connection, table) else { return nil }
        let loadingName = layer + "_gridplan_load"
        return PostGISBulkLoad(
            connection: connection, loadingName: loadingName, table: table,
            loading: try connection.quoteIdentifier(loadingName), plan: plan)
    }

    /// Whether the table is owned by this role and has nothing depending on it beyond its own
    /// row type, toast table, defaults, indexes, owned sequences and primary key.
    private static func isPlain(_ connection: PostgresConnection, _ table: String) throws -> Bool {
        let row = try connection.execute(
            """
            SELECT pg_get_userbyid(c.relowner) = current_user AS owned,
                   c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
                     AND c.relkind = 'r' AND NOT c.relispartition AND NOT c.relrowsecurity AND c.reloptions IS NULL
                     AND NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = c.oid OR inhparent = c.oid)
                     AND NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = c.oid AND attacl IS NOT NULL)
                     AND NOT EXISTS (SELECT 1 FROM pg_description WHERE objoid = c.oid AND objsubid <> 0
                                     AND classoid = 'pg_class'::regclass) AS simple,
                   (SELECT count(*) FROM pg_depend d WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid
                      AND NOT (d.classid = 'pg_type'::regclass OR d.classid = 'pg_attrdef'::regclass
                        OR (d.classid = 'pg_class'::regclass
                            AND (SELECT relkind FROM pg_class WHERE oid = d.objid) IN ('i', 'S', 't'))
                        OR (d.classid = 'pg_constraint'::regclass
                            AND (SELECT contype FROM pg_constraint WHERE oid = d.objid) = 'p'))) AS dependents
            FROM pg_class c WHERE c.oid = $1::regclass
            """, [.text(table)]
        ).rows[0]
        return try row.bool("owned") == true && row.bool("simple") == true && row.int("dependents") == 0
    }

    /// The indexes, grants, comment and owned sequences to carry over; nil when an index is
    /// one this cannot rebuild (a constraint other than the primary key, a definition not in
    /// the form expected).
    private static func plan(_ connection: PostgresConnection, _ table: String) throws -> Plan? {
        var plan = Plan()
        let indexes = try connection.execute(
            """
            SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def,
                   'CREATE ' || CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END || 'INDEX '
                     || quote_ident(ic.relname) || ' ON ' || quote_ident(n.nspname) || '.' || quote_ident(t.relname)
                     || ' ' AS prefix,
                   con.conname AS constraint_name, con.contype AS constraint_type
            FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
              JOIN pg_namespace n ON n.oid = t.relnamespace
              LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
            WHERE i.indrelid = $1::regclass ORDER BY ic.relname
            """, [.text(table)]
        ).rows
        for (k, r) in indexes.enumerated() {
            guard let name = try r.string("name"), let def = try r.string("def"), let prefix = try r.string("prefix"),
                def.hasPrefix(prefix)
            else { return nil }
            let index = Index(
                name: try connection.quoteIdentifier(name), temporary: "gridplan_load_index_\(k)",
                unique: def.hasPrefix("CREATE UNIQUE"), definition: def.dropFirst(prefix.count))
            switch try r.string("constraint_type") {
            case nil: break
            case "p":
                guard let constraint = try r.string("constraint_name") else { return nil }
                plan.primaryKey = (try connection.quoteIdentifier(constraint), index.temporary)
            default: return nil
            }
            plan.indexes.append(index)
        }
        for r in try connection.execute(
            """
            SELECT a.privilege_type AS privilege, a.is_grantable AS grantable,
                   CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END AS grantee
            FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = $1::regclass
            """, [.text(table)]
        ).rows {
            // A privilege is one of PostgreSQL's own keywords (SELECT, INSERT, ...), from the catalog.
            guard let privilege = try r.string("privilege"), privilege.allSatisfy({ $0.isLetter && $0.isASCII })
            else { return nil }
            let grantee = try r.string("grantee").map { try connection.quoteIdentifier($0) } ?? "PUBLIC"
            plan.grants.append((privilege, grantee, try r.bool("grantable") == true))
        }
        plan.comment = try connection.execute(
            "SELECT obj_description($1::regclass, 'pg_class') AS comment", [.text(table)]
        ).rows[0].string("comment")
        for r in try connection.execute(
            """
            SELECT d.objid::regclass::text AS sequence, a.attname AS column
            FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
              JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
            WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
              AND d.refobjid = $1::regclass AND d.deptype = 'a'
            """, [.text(table)]
        ).rows {
            guard let sequence = try r.string("sequence"), let column = try r.string("column") else { continue }
            plan.sequences.append((sequence, try connection.quoteIdentifier(column)))
        }
        return plan
    }

    /// Runs `load` to fill the new table (``loadingName``), then builds its indexes and swaps it
    /// in for the old one. Inside the caller's transaction.
    func run<T>(_ load: () throws -> T) throws -> T {
        try connection.execute("CREATE TABLE \(loading) (LIKE \(table) INCLUDING ALL EXCLUDING INDEXES)")
        let result = try load()
        try buildIndexes()
        try swap()
        return result
    }

    private func buildIndexes() throws {
        for index in plan.indexes {
            try connection.execute(
                "CREATE \(index.unique ? "UNIQUE " : "")INDEX \(index.temporary) ON \(loading) \(index.definition)")
        }
        for grant in plan.grants {
            try connection.execute(
                "GRANT \(grant.privilege) ON \(loading) TO \(grant.grantee)\(grant.grantable ? " WITH GRANT OPTION" : "")"
            )
        }
        if let comment = plan.comment {
            try connection.execute("COMMENT ON TABLE \(loading) IS \(try connection.quoteLiteral(comment))")
        }
    }

    /// Takes the old table from its readers, drops it, and gives the new one its name, its
    /// sequences, its indexes' names and its primary key.
    private func swap() throws {
        try lockOldTable()
        for s in plan.sequences {
            try connection.execute("ALTER SEQUENCE \(s.sequence) OWNED BY \(loading).\(s.column)")
        }
        try connection.execute("DROP TABLE \(table)")
        try connection.execute("ALTER TABLE \(loading) RENAME TO \(table)")
        for index in plan.indexes where plan.primaryKey?.index != index.temporary {
            try connection.execute("ALTER INDEX \(index.temporary) RENAME TO \(index.name)")
        }
        if let pk = plan.primaryKey {
            try connection.execute(
                "ALTER TABLE \(table) ADD CONSTRAINT \(pk.constraint) PRIMARY KEY USING INDEX \(pk.index)")
        }
    }

    /// `ACCESS EXCLUSIVE` on the old table, tried for a fifth of a second at a time (inside a
    /// savepoint, so a try that times out costs nothing) until the readers that hold it are
    /// done, for up to ``swapBudgetSeconds``.
    private func lockOldTable() throws {
        let deadline = Date().addingTimeInterval(Self.swapBudgetSeconds)
        while true {
            do {
                try connection.transaction {
                    try connection.execute("SET LOCAL lock_timeout = 200")
                    try connection.execute("LOCK TABLE \(table) IN ACCESS EXCLUSIVE MODE")
                }
                try connection.execute("SET LOCAL lock_timeout = \(PostGISStore.busyTimeoutMilliseconds)")
                return
            } catch let e as PostgresError where e.isBusy {
                guard Date() < deadline else {
                    throw PostgresError(
                        sqlState: e.sqlState,
                        message:
                            "readers kept \(table) open for \(Int(Self.swapBudgetSeconds)) s after its new rows were ready; nothing was imported"
                    )
                }
                usleep(100_000)
            }
        }
    }
}
