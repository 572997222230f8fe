import Foundation
import GRDB
import SSOCore
import SSOStorageRows

extension SQLiteStorage: RefreshTokenStore {
    public func insert(_ token: RefreshTokenRecord) async throws {
        try await commits.write { db in try Self.insertRefreshToken(token, db: db) }
    }

    public func refreshToken(digest: String) async throws -> RefreshTokenRecord? {
        try lookup { db in
            try Row.fetchOne(db, cached: "SELECT * FROM refresh_tokens WHERE digest = ?", arguments: [digest],
                             RowCodec.refreshToken)
        }
    }

    public func rotate(oldDigest: String, to replacement: RefreshTokenRecord, at: Date, replay: SealedReplay?)
        async throws -> Bool
    {
        try await commits.write { db in
            try db.execute(
                cached: """
                    UPDATE refresh_tokens SET rotated_at = ?, replay_sealed = ?, replay_until = ?
                    WHERE digest = ? AND rotated_at IS NULL
                    """,
                arguments: [Self.time(at), replay?.sealed, Self.time(replay?.until), oldDigest]
            )
            guard db.changesCount == 1 else { return false }
            try Self.insertRefreshToken(replacement, db: db)
            return true
        }
    }

    public func replay(digest: String, at now: Date) async throws -> SealedReplay? {
        try lookup { db in
            try Row.fetchOne(db, cached: """
                SELECT replay_sealed, replay_until FROM refresh_tokens
                WHERE digest = ? AND replay_sealed IS NOT NULL AND replay_until > ?
                """, arguments: [digest, Self.time(now)], RowCodec.replay)
        }
    }

    static func insertRefreshToken(_ token: RefreshTokenRecord, db: Database) throws {
        try db.execute(
            cached: """
                INSERT INTO refresh_tokens (digest, grant_id, client_id, user_id, scopes, created_at, expires_at, rotated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                token.digest, token.grantID, token.clientID, token.userID, token.scopes.description,
                time(token.createdAt), time(token.expiresAt), time(token.rotatedAt),
            ]
        )
    }
}
