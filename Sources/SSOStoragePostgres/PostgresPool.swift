import Logging
import PostgresNIO
import SSOCore
import Synchronization

/// At most `size` PostgreSQL connections, opened when a statement needs one and kept open while
/// they work; callers beyond `size` wait their turn, first come first served.
///
/// Why not postgres-nio's own `PostgresClient` pool (1.33.2): when connections fail to open
/// while statements wait (a database restart or fail-over), it stops the process on a
/// precondition in its state machine (`createNewDemandConnectionIfPossible`, reached once a
/// failed connection is dropped below the pool's minimum; the cluster test caught it); with no
/// minimum it starts a sleeping idle-timer task each time a connection is returned (1.7 KB per
/// statement held until it fires, measured); and while the database is away it keeps
/// statements queued as it retries. This pool has no timers and no background task: a
/// statement that needs a connection opens one, and if the database cannot be reached that
/// statement fails with the reason, at once. A connection the server closed (a restart ends
/// them all) is noticed when it is returned or next taken, and replaced by a new one on demand.
///
/// Replaces: `PostgresClient` (postgres-nio's `ConnectionPoolModule`). Measured when it came in
/// (the benchmark on PostgreSQL, same two cores): refresh 855 → 986/s, start-up 438 → 154 ms,
/// memory unchanged; `PostgresPoolTests` reproduces the crash on the old pool (a role refused
/// logins and its sessions ended while statements arrive). No upstream issue names this
/// precondition; the closest, vapor/postgres-nio#657 (a queued lease stranded when the last
/// connection closes, fix proposed in #667), is about the same replacement path. It can go
/// when `PostgresClient` passes the outage test in `PostgresPoolTests` and the cluster test's
/// PostgreSQL restart, and releases a connection without starting a task.
final class PostgresPool: Sendable {
    /// Closed pools refuse new work.
    struct Closed: Error, CustomStringConvertible {
        var description: String { "The PostgreSQL connection pool is closed." }
    }

    private enum Grant: Sendable {
        /// An open connection handed over by the caller that returned it.
        case connection(PostgresConnection)
        /// A slot that was freed: open a connection in it.
        case slot
    }

    private struct Waiter: Sendable {
        let id: Int
        let continuation: CheckedContinuation<Grant, any Error>
    }

    private struct State {
        var idle: [PostgresConnection] = []
        /// Connections open, opening or leased: never more than `size`.
        var slotsInUse = 0
        var waiters: [Waiter] = []
        var nextID = 0
        var closed = false
    }

    let size: Int
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let state = Mutex(State())
    /// Runs when a caller has found no connection and no slot, before it waits: a seam for the
    /// test of a connection returned in between.
    private let beforeWaiting: (@Sendable () async -> Void)?

    init(configuration: PostgresConnection.Configuration, size: Int, logger: Logger,
         beforeWaiting: (@Sendable () async -> Void)? = nil) {
        self.configuration = configuration
        self.size = size
        self.logger = logger
        self.beforeWaiting = beforeWaiting
    }

    deinit { close() }

    /// Runs `body` on a connection of the pool, returned to it afterwards.
    ///
    /// - Throws: ``StoreUnavailable`` when no connection could be opened or the one in use was
    ///   lost (the database restarting, say); otherwise what `body` throws.
    func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await lease()
        do {
            let result = try await body(connection)
            release(connection)
            return result
        } catch {
            let lost = connection.isClosed
            release(connection)
            throw lost && !(error is StoreUnavailable) ? StoreUnavailable(reason: String(reflecting: error)) : error
        }
    }

    /// Closes the idle connections and refuses new work; leased connections close when returned.
    func close() {
        let (idle, waiters) = state.withLock { state -> ([PostgresConnection], [Waiter]) in
            state.closed = true
            defer { state.idle = []; state.waiters = [] }
            return (state.idle, state.waiters)
        }
        for connection in idle { Self.close(connection) }
        for waiter in waiters { waiter.continuation.resume(throwing: Closed()) }
    }

    private func lease() async throws -> PostgresConnection {
        let (grant, id) = try state.withLock { state -> (Grant?, Int) in
            guard !state.closed else { throw Closed() }
            state.nextID += 1
            return (Self.take(&state, size: size), state.nextID)
        }
        let granted: Grant
        if let grant {
            granted = grant
        } else {
            await beforeWaiting?()
            granted = try await wait(id: id)
        }
        switch granted {
        case .connection(let connection): return connection
        case .slot: return try await open(id: id)
        }
    }

    /// Under the lock: an idle connection that is still open, else a free slot (counted as in
    /// use from now on), else `nil`. Closed idle connections found on the way free their slots.
    private static func take(_ state: inout State, size: Int) -> Grant? {
        while let connection = state.idle.popLast() {
            if !connection.isClosed { return .connection(connection) }
            state.slotsInUse -= 1
        }
        guard state.slotsInUse < size else { return nil }
        state.slotsInUse += 1
        return .slot
    }

    /// Waits for a returned connection or a freed slot; cancelling the waiting task ends the
    /// wait with `CancellationError`.
    ///
    /// Whether to wait is decided again under the lock that queues the waiter: a connection
    /// returned (or a slot freed) after `lease` found none, but before the waiter was queued,
    /// went to the idle list with no waiter to hand it to, and would never wake this one.
    private func wait(id: Int) async throws -> Grant {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let answer: Result<Grant, any Error>? = state.withLock { state in
                    if state.closed { return .failure(Closed()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let grant = Self.take(&state, size: size) { return .success(grant) }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let answer { continuation.resume(with: answer) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Opens a connection in a slot already counted as in use; a failure frees the slot (for the
    /// next waiter to try) and reaches the caller as ``StoreUnavailable``.
    private func open(id: Int) async throws -> PostgresConnection {
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
        } catch {
            freeSlot()
            throw StoreUnavailable(reason: String(reflecting: error))
        }
    }

    /// A connection comes back: to the first waiter, to the idle list, or, closed, its slot
    /// freed.
    private func release(_ connection: PostgresConnection) {
        if connection.isClosed {
            freeSlot()
            return
        }
        let (waiter, closeIt) = state.withLock { state -> (Waiter?, Bool) in
            if state.closed {
                state.slotsInUse -= 1
                return (nil, true)
            }
            if !state.waiters.isEmpty { return (state.waiters.removeFirst(), false) }
            state.idle.append(connection)
            return (nil, false)
        }
        if closeIt { Self.close(connection) }
        waiter?.continuation.resume(returning: .connection(connection))
    }

    /// Closes `connection`, keeping it alive until it is closed (postgres-nio asserts that a
    /// connection is closed before it is released).
    private static func close(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    private func freeSlot() {
        let waiter = state.withLock { state -> Waiter? in
            guard !state.closed, !state.waiters.isEmpty else {
                state.slotsInUse -= 1
                return nil
            }
            return state.waiters.removeFirst()  // the slot passes to it, still counted
        }
        waiter?.continuation.resume(returning: .slot)
    }
}
