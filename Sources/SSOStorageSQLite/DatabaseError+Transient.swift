import GRDB
import SSOCore

/// SQLite failures that pass: the file stayed locked past the busy timeout (another process,
/// such as an `sso` command, holding a long write), or the disk is full. Clients get 503 with
/// `Retry-After` for these, as for a PostgreSQL server that is away, and 500 for the rest
/// (a constraint broken, a corrupt file, an I/O error).
extension DatabaseError: TransientStoreFailure {
    public var isTransient: Bool {
        switch resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_FULL: true
        default: false
        }
    }
}
