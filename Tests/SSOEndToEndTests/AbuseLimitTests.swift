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

    @Test("a client whose secret is guessed is locked after the threshold, for every address, until the lock ends")
    func clientLock() async throws {
        let harness = try await Self.harness(AbuseLimits(tokenFailuresPerAddress: 100, clientAuthFailures: 3))
        try await harness.run { browser in
            for index in 0..<3 {
                let wrong = try await Self.badCode(browser, secret: "guess-\(index)", from: "198.51.100.\(index)")
                #expect(wrong.status == .unauthorized)
                #expect(wrong.json["error"] as? String == "invalid_client")
            }
            // Even the right secret from a new address now waits; another client does not.
            Self.expectLocked(try await Self.badCode(browser, from: "198.51.100.77"))
            #expect(try await Self.badCode(browser, client: "other", from: "198.51.100.77").json["error"] as? String
                    == "invalid_grant")
            harness.clock.advance(seconds: 31)
            #expect(try await Self.badCode(browser, from: "198.51.100.77").json["error"] as? String == "invalid_grant")
        }
        #expect(try await harness.storage.securityEvents().map(\.kind).contains(.clientLocked))
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
