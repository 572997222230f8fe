import Foundation
import Logging
import PostgresNIO
import SSOCore
import SSOTesting
@testable import SSOStoragePostgres
import Synchronization
import Testing

/// The pool under the PostgreSQL store: never more connections than its size, waiting callers
/// served in turn; and the database going away under a running server (a restart, a
/// fail-over): statements fail with `StoreUnavailable` while it is gone, none waits for ever,
/// the process survives, and the store works again once the database is back.
@Suite("The PostgreSQL connection pool", .enabled(if: Backend.postgresURL != nil))
struct PostgresPoolTests {
    /// A role of its own, so that the test can stop it logging in and end its connections
    /// without touching those of the tests running beside it.
    struct Role {
        let name = "outage_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        let password = UUID().uuidString
        let admin: PostgresConnection

        func url(schema: String, poolSize: Int) throws -> String {
            guard var components = URLComponents(string: Backend.postgresURL ?? "") else {
                throw TestSetupError(description: "SSO_TEST_POSTGRES_URL is not a URL")
            }
            components.user = name
            components.password = password
            var items = components.queryItems ?? []
            items.append(URLQueryItem(name: "schema", value: schema))
            items.append(URLQueryItem(name: "pool_size", value: String(poolSize)))
            components.queryItems = items
            return try #require(components.string)
        }

        func run(_ sql: String) async throws {
            try await admin.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test")).collect()
        }

        /// Refuses new logins and ends every session the role has: the database as the store sees
        /// it during a restart.
        func takeDown() async throws {
            try await run("ALTER ROLE \(name) NOLOGIN")
            try await run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '\(name)'")
        }

        func bringBack() async throws { try await run("ALTER ROLE \(name) LOGIN") }
    }

    func client(_ id: String) -> Client {
        Client(id: id, name: id, secretDigest: nil, redirectURIs: ["https://rp.example/cb"],
               allowedScopes: ScopeSet(["openid"]), grantTypes: ["authorization_code", "refresh_token"], createdAt: Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test("while the database is away statements fail promptly; when it is back they succeed again")
    func outage() async throws {
        let url = try #require(Backend.postgresURL)
        let admin = try await PostgresConnection.connect(
            configuration: try PostgresURL(url).connection, id: 1, logger: Logger(label: "test"))
        let role = Role(admin: admin)
        try await role.run("CREATE ROLE \(role.name) LOGIN SUPERUSER PASSWORD '\(role.password)'")
        let schema = "t_" + role.name
        let store = try await PostgresStorage(url: try role.url(schema: schema, poolSize: 4))
        try await store.save(client("rp"))

        // Busy before the outage: every pooled connection open.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<16 { group.addTask { _ = try await store.client(id: "rp") } }
            try await group.waitForAll()
        }

        try await role.takeDown()
        let started = ContinuousClock.now
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<40 {
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(25 * (index % 8)))
                    return (try? await store.client(id: "rp")) != nil
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.allSatisfy { !$0 }, "no statement can succeed while the role may not log in")
        await #expect(throws: StoreUnavailable.self) { try await store.client(id: "rp") }
        #expect(ContinuousClock.now - started < .seconds(20), "statements fail, they do not queue for ever")

        try await role.bringBack()
        var recovered = false
        for _ in 0..<50 where !recovered {
            recovered = (try? await store.client(id: "rp")) != nil
            if !recovered { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(recovered, "the store reconnects by itself once the database is back")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    let found = try await store.client(id: "rp")
                    #expect(found?.id == "rp")
                }
            }
            try await group.waitForAll()
        }
        try await role.takeDown()
        try await role.run("DROP SCHEMA \(schema) CASCADE")
        try await role.run("DROP ROLE \(role.name)")
        try await admin.close()
    }

    @Test("never more connections than its size; callers beyond it wait, and a cancelled wait leaves the queue")
    func queue() async throws {
        let pool = PostgresPool(configuration: try PostgresURL(try #require(Backend.postgresURL)).connection, size: 2,
                                logger: Logger(label: "test"))
        let backends = Backends()
        @Sendable func hold(_ seconds: Double) async throws {
            try await pool.withConnection { connection in
                let rows = try await connection.query("SELECT pg_backend_pid(), pg_sleep(\(seconds))", logger: Logger(label: "test"))
                for try await (pid, _) in rows.decode((Int32, String).self) { _ = backends.pids.withLock { $0.insert(pid) } }
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { try await hold(0.05) } }
            try await group.waitForAll()
        }
        #expect(backends.pids.withLock { $0.count } == 2, "eight statements at once, on two connections")

        // Both connections busy for a while; a third caller waits, and is cancelled.
        let busy = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<2 { group.addTask { try await hold(2) } }
                try await group.waitForAll()
            }
            backends.busyEnded.store(true, ordering: .sequentiallyConsistent)
        }
        try await Task.sleep(for: .milliseconds(200))
        let waiting = Task { try await hold(0) }
        try await Task.sleep(for: .milliseconds(100))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        let busyEnded = backends.busyEnded.load(ordering: .sequentiallyConsistent)
        #expect(!busyEnded, "the wait ends when cancelled, not when a connection frees")
        try await busy.value
        try await hold(0)
        #expect(backends.pids.withLock { $0.count } == 2)
        pool.close()
        await #expect(throws: PostgresPool.Closed.self) { try await hold(0) }
    }

    @Test("a connection returned after a caller found none, before it waits, reaches that caller")
    func returnedBeforeWaiting() async throws {
        let release = Gate(), released = Gate()
        // The one connection is held; the second caller finds none and, before it waits, has
        // the holder give the connection back, with no one waiting for it yet.
        let pool = PostgresPool(
            configuration: try PostgresURL(try #require(Backend.postgresURL)).connection, size: 1,
            logger: Logger(label: "test"), beforeWaiting: {
                await release.open()
                await released.wait()
            })
        defer { pool.close() }
        let held = Gate()
        let holder = Task {
            try await pool.withConnection { _ in
                await held.open()
                await release.wait()
            }
            await released.open()
        }
        await held.wait()
        // Far above what a loaded machine needs to hand over a free connection; without the fix, never.
        let ended = await outcome(within: .seconds(60)) { try await pool.withConnection { _ in "served" } }
        let result = try #require(ended, "the second caller still waits for the connection given back")
        #expect(try result.get() == "served")
        try await holder.value
    }

    /// Opened once; `wait` returns once it is open.
    actor Gate {
        private var isOpen = false
        private var waiters: [CheckedContinuation<Void, Never>] = []

        func open() {
            isOpen = true
            waiters.forEach { $0.resume() }
            waiters = []
        }

        func wait() async {
            if isOpen { return }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    /// The server processes (one per connection) the statements ran on.
    final class Backends: Sendable {
        let pids = Mutex<Set<Int32>>([])
        let busyEnded = Atomic<Bool>(false)
    }
}
