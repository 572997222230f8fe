import Foundation
import Hummingbird
import SSOCore

extension SSORoutes {
    func registerToken(on router: Router<some RequestContext>) {
        // `/oauth/token` is where the old developer flow's sites post; both paths are the same endpoint.
        // A GET (a token request in the query leaks it to logs) is refused with 405.
        for path in ["/token", "/oauth/token", "/connect/token"] {
            router.post(RouterPath(path)) { request, context in await token(request, context: context) }
            router.get(RouterPath(path)) { _, _ in
                var response = Responses.oauthError(.invalidRequest("The token endpoint accepts POST only."),
                                                    status: .methodNotAllowed)
                response.headers[.allow] = "POST"
                return response
            }
        }
    }

    /// The token endpoint (RFC 6749 section 3.2): form-encoded POST, JSON answer, never cached.
    func token(_ request: Request, context: some RequestContext) async -> Response {
        let (parameters, basic): (RequestParameters, BasicCredentials?)
        switch await clientRequest(request) {
        case .failure(let error): return error.response
        case .success(let read): (parameters, basic) = read
        }
        do {
            let answer = try await services.tokenEndpoint.handle(
                parameters, basic: basic, address: clientAddress(request, context: context))
            var response = Responses.json(bytes: answer.jsonObject)
            if let grantType = try? parameters.value("grant_type") { services.metrics.tokenIssued(grantType: grantType) }
            // Browser-based public clients on other origins call this endpoint with fetch. No
            // cookie is involved (credentials are in the request), so any origin may read it.
            response.headers[.accessControlAllowOrigin] = "*"
            return response
        } catch let error as OAuthError {
            return clientError(error, request: request)
        } catch {
            return internalErrorJSON(error, request: request)
        }
    }

    /// A client's POST to a back-channel endpoint: its form parameters and Basic credentials, or
    /// the error answer (wrong media type, unreadable body, malformed Authorization header).
    func clientRequest(_ request: Request) async -> Result<(RequestParameters, BasicCredentials?), ClientRequestError> {
        var request = request
        guard request.mediaType == "application/x-www-form-urlencoded" else {
            return .failure(ClientRequestError(
                Responses.oauthError(.invalidRequest("The request must be application/x-www-form-urlencoded."))))
        }
        guard let body = try? await request.bodyText() else {
            return .failure(ClientRequestError(Responses.oauthError(.invalidRequest("The request body is too large or unreadable."))))
        }
        switch BasicAuthorization.parse(request.headers.value(.authorization)) {
        case .absent: return .success((FormDecoding.parse(body), nil))
        case .credentials(let credentials): return .success((FormDecoding.parse(body), credentials))
        case .malformed: return .failure(ClientRequestError(invalidBasicClient(.invalidClient("The Authorization header is malformed."))))
        }
    }

    /// Turns a failure at a client endpoint into its answer; a client-authentication failure is
    /// 401 with a Basic challenge, whichever way the client sent its credentials (RFC 6749 5.2,
    /// RFC 9110 15.5.2: every 401 names a scheme to authenticate with).
    func clientError(_ error: OAuthError, request: Request) -> Response {
        if error.tokenEndpointStatus == 401 { return invalidBasicClient(error) }
        return Responses.oauthError(error, status: .init(code: error.tokenEndpointStatus))
    }

    func invalidBasicClient(_ error: OAuthError) -> Response {
        var response = Responses.oauthError(error, status: .unauthorized)
        response.headers[.wwwAuthenticate] = "Basic realm=\"\(configuration.issuer)\", charset=\"UTF-8\""
        return response
    }
}

/// The ready answer to a client request that cannot go on.
struct ClientRequestError: Error {
    let response: Response
    init(_ response: Response) { self.response = response }
}
