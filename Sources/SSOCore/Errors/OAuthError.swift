/// An OAuth 2.0 / OpenID Connect protocol error: the `error` code of RFC 6749 (sections 4.1.2.1
/// and 5.2), RFC 6750 and OpenID Connect Core 3.1.2.6, with a human-readable description.
///
/// It is a value, not a class hierarchy: every layer can create one, and one place
/// (`EndpointFailure`, by the route's audience) decides how it travels (JSON body, redirect
/// query, `WWW-Authenticate`, or the HTML error page).
/// The description is sent to the client, so it never contains secrets or internal details;
/// `debug` and `cause` are for the server's log only.
public struct OAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, ExpressibleByStringLiteral {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }

        public static let invalidRequest: Code = "invalid_request"
        public static let invalidClient: Code = "invalid_client"
        public static let invalidGrant: Code = "invalid_grant"
        public static let unauthorizedClient: Code = "unauthorized_client"
        public static let unsupportedGrantType: Code = "unsupported_grant_type"
        public static let invalidScope: Code = "invalid_scope"
        public static let accessDenied: Code = "access_denied"
        public static let unsupportedResponseType: Code = "unsupported_response_type"
        public static let serverError: Code = "server_error"
        public static let temporarilyUnavailable: Code = "temporarily_unavailable"
        public static let invalidToken: Code = "invalid_token"
        public static let insufficientScope: Code = "insufficient_scope"
        public static let loginRequired: Code = "login_required"
        public static let consentRequired: Code = "consent_required"
        public static let interactionRequired: Code = "interaction_required"
        public static let requestNotSupported: Code = "request_not_supported"
        public static let requestURINotSupported: Code = "request_uri_not_supported"
        /// RFC 8628 section 3.5: the user has not answered the device's request yet; poll again.
        public static let authorizationPending: Code = "authorization_pending"
        /// RFC 8628 section 3.5: still pending, and the device polls too often: add 5 s to the interval.
        public static let slowDown: Code = "slow_down"
        /// RFC 8628 section 3.5: the device code expired before the user answered.
        public static let expiredToken: Code = "expired_token"
        /// Too many failures from this address, account or client: wait `retryAfter` seconds (429).
        public static let tooManyAttempts: Code = "too_many_attempts"
    }

    public var code: Code
    public var description: String
    /// Seconds to wait before trying again (`Retry-After`), for `too_many_attempts`.
    public var retryAfter: Int?
    /// What went wrong, in the server's terms, for the log; never sent.
    public var debug: String?
    /// The failure behind this answer (a store's error behind `server_error`), for the log; never sent.
    public var cause: (any Error)?

    public init(_ code: Code, _ description: String, retryAfter: Int? = nil, debug: String? = nil,
                cause: (any Error)? = nil) {
        self.code = code
        self.description = description
        self.retryAfter = retryAfter
        self.debug = debug
        self.cause = cause
    }

    /// Two errors are the same answer: code, description and `Retry-After` (not the log's part).
    public static func == (lhs: OAuthError, rhs: OAuthError) -> Bool {
        lhs.code == rhs.code && lhs.description == rhs.description && lhs.retryAfter == rhs.retryAfter
    }

    /// The text for the server's log: the answer, then the debug text and the cause.
    public var logDescription: String {
        var text = "\(code.rawValue): \(description)"
        if let debug { text += " (\(debug))" }
        if let cause { text += " caused by \(String(reflecting: cause))" }
        return text
    }

    /// The HTTP status this error takes when it is the answer to a direct request
    /// (token, userinfo, legacy JSON endpoints).
    public var httpStatus: Int {
        switch code {
        case .invalidClient, .invalidToken: 401
        case .insufficientScope, .accessDenied: 403
        case .tooManyAttempts: 429
        case .serverError: 500
        case .temporarilyUnavailable: 503
        default: 400
        }
    }

    /// The status at the token endpoint, where RFC 6749 section 5.2 answers 400 for every
    /// error but a failed client authentication (RFC 8628's `access_denied` included).
    public var tokenEndpointStatus: Int { code == .accessDenied ? 400 : httpStatus }

    public static func invalidRequest(_ description: String) -> OAuthError { .init(.invalidRequest, description) }
    public static func invalidGrant(_ description: String) -> OAuthError { .init(.invalidGrant, description) }
    public static func invalidClient(_ description: String) -> OAuthError { .init(.invalidClient, description) }
    public static func invalidScope(_ description: String) -> OAuthError { .init(.invalidScope, description) }
    public static func tooManyAttempts(retryAfter seconds: Int) -> OAuthError {
        .init(.tooManyAttempts, "Too many failed attempts; try again in \(seconds) seconds.", retryAfter: seconds)
    }
    public static func unauthorizedClient(_ description: String) -> OAuthError { .init(.unauthorizedClient, description) }
}
