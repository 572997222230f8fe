import Foundation
import GRDB
import SSOCore
import SSOStorageRows

/// The audit trail: every security event in one table, for `sso` tooling and investigations.
extension SQLiteStorage: SecurityEventStore {
    public func appendSecurityEvent(_ event: SecurityEvent) async throws {
        try await appendSecurityEvents([event])
    }

    public func appendSecurityEvents(_ events: [SecurityEvent]) async throws {
        try await commits.write { db in
            let insert = try db.cachedStatement(
                sql: "INSERT INTO security_events (kind, at, user_id, client_id, detail) VALUES (?, ?, ?, ?, ?)")
            for event in events {
                try insert.execute(
                    arguments: [event.kind.rawValue, Self.time(event.at), event.userID, event.clientID, event.detail])
            }
        }
    }

    /// The newest events first, `limit` at most.
    public func securityEvents(limit: Int = 100) async throws -> [SecurityEvent] {
        try await pool.read { db in
            try Row.fetchAll(db, cached: "SELECT * FROM security_events ORDER BY id DESC LIMIT ?", arguments: [limit],
                             RowCodec.securityEvent)
        }
    }
}
