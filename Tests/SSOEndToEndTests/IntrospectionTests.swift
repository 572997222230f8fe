import Foundation
import HTTPTypes
import SSOCore
import SSOServerTesting
import SSOStorageSQLite
import SSOTesting
import Testing

@Suite("Introspection (RFC 7662), revocation (RFC 7009) and the /connect paths")
struct IntrospectionTests {
    static let secret = "app-secret-0123456789-0123456789"
    static let apiSecret = "api-secret-0123456789-0123456789"

    static func harness() async throws -> Harness {
        let harness = try Harness()
        try await harness.addUser("alice", password: "wonderland-42")
        _ = try await harness.addClient("app", secret: secret, skipConsent: true)
        // The resource server of users' tokens (their audience is the issuer).
        var api = try await harness.addClient("api", secret: apiSecret, redirectURIs: ["https://api.example/none"])
        api.resourceAudience = Harness.issuer
        try await harness.storage.save(api)
        _ = try await harness.addClient("other", secret: secret, redirectURIs: ["https://other.example/cb"])
        _ = try await harness.addClient("spa", secret: nil, skipConsent: true)
        return harness
    }

    func introspect(_ browser: Browser, _ token: String, client: String = "api", secret: String = apiSecret)
        async throws -> Browser.Page
    {
        try await browser.post("/introspect", form: [("token", token)], headers: [.authorization: Browser.basic(client, secret)])
    }

    @Test("a resource server introspects access and refresh tokens until they expire or are revoked")
    func introspection() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            let (code, pkce) = try await browser.obtainCode(client: "app")
            let tokens = try await browser.exchange(code: code, pkce: pkce, client: "app", secret: Self.secret).json
            let access = try #require(tokens["access_token"] as? String)
            let refresh = try #require(tokens["refresh_token"] as? String)

            let active = try await introspect(browser, access)
            #expect(active.status == .ok)
            #expect(active.json["active"] as? Bool == true)
            #expect(active.json["client_id"] as? String == "app")
            #expect(active.json["username"] as? String == "alice")
            #expect(active.json["scope"] as? String == "openid profile email")
            #expect(active.json["token_type"] as? String == "Bearer")
            // A refresh token is its client's alone.
            let refreshInfo = try await introspect(browser, refresh, client: "app", secret: Self.secret)
            #expect(refreshInfo.json["active"] as? Bool == true)
            #expect(refreshInfo.json["token_type"] as? String == "refresh_token")
            #expect(try await introspect(browser, refresh).json as NSDictionary == ["active": false] as NSDictionary)

            let garbage = try await introspect(browser, "nonsense")
            #expect(garbage.json as NSDictionary == ["active": false] as NSDictionary)
            // Public clients and bad credentials may not introspect.
            let publicClient = try await browser.post("/introspect", form: [("token", access), ("client_id", "spa")])
            #expect(publicClient.status == .unauthorized)
            #expect(try await introspect(browser, access, secret: "wrong").status == .unauthorized)

            harness.clock.advance(seconds: 3601)
            #expect(try await introspect(browser, access).json["active"] as? Bool == false)
            #expect(try await introspect(browser, refresh, client: "app", secret: Self.secret).json["active"] as? Bool == true)
        }
    }

    @Test("another confidential client learns nothing of a token: not its user, not its scope, not that it lives")
    func anotherClientsToken() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            let (code, pkce) = try await browser.obtainCode(client: "app")
            let tokens = try await browser.exchange(code: code, pkce: pkce, client: "app", secret: Self.secret).json
            for token in [try #require(tokens["access_token"] as? String), try #require(tokens["refresh_token"] as? String)] {
                let answer = try await introspect(browser, token, client: "other", secret: Self.secret)
                #expect(answer.status == .ok)
                #expect(answer.json as NSDictionary == ["active": false] as NSDictionary)
            }
            // Its own client sees its access token; so does the resource server of its audience.
            let access = try #require(tokens["access_token"] as? String)
            #expect(try await introspect(browser, access, client: "app", secret: Self.secret).json["active"] as? Bool == true)
            #expect(try await introspect(browser, access).json["sub"] as? String != nil)
        }
    }

    @Test("a resource server of another audience sees a machine client's token as inactive; its own audience's as active")
    func audiences() async throws {
        let harness = try await Self.harness()
        var machine = try await harness.addClient("robot", secret: Self.secret, redirectURIs: [],
                                                  scopes: "openid", grantTypes: ["client_credentials"])
        machine.audience = "https://orders.example"
        try await harness.storage.save(machine)
        var orders = try await harness.addClient("orders", secret: Self.secret, redirectURIs: ["https://orders.example/x"])
        orders.resourceAudience = "https://orders.example"
        try await harness.storage.save(orders)
        try await harness.run { browser in
            let issued = try await browser.token(client: "robot", secret: Self.secret, [("grant_type", "client_credentials")])
            let token = try #require(issued.json["access_token"] as? String)
            #expect(try await introspect(browser, token, client: "orders", secret: Self.secret).json["active"] as? Bool == true)
            #expect(try await introspect(browser, token).json["active"] as? Bool == false)   // audience: the issuer
        }
    }

    @Test("revoking a refresh token (or an access token) ends the grant; foreign and unknown tokens answer 200")
    func revocation() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            let (code, pkce) = try await browser.obtainCode(client: "app")
            let tokens = try await browser.exchange(code: code, pkce: pkce, client: "app", secret: Self.secret).json
            let access = try #require(tokens["access_token"] as? String)
            let refresh = try #require(tokens["refresh_token"] as? String)

            // Another client cannot revoke it; nothing tells it whether the token exists.
            let foreign = try await browser.post("/revoke", form: [("token", refresh)],
                                                 headers: [.authorization: Browser.basic("api", Self.apiSecret)])
            #expect(foreign.status == .ok)
            #expect(try await introspect(browser, refresh, client: "app", secret: Self.secret).json["active"] as? Bool == true)
            #expect(try await browser.post("/revoke", form: [("token", "unknown"), ("client_id", "spa")]).status == .ok)

            let revoked = try await browser.post("/connect/revocation", form: [("token", refresh), ("token_type_hint", "refresh_token")],
                                                 headers: [.authorization: Browser.basic("app", Self.secret)])
            #expect(revoked.status == .ok)
            #expect(try await introspect(browser, refresh, client: "app", secret: Self.secret).json["active"] as? Bool == false)
            #expect(try await introspect(browser, access).json["active"] as? Bool == false)
            #expect(try await browser.get("/userinfo", headers: [.authorization: "Bearer \(access)"]).status == .unauthorized)
            let refreshed = try await browser.token(client: "app", secret: Self.secret,
                                                    [("grant_type", "refresh_token"), ("refresh_token", refresh)])
            #expect(refreshed.json["error"] as? String == "invalid_grant")

            let badHint = try await browser.post("/revoke", form: [("token", access), ("token_type_hint", "id_token")],
                                                 headers: [.authorization: Browser.basic("app", Self.secret)])
            #expect(badHint.json["error"] as? String == "unsupported_token_type")
            let unauthenticated = try await browser.post("/revoke", form: [("token", access)])
            #expect(unauthenticated.status == .unauthorized)

            // An access token revoked by its client ends its grant too.
            let (code2, pkce2) = try await browser.obtainCode(client: "app")
            let second = try await browser.exchange(code: code2, pkce: pkce2, client: "app", secret: Self.secret).json
            let access2 = try #require(second["access_token"] as? String)
            _ = try await browser.post("/revoke", form: [("token", access2)], headers: [.authorization: Browser.basic("app", Self.secret)])
            #expect(try await introspect(browser, access2).json["active"] as? Bool == false)
        }
    }

    @Test("/connect/authorize, /connect/token and /connect/userinfo answer like their standard twins; discovery lists the new endpoints")
    func connectPaths() async throws {
        try await Self.harness().run { browser in
            _ = try await browser.obtainCode(client: "app")  // signs the browser in
            let pkce = PKCEPair()
            let start = try await browser.get("/connect/authorize?" + Browser.encode([
                ("response_type", "code"), ("client_id", "app"), ("redirect_uri", "https://app.example/cb"),
                ("scope", "openid"), ("state", "c"), ("code_challenge", pkce.challenge), ("code_challenge_method", "S256")]))
            let code = try #require(start.redirectParameters["code"])
            let tokens = try await browser.post("/connect/token", form: [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "https://app.example/cb"),
                ("code_verifier", pkce.verifier), ("client_id", "app"), ("client_secret", Self.secret)])
            #expect(tokens.status == .ok)
            let access = try #require(tokens.json["access_token"] as? String)
            #expect(try await browser.get("/connect/userinfo", headers: [.authorization: "Bearer \(access)"]).status == .ok)
            let bad = try await browser.get("/connect/authorize?client_id=app&redirect_uri=https%3A%2F%2Fevil.example")
            #expect(bad.status == .badRequest)
            #expect(bad.location == nil)

            let metadata = try await browser.get("/.well-known/openid-configuration").json
            #expect(metadata["introspection_endpoint"] as? String == Harness.issuer + "/introspect")
            #expect(metadata["revocation_endpoint"] as? String == Harness.issuer + "/revoke")
        }
    }
}
