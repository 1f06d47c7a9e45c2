import Foundation
import GridplanPostgres
import Testing

/// The PostgreSQL cluster the tests run against: `GRIDPLAN_TEST_PG`, set by `.ci/pg-cluster run`.
///
/// Without it the cluster tests skip, saying why, except under CI (`CI` set), where they run
/// and fail: a CI run that silently tested nothing of PostgreSQL would look green.
enum TestCluster {
    static let uri: String? = ProcessInfo.processInfo.environment["GRIDPLAN_TEST_PG"].flatMap { $0.isEmpty ? nil : $0 }
    static let inCI = !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty
    static let enabled = uri != nil || inCI
    static let skipReason: Comment =
        "GRIDPLAN_TEST_PG is not set: run the tests under a cluster with `.ci/pg-cluster run -- swift test` (make test does)"

    /// A connection as the test superuser.
    static func connect() throws -> PostgresConnection {
        try PostgresConnection(try location())
    }

    static func location() throws -> String {
        guard let uri else {
            throw PostgresError(
                sqlState: nil,
                message:
                    "CI is set but GRIDPLAN_TEST_PG is not: the PostgreSQL tests need a cluster (.ci/pg-cluster run -- …)"
            )
        }
        return uri
    }

    /// `host:port/database` of the test cluster, for URIs with another user.
    static func hostPortDatabase() throws -> Substring {
        let uri = try location()
        let at = try #require(uri.lastIndex(of: "@"))
        return uri[uri.index(after: at)...]
    }

    /// A name no other test (or earlier run against the same cluster) uses: roles and tables
    /// outlive connections, and tests run in parallel.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased())"
    }

    /// A random password, made fresh per test so that none is a fixed secret in the repository.
    static func password() -> String { "pw-" + UUID().uuidString }

    /// Creates a login role with a password and drops it (with what it was granted) after `body`.
    static func withRole<T>(
        _ admin: PostgresConnection, prefix: String, password: String, _ body: (String) throws -> T
    ) throws -> T {
        let role = uniqueName(prefix)
        // CREATE ROLE takes no parameters: the one place a value is quoted rather than bound.
        try admin.execute("CREATE ROLE \(admin.quoteIdentifier(role)) LOGIN PASSWORD \(admin.quoteLiteral(password))")
        defer {
            _ = try? admin.execute("DROP OWNED BY \(admin.quoteIdentifier(role))")
            _ = try? admin.execute("DROP ROLE \(admin.quoteIdentifier(role))")
        }
        return try body(role)
    }
}
