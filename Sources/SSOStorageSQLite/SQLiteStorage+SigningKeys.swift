import Foundation
import GRDB
import SSOCore
import SSOStorageRows

extension SQLiteStorage: SigningKeyStore {
    public func signingKeys() async throws -> [SigningKeyRecord] {
        try await pool.read { db in
            // A key of an algorithm this version does not know is left out (see RowCodec.signingKey).
            try Row.fetchAll(db, cached: "SELECT * FROM signing_keys ORDER BY created_at", RowCodec.signingKey)
                .compactMap { $0 }
        }
    }

    public func insert(_ key: SigningKeyRecord) async throws {
        try await pool.write { db in
            try db.execute(
                cached: """
                    INSERT INTO signing_keys (kid, alg, sealed_private_key, public_key_pem, created_at, activates_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [key.kid, key.algorithm.rawValue, key.sealedPrivateKey, key.publicKeyPEM, Self.time(key.createdAt),
                            Self.time(key.activatesAt)]
            )
        }
    }

    public func revokeSigningKey(kid: String, at: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(cached: "UPDATE signing_keys SET revoked_at = ? WHERE kid = ? AND revoked_at IS NULL",
                           arguments: [Self.time(at), kid])
            return db.changesCount == 1
        }
    }

    public func signingKeysVersion() async throws -> String {
        try await pool.read { db in
            try String.fetchOne(db, sql: """
                SELECT count(*) || ':' || count(revoked_at) || ':' || ifnull(max(created_at), 0) || ':'
                    || ifnull(max(activates_at), 0) || ':' || ifnull(max(revoked_at), 0) FROM signing_keys
                """) ?? ""
        }
    }
}

extension SQLiteStorage {
    /// Whether anything in the database was sealed with the key-encryption key: signing keys,
    /// TOTP seeds, upstream providers' client secrets.
    public func hasSealedSecrets() async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM signing_keys) OR EXISTS (SELECT 1 FROM users WHERE totp_secret_sealed IS NOT NULL)
                    OR EXISTS (SELECT 1 FROM providers)
                """) ?? false
        }
    }
}
