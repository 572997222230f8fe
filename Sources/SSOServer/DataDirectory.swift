import Foundation
import SSOCore
import SSOStoragePostgres
import SSOStorageSQLite
import SSOTokens

/// The data directory: the SQLite file and, unless `SSO_MASTER_KEY` is set, the key-encryption
/// key beside it (never inside the database). With a `postgres://` database the directory
/// holds only the key file, and instances sharing the database must share the key
/// (`SSO_MASTER_KEY`, or the same file).
public struct DataDirectory: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static let databaseFile = "sso.sqlite"
    public static let masterKeyFile = "master.key"
    public let path: String
    /// `nil` or `sqlite` for the SQLite file in the directory, else a `postgres://` address.
    public let database: String?

    public init(_ path: String, database: String? = nil) {
        self.path = path
        self.database = database
    }

    /// Opens the database, creating the directory on first use. Everything the process creates
    /// from here on is its owner's alone (umask 077): the SQLite file, its `-wal` and `-shm`
    /// companions and the key file, whether or not the directory existed; database files an
    /// earlier version left readable to others are made 0600.
    public func openStorage() async throws -> any SSOStore {
        umask(0o077)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        switch database {
        case nil, "sqlite":
            let file = path + "/" + Self.databaseFile
            for companion in [file, file + "-wal", file + "-shm", path + "/" + Self.masterKeyFile] {
                var status = stat()
                if stat(companion, &status) == 0, status.st_mode & 0o077 != 0 { chmod(companion, 0o600) }
            }
            return try SQLiteStorage(path: file)
        case let url? where url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"):
            do {
                return try await PostgresStorage(url: url)
            } catch let error as PostgresURL.Invalid {
                throw error
            } catch {
                throw Failure(description: "Cannot open \(PostgresURL.redacted(url)): \(String(reflecting: error))")
            }
        case let other?:
            throw Failure(description: "--database must be sqlite or a postgres:// address, not \(PostgresURL.redacted(other)).")
        }
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
