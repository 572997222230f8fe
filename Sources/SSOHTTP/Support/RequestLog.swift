import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SSOCore

/// Gives every request an id and logs it when answered: the outermost middleware, so refusals
/// by the size limits are logged too.
///
/// The id is the `X-Request-Id` a trusted proxy sent (`--trusted-proxy`), when it is a sane
/// token, or a new one; it is bound as `RequestID.current` while the request is served (the
/// security events logged meanwhile carry it) and returned in the `X-Request-Id` header. The
/// access-log line (at `info`) has the method, the path without its query (queries carry codes
/// and tokens), the status, the duration and the client's address.
struct RequestLog<Context: PeerAddressRequestContext>: RouterMiddleware {
    static var header: HTTPField.Name { HTTPField.Name("X-Request-Id")! }

    let trustedProxies: Set<String>
    let logger: Logger
    let metrics: ServerMetrics
    let clientAddress: @Sendable (Request, Context) -> String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        let id = incomingID(request, context: context) ?? RequestID.next()
        var response: Response
        do {
            response = try await RequestID.$current.withValue(id) { try await next(request, context) }
        } catch let error as any HTTPResponseError {
            // Hummingbird's own refusals (404, 405 ...) arrive as errors: answered here, with the id.
            response = try error.response(from: request, context: context)
        } catch {
            finished(request, context: context, id: id, status: 500, since: started)
            throw error
        }
        response.headers[Self.header] = id
        finished(request, context: context, id: id, status: response.status.code, since: started)
        return response
    }

    private func incomingID(_ request: Request, context: Context) -> String? {
        // Only a trusted proxy may name the request: no proxies, no peer address to format.
        guard !trustedProxies.isEmpty, let peer = context.peerAddress, trustedProxies.contains(peer),
            let sent = request.headers[Self.header], RequestID.isAcceptable(sent)
        else { return nil }
        return sent
    }

    /// Counts the request (by its route's template) and writes the access-log line.
    private func finished(_ request: Request, context: Context, id: String, status: Int, since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        metrics.request(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: status,
                        duration: elapsed)
        guard logger.logLevel <= .info else { return }
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        var fields: Logger.Metadata = [
            "request_id": .string(id), "method": .string(request.method.rawValue), "path": .string(request.uri.path),
            "status": .stringConvertible(status), "duration_ms": .string(String(format: "%.2f", milliseconds)),
        ]
        if let address = clientAddress(request, context) { fields["client_address"] = .string(address) }
        logger.info("request", metadata: fields)
    }
}
