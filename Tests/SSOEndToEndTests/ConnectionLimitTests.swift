import Foundation
import SSOServer
import SSOServerTesting
import Testing

/// Clients that hold connections without finishing requests, against the real server over
/// loopback: idle ones, slowloris ones (a head or a body a byte at a time), and more than the
/// caps allow. Meanwhile other clients are served; afterwards every slot is free again. Times
/// are bounded and only ever checked from below (a timeout never fires early); counts are small
/// enough for a shared test process. The sockets are blocking work, so it runs off the
/// cooperative pool that the server in this process accepts through (`offload`).
@Suite("Connection limits and timeouts")
struct ConnectionLimitTests {
    static let discovery = "GET /.well-known/openid-configuration HTTP/1.1\r\nHost: sso.test\r\nConnection: close\r\n\r\n"

    /// A client that is not holding anything: one request on a new connection, answered.
    @Sendable static func served(port: Int, from source: String = "127.0.0.1") throws -> Bool {
        let connection = try RawConnection.open(port: port, from: source)
        defer { connection.close() }
        return connection.exchange(discovery).text.hasPrefix("HTTP/1.1 200")
    }

    /// What the clients of `timeouts` saw.
    struct Watched: Sendable {
        var start: ContinuousClock.Instant
        var idle: [RawConnection], kept: RawConnection, slowHeads: [RawConnection], slowBodies: [RawConnection]
        var servedMeanwhile: Bool
        var received: [RawConnection: String]
        var closed: [RawConnection: ContinuousClock.Instant]
        var all: [RawConnection] { idle + [kept] + slowHeads + slowBodies }
    }

    @Test("idle and slowloris connections are closed after their timeouts, and others are served meanwhile")
    func timeouts() async throws {
        var harness = try Harness()
        harness.metricsToken = MetricsEndToEndTests.token
        harness.connections = ConnectionLimits(
            idleTimeout: 2, requestReadTimeout: 1, maximumConnections: 2000, maximumConnectionsPerAddress: 0)
        try await harness.listen { port in
            let watched = try await offload {
                let start = ContinuousClock.now
                // 400 that send nothing; one that asks once and keeps the connection; 60 that send
                // half a head and then a byte of it every 100 ms; 40 that send a head and then a
                // byte of a 10,000-byte body every 100 ms.
                var opened: [RawConnection] = []
                do {
                    for _ in 0..<501 { opened.append(try RawConnection.open(port: port)) }
                } catch {
                    opened.forEach { $0.close() }
                    throw error
                }
                let slowHeads = Array(opened[401..<461]), slowBodies = Array(opened[461...])
                opened[400].send(Self.discovery.replacingOccurrences(of: "Connection: close", with: "Connection: keep-alive"))
                for connection in slowHeads {
                    connection.send("GET /.well-known/openid-configuration HTTP/1.1\r\nHost: sso.test\r\nX-Slow: ")
                }
                for connection in slowBodies {
                    connection.send("POST /token HTTP/1.1\r\nHost: sso.test\r\n"
                                    + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\ngrant_type=")
                }
                // All 501 are open, and a new client is served.
                let servedMeanwhile = try Self.served(port: port)
                let slow = Set(slowHeads + slowBodies)
                let (received, closed) = RawConnection.watch(opened, timeout: .seconds(15)) { open in
                    for connection in open.intersection(slow) { connection.send("a") }
                }
                opened.forEach { $0.close() }
                return Watched(start: start, idle: Array(opened[..<400]), kept: opened[400], slowHeads: slowHeads,
                               slowBodies: slowBodies, servedMeanwhile: servedMeanwhile, received: received, closed: closed)
            }
            #expect(watched.servedMeanwhile)
            #expect(watched.closed.count == watched.all.count, "\(watched.all.count - watched.closed.count) still open")
            for connection in watched.idle + [watched.kept] {
                // The idle timeout (2 s), from the connection's start or its last answer.
                #expect(watched.closed[connection].map { $0 - watched.start >= .seconds(2) } == true)
            }
            #expect(watched.received[watched.kept, default: ""].hasPrefix("HTTP/1.1 200"))
            for connection in watched.slowHeads + watched.slowBodies {
                // The request-read timeout (1 s) from the first byte, although bytes kept coming.
                #expect(watched.closed[connection].map { $0 - watched.start >= .seconds(1) } == true)
                let answer = watched.received[connection, default: ""]
                #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
            }

            // Every slot is free again: a new client is served, and the server counted the 100.
            let exposition = try await offload {
                let metrics = try RawConnection.open(port: port)
                defer { metrics.close() }
                return metrics.exchange("GET /metrics HTTP/1.1\r\nHost: sso.test\r\nAuthorization: Bearer \(MetricsEndToEndTests.token)\r\n"
                                        + "Connection: close\r\n\r\n").text
            }
            #expect(exposition.contains("sso_request_read_timeouts_total 100"), "\(exposition)")
            #expect(exposition.contains("sso_connections_open 1"))
            #expect(try await offload { try Self.served(port: port) })
        }
    }

    /// Opens `count` connections to `port` (from the sources in turn), has each answered once
    /// (so each has been admitted: the server admits on several event loops, in no set order),
    /// and holds them open while `body` runs; closes them after.
    static func holding<T: Sendable>(
        _ count: Int, port: Int, from sources: [String] = ["127.0.0.1"], _ body: ([RawConnection]) async throws -> T
    ) async throws -> T {
        let held = try await offload {
            try (0..<count).map { try RawConnection.open(port: port, from: sources[$0 % sources.count]) }
        }
        defer { held.forEach { $0.close() } }
        let answers = try await offload {
            held.map { $0.ask("HEAD /.well-known/openid-configuration HTTP/1.1\r\nHost: sso.test\r\n\r\n") }
        }
        #expect(answers.allSatisfy { $0.hasPrefix("HTTP/1.1 200") }, "\(answers.filter { !$0.hasPrefix("HTTP/1.1 200") })")
        return try await body(held)
    }

    /// A new connection from `source`: what it received before the server closed it, or `nil`
    /// when it is still open after 10 s.
    static func refusal(port: Int, from source: String = "127.0.0.1") async throws -> String? {
        try await offload {
            let connection = try RawConnection.open(port: port, from: source)
            defer { connection.close() }
            let (received, closed) = RawConnection.watch([connection], timeout: .seconds(10))
            return closed[connection] == nil ? nil : received[connection, default: ""]
        }
    }

    @Test("connections beyond the cap per address are answered 503 and closed at once; other addresses are served")
    func perAddressCap() async throws {
        var harness = try Harness()
        harness.connections = ConnectionLimits(
            idleTimeout: 60, requestReadTimeout: 60, maximumConnections: 1000, maximumConnectionsPerAddress: 50)
        try await harness.listen { port in
            try await Self.holding(50, port: port) { held in
                // The 51st from 127.0.0.1 is refused before it sends anything, and so is every later one.
                for _ in 0..<20 {
                    let refusal = try await Self.refusal(port: port)
                    #expect(refusal?.hasPrefix("HTTP/1.1 503") == true, "\(refusal ?? "still open")")
                }
                // Another address is not affected; the held connections are still open.
                #expect(try await offload { try Self.served(port: port, from: "127.0.0.2") })
                #expect(try await offload { RawConnection.watch(held, timeout: .milliseconds(200)).closed.isEmpty })
                // One closes: its slot is free (once the server has seen it close).
                held[0].close()
                #expect(try await eventually { try Self.served(port: port) })
            }
        }
    }

    @Test("connections beyond the global cap are answered 503 and closed; a freed slot admits the next")
    func globalCap() async throws {
        var harness = try Harness()
        harness.connections = ConnectionLimits(
            idleTimeout: 60, requestReadTimeout: 60, maximumConnections: 60, maximumConnectionsPerAddress: 0)
        try await harness.listen { port in
            try await Self.holding(60, port: port, from: ["127.0.0.2", "127.0.0.3", "127.0.0.4"]) { held in
                for source in ["127.0.0.1", "127.0.0.9"] {
                    let refusal = try await Self.refusal(port: port, from: source)
                    #expect(refusal?.hasPrefix("HTTP/1.1 503") == true, "\(refusal ?? "still open")")
                }
                held[0].close()
                #expect(try await eventually { try Self.served(port: port, from: "127.0.0.9") })
            }
        }
    }
}
