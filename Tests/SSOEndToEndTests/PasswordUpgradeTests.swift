import Foundation
import HTTPTypes
import SSOCore
import SSOPasswords
import SSOServerTesting
import SSOStorageSQLite
import SSOTesting
import Testing

/// Outdated password hashes are replaced at the next successful sign-in, with its session; a
/// storm of sign-ins beyond what the password checks can finish in time is refused with 503.
@Suite("Password hashes brought up to date at sign-in, and the password checks' limit")
struct PasswordUpgradeTests {
    static let password = "wonderland-42"

    static func harness() async throws -> Harness {
        let harness = try Harness()
        _ = try await harness.addClient("app", secret: "app-secret-0123456789-0123456789", skipConsent: true)
        return harness
    }

    static func storedHash(_ harness: Harness, _ login: String) async throws -> String? {
        try await harness.storage.user(login: login)?.passwordHash
    }

    @Test("a bcrypt account's sign-in stores Argon2id at the server's cost; the password still works; the audit log names both schemes")
    func bcryptUpgraded() async throws {
        let harness = try await Self.harness()
        try await harness.addUser("alice", password: Self.password)
        #expect(try await Self.storedHash(harness, "alice")?.hasPrefix("$2b$04$") == true)
        try await harness.run { browser in
            _ = try await browser.obtainCode(client: "app")
            let upgraded = try #require(try await Self.storedHash(harness, "alice"))
            #expect(upgraded.hasPrefix("$argon2id$v=19$m=1024,t=1,p=1$"))
            // Signed in again with the same password, on the new hash, which stays as it is.
            browser.clearCookies()
            _ = try await browser.obtainCode(client: "app")
            #expect(try await Self.storedHash(harness, "alice") == upgraded)
        }
        let events = try await harness.storage.securityEvents(limit: 100)
        let rehashed = events.filter { $0.kind == .passwordRehashed }
        #expect(rehashed.count == 1)
        #expect(rehashed.first?.detail == "bcrypt cost 04 replaced by argon2id m=1024,t=1,p=1")
    }

    @Test("an Argon2id hash below the current cost is replaced; a wrong password changes nothing")
    func weakArgon2Upgraded() async throws {
        var configured = try await Self.harness()
        configured.passwordHash = Argon2Parameters(memoryKiB: 2048, iterations: 2, parallelism: 1)
        let harness = configured
        let weak = try await PasswordHashing(parameters: Argon2Parameters(memoryKiB: 1024, iterations: 1, parallelism: 1))
            .hash(Self.password)
        try await harness.addUser("alice", password: Self.password, passwordHash: weak)
        try await harness.run { browser in
            let start = try await browser.authorize(client: "app")
            let refused = try await browser.logIn(at: start.location!, login: "alice", password: "wonderland-43")
            #expect(refused.status == .ok)
            #expect(try await Self.storedHash(harness, "alice") == weak)
            _ = try await browser.obtainCode(client: "app")
            #expect(try await Self.storedHash(harness, "alice")?.hasPrefix("$argon2id$v=19$m=2048,t=2,p=1$") == true)
        }
    }

    @Test("with TOTP the new hash waits for the right code, and is written with the session")
    func secondFactorCarriesTheUpgrade() async throws {
        let harness = try await Self.harness()
        try await harness.addUser("alice", password: Self.password)
        let secret = try await harness.enrollTOTP("alice")
        try await harness.run { browser in
            let start = try await browser.authorize(client: "app")
            let step = try await browser.logIn(at: start.location!, login: "alice", password: Self.password)
            #expect(step.body.contains("name=\"totp\""))
            #expect(try await Self.storedHash(harness, "alice")?.hasPrefix("$2b$") == true)
            let interaction = try #require(step.hidden("interaction"))
            let csrf = try #require(step.hidden("csrf"))
            let wrong = try await browser.post("/login", form: [("interaction", interaction), ("csrf", csrf), ("totp", "000000")])
            #expect(wrong.location == nil)
            #expect(try await Self.storedHash(harness, "alice")?.hasPrefix("$2b$") == true)
            let right = try await browser.post("/login", form: [("interaction", interaction), ("csrf", csrf),
                                                                ("totp", harness.totp(secret))])
            #expect(right.location?.hasPrefix("https://app.example/cb?code=") == true)
            #expect(try await Self.storedHash(harness, "alice")?.hasPrefix("$argon2id$") == true)
        }
    }

    @Test("the legacy JSON login upgrades the hash too")
    func legacyUpgrades() async throws {
        let harness = try await Self.harness()
        try await harness.addUser("alice", password: Self.password)
        _ = try await harness.addClient("SingleSignOn", secret: nil, redirectURIs: ["https://lk.example/"], skipConsent: true)
        try await harness.run { browser in
            let page = try await AbuseLimitTests.legacyLogin(browser, Self.password, from: "198.51.100.7")
            #expect(page.status == .ok)
            #expect(try await Self.storedHash(harness, "alice")?.hasPrefix("$argon2id$") == true)
        }
    }

    @Test("a password changed between the check and the session is not overwritten with the old one")
    func concurrentChangeWins() async throws {
        let harness = try await Self.harness()
        let user = try await harness.addUser("alice", password: Self.password)
        let session = SSOSession(
            id: "s-1", secretDigest: SecretDigest.sha256("cookie"), userID: user.id, authTime: Date(), methods: ["pwd"],
            createdAt: Date(), expiresAt: Date().addingTimeInterval(600), absoluteExpiresAt: Date().addingTimeInterval(600))
        var changed = user
        changed.passwordHash = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$changedchangedchangedchangedchangedchange"
        try await harness.storage.update(changed)
        try await harness.storage.insert(
            session, upgrading: PasswordUpgrade(userID: user.id, replacing: user.passwordHash!, newHash: "$argon2id$stale"))
        #expect(try await Self.storedHash(harness, "alice") == changed.passwordHash)
        #expect(try await harness.storage.session(id: "s-1") != nil)
    }

    @Test("sign-ins beyond what the checks finish within the wait are answered 503 with Retry-After, in the user's language; none is counted as a failure")
    func stormIsRefused() async throws {
        var configured = try await Self.harness()
        configured.passwordHash = .baseline
        configured.passwordCheckThreads = 1
        configured.passwordCheckMaximumWait = 0
        // Had the refusals counted as failures, three of them would lock the account for their addresses.
        configured.limits = AbuseLimits(loginFailuresPerAccountAllAddresses: 3)
        configured.trustedProxies = ["127.0.0.1"]
        let harness = configured
        let hash = try await PasswordHashing().hash(Self.password)
        try await harness.addUser("alice", password: Self.password, passwordHash: hash)
        let forwarded = HTTPField.Name("X-Forwarded-For")!
        try await harness.run { browser in
            let port = try #require(browser.port)
            var browsers: [(browser: Browser, close: @Sendable () async throws -> Void, form: [(String, String)])] = []
            for _ in 0..<12 {
                let (connection, close) = Browser.connected(host: "127.0.0.1", port: port)
                let start = try await connection.authorize(client: "app")
                let page = try await connection.get(start.location!)
                let form = [("interaction", try #require(page.hidden("interaction"))), ("csrf", try #require(page.hidden("csrf"))),
                            ("login", "alice"), ("password", Self.password)]
                browsers.append((connection, close, form))
            }
            let pages = try await withThrowingTaskGroup(of: (Int, Browser.Page).self) { group in
                for (index, entry) in browsers.enumerated() {
                    group.addTask {
                        (index, try await entry.browser.post("/login", form: entry.form,
                                                             headers: [.acceptLanguage: "ru", forwarded: "198.51.100.\(index + 1)"]))
                    }
                }
                return try await group.reduce(into: [(Int, Browser.Page)]()) { $0.append($1) }
            }
            let refused = pages.filter { $0.1.status == .serviceUnavailable }
            let signedIn = pages.filter { $0.1.location?.hasPrefix("https://app.example/cb?code=") == true }
            #expect(refused.count + signedIn.count == 12, "\(pages.map { $0.1.status.code })")
            #expect(!signedIn.isEmpty)
            #expect(refused.count >= 3)
            for (_, page) in refused {
                #expect(Int(page.headers[.retryAfter] ?? "") ?? 0 >= 1)
                #expect(page.body.contains("Сейчас входит очень много людей"))
            }
            // A refused browser tries again once the storm has passed, and gets in.
            let (index, _) = try #require(refused.first)
            let again = browsers[index]
            let start = try await again.browser.authorize(client: "app")
            let page = try await again.browser.get(start.location!)
            let retried = try await again.browser.post("/login", form: [
                ("interaction", try #require(page.hidden("interaction"))), ("csrf", try #require(page.hidden("csrf"))),
                ("login", "alice"), ("password", Self.password)], headers: [forwarded: "198.51.100.\(index + 1)"])
            #expect(retried.location?.hasPrefix("https://app.example/cb?code=") == true)
            for entry in browsers { try await entry.close() }
        }
    }
}
