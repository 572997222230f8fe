import Foundation
import GRDB
import SSOCore
import SSOStorageRows

extension SQLiteStorage: ThrottleStore {
    public func throttleState(key: String) async throws -> ThrottleState? {
        try lookup { db in
            try Row.fetchOne(db, cached: "SELECT * FROM throttles WHERE key = ?", arguments: [key]) { row in
                try RowCodec.throttle(row)
            }
        }
    }

    public func lockedThrottles(at now: Date) async throws -> [String: Date] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db, cached: "SELECT key, locked_until FROM throttles WHERE locked_until > ?", arguments: [Self.time(now)]
            ) { row in try RowCodec.throttleLock(row) }
            var locks: [String: Date] = [:]
            for (key, until) in rows where locks[key] == nil { locks[key] = until }
            return locks
        }
    }

    public func recordThrottleEvent(
        key: String, at: Date, windowStart: Date, lockUntil: @Sendable (Int) -> Date?
    ) async throws -> ThrottleState {
        try await pool.write { db in
            let previous = try Row.fetchOne(db, cached: "SELECT * FROM throttles WHERE key = ?",
                                            arguments: [key]) { row in try RowCodec.throttle(row) }
            var count = 1
            if let previous, previous.updatedAt >= windowStart { count = previous.count + 1 }
            let state = ThrottleState(count: count, lockedUntil: lockUntil(count), updatedAt: at)
            try db.execute(
                cached: "INSERT OR REPLACE INTO throttles (key, count, locked_until, updated_at) VALUES (?, ?, ?, ?)",
                arguments: [key, count, Self.time(state.lockedUntil), Self.time(at)])
            return state
        }
    }

    /// One `INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING` per counted key, all in
    /// one write transaction (SQLite's one writer orders every reservation, on every
    /// connection and process); a key that refuses rolls the others back. Checked keys are
    /// read in the same transaction, so a check comes after every reservation before it.
    public func reserveThrottle(_ limits: [ThrottleLimit], at now: Date) async throws -> ThrottleReservationResult {
        do {
            return try await pool.write { db in
                var states: [String: ThrottleState] = [:]
                for limit in limits {
                    guard let policy = limit.policy else {
                        if let lock = try Self.lock(limit.key, db: db), lock > Self.time(now) {
                            throw Refusal(key: limit.key, until: lock)
                        }
                        continue
                    }
                    let windowStart = Self.time(now.addingTimeInterval(-policy.window))
                    let arguments: StatementArguments = [
                        "key": limit.key, "now": Self.time(now), "windowStart": windowStart, "allowed": policy.allowed,
                        "base": policy.baseDelay, "maximum": policy.maximumDelay, "strict": limit.strictWhileLocked,
                    ]
                    guard let row = try Row.fetchOne(db.cachedStatement(sql: Self.reserveSQL), arguments: arguments) else {
                        throw try Self.refusal(limit, windowStart: windowStart, now: Self.time(now), db: db)
                    }
                    states[limit.key] = try RowCodec.throttle(row, updatedAt: now)
                }
                return .granted(states)
            }
        } catch let refusal as Refusal {
            return .refused(key: refusal.key, until: Date(timeIntervalSince1970: refusal.until))
        }
    }

    private struct Refusal: Error {
        var key: String
        var until: Double
    }

    /// The count after this event (from one again when the last is older than the window),
    /// and the lock it sets: `ThrottlePolicy.lock(after:from:)` in SQL. Refused, with no row
    /// returned, while the key is locked, or strict (it has an event in its window and the
    /// `strict` key is locked).
    static let reserveSQL = """
        INSERT INTO throttles (key, count, locked_until, updated_at)
        VALUES (:key, 1, CASE WHEN :allowed <= 1 THEN :now + min(:base, :maximum) END, :now)
        ON CONFLICT (key) DO UPDATE SET
            count = \(newCount),
            locked_until = CASE WHEN \(newCount) >= :allowed
                THEN :now + min(:base * (1 << min(\(newCount) - :allowed, 20)), :maximum) END,
            updated_at = excluded.updated_at
        WHERE (throttles.locked_until IS NULL OR throttles.locked_until <= :now)
            AND NOT (throttles.count > 0 AND throttles.updated_at >= :windowStart
                     AND EXISTS (SELECT 1 FROM throttles AS strict WHERE strict.key = :strict AND strict.locked_until > :now))
        RETURNING count, locked_until
        """
    private static let newCount = "(CASE WHEN throttles.updated_at >= :windowStart THEN throttles.count + 1 ELSE 1 END)"

    /// The running lock of `key` (its `locked_until`), if its row has one.
    private static func lock(_ key: String, db: Database) throws -> Double? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT locked_until FROM throttles WHERE key = ?"), arguments: [key])
            .flatMap { try Columns($0, table: "throttles").optionalDouble("locked_until") }
    }

    /// Why `limit` refused: its own lock, or else the lock of the key that made it strict.
    private static func refusal(_ limit: ThrottleLimit, windowStart: Double, now: Double, db: Database) throws -> Refusal {
        if let own = try lock(limit.key, db: db), own > now { return Refusal(key: limit.key, until: own) }
        if let strict = limit.strictWhileLocked, let strictLock = try lock(strict, db: db), strictLock > now {
            return Refusal(key: strict, until: strictLock)
        }
        return Refusal(key: limit.key, until: now + 1)
    }

    public func releaseThrottle(key: String, lockedUntil: Date?) async throws -> Date? {
        try await pool.write { db in
            let row = try Row.fetchOne(db.cachedStatement(sql: """
                UPDATE throttles SET count = max(count - 1, 0),
                    locked_until = CASE WHEN abs(locked_until - :lock) < 0.001 THEN NULL ELSE locked_until END
                WHERE key = :key
                RETURNING locked_until
                """), arguments: ["key": key, "lock": Self.time(lockedUntil)])
            return try row.flatMap { try Columns($0, table: "throttles").optionalDate("locked_until") }
        }
    }

    public func clearThrottle(key: String) async throws {
        try await pool.write { db in try db.execute(cached: "DELETE FROM throttles WHERE key = ?", arguments: [key]) }
    }
}
