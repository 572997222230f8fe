import Foundation
import GRDB
import SSOCore
import SSOStorageRows

extension SQLiteStorage: ConsentStore {
    public func consentedScopes(userID: String, clientID: String) async throws -> ScopeSet {
        try lookup { db in
            try Row.fetchOne(db, cached: "SELECT scopes FROM consents WHERE user_id = ? AND client_id = ?",
                             arguments: [userID, clientID], RowCodec.consentedScopes) ?? ScopeSet([])
        }
    }

    public func recordConsent(userID: String, clientID: String, scopes: ScopeSet, at: Date) async throws {
        try await pool.write { db in
            let existing = try Row.fetchOne(
                db, cached: "SELECT scopes FROM consents WHERE user_id = ? AND client_id = ?", arguments: [userID, clientID],
                RowCodec.consentedScopes)
            let merged = (existing ?? ScopeSet([])).union(scopes)
            try db.execute(
                cached: "INSERT OR REPLACE INTO consents (user_id, client_id, scopes, updated_at) VALUES (?, ?, ?, ?)",
                arguments: [userID, clientID, merged.description, Self.time(at)]
            )
        }
    }

    public func consents(userID: String) async throws -> [Consent] {
        try await pool.read { db in
            try Row.fetchAll(db, cached: "SELECT * FROM consents WHERE user_id = ? ORDER BY updated_at DESC",
                             arguments: [userID], RowCodec.consent)
        }
    }

    public func withdrawConsent(userID: String, clientID: String, at: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(cached: "DELETE FROM consents WHERE user_id = ? AND client_id = ?", arguments: [userID, clientID])
            try db.execute(
                cached: """
                    UPDATE refresh_tokens SET rotated_at = ? WHERE rotated_at IS NULL AND grant_id IN
                        (SELECT id FROM grants WHERE user_id = ? AND client_id = ? AND revoked_at IS NULL)
                    """,
                arguments: [Self.time(at), userID, clientID])
            try db.execute(
                cached: "UPDATE grants SET revoked_at = ? WHERE user_id = ? AND client_id = ? AND revoked_at IS NULL",
                arguments: [Self.time(at), userID, clientID])
            return db.changesCount
        }
    }
}
