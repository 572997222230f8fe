import Foundation
import GRDB
import SSOCore
import SSOStorageRows

extension SQLiteStorage: AuthorizationCodeStore {
    public func insert(_ code: AuthorizationCode) async throws {
        try await pool.write { db in try Self.insertCode(code, db: db) }
    }

    static func insertCode(_ code: AuthorizationCode, db: Database) throws {
        try db.execute(
            cached: """
                INSERT INTO authorization_codes (digest, client_id, redirect_uri, redirect_uri_sent, user_id,
                    session_id, scopes, nonce, code_challenge, auth_time, methods, identity_provider, created_at,
                    expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                code.digest, code.clientID, code.redirectURI, code.redirectURIWasSent, code.userID, code.sessionID,
                code.scopes.description, code.nonce, code.codeChallenge, Self.time(code.authTime),
                code.methods.joined(separator: " "), code.identityProvider, Self.time(code.createdAt),
                Self.time(code.expiresAt),
            ]
        )
    }

    public func code(digest: String) async throws -> AuthorizationCode? {
        try lookup { db in
            try Row.fetchOne(db, cached: "SELECT * FROM authorization_codes WHERE digest = ?", arguments: [digest],
                             RowCodec.code)
        }
    }

    public func redeem(digest: String, creating grant: GrantRecord, at: Date) async throws -> CodeRedemption {
        try await commits.write { db in
            guard let code = try Row.fetchOne(
                db, cached: "SELECT consumed_at, grant_id FROM authorization_codes WHERE digest = ?", arguments: [digest],
                RowCodec.codeRedemption)
            else { return .notFound }
            if code.consumed { return .alreadyConsumed(grantID: code.grantID) }
            try Self.insertGrant(grant, db: db)
            try db.execute(
                cached: "UPDATE authorization_codes SET consumed_at = ?, grant_id = ? WHERE digest = ?",
                arguments: [Self.time(at), grant.id, digest]
            )
            return .redeemed
        }
    }
}
