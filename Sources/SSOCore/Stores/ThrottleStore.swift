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

/// Persistent counters for login throttling and rate limits, shared by every instance that
/// shares the store.
public protocol ThrottleStore: Sendable {
    func throttleState(key: String) async throws -> ThrottleState?
    /// In one transaction: counts one more event for `key` (starting again from one when the
    /// last event is older than `windowStart`) and sets the lock `lockUntil` computes from the new count.
    func recordThrottleEvent(
        key: String, at: Date, windowStart: Date, lockUntil: @Sendable (Int) -> Date?
    ) async throws -> ThrottleState
    func clearThrottle(key: String) async throws
    /// Every key whose lock lasts beyond `now`, with the lock's end: the few rows a server
    /// checks requests against (`Throttle` reads them at most once a second).
    func lockedThrottles(at now: Date) async throws -> [String: Date]
}
