import Foundation
import SSOCore
import Testing

/// What the account page reads and changes, on every backend: where a session signed in from,
/// a user's live grants, consents taken back whole (consent, grants and refresh tokens in one
/// transaction, another user's untouched), and links to upstream accounts removed only by their user.
@Suite("Account store")
struct AccountStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func users(_ storage: any SSOStore) async throws {
        try await storage.insert(User(id: "alice", login: "alice", passwordHash: "h", createdAt: now))
        try await storage.insert(User(id: "bob", login: "bob", passwordHash: "h", createdAt: now))
        for id in ["app", "other"] {
            try await storage.save(Client(id: id, name: id, secretDigest: nil, redirectURIs: ["https://app.example/cb"],
                                          grantTypes: ["authorization_code"], createdAt: now))
        }
    }

    func grant(_ id: String, user: String, client: String, at offset: Double = 0) -> GrantRecord {
        GrantRecord(id: id, clientID: client, userID: user, sessionID: "s-" + user, scopes: ScopeSet(["openid"]),
                    authTime: now, methods: ["pwd"], createdAt: now.addingTimeInterval(offset))
    }

    func refresh(_ digest: String, grant: GrantRecord) -> RefreshTokenRecord {
        RefreshTokenRecord(digest: digest, grantID: grant.id, clientID: grant.clientID, userID: grant.userID,
                           scopes: grant.scopes, createdAt: now, expiresAt: now.addingTimeInterval(3600))
    }

    @Test("a session keeps its address and user agent, and a new sign-in in it replaces them", arguments: Backend.available)
    func sessionOrigin(_ backend: Backend) async throws {
        let storage = try await backend.store()
        try await users(storage)
        var session = SSOSession(id: "s1", secretDigest: "d1", userID: "alice", authTime: now, methods: ["pwd"], createdAt: now,
                                 expiresAt: now.addingTimeInterval(60), absoluteExpiresAt: now.addingTimeInterval(600),
                                 address: "203.0.113.7", userAgent: "Browser/1")
        try await storage.insert(session)
        #expect(try await storage.session(id: "s1") == session)
        session.secretDigest = "d2"
        session.address = "198.51.100.1"
        session.userAgent = "Browser/2"
        #expect(try await storage.reauthenticate(session))
        #expect(try await storage.session(secretDigest: "d2") == session)
    }

    @Test("live grants newest first; withdrawing a consent ends that client's grants and tokens only", arguments: Backend.available)
    func withdraw(_ backend: Backend) async throws {
        let storage = try await backend.store()
        try await users(storage)
        let first = grant("g1", user: "alice", client: "app")
        let second = grant("g2", user: "alice", client: "app", at: 5)
        let other = grant("g3", user: "alice", client: "other", at: 10)
        let bobs = grant("g4", user: "bob", client: "app")
        for record in [first, second, other, bobs] {
            try await storage.insertGrant(record)
            try await storage.insert(refresh("r-" + record.id, grant: record))
        }
        try await storage.recordConsent(userID: "alice", clientID: "app", scopes: ScopeSet(["openid", "email"]), at: now)
        try await storage.recordConsent(userID: "alice", clientID: "other", scopes: ScopeSet(["openid"]),
                                        at: now.addingTimeInterval(1))
        try await storage.recordConsent(userID: "bob", clientID: "app", scopes: ScopeSet(["openid"]), at: now)
        #expect(try await storage.liveGrants(userID: "alice").map(\.id) == ["g3", "g2", "g1"])
        #expect(try await storage.consents(userID: "alice").map(\.clientID) == ["other", "app"])
        #expect(try await storage.consents(userID: "alice").last?.scopes == ScopeSet(["openid", "email"]))

        #expect(try await storage.withdrawConsent(userID: "alice", clientID: "app", at: now.addingTimeInterval(20)) == 2)
        #expect(try await storage.liveGrants(userID: "alice").map(\.id) == ["g3"])
        #expect(try await storage.consentedScopes(userID: "alice", clientID: "app").isEmpty)
        #expect(try await storage.refreshToken(digest: "r-g1")?.rotatedAt != nil)
        #expect(try await storage.refreshToken(digest: "r-g2")?.rotatedAt != nil)
        #expect(try await storage.refreshToken(digest: "r-g3")?.rotatedAt == nil, "another client's token lives")
        #expect(try await storage.refreshToken(digest: "r-g4")?.rotatedAt == nil, "another user's token lives")
        #expect(try await storage.consentedScopes(userID: "bob", clientID: "app") == ScopeSet(["openid"]))
        #expect(try await storage.withdrawConsent(userID: "alice", clientID: "app", at: now) == 0, "nothing left")
    }

    @Test("links are listed oldest first and removed only by their own user", arguments: Backend.available)
    func links(_ backend: Backend) async throws {
        let storage = try await backend.store()
        try await users(storage)
        try await storage.link(provider: "yandex", subject: "y1", userID: "alice", creating: nil, at: now)
        try await storage.link(provider: "google", subject: "g1", userID: "alice", creating: nil, at: now.addingTimeInterval(1))
        try await storage.link(provider: "google", subject: "g2", userID: "bob", creating: nil, at: now)
        #expect(try await storage.links(userID: "alice") == [
            FederatedLink(provider: "yandex", subject: "y1", linkedAt: now),
            FederatedLink(provider: "google", subject: "g1", linkedAt: now.addingTimeInterval(1)),
        ])
        #expect(try await !storage.unlink(provider: "google", subject: "g2", userID: "alice"), "bob's link")
        #expect(try await storage.linkedUserID(provider: "google", subject: "g2") == "bob")
        #expect(try await storage.unlink(provider: "yandex", subject: "y1", userID: "alice"))
        #expect(try await !storage.unlink(provider: "yandex", subject: "y1", userID: "alice"))
        #expect(try await storage.links(userID: "alice").map(\.provider) == ["google"])
    }

    @Test("a second link of one upstream account, at once or later, is refused as linked and writes nothing",
          arguments: Backend.available)
    func linkedTwice(_ backend: Backend) async throws {
        let storage = try await backend.store()
        try await users(storage)
        // Both links pass their "is it linked?" read before either writes, as two browsers can.
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for user in ["alice", "bob"] {
                group.addTask {
                    do {
                        try await storage.link(provider: "yandex", subject: "y1", userID: user, creating: nil, at: self.now)
                        return true
                    } catch let error as IdentityAlreadyLinkedError {
                        #expect(error == IdentityAlreadyLinkedError(provider: "yandex", subject: "y1"))
                        return false
                    }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1 && outcomes.count == 2, "one link wins, the other is told it lost")
        let winner = try #require(try await storage.linkedUserID(provider: "yandex", subject: "y1"))
        // A new user made for an upstream account that is linked meanwhile is not kept.
        let newcomer = User(id: "carol", login: "carol@yandex", passwordHash: nil, createdAt: now)
        await #expect(throws: IdentityAlreadyLinkedError(provider: "yandex", subject: "y1")) {
            try await storage.link(provider: "yandex", subject: "y1", userID: "carol", creating: newcomer, at: self.now)
        }
        #expect(try await storage.user(id: "carol") == nil, "the transaction left no user without a link")
        #expect(try await storage.linkedUserID(provider: "yandex", subject: "y1") == winner)
        // A new user whose login is taken: told so (the caller tries another login), nothing linked.
        let clash = User(id: "dave", login: "ALICE", passwordHash: nil, createdAt: now)
        await #expect(throws: DuplicateLoginError(login: "ALICE")) {
            try await storage.link(provider: "yandex", subject: "y2", userID: "dave", creating: clash, at: self.now)
        }
        #expect(try await storage.linkedUserID(provider: "yandex", subject: "y2") == nil)
    }
}
