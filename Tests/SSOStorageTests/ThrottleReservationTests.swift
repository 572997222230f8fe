import Foundation
import SSOCore
import SSOTesting
import Testing

/// The reservation statement of every store: attempts counted before they are verified, under
/// concurrency, on two instances of one database.
@Suite("Throttle reservations")
struct ThrottleReservationTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = ThrottlePolicy(allowed: 5, baseDelay: 30, maximumDelay: 900, window: 3600)


    func granted(_ result: ThrottleReservationResult) -> [String: ThrottleState]? {
        if case .granted(let states) = result { return states }
        return nil
    }

    @Test("of 50 reservations at once with room for 5, exactly 5 are granted; the 5th sets the lock the others wait for",
          arguments: Backend.available)
    func concurrentReservations(_ backend: Backend) async throws {
        let (first, another) = try await backend.open()
        let stores = [first, try await another()]
        let (now, policy) = (self.now, self.policy)
        let results = try await race(50, stores) { store, _ in
            try await store.reserveThrottle([ThrottleLimit(key: "k", policy: policy)], at: now)
        }
        let counts = results.compactMap { granted($0)?["k"]?.count }
        #expect(counts.sorted() == [1, 2, 3, 4, 5])
        let lock = try #require(policy.lock(after: 5, from: now))
        for result in results where granted(result) == nil {
            guard case .refused(let key, let until) = result else { continue }
            #expect(key == "k")
            #expect(abs(until.timeIntervalSince(lock)) < 0.001)
        }
        #expect(try await first.throttleState(key: "k")?.count == 5)
        #expect(try await stores[1].lockedThrottles(at: now).keys.contains("k"))
    }

    @Test("a reservation of several keys is all or none: a refusing key counts nothing on the others",
          arguments: Backend.available)
    func allOrNone(_ backend: Backend) async throws {
        let (first, another) = try await backend.open()
        let stores = [first, try await another()]
        let (now, policy) = (self.now, self.policy)
        let roomy = ThrottlePolicy.failures(100)
        let results = try await race(40, stores) { store, _ in
            try await store.reserveThrottle(
                [ThrottleLimit(key: "wide", policy: roomy), ThrottleLimit(key: "narrow", policy: policy)], at: now)
        }
        #expect(results.compactMap(granted).count == 5)
        #expect(try await first.throttleState(key: "wide")?.count == 5)
        #expect(try await first.throttleState(key: "narrow")?.count == 5)
    }

    @Test("the lock a reservation sets follows the policy: the limit's count locks, each further one doubles it",
          arguments: Backend.available)
    func locksFollowThePolicy(_ backend: Backend) async throws {
        let store = try await backend.store()
        var at = now
        for count in 1...12 {
            let states = try #require(granted(try await store.reserveThrottle([ThrottleLimit(key: "k", policy: policy)], at: at)))
            let state = try #require(states["k"])
            #expect(state.count == count)
            let expected = policy.lock(after: count, from: at)
            #expect((state.lockedUntil == nil) == (expected == nil), "count \(count)")
            if let lock = state.lockedUntil, let expected {
                #expect(abs(lock.timeIntervalSince(expected)) < 0.001, "count \(count)")
                // Refused until the lock ends, counting nothing.
                #expect(try await store.reserveThrottle([ThrottleLimit(key: "k", policy: policy)],
                                                        at: lock.addingTimeInterval(-1)) == .refused(key: "k", until: lock))
                at = lock
            }
        }
        // Past the window the count starts again from one.
        let later = try #require(granted(try await store.reserveThrottle(
            [ThrottleLimit(key: "k", policy: policy)], at: at.addingTimeInterval(3601))))
        #expect(later["k"]?.count == 1)
    }

    @Test("a release gives the event back and lifts the lock it set, but not a lock set by another",
          arguments: Backend.available)
    func release(_ backend: Backend) async throws {
        let store = try await backend.store()
        let limit = ThrottleLimit(key: "k", policy: policy)
        for _ in 1...4 { _ = try await store.reserveThrottle([limit], at: now) }
        let fifth = try #require(granted(try await store.reserveThrottle([limit], at: now))?["k"])
        #expect(fifth.lockedUntil != nil)
        // Another attempt waits while the fifth is verified...
        #expect(granted(try await store.reserveThrottle([limit], at: now)) == nil)
        // ...and passes once it turned out right.
        #expect(try await store.releaseThrottle(key: "k", lockedUntil: fifth.lockedUntil) == nil)
        #expect(try await store.throttleState(key: "k")?.count == 4)
        let again = try #require(granted(try await store.reserveThrottle([limit], at: now))?["k"])
        #expect(again.count == 5)
        // A release of an attempt that set no lock leaves the lock of another in place.
        #expect(try await store.releaseThrottle(key: "k", lockedUntil: nil) == again.lockedUntil)
        #expect(try await store.throttleState(key: "k")?.count == 4)
    }

    @Test("a checked key counts nothing and refuses while locked, and so refuses the keys counted with it",
          arguments: Backend.available)
    func checks(_ backend: Backend) async throws {
        let store = try await backend.store()
        let check = [ThrottleLimit(key: "k", policy: nil), ThrottleLimit(key: "other", policy: nil)]
        #expect(try await store.reserveThrottle(check, at: now) == .granted([:]))
        #expect(try await store.throttleState(key: "k") == nil)
        var lock: Date?
        for _ in 1...5 {
            lock = granted(try await store.reserveThrottle([ThrottleLimit(key: "k", policy: policy)], at: now))?["k"]?.lockedUntil
        }
        let until = try #require(lock)
        #expect(try await store.reserveThrottle(check, at: now) == .refused(key: "k", until: until))
        let mixed = [ThrottleLimit(key: "k", policy: nil), ThrottleLimit(key: "counted", policy: policy)]
        #expect(try await store.reserveThrottle(mixed, at: now) == .refused(key: "k", until: until))
        #expect(try await store.throttleState(key: "counted") == nil)
        #expect(try await store.reserveThrottle(check, at: until) == .granted([:]))
    }

    @Test("strict while another key is locked: a key with an event in its window refuses, one without passes once",
          arguments: Backend.available)
    func strict(_ backend: Backend) async throws {
        let store = try await backend.store()
        let lockAll = ThrottlePolicy.failures(1)
        let all = try #require(granted(try await store.reserveThrottle([ThrottleLimit(key: "all", policy: lockAll)], at: now)))
        let allLock = try #require(all["all"]?.lockedUntil)
        func attempt(_ key: String) async throws -> ThrottleReservationResult {
            try await store.reserveThrottle([ThrottleLimit(key: key, policy: policy, strictWhileLocked: "all")], at: now)
        }
        // An address that has not failed gets its try, and only one.
        #expect(granted(try await attempt("fresh"))?["fresh"]?.count == 1)
        #expect(try await attempt("fresh") == .refused(key: "all", until: allLock))
        // Once the lock of "all" ends, the key's own policy applies again.
        let after = try await store.reserveThrottle(
            [ThrottleLimit(key: "fresh", policy: policy, strictWhileLocked: "all")], at: allLock)
        #expect(granted(after)?["fresh"]?.count == 2)
    }
}

/// A store that counts the reservation statements it is asked for.
final class CountingThrottleStore: ThrottleStore, @unchecked Sendable {
    let inner: any ThrottleStore
    private let lock = NSLock()
    private var reservations = 0
    init(_ inner: any ThrottleStore) { self.inner = inner }
    var reserved: Int { lock.withLock { reservations } }

    func throttleState(key: String) async throws -> ThrottleState? { try await inner.throttleState(key: key) }
    func recordThrottleEvent(key: String, at: Date, windowStart: Date, lockUntil: @Sendable (Int) -> Date?) async throws
        -> ThrottleState
    {
        try await inner.recordThrottleEvent(key: key, at: at, windowStart: windowStart, lockUntil: lockUntil)
    }
    func reserveThrottle(_ limits: [ThrottleLimit], at now: Date) async throws -> ThrottleReservationResult {
        lock.withLock { reservations += 1 }
        return try await inner.reserveThrottle(limits, at: now)
    }
    func releaseThrottle(key: String, lockedUntil: Date?) async throws -> Date? {
        try await inner.releaseThrottle(key: key, lockedUntil: lockedUntil)
    }
    func clearThrottle(key: String) async throws { try await inner.clearThrottle(key: key) }
    func lockedThrottles(at now: Date) async throws -> [String: Date] { try await inner.lockedThrottles(at: now) }
}

@Suite("Settling a success")
struct SettleSuccessTests {
    @Test("a success on keys nobody contested costs no store statement; on a contested key it is settled in the store",
          arguments: Backend.available)
    func settle(_ backend: Backend) async throws {
        let store = CountingThrottleStore(try await backend.store())
        let throttle = Throttle(store: store, clock: TestClock())
        let quiet = "token-address:quiet-\(UUID().uuidString)"
        for _ in 0..<100 { try await throttle.settleSuccess([quiet]) }
        #expect(store.reserved == 0)

        let attacked = "token-address:attacked-\(UUID().uuidString)"
        let policy = ThrottlePolicy(allowed: 2, baseDelay: 30, maximumDelay: 900, window: 3600)
        try await throttle.countFailure([ThrottleLimit.counting(attacked, policy)])
        #expect(store.reserved == 1)
        try await throttle.settleSuccess([attacked])
        #expect(store.reserved == 2)
        // The second failure locks it: a success is refused from now on.
        try await throttle.countFailure([ThrottleLimit.counting(attacked, policy)])
        await #expect(throws: OAuthError.self) { try await throttle.settleSuccess([attacked]) }
        try await throttle.settleSuccess([quiet])
    }
}
