import Crypto
import Foundation

/// Encrypts secrets that the server must use later (private signing keys, TOTP seeds) so that
/// a copy of the database alone reveals none of them.
public protocol SecretSealer: Sendable {
    func seal(_ plaintext: Data) throws -> Data
    func unseal(_ sealed: Data) throws -> Data
}

/// AES-256-GCM under the key-encryption key, which lives outside the database (a file beside it
/// with mode 0600, or the `SSO_MASTER_KEY` environment variable).
public struct KeySealer: SecretSealer {
    public struct UnsealError: Error, CustomStringConvertible {
        public var description: String
    }

    private let key: SymmetricKey

    /// `keyMaterial` must be 32 bytes (AES-256).
    public init(keyMaterial: Data) throws {
        guard keyMaterial.count == 32 else {
            throw UnsealError(description: "The key-encryption key must be 32 bytes; it has \(keyMaterial.count).")
        }
        key = SymmetricKey(data: keyMaterial)
    }

    public func seal(_ plaintext: Data) throws -> Data {
        guard let combined = try AES.GCM.seal(plaintext, using: key).combined else {
            throw UnsealError(description: "AES-GCM produced no combined box.")
        }
        return combined
    }

    public func unseal(_ sealed: Data) throws -> Data {
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key)
        } catch {
            throw UnsealError(
                description: "A stored secret cannot be decrypted: the key-encryption key is not the one it was sealed with."
            )
        }
    }
}
