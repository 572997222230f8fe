import SSOWebAuthn
import SwiftASN1
import Testing
import X509

/// The verifier against inputs python-fido2 built (Scripts/webauthn_vectors.py): the same
/// formats from an implementation that shares no code with this one or its test authenticator.
@Suite("python-fido2 vectors")
struct Fido2VectorsTests {
    static func bytes(_ vector: [String: String], _ field: String) -> [UInt8] { CBORTests.hex(vector[field]!) }

    @Test("its registrations verify and its assertions sign", arguments: [("es256", "packed"), ("eddsa", "none"), ("rs256", "packed")])
    func registrationAndAssertion(name: String, format: String) async throws {
        let vector = switch name {
        case "es256": Fido2Vectors.es256
        case "eddsa": Fido2Vectors.eddsa
        default: Fido2Vectors.rs256
        }
        let credential = try await Fixture.verifier.verifyRegistration(
            challenge: Fixture.challenge, clientDataJSON: Self.bytes(vector, "createClientData"),
            attestationObject: Self.bytes(vector, "attestationObject"), requireUserVerification: true)
        #expect(credential.credentialID == Self.bytes(vector, "credentialID"))
        #expect(credential.publicKey == Self.bytes(vector, "publicKey"))
        #expect(credential.attestationFormat == format)
        #expect(credential.attestationType == (format == "none" ? .none : .selfAttestation))
        #expect(credential.aaguid == Array(0..<16))

        let stored = StoredCredential(credentialID: credential.credentialID, publicKey: credential.publicKey, signCount: credential.signCount,
                                      backupEligible: credential.backupEligible, userHandle: [1])
        let result = try Fixture.verifier.verifyAssertion(
            credential: stored, challenge: Fixture.challenge, authenticatorData: Self.bytes(vector, "authenticatorData"),
            clientDataJSON: Self.bytes(vector, "getClientData"), signature: Self.bytes(vector, "signature"), userHandle: nil,
            requireUserVerification: true)
        #expect(result.signCount == 1)
        #expect(result.userVerified)
    }

    @Test("its packed full attestation verifies, and chains to its root")
    func packedFull() async throws {
        let vector = Fido2Vectors.packedFull
        let register = { (verifier: WebAuthnVerifier) in
            try await verifier.verifyRegistration(
                challenge: Fixture.challenge, clientDataJSON: Self.bytes(vector, "createClientData"),
                attestationObject: Self.bytes(vector, "attestationObject"), requireUserVerification: false)
        }
        let untrusted = try await register(Fixture.verifier)
        #expect(untrusted.attestationType == .basicUntrusted)
        #expect(untrusted.backupEligible)
        #expect(untrusted.attestationCertificates.count == 1)
        let root = try Certificate(derEncoded: Self.bytes(vector, "root"))
        let trusting = WebAuthnVerifier(relyingParty: Fixture.relyingParty, attestation: AttestationOptions(trustRoots: [root]))
        #expect(try await register(trusting).attestationType == .basicTrusted)
    }
}
