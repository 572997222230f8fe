import Crypto
import CryptoExtras
import Foundation
import JWTKit
import SSOCore
import SSOStorageSQLite
import SSOTesting
@testable import SSOTokens
import Testing

/// RS256 signed by the system's libcrypto: RSASSA-PKCS1-v1_5 is deterministic, so its
/// signatures must be the very bytes swift-crypto (behind jwt-kit, the signer before) gave.
@Suite("RS256 through libcrypto")
struct RS256CompactTests {
    /// One 2048-bit key, as the signer generates and stores it (swift-crypto's PKCS#1 PEM).
    static let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    /// swift-crypto's RS256 signature of `input`: what jwt-kit signed with.
    func swiftCryptoSignature(_ input: [UInt8]) throws -> [UInt8] {
        Array(try Self.key.signature(for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5).rawRepresentation)
    }

    func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    @Test("signatures are byte for byte swift-crypto's, over many inputs of every length, from either PEM form")
    func sameBytesAsSwiftCrypto() throws {
        let pkcs1 = try LibcryptoRSAKey(pem: Self.key.pemRepresentation)
        let pkcs8 = try LibcryptoRSAKey(pem: Self.key.pkcs8PEMRepresentation)
        #expect(pkcs1.signatureByteCount == 256)
        var inputs: [[UInt8]] = [[], Array("a".utf8), Array("eyJhbGciOiJSUzI1NiJ9.e30".utf8)]
        inputs += (0..<120).map { _ in randomBytes(Int.random(in: 1...3000)) }
        for input in inputs {
            let expected = try swiftCryptoSignature(input)
            #expect(try pkcs1.sign(input) == expected, "input of \(input.count) bytes")
            #expect(try pkcs8.sign(input) == expected, "input of \(input.count) bytes")
        }
    }

    @Test("threads signing with one shared key at once all get the right signatures")
    func concurrentSigning() async throws {
        let key = try LibcryptoRSAKey(pem: Self.key.pemRepresentation)
        let inputs = (0..<8).map { randomBytes(64 + $0) }
        let expected = try inputs.map(swiftCryptoSignature)
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<32 {
                group.addTask { try (0..<10).allSatisfy { _ in try key.sign(inputs[index % 8]) == expected[index % 8] } }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 32 && results.allSatisfy { $0 })
    }

    @Test("a token jwt-kit signed and ours over its signing input carry the same signature")
    func sameTokenAsJWTKit() async throws {
        let collection = JWTKeyCollection()
        await collection.add(rsa: try Insecure.RSA.PrivateKey(pem: Self.key.pemRepresentation), digestAlgorithm: .sha256,
                             kid: "k1")
        let compact = try RS256Compact(pem: Self.key.pemRepresentation, kid: "k1")
        for nonce in (0..<20).map({ _ in Base64URL.encode(randomBytes(Int.random(in: 1...200))) }) {
            var header = JWTHeader()
            header.typ = "JWT"
            header.alg = "RS256"
            let claims = IDTokenClaims(iss: "https://sso.test", sub: "u", aud: "c", exp: 2, iat: 1, authTime: 1,
                                       nonce: nonce, atHash: nil, azp: "c", sid: nil, amr: nil, user: nil)
            let token = try await collection.sign(IDTokenPayload(claims), kid: "k1", header: header)
            let parts = token.split(separator: ".")
            let signature = try compact.signature(for: Array(parts[0...1].joined(separator: ".").utf8))
            #expect(Base64URL.encode(signature) == String(parts[2]))
        }
    }

    @Test("what is not an RSA private key is refused, with the reason")
    func refusesOtherKeys() {
        let garbage = #expect(throws: LibcryptoError.self) { try LibcryptoRSAKey(pem: "not a key") }
        #expect(garbage?.description.hasPrefix("libcrypto failed reading the RSA private key: ") == true)
        let elliptic = #expect(throws: LibcryptoError.self) { try LibcryptoRSAKey(pem: P256.Signing.PrivateKey().pemRepresentation) }
        #expect(elliptic?.description == "libcrypto failed reading the RSA private key: not an RSA key")
        #expect(throws: LibcryptoError.self) { try LibcryptoRSAKey(pem: Self.key.publicKey.pemRepresentation) }
    }
}

/// The signer's RS256 tokens: signed through libcrypto, and read by anyone from the JWKS.
@Suite("RS256 tokens from the signer")
struct RS256SignerTests {
    let storage: SQLiteStorage
    let clock = TestClock()

    init() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sso-rs256-\(UUID().uuidString).sqlite").path
        storage = try SQLiteStorage(path: path)
    }

    func signer() async throws -> JWTTokenSigner {
        try await JWTTokenSigner.load(store: storage, sealer: try KeySealer(keyMaterial: Data(repeating: 7, count: 32)),
                                      issuer: "https://sso.test", clock: clock, random: SystemSecureRandom())
    }

    /// jwt-kit holding only the published RS256 JWK: an independent verifier.
    func verifier(_ signer: JWTTokenSigner) async throws -> (JWTKeyCollection, kid: String) {
        let jwk = try #require(await signer.jwks().keys.first { $0.alg == "RS256" })
        let collection = JWTKeyCollection()
        await collection.add(rsa: try Insecure.RSA.PublicKey(modulus: try #require(jwk.n), exponent: try #require(jwk.e)),
                             digestAlgorithm: .sha256, kid: JWKIdentifier(string: jwk.kid))
        return (collection, jwk.kid)
    }

    func header(_ token: String) throws -> String {
        String(decoding: try #require(Base64URL.decode(String(token.split(separator: ".")[0]))), as: UTF8.self)
    }

    struct Received: JWTPayload {
        var sub: String
        var nonce: String?
        var sid: String?
        var events: [String: [String: String]]?
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    @Test("RS256 is signed by libcrypto; ES256 by swift-crypto; EdDSA by jwt-kit")
    func backends() async throws {
        let signer = try await signer()
        #expect(try await signer.signingBackend(.rs256).hasPrefix("OpenSSL 3."))
        #expect(try await signer.signingBackend(.rs256) == LibcryptoRSAKey.version)
        #expect(try await signer.signingBackend(.es256) == "swift-crypto")
        #expect(try await signer.signingBackend(.edDSA) == "jwt-kit")
    }

    @Test("an RS256 ID token verifies with jwt-kit from the published JWK and with the signer; a changed byte fails")
    func idTokens() async throws {
        let signer = try await signer()
        let (collection, kid) = try await verifier(signer)
        let now = Int(clock.now().timeIntervalSince1970)
        let claims = IDTokenClaims(iss: "https://sso.test", sub: "u", aud: "c", exp: now + 60, iat: now, authTime: now,
                                   nonce: "n-\u{1F642}\"", atHash: nil, azp: "c", sid: "s", amr: ["pwd"], user: nil)
        let token = try await signer.signIDToken(claims, algorithm: .rs256)
        #expect(try header(token) == #"{"alg":"RS256","kid":"\#(kid)","typ":"JWT"}"#)
        #expect(Base64URL.decode(String(token.split(separator: ".")[1])) == Data(claims.jsonObject))
        #expect(try await collection.verify(token, as: Received.self).nonce == "n-\u{1F642}\"")
        let verified = await signer.verifyIDToken(token)
        #expect(verified?.nonce == claims.nonce && verified?.sid == "s" && verified?.amr == ["pwd"])

        var parts = token.split(separator: ".").map(String.init)
        var signature = try #require(Base64URL.decode(parts[2]))
        signature[signature.startIndex] ^= 1
        parts[2] = Base64URL.encode(signature)
        await #expect(throws: (any Error).self) { try await collection.verify(parts.joined(separator: "."), as: Received.self) }
        #expect(await signer.verifyIDToken(parts.joined(separator: ".")) == nil)
        #expect(await signer.verifyAccessToken(token) == nil)
    }

    @Test("an RS256 logout token verifies with jwt-kit from the published JWK and carries the logout event")
    func logoutTokens() async throws {
        let signer = try await signer()
        let (collection, kid) = try await verifier(signer)
        let now = Int(clock.now().timeIntervalSince1970)
        let token = try await signer.signLogoutToken(
            LogoutTokenClaims(iss: "https://sso.test", sub: "u", aud: "c", iat: now, exp: now + 120, jti: "j", sid: "s"),
            algorithm: .rs256)
        #expect(try header(token) == #"{"alg":"RS256","kid":"\#(kid)","typ":"logout+jwt"}"#)
        let received = try await collection.verify(token, as: Received.self)
        #expect(received.sid == "s" && received.nonce == nil)
        #expect(received.events == [LogoutTokenClaims.event: [:]])
    }
}
