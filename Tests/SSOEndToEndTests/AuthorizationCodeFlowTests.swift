import Crypto
import Foundation
import HTTPTypes
import JWTKit
import SSOCore
import SSOServerTesting
import SSOTesting
import SSOStorageSQLite
import Testing

/// An ID token as a relying party reads it, to verify against the published JWKS.
struct ReceivedIDToken: JWTPayload {
    var iss: String
    var sub: String
    var aud: String
    var exp: Int
    var iat: Int
    var auth_time: Int?
    var nonce: String?
    var at_hash: String?
    var email: String?
    var sid: String?
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

struct ReceivedAccessToken: JWTPayload {
    var iss: String
    var sub: String
    var client_id: String
    var scope: String
    var exp: Int
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

@Suite("The authorization code flow over HTTP")
struct AuthorizationCodeFlowTests {
    @Test("authorize, log in (wrong then right), consent, exchange, verify, userinfo, refresh, SSO to a second client")
    func wholeFlow() async throws {
        let harness = try Harness()
        let alice = try await harness.addUser("alice", password: "wonderland-42", email: "alice@example.com", name: "Alice")
        let app = try await harness.addClient("app", secret: "app-secret-0123456789-0123456789")
        _ = try await harness.addClient("second", secret: "second-secret-0123456789-01234567", skipConsent: true)

        try await harness.run { browser in
            // 1. The site sends the browser to /authorize: no session, so the login page.
            let pkce = PKCEPair()
            let start = try await browser.authorize(client: "app", nonce: "nonce-abc", pkce: pkce)
            #expect(start.status == .found)
            let loginURL = try #require(start.location)
            #expect(loginURL.hasPrefix("/login?interaction="))
            let loginPage = try await browser.get(loginURL)
            #expect(loginPage.status == .ok)
            #expect(loginPage.body.contains("App app"))

            // 2. A wrong password shows the form again with a message and no session.
            let wrong = try await browser.logIn(at: loginURL, login: "alice", password: "nope-nope")
            #expect(wrong.status == .ok)
            #expect(wrong.body.contains("Invalid login or password."))
            #expect(browser.cookies["sso_session"] == nil)

            // 3. The right password opens the session and leads to consent.
            let loggedIn = try await browser.logIn(at: loginURL, login: "ALICE", password: "wonderland-42")
            #expect(loggedIn.status == .found)
            #expect(browser.cookies["sso_session"] != nil)
            let setCookie = loggedIn.headers[values: .setCookie].first { $0.hasPrefix("sso_session=") } ?? ""
            #expect(setCookie.contains("HttpOnly"))
            #expect(setCookie.contains("SameSite=Lax"))
            let consentURL = try #require(loggedIn.location)
            #expect(consentURL.hasPrefix("/consent?interaction="))
            let consentPage = try await browser.get(consentURL)
            #expect(consentPage.body.contains("See your email address"))

            // 4. Approval sends the code to the registered redirect URI with state and iss.
            let approved = try await browser.answerConsent(at: consentURL, approve: true)
            #expect(approved.location?.hasPrefix("https://app.example/cb?") == true)
            #expect(approved.redirectParameters["state"] == "st-1")
            #expect(approved.redirectParameters["iss"] == Harness.issuer)
            let code = try #require(approved.redirectParameters["code"])
            #expect(code.count >= 43)

            // 5. The exchange with Basic authentication and the PKCE verifier.
            let tokens = try await browser.exchange(code: code, pkce: pkce, client: "app", secret: "app-secret-0123456789-0123456789")
            #expect(tokens.status == .ok)
            #expect(tokens.headers[.cacheControl] == "no-store")
            let json = tokens.json
            #expect(json["token_type"] as? String == "Bearer")
            #expect(json["expires_in"] as? Int == 3600)
            #expect(json["scope"] as? String == "openid profile email")
            let accessToken = try #require(json["access_token"] as? String)
            let refreshToken = try #require(json["refresh_token"] as? String)
            let idToken = try #require(json["id_token"] as? String)

            // 6. The ID token verifies against the published JWKS and carries nonce and at_hash.
            let jwks = try await browser.get("/jwks")
            let keys = try await JWTKeyCollection().add(jwksJSON: jwks.body)
            let id = try await keys.verify(idToken, as: ReceivedIDToken.self)
            #expect(id.iss == Harness.issuer)
            #expect(id.sub == alice.id)
            #expect(id.aud == app.id)
            #expect(id.nonce == "nonce-abc")
            #expect(id.at_hash == leftHalf(SHA256.hash(data: Data(accessToken.utf8))))
            #expect(id.auth_time != nil)
            #expect(id.email == "alice@example.com")
            #expect(try header(of: idToken)["alg"] as? String == "RS256")
            let access = try await keys.verify(accessToken, as: ReceivedAccessToken.self)
            #expect(access.client_id == "app")
            #expect(try header(of: accessToken)["typ"] as? String == "at+jwt")
            #expect(try header(of: accessToken)["alg"] as? String == "ES256")

            // 7. Userinfo answers the claims the scopes allow.
            let info = try await browser.get("/userinfo", headers: [.authorization: "Bearer \(accessToken)"])
            #expect(info.status == .ok)
            #expect(info.json["sub"] as? String == alice.id)
            #expect(info.json["email"] as? String == "alice@example.com")
            #expect(info.json["preferred_username"] as? String == "alice")
            let posted = try await browser.post("/userinfo", form: [("access_token", accessToken)])
            #expect(posted.json["sub"] as? String == alice.id)

            // 8. Refresh rotates: a new pair, the old refresh token ended.
            let refreshed = try await browser.token(client: "app", secret: "app-secret-0123456789-0123456789", [
                ("grant_type", "refresh_token"), ("refresh_token", refreshToken),
            ])
            #expect(refreshed.status == .ok)
            let newRefresh = try #require(refreshed.json["refresh_token"] as? String)
            #expect(newRefresh != refreshToken)
            #expect(refreshed.json["access_token"] as? String != accessToken)

            // 9. Single sign-on: a second client gets its code without any login page.
            let sso = try await browser.authorize(client: "second")
            #expect(sso.location?.hasPrefix("https://app.example/cb?code=") == true)

            // 10. The same client again: consent is remembered, the code comes at once.
            let again = try await browser.authorize(client: "app")
            #expect(again.redirectParameters["code"] != nil)
        }
    }

    @Test("a rotated refresh token presented again: the same answer within the grace window, then the family is revoked")
    func refreshReuseRevokesFamily() async throws {
        let harness = try Harness()
        try await harness.addUser("alice", password: "wonderland-42")
        _ = try await harness.addClient("app", secret: "s3cret-s3cret-s3cret-s3cret-s3cret", skipConsent: true)
        try await harness.run { browser in
            let (code, pkce) = try await browser.obtainCode(client: "app")
            let first = try await browser.exchange(code: code, pkce: pkce, client: "app", secret: "s3cret-s3cret-s3cret-s3cret-s3cret").json
            let original = try #require(first["refresh_token"] as? String)
            let second = try await browser.token(client: "app", secret: "s3cret-s3cret-s3cret-s3cret-s3cret",
                                                 [("grant_type", "refresh_token"), ("refresh_token", original)]).json
            let rotated = try #require(second["refresh_token"] as? String)
            let rotatedAccess = try #require(second["access_token"] as? String)

            // A second tab with the same token, a moment later: the same pair again, not a logout.
            harness.clock.advance(seconds: 5)
            let twin = try await browser.token(client: "app", secret: "s3cret-s3cret-s3cret-s3cret-s3cret",
                                               [("grant_type", "refresh_token"), ("refresh_token", original)])
            #expect(twin.status == .ok)
            #expect(twin.json["refresh_token"] as? String == rotated)
            #expect(twin.json["access_token"] as? String == rotatedAccess)
            #expect(twin.headers[.cacheControl] == "no-store")

            harness.clock.advance(seconds: 6)
            let reuse = try await browser.token(client: "app", secret: "s3cret-s3cret-s3cret-s3cret-s3cret",
                                                [("grant_type", "refresh_token"), ("refresh_token", original)])
            #expect(reuse.status == .badRequest)
            #expect(reuse.json["error"] as? String == "invalid_grant")
            // The thief's reuse ended the legitimate holder's tokens too.
            let afterReuse = try await browser.token(client: "app", secret: "s3cret-s3cret-s3cret-s3cret-s3cret",
                                                     [("grant_type", "refresh_token"), ("refresh_token", rotated)])
            #expect(afterReuse.json["error"] as? String == "invalid_grant")
            let info = try await browser.get("/userinfo", headers: [.authorization: "Bearer \(rotatedAccess)"])
            #expect(info.status == .unauthorized)
        }
        let events = try await harness.storage.securityEvents().map(\.kind)
        #expect(events.contains(.refreshTokenReused))
        #expect(events.contains(.refreshTokenRepeated))
    }

    @Test("a code used twice fails and revokes what the first use issued")
    func codeReplay() async throws {
        let harness = try Harness()
        try await harness.addUser("alice", password: "wonderland-42")
        _ = try await harness.addClient("app", secret: "s3cret-s3cret-s3cret-s3cret-s3cret", skipConsent: true)
        try await harness.run { browser in
            let (code, pkce) = try await browser.obtainCode(client: "app")
            let first = try await browser.exchange(code: code, pkce: pkce, client: "app", secret: "s3cret-s3cret-s3cret-s3cret-s3cret")
            #expect(first.status == .ok)
            let access = try #require(first.json["access_token"] as? String)
            let refresh = try #require(first.json["refresh_token"] as? String)

            let second = try await browser.exchange(code: code, pkce: pkce, client: "app", secret: "s3cret-s3cret-s3cret-s3cret-s3cret")
            #expect(second.status == .badRequest)
            #expect(second.json["error"] as? String == "invalid_grant")
            let info = try await browser.get("/userinfo", headers: [.authorization: "Bearer \(access)"])
            #expect(info.status == .unauthorized)
            let refreshed = try await browser.token(client: "app", secret: "s3cret-s3cret-s3cret-s3cret-s3cret",
                                                    [("grant_type", "refresh_token"), ("refresh_token", refresh)])
            #expect(refreshed.json["error"] as? String == "invalid_grant")
        }
        #expect(try await harness.storage.securityEvents().map(\.kind).contains(.codeReplayed))
    }

    @Test("everything is in the SQLite file: a restarted server honours the tokens and keys of the first")
    func survivesRestart() async throws {
        let harness = try Harness()
        try await harness.addUser("alice", password: "wonderland-42")
        _ = try await harness.addClient("app", secret: "s3cret-s3cret-s3cret-s3cret-s3cret", skipConsent: true)
        let (refresh, jwks) = try await harness.run { browser in
            let (code, pkce) = try await browser.obtainCode(client: "app")
            let tokens = try await browser.exchange(code: code, pkce: pkce, client: "app", secret: "s3cret-s3cret-s3cret-s3cret-s3cret")
            return (tokens.json["refresh_token"] as? String ?? "", try await browser.get("/jwks").body)
        }
        let restarted = try Harness(dataDirectory: harness.dataDirectory)
        try await restarted.run { browser in
            #expect(try await browser.get("/jwks").body == jwks)
            let tokens = try await browser.token(client: "app", secret: "s3cret-s3cret-s3cret-s3cret-s3cret",
                                                 [("grant_type", "refresh_token"), ("refresh_token", refresh)])
            #expect(tokens.status == .ok)
        }
    }
}

/// The left half of a digest, base64url: how `at_hash` is made from the access token.
func leftHalf(_ digest: some Digest) -> String {
    let bytes = Array(digest)
    return Base64URL.encode(bytes.prefix(bytes.count / 2))
}

func header(of jwt: String) throws -> [String: Any] {
    let part = try #require(jwt.split(separator: ".").first)
    let data = try #require(Base64URL.decode(String(part)))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}
