import CArgon2
import CHashMemory
import Foundation
import SSOCore
@testable import SSOPasswords
import Testing

/// The password-hash threads keep libsodium's Argon2 memory from one check to the next, zeroed
/// between them, give it back when idle, and hash exactly as a fresh mapping does.
@Suite("Argon2 memory kept by the hash threads")
struct HashMemoryTests {
    struct Seen: Sendable {
        var kept: Int
        var zeroed: Bool
        var tags: [[UInt8]]
    }

    static let parameters = Argon2Parameters(memoryKiB: 4096, iterations: 2, parallelism: 1)

    static func reference(_ password: String, salt: [UInt8]) -> [UInt8] {
        var tag = [UInt8](repeating: 0, count: 32)
        let bytes = Array(password.utf8)
        _ = argon2id_hash_raw(parameters.iterations, parameters.memoryKiB, 1, bytes, bytes.count, salt, salt.count,
                              &tag, tag.count)
        return tag
    }

    @Test("a pool thread hashes in the memory it kept, zeroed after each hash, with the tags of a fresh mapping")
    func kept() async throws {
        let pool = PasswordHashingPool(limits: .init(threads: 1), expectedDuration: 0.01, name: "memory-test")
        let salts = (0..<3).map { n in [UInt8](repeating: UInt8(n + 1), count: 16) }
        let passwords = ["first password", "второй", ""]
        let seen = try await pool.run { () -> Seen in
            let tags = zip(passwords, salts).map { Argon2.sodiumTag($0, salt: $1, parameters: Self.parameters) ?? [] }
            return Seen(kept: sso_hash_memory_kept(), zeroed: sso_hash_memory_zeroed() == 1, tags: tags)
        }
        #expect(seen.kept == Int(Self.parameters.memoryKiB) * 1024, "one mapping of the hash's memory stays")
        #expect(seen.zeroed, "nothing of the last hash is left in it")
        #expect(seen.tags == zip(passwords, salts).map { Self.reference($0, salt: $1) },
                "each hash in the kept memory gives libargon2's tag")
        // Verification goes through the kept memory too, and tells a wrong password.
        let made = Argon2.hashID("kept", parameters: Self.parameters, random: SystemSecureRandom())
        #expect(try await pool.run { Argon2.verify("kept", encoded: made) && !Argon2.verify("kep", encoded: made) })
    }

    @Test("an idle pool thread gives the memory back; a thread outside the pool keeps none")
    func released() async throws {
        let pool = PasswordHashingPool(limits: .init(threads: 1), expectedDuration: 0.01, name: "memory-idle",
                                       idleRelease: 0.2)
        let salt = [UInt8](repeating: 9, count: 16)
        #expect(try await pool.run { () -> Int in
            _ = Argon2.sodiumTag("idle", salt: salt, parameters: Self.parameters)
            return sso_hash_memory_kept()
        } > 0)
        try await Task.sleep(for: .milliseconds(600))
        #expect(try await pool.run { sso_hash_memory_kept() } == 0)
        let tag = Argon2.sodiumTag("elsewhere", salt: salt, parameters: Self.parameters)
        #expect(sso_hash_memory_kept() == 0)
        #expect(tag == Self.reference("elsewhere", salt: salt))
    }
}

extension HashMemoryTests {
    @Test("while the kept memory is in use, another populated mapping is a mapping of its own")
    func secondMapping() async throws {
        let pool = PasswordHashingPool(limits: .init(threads: 1), expectedDuration: 0.01, name: "memory-twice")
        let distinct = try await pool.run { () -> Bool in
            let length = 1 << 20
            let flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE
            sso_hash_memory_enter()
            defer { sso_hash_memory_leave() }
            let first = mmap(nil, length, PROT_READ | PROT_WRITE, flags, -1, 0)
            let second = mmap(nil, length, PROT_READ | PROT_WRITE, flags, -1, 0)
            defer {
                munmap(second, length)
                munmap(first, length)
            }
            return first != MAP_FAILED && second != MAP_FAILED && first != second && sso_hash_memory_kept() == length
        }
        #expect(distinct, "the second caller does not get the memory the first is using")
    }
}
