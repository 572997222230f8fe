import Crypto
import CryptoExtras

/// A public key that checks signatures the way WebAuthn encodes them, whichever of the
/// credential key or an attestation certificate's key it came from.
enum SignatureKey: Sendable {
    case p256(P256.Signing.PublicKey)
    case ed25519(Curve25519.Signing.PublicKey)
    case rsa(_RSA.Signing.PublicKey)

    /// Whether `signature` is `algorithm`'s signature over `data` by this key. A key of another
    /// kind than the algorithm's never verifies.
    func isValidSignature(_ signature: [UInt8], for data: [UInt8], algorithm: COSEAlgorithm) -> Bool {
        switch (self, algorithm) {
        case (.p256(let key), .es256):
            guard let signature = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(signature, for: data)
        case (.ed25519(let key), .edDSA):
            return key.isValidSignature(signature, for: data)
        case (.rsa(let key), .rs256):
            return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: data),
                                        padding: .insecurePKCS1v1_5)
        default:
            return false
        }
    }
}
