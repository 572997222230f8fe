import Foundation
import GRDB
import SSOCore
import SSOStorageRows

extension SQLiteStorage: GrantStore {
    public func grant(id: String) async throws -> GrantRecord? {
        try lookup { db in
            try Row.fetchOne(db, cached: "SELECT * FROM grants WHERE id = ?", arguments: [id], RowCodec.grant)
        }
    }

    public func insertGrant(_ grant: GrantRecord) async throws {
        try await pool.write { db in try Self.insertGrant(grant, db: db) }
    }

    /// Revokes the grant and, in the same transaction, ends every refresh token of its family.
    public func revokeGrant(id: String, at: Date) async throws {
        try await pool.write { db in
            try db.execute(
                cached: "UPDATE grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [Self.time(at), id]
            )
            try db.execute(
                cached: "UPDATE refresh_tokens SET rotated_at = ? WHERE grant_id = ? AND rotated_at IS NULL",
                arguments: [Self.time(at), id]
            )
        }
    }

    public func liveGrants(userID: String) async throws -> [GrantRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db, cached: "SELECT * FROM grants WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at DESC",
                arguments: [userID], RowCodec.grant)
        }
    }

    static func insertGrant(_ grant: GrantRecord, db: Database) throws {
        try db.execute(
            cached: """
                INSERT INTO grants (id, client_id, user_id, session_id, scopes, auth_time, methods, identity_provider,
                    created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                grant.id, grant.clientID, grant.userID, grant.sessionID, grant.scopes.description, time(grant.authTime),
                grant.methods.joined(separator: " "), grant.identityProvider, time(grant.createdAt), time(grant.revokedAt),
            ]
        )
    }
}
