import Logging
import NIOCore
import NIOHTTP1

/// Closes a connection whose request does not arrive in full within `timeout` of its first
/// byte: a head dribbled a byte at a time, or a body that never completes (slowloris).
/// Hummingbird's idle timeout cannot do this: it restarts on every part of a body, and knows
/// nothing of a head until the head is complete.
///
/// It sits between NIO's HTTP/1 decoder and Hummingbird's codec, where it sees each request's
/// parts as decoded and each answer's parts as written; `RequestFirstByteWatch`, at the front of
/// the pipeline, tells it when the bytes of a new request begin. When time runs out and no
/// answer has begun for this request (nor is one still owed to an earlier request), the client
/// gets `408 Request Timeout` with `Connection: close`; then the connection is closed.
/// Time spent by the server answering is not counted: a request that has arrived in full
/// stops the clock. "Arrived" is as decoded, and a handler that leaves a body unread stops the
/// reading (back-pressure); the bodies here are at most 64 KiB and read at once, but a handler
/// that sat on a large body for the whole timeout would have its client timed out.
final class RequestReadTimeout: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let timeout: TimeAmount
    private let logger: Logger
    private let onTimeout: @Sendable () -> Void
    private var context: ChannelHandlerContext?
    /// Set while a request is being read: from its first byte until its end is decoded.
    private var deadline: Scheduled<Void>?
    /// Whether the head of the request being read has been decoded.
    private var headRead = false
    private var headsRead = 0
    /// Answers whose head has been written (informational 1xx heads are not answers).
    private var answersBegun = 0
    /// An answer's head has been written and its end not yet.
    private var answerOpen = false

    init(timeout: TimeAmount, logger: Logger, onTimeout: @escaping @Sendable () -> Void = {}) {
        self.timeout = timeout
        self.logger = logger
        self.onTimeout = onTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopClock()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopClock()
        context.fireChannelInactive()
    }

    /// The first bytes of a request have arrived (from `RequestFirstByteWatch`, before they are
    /// decoded). Bytes that continue the request being read change nothing.
    func requestBytesArrived() {
        startClock()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            headsRead += 1
            headRead = true
            // A pipelined request decoded from bytes that came with the previous one.
            startClock()
        case .body:
            break
        case .end:
            headRead = false
            stopClock()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200:
            answersBegun += 1
            answerOpen = true
        case .head, .body:
            break
        case .end:
            answerOpen = false
        }
        context.write(data, promise: promise)
    }

    private func startClock() {
        guard deadline == nil, let context else { return }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            deadline = nil
            expire()
        }
    }

    private func stopClock() {
        deadline?.cancel()
        deadline = nil
    }

    private func expire() {
        guard let context, context.channel.isActive else { return }
        onTimeout()
        logger.debug("Request not received in time; closing the connection", metadata: [
            "client_address": "\(context.channel.remoteAddress?.ipAddress ?? "?")",
            "head_received": "\(headRead)",
        ])
        // A 408 may go out only as the answer to this request: when every earlier request has
        // had its answer written in full and this one none yet.
        let earlierRequests = headsRead - (headRead ? 1 : 0)
        guard !answerOpen, answersBegun == earlierRequests else {
            context.close(promise: nil)
            return
        }
        let head = HTTPResponseHead(
            version: .http1_1, status: .requestTimeout, headers: ["Connection": "close", "Content-Length": "0"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension RequestReadTimeout: Sendable {}

/// At the front of a connection's pipeline, before any decoding: tells `RequestReadTimeout` that
/// bytes have arrived, which start its clock when no request is being read. Line breaks alone
/// do not (some clients send one after a body, and the decoder skips them).
final class RequestFirstByteWatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: RequestReadTimeout

    init(_ timeout: RequestReadTimeout) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if unwrapInboundIn(data).readableBytesView.contains(where: { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }) {
            timeout.requestBytesArrived()
        }
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension RequestFirstByteWatch: Sendable {}
