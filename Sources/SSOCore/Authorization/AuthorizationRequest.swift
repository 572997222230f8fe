/// A validated authorization request (RFC 6749 section 4.1.1, OpenID Connect Core 3.1.2.1).
/// Only `response_type=code` exists here: the implicit and hybrid flows are not offered
/// (RFC 9700 section 2.1.2).
public struct AuthorizationRequest: Sendable, Codable, Equatable {
    public var clientID: String
    public var redirectURI: String
    public var redirectURIWasSent: Bool
    public var scopes: ScopeSet
    public var state: String?
    public var nonce: String?
    public var codeChallenge: String?
    public var prompt: Set<String>
    public var maxAge: Int?
    public var loginHint: String?
    /// `acr_values` as sent, in order of preference (unknown values included: the flow ignores
    /// them); `nil` when the request named none.
    public var acrValues: [String]?

    public init(
        clientID: String, redirectURI: String, redirectURIWasSent: Bool = true, scopes: ScopeSet,
        state: String? = nil, nonce: String? = nil, codeChallenge: String? = nil, prompt: Set<String> = [],
        maxAge: Int? = nil, loginHint: String? = nil,
        acrValues: [String]? = nil
    ) {
        self.clientID = clientID
        self.redirectURI = redirectURI
        self.redirectURIWasSent = redirectURIWasSent
        self.scopes = scopes
        self.state = state
        self.nonce = nonce
        self.codeChallenge = codeChallenge
        self.prompt = prompt
        self.maxAge = maxAge
        self.loginHint = loginHint
        self.acrValues = acrValues
    }
}

/// Why an authorization request failed, and so where the error may go.
public enum AuthorizationRequestError: Error, Sendable, Equatable {
    /// The client or redirect URI cannot be trusted: an error page for the user, never a
    /// redirect (RFC 6749 section 4.1.2.1; redirecting would make us an open redirector).
    case untrustedRedirect(String)
    /// The redirect URI is registered: the error goes back to the client there.
    case redirect(OAuthError, redirectURI: String, state: String?)
}
