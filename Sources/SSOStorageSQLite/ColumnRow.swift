import Foundation
import GRDB
import GRDBSQLite
import SSOStorageRows
import Synchronization

/// A fetched row, read in place by column name, with the name → index table built once per SQL
/// text instead of once per row.
///
/// Replaces GRDB's `Row` on the hot point reads (`Row.fetchOne(_:cached:…)` below). A GRDB row
/// builds, for every row it fetches, a dictionary of every column's lower-cased name (nineteen
/// strings for a client): on the token path that was a quarter of each point read (perf, on
/// the token endpoint; with `ReadConnections`, userinfo 4,407 → ~10,000/s, introspection 3,141
/// → 5,000/s, the code exchange 1,293 → ~1,900/s, README's Benchmarks). The statements here are
/// the cached, hot ones, whose columns never change, so the table is kept by SQL text. It can
/// go if GRDB reads a row in place without building its column table (there is no upstream
/// issue); the store suite then checks the replacement reads the same.
///
/// Columns are read through ``StoredRow`` by storage class, with no allocation but the value's
/// own: a NULL is `nil`, a value of another storage class than the one asked for is a
/// ``ColumnProblem`` (which the record codecs report as `StoreRecordUnreadable`), never a crash
/// and never a conversion such as text read as the number 0.
struct ColumnRow {
    let statement: SQLiteStatement
    let columns: [String: CInt]

    /// The column tables of the statements seen so far, by SQL text.
    private static let tables = Mutex<[String: [String: CInt]]>([:])

    /// Keyed by the SQL text the caller prepared the statement from: GRDB's `Statement.sql`
    /// trims the text through Foundation on every call, which cost more than the lookup saved.
    static func columns(of statement: Statement, sql: String) -> [String: CInt] {
        if let known = tables.withLock({ $0[sql] }) { return known }
        let sqlite = statement.sqliteStatement
        var table: [String: CInt] = [:]
        for index in 0..<sqlite3_column_count(sqlite) where table[String(cString: sqlite3_column_name(sqlite, index))] == nil {
            table[String(cString: sqlite3_column_name(sqlite, index))] = index
        }
        tables.withLock { $0[sql] = table }
        return table
    }

    /// Steps `statement` (cached, bound to `arguments`) and hands each row to `body` until it
    /// returns `false` or the rows end; the statement is reset afterwards, ending the read.
    static func step(
        _ statement: Statement, sql: String, arguments: StatementArguments, db: Database,
        _ body: (ColumnRow) throws -> Bool
    ) throws {
        try statement.setArguments(arguments)
        let sqlite = statement.sqliteStatement
        defer { sqlite3_reset(sqlite) }
        let columns = columns(of: statement, sql: sql)
        while true {
            switch sqlite3_step(sqlite) {
            case SQLITE_ROW:
                guard try body(ColumnRow(statement: sqlite, columns: columns)) else { return }
            case SQLITE_DONE:
                return
            case let code:
                throw DatabaseError(resultCode: ResultCode(rawValue: code),
                                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
            }
        }
    }
}

extension ColumnRow: StoredRow {
    /// The column's index and storage class.
    @inline(__always)
    private func column(_ name: String) throws -> (index: CInt, type: CInt) {
        guard let index = columns[name] else { throw ColumnProblem.missing }
        return (index, sqlite3_column_type(statement, index))
    }

    func string(_ name: String) throws -> String? {
        let (index, type) = try column(name)
        switch type {
        case SQLITE_NULL: return nil
        case SQLITE_TEXT:
            guard let text = sqlite3_column_text(statement, index) else { throw ColumnProblem("could not be read") }
            return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, index))),
                          as: UTF8.self)
        default: throw Self.mismatch(type, "text")
        }
    }

    func int(_ name: String) throws -> Int? {
        let (index, type) = try column(name)
        switch type {
        case SQLITE_NULL: return nil
        case SQLITE_INTEGER: return Int(sqlite3_column_int64(statement, index))
        case SQLITE_FLOAT:
            guard let value = Int(exactly: sqlite3_column_double(statement, index)) else { throw Self.mismatch(type, "integer") }
            return value
        default: throw Self.mismatch(type, "integer")
        }
    }

    func double(_ name: String) throws -> Double? {
        let (index, type) = try column(name)
        switch type {
        case SQLITE_NULL: return nil
        case SQLITE_FLOAT, SQLITE_INTEGER: return sqlite3_column_double(statement, index)
        default: throw Self.mismatch(type, "number")
        }
    }

    func bool(_ name: String) throws -> Bool? {
        let (index, type) = try column(name)
        switch type {
        case SQLITE_NULL: return nil
        case SQLITE_INTEGER: return sqlite3_column_int64(statement, index) != 0
        default: throw Self.mismatch(type, "boolean (integer)")
        }
    }

    /// A BLOB's bytes (or a TEXT's, as GRDB reads `Data`).
    func data(_ name: String) throws -> Data? {
        let (index, type) = try column(name)
        switch type {
        case SQLITE_NULL: return nil
        case SQLITE_BLOB, SQLITE_TEXT:
            guard let bytes = sqlite3_column_blob(statement, index) else { return Data() }
            return Data(bytes: bytes, count: Int(sqlite3_column_bytes(statement, index)))
        default: throw Self.mismatch(type, "blob")
        }
    }

    static func mismatch(_ type: CInt, _ wanted: String) -> ColumnProblem {
        let found = switch type {
        case SQLITE_INTEGER: "an integer"
        case SQLITE_FLOAT: "a real"
        case SQLITE_TEXT: "text"
        case SQLITE_BLOB: "a blob"
        default: "storage class \(type)"
        }
        return ColumnProblem("holds \(found), not \(wanted)")
    }
}

/// GRDB's own rows (the few statements read through `Row.fetchOne(_:arguments:)`), read by the
/// same rules as ``ColumnRow``.
extension Row: StoredRow {
    private func value(_ name: String) throws -> DatabaseValue {
        guard hasColumn(name) else { throw ColumnProblem.missing }
        return self[name]
    }

    public func string(_ name: String) throws -> String? {
        switch try value(name).storage {
        case .null: return nil
        case .string(let text): return text
        case let other: throw Self.mismatch(other, "text")
        }
    }

    public func int(_ name: String) throws -> Int? {
        switch try value(name).storage {
        case .null: return nil
        case .int64(let value): return Int(value)
        case .double(let value):
            guard let exact = Int(exactly: value) else { throw Self.mismatch(.double(value), "integer") }
            return exact
        case let other: throw Self.mismatch(other, "integer")
        }
    }

    public func double(_ name: String) throws -> Double? {
        switch try value(name).storage {
        case .null: return nil
        case .double(let value): return value
        case .int64(let value): return Double(value)
        case let other: throw Self.mismatch(other, "number")
        }
    }

    public func bool(_ name: String) throws -> Bool? {
        switch try value(name).storage {
        case .null: return nil
        case .int64(let value): return value != 0
        case let other: throw Self.mismatch(other, "boolean (integer)")
        }
    }

    public func data(_ name: String) throws -> Data? {
        switch try value(name).storage {
        case .null: return nil
        case .blob(let data): return data
        case .string(let text): return Data(text.utf8)
        case let other: throw Self.mismatch(other, "blob")
        }
    }

    private static func mismatch(_ storage: DatabaseValue.Storage, _ wanted: String) -> ColumnProblem {
        switch storage {
        case .null: ColumnRow.mismatch(SQLITE_NULL, wanted)
        case .int64: ColumnRow.mismatch(SQLITE_INTEGER, wanted)
        case .double: ColumnRow.mismatch(SQLITE_FLOAT, wanted)
        case .string: ColumnRow.mismatch(SQLITE_TEXT, wanted)
        case .blob: ColumnRow.mismatch(SQLITE_BLOB, wanted)
        }
    }
}
