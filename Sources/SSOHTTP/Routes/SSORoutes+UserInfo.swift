import Foundation
import Hummingbird
import SSOCore

extension SSORoutes {
    func registerUserInfo(on router: Router<some RequestContext>) {
        for path in ["/userinfo", "/connect/userinfo"] {
            router.get(RouterPath(path)) { request, _ in await userInfo(request, formToken: nil) }
            router.post(RouterPath(path)) { request, _ in
                var request = request
                let formToken = await request.formParameters().flatMap { (try? $0.value("access_token")) ?? nil }
                return await userInfo(request, formToken: formToken)
            }
        }
    }

    /// OpenID Connect UserInfo with a Bearer token (RFC 6750 sections 2.1 and 2.2).
    func userInfo(_ request: Request, formToken: String?) async -> Response {
        await withBearerToken(request, formToken: formToken) { token in
            var response = Responses.json(bytes: try await services.userInfo.claims(forAccessToken: token).jsonObject)
            response.headers[.accessControlAllowOrigin] = "*"
            return response
        }
    }

    /// The Bearer token of a resource request, checked, handed to `body`; the RFC 6750 errors
    /// otherwise, naming `scope` (the scope the resource needs) in an `insufficient_scope` challenge.
    func withBearerToken(
        _ request: Request, formToken: String?, scope: String? = nil, _ body: (String) async throws -> Response
    ) async -> Response {
        var token = formToken
        if let header = request.headers.value(.authorization) {
            guard let authorization = AuthorizationHeader(header), authorization.isScheme("bearer"), token == nil else {
                return Responses.bearerError(.invalidRequest("Send the access token once, as 'Authorization: Bearer'."))
            }
            token = String(authorization.credentials)
        }
        guard let token, !token.isEmpty else {
            var response = Responses.oauthError(OAuthError(.invalidToken, "An access token is required."))
            response.headers[.wwwAuthenticate] = "Bearer realm=\"\(configuration.issuer)\""
            return response
        }
        do {
            return try await body(token)
        } catch let error as OAuthError {
            return Responses.bearerError(error, scope: error.code == .insufficientScope ? scope ?? StandardScope.openid : nil)
        } catch {
            return internalErrorJSON(error, request: request)
        }
    }
}
