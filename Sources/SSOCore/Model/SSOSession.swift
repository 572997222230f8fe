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
    /// Where the browser signed in from, as the user sees it on the account page: its address
    /// (through trusted proxies) and its `User-Agent`, both as they were at the last sign-in.
    public var address: String?
    public var userAgent: String?

    /// A sensitive change (a second factor, a passkey) needs a sign-in at most this many seconds old.
    public static let recentSignIn = 600

    public init(
        id: String, secretDigest: String, userID: String, authTime: Date, methods: [String],
        identityProvider: String? = nil, createdAt: Date, expiresAt: Date, absoluteExpiresAt: Date, revokedAt: Date? = nil,
        address: String? = nil, userAgent: String? = nil
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
        self.address = address
        self.userAgent = userAgent
    }

    public func isActive(at now: Date) -> Bool {
        revokedAt == nil && now < expiresAt && now < absoluteExpiresAt
    }

    /// Whether the user proved who they are at most ``recentSignIn`` seconds before `now`.
    public func signedInRecently(at now: Date) -> Bool {
        now.timeIntervalSince(authTime) <= TimeInterval(Self.recentSignIn)
    }
}

/// Where a sign-in came from: kept with the session for the user's own list of sessions.
public struct SessionOrigin: Sendable, Equatable {
    public var address: String?
    public var userAgent: String?

    /// `userAgent` is cut to 300 characters: it is shown, never parsed for decisions.
    public init(address: String?, userAgent: String?) {
        self.address = address
        self.userAgent = userAgent.map { String($0.prefix(300)) }
    }
}
