import Foundation
import HTTPTypes
import SSOCore
import SSOServerTesting
import SSOStorageSQLite
import SSOTesting
import Testing

/// The failure limits of the token, introspection, legacy refresh and federation endpoints:
/// only failures count, past the threshold the answer is 429 with `Retry-After`.
@Suite("Failure limits on the back-channel endpoints")
struct AbuseLimitTests {
    static let secret = "app-secret-0123456789-0123456789"
    static let forwarded = HTTPField.Name("X-Forwarded-For")!

    static func harness(_ limits: AbuseLimits) async throws -> Harness {
        var harness = try Harness()
        harness.limits = limits
        harness.trustedProxies = ["127.0.0.1"]
        try await harness.addUser("alice", password: "wonderland-42")
        _ = try await harness.addClient("app", secret: secret, skipConsent: true)
        _ = try await harness.addClient("other", secret: secret, skipConsent: true)
        // The legacy endpoints' own public client.
        _ = try await harness.addClient("SingleSignOn", secret: nil, redirectURIs: ["https://lk.example/"], skipConsent: true)
        return harness
    }

    static func badCode(_ browser: Browser, client: String = "app", secret: String = secret, from address: String)
        async throws -> Browser.Page
    {
        try await browser.post("/token", form: [("grant_type", "authorization_code"), ("code", "forged"),
                                                ("redirect_uri", "https://app.example/cb"), ("code_verifier", String(repeating: "v", count: 43))],
                               headers: [.authorization: Browser.basic(client, secret), forwarded: address])
    }

    static func expectLocked(_ page: Browser.Page) {
        #expect(page.status == .tooManyRequests)
        #expect(page.json["error"] as? String == "too_many_attempts")
        #expect(Int(page.headers[.retryAfter] ?? "") ?? 0 > 0)
        #expect(page.headers[.cacheControl] == "no-store")
    }

    @Test("wrong secrets lock the client for the address they came from; the right secret elsewhere still passes")
    func clientLock() async throws {
        let harness = try await Self.harness(AbuseLimits(tokenFailuresPerAddress: 100, clientAuthFailures: 3))
        try await harness.run { browser in
            for index in 0..<3 {
                let wrong = try await Self.badCode(browser, secret: "guess-\(index)", from: "198.51.100.1")
                #expect(wrong.status == .unauthorized)
                #expect(wrong.json["error"] as? String == "invalid_client")
            }
            // From the address that failed, even the right secret now waits (or guessing would go on)...
            Self.expectLocked(try await Self.badCode(browser, from: "198.51.100.1"))
            // ...while the client's own servers, elsewhere, are not held up...
            #expect(try await Self.badCode(browser, from: "198.51.100.77").json["error"] as? String == "invalid_grant")
            // ...and another client from the same address is not either.
            #expect(try await Self.badCode(browser, client: "other", from: "198.51.100.1").json["error"] as? String
                    == "invalid_grant")
            // The client's failures from every address reached the limit too: a wrong secret is
            // answered 429 from anywhere (only once the secret was found wrong).
            Self.expectLocked(try await Self.badCode(browser, secret: "guess-x", from: "198.51.100.78"))
            #expect(try await Self.badCode(browser, from: "198.51.100.78").json["error"] as? String == "invalid_grant")
            harness.clock.advance(seconds: 31)
            #expect(try await Self.badCode(browser, from: "198.51.100.1").json["error"] as? String == "invalid_grant")
        }
        #expect(try await harness.storage.securityEvents().map(\.kind).contains(.clientLocked))
    }

    /// The developer site's legacy login of alice, from `address`.
    static func legacyLogin(_ browser: Browser, _ password: String, from address: String) async throws -> Browser.Page {
        let body = try JSONSerialization.data(withJSONObject: [
            "credentials": ["login": "alice", "password": password], "requiredServices": [String](),
        ])
        return try await browser.send("/auth/actions/login", method: .post,
                                      headers: [forwarded: address, .contentType: "application/json"],
                                      body: String(decoding: body, as: UTF8.self))
    }

    @Test("wrong passwords from one address lock the account for that address only: the owner signs in from another")
    func accountLockIsPerAddress() async throws {
        let harness = try await Self.harness(AbuseLimits())
        try await harness.run { browser in
            for _ in 0..<5 {
                #expect(try await Self.legacyLogin(browser, "wrong-password", from: "203.0.113.66").status == .unauthorized)
            }
            for _ in 0..<3 {
                Self.expectLocked(try await Self.legacyLogin(browser, "wrong-password", from: "203.0.113.66"))
            }
            // The attacker's address waits even with the right password...
            Self.expectLocked(try await Self.legacyLogin(browser, "wonderland-42", from: "203.0.113.66"))
            // ...the owner, from another address, signs in at once, on the legacy endpoint and the login page.
            #expect(try await Self.legacyLogin(browser, "wonderland-42", from: "198.51.100.5").status == .ok)
            browser.clearCookies()  // signed out again, for the login page
            let start = try await browser.authorize(client: "app")
            let page = try await browser.logIn(at: try #require(start.location), login: "alice", password: "wonderland-42")
            #expect(page.status == .found)
            #expect(page.redirectParameters["code"] != nil)
        }
        let locks = try await harness.storage.securityEvents().filter { $0.kind == .accountLocked }
        #expect(locks.map(\.detail) == ["alice from 203.0.113.66"])
    }

    @Test("past the account's limit for every address, an address that failed waits; one that did not gets one try")
    func distributedGuessing() async throws {
        let harness = try await Self.harness(AbuseLimits(loginFailuresPerAccountAllAddresses: 3))
        try await harness.run { browser in
            for index in 1...3 {
                #expect(try await Self.legacyLogin(browser, "wrong-\(index)", from: "192.0.2.\(index)").status == .unauthorized)
            }
            // The account is under attack from many addresses: those that failed wait, even
            // with the right password...
            Self.expectLocked(try await Self.legacyLogin(browser, "wonderland-42", from: "192.0.2.1"))
            // ...an address that did not fail is never refused the right password...
            #expect(try await Self.legacyLogin(browser, "wonderland-42", from: "198.51.100.9").status == .ok)
            // ...and a new one gets a single try.
            #expect(try await Self.legacyLogin(browser, "wrong-4", from: "192.0.2.4").status == .unauthorized)
            Self.expectLocked(try await Self.legacyLogin(browser, "wonderland-42", from: "192.0.2.4"))
            // Once the account's lock ends, each address has its own limit again.
            harness.clock.advance(seconds: 61)
            #expect(try await Self.legacyLogin(browser, "wonderland-42", from: "192.0.2.1").status == .ok)
        }
        let locks = try await harness.storage.securityEvents().filter { $0.kind == .accountLocked }
        #expect(locks.map(\.detail).contains("alice from every address"))
    }

    @Test("an address replaying invalid grants is locked; other addresses and full-speed legitimate traffic are not")
    func addressLock() async throws {
        let harness = try await Self.harness(AbuseLimits(tokenFailuresPerAddress: 3))
        try await harness.run { browser in
            for _ in 0..<3 {
                #expect(try await Self.badCode(browser, from: "203.0.113.9").json["error"] as? String == "invalid_grant")
            }
            Self.expectLocked(try await Self.badCode(browser, from: "203.0.113.9"))
            let introspection = try await browser.post(
                "/introspect", form: [("token", "x")],
                headers: [.authorization: Browser.basic("app", Self.secret), Self.forwarded: "203.0.113.9"])
            Self.expectLocked(introspection)
            #expect(try await Self.badCode(browser, from: "203.0.113.10").json["error"] as? String == "invalid_grant")

            // Legitimate traffic well past the threshold: every refresh answers.
            let (code, pkce) = try await browser.obtainCode(client: "app")
            var refresh = try #require(try await browser.exchange(code: code, pkce: pkce, client: "app", secret: Self.secret)
                .json["refresh_token"] as? String)
            for _ in 0..<12 {
                let page = try await browser.post(
                    "/token", form: [("grant_type", "refresh_token"), ("refresh_token", refresh)],
                    headers: [.authorization: Browser.basic("app", Self.secret), Self.forwarded: "203.0.113.11"])
                #expect(page.status == .ok)
                refresh = try #require(page.json["refresh_token"] as? String)
            }
        }
    }

    @Test("bad client credentials count per address on every endpoint that authenticates clients")
    func clientFailuresAcrossEndpoints() async throws {
        let harness = try await Self.harness(AbuseLimits(tokenFailuresPerAddress: 3, clientAuthFailures: 100))
        try await harness.run { (browser: Browser) async throws in
            for path in ["/introspect", "/revoke", "/introspect"] {
                let wrong = try await browser.post(path, form: [("token", "x")], headers: [
                    .authorization: Browser.basic("app", "guess"), Self.forwarded: "198.51.100.40"])
                #expect(wrong.status == .unauthorized)
            }
            Self.expectLocked(try await Self.badCode(browser, from: "198.51.100.40"))
            #expect(try await Self.badCode(browser, from: "198.51.100.41").json["error"] as? String == "invalid_grant")
        }
    }

    @Test("the legacy refresh endpoint and the federation callbacks count failures per address")
    func legacyAndFederation() async throws {
        let harness = try await Self.harness(AbuseLimits(tokenFailuresPerAddress: 2, federationFailuresPerAddress: 2))
        try await harness.run { (browser: Browser) async throws in
            let address: HTTPFields = [Self.forwarded: "192.0.2.5", .contentType: "application/json"]
            for _ in 0..<2 {
                let page = try await browser.send("/auth/actions/refresh", method: .post, headers: address,
                                                  body: "{\"refreshToken\":\"stolen\"}")
                #expect(page.json["error"] as? String == "invalid_grant")
            }
            Self.expectLocked(try await browser.send("/auth/actions/refresh", method: .post, headers: address,
                                                     body: "{\"refreshToken\":\"stolen\"}"))

            let forged: HTTPFields = [Self.forwarded: "192.0.2.6"]
            for _ in 0..<2 {
                #expect(try await browser.get("/federation/yandex/callback?code=c&state=forged", headers: forged).status
                        == .badRequest)
            }
            let locked = try await browser.get("/federation/yandex/callback?code=c&state=forged", headers: forged)
            #expect(locked.status == .tooManyRequests)
            #expect(locked.headers[.retryAfter] != nil)
            #expect(locked.headers[.contentType]?.hasPrefix("text/html") == true)
            let api = try await browser.post("/api/v1/oauth/authorize/", form: [("provider", "yandex"), ("state", "s"),
                                                                              ("code", "c")], headers: forged)
            #expect(api.status == .tooManyRequests)
            #expect(api.json["error"] as? String == "too_many_attempts")
        }
    }
}
