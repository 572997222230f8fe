import Foundation
import Synchronization

/// The keys locked now, as this process knows them: read from the store at most once a second
/// (one query for every request of that second, instead of one per request on the token path,
/// where the check was a tenth of a refresh's time), and changed at once by this process's own
/// failures and clears. A lock set by another instance or by a command is seen within a
/// second; the counters themselves are always counted in the store, so no failure is lost.
final class ThrottleLocks: Sendable {
    static let refreshInterval: Duration = .seconds(1)

    private struct State {
        var locks: [String: Date] = [:]
        var readAt: ContinuousClock.Instant?
        /// Changes this process made, kept until a read that began after them replaces them.
        var local: [(key: String, until: Date?, at: ContinuousClock.Instant)] = []
    }

    private let state = Mutex(State())

    /// Every key locked beyond `now`, with its end.
    func current(_ store: any ThrottleStore, now: Date) async throws -> [String: Date] {
        let started = ContinuousClock.now
        let cached = state.withLock { state -> [String: Date]? in
            guard let readAt = state.readAt, started - readAt < Self.refreshInterval else { return nil }
            return state.locks
        }
        if let cached { return cached }
        let read = try await store.lockedThrottles(at: now)
        return state.withLock { state in
            // A change made while the read ran may be missing from it: keep those on top.
            state.local.removeAll { $0.at < started }
            var locks = read
            for change in state.local { locks[change.key] = change.until }
            state.locks = locks
            state.readAt = started
            return locks
        }
    }

    /// This process locked `key` until `until` (or cleared it, with `nil`).
    func changed(_ key: String, until: Date?) {
        state.withLock { state in
            state.locks[key] = until
            state.local.append((key, until, ContinuousClock.now))
        }
    }
}
