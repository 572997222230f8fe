import Foundation
import SSOCore
import SSOStoragePostgres
import SSOStorageSQLite
import Testing

/// The store implementations one suite runs against: SQLite always, PostgreSQL when
/// `SSO_TEST_POSTGRES_URL` names a server (`Scripts/test` starts one). Each test gets an
/// empty database: a new SQLite file, or a new PostgreSQL schema.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    static var postgresURL: String? {
        guard let url = ProcessInfo.processInfo.environment["SSO_TEST_POSTGRES_URL"], !url.isEmpty else { return nil }
        return url
    }

    static var available: [Backend] { postgresURL == nil ? [.sqlite] : allCases }

    var testDescription: String { rawValue }

    /// A fresh, empty store, and a way to open a second store on the same database (a second
    /// server instance).
    func open() async throws -> (store: any SSOStore, another: @Sendable () async throws -> any SSOStore) {
        switch self {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("sso-store-\(UUID().uuidString).sqlite").path
            return (try SQLiteStorage(path: path), { try SQLiteStorage(path: path) })
        case .postgres:
            guard let base = Self.postgresURL else { throw TestSetupError(description: "SSO_TEST_POSTGRES_URL is not set") }
            let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let url = base + (base.contains("?") ? "&" : "?") + "schema=" + schema
            return (try await PostgresStorage(url: url), { try await PostgresStorage(url: url) })
        }
    }

    func store() async throws -> any SSOStore { try await open().store }
}

struct TestSetupError: Error, CustomStringConvertible {
    var description: String
}

@Suite("Store backends under test")
struct BackendCoverageTests {
    /// CI must not pass with the PostgreSQL half of the suite silently skipped.
    @Test("in CI, the store suite runs against PostgreSQL too")
    func postgresInCI() {
        let inCI = ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty && $0 != "false" } ?? false
        #expect(!inCI || Backend.available.contains(.postgres),
                "CI is set but SSO_TEST_POSTGRES_URL is not: run the tests through Scripts/test")
    }
}

/// Runs `body` `count` times at once, alternating between `stores` (two instances of one
/// database, or one): the races the store suite runs.
func race<T: Sendable>(
    _ count: Int, _ stores: [any SSOStore], _ body: @escaping @Sendable (any SSOStore, Int) async throws -> T
) async throws -> [T] {
    try await withThrowingTaskGroup(of: T.self) { group in
        for index in 0..<count {
            let store = stores[index % stores.count]
            group.addTask { try await body(store, index) }
        }
        return try await group.reduce(into: []) { $0.append($1) }
    }
}
