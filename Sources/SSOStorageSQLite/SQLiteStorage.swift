import Foundation
import GRDB
import SSOCore

/// The embedded default store: one SQLite file in WAL mode, shared by the server and by `sso`
/// commands run beside it (each process opens its own pool; SQLite's locking keeps them safe).
///
/// It implements every store protocol of the core, each in its own extension file.
/// Operations that must be atomic under concurrency (code redemption, refresh rotation) run
/// their check and their write in one write transaction.
public final class SQLiteStorage: Sendable {
    let pool: DatabasePool
    let readers: ReadConnections
    /// The hot writes (token rotation, code redemption, audit rows) share transactions under load.
    let commits: GroupCommit

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    public init(path: String) throws {
        var configuration = Configuration()
        // WAL (DatabasePool's default) lets readers run beside the one writer; NORMAL sync is
        // durable across process crashes and, in WAL mode, loses at most the last commits on
        // power loss — the trade every high-throughput SQLite deployment makes.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        // CLI commands and the server write to the same file: wait rather than fail.
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 8
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
        readers = ReadConnections(path: path, configuration: configuration, limit: configuration.maximumReaderCount)
        commits = GroupCommit(pool: pool)
    }

    /// `PRAGMA journal_mode` and `PRAGMA synchronous` as the database reports them.
    public func pragmas() async throws -> (journalMode: String, synchronous: Int) {
        try await pool.read { db in
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? ""
            let sync = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
            return (mode, sync)
        }
    }
}

extension SQLiteStorage {
    /// A point read by key, run on the calling thread. SQLite answers it from its page cache in
    /// microseconds, far less than the two thread hops of an asynchronous read, which dominated
    /// the token endpoint's profile; WAL readers never wait for the writer, so the calling
    /// thread is never held long. Scans and writes stay asynchronous.
    ///
    /// Every `lookup` runs exactly one statement, which SQLite reads from one consistent
    /// snapshot by itself, so the BEGIN/COMMIT around a GRDB `read` (a tenth of a userinfo
    /// request) is left out, and so is the pool (see `ReadConnections`) unless all its
    /// connections are busy.
    func lookup<T>(_ block: (Database) throws -> T) throws -> T {
        if let value = try readers.read(block) { return value }
        return try pool.unsafeRead(block)
    }
}

/// Statements through each connection's cache: the hot queries are compiled once per connection,
/// not on every request (compiling, with GRDB's authorizer, was a tenth of the token endpoint's time).
///
/// Rows are read in place by `map` as `ColumnRow`s, not copied: a copied GRDB row finds a
/// column by name by lowercasing every column name until one matches, and even a row read in
/// place builds a table of its column names for every row; `ColumnRow` keeps that table per
/// statement. The row is valid only inside `map`.
extension Row {
    static func fetchOne<T>(
        _ db: Database, cached sql: String, arguments: StatementArguments = [], _ map: (ColumnRow) throws -> T
    ) throws -> T? {
        var value: T?
        try ColumnRow.step(db.cachedStatement(sql: sql), sql: sql, arguments: arguments, db: db) { row in
            value = try map(row)
            return false
        }
        return value
    }

    static func fetchAll<T>(
        _ db: Database, cached sql: String, arguments: StatementArguments = [], _ map: (ColumnRow) throws -> T
    ) throws -> [T] {
        var values: [T] = []
        try ColumnRow.step(db.cachedStatement(sql: sql), sql: sql, arguments: arguments, db: db) { row in
            values.append(try map(row))
            return true
        }
        return values
    }
}

extension Database {
    func execute(cached sql: String, arguments: StatementArguments = []) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}

/// Every store protocol, each implemented in its own extension file.
extension SQLiteStorage: SSOStore {
    public func connectionUsage() -> ConnectionUsage {
        ConnectionUsage(maximum: readers.limit + 1, inUse: readers.inUse)
    }
}

/// Value helpers shared by the store extensions; rows are read by the shared `RowCodec`.
extension SQLiteStorage {
    static func time(_ date: Date) -> Double { date.timeIntervalSince1970 }
    static func time(_ date: Date?) -> Double? { date?.timeIntervalSince1970 }
    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }
}
