import Foundation
import SSOCore
import SSOEndpointModel

extension LegacyAlorModule {
    /// The grant the old refresh body is for (RFC 6749 section 6, the refresh module's).
    static let refreshGrant = GrantType(rawValue: "refresh_token")

    /// `POST /auth/actions/refresh` with `{"refreshToken": "..."}`: a fresh JWT and the next
    /// refresh token, through the token endpoint's pipeline and its `refresh_token` grant
    /// (rotation, reuse detection), with the client the token was issued to. Only tokens of
    /// public clients: a confidential client's token needs its secret at /token. Invalid tokens
    /// count against the address's token-endpoint failure limit.
    @Sendable func refresh(_ request: EndpointRequest) async throws -> EndpointResponse {
        let response: TokenResponse
        do {
            response = try await tokenEndpoint.handle(namingClientBy: Self.refreshGrant, address: request.clientAddress) {
                let body = try decode(LegacyRefreshBody.self, from: request)
                return RequestParameters([(name: "refresh_token", value: body.refreshToken)])
            }
        } catch let error as OAuthError where error.code == .unsupportedGrantType {
            throw OAuthError(.unsupportedGrantType, "Refresh tokens are not enabled on this server.")
        }
        return try .json(LegacyTokens(jwt: response.accessToken, refreshToken: response.refreshToken,
                                      expiresIn: response.expiresIn, idToken: response.idToken))
    }
}
