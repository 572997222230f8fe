import Crypto
import SSOTesting
import SSOWebAuthn
import Testing

/// Random and mutated-valid inputs through every parser and both verifiers: they throw, never
/// crash, and a changed byte in signed data never verifies. The same inputs on every run.
@Suite("WebAuthn fuzz")
struct WebAuthnFuzzTests {
    /// `bytes` with one to four random edits: flipped bits, bytes set to CBOR heads that
    /// declare huge lengths, insertions, deletions, truncation or a duplicated run.
    static func mutate(_ bytes: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
        var result = bytes
        let heads: [UInt8] = [0x00, 0x17, 0x18, 0x1B, 0x1F, 0x3B, 0x5B, 0x5F, 0x7B, 0x7F, 0x9B, 0x9F, 0xBB, 0xBF, 0xC0, 0xF7, 0xF9, 0xFF]
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            let index = result.isEmpty ? 0 : Int.random(in: 0..<result.count, using: &generator)
            switch Int.random(in: 0..<6, using: &generator) {
            case 0 where !result.isEmpty: result[index] ^= 1 << UInt8.random(in: 0..<8, using: &generator)
            case 1 where !result.isEmpty: result[index] = heads.randomElement(using: &generator)!
            case 2: result.insert(UInt8.random(in: 0...255, using: &generator), at: index)
            case 3 where !result.isEmpty: result.removeSubrange(index..<min(result.count, index + Int.random(in: 1...8, using: &generator)))
            case 4: result = Array(result.prefix(index))
            default: result.insert(contentsOf: result[index..<min(result.count, index + 16)], at: index)
            }
        }
        return result
    }

    /// A random CBOR item of the kinds WebAuthn uses, up to `depth` levels deep.
    static func randomCBOR(depth: Int, using generator: inout SeededGenerator) -> CBORValue {
        switch Int.random(in: 0..<(depth > 0 ? 9 : 6), using: &generator) {
        case 0: return .unsigned(UInt64.random(in: 0...UInt64.max, using: &generator) >> UInt64.random(in: 0..<64, using: &generator))
        case 1: return .int(Int.random(in: -300...300, using: &generator))
        case 2: return .bytes(FuzzInput.bytes(maximumLength: 40, using: &generator))
        case 3: return .text(FuzzInput.string(maximumLength: 6, using: &generator))
        case 4: return [.bool(true), .bool(false), .null].randomElement(using: &generator)!
        case 5: return .text(["fmt", "attStmt", "authData", "alg", "sig", "x5c", "none", "packed"].randomElement(using: &generator)!)
        case 6: return .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in randomCBOR(depth: depth - 1, using: &generator) })
        default:
            var entries: [CBORMapEntry] = []
            for _ in 0..<Int.random(in: 0...5, using: &generator) {
                let key: CBORValue = Bool.random(using: &generator) ? .int(Int.random(in: -3...3, using: &generator)) : randomCBOR(depth: 0, using: &generator)
                if !entries.contains(where: { $0.key == key }) { entries.append(CBORMapEntry(key, randomCBOR(depth: depth - 1, using: &generator))) }
            }
            return .map(entries)
        }
    }

    @Test("random and mutated CBOR decodes or throws; whatever decodes re-encodes and decodes the same")
    func cbor() throws {
        var generator = SeededGenerator(seed: SeededGenerator.runSeed)
        for _ in 0..<4000 {
            let valid = Self.randomCBOR(depth: 4, using: &generator)
            #expect(try CBORDecoder().decode(valid.encoded) == valid)
            for input in [Self.mutate(valid.encoded, using: &generator), FuzzInput.bytes(maximumLength: 48, using: &generator)] {
                guard let decoded = try? CBORDecoder().decode(input) else { continue }
                #expect(try CBORDecoder().decode(decoded.encoded) == decoded)
            }
        }
    }

    @Test("mutated COSE keys and authenticator data parse or throw")
    func parsers() {
        var generator = SeededGenerator(seed: SeededGenerator.runSeed &+ 1)
        let authenticators = [TestAuthenticator.p256(), TestAuthenticator.ed25519(), TestAuthenticator.rsa()]
        for round in 0..<3000 {
            let authenticator = authenticators[round % 3]
            _ = try? COSEKey(bytes: Self.mutate(authenticator.coseKey.encoded, using: &generator))
            _ = try? COSEKey(bytes: Self.randomCBOR(depth: 2, using: &generator).encoded)
            let authData = authenticator.authenticatorData(attested: true, extensions: .map([CBORMapEntry(.text("credProps"), .bool(true))]))
            _ = try? AuthenticatorData(bytes: Self.mutate(authData, using: &generator))
            _ = try? AuthenticatorData(bytes: FuzzInput.bytes(maximumLength: 120, using: &generator))
            _ = try? CollectedClientData(json: Array(FuzzInput.string(using: &generator).utf8))
        }
    }

    @Test("mutated registrations throw or register; random attestation objects throw")
    func registrations() async {
        var generator = SeededGenerator(seed: SeededGenerator.runSeed &+ 2)
        let authenticators = [TestAuthenticator.p256(), TestAuthenticator.ed25519(), TestAuthenticator.rsa()]
        let clientData = Fixture.clientDataJSON()
        for round in 0..<2000 {
            let authenticator = authenticators[round % 3]
            let authData = authenticator.authenticatorData(attested: true)
            let valid = round % 2 == 0
                ? TestAuthenticator.noneAttestation(authData) : authenticator.selfAttestation(authData: authData, clientDataJSON: clientData)
            let object = Self.mutate(valid, using: &generator)
            _ = try? await Fixture.verifier.verifyRegistration(
                challenge: Fixture.challenge, clientDataJSON: clientData, attestationObject: object, requireUserVerification: false)
            let random = CBORValue.map([
                CBORMapEntry(.text("fmt"), .text("packed")), CBORMapEntry(.text("attStmt"), Self.randomCBOR(depth: 3, using: &generator)),
                CBORMapEntry(.text("authData"), .bytes(Self.mutate(authData, using: &generator))),
            ]).encoded
            await #expect(throws: WebAuthnError.self) {
                try await Fixture.verifier.verifyRegistration(
                    challenge: Fixture.challenge, clientDataJSON: clientData, attestationObject: random, requireUserVerification: false)
            }
        }
    }

    @Test("an assertion with any byte of its authenticator data or client data changed never verifies")
    func assertions() {
        var generator = SeededGenerator(seed: SeededGenerator.runSeed &+ 3)
        let authenticators = [TestAuthenticator.p256(), TestAuthenticator.ed25519(), TestAuthenticator.rsa()]
        let clientData = Fixture.clientDataJSON(type: "webauthn.get")
        for round in 0..<3000 {
            let authenticator = authenticators[round % 3]
            let credential = AssertionTests.stored(authenticator, signCount: 1)
            let authData = authenticator.authenticatorData(signCount: 2)
            let signature = authenticator.sign(authData + SHA256.hash(data: clientData))
            func verify(_ authData: [UInt8], _ clientData: [UInt8], _ signature: [UInt8]) throws -> AssertionResult {
                try Fixture.verifier.verifyAssertion(
                    credential: credential, challenge: Fixture.challenge, authenticatorData: authData, clientDataJSON: clientData,
                    signature: signature, userHandle: nil, requireUserVerification: false)
            }
            let changedAuthData = Self.mutate(authData, using: &generator)
            if changedAuthData != authData {
                #expect(throws: WebAuthnError.self) { try verify(changedAuthData, clientData, signature) }
            }
            let changedClientData = Self.mutate(clientData, using: &generator)
            if changedClientData != clientData {
                #expect(throws: WebAuthnError.self) { try verify(authData, changedClientData, signature) }
            }
            _ = try? verify(authData, clientData, Self.mutate(signature, using: &generator))
        }
    }
}
