import Foundation
import Hummingbird
import Logging
import SSOServerTesting
import SSOTesting
import Synchronization
import Testing

/// The servers the tests start on a port of their choosing (upstream providers, logout
/// receivers): one that cannot listen fails its test at once, and a reserved port is the
/// test's alone until its server listens on it.
@Suite("Test servers on ports of their own")
struct RunningServerTests {
    /// A server answering 200 on `/`, on 127.0.0.1:`port`.
    static func app(port: Int, ready: ReadySignal) -> some ApplicationProtocol {
        let router = Router()
        router.get("/") { _, _ in "up" }
        var logger = Logger(label: "running-server-test")
        logger.logLevel = .critical
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                           onServerRunning: { _ in await ready.signal() }, logger: logger)
    }

    @Test("a server whose port is taken ends the run with its failure instead of waiting for ever")
    func portTaken() async throws {
        let taken = try Listener()
        defer { taken.close() }
        // A bound far above what a loaded machine needs to fail a bind (some 40 s were seen
        // with the whole end-to-end suite running on 2 busy cores); without it, never.
        let ended = await outcome(within: .seconds(120)) {
            let ready = ReadySignal()
            return try await RunningServer.run(Self.app(port: taken.port, ready: ready), ready: ready) { "served" }
        }
        let result = try #require(ended, "the run did not end within 120 s: it waits for a server that failed")
        #expect(throws: (any Error).self) { try result.get() }
    }

    @Test("a reserved port goes to no one else, and the server listens on it")
    func reservedPort() async throws {
        let reservation = try ReservedPort()
        // Someone else binding the port (without SO_REUSEADDR, as a connection's socket is): refused.
        #expect(Listener.bind(port: reservation.port) == EADDRINUSE)
        let ready = ReadySignal()
        let answer = try await RunningServer.run(Self.app(port: reservation.port, ready: ready), ready: ready) {
            try await offload {
                let connection = try RawConnection.open(port: reservation.port)
                defer { connection.close() }
                return connection.exchange("GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").text
            }
        }
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
        withExtendedLifetime(reservation) {}
    }
}

/// A listening socket on 127.0.0.1 of the test's own: a port in use by someone else.
final class Listener: Sendable {
    let port: Int
    private let descriptor: Mutex<Int32>

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.address(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.bind(fd, $0, length) }
        }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard fd >= 0, bound == 0, named == 0, listen(fd, 8) == 0 else {
            let code = errno
            if fd >= 0 { Foundation.close(fd) }
            throw RawConnection.Failure(description: "listen: errno \(code)")
        }
        descriptor = Mutex(fd)
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Binds a new socket to 127.0.0.1:`port` and closes it: 0 if the bind worked, else its errno.
    static func bind(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Foundation.close(fd) }
        var address = address(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return bound == 0 ? 0 : errno
    }

    private static func address(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    func close() {
        descriptor.withLock { fd in
            if fd >= 0 { _ = Foundation.close(fd) }
            fd = -1
        }
    }

    deinit { close() }
}
