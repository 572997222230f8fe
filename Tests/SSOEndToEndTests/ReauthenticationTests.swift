import Foundation
import HTTPTypes
import JWTKit
import SSOCore
import SSOServerTesting
import SSOStorageSQLite
import SSOTesting
import Testing

/// Signing in again in a browser that already has a session: the same user keeps it, another
/// user ends it.
@Suite("Re-authentication keeps the session; another user replaces it")
struct ReauthenticationTests {
    static let secret = "app-secret-0123456789-0123456789"

    static func harness(_ receiver: LogoutReceiver) async throws -> Harness {
        var harness = try Harness()
        harness.logoutDeliveryInterval = 0.05
        try await harness.addUser("alice", password: "wonderland-42")
        try await harness.addUser("bob", password: "builder-of-43")
        // The site that asks for a fresh sign-in, and another site of the same session that
        // must not hear of it.
        _ = try await harness.addClient("app", secret: secret, skipConsent: true)
        var other = try await harness.addClient("other", secret: secret, skipConsent: true)
        other.backchannelLogoutURI = receiver.uri
        try await harness.storage.save(other)
        return harness
    }

    /// The ID token and refresh token of a code exchange.
    static func tokens(_ browser: Browser, code: String, pkce: PKCEPair, client: String) async throws
        -> (id: ReceivedIDToken, refresh: String)
    {
        let json = try await browser.exchange(code: code, pkce: pkce, client: client, secret: secret).json
        let keys = try await JWTKeyCollection().add(jwksJSON: try await browser.get("/jwks").body)
        let id = try await keys.verify(try #require(json["id_token"] as? String), as: ReceivedIDToken.self)
        return (id, try #require(json["refresh_token"] as? String))
    }

    /// `/authorize` for `client` with `extra`, through the login form as `login`: the code.
    static func signIn(
        _ browser: Browser, client: String, login: String, password: String, extra: [(String, String)]
    ) async throws -> (code: String, pkce: PKCEPair) {
        let pkce = PKCEPair()
        let start = try await browser.authorize(client: client, pkce: pkce, extra: extra)
        let loginURL = try #require(start.location)
        #expect(loginURL.hasPrefix("/login?"), "the login form is shown again")
        let done = try await browser.logIn(at: loginURL, login: login, password: password)
        return (try #require(done.redirectParameters["code"], "\(done.status) \(done.location ?? "")"), pkce)
    }

    static func refresh(_ browser: Browser, _ token: String, client: String) async throws -> Browser.Page {
        try await browser.token(client: client, secret: secret, [("grant_type", "refresh_token"), ("refresh_token", token)])
    }

    @Test("prompt=login and max_age: a new auth_time and cookie, the same sid; other sites and refresh tokens live on")
    func sameUser() async throws {
        let receiver = LogoutReceiver()
        let harness = try await Self.harness(receiver)
        try await receiver.run {
            try await harness.run { (browser: Browser) async throws in
                let (otherCode, otherPKCE) = try await browser.obtainCode(client: "other")
                let before = try await Self.tokens(browser, code: otherCode, pkce: otherPKCE, client: "other")
                let oldCookie = try #require(browser.cookies["sso_session"])

                for extra in [[("prompt", "login")], [("max_age", "0")]] {
                    harness.clock.advance(seconds: 120)
                    let (code, pkce) = try await Self.signIn(
                        browser, client: "app", login: "alice", password: "wonderland-42", extra: extra)
                    let after = try await Self.tokens(browser, code: code, pkce: pkce, client: "app")
                    #expect(after.id.sid == before.id.sid)
                    let (newAuth, oldAuth) = (try #require(after.id.auth_time), try #require(before.id.auth_time))
                    #expect(newAuth >= oldAuth + 120)
                }
                let newCookie = try #require(browser.cookies["sso_session"])
                #expect(newCookie != oldCookie)

                // The other site's refresh token still works, and so does single sign-on.
                #expect(try await Self.refresh(browser, before.refresh, client: "other").status == .ok)
                #expect(try await browser.authorize(client: "other").redirectParameters["code"] != nil)
                // The cookie value from before the sign-in no longer opens the session.
                browser.setCookie("sso_session", oldCookie)
                #expect(try await browser.authorize(client: "other").location?.hasPrefix("/login?") == true)

                try await Task.sleep(for: .milliseconds(300))
                #expect(receiver.bodies.isEmpty, "no back-channel logout for a re-authentication")
                let kinds = try await harness.storage.securityEvents().map(\.kind)
                #expect(!kinds.contains(.sessionReplaced) && !kinds.contains(.logout))
            }
        }
    }

    @Test("another user signing in ends the old session: its sites are told, its refresh tokens die, an event is kept")
    func otherUser() async throws {
        let receiver = LogoutReceiver()
        let harness = try await Self.harness(receiver)
        try await receiver.run {
            try await harness.run { (browser: Browser) async throws in
                let (otherCode, otherPKCE) = try await browser.obtainCode(client: "other")
                let alice = try await Self.tokens(browser, code: otherCode, pkce: otherPKCE, client: "other")

                let (code, pkce) = try await Self.signIn(
                    browser, client: "app", login: "bob", password: "builder-of-43", extra: [("prompt", "login")])
                let bob = try await Self.tokens(browser, code: code, pkce: pkce, client: "app")
                #expect(bob.id.sid != alice.id.sid && bob.id.sub != alice.id.sub)

                #expect(try await Self.refresh(browser, alice.refresh, client: "other").status == .badRequest)
                try await receiver.waitFor(1)
                #expect(receiver.bodies.count == 1)
                let replaced = try await harness.storage.securityEvents().filter { $0.kind == .sessionReplaced }
                #expect(replaced.count == 1 && replaced.first?.userID == alice.id.sub)
                // Single sign-on continues as bob.
                let sso = try await browser.obtainCode(client: "other", login: "bob", password: "builder-of-43")
                #expect(try await Self.tokens(browser, code: sso.code, pkce: sso.pkce, client: "other").id.sub == bob.id.sub)
            }
        }
    }
}
