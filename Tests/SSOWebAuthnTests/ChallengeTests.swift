import SSOCore
import SSOWebAuthn
import Testing

@Suite("Challenges")
struct ChallengeTests {
    struct CountingRandom: SecureRandom {
        func bytes(_ count: Int) -> [UInt8] { (0..<count).map { UInt8($0) } }
    }

    @Test("a challenge is 32 random bytes, base64url without padding")
    func generate() {
        let fixed = WebAuthnChallenge.generate(random: CountingRandom())
        #expect(fixed.bytes == Array(0..<32))
        #expect(fixed.base64URL == "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
        let first = WebAuthnChallenge.generate()
        let second = WebAuthnChallenge.generate()
        #expect(first.bytes.count == 32)
        #expect(first != second)
        #expect(first.base64URL.count == 43)
        #expect(!first.base64URL.contains { "+/=".contains($0) })
    }
}
