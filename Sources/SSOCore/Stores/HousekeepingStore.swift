import Foundation

/// What may be deleted, decided at one instant.
public struct PurgePolicy: Sendable, Equatable {
    public var now: Date
    /// The longest lifetime of an access or ID token. A grant (and its last refresh token) is
    /// kept this long after its last issuance, because JWT access tokens name their grant and
    /// are checked against it.
    public var tokenRetention: TimeInterval
    /// How long security events are kept.
    public var auditRetention: TimeInterval
    /// Rows deleted per table per transaction: small, so that no write lock is held long.
    public var batchSize: Int

    public init(now: Date, tokenRetention: TimeInterval, auditRetention: TimeInterval, batchSize: Int = 500) {
        self.now = now
        self.tokenRetention = tokenRetention
        self.auditRetention = auditRetention
        self.batchSize = batchSize
    }
}

/// How many rows one purge pass removed (or cleared), by kind.
public struct PurgeReport: Sendable, Equatable {
    public var removed: [String: Int] = [:]

    public init(removed: [String: Int] = [:]) { self.removed = removed }

    public var total: Int { removed.values.reduce(0, +) }
}

/// Removes what has expired: codes, interactions, sessions, federation states, tokens, grants
/// with nothing left alive, stale throttle counters, old audit events, refresh answers kept past
/// their grace window.
public protocol HousekeepingStore: Sendable {
    /// One batch per kind, each in its own short transaction. A kind that returns a full batch
    /// may have more; callers repeat until a pass removes less than a batch of every kind.
    func purgeExpired(_ policy: PurgePolicy) async throws -> PurgeReport
}
