import Hummingbird
import NIOCore

/// A request context that knows the peer's IP address, which the per-address limits, the
/// trusted proxies and the access log need. Routes are generic over it, so the address is read
/// through the protocol, never by a cast at run time.
public protocol PeerAddressRequestContext: RequestContext {
    var peerAddress: String? { get }
}

/// The request context of the server: Hummingbird's basics plus the peer address.
public struct SSORequestContext: PeerAddressRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    public var peerAddress: String? { remoteAddress?.ipAddress }
}
