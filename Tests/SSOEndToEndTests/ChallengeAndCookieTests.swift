import Foundation
import HTTPTypes
import SSOCore
import SSOServerTesting
import SSOStorageSQLite
import SSOTesting
import Testing

/// What clients trip over at the edges: every 401 names its scheme, JSON answers set no
/// cookies, and every HTML page carries the pages' security headers.
@Suite("401 challenges, cookie-free JSON, page headers")
struct ChallengeAndCookieTests {
    static let secret = "app-secret-0123456789-0123456789"

    static func harness() async throws -> Harness {
        let harness = try Harness()
        try await harness.addUser("alice", password: "wonderland-42")
        _ = try await harness.addClient("app", secret: secret,
                                        grantTypes: ["authorization_code", "refresh_token",
                                                     "urn:ietf:params:oauth:grant-type:device_code"])
        _ = try await harness.addClient("SingleSignOn", secret: nil, redirectURIs: ["https://lk.example/"])
        return harness
    }

    @Test("client endpoints answer 401 with a Basic challenge, whether the secret came in the header or the body")
    func basic() async throws {
        try await Self.harness().run { browser in
            for path in ["/token", "/introspect", "/revoke", "/device_authorization"] {
                let form: [(String, String)] = path == "/token"
                    ? [("grant_type", "refresh_token"), ("refresh_token", "x")]
                    : path == "/device_authorization" ? [("scope", "openid")] : [("token", "x")]
                let inBody = try await browser.post(path, form: form + [("client_id", "app"), ("client_secret", "wrong")])
                #expect(inBody.status == .unauthorized, "\(path)")
                #expect(inBody.headers[.wwwAuthenticate]?.hasPrefix("Basic realm=\"\(Harness.issuer)\"") == true, "\(path)")
                let inHeader = try await browser.post(path, form: form,
                                                      headers: [.authorization: Browser.basic("app", "wrong")])
                #expect(inHeader.status == .unauthorized, "\(path)")
                #expect(inHeader.headers[.wwwAuthenticate]?.hasPrefix("Basic realm=") == true, "\(path)")
                #expect(inBody.headers[.setCookie] == nil && inHeader.headers[.setCookie] == nil, "\(path)")
            }
        }
    }

    @Test("resource endpoints answer 401 with a Bearer challenge; so does any other 401")
    func bearer() async throws {
        try await Self.harness().run { browser in
            for path in ["/userinfo", "/auth", "/profile"] {
                let none = try await browser.get(path)
                #expect(none.status == .unauthorized, "\(path)")
                #expect(none.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true, "\(path)")
                let bad = try await browser.get(path, headers: [.authorization: "Bearer not-a-token"])
                #expect(bad.status == .unauthorized, "\(path)")
                #expect(bad.headers[.wwwAuthenticate]?.contains("error=\"invalid_token\"") == true, "\(path)")
            }
            let legacy = try await browser.postJSON("/sso-auth/client", LegacyRequestBodies.cabinet("alice", "wrong"))
            #expect(legacy.status == .unauthorized)
            #expect(legacy.headers[.wwwAuthenticate] == "Bearer realm=\"\(Harness.issuer)\"")
        }
    }

    @Test("JSON endpoints set no cookie; pages and redirects set the browser's binding cookie")
    func cookies() async throws {
        try await Self.harness().run { browser in
            let device = try await browser.post("/device_authorization", form: [("scope", "openid")],
                                                headers: [.authorization: Browser.basic("app", Self.secret)])
            #expect(device.status == .ok)
            #expect(device.headers[.setCookie] == nil)
            #expect(browser.cookies.isEmpty)
            let page = try await browser.get("/device")
            #expect(page.status == .ok)
            #expect(page.headers[values: .setCookie].contains { $0.hasPrefix("sso_csrf=") })
        }
    }

    @Test("a module's own HTML page (the migration guide) carries the pages' security headers")
    func moduleHTML() async throws {
        try await Self.harness().run { browser in
            let guide = try await browser.get("/docs/migration")
            #expect(guide.status == .ok)
            #expect(guide.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            #expect(guide.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            #expect(guide.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(guide.headers[.setCookie] == nil || guide.headers[values: .setCookie].allSatisfy { $0.hasPrefix("sso_csrf=") })
        }
    }
}

@Suite("The broker profile needs a scope of its own")
struct ProfileScopeTests {
    @Test("/auth and /profile answer 403 insufficient_scope to a token without 'accounts', the profile with it")
    func accountsScope() async throws {
        let harness = try Harness()
        try await harness.addUser("alice", password: "wonderland-42", email: "alice@example.com")
        _ = try await harness.addClient("app", secret: ChallengeAndCookieTests.secret, scopes: "openid profile email accounts",
                                        skipConsent: true)
        try await harness.run { browser in
            for (scope, allowed) in [("openid", false), ("openid profile email", false), ("openid accounts", true)] {
                let (code, pkce) = try await browser.obtainCode(client: "app", scope: scope)
                let tokens = try await browser.exchange(code: code, pkce: pkce, client: "app",
                                                        secret: ChallengeAndCookieTests.secret).json
                let bearer: HTTPFields = [.authorization: "Bearer \(try #require(tokens["access_token"] as? String))"]
                for path in ["/auth", "/profile"] {
                    let answer = try await browser.get(path, headers: bearer)
                    if allowed {
                        #expect(answer.status == .ok && answer.json["login"] as? String == "alice", "\(scope) \(path)")
                    } else {
                        #expect(answer.status == .forbidden, "\(scope) \(path)")
                        #expect(answer.json["error"] as? String == "insufficient_scope")
                        #expect(answer.json["login"] == nil && answer.json["email"] == nil)
                        #expect(answer.headers[.wwwAuthenticate]?.contains("error=\"insufficient_scope\"") == true)
                        #expect(answer.headers[.wwwAuthenticate]?.contains("scope=\"accounts\"") == true)
                    }
                }
                // Userinfo is unaffected: openid is what it needs.
                #expect(try await browser.get("/userinfo", headers: bearer).status == .ok)
            }
            let discovery = try await browser.get("/.well-known/openid-configuration").json
            #expect((discovery["scopes_supported"] as? [String])?.contains("accounts") == true)
        }
    }
}

@Suite("A public client may name itself with Basic and an empty password")
struct EmptyBasicPasswordTests {
    @Test("Basic 'id:' identifies a public client at /token and /device_authorization; a confidential one still needs its secret")
    func emptyPassword() async throws {
        let harness = try Harness()
        try await harness.addUser("alice", password: "wonderland-42")
        _ = try await harness.addClient("cli", secret: nil, scopes: "openid",
                                        grantTypes: ["authorization_code", "urn:ietf:params:oauth:grant-type:device_code"],
                                        skipConsent: true)
        _ = try await harness.addClient("app", secret: ChallengeAndCookieTests.secret, skipConsent: true)
        try await harness.run { browser in
            let device = try await browser.post("/device_authorization", form: [("scope", "openid")],
                                                headers: [.authorization: Browser.basic("cli", "")])
            #expect(device.status == .ok && device.json["device_code"] != nil, "\(device.body)")

            let (code, pkce) = try await browser.obtainCode(client: "cli", scope: "openid")
            let exchanged = try await browser.post("/token", form: [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "https://app.example/cb"),
                ("code_verifier", pkce.verifier)], headers: [.authorization: Browser.basic("cli", "")])
            #expect(exchanged.status == .ok && exchanged.json["access_token"] != nil, "\(exchanged.body)")

            let confidential = try await browser.post("/token", form: [("grant_type", "refresh_token"), ("refresh_token", "x")],
                                                      headers: [.authorization: Browser.basic("app", "")])
            #expect(confidential.status == .unauthorized)
            #expect(confidential.json["error"] as? String == "invalid_client")
        }
    }
}
