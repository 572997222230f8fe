import GRDB
import SSOCore
import SSOStorageRows

/// Interaction ids travel in URLs; only their digests are stored.
extension SQLiteStorage: InteractionStore {
    public func insert(_ interaction: Interaction) async throws {
        try await pool.write { db in
            try db.execute(
                cached: """
                    INSERT INTO interactions (id_digest, request, browser_binding, created_at, expires_at, session_id,
                        pending_user_id, pending_password_upgrade, return_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    SecretDigest.sha256(interaction.id), try Self.json(interaction.request), interaction.browserBinding,
                    Self.time(interaction.createdAt), Self.time(interaction.expiresAt), interaction.sessionID,
                    interaction.pendingUserID, try interaction.pendingPasswordUpgrade.map(Self.json), interaction.returnTo,
                ]
            )
        }
    }

    public func interaction(id: String) async throws -> Interaction? {
        try lookup { db in
            try Row.fetchOne(
                db, cached: "SELECT * FROM interactions WHERE id_digest = ?", arguments: [SecretDigest.sha256(id)]
            ) { row in try RowCodec.interaction(row, id: id) }
        }
    }

    public func update(_ interaction: Interaction) async throws {
        try await pool.write { db in
            try db.execute(
                cached: """
                    UPDATE interactions SET request = ?, session_id = ?, pending_user_id = ?, pending_password_upgrade = ?,
                        return_to = ?
                    WHERE id_digest = ?
                    """,
                arguments: [try Self.json(interaction.request), interaction.sessionID, interaction.pendingUserID,
                            try interaction.pendingPasswordUpgrade.map(Self.json), interaction.returnTo,
                            SecretDigest.sha256(interaction.id)]
            )
        }
    }

    public func removeInteraction(id: String) async throws {
        try await pool.write { db in
            try db.execute(cached: "DELETE FROM interactions WHERE id_digest = ?", arguments: [SecretDigest.sha256(id)])
        }
    }
}
