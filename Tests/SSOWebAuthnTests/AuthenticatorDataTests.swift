import Crypto
import SSOWebAuthn
import Testing

@Suite("Authenticator data")
struct AuthenticatorDataTests {
    @Test("the header, flags, counter and attested credential data are read back")
    func parse() throws {
        var authenticator = TestAuthenticator.p256()
        authenticator.credentialID = Array(repeating: 9, count: 1023)
        let bytes = authenticator.authenticatorData(
            flags: [.userPresent, .backupEligible, .backupState], signCount: 0x0102_0304, attested: true)
        let data = try AuthenticatorData(bytes: bytes)
        #expect(data.rpIDHash == Array(SHA256.hash(data: Array("example.com".utf8))))
        #expect(data.flags == [.userPresent, .backupEligible, .backupState, .attestedCredentialData])
        #expect(data.signCount == 0x0102_0304)
        #expect(data.attestedCredentialData?.aaguid == Array(0..<16))
        #expect(data.attestedCredentialData?.credentialID.count == 1023)
        #expect(data.attestedCredentialData?.publicKey.bytes == authenticator.coseKey.encoded)
        #expect(data.extensions == nil)
        #expect(data.bytes == bytes)
    }

    @Test("extensions after the credential key, or alone, are skipped over as a map")
    func extensions() throws {
        let authenticator = TestAuthenticator.ed25519()
        let extensions = CBORValue.map([CBORMapEntry(.text("credProtect"), .int(2))])
        let both = try AuthenticatorData(bytes: authenticator.authenticatorData(attested: true, extensions: extensions))
        #expect(both.extensions == extensions)
        #expect(both.attestedCredentialData?.publicKey.algorithm == .edDSA)
        let alone = try AuthenticatorData(bytes: authenticator.authenticatorData(extensions: extensions))
        #expect(alone.extensions == extensions)
        #expect(alone.attestedCredentialData == nil)
        #expect(throws: WebAuthnError.malformedAuthenticatorData("extensions are not a CBOR map")) {
            try AuthenticatorData(bytes: authenticator.authenticatorData(extensions: .array([])))
        }
    }

    @Test("every truncation of valid data is an error, never a crash")
    func truncations() {
        let bytes = TestAuthenticator.rsa().authenticatorData(attested: true, extensions: .map([]))
        for length in 0..<bytes.count {
            #expect(throws: WebAuthnError.self) { try AuthenticatorData(bytes: Array(bytes.prefix(length))) }
        }
    }

    @Test("data its flags do not announce, or flags announcing data that is not there, are errors")
    func flagMismatches() {
        let authenticator = TestAuthenticator.p256()
        #expect(throws: WebAuthnError.malformedAuthenticatorData("1 bytes after the data its flags announce")) {
            try AuthenticatorData(bytes: authenticator.authenticatorData() + [0])
        }
        var noAT = authenticator.authenticatorData(attested: true)
        noAT[32] &= ~AuthenticatorFlags.attestedCredentialData.rawValue
        #expect(throws: WebAuthnError.self) { try AuthenticatorData(bytes: noAT) }
        var noED = authenticator.authenticatorData(extensions: .map([]))
        noED[32] &= ~AuthenticatorFlags.extensionData.rawValue
        #expect(throws: WebAuthnError.malformedAuthenticatorData("1 bytes after the data its flags announce")) {
            try AuthenticatorData(bytes: noED)
        }
        #expect(throws: WebAuthnError.malformedAuthenticatorData("backup state set on a credential that is not backup eligible")) {
            try AuthenticatorData(bytes: authenticator.authenticatorData(flags: [.userPresent, .backupState]))
        }
        #expect(throws: WebAuthnError.malformedAuthenticatorData("36 bytes, at least 37 needed")) {
            try AuthenticatorData(bytes: Array(repeating: 0, count: 36))
        }
    }

    @Test("a credential id over 1023 bytes, or longer than the data, is an error")
    func credentialIDLength() {
        var authenticator = TestAuthenticator.p256()
        authenticator.credentialID = Array(repeating: 1, count: 1024)
        #expect(throws: WebAuthnError.malformedAuthenticatorData("credential id of 1024 bytes, at most 1023 allowed")) {
            try AuthenticatorData(bytes: authenticator.authenticatorData(attested: true))
        }
        var bytes = TestAuthenticator.p256().authenticatorData(attested: true)
        bytes[53] = 0x03
        bytes[54] = 0xFF
        #expect(throws: WebAuthnError.malformedAuthenticatorData("credential id is truncated")) { try AuthenticatorData(bytes: bytes) }
    }
}
