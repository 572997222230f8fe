import Foundation
import PostgresNIO
import SSOCore
import SSOStorageRows

extension PostgresStorage: SessionStore {
    public func insert(_ session: SSOSession, upgrading upgrade: PasswordUpgrade?) async throws {
        let insert: PostgresQuery = """
            INSERT INTO sessions (id, secret_digest, user_id, auth_time, methods, identity_provider, created_at,
                expires_at, absolute_expires_at, revoked_at, address, user_agent)
            VALUES (\(session.id), \(session.secretDigest), \(session.userID), \(Self.time(session.authTime)),
                \(session.methods.joined(separator: " ")), \(session.identityProvider), \(Self.time(session.createdAt)),
                \(Self.time(session.expiresAt)), \(Self.time(session.absoluteExpiresAt)), \(Self.time(session.revokedAt)),
                \(session.address), \(session.userAgent))
            """
        guard let upgrade else {
            try await run(insert)
            return
        }
        try await transaction { connection in
            try await run(insert, on: connection)
            try await upgradePassword(upgrade, on: connection)
        }
    }

    /// The user's password hash replaced, while it is still the one that verified.
    private func upgradePassword(_ upgrade: PasswordUpgrade, on connection: PostgresConnection) async throws {
        try await run("""
            UPDATE users SET password_hash = \(upgrade.newHash)
            WHERE id = \(upgrade.userID) AND password_hash = \(upgrade.replacing)
            """, on: connection)
    }

    public func session(secretDigest: String) async throws -> SSOSession? {
        try await row("SELECT * FROM sessions WHERE secret_digest = \(secretDigest)").map(RowCodec.session)
    }

    public func session(id: String) async throws -> SSOSession? {
        try await row("SELECT * FROM sessions WHERE id = \(id)").map(RowCodec.session)
    }

    public func reauthenticate(_ session: SSOSession, upgrading upgrade: PasswordUpgrade?) async throws -> Bool {
        let update: PostgresQuery = """
            UPDATE sessions SET secret_digest = \(session.secretDigest), auth_time = \(Self.time(session.authTime)),
                methods = \(session.methods.joined(separator: " ")), identity_provider = \(session.identityProvider),
                expires_at = \(Self.time(session.expiresAt)), absolute_expires_at = \(Self.time(session.absoluteExpiresAt)),
                address = \(session.address), user_agent = \(session.userAgent)
            WHERE id = \(session.id) AND user_id = \(session.userID) AND revoked_at IS NULL RETURNING 1
            """
        guard let upgrade else { return try await run(update) == 1 }
        return try await transaction { connection in
            guard try await run(update, on: connection) == 1 else { return false }
            try await upgradePassword(upgrade, on: connection)
            return true
        }
    }

    public func touch(sessionID: String, expiresAt: Date) async throws {
        try await run("UPDATE sessions SET expires_at = \(Self.time(expiresAt)) WHERE id = \(sessionID)")
    }

    /// Ends the session, its grants and their refresh tokens, and queues the back-channel
    /// logout notices, in one transaction; only the revocation that actually ended the session
    /// queues them, however many instances revoke it at once.
    public func revoke(sessionID: String, at: Date) async throws {
        let now = Self.time(at)
        try await transaction { connection in
            let ended = try await run("""
                UPDATE sessions SET revoked_at = \(now) WHERE id = \(sessionID) AND revoked_at IS NULL RETURNING 1
                """, on: connection)
            if ended == 1 { try await queueLogoutDeliveries(sessionID: sessionID, at: at, on: connection) }
            try await run("""
                UPDATE refresh_tokens SET rotated_at = \(now)
                WHERE rotated_at IS NULL AND grant_id IN (SELECT id FROM grants WHERE session_id = \(sessionID))
                """, on: connection)
            try await run("""
                UPDATE grants SET revoked_at = \(now) WHERE session_id = \(sessionID) AND revoked_at IS NULL
                """, on: connection)
        }
    }

    public func sessions(userID: String) async throws -> [SSOSession] {
        try await rows("SELECT * FROM sessions WHERE user_id = \(userID) ORDER BY created_at DESC").map(RowCodec.session)
    }
}

extension PostgresStorage: LogoutDeliveryStore {
    /// One notice for every client with a back-channel logout URI that holds a grant issued
    /// under the session.
    func queueLogoutDeliveries(sessionID: String, at: Date, on connection: PostgresConnection) async throws {
        let targets = try await rows("""
            SELECT DISTINCT clients.id AS client_id, clients.backchannel_logout_uri AS uri, grants.user_id AS user_id
            FROM grants JOIN clients ON clients.id = grants.client_id
            WHERE grants.session_id = \(sessionID) AND clients.backchannel_logout_uri IS NOT NULL
            """, on: connection)
        for target in try targets.map(RowCodec.logoutTarget) {
            try await run("""
                INSERT INTO logout_deliveries (id, client_id, uri, user_id, session_id, next_attempt_at, created_at)
                VALUES (\(UUID().uuidString.lowercased()), \(target.clientID), \(target.uri), \(target.userID),
                    \(sessionID), \(Self.time(at)), \(Self.time(at)))
                """, on: connection)
        }
    }

    /// Due notices are leased with `FOR UPDATE SKIP LOCKED`: instances delivering at the same
    /// moment each take different rows and never wait on one another.
    public func claimLogoutDeliveries(at now: Date, leaseUntil: Date, limit: Int) async throws -> [LogoutDelivery] {
        try await rows("""
            UPDATE logout_deliveries SET next_attempt_at = \(Self.time(leaseUntil))
            WHERE id IN (
                SELECT id FROM logout_deliveries WHERE next_attempt_at <= \(Self.time(now))
                ORDER BY next_attempt_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING *
            """).map(RowCodec.logoutDelivery)
    }

    public func logoutDelivered(id: String) async throws {
        try await run("DELETE FROM logout_deliveries WHERE id = \(id)")
    }

    public func logoutFailed(id: String, error: String, retryAt: Date?) async throws {
        if let retryAt {
            try await run("""
                UPDATE logout_deliveries SET attempts = attempts + 1, last_error = \(String(error.prefix(500))),
                    next_attempt_at = \(Self.time(retryAt))
                WHERE id = \(id)
                """)
        } else {
            try await run("DELETE FROM logout_deliveries WHERE id = \(id)")
        }
    }
}

/// Interaction ids travel in URLs; only their digests are stored.
extension PostgresStorage: InteractionStore {
    public func insert(_ interaction: Interaction) async throws {
        let request = try Self.json(interaction.request)
        let upgrade = try interaction.pendingPasswordUpgrade.map(Self.json)
        try await run("""
            INSERT INTO interactions (id_digest, request, browser_binding, created_at, expires_at, session_id,
                pending_user_id, pending_password_upgrade, return_to)
            VALUES (\(SecretDigest.sha256(interaction.id)), \(request), \(interaction.browserBinding),
                \(Self.time(interaction.createdAt)), \(Self.time(interaction.expiresAt)), \(interaction.sessionID),
                \(interaction.pendingUserID), \(upgrade), \(interaction.returnTo))
            """)
    }

    public func interaction(id: String) async throws -> Interaction? {
        try await row("SELECT * FROM interactions WHERE id_digest = \(SecretDigest.sha256(id))")
            .map { try RowCodec.interaction($0, id: id) }
    }

    public func update(_ interaction: Interaction) async throws {
        let request = try Self.json(interaction.request)
        let upgrade = try interaction.pendingPasswordUpgrade.map(Self.json)
        try await run("""
            UPDATE interactions SET request = \(request), session_id = \(interaction.sessionID),
                pending_user_id = \(interaction.pendingUserID), pending_password_upgrade = \(upgrade),
                return_to = \(interaction.returnTo)
            WHERE id_digest = \(SecretDigest.sha256(interaction.id))
            """)
    }

    public func removeInteraction(id: String) async throws {
        try await run("DELETE FROM interactions WHERE id_digest = \(SecretDigest.sha256(id))")
    }
}
