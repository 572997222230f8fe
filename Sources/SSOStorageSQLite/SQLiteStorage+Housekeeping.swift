import Foundation
import GRDB
import SSOCore

extension SQLiteStorage: HousekeepingStore {
    public func purgeExpired(_ policy: PurgePolicy) async throws -> PurgeReport {
        let now = Self.time(policy.now)
        let tokenHorizon = now - policy.tokenRetention
        // Throttle counters outlive their longest window (an hour) unless a lock still runs.
        let throttleHorizon = now - 3600
        let deletions: [(String, String, StatementArguments)] = [
            ("authorization_codes", "expires_at < ?", [now]),
            ("interactions", "expires_at < ?", [now]),
            ("federation_states", "expires_at < ?", [now]),
            ("device_authorizations", "expires_at < ?", [now]),
            ("passkey_challenges", "expires_at < ?", [now]),
            ("sessions", "expires_at < ? OR absolute_expires_at < ?", [now, now]),
            ("reference_tokens", "expires_at < ? OR absolute_expires_at < ?", [now, now]),
            // Kept past expiry for the token lifetime: the last refresh token of a grant marks
            // its last issuance, and with it the grant's JWT access tokens still alive.
            ("refresh_tokens", "expires_at < ?", [tokenHorizon]),
            ("grants", """
                created_at < ?
                AND NOT EXISTS (SELECT 1 FROM refresh_tokens WHERE refresh_tokens.grant_id = grants.id)
                AND NOT EXISTS (SELECT 1 FROM reference_tokens WHERE reference_tokens.grant_id = grants.id)
                """, [tokenHorizon]),
            ("throttles", "updated_at < ? AND (locked_until IS NULL OR locked_until < ?)", [throttleHorizon, now]),
            ("security_events", "at < ?", [now - policy.auditRetention]),
        ]
        var report = PurgeReport()
        for (table, condition, arguments) in deletions {
            let bound = arguments + [policy.batchSize]
            let count = try await pool.write { db in
                try db.execute(
                    sql: "DELETE FROM \(table) WHERE rowid IN (SELECT rowid FROM \(table) WHERE \(condition) LIMIT ?)",
                    arguments: bound)
                return db.changesCount
            }
            if count > 0 { report.removed[table] = count }
        }
        // Answers kept for the refresh reuse grace window are dropped once it has passed.
        let cleared = try await pool.write { db in
            try db.execute(sql: """
                UPDATE refresh_tokens SET replay_sealed = NULL, replay_until = NULL
                WHERE rowid IN (SELECT rowid FROM refresh_tokens WHERE replay_until < ? LIMIT ?)
                """, arguments: [now, policy.batchSize])
            return db.changesCount
        }
        if cleared > 0 { report.removed["refresh_replays"] = cleared }
        return report
    }
}
