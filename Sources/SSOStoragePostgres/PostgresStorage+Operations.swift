import Foundation
import PostgresNIO
import SSOCore
import SSOStorageRows

extension PostgresStorage: SigningKeyStore {
    public func signingKeys() async throws -> [SigningKeyRecord] {
        // A key of an algorithm this version does not know is left out (see RowCodec.signingKey).
        try await rows("SELECT * FROM signing_keys ORDER BY created_at, kid").compactMap(RowCodec.signingKey)
    }

    public func insert(_ key: SigningKeyRecord) async throws {
        try await run("""
            INSERT INTO signing_keys (kid, alg, sealed_private_key, public_key_pem, created_at, activates_at)
            VALUES (\(key.kid), \(key.algorithm.rawValue), \(key.sealedPrivateKey), \(key.publicKeyPEM),
                \(Self.time(key.createdAt)), \(Self.time(key.activatesAt)))
            """)
    }

    public func revokeSigningKey(kid: String, at: Date) async throws -> Bool {
        try await run("""
            UPDATE signing_keys SET revoked_at = \(Self.time(at)) WHERE kid = \(kid) AND revoked_at IS NULL RETURNING 1
            """) == 1
    }

    public func signingKeysVersion() async throws -> String {
        try await row("""
            SELECT count(*) || ':' || count(revoked_at) || ':' || coalesce(max(created_at), 0) || ':'
                || coalesce(max(activates_at), 0) || ':' || coalesce(max(revoked_at), 0) AS version FROM signing_keys
            """).map { try Columns($0, table: "signing_keys").string("version") } ?? ""
    }

    /// Whether anything was sealed with the key-encryption key: signing keys, TOTP seeds,
    /// upstream providers' client secrets.
    public func hasSealedSecrets() async throws -> Bool {
        try await row("""
            SELECT EXISTS (SELECT 1 FROM signing_keys) OR EXISTS (SELECT 1 FROM users WHERE totp_secret_sealed IS NOT NULL)
                OR EXISTS (SELECT 1 FROM providers) AS sealed
            """).map { try Columns($0, table: "signing_keys").bool("sealed") } ?? false
    }
}

/// The audit trail: every security event in one table, whichever instance recorded it.
extension PostgresStorage: SecurityEventStore {
    public func appendSecurityEvent(_ event: SecurityEvent) async throws {
        try await appendSecurityEvents([event])
    }

    /// One statement for the whole batch (the audit writer's group commit): arrays unnested.
    public func appendSecurityEvents(_ events: [SecurityEvent]) async throws {
        guard !events.isEmpty else { return }
        let kinds = events.map(\.kind.rawValue)
        let times = events.map { Self.time($0.at) }
        // Optional elements travel as JSON, so a missing user or client stays NULL.
        let users = try Self.json(events.map(\.userID))
        let clients = try Self.json(events.map(\.clientID))
        let details = try Self.json(events.map(\.detail))
        try await run("""
            INSERT INTO security_events (kind, at, user_id, client_id, detail)
            SELECT kind, at, users.value #>> '{}', clients.value #>> '{}', details.value #>> '{}'
            FROM unnest(\(kinds)::text[], \(times)::float8[]) WITH ORDINALITY AS e(kind, at, n)
            JOIN jsonb_array_elements(\(users)::jsonb) WITH ORDINALITY AS users(value, n) USING (n)
            JOIN jsonb_array_elements(\(clients)::jsonb) WITH ORDINALITY AS clients(value, n) USING (n)
            JOIN jsonb_array_elements(\(details)::jsonb) WITH ORDINALITY AS details(value, n) USING (n)
            ORDER BY n
            """)
    }

    public func securityEvents(limit: Int = 100) async throws -> [SecurityEvent] {
        try await rows("SELECT * FROM security_events ORDER BY id DESC LIMIT \(limit)").map(RowCodec.securityEvent)
    }
}

/// Rate-limit counters live in the database, so every instance counts the same failures.
extension PostgresStorage: ThrottleStore {
    public func throttleState(key: String) async throws -> ThrottleState? {
        try await row("SELECT * FROM throttles WHERE key = \(key)").map { try RowCodec.throttle($0) }
    }

    /// The count is incremented by one upsert (the row lock orders concurrent instances), and
    /// the lock the policy derives from it is written in the same transaction.
    public func recordThrottleEvent(
        key: String, at: Date, windowStart: Date, lockUntil: @Sendable (Int) -> Date?
    ) async throws -> ThrottleState {
        try await transaction { connection in
            let row = try await row("""
                INSERT INTO throttles (key, count, locked_until, updated_at) VALUES (\(key), 1, NULL, \(Self.time(at)))
                ON CONFLICT (key) DO UPDATE SET
                    count = CASE WHEN throttles.updated_at >= \(Self.time(windowStart)) THEN throttles.count + 1 ELSE 1 END,
                    updated_at = EXCLUDED.updated_at
                RETURNING count
                """, on: connection)
            let count = try row.map { try Columns($0, table: "throttles").int("count") } ?? 1
            let state = ThrottleState(count: count, lockedUntil: lockUntil(count), updatedAt: at)
            try await run(
                "UPDATE throttles SET locked_until = \(Self.time(state.lockedUntil)) WHERE key = \(key)", on: connection)
            return state
        }
    }

    /// One `INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING` per counted key: the row
    /// lock orders reservations of a key across instances, and the statement refuses, changing
    /// nothing, when the key is locked. Checked keys are read `FOR SHARE`, which waits for a
    /// reservation of the key under way, so a check comes after every reservation before it.
    /// Several keys run in one transaction, in byte order of their keys (as `COLLATE "C"`
    /// sorts), so that two transactions never wait for each other's rows.
    public func reserveThrottle(_ limits: [ThrottleLimit], at now: Date) async throws -> ThrottleReservationResult {
        let limits = limits.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        if limits.allSatisfy({ $0.policy == nil }) {
            // Checks alone: one statement, no transaction.
            let keys = limits.map(\.key)
            // Every row of the keys is locked, not only the locked ones: a row a reservation is
            // changing must be waited for, whatever it held before.
            let rows = try await rows("""
                SELECT key, locked_until FROM throttles WHERE key = ANY(\(keys)) ORDER BY key COLLATE "C" FOR SHARE
                """)
            return try Self.refusal(among: rows, at: now) ?? .granted([:])
        }
        if limits.count == 1, let limit = limits.first {
            return try await reserve(limit, at: now, on: nil)
        }
        do {
            return try await transaction { connection in
                var states: [String: ThrottleState] = [:]
                for limit in limits {
                    switch try await reserve(limit, at: now, on: connection) {
                    case .granted(let granted): states.merge(granted) { $1 }
                    case .refused(let key, let until): throw Refusal(key: key, until: until)
                    }
                }
                return ThrottleReservationResult.granted(states)
            }
        } catch let error as PostgresTransactionError {
            // A refusal rolled the transaction back: the other keys counted nothing.
            guard let refusal = error.closureError as? Refusal, error.rollbackError == nil else { throw error }
            return .refused(key: refusal.key, until: refusal.until)
        }
    }

    private struct Refusal: Error {
        var key: String
        var until: Date
    }

    /// The longest lock beyond `now` among `rows` (key, locked_until), as a refusal; `nil` when none.
    private static func refusal(among rows: [PostgresRandomAccessRow], at now: Date) throws -> ThrottleReservationResult? {
        var refusal: (key: String, until: Date)?
        for row in rows {
            let lock = try RowCodec.throttleLock(row)
            guard let until = lock.until, until > now else { continue }
            if refusal.map({ until > $0.until }) ?? true { refusal = (lock.key, until) }
        }
        return refusal.map { .refused(key: $0.key, until: $0.until) }
    }

    /// One key of a reservation: checked (`FOR SHARE`), or counted by the conditional upsert
    /// (`ThrottlePolicy.lock(after:from:)` in SQL), refused with no row returned while the key
    /// is locked or strict.
    private func reserve(_ limit: ThrottleLimit, at now: Date, on connection: PostgresConnection?) async throws
        -> ThrottleReservationResult
    {
        let time = Self.time(now)
        func run(_ query: PostgresQuery) async throws -> PostgresRandomAccessRow? {
            if let connection { return try await self.row(query, on: connection) }
            return try await self.row(query)
        }
        guard let policy = limit.policy else {
            let row = try await run("SELECT key, locked_until FROM throttles WHERE key = \(limit.key) FOR SHARE")
            return try Self.refusal(among: row.map { [$0] } ?? [], at: now) ?? .granted([:])
        }
        let windowStart = Self.time(now.addingTimeInterval(-policy.window))
        let (allowed, base, maximum) = (policy.allowed, policy.baseDelay, policy.maximumDelay)
        let newCount = "(CASE WHEN t.updated_at >= $6 THEN t.count + 1 ELSE 1 END)"
        var binds = PostgresBindings()
        binds.append(limit.key)            // $1
        binds.append(time)                 // $2
        binds.append(allowed)              // $3
        binds.append(base)                 // $4
        binds.append(maximum)              // $5
        binds.append(windowStart)          // $6
        binds.append(limit.strictWhileLocked)  // $7
        let upsert = PostgresQuery(unsafeSQL: """
            INSERT INTO throttles AS t (key, count, locked_until, updated_at)
            VALUES ($1, 1, CASE WHEN $3 <= 1 THEN $2 + LEAST($4, $5) END, $2)
            ON CONFLICT (key) DO UPDATE SET
                count = \(newCount),
                locked_until = CASE WHEN \(newCount) >= $3
                    THEN $2 + LEAST($4 * (1::bigint << LEAST(\(newCount) - $3, 20)::int)::double precision, $5) END,
                updated_at = EXCLUDED.updated_at
            WHERE (t.locked_until IS NULL OR t.locked_until <= $2)
                AND NOT (t.count > 0 AND t.updated_at >= $6
                         AND EXISTS (SELECT 1 FROM throttles AS s WHERE s.key = $7 AND s.locked_until > $2))
            RETURNING count, locked_until
            """, binds: binds)
        if let row = try await run(upsert) {
            return .granted([limit.key: try RowCodec.throttle(row, updatedAt: now)])
        }
        // Refused: the key's own lock, or else the lock of the key that made it strict.
        let strict = limit.strictWhileLocked ?? limit.key
        let rows: [PostgresRandomAccessRow]
        let query: PostgresQuery = """
            SELECT key, locked_until FROM throttles WHERE key IN (\(limit.key), \(strict)) AND locked_until > \(time)
            """
        if let connection { rows = try await self.rows(query, on: connection) } else { rows = try await self.rows(query) }
        let own = try rows.first { try RowCodec.throttleLock($0).key == limit.key }
        return try Self.refusal(among: own.map { [$0] } ?? rows, at: now)
            ?? .refused(key: limit.key, until: now.addingTimeInterval(1))
    }

    public func releaseThrottle(key: String, lockedUntil: Date?) async throws -> Date? {
        try await row("""
            UPDATE throttles SET count = GREATEST(count - 1, 0),
                locked_until = CASE WHEN abs(locked_until - \(Self.time(lockedUntil))) < 0.001 THEN NULL ELSE locked_until END
            WHERE key = \(key)
            RETURNING locked_until
            """).flatMap { try Columns($0, table: "throttles").optionalDate("locked_until") }
    }

    public func lockedThrottles(at now: Date) async throws -> [String: Date] {
        var locks: [String: Date] = [:]
        for row in try await rows("SELECT key, locked_until FROM throttles WHERE locked_until > \(Self.time(now))") {
            let lock = try RowCodec.throttleLock(row)
            locks[lock.key] = lock.until
        }
        return locks
    }

    public func clearThrottle(key: String) async throws {
        try await run("DELETE FROM throttles WHERE key = \(key)")
    }
}

extension PostgresStorage: HousekeepingStore {
    /// The SQLite store's purge, table by table, `batchSize` rows per statement so no purge
    /// holds locks for long; each instance may run it, and concurrent purges only share work.
    public func purgeExpired(_ policy: PurgePolicy) async throws -> PurgeReport {
        let now = Self.time(policy.now)
        // Every statement gets the same parameters: $1 now, $2 the token horizon (kept past
        // expiry for the access-token lifetime: the last refresh token of a grant marks its last
        // issuance), $3 the throttle horizon (an hour, the longest window), $4 the audit horizon,
        // $5 the batch size.
        var binds = PostgresBindings()
        binds.append(now)
        binds.append(now - policy.tokenRetention)
        binds.append(now - 3600)
        binds.append(now - policy.auditRetention)
        binds.append(policy.batchSize)
        let deletions: [(table: String, condition: String)] = [
            ("authorization_codes", "expires_at < $1"),
            ("interactions", "expires_at < $1"),
            ("federation_states", "expires_at < $1"),
            ("device_authorizations", "expires_at < $1"),
            ("passkey_challenges", "expires_at < $1"),
            ("sessions", "expires_at < $1 OR absolute_expires_at < $1"),
            ("reference_tokens", "expires_at < $1 OR absolute_expires_at < $1"),
            ("refresh_tokens", "expires_at < $2"),
            ("grants", """
                created_at < $2
                AND NOT EXISTS (SELECT 1 FROM refresh_tokens WHERE refresh_tokens.grant_id = grants.id)
                AND NOT EXISTS (SELECT 1 FROM reference_tokens WHERE reference_tokens.grant_id = grants.id)
                """),
            ("throttles", "updated_at < $3 AND (locked_until IS NULL OR locked_until < $1)"),
            ("security_events", "at < $4"),
        ]
        var report = PurgeReport()
        for (table, condition) in deletions {
            let count = try await run(PostgresQuery(unsafeSQL: """
                DELETE FROM \(table) WHERE ctid = ANY(ARRAY(
                    SELECT ctid FROM \(table) WHERE \(condition) LIMIT $5 FOR UPDATE SKIP LOCKED))
                RETURNING 1
                """, binds: binds))
            if count > 0 { report.removed[table] = count }
        }
        let cleared = try await run(PostgresQuery(unsafeSQL: """
            UPDATE refresh_tokens SET replay_sealed = NULL, replay_until = NULL
            WHERE ctid = ANY(ARRAY(
                SELECT ctid FROM refresh_tokens WHERE replay_until < $1 LIMIT $5 FOR UPDATE SKIP LOCKED))
            RETURNING 1
            """, binds: binds))
        if cleared > 0 { report.removed["refresh_replays"] = cleared }
        return report
    }
}
