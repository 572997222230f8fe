import Foundation
import SSOCore
import SSOStorageSQLite
import Testing

/// The SQLite store copies its write-ahead log into the database file from a thread of its own
/// (`WALCheckpointer`), not in the commit that crosses SQLite's automatic threshold.
@Suite("Checkpoints off the write path")
struct WALCheckpointerTests {
    @Test("committed writes reach the database file without any commit crossing the automatic threshold")
    func background() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sso-wal-\(UUID().uuidString).sqlite").path
        let store = try SQLiteStorage(path: path)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try await store.insertGrant(GrantRecord(id: "g", clientID: "app", userID: "u1", sessionID: nil,
                                                scopes: ScopeSet(["openid"]), authTime: now, methods: ["pwd"], createdAt: now))
        let before = try Self.size(path)
        // A few hundred commits: far fewer log pages than the automatic threshold (10,000).
        for index in 0..<300 {
            try await store.insert(RefreshTokenRecord(
                digest: "digest-\(index)", grantID: "g", clientID: "app", userID: "u1", scopes: ScopeSet(["openid"]),
                createdAt: now, expiresAt: now.addingTimeInterval(3600)))
        }
        var grown = false
        for _ in 0..<100 where !grown {
            grown = try Self.size(path) > before
            if !grown { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(grown, "the database file holds the new pages without waiting for 10,000 log pages")
        #expect(try await store.refreshToken(digest: "digest-299") != nil)
    }

    static func size(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }
}
