import CHashMemory
import Foundation
import SSOCore
import Synchronization

/// Threads of their own for password hashes, with admission control.
///
/// A memory-hard hash holds a core and its memory for tens of milliseconds. Run on the Swift
/// concurrency pool or the event loops, a storm of sign-ins would starve every other request;
/// queued without bound, every sign-in in the storm would wait longer than its user does. So a
/// fixed number of threads (by default one per core) take hashes first come, first served, and
/// a hash is admitted only while the work already admitted can be finished within
/// `maximumWait` seconds (judged from the recent hashes' average duration); beyond that it is
/// refused at once with ``PasswordChecksBusy``, and the caller answers 503 with `Retry-After`.
/// Other requests (tokens, userinfo, discovery) never touch these threads.
public final class PasswordHashingPool: Sendable {
    public struct Limits: Sendable, Equatable {
        /// Threads hashing at once.
        public var threads: Int
        /// Seconds a newly admitted hash may expect to wait and run, at the recent average.
        public var maximumWait: Double

        public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount, maximumWait: Double = 2) {
            self.threads = max(1, threads)
            self.maximumWait = max(0, maximumWait)
        }
    }

    private struct Job {
        let work: @Sendable () -> Void
    }

    private struct State {
        var queue: [Job?] = []
        var head = 0
        /// Admitted and not yet finished (queued or running).
        var admitted = 0
        /// Exponentially weighted mean duration of a hash, in seconds.
        var meanDuration: Double
        /// The pool is gone: its threads end once the queue is empty.
        var stopping = false
    }

    /// What the threads share with the pool; they hold this, not the pool, so that a pool no
    /// longer used (a test's server) ends its threads.
    private final class Shared: Sendable {
        let state: Mutex<State>
        let available = DispatchSemaphore(value: 0)
        let idleRelease: Double

        init(meanDuration: Double, idleRelease: Double) {
            state = Mutex(State(meanDuration: meanDuration))
            self.idleRelease = idleRelease
        }

        func work() {
            // Argon2's memory stays with the thread between checks, and goes back to the system
            // when the thread has had nothing to do for `idleRelease` seconds.
            sso_hash_memory_keep()
            defer { sso_hash_memory_release() }
            while true {
                if available.wait(timeout: .now() + idleRelease) == .timedOut {
                    sso_hash_memory_release()
                    available.wait()
                }
                let job = state.withLock { state -> Job?? in
                    guard state.head < state.queue.count else { return state.stopping ? .none : .some(nil) }
                    let job = state.queue[state.head]
                    state.queue[state.head] = nil
                    state.head += 1
                    if state.head > 1024, state.head * 2 > state.queue.count {
                        state.queue.removeFirst(state.head)
                        state.head = 0
                    }
                    return job
                }
                guard let job else { return }
                job?.work()
            }
        }
    }

    public let limits: Limits
    private let shared: Shared

    /// `expectedDuration`: seconds one hash takes, until hashes have been timed. The threads are
    /// named `name-0`, `name-1`… (as `top -H` and a debugger show them; 15 bytes at most).
    /// `threadEnded` runs on each thread as it ends, once the pool is gone (for tests).
    /// `idleRelease`: seconds a thread waits for work before it gives its hash memory back (19 MiB
    /// at the baseline): held through a storm, not between the sign-ins of a quiet hour.
    public init(
        limits: Limits = Limits(), expectedDuration: Double, name: String = "password-hash",
        idleRelease: Double = 2, threadEnded: (@Sendable () -> Void)? = nil
    ) {
        self.limits = limits
        self.shared = Shared(meanDuration: max(0.000_1, expectedDuration), idleRelease: idleRelease)
        for index in 0..<limits.threads {
            Thread { [shared] in
                Thread.current.name = "\(name)-\(index)"
                shared.work()
                threadEnded?()
            }.start()
        }
    }

    deinit {
        shared.state.withLock { $0.stopping = true }
        for _ in 0..<limits.threads { shared.available.signal() }
    }

    /// Hashes that are queued or running now.
    public var admitted: Int { shared.state.withLock { $0.admitted } }

    /// Runs `work` on one of the pool's threads, or throws ``PasswordChecksBusy`` at once when the
    /// work already admitted would not be done within ``Limits/maximumWait``.
    public func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T {
        try admit()
        let shared = self.shared
        return await withCheckedContinuation { continuation in
            shared.state.withLock {
                $0.queue.append(Job {
                    let started = ContinuousClock.now
                    let result = work()
                    let duration = started.duration(to: .now)
                    let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
                    shared.state.withLock { state in
                        state.admitted -= 1
                        state.meanDuration = state.meanDuration * 0.9 + seconds * 0.1
                    }
                    continuation.resume(returning: result)
                })
            }
            shared.available.signal()
        }
    }

    /// The refusal a hash asked for now would get, without admitting it.
    public func refusal() -> PasswordChecksBusy? {
        do {
            try shared.state.withLock { state in try Self.check(state, limits: limits) }
            return nil
        } catch {
            return error as? PasswordChecksBusy
        }
    }

    private static func check(_ state: State, limits: Limits) throws {
        // The newcomer waits for the admitted work to drain through the threads, then runs.
        let threads = limits.threads
        let expected = Double(state.admitted / threads + 1) * state.meanDuration
        guard state.admitted < threads || expected <= limits.maximumWait else {
            throw PasswordChecksBusy(retryAfter: Int((Double(state.admitted) / Double(threads) * state.meanDuration).rounded(.up)))
        }
    }

    private func admit() throws {
        let limits = self.limits
        try shared.state.withLock { state in
            try Self.check(state, limits: limits)
            state.admitted += 1
        }
    }
}
