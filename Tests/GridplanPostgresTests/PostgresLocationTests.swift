import GridplanPostgres
import Testing

/// No cluster needed: recognising and masking locations, and libpq's own parse errors.
@Suite struct PostgresLocationTests {
    @Test func recognisesPostgresURIs() throws {
        for yes in [
            "postgresql://u@h:5432/db", "postgres://h/db", "PostgreSQL://h/db", "postgresql://", "postgresql:///db",
        ] {
            #expect(PostgresLocation.isPostgres(yes), "\(yes)")
        }
        for no in [
            "city.gpkg", "/data/postgres/city.gpkg", "postgresql:/h/db", "postgresql.gpkg", "host=h dbname=d", "",
        ] {
            #expect(!PostgresLocation.isPostgres(no), "\(no)")
            #expect(PostgresLocation(no) == nil)
        }
        #expect(try #require(PostgresLocation("PostgreSQL://h/db")).uri == "postgresql://h/db")
    }

    @Test func masksPasswordsInURIs() throws {
        let cases = [
            ("postgresql://gridplan:s3cret@127.0.0.1:5432/city", "postgresql://gridplan:***@127.0.0.1:5432/city"),
            (
                "postgres://u:p%40ss%2Fword@db.example.cn/city?sslmode=require",
                "postgres://u:***@db.example.cn/city?sslmode=require"
            ),
            (
                "postgresql://u@h/city?sslmode=require&password=s3cret&application_name=x",
                "postgresql://u@h/city?sslmode=require&password=***&application_name=x"
            ),
            (
                "postgresql://u:a@b@h1:5432,h2:5433/city?password=c",
                "postgresql://u:***@h1:5432,h2:5433/city?password=***"
            ),
            ("postgresql://u:@h/city", "postgresql://u:***@h/city"),
            ("postgresql://gridplan@127.0.0.1:5432/city", "postgresql://gridplan@127.0.0.1:5432/city"),
            ("postgresql://127.0.0.1/city", "postgresql://127.0.0.1/city"),
        ]
        for (uri, masked) in cases {
            let location = try #require(PostgresLocation(uri))
            #expect(location.masked == masked)
            #expect(location.description == masked)
            #expect(String(reflecting: location) == "PostgresLocation(\(masked))")
            var dumped = ""
            dump(location, to: &dumped)
            #expect(!dumped.contains("s3cret") && !dumped.contains("p%40ss"), "\(dumped)")
        }
    }

    @Test func masksPasswordsInAnyText() {
        let cases = [
            ("host=h password=s3cret dbname=city", "host=h password=*** dbname=city"),
            ("host=h password = 'two words\\' s3cret' user=u", "host=h password = *** user=u"),
            ("CREATE ROLE r LOGIN PASSWORD 'it''s s3cret'", "CREATE ROLE r LOGIN PASSWORD ***"),
            ("ALTER ROLE r PASSWORD E'esc\\'s3cret'", "ALTER ROLE r PASSWORD E***"),
            ("PGPASSWORD=s3cret make test", "PGPASSWORD=*** make test"),
            ("cannot open \"postgresql://u:s3cret@[::1/db\": bad", "cannot open \"postgresql://u:***@[::1/db\": bad"),
            ("password authentication failed for user \"u\"", "password authentication failed for user \"u\""),
            ("password_encryption is scram-sha-256", "password_encryption is scram-sha-256"),
            ("user postgres on postgres://h/db", "user postgres on postgres://h/db"),
        ]
        for (text, masked) in cases {
            #expect(PostgresLocation.masking(text) == masked)
        }
        let e = PostgresError(
            sqlState: .syntaxError, message: "near postgresql://a:s3cret@h/d", sql: "CREATE ROLE x PASSWORD 's3cret'")
        #expect(!e.description.contains("s3cret"))
        #expect(e.sql == "CREATE ROLE x PASSWORD ***")
    }

    /// libpq quotes parts of a location it cannot parse (checked with psql on libpq 15), and
    /// those parts can hold the password outside any URI shape.
    @Test func libpqParseErrorsAreMasked() throws {
        let secret = "S3cret-" + TestCluster.password()
        let cases = [
            ("postgresql://u:\(secret)@[::1/db", "IPv6 host address"),  // libpq quotes the whole URI
            ("postgresql://u:\(secret)%zz@127.0.0.1/db", "invalid percent-encoded token"),  // quotes the password alone
            ("host=127.0.0.1 password\(secret) port=1", "missing \"=\""),  // quotes the unparsable token
            ("host=127.0.0.1 password='\(secret)' port=notaport", "invalid integer value"),
        ]
        for (location, reason) in cases {
            let e = try #require(throws: PostgresError.self) { try PostgresConnection(location) }
            #expect(e.sqlState == .unableToConnect)
            #expect(e.message.contains(reason), "\(e)")
            #expect(!e.description.contains(secret), "the password shows in the error for \(reason)")
            #expect(!e.description.contains("S3cret"))
        }
    }
}
