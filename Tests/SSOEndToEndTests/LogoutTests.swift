import Foundation
import HTTPTypes
import SSOCore
import SSOServerTesting
import SSOStorageSQLite
import SSOTesting
import Testing

@Suite("RP-initiated logout and session revocation")
struct LogoutTests {
    static let secret = "app-secret-0123456789-0123456789"

    static func harness() async throws -> Harness {
        let harness = try Harness()
        try await harness.addUser("alice", password: "wonderland-42")
        var app = try await harness.addClient("app", secret: secret, skipConsent: true)
        app.postLogoutRedirectURIs = ["https://app.example/bye"]
        try await harness.storage.save(app)
        return harness
    }

    @Test("with id_token_hint: the session ends at once, its refresh tokens die, the browser returns with state")
    func withHint() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            let (code, pkce) = try await browser.obtainCode(client: "app")
            let tokens = try await browser.exchange(code: code, pkce: pkce, client: "app", secret: Self.secret).json
            let idToken = try #require(tokens["id_token"] as? String)
            let refresh = try #require(tokens["refresh_token"] as? String)

            let out = try await browser.get("/logout?" + Browser.encode([
                ("id_token_hint", idToken), ("post_logout_redirect_uri", "https://app.example/bye"), ("state", "s-1")]))
            #expect(out.location == "https://app.example/bye?state=s-1")
            #expect(out.headers[values: .setCookie].contains { $0.hasPrefix("sso_session=") && $0.contains("Max-Age=0") })
            // The session is gone: /authorize asks to sign in again, and the refresh token is dead.
            #expect(try await browser.authorize(client: "app").location?.hasPrefix("/login?") == true)
            let refreshed = try await browser.token(client: "app", secret: Self.secret,
                                                    [("grant_type", "refresh_token"), ("refresh_token", refresh)])
            #expect(refreshed.json["error"] as? String == "invalid_grant")
        }
        #expect(try await harness.storage.securityEvents().map(\.kind).contains(.logout))
    }

    @Test("without a hint the user confirms; unregistered targets and forged hints get an error page")
    func confirmation() async throws {
        try await Self.harness().run { browser in
            _ = try await browser.obtainCode(client: "app")
            let ask = try await browser.get("/logout?client_id=app&post_logout_redirect_uri=https%3A%2F%2Fapp.example%2Fbye&state=x")
            #expect(ask.status == .ok)
            #expect(ask.body.contains("name=\"confirm\""))
            #expect(browser.cookies["sso_session"] != nil)
            let csrf = try #require(ask.hidden("csrf"))
            let forged = try await browser.post("/logout", form: [("confirm", "yes"), ("csrf", "forged")])
            #expect(forged.status == .badRequest)
            let done = try await browser.post("/logout", form: [
                ("confirm", "yes"), ("csrf", csrf), ("client_id", "app"),
                ("post_logout_redirect_uri", "https://app.example/bye"), ("state", "x")])
            #expect(done.location == "https://app.example/bye?state=x")

            for query in ["client_id=app&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F",
                          "post_logout_redirect_uri=https%3A%2F%2Fapp.example%2Fbye",
                          "id_token_hint=not.a.token",
                          // A repeated parameter is the request's fault: 400 and what is wrong, not a 500.
                          "client_id=app&client_id=app", "state=a&state=b"] {
                let refused = try await browser.get("/logout?" + query)
                #expect(refused.status == .badRequest, "\(query)")
                #expect(refused.location == nil)
            }
            #expect(try await browser.get("/logout?client_id=app&client_id=app").body.contains("repeated"))
            let discovery = try await browser.get("/.well-known/openid-configuration").json
            #expect(discovery["end_session_endpoint"] as? String == Harness.issuer + "/logout")
        }
    }

    @Test("revoking a session (as sso session revoke does) ends its refresh tokens")
    func revokeSession() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            let (code, pkce) = try await browser.obtainCode(client: "app")
            let refresh = try #require(try await browser.exchange(code: code, pkce: pkce, client: "app", secret: Self.secret)
                .json["refresh_token"] as? String)
            let user = try #require(try await harness.storage.user(login: "alice"))
            let sessions = try await harness.storage.sessions(userID: user.id)
            #expect(sessions.count == 1)
            try await harness.storage.revoke(sessionID: sessions[0].id, at: harness.clock.now())
            let refreshed = try await browser.token(client: "app", secret: Self.secret,
                                                    [("grant_type", "refresh_token"), ("refresh_token", refresh)])
            #expect(refreshed.json["error"] as? String == "invalid_grant")
            #expect(try await browser.authorize(client: "app").location?.hasPrefix("/login?") == true)
        }
    }
}
