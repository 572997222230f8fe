import Foundation

/// A port of 127.0.0.1 held for a server a test starts later on it (a server whose address must
/// be known before it runs: an upstream provider named by its issuer, a logout receiver
/// registered with a client), for as long as this value lives.
///
/// Finding a free port and closing it before the server binds it races everything else that
/// binds or connects meanwhile (the tests running beside it in this process start servers on
/// port 0 and open connections; so do other processes on the machine): the kernel may hand the
/// port out again, and the server then fails to start with `EADDRINUSE`. Here the port stays
/// bound by a socket that never listens, with `SO_REUSEADDR`: the kernel hands it out to no one
/// else (neither `bind` to port 0 nor `connect` picks a port in use), while a server that binds
/// with `SO_REUSEADDR` (Hummingbird's default) may listen on it.
public final class ReservedPort: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let port: Int
    private let descriptor: Int32

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var on: Int32 = 1
        let reusable = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard reusable == 0, bound == 0, named == 0 else {
            let code = errno
            close(fd)
            throw Failure(description: "reserving a port: errno \(code)")
        }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        close(descriptor)
    }
}
