import Foundation
import HTTPTypes
import SSOCore
import SSOServerTesting
import SSOTesting
import Testing

@Suite("/authorize refuses what it must, and never redirects to an unregistered URI")
struct AuthorizeErrorTests {
    static func harness() async throws -> Harness {
        let harness = try Harness()
        try await harness.addUser("alice", password: "wonderland-42")
        _ = try await harness.addClient("app", secret: "app-secret-0123456789-0123456789")
        _ = try await harness.addClient("legacy", secret: "legacy-secret-0123456789-012345", pkceRequired: false)
        return harness
    }

    @Test("unknown client, unregistered or missing redirect_uri: an HTML page and no redirect")
    func untrusted() async throws {
        try await Self.harness().run { browser in
            for page in [
                try await browser.authorize(client: "nobody"),
                try await browser.authorize(client: "app", redirectURI: "https://evil.example/cb"),
                try await browser.authorize(client: "app", redirectURI: "https://app.example/cb/extra"),
                try await browser.authorize(client: "app", redirectURI: "https://APP.example/cb"),
                try await browser.authorize(client: "app", redirectURI: nil),
                try await browser.get("/authorize?client_id=app&client_id=other&redirect_uri=https%3A%2F%2Fapp.example%2Fcb"),
            ] {
                #expect(page.status == .badRequest)
                #expect(page.location == nil)
                #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(page.body.contains("<h1>"))
            }
        }
    }

    @Test("errors about the rest of the request go back to the client with error, description and state")
    func redirectedErrors() async throws {
        try await Self.harness().run { browser in
            func expectError(_ page: Browser.Page, _ code: String, state: String? = "st-1") {
                #expect(page.status == .found)
                #expect(page.location?.hasPrefix("https://app.example/cb?") == true)
                #expect(page.redirectParameters["error"] == code, "\(page.location ?? "")")
                #expect(page.redirectParameters["error_description"]?.isEmpty == false)
                #expect(page.redirectParameters["state"] == state)
            }
            expectError(try await browser.authorize(client: "app", extra: [("response_type", "token")]), "invalid_request")
            expectError(try await browser.get("/authorize?" + Browser.encode([
                ("response_type", "token"), ("client_id", "app"), ("redirect_uri", "https://app.example/cb"),
                ("state", "st-1")])), "unsupported_response_type")
            expectError(try await browser.authorize(client: "app", scope: "openid admin"), "invalid_scope")
            expectError(try await browser.authorize(client: "app", scope: "openid \"quoted\""), "invalid_scope")
            expectError(try await browser.authorize(client: "app", pkce: nil), "invalid_request")
            let pkce = PKCEPair()
            expectError(try await browser.authorize(client: "app", pkce: nil, extra: [
                ("code_challenge", pkce.challenge), ("code_challenge_method", "plain")]), "invalid_request")
            expectError(try await browser.authorize(client: "app", pkce: nil, extra: [("code_challenge", pkce.challenge)]),
                        "invalid_request")
            expectError(try await browser.authorize(client: "app", pkce: nil, extra: [
                ("code_challenge", "short"), ("code_challenge_method", "S256")]), "invalid_request")
            expectError(try await browser.authorize(client: "app", extra: [("prompt", "none login")]), "invalid_request")
            expectError(try await browser.authorize(client: "app", extra: [("max_age", "-1")]), "invalid_request")
            expectError(try await browser.authorize(client: "app", extra: [("request", "eyJ")]), "request_not_supported")
            expectError(try await browser.authorize(client: "app", extra: [("response_mode", "fragment")]), "invalid_request")
            expectError(try await browser.authorize(client: "app", extra: [("nonce", "again")]), "invalid_request")
            expectError(try await browser.authorize(client: "app", state: nil, extra: [("response_type", "x")]),
                        "invalid_request", state: nil)
        }
    }

    @Test("prompt=none answers login_required, then consent_required; prompt=login and max_age force a new login")
    func promptAndMaxAge() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            let none = try await browser.authorize(client: "app", extra: [("prompt", "none")])
            #expect(none.redirectParameters["error"] == "login_required")

            // Sign in but deny consent: the session stays, consent is still missing.
            let start = try await browser.authorize(client: "app")
            let consent = try await browser.logIn(at: start.location!, login: "alice", password: "wonderland-42")
            let denied = try await browser.answerConsent(at: consent.location!, approve: false)
            #expect(denied.redirectParameters["error"] == "access_denied")
            #expect(denied.redirectParameters["state"] == "st-1")

            let noConsent = try await browser.authorize(client: "app", extra: [("prompt", "none")])
            #expect(noConsent.redirectParameters["error"] == "consent_required")

            let forced = try await browser.authorize(client: "app", extra: [("prompt", "login")])
            #expect(forced.location?.hasPrefix("/login?") == true)

            // max_age: a session older than allowed must sign in again.
            harness.clock.advance(seconds: 120)
            let fresh = try await browser.authorize(client: "app", extra: [("max_age", "3600")])
            #expect(fresh.location?.hasPrefix("/consent?") == true)
            let stale = try await browser.authorize(client: "app", extra: [("max_age", "60")])
            #expect(stale.location?.hasPrefix("/login?") == true)
        }
    }

    @Test("a client registered with PKCE optional may omit it; a challenge it sends is enforced")
    func pkceOptional() async throws {
        try await Self.harness().run { browser in
            let start = try await browser.authorize(client: "legacy", pkce: nil)
            let consent = try await browser.logIn(at: start.location!, login: "alice", password: "wonderland-42")
            let done = try await browser.answerConsent(at: consent.location!, approve: true)
            let code = try #require(done.redirectParameters["code"])
            let tokens = try await browser.token(client: "legacy", secret: "legacy-secret-0123456789-012345", [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "https://app.example/cb"),
            ])
            #expect(tokens.status == .ok)

            let pkce = PKCEPair()
            let withChallenge = try await browser.authorize(client: "legacy", pkce: pkce)
            let code2 = try #require(withChallenge.redirectParameters["code"])
            let missing = try await browser.token(client: "legacy", secret: "legacy-secret-0123456789-012345", [
                ("grant_type", "authorization_code"), ("code", code2), ("redirect_uri", "https://app.example/cb"),
            ])
            #expect(missing.json["error"] as? String == "invalid_grant")
        }
    }

    @Test("the login form refuses a post without this browser's CSRF token, and sets no session")
    func loginCSRF() async throws {
        try await Self.harness().run { browser in
            let start = try await browser.authorize(client: "app")
            let page = try await browser.get(start.location!)
            let interaction = try #require(page.hidden("interaction"))
            let forged = try await browser.post("/login", form: [
                ("interaction", interaction), ("csrf", "forged-forged-forged-forged-forged-forged"),
                ("login", "alice"), ("password", "wonderland-42")])
            #expect(forged.status == .badRequest)
            #expect(browser.cookies["sso_session"] == nil)

            // Another browser (no CSRF cookie) holding the link gets nowhere either.
            let csrf = try #require(page.hidden("csrf"))
            browser.clearCookies()
            let elsewhere = try await browser.post("/login", form: [
                ("interaction", interaction), ("csrf", csrf), ("login", "alice"), ("password", "wonderland-42")])
            #expect(elsewhere.status == .badRequest)
            #expect(browser.cookies["sso_session"] == nil)
        }
    }

    @Test("pages follow Accept-Language: Russian when preferred")
    func russian() async throws {
        try await Self.harness().run { browser in
            let start = try await browser.authorize(client: "app")
            let page = try await browser.get(start.location!, headers: [.acceptLanguage: "ru-RU,ru;q=0.9,en;q=0.5"])
            #expect(page.body.contains("Вход"))
            #expect(page.body.contains("lang=\"ru\""))
            let english = try await browser.get(start.location!, headers: [.acceptLanguage: "de, en;q=0.5"])
            #expect(english.body.contains("Sign in"))
        }
    }
}
