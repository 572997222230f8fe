import Foundation

/// How long a connection may sit idle or take to send a request, and how many may be open at
/// once: what keeps clients that connect and send nothing, or dribble a request byte by byte
/// (slowloris), from holding every file descriptor of the process.
///
/// - The idle timeout is Hummingbird's own (`HTTP1Channel.Configuration.idleTimeout`): a
///   connection with no request in flight (a new one that has sent nothing, or a keep-alive one
///   between requests) is closed after it. It does not bound a request that is being read, as
///   long as part of its body arrives every so often.
/// - The request-read timeout is ours (`RequestReadTimeout`): a request's head and body must
///   arrive in full within it from the request's first byte, or the connection is answered 408
///   (when no other answer is under way on it) and closed.
/// - The caps are counted on the TCP peer (`ConnectionTable`): a connection beyond either is
///   answered 503 and closed before anything is read from it.
public struct ConnectionLimits: Sendable, Equatable {
    /// Seconds a connection with no request in flight stays open.
    public var idleTimeout: Double
    /// Seconds a request has, from its first byte, until its head and body have arrived.
    public var requestReadTimeout: Double
    /// Connections open at once, from everywhere.
    public var maximumConnections: Int
    /// Connections open at once from one TCP peer address; 0 for no such cap (behind a reverse
    /// proxy every connection comes from the proxy).
    public var maximumConnectionsPerAddress: Int

    /// Longer than the 60 s for which nginx (`keepalive_timeout` of an upstream) and the common
    /// cloud load balancers keep an idle upstream connection, so that the proxy, not the server,
    /// closes it: a server closing first races the proxy's next request on that connection.
    public static let defaultIdleTimeout = 75
    /// A request here is at most 8 KiB of request line, 16 KiB of headers and 64 KiB of body
    /// (`RequestLimits`): 20 s allows that at under 5 KB/s. Shorter than the 30 s systemd gives
    /// a stopping server (`TimeoutStopSec`), so a slow request cannot hold a shutdown past it.
    public static let defaultRequestReadTimeout = 20
    /// An open connection costs about 15 KB (its buffers, channel and task): 4,096 of them take
    /// some 60 MB, twice the server's idle footprint. One instance signs in (bcrypt, a few
    /// logins a second per core) far fewer users than would keep that many open.
    public static let defaultMaximumConnections = 4096
    /// Above what browsers behind one address translator (an office, a mobile carrier) open
    /// together, six or so each; far below the whole.
    public static let defaultMaximumConnectionsPerAddress = 256

    public init(
        idleTimeout: Double = Double(defaultIdleTimeout), requestReadTimeout: Double = Double(defaultRequestReadTimeout),
        maximumConnections: Int = defaultMaximumConnections,
        maximumConnectionsPerAddress: Int = defaultMaximumConnectionsPerAddress
    ) {
        self.idleTimeout = idleTimeout
        self.requestReadTimeout = requestReadTimeout
        self.maximumConnections = maximumConnections
        self.maximumConnectionsPerAddress = maximumConnectionsPerAddress
    }
}
