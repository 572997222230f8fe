import Foundation
import SSOCore
import SSOEndpointModel

extension LegacyAlorModule {
    /// `POST /auth/actions/refresh` with `{"refreshToken": "..."}`: a fresh JWT and the next
    /// refresh token, through the registered `refresh_token` grant (rotation, reuse detection).
    /// Only tokens of public clients: a confidential client's token needs its secret at /token.
    /// Invalid tokens count against the address's token-endpoint failure limit.
    @Sendable func refresh(_ request: EndpointRequest) async throws -> EndpointResponse {
        try await throttle.guarding(
            Throttle.tokenAddressKey(request.clientAddress), policy: throttle.limits.tokenAddress,
            counting: [.invalidGrant]
        ) { try await refreshTokens(request) }
    }

    private func refreshTokens(_ request: EndpointRequest) async throws -> EndpointResponse {
        let body = try decode(LegacyRefreshBody.self, from: request)
        guard let grant = registry.grant(for: "refresh_token") else {
            throw OAuthError(.unsupportedGrantType, "Refresh tokens are not enabled on this server.")
        }
        guard let record = try await refreshTokens.refreshToken(digest: SecretDigest.sha256(body.refreshToken)),
            let client = try await clients.client(id: record.clientID), client.isPublic,
            client.allowsGrant("refresh_token")
        else { throw OAuthError.invalidGrant("The refresh token is invalid.") }
        let parameters = RequestParameters([(name: "refresh_token", value: body.refreshToken)])
        let authorized = try await grant.authorize(TokenRequest(client: client, parameters: parameters))
        let response = try await issuer.issue(authorized, for: client)
        return try .json(LegacyTokens(jwt: response.accessToken, refreshToken: response.refreshToken,
                                  expiresIn: response.expiresIn, idToken: response.idToken))
    }
}
