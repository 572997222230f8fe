import Foundation
import SSOCore

/// The one place a thrown error becomes an answer, by the route's ``EndpointAudience``.
///
/// An ``OAuthError`` is the request's fault (or says when to try again) and travels as that
/// audience expects; its `debug` text and `cause` stay on the server. Any other error is not
/// the request's fault: it is answered as ``OAuthError/failure(_:_:)`` says (500, or 503 with
/// `Retry-After` when the store cannot serve at the moment), and `isUnexpected` tells the HTTP
/// layer to log it.
public enum EndpointFailure {
    /// The answer to `error` thrown by a route of `audience`. `realm`: the issuer, named in
    /// the Basic challenge of a failed client authentication.
    public static func response(for error: any Error, audience: EndpointAudience, realm: String) -> EndpointResponse {
        if let error = error as? any EndpointResponseError { return error.response(audience: audience, realm: realm) }
        let oauth = error as? OAuthError ?? OAuthError.failure(error)
        switch audience {
        case .json:
            return .error(oauth)
        case .client:
            let status = oauth.tokenEndpointStatus
            let response = EndpointResponse.error(oauth, status: status)
            return status == 401 ? response.adding(header: "WWW-Authenticate", basicChallenge(realm: realm)) : response
        case .bearer(let scope):
            guard error is OAuthError else { return .error(oauth) }
            return bearer(oauth, scope: oauth.code == .insufficientScope ? scope : nil)
        case .browser:
            let message: PageMessage = switch oauth.code {
            case .temporarilyUnavailable where !(error is OAuthError): .key("error_unavailable")
            case .serverError where !(error is OAuthError): .key("error_internal")
            default: .text(oauth.description)
            }
            let page = EndpointResponse(status: oauth.httpStatus, body: .errorPage(message))
            return oauth.retryAfter.map { page.adding(header: "Retry-After", String($0)) } ?? page
        }
    }

    /// Whether `error` is a failure of the server rather than of the request, to be logged.
    public static func isUnexpected(_ error: any Error) -> Bool {
        if error is any EndpointResponseError { return false }
        guard let oauth = error as? OAuthError else { return true }
        return oauth.cause != nil && [.serverError, .temporarilyUnavailable].contains(oauth.code)
    }

    public static func basicChallenge(realm: String) -> String {
        "Basic realm=\"\(realm)\", charset=\"UTF-8\""
    }

    /// A Bearer-token error of a resource endpoint (RFC 6750 section 3), naming `scope` for
    /// `insufficient_scope`.
    public static func bearer(_ error: OAuthError, scope: String? = nil) -> EndpointResponse {
        let escaped = error.description.replacingOccurrences(of: "\"", with: "'")
        return EndpointResponse.error(error).adding(
            header: "WWW-Authenticate",
            "Bearer error=\"\(error.code.rawValue)\", error_description=\"\(escaped)\"" + (scope.map { ", scope=\"\($0)\"" } ?? ""))
    }
}

/// An error that is an answer of its own, whatever the route's audience (as Hummingbird's
/// `HTTPResponseError`): an authorization request's error that goes back to the client, a
/// resource request without a token. Never logged as a failure.
public protocol EndpointResponseError: Error {
    /// The answer to a route of `audience`; `realm` is the issuer.
    func response(audience: EndpointAudience, realm: String) -> EndpointResponse
}

/// A resource request without an access token: answered 401 with the Bearer challenge alone
/// (RFC 6750 3.1: a request without credentials learns the scheme, and no error code).
public struct MissingBearerToken: EndpointResponseError {
    public init() {}

    public func response(audience: EndpointAudience, realm: String) -> EndpointResponse {
        EndpointResponse.error(OAuthError(.invalidToken, "An access token is required."))
            .adding(header: "WWW-Authenticate", "Bearer realm=\"\(realm)\"")
    }
}
