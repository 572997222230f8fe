import Foundation
import SSOCore
import SSOGrantAuthorizationCode
import SSOGrantRefreshToken
import SSOStorageSQLite
import SSOTesting
import Testing

/// The token endpoint's form for a request that names no client (the broker's old refresh
/// endpoint): the refresh grant names the client its token was issued to.
@Suite("The token endpoint's pipeline for a refresh that names no client")
struct CredentialLessRefreshTests {
    let fixture: GrantFixture
    let spa: Client

    init() throws {
        fixture = try GrantFixture()
        spa = Client(id: "spa", name: "SPA", secretDigest: nil, redirectURIs: ["https://a/cb"],
                     grantTypes: GrantFixture.grantTypes, authMethod: .none, createdAt: Date())
    }

    /// A refresh token of `client`, from a code exchanged through the grant and the issuer.
    func refreshToken(of client: Client) async throws -> String {
        try await fixture.storage.save(client)
        let code = try await fixture.code(clientID: client.id)
        let request = fixture.request([("code", code), ("redirect_uri", "https://a/cb")], client: client)
        let authorized = try await AuthorizationCodeGrant(fixture.context).authorize(request).authorized
        return try #require(try await fixture.issuer().issue(authorized, for: client).refreshToken)
    }

    func refresh(_ token: String, endpoint: TokenEndpoint) async throws -> TokenResponse {
        try await endpoint.handle(namingClientBy: .refreshToken, address: nil) {
            RequestParameters([(name: "refresh_token", value: token)])
        }
    }

    @Test("a public client's token is rotated as at /token, with the same reuse rule")
    func publicClient() async throws {
        let endpoint = try await fixture.endpoint()
        let first = try await refreshToken(of: spa)
        let answer = try await refresh(first, endpoint: endpoint)
        #expect(answer.refreshToken != nil && answer.refreshToken != first)
        #expect(try await refresh(first, endpoint: endpoint) == answer)
        fixture.clock.advance(seconds: Double(fixture.lifetimes.refreshReuseGrace))
        await #expect(throws: OAuthError.invalidGrant(
            "The refresh token has already been used; its token family is revoked.")) {
            try await refresh(first, endpoint: endpoint)
        }
    }

    @Test("a confidential client's token, an unknown or a missing one, or a client without the grant: invalid_grant")
    func refusals() async throws {
        let endpoint = try await fixture.endpoint()
        var dropped = spa
        dropped.id = "dropped"
        let confidential = try await refreshToken(of: fixture.client)
        let ofDropped = try await refreshToken(of: dropped)
        // The client's registration loses the refresh grant after its token was issued.
        dropped.grantTypes = [GrantType.authorizationCode.rawValue]
        try await fixture.storage.save(dropped)
        for token in [confidential, ofDropped, "unknown", ""] {
            await #expect(throws: OAuthError.invalidGrant("The refresh token is invalid."), "\(token)") {
                try await refresh(token, endpoint: endpoint)
            }
        }
        // None of them was rotated: the confidential client's token still works at /token.
        #expect(try await endpoint.handle(
            fixture.endpointParameters(.refreshToken, [("refresh_token", confidential)]), basic: nil).refreshToken != nil)
    }

    @Test("a server without the refresh grant answers unsupported_grant_type")
    func withoutTheGrant() async throws {
        let endpoint = TokenEndpoint(
            authenticator: ClientAuthenticator(clients: fixture.storage, events: fixture.events, clock: fixture.clock),
            registry: try GrantRegistry([AuthorizationCodeGrant(fixture.context)]), issuer: try await fixture.issuer())
        await #expect(throws: OAuthError.self) {
            do { _ = try await refresh("anything", endpoint: endpoint) } catch let error as OAuthError {
                #expect(error.code == .unsupportedGrantType)
                throw error
            }
        }
    }
}
