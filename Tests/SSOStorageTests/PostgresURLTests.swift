import PostgresNIO
import SSOStoragePostgres
import Testing

@Suite("PostgreSQL addresses")
struct PostgresURLTests {
    @Test("host, port, user, password, database, schema and pool size are read; the pool stays open without timers")
    func parses() throws {
        let url = try PostgresURL("postgres://sso:p%40ss@db.internal:6432/auth?sslmode=disable&schema=tenant_1&pool_size=8")
        #expect(url.configuration.host == "db.internal")
        #expect(url.configuration.port == 6432)
        #expect(url.configuration.username == "sso")
        #expect(url.configuration.password == "p@ss")
        #expect(url.configuration.database == "auth")
        #expect(url.schema == "tenant_1")
        #expect(url.configuration.options.maximumConnections == 8)
        #expect(url.configuration.options.minimumConnections == 7)
        #expect(url.configuration.options.keepAliveBehavior == nil)
        #expect(try PostgresURL("postgresql://u@localhost/db").configuration.port == 5432)
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
