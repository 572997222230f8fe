import GRDB
import Synchronization

/// Group commit for the hot writes (refresh rotation, code redemption, the audit trail).
///
/// Every token request ends in a small write transaction, and SQLite has one writer: under load
/// the requests queue for it anyway, each then paying a transaction of its own (BEGIN, the WAL
/// frames of every page it touched, COMMIT, the wal-index locks). Here a write that finds the
/// writer idle runs at once, alone; writes that arrive while a transaction is under way wait
/// and then go together in the next one, each inside its own savepoint. Pages they share (the
/// right edge of the tables and of the expiry indexes) are written to the WAL once per batch.
///
/// Each write keeps its atomicity: its statements run in its savepoint, and a write that throws
/// rolls back only its own changes, its caller receiving the error. Nothing is reported done
/// before its transaction commits; when the commit fails every write of the batch receives
/// that failure and none of them happened.
final class GroupCommit: Sendable {
    private let pool: DatabasePool
    private let state = Mutex<(pending: [Job], running: Bool)>(([], false))

    init(pool: DatabasePool) { self.pool = pool }

    /// Runs `body` in a transaction, possibly shared with other writes, and returns its result
    /// once that transaction has committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let outcome = Outcome<T>()
            let job = Job(
                run: { db in
                    do {
                        try db.inSavepoint {
                            outcome.value = .success(try body(db))
                            return .commit
                        }
                    } catch {
                        outcome.value = .failure(error)
                    }
                },
                finish: { commitError in
                    if let commitError {
                        continuation.resume(throwing: commitError)
                    } else {
                        // `run` sets the outcome before the commit; a job whose `run` never ran
                        // was answered with the transaction's failure above.
                        continuation.resume(with: outcome.value ?? .failure(CancellationError()))
                    }
                })
            let start = state.withLock { state in
                state.pending.append(job)
                if state.running { return false }
                state.running = true
                return true
            }
            if start { Task { await self.drain() } }
        }
    }

    /// Writes batches until none is waiting.
    private func drain() async {
        while true {
            let batch: [Job] = state.withLock { state in
                guard !state.pending.isEmpty else {
                    state.running = false
                    return []
                }
                defer { state.pending.removeAll(keepingCapacity: true) }
                return state.pending
            }
            guard !batch.isEmpty else { return }
            do {
                try await pool.write { db in
                    for job in batch { job.run(db) }
                }
                for job in batch { job.finish(nil) }
            } catch {
                for job in batch { job.finish(error) }
            }
        }
    }

    /// One waiting write: `run` executes it inside the batch's transaction; `finish` answers
    /// its caller after the commit (or with the commit's failure).
    private struct Job: Sendable {
        let run: @Sendable (Database) -> Void
        let finish: @Sendable ((any Error)?) -> Void
    }

    /// A write's result, set inside the transaction on the writer's queue and read after the
    /// commit: the two never overlap.
    private final class Outcome<T>: @unchecked Sendable {
        var value: Result<T, any Error>?
    }
}
