import Foundation
import Hummingbird
import SSOCore

extension SSORoutes {
    func registerToken(on router: Router<some RequestContext>) {
        // `/oauth/token` is where seed 000's target flow posts; both paths are the same endpoint.
        // A GET (a token request in the query leaks it to logs) is refused with 405.
        for path in ["/token", "/oauth/token"] {
            router.post(RouterPath(path)) { request, _ in await token(request) }
            router.get(RouterPath(path)) { _, _ in
                var response = Responses.oauthError(.invalidRequest("The token endpoint accepts POST only."),
                                                    status: .methodNotAllowed)
                response.headers[.allow] = "POST"
                return response
            }
        }
    }

    /// The token endpoint (RFC 6749 section 3.2): form-encoded POST, JSON answer, never cached.
    func token(_ request: Request) async -> Response {
        var request = request
        guard request.mediaType == "application/x-www-form-urlencoded" else {
            return Responses.oauthError(.invalidRequest("The token request must be application/x-www-form-urlencoded."))
        }
        guard let body = try? await request.bodyText() else {
            return Responses.oauthError(.invalidRequest("The request body is too large or unreadable."))
        }
        let basic: BasicCredentials?
        switch BasicAuthorization.parse(request.headers[.authorization]) {
        case .absent: basic = nil
        case .credentials(let credentials): basic = credentials
        case .malformed: return invalidBasicClient(.invalidClient("The Authorization header is malformed."))
        }
        do {
            let answer = try await services.tokenEndpoint.handle(FormDecoding.parse(body), basic: basic)
            var response = try Responses.json(answer)
            // Browser-based public clients on other origins call this endpoint with fetch. No
            // cookie is involved (credentials are in the request), so any origin may read it.
            response.headers[.accessControlAllowOrigin] = "*"
            return response
        } catch let error as OAuthError {
            // RFC 6749 5.2: a client that tried Basic gets 401 and a challenge.
            if error.code == .invalidClient, request.headers[.authorization] != nil { return invalidBasicClient(error) }
            return Responses.oauthError(error)
        } catch {
            return internalErrorJSON(error, request: request)
        }
    }

    private func invalidBasicClient(_ error: OAuthError) -> Response {
        var response = Responses.oauthError(error, status: .unauthorized)
        response.headers[.wwwAuthenticate] = "Basic realm=\"\(configuration.issuer)\", charset=\"UTF-8\""
        return response
    }
}
