import Foundation
import SSOCore
import SSOStorageSQLite
import SSOTesting
import SSOTokens
import Testing

@Suite("JWT signing keys and tokens")
struct JWTTokenSignerTests {
    let storage: SQLiteStorage
    let clock = TestClock()
    let sealer = try! KeySealer(keyMaterial: Data(repeating: 7, count: 32))

    init() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sso-keys-\(UUID().uuidString).sqlite").path
        storage = try SQLiteStorage(path: path)
    }

    func signer(issuer: String = "https://sso.test", sealer: KeySealer? = nil) async throws -> JWTTokenSigner {
        try await JWTTokenSigner.load(store: storage, sealer: sealer ?? self.sealer, issuer: issuer, clock: clock,
                                      random: SystemSecureRandom())
    }

    func claims(exp: Int) -> AccessTokenClaims {
        let iat = Int(clock.now().timeIntervalSince1970)
        return AccessTokenClaims(iss: "https://sso.test", sub: "u", aud: "https://sso.test", exp: exp, iat: iat, jti: "j",
                                 clientID: "c", scope: "openid", authTime: iat, sid: "s", grantID: "g")
    }

    @Test("first start creates one ES256, one RS256 and one EdDSA key, sealed; later starts reuse them")
    func keysPersist() async throws {
        let first = try await signer()
        let records = try await storage.signingKeys()
        #expect(Set(records.map(\.algorithm)) == [.es256, .rs256, .edDSA])
        #expect(records.allSatisfy { !String(decoding: $0.sealedPrivateKey, as: UTF8.self).contains("PRIVATE KEY") })
        let second = try await signer()
        #expect(await first.jwks() == second.jwks())
        #expect(try await storage.signingKeys().count == 3)
    }

    @Test("keys sealed with another key-encryption key refuse to load")
    func wrongMasterKey() async throws {
        _ = try await signer()
        let other = try KeySealer(keyMaterial: Data(repeating: 9, count: 32))
        await #expect(throws: KeySealer.UnsealError.self) { try await signer(sealer: other) }
    }

    @Test("access tokens verify until they expire, and only for this issuer")
    func accessTokens() async throws {
        let signer = try await signer()
        let now = Int(clock.now().timeIntervalSince1970)
        let token = try await signer.signAccessToken(claims(exp: now + 60))
        #expect(await signer.verifyAccessToken(token)?.sub == "u")
        clock.advance(seconds: 61)
        #expect(await signer.verifyAccessToken(token) == nil)

        let foreign = try await self.signer(issuer: "https://other.test")
        let fresh = try await signer.signAccessToken(claims(exp: now + 3600))
        #expect(await foreign.verifyAccessToken(fresh) == nil)
    }

    @Test("an ID token is never accepted as an access token")
    func idTokenIsNotAccessToken() async throws {
        let signer = try await signer()
        let now = Int(clock.now().timeIntervalSince1970)
        for algorithm in SigningAlgorithm.allCases {
            let idToken = try await signer.signIDToken(
                IDTokenClaims(iss: "https://sso.test", sub: "u", aud: "c", exp: now + 60, iat: now, authTime: now,
                              nonce: "n", atHash: nil, azp: "c", sid: nil, amr: nil, user: nil),
                algorithm: algorithm)
            #expect(await signer.verifyAccessToken(idToken) == nil)
        }
    }

    @Test("the key-encryption key must be 32 bytes")
    func sealerSize() {
        #expect(throws: KeySealer.UnsealError.self) { try KeySealer(keyMaterial: Data(count: 16)) }
    }
}
