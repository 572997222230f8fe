import Foundation

/// What a grant decided may be issued: immutable, the same shape for every grant type.
public struct AuthorizedGrant: Sendable, Equatable {
    /// The token family; `nil` for grants that have none.
    public var grantID: String?
    public var clientID: String
    /// The user (`sub`); `nil` when the client acts for itself.
    public var userID: String?
    public var scopes: ScopeSet
    public var authTime: Date?
    public var methods: [String]
    /// The upstream provider of the sign-in (`idp` claim), if any.
    public var identityProvider: String?
    public var sessionID: String?
    /// The `nonce` of the authorization request, echoed in the ID token.
    public var nonce: String?
    public var issueRefreshToken: Bool
    /// When set, the new refresh token replaces this one (rotation): the token as the client
    /// presented it, so that the answer can be kept for the reuse grace window sealed under it.
    public var replacesRefreshToken: PresentedRefreshToken?
    /// Scopes of the new refresh token when they differ from the access token's: a refresh
    /// that narrows the scope keeps the refresh token's original scope (RFC 6749 section 6).
    public var refreshTokenScopes: ScopeSet?
    /// The access token's `aud` when it is not this server's issuer (a client's resource server).
    public var audience: String?

    public init(
        grantID: String?, clientID: String, userID: String?, scopes: ScopeSet, authTime: Date?,
        methods: [String] = [], identityProvider: String? = nil, sessionID: String? = nil, nonce: String? = nil, issueRefreshToken: Bool,
        replacesRefreshToken: PresentedRefreshToken? = nil, refreshTokenScopes: ScopeSet? = nil, audience: String? = nil
    ) {
        self.grantID = grantID
        self.clientID = clientID
        self.userID = userID
        self.scopes = scopes
        self.authTime = authTime
        self.methods = methods
        self.identityProvider = identityProvider
        self.sessionID = sessionID
        self.nonce = nonce
        self.issueRefreshToken = issueRefreshToken
        self.replacesRefreshToken = replacesRefreshToken
        self.refreshTokenScopes = refreshTokenScopes
        self.audience = audience
    }
}

/// A refresh token a client presented for rotation, as the refresh grant hands it to the issuer.
///
/// The issuer stores the new refresh token in the one transaction that ends this one; when
/// another request ended it first, the issuer throws `RefreshTokenRotationLost` and hands out
/// nothing (the token endpoint then asks the grant again). Whether and for how long the answer
/// is kept for the reuse grace window is the grant's decision (`keepAnswerUntil`).
public struct PresentedRefreshToken: Sendable, Equatable {
    /// The token itself; it never reaches storage, only its digest does.
    public var value: String
    public var digest: String
    /// Until when the issuer keeps the answer, sealed under `value`, for a repeat of this token
    /// (the reuse grace window); `nil`: strict rotation, nothing is kept.
    public var keepAnswerUntil: Date?

    public init(value: String, keepAnswerUntil: Date? = nil) {
        self.value = value
        self.digest = SecretDigest.sha256(value)
        self.keepAnswerUntil = keepAnswerUntil
    }
}

/// Thrown by the issuer when the refresh token an answer was to replace was rotated by another
/// request between the grant's check and the issuer's store: nothing of the answer was stored or
/// handed out.
public struct RefreshTokenRotationLost: Error, Sendable {
    public init() {}
}
