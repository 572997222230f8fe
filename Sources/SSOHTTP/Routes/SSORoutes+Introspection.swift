import Foundation
import Hummingbird
import SSOCore

extension SSORoutes {
    func registerIntrospection(on router: Router<some RequestContext>) {
        // `/connect/*` are the IdentityServer-style names partners use (the partner convention).
        for path in ["/introspect", "/connect/introspect"] {
            router.post(RouterPath(path)) { request, context in await introspect(request, context: context) }
        }
        for path in ["/revoke", "/connect/revocation"] {
            router.post(RouterPath(path)) { request, context in await revoke(request, context: context) }
        }
    }

    /// RFC 7662: an authenticated confidential client learns about its own tokens, and a
    /// resource server about the tokens of its audience.
    func introspect(_ request: Request, context: some RequestContext) async -> Response {
        await authenticatedCall(request, context: context) { client, parameters in
            guard !client.isPublic else {
                throw OAuthError.invalidClient("Only confidential clients may introspect tokens.")
            }
            let token = try parameters.required("token")
            return Responses.json(bytes: try await services.introspection.introspect(token, by: client).jsonObject)
        }
    }

    /// RFC 7009: the client revokes one of its own tokens; unknown or foreign tokens answer 200 too.
    func revoke(_ request: Request, context: some RequestContext) async -> Response {
        await authenticatedCall(request, context: context) { client, parameters in
            let token = try parameters.required("token")
            if let hint = try parameters.value("token_type_hint"), !["access_token", "refresh_token"].contains(hint) {
                return Responses.oauthError(OAuthError("unsupported_token_type", "Only access and refresh tokens are revoked here."))
            }
            try await services.introspection.revoke(token, by: client)
            var response = Response(status: .ok)
            response.headers[.cacheControl] = "no-store"
            return response
        }
    }

    /// A back-channel call by a client: reads its form, authenticates it (under the failure
    /// limits), runs `body`, and answers OAuth errors as RFC 6749 section 5.2 says.
    private func authenticatedCall(
        _ request: Request, context: some RequestContext,
        _ body: (Client, RequestParameters) async throws -> Response
    ) async -> Response {
        let parameters: RequestParameters
        let basic: BasicCredentials?
        switch await clientRequest(request) {
        case .failure(let error): return error.response
        case .success(let read): (parameters, basic) = read
        }
        do {
            let client = try await services.authenticator.authenticate(
                parameters, basic: basic, address: clientAddress(request, context: context))
            return try await body(client, parameters)
        } catch let error as OAuthError {
            return clientError(error, request: request)
        } catch {
            return internalErrorJSON(error, request: request)
        }
    }
}
