/// Why a WebAuthn registration or assertion, or one of its parts, was not accepted. Each case
/// says what was wrong; none carries secret material. ``signCountRegression(stored:received:)``
/// is the one the server should also record as a security event (a possibly cloned
/// authenticator).
public enum WebAuthnError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformedCBOR(CBORError)
    // The credential public key (COSE_Key).
    case malformedPublicKey(String)
    case unsupportedKeyType(Int)
    case unsupportedAlgorithm(Int)
    case unsupportedCurve(Int)
    case algorithmMismatch(String)
    case algorithmNotAllowed(COSEAlgorithm)
    // Authenticator data.
    case malformedAuthenticatorData(String)
    // clientDataJSON.
    case malformedClientData(String)
    case wrongType(expected: String, received: String)
    case challengeMismatch
    case originNotAllowed(String)
    case crossOriginNotAllowed
    case topOriginNotAllowed(String)
    // The ceremony's checks.
    case rpIDHashMismatch
    case userNotPresent
    case userNotVerified
    case attestedCredentialDataMissing
    case backupEligibilityChanged(registered: Bool, received: Bool)
    case userHandleMismatch
    case userHandleMissing
    case invalidSignature
    case signCountRegression(stored: UInt32, received: UInt32)
    // Attestation.
    case malformedAttestationObject(String)
    case unsupportedAttestationFormat(String)
    case malformedAttestationStatement(String)
    case attestationCertificateInvalid(String)
    case attestationNotTrusted(String)

    public var description: String {
        switch self {
        case .malformedCBOR(let error): return "Malformed CBOR: \(error)"
        case .malformedPublicKey(let why): return "Malformed credential public key: \(why)"
        case .unsupportedKeyType(let kty): return "Unsupported COSE key type \(kty)"
        case .unsupportedAlgorithm(let alg): return "Unsupported COSE algorithm \(alg) (ES256 -7, EdDSA -8 and RS256 -257 are supported)"
        case .unsupportedCurve(let crv): return "Unsupported COSE curve \(crv)"
        case .algorithmMismatch(let why): return "COSE key and algorithm disagree: \(why)"
        case .algorithmNotAllowed(let alg): return "The credential's algorithm \(alg) is not one the relying party asked for"
        case .malformedAuthenticatorData(let why): return "Malformed authenticator data: \(why)"
        case .malformedClientData(let why): return "Malformed clientDataJSON: \(why)"
        case .wrongType(let expected, let received): return "clientDataJSON type is \"\(received)\", expected \"\(expected)\""
        case .challengeMismatch: return "clientDataJSON challenge is not the one issued"
        case .originNotAllowed(let origin): return "Origin \"\(origin)\" is not an allowed origin"
        case .crossOriginNotAllowed: return "The ceremony ran in a cross-origin frame, which is not allowed"
        case .topOriginNotAllowed(let origin): return "Top origin \"\(origin)\" is not an allowed top origin"
        case .rpIDHashMismatch: return "Authenticator data is for another relying party ID"
        case .userNotPresent: return "The authenticator did not confirm user presence"
        case .userNotVerified: return "User verification was required but not performed"
        case .attestedCredentialDataMissing: return "Registration authenticator data carries no attested credential data"
        case .backupEligibilityChanged(let registered, let received):
            return "The credential's backup eligibility changed (registered \(registered), now \(received))"
        case .userHandleMismatch: return "The assertion's user handle is not the credential's user"
        case .userHandleMissing: return "The assertion carries no user handle"
        case .invalidSignature: return "The signature does not verify"
        case .signCountRegression(let stored, let received):
            return "Signature counter did not increase (stored \(stored), received \(received)): the authenticator may be cloned"
        case .malformedAttestationObject(let why): return "Malformed attestation object: \(why)"
        case .unsupportedAttestationFormat(let format): return "Unsupported attestation format \"\(format)\""
        case .malformedAttestationStatement(let why): return "Malformed attestation statement: \(why)"
        case .attestationCertificateInvalid(let why): return "Attestation certificate does not meet WebAuthn's requirements: \(why)"
        case .attestationNotTrusted(let why): return "Attestation certificate chain is not trusted: \(why)"
        }
    }
}
