import Foundation
import SSOCore
import SSOEndpointModel

/// The resource endpoints of the server, with a Bearer token (RFC 6750 sections 2.1 and 2.2):
/// OpenID Connect UserInfo, and the partner convention's profile (`GET /auth`, and `/profile`,
/// a plainer name), only to a token granted the `accounts` scope.
struct ResourceEndpoints: EndpointModule {
    let services: ProtocolServices

    var routes: [EndpointRoute] {
        let userInfo: EndpointAudience = .bearer(scope: StandardScope.openid)
        return ["/userinfo", "/connect/userinfo"].flatMap { path in
            [
                EndpointRoute(.get, path, audience: userInfo) { request in
                    try await self.userInfo(Self.bearerToken(request, formToken: nil))
                },
                EndpointRoute(.post, path, audience: userInfo) { request in
                    try await self.userInfo(Self.bearerToken(request, formToken: request.form?.field("access_token")))
                },
            ]
        }
        + ["/auth", "/profile"].map { path in
            EndpointRoute(.get, path, audience: .bearer(scope: StandardScope.accounts)) { request in
                try await profile(Self.bearerToken(request, formToken: nil))
            }
        }
    }

    func userInfo(_ token: String) async throws -> EndpointResponse {
        EndpointResponse.json(bytes: try await services.userInfo.claims(forAccessToken: token).jsonObject)
            .adding(header: "Access-Control-Allow-Origin", "*")
    }

    func profile(_ token: String) async throws -> EndpointResponse {
        let user = try await services.userInfo.profileUser(forAccessToken: token)
        return try .json(Profile(
            id: user.id, login: user.login, email: user.email, domestic: user.domestic,
            accounts: user.accounts.map { .init(account_number: $0.number, trade_platform: $0.platform) },
            application: .init(status: user.applicationStatus)))
    }

    /// The request's Bearer token: from the header or (`formToken`) the form, once.
    static func bearerToken(_ request: EndpointRequest, formToken: String?) throws -> String {
        var token = formToken
        if let header = request.headers["authorization"] {
            guard let authorization = AuthorizationHeader(header), authorization.isScheme("bearer"), token == nil else {
                throw OAuthError.invalidRequest("Send the access token once, as 'Authorization: Bearer'.")
            }
            token = String(authorization.credentials)
        }
        guard let token, !token.isEmpty else { throw MissingBearerToken() }
        return token
    }

    /// The partner convention's profile document.
    struct Profile: Encodable {
        struct Account: Encodable {
            var account_number: String
            var trade_platform: String
        }
        struct Application: Encodable {
            var status: String?
        }
        var id: String
        var login: String
        var email: String?
        var domestic: Bool?
        var accounts: [Account]
        var application: Application
    }
}
