import Foundation

/// A WebAuthn credential (a passkey) a user registered: what an assertion is verified against,
/// and what the user sees of it on the passkeys page.
public struct Passkey: Sendable, Equatable {
    /// The server's own identifier, used in the page's URLs (never the credential id).
    public var id: String
    public var userID: String
    /// The authenticator's credential id, base64url without padding.
    public var credentialID: String
    /// The COSE_Key as the authenticator encoded it.
    public var publicKey: [UInt8]
    /// The COSE algorithm number (-7 ES256, -8 EdDSA, -257 RS256).
    public var algorithm: Int
    /// The last signature counter stored (0 for authenticators without one).
    public var signCount: Int
    /// The authenticator model, 32 hex digits (zero under `none` attestation).
    public var aaguid: String
    /// BE: whether the credential may be synced; fixed for its life.
    public var backupEligible: Bool
    /// BS: whether it is backed up now (a synced passkey).
    public var backupState: Bool
    /// What the browser reported (`usb`, `internal`, `hybrid`...), as given.
    public var transports: [String]
    /// The name the user gave it.
    public var name: String
    public var createdAt: Date
    public var lastUsedAt: Date?

    public init(
        id: String, userID: String, credentialID: String, publicKey: [UInt8], algorithm: Int, signCount: Int,
        aaguid: String, backupEligible: Bool, backupState: Bool, transports: [String], name: String, createdAt: Date,
        lastUsedAt: Date? = nil
    ) {
        self.id = id
        self.userID = userID
        self.credentialID = credentialID
        self.publicKey = publicKey
        self.algorithm = algorithm
        self.signCount = signCount
        self.aaguid = aaguid
        self.backupEligible = backupEligible
        self.backupState = backupState
        self.transports = transports
        self.name = name
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }

    /// The RFC 8176 method a sign-in with this passkey proves: `swk` for a synced
    /// (backup-eligible) software-held key, `hwk` for one bound to its authenticator.
    public var authenticationMethod: String { backupEligible ? "swk" : "hwk" }
}

/// A WebAuthn challenge the server issued and keeps until its one verification: bound to the
/// browser that asked (its binding cookie's digest) and, for a registration, to the signed-in
/// user and session; for a sign-in, to the pending interaction and, as a second factor, to the
/// user whose password was accepted.
public struct PasskeyChallenge: Sendable, Equatable {
    public enum Purpose: String, Sendable, Codable {
        case registration
        case authentication
    }

    /// SHA-256 of the challenge's base64url text: the key it is found and consumed by.
    public var digest: String
    public var purpose: Purpose
    public var browserBinding: String
    public var userID: String?
    public var sessionID: String?
    public var interactionID: String?
    public var expiresAt: Date

    public init(
        digest: String, purpose: Purpose, browserBinding: String, userID: String? = nil, sessionID: String? = nil,
        interactionID: String? = nil, expiresAt: Date
    ) {
        self.digest = digest
        self.purpose = purpose
        self.browserBinding = browserBinding
        self.userID = userID
        self.sessionID = sessionID
        self.interactionID = interactionID
        self.expiresAt = expiresAt
    }
}
