import Hummingbird
import NIOCore

/// The request context of the server: Hummingbird's basics plus the peer address, which the
/// per-address login limits need.
public struct SSORequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

extension RequestContext {
    /// The peer's IP address, when the context knows it. The server's own context is tried
    /// first: a cast to a concrete type is a metadata check, while one to an existential looks
    /// up the protocol conformance (over 1% of an introspection request, perf).
    var peerAddress: String? {
        if let context = self as? SSORequestContext { return context.remoteAddress?.ipAddress }
        return (self as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress
    }
}
