import Foundation
import SSOCore
import Testing

/// Passkeys and their challenges on every backend: one credential id per server, a user acts
/// on their own passkeys only, a counter update that lost a race is refused, and a challenge is
/// consumed once, even when many requests (and two instances) present it at once.
@Suite("Passkey store")
struct PasskeyStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func passkey(_ id: String, user: String = "alice", credential: String? = nil, signCount: Int = 0) -> Passkey {
        Passkey(id: id, userID: user, credentialID: credential ?? "cred-" + id, publicKey: [0xA5, 0x01, 0x02, 0xFF],
                algorithm: -7, signCount: signCount, aaguid: String(repeating: "0", count: 32), backupEligible: true,
                backupState: false, transports: ["internal", "hybrid"], name: "Phone " + id, createdAt: now)
    }

    func users(_ storage: any SSOStore) async throws {
        try await storage.insert(User(id: "alice", login: "alice", passwordHash: "h", createdAt: now))
        try await storage.insert(User(id: "bob", login: "bob", passwordHash: "h", createdAt: now))
    }

    @Test("stored and read back; a credential id registered already is refused, not overwritten",
          arguments: Backend.available)
    func insertAndRead(_ backend: Backend) async throws {
        let storage = try await backend.store()
        try await users(storage)
        #expect(try await storage.insertPasskey(passkey("p1")))
        #expect(try await storage.passkey(credentialID: "cred-p1") == passkey("p1"))
        #expect(try await !storage.insertPasskey(passkey("p2", user: "bob", credential: "cred-p1")))
        #expect(try await storage.passkey(credentialID: "cred-p1")?.userID == "alice")
        var later = passkey("p3")
        later.createdAt = now.addingTimeInterval(5)
        #expect(try await storage.insertPasskey(later))
        #expect(try await storage.passkeys(userID: "alice").map(\.id) == ["p1", "p3"])
        #expect(try await storage.passkeys(userID: "bob").isEmpty)
        #expect(try await storage.passkey(credentialID: "none") == nil)
    }

    @Test("rename and remove act only on the user's own passkey", arguments: Backend.available)
    func ownership(_ backend: Backend) async throws {
        let storage = try await backend.store()
        try await users(storage)
        _ = try await storage.insertPasskey(passkey("p1"))
        #expect(try await !storage.renamePasskey(id: "p1", userID: "bob", name: "mine now"))
        #expect(try await !storage.removePasskey(id: "p1", userID: "bob"))
        #expect(try await storage.passkey(credentialID: "cred-p1")?.name == "Phone p1")
        #expect(try await storage.renamePasskey(id: "p1", userID: "alice", name: "Laptop"))
        #expect(try await storage.passkey(credentialID: "cred-p1")?.name == "Laptop")
        #expect(try await storage.removePasskey(id: "p1", userID: "alice"))
        #expect(try await storage.passkey(credentialID: "cred-p1") == nil)
        #expect(try await !storage.removePasskey(id: "p1", userID: "alice"))
    }

    @Test("a use is recorded only over the counter it was verified against", arguments: Backend.available)
    func counter(_ backend: Backend) async throws {
        let storage = try await backend.store()
        try await users(storage)
        _ = try await storage.insertPasskey(passkey("p1", signCount: 4))
        let used = now.addingTimeInterval(60)
        #expect(try await storage.recordPasskeyUse(id: "p1", previousSignCount: 4, signCount: 5, backupState: true, at: used))
        #expect(try await !storage.recordPasskeyUse(id: "p1", previousSignCount: 4, signCount: 5, backupState: true, at: used))
        let stored = try #require(try await storage.passkey(credentialID: "cred-p1"))
        #expect(stored.signCount == 5 && stored.backupState && stored.lastUsedAt == used)
    }

    @Test("a challenge is consumed once: of many requests at once, exactly one gets it", arguments: Backend.available)
    func challengeOnce(_ backend: Backend) async throws {
        let (storage, another) = try await backend.open()
        let second = try await another()
        let challenge = PasskeyChallenge(digest: "d1", purpose: .registration, browserBinding: "b", userID: "alice",
                                         sessionID: "s", expiresAt: now.addingTimeInterval(300))
        try await storage.insertPasskeyChallenge(challenge)
        let won = try await withThrowingTaskGroup(of: PasskeyChallenge?.self) { group in
            for index in 0..<16 {
                group.addTask { try await (index % 2 == 0 ? storage : second).consumePasskeyChallenge(digest: "d1") }
            }
            var won: [PasskeyChallenge] = []
            for try await result in group { if let result { won.append(result) } }
            return won
        }
        #expect(won == [challenge])
        #expect(try await storage.consumePasskeyChallenge(digest: "d1") == nil)
        let sign = PasskeyChallenge(digest: "d2", purpose: .authentication, browserBinding: "b", interactionID: "i",
                                    expiresAt: now.addingTimeInterval(300))
        try await storage.insertPasskeyChallenge(sign)
        #expect(try await second.consumePasskeyChallenge(digest: "d2") == sign)
    }

    @Test("expired challenges are purged", arguments: Backend.available)
    func purge(_ backend: Backend) async throws {
        let storage = try await backend.store()
        try await storage.insertPasskeyChallenge(PasskeyChallenge(
            digest: "old", purpose: .authentication, browserBinding: "b", expiresAt: now.addingTimeInterval(-1)))
        try await storage.insertPasskeyChallenge(PasskeyChallenge(
            digest: "new", purpose: .authentication, browserBinding: "b", expiresAt: now.addingTimeInterval(300)))
        let report = try await storage.purgeExpired(PurgePolicy(now: now, tokenRetention: 3600, auditRetention: 86400))
        #expect(report.removed["passkey_challenges"] == 1)
        #expect(try await storage.consumePasskeyChallenge(digest: "old") == nil)
        #expect(try await storage.consumePasskeyChallenge(digest: "new") != nil)
    }
}
