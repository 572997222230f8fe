import Foundation

/// Signing keys, private halves sealed.
public protocol SigningKeyStore: Sendable {
    func signingKeys() async throws -> [SigningKeyRecord]
    func insert(_ key: SigningKeyRecord) async throws
    /// Withdraws the key `kid` at `at`; `false` when there is no such key or it was withdrawn already.
    func revokeSigningKey(kid: String, at: Date) async throws -> Bool
    /// A short text that changes whenever a key is added or withdrawn: what a running server
    /// reads every few seconds to notice another process's change without reading every key.
    func signingKeysVersion() async throws -> String
}
