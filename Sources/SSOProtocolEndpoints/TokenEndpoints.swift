import Foundation
import SSOCore
import SSOEndpointModel

/// The back-channel endpoints of clients: token (RFC 6749 section 3.2), introspection
/// (RFC 7662) and revocation (RFC 7009). Form-encoded POSTs, JSON answers never cached, client
/// authentication by Basic or form credentials under the failure limits; errors as section 5.2
/// says (a failed client authentication is 401 with a Basic challenge).
struct TokenEndpoints: EndpointModule {
    let services: ProtocolServices

    var routes: [EndpointRoute] {
        // `/oauth/token` is where the old developer flow's sites post; all are the same endpoint.
        ["/token", "/oauth/token", "/connect/token"].flatMap { path in
            [
                EndpointRoute(.post, path, audience: .client, handler: token),
                // A GET (a token request in the query leaks it to logs) is refused with 405.
                EndpointRoute(.get, path, audience: .client) { _ in
                    EndpointResponse.error(.invalidRequest("The token endpoint accepts POST only."), status: 405)
                        .adding(header: "Allow", "POST")
                },
            ]
        }
        // `/connect/*` are the IdentityServer-style names partners use (the partner convention).
        + ["/introspect", "/connect/introspect"].map { EndpointRoute(.post, $0, audience: .client, handler: introspect) }
        + ["/revoke", "/connect/revocation"].map { EndpointRoute(.post, $0, audience: .client, handler: revoke) }
    }

    @Sendable func token(_ request: EndpointRequest) async throws -> EndpointResponse {
        let (parameters, basic) = try Self.clientRequest(request)
        let answer = try await services.tokenEndpoint.handle(parameters, basic: basic, address: request.clientAddress)
        if let grantType = parameters.field("grant_type") { services.tokenIssued(grantType) }
        // Browser-based public clients on other origins call this endpoint with fetch. No
        // cookie is involved (credentials are in the request), so any origin may read it.
        return EndpointResponse.json(bytes: answer.jsonObject).adding(header: "Access-Control-Allow-Origin", "*")
    }

    /// An authenticated confidential client learns about its own tokens, and a resource server
    /// about the tokens of its audience.
    @Sendable func introspect(_ request: EndpointRequest) async throws -> EndpointResponse {
        let (client, parameters) = try await authenticated(request)
        guard !client.isPublic else { throw OAuthError.invalidClient("Only confidential clients may introspect tokens.") }
        let token = try parameters.required("token")
        return .json(bytes: try await services.introspection.introspect(token, by: client).jsonObject)
    }

    /// The client revokes one of its own tokens; unknown or foreign tokens answer 200 too.
    @Sendable func revoke(_ request: EndpointRequest) async throws -> EndpointResponse {
        let (client, parameters) = try await authenticated(request)
        let token = try parameters.required("token")
        if let hint = try parameters.value("token_type_hint"), !["access_token", "refresh_token"].contains(hint) {
            return .error(OAuthError("unsupported_token_type", "Only access and refresh tokens are revoked here."))
        }
        try await services.introspection.revoke(token, by: client)
        return EndpointResponse(status: 200, headers: [("Cache-Control", "no-store")])
    }

    private func authenticated(_ request: EndpointRequest) async throws -> (Client, RequestParameters) {
        let (parameters, basic) = try Self.clientRequest(request)
        let client = try await services.authenticator.authenticate(parameters, basic: basic, address: request.clientAddress)
        return (client, parameters)
    }

    /// A client's POST: its form parameters and Basic credentials, or the error (wrong media
    /// type, malformed Authorization header).
    static func clientRequest(_ request: EndpointRequest) throws -> (RequestParameters, BasicCredentials?) {
        guard let form = request.form else {
            throw OAuthError.invalidRequest("The request must be application/x-www-form-urlencoded.")
        }
        switch BasicAuthorization.parse(request.headers["authorization"]) {
        case .absent: return (form, nil)
        case .credentials(let credentials): return (form, credentials)
        case .malformed: throw OAuthError.invalidClient("The Authorization header is malformed.")
        }
    }
}
