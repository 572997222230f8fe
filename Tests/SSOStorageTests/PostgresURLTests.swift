import PostgresNIO
import SSOStoragePostgres
import Testing

@Suite("PostgreSQL addresses")
struct PostgresURLTests {
    @Test("host, port, user, password, database, schema and pool size are read")
    func parses() throws {
        let url = try PostgresURL("postgres://sso:p%40ss@db.internal:6432/auth?sslmode=disable&schema=tenant_1&pool_size=8")
        #expect(url.connection.host == "db.internal")
        #expect(url.connection.port == 6432)
        #expect(url.connection.username == "sso")
        #expect(url.connection.password == "p@ss")
        #expect(url.connection.database == "auth")
        #expect(url.schema == "tenant_1")
        #expect(url.poolSize == 8)
        #expect(url.connection.options.additionalStartupParameters.first?.1 == "tenant_1")
        let defaults = try PostgresURL("postgresql://u@localhost/db")
        #expect(defaults.connection.port == 5432)
        #expect(defaults.poolSize == 20)
    }

    @Test("a wrong address is refused with a message that names the problem and never the password",
          arguments: [
              ("mysql://u:secret@h/db", "Not a postgres://"),
              ("postgres://u:secret@/db", "no host"),
              ("postgres://h/db", "no user"),
              ("postgres://u:secret@h/db?sslmode=maybe", "sslmode"),
              ("postgres://u:secret@h/db?schema=Robert');DROP", "schema"),
              ("postgres://u:secret@h/db?pool_size=0", "pool_size"),
              ("postgres://u:secret@h/db?sslrootcert=x", "Unknown PostgreSQL option sslrootcert"),
          ])
    func refuses(_ address: String, _ reason: String) {
        do {
            _ = try PostgresURL(address)
            Issue.record("\(address) was accepted")
        } catch {
            let message = String(describing: error)
            #expect(message.contains(reason), "\(message)")
            #expect(!message.contains("secret"), "\(message)")
        }
    }

    @Test("redaction hides the password only")
    func redacts() {
        #expect(PostgresURL.redacted("postgres://sso:hunter2@db/sso") == "postgres://sso:***@db/sso")
        #expect(PostgresURL.redacted("postgres://sso@db/sso") == "postgres://sso@db/sso")
    }
}
