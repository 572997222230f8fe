import SSOCore
import SSOPasswords
import Testing

@Suite("bcrypt password hashing")
struct BcryptPasswordHasherTests {
    @Test("new hashes use cost 12 and a fresh salt; only the right password verifies")
    func roundTrip() async throws {
        let hasher = BcryptPasswordHasher()
        let first = try await hasher.hash("correct horse")
        let second = try await hasher.hash("correct horse")
        #expect(first.hasPrefix("$2b$12$"))
        #expect(first != second)
        #expect(await hasher.verify("correct horse", hash: first))
        #expect(await !hasher.verify("correct horsf", hash: first))
    }

    @Test("the decoy hash used for unknown logins is a real cost-12 hash that nothing matches")
    func decoy() async {
        let hasher = BcryptPasswordHasher()
        #expect(hasher.decoyHash.hasPrefix("$2b$12$"))
        #expect(await !hasher.verify("", hash: hasher.decoyHash))
        #expect(await !hasher.verify("password", hash: hasher.decoyHash))
    }
}
