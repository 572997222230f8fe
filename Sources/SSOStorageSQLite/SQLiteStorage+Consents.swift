import Foundation
import GRDB
import SSOCore

extension SQLiteStorage: ConsentStore {
    public func consentedScopes(userID: String, clientID: String) async throws -> ScopeSet {
        try lookup { db in
            let text = try String.fetchOne(
                db, sql: "SELECT scopes FROM consents WHERE user_id = ? AND client_id = ?", arguments: [userID, clientID])
            return ScopeSet(stored: text ?? "")
        }
    }

    public func recordConsent(userID: String, clientID: String, scopes: ScopeSet, at: Date) async throws {
        try await pool.write { db in
            let existing = try String.fetchOne(
                db, sql: "SELECT scopes FROM consents WHERE user_id = ? AND client_id = ?", arguments: [userID, clientID])
            let merged = ScopeSet(stored: existing ?? "").union(scopes)
            try db.execute(
                cached: "INSERT OR REPLACE INTO consents (user_id, client_id, scopes, updated_at) VALUES (?, ?, ?, ?)",
                arguments: [userID, clientID, merged.description, Self.time(at)]
            )
        }
    }
}
