import Foundation
import SSOCore
import SSOStorageSQLite
import Testing

@Suite("Every store")
struct StoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func grant(_ id: String = UUID().uuidString) -> GrantRecord {
        GrantRecord(id: id, clientID: "app", userID: "u1", sessionID: "s1", scopes: ScopeSet(["openid"]), authTime: now,
                    methods: ["pwd"], createdAt: now)
    }

    func code(_ digest: String) -> AuthorizationCode {
        AuthorizationCode(digest: digest, clientID: "app", redirectURI: "https://a/cb", redirectURIWasSent: true,
                          userID: "u1", sessionID: "s1", scopes: ScopeSet(["openid"]), nonce: "n", codeChallenge: nil,
                          authTime: now, methods: ["pwd"], createdAt: now, expiresAt: now.addingTimeInterval(60))
    }

    func refresh(_ digest: String, grantID: String) -> RefreshTokenRecord {
        RefreshTokenRecord(digest: digest, grantID: grantID, clientID: "app", userID: "u1", scopes: ScopeSet(["openid"]),
                           createdAt: now, expiresAt: now.addingTimeInterval(3600))
    }

    @Test("WAL journal and synchronous=NORMAL")
    func pragmas() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sso-store-\(UUID().uuidString).sqlite").path
        let pragmas = try await SQLiteStorage(path: path).pragmas()
        #expect(pragmas.journalMode == "wal")
        #expect(pragmas.synchronous == 1)
    }

    @Test("a code redeems once; of many concurrent redemptions exactly one wins", arguments: Backend.available)
    func codeRedemption(_ backend: Backend) async throws {
        let storage = try await backend.store()
        try await storage.insert(code("c1"))
        #expect(try await storage.redeem(digest: "c1", creating: grant("g1"), at: now) == .redeemed)
        #expect(try await storage.redeem(digest: "c1", creating: grant("g2"), at: now) == .alreadyConsumed(grantID: "g1"))
        #expect(try await storage.redeem(digest: "none", creating: grant("g3"), at: now) == .notFound)
        #expect(try await storage.grant(id: "g2") == nil)

        try await storage.insert(code("c2"))
        let results = try await withThrowingTaskGroup(of: CodeRedemption.self) { group in
            for index in 0..<16 {
                group.addTask { try await storage.redeem(digest: "c2", creating: grant("race-\(index)"), at: now) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.filter { $0 == .redeemed }.count == 1)
    }

    @Test("rotation is one-shot, and revoking a grant ends its refresh tokens", arguments: Backend.available)
    func rotation(_ backend: Backend) async throws {
        let storage = try await backend.store()
        try await storage.insert(code("c"))
        _ = try await storage.redeem(digest: "c", creating: grant("g"), at: now)
        try await storage.insert(refresh("r1", grantID: "g"))
        #expect(try await storage.rotate(oldDigest: "r1", to: refresh("r2", grantID: "g"), at: now, replay: nil))
        #expect(try await !storage.rotate(oldDigest: "r1", to: refresh("r3", grantID: "g"), at: now, replay: nil))
        #expect(try await storage.refreshToken(digest: "r3") == nil)
        #expect(try await storage.refreshToken(digest: "r1")?.rotatedAt != nil)

        try await storage.revokeGrant(id: "g", at: now)
        #expect(try await storage.grant(id: "g")?.revokedAt != nil)
        #expect(try await storage.refreshToken(digest: "r2")?.rotatedAt != nil)
    }

    @Test("concurrent rotations each commit alone: a failing one undoes its own first statement, the others land",
          arguments: Backend.available)
    func concurrentRotations(_ backend: Backend) async throws {
        let storage = try await backend.store()
        try await storage.insert(code("c"))
        _ = try await storage.redeem(digest: "c", creating: grant("g"), at: now)
        for index in 0..<40 { try await storage.insert(refresh("old-\(index)", grantID: "g")) }
        try await storage.insert(refresh("taken", grantID: "g"))
        // Every tenth rotation's replacement collides with an existing token: its UPDATE of the
        // old token has run when the INSERT fails, and must be undone with it. On SQLite the
        // forty go through the group commit, many of them in one transaction.
        let outcomes = await withTaskGroup(of: (Int, Result<Bool, any Error>).self) { group in
            for index in 0..<40 {
                group.addTask {
                    let replacement = refresh(index % 10 == 0 ? "taken" : "new-\(index)", grantID: "g")
                    do {
                        return (index, .success(try await storage.rotate(oldDigest: "old-\(index)", to: replacement,
                                                                          at: now, replay: nil)))
                    } catch { return (index, .failure(error)) }
                }
            }
            return await group.reduce(into: [Int: Result<Bool, any Error>]()) { $0[$1.0] = $1.1 }
        }
        for index in 0..<40 {
            let old = try await storage.refreshToken(digest: "old-\(index)")
            if index % 10 == 0 {
                guard case .failure = outcomes[index] else { Issue.record("rotation \(index) should fail"); continue }
                #expect(old?.rotatedAt == nil, "a failed rotation left the old token rotated")
            } else {
                guard case .success(true) = outcomes[index] else { Issue.record("rotation \(index) did not land"); continue }
                #expect(old?.rotatedAt != nil)
                #expect(try await storage.refreshToken(digest: "new-\(index)") != nil)
            }
        }
    }

    @Test("re-authentication rewrites a live session in place; a revoked one or another user's is left alone",
          arguments: Backend.available)
    func reauthentication(_ backend: Backend) async throws {
        let storage = try await backend.store()
        let userID = "u-\(UUID().uuidString)"
        try await storage.insert(User(id: userID, login: userID, passwordHash: "h", createdAt: now))
        let session = SSOSession(id: "s-\(UUID().uuidString)", secretDigest: "old-\(UUID().uuidString)", userID: userID,
                                 authTime: now, methods: ["pwd"], createdAt: now, expiresAt: now.addingTimeInterval(600),
                                 absoluteExpiresAt: now.addingTimeInterval(3600))
        try await storage.insert(session)
        var renewed = session
        renewed.secretDigest = "new-\(UUID().uuidString)"
        renewed.authTime = now.addingTimeInterval(100)
        renewed.methods = ["fed"]
        renewed.identityProvider = "yandex"
        renewed.expiresAt = now.addingTimeInterval(700)
        renewed.absoluteExpiresAt = now.addingTimeInterval(3700)
        #expect(try await storage.reauthenticate(renewed))
        #expect(try await storage.session(id: session.id) == renewed)
        #expect(try await storage.session(secretDigest: session.secretDigest) == nil)
        #expect(try await storage.session(secretDigest: renewed.secretDigest)?.id == session.id)

        var stranger = renewed
        stranger.userID = "u2"
        stranger.secretDigest = "stranger-\(UUID().uuidString)"
        #expect(try await storage.reauthenticate(stranger) == false)
        try await storage.revoke(sessionID: session.id, at: now.addingTimeInterval(200))
        var late = renewed
        late.secretDigest = "late-\(UUID().uuidString)"
        #expect(try await storage.reauthenticate(late) == false)
        #expect(try await storage.session(id: session.id)?.secretDigest == renewed.secretDigest)
    }

    @Test("a changed client or user reads back changed: decoded columns are cached by their exact text", arguments: Backend.available)
    func decodedColumnsFollowChanges(_ backend: Backend) async throws {
        let (storage, another) = try await backend.open()
        var client = Client(id: "c", name: "C", secretDigest: nil, redirectURIs: ["https://a/cb"],
                            grantTypes: ["authorization_code", "refresh_token"], createdAt: now)
        try await storage.save(client)
        #expect(try await storage.client(id: "c")?.redirectURIs == ["https://a/cb"])
        client.redirectURIs = ["https://b/cb", "https://c/cb"]
        try await storage.save(client)
        #expect(try await storage.client(id: "c")?.redirectURIs == ["https://b/cb", "https://c/cb"])
        var user = User(id: "u", login: "u", passwordHash: "h", createdAt: now)
        try await storage.insert(user)
        user.accounts = [TradingAccount(number: "1@x", platform: "ETNA")]
        try await storage.update(user)
        #expect(try await storage.user(id: "u")?.accounts.map(\.number) == ["1@x"])
        user.accounts = []
        try await storage.update(user)
        #expect(try await storage.user(id: "u")?.accounts.isEmpty == true)
        // A change in any column, however small, and a row changed behind this store's back
        // (as `sso client` and `sso user` do from their own process) read back changed.
        client.secretDigest = SecretDigest.sha256("s1")
        try await storage.save(client)
        #expect(try await storage.client(id: "c")?.secretDigest == SecretDigest.sha256("s1"))
        client.skipConsent = true
        try await storage.save(client)
        #expect(try await storage.client(id: "c")?.skipConsent == true)
        let other = try await another()
        client.secretDigest = SecretDigest.sha256("s2")
        try await other.save(client)
        #expect(try await storage.client(id: "c")?.secretDigest == SecretDigest.sha256("s2"))
        user.name = "Renamed"
        try await other.update(user)
        #expect(try await storage.user(id: "u")?.name == "Renamed")
        #expect(try await other.removeClient(id: "c"))
        #expect(try await storage.client(id: "c") == nil)
    }

    @Test("logins are unique without regard to case", arguments: Backend.available)
    func users(_ backend: Backend) async throws {
        let storage = try await backend.store()
        try await storage.insert(User(id: "1", login: "Alice", passwordHash: "h", createdAt: now))
        #expect(try await storage.user(login: "aLiCe")?.id == "1")
        await #expect(throws: DuplicateLoginError.self) {
            try await storage.insert(User(id: "2", login: "alice", passwordHash: "h", createdAt: now))
        }
    }

    @Test("clients round-trip every field", arguments: Backend.available)
    func clients(_ backend: Backend) async throws {
        let storage = try await backend.store()
        let client = Client(id: "c", name: "C", secretDigest: "d", redirectURIs: ["https://a/cb", "https://b/cb"],
                            allowedScopes: ScopeSet(["openid", "trades"]), grantTypes: ["authorization_code"],
                            authMethod: .clientSecretPost, skipConsent: true, pkceRequired: false,
                            idTokenSigningAlgorithm: .es256, audience: "https://api.example", federationAPI: true,
                            defaultACR: "urn:unifiedsso:acr:mfa", minimumACR: "urn:unifiedsso:acr:password",
                            createdAt: now)
        try await storage.save(client)
        #expect(try await storage.client(id: "c") == client)
        #expect(try await storage.removeClient(id: "c"))
        #expect(try await storage.client(id: "c") == nil)
    }

    @Test("reference tokens round-trip every field, their audience among them", arguments: Backend.available)
    func referenceTokens(_ backend: Backend) async throws {
        let storage = try await backend.store()
        let machine = ReferenceToken(
            digest: "r1", grantID: nil, clientID: "svc", userID: nil, scopes: ScopeSet(["quotes.read"]), authTime: nil,
            sessionID: nil, createdAt: now, expiresAt: now.addingTimeInterval(600), absoluteExpiresAt: nil, slidingTTL: nil,
            audience: "https://quotes.example")
        let sliding = ReferenceToken(
            digest: "r2", grantID: "g", clientID: "app", userID: "u1", scopes: ScopeSet(["openid"]), authTime: now,
            sessionID: "s1", createdAt: now, expiresAt: now.addingTimeInterval(600),
            absoluteExpiresAt: now.addingTimeInterval(3600), slidingTTL: 600)
        try await storage.insert(machine)
        try await storage.insert(sliding)
        #expect(try await storage.referenceToken(digest: "r1") == machine)
        #expect(try await storage.referenceToken(digest: "r2") == sliding)
    }

    @Test("consent accumulates scopes per user and client", arguments: Backend.available)
    func consents(_ backend: Backend) async throws {
        let storage = try await backend.store()
        try await storage.recordConsent(userID: "u", clientID: "c", scopes: ScopeSet(["openid"]), at: now)
        try await storage.recordConsent(userID: "u", clientID: "c", scopes: ScopeSet(["email"]), at: now)
        #expect(try await storage.consentedScopes(userID: "u", clientID: "c") == ScopeSet(["openid", "email"]))
        #expect(try await storage.consentedScopes(userID: "u", clientID: "other").isEmpty)
    }

    @Test("interactions are found by their id but stored under its digest", arguments: Backend.available)
    func interactions(_ backend: Backend) async throws {
        let storage = try await backend.store()
        let request = AuthorizationRequest(clientID: "c", redirectURI: "https://a/cb", scopes: ScopeSet(["openid"]),
                                           state: "s", prompt: ["login"])
        let interaction = Interaction(id: "secret-id", request: request, browserBinding: "b", createdAt: now,
                                      expiresAt: now.addingTimeInterval(60))
        try await storage.insert(interaction)
        #expect(try await storage.interaction(id: "secret-id") == interaction)
        try await storage.removeInteraction(id: "secret-id")
        #expect(try await storage.interaction(id: "secret-id") == nil)
    }

    @Test("a batch of security events is stored in order, missing fields stay missing, newest first on reading",
          arguments: Backend.available)
    func securityEvents(_ backend: Backend) async throws {
        let storage = try await backend.store()
        let events = [
            SecurityEvent(kind: .loginFailed, at: now, userID: nil, clientID: "app", detail: "wrong password"),
            SecurityEvent(kind: .loginSucceeded, at: now.addingTimeInterval(1), userID: "u1", clientID: nil, detail: nil),
            SecurityEvent(kind: "custom.kind", at: now.addingTimeInterval(2), userID: "u'2", clientID: "c", detail: "{\"a\":1}"),
        ]
        try await storage.appendSecurityEvents(events)
        try await storage.appendSecurityEvents([])
        #expect(try await storage.securityEvents(limit: 10) == events.reversed())
        #expect(try await storage.securityEvents(limit: 1) == [events[2]])
    }
}
