import Crypto
import SSOWebAuthn
import Testing

@Suite("Registration")
struct RegistrationTests {
    static func register(
        _ attestationObject: [UInt8], clientDataJSON: [UInt8] = Fixture.clientDataJSON(), requireUV: Bool = false,
        verifier: WebAuthnVerifier = Fixture.verifier, algorithms: Set<COSEAlgorithm> = Set(COSEAlgorithm.allCases)
    ) async throws -> RegisteredCredential {
        try await verifier.verifyRegistration(
            challenge: Fixture.challenge, clientDataJSON: clientDataJSON, attestationObject: attestationObject,
            requireUserVerification: requireUV, allowedAlgorithms: algorithms, transports: ["usb", "nfc"])
    }

    @Test("a `none` registration returns the credential to store", arguments: ["p256", "ed25519", "rsa"])
    func none(kind: String) async throws {
        let authenticator = switch kind {
        case "p256": TestAuthenticator.p256()
        case "ed25519": TestAuthenticator.ed25519()
        default: TestAuthenticator.rsa()
        }
        let authData = authenticator.authenticatorData(flags: [.userPresent, .userVerified, .backupEligible], signCount: 7, attested: true)
        let credential = try await Self.register(TestAuthenticator.noneAttestation(authData), requireUV: true)
        #expect(credential.credentialID == authenticator.credentialID)
        #expect(credential.publicKey == authenticator.coseKey.encoded)
        #expect(credential.algorithm == authenticator.algorithm)
        #expect(credential.signCount == 7)
        #expect(credential.aaguid == authenticator.aaguid)
        #expect(credential.userVerified)
        #expect(credential.backupEligible)
        #expect(!credential.backupState)
        #expect(credential.attestationFormat == "none")
        #expect(credential.attestationType == .none)
        #expect(credential.attestationCertificates.isEmpty)
        #expect(credential.transports == ["usb", "nfc"])
    }

    @Test("packed self attestation verifies with the credential key and its own algorithm", arguments: ["p256", "ed25519", "rsa"])
    func selfAttestation(kind: String) async throws {
        let authenticator = switch kind {
        case "p256": TestAuthenticator.p256()
        case "ed25519": TestAuthenticator.ed25519()
        default: TestAuthenticator.rsa()
        }
        let authData = authenticator.authenticatorData(attested: true)
        let clientData = Fixture.clientDataJSON()
        let credential = try await Self.register(authenticator.selfAttestation(authData: authData, clientDataJSON: clientData))
        #expect(credential.attestationFormat == "packed")
        #expect(credential.attestationType == .selfAttestation)
        // Signed over other client data, or by another key, or claiming another algorithm.
        await #expect(throws: WebAuthnError.invalidSignature) {
            try await Self.register(authenticator.selfAttestation(authData: authData, clientDataJSON: clientData + [0x20]))
        }
        var other = TestAuthenticator.p256()
        other.credentialID = authenticator.credentialID
        let forged = TestAuthenticator.attestationObject(
            format: "packed",
            statement: .map([CBORMapEntry(.text("alg"), .int(authenticator.algorithm.rawValue)),
                             CBORMapEntry(.text("sig"), .bytes(other.sign(authData + SHA256.hash(data: clientData))))]),
            authData: authData)
        await #expect(throws: WebAuthnError.invalidSignature) { try await Self.register(forged) }
        let otherAlgorithm: COSEAlgorithm = authenticator.algorithm == .es256 ? .edDSA : .es256
        await #expect(throws: WebAuthnError.algorithmMismatch("self attestation alg \(otherAlgorithm), credential key \(authenticator.algorithm)")) {
            try await Self.register(authenticator.selfAttestation(authData: authData, clientDataJSON: clientData, algorithm: otherAlgorithm))
        }
    }

    @Test("the client data's type, challenge and origin are checked")
    func clientData() async {
        let object = TestAuthenticator.noneAttestation(TestAuthenticator.p256().authenticatorData(attested: true))
        await #expect(throws: WebAuthnError.wrongType(expected: "webauthn.create", received: "webauthn.get")) {
            try await Self.register(object, clientDataJSON: Fixture.clientDataJSON(type: "webauthn.get"))
        }
        await #expect(throws: WebAuthnError.challengeMismatch) {
            try await Self.register(object, clientDataJSON: Fixture.clientDataJSON(challenge: "AAAA"))
        }
        await #expect(throws: WebAuthnError.originNotAllowed("https://evil.example")) {
            try await Self.register(object, clientDataJSON: Fixture.clientDataJSON(origin: "https://evil.example"))
        }
    }

    @Test("another RP ID, no user presence, or no user verification when required, is refused")
    func flags() async throws {
        let authenticator = TestAuthenticator.p256()
        await #expect(throws: WebAuthnError.rpIDHashMismatch) {
            try await Self.register(TestAuthenticator.noneAttestation(authenticator.authenticatorData(rpID: "evil.example", attested: true)))
        }
        await #expect(throws: WebAuthnError.userNotPresent) {
            try await Self.register(TestAuthenticator.noneAttestation(authenticator.authenticatorData(flags: [.userVerified], attested: true)))
        }
        // A conditional-mediation creation may come without UP; an assertion never does.
        let conditional = TestAuthenticator.noneAttestation(authenticator.authenticatorData(flags: [], attested: true))
        let upgraded = try await Fixture.verifier.verifyRegistration(
            challenge: Fixture.challenge, clientDataJSON: Fixture.clientDataJSON(), attestationObject: conditional,
            requireUserVerification: false, requireUserPresence: false)
        #expect(upgraded.credentialID == authenticator.credentialID)
        let unverified = TestAuthenticator.noneAttestation(authenticator.authenticatorData(flags: [.userPresent], attested: true))
        await #expect(throws: WebAuthnError.userNotVerified) { try await Self.register(unverified, requireUV: true) }
        #expect(try await Self.register(unverified).userVerified == false)
    }

    @Test("registration needs attested credential data with an offered algorithm")
    func credentialData() async {
        let authenticator = TestAuthenticator.ed25519()
        await #expect(throws: WebAuthnError.attestedCredentialDataMissing) {
            try await Self.register(TestAuthenticator.noneAttestation(authenticator.authenticatorData()))
        }
        await #expect(throws: WebAuthnError.algorithmNotAllowed(.edDSA)) {
            try await Self.register(TestAuthenticator.noneAttestation(authenticator.authenticatorData(attested: true)), algorithms: [.es256])
        }
    }

    @Test("a malformed attestation object or statement is an error")
    func malformed() async {
        let authData = TestAuthenticator.p256().authenticatorData(attested: true)
        let cases: [([UInt8], WebAuthnError)] = [
            (CBORValue.array([]).encoded, .malformedAttestationObject("not a CBOR map")),
            (Array(TestAuthenticator.noneAttestation(authData).dropLast()), .malformedCBOR(.truncated)),
            (CBORValue.map([CBORMapEntry(.text("attStmt"), .map([])), CBORMapEntry(.text("authData"), .bytes(authData))]).encoded,
             .malformedAttestationObject("no text fmt")),
            (CBORValue.map([CBORMapEntry(.text("fmt"), .text("none")), CBORMapEntry(.text("authData"), .bytes(authData))]).encoded,
             .malformedAttestationObject("no attStmt map")),
            (CBORValue.map([CBORMapEntry(.text("fmt"), .text("none")), CBORMapEntry(.text("attStmt"), .map([]))]).encoded,
             .malformedAttestationObject("no authData bytes")),
            (TestAuthenticator.attestationObject(format: "none", statement: .map([CBORMapEntry(.text("sig"), .bytes([1]))]), authData: authData),
             .malformedAttestationStatement("none: the statement is not empty")),
            (TestAuthenticator.attestationObject(format: "packed", statement: .map([CBORMapEntry(.text("sig"), .bytes([1]))]), authData: authData),
             .malformedAttestationStatement("packed: no integer alg")),
            (TestAuthenticator.attestationObject(format: "packed", statement: .map([CBORMapEntry(.text("alg"), .int(-7))]), authData: authData),
             .malformedAttestationStatement("packed: no sig bytes")),
            (TestAuthenticator.attestationObject(
                format: "packed", statement: .map([CBORMapEntry(.text("alg"), .int(-65535)), CBORMapEntry(.text("sig"), .bytes([1]))]),
                authData: authData), .unsupportedAlgorithm(-65535)),
            (TestAuthenticator.attestationObject(
                format: "packed", statement: .map([CBORMapEntry(.text("alg"), .int(-7)), CBORMapEntry(.text("sig"), .bytes([1])),
                                                   CBORMapEntry(.text("x5c"), .array([]))]),
                authData: authData), .malformedAttestationStatement("packed: x5c is not a non-empty array")),
            (TestAuthenticator.attestationObject(
                format: "packed", statement: .map([CBORMapEntry(.text("alg"), .int(-7)), CBORMapEntry(.text("sig"), .bytes([1])),
                                                   CBORMapEntry(.text("x5c"), .array([.bytes([0x30, 0x00])]))]),
                authData: authData), .malformedAttestationStatement("packed: x5c holds a certificate that is not DER X.509")),
        ]
        for (object, error) in cases {
            await #expect(throws: error) { try await Self.register(object) }
        }
    }

    @Test("an unsupported attestation format is refused, or registered as none when the options say so")
    func unsupportedFormat() async throws {
        let authData = TestAuthenticator.p256().authenticatorData(attested: true)
        let object = TestAuthenticator.attestationObject(format: "tpm", statement: .map([CBORMapEntry(.text("ver"), .text("2.0"))]), authData: authData)
        await #expect(throws: WebAuthnError.unsupportedAttestationFormat("tpm")) { try await Self.register(object) }
        let lenient = WebAuthnVerifier(relyingParty: Fixture.relyingParty, attestation: AttestationOptions(treatUnsupportedFormatsAsNone: true))
        let credential = try await Self.register(object, verifier: lenient)
        #expect(credential.attestationFormat == "tpm")
        #expect(credential.attestationType == .none)
    }
}
