import Crypto
import CryptoExtras
import Foundation
import SSOWebAuthn

/// A software authenticator for the tests: a credential key of one algorithm, and the
/// authenticator data, client data and attestation objects a real one would send.
struct TestAuthenticator {
    enum Key {
        case p256(P256.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
    }

    /// RSA key generation takes a while: one key for the whole run.
    static let rsaKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    let key: Key
    var credentialID: [UInt8] = Array(repeating: 0xC1, count: 32)
    var aaguid: [UInt8] = Array(0..<16)

    static func p256() -> TestAuthenticator { TestAuthenticator(key: .p256(P256.Signing.PrivateKey())) }
    static func ed25519() -> TestAuthenticator { TestAuthenticator(key: .ed25519(Curve25519.Signing.PrivateKey())) }
    static func rsa() -> TestAuthenticator { TestAuthenticator(key: .rsa(rsaKey)) }

    var algorithm: COSEAlgorithm {
        switch key {
        case .p256: return .es256
        case .ed25519: return .edDSA
        case .rsa: return .rs256
        }
    }

    /// The credential public key as a COSE_Key map.
    var coseKey: CBORValue {
        switch key {
        case .p256(let key):
            let point = Array(key.publicKey.x963Representation)
            return .map([
                CBORMapEntry(.int(1), .int(2)), CBORMapEntry(.int(3), .int(-7)), CBORMapEntry(.int(-1), .int(1)),
                CBORMapEntry(.int(-2), .bytes(Array(point[1..<33]))), CBORMapEntry(.int(-3), .bytes(Array(point[33..<65]))),
            ])
        case .ed25519(let key):
            return .map([
                CBORMapEntry(.int(1), .int(1)), CBORMapEntry(.int(3), .int(-8)), CBORMapEntry(.int(-1), .int(6)),
                CBORMapEntry(.int(-2), .bytes(Array(key.publicKey.rawRepresentation))),
            ])
        case .rsa(let key):
            let primitives = try! key.publicKey.getKeyPrimitives()
            return .map([
                CBORMapEntry(.int(1), .int(3)), CBORMapEntry(.int(3), .int(-257)),
                CBORMapEntry(.int(-1), .bytes(Array(primitives.modulus))), CBORMapEntry(.int(-2), .bytes(Array(primitives.publicExponent))),
            ])
        }
    }

    func sign(_ data: [UInt8]) -> [UInt8] {
        switch key {
        case .p256(let key): return Array(try! key.signature(for: data).derRepresentation)
        case .ed25519(let key): return Array(try! key.signature(for: data))
        case .rsa(let key): return Array(try! key.signature(for: data, padding: .insecurePKCS1v1_5).rawRepresentation)
        }
    }

    /// Authenticator data for `rpID`; with attested credential data when `attested`.
    func authenticatorData(
        rpID: String = Fixture.rpID, flags: AuthenticatorFlags = [.userPresent, .userVerified], signCount: UInt32 = 0,
        attested: Bool = false, extensions: CBORValue? = nil
    ) -> [UInt8] {
        var flags = flags
        if attested { flags.insert(.attestedCredentialData) }
        if extensions != nil { flags.insert(.extensionData) }
        var bytes = Array(SHA256.hash(data: Array(rpID.utf8)))
        bytes.append(flags.rawValue)
        bytes += withUnsafeBytes(of: signCount.bigEndian, Array.init)
        if attested {
            bytes += aaguid
            bytes += [UInt8(credentialID.count >> 8), UInt8(credentialID.count & 0xFF)]
            bytes += credentialID
            bytes += coseKey.encoded
        }
        if let extensions { bytes += extensions.encoded }
        return bytes
    }

    /// A `none` attestation object around `authData`.
    static func noneAttestation(_ authData: [UInt8]) -> [UInt8] {
        attestationObject(format: "none", statement: .map([]), authData: authData)
    }

    static func attestationObject(format: String, statement: CBORValue, authData: [UInt8]) -> [UInt8] {
        CBORValue.map([
            CBORMapEntry(.text("fmt"), .text(format)), CBORMapEntry(.text("attStmt"), statement),
            CBORMapEntry(.text("authData"), .bytes(authData)),
        ]).encoded
    }

    /// A `packed` self attestation: the credential key signs `authData || SHA-256(clientData)`.
    func selfAttestation(authData: [UInt8], clientDataJSON: [UInt8], algorithm: COSEAlgorithm? = nil) -> [UInt8] {
        let signature = sign(authData + SHA256.hash(data: clientDataJSON))
        return Self.attestationObject(
            format: "packed",
            statement: .map([CBORMapEntry(.text("alg"), .int((algorithm ?? self.algorithm).rawValue)), CBORMapEntry(.text("sig"), .bytes(signature))]),
            authData: authData)
    }
}

/// The relying party, origins and client data the tests use.
enum Fixture {
    static let rpID = "example.com"
    static let origin = "https://login.example.com"
    static let relyingParty = RelyingParty(id: rpID, origins: [origin, "https://example.com"])
    static let verifier = WebAuthnVerifier(relyingParty: relyingParty)
    static let challenge = WebAuthnChallenge(bytes: Array(repeating: 0x2A, count: 32))

    static func clientDataJSON(
        type: String = "webauthn.create", challenge: String = Fixture.challenge.base64URL, origin: String = Fixture.origin,
        extra: String = ""
    ) -> [UInt8] {
        Array(#"{"type":"\#(type)","challenge":"\#(challenge)","origin":"\#(origin)"\#(extra)}"#.utf8)
    }
}
