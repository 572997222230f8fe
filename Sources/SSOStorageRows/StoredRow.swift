import Foundation
import SSOCore

/// One fetched row of a store's database, read by column name: what the record codecs
/// (`RowCodecs.swift`) need from a driver's row type. The SQLite store conforms its rows (the
/// hot path's `ColumnRow`, and GRDB's `Row`), the PostgreSQL store `PostgresRandomAccessRow`.
///
/// Each read returns `nil` for NULL and throws ``ColumnProblem`` when the column is missing or
/// holds a value of another type; it never converts one type into another by guessing (text
/// read as a number, a number as a date), so a malformed column is reported, not misread.
public protocol StoredRow {
    func string(_ column: String) throws -> String?
    func int(_ column: String) throws -> Int?
    func double(_ column: String) throws -> Double?
    func bool(_ column: String) throws -> Bool?
    func data(_ column: String) throws -> Data?
}

/// Why a column could not be read, as a driver's row says it; ``Columns`` adds the table and
/// the column and throws ``StoreRecordUnreadable``.
public struct ColumnProblem: Error {
    public var problem: String
    public init(_ problem: String) { self.problem = problem }

    public static let missing = ColumnProblem("is missing from the row")
}

/// A row of `table`, read the way a record needs it: required or optional values, times (Unix
/// seconds), space-separated lists, enumerations and JSON. Every failure is a
/// ``StoreRecordUnreadable`` naming the table and the column.
public struct Columns<Row: StoredRow> {
    public let row: Row
    public let table: String

    @inlinable
    public init(_ row: Row, table: String) {
        self.row = row
        self.table = table
    }

    @usableFromInline
    func unreadable(_ column: String, _ problem: String) -> StoreRecordUnreadable {
        StoreRecordUnreadable(table: table, column: column, problem: problem)
    }

    /// A NULL where the record requires a value.
    @usableFromInline
    func null(_ column: String) -> StoreRecordUnreadable { unreadable(column, "is NULL") }

    // Each read is spelled out rather than passed a closure: the codecs are specialized for
    // each row type and these inlined into them, one driver call per column.

    @inlinable
    public func optionalString(_ column: String) throws -> String? {
        do { return try row.string(column) } catch let problem as ColumnProblem { throw unreadable(column, problem.problem) }
    }

    @inlinable
    public func string(_ column: String) throws -> String {
        guard let value = try optionalString(column) else { throw null(column) }
        return value
    }

    @inlinable
    public func optionalInt(_ column: String) throws -> Int? {
        do { return try row.int(column) } catch let problem as ColumnProblem { throw unreadable(column, problem.problem) }
    }

    @inlinable
    public func int(_ column: String) throws -> Int {
        guard let value = try optionalInt(column) else { throw null(column) }
        return value
    }

    @inlinable
    public func optionalDouble(_ column: String) throws -> Double? {
        do { return try row.double(column) } catch let problem as ColumnProblem { throw unreadable(column, problem.problem) }
    }

    @inlinable
    public func double(_ column: String) throws -> Double {
        guard let value = try optionalDouble(column) else { throw null(column) }
        return value
    }

    @inlinable
    public func optionalBool(_ column: String) throws -> Bool? {
        do { return try row.bool(column) } catch let problem as ColumnProblem { throw unreadable(column, problem.problem) }
    }

    @inlinable
    public func bool(_ column: String) throws -> Bool {
        guard let value = try optionalBool(column) else { throw null(column) }
        return value
    }

    @inlinable
    public func optionalData(_ column: String) throws -> Data? {
        do { return try row.data(column) } catch let problem as ColumnProblem { throw unreadable(column, problem.problem) }
    }

    @inlinable
    public func data(_ column: String) throws -> Data {
        guard let value = try optionalData(column) else { throw null(column) }
        return value
    }

    /// A time stored as Unix seconds.
    @inlinable
    public func date(_ column: String) throws -> Date { Date(timeIntervalSince1970: try double(column)) }

    @inlinable
    public func optionalDate(_ column: String) throws -> Date? {
        try optionalDouble(column).map(Date.init(timeIntervalSince1970:))
    }

    /// A space-separated list (grant types, methods, roles).
    @inlinable
    public func words(_ column: String) throws -> [String] { ScopeSet.words(try string(column)) }

    @inlinable
    public func scopes(_ column: String) throws -> ScopeSet { ScopeSet(stored: try string(column)) }

    /// An enumeration's raw value; one this version does not know is an error, never a default.
    @inlinable
    public func value<T: RawRepresentable>(_ type: T.Type, _ column: String) throws -> T where T.RawValue == String {
        let raw = try string(column)
        guard let value = T(rawValue: raw) else { throw unreadable(column, "holds \"\(raw)\", not a known \(T.self)") }
        return value
    }

    /// JSON text, decoded.
    @inlinable
    public func json<T: Decodable>(_ type: T.Type, _ column: String) throws -> T {
        let text = try string(column)
        do { return try JSONDecoder().decode(type, from: Data(text.utf8)) } catch {
            throw unreadable(column, "is not JSON of a \(T.self): \(error)")
        }
    }

    /// JSON text, decoded; `nil` for NULL.
    @inlinable
    public func optionalJSON<T: Decodable>(_ type: T.Type, _ column: String) throws -> T? {
        guard let text = try optionalString(column) else { return nil }
        do { return try JSONDecoder().decode(type, from: Data(text.utf8)) } catch {
            throw unreadable(column, "is not JSON of a \(T.self): \(error)")
        }
    }

    /// JSON text read on every token request, decoded through ``DecodedColumnCache``.
    @inlinable
    public func cachedJSON<T: Decodable & Sendable>(_ type: T.Type, _ column: String) throws -> T {
        let text = try string(column)
        do { return try DecodedColumnCache.decode(type, text) } catch {
            throw unreadable(column, "is not JSON of a \(T.self): \(error)")
        }
    }
}
