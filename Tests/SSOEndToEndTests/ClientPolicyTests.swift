import Foundation
import HTTPTypes
import JWTKit
import SSOCore
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

            let (code2, pkce2) = try await browser.obtainCode(client: "norefresh")
            let tokens = try await browser.exchange(code: code2, pkce: pkce2, client: "norefresh",
                                                    secret: "norefresh-secret-0123456789-01234")
            #expect(tokens.status == .ok)
            #expect(tokens.json["refresh_token"] == nil)
        }
    }
}
