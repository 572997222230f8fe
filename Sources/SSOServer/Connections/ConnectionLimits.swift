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
    /// logins a second per core) far fewer users than would keep that many open. With
    /// `descriptorReserve` it fits the 65,536 descriptors of the systemd unit (`LimitNOFILE`)
    /// many times over; a shell's 1,024 is raised at start-up (`raiseOpenFileLimit`).
    public static let defaultMaximumConnections = 4096
    /// Above what browsers behind one address translator (an office, a mobile carrier) open
    /// together, six or so each; far below the whole.
    public static let defaultMaximumConnectionsPerAddress = 256
    /// Descriptors the process needs besides connections: the database files or the PostgreSQL
    /// pool, outgoing HTTP to upstream providers and logout receivers, the event loops, the log.
    public static let descriptorReserve = 256

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

    #if os(Linux)
    private static let openFiles = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let openFiles = RLIMIT_NOFILE
    #endif

    /// The soft limit on open files of this process (`ulimit -n`, systemd's `LimitNOFILE`).
    public static func openFileLimit() -> Int? {
        var limit = rlimit()
        guard getrlimit(openFiles, &limit) == 0 else { return nil }
        // RLIM_INFINITY is all ones, which Swift does not import for the unsigned type.
        return limit.rlim_cur == rlim_t.max ? nil : Int(clamping: limit.rlim_cur)
    }

    /// Raises the soft limit on open files (often 1,024 in a shell) to what `maximumConnections`
    /// and `descriptorReserve` need, as far as the hard limit allows; never lowers it. The soft
    /// limit is low by default for programs that use `select`, which this server does not.
    @discardableResult
    public func raiseOpenFileLimit() -> Int? {
        var limit = rlimit()
        guard getrlimit(Self.openFiles, &limit) == 0 else { return nil }
        let needed = rlim_t(maximumConnections + Self.descriptorReserve)
        if limit.rlim_cur < needed, limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = min(needed, limit.rlim_max)
            _ = setrlimit(Self.openFiles, &limit)
        }
        return Self.openFileLimit()
    }

    /// Why the connection cap and the descriptor limit disagree, for a warning at start-up; `nil`
    /// when the cap and `descriptorReserve` fit under the limit.
    public func descriptorProblem(openFileLimit: Int?) -> String? {
        guard let openFileLimit, maximumConnections + Self.descriptorReserve > openFileLimit else { return nil }
        let lower = openFileLimit > 2 * Self.descriptorReserve
            ? " or lower max_connections to \(openFileLimit - Self.descriptorReserve)" : ""
        return "max_connections (\(maximumConnections)) and the \(Self.descriptorReserve) descriptors the server needs "
            + "besides connections exceed the open-file limit (\(openFileLimit)): raise the limit to "
            + "\(maximumConnections + Self.descriptorReserve) (ulimit -n, systemd's LimitNOFILE)\(lower); until then "
            + "accepting pauses whenever no descriptor is free"
    }
}
