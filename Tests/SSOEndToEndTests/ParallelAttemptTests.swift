import Foundation
import HTTPTypes
import SSOCore
import SSOServerTesting
import SSOStorageSQLite
import SSOTesting
import Testing

/// Guesses sent all at once, each on a connection of its own: a limit holds however many
/// arrive together. Each attempt is counted before it is verified, so past the limit the
/// answer is 429 and nothing more is checked, whether the guess was right or wrong.
@Suite("Failure limits under guesses sent at once")
struct ParallelAttemptTests {
    static let forwarded = HTTPField.Name("X-Forwarded-For")!
    static let password = "wonderland-42"
    static let secret = "app-secret-0123456789-0123456789"
    static let burst = 40
    /// The right guess's place in the burst.
    static let right = 20

    static func harness(_ limits: AbuseLimits) async throws -> Harness {
        var harness = try Harness()
        harness.limits = limits
        harness.trustedProxies = ["127.0.0.1"]
        // A costlier hash than the harness's usual one, so that guesses overlap while hashed.
        try await harness.addUser("alice", password: password, cost: 8)
        _ = try await harness.addClient("app", secret: secret, skipConsent: true)
        // The legacy endpoints' own public client.
        _ = try await harness.addClient("SingleSignOn", secret: nil, redirectURIs: ["https://lk.example/"], skipConsent: true)
        return harness
    }

    /// `count` requests at once, each on a connection of its own opened (and used once)
    /// beforehand, carrying `cookies`: the answers, by index.
    static func atOnce(
        _ count: Int = burst, port: Int?, cookies: [String: String] = [:],
        _ request: @escaping @Sendable (Browser, Int) async throws -> Browser.Page
    ) async throws -> [Browser.Page] {
        let port = try #require(port)
        var connections: [(browser: Browser, close: @Sendable () async throws -> Void)] = []
        for _ in 0..<count {
            let (browser, close) = Browser.connected(host: "127.0.0.1", port: port)
            _ = try await browser.get("/.well-known/openid-configuration")
            for (name, value) in cookies { browser.setCookie(name, value) }
            connections.append((browser, close))
        }
        let pages = try await withThrowingTaskGroup(of: (Int, Browser.Page).self) { group in
            for (index, connection) in connections.enumerated() {
                group.addTask { (index, try await request(connection.browser, index)) }
            }
            return try await group.reduce(into: [Int: Browser.Page]()) { $0[$1.0] = $1.1 }
        }
        for connection in connections { try await connection.close() }
        return (0..<count).map { pages[$0]! }
    }

    static func legacyLogin(_ browser: Browser, password: String, from address: String) async throws -> Browser.Page {
        try await AbuseLimitTests.legacyLogin(browser, password, from: address)
    }

    /// Answers that were not refused: the attempts that were verified.
    static func answered(_ pages: [Browser.Page]) -> Int { pages.filter { $0.status != .tooManyRequests }.count }

    @Test("40 passwords at once at one account, the right one among them: at most the limit are hashed")
    func passwords() async throws {
        let harness = try await Self.harness(AbuseLimits(loginFailuresPerAccount: 5, loginFailuresPerAddress: 100))
        let address = "198.51.100.20"
        let pages = try await harness.run { browser in
            let pages = try await Self.atOnce(port: browser.port) { connection, index in
                try await Self.legacyLogin(connection, password: index == Self.right ? Self.password : "guess-\(index)",
                                           from: address)
            }
            if pages[Self.right].status != .ok {
                // The right password did not win inside the limit, and does not win after it.
                #expect(try await Self.legacyLogin(browser, password: Self.password, from: address).status
                        == .tooManyRequests)
            }
            return pages
        }
        #expect(pages.allSatisfy { [.ok, .unauthorized, .tooManyRequests].contains($0.status) })
        let events = try await harness.storage.securityEvents(limit: 1000)
        let hashed = events.filter { $0.kind == .loginFailed || $0.kind == .passwordAccepted }.count
        #expect(hashed >= 1)
        #expect(Self.answered(pages) == hashed)
        #expect(hashed <= Self.bound(5, rightWon: pages[Self.right].status == .ok),
                "\(hashed) of \(Self.burst) passwords were hashed")
    }

    /// How many attempts of a burst may be verified under a limit of `limit`: the limit, or,
    /// when the right guess won, what the limit left it plus the limit again (a successful
    /// sign-in clears the count for its account and address, as the owner's must).
    static func bound(_ limit: Int, rightWon: Bool) -> Int { rightWon ? 2 * limit : limit }

    @Test("40 wrong passwords at once on the login form: at most the limit are hashed, then the right one waits")
    func loginForm() async throws {
        let harness = try await Self.harness(AbuseLimits(loginFailuresPerAccount: 5, loginFailuresPerAddress: 100))
        try await harness.run { browser in
            let start = try await browser.authorize(client: "app")
            let form = try await browser.get(try #require(start.location))
            let interaction = try #require(form.hidden("interaction"))
            let csrf = try #require(form.hidden("csrf"))
            let pages = try await Self.atOnce(port: browser.port, cookies: browser.cookies) { connection, index in
                try await connection.post("/login", form: [("interaction", interaction), ("csrf", csrf),
                                                           ("login", "alice"), ("password", "guess-\(index)")])
            }
            #expect(Self.answered(pages) <= 5, "\(Self.answered(pages)) of \(Self.burst) answered")
            let right = try await browser.post("/login", form: [("interaction", interaction), ("csrf", csrf),
                                                                ("login", "alice"), ("password", Self.password)])
            #expect(right.status == .tooManyRequests)
        }
        let hashed = try await harness.storage.securityEvents(limit: 1000).filter { $0.kind == .loginFailed }.count
        #expect(hashed <= 5, "\(hashed) of \(Self.burst) passwords were hashed")
    }

    @Test("40 TOTP codes at once on the second step, the right one among them: at most the limit are checked")
    func totpCodes() async throws {
        // A low limit: a TOTP check is quick, and fewer codes overlap than passwords do.
        let harness = try await Self.harness(AbuseLimits(loginFailuresPerAccount: 3, loginFailuresPerAddress: 100))
        let totpSecret = try await harness.enrollTOTP("alice")
        let pages = try await harness.run { browser in
            let start = try await browser.authorize(client: "app")
            let step = try await browser.logIn(at: try #require(start.location), login: "alice", password: Self.password)
            let interaction = try #require(step.hidden("interaction"))
            let csrf = try #require(step.hidden("csrf"))
            let code = harness.totp(totpSecret)
            let accepted = Set((-1...1).map { harness.totp(totpSecret, offset: $0) })
            let wrong = (0..<1000).lazy.map { String(format: "%06d", (Int(code)! + 1000 + $0 * 7919) % 1_000_000) }
                .filter { !accepted.contains($0) }
            let guesses = Array(wrong.prefix(Self.burst))
            let pages = try await Self.atOnce(port: browser.port, cookies: browser.cookies) { connection, index in
                try await connection.post("/login", form: [("interaction", interaction), ("csrf", csrf),
                                                           ("totp", index == Self.right ? code : guesses[index])])
            }
            if pages[Self.right].status != .found {
                let late = try await browser.post("/login", form: [("interaction", interaction), ("csrf", csrf),
                                                                   ("totp", code)])
                #expect(late.status == .tooManyRequests)
            }
            return pages
        }
        let events = try await harness.storage.securityEvents(limit: 1000)
        let failed = events.filter { $0.kind == .secondFactorFailed }.count
        let succeeded = events.filter { $0.kind == .loginSucceeded }.count
        #expect(failed + succeeded <= Self.bound(3, rightWon: succeeded > 0),
                "\(failed + succeeded) of \(Self.burst) codes were checked")
        #expect(pages.filter { $0.status == .found }.count == succeeded)
    }

    @Test("40 user codes at once on the device page, the right one among them: at most the limit are looked up")
    func userCodes() async throws {
        var harness = try Harness()
        harness.limits = AbuseLimits(userCodeFailuresPerAddress: 2)
        _ = try await harness.addClient("tv", secret: Self.secret, redirectURIs: [], scopes: "openid",
                                        grantTypes: ["urn:ietf:params:oauth:grant-type:device_code"])
        try await harness.run { browser in
            let started = try await browser.post("/device_authorization", form: [("scope", "openid")],
                                                 headers: [.authorization: Browser.basic("tv", Self.secret)])
            let userCode = try #require(started.json["user_code"] as? String)
            let pages = try await Self.atOnce(port: browser.port) { connection, index in
                try await connection.get("/device?user_code=" + (index == Self.right ? userCode : "WRONG-\(index)"))
            }
            // A right code found gives its count back: the wrong ones stay within the limit.
            let wrong = pages.filter { $0.status == .badRequest }.count
            #expect(wrong <= 2, "\(wrong) of \(Self.burst - 1) wrong codes were looked up")
            #expect(Self.answered(pages) <= 3)
            #expect(pages.allSatisfy { [.badRequest, .found, .tooManyRequests].contains($0.status) })
            if pages[Self.right].status == .tooManyRequests {
                #expect(try await browser.get("/device?user_code=" + userCode).status == .tooManyRequests)
            }
        }
    }

    @Test("40 client secrets at once at /token, the right one among them: at most the limit are answered as wrong")
    func clientSecrets() async throws {
        let harness = try await Self.harness(AbuseLimits(tokenFailuresPerAddress: 100, clientAuthFailures: 5))
        try await harness.run { browser in
            let pages = try await Self.atOnce(port: browser.port) { connection, index in
                try await AbuseLimitTests.badCode(connection, secret: index == Self.right ? Self.secret : "guess-\(index)",
                                                  from: "198.51.100.30")
            }
            let wrong = pages.filter { $0.status == .unauthorized }.count
            #expect(wrong <= 5, "\(wrong) of \(Self.burst - 1) wrong secrets were answered as wrong")
            // The right one passes only if it was settled before the limit: then as invalid_grant.
            #expect(Self.answered(pages) <= 6)
            #expect(pages.allSatisfy { [.badRequest, .unauthorized, .tooManyRequests].contains($0.status) })
        }
    }
}
