import Crypto
import CryptoExtras
import SwiftASN1
import X509

/// The `packed` attestation statement format (WebAuthn Level 3 section 8.2): `alg`, `sig`, and
/// for full (basic) attestation `x5c`, the attestation certificate first. ECDAA is not
/// supported (the specification removed it).
struct PackedAttestation {
    let algorithm: COSEAlgorithm
    let signature: [UInt8]
    let certificates: [[UInt8]]

    /// The AAGUID extension of FIDO attestation certificates (id-fido-gen-ce-aaguid).
    static let aaguidExtension: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 45724, 1, 1, 4]

    init(statement: CBORValue) throws(WebAuthnError) {
        guard let alg = statement[text: "alg"]?.intValue else { throw .malformedAttestationStatement("packed: no integer alg") }
        guard let algorithm = COSEAlgorithm(rawValue: alg) else { throw .unsupportedAlgorithm(alg) }
        guard let signature = statement[text: "sig"]?.bytesValue else { throw .malformedAttestationStatement("packed: no sig bytes") }
        self.algorithm = algorithm
        self.signature = signature
        if let x5c = statement[text: "x5c"] {
            guard let items = x5c.arrayValue, !items.isEmpty else {
                throw .malformedAttestationStatement("packed: x5c is not a non-empty array")
            }
            var certificates: [[UInt8]] = []
            for item in items {
                guard let der = item.bytesValue else { throw .malformedAttestationStatement("packed: x5c holds a non-byte-string") }
                certificates.append(der)
            }
            self.certificates = certificates
        } else {
            self.certificates = []
        }
    }

    /// Verifies the statement over `authenticatorData || clientDataHash` and says which kind
    /// of attestation it is.
    func verify(authenticatorData: AuthenticatorData, credential: AttestedCredentialData, clientDataHash: [UInt8],
                options: AttestationOptions) async throws(WebAuthnError) -> AttestationType {
        let signed = authenticatorData.bytes + clientDataHash
        guard !certificates.isEmpty else {
            // Self attestation: the credential key signs, with its own algorithm.
            guard algorithm == credential.publicKey.algorithm else {
                throw .algorithmMismatch("self attestation alg \(algorithm), credential key \(credential.publicKey.algorithm)")
            }
            guard credential.publicKey.isValidSignature(signature, for: signed) else { throw .invalidSignature }
            return .selfAttestation
        }
        let chain: [Certificate]
        do {
            chain = try certificates.map { try Certificate(derEncoded: $0) }
        } catch {
            throw .malformedAttestationStatement("packed: x5c holds a certificate that is not DER X.509")
        }
        let leaf = chain[0]
        guard let key = Self.signatureKey(leaf.publicKey, algorithm) else {
            throw .algorithmMismatch("attestation certificate key does not fit alg \(algorithm)")
        }
        guard key.isValidSignature(signature, for: signed, algorithm: algorithm) else { throw .invalidSignature }
        try Self.checkRequirements(leaf, aaguid: credential.aaguid)
        guard !options.trustRoots.isEmpty else { return .basicUntrusted }
        try await Self.checkTrust(leaf, intermediates: Array(chain.dropFirst()), roots: options.trustRoots)
        return .basicTrusted
    }

    private static func signatureKey(_ key: Certificate.PublicKey, _ algorithm: COSEAlgorithm) -> SignatureKey? {
        switch algorithm {
        case .es256: return P256.Signing.PublicKey(key).map(SignatureKey.p256)
        case .edDSA: return Curve25519.Signing.PublicKey(key).map(SignatureKey.ed25519)
        case .rs256: return _RSA.Signing.PublicKey(key).map(SignatureKey.rsa)
        }
    }

    /// The attestation certificate requirements of section 8.2.1: X.509 version 3, subject OU
    /// "Authenticator Attestation", not a CA (an absent basic constraints extension means the
    /// same), and an AAGUID extension, when present, that is not critical and names the
    /// authenticator data's AAGUID.
    static func checkRequirements(_ leaf: Certificate, aaguid: [UInt8]) throws(WebAuthnError) {
        guard leaf.version == .v3 else { throw .attestationCertificateInvalid("not X.509 version 3") }
        let units = leaf.subject.flatMap { $0 }.filter { $0.type == .RDNAttributeType.organizationalUnitName }
        guard units.contains(where: { String($0.value) == "Authenticator Attestation" }) else {
            throw .attestationCertificateInvalid("subject OU is not \"Authenticator Attestation\"")
        }
        let constraints: BasicConstraints?
        do { constraints = try leaf.extensions.basicConstraints } catch {
            throw .attestationCertificateInvalid("basic constraints extension is malformed")
        }
        if case .isCertificateAuthority = constraints { throw .attestationCertificateInvalid("basic constraints say CA") }
        if let ext = leaf.extensions[oid: aaguidExtension] {
            guard !ext.critical else { throw .attestationCertificateInvalid("AAGUID extension is critical") }
            // extnValue holds a DER OCTET STRING of the 16 AAGUID bytes.
            guard Array(ext.value) == [0x04, 0x10] + aaguid else {
                throw .attestationCertificateInvalid("AAGUID extension does not match the authenticator data")
            }
        }
    }

    private static func checkTrust(_ leaf: Certificate, intermediates: [Certificate], roots: [Certificate]) async throws(WebAuthnError) {
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) { RFC5280Policy() }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates)) {
        case .validCertificate: return
        case .couldNotValidate(let failures):
            let reason = failures.first.map { "\($0.policyFailureReason)" } ?? "no chain to a trust root"
            throw .attestationNotTrusted(reason)
        }
    }
}
