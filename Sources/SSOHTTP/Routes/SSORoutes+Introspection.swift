import Foundation
import Hummingbird
import SSOCore

extension SSORoutes {
    func registerIntrospection(on router: Router<some RequestContext>) {
        // `/connect/*` are the IdentityServer-style names partners use (seed 004).
        for path in ["/introspect", "/connect/introspect"] {
            router.post(RouterPath(path)) { request, context in await introspect(request, context: context) }
        }
        for path in ["/revoke", "/connect/revocation"] {
            router.post(RouterPath(path)) { request, context in await revoke(request, context: context) }
        }
    }

    /// RFC 7662: any authenticated confidential client (resource servers are registered as such).
    func introspect(_ request: Request, context: some RequestContext) async -> Response {
        let parameters: RequestParameters
        let basic: BasicCredentials?
        switch await clientRequest(request) {
        case .failure(let error): return error.response
        case .success(let read): (parameters, basic) = read
        }
        do {
            let client = try await limitingClientFailures(request, context: context) {
                try await services.authenticator.authenticate(parameters, basic: basic)
            }
            guard !client.isPublic else {
                throw OAuthError.invalidClient("Only confidential clients may introspect tokens.")
            }
            let token = try parameters.required("token")
            return try Responses.json(try await services.introspection.introspect(token))
        } catch let error as OAuthError {
            return clientError(error, request: request)
        } catch {
            return internalErrorJSON(error, request: request)
        }
    }

    /// RFC 7009: the client revokes one of its own tokens; unknown or foreign tokens answer 200 too.
    func revoke(_ request: Request, context: some RequestContext) async -> Response {
        let parameters: RequestParameters
        let basic: BasicCredentials?
        switch await clientRequest(request) {
        case .failure(let error): return error.response
        case .success(let read): (parameters, basic) = read
        }
        do {
            let client = try await limitingClientFailures(request, context: context) {
                try await services.authenticator.authenticate(parameters, basic: basic)
            }
            let token = try parameters.required("token")
            if let hint = try parameters.value("token_type_hint"), !["access_token", "refresh_token"].contains(hint) {
                return Responses.oauthError(OAuthError("unsupported_token_type", "Only access and refresh tokens are revoked here."))
            }
            try await services.introspection.revoke(token, by: client)
            var response = Response(status: .ok)
            response.headers[.cacheControl] = "no-store"
            return response
        } catch let error as OAuthError {
            return clientError(error, request: request)
        } catch {
            return internalErrorJSON(error, request: request)
        }
    }
}

extension SSORoutes {
    /// Runs a client authentication under the per-address failure limit of the back-channel endpoints.
    func limitingClientFailures<T: Sendable>(
        _ request: Request, context: some RequestContext, _ body: () async throws -> T
    ) async throws -> T {
        guard let throttle = services.throttle else { return try await body() }
        return try await throttle.guarding(
            Throttle.tokenAddressKey(clientAddress(request, context: context)), policy: throttle.limits.tokenAddress,
            counting: [.invalidClient], body)
    }
}
