import Crypto
import SSOWebAuthn
import Testing
import X509

@Suite("Packed full attestation")
struct PackedAttestationTests {
    let authenticator = TestAuthenticator.p256()
    let attestationKey = P256.Signing.PrivateKey()
    let clientData = Fixture.clientDataJSON()

    /// A packed statement signed by `signer` (the attestation key by default) with `chain` as x5c.
    func object(_ chain: [Certificate], alg: Int = -7, signer: P256.Signing.PrivateKey? = nil) throws -> [UInt8] {
        let authData = authenticator.authenticatorData(attested: true)
        let signature = try (signer ?? attestationKey).signature(for: authData + SHA256.hash(data: clientData)).derRepresentation
        return TestAuthenticator.attestationObject(
            format: "packed",
            statement: .map([
                CBORMapEntry(.text("alg"), .int(alg)), CBORMapEntry(.text("sig"), .bytes(Array(signature))),
                CBORMapEntry(.text("x5c"), .array(try chain.map { .bytes(try TestAttestationCA.der($0)) })),
            ]),
            authData: authData)
    }

    func register(_ object: [UInt8], roots: [Certificate] = []) async throws -> RegisteredCredential {
        let verifier = WebAuthnVerifier(relyingParty: Fixture.relyingParty, attestation: AttestationOptions(trustRoots: roots))
        return try await verifier.verifyRegistration(
            challenge: Fixture.challenge, clientDataJSON: clientData, attestationObject: object, requireUserVerification: false)
    }

    @Test("without trust roots a valid statement is basic attestation with an unchecked chain")
    func untrusted() async throws {
        let ca = try TestAttestationCA()
        let leaf = try ca.issue(key: attestationKey.publicKey, aaguid: authenticator.aaguid)
        let credential = try await register(try object([leaf]))
        #expect(credential.attestationType == .basicUntrusted)
        #expect(credential.attestationCertificates == [try TestAttestationCA.der(leaf)])
        #expect(credential.aaguid == authenticator.aaguid)
        // The AAGUID extension is optional.
        let plain = try ca.issue(key: attestationKey.publicKey, aaguid: nil)
        #expect(try await register(try object([plain])).attestationType == .basicUntrusted)
    }

    @Test("with trust roots the chain must lead to one, through the intermediates x5c carries")
    func trusted() async throws {
        let root = try TestAttestationCA()
        let leaf = try root.issue(key: attestationKey.publicKey, aaguid: authenticator.aaguid)
        #expect(try await register(try object([leaf]), roots: [root.certificate]).attestationType == .basicTrusted)

        let intermediate = try TestAttestationCA(name: "Test Attestation Intermediate", issuer: root)
        let deepLeaf = try intermediate.issue(key: attestationKey.publicKey, aaguid: authenticator.aaguid)
        #expect(try await register(try object([deepLeaf, intermediate.certificate]), roots: [root.certificate]).attestationType == .basicTrusted)

        let stranger = try TestAttestationCA(name: "Another Root")
        // Another root, or the intermediate left out of x5c.
        for (chain, roots) in [([leaf], [stranger.certificate]), ([deepLeaf], [root.certificate])] {
            let error = await #expect(throws: WebAuthnError.self) { try await register(try object(chain), roots: roots) }
            guard case .attestationNotTrusted = error else { Issue.record("\(String(describing: error))"); continue }
        }
    }

    @Test("the signature must be the attestation certificate's, with a key that fits alg")
    func signature() async throws {
        let ca = try TestAttestationCA()
        let leaf = try ca.issue(key: attestationKey.publicKey, aaguid: authenticator.aaguid)
        await #expect(throws: WebAuthnError.invalidSignature) { try await register(try object([leaf], signer: P256.Signing.PrivateKey())) }
        await #expect(throws: WebAuthnError.algorithmMismatch("attestation certificate key does not fit alg EdDSA")) {
            try await register(try object([leaf], alg: -8))
        }
        await #expect(throws: WebAuthnError.algorithmMismatch("attestation certificate key does not fit alg RS256")) {
            try await register(try object([leaf], alg: -257))
        }
    }

    @Test("the attestation certificate must meet section 8.2.1")
    func requirements() async throws {
        let ca = try TestAttestationCA()
        let key = attestationKey.publicKey
        let cases: [(Certificate, String)] = [
            (try ca.issue(key: key, aaguid: authenticator.aaguid, version: .v1), "not X.509 version 3"),
            (try ca.issue(key: key, aaguid: authenticator.aaguid, organizationalUnit: "Other"), "subject OU is not \"Authenticator Attestation\""),
            (try ca.issue(key: key, aaguid: authenticator.aaguid, isCA: true), "basic constraints say CA"),
            (try ca.issue(key: key, aaguid: Array(repeating: 0xEE, count: 16)), "AAGUID extension does not match the authenticator data"),
            (try ca.issue(key: key, aaguid: authenticator.aaguid, aaguidCritical: true), "AAGUID extension is critical"),
        ]
        for (leaf, reason) in cases {
            await #expect(throws: WebAuthnError.attestationCertificateInvalid(reason)) { try await register(try object([leaf])) }
        }
    }
}
