import Foundation
import GRDB
import SSOCore
import SSOStorageRows

extension SQLiteStorage: SessionStore {
    public func insert(_ session: SSOSession, upgrading upgrade: PasswordUpgrade?) async throws {
        try await pool.write { db in
            try db.execute(
                cached: """
                    INSERT INTO sessions (id, secret_digest, user_id, auth_time, methods, identity_provider, created_at,
                        expires_at, absolute_expires_at, revoked_at, address, user_agent)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    session.id, session.secretDigest, session.userID, Self.time(session.authTime),
                    session.methods.joined(separator: " "), session.identityProvider, Self.time(session.createdAt), Self.time(session.expiresAt),
                    Self.time(session.absoluteExpiresAt), Self.time(session.revokedAt), session.address, session.userAgent,
                ]
            )
            if let upgrade { try Self.upgradePassword(upgrade, db) }
        }
    }

    public func session(secretDigest: String) async throws -> SSOSession? {
        try lookup { db in
            try Row.fetchOne(db, cached: "SELECT * FROM sessions WHERE secret_digest = ?", arguments: [secretDigest], RowCodec.session)
        }
    }

    public func session(id: String) async throws -> SSOSession? {
        try lookup { db in
            try Row.fetchOne(db, cached: "SELECT * FROM sessions WHERE id = ?", arguments: [id], RowCodec.session)
        }
    }

    public func reauthenticate(_ session: SSOSession, upgrading upgrade: PasswordUpgrade?) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                cached: """
                    UPDATE sessions SET secret_digest = ?, auth_time = ?, methods = ?, identity_provider = ?,
                        expires_at = ?, absolute_expires_at = ?, address = ?, user_agent = ?
                    WHERE id = ? AND user_id = ? AND revoked_at IS NULL
                    """,
                arguments: [
                    session.secretDigest, Self.time(session.authTime), session.methods.joined(separator: " "),
                    session.identityProvider, Self.time(session.expiresAt), Self.time(session.absoluteExpiresAt),
                    session.address, session.userAgent, session.id, session.userID,
                ]
            )
            guard db.changesCount == 1 else { return false }
            if let upgrade { try Self.upgradePassword(upgrade, db) }
            return true
        }
    }

    /// The user's password hash replaced, while it is still the one that verified.
    private static func upgradePassword(_ upgrade: PasswordUpgrade, _ db: Database) throws {
        try db.execute(
            cached: "UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?",
            arguments: [upgrade.newHash, upgrade.userID, upgrade.replacing])
    }

    public func touch(sessionID: String, expiresAt: Date) async throws {
        try await pool.write { db in
            try db.execute(cached: "UPDATE sessions SET expires_at = ? WHERE id = ?", arguments: [Self.time(expiresAt), sessionID])
        }
    }

    public func revoke(sessionID: String, at: Date) async throws {
        try await pool.write { db in
            try db.execute(
                cached: "UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                arguments: [Self.time(at), sessionID]
            )
            // Clients are told once, when the session actually ends.
            if db.changesCount == 1 { try Self.queueLogoutDeliveries(sessionID: sessionID, at: at, db: db) }
            try db.execute(
                cached: """
                    UPDATE refresh_tokens SET rotated_at = ?
                    WHERE rotated_at IS NULL AND grant_id IN (SELECT id FROM grants WHERE session_id = ?)
                    """,
                arguments: [Self.time(at), sessionID])
            try db.execute(
                cached: "UPDATE grants SET revoked_at = ? WHERE session_id = ? AND revoked_at IS NULL",
                arguments: [Self.time(at), sessionID])
        }
    }

    public func sessions(userID: String) async throws -> [SSOSession] {
        try await pool.read { db in
            try Row.fetchAll(db, cached: "SELECT * FROM sessions WHERE user_id = ? ORDER BY created_at DESC", arguments: [userID], RowCodec.session)
        }
    }
}

extension SQLiteStorage: LogoutDeliveryStore {
    /// Queues a logout notice for every client with a back-channel logout URI that holds a grant
    /// issued under the session: part of the transaction that ends it.
    static func queueLogoutDeliveries(sessionID: String, at: Date, db: Database) throws {
        let targets = try Row.fetchAll(db, cached: """
            SELECT DISTINCT clients.id AS client_id, clients.backchannel_logout_uri AS uri, grants.user_id AS user_id
            FROM grants JOIN clients ON clients.id = grants.client_id
            WHERE grants.session_id = ? AND clients.backchannel_logout_uri IS NOT NULL
            """, arguments: [sessionID], RowCodec.logoutTarget)
        for target in targets {
            try db.execute(cached: """
                INSERT INTO logout_deliveries (id, client_id, uri, user_id, session_id, next_attempt_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [UUID().uuidString.lowercased(), target.clientID, target.uri, target.userID, sessionID,
                                 time(at), time(at)])
        }
    }

    public func claimLogoutDeliveries(at now: Date, leaseUntil: Date, limit: Int) async throws -> [LogoutDelivery] {
        try await pool.write { db in
            let due = try Row.fetchAll(db, cached: """
                SELECT * FROM logout_deliveries WHERE next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?
                """, arguments: [Self.time(now), limit], RowCodec.logoutDelivery)
            for delivery in due {
                try db.execute(cached: "UPDATE logout_deliveries SET next_attempt_at = ? WHERE id = ?",
                               arguments: [Self.time(leaseUntil), delivery.id])
            }
            return due
        }
    }

    public func logoutDelivered(id: String) async throws {
        try await pool.write { db in try db.execute(cached: "DELETE FROM logout_deliveries WHERE id = ?", arguments: [id]) }
    }

    public func logoutFailed(id: String, error: String, retryAt: Date?) async throws {
        try await pool.write { db in
            if let retryAt {
                try db.execute(cached: """
                    UPDATE logout_deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?
                    """, arguments: [String(error.prefix(500)), Self.time(retryAt), id])
            } else {
                try db.execute(cached: "DELETE FROM logout_deliveries WHERE id = ?", arguments: [id])
            }
        }
    }
}
