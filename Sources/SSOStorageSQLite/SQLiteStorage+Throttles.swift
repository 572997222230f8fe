import Foundation
import GRDB
import SSOCore

extension SQLiteStorage: ThrottleStore {
    public func throttleState(key: String) async throws -> ThrottleState? {
        try lookup { db in
            try Row.fetchOne(db, cached: "SELECT * FROM throttles WHERE key = ?", arguments: [key]) { row in
                ThrottleState(count: row["count"], lockedUntil: Self.optionalDate(row, "locked_until"),
                              updatedAt: Self.date(row, "updated_at"))
            }
        }
    }

    public func lockedThrottles(at now: Date) async throws -> [String: Date] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db, cached: "SELECT key, locked_until FROM throttles WHERE locked_until > ?", arguments: [Self.time(now)]
            ) { row in (row["key"] as String, Self.date(row, "locked_until")) }
            return Dictionary(rows, uniquingKeysWith: { first, _ in first })
        }
    }

    public func recordThrottleEvent(
        key: String, at: Date, windowStart: Date, lockUntil: @Sendable (Int) -> Date?
    ) async throws -> ThrottleState {
        try await pool.write { db in
            let previous = try Row.fetchOne(db, cached: "SELECT count, updated_at FROM throttles WHERE key = ?",
                                            arguments: [key]) { row in (count: row["count"] as Int, at: Self.date(row, "updated_at")) }
            var count = 1
            if let previous, previous.at >= windowStart { count = previous.count + 1 }
            let state = ThrottleState(count: count, lockedUntil: lockUntil(count), updatedAt: at)
            try db.execute(
                cached: "INSERT OR REPLACE INTO throttles (key, count, locked_until, updated_at) VALUES (?, ?, ?, ?)",
                arguments: [key, count, Self.time(state.lockedUntil), Self.time(at)])
            return state
        }
    }

    public func clearThrottle(key: String) async throws {
        try await pool.write { db in try db.execute(cached: "DELETE FROM throttles WHERE key = ?", arguments: [key]) }
    }
}
