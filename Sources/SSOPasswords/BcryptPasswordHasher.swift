import Dispatch
import HummingbirdBcrypt
import SSOCore

/// bcrypt password hashing (cost 12 by default, the floor for new hashes).
///
/// A cost-12 hash takes a few hundred milliseconds of one core. It runs on a Dispatch queue so
/// that it never blocks the Swift concurrency pool or the event loops that serve other
/// requests while a login is being checked.
public struct BcryptPasswordHasher: PasswordHasher {
    public static let minimumCost: UInt8 = 12
    let cost: UInt8

    /// The server and the command line always use 12; a lower `cost` is for test fixtures only.
    /// Verification always uses the cost recorded in the stored hash.
    public init(cost: UInt8 = BcryptPasswordHasher.minimumCost) {
        self.cost = cost
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return await Self.offload { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, hash: String) async -> Bool {
        await Self.offload { Bcrypt.verify(password, hash: hash) }
    }

    private static func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
        }
    }
}
