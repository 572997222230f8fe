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
///
/// A limit must hold however many attempts arrive at once, so an attempt is never first
/// checked and later counted (every attempt sent in parallel would pass the check). Instead:
/// - an expensive verification (a password hash, a TOTP code, a device user code, a
///   federation callback) is **reserved** first (`reserve`, `attempt`): one conditional store
///   statement counts it as a failure unless the key is locked, and the attempt that reaches
///   the limit sets the lock at once; an attempt that turns out not to be a failure gives its
///   event back (`release`). Beyond the limit nothing is verified.
/// - a cheap verification with no concurrency limit of its own (a client secret's digest, a
///   token lookup) runs first and is then **settled** in the store's order (`guarding`,
///   `reserve` with keys only checked): a failure is counted unless a key is locked, any other
///   answer is given only if no key is locked by then. Which attempts count is thus decided
///   by the store's order, not by how fast each check ran, and a burst of guesses beyond the
///   limit is answered 429, whatever each was.
public struct Throttle: Sendable {
    let store: any ThrottleStore
    let clock: any SSOClock
    public let limits: AbuseLimits
    /// Shared by every copy of this throttle.
    let locks = ThrottleLocks()
    /// The keys with counted events lately, shared likewise.
    let contested = ContestedKeys()

    public init(store: any ThrottleStore, clock: any SSOClock, limits: AbuseLimits = AbuseLimits()) {
        self.store = store
        self.clock = clock
        self.limits = limits
    }

    /// Throws `too_many_attempts` (429, with the wait) when any of `keys` is locked, as this
    /// process knows the locks (see `ThrottleLocks`): a cheap early refusal, not a limit by
    /// itself.
    public func check(_ keys: String?...) async throws {
        if let wait = try await retryAfter(keys.compactMap { $0 }) { throw OAuthError.tooManyAttempts(retryAfter: wait) }
    }

    /// Reserves one attempt against every limit (`nil`s are skipped), all or none; throws
    /// `too_many_attempts` when a key refuses. Keys with a policy count the attempt as a
    /// failure from now on: `release` gives it back when it was not one.
    public func reserve(_ limits: [ThrottleLimit?]) async throws -> ThrottleReservation {
        let limits = limits.compactMap { $0 }
        guard !limits.isEmpty else { return ThrottleReservation(states: [:]) }
        try await check(limits.map(\.key))
        let now = clock.now()
        contested.mark(limits.filter { $0.policy != nil }.map(\.key), at: now)
        switch try await store.reserveThrottle(limits, at: now) {
        case .granted(let states):
            for (key, state) in states where state.lockedUntil != nil { locks.changed(key, until: state.lockedUntil) }
            return ThrottleReservation(states: states)
        case .refused(let key, let until):
            locks.changed(key, until: until)
            throw OAuthError.tooManyAttempts(retryAfter: max(1, Int(until.timeIntervalSince(now).rounded(.up))))
        }
    }

    /// Gives back the events `reservation` counted (the attempt was not a failure), and forgets
    /// every count of the keys in `clearing` (a success that wipes the slate, such as a sign-in
    /// for the account and address it came from). Storage trouble here never hides the answer
    /// to the request itself.
    public func release(_ reservation: ThrottleReservation, clearing: Set<String> = []) async {
        for (key, state) in reservation.states {
            if clearing.contains(key) {
                try? await clear(key)
            } else {
                do {
                    let lock = try await store.releaseThrottle(key: key, lockedUntil: state.lockedUntil)
                    // The lock this reservation set is lifted (unless another took its place).
                    if state.lockedUntil != nil { locks.changed(key, until: lock) }
                } catch {}
            }
        }
    }

    /// Runs `body`, an expensive verification, under `limits`: reserved before it runs (a key
    /// over its limit refuses with `too_many_attempts` and `body` does not run), given back
    /// unless `isFailure` says its outcome was a failure.
    public func attempt<T: Sendable>(
        _ limits: [ThrottleLimit?], isFailure: (Result<T, any Error>) -> Bool, _ body: () async throws -> T
    ) async throws -> T {
        let reservation = try await reserve(limits)
        let outcome: Result<T, any Error>
        do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
        if !isFailure(outcome) { await release(reservation) }
        return try outcome.get()
    }

    /// Runs `body`, a cheap verification, and settles its outcome against `key`: an error with
    /// one of `codes` counts as a failure (429 instead when the key is locked by then), any
    /// other outcome is given only if the key is not locked by then. Storage trouble while
    /// counting a failure never hides the failure itself.
    public func guarding<T: Sendable>(
        _ key: String?, policy: ThrottlePolicy, counting codes: Set<OAuthError.Code>,
        _ body: () async throws -> T
    ) async throws -> T {
        guard let key else { return try await body() }
        try await check(key)
        let outcome: Result<T, any Error>
        do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
        if case .failure(let error as OAuthError) = outcome, codes.contains(error.code) {
            try await countFailure([ThrottleLimit(key: key, policy: policy)])
        } else {
            try await settleSuccess([key])
        }
        return try outcome.get()
    }

    /// Gives a verified success's answer only if none of `keys` is locked by now: against the
    /// store, in its order, when a key was contested lately (a failure or an attempt counted by
    /// this process within the hour), so that a right guess racing wrong ones past the limit
    /// is refused; else against the locks this process knows, which costs no statement on the
    /// path every legitimate request takes (a lock another instance set shows within a second).
    public func settleSuccess(_ keys: [String?]) async throws {
        let keys = keys.compactMap { $0 }
        guard !keys.isEmpty else { return }
        if contested.anyContested(keys, at: clock.now()) {
            _ = try await reserve(keys.map { ThrottleLimit(key: $0, policy: nil) })
        } else {
            try await check(keys)
        }
    }

    /// Counts a failure already verified against `limits` (all or none): throws
    /// `too_many_attempts` when a key is locked by now; storage trouble is swallowed, so the
    /// failure itself is answered. Returns the reservation (empty after storage trouble).
    @discardableResult
    public func countFailure(_ limits: [ThrottleLimit?]) async throws -> ThrottleReservation {
        do {
            return try await reserve(limits)
        } catch let error as OAuthError where error.code == .tooManyAttempts {
            throw error
        } catch {
            return ThrottleReservation(states: [:])
        }
    }

    /// Counts one failure of `key` (none when `nil`) that never refuses anything by itself (an
    /// alarm); the state after it, or `nil` when there is no key or the store failed.
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

    private func check(_ keys: [String]) async throws {
        if let wait = try await retryAfter(keys) { throw OAuthError.tooManyAttempts(retryAfter: wait) }
    }

    /// Counts one event for `key` under `policy`, unconditionally.
    @discardableResult
    public func record(_ key: String, policy: ThrottlePolicy) async throws -> ThrottleState {
        let now = clock.now()
        contested.mark([key], at: now)
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

    /// Keys name what they count, and the address comes first in a key of two parts (an
    /// address never holds `|`; a login or client id may).
    static func pair(_ address: String?, _ name: some StringProtocol) -> String { (address ?? "unknown") + "|" + name }

    /// Sign-in failures at one account from one address (an unknown address counts as one).
    public static func accountAddressKey(_ login: String, address: String?) -> String {
        "account-address:" + pair(address, login.lowercased().prefix(256))
    }
    /// Sign-in failures at one account from every address together.
    public static func accountKey(_ login: String) -> String { "account-all:" + login.lowercased().prefix(256) }
    /// Sign-in failures of one address.
    public static func addressKey(_ address: String?) -> String? { address.map { "address:" + $0 } }
    /// Token, introspection and revocation failures of one address.
    public static func tokenAddressKey(_ address: String?) -> String? { address.map { "token-address:" + $0 } }
    /// Failed federation callbacks of one address.
    public static func federationAddressKey(_ address: String?) -> String? { address.map { "federation-address:" + $0 } }
    /// Wrong user codes entered on the device verification page from one address.
    public static func userCodeAddressKey(_ address: String?) -> String? { address.map { "user-code-address:" + $0 } }
    /// Failed authentications of one client from one address (the id capped: it comes from
    /// the request).
    public static func clientAddressKey(_ clientID: String, address: String?) -> String {
        "client-address:" + pair(address, clientID.prefix(200))
    }
    /// Failed authentications of one client from every address together.
    public static func clientKey(_ clientID: String) -> String { "client:" + clientID.prefix(200) }
}

/// One attempt's events, reserved in the store: `Throttle.release` gives them back.
public struct ThrottleReservation: Sendable {
    /// The counted keys and their state after the reservation.
    public let states: [String: ThrottleState]

    /// Whether this reservation set `key`'s lock (its count reached the limit).
    public func locked(_ key: String?) -> Bool { key.flatMap { states[$0]?.lockedUntil } != nil }
}

extension ThrottleLimit {
    /// `key` counted under `policy`; `nil` without a key.
    public static func counting(_ key: String?, _ policy: ThrottlePolicy, strictWhileLocked: String? = nil) -> Self? {
        key.map { ThrottleLimit(key: $0, policy: policy, strictWhileLocked: strictWhileLocked) }
    }

    /// `key`'s lock checked, nothing counted; `nil` without a key.
    public static func checking(_ key: String?) -> Self? { key.map { ThrottleLimit(key: $0, policy: nil) } }
}

/// The failure limits, each an option of `sso serve`.
public struct AbuseLimits: Sendable, Equatable {
    /// Failed sign-ins (password or TOTP) at one account from one address: the lock refuses
    /// that address only, never the owner signing in from elsewhere.
    public var loginAccount: ThrottlePolicy
    /// Failed sign-ins at one account from every address together: past it the account is
    /// under a distributed attack, and while its lock lasts an address that already failed at
    /// the account within the window is refused for it (an address that did not is not).
    public var loginAccountAllAddresses: ThrottlePolicy
    /// Failed sign-ins per client address: more room, as offices share addresses.
    public var loginAddress: ThrottlePolicy
    /// Failed token, introspection and revocation requests per address (bad client
    /// credentials, invalid grants).
    public var tokenAddress: ThrottlePolicy
    /// Failed authentications of one client from one address (the lock refuses that address
    /// for that client, even with the right secret); the same count from every address
    /// together answers wrong secrets with 429 everywhere, never the right one.
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
        userCodeFailuresPerAddress: Int = 10, loginFailuresPerAccountAllAddresses: Int = 100
    ) {
        loginAccount = .failures(loginFailuresPerAccount)
        loginAccountAllAddresses = .failures(loginFailuresPerAccountAllAddresses)
        loginAddress = .failures(loginFailuresPerAddress)
        tokenAddress = .failures(tokenFailuresPerAddress)
        clientAuthentication = .failures(clientAuthFailures)
        federationAddress = .failures(federationFailuresPerAddress)
        probe = .perMinute(probesPerMinute)
        userCodeAddress = .failures(userCodeFailuresPerAddress)
    }
}
