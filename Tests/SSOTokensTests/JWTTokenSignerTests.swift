import Foundation
import JWTKit
import SSOCore
import SSOStorageSQLite
import SSOTesting
@testable import SSOTokens
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

    /// A signer whose replaced keys stay published 600 s, checking the store every `checkInterval` s.
    func rotatingSigner(checkInterval: TimeInterval) async throws -> JWTTokenSigner {
        try await JWTTokenSigner.load(store: storage, sealer: sealer, issuer: "https://sso.test", clock: clock,
                                      random: SystemSecureRandom(), retention: { 600 }, checkInterval: checkInterval)
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

    @Test("ES256 tokens signed without jwt-kit verify with jwt-kit from the published JWK, and a changed byte fails")
    func es256Interoperates() async throws {
        let signer = try await signer()
        let now = Int(clock.now().timeIntervalSince1970)
        let token = try await signer.signAccessToken(claims(exp: now + 60))
        let idToken = try await signer.signIDToken(
            IDTokenClaims(iss: "https://sso.test", sub: "u", aud: "c", exp: now + 60, iat: now, authTime: now,
                          nonce: "n", atHash: nil, azp: "c", sid: nil, amr: nil, user: nil),
            algorithm: .es256)
        // An independent verifier: jwt-kit, given only the public JWK from the JWKS.
        let jwk = try #require(await signer.jwks().keys.first { $0.alg == "ES256" })
        let collection = JWTKeyCollection()
        try await collection.add(ecdsa: ES256PublicKey(parameters: (x: try #require(jwk.x), y: try #require(jwk.y))),
                                 kid: JWKIdentifier(string: jwk.kid))
        let verified = try await collection.verify(token, as: AnyClaims.self)
        #expect(verified.sub == "u" && verified.scope == "openid")
        #expect(try await collection.verify(idToken, as: AnyClaims.self).sub == "u")
        #expect(await signer.verifyIDToken(idToken)?.nonce == "n")

        // Verified once (and remembered), the token still verifies; near variants of it do not.
        #expect(await signer.verifyAccessToken(token)?.sub == "u")
        #expect(await signer.verifyAccessToken(token)?.sub == "u")
        #expect(await signer.verifyAccessToken(token + " ") == nil)
        // A flipped payload byte, a foreign signature, a wrong typ: refused.
        var parts = token.split(separator: ".").map(String.init)
        let tampered = Base64URL.encode(Data(try #require(Base64URL.decode(parts[1]))).map { $0 == UInt8(ascii: "u") ? UInt8(ascii: "v") : $0 })
        #expect(await signer.verifyAccessToken([parts[0], tampered, parts[2]].joined(separator: ".")) == nil)
        parts[2] = String(idToken.split(separator: ".")[2])
        #expect(await signer.verifyAccessToken(parts.joined(separator: ".")) == nil)
        #expect(await signer.verifyAccessToken(idToken) == nil)
    }

    /// Claims read back by jwt-kit: only what the test looks at.
    struct AnyClaims: JWTPayload {
        var sub: String
        var scope: String?
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// The `kid` in a JWT's header.
    func kid(_ token: String) throws -> String? {
        let header = try #require(Base64URL.decode(String(token.split(separator: ".")[0])))
        let object = try JSONSerialization.jsonObject(with: header) as? [String: Any]
        return object?["kid"] as? String
    }

    @Test("a rotated key is published at the next reload, signs once active; the old one verifies and leaves the JWKS when its tokens have expired")
    func rotationWithoutRestart() async throws {
        let signer = try await rotatingSigner(checkInterval: 30)
        let now = Int(clock.now().timeIntervalSince1970)
        let before = try await signer.signAccessToken(claims(exp: now + 600))
        let oldKid = try #require(try kid(before))

        // Another process (sso keys rotate) adds a key: unseen until the reload interval passes.
        let added = try await JWTTokenSigner.rotate(
            store: storage, sealer: sealer, algorithms: [.es256], activateAfter: 120, clock: clock, random: SystemSecureRandom())
        let newKid = try #require(added.first?.kid)
        #expect(await !signer.jwks().keys.map(\.kid).contains(newKid))
        clock.advance(seconds: 30)
        #expect(await signer.jwks().keys.map(\.kid).contains(newKid))
        #expect(try kid(try await signer.signAccessToken(claims(exp: now + 600))) == oldKid)

        clock.advance(seconds: 90)
        let after = try await signer.signAccessToken(claims(exp: now + 1200))
        #expect(try kid(after) == newKid)
        #expect(await signer.verifyAccessToken(before)?.sub == "u")
        #expect(await signer.verifyAccessToken(after)?.sub == "u")
        #expect(Set(await signer.jwks().keys.map(\.kid)).isSuperset(of: [oldKid, newKid]))

        clock.advance(seconds: 600)
        let published = await signer.jwks().keys.map(\.kid)
        #expect(published.contains(newKid) && !published.contains(oldKid))
        #expect(published.count == 3)
    }

    @Test("a key that left the JWKS verifies nothing, even a token that has not expired")
    func retiredKeyVerifiesNothing() async throws {
        let signer = try await rotatingSigner(checkInterval: 2)
        let now = Int(clock.now().timeIntervalSince1970)
        let longLived = try await signer.signAccessToken(claims(exp: now + 100_000))
        #expect(await signer.verifyAccessToken(longLived)?.sub == "u")
        clock.advance(seconds: 1)   // a later key: keys made in the same instant are ordered by kid
        try await JWTTokenSigner.rotate(store: storage, sealer: sealer, algorithms: [.es256], activateAfter: 0,
                                        clock: clock, random: SystemSecureRandom())
        clock.advance(seconds: 2)
        #expect(await signer.verifyAccessToken(longLived)?.sub == "u", "published while retiring")
        clock.advance(seconds: 600)
        #expect(!(await signer.jwks().keys.map(\.kid)).contains(try #require(try kid(longLived))))
        #expect(await signer.verifyAccessToken(longLived) == nil)
    }

    @Test("a key added or revoked by another process shows within the check interval; a revoked key verifies nothing")
    func revocation() async throws {
        let signer = try await rotatingSigner(checkInterval: 2)
        let now = Int(clock.now().timeIntervalSince1970)
        let token = try await signer.signAccessToken(claims(exp: now + 3600))
        let leaked = try #require(try kid(token))
        let idToken = try await signer.signIDToken(
            IDTokenClaims(iss: "https://sso.test", sub: "u", aud: "c", exp: now + 3600, iat: now, authTime: nil, nonce: nil,
                          atHash: nil, azp: "c", sid: nil, amr: nil, user: nil), algorithm: .es256)
        #expect(await signer.verifyAccessToken(token)?.sub == "u")   // now remembered as verified
        #expect(await signer.verifyIDToken(idToken)?.sub == "u")

        // As `sso keys revoke` does from another process: a replacement first, then the withdrawal.
        let replacement = try #require(try await JWTTokenSigner.rotate(
            store: storage, sealer: sealer, algorithms: [.es256], activateAfter: 0, clock: clock,
            random: SystemSecureRandom()).first)
        #expect(try await storage.revokeSigningKey(kid: leaked, at: clock.now()))
        #expect(try await storage.revokeSigningKey(kid: leaked, at: clock.now()) == false)
        clock.advance(seconds: 1)
        #expect(await signer.verifyAccessToken(token)?.sub == "u", "not seen before the check interval")
        clock.advance(seconds: 1)
        #expect(await signer.verifyAccessToken(token) == nil)
        #expect(await signer.verifyIDToken(idToken) == nil)
        let published = await signer.jwks().keys.map(\.kid)
        #expect(!published.contains(leaked) && published.contains(replacement.kid))
        let fresh = try await signer.signAccessToken(claims(exp: now + 3600))
        #expect(try kid(fresh) == replacement.kid)
        #expect(await signer.verifyAccessToken(fresh)?.sub == "u")

        let schedule = SigningKeySchedule(keys: try await storage.signingKeys(), retention: 600)
        let record = try #require(schedule.keys.first { $0.kid == leaked })
        #expect(schedule.status(of: record, at: clock.now()) == .revoked)
        #expect(schedule.signingKey(.es256, at: clock.now())?.kid == replacement.kid)
    }

    @Test("rotation refuses a key-encryption key that cannot open the stored keys")
    func rotationChecksTheMasterKey() async throws {
        _ = try await signer()
        let other = try KeySealer(keyMaterial: Data(repeating: 9, count: 32))
        await #expect(throws: KeySealer.UnsealError.self) {
            try await JWTTokenSigner.rotate(store: storage, sealer: other, algorithms: [.es256], activateAfter: 0,
                                            clock: clock, random: SystemSecureRandom())
        }
        #expect(try await storage.signingKeys().count == 3)
    }

    @Test("the key-encryption key must be 32 bytes")
    func sealerSize() {
        #expect(throws: KeySealer.UnsealError.self) { try KeySealer(keyMaterial: Data(count: 16)) }
    }

    /// Bytes whose base64url begins with `-` (0xF8 is 111110 00...: the 62nd character) until `dashes` runs out.
    final class DashFirst: SecureRandom, @unchecked Sendable {
        let lock = NSLock()
        var dashes: Int
        init(dashes: Int) { self.dashes = dashes }
        func bytes(_ count: Int) -> [UInt8] {
            lock.withLock {
                defer { dashes -= 1 }
                return dashes > 0 ? [0xF8] + SystemSecureRandom().bytes(count - 1) : SystemSecureRandom().bytes(count)
            }
        }
    }

    @Test("a new key's id never begins with '-', which the command line would read as an option")
    func keyIDs() {
        let random = DashFirst(dashes: 3)
        #expect(random.token(byteCount: 12).hasPrefix("-"))
        let kid = JWTTokenSigner.newKeyID(random)
        #expect(!kid.hasPrefix("-") && kid.count == 16)
        #expect(random.dashes < 0, "the dashed draws were drawn again")
    }
}
