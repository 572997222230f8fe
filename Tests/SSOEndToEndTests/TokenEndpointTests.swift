import Foundation
import HTTPTypes
import SSOCore
import SSOServerTesting
import SSOTesting
import SSOStorageSQLite
import Testing

@Suite("/token: client authentication, grant dispatch and RFC 6749 errors")
struct TokenEndpointTests {
    static let secret = "app-secret-0123456789-0123456789"

    static func harness() async throws -> Harness {
        let harness = try Harness()
        try await harness.addUser("alice", password: "wonderland-42")
        _ = try await harness.addClient("app", secret: secret, skipConsent: true)
        _ = try await harness.addClient("other", secret: "other-secret-0123456789-01234567", skipConsent: true)
        _ = try await harness.addClient("spa", secret: nil, skipConsent: true)
        _ = try await harness.addClient("norefresh", secret: "norefresh-secret-0123456789-0123",
                                        grantTypes: ["authorization_code"], skipConsent: true)
        return harness
    }

    func expectError(_ page: Browser.Page, _ code: String, status: HTTPResponse.Status = .badRequest,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(page.status == status, sourceLocation: sourceLocation)
        #expect(page.json["error"] as? String == code, "\(page.body)", sourceLocation: sourceLocation)
        #expect((page.json["error_description"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(page.headers[.cacheControl] == "no-store", sourceLocation: sourceLocation)
        #expect(page.headers[.contentType]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
    }

    @Test("client authentication failures are invalid_client; with Basic, 401 and a challenge")
    func clientAuthentication() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            let (code, pkce) = try await browser.obtainCode(client: "app")
            let form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "https://app.example/cb"),
                        ("code_verifier", pkce.verifier)]
            let wrongBasic = try await browser.token(client: "app", secret: "wrong", form)
            expectError(wrongBasic, "invalid_client", status: .unauthorized)
            #expect(wrongBasic.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
            expectError(try await browser.token(client: "nobody", secret: "x", form), "invalid_client", status: .unauthorized)
            expectError(try await browser.post("/token", form: form + [("client_id", "app")]), "invalid_client",
                        status: .unauthorized)
            expectError(try await browser.post("/token", form: form + [("client_id", "app"), ("client_secret", "bad")]),
                        "invalid_client", status: .unauthorized)
            expectError(try await browser.post("/token", form: form, headers: [.authorization: "Basic !!!"]),
                        "invalid_client", status: .unauthorized)
            // Two Authorization fields are one malformed header, even when the first is right.
            var twice = HTTPFields()
            twice.append(HTTPField(name: .authorization, value: Browser.basic("app", Self.secret)))
            twice.append(HTTPField(name: .authorization, value: Browser.basic("app", Self.secret)))
            expectError(try await browser.post("/token", form: form, headers: twice), "invalid_client", status: .unauthorized)
            expectError(try await browser.post("/token", form: form + [("client_secret", Self.secret)],
                                               headers: [.authorization: Browser.basic("app", Self.secret)]),
                        "invalid_request")

            // client_secret_post works, and the code still redeems after all those failures.
            let ok = try await browser.post("/token", form: form + [("client_id", "app"), ("client_secret", Self.secret)])
            #expect(ok.status == .ok)
        }
        #expect(try await harness.storage.securityEvents().map(\.kind).contains(.clientAuthFailed))
    }

    @Test("grant_type: missing, unknown, or not allowed for the client")
    func grantTypes() async throws {
        try await Self.harness().run { browser in
            expectError(try await browser.token(client: "app", secret: Self.secret, [("code", "x")]), "invalid_request")
            expectError(try await browser.token(client: "app", secret: Self.secret, [("grant_type", "password")]),
                        "unsupported_grant_type")
            expectError(try await browser.token(client: "norefresh", secret: "norefresh-secret-0123456789-0123",
                                                [("grant_type", "refresh_token"), ("refresh_token", "x")]),
                        "unauthorized_client")
            expectError(try await browser.token(client: "app", secret: Self.secret, [
                ("grant_type", "authorization_code"), ("grant_type", "refresh_token"), ("code", "x")]), "invalid_request")
            let json = try await browser.send("/token", method: .post,
                                              headers: [.contentType: "application/json", .authorization: Browser.basic("app", Self.secret)],
                                              body: "{\"grant_type\":\"authorization_code\"}")
            expectError(json, "invalid_request")
            let get = try await browser.get("/token?grant_type=authorization_code&code=x")
            expectError(get, "invalid_request", status: .methodNotAllowed)
            #expect(get.headers[.allow] == "POST")
        }
    }

    @Test("a code is bound to its client, redirect URI, PKCE verifier and lifetime")
    func codeBindings() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            let (code, pkce) = try await browser.obtainCode(client: "app")
            func exchange(_ form: [(String, String)], client: String = "app", secret: String = Self.secret) async throws -> Browser.Page {
                try await browser.token(client: client, secret: secret, [("grant_type", "authorization_code"), ("code", code)] + form)
            }
            expectError(try await exchange([("redirect_uri", "https://app.example/cb"), ("code_verifier", pkce.verifier)],
                                           client: "other", secret: "other-secret-0123456789-01234567"), "invalid_grant")
            expectError(try await exchange([("redirect_uri", "https://app.example/other"), ("code_verifier", pkce.verifier)]),
                        "invalid_grant")
            expectError(try await exchange([("code_verifier", pkce.verifier)]), "invalid_grant")
            expectError(try await exchange([("redirect_uri", "https://app.example/cb"), ("code_verifier", PKCEPair().verifier)]),
                        "invalid_grant")
            expectError(try await exchange([("redirect_uri", "https://app.example/cb")]), "invalid_grant")
            expectError(try await browser.token(client: "app", secret: Self.secret, [
                ("grant_type", "authorization_code"), ("code", "made-up-code"), ("redirect_uri", "https://app.example/cb"),
                ("code_verifier", pkce.verifier)]), "invalid_grant")
            // None of the failures above consumed it.
            #expect(try await exchange([("redirect_uri", "https://app.example/cb"), ("code_verifier", pkce.verifier)]).status == .ok)

            let (late, latePKCE) = try await browser.obtainCode(client: "app")
            harness.clock.advance(seconds: 61)
            expectError(try await browser.exchange(code: late, pkce: latePKCE, client: "app", secret: Self.secret), "invalid_grant")
        }
    }

    @Test("a public client authenticates with its client_id and PKCE; it gets no secret-based access")
    func publicClient() async throws {
        try await Self.harness().run { browser in
            let (code, pkce) = try await browser.obtainCode(client: "spa")
            let tokens = try await browser.exchange(code: code, pkce: pkce, client: "spa", secret: nil)
            #expect(tokens.status == .ok)
            #expect(tokens.headers[.accessControlAllowOrigin] == "*")
            let refresh = try #require(tokens.json["refresh_token"] as? String)
            expectError(try await browser.post("/token", form: [
                ("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", "spa"), ("client_secret", "guess")]),
                "invalid_client", status: .unauthorized)
            #expect(try await browser.token(client: "spa", secret: nil,
                                            [("grant_type", "refresh_token"), ("refresh_token", refresh)]).status == .ok)
        }
    }

    @Test("refresh: narrower scope allowed, wider refused, another client's token refused, expiry honoured")
    func refreshRules() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            let (code, pkce) = try await browser.obtainCode(client: "app")
            let tokens = try await browser.exchange(code: code, pkce: pkce, client: "app", secret: Self.secret)
            let refresh = try #require(tokens.json["refresh_token"] as? String)
            expectError(try await browser.token(client: "app", secret: Self.secret, [
                ("grant_type", "refresh_token"), ("refresh_token", refresh), ("scope", "openid admin")]), "invalid_scope")
            expectError(try await browser.token(client: "other", secret: "other-secret-0123456789-01234567", [
                ("grant_type", "refresh_token"), ("refresh_token", refresh)]), "invalid_grant")
            let narrow = try await browser.token(client: "app", secret: Self.secret, [
                ("grant_type", "refresh_token"), ("refresh_token", refresh), ("scope", "openid")])
            #expect(narrow.status == .ok)
            #expect(narrow.json["scope"] as? String == "openid")
            // The new refresh token keeps the original scope (RFC 6749 section 6).
            let next = try #require(narrow.json["refresh_token"] as? String)
            let wideAgain = try await browser.token(client: "app", secret: Self.secret, [
                ("grant_type", "refresh_token"), ("refresh_token", next)])
            #expect(wideAgain.json["scope"] as? String == "openid profile email")

            let last = try #require(wideAgain.json["refresh_token"] as? String)
            harness.clock.advance(seconds: 31 * 24 * 3600)
            expectError(try await browser.token(client: "app", secret: Self.secret, [
                ("grant_type", "refresh_token"), ("refresh_token", last)]), "invalid_grant")
        }
    }

    @Test("/oauth/token is the same endpoint")
    func oauthTokenAlias() async throws {
        try await Self.harness().run { browser in
            let (code, pkce) = try await browser.obtainCode(client: "app")
            let page = try await browser.post("/oauth/token", form: [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "https://app.example/cb"),
                ("code_verifier", pkce.verifier), ("client_id", "app"), ("client_secret", Self.secret)])
            #expect(page.status == .ok)
            #expect(page.json["id_token"] is String)
        }
    }

    @Test("userinfo: 401 with a Bearer challenge for missing, forged, expired or ID tokens")
    func userInfoErrors() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            let missing = try await browser.get("/userinfo")
            #expect(missing.status == .unauthorized)
            #expect(missing.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)

            let (code, pkce) = try await browser.obtainCode(client: "app")
            let tokens = try await browser.exchange(code: code, pkce: pkce, client: "app", secret: Self.secret).json
            let access = try #require(tokens["access_token"] as? String)
            let idToken = try #require(tokens["id_token"] as? String)
            for bad in ["garbage", idToken, String(access.dropLast(4)) + "AAAA"] {
                let page = try await browser.get("/userinfo", headers: [.authorization: "Bearer \(bad)"])
                #expect(page.status == .unauthorized)
                #expect(page.headers[.wwwAuthenticate]?.contains("error=\"invalid_token\"") == true)
            }
            #expect(try await browser.get("/userinfo", headers: [.authorization: "Bearer \(access)"]).status == .ok)
            // Two Authorization fields are one header of two values, not a token.
            var twice = HTTPFields()
            twice.append(HTTPField(name: .authorization, value: "Bearer \(access)"))
            twice.append(HTTPField(name: .authorization, value: "Bearer \(access)"))
            let doubled = try await browser.get("/userinfo", headers: twice)
            #expect(doubled.status == .unauthorized)
            #expect(doubled.headers[.wwwAuthenticate]?.contains("error=\"invalid_token\"") == true)
            harness.clock.advance(seconds: 3601)
            let expired = try await browser.get("/userinfo", headers: [.authorization: "Bearer \(access)"])
            #expect(expired.status == .unauthorized)
            #expect(expired.headers[.wwwAuthenticate]?.contains("invalid_token") == true)
        }
    }

    @Test("discovery documents and JWKS describe this server")
    func discovery() async throws {
        try await Self.harness().run { browser in
            for path in ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"] {
                let page = try await browser.get(path)
                #expect(page.status == .ok)
                let json = page.json
                #expect(json["issuer"] as? String == Harness.issuer)
                #expect(json["token_endpoint"] as? String == Harness.issuer + "/token")
                #expect(json["jwks_uri"] as? String == Harness.issuer + "/jwks")
                #expect(json["code_challenge_methods_supported"] as? [String] == ["S256"])
                #expect(json["response_types_supported"] as? [String] == ["code"])
                #expect((json["grant_types_supported"] as? [String])?.sorted() == ["authorization_code", "client_credentials", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"])
            }
            let jwks = try await browser.get("/jwks").json
            let keys = try #require(jwks["keys"] as? [[String: Any]])
            #expect(Set(keys.compactMap { $0["alg"] as? String }) == ["ES256", "RS256", "EdDSA"])
            #expect(keys.allSatisfy { $0["d"] == nil })
        }
    }

    @Test("discovery lists a scope registered while the server runs, within a second")
    func discoveryFollowsScopes() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            let before = try await browser.get("/.well-known/openid-configuration").json
            #expect((before["scopes_supported"] as? [String])?.contains("extern.api") == false)
            try await harness.storage.save(ScopeDefinition(name: "extern.api", descriptions: ["en": "Extern"]))
            // The registered scopes are read at most once a second.
            try await Task.sleep(for: .milliseconds(1100))
            let after = try await browser.get("/.well-known/openid-configuration").json
            #expect((after["scopes_supported"] as? [String])?.contains("extern.api") == true)
        }
    }
}
