import Foundation

/// One authorization given by a user to a client: the family every token minted from one code
/// (and every refresh token rotated from those) belongs to. Revoking it ends the whole family,
/// which is how code replay and refresh-token reuse are answered (RFC 9700 sections 4.5, 4.14).
public struct GrantRecord: Sendable, Codable, Equatable {
    public var id: String
    public var clientID: String
    public var userID: String
    public var sessionID: String?
    public var scopes: ScopeSet
    public var authTime: Date
    public var methods: [String]
    public var identityProvider: String?
    public var createdAt: Date
    public var revokedAt: Date?

    public init(
        id: String, clientID: String, userID: String, sessionID: String?, scopes: ScopeSet, authTime: Date,
        methods: [String], identityProvider: String? = nil, createdAt: Date, revokedAt: Date? = nil
    ) {
        self.id = id
        self.clientID = clientID
        self.userID = userID
        self.sessionID = sessionID
        self.scopes = scopes
        self.authTime = authTime
        self.methods = methods
        self.identityProvider = identityProvider
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}
