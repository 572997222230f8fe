import Foundation
import SSOCore
import SSOStorageSQLite
import SSOTokens

/// The data directory: the SQLite file and, unless `SSO_MASTER_KEY` is set, the key-encryption
/// key beside it (never inside the database).
public struct DataDirectory: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static let databaseFile = "sso.sqlite"
    public static let masterKeyFile = "master.key"
    public let path: String

    public init(_ path: String) { self.path = path }

    /// Opens the database, creating the directory on first use.
    public func openStorage() throws -> SQLiteStorage {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        return try SQLiteStorage(path: path + "/" + Self.databaseFile)
    }

    /// The key-encryption key for `storage`: a new key file may be made only while the database
    /// holds no secret sealed with an earlier one.
    public func keySealer(storage: any SSOStore, environment: [String: String], random: any SecureRandom) async throws -> KeySealer {
        let sealedSecrets = try await storage.hasSealedSecrets()
        return try keySealer(environment: environment, random: random, mayCreate: !sealedSecrets)
    }

    /// The key-encryption key: `SSO_MASTER_KEY` (base64 of 32 bytes) if set, else the key file,
    /// created with mode 0600 when the database has no keys yet.
    public func keySealer(environment: [String: String], random: any SecureRandom, mayCreate: Bool) throws -> KeySealer {
        if let encoded = environment["SSO_MASTER_KEY"] {
            guard let data = Data(base64Encoded: encoded) else {
                throw Failure(description: "SSO_MASTER_KEY is not valid base64.")
            }
            return try KeySealer(keyMaterial: data)
        }
        let file = path + "/" + Self.masterKeyFile
        if let text = try? String(contentsOfFile: file, encoding: .utf8) {
            guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw Failure(description: "\(file) does not hold a base64 key.")
            }
            return try KeySealer(keyMaterial: data)
        }
        guard mayCreate else {
            throw Failure(description: """
                The key-encryption key is missing: neither SSO_MASTER_KEY nor \(file) is readable, \
                but the database holds secrets (signing keys, TOTP seeds) sealed with it. Restore the key file or set SSO_MASTER_KEY.
                """)
        }
        let material = Data(random.bytes(32))
        guard FileManager.default.createFile(atPath: file, contents: Data(material.base64EncodedString().utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw Failure(description: "Cannot write \(file).")
        }
        return try KeySealer(keyMaterial: material)
    }
}
