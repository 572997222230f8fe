import Foundation
import GRDB
import SSOCore
@testable import SSOStorageSQLite
import Testing

/// SQLite failures that pass (a full disk, a file locked past the busy timeout) reach clients
/// as 503 with Retry-After, like a PostgreSQL server that is away; the rest as 500.
@Suite("SQLite failures that pass")
struct SQLiteFailureTests {
    @Test("a full database: the write fails whole, is answered 503, and writes work again once there is room")
    func full() async throws {
        let storage = try await Self.storage(room: 0)
        let detail = String(repeating: "x", count: 16_384)
        var written = 0
        var failure: (any Error)?
        for _ in 0..<64 {
            do {
                try await storage.appendSecurityEvents([SecurityEvent(kind: .loginFailed, at: Date(), detail: detail),
                                                        SecurityEvent(kind: .loginFailed, at: Date(), detail: detail)])
                written += 2
            } catch {
                failure = error
                break
            }
        }
        let error = try #require(failure)
        #expect((error as? DatabaseError)?.resultCode == .SQLITE_FULL)
        #expect(StoreUnavailable.covers(error))
        let answer = OAuthError.failure(error)
        #expect(answer.code == .temporarilyUnavailable && answer.httpStatus == 503 && answer.retryAfter == 1)
        #expect(try await storage.securityEvents(limit: 1000).count == written, "nothing of the failed write is kept")
        try await storage.pool.write { db in try db.execute(sql: "PRAGMA max_page_count = 1073741823") }
        try await storage.appendSecurityEvent(SecurityEvent(kind: .loginFailed, at: Date(), detail: detail))
        #expect(try await storage.securityEvents(limit: 1000).count == written + 1)
    }

    @Test("concurrent writes sharing transactions as the file fills: each is reported exactly as it was kept")
    func fullUnderConcurrency() async throws {
        let storage = try await Self.storage(room: 40)
        let padding = String(repeating: "x", count: 6_000)
        let outcomes = await withTaskGroup(of: (Int, (any Error)?).self) { group in
            for call in 0..<120 {
                group.addTask {
                    let event = SecurityEvent(kind: .loginFailed, at: Date(), detail: "call-\(call)-" + padding)
                    do {
                        try await storage.appendSecurityEvents([event, event])
                        return (call, nil)
                    } catch {
                        return (call, error)
                    }
                }
            }
            var all: [Int: (any Error)?] = [:]
            for await (call, error) in group { all[call] = error }
            return all
        }
        let failures = outcomes.compactMap { $0.value }
        #expect(!failures.isEmpty, "the file fills")
        #expect(failures.allSatisfy { ($0 as? DatabaseError)?.resultCode == .SQLITE_FULL }, "\(failures.prefix(3))")
        var kept: [Int: Int] = [:]
        for event in try await storage.securityEvents(limit: 10_000) {
            let call = Int(event.detail!.split(separator: "-")[1])!
            kept[call, default: 0] += 1
        }
        for (call, error) in outcomes {
            #expect(kept[call] == (error == nil ? 2 : nil), "call \(call): \(String(describing: error))")
        }
    }

    /// A fresh store whose writer may grow the file by `room` pages only: past them SQLite
    /// fails as on a full disk.
    static func storage(room: Int) async throws -> SQLiteStorage {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sso-full-\(UUID().uuidString).sqlite").path
        let storage = try SQLiteStorage(path: path)
        try await storage.pool.write { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(pages + room)")
        }
        return storage
    }

    @Test("a busy or locked file passes; a broken constraint or a corrupt file does not")
    func classification() {
        #expect(StoreUnavailable.covers(DatabaseError(resultCode: .SQLITE_BUSY)))
        #expect(StoreUnavailable.covers(DatabaseError(resultCode: .SQLITE_LOCKED)))
        #expect(!StoreUnavailable.covers(DatabaseError(resultCode: .SQLITE_CONSTRAINT)))
        #expect(!StoreUnavailable.covers(DatabaseError(resultCode: .SQLITE_CORRUPT)))
        #expect(OAuthError.failure(DatabaseError(resultCode: .SQLITE_CONSTRAINT)).httpStatus == 500)
    }
}
