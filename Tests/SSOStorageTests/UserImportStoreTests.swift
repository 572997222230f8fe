import Foundation
import SSOCore
import Testing

@Suite("Importing and paging users")
struct UserImportStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func user(_ id: String, _ login: String, name: String? = nil, totp: Data? = nil) -> User {
        var user = User(id: id, login: login, passwordHash: "$2b$04$hash-of-\(login)", email: "\(login)@example.com",
                        name: name, totpSecretSealed: totp, createdAt: now)
        user.roles = ["trader"]
        user.accounts = [TradingAccount(number: "\(id)@vision", platform: "ETNA")]
        return user
    }

    @Test("a batch inserts new users and skips taken logins, ignoring case, in one call", arguments: Backend.available)
    func insertsAndSkips(_ backend: Backend) async throws {
        let store = try await backend.store()
        try await store.insert(user("old", "Alice", name: "Original"))
        let outcomes = try await store.importUsers(
            [user("n1", "bob"), user("n2", "ALICE", name: "Imported"), user("n3", "carol")], updateExisting: false)
        #expect(outcomes == [.inserted, .skipped, .inserted])
        #expect(try await store.user(login: "alice")?.name == "Original")
        let bob = try #require(try await store.user(login: "bob"))
        #expect(bob == user("n1", "bob"), "every field lands: roles, accounts, email, hash, creation time")
    }

    @Test("with updateExisting a taken login is written over, keeping its id and creation time", arguments: Backend.available)
    func updates(_ backend: Backend) async throws {
        let store = try await backend.store()
        var original = user("old", "alice", name: "Original", totp: Data([1, 2, 3]))
        original.createdAt = now.addingTimeInterval(-86_400)
        try await store.insert(original)
        #expect(try await store.consumeTOTPStep(userID: "old", step: 100))
        let outcomes = try await store.importUsers([user("other-id", "Alice", name: "Imported", totp: Data([9]))],
                                                   updateExisting: true)
        #expect(outcomes == [.updated])
        let stored = try #require(try await store.user(id: "old"))
        #expect(stored.name == "Imported")
        #expect(stored.login == "Alice")
        #expect(stored.totpSecretSealed == Data([9]))
        #expect(stored.createdAt == original.createdAt)
        #expect(try await store.user(id: "other-id") == nil)
        #expect(try await store.consumeTOTPStep(userID: "old", step: 50), "a new TOTP secret starts its steps afresh")
    }

    @Test("a user whose id another login holds is not written, and the rest of the batch is", arguments: Backend.available)
    func idTaken(_ backend: Backend) async throws {
        let store = try await backend.store()
        try await store.insert(user("same", "alice"))
        let outcomes = try await store.importUsers([user("same", "bob"), user("n2", "carol")], updateExisting: true)
        #expect(outcomes == [.idTaken, .inserted])
        #expect(try await store.user(login: "bob") == nil)
        #expect(try await store.user(id: "same")?.login == "alice")
    }

    @Test("pages of users by id cover every user once", arguments: Backend.available)
    func pages(_ backend: Backend) async throws {
        let store = try await backend.store()
        let ids = (0..<25).map { String(format: "u%03d", $0) }
        #expect(try await store.importUsers(ids.shuffled().map { user($0, "login-\($0)") }, updateExisting: false)
            .allSatisfy { $0 == .inserted })
        var seen: [String] = []
        var after: String?
        while true {
            let page = try await store.users(afterID: after, limit: 10)
            if page.isEmpty { break }
            #expect(page.count <= 10)
            seen += page.map(\.id)
            after = page.last?.id
        }
        #expect(seen == ids)
    }
}
