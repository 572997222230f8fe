import Foundation

/// JWS algorithms the server signs with.
public enum SigningAlgorithm: String, Sendable, Codable, CaseIterable {
    case es256 = "ES256"
    case rs256 = "RS256"
    /// Ed25519 (RFC 8037), for clients that register it for their ID tokens.
    case edDSA = "EdDSA"
}

/// A signing key as stored: the private key sealed with the key-encryption key that lives
/// outside the database.
public struct SigningKeyRecord: Sendable, Codable, Equatable {
    public var kid: String
    public var algorithm: SigningAlgorithm
    /// AES-GCM sealed box (nonce, ciphertext, tag) of the private key's PEM.
    public var sealedPrivateKey: Data
    public var publicKeyPEM: String
    public var createdAt: Date
    /// When the key starts signing. Until then it is only published, so that relying parties
    /// that cache the JWKS have it before the first token it signs reaches them.
    public var activatesAt: Date
    /// When an operator withdrew the key (`sso keys revoke`): from then on it signs nothing, is
    /// not published and verifies nothing, whatever its schedule.
    public var revokedAt: Date?

    public init(
        kid: String, algorithm: SigningAlgorithm, sealedPrivateKey: Data, publicKeyPEM: String, createdAt: Date,
        activatesAt: Date? = nil, revokedAt: Date? = nil
    ) {
        self.kid = kid
        self.algorithm = algorithm
        self.sealedPrivateKey = sealedPrivateKey
        self.publicKeyPEM = publicKeyPEM
        self.createdAt = createdAt
        self.activatesAt = activatesAt ?? createdAt
        self.revokedAt = revokedAt
    }
}
