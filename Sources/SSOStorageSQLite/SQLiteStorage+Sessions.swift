import Foundation
import GRDB
import SSOCore

extension SQLiteStorage: SessionStore {
    public func insert(_ session: SSOSession) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO sessions (id, secret_digest, user_id, auth_time, methods, identity_provider, created_at,
                        expires_at, absolute_expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    session.id, session.secretDigest, session.userID, Self.time(session.authTime),
                    session.methods.joined(separator: " "), session.identityProvider, Self.time(session.createdAt), Self.time(session.expiresAt),
                    Self.time(session.absoluteExpiresAt), Self.time(session.revokedAt),
                ]
            )
        }
    }

    public func session(secretDigest: String) async throws -> SSOSession? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM sessions WHERE secret_digest = ?", arguments: [secretDigest])
                .map(Self.session(from:))
        }
    }

    public func session(id: String) async throws -> SSOSession? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM sessions WHERE id = ?", arguments: [id]).map(Self.session(from:))
        }
    }

    public func touch(sessionID: String, expiresAt: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE sessions SET expires_at = ? WHERE id = ?", arguments: [Self.time(expiresAt), sessionID])
        }
    }

    public func revoke(sessionID: String, at: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                arguments: [Self.time(at), sessionID]
            )
            try db.execute(
                sql: """
                    UPDATE refresh_tokens SET rotated_at = ?
                    WHERE rotated_at IS NULL AND grant_id IN (SELECT id FROM grants WHERE session_id = ?)
                    """,
                arguments: [Self.time(at), sessionID])
            try db.execute(
                sql: "UPDATE grants SET revoked_at = ? WHERE session_id = ? AND revoked_at IS NULL",
                arguments: [Self.time(at), sessionID])
        }
    }

    public func sessions(userID: String) async throws -> [SSOSession] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sessions WHERE user_id = ? ORDER BY created_at DESC", arguments: [userID])
                .map(Self.session(from:))
        }
    }

    static func session(from row: Row) -> SSOSession {
        SSOSession(
            id: row["id"], secretDigest: row["secret_digest"], userID: row["user_id"], authTime: date(row, "auth_time"),
            methods: list(row, "methods"), identityProvider: row["identity_provider"], createdAt: date(row, "created_at"), expiresAt: date(row, "expires_at"),
            absoluteExpiresAt: date(row, "absolute_expires_at"), revokedAt: optionalDate(row, "revoked_at")
        )
    }
}
