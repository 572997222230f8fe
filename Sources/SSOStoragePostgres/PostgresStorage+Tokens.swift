import Foundation
import PostgresNIO
import SSOCore

extension PostgresStorage: AuthorizationCodeStore {
    public func insert(_ code: AuthorizationCode) async throws {
        try await run(Self.insertCode(code))
    }

    static func insertCode(_ code: AuthorizationCode) -> PostgresQuery {
        """
        INSERT INTO authorization_codes (digest, client_id, redirect_uri, redirect_uri_sent, user_id, session_id,
            scopes, nonce, code_challenge, auth_time, methods, identity_provider, created_at, expires_at)
        VALUES (\(code.digest), \(code.clientID), \(code.redirectURI), \(code.redirectURIWasSent), \(code.userID),
            \(code.sessionID), \(code.scopes.description), \(code.nonce), \(code.codeChallenge), \(time(code.authTime)),
            \(code.methods.joined(separator: " ")), \(code.identityProvider), \(time(code.createdAt)),
            \(time(code.expiresAt)))
        """
    }

    public func code(digest: String) async throws -> AuthorizationCode? {
        guard let row = try await row("SELECT * FROM authorization_codes WHERE digest = \(digest)") else { return nil }
        return AuthorizationCode(
            digest: try row.value("digest"), clientID: try row.value("client_id"), redirectURI: try row.value("redirect_uri"),
            redirectURIWasSent: try row.value("redirect_uri_sent"), userID: try row.value("user_id"),
            sessionID: try row.value("session_id"), scopes: try row.scopes("scopes"), nonce: try row.value("nonce"),
            codeChallenge: try row.value("code_challenge"), authTime: try row.date("auth_time"),
            methods: try row.list("methods"), identityProvider: try row.value("identity_provider"),
            createdAt: try row.date("created_at"), expiresAt: try row.date("expires_at"),
            consumedAt: try row.optionalDate("consumed_at"), grantID: try row.value("grant_id"))
    }

    /// One statement decides: its conditional UPDATE lets exactly one of concurrent redemptions
    /// on any instances see `consumed_at IS NULL` (the others wait on the row lock, re-check and
    /// change nothing), and the grant is inserted from the same statement only for that one.
    public func redeem(digest: String, creating grant: GrantRecord, at: Date) async throws -> CodeRedemption {
        let won = try await run("""
            WITH won AS (
                UPDATE authorization_codes SET consumed_at = \(Self.time(at)), grant_id = \(grant.id)
                WHERE digest = \(digest) AND consumed_at IS NULL RETURNING 1)
            INSERT INTO grants (id, client_id, user_id, session_id, scopes, auth_time, methods, identity_provider,
                created_at, revoked_at)
            SELECT \(grant.id), \(grant.clientID), \(grant.userID), \(grant.sessionID), \(grant.scopes.description),
                \(Self.time(grant.authTime)), \(grant.methods.joined(separator: " ")), \(grant.identityProvider),
                \(Self.time(grant.createdAt)), \(Self.time(grant.revokedAt))
            FROM won RETURNING 1
            """)
        if won == 1 { return .redeemed }
        guard let row = try await row("SELECT grant_id FROM authorization_codes WHERE digest = \(digest)") else {
            return .notFound
        }
        return .alreadyConsumed(grantID: try row.value("grant_id"))
    }
}

extension PostgresStorage: GrantStore {
    public func grant(id: String) async throws -> GrantRecord? {
        guard let row = try await row("SELECT * FROM grants WHERE id = \(id)") else { return nil }
        return GrantRecord(
            id: try row.value("id"), clientID: try row.value("client_id"), userID: try row.value("user_id"),
            sessionID: try row.value("session_id"), scopes: try row.scopes("scopes"), authTime: try row.date("auth_time"),
            methods: try row.list("methods"), identityProvider: try row.value("identity_provider"),
            createdAt: try row.date("created_at"), revokedAt: try row.optionalDate("revoked_at"))
    }

    public func insertGrant(_ grant: GrantRecord) async throws {
        try await run(Self.insertGrant(grant))
    }

    /// Revokes the grant and, in the same transaction, ends every refresh token of its family.
    public func revokeGrant(id: String, at: Date) async throws {
        try await transaction { connection in
            try await run(
                "UPDATE grants SET revoked_at = \(Self.time(at)) WHERE id = \(id) AND revoked_at IS NULL", on: connection)
            try await run("""
                UPDATE refresh_tokens SET rotated_at = \(Self.time(at)) WHERE grant_id = \(id) AND rotated_at IS NULL
                """, on: connection)
        }
    }

    static func insertGrant(_ grant: GrantRecord) -> PostgresQuery {
        """
        INSERT INTO grants (id, client_id, user_id, session_id, scopes, auth_time, methods, identity_provider,
            created_at, revoked_at)
        VALUES (\(grant.id), \(grant.clientID), \(grant.userID), \(grant.sessionID), \(grant.scopes.description),
            \(time(grant.authTime)), \(grant.methods.joined(separator: " ")), \(grant.identityProvider),
            \(time(grant.createdAt)), \(time(grant.revokedAt)))
        """
    }
}

extension PostgresStorage: RefreshTokenStore {
    public func insert(_ token: RefreshTokenRecord) async throws {
        try await run(Self.insertRefreshToken(token))
    }

    public func refreshToken(digest: String) async throws -> RefreshTokenRecord? {
        guard let row = try await row("SELECT * FROM refresh_tokens WHERE digest = \(digest)") else { return nil }
        return RefreshTokenRecord(
            digest: try row.value("digest"), grantID: try row.value("grant_id"), clientID: try row.value("client_id"),
            userID: try row.value("user_id"), scopes: try row.scopes("scopes"), createdAt: try row.date("created_at"),
            expiresAt: try row.date("expires_at"), rotatedAt: try row.optionalDate("rotated_at"))
    }

    /// The same single statement as code redemption: one successor per token, whichever
    /// instances the concurrent requests reach.
    public func rotate(oldDigest: String, to replacement: RefreshTokenRecord, at: Date, replay: SealedReplay?)
        async throws -> Bool
    {
        try await run("""
            WITH rotated AS (
                UPDATE refresh_tokens SET rotated_at = \(Self.time(at)), replay_sealed = \(replay?.sealed),
                    replay_until = \(Self.time(replay?.until))
                WHERE digest = \(oldDigest) AND rotated_at IS NULL RETURNING 1)
            INSERT INTO refresh_tokens (digest, grant_id, client_id, user_id, scopes, created_at, expires_at, rotated_at)
            SELECT \(replacement.digest), \(replacement.grantID), \(replacement.clientID), \(replacement.userID),
                \(replacement.scopes.description), \(Self.time(replacement.createdAt)),
                \(Self.time(replacement.expiresAt)), \(Self.time(replacement.rotatedAt))
            FROM rotated RETURNING 1
            """) == 1
    }

    public func replay(digest: String, at now: Date) async throws -> SealedReplay? {
        guard let row = try await row("""
            SELECT replay_sealed, replay_until FROM refresh_tokens
            WHERE digest = \(digest) AND replay_sealed IS NOT NULL AND replay_until > \(Self.time(now))
            """)
        else { return nil }
        return SealedReplay(sealed: try row.value("replay_sealed"), until: try row.date("replay_until"))
    }

    static func insertRefreshToken(_ token: RefreshTokenRecord) -> PostgresQuery {
        """
        INSERT INTO refresh_tokens (digest, grant_id, client_id, user_id, scopes, created_at, expires_at, rotated_at)
        VALUES (\(token.digest), \(token.grantID), \(token.clientID), \(token.userID), \(token.scopes.description),
            \(time(token.createdAt)), \(time(token.expiresAt)), \(time(token.rotatedAt)))
        """
    }
}

extension PostgresStorage: ReferenceTokenStore {
    public func insert(_ token: ReferenceToken) async throws {
        try await run("""
            INSERT INTO reference_tokens (digest, grant_id, client_id, user_id, scopes, auth_time, session_id,
                created_at, expires_at, absolute_expires_at, sliding_ttl, audience)
            VALUES (\(token.digest), \(token.grantID), \(token.clientID), \(token.userID), \(token.scopes.description),
                \(Self.time(token.authTime)), \(token.sessionID), \(Self.time(token.createdAt)),
                \(Self.time(token.expiresAt)), \(Self.time(token.absoluteExpiresAt)), \(token.slidingTTL), \(token.audience))
            """)
    }

    public func referenceToken(digest: String) async throws -> ReferenceToken? {
        guard let row = try await row("SELECT * FROM reference_tokens WHERE digest = \(digest)") else { return nil }
        return ReferenceToken(
            digest: try row.value("digest"), grantID: try row.value("grant_id"), clientID: try row.value("client_id"),
            userID: try row.value("user_id"), scopes: try row.scopes("scopes"), authTime: try row.optionalDate("auth_time"),
            sessionID: try row.value("session_id"), createdAt: try row.date("created_at"),
            expiresAt: try row.date("expires_at"), absoluteExpiresAt: try row.optionalDate("absolute_expires_at"),
            slidingTTL: try row.value("sliding_ttl"), audience: try row.value("audience"))
    }

    public func slide(digest: String, to expiresAt: Date) async throws {
        try await run("""
            UPDATE reference_tokens SET expires_at = GREATEST(expires_at, \(Self.time(expiresAt))) WHERE digest = \(digest)
            """)
    }
}

extension PostgresStorage {
    /// Many grants, refresh tokens and codes in one transaction (fixtures, imports).
    public func bulkInsert(grants: [GrantRecord], refreshTokens: [RefreshTokenRecord], codes: [AuthorizationCode])
        async throws
    {
        try await transaction { connection in
            for grant in grants { try await run(Self.insertGrant(grant), on: connection) }
            for token in refreshTokens { try await run(Self.insertRefreshToken(token), on: connection) }
            for code in codes { try await run(Self.insertCode(code), on: connection) }
        }
    }
}
