import Crypto
import Foundation
import HTTPTypes
import JWTKit
import SSOCore
import SSOServerTesting
import SSOStorageSQLite
import SSOTesting
import Testing

@Suite("Per-client token policy")
struct ClientPolicyTests {
    @Test("lifetimes, ID-token algorithm, no refresh token and a pinned authentication method are honoured")
    func policy() async throws {
        let harness = try Harness()
        try await harness.addUser("alice", password: "wonderland-42")
        var partner = try await harness.addClient("partner", secret: "partner-secret-0123456789-0123456", skipConsent: true)
        partner.accessTokenTTL = 86_400
        partner.refreshTokenTTL = 600
        partner.idTokenSigningAlgorithm = .es256
        partner.authMethod = .clientSecretPost
        partner.authMethodPinned = true
        try await harness.storage.save(partner)
        var noRefresh = try await harness.addClient("norefresh", secret: "norefresh-secret-0123456789-01234",
                                                    skipConsent: true)
        noRefresh.grantTypes = ["authorization_code"]
        try await harness.storage.save(noRefresh)

        try await harness.run { browser in
            let (code, pkce) = try await browser.obtainCode(client: "partner")
            let form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "https://app.example/cb"),
                        ("code_verifier", pkce.verifier)]
            let basic = try await browser.token(client: "partner", secret: "partner-secret-0123456789-0123456", form)
            #expect(basic.status == .unauthorized)
            #expect(basic.json["error"] as? String == "invalid_client")
            let post = try await browser.post("/token", form: form + [
                ("client_id", "partner"), ("client_secret", "partner-secret-0123456789-0123456")])
            #expect(post.status == .ok)
            #expect(post.json["expires_in"] as? Int == 86_400)
            let idToken = try #require(post.json["id_token"] as? String)
            #expect(try header(of: idToken)["alg"] as? String == "ES256")
            let keys = try await JWTKeyCollection().add(jwksJSON: try await browser.get("/jwks").body)
            let claims = try await keys.verify(idToken, as: ReceivedIDToken.self)
            #expect(claims.exp - claims.iat == 86_400)
            let refresh = try #require(post.json["refresh_token"] as? String)
            harness.clock.advance(seconds: 601)
            let late = try await browser.post("/token", form: [
                ("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", "partner"),
                ("client_secret", "partner-secret-0123456789-0123456")])
            #expect(late.json["error"] as? String == "invalid_grant")

            // An EdDSA client's ID token verifies against the published Ed25519 key.
            var edClient = try #require(try await harness.storage.client(id: "partner"))
            edClient.idTokenSigningAlgorithm = .edDSA
            try await harness.storage.save(edClient)
            let (code3, pkce3) = try await browser.obtainCode(client: "partner")
            let edTokens = try await browser.post("/token", form: [
                ("grant_type", "authorization_code"), ("code", code3), ("redirect_uri", "https://app.example/cb"),
                ("code_verifier", pkce3.verifier), ("client_id", "partner"),
                ("client_secret", "partner-secret-0123456789-0123456")])
            let edIDToken = try #require(edTokens.json["id_token"] as? String)
            #expect(try header(of: edIDToken)["alg"] as? String == "EdDSA")
            let edClaims = try await keys.verify(edIDToken, as: ReceivedIDToken.self)
            // at_hash with Ed25519's hash, SHA-512 (OpenID Connect Core 3.1.3.6 and its errata).
            let edAccess = try #require(edTokens.json["access_token"] as? String)
            #expect(edClaims.at_hash == leftHalf(SHA512.hash(data: Data(edAccess.utf8))))
            #expect(edClaims.at_hash?.count == 43)

            let (code2, pkce2) = try await browser.obtainCode(client: "norefresh")
            let tokens = try await browser.exchange(code: code2, pkce: pkce2, client: "norefresh",
                                                    secret: "norefresh-secret-0123456789-01234")
            #expect(tokens.status == .ok)
            #expect(tokens.json["refresh_token"] == nil)
        }
    }
}

@Suite("Reference access tokens with sliding expiry, as the partner convention asks")
struct ReferenceTokenTests {
    static let secret = "partner-secret-0123456789-0123456"

    @Test("issued for 24 hours and renewed with every use, up to the client's absolute cap")
    func sliding() async throws {
        let harness = try Harness()
        try await harness.addUser("alice", password: "wonderland-42")
        var partner = try await harness.addClient("partner", secret: Self.secret, skipConsent: true)
        partner.accessTokenFormat = .reference
        partner.accessTokenTTL = 86_400
        partner.slidingMaxTTL = 3 * 86_400
        try await harness.storage.save(partner)
        var api = try await harness.addClient("api", secret: Self.secret, redirectURIs: ["https://api.example/x"])
        api.resourceAudience = Harness.issuer
        try await harness.storage.save(api)

        try await harness.run { browser in
            let (code, pkce) = try await browser.obtainCode(client: "partner")
            let tokens = try await browser.exchange(code: code, pkce: pkce, client: "partner", secret: Self.secret)
            let access = try #require(tokens.json["access_token"] as? String)
            #expect(access.split(separator: ".").count == 1)   // opaque, not a JWT
            #expect(tokens.json["expires_in"] as? Int == 86_400)
            let stored = try await harness.storage.referenceToken(digest: SecretDigest.sha256(access))
            #expect(stored != nil)

            func use() async throws -> HTTPResponse.Status {
                try await browser.get("/userinfo", headers: [.authorization: "Bearer \(access)"]).status
            }
            func introspect() async throws -> [String: Any] {
                try await browser.post("/introspect", form: [("token", access)],
                                       headers: [.authorization: Browser.basic("api", Self.secret)]).json
            }
            // Used every 20 hours it stays alive past its first 24 hours...
            for _ in 0..<3 {
                harness.clock.advance(seconds: 20 * 3600)
                #expect(try await use() == .ok)
            }
            let info = try await introspect()
            #expect(info["active"] as? Bool == true)
            // Looking at it renews nothing: introspection is not a use (61 h).
            let before = try #require(try await harness.storage.referenceToken(digest: SecretDigest.sha256(access))?.expiresAt)
            harness.clock.advance(seconds: 3600)
            _ = try await introspect()
            #expect(try await harness.storage.referenceToken(digest: SecretDigest.sha256(access))?.expiresAt == before)
            // At 60 h a renewal to +24 h would pass the cap: it stops at issue + 72 h.
            let issued = try #require(stored?.createdAt.timeIntervalSince1970)
            #expect(info["exp"] as? Int == Int(issued) + 3 * 86_400)
            // ...but never past the cap of three days after issue.
            harness.clock.advance(seconds: 10 * 3600)   // 71 h
            #expect(try await use() == .ok)
            harness.clock.advance(seconds: 2 * 3600)    // 73 h
            #expect(try await use() == .unauthorized)
            #expect(try await introspect()["active"] as? Bool == false)
        }
    }

    @Test("unused for its lifetime it expires; revoked it stops at once")
    func expiryAndRevocation() async throws {
        let harness = try Harness()
        try await harness.addUser("alice", password: "wonderland-42")
        var partner = try await harness.addClient("partner", secret: Self.secret, skipConsent: true)
        partner.accessTokenFormat = .reference
        partner.slidingMaxTTL = 86_400
        try await harness.storage.save(partner)
        try await harness.run { browser in
            let (code, pkce) = try await browser.obtainCode(client: "partner")
            let access = try #require(try await browser.exchange(code: code, pkce: pkce, client: "partner",
                                                                 secret: Self.secret).json["access_token"] as? String)
            harness.clock.advance(seconds: 3601)
            #expect(try await browser.get("/userinfo", headers: [.authorization: "Bearer \(access)"]).status == .unauthorized)

            let (code2, pkce2) = try await browser.obtainCode(client: "partner")
            let second = try #require(try await browser.exchange(code: code2, pkce: pkce2, client: "partner",
                                                                 secret: Self.secret).json["access_token"] as? String)
            #expect(try await browser.get("/userinfo", headers: [.authorization: "Bearer \(second)"]).status == .ok)
            _ = try await browser.post("/revoke", form: [("token", second)],
                                       headers: [.authorization: Browser.basic("partner", Self.secret)])
            #expect(try await browser.get("/userinfo", headers: [.authorization: "Bearer \(second)"]).status == .unauthorized)
        }
    }
}

@Suite("The partner convention's exchange: /connect/* with grant_type, code and client_id only")
struct PartnerConventionExchangeTests {
    @Test("client_secret in /connect/authorize is ignored; grant_type, code and client_id alone work only for the weaker profile")
    func exchange() async throws {
        let harness = try Harness()
        try await harness.addUser("alice", password: "wonderland-42")
        _ = try await harness.addClient("j2t", secret: nil, redirectURIs: ["https://partner.example/cb"], skipConsent: true,
                                        pkceRequired: false)
        _ = try await harness.addClient("strict", secret: nil, redirectURIs: ["https://partner.example/cb"],
                                        skipConsent: true, pkceRequired: true)
        _ = try await harness.addClient("app", secret: nil, skipConsent: true)
        try await harness.run { browser in
            _ = try await browser.obtainCode(client: "app")  // signs the browser in
            let start = try await browser.get("/connect/authorize?response_type=code&client_id=j2t"
                + "&client_secret=whatever-the-partner-sends&redirect_uri=https%3A%2F%2Fpartner.example%2Fcb")
            let code = try #require(start.redirectParameters["code"], "\(start.location ?? start.body)")
            let tokens = try await browser.post("/connect/token", form: [
                ("grant_type", "authorization_code"), ("code", code), ("client_id", "j2t")])
            #expect(tokens.status == .ok, "\(tokens.body)")

            // A client held to the standard profile must repeat redirect_uri (and use PKCE).
            let pkce = PKCEPair()
            let strict = try await browser.get("/connect/authorize?" + Browser.encode([
                ("response_type", "code"), ("client_id", "strict"), ("redirect_uri", "https://partner.example/cb"),
                ("code_challenge", pkce.challenge), ("code_challenge_method", "S256")]))
            let strictCode = try #require(strict.redirectParameters["code"])
            let refused = try await browser.post("/connect/token", form: [
                ("grant_type", "authorization_code"), ("code", strictCode), ("client_id", "strict"),
                ("code_verifier", pkce.verifier)])
            #expect(refused.json["error"] as? String == "invalid_grant")
        }
    }
}
