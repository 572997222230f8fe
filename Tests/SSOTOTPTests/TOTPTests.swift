import Foundation
import HummingbirdOTP
import SSOCore
import SSOStorageSQLite
import SSOTOTP
import SSOTesting
import Testing

@Suite("TOTP")
struct TOTPTests {
    /// RFC 6238 appendix B: time, SHA-1 / SHA-256 / SHA-512 codes (8 digits), with the
    /// appendix's ASCII seeds of 20, 32 and 64 bytes.
    static let vectors: [(Int, String, String, String)] = [
        (59, "94287082", "46119246", "90693936"),
        (1_111_111_109, "07081804", "68084774", "25091201"),
        (1_111_111_111, "14050471", "67062674", "99943326"),
        (1_234_567_890, "89005924", "91819424", "93441116"),
        (2_000_000_000, "69279037", "90698825", "38618901"),
        (20_000_000_000, "65353130", "77737706", "47863826"),
    ]

    @Test("RFC 6238 appendix B test vectors")
    func rfcVectors() {
        let seed20 = "12345678901234567890"
        let seed32 = "12345678901234567890123456789012"
        let seed64 = String(repeating: "1234567890", count: 6) + "1234"
        for (time, sha1, sha256, sha512) in Self.vectors {
            let date = Date(timeIntervalSince1970: TimeInterval(time))
            #expect(RFC6238TOTP(digits: 8, hash: .sha1).code(secret: seed20, at: date) == sha1)
            #expect(RFC6238TOTP(digits: 8, hash: .sha256).code(secret: seed32, at: date) == sha256)
            #expect(RFC6238TOTP(digits: 8, hash: .sha512).code(secret: seed64, at: date) == sha512)
        }
    }

    /// Made with Python's hmac (RFC 4226's truncation) for the key bytes 00 01 … 13 ff fe, which
    /// are not UTF-8: a seed another system drew at random.
    static let byteKeyCodes = ("158154", "072232")

    @Test("a key of any bytes: its codes, its base32 in the URI, and HummingbirdOTP agreeing on a text key")
    func byteKeys() {
        let key: [UInt8] = Array(0...19) + [0xFF, 0xFE]
        let totp = RFC6238TOTP()
        #expect(totp.code(key: key, at: Date(timeIntervalSince1970: 59)) == Self.byteKeyCodes.0)
        #expect(totp.code(key: key, at: Date(timeIntervalSince1970: 1_234_567_890)) == Self.byteKeyCodes.1)
        let uri = totp.provisioningURI(key: key, account: "alice", issuer: "UnifiedSSO")
        #expect(uri.contains("secret=" + Base32.encode(key)))
        #expect(Base32.decode(Base32.encode(key)) == key)
        // An independent implementation on the server's own kind of secret.
        for time in [0, 59, 1_111_111_109, 2_000_000_000] {
            let date = Date(timeIntervalSince1970: TimeInterval(time))
            let reference = String(TOTP(secret: "aB3dE5gH7jK9mN1pQ3sT5vW7yZ0bC2dE", length: 6).compute(date: date))
            #expect(totp.code(secret: "aB3dE5gH7jK9mN1pQ3sT5vW7yZ0bC2dE", at: date)
                    == String(repeating: "0", count: 6 - reference.count) + reference)
        }
    }

    @Test("6-digit codes keep their leading zeros, and the URI is what authenticator apps read")
    func format() {
        let totp = RFC6238TOTP()
        #expect(totp.code(secret: "12345678901234567890", at: Date(timeIntervalSince1970: 1_111_111_109)) == "081804")
        let uri = totp.provisioningURI(secret: "12345678901234567890", account: "alice", issuer: "UnifiedSSO")
        #expect(uri.hasPrefix("otpauth://totp/UnifiedSSO:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"))
        #expect(uri.contains("issuer=UnifiedSSO"))
    }

    @Test("enrolment seals the secret; a code verifies once, with one step of skew, and never twice")
    func verification() async throws {
        let storage = try SQLiteStorage(path: FileManager.default.temporaryDirectory
            .appendingPathComponent("sso-totp-\(UUID().uuidString).sqlite").path)
        let clock = TestClock()
        let service = SecondFactorService(
            users: storage, sealer: try KeySealer(keyMaterial: Data(repeating: 5, count: 32)), algorithm: RFC6238TOTP(),
            clock: clock, random: SystemSecureRandom())
        try await storage.insert(User(id: "u", login: "alice", passwordHash: nil, createdAt: clock.now()))
        let (secret, uri) = try await service.enroll(try #require(await storage.user(id: "u")), issuer: "SSO")
        #expect(secret.count == 32)
        #expect(uri.hasPrefix("otpauth://totp/"))
        let user = try #require(await storage.user(id: "u"))
        #expect(user.hasTOTP)
        #expect(!String(decoding: user.totpSecretSealed!, as: UTF8.self).contains(secret))

        let totp = RFC6238TOTP()
        let previous = totp.code(secret: secret, at: clock.now().addingTimeInterval(-30))
        let current = totp.code(secret: secret, at: clock.now())
        let tooOld = totp.code(secret: secret, at: clock.now().addingTimeInterval(-90))
        #expect(try await !service.verify(user, pin: tooOld) || tooOld == current || tooOld == previous)
        #expect(try await service.verify(user, pin: previous))
        #expect(try await service.verify(user, pin: current))
        #expect(try await !service.verify(user, pin: current))      // replay
        #expect(try await !service.verify(user, pin: previous))     // an older step after a newer one
        #expect(try await !service.verify(user, pin: "12345"))
        #expect(try await !service.verify(user, pin: "abcdef"))

        try await service.disable(user)
        #expect(try await storage.user(id: "u")?.hasTOTP == false)
    }
}
