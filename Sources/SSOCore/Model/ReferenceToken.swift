import Foundation

/// How a client's access tokens travel.
public enum AccessTokenFormat: String, Sendable, Codable, CaseIterable {
    /// A self-contained JWT (RFC 9068), checked by signature.
    case jwt
    /// An opaque value stored as a digest and looked up on every use, so it can slide and be
    /// revoked at once (the partner convention: "issued for 24 hours and renewed with every usage").
    case reference
}

/// A stored reference access token.
public struct ReferenceToken: Sendable, Codable, Equatable {
    public var digest: String
    public var grantID: String?
    public var clientID: String
    public var userID: String?
    public var scopes: ScopeSet
    public var authTime: Date?
    public var sessionID: String?
    public var createdAt: Date
    public var expiresAt: Date
    /// With sliding expiry: each use moves `expiresAt` to now plus `slidingTTL`, never past this.
    public var absoluteExpiresAt: Date?
    public var slidingTTL: Int?
    /// The token's audience when it is not the issuer (a machine client's resource server).
    public var audience: String?

    public init(
        digest: String, grantID: String?, clientID: String, userID: String?, scopes: ScopeSet, authTime: Date?,
        sessionID: String?, createdAt: Date, expiresAt: Date, absoluteExpiresAt: Date?, slidingTTL: Int?,
        audience: String? = nil
    ) {
        self.digest = digest
        self.grantID = grantID
        self.clientID = clientID
        self.userID = userID
        self.scopes = scopes
        self.authTime = authTime
        self.sessionID = sessionID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.absoluteExpiresAt = absoluteExpiresAt
        self.slidingTTL = slidingTTL
        self.audience = audience
    }
}
