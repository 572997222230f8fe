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
    /// The peer's IP address, when the context knows it.
    var peerAddress: String? {
        (self as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress
    }
}
