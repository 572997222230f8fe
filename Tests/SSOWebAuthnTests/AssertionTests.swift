import Crypto
import SSOWebAuthn
import Testing

@Suite("Assertion")
struct AssertionTests {
    static let userHandle: [UInt8] = Array("user-1".utf8)

    static func stored(_ authenticator: TestAuthenticator, signCount: UInt32 = 5, backupEligible: Bool = false) -> StoredCredential {
        StoredCredential(credentialID: authenticator.credentialID, publicKey: authenticator.coseKey.encoded, signCount: signCount,
                         backupEligible: backupEligible, userHandle: userHandle)
    }

    /// Signs `authData || SHA-256(clientData)` with `authenticator` and verifies it against `credential`.
    static func assert(
        _ authenticator: TestAuthenticator, credential: StoredCredential? = nil, authData: [UInt8]? = nil,
        clientData: [UInt8] = Fixture.clientDataJSON(type: "webauthn.get"), signature: [UInt8]? = nil,
        userHandle: [UInt8]? = userHandle, requireUV: Bool = false, requireUserHandle: Bool = false, policy: SignCountPolicy = .reject
    ) throws -> AssertionResult {
        let authData = authData ?? authenticator.authenticatorData(signCount: 6)
        return try Fixture.verifier.verifyAssertion(
            credential: credential ?? stored(authenticator), challenge: Fixture.challenge, authenticatorData: authData,
            clientDataJSON: clientData, signature: signature ?? authenticator.sign(authData + SHA256.hash(data: clientData)),
            userHandle: userHandle, requireUserVerification: requireUV, requireUserHandle: requireUserHandle, signCountPolicy: policy)
    }

    @Test("a signed assertion verifies and returns the new counter and flags", arguments: ["p256", "ed25519", "rsa"])
    func accepted(kind: String) throws {
        let authenticator = switch kind {
        case "p256": TestAuthenticator.p256()
        case "ed25519": TestAuthenticator.ed25519()
        default: TestAuthenticator.rsa()
        }
        let authData = authenticator.authenticatorData(flags: [.userPresent, .userVerified, .backupEligible, .backupState], signCount: 6)
        let result = try Self.assert(authenticator, credential: Self.stored(authenticator, backupEligible: true), authData: authData,
                                     requireUV: true)
        #expect(result.credentialID == authenticator.credentialID)
        #expect(result.signCount == 6)
        #expect(result.flags == [.userPresent, .userVerified, .backupEligible, .backupState])
        #expect(result.userVerified)
        #expect(result.backupState)
        #expect(!result.signCountRegressed)
    }

    @Test("a bad signature, or one over other data, is refused")
    func badSignature() {
        let authenticator = TestAuthenticator.p256()
        #expect(throws: WebAuthnError.invalidSignature) { try Self.assert(authenticator, signature: TestAuthenticator.p256().sign([1])) }
        #expect(throws: WebAuthnError.invalidSignature) { try Self.assert(authenticator, signature: []) }
        let authData = authenticator.authenticatorData(signCount: 6)
        let signedOther = authenticator.sign(authData + SHA256.hash(data: Fixture.clientDataJSON(type: "webauthn.get", extra: ",\"x\":1")))
        #expect(throws: WebAuthnError.invalidSignature) { try Self.assert(authenticator, authData: authData, signature: signedOther) }
    }

    @Test("client data, RP ID, UP and UV are checked")
    func checks() {
        let authenticator = TestAuthenticator.ed25519()
        #expect(throws: WebAuthnError.wrongType(expected: "webauthn.get", received: "webauthn.create")) {
            try Self.assert(authenticator, clientData: Fixture.clientDataJSON())
        }
        #expect(throws: WebAuthnError.challengeMismatch) {
            try Self.assert(authenticator, clientData: Fixture.clientDataJSON(type: "webauthn.get", challenge: WebAuthnChallenge.generate().base64URL))
        }
        #expect(throws: WebAuthnError.originNotAllowed("https://login.example.org")) {
            try Self.assert(authenticator, clientData: Fixture.clientDataJSON(type: "webauthn.get", origin: "https://login.example.org"))
        }
        #expect(throws: WebAuthnError.crossOriginNotAllowed) {
            try Self.assert(authenticator, clientData: Fixture.clientDataJSON(type: "webauthn.get", extra: #","crossOrigin":true"#))
        }
        #expect(throws: WebAuthnError.rpIDHashMismatch) {
            try Self.assert(authenticator, authData: authenticator.authenticatorData(rpID: "example.org", signCount: 6))
        }
        #expect(throws: WebAuthnError.userNotPresent) {
            try Self.assert(authenticator, authData: authenticator.authenticatorData(flags: [.userVerified], signCount: 6))
        }
        #expect(throws: WebAuthnError.userNotVerified) {
            try Self.assert(authenticator, authData: authenticator.authenticatorData(flags: [.userPresent], signCount: 6), requireUV: true)
        }
    }

    @Test("the backup eligibility flag must stay what it was at registration; backup state may change")
    func backupEligibility() throws {
        let authenticator = TestAuthenticator.p256()
        #expect(throws: WebAuthnError.backupEligibilityChanged(registered: false, received: true)) {
            try Self.assert(authenticator, authData: authenticator.authenticatorData(flags: [.userPresent, .backupEligible], signCount: 6))
        }
        #expect(throws: WebAuthnError.backupEligibilityChanged(registered: true, received: false)) {
            try Self.assert(authenticator, credential: Self.stored(authenticator, backupEligible: true))
        }
        let result = try Self.assert(authenticator, credential: Self.stored(authenticator, backupEligible: true),
                                     authData: authenticator.authenticatorData(flags: [.userPresent, .backupEligible], signCount: 6))
        #expect(!result.backupState)
    }

    @Test("a counter that does not increase is a regression: refused, or reported under .report")
    func signCount() throws {
        let authenticator = TestAuthenticator.p256()
        for (stored, received) in [(5, 5), (5, 4), (5, 0), (0xFFFF_FFFF, 0)] as [(UInt32, UInt32)] {
            let credential = Self.stored(authenticator, signCount: stored)
            let authData = authenticator.authenticatorData(signCount: received)
            #expect(throws: WebAuthnError.signCountRegression(stored: stored, received: received)) {
                try Self.assert(authenticator, credential: credential, authData: authData)
            }
            let reported = try Self.assert(authenticator, credential: credential, authData: authData, policy: .report)
            #expect(reported.signCountRegressed)
            #expect(reported.signCount == received)
        }
        // Both zero: an authenticator without a counter.
        let zero = try Self.assert(authenticator, credential: Self.stored(authenticator, signCount: 0), authData: authenticator.authenticatorData())
        #expect(!zero.signCountRegressed)
        #expect(try Self.assert(authenticator, credential: Self.stored(authenticator, signCount: 0)).signCount == 6)
        // Only a genuine signature can report a regression.
        #expect(throws: WebAuthnError.invalidSignature) {
            try Self.assert(authenticator, authData: authenticator.authenticatorData(signCount: 1), signature: [0x30, 0x00], policy: .report)
        }
    }

    @Test("the user handle, when present, must be the credential's; a discoverable sign-in needs one")
    func userHandle() throws {
        let authenticator = TestAuthenticator.p256()
        #expect(throws: WebAuthnError.userHandleMismatch) { try Self.assert(authenticator, userHandle: Array("user-2".utf8)) }
        #expect(throws: WebAuthnError.userHandleMissing) { try Self.assert(authenticator, userHandle: nil, requireUserHandle: true) }
        _ = try Self.assert(authenticator, userHandle: nil)
    }

    @Test("a stored key that does not parse, or truncated authenticator data, is an error")
    func malformed() {
        let authenticator = TestAuthenticator.p256()
        var credential = Self.stored(authenticator)
        credential.publicKey = Array(credential.publicKey.dropLast())
        #expect(throws: WebAuthnError.malformedCBOR(.truncated)) { try Self.assert(authenticator, credential: credential) }
        #expect(throws: WebAuthnError.malformedAuthenticatorData("36 bytes, at least 37 needed")) {
            try Self.assert(authenticator, authData: Array(authenticator.authenticatorData().prefix(36)))
        }
    }
}
