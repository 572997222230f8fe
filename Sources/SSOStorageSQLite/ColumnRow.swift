import GRDB
import GRDBSQLite
import Synchronization

/// A fetched row, read in place by column name, with the name → index table built once per SQL
/// text instead of once per row.
///
/// GRDB's `Row` builds, for every row it fetches, a dictionary of every column's lower-cased
/// name (nineteen strings for a client): on the token path that was a quarter of each point
/// read. The statements here are the cached, hot ones, whose columns never change, so the
/// table is kept by SQL text. Values convert exactly as GRDB's `Row` converts them.
struct ColumnRow {
    let statement: SQLiteStatement
    let columns: [String: CInt]

    subscript<Value: DatabaseValueConvertible>(_ name: String) -> Value {
        let value = DatabaseValue(sqliteStatement: statement, index: index(name))
        guard let converted = Value.fromDatabaseValue(value) else {
            fatalError("column \(name): \(value) is not a \(Value.self)")
        }
        return converted
    }

    subscript<Value: DatabaseValueConvertible & StatementColumnConvertible>(_ name: String) -> Value {
        let index = index(name)
        guard let converted = Value.fromStatement(statement, atUncheckedIndex: index) else {
            fatalError("column \(name): \(DatabaseValue(sqliteStatement: statement, index: index)) is not a \(Value.self)")
        }
        return converted
    }

    private func index(_ name: String) -> CInt {
        guard let index = columns[name] else { fatalError("no column \(name)") }
        return index
    }

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
