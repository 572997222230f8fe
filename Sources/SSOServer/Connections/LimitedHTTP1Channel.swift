import CoreMetrics
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import SSOHTTP

/// Hummingbird's HTTP/1.1 channel (`HTTP1Channel`, with its idle timeout) behind the limits of
/// `ConnectionLimits`: a connection beyond a cap is answered 503 and closed without a byte read
/// from it, and every admitted one gets `RequestReadTimeout`.
///
/// The caps are checked where Hummingbird sets up an accepted connection's pipeline, before the
/// connection is registered for reading. The set-up never fails for a refused connection: NIO
/// neither registers nor closes a connection whose set-up fails, so its descriptor would leak.
struct LimitedHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    /// An admitted connection's HTTP parts, or a refused connection, which closes by itself.
    enum Value: ServerChildChannelValue {
        case admitted(HTTP1Channel.Value)
        case refused(any Channel)

        var channel: any Channel {
            switch self {
            case .admitted(let asyncChannel): asyncChannel.channel
            case .refused(let channel): channel
            }
        }
    }

    let responder: HTTPChannelHandler.Responder
    let limits: ConnectionLimits
    let table: ConnectionTable
    let metrics: ServerMetrics
    private let http1: HTTP1Channel

    init(responder: @escaping HTTPChannelHandler.Responder, limits: ConnectionLimits, table: ConnectionTable,
         metrics: ServerMetrics) {
        self.responder = responder
        self.limits = limits
        self.table = table
        self.metrics = metrics
        self.http1 = HTTP1Channel(responder: responder, configuration: .init(idleTimeout: .fromSeconds(limits.idleTimeout)))
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let address = channel.remoteAddress?.ipAddress ?? ""
        let admission = table.admit(address)
        guard admission == .admitted else {
            refuse(channel, address: address, reason: admission, logger: logger)
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(RefusedConnection())
                return .refused(channel)
            }.always { result in
                if case .failure = result { channel.close(promise: nil) }
            }
        }
        let table = self.table
        channel.closeFuture.whenComplete { _ in table.release(address) }

        let timeout = TimeAmount.fromSeconds(limits.requestReadTimeout)
        let metrics = self.metrics
        return http1.setup(channel: channel, logger: logger).flatMapThrowing { asyncChannel in
            let pipeline = channel.pipeline.syncOperations
            let requestReadTimeout = RequestReadTimeout(timeout: timeout, logger: logger) {
                metrics.counter("sso_request_read_timeouts_total", []).increment()
            }
            // Right after NIO's request decoder, where requests are whole parts and answers not
            // yet bytes; and a watch for the first raw byte in front of everything.
            let decoder = try pipeline.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(requestReadTimeout, position: .after(decoder.handler))
            try pipeline.addHandler(RequestFirstByteWatch(requestReadTimeout), position: .first)
            return .admitted(asyncChannel)
        }.always { result in
            if case .failure = result { channel.close(promise: nil) }
        }
    }

    func handle(value: Value, logger: Logger) async {
        switch value {
        case .admitted(let asyncChannel):
            await handleHTTP(asyncChannel: asyncChannel, logger: logger)
        case .refused(let channel):
            try? await channel.closeFuture.get()
        }
    }

    private func refuse(_ channel: any Channel, address: String, reason: ConnectionTable.Admission, logger: Logger) {
        let label = reason == .serverFull ? "server_full" : "address_full"
        metrics.counter("sso_connections_refused_total", [("reason", label)]).increment()
        // Off: nothing is to be read from this connection, only the answer written.
        _ = channel.setOption(ChannelOptions.autoRead, value: false)
        if let count = table.noteRefusal() {
            logger.warning("Connections refused: too many open", metadata: [
                "reason": "\(label)", "refused": "\(count)", "client_address": "\(address)",
                "max_connections": "\(table.maximum)", "max_connections_per_address": "\(table.maximumPerAddress)",
            ])
        }
    }
}

/// A connection refused for a cap: answered `503 Service Unavailable` with `Retry-After` as soon
/// as it is up, then closed. Nothing is read from it (its reads are off), so the answer is
/// written to a client that may not have sent its request yet; HTTP/1.1 allows a server to
/// answer and close before the request is complete.
final class RefusedConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let answer = "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\nRetry-After: 1\r\n\r\n"

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { answer(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        answer(context)
        context.fireChannelActive()
    }

    private func answer(_ context: ChannelHandlerContext) {
        let bytes = context.channel.allocator.buffer(string: Self.answer)
        context.writeAndFlush(wrapOutboundOut(bytes)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension RefusedConnection: Sendable {}

extension TimeAmount {
    /// `seconds`, fractions included (the tests' timeouts are fractions of a second).
    static func fromSeconds(_ seconds: Double) -> TimeAmount {
        .nanoseconds(Int64(seconds * 1_000_000_000))
    }
}
