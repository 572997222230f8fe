import Foundation
import Synchronization

/// A TCP connection of the test's own over POSIX sockets, non-blocking, on loopback: for the
/// clients a browser never is (one that sends nothing, half a request, a byte at a time).
/// Closing it twice closes it once (its descriptor may already belong to someone else).
final class RawConnection: Sendable, Hashable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The descriptor; -1 once closed.
    private let descriptor: Mutex<Int32>
    var fd: Int32 { descriptor.withLock { $0 } }

    private init(fd: Int32) {
        descriptor = Mutex(fd)
    }

    static func == (a: RawConnection, b: RawConnection) -> Bool { a === b }
    func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }

    /// Connects to 127.0.0.1:`port` from `source` (any address of 127.0.0.0/8 is this machine).
    /// A server that does not accept still completes the handshake from its backlog.
    static func open(port: Int, from source: String = "127.0.0.1") throws -> RawConnection {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        let connection = RawConnection(fd: fd)
        var local = address(source, port: 0)
        var remote = address("127.0.0.1", port: port)
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { connection.close(); throw Failure(description: "bind \(source): errno \(errno)") }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) }
        }
        if connected != 0 {
            guard errno == EINPROGRESS else { connection.close(); throw Failure(description: "connect: errno \(errno)") }
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            var problem: Int32 = 0
            var problemLength = socklen_t(MemoryLayout<Int32>.size)
            guard poll(&poller, 1, 5000) == 1, getsockopt(fd, SOL_SOCKET, SO_ERROR, &problem, &problemLength) == 0,
                problem == 0
            else { connection.close(); throw Failure(description: "connect: \(problem == 0 ? "timed out" : "errno \(problem)")") }
        }
        return connection
    }

    private static func address(_ text: String, port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr(text)
        return address
    }

    /// Sends `text` (small: it fits the socket's buffer); false once the connection is gone.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// What has arrived, without waiting; `nil` once the peer has closed (or reset) the connection.
    func readAvailable() -> String?? {
        var buffer = [UInt8](repeating: 0, count: 16384)
        let count = recv(fd, &buffer, buffer.count, 0)
        if count > 0 { return String(decoding: buffer[..<count], as: UTF8.self) }
        if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) { return .some(nil) }
        return .none
    }

    /// Sends a request and reads the answer until the server closes the connection (the request
    /// should say `Connection: close`) or `timeout` passes; what arrived, and whether it closed.
    func exchange(_ request: String, timeout: Duration = .seconds(10)) -> (text: String, closed: Bool) {
        send(request)
        let result = Self.watch([self], timeout: timeout)
        return (result.received[self, default: ""], result.closed[self] != nil)
    }

    /// Sends a request and reads until the answer's head is in (a keep-alive connection stays
    /// open), the server closes the connection, or `timeout` passes; what arrived.
    func ask(_ request: String, timeout: Duration = .seconds(10)) -> String {
        send(request)
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var text = ""
        while !text.contains("\r\n\r\n"), clock.now < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 20) >= 0 else { break }
            guard let chunk = readAvailable() else { continue }
            guard let chunk else { break }
            text += chunk
        }
        return text
    }

    /// Reads `connections` until each has been closed by the server or `timeout` has passed;
    /// `tick` runs about every `interval` meanwhile (to dribble bytes). What each received, and
    /// when each was closed.
    static func watch(
        _ connections: [RawConnection], timeout: Duration, interval: Duration = .milliseconds(100),
        tick: (Set<RawConnection>) -> Void = { _ in }
    ) -> (received: [RawConnection: String], closed: [RawConnection: ContinuousClock.Instant]) {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var received: [RawConnection: String] = [:]
        var closed: [RawConnection: ContinuousClock.Instant] = [:]
        var open = Set(connections)
        var nextTick = clock.now + interval
        while !open.isEmpty, clock.now < deadline {
            let polled = Array(open)
            var pollers = polled.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            _ = poll(&pollers, nfds_t(pollers.count), 20)
            for (connection, poller) in zip(polled, pollers) where poller.revents != 0 {
                while let chunk = connection.readAvailable() {
                    guard let chunk else {
                        closed[connection] = clock.now
                        open.remove(connection)
                        break
                    }
                    received[connection, default: ""] += chunk
                }
            }
            if clock.now >= nextTick {
                tick(open)
                nextTick = clock.now + interval
            }
        }
        return (received, closed)
    }

    func close() {
        descriptor.withLock { fd in
            if fd >= 0 { _ = Foundation.close(fd) }
            fd = -1
        }
    }

    deinit {
        close()
    }
}

/// Runs blocking socket work on a thread of its own, off Swift's cooperative pool: the server
/// under test accepts through that pool, and a test blocking its threads would starve it.
func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

/// Whether `condition` (blocking work, offloaded) holds within `timeout`, tried every 50 ms.
func eventually(timeout: Duration = .seconds(10), _ condition: @escaping @Sendable () throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    repeat {
        if try await offload(condition) { return true }
        try await Task.sleep(for: .milliseconds(50))
    } while ContinuousClock.now < deadline
    return false
}
