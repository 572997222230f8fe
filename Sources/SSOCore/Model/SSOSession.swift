import Foundation

/// A signed-in browser at the authorization site: what makes single sign-on work.
///
/// The browser holds a random secret in a cookie; the store keeps only its digest, so a leaked
/// database does not let anyone impersonate a browser.
public struct SSOSession: Sendable, Codable, Equatable {
    /// Public identifier, used as the `sid` claim.
    public var id: String
    public var secretDigest: String
    public var userID: String
    /// When the user last proved who they are (`auth_time`).
    public var authTime: Date
    /// Authentication methods (`amr`), e.g. `["pwd"]`.
    public var methods: [String]
    /// The upstream provider the user signed in through (`idp`), if any.
    public var identityProvider: String?
    public var createdAt: Date
    /// Idle expiry: moved forward on each use, never beyond `absoluteExpiresAt`.
    public var expiresAt: Date
    public var absoluteExpiresAt: Date
    public var revokedAt: Date?

    public init(
        id: String, secretDigest: String, userID: String, authTime: Date, methods: [String],
        identityProvider: String? = nil, createdAt: Date, expiresAt: Date, absoluteExpiresAt: Date, revokedAt: Date? = nil
    ) {
        self.id = id
        self.secretDigest = secretDigest
        self.userID = userID
        self.authTime = authTime
        self.methods = methods
        self.identityProvider = identityProvider
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.absoluteExpiresAt = absoluteExpiresAt
        self.revokedAt = revokedAt
    }

    public func isActive(at now: Date) -> Bool {
        revokedAt == nil && now < expiresAt && now < absoluteExpiresAt
    }
}
