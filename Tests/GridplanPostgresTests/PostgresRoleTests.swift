import GridplanPostgres
import Testing

@Suite(.enabled(if: TestCluster.enabled, TestCluster.skipReason))
struct PostgresRoleTests {
    @Test func readOnlyRoleReadsButCannotWrite() throws {
        let admin = try TestCluster.connect()
        let table = TestCluster.uniqueName("layer")
        let t = try admin.quoteIdentifier(table)
        try admin.execute("CREATE TABLE \(t) (code text)")
        defer { _ = try? admin.execute("DROP TABLE IF EXISTS \(t)") }
        try admin.execute("INSERT INTO \(t) VALUES ($1)", [.text("110101")])
        let password = TestCluster.password()
        try TestCluster.withRole(admin, prefix: "reader", password: password) { role in
            try admin.execute("GRANT SELECT ON \(t) TO \(admin.quoteIdentifier(role))")
            let reader = try PostgresConnection(
                TestCluster.location(), parameters: ["user": role, "password": password])
            #expect(try reader.execute("SELECT code FROM \(t)").rows.map { try $0.string("code") } == ["110101"])
            #expect(try reader.stream("SELECT code FROM \(t)", batchSize: 1) { _ in } == 1)

            let insert = try #require(throws: PostgresError.self) {
                try reader.execute("INSERT INTO \(t) VALUES ('x')")
            }
            #expect(insert.sqlState == .insufficientPrivilege)
            #expect(insert.isPermissionDenied)
            #expect(insert.message == "permission denied for table \(table)")
            let copy = try #require(throws: PostgresError.self) {
                try reader.copy(into: table, columns: ["code"], rows: [[.text("x")]])
            }
            #expect(copy.sqlState == .insufficientPrivilege)
            // PostgreSQL 15 gives PUBLIC no CREATE on the public schema: the role cannot add a layer either.
            let create = try #require(throws: PostgresError.self) {
                try reader.execute("CREATE TABLE \(reader.quoteIdentifier(TestCluster.uniqueName("new"))) (n int)")
            }
            #expect(create.sqlState == .insufficientPrivilege)
        }
        #expect(try admin.execute("SELECT count(*) AS n FROM \(t)").rows[0].int("n") == 1)
    }

    @Test func wrongPasswordFailsAndIsNeverShown() throws {
        let admin = try TestCluster.connect()
        let password = TestCluster.password()
        try TestCluster.withRole(admin, prefix: "login", password: password) { role in
            let wrong = "Wrong-" + TestCluster.password()
            let target = try TestCluster.hostPortDatabase()  // 127.0.0.1:port/database
            let hostPort = target.split(separator: "/")[0].split(separator: ":")
            let database = target.split(separator: "/")[1]
            let attempts: [(String, [String: String])] = [
                ("postgresql://\(role):\(wrong)@\(target)", [:]),
                ("postgresql://\(role)@\(target)?connect_timeout=10&password=\(wrong)", [:]),
                ("host=\(hostPort[0]) port=\(hostPort[1]) dbname=\(database) user=\(role) password='\(wrong)'", [:]),
                ("postgresql://\(role)@\(target)", ["password": wrong]),
            ]
            for (location, parameters) in attempts {
                let e = try #require(throws: PostgresError.self) {
                    try PostgresConnection(location, parameters: parameters)
                }
                #expect(e.sqlState == .unableToConnect)
                #expect(e.isConnectionFailure)
                #expect(e.message.contains("password authentication failed for user \"\(role)\""))
                for shown in [e.description, e.message, String(reflecting: e)] {
                    #expect(!shown.contains(wrong), "the wrong password shows in: \(PostgresLocation.masking(shown))")
                    #expect(!shown.contains(password))
                }
            }
            let db = try PostgresConnection("postgresql://\(role):\(password)@\(target)")
            #expect(db.maskedLocation == "postgresql://\(role):***@\(target)")
            #expect(try db.execute("SELECT current_user AS u").rows[0].string("u") == role)
        }
    }
}
