import SSOCore

/// A sign-in refused because too many password checks are waiting: 503 with `Retry-After`, as a
/// page asking the user to try again in a moment for a browser, as `temporarily_unavailable`
/// for a client. Never logged as a failure: it is the server holding its limit.
extension PasswordChecksBusy: EndpointResponseError {
    public func response(audience: EndpointAudience, realm: String) -> EndpointResponse {
        let answer: EndpointResponse = switch audience {
        case .browser:
            EndpointResponse(status: 503, body: .errorPage(.key("error_signin_busy", argument: String(retryAfter))))
        case .json, .client, .bearer:
            .error(OAuthError(.temporarilyUnavailable, "Too many sign-ins are being checked at once; retry in \(retryAfter) s.",
                              retryAfter: retryAfter))
        }
        return answer.adding(header: "Retry-After", String(retryAfter))
    }
}
