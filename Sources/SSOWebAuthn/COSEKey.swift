import Crypto
import CryptoExtras

/// A credential public key in COSE_Key form (RFC 9052 section 7, RFC 9053), as WebAuthn
/// carries it in attested credential data and as the server stores it.
///
/// Accepted: EC2 on P-256 with ES256, OKP on Ed25519 with EdDSA, and RSA (2048 to 4096 bits)
/// with RS256. `kty`, `alg` and `crv` must agree; any other algorithm is
/// ``WebAuthnError/unsupportedAlgorithm(_:)``. ``bytes`` keeps the encoding exactly as the
/// authenticator sent it, which is what the server stores and hands back at assertion.
public struct COSEKey: Sendable {
    public let algorithm: COSEAlgorithm
    /// The key's CBOR encoding as received.
    public let bytes: [UInt8]
    let key: SignatureKey

    // COSE labels and values (IANA COSE Key Common Parameters, Key Type Parameters).
    static let ktyLabel = 1, algLabel = 3
    static let ktyOKP = 1, ktyEC2 = 2, ktyRSA = 3
    static let crvP256 = 1, crvEd25519 = 6

    /// The key encoded in `bytes` (exactly one CBOR map).
    public init(bytes: [UInt8]) throws(WebAuthnError) {
        let value: CBORValue
        do { value = try CBORDecoder().decode(bytes) } catch { throw .malformedCBOR(error) }
        try self.init(value: value, bytes: bytes)
    }

    init(value: CBORValue, bytes: [UInt8]) throws(WebAuthnError) {
        guard value.mapValue != nil else { throw .malformedPublicKey("not a CBOR map") }
        guard let kty = value[int: Self.ktyLabel]?.intValue else { throw .malformedPublicKey("no integer kty") }
        guard let algValue = value[int: Self.algLabel]?.intValue else { throw .malformedPublicKey("no integer alg") }
        guard let algorithm = COSEAlgorithm(rawValue: algValue) else { throw .unsupportedAlgorithm(algValue) }
        self.algorithm = algorithm
        self.bytes = bytes
        switch kty {
        case Self.ktyEC2: key = try Self.ec2(value, algorithm)
        case Self.ktyOKP: key = try Self.okp(value, algorithm)
        case Self.ktyRSA: key = try Self.rsa(value, algorithm)
        default: throw .unsupportedKeyType(kty)
        }
    }

    /// Whether `signature` is this key's signature over `data` with the key's algorithm
    /// (ES256 signatures in ASN.1 DER, Ed25519 raw, RS256 PKCS#1 v1.5 over SHA-256).
    public func isValidSignature(_ signature: [UInt8], for data: [UInt8]) -> Bool {
        key.isValidSignature(signature, for: data, algorithm: algorithm)
    }

    private static func curve(_ value: CBORValue) throws(WebAuthnError) -> Int {
        guard let crv = value[int: -1]?.intValue else { throw .malformedPublicKey("no integer crv") }
        return crv
    }

    private static func coordinate(_ value: CBORValue, _ label: Int, _ name: String, length: Int) throws(WebAuthnError) -> [UInt8] {
        guard let bytes = value[int: label]?.bytesValue, bytes.count == length else {
            throw .malformedPublicKey("\(name) is not a \(length)-byte string")
        }
        return bytes
    }

    private static func ec2(_ value: CBORValue, _ algorithm: COSEAlgorithm) throws(WebAuthnError) -> SignatureKey {
        guard algorithm == .es256 else { throw .algorithmMismatch("EC2 key with \(algorithm)") }
        let crv = try curve(value)
        guard crv == crvP256 else { throw .unsupportedCurve(crv) }
        let x = try coordinate(value, -2, "x", length: 32)
        let y = try coordinate(value, -3, "y", length: 32)
        do {
            return .p256(try P256.Signing.PublicKey(x963Representation: [0x04] + x + y))
        } catch {
            throw .malformedPublicKey("x and y are not a point on P-256")
        }
    }

    private static func okp(_ value: CBORValue, _ algorithm: COSEAlgorithm) throws(WebAuthnError) -> SignatureKey {
        guard algorithm == .edDSA else { throw .algorithmMismatch("OKP key with \(algorithm)") }
        let crv = try curve(value)
        guard crv == crvEd25519 else { throw .unsupportedCurve(crv) }
        let x = try coordinate(value, -2, "x", length: 32)
        do {
            return .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: x))
        } catch {
            throw .malformedPublicKey("x is not an Ed25519 public key")
        }
    }

    private static func rsa(_ value: CBORValue, _ algorithm: COSEAlgorithm) throws(WebAuthnError) -> SignatureKey {
        guard algorithm == .rs256 else { throw .algorithmMismatch("RSA key with \(algorithm)") }
        guard let n = value[int: -1]?.bytesValue, (256...512).contains(n.count) else {
            throw .malformedPublicKey("n is not a 2048- to 4096-bit modulus")
        }
        guard let e = value[int: -2]?.bytesValue, (1...8).contains(e.count) else {
            throw .malformedPublicKey("e is not a byte string of 1 to 8 bytes")
        }
        do {
            return .rsa(try _RSA.Signing.PublicKey(n: n, e: e))
        } catch {
            throw .malformedPublicKey("n and e are not an RSA public key")
        }
    }
}
