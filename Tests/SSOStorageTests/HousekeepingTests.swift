import Foundation
import SSOCore
import Testing

@Suite("Purging what has expired")
struct HousekeepingTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)


    func at(_ seconds: TimeInterval) -> Date { now.addingTimeInterval(seconds) }

    func code(_ digest: String, expires: TimeInterval) -> AuthorizationCode {
        AuthorizationCode(digest: digest, clientID: "app", redirectURI: "https://a/cb", redirectURIWasSent: true,
                          userID: "u1", sessionID: "s1", scopes: ScopeSet(["openid"]), nonce: nil, codeChallenge: nil,
                          authTime: now, methods: ["pwd"], createdAt: now, expiresAt: at(expires))
    }

    func grant(_ id: String) -> GrantRecord {
        GrantRecord(id: id, clientID: "app", userID: "u1", sessionID: nil, scopes: ScopeSet(["openid"]), authTime: now,
                    methods: ["pwd"], createdAt: now)
    }

    func refresh(_ digest: String, grant: String, expires: TimeInterval) -> RefreshTokenRecord {
        RefreshTokenRecord(digest: digest, grantID: grant, clientID: "app", userID: "u1", scopes: ScopeSet(["openid"]),
                           createdAt: now, expiresAt: at(expires))
    }

    func session(_ id: String, idle: TimeInterval, absolute: TimeInterval) -> SSOSession {
        SSOSession(id: id, secretDigest: "d-" + id, userID: "u1", authTime: now, methods: ["pwd"], createdAt: now,
                   expiresAt: at(idle), absoluteExpiresAt: at(absolute))
    }

    func policy(at seconds: TimeInterval, batch: Int = 500) -> PurgePolicy {
        PurgePolicy(now: at(seconds), tokenRetention: 3600, auditRetention: 86400, batchSize: batch)
    }

    @Test("expired codes, sessions and tokens go; live ones and grants with live access tokens stay", arguments: Backend.available)
    func purge(_ backend: Backend) async throws {
        let storage = try await backend.store()
        try await storage.insert(User(id: "u1", login: "alice", passwordHash: "h", createdAt: now))
        try await storage.insert(code("old", expires: 60))
        try await storage.insert(code("live", expires: 600))
        try await storage.insert(session("idle", idle: 100, absolute: 10_000))
        try await storage.insert(session("live", idle: 1000, absolute: 10_000))
        try await storage.insertGrant(grant("g-old"))
        try await storage.insert(refresh("r-old", grant: "g-old", expires: 100))
        try await storage.insertGrant(grant("g-live"))
        try await storage.insert(refresh("r-live", grant: "g-live", expires: 100_000))
        try await storage.appendSecurityEvent(SecurityEvent(kind: .loginFailed, at: now))

        // At +200: the code and the idle session are gone; the expired refresh token is kept for
        // the token retention (an access token issued with it may still be alive), and so is its grant.
        var report = try await storage.purgeExpired(policy(at: 200))
        #expect(report.removed["authorization_codes"] == 1 && report.removed["sessions"] == 1)
        #expect(try await storage.code(digest: "old") == nil)
        #expect(try await storage.code(digest: "live") != nil)
        #expect(try await storage.session(id: "idle") == nil)
        #expect(try await storage.session(id: "live") != nil)
        #expect(try await storage.refreshToken(digest: "r-old") != nil)
        #expect(try await storage.grant(id: "g-old") != nil)

        // Past the retention: the refresh token goes, and with nothing left alive, its grant.
        report = try await storage.purgeExpired(policy(at: 100 + 3601))
        #expect(report.removed["refresh_tokens"] == 1 && report.removed["grants"] == 1)
        #expect(try await storage.grant(id: "g-old") == nil)
        #expect(try await storage.grant(id: "g-live") != nil)
        #expect(try await storage.refreshToken(digest: "r-live") != nil)
        #expect(try await storage.securityEvents(limit: 10).count == 1)

        _ = try await storage.purgeExpired(policy(at: 86_401))
        #expect(try await storage.securityEvents(limit: 10).isEmpty)
        #expect(try await storage.grant(id: "g-live") != nil)
    }

    @Test("one pass deletes at most a batch per kind; stale throttle counters go, running locks stay", arguments: Backend.available)
    func batches(_ backend: Backend) async throws {
        let storage = try await backend.store()
        for index in 0..<7 { try await storage.insert(code("c\(index)", expires: 1)) }
        #expect(try await storage.purgeExpired(policy(at: 10, batch: 3)).removed["authorization_codes"] == 3)
        #expect(try await storage.purgeExpired(policy(at: 10, batch: 3)).removed["authorization_codes"] == 3)
        #expect(try await storage.purgeExpired(policy(at: 10, batch: 3)).removed["authorization_codes"] == 1)

        _ = try await storage.recordThrottleEvent(key: "stale", at: now, windowStart: now, lockUntil: { _ in nil })
        _ = try await storage.recordThrottleEvent(key: "locked", at: now, windowStart: now, lockUntil: { _ in self.at(7200) })
        _ = try await storage.purgeExpired(policy(at: 3601))
        #expect(try await storage.throttleState(key: "stale") == nil)
        #expect(try await storage.throttleState(key: "locked") != nil)
    }
}
