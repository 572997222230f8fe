import Dispatch
import HummingbirdBcrypt
import SSOCore

/// bcrypt password hashing: the server's hashes before Argon2id, which still verify
/// (``PasswordHashing`` checks them and replaces them at the next sign-in). Test fixtures use it
/// at a low cost to make accounts quickly.
public struct BcryptPasswordHasher: PasswordHasher {
    public static let minimumCost: UInt8 = 12
    let cost: UInt8

    /// Verification always uses the cost recorded in the stored hash.
    public init(cost: UInt8 = BcryptPasswordHasher.minimumCost) {
        self.cost = cost
    }

    /// Whether `hash` is a bcrypt string (`$2a$`, `$2b$` or `$2y$`, a two-digit cost).
    public static func isBcrypt(_ hash: String) -> Bool {
        let bytes = Array(hash.utf8.prefix(7))
        return bytes.count == 7 && bytes[0] == 0x24 && bytes[1] == 0x32 && [0x61, 0x62, 0x79].contains(bytes[2])
            && bytes[3] == 0x24 && bytes[6] == 0x24
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return await Self.offload { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, hash: String) async -> Bool {
        await Self.offload { Bcrypt.verify(password, hash: hash) }
    }

    /// A bcrypt hash below this hasher's cost (or not bcrypt at all).
    public func needsRehash(_ hash: String) -> Bool {
        guard Self.isBcrypt(hash), let cost = UInt8(hash.dropFirst(4).prefix(2)) else { return true }
        return cost < self.cost
    }

    /// A cost-12 bcrypt hash of a random value nobody knows.
    public var decoyHash: String { "$2b$12$s9n/qSH/DrQ.5lS9m5Sqj.qVx.lBKFHvOCwXUL/MAXqdGr0XsNFhm" }

    private static func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
        }
    }
}
