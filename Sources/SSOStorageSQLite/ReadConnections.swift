import GRDB
import Synchronization

/// Read-only connections for point reads, handed out from a free list under one mutex.
///
/// GRDB's `DatabasePool` read costs more than the read itself: a serial-queue hop, a semaphore, a
/// barrier on a concurrent queue to take a reader and another to give it back, and an extra
/// `PRAGMA schema_version` statement (its own WAL read transaction, with its file locks) before
/// the query. A token request makes three to six point reads; those costs were a sixth of it.
/// Here a read takes a connection from the list, runs on the calling thread and puts it back.
///
/// Each connection reads the last committed state when its statement starts (WAL), so a read
/// sees every write the pool committed before it. Prepared statements notice schema changes by
/// themselves (SQLite re-prepares them), so skipping GRDB's schema check loses nothing here.
///
/// Replaces: `DatabasePool.read` for point reads (`SQLiteStorage.lookup`). Measured when it came
/// in (perf with DWARF call graphs, then a 5 s A/B of the two binaries): JWT userinfo 4.3k →
/// 8.5–9.7k/s; with `ColumnRow`, introspection 3,141 → 5,000/s and the code exchange 1,293 →
/// ~1,900/s (README, Benchmarks). There is no upstream issue; it can go if GRDB offers a read
/// on the calling thread without the queue hop and the `PRAGMA schema_version` check (then
/// compare CPU per request of alternating binaries with `Scripts/bench`'s scenarios).
final class ReadConnections: Sendable {
    private let path: String
    private let configuration: Configuration
    let limit: Int
    private enum Take { case reuse(DatabaseQueue), open, busy }
    private let free = Mutex<(connections: [DatabaseQueue], open: Int)>(([], 0))

    init(path: String, configuration: Configuration, limit: Int) {
        var configuration = configuration
        configuration.readonly = true
        configuration.label = "SSO.ReadConnections"
        self.path = path
        self.configuration = configuration
        self.limit = limit
    }

    /// Connections in use now (reads under way on them).
    var inUse: Int { free.withLock { $0.open - $0.connections.count } }

    /// Runs `block` on a free connection, opening one if none is free and fewer than `limit`
    /// are open; `nil` when all `limit` are busy (the caller then reads another way).
    func read<T>(_ block: (Database) throws -> T) throws -> T? {
        let take: Take = free.withLock { state in
            if let connection = state.connections.popLast() { return .reuse(connection) }
            guard state.open < limit else { return .busy }
            state.open += 1
            return .open
        }
        let connection: DatabaseQueue
        switch take {
        case .busy: return nil
        case .reuse(let existing): connection = existing
        case .open:
            do { connection = try DatabaseQueue(path: path, configuration: configuration) } catch {
                free.withLock { $0.open -= 1 }
                throw error
            }
        }
        defer { free.withLock { $0.connections.append(connection) } }
        return try connection.inDatabase(block)
    }
}
