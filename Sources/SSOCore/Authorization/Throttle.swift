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

    /// `allowed` failures in an hour; the last locks for 30 s, each further one doubles the
    /// lock up to 15 minutes.
    public static func failures(_ allowed: Int) -> ThrottlePolicy {
        ThrottlePolicy(allowed: allowed, baseDelay: 30, maximumDelay: 900, window: 3600)
    }

    /// `allowed` requests a minute, then a minute's wait.
    public static func perMinute(_ allowed: Int) -> ThrottlePolicy {
        ThrottlePolicy(allowed: allowed, baseDelay: 60, maximumDelay: 60, window: 60)
    }

    /// The lock after the `count`-th event, if any (the stores compute the same in SQL).
    public func lock(after count: Int, from now: Date) -> Date? {
        guard count >= allowed else { return nil }
        let doublings = min(count - allowed, 20)
        return now.addingTimeInterval(min(baseDelay * pow(2, Double(doublings)), maximumDelay))
    }
}

/// Counts failures (or requests) per key and says when a key is locked.
///
/// Only failures count (wrong passwords, bad client secrets, invalid grants, forged federation
/// states), so that legitimate traffic at full speed is never throttled.
public struct Throttle: Sendable {
    let store: any ThrottleStore
    let clock: any SSOClock
    public let limits: AbuseLimits
    /// Shared by every copy of this throttle.
    let locks = ThrottleLocks()

    public init(store: any ThrottleStore, clock: any SSOClock, limits: AbuseLimits = AbuseLimits()) {
        self.store = store
        self.clock = clock
        self.limits = limits
    }

    /// Throws `too_many_attempts` (429, with the wait) when any of `keys` is locked.
    public func check(_ keys: String?...) async throws {
        if let wait = try await retryAfter(keys.compactMap { $0 }) { throw OAuthError.tooManyAttempts(retryAfter: wait) }
    }

    /// Runs `body` unless `key` is locked, and counts its failures with one of `codes` against
    /// `key` under `policy`. Storage trouble while counting never hides the request's own answer.
    public func guarding<T: Sendable>(
        _ key: String?, policy: ThrottlePolicy, counting codes: Set<OAuthError.Code>,
        _ body: () async throws -> T
    ) async throws -> T {
        guard let key else { return try await body() }
        try await check(key)
        do {
            return try await body()
        } catch let error as OAuthError where codes.contains(error.code) {
            await fail(key, policy: policy)
            throw error
        }
    }

    /// Counts one failure of `key` (none when `nil`); the state after it, or `nil` when there is
    /// no key or the store failed: a storage error never hides the answer to the request itself.
    @discardableResult
    public func fail(_ key: String?, policy: ThrottlePolicy) async -> ThrottleState? {
        guard let key else { return nil }
        return try? await record(key, policy: policy)
    }

    /// Seconds until `key` may try again, or `nil` when it is not locked.
    public func retryAfter(_ key: String) async throws -> Int? { try await retryAfter([key]) }

    /// Seconds until every one of `keys` may try again (the longest lock); `nil` when none is
    /// locked. Locks are read through `ThrottleLocks`: a lock from another instance shows
    /// within a second, this process's own at once.
    private func retryAfter(_ keys: [String]) async throws -> Int? {
        guard !keys.isEmpty else { return nil }
        let now = clock.now()
        let locked = try await locks.current(store, now: now)
        let remaining = keys.compactMap { locked[$0]?.timeIntervalSince(now) }.max()
        guard let remaining, remaining > 0 else { return nil }
        return Int(remaining.rounded(.up))
    }

    /// Counts one event for `key` under `policy`.
    @discardableResult
    public func record(_ key: String, policy: ThrottlePolicy) async throws -> ThrottleState {
        let now = clock.now()
        let state = try await store.recordThrottleEvent(
            key: key, at: now, windowStart: now.addingTimeInterval(-policy.window),
            lockUntil: { count in policy.lock(after: count, from: now) })
        locks.changed(key, until: state.lockedUntil)
        return state
    }

    public func clear(_ key: String) async throws {
        try await store.clearThrottle(key: key)
        locks.changed(key, until: nil)
    }

    public static func accountKey(_ login: String) -> String { "account:" + login.lowercased() }
    /// Sign-in failures of one address.
    public static func addressKey(_ address: String?) -> String? { address.map { "address:" + $0 } }
    /// Token, introspection and revocation failures of one address.
    public static func tokenAddressKey(_ address: String?) -> String? { address.map { "token-address:" + $0 } }
    /// Failed federation callbacks of one address.
    public static func federationAddressKey(_ address: String?) -> String? { address.map { "federation-address:" + $0 } }
    /// Wrong user codes entered on the device verification page from one address.
    public static func userCodeAddressKey(_ address: String?) -> String? { address.map { "user-code-address:" + $0 } }
    /// Failed authentications of one client (capped: the id comes from the request).
    public static func clientKey(_ clientID: String) -> String { "client:" + clientID.prefix(200) }
}

/// The failure limits, each an option of `sso serve`.
public struct AbuseLimits: Sendable, Equatable {
    /// Failed sign-ins (password or TOTP) per account.
    public var loginAccount: ThrottlePolicy
    /// Failed sign-ins per client address: more room, as offices share addresses.
    public var loginAddress: ThrottlePolicy
    /// Failed token, introspection and revocation requests per address (bad client
    /// credentials, invalid grants).
    public var tokenAddress: ThrottlePolicy
    /// Failed authentications per client.
    public var clientAuthentication: ThrottlePolicy
    /// Failed federation callbacks per address (forged or replayed states, refused codes).
    public var federationAddress: ThrottlePolicy
    /// Requests to the legacy 2factor probe per address (every request counts: it answers
    /// whether an account has TOTP).
    public var probe: ThrottlePolicy
    /// Wrong user codes per address on the device verification page (RFC 8628 section 5.1:
    /// the short code must not be guessable by trying).
    public var userCodeAddress: ThrottlePolicy

    public init(
        loginFailuresPerAccount: Int = 5, loginFailuresPerAddress: Int = 20, tokenFailuresPerAddress: Int = 50,
        clientAuthFailures: Int = 20, federationFailuresPerAddress: Int = 20, probesPerMinute: Int = 30,
        userCodeFailuresPerAddress: Int = 10
    ) {
        loginAccount = .failures(loginFailuresPerAccount)
        loginAddress = .failures(loginFailuresPerAddress)
        tokenAddress = .failures(tokenFailuresPerAddress)
        clientAuthentication = .failures(clientAuthFailures)
        federationAddress = .failures(federationFailuresPerAddress)
        probe = .perMinute(probesPerMinute)
        userCodeAddress = .failures(userCodeFailuresPerAddress)
    }
}
