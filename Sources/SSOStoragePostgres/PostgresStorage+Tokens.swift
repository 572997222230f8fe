import Foundation
import PostgresNIO
import SSOCore
import SSOStorageRows

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
        try await row("SELECT * FROM authorization_codes WHERE digest = \(digest)").map(RowCodec.code)
    }

    /// One statement decides: its conditional UPDATE lets exactly one of concurrent redemptions
    /// on any instances see `consumed_at IS NULL` (the others wait on the row lock, re-check and
    /// change nothing), and the grant is inserted from the same statement only for that one.
    public func redeem(digest: String, creating grant: GrantRecord, at: Date) async throws -> CodeRedemption {
        let won = try await run("""
            WITH won AS (
                UPDATE authorization_codes SET consumed_at = \(Self.time(at)), grant_id = \(grant.id)
                WHERE digest = \(digest) AND consumed_at IS NULL RETURNING 1)
            \(insert: grant) FROM won RETURNING 1
            """)
        if won == 1 { return .redeemed }
        guard let row = try await row("SELECT consumed_at, grant_id FROM authorization_codes WHERE digest = \(digest)") else {
            return .notFound
        }
        return .alreadyConsumed(grantID: try RowCodec.codeRedemption(row).grantID)
    }
}

extension PostgresStorage: GrantStore {
    public func grant(id: String) async throws -> GrantRecord? {
        try await row("SELECT * FROM grants WHERE id = \(id)").map(RowCodec.grant)
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

    public func liveGrants(userID: String) async throws -> [GrantRecord] {
        try await rows("SELECT * FROM grants WHERE user_id = \(userID) AND revoked_at IS NULL ORDER BY created_at DESC")
            .map(RowCodec.grant)
    }

    static func insertGrant(_ grant: GrantRecord) -> PostgresQuery { "\(insert: grant)" }
}

extension PostgresStorage: RefreshTokenStore {
    public func insert(_ token: RefreshTokenRecord) async throws {
        try await run(Self.insertRefreshToken(token))
    }

    public func refreshToken(digest: String) async throws -> RefreshTokenRecord? {
        try await row("SELECT * FROM refresh_tokens WHERE digest = \(digest)").map(RowCodec.refreshToken)
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
            \(insert: replacement) FROM rotated RETURNING 1
            """) == 1
    }

    public func replay(digest: String, at now: Date) async throws -> SealedReplay? {
        try await row("""
            SELECT replay_sealed, replay_until FROM refresh_tokens
            WHERE digest = \(digest) AND replay_sealed IS NOT NULL AND replay_until > \(Self.time(now))
            """).map(RowCodec.replay)
    }

    static func insertRefreshToken(_ token: RefreshTokenRecord) -> PostgresQuery { "\(insert: token)" }
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
        try await row("SELECT * FROM reference_tokens WHERE digest = \(digest)").map(RowCodec.referenceToken)
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

/// The one statement that writes a grant, and the one that writes a refresh token: each is
/// written alone (`insertGrant`, `insertRefreshToken`, the bulk insert) and after the
/// conditional `UPDATE` that decides whether it is written at all (code and device-code
/// redemption, refresh rotation: `WITH won AS (UPDATE … RETURNING 1) \(insert: grant) FROM won`).
/// Values are selected rather than listed in `VALUES`, so that the same text takes a `FROM`.
extension PostgresQuery.StringInterpolation {
    mutating func appendInterpolation(insert grant: GrantRecord) {
        appendLiteral("""
            INSERT INTO grants (id, client_id, user_id, session_id, scopes, auth_time, methods, identity_provider,
                created_at, revoked_at)
            SELECT
            """)
        appendLiteral(" ")
        appendInterpolation(grant.id)
        appendLiteral(", ")
        appendInterpolation(grant.clientID)
        appendLiteral(", ")
        appendInterpolation(grant.userID)
        appendLiteral(", ")
        appendInterpolation(grant.sessionID)
        appendLiteral(", ")
        appendInterpolation(grant.scopes.description)
        appendLiteral(", ")
        appendInterpolation(PostgresStorage.time(grant.authTime))
        appendLiteral(", ")
        appendInterpolation(grant.methods.joined(separator: " "))
        appendLiteral(", ")
        appendInterpolation(grant.identityProvider)
        appendLiteral(", ")
        appendInterpolation(PostgresStorage.time(grant.createdAt))
        appendLiteral(", ")
        appendInterpolation(PostgresStorage.time(grant.revokedAt))
    }

    mutating func appendInterpolation(insert token: RefreshTokenRecord) {
        appendLiteral("""
            INSERT INTO refresh_tokens (digest, grant_id, client_id, user_id, scopes, created_at, expires_at, rotated_at)
            SELECT
            """)
        appendLiteral(" ")
        appendInterpolation(token.digest)
        appendLiteral(", ")
        appendInterpolation(token.grantID)
        appendLiteral(", ")
        appendInterpolation(token.clientID)
        appendLiteral(", ")
        appendInterpolation(token.userID)
        appendLiteral(", ")
        appendInterpolation(token.scopes.description)
        appendLiteral(", ")
        appendInterpolation(PostgresStorage.time(token.createdAt))
        appendLiteral(", ")
        appendInterpolation(PostgresStorage.time(token.expiresAt))
        appendLiteral(", ")
        appendInterpolation(PostgresStorage.time(token.rotatedAt))
    }
}
