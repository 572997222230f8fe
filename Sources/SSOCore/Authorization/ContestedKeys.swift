import Foundation
import Synchronization

/// The throttle keys this process has counted a failure (or a reserved attempt) against within
/// the last hour: the keys under attack. A success on a key nobody contested is settled against
/// the locks this process knows (`ThrottleLocks`), with no store statement, so legitimate
/// traffic at full speed costs nothing; a success on a contested key is settled in the store's
/// order, so that no answer past a limit escapes it while guesses race.
///
/// Bounded: past `capacity` keys the oldest expire first; when that is not enough every key
/// counts as contested for an hour (the safe side) rather than any being forgotten.
final class ContestedKeys: Sendable {
    static let window: TimeInterval = 3600
    let capacity: Int

    private struct State {
        var since: [String: Date] = [:]
        var allUntil: Date?
    }

    private let state = Mutex(State())

    init(capacity: Int = 100_000) { self.capacity = capacity }

    func mark(_ keys: [String], at now: Date) {
        state.withLock { state in
            for key in keys { state.since[key] = now }
            guard state.since.count > capacity else { return }
            let cutoff = now.addingTimeInterval(-Self.window)
            state.since = state.since.filter { $0.value > cutoff }
            if state.since.count > capacity {
                state.since.removeAll(keepingCapacity: true)
                state.allUntil = now.addingTimeInterval(Self.window)
            }
        }
    }

    /// Whether any of `keys` saw a counted event within the window.
    func anyContested(_ keys: [String], at now: Date) -> Bool {
        state.withLock { state in
            if let until = state.allUntil, now < until { return true }
            let cutoff = now.addingTimeInterval(-Self.window)
            return keys.contains { state.since[$0].map { $0 > cutoff } ?? false }
        }
    }
}
