import Foundation

/// A brokerage account of a user (the partner convention's profile).
public struct TradingAccount: Sendable, Codable, Equatable {
    public var number: String
    public var platform: String
    public init(number: String, platform: String) {
        self.number = number
        self.platform = platform
    }
}

/// A person who signs in.
public struct User: Sendable, Codable, Equatable {
    public var hasTOTP: Bool { totpSecretSealed != nil }

    /// Stable, opaque subject identifier (`sub`); never reused, never the login.
    public var id: String
    /// What the person types; unique without regard to case.
    public var login: String
    public var passwordHash: String?
    public var email: String?
    public var emailVerified: Bool
    public var name: String?
    /// The TOTP seed, sealed with the key-encryption key; `nil` when two-factor is off.
    public var totpSecretSealed: Data?
    /// Authorities (the old endpoints' `authorities`), carried in access tokens as `roles`.
    public var roles: [String] = []
    /// The partner convention's profile attributes.
    public var domestic: Bool?
    public var applicationStatus: String?
    public var accounts: [TradingAccount] = []
    public var createdAt: Date

    public init(
        id: String, login: String, passwordHash: String?, email: String? = nil, emailVerified: Bool = false,
        name: String? = nil, totpSecretSealed: Data? = nil, createdAt: Date
    ) {
        self.id = id
        self.login = login
        self.passwordHash = passwordHash
        self.email = email
        self.emailVerified = emailVerified
        self.name = name
        self.totpSecretSealed = totpSecretSealed
        self.createdAt = createdAt
    }
}
