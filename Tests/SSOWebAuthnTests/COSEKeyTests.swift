import Crypto
import SSOWebAuthn
import Testing

@Suite("COSE keys")
struct COSEKeyTests {
    @Test("ES256, EdDSA and RS256 keys parse and verify their own signatures, and no others", arguments: ["p256", "ed25519", "rsa"])
    func signatures(kind: String) throws {
        let authenticator = switch kind {
        case "p256": TestAuthenticator.p256()
        case "ed25519": TestAuthenticator.ed25519()
        default: TestAuthenticator.rsa()
        }
        let key = try COSEKey(bytes: authenticator.coseKey.encoded)
        #expect(key.algorithm == authenticator.algorithm)
        #expect(key.bytes == authenticator.coseKey.encoded)
        let data = Array("signed data".utf8)
        let signature = authenticator.sign(data)
        #expect(key.isValidSignature(signature, for: data))
        #expect(!key.isValidSignature(signature, for: data + [0]))
        var tampered = signature
        tampered[tampered.count / 2] ^= 1
        #expect(!key.isValidSignature(tampered, for: data))
        #expect(!key.isValidSignature([], for: data))
    }

    @Test("an ES256 signature must be DER: the raw r||s form does not verify")
    func es256NeedsDER() throws {
        let privateKey = P256.Signing.PrivateKey()
        let authenticator = TestAuthenticator(key: .p256(privateKey))
        let key = try COSEKey(bytes: authenticator.coseKey.encoded)
        let data = Array("x".utf8)
        let raw = Array(try privateKey.signature(for: data).rawRepresentation)
        #expect(!key.isValidSignature(raw, for: data))
    }

    static func replacing(_ key: CBORValue, _ label: Int, with value: CBORValue?) -> [UInt8] {
        var entries = key.mapValue!.filter { $0.key != .int(label) }
        if let value { entries.append(CBORMapEntry(.int(label), value)) }
        return CBORValue.map(entries).encoded
    }

    @Test("kty, alg and crv must agree; other algorithms, curves and key types are named errors")
    func consistency() {
        let ec2 = TestAuthenticator.p256().coseKey
        let okp = TestAuthenticator.ed25519().coseKey
        let rsa = TestAuthenticator.rsa().coseKey
        #expect(throws: WebAuthnError.unsupportedAlgorithm(-35)) { try COSEKey(bytes: Self.replacing(ec2, 3, with: .int(-35))) }
        #expect(throws: WebAuthnError.unsupportedAlgorithm(-37)) { try COSEKey(bytes: Self.replacing(rsa, 3, with: .int(-37))) }
        #expect(throws: WebAuthnError.algorithmMismatch("EC2 key with EdDSA")) { try COSEKey(bytes: Self.replacing(ec2, 3, with: .int(-8))) }
        #expect(throws: WebAuthnError.algorithmMismatch("OKP key with ES256")) { try COSEKey(bytes: Self.replacing(okp, 3, with: .int(-7))) }
        #expect(throws: WebAuthnError.algorithmMismatch("RSA key with ES256")) { try COSEKey(bytes: Self.replacing(rsa, 3, with: .int(-7))) }
        #expect(throws: WebAuthnError.unsupportedCurve(2)) { try COSEKey(bytes: Self.replacing(ec2, -1, with: .int(2))) }
        #expect(throws: WebAuthnError.unsupportedCurve(7)) { try COSEKey(bytes: Self.replacing(okp, -1, with: .int(7))) }
        #expect(throws: WebAuthnError.unsupportedKeyType(4)) { try COSEKey(bytes: Self.replacing(ec2, 1, with: .int(4))) }
        #expect(throws: WebAuthnError.malformedPublicKey("no integer alg")) { try COSEKey(bytes: Self.replacing(ec2, 3, with: nil)) }
        #expect(throws: WebAuthnError.malformedPublicKey("no integer kty")) { try COSEKey(bytes: Self.replacing(ec2, 1, with: .text("EC2"))) }
        #expect(throws: WebAuthnError.malformedPublicKey("no integer crv")) { try COSEKey(bytes: Self.replacing(ec2, -1, with: nil)) }
    }

    @Test("coordinates, moduli and exponents of the wrong size or off the curve are errors")
    func material() {
        let ec2 = TestAuthenticator.p256().coseKey
        let okp = TestAuthenticator.ed25519().coseKey
        let rsa = TestAuthenticator.rsa().coseKey
        #expect(throws: WebAuthnError.malformedPublicKey("x is not a 32-byte string")) {
            try COSEKey(bytes: Self.replacing(ec2, -2, with: .bytes(Array(repeating: 1, count: 31))))
        }
        #expect(throws: WebAuthnError.malformedPublicKey("y is not a 32-byte string")) { try COSEKey(bytes: Self.replacing(ec2, -3, with: nil)) }
        #expect(throws: WebAuthnError.malformedPublicKey("x and y are not a point on P-256")) {
            try COSEKey(bytes: Self.replacing(ec2, -3, with: .bytes(Array(repeating: 7, count: 32))))
        }
        #expect(throws: WebAuthnError.malformedPublicKey("x is not a 32-byte string")) { try COSEKey(bytes: Self.replacing(okp, -2, with: .int(5))) }
        #expect(throws: WebAuthnError.malformedPublicKey("n is not a 2048- to 4096-bit modulus")) {
            try COSEKey(bytes: Self.replacing(rsa, -1, with: .bytes(Array(repeating: 0xFF, count: 128))))
        }
        #expect(throws: WebAuthnError.malformedPublicKey("e is not a byte string of 1 to 8 bytes")) {
            try COSEKey(bytes: Self.replacing(rsa, -2, with: .bytes([])))
        }
    }

    @Test("a key that is not one CBOR map is an error")
    func notAMap() {
        #expect(throws: WebAuthnError.malformedPublicKey("not a CBOR map")) { try COSEKey(bytes: CBORValue.array([]).encoded) }
        #expect(throws: WebAuthnError.malformedCBOR(.truncated)) { try COSEKey(bytes: Array(TestAuthenticator.p256().coseKey.encoded.dropLast())) }
        #expect(throws: WebAuthnError.malformedCBOR(.trailingBytes(count: 1))) { try COSEKey(bytes: TestAuthenticator.p256().coseKey.encoded + [0]) }
    }
}
