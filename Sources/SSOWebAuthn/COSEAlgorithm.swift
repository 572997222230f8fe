/// The COSE signature algorithms a credential may use here (IANA COSE Algorithms registry).
public enum COSEAlgorithm: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// ECDSA on P-256 with SHA-256; WebAuthn signatures are ASN.1 DER.
    case es256 = -7
    /// Ed25519 (the only EdDSA curve accepted), raw 64-byte signatures.
    case edDSA = -8
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    case rs256 = -257

    public var description: String {
        switch self {
        case .es256: return "ES256"
        case .edDSA: return "EdDSA"
        case .rs256: return "RS256"
        }
    }
}
