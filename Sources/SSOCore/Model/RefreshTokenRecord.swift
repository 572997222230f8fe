import Foundation

/// A stored refresh token (only its digest), a member of one grant's family.
public struct RefreshTokenRecord: Sendable, Codable, Equatable {
    public var digest: String
    public var grantID: String
    public var clientID: String
    public var userID: String
    public var scopes: ScopeSet
    public var createdAt: Date
    public var expiresAt: Date
    /// Set when this token was exchanged for a new one; presenting it again is reuse.
    public var rotatedAt: Date?

    public init(
        digest: String, grantID: String, clientID: String, userID: String, scopes: ScopeSet, createdAt: Date,
        expiresAt: Date, rotatedAt: Date? = nil
    ) {
        self.digest = digest
        self.grantID = grantID
        self.clientID = clientID
        self.userID = userID
        self.scopes = scopes
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.rotatedAt = rotatedAt
    }
}
