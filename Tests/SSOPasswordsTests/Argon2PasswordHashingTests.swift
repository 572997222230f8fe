import CArgon2
import Foundation
import SSOCore
@testable import SSOPasswords
import Testing

@Suite("Argon2id password hashing")
struct Argon2PasswordHashingTests {
    /// Made with Python's argon2-cffi (`argon2.low_level.hash_secret`, salt "unified-sso-salt"):
    /// an implementation other than the server's libargon2 build.
    static let known: [(password: String, hash: String)] = [
        ("correct horse battery", "$argon2id$v=19$m=19456,t=2,p=1$dW5pZmllZC1zc28tc2FsdA$Qb467rAzwKRCozB6MVdyeamH94kNPqwN1F9JSOH+DMA"),
        ("correct horse battery", "$argon2i$v=19$m=4096,t=3,p=2$dW5pZmllZC1zc28tc2FsdA$AkwRuZVIsHM1M9cLXLzPSgVHHWhT2FqMil8mmIxyyKs"),
        ("correct horse battery", "$argon2d$v=19$m=2048,t=1,p=1$dW5pZmllZC1zc28tc2FsdA$yTqXZyZhM94TsDN/TcYcxbX85gOp5JO+"),
        ("пароль-𝄞", "$argon2id$v=19$m=1024,t=1,p=1$dW5pZmllZC1zc28tc2FsdA$w6/ht/kSkAKjCw1SsfbZHOhEvjzU2sKojAAKtz0nGU8"),
    ]

    static let cheap = Argon2Parameters(memoryKiB: 1024, iterations: 1, parallelism: 1)

    @Test("hashes made elsewhere verify, in each variant; a password one character off does not")
    func knownHashes() async throws {
        let hashing = PasswordHashing(parameters: Self.cheap)
        for (password, hash) in Self.known {
            #expect(try await hashing.verify(password, hash: hash), "\(hash)")
            #expect(try await !hashing.verify(password + "x", hash: hash), "\(hash)")
            #expect(try await !hashing.verify(String(password.dropLast()), hash: hash), "\(hash)")
        }
    }

    @Test("libsodium and libargon2 agree: each verifies the other's hashes, and the same salt gives the same tag",
          arguments: [Argon2Parameters(memoryKiB: 1024, iterations: 1, parallelism: 1),
                      Argon2Parameters(memoryKiB: 19456, iterations: 2, parallelism: 1)])
    func implementationsAgree(_ parameters: Argon2Parameters) throws {
        #expect(Argon2.sodium)
        var generator = SeededBytes(seed: UInt64(parameters.memoryKiB))
        for password in ["", "correct horse battery", "пароль-𝄞", String(repeating: "x", count: 300)] {
            let salt = generator.bytes(16)
            let sodium = try #require(Argon2.sodiumTag(password, salt: salt, parameters: parameters))
            var reference = [UInt8](repeating: 0, count: 32)
            let bytes = Array(password.utf8)
            #expect(argon2id_hash_raw(parameters.iterations, parameters.memoryKiB, 1, bytes, bytes.count, salt, salt.count,
                                      &reference, reference.count) == ARGON2_OK.rawValue)
            #expect(sodium == reference, "the same tag for the same salt")
            // A hash made through libsodium, read by libargon2; one made by libargon2, read through libsodium.
            let made = Argon2.hashID(password, parameters: parameters, random: SystemSecureRandom())
            #expect(argon2_verify(made, bytes, bytes.count, Argon2_id) == ARGON2_OK.rawValue)
            var encoded = [CChar](repeating: 0, count: 256)
            #expect(argon2id_hash_encoded(parameters.iterations, parameters.memoryKiB, 1, bytes, bytes.count, salt,
                                          salt.count, 32, &encoded, encoded.count) == ARGON2_OK.rawValue)
            let theirs = String(cString: encoded)
            #expect(Argon2.verify(password, encoded: theirs))
            #expect(!Argon2.verify(password + "!", encoded: theirs))
        }
    }

    @Test("new hashes are Argon2id at the configured cost with a fresh 16-byte salt")
    func newHashes() async throws {
        let hashing = PasswordHashing()
        let first = try await hashing.hash("correct horse battery")
        let second = try await hashing.hash("correct horse battery")
        #expect(first.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
        #expect(first != second)
        let salt = first.split(separator: "$")[3]
        #expect(salt.count == 22)  // 16 bytes, unpadded base64
        #expect(try await hashing.verify("correct horse battery", hash: first))
        #expect(try await !hashing.verify("correct horse batterY", hash: first))
        #expect(!hashing.needsRehash(first))
    }

    @Test("anything but Argon2id at the current cost or above is due for a new hash")
    func rehashPolicy() {
        let hashing = PasswordHashing(parameters: Argon2Parameters(memoryKiB: 4096, iterations: 2, parallelism: 1))
        let salt = "dW5pZmllZC1zc28tc2FsdA$w6/ht/kSkAKjCw1SsfbZHOhEvjzU2sKojAAKtz0nGU8"
        #expect(!hashing.needsRehash("$argon2id$v=19$m=4096,t=2,p=1$" + salt))
        #expect(!hashing.needsRehash("$argon2id$v=19$m=8192,t=3,p=2$" + salt))
        #expect(hashing.needsRehash("$argon2id$v=19$m=2048,t=2,p=1$" + salt))
        #expect(hashing.needsRehash("$argon2id$v=19$m=4096,t=1,p=1$" + salt))
        #expect(hashing.needsRehash("$argon2id$v=16$m=4096,t=2,p=1$" + salt))
        #expect(hashing.needsRehash("$argon2i$v=19$m=4096,t=2,p=1$" + salt))
        #expect(hashing.needsRehash("$2b$12$s9n/qSH/DrQ.5lS9m5Sqj.qVx.lBKFHvOCwXUL/MAXqdGr0XsNFhm"))
        #expect(hashing.needsRehash("pbkdf2_sha256$600000$salt$hash"))
        #expect(!hashing.needsRehash(hashing.decoyHash))
    }

    @Test("bcrypt hashes of the server's earlier releases keep verifying")
    func bcrypt() async throws {
        let hashing = PasswordHashing(parameters: Self.cheap)
        let old = try await BcryptPasswordHasher(cost: 4).hash("wonderland-42")
        #expect(try await hashing.verify("wonderland-42", hash: old))
        #expect(try await !hashing.verify("wonderland-43", hash: old))
        #expect(hashing.needsRehash(old))
    }

    @Test("a hash of a format nobody knows, or a damaged or hostile Argon2 string, never verifies")
    func hostile() async throws {
        let hashing = PasswordHashing(parameters: Self.cheap)
        let (password, good) = Self.known[3]
        let hostile = [
            "", "$", "$$$$$", "plain", "$argon2id$", "$argon2id$v=19$m=1024,t=1,p=1$$",
            good.replacingOccurrences(of: "m=1024", with: "m=1025"),
            good.replacingOccurrences(of: "$v=19", with: ""),
            good.replacingOccurrences(of: "m=1024,t=1,p=1", with: "m=1024,t=1,p=1,m=2048"),
            good.replacingOccurrences(of: "m=1024,t=1,p=1", with: "t=1,p=1"),
            good.replacingOccurrences(of: "m=1024", with: "m=-1"),
            // Parameters past the ceiling are refused before any memory is taken.
            good.replacingOccurrences(of: "m=1024", with: "m=4194304"),
            good.replacingOccurrences(of: "t=1", with: "t=4000000000"),
            good.replacingOccurrences(of: "p=1", with: "p=255"),
            good.replacingOccurrences(of: "$argon2id$", with: "$argon2x$"),
            String(good.dropLast(4)),
            good + "A",
        ]
        for stored in hostile {
            #expect(try await !hashing.verify(password, hash: stored), "\(stored)")
        }
        // Nothing verifies against the decoy that stands in for an unknown login.
        #expect(try await !hashing.verify("", hash: hashing.decoyHash))
        #expect(hashing.decoyHash.hasPrefix("$argon2id$v=19$m=1024,t=1,p=1$"))
    }

    @Test("parameters libargon2 cannot run are not usable")
    func usable() {
        #expect(Argon2Parameters.baseline.isUsable)
        #expect(!Argon2Parameters(memoryKiB: 15, iterations: 1, parallelism: 2).isUsable)
        #expect(!Argon2Parameters(memoryKiB: 1024, iterations: 0, parallelism: 1).isUsable)
        #expect(!Argon2Parameters(memoryKiB: 1024, iterations: 1, parallelism: 0).isUsable)
    }
}

/// Deterministic bytes for test salts.
struct SeededBytes {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }
}
