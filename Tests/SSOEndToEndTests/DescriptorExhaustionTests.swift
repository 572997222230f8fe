import Foundation
import SSOServerTesting
import Synchronization
import Testing

/// The server out of file descriptors. A lower descriptor limit would be the whole test
/// process's, so the built `sso serve` runs in a child process of its own with `ulimit -n` low,
/// and is flooded with connections until it cannot accept (EMFILE). Linux only: its CPU time is
/// read from /proc.
@Suite("Out of file descriptors", .enabled(if: FileManager.default.fileExists(atPath: "/proc/self/stat")))
struct DescriptorExhaustionTests {
    /// The `sso` binary built beside this test bundle.
    static let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("sso").path

    /// Descriptors for the child: what it uses idle (about 25: the SQLite files, the event loops,
    /// the standard streams) and some 70 connections.
    static let openFileLimit = 96

    @Test("at EMFILE accepting pauses instead of spinning, open connections are served, and it recovers")
    func exhaustion() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build sso first: \(Self.binary)")
        let server = try ChildServer(binary: Self.binary, openFileLimit: Self.openFileLimit)
        defer { server.stop() }
        let port = try #require(try await server.waitForPort(), "the server did not start:\n\(server.output)")

        // A client that got in before the flood.
        let early = try await offload { try RawConnection.open(port: port) }
        defer { early.close() }
        let keepAlive = ConnectionLimitTests.discovery.replacingOccurrences(of: "close", with: "keep-alive")
        #expect(try await offload { early.ask(keepAlive) }.hasPrefix("HTTP/1.1 200"))

        // More connections than descriptors: the kernel completes them all from the backlog (256
        // long), the server accepts until it has no descriptor left.
        let flood = try await offload { try (0..<(2 * Self.openFileLimit)).map { _ in try RawConnection.open(port: port) } }
        defer { flood.forEach { $0.close() } }
        #expect(try await eventually { server.output.contains("Accepting paused") }, "\(server.output)")

        // Two seconds at EMFILE with connections waiting: far less than two seconds of CPU (with
        // only NIO's own back-off, accept failed in a loop: 1.6 s of CPU in these 2 s).
        let before = try #require(try? server.cpuSeconds(), "the server exited:\n\(server.output)")
        try await Task.sleep(for: .seconds(2))
        let used = try #require(try? server.cpuSeconds(), "the server exited:\n\(server.output)") - before
        #expect(used < 0.5, "the server used \(used) s of CPU in 2 s at EMFILE")

        // The connection it already had is still served.
        let answer = try await offload { early.ask(keepAlive) }
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")

        // The flood leaves: descriptors free up, accepting resumes, new clients are served.
        flood.forEach { $0.close() }
        #expect(try await eventually(timeout: .seconds(20)) { (try? ConnectionLimitTests.served(port: port)) == true })
        #expect(server.output.contains("Accepting again"))
        #expect(server.isRunning)
    }
}

/// `sso serve` in a child process under `ulimit -n`, on a free port of 127.0.0.1, logging JSON
/// lines that the test reads.
final class ChildServer: Sendable {
    let process = Process()
    let dataDirectory: String
    private let log = Mutex("")

    init(binary: String, openFileLimit: Int) throws {
        dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("sso-emfile-\(UUID().uuidString)").path
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c", "ulimit -n \(openFileLimit) && exec \"$0\" \"$@\"", binary, "serve", "--host", "127.0.0.1",
            "--port", "0", "--issuer", "http://sso.test", "--data", dataDirectory, "--resources", Harness.resources,
            "--log-format", "json", "--max-connections-per-address", "0",
        ]
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SSO_") }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [self] handle in
            let data = handle.availableData
            log.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    var output: String { log.withLock { $0 } }
    var isRunning: Bool { process.isRunning }

    /// The port from the "listening" line, once it is logged (within 30 s).
    func waitForPort() async throws -> Int? {
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning, ContinuousClock.now < deadline {
            if let line = output.split(separator: "\n").first(where: { $0.contains("UnifiedSSO listening") }),
                let match = line.firstMatch(of: /127\.0\.0\.1:(\d+)/)
            {
                return Int(match.1)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// User and system CPU time the server has used, from /proc/PID/stat (fields 14 and 15, in
    /// clock ticks).
    func cpuSeconds() throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8)
        let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
        let ticks = Double(fields[11])! + Double(fields[12])!
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func stop() {
        (process.standardOutput as? Pipe)?.fileHandleForReading.readabilityHandler = nil
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }
}
