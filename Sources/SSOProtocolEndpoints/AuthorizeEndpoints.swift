import Foundation
import SSOCore
import SSOEndpointModel

/// The authorization endpoint (RFC 6749 section 3.1, OpenID Connect Core 3.1.2), by GET and by
/// form POST: validates, then lets `AuthorizationFlow` decide (login page, consent page, or back
/// to the client).
struct AuthorizeEndpoints: EndpointModule {
    let services: ProtocolServices

    var routes: [EndpointRoute] {
        ["/authorize", "/connect/authorize"].flatMap { path in
            [
                EndpointRoute(.get, path) { request in try await authorize(request.query, request) },
                EndpointRoute(.post, path) { request in
                    guard let form = request.form else { return .errorPage(key: "error_bad_form") }
                    return try await authorize(form, request)
                },
            ]
        }
    }

    func authorize(_ parameters: RequestParameters, _ request: EndpointRequest) async throws -> EndpointResponse {
        let (authorization, client) = try await services.validator.validate(parameters)
        let session = try await services.login.activeSession(secret: request.sessionSecret)
        let step = try await services.flow.start(
            authorization, client: client, session: session,
            browserBinding: SecretDigest.sha256(request.browserSecret ?? ""))
        return .redirect(step.location)
    }
}

/// An invalid authorization request answers itself: an error page when the client or its
/// redirect URI cannot be trusted (never a redirect: RFC 6749 4.1.2.1), the error sent back to
/// the registered redirect URI otherwise.
extension AuthorizationRequestError: EndpointResponseError {
    public func response(audience: EndpointAudience, realm issuer: String) -> EndpointResponse {
        switch self {
        case .untrustedRedirect(let message):
            .errorPage(message)
        case .redirect(let error, let redirectURI, let state):
            .redirect(RedirectURL.errorRedirect(redirectURI, error: error, state: state, issuer: issuer))
        }
    }
}
