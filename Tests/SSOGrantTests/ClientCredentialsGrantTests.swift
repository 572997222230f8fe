import Foundation
import SSOCore
import SSOGrantClientCredentials
import SSOTesting
import Testing

@Suite("The client_credentials grant")
struct ClientCredentialsGrantTests {
    let grant = ClientCredentialsGrant()
    let machine = Client(
        id: "svc", name: "Service", secretDigest: "x", redirectURIs: [],
        allowedScopes: ScopeSet(["openid", "api.read", "api.write"]), grantTypes: [GrantType.clientCredentials.rawValue],
        audience: "https://api.example", createdAt: Date())

    func request(_ pairs: [(String, String)], client: Client? = nil) -> TokenRequest {
        TokenRequest(client: client ?? machine, parameters: RequestParameters(pairs.map { (name: $0.0, value: $0.1) }))
    }

    @Test("without scope: every allowed scope that is not a user scope, the client's audience, no user, no refresh token")
    func defaults() async throws {
        let authorized = try await grant.authorize(request([])).authorized
        #expect(authorized.scopes == ScopeSet(["api.read", "api.write"]))
        #expect(authorized.userID == nil && authorized.grantID == nil && authorized.clientID == "svc")
        #expect(authorized.audience == "https://api.example")
        #expect(!authorized.issueRefreshToken)
    }

    @Test("a requested scope narrows; one outside the policy, a user scope or a malformed one is invalid_scope")
    func scopes() async throws {
        #expect(try await grant.authorize(request([("scope", "api.read")])).authorized.scopes == ScopeSet(["api.read"]))
        for scope in ["api.admin", "openid", "api.read profile", "bad\"scope"] {
            await #expect(throws: OAuthError.self, "\(scope)") {
                do { _ = try await grant.authorize(request([("scope", scope)])) } catch let error as OAuthError {
                    #expect(error.code == .invalidScope)
                    throw error
                }
            }
        }
    }

    @Test("a public client is unauthorized_client: it has no credentials to prove")
    func publicClient() async throws {
        var client = machine
        client.secretDigest = nil
        client.authMethod = .none
        await #expect(throws: OAuthError.unauthorizedClient("Only a confidential client may use client_credentials.")) {
            try await grant.authorize(request([], client: client))
        }
    }
}
