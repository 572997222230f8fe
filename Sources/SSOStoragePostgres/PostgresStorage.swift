import Foundation
import Logging
import PostgresNIO
import Synchronization
import SSOCore
import SSOStorageRows

/// Every store of the core on one PostgreSQL database, shared by several server instances
/// behind a load balancer (and by `sso` commands run anywhere).
///
/// Nothing that must hold across instances is kept in process: operations that must be atomic
/// under concurrency (code redemption, refresh rotation, session revocation, throttle counts)
/// are single conditional statements or run in one transaction with row locks, so two
/// instances racing on the same row serialise in the database, never in memory.
///
/// Times are Unix seconds (`double precision`), lists space-separated and small structures
/// JSON text, exactly as in the SQLite store, so the two read and write the same values.
public final class PostgresStorage: Sendable {
    let pool: PostgresPool
    let logger: Logger
    /// The pool's size, and the statements and transactions under way (metrics).
    let poolSize: Int
    let inFlight = Atomic<Int>(0)

    /// Connects to the database `url` names (see ``PostgresURL``), brings its schema up to date
    /// and returns once a query has succeeded: a wrong address or password fails here, at
    /// start-up, with the server's reason, not on the first request.
    public init(url: String, logger: Logger = Logger(label: "sso.postgres")) async throws {
        let target = try PostgresURL(url)
        // The connections' own log is quiet below errors: a failed query reaches its caller as
        // an error anyway.
        var poolLogger = logger
        poolLogger.logLevel = .error
        let pool = PostgresPool(configuration: target.connection, size: target.poolSize, logger: poolLogger)
        try await pool.withConnection { connection in
            try await Self.migrate(schema: target.schema, on: connection, logger: logger)
        }
        self.pool = pool
        self.logger = logger
        poolSize = target.poolSize
    }

    /// The pool's idle connections close with the store.
    deinit { pool.close() }
}

extension PostgresStorage {
    /// Runs `body` in one transaction on one leased connection: committed if it returns,
    /// rolled back if it throws.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await counted {
            try await pool.withConnection { connection in
                do {
                    return try await connection.withTransaction(logger: logger) { connection in try await body(connection) }
                } catch let error as PostgresTransactionError where error.rollbackError != nil {
                    // Still inside a transaction that could not be ended: no later statement
                    // may run on this connection, so it is closed rather than returned.
                    try? await connection.close()
                    throw error
                }
            }
        }
    }

    /// The rows of one statement run outside any explicit transaction.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        try await counted {
            try await pool.withConnection { connection in
                try await connection.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
            }
        }
    }

    /// `body`, counted in `inFlight` while it runs.
    private func counted<T>(_ body: () async throws -> T) async throws -> T {
        inFlight.add(1, ordering: .relaxed)
        defer { inFlight.subtract(1, ordering: .relaxed) }
        return try await body()
    }

    /// The rows of one statement on `connection` (inside a transaction).
    func rows(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [PostgresRandomAccessRow] {
        try await connection.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
    }

    func row(_ query: PostgresQuery) async throws -> PostgresRandomAccessRow? { try await rows(query).first }

    func row(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> PostgresRandomAccessRow? {
        try await rows(query, on: connection).first
    }

    /// Runs a statement; with `RETURNING 1` its row count is the number of rows it changed.
    @discardableResult
    func run(_ query: PostgresQuery, on connection: PostgresConnection? = nil) async throws -> Int {
        if let connection { return try await rows(query, on: connection).count }
        return try await rows(query).count
    }
}

/// Every store protocol, each implemented in its own extension file.
extension PostgresStorage: SSOStore {
    public func connectionUsage() -> ConnectionUsage {
        ConnectionUsage(maximum: poolSize, inUse: inFlight.load(ordering: .relaxed))
    }
}

/// A row as the record codecs read it (`RowCodec`): a NULL is `nil`; a missing column or a
/// value PostgresNIO cannot decode as the type asked for is a ``ColumnProblem``, which the codec
/// reports as `StoreRecordUnreadable` (the subscript by name would stop the process instead).
extension PostgresRandomAccessRow: StoredRow {
    @inline(__always)
    private func decode<T: PostgresDecodable>(_ column: String, as type: T.Type) throws -> T? {
        guard contains(column) else { throw ColumnProblem.missing }
        let cell = self[column]
        guard cell.bytes != nil else { return nil }
        do { return try cell.decode(T.self) } catch {
            throw ColumnProblem("holds \(cell.dataType), not \(T.self)")
        }
    }

    public func string(_ column: String) throws -> String? { try decode(column, as: String.self) }
    public func int(_ column: String) throws -> Int? { try decode(column, as: Int.self) }
    public func double(_ column: String) throws -> Double? { try decode(column, as: Double.self) }
    public func bool(_ column: String) throws -> Bool? { try decode(column, as: Bool.self) }
    public func data(_ column: String) throws -> Data? { try decode(column, as: Data.self) }
}

extension PostgresStorage {
    static func time(_ date: Date) -> Double { date.timeIntervalSince1970 }
    static func time(_ date: Date?) -> Double? { date?.timeIntervalSince1970 }
    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    /// Whether `error` is PostgreSQL's unique violation (SQLSTATE 23505) of `constraint`, also
    /// when a statement of `transaction` raised it (and the transaction was rolled back).
    static func isUniqueViolation(_ error: any Error, constraint: String? = nil) -> Bool {
        if let failed = error as? PostgresTransactionError, failed.rollbackError == nil, let cause = failed.closureError {
            return isUniqueViolation(cause, constraint: constraint)
        }
        guard let error = error as? PSQLError, error.serverInfo?[.sqlState] == "23505" else { return false }
        return constraint == nil || error.serverInfo?[.constraintName] == constraint
    }
}
