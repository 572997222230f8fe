import GRDBSQLite
import Synchronization

/// Decoded records (clients, users) remembered with the exact contents of the row they were
/// decoded from: a read whose row holds the same bytes gets the same record back without
/// decoding it again, and a row changed in any way, by this process or another, misses.
///
/// Decoding a client (nineteen columns: scope sets, grant types, enums, dates, JSON lists) was
/// the largest share of an introspection after the HTTP layer; copying a row's raw bytes and
/// comparing them costs a fraction of that. Nothing can be stale: equality is on every byte.
///
/// Replaces: decoding the row again on every read (`RowCodec.client`, `RowCodec.user`).
/// Measured when it came in (alternating release binaries): introspection CPU ~180 → ~165 µs
/// per request, ~9.5k → ~10.3k/s. No library path to return to; it can go when decoding a
/// client costs no more than copying and comparing its row's bytes (profile an introspection).
final class RowMemo<Value: Sendable>: Sendable {
    private let limit: Int
    private let entries = Mutex<[String: (contents: [UInt8], value: Value)]>([:])

    init(limit: Int) { self.limit = limit }

    /// The record `row` holds, decoded by `decode` unless the row under `key` was seen with
    /// exactly these contents.
    func value(_ key: String, _ row: ColumnRow, decode: (ColumnRow) throws -> Value) rethrows -> Value {
        let contents = row.contents
        if let hit = entries.withLock({ $0[key] }), hit.contents == contents { return hit.value }
        let value = try decode(row)
        entries.withLock { entries in
            if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
            entries[key] = (contents, value)
        }
        return value
    }
}

extension ColumnRow {
    /// Every column's storage class and bytes, as SQLite holds them: equal contents, equal values.
    var contents: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        for index in 0..<sqlite3_column_count(statement) {
            let type = sqlite3_column_type(statement, index)
            bytes.append(UInt8(truncatingIfNeeded: type))
            switch type {
            case SQLITE_INTEGER:
                withUnsafeBytes(of: sqlite3_column_int64(statement, index).littleEndian) { bytes.append(contentsOf: $0) }
            case SQLITE_FLOAT:
                withUnsafeBytes(of: sqlite3_column_double(statement, index).bitPattern.littleEndian) {
                    bytes.append(contentsOf: $0)
                }
            case SQLITE_TEXT, SQLITE_BLOB:
                let start = type == SQLITE_TEXT
                    ? UnsafeRawPointer(sqlite3_column_text(statement, index)) : sqlite3_column_blob(statement, index)
                let count = Int(sqlite3_column_bytes(statement, index))
                withUnsafeBytes(of: UInt32(count).littleEndian) { bytes.append(contentsOf: $0) }
                if let start, count > 0 { bytes.append(contentsOf: UnsafeRawBufferPointer(start: start, count: count)) }
            default:
                break  // NULL: the storage class alone says it.
            }
        }
        return bytes
    }
}
