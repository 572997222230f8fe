import Foundation
import GRDB
import PostgresNIO
import SSOCore
@testable import SSOStoragePostgres
@testable import SSOStorageSQLite
import Testing

/// Rows that do not make a valid record (an unknown enumeration value, JSON that does not
/// decode, NULL where a value is required, text where a number is stored) are planted with SQL
/// beneath the store; reading them throws `StoreRecordUnreadable` naming the table and the
/// column, on both stores: the process does not stop, and no default stands in for the value.
@Suite("Unreadable rows")
struct UnreadableRowTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// Runs each statement on the store's database, beneath the store.
    func plant(_ store: any SSOStore, _ statements: String...) async throws {
        for sql in statements {
            if let sqlite = store as? SQLiteStorage {
                try await sqlite.pool.writeWithoutTransaction { db in try db.execute(sql: sql) }
            } else if let postgres = store as? PostgresStorage {
                try await postgres.run(PostgresQuery(unsafeSQL: sql))
            } else {
                throw TestSetupError(description: "no SQL for \(type(of: store))")
            }
        }
    }

    /// `read` fails with `StoreRecordUnreadable` for `table`.`column`, answered as a 500.
    func expectUnreadable<T>(
        _ table: String, _ column: String, sourceLocation: SourceLocation = #_sourceLocation, _ read: () async throws -> T
    ) async {
        do {
            let value = try await read()
            Issue.record("read \(value) from an unreadable \(table).\(column)", sourceLocation: sourceLocation)
        } catch {
            // PostgreSQL's transactions hand the error that rolled them back inside their own.
            let cause = (error as? PostgresTransactionError)?.closureError ?? error
            guard let unreadable = cause as? StoreRecordUnreadable else {
                Issue.record("not StoreRecordUnreadable: \(error)", sourceLocation: sourceLocation)
                return
            }
            #expect(unreadable.table == table && unreadable.column == column, "\(unreadable)", sourceLocation: sourceLocation)
            let answer = OAuthError.failure(error)
            #expect(answer.code == .serverError && answer.httpStatus == 500, sourceLocation: sourceLocation)
        }
    }

    func client() -> Client {
        Client(id: "rp", name: "RP", secretDigest: nil, redirectURIs: ["https://rp/cb"], grantTypes: ["authorization_code"],
               idTokenSigningAlgorithm: .es256,
               createdAt: now)
    }

    @Test("a client with an unknown enumeration value or malformed JSON throws, naming the column; no default",
          arguments: Backend.available)
    func client(_ backend: Backend) async throws {
        let store = try await backend.store()
        let planted = [
            ("id_token_alg", "'HS999'"), ("auth_method", "'private_key_jwt'"), ("access_token_format", "'opaque'"),
            ("redirect_uris", "'not json'"), ("post_logout_redirect_uris", "'{\"a\": 1}'"),
        ]
        for (column, value) in planted {
            try await store.save(client())
            #expect(try await store.client(id: "rp") == client(), "read once, so a remembered decoding would answer next")
            try await plant(store, "UPDATE clients SET \(column) = \(value) WHERE id = 'rp'")
            await expectUnreadable("clients", column) { try await store.client(id: "rp") }
            await expectUnreadable("clients", column) { try await store.clients() }
        }
        try await store.save(client())
        #expect(try await store.client(id: "rp") == client(), "the row reads again once it is valid")
    }

    @Test("a user whose accounts are not JSON throws", arguments: Backend.available)
    func user(_ backend: Backend) async throws {
        let store = try await backend.store()
        try await store.insert(User(id: "u1", login: "alice", passwordHash: nil, createdAt: now))
        #expect(try await store.user(id: "u1")?.login == "alice")
        try await plant(store, "UPDATE users SET accounts = '[{' WHERE id = 'u1'")
        await expectUnreadable("users", "accounts") { try await store.user(id: "u1") }
        await expectUnreadable("users", "accounts") { try await store.user(login: "alice") }
    }

    @Test("a NULL where the record requires a value throws", arguments: Backend.available)
    func null(_ backend: Backend) async throws {
        let store = try await backend.store()
        try await store.insert(AuthorizationCode(
            digest: "c", clientID: "rp", redirectURI: "https://rp/cb", redirectURIWasSent: true, userID: "u1",
            sessionID: "s1", scopes: ScopeSet(["openid"]), nonce: nil, codeChallenge: nil, authTime: now, methods: ["pwd"],
            createdAt: now, expiresAt: now.addingTimeInterval(60)))
        switch backend {
        case .sqlite:
            // SQLite cannot drop a NOT NULL: the table is copied without its constraints.
            try await plant(
                store, "CREATE TABLE loose AS SELECT * FROM authorization_codes", "DROP TABLE authorization_codes",
                "ALTER TABLE loose RENAME TO authorization_codes")
        case .postgres:
            try await plant(store, "ALTER TABLE authorization_codes ALTER COLUMN auth_time DROP NOT NULL")
        }
        try await plant(store, "UPDATE authorization_codes SET auth_time = NULL WHERE digest = 'c'")
        await expectUnreadable("authorization_codes", "auth_time") { try await store.code(digest: "c") }
    }

    @Test("a device authorization of an unknown status throws, and is not taken as denied", arguments: Backend.available)
    func deviceStatus(_ backend: Backend) async throws {
        let store = try await backend.store()
        #expect(try await store.insertDeviceAuthorization(DeviceAuthorization(
            deviceCodeDigest: "d", userCodeDigest: "u", clientID: "tv", scopes: ScopeSet(["openid"]), interval: 5,
            createdAt: now, expiresAt: now.addingTimeInterval(600))))
        try await plant(store, "UPDATE device_authorizations SET status = 'paused'")
        await expectUnreadable("device_authorizations", "status") { try await store.deviceAuthorization(userCodeDigest: "u") }
        await expectUnreadable("device_authorizations", "status") {
            try await store.pollDeviceAuthorization(deviceCodeDigest: "d", clientID: "tv", at: now, slowDown: 5)
        }
    }

    /// SQLite keeps text that is not a number as text even in a REAL or INTEGER column; it was
    /// read as 0 (a refresh token expiring in 1970).
    @Test("SQLite: text where a time or a number is stored throws, and is not read as 0")
    func textForNumber() async throws {
        let store = try await Backend.sqlite.store()
        let grant = GrantRecord(id: "g", clientID: "rp", userID: "u1", sessionID: nil, scopes: ScopeSet(["openid"]),
                                authTime: now, methods: ["pwd"], createdAt: now)
        try await store.insertGrant(grant)
        try await store.insert(RefreshTokenRecord(digest: "r", grantID: "g", clientID: "rp", userID: "u1",
                                                  scopes: ScopeSet(["openid"]), createdAt: now, expiresAt: now))
        try await plant(store, "UPDATE refresh_tokens SET expires_at = 'tomorrow'")
        await expectUnreadable("refresh_tokens", "expires_at") { try await store.refreshToken(digest: "r") }
        try await store.save(client())
        try await plant(store, "UPDATE clients SET access_token_ttl = 'long'")
        await expectUnreadable("clients", "access_token_ttl") { try await store.client(id: "rp") }
    }

    /// A newer version sharing the database may add a key of an algorithm this one does not
    /// know: it is left out, and the keys this version can use still load.
    @Test("a signing key of an unknown algorithm is left out; the others still load", arguments: Backend.available)
    func unknownSigningAlgorithm(_ backend: Backend) async throws {
        let store = try await backend.store()
        for kid in ["k1", "k2"] {
            try await store.insert(SigningKeyRecord(kid: kid, algorithm: .es256, sealedPrivateKey: Data([1, 2, 3]),
                                                    publicKeyPEM: "pem", createdAt: now))
        }
        try await plant(store, "UPDATE signing_keys SET alg = 'ML-DSA-65' WHERE kid = 'k2'")
        #expect(try await store.signingKeys().map(\.kid) == ["k1"])
    }
}
