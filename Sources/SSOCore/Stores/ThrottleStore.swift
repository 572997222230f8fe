import Foundation

/// Counters of failures (or requests) per key within a time window, and the lock they lead to.
public struct ThrottleState: Sendable, Equatable {
    public var count: Int
    public var lockedUntil: Date?
    public var updatedAt: Date

    public init(count: Int, lockedUntil: Date?, updatedAt: Date) {
        self.count = count
        self.lockedUntil = lockedUntil
        self.updatedAt = updatedAt
    }
}

/// One key an attempt is held against.
public struct ThrottleLimit: Sendable, Equatable {
    public var key: String
    /// How the key counts; `nil` when the attempt is only checked against the key's lock and
    /// counts nothing.
    public var policy: ThrottlePolicy?
    /// While this other key is locked, `key` refuses as soon as it has one event in its window
    /// (and still admits a key with none).
    public var strictWhileLocked: String?

    public init(key: String, policy: ThrottlePolicy?, strictWhileLocked: String? = nil) {
        self.key = key
        self.policy = policy
        self.strictWhileLocked = strictWhileLocked
    }
}

/// What a store answered to a reservation.
public enum ThrottleReservationResult: Sendable, Equatable {
    /// Every counted key took one more event: its state after it, by key (with the lock when
    /// its new count reached the policy's limit).
    case granted([String: ThrottleState])
    /// `key` is locked until `until` (or strict while another key is locked): nothing was
    /// counted.
    case refused(key: String, until: Date)
}

/// Persistent counters for login throttling and rate limits, shared by every instance that
/// shares the store.
public protocol ThrottleStore: Sendable {
    func throttleState(key: String) async throws -> ThrottleState?
    /// In one transaction: counts one more event for `key` (starting again from one when the
    /// last event is older than `windowStart`) and sets the lock `lockUntil` computes from the new count.
    /// It never refuses: for counters that only raise an alarm.
    func recordThrottleEvent(
        key: String, at: Date, windowStart: Date, lockUntil: @Sendable (Int) -> Date?
    ) async throws -> ThrottleState
    /// Reserves one attempt against every limit, all or none, ordered with every other
    /// reservation of the same keys (on every instance):
    /// - refused, counting nothing, when a key is locked at `now`, or has an event in its
    ///   window while its `strictWhileLocked` key is locked;
    /// - otherwise each counted key takes one event as `recordThrottleEvent` counts it (from one
    ///   again past its window), and a new count at or past its policy's `allowed` sets the
    ///   policy's lock at once, so that no further attempt passes while this one is verified.
    /// Keys without a policy are only checked, but in the same order: a check made after a
    /// reservation of the same key sees it.
    func reserveThrottle(_ limits: [ThrottleLimit], at now: Date) async throws -> ThrottleReservationResult
    /// Gives back one reserved event of `key` (an attempt that turned out not to be a
    /// failure), and lifts the lock that reservation set (`lockedUntil`) if it is still the
    /// key's lock. Returns the key's lock afterwards.
    @discardableResult
    func releaseThrottle(key: String, lockedUntil: Date?) async throws -> Date?
    func clearThrottle(key: String) async throws
    /// Every key whose lock lasts beyond `now`, with the lock's end: the few rows a server
    /// checks requests against (`Throttle` reads them at most once a second).
    func lockedThrottles(at now: Date) async throws -> [String: Date]
}
