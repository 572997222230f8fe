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
}
