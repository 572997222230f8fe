import Foundation
import HTTPTypes
import SSOCore
import SSOServerTesting
import SSOStorageSQLite
import SSOTesting
import Testing

/// Machine clients over real HTTP: the `client_credentials` module registered in the composition
/// root, switched on per client.
@Suite("client_credentials (RFC 6749 section 4.4)")
struct ClientCredentialsTests {
    static let secret = "svc-secret-0123456789-0123456789"
    static let apiSecret = "api-secret-0123456789-0123456789"

    static func harness() async throws -> Harness {
        let harness = try Harness()
        try await harness.storage.save(ScopeDefinition(name: "quotes.read", descriptions: ["en": "Read quotes"]))
        var service = try await harness.addClient("svc", secret: secret, redirectURIs: [], scopes: "quotes.read openid",
                                                  grantTypes: ["client_credentials"])
        service.audience = "https://quotes.example"
        try await harness.storage.save(service)
        // The resource server of the machine client's audience.
        var api = try await harness.addClient("api", secret: apiSecret)
        api.resourceAudience = "https://quotes.example"
        try await harness.storage.save(api)
        _ = try await harness.addClient("spa", secret: nil, grantTypes: ["authorization_code", "client_credentials"])
        return harness
    }

    func payload(_ jwt: String) throws -> [String: Any] {
        let parts = jwt.split(separator: ".")
        let data = try #require(Base64URL.decode(String(parts[1])))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("a confidential client gets an access token for itself: its scopes and audience, no refresh or ID token")
    func issue() async throws {
        try await Self.harness().run { browser in
            let answer = try await browser.token(client: "svc", secret: Self.secret, [("grant_type", "client_credentials")])
            #expect(answer.status == .ok, "\(answer.body)")
            #expect(answer.headers[.cacheControl] == "no-store")
            let json = answer.json
            #expect(json["token_type"] as? String == "Bearer")
            #expect(json["scope"] as? String == "quotes.read")
            #expect(json["refresh_token"] == nil && json["id_token"] == nil)
            let token = try #require(json["access_token"] as? String)
            let claims = try payload(token)
            #expect(claims["sub"] as? String == "svc" && claims["client_id"] as? String == "svc")
            #expect(claims["aud"] as? String == "https://quotes.example")
            #expect(claims["iss"] as? String == Harness.issuer)

            // A resource server sees it active with the same facts; userinfo has no user for it.
            let introspected = try await browser.post("/introspect", form: [("token", token)],
                                                      headers: [.authorization: Browser.basic("api", Self.apiSecret)]).json
            #expect(introspected["active"] as? Bool == true)
            #expect(introspected["client_id"] as? String == "svc" && introspected["aud"] as? String == "https://quotes.example")
            #expect(try await browser.get("/userinfo", headers: [.authorization: "Bearer \(token)"]).status == .unauthorized)

            // The form's credentials work as Basic does.
            let post = try await browser.token(client: "svc", secret: nil, [
                ("grant_type", "client_credentials"), ("client_secret", Self.secret), ("scope", "quotes.read")])
            #expect(post.status == .ok, "\(post.body)")
            let discovery = try await browser.get("/.well-known/openid-configuration").json
            #expect((discovery["grant_types_supported"] as? [String])?.contains("client_credentials") == true)
        }
    }

    @Test("a machine client with reference tokens: introspection reports its audience, userinfo refuses the token")
    func referenceTokens() async throws {
        let harness = try await Self.harness()
        var service = try #require(try await harness.storage.client(id: "svc"))
        service.accessTokenFormat = .reference
        try await harness.storage.save(service)
        try await harness.run { browser in
            let answer = try await browser.token(client: "svc", secret: Self.secret, [("grant_type", "client_credentials")])
            let token = try #require(answer.json["access_token"] as? String)
            #expect(token.split(separator: ".").count == 1)   // opaque
            let introspected = try await browser.post("/introspect", form: [("token", token)],
                                                      headers: [.authorization: Browser.basic("api", Self.apiSecret)]).json
            #expect(introspected["active"] as? Bool == true && introspected["sub"] as? String == "svc")
            #expect(introspected["aud"] as? String == "https://quotes.example")
            #expect(try await browser.get("/userinfo", headers: [.authorization: "Bearer \(token)"]).status == .unauthorized)
        }
    }

    @Test("refused: a wrong secret, a client without the grant, a public client, a user or foreign scope")
    func refusals() async throws {
        try await Self.harness().run { browser in
            let wrong = try await browser.token(client: "svc", secret: "wrong", [("grant_type", "client_credentials")])
            #expect(wrong.status == .unauthorized && wrong.json["error"] as? String == "invalid_client")
            let notAllowed = try await browser.token(client: "api", secret: Self.apiSecret, [("grant_type", "client_credentials")])
            #expect(notAllowed.json["error"] as? String == "unauthorized_client")
            let publicClient = try await browser.token(client: "spa", secret: nil, [("grant_type", "client_credentials")])
            #expect(publicClient.status != .ok)
            #expect(["unauthorized_client", "invalid_client"].contains(publicClient.json["error"] as? String ?? ""))
            for scope in ["openid", "quotes.write", "quotes.read profile"] {
                let answer = try await browser.token(client: "svc", secret: Self.secret, [
                    ("grant_type", "client_credentials"), ("scope", scope)])
                #expect(answer.status == .badRequest && answer.json["error"] as? String == "invalid_scope", "\(scope)")
            }
        }
    }
}
