import Foundation

/// A one-time authorization code, bound to everything the token request must repeat.
public struct AuthorizationCode: Sendable, Codable, Equatable {
    public var digest: String
    public var clientID: String
    public var redirectURI: String
    /// Whether the authorization request carried `redirect_uri` (RFC 6749 4.1.3: then the token
    /// request must carry the same value).
    public var redirectURIWasSent: Bool
    public var userID: String
    public var sessionID: String
    public var scopes: ScopeSet
    public var nonce: String?
    public var codeChallenge: String?
    public var authTime: Date
    public var methods: [String]
    public var identityProvider: String?
    public var createdAt: Date
    public var expiresAt: Date
    /// Set once the code has been exchanged; a second exchange finds it set.
    public var consumedAt: Date?
    /// The grant created by the first exchange, revoked if the code is replayed.
    public var grantID: String?

    public init(
        digest: String, clientID: String, redirectURI: String, redirectURIWasSent: Bool, userID: String,
        sessionID: String, scopes: ScopeSet, nonce: String?, codeChallenge: String?, authTime: Date,
        methods: [String], identityProvider: String? = nil, createdAt: Date, expiresAt: Date, consumedAt: Date? = nil,
        grantID: String? = nil
    ) {
        self.digest = digest
        self.clientID = clientID
        self.redirectURI = redirectURI
        self.redirectURIWasSent = redirectURIWasSent
        self.userID = userID
        self.sessionID = sessionID
        self.scopes = scopes
        self.nonce = nonce
        self.codeChallenge = codeChallenge
        self.authTime = authTime
        self.methods = methods
        self.identityProvider = identityProvider
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.consumedAt = consumedAt
        self.grantID = grantID
    }
}
