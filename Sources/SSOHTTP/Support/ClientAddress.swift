import Foundation
import HTTPTypes
import Hummingbird

extension SSORoutes {
    /// The address of the client a request comes from, for per-address limits.
    ///
    /// Behind a reverse proxy every peer is the proxy, so a proxy named in `--trusted-proxy`
    /// is looked through: the client is the right-most `X-Forwarded-For` entry that is not
    /// itself a trusted proxy. Entries further left are written by the client and not believed.
    func clientAddress(_ request: Request, context: some PeerAddressRequestContext) -> String? {
        guard var address = context.peerAddress else { return nil }
        guard configuration.trustedProxies.contains(address) else { return address }
        let forwarded = request.headers[values: .init("X-Forwarded-For")!]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in forwarded.reversed() {
            address = hop
            if !configuration.trustedProxies.contains(hop) { break }
        }
        return address
    }
}
