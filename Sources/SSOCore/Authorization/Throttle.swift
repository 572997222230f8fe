import Foundation

/// How many events a key may have in a window before it is locked, and for how long.
public struct ThrottlePolicy: Sendable, Equatable {
    /// Events allowed in the window; the last of them starts the first lock.
    public var allowed: Int
    /// The first lock; each further event doubles it, up to `maximumDelay`.
    public var baseDelay: TimeInterval
    public var maximumDelay: TimeInterval
    /// Events older than this no longer count.
    public var window: TimeInterval

    public init(allowed: Int, baseDelay: TimeInterval, maximumDelay: TimeInterval, window: TimeInterval) {
        self.allowed = allowed
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.window = window
    }

    /// Failed sign-ins per account: the fifth locks for 30 s, then 60 s, 120 s ... up to 15 minutes.
    public static let account = ThrottlePolicy(allowed: 5, baseDelay: 30, maximumDelay: 900, window: 3600)
    /// Failed sign-ins per client address: more room (offices share addresses), same growth.
    public static let address = ThrottlePolicy(allowed: 20, baseDelay: 30, maximumDelay: 900, window: 3600)
    /// Requests to a probe endpoint per address: 30 a minute.
    public static let probe = ThrottlePolicy(allowed: 30, baseDelay: 60, maximumDelay: 60, window: 60)

    /// The lock after the `count`-th event, if any.
    func lock(after count: Int, from now: Date) -> Date? {
        guard count >= allowed else { return nil }
        let doublings = min(count - allowed, 20)
        return now.addingTimeInterval(min(baseDelay * pow(2, Double(doublings)), maximumDelay))
    }
}

/// Counts failures (or requests) per key and says when a key is locked.
public struct Throttle: Sendable {
    let store: any ThrottleStore
    let clock: any SSOClock

    public init(store: any ThrottleStore, clock: any SSOClock) {
        self.store = store
        self.clock = clock
    }

    /// Seconds until `key` may try again, or `nil` when it is not locked.
    public func retryAfter(_ key: String) async throws -> Int? {
        guard let state = try await store.throttleState(key: key), let until = state.lockedUntil else { return nil }
        let remaining = until.timeIntervalSince(clock.now())
        return remaining > 0 ? Int(remaining.rounded(.up)) : nil
    }

    /// Counts one event for `key` under `policy`.
    @discardableResult
    public func record(_ key: String, policy: ThrottlePolicy) async throws -> ThrottleState {
        let now = clock.now()
        return try await store.recordThrottleEvent(
            key: key, at: now, windowStart: now.addingTimeInterval(-policy.window),
            lockUntil: { count in policy.lock(after: count, from: now) })
    }

    public func clear(_ key: String) async throws { try await store.clearThrottle(key: key) }

    public static func accountKey(_ login: String) -> String { "account:" + login.lowercased() }
    public static func addressKey(_ address: String?) -> String? { address.map { "address:" + $0 } }
}
