import Foundation
import SSOCore
import Testing

/// Two stores on one database stand for two server instances behind a load balancer: what must
/// happen once happens once, decided by the database, not by a lock in either process.
@Suite("Two instances on one database")
struct SharedDatabaseTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func code(_ digest: String) -> AuthorizationCode {
        AuthorizationCode(digest: digest, clientID: "app", redirectURI: "https://a/cb", redirectURIWasSent: true,
                          userID: "u1", sessionID: "s1", scopes: ScopeSet(["openid"]), nonce: nil, codeChallenge: nil,
                          authTime: now, methods: ["pwd"], createdAt: now, expiresAt: now.addingTimeInterval(60))
    }

    func grant(_ id: String, session: String? = "s1") -> GrantRecord {
        GrantRecord(id: id, clientID: "app", userID: "u1", sessionID: session, scopes: ScopeSet(["openid"]),
                    authTime: now, methods: ["pwd"], createdAt: now)
    }

    func refresh(_ digest: String, grantID: String) -> RefreshTokenRecord {
        RefreshTokenRecord(digest: digest, grantID: grantID, clientID: "app", userID: "u1", scopes: ScopeSet(["openid"]),
                           createdAt: now, expiresAt: now.addingTimeInterval(3600))
    }


    @Test("a code presented to both at once is redeemed exactly once", arguments: Backend.available)
    func codeOnce(_ backend: Backend) async throws {
        let (first, another) = try await backend.open()
        let stores = [first, try await another()]
        try await first.insert(code("c"))
        let results = try await race(12, stores) { store, index in
            try await store.redeem(digest: "c", creating: grant("g\(index)"), at: now)
        }
        #expect(results.filter { $0 == .redeemed }.count == 1)
        let winner = try #require(try await first.code(digest: "c")?.grantID)
        #expect(results.filter { $0 == .alreadyConsumed(grantID: winner) }.count == 11)
        #expect(try await stores[1].grant(id: winner) != nil)
    }

    @Test("a refresh token presented to both at once has exactly one successor", arguments: Backend.available)
    func rotationOnce(_ backend: Backend) async throws {
        let (first, another) = try await backend.open()
        let stores = [first, try await another()]
        try await first.insertGrant(grant("g"))
        try await first.insert(refresh("r0", grantID: "g"))
        let results = try await race(12, stores) { store, index in
            try await store.rotate(oldDigest: "r0", to: refresh("r-\(index)", grantID: "g"), at: now, replay: nil)
        }
        #expect(results.filter { $0 }.count == 1)
        var successors = 0
        for index in 0..<12 where try await stores[index % 2].refreshToken(digest: "r-\(index)") != nil { successors += 1 }
        #expect(successors == 1)
    }

    @Test("failures counted on both add up, and a lock set by one is seen by the other", arguments: Backend.available)
    func throttleShared(_ backend: Backend) async throws {
        let (first, another) = try await backend.open()
        let stores = [first, try await another()]
        let lockAt = now.addingTimeInterval(900)
        let counts = try await race(20, stores) { store, _ in
            try await store.recordThrottleEvent(key: "ip:1", at: now, windowStart: now.addingTimeInterval(-60),
                                                lockUntil: { $0 >= 20 ? lockAt : nil }).count
        }
        #expect(counts.sorted() == Array(1...20))
        #expect(try await stores[1].throttleState(key: "ip:1")?.lockedUntil == lockAt)
        #expect(try await stores[0].throttleState(key: "ip:1")?.count == 20)
        #expect(try await stores[0].lockedThrottles(at: now) == ["ip:1": lockAt])
    }

    @Test("a server's throttle sees its own locks and clears at once, another instance's within a second",
          arguments: Backend.available)
    func throttleLocksAcrossInstances(_ backend: Backend) async throws {
        let (first, another) = try await backend.open()
        let second = try await another()
        let clock = SystemClock()
        let policy = ThrottlePolicy(allowed: 2, baseDelay: 60, maximumDelay: 60, window: 3600)
        let one = Throttle(store: first, clock: clock)
        let other = Throttle(store: second, clock: clock)
        try await one.check("ip:9")              // both have read the (empty) locks now
        try await other.check("ip:9")
        _ = try await one.record("ip:9", policy: policy)
        _ = try await one.record("ip:9", policy: policy)
        #expect(try await first.lockedThrottles(at: clock.now()).keys.contains("ip:9"))
        await #expect(throws: OAuthError.self, "its own lock, at once") { try await one.check("ip:9") }
        try await Task.sleep(for: .milliseconds(1100))
        await #expect(throws: OAuthError.self, "another instance's lock, within a second") { try await other.check("ip:9") }
        try await one.clear("ip:9")
        try await one.check("ip:9")
        #expect(try await first.lockedThrottles(at: clock.now()).isEmpty)
    }

    @Test("a session ended on both at once queues one logout notice, and each notice is claimed once",
          arguments: Backend.available)
    func logoutOnce(_ backend: Backend) async throws {
        let (first, another) = try await backend.open()
        let stores = [first, try await another()]
        try await first.insert(User(id: "u1", login: "alice", passwordHash: "h", createdAt: now))
        for index in 0..<3 {
            try await first.save(Client(id: "rp\(index)", name: "RP", secretDigest: nil, redirectURIs: ["https://rp/cb"],
                                        grantTypes: ["authorization_code", "refresh_token"], backchannelLogoutURI: "https://rp\(index)/logout", createdAt: now))
            var record = grant("g\(index)")
            record.clientID = "rp\(index)"
            try await first.insertGrant(record)
        }
        try await first.insert(SSOSession(id: "s1", secretDigest: "d", userID: "u1", authTime: now, methods: ["pwd"],
                                          createdAt: now, expiresAt: now.addingTimeInterval(600),
                                          absoluteExpiresAt: now.addingTimeInterval(6000)))
        _ = try await race(6, stores) { store, _ in try await store.revoke(sessionID: "s1", at: now) }

        let claimed = try await race(6, stores) { store, _ in
            try await store.claimLogoutDeliveries(at: now, leaseUntil: now.addingTimeInterval(30), limit: 1).map(\.clientID)
        }.flatMap { $0 }
        #expect(claimed.sorted() == ["rp0", "rp1", "rp2"])
        #expect(try await stores[1].grant(id: "g2")?.revokedAt != nil)
    }

    @Test("consents given on both at once are merged, and a TOTP step is used once", arguments: Backend.available)
    func mergesAndSteps(_ backend: Backend) async throws {
        let (first, another) = try await backend.open()
        let stores = [first, try await another()]
        let scopes = ["openid", "email", "profile", "phone", "trades", "offline_access"]
        _ = try await race(scopes.count, stores) { store, index in
            try await store.recordConsent(userID: "u", clientID: "c", scopes: ScopeSet([scopes[index]]), at: now)
        }
        let merged = try await first.consentedScopes(userID: "u", clientID: "c")
        #expect(Set(merged.description.split(separator: " ").map(String.init)) == Set(scopes))

        try await first.insert(User(id: "u", login: "bob", passwordHash: "h", createdAt: now))
        let used = try await race(8, stores) { store, _ in try await store.consumeTOTPStep(userID: "u", step: 42) }
        #expect(used.filter { $0 }.count == 1)
    }
}
