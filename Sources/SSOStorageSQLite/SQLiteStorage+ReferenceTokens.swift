import Foundation
import GRDB
import SSOCore
import SSOStorageRows

extension SQLiteStorage: ReferenceTokenStore {
    public func insert(_ token: ReferenceToken) async throws {
        try await commits.write { db in
            try db.execute(
                cached: """
                    INSERT INTO reference_tokens (digest, grant_id, client_id, user_id, scopes, auth_time, session_id,
                        created_at, expires_at, absolute_expires_at, sliding_ttl, audience)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    token.digest, token.grantID, token.clientID, token.userID, token.scopes.description,
                    Self.time(token.authTime), token.sessionID, Self.time(token.createdAt), Self.time(token.expiresAt),
                    Self.time(token.absoluteExpiresAt), token.slidingTTL, token.audience,
                ])
        }
    }

    public func referenceToken(digest: String) async throws -> ReferenceToken? {
        try lookup { db in
            try Row.fetchOne(db, cached: "SELECT * FROM reference_tokens WHERE digest = ?", arguments: [digest],
                             RowCodec.referenceToken)
        }
    }

    public func slide(digest: String, to expiresAt: Date) async throws {
        try await pool.write { db in
            try db.execute(
                cached: "UPDATE reference_tokens SET expires_at = MAX(expires_at, ?) WHERE digest = ?",
                arguments: [Self.time(expiresAt), digest])
        }
    }
}
