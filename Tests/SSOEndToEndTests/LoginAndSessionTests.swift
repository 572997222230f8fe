import Foundation
import HTTPTypes
import SSOCore
import SSOServerTesting
import SSOTesting
import SSOStorageSQLite
import Testing

@Suite("Login page, SSO session and consent behaviour")
struct LoginAndSessionTests {
    static func harness(issuer: String = Harness.issuer) async throws -> Harness {
        var harness = try Harness()
        harness.issuer = issuer
        try await harness.addUser("alice", password: "wonderland-42")
        _ = try await harness.addClient("app", secret: "app-secret-0123456789-0123456789",
                                        scopes: "openid profile email ordersread trades personal")
        return harness
    }

    @Test("POST /authorize works like GET")
    func postAuthorize() async throws {
        try await Self.harness().run { browser in
            let pkce = PKCEPair()
            let page = try await browser.post("/authorize", form: [
                ("response_type", "code"), ("client_id", "app"), ("redirect_uri", "https://app.example/cb"),
                ("scope", "openid"), ("state", "p"), ("code_challenge", pkce.challenge), ("code_challenge_method", "S256")])
            #expect(page.status == .found)
            #expect(page.location?.hasPrefix("/login?interaction=") == true)
        }
    }

    @Test("login_hint fills the login field, escaped; client-supplied text never becomes markup")
    func loginHint() async throws {
        try await Self.harness().run { browser in
            let start = try await browser.authorize(client: "app", extra: [("login_hint", "<script>alert(1)</script>")])
            let page = try await browser.get(start.location!)
            #expect(!page.body.contains("<script>alert"))
            #expect(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            #expect(page.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            #expect(page.headers[.cacheControl] == "no-store")
        }
    }

    @Test("the consent page describes the broker's scopes, in English and Russian")
    func brokerScopes() async throws {
        try await Self.harness().run { browser in
            let start = try await browser.authorize(client: "app", scope: "openid ordersread trades personal")
            let consent = try await browser.logIn(at: start.location!, login: "alice", password: "wonderland-42")
            let english = try await browser.get(consent.location!)
            for text in ["Read your orders", "Trade on your behalf", "See your personal data"] {
                #expect(english.body.contains(text))
            }
            let russian = try await browser.get(consent.location!, headers: [.acceptLanguage: "ru"])
            #expect(russian.body.contains("Просматривать ваши заявки"))
        }
    }

    @Test("prompt=consent asks again even when consent was given; a wider scope asks again too")
    func promptConsent() async throws {
        try await Self.harness().run { browser in
            _ = try await browser.obtainCode(client: "app", scope: "openid")
            #expect(try await browser.authorize(client: "app", scope: "openid").redirectParameters["code"] != nil)
            let forced = try await browser.authorize(client: "app", scope: "openid", extra: [("prompt", "consent")])
            #expect(forced.location?.hasPrefix("/consent?") == true)
            let wider = try await browser.authorize(client: "app", scope: "openid email")
            #expect(wider.location?.hasPrefix("/consent?") == true)
        }
    }

    @Test("max_age=0 always asks for the password again")
    func maxAgeZero() async throws {
        try await Self.harness().run { browser in
            _ = try await browser.obtainCode(client: "app")
            let page = try await browser.authorize(client: "app", extra: [("max_age", "0")])
            #expect(page.location?.hasPrefix("/login?") == true)
        }
    }

    @Test("an idle session expires, and so does an abandoned login page")
    func expiry() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            _ = try await browser.obtainCode(client: "app")
            harness.clock.advance(seconds: 7 * 3600)
            #expect(try await browser.authorize(client: "app").redirectParameters["code"] != nil)
            harness.clock.advance(seconds: 7 * 3600)  // the previous use slid the idle expiry
            #expect(try await browser.authorize(client: "app").redirectParameters["code"] != nil)
            harness.clock.advance(seconds: 8 * 3600 + 1)
            let start = try await browser.authorize(client: "app")
            #expect(start.location?.hasPrefix("/login?") == true)

            harness.clock.advance(seconds: 31 * 60)
            let stale = try await browser.get(start.location!)
            #expect(stale.status == .badRequest)
            #expect(stale.body.contains("expired"))
        }
    }

    @Test("under an https issuer: __Host- cookies with Secure, HSTS on every answer; neither under http")
    func secureCookie() async throws {
        try await Self.harness(issuer: "https://sso.example").run { browser in
            let start = try await browser.authorize(client: "app")
            #expect(start.headers[values: .setCookie].contains { $0.hasPrefix("__Host-sso_csrf=") && $0.contains("Secure") })
            let loggedIn = try await browser.logIn(at: start.location!, login: "alice", password: "wonderland-42")
            let cookies = loggedIn.headers[values: .setCookie]
            let cookie = try #require(cookies.first(where: { $0.starts(with: "__Host-sso_session=") }), "\(cookies)")
            #expect(cookie.contains("Secure"))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("Path=/"))
            #expect(!cookie.contains("Domain"))
            // The prefixed session works for single sign-on.
            #expect(try await browser.authorize(client: "app").location?.hasPrefix("/consent?") == true)
            let hsts = HTTPField.Name("Strict-Transport-Security")!
            #expect(loggedIn.headers[hsts]?.hasPrefix("max-age=31536000") == true)
            #expect(try await browser.get("/.well-known/openid-configuration").headers[hsts] != nil)
        }
        try await Self.harness().run { browser in
            let start = try await browser.authorize(client: "app")
            #expect(start.headers[values: .setCookie].contains { $0.hasPrefix("sso_csrf=") && !$0.contains("Secure") })
            #expect(start.headers[HTTPField.Name("Strict-Transport-Security")!] == nil)
        }
    }

    @Test("an unknown login gets the same answer as a wrong password")
    func unknownLogin() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            let start = try await browser.authorize(client: "app")
            let unknown = try await browser.logIn(at: start.location!, login: "mallory", password: "whatever-1")
            let wrong = try await browser.logIn(at: start.location!, login: "alice", password: "whatever-1")
            #expect(unknown.status == wrong.status)
            #expect(unknown.body.contains("Invalid login or password."))
            #expect(wrong.body.contains("Invalid login or password."))
        }
        let failures = try await harness.storage.securityEvents().filter { $0.kind == .loginFailed }
        #expect(failures.count == 2)
    }
}

@Suite("Housekeeping in the running server")
struct HousekeepingServiceTests {
    @Test("the server purges expired codes and sessions in the background")
    func backgroundPurge() async throws {
        var harness = try Harness()
        harness.purgeInterval = 0.05
        let user = try await harness.addUser("alice", password: "wonderland-42")
        _ = try await harness.addClient("app", skipConsent: true)
        let (storage, clock) = (harness.storage, harness.clock)
        try await harness.run { browser in
            let (code, _) = try await browser.obtainCode(client: "app")
            let digest = SecretDigest.sha256(code)
            #expect(try await storage.code(digest: digest) != nil)
            #expect(try await storage.sessions(userID: user.id).count == 1)
            clock.advance(seconds: Double(Lifetimes().sessionIdle + 1))
            for _ in 0..<100 {
                if try await storage.code(digest: digest) == nil,
                    try await storage.sessions(userID: user.id).isEmpty { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(try await storage.code(digest: digest) == nil)
            #expect(try await storage.sessions(userID: user.id).isEmpty)
        }
    }
}
